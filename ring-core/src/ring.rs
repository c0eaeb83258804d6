//! [`Ring`]: a ring on the real kernel (feature `linux`).
//!
//! Setup validates the parameters ([`check_params`]) before the syscall, maps the regions
//! the kernel describes (one mapping with `SINGLE_MMAP`, three otherwise), checks the layout,
//! and hands the memory to the same [`Queues`] the simulated kernel uses.

use core::ffi::c_void;
use core::mem::{align_of, size_of};
use core::sync::atomic::AtomicU32;
use core::time::Duration;

use crate::abi::{enter, feat, mmap_off, setup, Cqe, GeteventsArg, Params, Sqe, Timespec};
use crate::backend::{Native, NativeCell};
use crate::cq::CompletionQueue;
use crate::errno::Errno;
use crate::kernel::{Enter, EnterArg, Kernel};
use crate::memory::{CqMemory, CqParts, LayoutError, SqMemory, SqParts};
use crate::queues::Queues;
use crate::setup::{check_params, require_features, RegionSizes, SetupError};
use crate::sq::SubmissionQueue;
use crate::sys::{self, Mmap, OwnedFd};

/// The kernel side of a real ring: its fd, entered by raw syscalls.
#[derive(Debug)]
pub struct Submitter {
    fd: OwnedFd,
    features: u32,
}

impl Submitter {
    /// The ring's file descriptor.
    pub fn fd(&self) -> i32 {
        self.fd.0
    }
}

impl Kernel for Submitter {
    fn enter(&self, args: Enter<'_>) -> Result<u32, Errno> {
        let mut flags = args.flags;
        let ext;
        let ts_copy;
        let (arg, argsz): (*const c_void, usize) = match args.arg {
            EnterArg::None => (core::ptr::null(), 0),
            EnterArg::Wait { timeout, min_wait_usec } => {
                if self.features & feat::EXT_ARG == 0 {
                    return Err(Errno::EOPNOTSUPP);
                }
                ts_copy = timeout.copied();
                ext = GeteventsArg {
                    min_wait_usec,
                    ts: ts_copy.as_ref().map_or(0, |t| t as *const Timespec as u64),
                    ..GeteventsArg::default()
                };
                flags |= enter::EXT_ARG;
                ((&ext as *const GeteventsArg).cast(), size_of::<GeteventsArg>())
            }
        };
        sys::enter(self.fd.0, args.to_submit, args.min_complete, flags, arg, argsz)
    }

    unsafe fn register(&self, opcode: u32, arg: *mut c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: the caller's obligations are those of `sys::register`.
        unsafe { sys::register(self.fd.0, opcode, arg, nr_args) }
    }
}

/// The mappings backing a ring. Dropped last.
#[derive(Debug)]
struct Maps {
    sq_ring: Mmap,
    /// `None` with a single mapping for both rings.
    cq_ring: Option<Mmap>,
    sqes: Mmap,
}

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
    // Declaration order is drop order: the views go before the fd and the mappings.
    queues: Queues<'static, Native>,
    submitter: Submitter,
    params: Params,
    _maps: Maps,
}

impl core::fmt::Debug for Ring {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ring")
            .field("fd", &self.submitter.fd.0)
            .field("params", &self.params)
            .finish()
    }
}

/// Setup options for a [`Ring`].
#[derive(Clone, Debug)]
pub struct Builder {
    entries: u32,
    params: Params,
    no_sqarray: Option<bool>,
    single_mmap: bool,
    required: u32,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            entries: 128,
            params: Params::default(),
            no_sqarray: None,
            single_mmap: true,
            required: 0,
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

    /// CQ entries (`CQSIZE`).
    pub fn cq_entries(mut self, entries: u32) -> Self {
        self.params.flags |= setup::CQSIZE;
        self.params.cq_entries = entries;
        self
    }

    /// Clamp oversize entries instead of failing (`CLAMP`).
    pub fn clamp(self) -> Self {
        self.setup_flags(setup::CLAMP)
    }

    /// A kernel polling thread (`SQPOLL`) that sleeps after `idle_ms` without work.
    pub fn sqpoll(mut self, idle_ms: u32) -> Self {
        self.params.flags |= setup::SQPOLL;
        self.params.sq_thread_idle = idle_ms;
        self
    }

    /// Busy-poll completions (`IOPOLL`; O_DIRECT files on polling devices only).
    pub fn iopoll(self) -> Self {
        self.setup_flags(setup::IOPOLL)
    }

    /// Keep submitting after an SQE fails to initialise (`SUBMIT_ALL`).
    pub fn submit_all(self) -> Self {
        self.setup_flags(setup::SUBMIT_ALL)
    }

    /// 128-byte SQEs (`SQE128`).
    pub fn sqe128(self) -> Self {
        self.setup_flags(setup::SQE128)
    }

