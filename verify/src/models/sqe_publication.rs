//! SQE publication under SQPOLL: the kernel thread reads each SQE only after the user has
//! written it and published the tail. Slot contents are checked through the loom cells (a
//! read before the write is a causality violation) and through the completions.

use super::common::{nop, reap, sqpoll_ring, Ledger};

/// A 2-entry SQPOLL ring; two NOPs submitted and waited for.
pub fn model() {
    let sim = sqpoll_ring(2, |b| b);
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(2);
    {
        let mut sq = q.submission();
        sq.push(&nop(0)).unwrap();
        sq.push(&nop(1)).unwrap();
        sq.submit(&*sim).unwrap();
    }
    reap(&mut q, &sim, 2, |ud, res| ledger.record(ud, res));
    ledger.assert_complete(0..2);
    threads.join();
}
