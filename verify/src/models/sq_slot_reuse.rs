//! SQ slot reuse under SQPOLL: a slot is rewritten only after the kernel thread has released
//! the SQ head past it (the thread may still be reading it until then).

use ring_core::abi::enter;
use ring_core::{Enter, Kernel};
use ring_kernel_sim::{Idle, SimRing};

use super::common::{nop, reap, Ledger};

/// A 1-entry SQPOLL ring; three NOPs through the single slot, waiting for SQ space (SQ_WAIT)
/// between them.
pub fn model() {
    let sim =
        SimRing::builder().entries(1).sqpoll().workers(0).idle(Idle::Polls(1)).build().unwrap();
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(3);
    for ud in 0..3 {
        loop {
            let mut sq = q.submission();
            if sq.push(&nop(ud)).is_ok() {
                sq.submit(&*sim).unwrap();
                break;
            }
            // Full: the previous NOP is not consumed yet. Make sure the thread is awake,
            // then wait for SQ space in the kernel.
            sq.submit(&*sim).unwrap();
            sim.enter(Enter { flags: enter::SQ_WAIT, ..Enter::default() }).unwrap();
        }
    }
    reap(&mut q, &sim, 3, |ud, res| ledger.record(ud, res));
    ledger.assert_complete(0..3);
    threads.join();
}
