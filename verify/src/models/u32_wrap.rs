//! The u32 wrap: every head and tail starts at `u32::MAX`, so submission and completion both
//! cross the wrap (and reuse an SQ slot and a CQ slot across it) while the SQPOLL thread runs.

use super::common::{nop, push_sqpoll, reap, sqpoll_ring, Ledger};

/// A 2-entry SQPOLL ring with a 2-entry CQ, every counter at `u32::MAX`: three NOPs, one at
/// a time, at positions `u32::MAX`, 0 and 1. The first and the third use SQ slot 1 and CQ
/// slot 1, on either side of the wrap.
pub fn model() {
    let sim = sqpoll_ring(2, |b| b.cq_entries(2).start_counters_at(u32::MAX));
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(3);
    for ud in 0..3 {
        push_sqpoll(&mut q, &sim, &nop(ud));
        reap(&mut q, &sim, 1, |ud, res| ledger.record(ud, res));
    }
    ledger.assert_complete(0..3);
    threads.join();
}
