//! [`Ring`]: a ring on the real kernel (feature `linux`).
//!
//! Setup validates the parameters ([`check_params`](crate::setup::check_params)) before the
//! syscall, maps the regions the kernel describes (or hands it user memory with `NO_MMAP`),
//! checks the layout, and lends the memory to the same [`Queues`] the simulated kernel uses:
//! every head and tail access goes through the protocol core.
//!
//! | file | holds |
//! |---|---|
//! | `builder.rs` | [`Builder`]: one method per setup flag; the setup procedure |
//! | `submitter.rs` | [`Submitter`]: enter / register by fd or registered index |
//! | `mapping.rs` | kernel mappings or `NO_MMAP` user memory, and the checked views |
//! | `register.rs` | buffers, files, eventfd, probe, enable, personalities |
//! | `resize.rs` | [`Ring::resize`] (6.13) |
//! | `error.rs` | [`RingError`] |

use core::time::Duration;

use crate::abi::{enter, feat, setup, Cqe, Params, Timespec};
use crate::cq::CompletionQueue;
use crate::errno::Errno;
use crate::kernel::{Enter, EnterArg, Kernel};
use crate::probe::{
    require_enter_flags, require_features, too_new_enter_flag, KernelVersion, Unsupported,
};
use crate::queues::Queues;
use crate::setup::SetupError;
use crate::sq::SubmissionQueue;
use crate::sys::OwnedFd;
use crate::Native;

mod builder;
mod error;
mod mapping;
mod register;
mod resize;
mod submitter;

pub use builder::Builder;
pub use error::RingError;
pub use mapping::{HugePages, MemoryInfo};
pub use submitter::Submitter;

use mapping::Backing;

/// A ring on the real kernel.
///
/// ```
/// use ring_core::{opcode::Nop, Ring};
/// let mut ring = Ring::builder().entries(4).build()?;
/// for i in 0..4 {
///     ring.submission().push(&Nop::new().build().user_data(i)).unwrap();
/// }
/// assert_eq!(ring.submit_and_wait(4)?, 4);
/// let mut seen = 0;
/// ring.completion().reap(u32::MAX, |cqe| {
///     assert_eq!(cqe.user_data, seen);
///     seen += 1;
/// });
/// assert_eq!(seen, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Ring {
    // Declaration order is drop order: the views go first, then the fd (or registration),
    // then the memory.
    queues: Queues<'static, Native>,
    submitter: Submitter,
    params: Params,
    backing: Backing,
}

impl core::fmt::Debug for Ring {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ring")
            .field("fd", &self.submitter.fd())
            .field("params", &self.params)
            .finish()
    }
}

impl Ring {
    /// A ring with `entries` SQ entries and default flags.
    pub fn new(entries: u32) -> Result<Ring, SetupError> {
        Builder::default().entries(entries).build()
    }

    /// Setup options.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Takes over a ring set up elsewhere (for example copied from another process with
    /// `pidfd_getfd(2)`; the kernel refuses to pass ring fds over Unix sockets), mapping it
    /// from its fd with the parameters its creator got back from `io_uring_setup`. A
    /// descriptor that is not a ring gives `EOPNOTSUPP`, parameters that do not describe it
    /// a layout error; never a panic.
    ///
    /// # Safety
    ///
    /// `fd` must be an open descriptor the caller owns: the ring closes it on drop.
    pub unsafe fn from_raw_fd(fd: i32, params: Params) -> Result<Ring, SetupError> {
        let submitter = Submitter::new(Some(OwnedFd(fd)), params.features, params.flags);
        // Is it a ring at all? A no-op enter answers EOPNOTSUPP for any other file (whose
        // mapping could succeed and fault later) and EBADF for a closed descriptor.
        if let Err(e @ (Errno::EOPNOTSUPP | Errno::EBADF)) =
            crate::sys::enter(fd, 0, 0, 0, core::ptr::null(), 0)
        {
            return Err(SetupError::Kernel(e));
        }
        if params.flags & setup::NO_MMAP != 0 {
            return Err(SetupError::FlagRequires {
                flag: "NO_MMAP",
                requires: "its creator's memory; such a ring cannot be taken over by fd",
            });
        }
        let backing = Backing::map_kernel(submitter.fd(), &params, true)?;
        Ring::assemble(submitter, params, backing, true)
    }

