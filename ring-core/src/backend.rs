//! The atomic backend: the seam between the protocol and the memory it runs on.
//!
//! ring-core's user side needs only loads, stores and fences on 32-bit words (no
//! compare-and-swap), plus closure access to entry slots. [`Native`] implements them over real
//! memory; the simulated kernel (`ring-kernel-sim`) implements them over loom or std objects.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::fault::LogicFault;
use crate::site::Site;

/// A shared 32-bit word of the ring (a head, tail, flags or counter word).
pub trait Word: Sync {
    /// Atomically loads the word. `order` is never `Release` or `AcqRel`.
    fn load(&self, order: Ordering) -> u32;
    /// Atomically stores the word. `order` is never `Acquire` or `AcqRel`.
    fn store(&self, val: u32, order: Ordering);
}

/// A cell holding one entry (an SQE, a CQE or an SQ array slot), accessed through closures:
/// the shape loom's `UnsafeCell` requires, so that loom can track who touches each slot.
///
/// # Safety
///
/// `with` must pass a pointer valid for reads of `T`, and `with_mut` one valid for reads and
/// writes of `T`, for the duration of the closure. Callers (ring-core) guarantee that they
/// never access a slot the other side owns under the protocol; the implementation may check
/// that (loom does) but must not rely on it for memory safety of its own state.
pub unsafe trait SlotCell<T>: Sync {
    /// Calls `f` with a pointer for reading the entry.
    fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R;
    /// Calls `f` with a pointer for writing the entry.
    fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R;
}

/// The atomic backend.
///
/// # Safety
///
/// Implementations must make [`Word`] operations atomic with at least the requested ordering,
/// make [`fence`](Backend::fence) a fence of at least the requested strength, and return from
/// [`ordering`](Backend::ordering) only orderings that [`Site::accepts`]. ring-core's memory
/// safety (never reading a slot the kernel may be writing) rests on these.
///
/// Two methods exist for verification and must keep their defaults on any backend whose
/// cells are real memory: [`ordering`](Backend::ordering) must not return anything weaker than
/// [`Site::default_ordering`], and [`logic_fault`](Backend::logic_fault) must return `false`.
/// Overriding either is sound only for a checking backend, whose cells detect and report the
/// races the weakening or the bug allows instead of letting them happen (the simulator's
/// backend under loom, where every cell is a loom `UnsafeCell`).
pub unsafe trait Backend: Sized + 'static {
    /// The shared 32-bit word.
    type Word: Word;
    /// The cell holding one entry of type `T`.
    type Cell<T: Copy + Send + 'static>: SlotCell<T>;

    /// The ordering to use at `site`. The default is the ring-core table; a verification
    /// backend overrides it to weaken one site.
    #[inline(always)]
    fn ordering(site: Site) -> Ordering {
        site.default_ordering()
    }

    /// Whether a historical logic bug is switched back on. Always `false` by default (and on
    /// [`Native`]); only a verification backend turns one on, to show a model catches it.
    #[inline(always)]
    fn logic_fault(fault: LogicFault) -> bool {
        let _ = fault;
        false
    }

    /// A fence of the given strength. `Relaxed` means no fence.
    fn fence(order: Ordering);

    /// A hint inside a spin or poll loop. ring-core itself never spins; this is for code
    /// that is generic over the backend and polls (a kernel side, a runtime), so that under a
    /// model checker the poll becomes a yield. The default is `core::hint::spin_loop`.
    #[inline(always)]
    fn spin_hint() {
        core::hint::spin_loop();
    }
}

/// Loads `word` with the ordering of `site`.
#[inline(always)]
pub(crate) fn load<B: Backend>(word: &B::Word, site: Site) -> u32 {
    debug_assert!(matches!(site.access(), crate::site::Access::Load));
    word.load(B::ordering(site))
}

/// Stores `val` into `word` with the ordering of `site`.
#[inline(always)]
pub(crate) fn store<B: Backend>(word: &B::Word, val: u32, site: Site) {
    debug_assert!(matches!(site.access(), crate::site::Access::Store));
    word.store(val, B::ordering(site))
}

/// Issues the fence of `site`.
#[inline(always)]
pub(crate) fn fence<B: Backend>(site: Site) {
    debug_assert!(matches!(site.access(), crate::site::Access::Fence));
    // ORDERING: the strength is the site's (docs/ordering.md); each call site names what the
    // fence orders and the fence it pairs with.
    B::fence(B::ordering(site))
}

/// The backend over real memory: `core` atomics and plain cells. Used on the kernel's mmap'd
/// rings and in unit tests on heap memory.
#[derive(Clone, Copy, Debug, Default)]
pub struct Native;

/// A slot cell over real memory, layout-compatible with `T` (so an mmap'd SQE array can be
/// viewed as `[NativeCell<Sqe>]`).
#[repr(transparent)]
#[derive(Debug, Default)]
pub struct NativeCell<T>(UnsafeCell<T>);

impl<T> NativeCell<T> {
    /// A cell holding `val`.
    pub const fn new(val: T) -> Self {
        Self(UnsafeCell::new(val))
    }
}

// SAFETY: the cell is shared with another party (the kernel) by protocol; ring-core touches a
// slot only while the protocol gives it to the user (between the kernel's SQ head and the
// user's tail for SQEs; between the CQ head and the acquired CQ tail for CQEs). `T` is `Copy`
// plain data with no drop glue or interior references.
unsafe impl<T: Send> Sync for NativeCell<T> {}

// SAFETY: `UnsafeCell::get` is valid for reads and writes of `T` for as long as `&self` lives,
// which covers the closure call.
unsafe impl<T: Copy + Send + 'static> SlotCell<T> for NativeCell<T> {
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }
    #[inline(always)]
    fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

impl Word for AtomicU32 {
    #[inline(always)]
    fn load(&self, order: Ordering) -> u32 {
        AtomicU32::load(self, order)
    }
    #[inline(always)]
    fn store(&self, val: u32, order: Ordering) {
        AtomicU32::store(self, val, order)
    }
}

// SAFETY: `AtomicU32` loads and stores are atomic with the requested ordering; `fence` issues
// a core fence of the requested strength (none for Relaxed); `ordering` is the default table,
// whose entries are checked by `site::tests::defaults_are_valid_for_their_access`.
unsafe impl Backend for Native {
    type Word = AtomicU32;
    type Cell<T: Copy + Send + 'static> = NativeCell<T>;

    #[inline(always)]
    fn fence(order: Ordering) {
        if order != Ordering::Relaxed {
            // ORDERING: the strength is the caller's site's (see docs/ordering.md); Relaxed is
            // "no fence" because core::sync::atomic::fence(Relaxed) panics.
            core::sync::atomic::fence(order);
        }
    }
}
