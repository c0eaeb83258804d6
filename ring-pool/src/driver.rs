//! [`Driver`]: a ring the pool can drive. Implemented by the real kernel's
//! [`ring_core::Ring`] and, with feature `sim`, by `SimDriver` over ring-kernel-sim.
//!
//! The pool needs three things from a ring, all at once and for as long as the ring lives:
//! the submission queue (used by many threads, one at a time, under a lock), the completion
//! queue (used by the ring's reaper thread only) and the kernel handle (used by all of them).
//! ring-core hands out exactly that with `split`, borrowed from the ring; [`OwnedSplit`]
//! keeps the ring at a fixed heap address and the three views with it, so that they can be
//! shared between threads.

use core::ptr::NonNull;

use ring_core::{Backend, CompletionQueue, Kernel, SubmissionQueue};

/// A ring the pool can drive: its two queues and its kernel, borrowed together.
///
/// The real kernel's ring implements it ([`ring_core::Ring`]); with feature `sim` so does
/// `SimDriver`, so the same pool code runs against the simulated kernel under loom.
///
/// ```
/// use ring_pool::Driver;
/// fn sizes<D: Driver>(d: &mut D) -> (u32, u32) {
///     let (sq, cq, _kernel) = d.split();
///     (sq.capacity(), cq.capacity())
/// }
/// let mut ring = ring_core::Ring::new(8)?;
/// assert_eq!(sizes(&mut ring), (8, 16));
/// # Ok::<(), ring_core::SetupError>(())
/// ```
pub trait Driver: Send + 'static {
    /// The atomic backend of the ring's memory.
    type Backend: Backend;
    /// The kernel side, entered concurrently by submitters and the reaper.
    type Kernel: Kernel + Sync + 'static;

    /// Both queues and the kernel, borrowed at once. The pool calls this once per ring and
    /// keeps the three for the ring's lifetime.
    #[allow(clippy::type_complexity)]
    fn split(
        &mut self,
    ) -> (SubmissionQueue<'_, Self::Backend>, CompletionQueue<'_, Self::Backend>, &Self::Kernel);

    /// The file descriptor other rings attach their kernel workers to (`ATTACH_WQ`), if the
    /// ring has one.
    fn wq_fd(&self) -> Option<i32> {
        None
    }
}

impl Driver for ring_core::Ring {
    type Backend = ring_core::Native;
    type Kernel = ring_core::Submitter;

    fn split(
        &mut self,
    ) -> (
        SubmissionQueue<'_, ring_core::Native>,
        CompletionQueue<'_, ring_core::Native>,
        &Self::Kernel,
    ) {
        ring_core::Ring::split(self)
    }

    fn wq_fd(&self) -> Option<i32> {
        let fd = self.fd();
        (fd >= 0).then_some(fd)
    }
}

/// A driver owned at a fixed address, with the views `split` lent out.
///
/// The views and the kernel reference are given the `'static` lifetime; that is sound
/// because (1) the driver lives in its own heap allocation, which is neither moved nor
/// accessed other than through these views until `OwnedSplit` is dropped, and (2) whoever
/// holds a view also holds (an `Arc` of) the structure that owns this `OwnedSplit`, and drops
/// the view first. ring-core has no owning split (see docs/pool.md, "What ring-core lacks").
pub(crate) struct OwnedSplit<D: Driver> {
    pub(crate) sq: SubmissionQueue<'static, D::Backend>,
    pub(crate) cq: CompletionQueue<'static, D::Backend>,
    pub(crate) kernel: &'static D::Kernel,
    pub(crate) wq_fd: Option<i32>,
    pub(crate) owner: Owner<D>,
}

impl<D: Driver> OwnedSplit<D> {
    pub(crate) fn new(driver: D) -> Self {
        let wq_fd = driver.wq_fd();
        let ptr = NonNull::from(Box::leak(Box::new(driver)));
        // SAFETY: `ptr` comes from a leaked box: valid, aligned, and referenced by nothing
        // else. This is the only `&mut` ever made from it until `Owner::drop` frees it, and
        // everything derived from it (the views) is dropped before that (field order here;
        // the CQ view's holder keeps the owning structure alive, see the type's docs).
        let d: &'static mut D = unsafe { &mut *ptr.as_ptr() };
        let (sq, cq, kernel) = d.split();
        OwnedSplit { sq, cq, kernel, wq_fd, owner: Owner(ptr) }
    }
}

/// The owning pointer of a driver: frees it when dropped (last, after the views).
pub(crate) struct Owner<D>(NonNull<D>);

// SAFETY: `Owner` is a `Box<D>` in all but name (it frees the allocation on drop and exposes
// no access to it), so it may move to another thread when `D: Send`.
unsafe impl<D: Send> Send for Owner<D> {}
// SAFETY: `&Owner` gives no access to the driver at all.
unsafe impl<D> Sync for Owner<D> {}

impl<D> Drop for Owner<D> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` in `OwnedSplit::new` and is freed only
        // here; every view borrowed from it has been dropped (they are declared before the
        // owner, and the reaper drops its CQ view before its reference to the ring).
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

#[cfg(feature = "sim")]
pub use sim::SimDriver;

#[cfg(feature = "sim")]
mod sim {
    use std::sync::Arc;

    use ring_core::{CompletionQueue, Queues, SubmissionQueue};
    use ring_kernel_sim::{Sim, SimError, SimRing};

    use super::Driver;

    /// A simulated ring as a pool driver (feature `sim`): ring-core's queues over
    /// ring-kernel-sim's memory, with the simulated kernel behind them. Under loom the whole
    /// pool then runs on loom objects.
    ///
    /// ```
    /// use ring_kernel_sim::SimRing;
    /// use ring_pool::{Pool, SimDriver};
    ///
    /// let pool = Pool::builder()
    ///     .rings(1)
    ///     .build_with(|_| Ok(SimDriver::new(SimRing::builder().entries(4).workers(0).build()?)?))
    ///     .unwrap();
    /// pool.nop().unwrap();
    /// ```
    pub struct SimDriver {
        // Declaration order is drop order: the queues borrow `sim`'s memory and go first.
        queues: Queues<'static, Sim>,
        sim: Arc<SimRing>,
    }

    impl SimDriver {
        /// Takes the user side of `sim` (once per ring).
        pub fn new(sim: Arc<SimRing>) -> Result<Self, SimError> {
            let queues = sim.queues()?;
            // SAFETY: the queues borrow the `SimRing` inside the `Arc`'s heap allocation,
            // which `sim` keeps alive and in place for as long as `self` exists; the queues
            // are dropped before `sim` (field order) and never handed out beyond `&mut self`.
            let queues: Queues<'static, Sim> = unsafe { std::mem::transmute(queues) };
            Ok(SimDriver { queues, sim })
        }

        /// The simulated ring (its statistics, its backlog).
        pub fn sim(&self) -> &Arc<SimRing> {
            &self.sim
        }
    }

    impl core::fmt::Debug for SimDriver {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("SimDriver").field("sim", &self.sim).finish_non_exhaustive()
        }
    }

    impl Driver for SimDriver {
        type Backend = Sim;
        type Kernel = SimRing;

        fn split(&mut self) -> (SubmissionQueue<'_, Sim>, CompletionQueue<'_, Sim>, &SimRing) {
            let (sq, cq) = self.queues.split();
            (sq, cq, &self.sim)
        }
    }
}
