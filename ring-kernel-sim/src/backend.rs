//! [`Sim`]: ring-core's backend over the simulator's words and cells (loom's under
//! `--cfg loom`, std's otherwise), with the kernel-side operations the user side never needs.

use core::sync::atomic::Ordering;

use ring_core::fault::LogicFault;
use ring_core::site::Site;
use ring_core::{Backend, SlotCell, Word};

use crate::mutation::{active_logic_fault, kernel_ordering, user_ordering, KSite};
use crate::sync::{fence, AtomicU32};

/// The simulator's backend: loom atomics and loom cells under `--cfg loom`, std atomics and
/// plain cells otherwise. The ordering at each site honours the active
/// [`Mutant`](crate::Mutant).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sim;

/// A shared 32-bit word of the simulated ring.
#[derive(Debug)]
pub struct SimWord(AtomicU32);

impl SimWord {
    /// A word holding `v`.
    pub fn new(v: u32) -> Self {
        SimWord(AtomicU32::new(v))
    }

    /// Kernel load at `site`.
    #[inline]
    pub(crate) fn kload(&self, site: KSite) -> u32 {
        self.0.load(kernel_ordering(site))
    }

    /// Kernel store at `site`.
    #[inline]
    pub(crate) fn kstore(&self, v: u32, site: KSite) {
        self.0.store(v, kernel_ordering(site))
    }

    /// Kernel `fetch_or` at `site`.
    #[inline]
    pub(crate) fn kor(&self, bits: u32, site: KSite) -> u32 {
        self.0.fetch_or(bits, kernel_ordering(site))
    }

    /// Kernel `fetch_and(!bits)` at `site`.
    #[inline]
    pub(crate) fn kandnot(&self, bits: u32, site: KSite) -> u32 {
        self.0.fetch_and(!bits, kernel_ordering(site))
    }
}

impl Word for SimWord {
    #[inline]
    fn load(&self, order: Ordering) -> u32 {
        self.0.load(order)
    }
    #[inline]
    fn store(&self, val: u32, order: Ordering) {
        self.0.store(val, order)
    }
}

/// A slot cell of the simulated ring. Under loom every access is tracked, so reading a slot
/// that was not properly published (or rewriting one not properly released) is reported as a
/// causality violation.
#[derive(Debug)]
pub struct SimCell<T> {
    #[cfg(loom)]
    inner: loom::cell::UnsafeCell<T>,
    #[cfg(not(loom))]
    inner: core::cell::UnsafeCell<T>,
}

impl<T> SimCell<T> {
    /// A cell holding `v`.
    pub fn new(v: T) -> Self {
        #[cfg(loom)]
        let inner = loom::cell::UnsafeCell::new(v);
        #[cfg(not(loom))]
        let inner = core::cell::UnsafeCell::new(v);
        SimCell { inner }
    }
}

// SAFETY: cells are shared between the user and the simulated kernel by protocol; each side
// touches a slot only while the protocol gives it the slot (under loom, checked). `T` is plain
// `Copy` data.
unsafe impl<T: Send> Sync for SimCell<T> {}

// SAFETY: loom's `with`/`with_mut` pass pointers valid for the closure; std's `UnsafeCell::get`
// is valid while `&self` lives.
unsafe impl<T: Copy + Send + 'static> SlotCell<T> for SimCell<T> {
    #[inline]
    #[track_caller]
    fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        #[cfg(loom)]
        return self.inner.with(f);
        #[cfg(not(loom))]
        return f(self.inner.get());
    }
    #[inline]
    #[track_caller]
    fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        #[cfg(loom)]
        return self.inner.with_mut(f);
        #[cfg(not(loom))]
        return f(self.inner.get());
    }
}

impl<T: Copy + Send + 'static> SimCell<T> {
    /// Reads the slot (kernel side).
    #[inline]
    pub(crate) fn read(&self) -> T {
        // SAFETY: the caller (the simulated kernel) reads only slots the protocol gives it;
        // under loom a violation is reported, not undefined behaviour of the model.
        self.with(|p| unsafe { p.read() })
    }

    /// Writes the slot (kernel side).
    #[inline]
    pub(crate) fn write(&self, v: T) {
        // SAFETY: as for `read`.
        self.with_mut(|p| unsafe { p.write(v) })
    }
}

/// Issues the kernel fence of `site` (none if weakened to Relaxed).
#[inline]
pub(crate) fn kfence(site: KSite) {
    let o = kernel_ordering(site);
    if o != Ordering::Relaxed {
        // ORDERING: the strength is the site's (docs/ordering.md, kernel table); Relaxed
        // means "no fence" because `fence(Relaxed)` panics.
        fence(o);
    }
}

// SAFETY: `SimWord` loads and stores are atomic with the requested ordering (loom or std);
// `fence` issues a fence of the requested strength; `ordering` returns the default table or a
// mutant's ordering, which verification builds only from `Site::weaker` (valid orderings).
unsafe impl Backend for Sim {
    type Word = SimWord;
    type Cell<T: Copy + Send + 'static> = SimCell<T>;

    #[inline]
    fn ordering(site: Site) -> Ordering {
        user_ordering(site)
    }

    #[inline]
    fn logic_fault(fault: LogicFault) -> bool {
        active_logic_fault() == Some(fault)
    }

    #[inline]
    fn fence(order: Ordering) {
        if order != Ordering::Relaxed {
            // ORDERING: the strength is the user-side site's (docs/ordering.md).
            fence(order);
        }
    }

    #[inline]
    fn spin_hint() {
        crate::sync::thread::yield_now();
    }
}
