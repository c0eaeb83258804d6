//! A user with a separate submitter thread and reaper thread: inline completions are posted
//! by the submitter's enter while the reaper reads and releases the CQ.

use std::sync::Arc;

use ring_core::{CompletionQueue, SubmissionQueue};
use ring_kernel_sim::{Sim, SimRing};

use super::common::{nop, Ledger};

/// SQ 2 / CQ 2 (CQSIZE): the submitter sends three NOPs one by one (the third reuses SQ
/// slot 0); the reaper waits for and releases each. The CQ wraps while both run: the
/// submitter's enter posts the third CQE into the slot the reaper has just released.
pub fn model() {
    let sim = SimRing::builder().entries(2).cq_entries(2).workers(0).build().unwrap();
    let mut q = sim.queues().unwrap();
    let (sq, cq) = q.split();
    // SAFETY: both views borrow `q` and `sim`, which outlive the two threads: they are
    // joined below before either goes out of scope (on a model failure loom abandons the
    // execution without running the threads again).
    let sq: SubmissionQueue<'static, Sim> = unsafe { std::mem::transmute(sq) };
    // SAFETY: as above.
    let cq: CompletionQueue<'static, Sim> = unsafe { std::mem::transmute(cq) };
    let k1 = Arc::clone(&sim);
    let k2 = Arc::clone(&sim);
    let submitter = loom::thread::spawn(move || {
        let mut sq = sq;
        for ud in 0..3 {
            loop {
                if sq.push(&nop(ud)).is_ok() {
                    break;
                }
                // Full: the previous NOP has not been consumed; submit it.
                sq.submit(&*k1).unwrap();
            }
            sq.submit(&*k1).unwrap();
        }
    });
    let reaper = loom::thread::spawn(move || {
        let mut cq = cq;
        let mut ledger = Ledger::new(3);
        let mut got = 0;
        while got < 3 {
            match cq.peek() {
                Some(c) => {
                    ledger.record(c.user_data, c.res);
                    cq.advance(1).unwrap();
                    got += 1;
                }
                None => {
                    let ready = cq.wait(&*k2, 1).unwrap();
                    if ready == 0 {
                        panic!("LOST: wait returned with nothing visible");
                    }
                }
            }
        }
        ledger.assert_complete(0..3);
    });
    submitter.join().unwrap();
    reaper.join().unwrap();
}
