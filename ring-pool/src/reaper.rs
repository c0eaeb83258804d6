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
//!   1)` (without the lock) whenever the CQ is empty, so every completion is delivered even
//!   when nobody else is around;
//! - a **submitter**, right after its enter, if the lock is free (`try_lock`): an operation
//!   the kernel completed inline (a page-cache read, a NOP) is then delivered without waking
//!   the reaper's thread or sleeping on the slot, which saves two context switches. A
//!   submitter never reaps once the ring is closing, and never consumes the wake NOP, so the
//!   reaper sees it and every completion after it.
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
use crate::sync::{back_off, lock, thread, Counter};

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
    for c in &buf[..n] {
        if c.user_data & WAKE_BIT != 0 {
            side.wake_seen = true;
            if core.slots.release_unwaited(c.user_data).is_err() {
                stray += 1;
            }
        } else if core.slots.complete(c.user_data, c.res).is_ok() {
            delivered += 1;
        } else {
            stray += 1;
        }
    }
    side.delivered += delivered;
    if reaper {
        core.reaper_stats.by_reaper.add(delivered);
    } else {
        core.reaper_stats.by_submitters.add(delivered);
    }
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
