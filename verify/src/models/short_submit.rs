//! Short-submit accounting: when the kernel consumes fewer SQEs than published, the rest
//! stay pending and are resubmitted; free space comes from the kernel's head, so nothing
//! pending is overwritten (H11).

use ring_kernel_sim::{Faults, SimRing};

use super::common::{nop, reap, Ledger};

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
