//! Helpers shared by the models: entries, an exactly-once ledger, a bounded reap loop.
//!
//! Failure messages start with a tag the matrix classifies: `LOST` (a completion never
//! arrived), `DUPLICATE` (one arrived twice), `CORRUPT` (wrong contents); loom's own
//! messages say `deadlock` or `Causality violation`.

use ring_core::abi::sqe_flags;
use ring_core::opcode::{Entry, Nop};
use std::sync::Arc;

use ring_kernel_sim::{Idle, SimBuilder, SimQueues, SimRing};

/// A simulated SQPOLL ring of `entries` whose thread sleeps after one empty poll (so every
/// interleaving of its sleep with the user is explored), without io-wq workers; `tweak`
/// adjusts the builder further.
pub fn sqpoll_ring(entries: u32, tweak: impl FnOnce(SimBuilder) -> SimBuilder) -> Arc<SimRing> {
    let b = SimRing::builder().entries(entries).sqpoll().workers(0).idle(Idle::Polls(1));
    tweak(b).build().unwrap_or_else(|e| panic!("CORRUPT: simulated ring setup failed: {e}"))
}

/// A NOP with `user_data`.
pub fn nop(ud: u64) -> Entry {
    Nop::new().build().user_data(ud)
}

/// A NOP completed by an io-wq worker.
pub fn async_nop(ud: u64) -> Entry {
    Nop::new().build().user_data(ud).flags(sqe_flags::ASYNC)
}

/// Counts completions per user_data (0..n).
pub struct Ledger {
    counts: Vec<u32>,
    last_by_source: Vec<Option<u64>>,
}

impl Ledger {
    /// A ledger for user_data `0..n`.
    pub fn new(n: usize) -> Self {
        Ledger { counts: vec![0; n], last_by_source: Vec::new() }
    }

    /// Records one completion; panics on an unknown or repeated user_data, or on a failed
    /// operation.
    pub fn record(&mut self, ud: u64, res: i32) {
        let Some(c) = self.counts.get_mut(ud as usize) else {
            panic!("CORRUPT: completion with unknown user_data {ud}");
        };
        *c += 1;
        if *c > 1 {
            panic!("DUPLICATE: user_data {ud} completed {} times", *c);
        }
        if res != 0 {
            panic!("CORRUPT: user_data {ud} completed with {res}");
        }
    }

    /// Records a completion from an ordered source (user_data = source * 100 + seq) and
    /// checks that each source's completions arrive in order.
    pub fn record_ordered(&mut self, ud: u64, res: i32) {
        self.record(ud, res);
        let source = (ud / 100) as usize;
        if self.last_by_source.len() <= source {
            self.last_by_source.resize(source + 1, None);
        }
        if let Some(prev) = self.last_by_source[source] {
            if prev > ud {
                panic!("CORRUPT: source {source} completed {ud} after {prev}");
            }
        }
        self.last_by_source[source] = Some(ud);
    }

    /// Panics if any expected user_data never completed.
    pub fn assert_complete(&self, expected: impl IntoIterator<Item = u64>) {
        for ud in expected {
            if self.counts.get(ud as usize).copied().unwrap_or(0) == 0 {
                panic!("LOST: user_data {ud} never completed");
            }
        }
    }
}

/// Reaps `total` completions, blocking in the kernel when none is visible.
pub fn reap(q: &mut SimQueues<'_>, kernel: &SimRing, total: u32, mut on: impl FnMut(u64, i32)) {
    let mut got = 0;
    while got < total {
        if take_visible(q, &mut on) {
            got += 1;
            continue;
        }
        let ready =
            q.completion().wait(kernel, 1).unwrap_or_else(|e| panic!("LOST: wait failed: {e}"));
        if ready == 0 {
            panic!("LOST: the kernel returned from a wait with nothing visible");
        }
    }
}

/// Hands the next visible completion to `on` and releases it; false when none is visible.
fn take_visible(q: &mut SimQueues<'_>, on: &mut impl FnMut(u64, i32)) -> bool {
    let mut cq = q.completion();
    let Some(c) = cq.peek() else { return false };
    on(c.user_data, c.res);
    if cq.advance(1).is_err() {
        panic!("CORRUPT: advance failed after a successful peek");
    }
    true
}

/// Drains what is visible or parked without blocking (peek; flush when the flags say
/// completions are parked), as a user does once the kernel is idle. Bounded: flushes that
/// never bring anything out are LOST.
pub fn drain_nonblocking(q: &mut SimQueues<'_>, kernel: &SimRing, mut on: impl FnMut(u64, i32)) {
    let mut fruitless = 0;
    loop {
        if take_visible(q, &mut on) {
            fruitless = 0;
            continue;
        }
        let mut cq = q.completion();
        if !cq.needs_flush() {
            return;
        }
        fruitless += 1;
        if fruitless > 2 {
            panic!("LOST: completions stay parked although the user flushed them");
        }
        cq.flush(kernel).unwrap_or_else(|e| panic!("LOST: flush failed: {e}"));
    }
}

/// Drains like a user who relies on `submit` to flush: peek; when the CQ is empty but the
/// flags say completions are parked, call `submit()` with nothing to submit, which must
/// still enter with GETEVENTS (H13). Bounded: a flush that never happens is LOST.
pub fn drain_via_submit(q: &mut SimQueues<'_>, kernel: &SimRing, mut on: impl FnMut(u64, i32)) {
    let mut fruitless = 0;
    loop {
        if take_visible(q, &mut on) {
            fruitless = 0;
            continue;
        }
        let mut sq = q.submission();
        if !sq.cq_needs_flush() {
            return;
        }
        fruitless += 1;
        if fruitless > 2 {
            panic!("LOST: completions stay parked although submit was called to flush them");
        }
        sq.submit(kernel).unwrap_or_else(|e| panic!("LOST: submit failed: {e}"));
    }
}

/// Pushes `entry` and submits it on an SQPOLL ring, waiting for SQ space
/// ([`wait_for_space`](ring_core::SubmissionQueue::wait_for_space): IORING_ENTER_SQ_WAIT)
/// while the SQ is full.
pub fn push_sqpoll(q: &mut SimQueues<'_>, kernel: &SimRing, entry: &ring_core::opcode::Entry) {
    for _ in 0..8 {
        let mut sq = q.submission();
        if sq.push(entry).is_ok() {
            sq.submit(kernel).unwrap_or_else(|e| panic!("LOST: submit failed: {e}"));
            return;
        }
        sq.wait_for_space(kernel).unwrap_or_else(|e| panic!("LOST: SQ_WAIT failed: {e}"));
    }
    panic!("LOST: the SQ never had space");
}

/// On a started two-entry SQPOLL ring: two NOPs published together fill the SQ, a third
/// waits for SQ space if need be ([`push_sqpoll`]), and all three are reaped; every one must
/// complete exactly once. The SQ slot reuse of `sq_slot_reuse` and `short_submit_sqpoll`.
pub fn three_nops_through_two_slots(q: &mut SimQueues<'_>, sim: &SimRing) {
    let mut ledger = Ledger::new(3);
    {
        let mut sq = q.submission();
        sq.push(&nop(0)).unwrap();
        sq.push(&nop(1)).unwrap();
        sq.submit(sim).unwrap();
    }
    push_sqpoll(q, sim, &nop(2));
    reap(q, sim, 3, |ud, res| ledger.record(ud, res));
    ledger.assert_complete(0..3);
}
