//! # bench
//!
//! Side-by-side benchmarks of ring-core against its peers, run in one process and alternated
//! round by round, reported as medians, spread and per-round ratios (docs/benchmarks.md).
//!
//! `cargo run --release -p bench -- all` runs everything; `nop`, `read`, `readat` and
//! `callgrind` run one part (see `main.rs` or `--help`).
//!
//! ## Map
//!
//! | module | holds |
//! |---|---|
//! | [`error`] | [`BenchError`]: a contender that is skipped, or a run that failed |
//! | [`setup`] | [`Setup`]: the setup-flag configurations compared |
//! | [`stats`] | medians, quartiles, ratios |
//! | [`driver`] | the [`Contender`] trait and the alternating round driver |
//! | [`libs`] | the contenders: ring-core, the io-uring crate, liburing (C shim), pread threads, fio |
//! | [`mod@file`] | the read benchmarks' file, its content pattern, offsets, aligned buffers |
//! | [`nop`] | NOP round trips per batch size and setup |
//! | [`read`] | 4 KiB random reads (page cache, O_DIRECT) |
//! | [`readat`] | the seed's ReadAt comparison (blocking readers against 128 pread threads) |
//! | [`callgrind`] | user-space instructions per NOP under callgrind |
//! | [`svg`] | the ratio plot |

pub mod callgrind;
pub mod driver;
pub mod error;
pub mod file;
pub mod libs;
pub mod nop;
pub mod read;
pub mod readat;
pub mod setup;
pub mod stats;
pub mod svg;

pub use driver::Contender;
pub use error::BenchError;
pub use setup::Setup;
