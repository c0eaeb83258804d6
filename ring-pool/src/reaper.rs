//! Reaping: the completion side of a ring, and its reaper thread.
//!
//! The completion queue sits behind the ring's CQ lock. Whoever holds the lock reaps: it
//! copies up to a batch of CQEs out, releases the CQ head for the batch (one store), and
//! delivers each result to its slot, waking the owner if it sleeps. Releasing the head before
//! delivering is what bounds the CQ: by the time an owner can free its slot (and a new
//! operation can complete), its CQE has left the CQ.
//!
//! Two kinds of thread reap:
//! - the **reaper**, one thread per ring, which blocks in `enter(GETEVENTS, min_complete =
//!   1)` (without the lock) whenever the CQ is empty **and some thread sleeps waiting for a
//!   delivery** (an owner parked on its slot, or `close`), so every completion is delivered
//!   even when nobody else is around. While nobody sleeps it is idle on a futex instead: the
//!   kernel wakes every `GETEVENTS` waiter for each completion it posts, including the ones
//!   a submitter is about to reap itself, and on page-cache reads that woke (and switched to)
//!   the reaper for nothing;
//! - a **submitter**, right after its enter, if the lock is free (`try_lock`): an operation
//!   the kernel completed inline (a page-cache read, a NOP) is then delivered without waking
//!   the reaper's thread or sleeping on the slot, which saves two context switches. A
//!   submitter never reaps once the ring is closing, and never consumes the wake NOP, so the
//!   reaper sees it and every completion after it.
//!
//! The hand-off between a sleeping owner and an idle reaper is a store-buffering handshake:
//! the owner increments the ring's `sleepers`, `fence(SeqCst)`, reads `reaper_idle` (and if
//! it is set, clears it and wakes the reaper); the reaper sets `reaper_idle`,
//! `fence(SeqCst)`, re-reads `sleepers` and sleeps only if it is still zero. With a fence on
//! each side one of them sees the other's write, so an owner never sleeps while the reaper
//! idles. `sleepers` goes down only after the owner woke; a stale non-zero count only keeps
//! the reaper in the kernel until the next completion.
//!
//! The reaper exits when it has seen the ring's wake NOP (pushed by `close`, after which no
//! operation is accepted) and as many completions have been delivered as operations were
//! pushed.

use std::sync::Arc;

use ring_core::abi::{enter, Cqe};
use ring_core::{CompletionQueue, Enter, Errno, Kernel};

use crate::driver::Driver;
use crate::ring::RingCore;
use crate::slot::WAKE_BIT;
use core::sync::atomic::Ordering::{Relaxed, SeqCst};

use crate::sync::{back_off, fence, lock, thread, Counter};

/// CQEs taken per batch.
const BATCH: usize = 32;

/// The completion side, under the ring's CQ lock.
pub(crate) struct CqSide<D: Driver> {
    pub(crate) cq: CompletionQueue<'static, D::Backend>,
    /// Completions delivered (each operation's exactly once).
    delivered: u64,
    /// The reaper has consumed the wake NOP.
    wake_seen: bool,
    /// `close` began: only the reaper reaps from now on.
    pub(crate) closing: bool,
}

impl<D: Driver> CqSide<D> {
    pub(crate) fn new(cq: CompletionQueue<'static, D::Backend>) -> Self {
        CqSide { cq, delivered: 0, wake_seen: false, closing: false }
    }
}

/// What a ring's reapers have done (statistics).
#[derive(Debug, Default)]
pub(crate) struct ReaperStats {
    /// Completions delivered by the reaper thread.
    pub(crate) by_reaper: Counter,
    /// Completions delivered by submitters reaping after their enter.
    pub(crate) by_submitters: Counter,
    /// Blocking waits of the reaper in the kernel.
    pub(crate) waits: Counter,
    /// Times the reaper went idle (nobody sleeping for a delivery).
    pub(crate) idle_waits: Counter,
    /// Completions that matched no operation in flight.
    pub(crate) stray: Counter,
    /// Waits that failed (and were retried).
    pub(crate) wait_errors: Counter,
}

