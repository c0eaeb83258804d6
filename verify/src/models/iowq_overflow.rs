//! io-wq out-of-order completion with CQ overflow: two workers and the submitter post into a
//! 2-entry CQ; the excess goes to the backlog (NODROP). Every user_data completes exactly
//! once and each source's completions keep their order.

use ring_kernel_sim::SimRing;

use super::common::{async_nop, drain_nonblocking, nop, reap, Ledger};

/// SQ 2 / CQ 2: two async NOPs (workers) and two inline NOPs (the submitter, in order).
/// The user first waits for a full CQ, then, once the kernel is idle, drains without
/// blocking: parked completions must be flushed, not forgotten (H12).
pub fn model() {
    let sim = SimRing::builder().entries(2).cq_entries(2).workers(2).build().unwrap();
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(202);
    {
        let mut sq = q.submission();
        sq.push(&async_nop(100)).unwrap();
        sq.push(&async_nop(200)).unwrap();
        sq.submit(&*sim).unwrap();
        sq.push(&nop(0)).unwrap();
        sq.push(&nop(1)).unwrap();
        sq.submit(&*sim).unwrap();
    }
    reap(&mut q, &sim, 1, |ud, res| ledger.record_ordered(ud, res));
    // Let the workers finish; their completions are in the CQ or the backlog.
    threads.join();
    drain_nonblocking(&mut q, &sim, |ud, res| ledger.record_ordered(ud, res));
    ledger.assert_complete([0, 1, 100, 200]);
}
