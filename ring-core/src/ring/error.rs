//! [`RingError`]: errors of the real ring's non-hot-path operations (registration, probing,
//! resizing, timed waits that need a feature). Submission and plain waits return an
//! [`Errno`], as the syscalls do.

use core::fmt;

use crate::errno::Errno;
use crate::probe::Unsupported;
use crate::setup::SetupError;

/// Why a ring operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RingError {
    /// The running kernel lacks what the operation needs.
    Unsupported(Unsupported),
    /// The kernel refused the operation.
    Kernel(Errno),
    /// The arguments cannot work, found before any syscall.
    Invalid(&'static str),
    /// A resize to sizes that cannot hold the entries in flight (`-EOVERFLOW` from the
    /// kernel, or found before asking it). The ring is unchanged and usable.
    WouldNotFit {
        /// SQEs published or written and not yet consumed by the kernel.
        sq_pending: u32,
        /// CQEs posted and not yet released.
        cq_pending: u32,
        /// The SQ size asked for (after rounding).
        sq_entries: u32,
        /// The CQ size asked for (after rounding).
        cq_entries: u32,
    },
    /// New sizes the kernel would reject, found before the syscall.
    Setup(SetupError),
    /// The kernel resized the ring but its new memory could not be mapped: the ring can no
    /// longer be used (drop it).
    Remap(SetupError),
}

impl fmt::Display for RingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RingError::Unsupported(u) => u.fmt(f),
            RingError::Kernel(e) => write!(f, "the kernel refused: {e}"),
            RingError::Invalid(what) => write!(f, "invalid argument: {what}"),
            RingError::WouldNotFit { sq_pending, cq_pending, sq_entries, cq_entries } => write!(
                f,
                "{sq_pending} pending SQEs and {cq_pending} unreaped CQEs do not fit a ring of \
                 {sq_entries}/{cq_entries} entries"
            ),
            RingError::Setup(e) => write!(f, "invalid ring sizes: {e}"),
            RingError::Remap(e) => write!(f, "the resized ring could not be mapped: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RingError {}

impl From<Errno> for RingError {
    fn from(e: Errno) -> Self {
        RingError::Kernel(e)
    }
}

impl From<Unsupported> for RingError {
    fn from(u: Unsupported) -> Self {
        RingError::Unsupported(u)
    }
}
