//! Throughput of each proptest driver: sequences and steps per second.
//!
//! ```sh
//! cargo run --release -p fuzz --bin throughput            # default counts
//! cargo run --release -p fuzz --bin throughput -- 5000    # sequences per target
//! ```
//!
//! Sequences come from the suites' strategies with a fixed seed; only running them is timed
//! (generation and shrinking are not). "Steps" counts every step run, the drain included.

use std::time::Instant;

use fuzz::strategy::{case, Suite};
use fuzz::{suite, Checks, Op, Report, RingCfg};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

type Driver = fn(&RingCfg, &[Op]) -> Report;

fn sim_step(cfg: &RingCfg, ops: &[Op]) -> Report {
    suite::sim_step(cfg, ops, Checks::default()).unwrap_or_else(|f| panic!("{f}"))
}

fn sim_threads(cfg: &RingCfg, ops: &[Op]) -> Report {
    suite::sim_threads(cfg, ops, Checks::default()).unwrap_or_else(|f| panic!("{f}"))
}

fn kernel(cfg: &RingCfg, ops: &[Op]) -> Report {
    suite::real(cfg, ops, Checks::default()).unwrap_or_else(|f| panic!("{f}"))
}

fn differential(cfg: &RingCfg, ops: &[Op]) -> Report {
    let (sim, mut kernel) = suite::differential(cfg, ops).unwrap_or_else(|e| panic!("{e}"));
    // Steps: both runs' worth.
    kernel.steps_run += sim.steps_run;
    kernel
}

fn main() {
    let base: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let targets: [(&str, Suite, Driver, usize); 4] = [
        ("sim-step", Suite::SimStep, sim_step, base),
        ("sim-threads", Suite::SimThreads, sim_threads, base / 4),
        ("kernel", Suite::Real, kernel, base / 4),
        ("differential", Suite::Differential, differential, base / 8),
    ];
    println!("| target | sequences | steps | seconds | sequences/s | steps/s |");
    println!("|---|---|---|---|---|---|");
    for (name, s, driver, n) in targets {
        let mut runner = TestRunner::deterministic();
        let strategy = case(s);
        let cases: Vec<(RingCfg, Vec<Op>)> =
            (0..n).map(|_| strategy.new_tree(&mut runner).expect("a case").current()).collect();
        let t0 = Instant::now();
        let mut steps = 0usize;
        for (cfg, ops) in &cases {
            steps += driver(cfg, ops).steps_run;
        }
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "| {name} | {n} | {steps} | {secs:.2} | {:.0} | {:.0} |",
            n as f64 / secs,
            steps as f64 / secs
        );
    }
}
