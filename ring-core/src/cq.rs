//! The completion queue, user side.
//!
//! Ownership rules (docs/ordering.md has the orderings):
//! - Only the kernel writes the CQ tail and the CQEs in `[tail, head + entries)`; only the
//!   user writes the CQ head.
//! - A CQE at position `p` may be read only when `p < tail`, with the tail observed by an
//!   Acquire load, and only while `p >= head` (the user's own, not yet released head).
//! - One batch is bounded by one tail snapshot: re-reading the tail in the loop lets a fast
//!   producer keep the loop going while the head is never released.
//!
//! On a `CQE_MIXED` ring (6.18) the head and tail count 16-byte slots. A 32-byte completion
//! (`IORING_CQE_F_32`) fills two slots, and when one would start in the last slot the kernel
//! first posts a one-slot filler (`IORING_CQE_F_SKIP`). The reader steps over fillers and
//! counts completions, not slots: `ready`, `advance`, `reap` and `batch` all mean entries.

use core::fmt;

use crate::abi::{cq_flags, cqe_flags, sq_flags, Cqe, Cqe32};
use crate::backend::{load, store, Backend, Native, SlotCell};
use crate::fault::LogicFault;
use crate::memory::CqMemory;
use crate::site::Site;

/// An [`advance`](CompletionQueue::advance) past the completions the kernel has posted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdvanceError {
    /// How many entries the caller asked to release.
    pub requested: u32,
    /// How many were ready.
    pub ready: u32,
}

impl fmt::Display for AdvanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot advance the CQ by {} with {} ready", self.requested, self.ready)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AdvanceError {}

/// The user's private CQ state: the last tail it acquired.
#[derive(Debug)]
pub struct CqState {
    pub(crate) cached_tail: u32,
}

impl CqState {
    /// State for a CQ whose head currently holds `mem`'s head value.
    pub(crate) fn new<B: Backend>(mem: &CqMemory<'_, B>) -> Self {
        CqState { cached_tail: load::<B>(mem.head, Site::CqHeadLoad) }
    }
}

/// A view of the completion queue: look at completions, then release them.
pub struct CompletionQueue<'a, B: Backend = Native> {
    pub(crate) mem: &'a CqMemory<'a, B>,
    pub(crate) st: &'a mut CqState,
}

/// A CQE type that can be read out of the ring: [`Cqe`] or [`Cqe32`].
pub trait CqEntry: Copy + sealed::Sealed {
    #[doc(hidden)]
    fn read<B: Backend>(mem: &CqMemory<'_, B>, pos: u32, width: u32) -> Self;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::abi::Cqe {}
    impl Sealed for crate::abi::Cqe32 {}
}

/// The 16-byte unit at `unit`.
#[inline(always)]
fn read_unit<B: Backend>(mem: &CqMemory<'_, B>, unit: usize) -> Cqe {
    // SAFETY: callers pass a unit of a position in [head, tail) with the tail acquired, so
    // the kernel wrote it before releasing the tail and will not rewrite it until we release
    // the head past it.
    mem.cqes[unit].with(|p| unsafe { p.read() })
}

impl CqEntry for Cqe {
    #[inline(always)]
    fn read<B: Backend>(mem: &CqMemory<'_, B>, pos: u32, _width: u32) -> Self {
        read_unit(mem, ((pos & mem.mask) << mem.shift) as usize)
    }
}

impl CqEntry for Cqe32 {
    /// The extra words come from the second unit of a `CQE32` ring's CQE, or of a two-slot
    /// completion on a `CQE_MIXED` ring (`width` 2); otherwise they read as zero.
    #[inline(always)]
    fn read<B: Backend>(mem: &CqMemory<'_, B>, pos: u32, width: u32) -> Self {
        let cqe = Cqe::read(mem, pos, width);
        let ext = if mem.shift == 1 {
            Some(read_unit(mem, ((pos & mem.mask) << 1) as usize + 1))
        } else if width == 2 {
            // `width` 2 is given only when both slots are below the tail, so the next unit
            // (the ring's first after its last) is published.
            Some(read_unit(mem, (pos.wrapping_add(1) & mem.mask) as usize))
        } else {
            None
        };
        let big_cqe = ext.map_or([0, 0], |ext| {
            let mut hi = [0u8; 8];
            hi[..4].copy_from_slice(&ext.res.to_ne_bytes());
            hi[4..].copy_from_slice(&ext.flags.to_ne_bytes());
            [ext.user_data, u64::from_ne_bytes(hi)]
        });
        Cqe32 { cqe, big_cqe }
    }
}

impl<'a, B: Backend> CompletionQueue<'a, B> {
    /// A view over `mem` with the private state `st` (handed out by [`Queues`](crate::Queues),
    /// which keeps one state per ring).
    pub(crate) fn new(mem: &'a CqMemory<'a, B>, st: &'a mut CqState) -> Self {
        CompletionQueue { mem, st }
    }

