//! [`Loopback`]: this crate's own [`Kernel`]: an in-memory kernel side that consumes SQEs at
//! enter, performs NOPs, and posts their CQEs into the same ring, with no thread, no heap and
//! no syscall. It is what a firmware's "device" or a host-side test double looks like when it
//! speaks the io_uring shared-memory protocol.
//!
//! What it does, following the rules Linux 6.18 applies at enter (the ring-core repository's
//! docs/simulator.md lists them for its own simulated kernel):
//!
//! - **Consume.** Acquire the SQ tail; take at most one ring's worth and at most `to_submit`;
//!   read each index from the SQ array (unless `NO_SQARRAY`); a bad index is consumed, counted
//!   in `sq.dropped`, not submitted, and ends the batch; an entry that fails to initialise
//!   (unknown opcode, unknown SQE or NOP flag) completes with `-EINVAL` and ends the batch
//!   unless `SUBMIT_ALL`. Then release the SQ head once.
//! - **Perform.** `IORING_OP_NOP` completes with 0, or with its injected result
//!   (`IORING_NOP_INJECT_RESULT`); every other opcode of 6.18 completes with `-EOPNOTSUPP`.
//!   `IOSQE_ASYNC` changes nothing (there are no workers: everything completes inline, in
//!   submission order); `IOSQE_CQE_SKIP_SUCCESS` suppresses a successful completion. Links
//!   and drains are not modelled (every entry runs).
//! - **Post.** Acquire the CQ head to learn the free space, write the CQEs, release the CQ tail
//!   once. There is no overflow backlog (it would need a heap): the kernel consumes only as
//!   many SQEs as the CQ has room for, leaving the rest pending (a short submit), and answers
//!   `EBUSY` when the CQ is full and nothing could be consumed, as Linux did before
//!   `IORING_FEAT_NODROP`.
//! - **Wait.** Every completion is posted at enter, so a `GETEVENTS` wait for more than are
//!   ready could never end: it returns at once, with the number submitted if any, else
//!   `EAGAIN` (`ETIME` for a wait with a timeout). It never blocks.
//!
//! The kernel's private state (its SQ head and CQ tail) lives in `Cell`s, so a `Loopback` is
//! not `Sync`: one context at a time enters it, which the type system enforces.

use core::cell::Cell;
use core::ffi::c_void;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use ring_core::abi::{enter, nop_flags, op, setup, sqe_flags, Cqe, Sqe};
use ring_core::{Enter, EnterArg, Errno, Kernel, SlotCell, Word};

use crate::backend::{BareCell, BareWord};

/// Every `IOSQE_*` bit 6.18 knows.
const KNOWN_SQE_FLAGS: u8 = sqe_flags::FIXED_FILE
    | sqe_flags::IO_DRAIN
    | sqe_flags::IO_LINK
    | sqe_flags::IO_HARDLINK
    | sqe_flags::ASYNC
    | sqe_flags::BUFFER_SELECT
    | sqe_flags::CQE_SKIP_SUCCESS;

/// The parts of a [`RingMem`](crate::RingMem) the kernel side touches.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LoopbackMem<'a> {
    pub(crate) sq_head: &'a BareWord,
    pub(crate) sq_tail: &'a BareWord,
    pub(crate) sq_dropped: &'a BareWord,
    pub(crate) array: Option<&'a [BareCell<u32>]>,
    pub(crate) sqes: &'a [BareCell<Sqe>],
    pub(crate) cq_head: &'a BareWord,
    pub(crate) cq_tail: &'a BareWord,
    pub(crate) cqes: &'a [BareCell<Cqe>],
}

/// What the loopback kernel has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopbackStats {
    /// `enter` calls.
    pub enters: u64,
    /// SQEs consumed (the SQ head moved by this much), dropped ones included.
    pub consumed: u64,
    /// SQEs submitted (the sum of `enter`'s return values): consumed minus dropped.
    pub submitted: u64,
    /// CQEs posted.
    pub posted: u64,
    /// Successful completions suppressed by `IOSQE_CQE_SKIP_SUCCESS`.
    pub skipped: u64,
    /// SQEs dropped for an index outside the ring.
    pub dropped: u64,
    /// Submissions cut short because the CQ had no room for more.
    pub cq_full: u64,
}

