//! Raw Linux syscalls and mappings for the real ring (feature `linux`).

use core::ffi::c_void;
use core::ptr::NonNull;

use crate::abi::Params;
use crate::errno::Errno;

fn last_errno() -> Errno {
    // SAFETY: `__errno_location` has no preconditions.
    let slot = unsafe { libc::__errno_location() };
    // SAFETY: it returns the calling thread's errno slot, valid and aligned for the thread's
    // lifetime.
    Errno(unsafe { *slot })
}

fn check(ret: libc::c_long) -> Result<u32, Errno> {
    if ret < 0 {
        Err(last_errno())
    } else {
        Ok(ret as u32)
    }
}

/// `io_uring_setup(2)`: returns the ring fd.
pub(crate) fn setup(entries: u32, p: &mut Params) -> Result<i32, Errno> {
    // SAFETY: `p` is a valid, exclusive `io_uring_params` (120 bytes, asserted in abi.rs)
    // that the kernel reads and writes during the call only.
    let ret = unsafe { libc::syscall(libc::SYS_io_uring_setup, entries, p as *mut Params) };
    check(ret).map(|fd| fd as i32)
}

/// `io_uring_enter(2)`.
pub(crate) fn enter(
    fd: i32,
    to_submit: u32,
    min_complete: u32,
    flags: u32,
    arg: *const c_void,
    argsz: usize,
) -> Result<u32, Errno> {
    // SAFETY: `arg` is null or points to an argument of `argsz` bytes of the kind `flags`
    // announces, valid for the duration of the call (guaranteed by the caller in ring.rs).
    // Any fd value is safe to pass: a wrong one gives EBADF or EOPNOTSUPP.
    let ret = unsafe {
        libc::syscall(libc::SYS_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz)
    };
    check(ret)
}

/// `io_uring_register(2)`.
///
/// # Safety
///
/// As [`crate::Kernel::register`]: `arg` must be laid out as `opcode` requires.
pub(crate) unsafe fn register(
    fd: i32,
    opcode: u32,
    arg: *mut c_void,
    nr_args: u32,
) -> Result<u32, Errno> {
    // SAFETY: the caller guarantees `arg` matches `opcode` for `nr_args` entries.
    let ret = unsafe { libc::syscall(libc::SYS_io_uring_register, fd, opcode, arg, nr_args) };
    check(ret)
}

/// An owned file descriptor, closed on drop.
#[derive(Debug)]
pub(crate) struct OwnedFd(pub(crate) i32);

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor and close it once; errors on close are not
        // recoverable here and the kernel releases the ring regardless.
        unsafe { libc::close(self.0) };
    }
}

/// A shared mapping of part of the ring fd, unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mmap {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain shared memory; access to it is mediated by the ring views
// (atomics and slot cells), not by this handle.
unsafe impl Send for Mmap {}
// SAFETY: as above; the handle itself is immutable.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Maps `len` bytes of `fd` at `offset` (an `IORING_OFF_*` value), shared, read-write,
    /// populated.
    pub(crate) fn map(fd: i32, offset: u64, len: usize) -> Result<Self, Errno> {
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        // SAFETY: a fresh mapping chosen by the kernel (addr null); no existing memory is
        // affected. The result is checked for MAP_FAILED below.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd,
                offset as libc::off_t,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(last_errno());
        }
        let ptr = NonNull::new(ptr.cast::<u8>()).ok_or(Errno::ENOMEM)?;
        Ok(Mmap { ptr, len })
    }

    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the region this handle mapped, once. Views into it are
        // gone: the ring drops its queues before its mappings.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