    /// Number of CQ entries.
    #[inline]
    pub fn capacity(&self) -> u32 {
        self.mem.entries
    }

    #[inline]
    fn head(&self) -> u32 {
        // Relaxed: only the user writes the head, so it reads its own last store (H8: an
        // Acquire here is unnecessary).
        load::<B>(self.mem.head, Site::CqHeadLoad)
    }

    /// Acquires the kernel's tail and caches it.
    #[inline]
    fn refresh_tail(&mut self) -> u32 {
        // ORDERING: Acquire pairs with the kernel's Release store of the CQ tail (sim: the
        // end of a posting section under the completion lock); it makes the CQE writes of
        // every entry below the tail visible before we read them (H5).
        let t = load::<B>(self.mem.tail, Site::CqTailAcquire);
        self.st.cached_tail = t;
        t
    }

    /// Entries between `head` and `tail`, clamped to the ring size: a kernel tail that
    /// claims more than one ring's worth is never read past one ring.
    #[inline]
    fn span(&self, head: u32, tail: u32) -> u32 {
        if B::logic_fault(LogicFault::SeedUnwrappedCompare) {
            // The Go seed's comparison (verification only): wrong once the counters wrap.
            return if head < tail { (tail - head).min(self.mem.entries) } else { 0 };
        }
        tail.wrapping_sub(head).min(self.mem.entries)
    }

    /// Completions ready to be read (one Acquire of the tail). On a `CQE_MIXED` ring this
    /// counts completions, not slots, reading each one's flags.
    #[inline]
    pub fn ready(&mut self) -> u32 {
        let head = self.head();
        let tail = self.refresh_tail();
        let units = self.span(head, tail);
        if self.mem.mixed {
            return self.count(head, units);
        }
        units
    }

    /// `CQE_MIXED` rings: the completions in `units` slots from `head`.
    ///
    /// The mixed-ring paths are kept out of line (`cold`, never inlined) so the common ring's
    /// hot path pays one flag test for them (docs/benchmarks.md has the callgrind figures,
    /// beside liburing's).
    #[cold]
    #[inline(never)]
    fn count(&self, head: u32, units: u32) -> u32 {
        self.walk(head, units, u32::MAX, |_, _, _| ()).0
    }

    /// Slots between the head and a fresh tail: what a resize must fit, and what the
    /// kernel's wait counts on a `CQE_MIXED` ring.
    #[inline]
    pub(crate) fn ready_slots(&mut self) -> u32 {
        let head = self.head();
        let tail = self.refresh_tail();
        self.span(head, tail)
    }

    /// `CQE_MIXED` rings: how many slots the completion `first`, at `pos` with `left` slots
    /// published from `pos` on, fills. A completion flagged 32 bytes that is not wholly
    /// published (the kernel never posts one so) counts as one slot: nothing beyond the tail
    /// is read on a kernel's word. One whose second half is the ring's first slot is read
    /// across the wrap: the kernel pads instead of posting one, but a resize that shrinks the
    /// CQ copies completions slot by slot and can leave one so.
    #[inline]
    fn width(&self, first: &Cqe, left: u32) -> u32 {
        if first.flags & cqe_flags::F_32 != 0 && left >= 2 {
            2
        } else {
            1
        }
    }

