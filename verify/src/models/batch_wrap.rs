//! Batch acquisition across the wrap on a 4-entry SQPOLL ring: `acquire_batch` hands out
//! contiguous slots only up to the end of the SQE array, so a run of entries that crosses the
//! wrap takes several batches, and a later batch reuses slots the SQPOLL thread may still be
//! reading. Every counter also crosses `u32::MAX` at the same point.

use super::common::{nop, reap, sqpoll_ring, Ledger};

/// NOPs to send: the fifth reuses the first one's slot.
const N: u32 = 5;

/// SQ 4 (CQ 8), counters from `u32::MAX - 1`: five NOPs at positions `u32::MAX - 1` to 2,
/// that is slots 2, 3, 0, 1, 2, written as a user fills a ring: batch after batch while
/// slots are free, then submit and wait for SQ space (SQ_WAIT). The first batch stops at the
/// array's end (2 of 5), the second takes slots 0 and 1; the third reuses slot 2 once the
/// thread's head has passed it, then the rest is submitted.
pub fn model() {
    let sim = sqpoll_ring(4, |b| b.start_counters_at(u32::MAX - 1));
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(N as usize);
    let mut sizes = Vec::new();
    let mut next = 0;
    let mut rounds = 0;
    while next < N {
        rounds += 1;
        assert!(rounds < 16, "LOST: the SQ never had space");
        let mut sq = q.submission();
        let mut batch = sq.acquire_batch(N - next);
        let got = batch.capacity();
        for _ in 0..got {
            batch.push(&nop(u64::from(next))).unwrap();
            next += 1;
        }
        drop(batch);
        if got == 0 {
            // Full: hand what is written to the thread, then wait for it to free a slot.
            sq.submit(&*sim).unwrap_or_else(|e| panic!("LOST: submit failed: {e}"));
            sq.wait_for_space(&*sim).unwrap_or_else(|e| panic!("LOST: SQ_WAIT failed: {e}"));
        } else {
            sizes.push(got);
        }
    }
    q.submission().submit(&*sim).unwrap_or_else(|e| panic!("LOST: submit failed: {e}"));
    // The first batch ends at the array's end; none may run past it.
    if sizes[0] != 2 || sizes.iter().sum::<u32>() != N {
        panic!("CORRUPT: batches of {sizes:?} for {N} entries from slot 2 of 4");
    }
    reap(&mut q, &sim, N, |ud, res| ledger.record(ud, res));
    ledger.assert_complete(0..u64::from(N));
    threads.join();
}
