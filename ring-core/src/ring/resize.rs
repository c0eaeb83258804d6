//! [`Ring::resize`]: `IORING_REGISTER_RESIZE_RINGS` (6.13), for `DEFER_TASKRUN` rings.
//!
//! The kernel allocates new rings, copies the SQEs between its SQ head and the shared SQ
//! tail and the CQEs between the CQ head and tail into them (keeping the head and tail
//! values), and switches over. The user side then maps the new memory (or, with `NO_MMAP`,
//! hands the kernel new user memory in the same call) and rebuilds its views; the private
//! counters restart from the preserved head and tail, so nothing in flight is lost.

use crate::abi::{register, setup, Params};
use crate::errno::Errno;
use crate::probe::register_op;
use crate::queues::Queues;
use crate::setup::{check_params, SetupError, RINGS_HEADER};
use crate::sys;

use super::mapping::{self, Backing, UserMemory};
use super::{Ring, RingError};

/// Flags a resize may set (`CQSIZE`, `CLAMP`); the others are the ring's.
const RESIZE_FLAGS: u32 = setup::CQSIZE | setup::CLAMP;
/// Flags a resized ring keeps from the old one.
const COPY_FLAGS: u32 =
    setup::NO_SQARRAY | setup::SQE128 | setup::CQE32 | setup::NO_MMAP | setup::CQE_MIXED;

impl Ring {
    /// Resizes the rings to `sq_entries` SQ entries and `cq_entries` CQ entries (default
    /// twice the SQ), keeping every entry in flight (written or published SQEs not yet
    /// consumed, CQEs not yet released) in order. `clamp` clamps oversize values as at
    /// setup.
    ///
    /// Errors, each leaving the ring unchanged and usable: a ring without `DEFER_TASKRUN`,
    /// sizes setup would reject, a kernel before 6.13, and [`RingError::WouldNotFit`] when
    /// the entries in flight exceed the new sizes (checked before asking the kernel, and
    /// again by the kernel: `-EOVERFLOW`).
    ///
    /// ```
    /// use ring_core::{opcode::Nop, Ring};
    /// let mut ring = Ring::builder().entries(4).defer_taskrun().build()?;
    /// ring.submission().push(&Nop::new().build().user_data(1)).unwrap();
    /// ring.resize(64, None, false)?;
    /// assert_eq!(ring.params().sq_entries, 64);
    /// ring.submit_and_wait(1)?;
    /// assert_eq!(ring.completion().peek().unwrap().user_data, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resize(
        &mut self,
        sq_entries: u32,
        cq_entries: Option<u32>,
        clamp: bool,
    ) -> Result<(), RingError> {
        let flags = self.params.flags;
        if flags & setup::DEFER_TASKRUN == 0 {
            return Err(RingError::Setup(SetupError::FlagRequires {
                flag: "RESIZE_RINGS",
                requires: "DEFER_TASKRUN",
            }));
        }
        let mut req = Params { sq_entries, ..Params::default() };
        if clamp {
            req.flags |= setup::CLAMP;
        }
        if let Some(cq) = cq_entries {
            req.flags |= setup::CQSIZE;
            req.cq_entries = cq;
        }
        debug_assert_eq!(req.flags & !RESIZE_FLAGS, 0);
        // Validate as the kernel will: the requested flags plus the inherited ones.
        let check = Params { flags: req.flags | (flags & COPY_FLAGS), ..req };
        let g = check_params(sq_entries, &check).map_err(RingError::Setup)?;

        let (sq_pending, cq_pending) = {
            let (sq, mut cq, _) = self.split();
            (sq.pending() + sq.unpublished(), cq.ready_slots())
        };
        let too_small = RingError::WouldNotFit {
            sq_pending,
            cq_pending,
            sq_entries: g.sq_entries,
            cq_entries: g.cq_entries,
        };
        if sq_pending > g.sq_entries || cq_pending > g.cq_entries {
            return Err(too_small);
        }
        // The kernel copies what is published; written entries must be published to move.
        self.submission().publish();

        let user = if flags & setup::NO_MMAP != 0 {
            let policy = match &self.backing {
                Backing::User(_) if self.memory().huge_page => super::HugePages::Prefer,
                _ => super::HugePages::Never,
            };
            let mem = UserMemory::alloc(&g, RINGS_HEADER, policy).map_err(RingError::Kernel)?;
            mem.fill(&mut req);
            Some(mem)
        } else {
            None
        };
        let mut out = req;
        // SAFETY: RESIZE_RINGS reads and writes one `io_uring_params` (`out`, exclusive for
        // the call); with NO_MMAP its user addresses point to `user`, which the ring keeps.
        let r = unsafe {
            self.submitter.raw_register(register::RESIZE_RINGS, (&mut out as *mut Params).cast(), 1)
        };
        match r {
            Ok(_) => {}
            Err(Errno::EOVERFLOW) => return Err(too_small),
            Err(Errno::EINVAL) => {
                let u = register_op(register::RESIZE_RINGS)
                    .filter(|u| sys::kernel_version().is_some_and(|v| !v.at_least(u.since)));
                return Err(u.map_or(RingError::Kernel(Errno::EINVAL), RingError::Unsupported));
            }
            Err(e) => return Err(RingError::Kernel(e)),
        }

        // The kernel now uses the new rings. The ring keeps its flags and features.
        let mut params = Params { flags, features: self.params.features, ..out };
        if flags & setup::NO_SQARRAY == 0 && params.sq_off.array == 0 {
            // 6.18 reports `sq_off.array = 0` after a resize even when the ring has an SQ
            // array (observed; see tests/resize_rings.rs). Taken at face value that would put
            // the array over the ring header. The array follows the CQEs as in setup.
            let header = params.cq_off.cqes as usize;
            params.sq_off.array =
                g.sq_array_offset(header).and_then(|o| u32::try_from(o).ok()).ok_or(
                    RingError::Remap(SetupError::Layout(crate::memory::LayoutError::Overflow)),
                )?;
        }
        let backing = match user {
            Some(u) => Backing::User(u),
            None => {
                Backing::map_kernel(self.submitter.fd(), &params, true).map_err(RingError::Remap)?
            }
        };
        let (sq, cq) = mapping::views(&params, &backing).map_err(|e| RingError::Remap(e.into()))?;
        // Old views first, then the old memory.
        // SAFETY: the new mapping belongs to this `Ring` alone and the assignment drops the
        // old `Queues` (over the old memory) as the new one takes over; `&mut self` excludes
        // any view lent out earlier.
        self.queues = unsafe { Queues::new(sq, cq, flags) };
        self.backing = backing;
        self.params = params;
        Ok(())
    }
}
