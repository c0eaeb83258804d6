//! # fuzz
//!
//! Long submit/reap sequences against ring-core, on the simulated kernel (stepped or on
//! threads) and on the real kernel, checked step by step against a reference model; failures
//! shrink to a short sequence a person can read. The same [`Op`] enum feeds the proptest
//! state machines, the differential runs (simulator vs kernel) and the cargo-fuzz targets
//! (`fuzz/fuzz/`). The `Op` enum, its strategies, the model and the driver are a library, so
//! a crate built on ring-core can fuzz its own code the same way (docs/fuzzing.md).
//!
//! ```
//! use fuzz::{suite, Checks, KernelOp, Kind, Flags, Op, RingCfg};
//!
//! // Two NOPs into a 1-entry ring: the second push finds the SQ full; a stepped kernel
//! // runs io-wq on request.
//! let ops = [
//!     Op::Acquire { n: 2, kind: Kind::Nop, flags: Flags { async_: true, skip_success: false }, batch: false },
//!     Op::Submit,
//!     Op::Kernel(KernelOp::CompleteWorker(0)),
//!     Op::Reap(8),
//! ];
//! let report = suite::sim_step(&RingCfg::new(1), &ops, Checks::default()).unwrap();
//! assert_eq!(report.completions, [(1, 0)]);
//! ```
//!
//! | module | holds |
//! |---|---|
//! | [`op`] | [`Op`], [`Kind`], [`Flags`], [`KernelOp`]: one step of a sequence |
//! | [`cfg`](mod@cfg) | [`RingCfg`]: one ring, for the model, the simulator and the kernel |
//! | [`model`] | [`Model`]: the reference model (queues, counters, kernel mirror) |
//! | [`ledger`] | [`Ledger`]: exactly-once accounting of every `user_data` |
//! | [`target`] | [`Target`]: the simulator (step, threads) and the real kernel |
//! | [`driver`] | [`run`]: the interpreter and its per-step checks |
//! | [`sqe_rules`] | 6.18's rules for what raw SQEs and link chains complete with (the `raw_sqe` oracle) |
//! | [`strategy`] | proptest strategies per [`Suite`] |
//! | [`suite`] | the suites' bodies and configuration (regression files) |
//! | [`targets`] | the cargo-fuzz targets' bodies (setup parameters, raw SQEs, op sequences) |
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod cfg;
pub mod driver;
pub mod ledger;
pub mod model;
#[allow(unsafe_code)]
pub mod op;
pub mod sqe_rules;
pub mod strategy;
pub mod suite;
pub mod target;
#[allow(unsafe_code)]
pub mod targets;

pub use cfg::{RingCfg, Taskrun};
pub use driver::{run, run_with, Checks, Failure, Report, StepObs, Violation};
pub use ledger::{Ledger, LedgerError};
pub use model::{Model, Timing};
pub use op::{Flags, KernelOp, Kind, Op, Sub};
pub use strategy::Suite;
pub use target::{with_real, with_sim, RealTarget, SimTarget, Target};
