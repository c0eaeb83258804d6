//! The completion queue, user side.
//!
//! Ownership rules (docs/ordering.md has the orderings):
//! - Only the kernel writes the CQ tail and the CQEs in `[tail, head + entries)`; only the
//!   user writes the CQ head.
//! - A CQE at position `p` may be read only when `p < tail`, with the tail observed by an
//!   Acquire load, and only while `p >= head` (the user's own, not yet released head).
//! - One batch is bounded by one tail snapshot: re-reading the tail in the loop lets a fast
//!   producer keep the loop going while the head is never released.

use core::fmt;

use crate::abi::{cq_flags, sq_flags, Cqe, Cqe32};
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
    fn read<B: Backend>(mem: &CqMemory<'_, B>, pos: u32) -> Self;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::abi::Cqe {}
    impl Sealed for crate::abi::Cqe32 {}
}

impl CqEntry for Cqe {
    #[inline(always)]
    fn read<B: Backend>(mem: &CqMemory<'_, B>, pos: u32) -> Self {
        let unit = ((pos & mem.mask) << mem.shift) as usize;
        // SAFETY: callers pass a position in [head, tail) with the tail acquired, so the
        // kernel wrote this CQE before releasing the tail and will not rewrite it until we
        // release the head past it.
        mem.cqes[unit].with(|p| unsafe { p.read() })
    }
}

impl CqEntry for Cqe32 {
    /// On a ring without `CQE32` the extra words read as zero.
    #[inline(always)]
    fn read<B: Backend>(mem: &CqMemory<'_, B>, pos: u32) -> Self {
        let cqe = Cqe::read(mem, pos);
        let big_cqe = if mem.shift == 1 {
            let unit = ((pos & mem.mask) << 1) as usize + 1;
            // SAFETY: the second 16-byte unit of the same CQE; same argument as for `Cqe`.
            let ext = mem.cqes[unit].with(|p| unsafe { p.read() });
            let mut hi = [0u8; 8];
            hi[..4].copy_from_slice(&ext.res.to_ne_bytes());
            hi[4..].copy_from_slice(&ext.flags.to_ne_bytes());
            [ext.user_data, u64::from_ne_bytes(hi)]
        } else {
            [0, 0]
        };
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

    /// Completions ready to be read (one Acquire of the tail).
    #[inline]
    pub fn ready(&mut self) -> u32 {
        let head = self.head();
        let tail = self.refresh_tail();
        self.span(head, tail)
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
        if self.span(head, self.st.cached_tail) == 0 {
            let tail = self.refresh_tail();
            if self.span(head, tail) == 0 {
                return None;
            }
        }
        Some(E::read(self.mem, head))
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
        let n = self.span(head, tail);
        CqBatch { cq: self, pos: head, end: head.wrapping_add(n) }
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
    pub fn reap(&mut self, max: u32, mut f: impl FnMut(Cqe)) -> u32 {
        let head = self.head();
        let tail = self.refresh_tail();
        let n = self.span(head, tail).min(max);
        for i in 0..n {
            f(Cqe::read(self.mem, head.wrapping_add(i)));
        }
        if n != 0 {
            self.release(head.wrapping_add(n));
        }
        n
    }

    #[inline]
    fn release(&mut self, new_head: u32) {
        // ORDERING: Release orders our reads of the CQEs before the head store; pairs with
        // the kernel's Acquire load of the CQ head when it refills its free range (sim: the
        // CQ cache refill). Without it the kernel may overwrite a CQE we are still reading.
        store::<B>(self.mem.head, new_head, Site::CqHeadRelease);
    }

    /// Releases `n` completions to the kernel. Fails, changing nothing, if fewer than `n`
    /// are ready: releasing slots the kernel has not filled would corrupt the ring.
    #[inline]
    pub fn advance(&mut self, n: u32) -> Result<(), AdvanceError> {
        if n == 0 {
            return Ok(());
        }
        let head = self.head();
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
}

impl<B: Backend> Iterator for CqBatch<'_, '_, B> {
    type Item = Cqe;

    #[inline]
    fn next(&mut self) -> Option<Cqe> {
        if self.pos == self.end {
            return None;
        }
        let cqe = Cqe::read(self.cq.mem, self.pos);
        self.pos = self.pos.wrapping_add(1);
        Some(cqe)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end.wrapping_sub(self.pos) as usize;
        (n, Some(n))
    }
}

impl<B: Backend> ExactSizeIterator for CqBatch<'_, '_, B> {}
