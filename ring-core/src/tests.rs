//! Unit tests of the protocol arithmetic on heap memory with the [`Native`] backend: the test
//! plays the kernel by hand (reads the SQ tail, stores heads and tails, writes CQEs). No
//! syscalls, so these also run under Miri.

use core::cell::RefCell;
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::vec::Vec;

use crate::abi::{enter, setup, sq_flags, Cqe, Sqe};
use crate::backend::{Native, NativeCell, SlotCell};
use crate::errno::Errno;
use crate::kernel::{Enter, Kernel};
use crate::memory::{CqMemory, CqParts, LayoutError, SqMemory, SqParts};
use crate::opcode::{Entry128, Nop};
use crate::queues::Queues;

/// Heap memory for one ring, laid out as separate objects.
struct Heap {
    sq_head: AtomicU32,
    sq_tail: AtomicU32,
    sq_mask: AtomicU32,
    sq_entries: AtomicU32,
    sq_flags: AtomicU32,
    sq_dropped: AtomicU32,
    array: Vec<NativeCell<u32>>,
    sqes: Vec<NativeCell<Sqe>>,
    cq_head: AtomicU32,
    cq_tail: AtomicU32,
    cq_mask: AtomicU32,
    cq_entries: AtomicU32,
    cq_overflow: AtomicU32,
    cq_flags: AtomicU32,
    cqes: Vec<NativeCell<Cqe>>,
    sqe128: bool,
    cqe32: bool,
}

impl Heap {
    /// A ring of `sq` / `cq` entries whose four counters all start at `start`.
    fn new(sq: u32, cq: u32, start: u32) -> Self {
        Self::with_sizes(sq, cq, start, false, false)
    }

    fn with_sizes(sq: u32, cq: u32, start: u32, sqe128: bool, cqe32: bool) -> Self {
        let units = |n: u32, big: bool| (n as usize) << u32::from(big);
        Heap {
            sq_head: AtomicU32::new(start),
            sq_tail: AtomicU32::new(start),
            sq_mask: AtomicU32::new(sq - 1),
            sq_entries: AtomicU32::new(sq),
            sq_flags: AtomicU32::new(0),
            sq_dropped: AtomicU32::new(0),
            array: (0..sq).map(|_| NativeCell::new(u32::MAX)).collect(),
            sqes: (0..units(sq, sqe128)).map(|_| NativeCell::new(Sqe::default())).collect(),
            cq_head: AtomicU32::new(start),
            cq_tail: AtomicU32::new(start),
            cq_mask: AtomicU32::new(cq - 1),
            cq_entries: AtomicU32::new(cq),
            cq_overflow: AtomicU32::new(0),
            cq_flags: AtomicU32::new(0),
            cqes: (0..units(cq, cqe32)).map(|_| NativeCell::new(Cqe::default())).collect(),
            sqe128,
            cqe32,
        }
    }

