//! A submit the kernel refuses (here: a timed wait on a kernel without EXT_ARG) fails before
//! anything is published: the entries stay the caller's, so discarding and retrying runs
//! each operation exactly once, even with an SQPOLL thread watching the tail (H15).

use ring_core::abi::Timespec;
use ring_core::{EnterArg, Errno};

use super::common::{drain_nonblocking, nop, reap, sqpoll_ring, Ledger};

/// A 2-entry SQPOLL ring on a kernel without EXT_ARG: a timed submit_and_wait is refused;
/// the user discards what it could not submit, pushes the NOP again and submits it plainly.
pub fn model() {
    let sim = sqpoll_ring(2, |b| b.ext_arg(false));
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(1);
    let ts = Timespec { tv_sec: 1, tv_nsec: 0 };
    {
        let mut sq = q.submission();
        sq.push(&nop(0)).unwrap();
        let timed = EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 };
        match sq.submit_and_wait_with(&*sim, 1, timed) {
            Err(Errno::EOPNOTSUPP) => {}
            other => panic!("CORRUPT: a timed wait without EXT_ARG gave {other:?}"),
        }
        // The error path: drop what could not be submitted, then retry without the timeout.
        sq.discard_unpublished();
        sq.push(&nop(0)).unwrap();
        sq.submit_and_wait(&*sim, 1).unwrap();
    }
    reap(&mut q, &sim, 1, |ud, res| ledger.record(ud, res));
    threads.join();
    // Nothing else may arrive: a second completion means the refused call ran anyway.
    drain_nonblocking(&mut q, &sim, |ud, res| ledger.record(ud, res));
    ledger.assert_complete(0..1);
}
