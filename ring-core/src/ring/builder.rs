//! [`Builder`]: setup options for a [`Ring`], one method per 6.18 setup flag.
//!
//! `build` validates the parameters exactly as 6.18 does ([`check_params`]) before any
//! syscall, allocates user memory for `NO_MMAP`, sets up the ring (retrying without
//! `NO_SQARRAY` on kernels before 6.6 unless it was asked for), explains an `-EINVAL` from a
//! kernel too old for a requested flag as [`SetupError::Unsupported`], maps the rings, and
//! registers the ring fd for the calling thread.

use crate::abi::{setup, Params};
use crate::errno::Errno;
use crate::probe::{too_new_setup_flag, KernelVersion};
use crate::setup::{check_params, require_features, SetupError, RINGS_HEADER, RINGS_HEADER_MAX};
use crate::sys::{self, OwnedFd};

use super::mapping::{Backing, HugePages, UserMemory};
use super::{Ring, Submitter};

/// Setup options for a [`Ring`].
///
/// ```
/// use ring_core::Ring;
/// // A ring whose completions are posted only when this thread enters, with a TASKRUN hint.
/// let ring = Ring::builder().entries(8).defer_taskrun().taskrun_flag().build()?;
/// assert_eq!(ring.params().sq_entries, 8);
/// # Ok::<(), ring_core::SetupError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    entries: u32,
    params: Params,
    no_sqarray: Option<bool>,
    single_mmap: bool,
    required: u32,
    register_ring_fd: bool,
    huge_pages: HugePages,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            entries: 128,
            params: Params::default(),
            no_sqarray: None,
            single_mmap: true,
            required: 0,
            register_ring_fd: true,
            huge_pages: HugePages::Prefer,
        }
    }
}

impl Builder {
    /// SQ entries (rounded up to a power of two; default 128).
    pub fn entries(mut self, entries: u32) -> Self {
        self.entries = entries;
        self
    }

    /// ORs raw `IORING_SETUP_*` flags into the parameters.
    pub fn setup_flags(mut self, flags: u32) -> Self {
        self.params.flags |= flags;
        self
    }

    /// CQ entries (`CQSIZE`, 5.5).
    pub fn cq_entries(mut self, entries: u32) -> Self {
        self.params.flags |= setup::CQSIZE;
        self.params.cq_entries = entries;
        self
    }

    /// Clamp oversize entries instead of failing (`CLAMP`, 5.6).
    pub fn clamp(self) -> Self {
        self.setup_flags(setup::CLAMP)
    }

    /// A kernel polling thread (`SQPOLL`, 5.1) that sleeps after `idle_ms` without work
    /// (0 means the kernel's default of one second).
    pub fn sqpoll(mut self, idle_ms: u32) -> Self {
        self.params.flags |= setup::SQPOLL;
        self.params.sq_thread_idle = idle_ms;
        self
    }

    /// Pins the SQPOLL thread to `cpu` (`SQ_AFF`, 5.1; needs [`sqpoll`](Self::sqpoll)). The
    /// CPU must be online and in the calling thread's affinity mask.
    pub fn sq_affinity(mut self, cpu: u32) -> Self {
        self.params.flags |= setup::SQ_AFF;
        self.params.sq_thread_cpu = cpu;
        self
    }

    /// Shares the kernel's async workers, and with SQPOLL the polling thread, with the ring
    /// whose fd is `wq_fd` (`ATTACH_WQ`, 5.6).
    pub fn attach_wq(mut self, wq_fd: i32) -> Self {
        self.params.flags |= setup::ATTACH_WQ;
        self.params.wq_fd = wq_fd as u32;
        self
    }

    /// Starts the ring disabled (`R_DISABLED`, 5.10): enter fails with `EBADFD` until
    /// [`Ring::enable_rings`].
    pub fn r_disabled(self) -> Self {
        self.setup_flags(setup::R_DISABLED)
    }

    /// Busy-poll completions (`IOPOLL`, 5.1; O_DIRECT files on polling devices only).
    pub fn iopoll(self) -> Self {
        self.setup_flags(setup::IOPOLL)
    }

