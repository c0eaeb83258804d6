//! The u32 wrap: every head and tail starts two below `u32::MAX`, so submission and
//! completion both cross the wrap while the SQPOLL thread runs.

use ring_kernel_sim::{Idle, SimRing};

use super::common::{nop, reap, Ledger};

/// A 2-entry SQPOLL ring from `u32::MAX - 1`: three NOPs, one at a time.
pub fn model() {
    let sim = SimRing::builder()
        .entries(2)
        .sqpoll()
        .workers(0)
        .idle(Idle::Polls(1))
        .start_counters_at(u32::MAX - 1)
        .build()
        .unwrap();
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(3);
    for ud in 0..3 {
        {
            let mut sq = q.submission();
            sq.push(&nop(ud)).unwrap();
            sq.submit(&*sim).unwrap();
        }
        reap(&mut q, &sim, 1, |ud, res| ledger.record(ud, res));
    }
    ledger.assert_complete(0..3);
    threads.join();
}
