//! `verify-loom`: the half of the verification run that must be built with `--cfg loom`.
//! The `verify` CLI builds and runs it; run it by hand with
//! `RUSTFLAGS="--cfg loom" cargo run --release -p verify --bin verify-loom --target-dir target/loom -- models`.

#[cfg(loom)]
fn main() -> std::process::ExitCode {
    verify::loom_main::main()
}

#[cfg(not(loom))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "verify-loom must be built with RUSTFLAGS=\"--cfg loom\" (the `verify` CLI does this)"
    );
    std::process::ExitCode::from(2)
}
