//! The proptest state machines: random rings and `Op` sequences, checked against the model
//! after every step, on the simulator in step mode, on the simulator's threads, and on the
//! real kernel. Failures shrink and are persisted to `fuzz/regressions/<suite>.txt`, which
//! every run replays first. `PROPTEST_CASES=n` sets the case count.
#![cfg(not(loom))]

use fuzz::strategy::{case, Suite};
use fuzz::suite::{check_real, check_sim_step, check_sim_threads, config};
use proptest::prelude::*;

proptest! {
    #![proptest_config(config(2048, concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/sim_step.txt")))]

    /// The simulator in step mode: kernel steps interleaved with user steps; the model
    /// predicts every counter, flag, return value and CQE exactly.
    #[test]
    fn sim_step((cfg, ops) in case(Suite::SimStep)) {
        check_sim_step(&cfg, &ops)?;
    }
}

proptest! {
    #![proptest_config(config(256, concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/sim_threads.txt")))]

    /// The simulator on threads: an SQPOLL thread and an io-wq worker run by themselves.
    #[test]
    fn sim_threads((cfg, ops) in case(Suite::SimThreads)) {
        check_sim_threads(&cfg, &ops)?;
    }
}

proptest! {
    #![proptest_config(config(512, concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/real_kernel.txt")))]

    /// The real kernel: kernel steps become waits.
    #[test]
    fn real_kernel((cfg, ops) in case(Suite::Real)) {
        check_real(&cfg, &ops)?;
    }
}