/// The loopback kernel of one [`RingMem`](crate::RingMem), from
/// [`RingMem::split`](crate::RingMem::split).
///
/// ```
/// use downstream::RingMem;
/// use ring_core::opcode::Nop;
/// use ring_core::Errno;
///
/// let mut mem = RingMem::<2, 2>::new();
/// let (mut q, kernel) = mem.split(0).unwrap();
/// // Nothing submitted, nothing can ever complete: the wait returns at once.
/// assert_eq!(q.completion().wait(&kernel, 1), Err(Errno::EAGAIN));
/// q.submission().push(&Nop::new().inject_result(Some(-5)).build().user_data(3)).unwrap();
/// assert_eq!(q.submission().submit(&kernel), Ok(1));
/// let cqe = q.completion().peek().unwrap();
/// assert_eq!((cqe.user_data, cqe.res), (3, -5));
/// assert_eq!(kernel.stats().posted, 1);
/// ```
#[derive(Debug)]
pub struct Loopback<'a> {
    mem: LoopbackMem<'a>,
    sq_entries: u32,
    cq_entries: u32,
    submit_all: bool,
    /// The kernel's private SQ head (the shared head holds the last released value).
    head: Cell<u32>,
    /// The kernel's private CQ tail (the shared tail holds the last released value).
    cq_tail: Cell<u32>,
    stats: Cell<LoopbackStats>,
}

impl<'a> Loopback<'a> {
    pub(crate) fn new(mem: LoopbackMem<'a>, setup_flags: u32) -> Self {
        // Relaxed: only the kernel side writes the SQ head and the CQ tail, and the previous
        // kernel of this memory (if any) ran in the context that now holds `&mut RingMem`.
        let head = mem.sq_head.load(Relaxed);
        let cq_tail = mem.cq_tail.load(Relaxed);
        Loopback {
            sq_entries: mem.sqes.len() as u32,
            cq_entries: mem.cqes.len() as u32,
            submit_all: setup_flags & setup::SUBMIT_ALL != 0,
            mem,
            head: Cell::new(head),
            cq_tail: Cell::new(cq_tail),
            stats: Cell::new(LoopbackStats::default()),
        }
    }

    /// What the kernel has done since this `Loopback` was split off.
    pub fn stats(&self) -> LoopbackStats {
        self.stats.get()
    }

    fn update(&self, f: impl FnOnce(&mut LoopbackStats)) {
        let mut s = self.stats.get();
        f(&mut s);
        self.stats.set(s);
    }

    /// CQEs posted and not yet released by the user.
    fn ready(&self) -> u32 {
        // Relaxed: only counts, for the wait decision; no slot is written on this value.
        let head = self.mem.cq_head.load(Relaxed);
        self.cq_tail.get().wrapping_sub(head).min(self.cq_entries)
    }