    /// Sleep before polling, then poll (`IOPOLL | HYBRID_IOPOLL`, 6.13).
    pub fn hybrid_iopoll(self) -> Self {
        self.setup_flags(setup::IOPOLL | setup::HYBRID_IOPOLL)
    }

    /// Keep submitting after an SQE fails to initialise (`SUBMIT_ALL`, 5.18).
    pub fn submit_all(self) -> Self {
        self.setup_flags(setup::SUBMIT_ALL)
    }

    /// 128-byte SQEs (`SQE128`, 5.19).
    pub fn sqe128(self) -> Self {
        self.setup_flags(setup::SQE128)
    }

    /// 32-byte CQEs (`CQE32`, 5.19).
    pub fn cqe32(self) -> Self {
        self.setup_flags(setup::CQE32)
    }

    /// Only one task submits (`SINGLE_ISSUER`, 6.0); others get `EEXIST`.
    pub fn single_issuer(self) -> Self {
        self.setup_flags(setup::SINGLE_ISSUER)
    }

    /// Defer completion work to the issuer's enter (`DEFER_TASKRUN`, 6.1, with
    /// `SINGLE_ISSUER`).
    pub fn defer_taskrun(self) -> Self {
        self.setup_flags(setup::SINGLE_ISSUER | setup::DEFER_TASKRUN)
    }

    /// Cooperative task running (`COOP_TASKRUN`, 5.19).
    pub fn coop_taskrun(self) -> Self {
        self.setup_flags(setup::COOP_TASKRUN)
    }

    /// Set `IORING_SQ_TASKRUN` when task work is pending (`TASKRUN_FLAG`, 5.19).
    pub fn taskrun_flag(self) -> Self {
        self.setup_flags(setup::TASKRUN_FLAG)
    }

    /// Rings in memory this process allocates (`NO_MMAP`, 6.5): a 2 MiB huge page when the
    /// hugetlb pool has one, ordinary pages otherwise (see [`huge_pages`](Self::huge_pages)).
    /// Before 6.13 the kernel needs each region physically contiguous: a huge page, or a
    /// region of one page.
    pub fn no_mmap(self) -> Self {
        self.setup_flags(setup::NO_MMAP)
    }

    /// The huge-page policy for `NO_MMAP` memory.
    pub fn huge_pages(mut self, policy: HugePages) -> Self {
        self.huge_pages = policy;
        self
    }

    /// No file descriptor at all (`REGISTERED_FD_ONLY | NO_MMAP`, 6.5): the ring is reachable
    /// only through its registered index, from the creating thread.
    pub fn registered_fd_only(self) -> Self {
        self.setup_flags(setup::NO_MMAP | setup::REGISTERED_FD_ONLY)
    }

    /// Whether to set up without an SQ index array (`NO_SQARRAY`, 6.6). By default it is
    /// tried and the ring falls back to an array on kernels that reject it.
    pub fn no_sqarray(mut self, on: bool) -> Self {
        self.no_sqarray = Some(on);
        self
    }

    /// Map the SQ and CQ rings separately even when the kernel offers one mapping
    /// (`SINGLE_MMAP`); the three-mapping path older kernels need.
    pub fn separate_mappings(mut self) -> Self {
        self.single_mmap = false;
        self
    }

    /// Whether to register the ring fd for the building thread (`REGISTER_RING_FDS`, 5.18;
    /// default on): enters from that thread then skip the fd lookup. Silently skipped when
    /// the kernel lacks it or the thread already has 16 registered rings.
    pub fn register_ring_fd(mut self, on: bool) -> Self {
        self.register_ring_fd = on;
        self
    }

    /// Fail setup with [`SetupError::Unsupported`] unless the kernel reports every
    /// `IORING_FEAT_*` bit in `features`.
    pub fn require_features(mut self, features: u32) -> Self {
        self.required |= features;
        self
    }

    /// The parameters as they stand (before the kernel fills in its outputs).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Sets up the ring.
    pub fn build(self) -> Result<Ring, SetupError> {
        self.build_with(sys::kernel_version(), &mut sys::setup)
    }

