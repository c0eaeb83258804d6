//! Short-submit accounting: when the kernel consumes fewer SQEs than published, the rest
//! stay pending and are resubmitted; free space comes from the kernel's head, so nothing
//! pending is overwritten (H11).
//!
//! Two variants. [`model`] submits inline: the simulated kernel consumes at enter, on the
//! user's own thread, so one execution is the whole state space (loom explores 1
//! iteration); it checks the accounting of the enter return value. [`model_sqpoll`] runs the
//! same short consumption on the SQPOLL thread (the simulator's `short_submit` fault limits
//! every consumption batch, the thread's polls included): the thread takes one SQE per poll
//! while the user refills the slot it has just released, so the entry still pending in the
//! other slot races the user's next write.

use ring_kernel_sim::{Faults, SimRing};

use super::common::{nop, reap, sqpoll_ring, three_nops_through_two_slots, Ledger};

/// A 2-entry ring whose kernel consumes one SQE per enter: four NOPs, each slot refilled as
/// soon as the SQ reports space.
pub fn model() {
    let faults = Faults { short_submit: Some(1), ..Faults::default() };
    let sim = SimRing::builder().entries(2).workers(0).faults(faults).build().unwrap();
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(4);
    let mut next = 0;
    let mut submits = 0;
    while next < 4 {
        let mut sq = q.submission();
        while next < 4 && sq.push(&nop(next)).is_ok() {
            next += 1;
        }
        sq.submit(&*sim).unwrap();
        submits += 1;
        assert!(submits < 16, "LOST: submission made no progress");
    }
    while q.submission().pending() != 0 {
        q.submission().submit(&*sim).unwrap();
        submits += 1;
        assert!(submits < 16, "LOST: pending entries never consumed");
    }
    reap(&mut q, &sim, 4, |ud, res| ledger.record(ud, res));
    ledger.assert_complete(0..4);
    if sim.stats().consumed != 4 {
        panic!("DUPLICATE: the kernel consumed {} SQEs for 4 NOPs", sim.stats().consumed);
    }
    threads.join();
}

/// A 2-entry SQPOLL ring (CQ 4) whose thread consumes one SQE per poll: two NOPs published
/// together fill the SQ, then a third waits for SQ space (SQ_WAIT) if need be. The thread
/// takes the first and releases its slot while the second is still pending: the third must
/// go into the released slot, never over the pending one (free space comes from the
/// thread's head, not from what was published).
pub fn model_sqpoll() {
    let faults = Faults { short_submit: Some(1), ..Faults::default() };
    let sim = sqpoll_ring(2, |b| b.faults(faults));
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    three_nops_through_two_slots(&mut q, &sim);
    if sim.stats().consumed != 3 {
        panic!("DUPLICATE: the SQPOLL thread consumed {} SQEs for 3 NOPs", sim.stats().consumed);
    }
    threads.join();
}
