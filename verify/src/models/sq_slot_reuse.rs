//! SQ slot reuse under SQPOLL: a slot is rewritten only after the kernel thread has released
//! the SQ head past it (the thread may still be reading it until then).

use super::common::{nop, push_sqpoll, reap, sqpoll_ring, Ledger};

/// A 1-entry SQPOLL ring; three NOPs through the single slot, waiting for SQ space (SQ_WAIT)
/// between them.
pub fn model() {
    let sim = sqpoll_ring(1, |b| b);
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(3);
    for ud in 0..3 {
        push_sqpoll(&mut q, &sim, &nop(ud));
    }
    reap(&mut q, &sim, 3, |ud, res| ledger.record(ud, res));
    ledger.assert_complete(0..3);
    threads.join();
}