    /// [`build`](Self::build) with the kernel version and the `io_uring_setup` call given:
    /// the seam through which the unit tests below play an older kernel.
    fn build_with(
        self,
        version: Option<KernelVersion>,
        setup_call: SetupCall<'_>,
    ) -> Result<Ring, SetupError> {
        let mut params = self.params;
        let try_no_array = self.no_sqarray.unwrap_or(true);
        if try_no_array {
            params.flags |= setup::NO_SQARRAY;
        } else {
            params.flags &= !setup::NO_SQARRAY;
        }
        check_params(self.entries, &params)?;
        if params.flags & setup::SQ_AFF != 0
            && sys::cpu_allowed(params.sq_thread_cpu) == Some(false)
        {
            return Err(SetupError::FlagRequires {
                flag: "SQ_AFF",
                requires: "sq_thread_cpu in the calling thread's CPU affinity mask",
            });
        }
        let (ret, out, user) = match self.attempt(params, version, setup_call) {
            Ok(r) => r,
            // Kernels before 6.6 reject NO_SQARRAY as an unknown flag: retry with an array
            // unless the caller insisted on NO_SQARRAY.
            Err(e) if self.no_sqarray.is_none() && retry_with_sq_array(&e) => {
                params.flags &= !setup::NO_SQARRAY;
                self.attempt(params, version, setup_call)?
            }
            Err(e) => return Err(e),
        };
        let submitter = if out.flags & setup::REGISTERED_FD_ONLY != 0 {
            Submitter::registered_only(ret as u32, out.features, out.flags)
        } else {
            Submitter::new(Some(OwnedFd(ret)), out.features, out.flags)
        };
        // From here on, dropping `submitter` closes (or unregisters) the ring.
        require_features(out.features, self.required)?;
        let backing = match user {
            Some(u) => Backing::User(u),
            None => Backing::map_kernel(submitter.fd(), &out, self.single_mmap)?,
        };
        Ring::assemble(submitter, out, backing, self.register_ring_fd)
    }

    /// One `io_uring_setup` with `params`: allocates user memory first for `NO_MMAP`.
    /// Returns the fd (or registered index), the kernel's parameters and the memory.
    fn attempt(
        &self,
        params: Params,
        version: Option<KernelVersion>,
        setup_call: SetupCall<'_>,
    ) -> Result<(i32, Params, Option<UserMemory>), SetupError> {
        let g = check_params(self.entries, &params)?;
        let mut p = params;
        let user = if p.flags & setup::NO_MMAP != 0 {
            // 6.18 packs the ring header into 64 bytes; older kernels used up to a cache
            // line per head and tail. Over-allocating is harmless; under-allocating would let
            // the kernel pin memory past the allocation.
            let header = if version.is_some_and(|v| v.at_least("6.10")) {
                RINGS_HEADER
            } else {
                RINGS_HEADER_MAX
            };
            let mem = UserMemory::alloc(&g, header, self.huge_pages).map_err(SetupError::Kernel)?;
            mem.fill(&mut p);
            Some(mem)
        } else {
            None
        };
        match setup_call(self.entries, &mut p) {
            Ok(ret) => Ok((ret, p, user)),
            Err(Errno::EINVAL) => Err(explain_einval(params.flags, version)),
            Err(e) => Err(SetupError::Kernel(e)),
        }
    }
}

/// `io_uring_setup(2)`: [`sys::setup`], or a stand-in playing an older kernel in tests.
type SetupCall<'f> = &'f mut dyn FnMut(u32, &mut Params) -> Result<i32, Errno>;

/// Whether a setup with `NO_SQARRAY` that the caller did not insist on, refused with `e`, is
/// worth retrying with an index array: the kernel refused with a bare `EINVAL` (no version
/// rule explained it: the retry costs one setup call), or it is older than 6.6 and
/// `NO_SQARRAY` is the newest flag it lacks. A refusal
/// explained by a newer flag would only be repeated.
fn retry_with_sq_array(e: &SetupError) -> bool {
    matches!(
        e,
        SetupError::Kernel(Errno::EINVAL) | SetupError::Unsupported { feature: "NO_SQARRAY", .. }
    )
}