    fn sq_mem(&self, with_array: bool) -> Result<SqMemory<'_, Native>, LayoutError> {
        SqMemory::new(SqParts {
            head: &self.sq_head,
            tail: &self.sq_tail,
            ring_mask: &self.sq_mask,
            ring_entries: &self.sq_entries,
            flags: &self.sq_flags,
            dropped: &self.sq_dropped,
            array: with_array.then_some(&self.array[..]),
            sqes: &self.sqes,
            sqe128: self.sqe128,
        })
    }

    fn cq_mem(&self) -> Result<CqMemory<'_, Native>, LayoutError> {
        CqMemory::new(CqParts {
            head: &self.cq_head,
            tail: &self.cq_tail,
            ring_mask: &self.cq_mask,
            ring_entries: &self.cq_entries,
            overflow: &self.cq_overflow,
            flags: Some(&self.cq_flags),
            sq_flags: &self.sq_flags,
            cqes: &self.cqes,
            cqe32: self.cqe32,
        })
    }

    fn queues(&self, setup_flags: u32) -> Queues<'_, Native> {
        // SAFETY: the tests are single-threaded and use one `Queues` of a `Heap` at a time.
        unsafe { Queues::new(self.sq_mem(true).unwrap(), self.cq_mem().unwrap(), setup_flags) }
    }

    /// Kernel: consume `n` SQEs from the head, returning their user_data (via the array).
    fn consume(&self, n: u32) -> Vec<u64> {
        let head = self.sq_head.load(Relaxed);
        let mask = self.sq_mask.load(Relaxed);
        let shift = u32::from(self.sqe128);
        let out = (0..n)
            .map(|i| {
                let idx = self.array[(head.wrapping_add(i) & mask) as usize].with(|p| {
                    // SAFETY: the test is single-threaded; the cell is initialised.
                    unsafe { p.read() }
                });
                let cell = &self.sqes[(idx << shift) as usize];
                // SAFETY: as above.
                cell.with(|p| unsafe { p.read() }).user_data
            })
            .collect();
        self.sq_head.store(head.wrapping_add(n), Relaxed);
        out
    }

    /// Kernel: post CQEs with these user_data values.
    fn post(&self, user_data: &[u64]) {
        let tail = self.cq_tail.load(Relaxed);
        let mask = self.cq_mask.load(Relaxed);
        let shift = u32::from(self.cqe32);
        for (i, &ud) in user_data.iter().enumerate() {
            let unit = ((tail.wrapping_add(i as u32) & mask) << shift) as usize;
            let cqe = Cqe { user_data: ud, res: i as i32, flags: 0 };
            // SAFETY: single-threaded test; the slot is in bounds.
            self.cqes[unit].with_mut(|p| unsafe { p.write(cqe) });
            if self.cqe32 {
                let ext = Cqe { user_data: ud + 1000, res: 7, flags: 9 };
                // SAFETY: as above.
                self.cqes[unit + 1].with_mut(|p| unsafe { p.write(ext) });
            }
        }
        self.cq_tail.store(tail.wrapping_add(user_data.len() as u32), Relaxed);
    }
}

fn nop(ud: u64) -> crate::opcode::Entry {
    Nop::new().build().user_data(ud)
}

#[test]
fn sq_accounting_across_u32_wrap() {
    let start = u32::MAX - 2;
    let h = Heap::new(4, 8, start);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    for i in 0..4 {
        assert_eq!(sq.space_left(), 4 - i);
        sq.push(&nop(u64::from(i))).unwrap();
    }
    assert!(sq.is_full());
    assert_eq!(sq.push(&nop(99)), Err(crate::SqFull));
    assert_eq!(sq.unpublished(), 4);
    assert_eq!(sq.pending(), 0);
    assert_eq!(sq.publish(), 4);
    assert_eq!(h.sq_tail.load(Relaxed), start.wrapping_add(4));
    assert_eq!(sq.pending(), 4);
    // The kernel consumes two (crossing u32::MAX): two slots free, two still pending.
    assert_eq!(h.consume(2), [0, 1]);
    assert_eq!(sq.space_left(), 2);
    assert_eq!(sq.pending(), 2);
    sq.push(&nop(4)).unwrap();
    sq.push(&nop(5)).unwrap();
    assert_eq!(sq.publish(), 2);
    assert_eq!(h.consume(4), [2, 3, 4, 5]);
    assert_eq!(sq.pending(), 0);
    assert_eq!(sq.space_left(), 4);
    assert_eq!(sq.local_tail(), start.wrapping_add(6));
}

#[test]
fn bogus_kernel_sq_head_never_frees_slots() {
    let h = Heap::new(4, 8, 10);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    sq.push(&nop(1)).unwrap();
    // A head far ahead of our tail (a corrupt or hostile kernel) counts as full.
    h.sq_head.store(1_000, Relaxed);
    assert_eq!(sq.space_left(), 0);
    // `push` goes on filling the slots that the head it acquired last showed free (they
    // were free: the kernel had read them), and not one more: the bogus head is loaded once
    // those run out, and counts as full.
    for ud in 2..=4 {
        sq.push(&nop(ud)).unwrap();
    }
    assert!(sq.push(&nop(5)).is_err());
    assert!(sq.acquire_batch(4).capacity() == 0);
    assert_eq!(sq.local_tail(), 14, "four entries reserved from 10, no slot handed out twice");
    assert!(sq.pending() <= 4);
}

#[test]
fn batch_acquire_stops_at_the_wrap() {
    let h = Heap::new(8, 16, 5);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    {
        let mut b = sq.acquire_batch(100);
        assert_eq!(b.capacity(), 3, "positions 5,6,7 before the array wraps");
        for i in 0..3 {
            b.push(&nop(i)).unwrap();
        }
        assert!(b.push(&nop(9)).is_err());
    }
    assert_eq!(sq.unpublished(), 3);
    {
        let mut b = sq.acquire_batch(100);
        assert_eq!(b.capacity(), 5);
        b.push(&nop(3)).unwrap();
        // Dropped with one entry: only that one is reserved.
    }
    assert_eq!(sq.unpublished(), 4);
    sq.publish();
    assert_eq!(h.consume(4), [0, 1, 2, 3]);
}

