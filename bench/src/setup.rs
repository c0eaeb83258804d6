//! [`Setup`]: the ring configurations the NOP benchmark compares.
//!
//! The first four give every library the same `io_uring_setup` flags and the same choice
//! about the registered ring fd; ring-core is then built with `no_sqarray(false)` (liburing
//! 2.3 cannot map a ring without the SQ index array) and with the registered fd only where the
//! setup says so. [`Setup::Default`] gives each library its own default instead.

use ring_core::abi::setup as flags;

/// One ring configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Setup {
    /// No setup flags, no registered ring fd.
    Plain,
    /// No setup flags; the ring fd registered (`IORING_REGISTER_RING_FDS`) and entered by
    /// index.
    RegFd,
    /// `SINGLE_ISSUER | DEFER_TASKRUN`, no registered ring fd.
    Defer,
    /// `SINGLE_ISSUER | DEFER_TASKRUN` and the registered ring fd.
    DeferRegFd,
    /// Each library's default: ring-core's `Ring::new` (`NO_SQARRAY`, registered fd),
    /// liburing's `io_uring_queue_init(entries, ring, 0)`, the io-uring crate's
    /// `IoUring::new`.
    Default,
}

impl Setup {
    /// Every setup, in report order.
    pub const ALL: [Setup; 5] =
        [Setup::Plain, Setup::RegFd, Setup::Defer, Setup::DeferRegFd, Setup::Default];

    /// The `IORING_SETUP_*` flags of a same-flags setup (0 for [`Setup::Default`]).
    pub fn flags(self) -> u32 {
        match self {
            Setup::Defer | Setup::DeferRegFd => flags::SINGLE_ISSUER | flags::DEFER_TASKRUN,
            _ => 0,
        }
    }

    /// Whether the ring fd is registered in a same-flags setup.
    pub fn registered_fd(self) -> bool {
        matches!(self, Setup::RegFd | Setup::DeferRegFd)
    }

    /// A short key for the command line and file names.
    pub fn key(self) -> &'static str {
        match self {
            Setup::Plain => "plain",
            Setup::RegFd => "regfd",
            Setup::Defer => "defer",
            Setup::DeferRegFd => "defer-regfd",
            Setup::Default => "default",
        }
    }

    /// The setup named by `key`.
    pub fn from_key(key: &str) -> Option<Setup> {
        Setup::ALL.into_iter().find(|s| s.key() == key)
    }

    /// A label for reports.
    pub fn label(self) -> &'static str {
        match self {
            Setup::Plain => "same flags: none (fd, SQ array)",
            Setup::RegFd => "same flags: registered ring fd",
            Setup::Defer => "same flags: SINGLE_ISSUER|DEFER_TASKRUN",
            Setup::DeferRegFd => "same flags: SINGLE_ISSUER|DEFER_TASKRUN + registered ring fd",
            Setup::Default => "each library's default",
        }
    }
}
