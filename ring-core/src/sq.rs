//! The submission queue, user side.
//!
//! Ownership rules (docs/ordering.md has the orderings):
//! - Only the user writes the SQ tail and the SQEs (and array entries) in `[head, tail)` of its
//!   own reservations; only the kernel writes the SQ head, flags and dropped counter.
//! - A slot may be rewritten only after the kernel's head has passed it, observed with an
//!   Acquire load (the SQPOLL thread may still be reading it until then).
//! - Free space is `entries - (local tail - kernel head)`, pending work is `published tail -
//!   kernel head`: never from a private copy of the head (a short submit leaves entries
//!   behind that must be resubmitted, not overwritten).

use core::fmt;

use crate::abi::{sq_flags, Sqe};
use crate::backend::{fence, load, store, Backend, Native, SlotCell};
use crate::fault::LogicFault;
use crate::memory::SqMemory;
use crate::opcode::{Entry, Entry128};
use crate::site::Site;

/// The SQ has no free slot. Reap completions and submit, or wait for SQ space (SQPOLL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqFull;

impl fmt::Display for SqFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("submission queue is full")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SqFull {}

/// Why an entry could not be pushed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushError {
    /// No free slot.
    Full,
    /// A 128-byte entry pushed into a ring of 64-byte SQEs.
    EntrySize,
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::Full => f.write_str("submission queue is full"),
            PushError::EntrySize => f.write_str("128-byte entry on a ring without SQE128"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PushError {}

impl From<SqFull> for PushError {
    fn from(_: SqFull) -> Self {
        PushError::Full
    }
}

/// The user's private SQ state: what it has reserved and what it has published.
#[derive(Debug)]
pub struct SqState {
    /// Next position to hand out (reserved and written, maybe not yet published).
    pub(crate) sqe_tail: u32,
    /// The value last stored into the shared tail.
    pub(crate) published: u32,
    /// `IORING_SETUP_*` flags of the ring.
    pub(crate) setup_flags: u32,
    /// The kernel head as last loaded with Acquire (`Site::SqHeadAcquire`). The head only
    /// moves forward, so slots this value shows free stay free; `acquire` reloads it only when
    /// it shows the ring full, instead of loading the shared word for every entry.
    pub(crate) head_seen: u32,
}

impl SqState {
    /// State for a ring whose shared tail currently holds `mem`'s tail value. Writes the
    /// identity mapping into the index array (if any): position `i` submits SQE `i`.
    pub(crate) fn new<B: Backend>(mem: &SqMemory<'_, B>, setup_flags: u32) -> Self {
        let tail = load::<B>(mem.tail, Site::SqTailInit);
        if let Some(array) = mem.array {
            for (i, cell) in array.iter().enumerate() {
                // SAFETY: the ring is not yet shared with a submitting user; the kernel reads
                // array entries only for positions below a published tail, and none is
                // published beyond `tail` here, whose entries were consumed already.
                cell.with_mut(|p| unsafe { p.write(i as u32) });
            }
        }
        // A head one ring behind the tail shows the ring full: the first acquire loads it.
        SqState {
            sqe_tail: tail,
            published: tail,
            setup_flags,
            head_seen: tail.wrapping_sub(mem.entries),
        }
    }
}

/// A view of the submission queue: reserve slots, fill them, publish them.
///
/// ```
/// # #[cfg(feature = "linux")] {
/// use ring_core::opcode::Nop;
/// let mut ring = ring_core::Ring::new(8).unwrap();
/// let mut sq = ring.submission();
/// sq.push(&Nop::new().build().user_data(7)).unwrap();
/// assert_eq!(sq.unpublished(), 1);
/// # }
/// ```
pub struct SubmissionQueue<'a, B: Backend = Native> {
    pub(crate) mem: &'a SqMemory<'a, B>,
    pub(crate) st: &'a mut SqState,
}

impl<'a, B: Backend> SubmissionQueue<'a, B> {
    /// A view over `mem` with the private state `st` (handed out by [`Queues`](crate::Queues),
    /// which keeps one state per ring).
    pub(crate) fn new(mem: &'a SqMemory<'a, B>, st: &'a mut SqState) -> Self {
        SubmissionQueue { mem, st }
    }

    /// Number of SQ entries.
    #[inline]
    pub fn capacity(&self) -> u32 {
        self.mem.entries
    }