#[test]
fn batch_acquire_near_u32_max() {
    // The counters start six before u32::MAX, at array position 2 of 8: the first batch runs
    // to the end of the array, which is where the counters wrap too.
    let start = u32::MAX - 5;
    let h = Heap::new(8, 16, start);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    {
        let mut b = sq.acquire_batch(100);
        assert_eq!(b.capacity(), 6, "positions 2..8 of the array");
        for ud in 0..6 {
            b.push(&nop(ud)).unwrap();
        }
        assert_eq!(b.push(&nop(99)), Err(crate::SqFull));
    }
    assert_eq!(sq.local_tail(), 0, "the last slot of the batch was u32::MAX");
    assert_eq!(sq.unpublished(), 6);
    assert_eq!(sq.publish(), 6);
    assert_eq!(h.sq_tail.load(Relaxed), 0);
    // The kernel consumes four, its head stopping at u32::MAX - 1: two slots still pending.
    assert_eq!(h.consume(4), [0, 1, 2, 3]);
    assert_eq!(h.sq_head.load(Relaxed), u32::MAX - 1);
    assert_eq!(sq.pending(), 2);
    {
        // Contiguous from array position 0: bounded by the free space across the wrap
        // (8 - (0 - (u32::MAX - 1)) = 6), not by the array end.
        let mut b = sq.acquire_batch(100);
        assert_eq!(b.capacity(), 6);
        for ud in 6..10 {
            b.push(&nop(ud)).unwrap();
        }
        // Dropped with four of six: only those are reserved.
    }
    assert_eq!(sq.local_tail(), 4);
    assert_eq!(sq.space_left(), 2);
    {
        let mut b = sq.acquire_batch(100);
        assert_eq!(b.capacity(), 2, "the free space, not the four slots to the array end");
        b.push(&nop(10)).unwrap();
        b.push(&nop(11)).unwrap();
    }
    assert!(sq.is_full());
    assert_eq!(sq.acquire_batch(1).capacity(), 0);
    assert_eq!(sq.publish(), 6);
    assert_eq!(h.consume(8), [4, 5, 6, 7, 8, 9, 10, 11], "in order across u32::MAX");
    assert_eq!(h.sq_head.load(Relaxed), 6);
    assert_eq!(sq.pending(), 0);
    assert_eq!(sq.acquire_batch(100).capacity(), 2, "positions 6 and 7 to the array end");
}

#[test]
fn batch_acquire_with_the_kernel_head_across_the_wrap() {
    // The user's tail has wrapped, the kernel's head has not: a batch must not be handed
    // more than the space `entries - (tail - head)` computed with wrapping arithmetic.
    let h = Heap::new(4, 8, u32::MAX - 1);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    for ud in 0..3 {
        sq.push(&nop(ud)).unwrap();
    }
    assert_eq!(sq.local_tail(), 1);
    assert_eq!(sq.acquire_batch(4).capacity(), 1, "one slot free, head at u32::MAX - 1");
    sq.publish();
    assert_eq!(h.consume(1), [0]);
    {
        let mut b = sq.acquire_batch(4);
        assert_eq!(b.capacity(), 2, "positions 1 and 2: the head moved by one");
        b.push(&nop(3)).unwrap();
        b.push(&nop(4)).unwrap();
    }
    assert!(sq.is_full());
    sq.publish();
    assert_eq!(h.consume(4), [1, 2, 3, 4]);
}

