//! The test bodies of the proptest suites, and their configuration (case counts from the
//! environment, failures persisted to `fuzz/regressions/`).
//!
//! Each `check_*` runs one case and returns proptest's error type, so the suites
//! (`fuzz/tests/state_machine.rs`, `fuzz/tests/differential.rs`), the seeded-fault tests, the
//! throughput binary and a downstream crate all run exactly the same thing.

use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError};
use ring_kernel_sim::Mode;

use crate::cfg::RingCfg;
use crate::driver::{run_with, Checks, Failure, Report};
use crate::op::Op;
use crate::target::{with_real, with_sim};

/// Where the regression files live (committed; proptest replays them before new cases).
pub const REGRESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/regressions");

/// Case count: `PROPTEST_CASES` if set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A proptest configuration with `cases` (see [`cases`]) that persists failing seeds to
/// `file` (an absolute path, `'static` because proptest keeps it; build it with
/// `concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/<name>.txt")`).
pub fn config(default_cases: u32, file: &'static str) -> Config {
    Config {
        cases: cases(default_cases),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(file))),
        ..Config::default()
    }
}

fn to_case_error(f: Failure) -> TestCaseError {
    TestCaseError::fail(f.to_string())
}

/// Runs `ops` on the simulator in step mode; `Err` on any violation.
pub fn sim_step(cfg: &RingCfg, ops: &[Op], checks: Checks) -> Result<Report, Failure> {
    with_sim(cfg, Mode::Step, |t| run_with(t, ops, checks))
}

/// Runs `ops` on the simulator on threads.
pub fn sim_threads(cfg: &RingCfg, ops: &[Op], checks: Checks) -> Result<Report, Failure> {
    with_sim(cfg, Mode::Threads, |t| run_with(t, ops, checks))
}

/// Runs `ops` on the real kernel.
pub fn real(cfg: &RingCfg, ops: &[Op], checks: Checks) -> Result<Report, Failure> {
    with_real(cfg, |t| run_with(t, ops, checks))
}

/// The sim-step suite's body.
pub fn check_sim_step(cfg: &RingCfg, ops: &[Op]) -> Result<(), TestCaseError> {
    sim_step(cfg, ops, Checks::default()).map(drop).map_err(to_case_error)
}

/// The sim-threads suite's body.
pub fn check_sim_threads(cfg: &RingCfg, ops: &[Op]) -> Result<(), TestCaseError> {
    sim_threads(cfg, ops, Checks::default()).map(drop).map_err(to_case_error)
}

/// The real-kernel suite's body.
pub fn check_real(cfg: &RingCfg, ops: &[Op]) -> Result<(), TestCaseError> {
    real(cfg, ops, Checks::default()).map(drop).map_err(to_case_error)
}

/// The differential suite's body: the same sequence on the simulator's threads and on the
/// real kernel must pass every check and show the same observations.
pub fn check_differential(cfg: &RingCfg, ops: &[Op]) -> Result<(), TestCaseError> {
    differential(cfg, ops).map(drop)
}

/// As [`check_differential`], returning both runs' reports (simulator, kernel).
pub fn differential(cfg: &RingCfg, ops: &[Op]) -> Result<(Report, Report), TestCaseError> {
    let cfg = cfg.for_real_kernel();
    let kernel = real(&cfg, ops, Checks::default()).map_err(to_case_error)?;
    let sim = sim_threads(&cfg, ops, Checks::default()).map_err(to_case_error)?;
    for (i, (s, k)) in sim.steps.iter().zip(&kernel.steps).enumerate() {
        if !s.agrees(k) {
            return Err(TestCaseError::fail(format!(
                "step {i} {:?}: the simulator and the kernel disagree\n  sim:    {s:?}\n  kernel: {k:?}",
                s.op
            )));
        }
    }
    if sim.completions != kernel.completions {
        return Err(TestCaseError::fail(format!(
            "completions differ\n  sim:    {:?}\n  kernel: {:?}",
            sim.completions, kernel.completions
        )));
    }
    if sim.inline_order != kernel.inline_order {
        return Err(TestCaseError::fail(format!(
            "inline completion order differs\n  sim:    {:?}\n  kernel: {:?}",
            sim.inline_order, kernel.inline_order
        )));
    }
    Ok((sim, kernel))
}