    /// The kernel's head, acquired: every SQE before it has been read by the kernel.
    #[inline]
    fn head_acquire(&self) -> u32 {
        // ORDERING: Acquire pairs with the kernel's Release store of the SQ head (sim: the
        // SQ head release after a consumed batch); it makes the kernel's reads of the SQEs
        // before the head happen-before our rewrite of those slots (H4).
        load::<B>(self.mem.head, Site::SqHeadAcquire)
    }

    /// Reserved entries not counting what the kernel has consumed, clamped to the ring size
    /// (a kernel head ahead of our tail counts as full, never as space to overwrite).
    #[inline]
    fn in_use(&self, head: u32) -> u32 {
        // H11 (verification only): a private head that assumes everything published was
        // consumed, as if a short submit had consumed it all.
        let head = if B::logic_fault(LogicFault::H11SpaceFromPrivateHead) {
            self.st.published
        } else {
            head
        };
        let used = self.st.sqe_tail.wrapping_sub(head);
        if used > self.mem.entries {
            self.mem.entries
        } else {
            used
        }
    }

    /// Free slots by the head seen last, reloaded (Acquire, for the slots about to be
    /// rewritten) only when that shows fewer than `want`: the kernel may have consumed more.
    #[inline]
    fn free_for(&mut self, want: u32) -> u32 {
        let free = self.mem.entries - self.in_use(self.st.head_seen);
        if free >= want {
            return free;
        }
        self.st.head_seen = self.head_acquire();
        self.mem.entries - self.in_use(self.st.head_seen)
    }

    /// Free slots: `entries - (local tail - kernel head)`.
    #[inline]
    pub fn space_left(&self) -> u32 {
        self.mem.entries - self.in_use(self.head_acquire())
    }

