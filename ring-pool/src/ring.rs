//! One ring of the pool: the submission side shared by every thread, the slots, and the
//! reaper that owns the completion side.
//!
//! ## Submission
//!
//! The SQ has one user-side owner at a time: a submitter takes the ring's submission lock,
//! takes a slot (or waits for one), writes the SQE with the slot's `user_data`, publishes the
//! tail, and lets go of the lock **before** entering the kernel. Entering outside the lock
//! lets submissions batch themselves under contention: every enter asks the kernel for up to
//! a whole ring's worth (`to_submit = entries`; the kernel clamps it to what is published), so
//! one thread's enter consumes the entries other threads published meanwhile, and those
//! threads skip their own enter once the running count of consumed entries shows theirs is
//! in. Entries are consumed in order and the count only grows after the kernel reports a
//! consumption, so a thread never skips an enter its entry still needs.
//!
//! ## Bounded in flight
//!
//! A ring has `min(SQ entries, CQ entries)` slots, and every operation holds one from before
//! its SQE is written until its owner has read the result. The reaper releases the CQ head
//! for a batch before it delivers the batch, so every CQE in the CQ belongs to an operation
//! still holding a slot: the CQ never holds more CQEs than it has entries, and the kernel
//! never needs its overflow backlog. Unconsumed SQEs are bounded the same way.
//!
//! ## Closing
//!
//! [`RingCore::close`] refuses new operations, then submits a NOP marked with
//! [`WAKE_BIT`] (it takes a slot like any operation, so the bound holds for it too) and joins
//! the reaper. The reaper exits only once it has seen that NOP **and** delivered every
//! operation ever pushed, so no operation in flight is lost.

use core::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::Arc;

use ring_core::opcode::{Entry, Nop};
use ring_core::{Enter, Errno, Kernel, SubmissionQueue};

use crate::driver::{Driver, OwnedSplit, Owner};
use crate::reaper::{self, CqSide, ReaperStats};
use crate::slot::{Slots, Ticket, WAKE_BIT};
use crate::sync::{
    back_off, fence, lock, thread, try_lock, wait, AtomicU32, AtomicU64, Condvar, Counter,
    FutexWord, Mutex, MutexGuard,
};

/// The ring no longer takes operations (the pool shut down, or a resize retired it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Closed;

/// The submission side, under the ring's submission lock.
pub(crate) struct SqSide<D: Driver> {
    sq: SubmissionQueue<'static, D::Backend>,
    /// Free slots (capacity: every slot, so pushes never allocate).
    free: Vec<u32>,
    /// SQEs pushed since setup (operations and wake NOPs): the sequence numbers of
    /// submission combining.
    pushed: u64,
    /// Operations pushed since setup: each gets exactly one delivery from the reaper.
    pub(crate) ops: u64,
    /// No new operations (the wake NOP is still pushed).
    closed: bool,
}

/// Counters of one ring, for [`crate::PoolStats`].
#[derive(Debug, Default)]
pub(crate) struct RingCounters {
    /// Enter calls made to submit.
    pub(crate) enters: Counter,
    /// Submit enters that failed (and were retried).
    pub(crate) enter_errors: Counter,
}

/// One ring of the pool.
pub(crate) struct RingCore<D: Driver> {
    pub(crate) side: Mutex<SqSide<D>>,
    /// The completion side: whoever holds this lock reaps (the reaper, or a submitter).
    pub(crate) cq: Mutex<CqSide<D>>,
    /// Submitters waiting for a slot wait here (with the submission lock).
    slot_cv: Condvar,
    /// How many submitters wait on `slot_cv` (the handshake with `release`).
    slot_waiters: AtomicU32,
    /// SQEs the kernel reported consumed (the combining count; only ever an underestimate).
    consumed: AtomicU64,
    /// Owners asleep (or about to sleep) on their slot, plus one once `close` began: while
    /// it is non-zero the reaper waits in the kernel for completions (the handshake with
    /// `reaper_idle`, see `reaper.rs`).
    pub(crate) sleepers: AtomicU32,
    /// 1 while the reaper is idle (no sleeper to reap for) and sleeps on this word, else 0.
    pub(crate) reaper_idle: FutexWord,
    pub(crate) slots: Slots,
    pub(crate) kernel: &'static D::Kernel,
    sq_entries: u32,
    /// Spins before an owner sleeps on its slot.
    spin: u32,
    pub(crate) wq_fd: Option<i32>,
    reaper: Mutex<Option<thread::JoinHandle<()>>>,
    pub(crate) counters: RingCounters,
    pub(crate) reaper_stats: ReaperStats,
    // Last: the ring memory the views above borrow.
    _owner: Owner<D>,
}