/// A setup the kernel refused with `EINVAL` although it passed [`check_params`]: if a
/// requested flag is newer than the running kernel, that flag is the reason.
fn explain_einval(flags: u32, version: Option<KernelVersion>) -> SetupError {
    match version.and_then(|v| too_new_setup_flag(v, flags)) {
        Some(u) => u.into(),
        None => SetupError::Kernel(Errno::EINVAL),
    }
}

#[cfg(test)]
mod tests {
    //! The fallbacks of `build` on kernels older than this one: `build_with` is given a
    //! version and a setup call that refuses, as that kernel would, the flags it lacks with
    //! `EINVAL`, and passes everything else to the real kernel.
    use std::vec::Vec;

    use super::*;
    use crate::probe::Unsupported;

    /// Builds with `b` on a kernel that says it is `version` and refuses `refused` flags.
    /// Returns the result and the flags of every setup call made.
    fn build_on(
        b: Builder,
        version: Option<KernelVersion>,
        refused: u32,
    ) -> (Result<Ring, SetupError>, Vec<u32>) {
        let mut calls = Vec::new();
        let mut fake = |entries: u32, p: &mut Params| {
            calls.push(p.flags);
            if p.flags & refused != 0 {
                Err(Errno::EINVAL)
            } else {
                sys::setup(entries, p)
            }
        };
        let r = b.build_with(version, &mut fake);
        (r, calls)
    }

    fn v(major: u16, minor: u16) -> Option<KernelVersion> {
        Some(KernelVersion { major, minor })
    }

    fn round_trip(ring: &mut Ring) {
        let nop = crate::opcode::Nop::new().build().user_data(77);
        ring.submission().push(&nop).unwrap();
        assert_eq!(ring.submit_and_wait(1), Ok(1));
        assert_eq!(ring.completion().peek().map(|c| (c.user_data, c.res)), Some((77, 0)));
        ring.completion().advance(1).unwrap();
    }

    #[test]
    fn a_kernel_before_6_6_gets_an_sq_array_ring() {
        let (r, calls) = build_on(Ring::builder().entries(8), v(6, 5), setup::NO_SQARRAY);
        let mut ring = r.unwrap();
        assert_eq!(calls.len(), 2, "one refused attempt, one retry");
        assert_ne!(calls[0] & setup::NO_SQARRAY, 0);
        assert_eq!(calls[1] & setup::NO_SQARRAY, 0);
        assert_eq!(ring.params().flags & setup::NO_SQARRAY, 0);
        assert_ne!(ring.params().sq_off.array, 0, "the ring has an index array");
        round_trip(&mut ring);
        // The same with NO_MMAP: the retry allocates its memory again.
        let b = Ring::builder().entries(8).no_mmap();
        let (r, calls) = build_on(b, v(6, 5), setup::NO_SQARRAY);
        let mut ring = r.unwrap();
        assert_eq!(calls.len(), 2);
        assert!(ring.memory().user);
        assert_eq!(ring.params().flags & (setup::NO_SQARRAY | setup::NO_MMAP), setup::NO_MMAP);
        round_trip(&mut ring);
    }

    #[test]
    fn an_unknown_kernel_version_still_falls_back() {
        // uname failed: the bare EINVAL is enough to try again with an array.
        let (r, calls) = build_on(Ring::builder().entries(4), None, setup::NO_SQARRAY);
        let mut ring = r.unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(ring.params().flags & setup::NO_SQARRAY, 0);
        round_trip(&mut ring);
        let b = Ring::builder().entries(4).no_sqarray(true);
        let (r, calls) = build_on(b, None, setup::NO_SQARRAY);
        assert_eq!(r.unwrap_err(), SetupError::Kernel(Errno::EINVAL));
        assert_eq!(calls.len(), 1);
    }