    /// Whether no slot is free.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.space_left() == 0
    }

    /// Entries published to the kernel and not yet consumed: `published tail - kernel head`.
    /// After a short submit these are resubmitted by the next submit.
    #[inline]
    pub fn pending(&self) -> u32 {
        // Relaxed: only counts; no slot is reused on the strength of this value.
        let head = load::<B>(self.mem.head, Site::SqHeadCount);
        let p = self.st.published.wrapping_sub(head);
        p.min(self.mem.entries)
    }

    /// Entries written but not yet published.
    #[inline]
    pub fn unpublished(&self) -> u32 {
        self.st.sqe_tail.wrapping_sub(self.st.published)
    }

    /// Entries reserved and not consumed by the kernel: pending plus unpublished.
    #[inline]
    pub fn len(&self) -> u32 {
        self.pending() + self.unpublished()
    }

    /// Whether nothing is reserved or pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn write_entry(&self, pos: u32, sqe: &Sqe) {
        let unit = ((pos & self.mem.mask) << self.mem.shift) as usize;
        write_units::<B>(self.mem.sqes, unit, self.mem.shift == 1, sqe);
    }

    /// Reserves one slot, or reports [`SqFull`]. Nothing is reserved until the slot is
    /// written ([`SqeSlot::write`]); dropping the slot unwritten leaves the queue unchanged.
    ///
    /// ```
    /// # #[cfg(feature = "linux")] {
    /// use ring_core::{opcode::Nop, Ring};
    /// let mut ring = Ring::new(2)?;
    /// let (mut sq, _cq, kernel) = ring.split();
    /// sq.push(&Nop::new().build())?;
    /// sq.push(&Nop::new().build())?;
    /// assert!(sq.acquire().is_err()); // full: nothing was overwritten
    /// sq.submit(kernel)?; // the kernel consumes both
    /// assert!(sq.acquire().is_ok());
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn acquire(&mut self) -> Result<SqeSlot<'_, 'a, B>, SqFull> {
        if self.free_for(1) == 0 {
            return Err(SqFull);
        }
        Ok(SqeSlot { sq: self })
    }

    /// Writes `entry` into the next free slot (not yet published).
    #[inline]
    pub fn push(&mut self, entry: &Entry) -> Result<(), SqFull> {
        self.acquire()?.write(entry);
        Ok(())
    }

    /// Writes a 128-byte entry into the next free slot of an SQE128 ring.
    pub fn push128(&mut self, entry: &Entry128) -> Result<(), PushError> {
        if self.mem.shift == 0 {
            return Err(PushError::EntrySize);
        }
        let slot = self.acquire()?;
        let pos = slot.sq.st.sqe_tail;
        let base = ((pos & slot.sq.mem.mask) << 1) as usize;
        let (first, second) = entry.halves();
        // SAFETY: reserved slot (see `write_entry`); both units belong to it.
        slot.sq.mem.sqes[base].with_mut(|p| unsafe { p.write(first) });
        // SAFETY: as above.
        slot.sq.mem.sqes[base + 1].with_mut(|p| unsafe { p.write(second) });
        slot.sq.st.sqe_tail = pos.wrapping_add(1);
        Ok(())
    }

    /// Reserves up to `n` slots that are contiguous in the SQE array (up to the wrap), with
    /// at most one head load for all of them. The batch may be shorter than `n`; see
    /// [`SqeBatch::capacity`]. Entries pushed into the batch are reserved when it is dropped.
    ///
    /// ```
    /// # #[cfg(feature = "linux")] {
    /// use ring_core::{opcode::Nop, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let mut sq = ring.submission();
    /// let mut batch = sq.acquire_batch(5);
    /// for ud in 0..batch.capacity() {
    ///     batch.push(&Nop::new().build().user_data(u64::from(ud)))?;
    /// }
    /// drop(batch);
    /// assert_eq!(sq.unpublished(), 5);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn acquire_batch(&mut self, n: u32) -> SqeBatch<'_, 'a, B> {
        let free = self.free_for(n);
        let to_wrap = self.mem.entries - (self.st.sqe_tail & self.mem.mask);
        let capacity = n.min(free).min(to_wrap);
        // The batch's slots are contiguous (it stops at the wrap): it keeps them as one
        // slice, so its pushes index a local slice instead of re-reading the geometry.
        let shift = self.mem.shift;
        let first = ((self.st.sqe_tail & self.mem.mask) << shift) as usize;
        let units = &self.mem.sqes[first..first + ((capacity as usize) << shift)];
        SqeBatch { sq: self, units, big: shift == 1, capacity, filled: 0 }
    }

    /// Publishes every written entry to the kernel (one tail store). Returns how many were
    /// newly published.
    #[inline]
    pub fn publish(&mut self) -> u32 {
        let n = self.unpublished();
        if n != 0 {
            // ORDERING: Release publishes the SQE (and array) writes above; pairs with the
            // kernel's Acquire load of the SQ tail (sim: inline submission and the SQPOLL
            // poll loop). Under SQPOLL it is what makes the slot contents visible (H3).
            store::<B>(self.mem.tail, self.st.sqe_tail, Site::SqTailPublish);
            self.st.published = self.st.sqe_tail;
        }
        n
    }

    /// Drops every written but unpublished entry (an error path that must not reach the
    /// kernel, H15). Returns how many were dropped.
    pub fn discard_unpublished(&mut self) -> u32 {
        let n = self.unpublished();
        self.st.sqe_tail = self.st.published;
        n
    }

    /// The SQ flags word (`IORING_SQ_*`), as a Relaxed hint.
    #[inline]
    pub fn flags(&self) -> u32 {
        // Relaxed: CQ_OVERFLOW and TASKRUN are hints to enter; NEED_WAKEUP is read through
        // `need_wakeup`, after the fence.
        load::<B>(self.mem.flags, Site::SqFlagsLoad)
    }

    /// After publishing: whether the SQPOLL thread is asleep and must be woken. Issues the
    /// full fence between the tail store and the flags load that the handshake needs.
    #[inline]
    pub fn need_wakeup(&self) -> bool {
        // ORDERING: SeqCst fence between our SQ tail store (above, in `publish`) and the
        // flags load below. Pairs with the SQPOLL thread's fence between its fetch_or of
        // NEED_WAKEUP and its re-read of the tail (sim: the SQPOLL idle path). Store
        // buffering is forbidden only with a fence on both sides: either we see the flag,
        // or the thread sees our tail (H1, H19).
        fence::<B>(Site::SqWakeupFence);
        // Relaxed: ordered by the fence above; the flag carries no data.
        load::<B>(self.mem.flags, Site::SqFlagsLoad) & sq_flags::NEED_WAKEUP != 0
    }

    /// Whether the kernel has completions parked in its overflow backlog or pending task
    /// work: enter with GETEVENTS to flush them (H12).
    #[inline]
    pub fn cq_needs_flush(&self) -> bool {
        if B::logic_fault(LogicFault::H12IgnoreParkedCompletions) {
            return false;
        }
        self.flags() & (sq_flags::CQ_OVERFLOW | sq_flags::TASKRUN) != 0
    }

    /// SQEs the kernel dropped for an invalid index (informational).
    #[inline]
    pub fn dropped(&self) -> u32 {
        // Relaxed: a statistic; nothing is read on the strength of it.
        load::<B>(self.mem.dropped, Site::SqDroppedLoad)
    }

    /// The ring's setup flags.
    #[inline]
    pub fn setup_flags(&self) -> u32 {
        self.st.setup_flags
    }

    /// Overrides the index-array entry for the next slot to be written (`sqe_index` may be
    /// out of range: the kernel then drops the entry and counts it in [`dropped`]). Returns
    /// `false` on a `NO_SQARRAY` ring. The override persists for that array position until
    /// [`reset_array_entry`](Self::reset_array_entry); it exists to exercise the kernel's
    /// handling of bad indices.
    ///
    /// [`dropped`]: Self::dropped
    pub fn set_next_array_entry(&mut self, sqe_index: u32) -> bool {
        let Some(array) = self.mem.array else { return false };
        let pos = (self.st.sqe_tail & self.mem.mask) as usize;
        // SAFETY: the position is the user's next reservation, not published, so the kernel
        // does not read it (a stale read of a consumed position cannot happen: the kernel
        // reads array entries only below the published tail).
        array[pos].with_mut(|p| unsafe { p.write(sqe_index) });
        true
    }

    /// Restores the identity mapping of the array entry at ring position `pos & mask`. Call
    /// only once the kernel has consumed that position.
    pub fn reset_array_entry(&mut self, pos: u32) -> bool {
        let Some(array) = self.mem.array else { return false };
        let i = pos & self.mem.mask;
        if self.pending() != 0 || self.unpublished() != 0 {
            return false;
        }
        // SAFETY: nothing is pending or unpublished, so the kernel reads no array entry.
        array[i as usize].with_mut(|p| unsafe { p.write(i) });
        true
    }

    /// The free-running local tail (next position to write).
    #[inline]
    pub fn local_tail(&self) -> u32 {
        self.st.sqe_tail
    }
}

