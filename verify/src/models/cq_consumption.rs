//! CQE consumption and CQ slot reuse: an io-wq worker posts into a 1-entry CQ while the user
//! reads and releases it; each slot is read only after the tail published it, and rewritten
//! only after the head released it.

use ring_kernel_sim::SimRing;

use super::common::{async_nop, reap, Ledger};

/// SQ 1 / CQ 1 (CQSIZE): two async NOPs, so the worker rewrites the single CQ slot after the
/// user has read and released it.
pub fn model() {
    let sim = SimRing::builder().entries(1).cq_entries(1).workers(1).build().unwrap();
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(2);
    for ud in 0..2 {
        {
            let mut sq = q.submission();
            sq.push(&async_nop(ud)).unwrap();
            sq.submit(&*sim).unwrap();
        }
        reap(&mut q, &sim, 1, |ud, res| ledger.record(ud, res));
    }
    ledger.assert_complete(0..2);
    threads.join();
}