    /// `CQE_MIXED` rings: steps from `head` over up to `max` completions within `units`
    /// published slots, skipping fillers, calling `f(pos, first unit, width)` on each.
    /// Returns the completions seen and the position after the last slot stepped over.
    fn walk(
        &self,
        head: u32,
        units: u32,
        max: u32,
        mut f: impl FnMut(u32, &Cqe, u32),
    ) -> (u32, u32) {
        let end = head.wrapping_add(units);
        let (mut pos, mut n) = (head, 0);
        while pos != end && n < max {
            let first = Cqe::read(self.mem, pos, 1);
            if first.flags & cqe_flags::SKIP != 0 {
                pos = pos.wrapping_add(1);
                continue;
            }
            let w = self.width(&first, end.wrapping_sub(pos));
            f(pos, &first, w);
            n += 1;
            pos = pos.wrapping_add(w);
        }
        (n, pos)
    }

    /// Whether no completion is ready.
    #[inline]
    pub fn is_empty(&mut self) -> bool {
        self.ready() == 0
    }

    /// The next completion, without consuming it. Re-reads the tail only when the cached
    /// snapshot is exhausted.
    #[inline]
    pub fn peek(&mut self) -> Option<Cqe> {
        self.peek_entry()
    }

    /// The next completion as a 32-byte CQE (extra words zero without `CQE32`).
    #[inline]
    pub fn peek32(&mut self) -> Option<Cqe32> {
        self.peek_entry()
    }

    #[inline]
    fn peek_entry<E: CqEntry>(&mut self) -> Option<E> {
        let head = self.head();
        let mut left = self.span(head, self.st.cached_tail);
        if left == 0 {
            let tail = self.refresh_tail();
            left = self.span(head, tail);
            if left == 0 {
                return None;
            }
        }
        if self.mem.mixed {
            return self.peek_mixed(head, left);
        }
        Some(E::read(self.mem, head, 1))
    }

    /// `CQE_MIXED` rings: the first completion of the `left` slots published from `head`,
    /// fillers before it released. Scans at most one tail snapshot, and one more if the
    /// first held only fillers, whatever the kernel's words say.
    #[cold]
    #[inline(never)]
    fn peek_mixed<E: CqEntry>(&mut self, head: u32, mut left: u32) -> Option<E> {
        let mut pos = head;
        for snapshot in 0..2 {
            if snapshot == 1 {
                let tail = self.refresh_tail();
                left = self.span(pos, tail);
            }
            let end = pos.wrapping_add(left);
            while pos != end {
                let first = Cqe::read(self.mem, pos, 1);
                if first.flags & cqe_flags::SKIP == 0 {
                    if pos != head {
                        self.release(pos);
                    }
                    return Some(E::read(self.mem, pos, self.width(&first, end.wrapping_sub(pos))));
                }
                pos = pos.wrapping_add(1);
            }
        }
        // Only fillers: release them, so the next look starts after them.
        if pos != head {
            self.release(pos);
        }
        None
    }

    /// Iterates over the completions ready now (bounded by one tail snapshot), without
    /// consuming them. Call [`advance`](Self::advance) afterwards.
    ///
    /// ```
    /// # #[cfg(feature = "linux")] {
    /// use ring_core::{opcode::Nop, Ring};
    /// let mut ring = Ring::new(8)?;
    /// ring.submission().push(&Nop::new().build().user_data(1))?;
    /// ring.submission().push(&Nop::new().build().user_data(2))?;
    /// ring.submit_and_wait(2)?;
    /// let mut cq = ring.completion();
    /// let n = cq.batch().filter(|cqe| cqe.res >= 0).count() as u32;
    /// cq.advance(n)?; // nothing is released until here
    /// // Releasing more than is ready is refused, and changes nothing.
    /// assert!(cq.advance(1).is_err());
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn batch(&mut self) -> CqBatch<'_, 'a, B> {
        let head = self.head();
        let tail = self.refresh_tail();
        let units = self.span(head, tail);
        let left =
            if self.mem.mixed { self.walk(head, units, u32::MAX, |_, _, _| ()).0 } else { units };
        CqBatch { cq: self, pos: head, end: head.wrapping_add(units), left }
    }

