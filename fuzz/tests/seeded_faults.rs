//! The suites must find a seeded historical bug and shrink it to a short sequence.
//!
//! H11 (liburing 0a327806): after a short submit, free SQ space computed from a private
//! head that assumes everything published was consumed. Switched on in ring-core through the
//! simulator's backend (`with_logic_fault`, thread-local: the whole case runs inside it).
//! Short submits come from the sequences themselves (an SQE that fails at submission ends
//! its batch) and from the simulator's `short_submit` fault.
#![cfg(not(loom))]

use fuzz::strategy::{case, ops, Suite};
use fuzz::suite::{check_sim_step, sim_step, sim_threads};
use fuzz::{Checks, Op, RingCfg};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use ring_kernel_sim::{with_logic_fault, LogicFault};

/// Runs the suite's strategy with `fault` on until a case fails; returns the shrunk case and
/// proptest's failure message.
fn find(
    fault: LogicFault,
    suite: Suite,
    checks: Checks,
    cases: u32,
) -> Option<((RingCfg, Vec<Op>), String)> {
    find_in(fault, case(suite), suite, checks, cases)
}

/// As [`find`], over any strategy of cases.
fn find_in(
    fault: LogicFault,
    strategy: impl Strategy<Value = (RingCfg, Vec<Op>)>,
    suite: Suite,
    checks: Checks,
    cases: u32,
) -> Option<((RingCfg, Vec<Op>), String)> {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    // A fixed seed: the same case is found and shrunk the same way on every run.
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let r = runner.run(&strategy, |(cfg, ops)| {
        let run = || match suite {
            Suite::SimThreads => sim_threads(&cfg, &ops, checks),
            _ => sim_step(&cfg, &ops, checks),
        };
        with_logic_fault(Some(fault), run).map(drop).map_err(|f| TestCaseError::fail(f.to_string()))
    });
    match r {
        Err(TestError::Fail(reason, value)) => Some((value, reason.to_string())),
        Err(TestError::Abort(a)) => panic!("aborted: {a}"),
        Ok(()) => None,
    }
}

#[test]
fn h11_found_and_shrunk_by_the_model_checks() {
    let ((cfg, ops), why) =
        find(LogicFault::H11SpaceFromPrivateHead, Suite::SimStep, Checks::default(), 2000)
            .expect("H11 not found in 2000 cases");
    println!("H11, every check:\nminimal failing input: (cfg, ops) = {:#?}\n{why}", (cfg, &ops));
    assert!(ops.len() <= 4, "shrunk to {} steps: {ops:?}", ops.len());
    assert!(why.contains("space") || why.contains("written"), "{why}");
}

#[test]
fn h11_found_by_the_exactly_once_rules_alone() {
    let ((cfg, ops), why) =
        find(LogicFault::H11SpaceFromPrivateHead, Suite::SimStep, Checks::ledger_only(), 4000)
            .expect("H11 not found in 4000 cases");
    println!(
        "H11, exactly-once only:\nminimal failing input: (cfg, ops) = {:#?}\n{why}",
        (cfg, &ops)
    );
    assert!(ops.len() <= 8, "shrunk to {} steps: {ops:?}", ops.len());
    assert!(
        ["DUPLICATE", "LOST", "never consumed", "OUT OF ORDER"].iter().any(|w| why.contains(w)),
        "{why}"
    );
}

#[test]
fn h11_found_with_the_kernel_short_submitting() {
    // A plain ring whose kernel consumes one SQE per enter (the simulator's fault).
    let cfg = RingCfg { entries: 2, short_submit: Some(1), ..RingCfg::default() };
    let strategy = (Just(cfg), ops(32));
    let ((cfg, ops), why) = find_in(
        LogicFault::H11SpaceFromPrivateHead,
        strategy,
        Suite::SimStep,
        Checks::default(),
        2000,
    )
    .expect("H11 not found in 2000 cases");
    println!("H11, short submits:\nminimal failing input: (cfg, ops) = {:#?}\n{why}", (cfg, &ops));
    assert!(ops.len() <= 4, "shrunk to {} steps: {ops:?}", ops.len());
}

proptest! {
    // The sim-step suite's own configuration, regression file included: the seed of the
    // case this demo finds is appended to fuzz/regressions/sim_step.txt, and the suite
    // replays it first on every run (where, H11 being off, it must pass).
    #![proptest_config(fuzz::suite::config(4000, concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/sim_step.txt")))]

    /// The sim-step suite exactly as CI runs it, with H11 switched on: fails by design and
    /// prints proptest's own report of the shrunk sequence. Run with
    /// `cargo test -p fuzz --test seeded_faults -- --ignored h11_demo`.
    #[test]
    #[ignore = "demonstration: fails by design, printing proptest's shrunk H11 sequence"]
    fn h11_demo((cfg, ops) in case(Suite::SimStep)) {
        with_logic_fault(Some(LogicFault::H11SpaceFromPrivateHead), || check_sim_step(&cfg, &ops))?;
    }
}

#[test]
#[ignore = "exploration: which seeded faults each suite finds"]
fn every_fault() {
    for &fault in LogicFault::ALL {
        for suite in [Suite::SimStep, Suite::SimThreads] {
            let cases = if suite == Suite::SimStep { 4000 } else { 300 };
            match find(fault, suite, Checks::default(), cases) {
                Some(((cfg, ops), why)) => {
                    println!("{fault:?} {suite:?}: FOUND {cfg:?} {ops:?}\n    {why}")
                }
                None => println!("{fault:?} {suite:?}: not found in {cases} cases"),
            }
        }
    }
}

#[test]
fn h11_found_by_the_threaded_suite() {
    // The simulator on its own threads: the kernel's timing is not the test's to choose, so
    // the checks are bounds rather than exact values, and the case is found less directly.
    let found =
        find(LogicFault::H11SpaceFromPrivateHead, Suite::SimThreads, Checks::default(), 300);
    let ((cfg, ops), why) = found.expect("H11 not found in 300 threaded cases");
    println!("H11, threads:\nminimal failing input: (cfg, ops) = {:#?}\n{why}", (cfg, &ops));
    assert!(ops.len() <= 8, "shrunk to {} steps: {ops:?}", ops.len());
}
