//! [`Kernel`]: what the user side asks of a kernel. Implemented by the real ring (syscalls)
//! and by the simulated kernel.

use core::ffi::c_void;

use crate::abi::Timespec;
use crate::errno::Errno;

/// The optional argument of an enter call.
#[derive(Clone, Copy, Debug, Default)]
pub enum EnterArg<'a> {
    /// No argument.
    #[default]
    None,
    /// An `IORING_ENTER_EXT_ARG` wait: an optional timeout and a minimum wait (6.12+; 0
    /// for none). The kernel answers `-ETIME` when the timeout passes first.
    Wait {
        /// Relative timeout (absolute with `ABS_TIMER`).
        timeout: Option<&'a Timespec>,
        /// Minimum time to wait for more than the first completion, in microseconds.
        min_wait_usec: u32,
    },
}

/// One `io_uring_enter` call.
#[derive(Clone, Copy, Debug, Default)]
pub struct Enter<'a> {
    /// SQEs to consume.
    pub to_submit: u32,
    /// Completions to wait for (with `GETEVENTS`).
    pub min_complete: u32,
    /// `IORING_ENTER_*` flags. `EXT_ARG` is added by the kernel implementation when `arg` is
    /// a wait argument; `REGISTERED_RING` when the implementation enters by index.
    pub flags: u32,
    /// The extended argument.
    pub arg: EnterArg<'a>,
}

/// The kernel side of a ring, as the user side sees it.
///
/// Implementations: the real ring (feature `linux`, raw syscalls) and `ring-kernel-sim`.
/// An embedder with its own transport (a hypervisor, a test double) implements it too.
pub trait Kernel {
    /// `io_uring_enter(2)`: returns the number of SQEs consumed.
    fn enter(&self, args: Enter<'_>) -> Result<u32, Errno>;

    /// Checks, before anything is published, that this kernel can take an enter call with
    /// these arguments (for example that it supports the extended wait argument). The submit
    /// path calls it before storing the SQ tail, so a refused call leaves the entries
    /// unpublished and the caller's to keep or discard (H15).
    ///
    /// There is no default: a kernel that takes every argument says so with `Ok(())`, and a
    /// wrapper around another kernel must forward the call (a wrapper that forgot to would
    /// accept what the wrapped kernel refuses after the entries were published).
    fn validate(&self, args: &Enter<'_>) -> Result<(), Errno>;

    /// `io_uring_register(2)`.
    ///
    /// # Safety
    ///
    /// `arg` must point to memory laid out as `opcode` requires for `nr_args` entries (see
    /// the 6.18 uapi), valid for the kernel to read and, for output opcodes, write.
    unsafe fn register(&self, opcode: u32, arg: *mut c_void, nr_args: u32) -> Result<u32, Errno>;
}

impl<K: Kernel + ?Sized> Kernel for &K {
    fn enter(&self, args: Enter<'_>) -> Result<u32, Errno> {
        (**self).enter(args)
    }
    fn validate(&self, args: &Enter<'_>) -> Result<(), Errno> {
        (**self).validate(args)
    }
    unsafe fn register(&self, opcode: u32, arg: *mut c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: forwarded with the caller's obligations unchanged.
        unsafe { (**self).register(opcode, arg, nr_args) }
    }
}