/// Reaps one batch under the CQ lock. A submitter (`reaper == false`) stops before a wake
/// NOP and leaves it, and what follows it, to the reaper. Returns how many CQEs it consumed.
pub(crate) fn reap_batch<D: Driver>(
    core: &RingCore<D>,
    side: &mut CqSide<D>,
    reaper: bool,
) -> usize {
    let mut buf = [Cqe::default(); BATCH];
    let mut n = 0;
    for c in side.cq.batch() {
        if n == BATCH || (!reaper && c.user_data & WAKE_BIT != 0) {
            break;
        }
        buf[n] = c;
        n += 1;
    }
    if n == 0 {
        return 0;
    }
    if side.cq.advance(n as u32).is_err() {
        unreachable!("the CQEs just read are ready");
    }
    let (mut delivered, mut stray) = (0, 0);
    // Counted per delivery, before the owner can see its result (see `Slots::complete`).
    let counter =
        if reaper { &core.reaper_stats.by_reaper } else { &core.reaper_stats.by_submitters };
    for c in &buf[..n] {
        if c.user_data & WAKE_BIT != 0 {
            side.wake_seen = true;
            if core.slots.release_unwaited(c.user_data).is_err() {
                stray += 1;
            }
        } else if core.slots.complete(c.user_data, c.res, || counter.add(1)).is_ok() {
            delivered += 1;
        } else {
            stray += 1;
        }
    }
    side.delivered += delivered;
    if stray != 0 {
        core.reaper_stats.stray.add(stray);
    }
    n
}

/// Starts the reaper of `core`.
pub(crate) fn spawn<D: Driver>(
    core: Arc<RingCore<D>>,
    name: String,
) -> Result<thread::JoinHandle<()>, Errno> {
    thread::Builder::new()
        .name(name)
        .spawn(move || run(&core))
        .map_err(|e| Errno(e.raw_os_error().unwrap_or(Errno::EAGAIN.0)))
}

/// If no thread sleeps waiting for a delivery, sleeps until one announces itself and
/// returns true (the caller reaps again); returns false at once if one does.
///
/// Without this the reaper would wait in the kernel all the time, and the kernel wakes it
/// for every completion posted, including those a submitter reaps itself right after its
/// enter: two context switches per inline operation for nothing.
fn idle<D: Driver>(core: &RingCore<D>) -> bool {
    // Relaxed: a first look; the decision is taken after the fence below.
    if core.sleepers.load(Relaxed) != 0 {
        return false;
    }
    // Relaxed: ordered by the fence below.
    core.reaper_idle.atomic().store(1, Relaxed);
    // ORDERING: SeqCst fence between our `reaper_idle` store and our re-read of `sleepers`;
    // pairs with the fence in `RingCore::add_sleeper` between a sleeper's increment and its
    // read of `reaper_idle`. Either we see the sleeper, or it sees us idle and wakes us.
    fence(SeqCst);
    // Relaxed: ordered by the fence above.
    if core.sleepers.load(Relaxed) == 0 {
        core.reaper_stats.idle_waits.add(1);
        core.reaper_idle.wait(1);
    }
    // Relaxed: only we set it to 1; a sleeper's store of 0 and ours agree.
    core.reaper_idle.atomic().store(0, Relaxed);
    true
}

fn run<D: Driver>(core: &RingCore<D>) {
    let mut attempt = 0;
    loop {
        {
            let mut side = lock(&core.cq);
            if reap_batch(core, &mut side, true) != 0 {
                continue;
            }
            if side.wake_seen && lock(&core.side).ops == side.delivered {
                return;
            }
        }
        if idle(core) {
            continue;
        }
        // The CQ was empty when we looked. Wait for a completion without the lock, so that
        // submitters can reap meanwhile; the kernel returns at once if one was posted since.
        core.reaper_stats.waits.add(1);
        let wait = Enter { min_complete: 1, flags: enter::GETEVENTS, ..Enter::default() };
        match core.kernel.enter(wait) {
            Ok(_) => attempt = 0,
            Err(_) => {
                // EINTR (a signal), or a kernel error: the operations in flight still
                // complete, so keep waiting for them.
                core.reaper_stats.wait_errors.add(1);
                back_off(attempt);
                attempt += 1;
            }
        }
    }
}
