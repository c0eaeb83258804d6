//! The u32 wrap: every head and tail starts at `u32::MAX`, so submission and completion both
//! cross the wrap (and reuse the SQ slot across it) while the SQPOLL thread runs.

use super::common::{nop, push_sqpoll, reap, sqpoll_ring, Ledger};

/// A 1-entry SQPOLL ring (CQ of 2) from `u32::MAX`: two NOPs, one at a time, the second
/// after every counter has wrapped to 0.
pub fn model() {
    let sim = sqpoll_ring(1, |b| b.start_counters_at(u32::MAX));
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(2);
    for ud in 0..2 {
        push_sqpoll(&mut q, &sim, &nop(ud));
        reap(&mut q, &sim, 1, |ud, res| ledger.record(ud, res));
    }
    ledger.assert_complete(0..2);
    threads.join();
}