    /// Calls `f` for up to `max` ready completions (one tail snapshot), then releases them
    /// with one head store. Returns how many were handled.
    ///
    /// ```
    /// # #[cfg(feature = "linux")] {
    /// use ring_core::{opcode::Nop, Ring};
    /// let mut ring = Ring::new(8)?;
    /// for ud in 0..3 {
    ///     ring.submission().push(&Nop::new().build().user_data(ud))?;
    /// }
    /// ring.submit_and_wait(3)?;
    /// let mut seen = Vec::new();
    /// let n = ring.completion().reap(u32::MAX, |cqe| seen.push(cqe.user_data));
    /// assert_eq!((n, seen), (3, vec![0, 1, 2]));
    /// assert_eq!(ring.completion().ready(), 0); // released with one head store
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn reap(&mut self, max: u32, f: impl FnMut(Cqe)) -> u32 {
        self.reap_entries(max, f)
    }

    /// As [`reap`](Self::reap), with each completion as a 32-byte CQE: the extra words of a
    /// `CQE32` ring's CQEs and of a `CQE_MIXED` ring's 32-byte completions, zero otherwise.
    #[inline]
    pub fn reap32(&mut self, max: u32, f: impl FnMut(Cqe32)) -> u32 {
        self.reap_entries(max, f)
    }

    #[inline]
    fn reap_entries<E: CqEntry>(&mut self, max: u32, mut f: impl FnMut(E)) -> u32 {
        let head = self.head();
        let tail = self.refresh_tail();
        let units = self.span(head, tail);
        let mixed = self.mem.mixed;
        let n = if mixed { self.count(head, units) } else { units }.min(max);
        let end = head.wrapping_add(units);
        let mut pos = head;
        let mut done = n;
        // One loop for both kinds of ring, with `f` called here: handing `f` to an
        // out-of-line mixed-ring function would keep the caller's captured state in memory
        // on every ring (seven instructions per NOP in a 128-entry batch, callgrind).
        for i in 0..n {
            let mut width = 1;
            if mixed {
                match self.next_entry(pos, end) {
                    Some((at, w)) => (pos, width) = (at, w),
                    None => {
                        done = i;
                        break;
                    }
                }
            }
            f(E::read(self.mem, pos, width));
            pos = pos.wrapping_add(width);
        }
        if pos != head {
            self.release(pos);
        }
        done
    }

    /// `CQE_MIXED` rings: the next completion at or after `pos` and below `end` (fillers
    /// stepped over) and its width, or `None` if only fillers are left (the count taken
    /// before said otherwise only if the kernel rewrote published slots).
    #[cold]
    #[inline(never)]
    fn next_entry(&self, mut pos: u32, end: u32) -> Option<(u32, u32)> {
        while pos != end {
            let first = Cqe::read(self.mem, pos, 1);
            if first.flags & cqe_flags::SKIP == 0 {
                return Some((pos, self.width(&first, end.wrapping_sub(pos))));
            }
            pos = pos.wrapping_add(1);
        }
        None
    }

    #[inline]
    fn release(&mut self, new_head: u32) {
        // ORDERING: Release orders our reads of the CQEs before the head store; pairs with
        // the kernel's Acquire load of the CQ head when it refills its free range (sim: the
        // CQ cache refill). Without it the kernel may overwrite a CQE we are still reading.
        store::<B>(self.mem.head, new_head, Site::CqHeadRelease);
    }