#[test]
fn cq_reports_the_overflow_counter_and_parked_flags() {
    let h = Heap::new(4, 4, 0);
    let mut q = h.queues(0);
    let mut cq = q.completion();
    assert_eq!(cq.overflow(), 0);
    assert!(!cq.needs_flush());
    // The kernel dropped 5 completions: counted, but nothing is parked and nothing is ready.
    h.cq_overflow.store(5, Relaxed);
    assert_eq!(cq.overflow(), 5);
    assert!(!cq.needs_flush(), "a drop count is not a backlog to flush");
    assert_eq!(cq.ready(), 0);
    // Completions parked in the backlog (CQ_OVERFLOW) or in task work (TASKRUN).
    h.sq_flags.store(sq_flags::CQ_OVERFLOW, Relaxed);
    assert!(cq.needs_flush());
    h.sq_flags.store(sq_flags::TASKRUN, Relaxed);
    assert!(cq.needs_flush());
    h.sq_flags.store(sq_flags::CQ_OVERFLOW | sq_flags::TASKRUN, Relaxed);
    assert!(cq.needs_flush());
    h.sq_flags.store(sq_flags::NEED_WAKEUP, Relaxed);
    assert!(!cq.needs_flush(), "NEED_WAKEUP is the SQPOLL thread's, not a CQ backlog");
    // The SQ side reads the same word the same way (the CQ view above is no longer used).
    h.sq_flags.store(sq_flags::CQ_OVERFLOW, Relaxed);
    assert!(q.submission().cq_needs_flush());
    h.sq_flags.store(0, Relaxed);
    assert!(!q.submission().cq_needs_flush());
    // A full CQ with drops: ready and the counter are independent.
    let mut cq = q.completion();
    h.post(&[1, 2, 3, 4]);
    h.cq_overflow.store(6, Relaxed);
    assert_eq!((cq.ready(), cq.overflow()), (4, 6));
    assert_eq!(cq.reap(u32::MAX, |_| ()), 4);
    assert_eq!(cq.overflow(), 6, "reaping does not reset the kernel's counter");
    // The counter is free-running: it wraps past u32::MAX, and drops since an earlier
    // reading are the wrapping difference.
    h.cq_overflow.store(u32::MAX - 1, Relaxed);
    let before = cq.overflow();
    assert_eq!(before, u32::MAX - 1);
    h.cq_overflow.store(before.wrapping_add(3), Relaxed);
    let after = cq.overflow();
    assert_eq!(after, 1);
    assert_eq!(after.wrapping_sub(before), 3);
    assert_eq!(h.cq_overflow.load(Relaxed), 1, "reading never writes the counter");
}

#[test]
fn discard_unpublished_never_reaches_the_kernel() {
    let h = Heap::new(4, 8, 0);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    sq.push(&nop(1)).unwrap();
    sq.publish();
    sq.push(&nop(2)).unwrap();
    sq.push(&nop(3)).unwrap();
    assert_eq!(sq.discard_unpublished(), 2);
    assert_eq!(h.sq_tail.load(Relaxed), 1);
    assert_eq!(sq.space_left(), 3);
    sq.push(&nop(4)).unwrap();
    sq.publish();
    assert_eq!(h.consume(2), [1, 4]);
}

#[test]
fn cq_ready_peek_batch_advance_across_wrap() {
    let start = u32::MAX - 1;
    let h = Heap::new(4, 4, start);
    let mut q = h.queues(0);
    let mut cq = q.completion();
    assert_eq!(cq.ready(), 0);
    assert!(cq.peek().is_none());
    h.post(&[10, 11, 12]);
    assert_eq!(cq.ready(), 3);
    assert_eq!(cq.peek().unwrap().user_data, 10);
    assert_eq!(cq.peek().unwrap().user_data, 10, "peek does not advance");
    let seen: Vec<u64> = cq.batch().map(|c| c.user_data).collect();
    assert_eq!(seen, [10, 11, 12]);
    assert_eq!(cq.batch().len(), 3, "batch does not advance");
    cq.advance(2).unwrap();
    assert_eq!(h.cq_head.load(Relaxed), start.wrapping_add(2));
    assert_eq!(h.cq_head.load(Relaxed), 0);
    assert_eq!(cq.peek().unwrap().user_data, 12);
    let err = cq.advance(2).unwrap_err();
    assert_eq!((err.requested, err.ready), (2, 1));
    assert_eq!(h.cq_head.load(Relaxed), 0, "a failed advance changes nothing");
    cq.advance(1).unwrap();
    assert!(cq.is_empty());
}

#[test]
fn batch_is_bounded_by_one_tail_snapshot() {
    let h = Heap::new(4, 8, 0);
    let mut q = h.queues(0);
    let mut cq = q.completion();
    h.post(&[1, 2]);
    let mut it = cq.batch();
    assert_eq!(it.next().unwrap().user_data, 1);
    h.post(&[3]);
    assert_eq!(it.next().unwrap().user_data, 2);
    assert!(it.next().is_none(), "a CQE posted after the snapshot waits for the next batch");
    assert_eq!(cq.reap(u32::MAX, |_| ()), 3);
}