/// One reserved-on-write SQ slot, from [`SubmissionQueue::acquire`].
pub struct SqeSlot<'s, 'a, B: Backend> {
    sq: &'s mut SubmissionQueue<'a, B>,
}

impl<B: Backend> SqeSlot<'_, '_, B> {
    /// Writes the entry and reserves the slot (published with the next
    /// [`publish`](SubmissionQueue::publish) or submit).
    #[inline]
    pub fn write(self, entry: &Entry) {
        let pos = self.sq.st.sqe_tail;
        self.sq.write_entry(pos, entry.as_sqe());
        self.sq.st.sqe_tail = pos.wrapping_add(1);
    }

    /// The SQE index this slot will carry.
    pub fn index(&self) -> u32 {
        self.sq.st.sqe_tail & self.sq.mem.mask
    }
}

/// Writes `sqe` into the entry starting at `units[at]`; on an SQE128 ring (`big`) zeroes its
/// second half, the command area, so no stale bytes of an earlier entry reach the kernel.
#[inline(always)]
fn write_units<B: Backend>(units: &[B::Cell<Sqe>], at: usize, big: bool, sqe: &Sqe) {
    // SAFETY: callers pass the units of an entry reserved by this user (at or after the
    // local tail, with space checked against an acquired kernel head), so the kernel is not
    // reading them.
    units[at].with_mut(|p| unsafe { p.write(*sqe) });
    if big {
        // SAFETY: as above; the second unit belongs to the same reserved entry.
        units[at + 1].with_mut(|p| unsafe { p.write(Sqe::default()) });
    }
}

/// Contiguous reserved-on-write slots, from [`SubmissionQueue::acquire_batch`].
pub struct SqeBatch<'s, 'a, B: Backend> {
    sq: &'s mut SubmissionQueue<'a, B>,
    /// The batch's SQE units, from the local tail on.
    units: &'a [B::Cell<Sqe>],
    /// SQE128: two units per entry.
    big: bool,
    capacity: u32,
    filled: u32,
}

impl<B: Backend> SqeBatch<'_, '_, B> {
    /// How many entries fit in this batch.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// How many entries have been written.
    pub fn len(&self) -> u32 {
        self.filled
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.filled == 0
    }

    /// Writes the next entry of the batch.
    #[inline]
    pub fn push(&mut self, entry: &Entry) -> Result<(), SqFull> {
        if self.filled == self.capacity {
            return Err(SqFull);
        }
        let unit = (self.filled as usize) << u32::from(self.big);
        write_units::<B>(self.units, unit, self.big, entry.as_sqe());
        self.filled += 1;
        Ok(())
    }
}

impl<B: Backend> Drop for SqeBatch<'_, '_, B> {
    fn drop(&mut self) {
        self.sq.st.sqe_tail = self.sq.st.sqe_tail.wrapping_add(self.filled);
    }
}