    /// Builds the views over `backing` and, if asked, registers the ring fd.
    fn assemble(
        mut submitter: Submitter,
        params: Params,
        backing: Backing,
        register_fd: bool,
    ) -> Result<Ring, SetupError> {
        let (sq, cq) = mapping::views(&params, &backing)?;
        if register_fd && submitter.registered_index().is_none() && submitter.fd() >= 0 {
            // Optional: kernels before 5.18 lack it, and a thread has 16 slots at most.
            let _ = submitter.register_ring_fd();
        }
        // SAFETY: the mapping was created just above and belongs to this `Ring` alone; the
        // `Queues` is its only user-side owner (views are lent out through `&mut self`).
        let queues = unsafe { Queues::new(sq, cq, params.flags) };
        Ok(Ring { queues, submitter, params, backing })
    }

    /// The submission queue.
    #[inline]
    pub fn submission(&mut self) -> SubmissionQueue<'_> {
        self.queues.submission()
    }

    /// The completion queue.
    #[inline]
    pub fn completion(&mut self) -> CompletionQueue<'_> {
        self.queues.completion()
    }

    /// Both queues and the kernel handle, borrowed at once: the shape of a loop that
    /// submits and reaps without going back through the ring.
    ///
    /// ```
    /// use ring_core::{opcode::Nop, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (mut sq, mut cq, kernel) = ring.split();
    /// sq.push(&Nop::new().build().user_data(9))?;
    /// sq.submit_and_wait(kernel, 1)?;
    /// assert_eq!(cq.peek().map(|c| c.user_data), Some(9));
    /// cq.advance(1)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn split(&mut self) -> (SubmissionQueue<'_>, CompletionQueue<'_>, &Submitter) {
        let (sq, cq) = self.queues.split();
        (sq, cq, &self.submitter)
    }

    /// The kernel handle (enter and register).
    pub fn submitter(&self) -> &Submitter {
        &self.submitter
    }

    /// The parameters as the kernel returned them.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The `IORING_FEAT_*` bits of the running kernel.
    pub fn features(&self) -> u32 {
        self.params.features
    }

    /// `Ok` if the kernel reports every `IORING_FEAT_*` bit in `features`; otherwise the
    /// first missing feature with the version that introduced it.
    pub fn require(&self, features: u32) -> Result<(), Unsupported> {
        require_features(self.params.features, features)
    }

    /// The ring's file descriptor (-1 for a `REGISTERED_FD_ONLY` ring).
    pub fn fd(&self) -> i32 {
        self.submitter.fd()
    }

    /// The registered-ring index used by the calling thread, if any.
    pub fn registered_index(&self) -> Option<u32> {
        self.submitter.registered_index()
    }

    /// Registers the ring fd for the calling thread (done by default at setup); see
    /// [`Submitter::register_ring_fd`].
    pub fn register_ring_fd(&mut self) -> Result<u32, Errno> {
        self.submitter.register_ring_fd()
    }

    /// Drops the ring fd registration; see [`Submitter::unregister_ring_fd`].
    pub fn unregister_ring_fd(&mut self) -> Result<(), Errno> {
        self.submitter.unregister_ring_fd()
    }

    /// Where the ring's memory lives and how big each region is.
    pub fn memory(&self) -> MemoryInfo {
        self.backing.info()
    }

    /// Publishes and submits written entries; returns how many the kernel consumed.
    #[inline]
    pub fn submit(&mut self) -> Result<u32, Errno> {
        self.queues.submission().submit(&self.submitter)
    }

    /// Publishes, submits, and waits for at least `wait_nr` completions.
    #[inline]
    pub fn submit_and_wait(&mut self, wait_nr: u32) -> Result<u32, Errno> {
        let n = self.queues.submission().submit_and_wait(&self.submitter, wait_nr)?;
        if self.params.flags & setup::CQE_MIXED != 0 {
            self.mixed_wait(wait_nr, EnterArg::None)?;
        }
        Ok(n)
    }

    /// A `CQE_MIXED` ring's kernel wait counts slots: wait on for the completions missing.
    #[cold]
    fn mixed_wait(&mut self, wait_nr: u32, arg: EnterArg<'_>) -> Result<u32, Errno> {
        self.queues.completion().wait_with(&self.submitter, wait_nr, arg)
    }

    /// As [`submit_and_wait`](Self::submit_and_wait), giving up after `timeout` with
    /// `Err(RingError::Kernel(ETIME))`. Needs `EXT_ARG` (5.11): on a kernel whose features
    /// word lacks `IORING_FEAT_EXT_ARG` it returns [`RingError::Unsupported`] before anything
    /// is published or entered.
    pub fn submit_and_wait_timeout(
        &mut self,
        wait_nr: u32,
        timeout: Duration,
    ) -> Result<u32, RingError> {
        require_enter_flags(self.params.features, enter::EXT_ARG)?;
        let ts = timespec(timeout);
        let arg = EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 };
        let n = self.queues.submission().submit_and_wait_with(&self.submitter, wait_nr, arg)?;
        if self.params.flags & setup::CQE_MIXED != 0 {
            self.mixed_wait(wait_nr, arg)?;
        }
        Ok(n)
    }

    /// Waits for at least `n` completions; returns how many are ready.
    pub fn wait(&mut self, n: u32) -> Result<u32, Errno> {
        self.queues.completion().wait(&self.submitter, n)
    }

    /// Waits for at least `n` completions or `timeout` (`Err(RingError::Kernel(ETIME))` with
    /// none ready). Needs `EXT_ARG` (5.11): without `IORING_FEAT_EXT_ARG` it returns
    /// [`RingError::Unsupported`] without entering.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ring_core::{Errno, Ring, RingError};
    /// let mut ring = Ring::new(4)?;
    /// // Nothing was submitted: the wait ends with ETIME, not a hang.
    /// assert_eq!(
    ///     ring.wait_timeout(1, Duration::from_millis(5)),
    ///     Err(RingError::Kernel(Errno::ETIME))
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_timeout(&mut self, n: u32, timeout: Duration) -> Result<u32, RingError> {
        require_enter_flags(self.params.features, enter::EXT_ARG)?;
        let ts = timespec(timeout);
        let arg = EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 };
        Ok(self.queues.completion().wait_with(&self.submitter, n, arg)?)
    }

    /// Waits for `n` completions with a minimum timeout (6.12, `IORING_FEAT_MIN_TIMEOUT`):
    /// once `min_wait` has passed, returns as soon as at least one completion is ready;
    /// `timeout` (if any) bounds the whole wait (`ETIME` with none ready).
    pub fn wait_min_timeout(
        &mut self,
        n: u32,
        min_wait: Duration,
        timeout: Option<Duration>,
    ) -> Result<u32, RingError> {
        self.require(feat::MIN_TIMEOUT)?;
        let min_wait_usec = u32::try_from(min_wait.as_micros())
            .map_err(|_| RingError::Invalid("min_wait beyond u32::MAX microseconds"))?;
        let ts = timeout.map(timespec);
        let arg = EnterArg::Wait { timeout: ts.as_ref(), min_wait_usec };
        Ok(self.queues.completion().wait_with(&self.submitter, n, arg)?)
    }

    /// Enters with `GETEVENTS` and no wait: runs deferred task work and flushes the
    /// overflow backlog into the CQ. Returns the number of completions then ready.
    pub fn get_events(&mut self) -> Result<u32, Errno> {
        self.submitter.enter(Enter { flags: enter::GETEVENTS, ..Enter::default() })?;
        Ok(self.queues.completion().ready())
    }

    /// With SQPOLL: publishes written entries and, if the SQ is full, waits until the
    /// polling thread has consumed some (`ENTER_SQ_WAIT`, 5.10), waking the thread first if
    /// it sleeps. Returns the free space. Without SQPOLL only submitting frees space, so
    /// this returns at once. A dead polling thread gives `EOWNERDEAD`. No feature bit
    /// announces `SQ_WAIT`: a kernel older than 5.10 refuses it with `EINVAL`, which is
    /// reported as [`RingError::Unsupported`] naming `SQ_WAIT`.
    pub fn sq_wait(&mut self) -> Result<u32, RingError> {
        let (mut sq, _, k) = self.split();
        if sq.setup_flags() & setup::SQPOLL == 0 {
            return Ok(sq.space_left());
        }
        sq.publish();
        if sq.space_left() != 0 {
            return Ok(sq.space_left());
        }
        let mut flags = enter::SQ_WAIT;
        if sq.need_wakeup() {
            flags |= enter::SQ_WAKEUP;
        }
        match k.enter(Enter { flags, ..Enter::default() }) {
            Ok(_) => Ok(sq.space_left()),
            Err(Errno::EINVAL) => Err(explain_enter_einval(flags, crate::sys::kernel_version())),
            Err(e) => Err(e.into()),
        }
    }

    /// The next completion without consuming it. When the CQ is empty but the kernel has
    /// completions parked (overflow backlog, task work), flushes them first (H12).
    pub fn peek(&mut self) -> Result<Option<Cqe>, Errno> {
        let mut cq = self.queues.completion();
        if let Some(c) = cq.peek() {
            return Ok(Some(c));
        }
        if cq.needs_flush() {
            cq.flush(&self.submitter)?;
            return Ok(cq.peek());
        }
        Ok(None)
    }
}