#[test]
fn reap_releases_the_head_once() {
    let h = Heap::new(4, 8, 7);
    let mut q = h.queues(0);
    let mut cq = q.completion();
    h.post(&[1, 2, 3, 4, 5]);
    let mut got = Vec::new();
    assert_eq!(cq.reap(3, |c| got.push(c.user_data)), 3);
    assert_eq!(got, [1, 2, 3]);
    assert_eq!(h.cq_head.load(Relaxed), 10);
    assert_eq!(cq.reap(u32::MAX, |c| got.push(c.user_data)), 2);
    assert_eq!(got, [1, 2, 3, 4, 5]);
}

#[test]
fn bogus_kernel_cq_tail_is_clamped_to_one_ring() {
    let h = Heap::new(4, 4, 0);
    let mut q = h.queues(0);
    let mut cq = q.completion();
    h.cq_tail.store(1_000_000, Relaxed);
    assert_eq!(cq.ready(), 4);
    assert_eq!(cq.batch().count(), 4);
}

#[test]
fn cqe32_extra_words() {
    let h = Heap::with_sizes(2, 4, 0, false, true);
    let mut q = h.queues(setup::CQE32);
    let mut cq = q.completion();
    h.post(&[5, 6]);
    let c = cq.peek32().unwrap();
    assert_eq!(c.cqe.user_data, 5);
    assert_eq!(c.big_cqe[0], 1005);
    let mut hi = [0u8; 8];
    hi[..4].copy_from_slice(&7i32.to_ne_bytes());
    hi[4..].copy_from_slice(&9u32.to_ne_bytes());
    assert_eq!(c.big_cqe[1], u64::from_ne_bytes(hi));
    cq.advance(1).unwrap();
    assert_eq!(cq.peek().unwrap().user_data, 6, "16-byte view of a 32-byte ring");
}

#[test]
fn sqe128_push_and_zeroed_tail_half() {
    let h = Heap::with_sizes(2, 4, 0, true, false);
    let mut q = h.queues(setup::SQE128);
    let mut sq = q.submission();
    let mut cmd = [0u8; 64];
    cmd[0] = 0x77;
    sq.push128(&Entry128::new(nop(1), cmd)).unwrap();
    sq.push(&nop(2)).unwrap();
    // SAFETY: single-threaded test.
    let second_half_of_0 = h.sqes[1].with(|p| unsafe { p.read() });
    assert_eq!(second_half_of_0.opcode, 0x77);
    // SAFETY: single-threaded test.
    let second_half_of_1 = h.sqes[3].with(|p| unsafe { p.read() });
    assert_eq!(second_half_of_1, Sqe::default(), "a 64-byte entry zeroes its command area");
    sq.publish();
    assert_eq!(h.consume(2), [1, 2]);

    let h = Heap::new(2, 4, 0);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    assert_eq!(sq.push128(&Entry128::new(nop(1), cmd)), Err(crate::PushError::EntrySize));
    assert_eq!(sq.unpublished(), 0);
}

#[test]
fn array_identity_and_override() {
    let h = Heap::new(4, 8, 2);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    assert!(sq.set_next_array_entry(1234));
    sq.push(&nop(1)).unwrap();
    sq.publish();
    // SAFETY: single-threaded test.
    assert_eq!(h.array[2].with(|p| unsafe { p.read() }), 1234);
    h.sq_head.store(3, Relaxed); // the kernel drops the bad index and consumes the position
    assert!(sq.reset_array_entry(2));
    // SAFETY: single-threaded test.
    assert_eq!(h.array[2].with(|p| unsafe { p.read() }), 2);
}

#[test]
fn layout_errors() {
    let h = Heap::new(4, 8, 0);
    h.sq_mask.store(7, Relaxed);
    assert!(matches!(h.sq_mem(true), Err(LayoutError::MaskMismatch { .. })));
    h.sq_entries.store(6, Relaxed);
    assert!(matches!(h.sq_mem(true), Err(LayoutError::NotPowerOfTwo { entries: 6, .. })));
    h.sq_entries.store(8, Relaxed);
    assert!(matches!(h.sq_mem(false), Err(LayoutError::SlotCount { expected: 8, found: 4, .. })));
    h.cq_entries.store(0, Relaxed);
    assert!(matches!(h.cq_mem(), Err(LayoutError::NotPowerOfTwo { entries: 0, .. })));
}