    /// Releases `n` completions to the kernel. Fails, changing nothing, if fewer than `n`
    /// are ready: releasing slots the kernel has not filled would corrupt the ring. On a
    /// `CQE_MIXED` ring, `n` counts completions (a 32-byte one frees two slots; fillers on
    /// the way are released with them).
    #[inline]
    pub fn advance(&mut self, n: u32) -> Result<(), AdvanceError> {
        if n == 0 {
            return Ok(());
        }
        let head = self.head();
        if self.mem.mixed {
            return self.advance_mixed(head, n);
        }
        let mut ready = self.span(head, self.st.cached_tail);
        if ready < n {
            let tail = self.refresh_tail();
            ready = self.span(head, tail);
            if ready < n {
                return Err(AdvanceError { requested: n, ready });
            }
        }
        self.release(head.wrapping_add(n));
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn advance_mixed(&mut self, head: u32, n: u32) -> Result<(), AdvanceError> {
        let units = self.span(head, self.st.cached_tail);
        let (mut seen, mut end) = self.walk(head, units, n, |_, _, _| ());
        if seen < n {
            // Walk again from the head rather than resuming at `end`: the last completion of
            // the cached snapshot was sized against that snapshot's end.
            let tail = self.refresh_tail();
            let units = self.span(head, tail);
            (seen, end) = self.walk(head, units, n, |_, _, _| ());
            if seen < n {
                return Err(AdvanceError { requested: n, ready: seen });
            }
        }
        self.release(end);
        Ok(())
    }

    /// The kernel's count of completions it had to drop (real drops only).
    #[inline]
    pub fn overflow(&self) -> u32 {
        // Relaxed: a statistic; nothing is read on the strength of it.
        load::<B>(self.mem.overflow, Site::CqOverflowLoad)
    }

    /// Whether completions are parked in the kernel's overflow backlog or in pending task
    /// work: an empty CQ then does not mean nothing completed; enter with GETEVENTS (H12).
    #[inline]
    pub fn needs_flush(&self) -> bool {
        if B::logic_fault(LogicFault::H12IgnoreParkedCompletions) {
            return false;
        }
        if B::logic_fault(LogicFault::SeedOverflowInCqFlags) {
            // The Go seed (verification only): CQ_OVERFLOW looked for in the CQ flags word.
            // Relaxed: hints, as below.
            let cq = self.mem.flags.map_or(0, |w| load::<B>(w, Site::CqFlagsLoad));
            let sq = load::<B>(self.mem.sq_flags, Site::SqFlagsLoad);
            return cq & sq_flags::CQ_OVERFLOW != 0 || sq & sq_flags::TASKRUN != 0;
        }
        // Relaxed: a hint to enter; the CQEs themselves are acquired through the tail.
        load::<B>(self.mem.sq_flags, Site::SqFlagsLoad)
            & (sq_flags::CQ_OVERFLOW | sq_flags::TASKRUN)
            != 0
    }

    /// Whether eventfd notifications are disabled, or `None` on kernels without CQ flags.
    pub fn eventfd_disabled(&self) -> Option<bool> {
        let w = self.mem.flags?;
        // Relaxed: the user owns this word.
        Some(load::<B>(w, Site::CqFlagsLoad) & cq_flags::EVENTFD_DISABLED != 0)
    }

    /// Disables or enables eventfd notifications. Returns `false` on kernels without CQ
    /// flags (before 5.8).
    pub fn set_eventfd_disabled(&mut self, disabled: bool) -> bool {
        let Some(w) = self.mem.flags else { return false };
        // Relaxed: the user owns the word; the kernel reads it as a hint when posting.
        let old = load::<B>(w, Site::CqFlagsLoad);
        let new = if disabled {
            old | cq_flags::EVENTFD_DISABLED
        } else {
            old & !cq_flags::EVENTFD_DISABLED
        };
        // Relaxed: as above; no data is published with this flag.
        store::<B>(w, new, Site::CqFlagsStore);
        true
    }

    /// The free-running head (next position to read).
    #[inline]
    pub fn local_head(&self) -> u32 {
        self.head()
    }
}

/// Completions ready at one tail snapshot, from [`CompletionQueue::batch`]. Does not
/// consume them.
pub struct CqBatch<'s, 'a, B: Backend> {
    cq: &'s CompletionQueue<'a, B>,
    pos: u32,
    end: u32,
    /// Completions still to yield (slots and completions differ on `CQE_MIXED` rings).
    left: u32,
}

impl<B: Backend> Iterator for CqBatch<'_, '_, B> {
    type Item = Cqe;

