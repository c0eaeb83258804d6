//! SQ slot reuse under SQPOLL: a slot is rewritten only after the kernel thread has released
//! the SQ head past it (the thread may still be reading it until then).

use super::common::{sqpoll_ring, three_nops_through_two_slots};

/// A 2-entry SQPOLL ring with a 2-entry CQ: two NOPs fill the SQ and are published
/// together, then a third waits for SQ space (SQ_WAIT) if both slots are still taken. The
/// third reuses SQ slot 0 and its completion reuses CQ slot 0, both while the thread may
/// still be working on the ring.
pub fn model() {
    let sim = sqpoll_ring(2, |b| b.cq_entries(2));
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    three_nops_through_two_slots(&mut q, &sim);
    threads.join();
}