/// Settings every ring of a pool shares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RingConfig {
    /// Cap on operations in flight per ring (further capped by the ring's SQ and CQ sizes).
    pub(crate) in_flight: Option<u32>,
    pub(crate) spin: u32,
}

impl<D: Driver> RingCore<D> {
    /// Takes over `driver` and starts its reaper thread.
    pub(crate) fn start(driver: D, cfg: RingConfig, name: String) -> Result<Arc<Self>, Errno> {
        let OwnedSplit { sq, cq, kernel, wq_fd, owner } = OwnedSplit::new(driver);
        let sq_entries = sq.capacity();
        let mut n = sq_entries.min(cq.capacity());
        if let Some(cap) = cfg.in_flight {
            n = n.min(cap.max(1));
        }
        let core = Arc::new(RingCore {
            side: Mutex::new(SqSide {
                sq,
                free: (0..n).rev().collect(),
                pushed: 0,
                ops: 0,
                closed: false,
            }),
            cq: Mutex::new(CqSide::new(cq)),
            slot_cv: Condvar::new(),
            slot_waiters: AtomicU32::new(0),
            consumed: AtomicU64::new(0),
            sleepers: AtomicU32::new(0),
            reaper_idle: FutexWord::new(0),
            slots: Slots::new(n),
            kernel,
            sq_entries,
            spin: cfg.spin,
            wq_fd,
            reaper: Mutex::new(None),
            counters: RingCounters::default(),
            reaper_stats: ReaperStats::default(),
            _owner: owner,
        });
        let handle = reaper::spawn(Arc::clone(&core), name)?;
        *lock(&core.reaper) = Some(handle);
        Ok(core)
    }

    /// Operations this ring may have in flight.
    pub(crate) fn capacity(&self) -> u32 {
        self.slots.len()
    }

