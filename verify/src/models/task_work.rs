//! Task-work flushing: on a DEFER_TASKRUN ring a worker's completion is withheld (TASKRUN
//! set) until the issuer enters with GETEVENTS; it must then arrive exactly once.

use ring_core::abi::setup;
use ring_kernel_sim::SimRing;

use super::common::{async_nop, drain_via_submit, nop, Ledger};

/// One async NOP and one inline NOP; once the worker is done the user drains without
/// blocking, calling `submit()` (nothing to submit) because TASKRUN says completions are
/// parked: that submit must enter with GETEVENTS (H13).
pub fn model() {
    let sim = SimRing::builder()
        .entries(2)
        .setup_flags(setup::SINGLE_ISSUER | setup::DEFER_TASKRUN | setup::TASKRUN_FLAG)
        .workers(1)
        .build()
        .unwrap();
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(2);
    {
        let mut sq = q.submission();
        sq.push(&async_nop(0)).unwrap();
        sq.push(&nop(1)).unwrap();
        sq.submit(&*sim).unwrap();
    }
    threads.join();
    drain_via_submit(&mut q, &sim, |ud, res| ledger.record(ud, res));
    ledger.assert_complete(0..2);
}