    /// 32-byte CQEs (`CQE32`).
    pub fn cqe32(self) -> Self {
        self.setup_flags(setup::CQE32)
    }

    /// Only one task submits (`SINGLE_ISSUER`).
    pub fn single_issuer(self) -> Self {
        self.setup_flags(setup::SINGLE_ISSUER)
    }

    /// Defer completion work to the issuer's enter (`DEFER_TASKRUN`, with `SINGLE_ISSUER`).
    pub fn defer_taskrun(self) -> Self {
        self.setup_flags(setup::SINGLE_ISSUER | setup::DEFER_TASKRUN)
    }

    /// Cooperative task running (`COOP_TASKRUN`).
    pub fn coop_taskrun(self) -> Self {
        self.setup_flags(setup::COOP_TASKRUN)
    }

    /// Set `IORING_SQ_TASKRUN` when task work is pending (`TASKRUN_FLAG`).
    pub fn taskrun_flag(self) -> Self {
        self.setup_flags(setup::TASKRUN_FLAG)
    }

    /// Whether to set up without an SQ index array (`NO_SQARRAY`). By default it is tried
    /// and the ring falls back to an array on kernels that reject it (before 6.6).
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
        if self.params.flags & setup::NO_MMAP != 0 {
            return Err(SetupError::FlagRequires {
                flag: "NO_MMAP",
                requires: "caller-provided ring memory, which Builder does not offer yet",
            });
        }
        let mut params = self.params;
        let try_no_array = self.no_sqarray.unwrap_or(true);
        if try_no_array {
            params.flags |= setup::NO_SQARRAY;
        } else {
            params.flags &= !setup::NO_SQARRAY;
        }
        check_params(self.entries, &params)?;
        let mut out = params;
        let fd = match sys::setup(self.entries, &mut out) {
            Ok(fd) => fd,
            // Kernels before 6.6 reject NO_SQARRAY as an unknown flag: retry with an array
            // unless the caller insisted on NO_SQARRAY.
            Err(Errno::EINVAL) if try_no_array && self.no_sqarray.is_none() => {
                params.flags &= !setup::NO_SQARRAY;
                out = params;
                sys::setup(self.entries, &mut out).map_err(SetupError::Kernel)?
            }
            Err(e) => return Err(SetupError::Kernel(e)),
        };
        let fd = OwnedFd(fd);
        require_features(out.features, self.required)?;
        Ring::map(fd, out, self.single_mmap)
    }
}