/// A kernel that records every enter and consumes what it is asked to.
struct Recorder<'h> {
    heap: &'h Heap,
    calls: RefCell<Vec<(u32, u32, u32)>>,
    consume: bool,
}

impl Kernel for Recorder<'_> {
    fn validate(&self, _: &Enter<'_>) -> Result<(), Errno> {
        Ok(())
    }
    fn enter(&self, a: Enter<'_>) -> Result<u32, Errno> {
        self.calls.borrow_mut().push((a.to_submit, a.min_complete, a.flags));
        if self.consume {
            self.heap.consume(a.to_submit);
        }
        Ok(a.to_submit)
    }
    unsafe fn register(&self, _: u32, _: *mut core::ffi::c_void, _: u32) -> Result<u32, Errno> {
        Err(Errno::EOPNOTSUPP)
    }
}

fn recorder(heap: &Heap, consume: bool) -> Recorder<'_> {
    Recorder { heap, calls: RefCell::new(Vec::new()), consume }
}

#[test]
fn enter_decision_default_ring() {
    let h = Heap::new(4, 8, 0);
    let k = recorder(&h, true);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    assert_eq!(sq.submit(&k), Ok(0));
    assert!(k.calls.borrow().is_empty(), "nothing pending, nothing parked: no syscall");
    sq.push(&nop(1)).unwrap();
    assert_eq!(sq.submit(&k), Ok(1));
    assert_eq!(k.calls.borrow()[0], (1, 0, 0));
    // Nothing to submit but completions parked in the backlog: enter with GETEVENTS (H13).
    h.sq_flags.store(sq_flags::CQ_OVERFLOW, Relaxed);
    sq.submit(&k).unwrap();
    assert_eq!(k.calls.borrow()[1], (0, 0, enter::GETEVENTS));
    h.sq_flags.store(sq_flags::TASKRUN, Relaxed);
    sq.submit(&k).unwrap();
    assert_eq!(k.calls.borrow()[2], (0, 0, enter::GETEVENTS));
}

#[test]
fn enter_decision_short_submit_resubmits_leftovers() {
    let h = Heap::new(4, 8, 0);
    let k = recorder(&h, false);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    for i in 0..3 {
        sq.push(&nop(i)).unwrap();
    }
    sq.submit(&k).unwrap();
    h.consume(1); // a short submit: the kernel took one of three
    assert_eq!(sq.pending(), 2);
    assert_eq!(sq.space_left(), 2, "free space from the kernel head, not a private one (H11)");
    sq.push(&nop(3)).unwrap();
    sq.submit(&k).unwrap();
    assert_eq!(k.calls.borrow()[1].0, 3, "the two leftovers and the new one");
}

#[test]
fn enter_decision_sqpoll() {
    let h = Heap::new(4, 8, 0);
    let k = recorder(&h, false);
    let mut q = h.queues(setup::SQPOLL);
    let mut sq = q.submission();
    sq.push(&nop(1)).unwrap();
    assert_eq!(sq.submit(&k), Ok(1), "an awake SQPOLL thread needs no syscall");
    assert!(k.calls.borrow().is_empty());
    h.sq_flags.store(sq_flags::NEED_WAKEUP, Relaxed);
    sq.push(&nop(2)).unwrap();
    sq.submit(&k).unwrap();
    assert_eq!(k.calls.borrow()[0], (2, 0, enter::SQ_WAKEUP));
    // Waiting on a sleeping thread must still wake it (H10).
    sq.submit_and_wait(&k, 1).unwrap();
    assert_eq!(k.calls.borrow()[1], (2, 1, enter::SQ_WAKEUP | enter::GETEVENTS));
    // IOPOLL with SQPOLL: the thread polls, the user need not enter.
    let h = Heap::new(4, 8, 0);
    let k = recorder(&h, false);
    let mut q = h.queues(setup::SQPOLL | setup::IOPOLL);
    q.submission().submit(&k).unwrap();
    assert!(k.calls.borrow().is_empty());
}

#[test]
fn enter_decision_iopoll_always_reaps() {
    let h = Heap::new(4, 8, 0);
    let k = recorder(&h, true);
    let mut q = h.queues(setup::IOPOLL);
    q.submission().submit(&k).unwrap();
    assert_eq!(k.calls.borrow()[0], (0, 0, enter::GETEVENTS));
}

