//! Declares the `crossbeam_loom` cfg (set together with `loom` for the model runs; see
//! docs/pool.md) so that `unexpected_cfgs` accepts it.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(crossbeam_loom)");
}