    /// Consumes up to `max` published SQEs; returns how many were submitted.
    fn submit(&self, max: u32) -> Result<u32, Errno> {
        // ORDERING: Acquire pairs with ring-core's Release store of the SQ tail (site
        // SqTailPublish): the user's SQE and index-array writes below the tail happen before
        // our reads of them.
        let tail = self.mem.sq_tail.load(Acquire);
        let head = self.head.get();
        // A tail more than one ring ahead of our head is clamped, never trusted.
        let n = tail.wrapping_sub(head).min(self.sq_entries).min(max);
        if n == 0 {
            return Ok(0);
        }
        // ORDERING: Acquire pairs with ring-core's Release store of the CQ head (site
        // CqHeadRelease): the user's reads of the CQEs it released happen before we
        // overwrite those slots below.
        let cq_head = self.mem.cq_head.load(Acquire);
        let start_tail = self.cq_tail.get();
        let mut cq_tail = start_tail;
        let mut room = self.cq_entries - cq_tail.wrapping_sub(cq_head).min(self.cq_entries);
        let sq_mask = self.sq_entries - 1;
        let cq_mask = self.cq_entries - 1;
        let (mut consumed, mut submitted, mut skipped, mut dropped) = (0, 0, 0, 0);
        // Each entry posts at most one CQE: consume one only while a CQE slot is free.
        while consumed < n && room != 0 {
            let pos = head.wrapping_add(consumed);
            consumed += 1;
            let idx = match self.mem.array {
                // SAFETY: position `pos` lies in [head, tail) with the tail acquired above:
                // the user wrote this index entry before publishing and rewrites it only after
                // our Release store of the head has passed it.
                Some(array) => array[(pos & sq_mask) as usize].with(|p| unsafe { p.read() }),
                None => pos & sq_mask,
            };
            if idx >= self.sq_entries {
                // A bad index: consumed and counted, not submitted; it ends the batch.
                // Relaxed: a statistic, and only the kernel side writes it.
                let d = self.mem.sq_dropped.load(Relaxed);
                // Relaxed: as above; nothing is published with it.
                self.mem.sq_dropped.store(d.wrapping_add(1), Relaxed);
                dropped += 1;
                break;
            }
            // SAFETY: as for the index entry: SQE `idx` belongs to a published position the
            // user will not rewrite before our head store releases it.
            let sqe = self.mem.sqes[idx as usize].with(|p| unsafe { p.read() });
            submitted += 1;
            let (res, fails_init) = perform(&sqe);
            if res >= 0 && sqe.flags & sqe_flags::CQE_SKIP_SUCCESS != 0 {
                skipped += 1;
            } else {
                let cqe = Cqe { user_data: sqe.user_data, res, flags: 0 };
                let slot = &self.mem.cqes[(cq_tail & cq_mask) as usize];
                // SAFETY: the slot lies in [tail, head + entries): free, because the user
                // released it with the head acquired above and reads only below the tail we
                // have not yet stored.
                slot.with_mut(|p| unsafe { p.write(cqe) });
                cq_tail = cq_tail.wrapping_add(1);
                room -= 1;
            }
            if fails_init && !self.submit_all {
                break;
            }
        }
        if cq_tail != start_tail {
            self.cq_tail.set(cq_tail);
            // ORDERING: Release publishes the CQE writes above; pairs with ring-core's
            // Acquire load of the CQ tail (site CqTailAcquire) before it reads them.
            self.mem.cq_tail.store(cq_tail, Release);
        }
        if consumed != 0 {
            let new_head = head.wrapping_add(consumed);
            self.head.set(new_head);
            // ORDERING: Release orders our reads of the consumed SQEs and index entries
            // before the head store; pairs with ring-core's Acquire load of the SQ head
            // (site SqHeadAcquire) before it rewrites those slots.
            self.mem.sq_head.store(new_head, Release);
        }
        let posted = cq_tail.wrapping_sub(start_tail);
        let cut_short = room == 0 && consumed < n;
        self.update(|s| {
            s.consumed += u64::from(consumed);
            s.submitted += u64::from(submitted);
            s.posted += u64::from(posted);
            s.skipped += skipped;
            s.dropped += dropped;
            s.cq_full += u64::from(cut_short);
        });
        if consumed == 0 {
            // Entries are published but the CQ has no free slot for their completions.
            return Err(Errno::EBUSY);
        }
        Ok(submitted)
    }
}

/// Performs one SQE: its result, and whether it failed to initialise (which ends a batch).
fn perform(sqe: &Sqe) -> (i32, bool) {
    let fail = (-Errno::EINVAL.0, true);
    if sqe.flags & !KNOWN_SQE_FLAGS != 0 {
        return fail;
    }
    match sqe.opcode {
        op::NOP if sqe.op_flags & !nop_flags::INJECT_RESULT != 0 => fail,
        op::NOP if sqe.op_flags & nop_flags::INJECT_RESULT != 0 => (sqe.len as i32, false),
        op::NOP => (0, false),
        o if o < op::LAST => (-Errno::EOPNOTSUPP.0, false),
        _ => fail,
    }
}

impl Kernel for Loopback<'_> {
    /// Every argument is understood (a timed wait that cannot end reports `ETIME` at once).
    fn validate(&self, _args: &Enter<'_>) -> Result<(), Errno> {
        Ok(())
    }

    fn enter(&self, args: Enter<'_>) -> Result<u32, Errno> {
        self.update(|s| s.enters += 1);
        if args.flags & !enter::KNOWN != 0 {
            return Err(Errno::EINVAL);
        }
        // SQ_WAKEUP and SQ_WAIT mean nothing without an SQPOLL thread (Linux ignores them).
        let submitted = if args.to_submit != 0 { self.submit(args.to_submit)? } else { 0 };
        let waits = args.flags & enter::GETEVENTS != 0 && args.min_complete != 0;
        if waits && self.ready() < args.min_complete {
            // Nothing else will ever post: report instead of blocking forever. A submission
            // that did something is still reported as such, as Linux reports it.
            if submitted != 0 {
                return Ok(submitted);
            }
            return Err(match args.arg {
                EnterArg::Wait { timeout: Some(_), .. } => Errno::ETIME,
                _ => Errno::EAGAIN,
            });
        }
        Ok(submitted)
    }

    unsafe fn register(&self, _opcode: u32, _arg: *mut c_void, _nr: u32) -> Result<u32, Errno> {
        // Nothing to register with: no files, buffers or eventfds. The pointer is never read.
        Err(Errno::EINVAL)
    }
}