#[test]
fn wait_enters_only_when_needed() {
    let h = Heap::new(4, 8, 0);
    let k = recorder(&h, false);
    let mut q = h.queues(0);
    let mut cq = q.completion();
    h.post(&[1, 2]);
    assert_eq!(cq.wait(&k, 2), Ok(2));
    assert!(k.calls.borrow().is_empty());
    assert_eq!(cq.wait(&k, 3), Ok(2));
    assert_eq!(k.calls.borrow()[0], (0, 3, enter::GETEVENTS));
    assert_eq!(cq.flush(&k), Ok(2));
    assert_eq!(k.calls.borrow().len(), 1, "nothing parked: flush does not enter");
    h.sq_flags.store(sq_flags::CQ_OVERFLOW, Relaxed);
    assert!(cq.needs_flush());
    cq.flush(&k).unwrap();
    assert_eq!(k.calls.borrow()[1], (0, 0, enter::GETEVENTS));
}

#[test]
fn eventfd_flag_round_trip() {
    let h = Heap::new(2, 4, 0);
    let mut q = h.queues(0);
    let mut cq = q.completion();
    assert_eq!(cq.eventfd_disabled(), Some(false));
    assert!(cq.set_eventfd_disabled(true));
    assert_eq!(h.cq_flags.load(Relaxed), 1);
    assert!(cq.set_eventfd_disabled(false));
    assert_eq!(cq.eventfd_disabled(), Some(false));
}

#[test]
fn wait_for_space_submits_or_waits() {
    // Without SQPOLL: a full SQ is submitted (the kernel consumes inline).
    let h = Heap::new(2, 4, 0);
    let k = recorder(&h, true);
    let mut q = h.queues(0);
    let mut sq = q.submission();
    sq.wait_for_space(&k).unwrap();
    assert!(k.calls.borrow().is_empty(), "space left: no syscall");
    sq.push(&nop(1)).unwrap();
    sq.push(&nop(2)).unwrap();
    sq.wait_for_space(&k).unwrap();
    assert_eq!(k.calls.borrow()[0], (2, 0, 0));
    assert_eq!(sq.space_left(), 2);

    // With SQPOLL: SQ_WAIT, plus SQ_WAKEUP when the thread sleeps.
    let h = Heap::new(2, 4, 0);
    let k = recorder(&h, false);
    let mut q = h.queues(setup::SQPOLL);
    let mut sq = q.submission();
    sq.push(&nop(1)).unwrap();
    sq.push(&nop(2)).unwrap();
    sq.wait_for_space(&k).unwrap();
    assert_eq!(k.calls.borrow()[0], (2, 0, enter::SQ_WAIT));
    h.sq_flags.store(sq_flags::NEED_WAKEUP, Relaxed);
    sq.wait_for_space(&k).unwrap();
    assert_eq!(k.calls.borrow()[1], (2, 0, enter::SQ_WAIT | enter::SQ_WAKEUP));
}

/// A kernel that refuses every extended wait argument, as a kernel without EXT_ARG does.
struct NoExtArg<'h>(Recorder<'h>);

impl Kernel for NoExtArg<'_> {
    fn enter(&self, a: Enter<'_>) -> Result<u32, Errno> {
        self.0.enter(a)
    }
    fn validate(&self, a: &Enter<'_>) -> Result<(), Errno> {
        match a.arg {
            crate::kernel::EnterArg::Wait { .. } => Err(Errno::EOPNOTSUPP),
            crate::kernel::EnterArg::None => Ok(()),
        }
    }
    unsafe fn register(&self, _: u32, _: *mut core::ffi::c_void, _: u32) -> Result<u32, Errno> {
        Err(Errno::EOPNOTSUPP)
    }
}

#[test]
fn a_refused_submit_publishes_nothing() {
    let h = Heap::new(4, 8, 0);
    let k = NoExtArg(recorder(&h, false));
    let mut q = h.queues(setup::SQPOLL);
    let mut sq = q.submission();
    sq.push(&nop(1)).unwrap();
    let ts = crate::abi::Timespec { tv_sec: 1, tv_nsec: 0 };
    let arg = crate::kernel::EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 };
    assert_eq!(sq.submit_and_wait_with(&k, 1, arg), Err(Errno::EOPNOTSUPP));
    assert_eq!(h.sq_tail.load(Relaxed), 0, "the tail must not move before validation (H15)");
    assert_eq!(sq.unpublished(), 1);
    assert!(k.0.calls.borrow().is_empty());
    assert_eq!(sq.discard_unpublished(), 1);
}
