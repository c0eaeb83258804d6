//! [`Bare`]: this crate's own ring-core backend, over `core` atomics and a slot cell of its
//! own, both with `const` constructors so a whole ring can be built at compile time and live
//! in a `static` (no heap, no allocator).
//!
//! It needs only what `thumbv6m-none-eabi` (Cortex-M0/M0+) has: 32-bit atomic loads and
//! stores and a memory barrier (`dmb`). ring-core's user side never asks a [`Word`] for a
//! read-modify-write, and neither does this crate's kernel ([`Loopback`](crate::Loopback)),
//! so no compare-and-swap is emulated anywhere.
//!
//! What ring-core asks of a backend (`ring_core::backend`, the `unsafe trait Backend`):
//! - a [`Word`] whose loads and stores are atomic with at least the ordering passed in;
//! - a [`SlotCell`] that hands out a pointer valid for reads (`with`) or reads and writes
//!   (`with_mut`) of the entry for the duration of the closure;
//! - a `fence` of at least the requested strength (`Relaxed`: none);
//! - from `ordering(site)`, only orderings the site accepts. [`Bare`] keeps ring-core's
//!   default table (docs/ordering.md in the ring-core repository), so it never overrides it.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, Ordering};

use ring_core::{Backend, SlotCell, Word};

/// This crate's backend: [`BareWord`] words and [`BareCell`] slots. ring-core's queues over
/// it are `Queues<'_, Bare>` ([`BareQueues`](crate::BareQueues)); [`RingMem`](crate::RingMem)
/// is memory laid out for it.
///
/// ```
/// use core::sync::atomic::Ordering;
/// use downstream::{BareCell, BareWord};
/// use ring_core::{SlotCell, Word};
///
/// // Both are const-constructible, so ring memory can be a `static`.
/// static TAIL: BareWord = BareWord::new(7);
/// static SLOT: BareCell<u32> = BareCell::new(0);
/// // ring-core's view of a slot: closure access with a raw pointer.
/// // SAFETY: this example is the slot's only user.
/// SLOT.with_mut(|p| unsafe { p.write(42) });
/// TAIL.store(8, Ordering::Release);
/// assert_eq!(TAIL.load(Ordering::Acquire), 8);
/// // SAFETY: as above.
/// assert_eq!(SLOT.with(|p| unsafe { p.read() }), 42);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Bare;

/// A shared 32-bit ring word (a head, tail, flags word or counter): an `AtomicU32`, laid out
/// as one (`repr(transparent)`), so it could also overlay a word of memory shared with
/// another core or a DMA engine.
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct BareWord(AtomicU32);

impl BareWord {
    /// A word holding `v`.
    pub const fn new(v: u32) -> Self {
        BareWord(AtomicU32::new(v))
    }
}

impl Word for BareWord {
    #[inline(always)]
    fn load(&self, order: Ordering) -> u32 {
        // ORDERING: whatever the caller's site asks for (ring-core names the site and its
        // partner at each call; this crate's kernel does the same in loopback.rs). ring-core
        // never passes Release or AcqRel to a load (`Site::accepts`).
        self.0.load(order)
    }

    #[inline(always)]
    fn store(&self, val: u32, order: Ordering) {
        // ORDERING: as for `load`; ring-core never passes Acquire or AcqRel to a store.
        self.0.store(val, order)
    }
}

/// One ring entry (an SQE, a CQE or an SQ index) in memory the two sides share by protocol.
/// Laid out as `T` (`repr(transparent)`).
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct BareCell<T>(UnsafeCell<T>);

impl<T> BareCell<T> {
    /// A cell holding `v`.
    pub const fn new(v: T) -> Self {
        BareCell(UnsafeCell::new(v))
    }
}

// SAFETY: a `BareCell` is shared between the user side and the kernel side, and each touches
// a slot only while the protocol gives it that slot: SQEs between the kernel's SQ head and
// the user's tail belong to the user until published and to the kernel until the head passes
// them (observed with Acquire); CQEs between the CQ head and the released CQ tail belong to the
// user. ring-core and `Loopback` keep to that, so no two threads access one slot without a
// happens-before edge. `T: Send` because an entry's value moves between the two sides.
unsafe impl<T: Send> Sync for BareCell<T> {}

// SAFETY: `UnsafeCell::get` returns a pointer to the cell's own `T`, valid for reads and
// writes for as long as `&self` is borrowed, which covers the closure call. The cell holds
// plain `Copy` data, so a read through the pointer never duplicates ownership.
unsafe impl<T: Copy + Send + 'static> SlotCell<T> for BareCell<T> {
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    #[inline(always)]
    fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

// SAFETY: `BareWord` loads and stores are `AtomicU32` loads and stores with exactly the
// requested ordering; `fence` issues `core::sync::atomic::fence` with exactly the requested
// strength (none for Relaxed, where `fence` would panic); `ordering` and `logic_fault` keep
// ring-core's defaults (the site's own ordering; no historical bug switched on).
unsafe impl Backend for Bare {
    type Word = BareWord;
    type Cell<T: Copy + Send + 'static> = BareCell<T>;

    #[inline(always)]
    fn fence(order: Ordering) {
        if order != Ordering::Relaxed {
            // ORDERING: the strength of the caller's site (ring-core: only SqWakeupFence,
            // SeqCst, between the SQ tail store and the NEED_WAKEUP load on SQPOLL rings;
            // it pairs with the SQPOLL thread's full barrier). On thumbv6m this is a `dmb`.
            core::sync::atomic::fence(order);
        }
    }
    // `spin_hint` keeps its default, `core::hint::spin_loop`.
}