/// A shared word at byte `off` of `map`.
fn word(map: &Mmap, what: &'static str, off: u32) -> Result<&'static AtomicU32, LayoutError> {
    let bad = LayoutError::BadOffset { what, offset: off };
    let o = off as usize;
    if o % align_of::<AtomicU32>() != 0 || o.checked_add(4).is_none_or(|end| end > map.len()) {
        return Err(bad);
    }
    let ptr = map.as_ptr().wrapping_add(o).cast::<AtomicU32>();
    // SAFETY: `ptr` is in bounds and aligned (checked above); the mapping lives as long as
    // the Ring, which drops every view before the mapping ('static is never handed out: views
    // borrow the Ring). The kernel accesses the word atomically.
    Ok(unsafe { &*ptr })
}

/// `count` cells of `T` starting at byte `off` of `map`.
fn cells<T>(
    map: &Mmap,
    what: &'static str,
    off: u32,
    count: usize,
) -> Result<&'static [NativeCell<T>], LayoutError> {
    let bad = LayoutError::BadOffset { what, offset: off };
    let o = off as usize;
    let bytes = count.checked_mul(size_of::<T>()).ok_or(LayoutError::Overflow)?;
    if o % align_of::<T>() != 0 || o.checked_add(bytes).is_none_or(|end| end > map.len()) {
        return Err(bad);
    }
    let ptr = map.as_ptr().wrapping_add(o).cast::<NativeCell<T>>();
    // SAFETY: `ptr` starts `count` in-bounds cells aligned for `T` (checked above);
    // `NativeCell<T>` is `repr(transparent)` over `UnsafeCell<T>`; the mapping outlives every
    // view (see `word`).
    Ok(unsafe { core::slice::from_raw_parts(ptr, count) })
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

    fn map(fd: OwnedFd, p: Params, single_mmap: bool) -> Result<Ring, SetupError> {
        let single = single_mmap && p.features & feat::SINGLE_MMAP != 0;
        let sizes = RegionSizes::from_params(&p, single)?;
        let sq_ring =
            Mmap::map(fd.0, mmap_off::SQ_RING, sizes.sq_ring).map_err(SetupError::Kernel)?;
        let cq_ring = if single {
            None
        } else {
            Some(Mmap::map(fd.0, mmap_off::CQ_RING, sizes.cq_ring).map_err(SetupError::Kernel)?)
        };
        let sqes = Mmap::map(fd.0, mmap_off::SQES, sizes.sqes).map_err(SetupError::Kernel)?;
        let maps = Maps { sq_ring, cq_ring, sqes };

        let sqe128 = p.flags & setup::SQE128 != 0;
        let cqe32 = p.flags & setup::CQE32 != 0;
        let (s, c) = (&p.sq_off, &p.cq_off);
        let sm = &maps.sq_ring;
        let cm = maps.cq_ring.as_ref().unwrap_or(&maps.sq_ring);
        let sq_flags = word(sm, "sq_off.flags", s.flags)?;
        let array = if p.flags & setup::NO_SQARRAY == 0 {
            Some(cells::<u32>(sm, "sq_off.array", s.array, p.sq_entries as usize)?)
        } else {
            None
        };
        let sq = SqMemory::<Native>::new(SqParts {
            head: word(sm, "sq_off.head", s.head)?,
            tail: word(sm, "sq_off.tail", s.tail)?,
            ring_mask: word(sm, "sq_off.ring_mask", s.ring_mask)?,
            ring_entries: word(sm, "sq_off.ring_entries", s.ring_entries)?,
            flags: sq_flags,
            dropped: word(sm, "sq_off.dropped", s.dropped)?,
            array,
            sqes: cells::<Sqe>(
                &maps.sqes,
                "sqes",
                0,
                (p.sq_entries as usize) << u32::from(sqe128),
            )?,
            sqe128,
        })?;
        let cq = CqMemory::<Native>::new(CqParts {
            head: word(cm, "cq_off.head", c.head)?,
            tail: word(cm, "cq_off.tail", c.tail)?,
            ring_mask: word(cm, "cq_off.ring_mask", c.ring_mask)?,
            ring_entries: word(cm, "cq_off.ring_entries", c.ring_entries)?,
            overflow: word(cm, "cq_off.overflow", c.overflow)?,
            flags: if c.flags != 0 { Some(word(cm, "cq_off.flags", c.flags)?) } else { None },
            sq_flags,
            cqes: cells::<Cqe>(
                cm,
                "cq_off.cqes",
                c.cqes,
                (p.cq_entries as usize) << u32::from(cqe32),
            )?,
            cqe32,
        })?;
        if sq.entries() != p.sq_entries {
            return Err(LayoutError::EntriesMismatch {
                ring: "SQ",
                expected: p.sq_entries,
                found: sq.entries(),
            }
            .into());
        }
        if cq.entries() != p.cq_entries {
            return Err(LayoutError::EntriesMismatch {
                ring: "CQ",
                expected: p.cq_entries,
                found: cq.entries(),
            }
            .into());
        }
        Ok(Ring {
            queues: Queues::new(sq, cq, p.flags),
            submitter: Submitter { fd, features: p.features },
            params: p,
            _maps: maps,
        })
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

    /// Both queues and the kernel handle, borrowed at once.
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

    /// The ring's file descriptor.
    pub fn fd(&self) -> i32 {
        self.submitter.fd.0
    }

    /// Publishes and submits written entries; returns how many the kernel consumed.
    #[inline]
    pub fn submit(&mut self) -> Result<u32, Errno> {
        self.queues.submission().submit(&self.submitter)
    }

    /// Publishes, submits, and waits for at least `wait_nr` completions.
    #[inline]
    pub fn submit_and_wait(&mut self, wait_nr: u32) -> Result<u32, Errno> {
        self.queues.submission().submit_and_wait(&self.submitter, wait_nr)
    }

    /// As [`submit_and_wait`](Self::submit_and_wait), giving up after `timeout` with
    /// `Err(ETIME)` (needs `IORING_FEAT_EXT_ARG`, 5.11; `EOPNOTSUPP` without).
    pub fn submit_and_wait_timeout(
        &mut self,
        wait_nr: u32,
        timeout: Duration,
    ) -> Result<u32, Errno> {
        let ts = timespec(timeout);
        let arg = EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 };
        self.queues.submission().submit_and_wait_with(&self.submitter, wait_nr, arg)
    }

    /// Waits for at least `n` completions; returns how many are ready.
    pub fn wait(&mut self, n: u32) -> Result<u32, Errno> {
        self.queues.completion().wait(&self.submitter, n)
    }

    /// Waits for at least `n` completions or `timeout` (`Err(ETIME)` with none ready).
    pub fn wait_timeout(&mut self, n: u32, timeout: Duration) -> Result<u32, Errno> {
        let ts = timespec(timeout);
        let arg = EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 };
        self.queues.completion().wait_with(&self.submitter, n, arg)
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

fn timespec(d: Duration) -> Timespec {
    Timespec {
        tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}
