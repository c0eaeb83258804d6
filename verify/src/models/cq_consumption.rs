//! CQE consumption and CQ slot reuse: an io-wq worker posts into a 2-entry CQ while the user
//! reads and releases it, so the worker may write a CQE into the slot the user has just
//! released while the user goes on reading the other slot. Each slot is read only after the
//! tail published it (else loom reports the read) and rewritten only after the head released
//! it (else loom reports the worker's write against the user's read).

use ring_kernel_sim::SimRing;

use super::common::{async_nop, reap, Ledger};

/// SQ 2 / CQ 2 (CQSIZE), one io-wq worker. Three async NOPs are handed to the worker before
/// the user reads anything, so nothing orders the worker's third post after the user's
/// reads except the CQ head: the worker fills both slots, then (when the user has released
/// slot 0) refills slot 0 from the head it reads, or (when the user has not) parks the third
/// completion in the backlog for the user's wait to flush.
pub fn model() {
    let sim = SimRing::builder().entries(2).cq_entries(2).workers(1).build().unwrap();
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(3);
    {
        let mut sq = q.submission();
        sq.push(&async_nop(0)).unwrap();
        sq.push(&async_nop(1)).unwrap();
        sq.submit(&*sim).unwrap();
        // Inline submission consumed both entries: slot 0 is free again.
        sq.push(&async_nop(2)).unwrap();
        sq.submit(&*sim).unwrap();
    }
    // One worker completes in queue order: source 0, sequence 0..3.
    reap(&mut q, &sim, 3, |ud, res| ledger.record_ordered(ud, res));
    ledger.assert_complete(0..3);
    threads.join();
}
