//! SQ slot reuse under SQPOLL: a slot is rewritten only after the kernel thread has released
//! the SQ head past it (the thread may still be reading it until then).

use super::common::{nop, push_sqpoll, reap, sqpoll_ring, Ledger};

/// A 2-entry SQPOLL ring with a 2-entry CQ: two NOPs fill the SQ and are published
/// together, then a third waits for SQ space (SQ_WAIT) if both slots are still taken. The
/// third reuses SQ slot 0 and its completion reuses CQ slot 0, both while the thread may
/// still be working on the ring.
pub fn model() {
    let sim = sqpoll_ring(2, |b| b.cq_entries(2));
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(3);
    {
        let mut sq = q.submission();
        sq.push(&nop(0)).unwrap();
        sq.push(&nop(1)).unwrap();
        sq.submit(&*sim).unwrap();
    }
    push_sqpoll(&mut q, &sim, &nop(2));
    reap(&mut q, &sim, 3, |ud, res| ledger.record(ud, res));
    ledger.assert_complete(0..3);
    threads.join();
}