    #[test]
    fn insisting_on_no_sqarray_names_it_without_a_retry() {
        let b = Ring::builder().entries(4).no_sqarray(true);
        let (r, calls) = build_on(b, v(6, 5), setup::NO_SQARRAY);
        assert_eq!(r.unwrap_err(), SetupError::Unsupported { feature: "NO_SQARRAY", since: "6.6" });
        assert_eq!(calls.len(), 1);
        // Asking for an array on that kernel needs no retry at all.
        let b = Ring::builder().entries(4).no_sqarray(false);
        let (r, calls) = build_on(b, v(6, 5), setup::NO_SQARRAY);
        assert!(r.is_ok());
        assert_eq!(calls.len(), 1);
    }

    #[test]
    fn an_older_flag_is_named_after_the_retry() {
        // 6.1 lacks both NO_MMAP (6.5) and NO_SQARRAY (6.6): the first refusal is explained
        // as NO_SQARRAY, the retry without it as NO_MMAP.
        let b = Ring::builder().entries(4).no_mmap();
        let (r, calls) = build_on(b, v(6, 1), setup::NO_MMAP | setup::NO_SQARRAY);
        assert_eq!(r.unwrap_err(), SetupError::Unsupported { feature: "NO_MMAP", since: "6.5" });
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1] & setup::NO_SQARRAY, 0);
    }

    #[test]
    fn a_newer_flag_is_named_without_a_pointless_retry() {
        // 6.5 lacks NO_SQARRAY (6.6) and HYBRID_IOPOLL (6.13): the newer one is named, and
        // dropping NO_SQARRAY could not help.
        let b = Ring::builder().entries(4).hybrid_iopoll();
        let (r, calls) = build_on(b, v(6, 5), setup::HYBRID_IOPOLL | setup::NO_SQARRAY);
        assert_eq!(
            r.unwrap_err(),
            SetupError::Unsupported { feature: "HYBRID_IOPOLL", since: "6.13" }
        );
        assert_eq!(calls.len(), 1);
    }

    #[test]
    fn other_errors_are_not_retried() {
        let mut calls = 0;
        let mut fake = |_: u32, _: &mut Params| {
            calls += 1;
            Err(Errno::ENOMEM)
        };
        let r = Ring::builder().entries(4).build_with(v(6, 18), &mut fake);
        assert_eq!(r.unwrap_err(), SetupError::Kernel(Errno::ENOMEM));
        assert_eq!(calls, 1);
    }

    #[test]
    fn retry_decision() {
        let named = |feature, since| SetupError::Unsupported { feature, since };
        assert!(retry_with_sq_array(&SetupError::Kernel(Errno::EINVAL)));
        assert!(retry_with_sq_array(&named("NO_SQARRAY", "6.6")));
        assert!(!retry_with_sq_array(&named("HYBRID_IOPOLL", "6.13")));
        assert!(!retry_with_sq_array(&named("NO_MMAP", "6.5")));
        assert!(!retry_with_sq_array(&SetupError::Kernel(Errno::ENOMEM)));
        assert!(!retry_with_sq_array(&SetupError::Kernel(Errno::EPERM)));
    }

    #[test]
    fn einval_explanations() {
        let flags = setup::SQPOLL | setup::NO_MMAP | setup::NO_SQARRAY;
        assert_eq!(
            explain_einval(flags, v(6, 1)),
            SetupError::from(Unsupported { feature: "NO_SQARRAY", since: "6.6" })
        );
        assert_eq!(
            explain_einval(flags & !setup::NO_SQARRAY, v(6, 1)),
            SetupError::Unsupported { feature: "NO_MMAP", since: "6.5" }
        );
        assert_eq!(
            explain_einval(setup::SQPOLL | setup::SUBMIT_ALL, v(5, 10)),
            SetupError::Unsupported { feature: "SUBMIT_ALL", since: "5.18" }
        );
        // New enough for every flag, or version unknown: the kernel's own errno.
        assert_eq!(explain_einval(flags, v(6, 6)), SetupError::Kernel(Errno::EINVAL));
        assert_eq!(explain_einval(flags, None), SetupError::Kernel(Errno::EINVAL));
    }
}
