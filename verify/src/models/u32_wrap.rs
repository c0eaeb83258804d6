//! The u32 wrap: every head and tail starts at `u32::MAX`, so submission and completion both
//! cross the wrap (and reuse the SQ slot across it) while the SQPOLL thread runs.

use ring_kernel_sim::{Idle, SimRing};

use super::common::{nop, push_sqpoll, reap, Ledger};

/// A 1-entry SQPOLL ring (CQ of 2) from `u32::MAX`: two NOPs, one at a time, the second
/// after every counter has wrapped to 0.
pub fn model() {
    let sim = SimRing::builder()
        .entries(1)
        .sqpoll()
        .workers(0)
        .idle(Idle::Polls(1))
        .start_counters_at(u32::MAX)
        .build()
        .unwrap();
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