    /// Takes a free slot, waiting while none is free. `closer` ignores `closed` (the wake
    /// NOP of `close`).
    fn take_slot<'a>(
        &'a self,
        mut side: MutexGuard<'a, SqSide<D>>,
        closer: bool,
    ) -> Result<(MutexGuard<'a, SqSide<D>>, u32), Closed> {
        loop {
            if side.closed && !closer {
                return Err(Closed);
            }
            if let Some(i) = side.free.pop() {
                return Ok((side, i));
            }
            self.slots.take_returned(&mut side.free);
            if let Some(i) = side.free.pop() {
                return Ok((side, i));
            }
            // Every slot is in flight. Announce the wait, then re-check: an owner returning a
            // slot pushes it and then reads `slot_waiters` (see `finish`).
            // Relaxed: ordered by the fence below.
            self.slot_waiters.fetch_add(1, Relaxed);
            // ORDERING: SeqCst fence between our `slot_waiters` increment and our re-read of
            // the returned stack; pairs with the fence in `finish` between an owner's push and
            // its read of `slot_waiters`. Either we see the returned slot, or the owner sees
            // us waiting and notifies under the submission lock, which we hold until `wait`
            // releases it.
            fence(SeqCst);
            if !self.slots.any_returned() {
                side = wait(&self.slot_cv, side);
            }
            // Relaxed: a count; the handshake above is what orders the wakeup.
            self.slot_waiters.fetch_sub(1, Relaxed);
        }
    }

    /// Writes `entry` into the SQ under the lock, making room by submitting if it is full
    /// (it cannot be for operations holding slots; the wake NOP may find it full).
    fn push_locked(&self, side: &mut SqSide<D>, entry: &Entry) {
        let mut attempt = 0;
        while side.sq.push(entry).is_err() {
            match side.sq.submit(self.kernel) {
                // Relaxed: the combining count is a monotone hint (see the module docs).
                Ok(n) => drop(self.consumed.fetch_add(u64::from(n), Relaxed)),
                Err(_) => {
                    self.counters.enter_errors.add(1);
                    back_off(attempt);
                    attempt += 1;
                }
            }
        }
        side.pushed += 1;
    }

    /// Submits as many of `entries` as there are free slots (at least one, waiting for a slot
    /// if none is free), with one lock and at most one enter. Calls `on_ticket` for each
    /// submitted entry, in order; returns how many were submitted.
    pub(crate) fn submit(
        &self,
        entries: &[Entry],
        mut on_ticket: impl FnMut(Ticket),
    ) -> Result<usize, Closed> {
        if entries.is_empty() {
            return Ok(0);
        }
        let side = lock(&self.side);
        let (mut side, first) = self.take_slot(side, false)?;
        let mut idx = Some(first);
        let mut n = 0;
        for e in entries {
            let i = match idx.take() {
                Some(i) => i,
                None => match side.free.pop() {
                    Some(i) => i,
                    None => {
                        self.slots.take_returned(&mut side.free);
                        match side.free.pop() {
                            Some(i) => i,
                            None => break,
                        }
                    }
                },
            };
            let t = self.slots.begin(i);
            self.push_locked(&mut side, &sanitize(e).user_data(t.user_data()));
            on_ticket(t);
            n += 1;
        }
        side.ops += n as u64;
        side.sq.publish();
        let last = side.pushed - 1;
        drop(side);
        self.kick(last);
        // Reap, if nobody else is: an operation the kernel completed inline during the
        // enter is then delivered without a trip through the reaper thread.
        if let Some(mut cq) = try_lock(&self.cq) {
            if !cq.closing {
                reaper::reap_batch(self, &mut cq, false);
            }
        }
        Ok(n)
    }

    /// Makes sure the SQE with sequence number `seq` (and everything before it) reaches the
    /// kernel: enters unless another submitter's enter already consumed it.
    fn kick(&self, seq: u64) {
        let mut attempt = 0;
        loop {
            // Relaxed: the count only grows after the kernel reported consuming that many
            // entries, in order; a stale value only costs a redundant enter.
            if self.consumed.load(Relaxed) > seq {
                return;
            }
            self.counters.enters.add(1);
            let r = self.kernel.enter(Enter { to_submit: self.sq_entries, ..Enter::default() });
            match r {
                // Nothing was left to consume: another enter took our entry.
                Ok(0) => return,
                Ok(n) => {
                    // Relaxed: see above.
                    let before = self.consumed.fetch_add(u64::from(n), Relaxed);
                    if before + u64::from(n) > seq || self.consumed_exactly(seq) {
                        return;
                    }
                }
                Err(_) => {
                    // EINTR, EAGAIN, EBUSY: try again. Anything else means the ring is broken;
                    // the entry may still be consumed later, so we may not return (the caller
                    // would free a buffer the kernel may still write): keep trying.
                    self.counters.enter_errors.add(1);
                    back_off(attempt);
                    attempt += 1;
                }
            }
        }
    }

    /// Whether the kernel has consumed the SQE with sequence number `seq`, from its SQ head
    /// (under the lock). Asked when the lock-free count lags: enters overlapped, and an
    /// earlier one has not added its count yet. Cheaper than a redundant enter, and exact
    /// when the kernel really stopped short (an SQE it could not take).
    fn consumed_exactly(&self, seq: u64) -> bool {
        let side = lock(&self.side);
        // Everything pushed is published (each critical section publishes before unlocking),
        // and the kernel consumes in order: the last `pending` pushed are the unconsumed
        // ones. `pending` reads the head Relaxed: a stale head only makes us enter again.
        side.pushed - u64::from(side.sq.pending()) > seq
    }

    /// Waits for the operation `t`, returns its result and gives its slot back.
    pub(crate) fn finish(&self, t: Ticket) -> i32 {
        let (res, slept) = self.slots.wait(t, self.spin, || self.add_sleeper());
        if slept {
            // Relaxed: a count; a stale non-zero value only keeps the reaper waiting in the
            // kernel a while longer (until the next completion), never asleep while needed.
            self.sleepers.fetch_sub(1, Relaxed);
        }
        self.slots.release(t);
        // ORDERING: SeqCst fence between the push in `release` and the read of
        // `slot_waiters`; pairs with the fence in `take_slot` (a store-buffering handshake:
        // with both fences, one side sees the other's write).
        fence(SeqCst);
        // Relaxed: ordered by the fence above.
        if self.slot_waiters.load(Relaxed) != 0 {
            // Taking the lock orders our notification after the waiter's `wait` began.
            drop(lock(&self.side));
            self.slot_cv.notify_one();
        }
        res
    }

    /// Announces a thread that will sleep until the reaper delivers to it (an owner about to
    /// park, or `close`), waking the reaper if it is idle.
    fn add_sleeper(&self) {
        // Relaxed: ordered by the fence below.
        self.sleepers.fetch_add(1, Relaxed);
        // ORDERING: SeqCst fence between our `sleepers` increment and our read of
        // `reaper_idle`; pairs with the reaper's fence between its `reaper_idle` store and its
        // re-read of `sleepers` (reaper.rs, `idle`). A store-buffering handshake: either the
        // reaper sees our increment and stays in the kernel, or we see it idle and wake it.
        fence(SeqCst);
        // Relaxed: ordered by the fence above.
        if self.reaper_idle.atomic().load(Relaxed) != 0 {
            // Relaxed: the reaper re-reads `sleepers` after waking; the futex (or, under
            // loom, its mutex) orders this store before the reaper's next check of the word.
            self.reaper_idle.atomic().store(0, Relaxed);
            self.reaper_idle.wake();
        }
    }

    /// Refuses new operations, stops the reaper once every operation in flight has been
    /// delivered, and joins it. Idempotent; a second caller waits for the first's join.
    pub(crate) fn close(&self) {
        let mut reaper = lock(&self.reaper);
        let Some(handle) = reaper.take() else { return };
        // From now on only the reaper reaps, so it sees the wake NOP and everything after.
        lock(&self.cq).closing = true;
        // The reaper must wait for the wake NOP even if no owner sleeps: count us as a
        // sleeper for good.
        self.add_sleeper();
        let mut side = lock(&self.side);
        side.closed = true;
        // Submitters waiting for a slot wake up and give up with `Closed`; from now on only
        // we wait on `slot_cv`, so every later `notify_one` reaches us.
        self.slot_cv.notify_all();
        let Ok((mut side, idx)) = self.take_slot(side, true) else {
            unreachable!("the closer ignores `closed`")
        };
        let t = self.slots.begin(idx);
        self.push_locked(&mut side, &Nop::new().build().user_data(t.user_data() | WAKE_BIT));
        side.sq.publish();
        let last = side.pushed - 1;
        drop(side);
        self.kick(last);
        // The reaper exits once it has seen the NOP and delivered everything pushed.
        let _ = handle.join();
        drop(reaper);
    }
}

/// Clears the SQE flags the pool cannot honour for a caller: links and drains would tie
/// the entry to other threads' entries, and a skipped success would leave its slot waiting
/// for a completion that never comes.
fn sanitize(e: &Entry) -> Entry {
    use ring_core::abi::sqe_flags::{CQE_SKIP_SUCCESS, IO_DRAIN, IO_HARDLINK, IO_LINK};
    let mut sqe = *e.as_sqe();
    sqe.flags &= !(IO_LINK | IO_HARDLINK | IO_DRAIN | CQE_SKIP_SUCCESS);
    // SAFETY: the same entry with fewer flags: every pointer it carries is the one the
    // caller vouched for when building it.
    unsafe { Entry::from_raw(sqe) }
}
