//! SQPOLL sleep and wakeup: no submission is left behind a sleeping thread, including
//! `submit_and_wait` on a thread that is asleep (the d77a67ed hang, H10).

use super::common::{nop, sqpoll_ring, Ledger};

/// Two rounds of one NOP with `submit_and_wait(1)`; the thread sleeps after one empty poll,
/// so every interleaving of its sleep with the user's publish is explored.
pub fn model() {
    let sim = sqpoll_ring(2, |b| b);
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(2);
    for ud in 0..2 {
        {
            let mut sq = q.submission();
            sq.push(&nop(ud)).unwrap();
            sq.submit_and_wait(&*sim, 1).unwrap();
        }
        let mut cq = q.completion();
        let Some(c) = cq.peek() else { panic!("LOST: submit_and_wait(1) returned with no CQE") };
        ledger.record(c.user_data, c.res);
        cq.advance(1).unwrap();
    }
    ledger.assert_complete(0..2);
    threads.join();
}