/// An enter the kernel refused with `EINVAL`: if one of its flags is newer than the running
/// kernel, that flag is the reason (as `Builder::build` explains a refused setup).
fn explain_enter_einval(flags: u32, version: Option<KernelVersion>) -> RingError {
    match version.and_then(|v| too_new_enter_flag(v, flags)) {
        Some(u) => RingError::Unsupported(u),
        None => RingError::Kernel(Errno::EINVAL),
    }
}

pub(crate) fn timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enter_einval_is_explained_by_the_kernel_version() {
        let v = |major, minor| Some(KernelVersion { major, minor });
        let sq_wait = enter::SQ_WAIT | enter::SQ_WAKEUP;
        assert_eq!(
            explain_enter_einval(sq_wait, v(5, 4)),
            RingError::Unsupported(Unsupported { feature: "SQ_WAIT", since: "5.10" })
        );
        // A kernel new enough for every flag refused for another reason: the bare errno.
        assert_eq!(explain_enter_einval(sq_wait, v(5, 10)), RingError::Kernel(Errno::EINVAL));
        assert_eq!(explain_enter_einval(sq_wait, v(6, 18)), RingError::Kernel(Errno::EINVAL));
        // Unknown version (uname failed): nothing to explain with.
        assert_eq!(explain_enter_einval(sq_wait, None), RingError::Kernel(Errno::EINVAL));
    }

    #[test]
    fn timed_waits_refuse_before_entering_without_ext_arg() {
        // This kernel has EXT_ARG; the ring's features word is edited to one without it, as
        // a 5.10 kernel would report. Nothing may reach the kernel: an entry pushed before
        // stays unpublished, and a wait refused here is not an ETIME from the kernel.
        let mut ring = Ring::new(4).unwrap();
        assert_ne!(ring.features() & feat::EXT_ARG, 0, "this kernel has EXT_ARG");
        ring.params.features &= !feat::EXT_ARG;
        let missing = RingError::Unsupported(Unsupported { feature: "EXT_ARG", since: "5.11" });
        ring.submission().push(&crate::opcode::Nop::new().build().user_data(7)).unwrap();
        assert_eq!(ring.submit_and_wait_timeout(1, Duration::from_secs(5)), Err(missing));
        assert_eq!(ring.submission().unpublished(), 1, "published before the refusal");
        assert_eq!(ring.wait_timeout(1, Duration::from_millis(1)), Err(missing));
        // The untimed paths are unaffected, and the entry is still there to submit.
        assert_eq!(ring.submit_and_wait(1), Ok(1));
        assert_eq!(ring.completion().peek().map(|c| c.user_data), Some(7));
        ring.params.features |= feat::EXT_ARG;
        ring.completion().advance(1).unwrap();
        assert_eq!(
            ring.wait_timeout(1, Duration::from_millis(1)),
            Err(RingError::Kernel(Errno::ETIME))
        );
    }
}