    #[inline]
    fn next(&mut self) -> Option<Cqe> {
        if self.left == 0 {
            return None;
        }
        let mut width = 1;
        if self.cq.mem.mixed {
            match self.cq.next_entry(self.pos, self.end) {
                Some((at, w)) => (self.pos, width) = (at, w),
                None => {
                    self.left = 0;
                    return None;
                }
            }
        }
        let cqe = Cqe::read(self.cq.mem, self.pos, 1);
        self.pos = self.pos.wrapping_add(width);
        self.left -= 1;
        Some(cqe)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl<B: Backend> ExactSizeIterator for CqBatch<'_, '_, B> {}

/// `CQE_MIXED` reading on heap memory, the test playing the kernel (no syscalls: runs under
/// Miri). The real kernel's placement is tested in `tests/cqe_mixed.rs`; these add counters
/// at the wrap and kernel words the kernel never writes.
#[cfg(test)]
mod mixed_tests {
    use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
    use std::vec::Vec;

    use super::*;
    use crate::backend::NativeCell;
    use crate::memory::CqParts;

    const SLOTS: u32 = 8;

    struct Cq {
        head: AtomicU32,
        tail: AtomicU32,
        mask: AtomicU32,
        entries: AtomicU32,
        zero: AtomicU32,
        cqes: Vec<NativeCell<Cqe>>,
    }

    impl Cq {
        fn new(start: u32) -> Self {
            Cq {
                head: AtomicU32::new(start),
                tail: AtomicU32::new(start),
                mask: AtomicU32::new(SLOTS - 1),
                entries: AtomicU32::new(SLOTS),
                zero: AtomicU32::new(0),
                cqes: (0..SLOTS).map(|_| NativeCell::new(Cqe::ZERO)).collect(),
            }
        }

        fn mem(&self) -> CqMemory<'_, Native> {
            let mut mem = CqMemory::new(CqParts {
                head: &self.head,
                tail: &self.tail,
                ring_mask: &self.mask,
                ring_entries: &self.entries,
                overflow: &self.zero,
                flags: None,
                sq_flags: &self.zero,
                cqes: &self.cqes,
                cqe32: false,
            })
            .unwrap();
            mem.mixed = true;
            mem
        }

        /// Kernel: writes these slots from the tail on and publishes them.
        fn post(&self, slots: &[Cqe]) {
            let tail = self.tail.load(Relaxed);
            for (i, c) in slots.iter().enumerate() {
                let unit = (tail.wrapping_add(i as u32) & (SLOTS - 1)) as usize;
                // SAFETY: single-threaded test; the unit is in bounds.
                self.cqes[unit].with_mut(|p| unsafe { p.write(*c) });
            }
            self.tail.store(tail.wrapping_add(slots.len() as u32), Relaxed);
        }

        /// Kernel: posts completions as 6.18 places them (a filler before a big one that
        /// would start in the last slot).
        fn post_entries(&self, entries: &[(u64, bool)]) {
            for &(ud, big) in entries {
                if big && self.tail.load(Relaxed) & (SLOTS - 1) == SLOTS - 1 {
                    self.post(&[filler()]);
                }
                if big {
                    self.post(&[small(ud, cqe_flags::F_32), small(ud + 100, 0)]);
                } else {
                    self.post(&[small(ud, 0)]);
                }
            }
        }
    }

    fn small(ud: u64, flags: u32) -> Cqe {
        Cqe { user_data: ud, res: 0, flags }
    }

    fn filler() -> Cqe {
        small(0, cqe_flags::SKIP)
    }

    #[test]
    fn counters_crossing_u32_max() {
        for start in [u32::MAX - 9, u32::MAX - 4, u32::MAX - 1, u32::MAX] {
            let ring = Cq::new(start);
            let mem = ring.mem();
            let mut st = CqState::new(&mem);
            let mut seen = Vec::new();
            for round in 0..6u64 {
                let batch: Vec<(u64, bool)> =
                    (0..3).map(|i| (round * 3 + i + 1, (round + i) % 2 == 0)).collect();
                ring.post_entries(&batch);
                let mut cq = CompletionQueue::new(&mem, &mut st);
                assert_eq!(cq.ready(), 3, "start {start} round {round}");
                cq.reap32(u32::MAX, |c| seen.push((c.cqe.user_data, c.big_cqe[0])));
                assert_eq!(cq.ready(), 0);
                assert_eq!(ring.head.load(Relaxed), ring.tail.load(Relaxed));
            }
            let want: Vec<(u64, u64)> = (1..=18u64)
                .map(|ud| {
                    let (round, i) = ((ud - 1) / 3, (ud - 1) % 3);
                    (ud, if (round + i) % 2 == 0 { ud + 100 } else { 0 })
                })
                .collect();
            assert_eq!(seen, want, "start {start}");
        }
    }

    #[test]
    fn a_big_completion_in_the_last_slot_is_read_across_the_wrap() {
        // The kernel pads instead, but a shrinking resize copies slot by slot and can leave
        // one so: both halves are published, the second in slot 0.
        let ring = Cq::new(SLOTS - 1);
        let mem = ring.mem();
        let mut st = CqState::new(&mem);
        ring.post(&[small(1, cqe_flags::F_32), small(101, 0), small(2, 0)]);
        let mut cq = CompletionQueue::new(&mem, &mut st);
        let c = cq.peek32().unwrap();
        assert_eq!((c.cqe.user_data, c.big_cqe[0]), (1, 101));
        assert_eq!(cq.ready(), 2);
        cq.advance(1).unwrap();
        assert_eq!(ring.head.load(Relaxed), SLOTS + 1);
        assert_eq!(cq.peek().unwrap().user_data, 2);
    }

    #[test]
    fn fillers_up_to_a_tail_far_ahead_are_scanned_at_most_twice_a_ring() {
        // A kernel tail claiming far more than a ring, every slot a filler: peek, reap,
        // batch and advance all end, reading no more than a ring per tail snapshot.
        let ring = Cq::new(0);
        let mem = ring.mem();
        let mut st = CqState::new(&mem);
        for unit in &ring.cqes {
            // SAFETY: single-threaded test; the unit is in bounds.
            unit.with_mut(|p| unsafe { p.write(filler()) });
        }
        ring.tail.store(0x8000_0000, Relaxed);
        let mut cq = CompletionQueue::new(&mem, &mut st);
        assert!(cq.peek().is_none());
        assert_eq!(ring.head.load(Relaxed), 2 * SLOTS, "two snapshots of fillers released");
        assert_eq!(cq.ready(), 0);
        assert_eq!(cq.batch().count(), 0);
        assert_eq!(cq.reap(u32::MAX, |_| panic!("a filler delivered")), 0);
        assert!(cq.advance(1).is_err());
    }

    #[test]
    fn a_big_flag_on_the_last_published_slot_reads_one_slot() {
        // Only one slot published: the second is beyond the tail and is not read.
        let ring = Cq::new(0);
        let mem = ring.mem();
        let mut st = CqState::new(&mem);
        ring.post(&[small(1, 0), small(2, cqe_flags::F_32)]);
        let mut cq = CompletionQueue::new(&mem, &mut st);
        assert_eq!(cq.ready(), 2);
        let mut got = Vec::new();
        assert_eq!(cq.reap32(u32::MAX, |c| got.push((c.cqe.user_data, c.big_cqe))), 2);
        assert_eq!(got, [(1, [0, 0]), (2, [0, 0])]);
        assert_eq!(ring.head.load(Relaxed), 2, "nothing beyond the tail was released");
    }

    #[test]
    fn only_fillers_ready_is_empty_and_they_are_released() {
        let ring = Cq::new(3);
        let mem = ring.mem();
        let mut st = CqState::new(&mem);
        ring.post(&[filler(), filler()]);
        let mut cq = CompletionQueue::new(&mem, &mut st);
        assert_eq!(cq.ready(), 0);
        assert_eq!(cq.batch().len(), 0);
        assert!(cq.advance(1).is_err());
        assert!(cq.peek().is_none());
        assert_eq!(ring.head.load(Relaxed), 5, "peek released both fillers");
        ring.post(&[filler(), small(9, 0)]);
        let mut cq = CompletionQueue::new(&mem, &mut st);
        let b: Vec<u64> = cq.batch().map(|c| c.user_data).collect();
        assert_eq!(b, [9]);
        cq.advance(1).unwrap();
        assert_eq!(ring.head.load(Relaxed), 7);
    }
}
