//! Registration through `io_uring_register(2)`: probing, enabling a disabled ring, buffers,
//! files, eventfds, personalities, io-wq limits. Every call goes by the calling thread's
//! route (registered index or fd, see [`Submitter`]).
//!
//! An `EINVAL` from a kernel older than the register opcode becomes
//! [`RingError::Unsupported`] naming the opcode and its version.

use core::ffi::c_void;

use crate::abi::{
    register, ProbeHeader, ProbeOp, RsrcRegister, RsrcUpdate, RsrcUpdate2, RSRC_REGISTER_SPARSE,
};
use crate::errno::Errno;
use crate::probe::{register_op, Probe};
use crate::sys;

use super::{Ring, RingError, Submitter};

/// `struct io_uring_probe` with room for every possible opcode.
#[repr(C)]
struct ProbeBuf {
    header: ProbeHeader,
    ops: [ProbeOp; 256],
}

/// `struct io_uring_file_index_range`.
#[repr(C)]
struct FileIndexRange {
    off: u32,
    len: u32,
    resv: u64,
}

fn count(n: usize) -> Result<u32, RingError> {
    u32::try_from(n).map_err(|_| RingError::Invalid("more than u32::MAX entries"))
}

impl Submitter {
    /// One register call; `EINVAL` on a kernel older than `opcode` becomes `Unsupported`.
    ///
    /// # Safety
    ///
    /// As [`Kernel::register`](crate::Kernel::register).
    unsafe fn reg(&self, opcode: u32, arg: *mut c_void, nr: u32) -> Result<u32, RingError> {
        // SAFETY: forwarded with the caller's obligations.
        match unsafe { self.raw_register(opcode, arg, nr) } {
            Ok(n) => Ok(n),
            Err(Errno::EINVAL) => {
                let too_old = register_op(opcode)
                    .filter(|u| sys::kernel_version().is_some_and(|v| !v.at_least(u.since)));
                Err(too_old.map_or(RingError::Kernel(Errno::EINVAL), RingError::Unsupported))
            }
            Err(e) => Err(RingError::Kernel(e)),
        }
    }

    /// The opcodes the kernel implements (`REGISTER_PROBE`, 5.6).
    ///
    /// ```
    /// let ring = ring_core::Ring::new(1)?;
    /// let probe = ring.submitter().probe()?;
    /// assert!(probe.is_supported(ring_core::abi::op::NOP));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn probe(&self) -> Result<Probe, RingError> {
        // The kernel insists on a zeroed buffer.
        let mut buf = ProbeBuf { header: ProbeHeader::default(), ops: [ProbeOp::default(); 256] };
        // SAFETY: PROBE writes a header and up to `nr` (256) ops into `buf`, which has room
        // for exactly that and is exclusive for the call.
        unsafe { self.reg(register::PROBE, (&mut buf as *mut ProbeBuf).cast(), 256) }?;
        let n = usize::from(buf.header.ops_len).min(256);
        Ok(Probe::from_ops(buf.header.last_op, &buf.ops[..n]))
    }

    /// Enables a ring set up with `R_DISABLED` (`REGISTER_ENABLE_RINGS`, 5.10).
    pub fn enable_rings(&self) -> Result<(), RingError> {
        // SAFETY: ENABLE_RINGS takes no argument.
        unsafe { self.reg(register::ENABLE_RINGS, core::ptr::null_mut(), 0) }.map(drop)
    }

    /// Registers buffers for READ_FIXED / WRITE_FIXED / `*_FIXED` opcodes
    /// (`REGISTER_BUFFERS`, 5.1). Buffer `i` is `iovecs[i]`.
    ///
    /// # Safety
    ///
    /// Every buffer must stay allocated (and not be reused for anything else) until the
    /// buffers are unregistered or the ring is dropped: the kernel pins the pages and reads
    /// or writes them whenever a fixed operation names the buffer.
    pub unsafe fn register_buffers(&self, iovecs: &[libc::iovec]) -> Result<(), RingError> {
        let nr = count(iovecs.len())?;
        // SAFETY: BUFFERS reads `nr` iovecs from the slice; the caller vouches for the
        // buffers they describe.
        unsafe { self.reg(register::BUFFERS, iovecs.as_ptr() as *mut c_void, nr) }.map(drop)
    }

    /// Registers `nr` empty buffer slots (`REGISTER_BUFFERS2` sparse, 5.13), to fill with
    /// [`update_buffers`](Self::update_buffers).
    pub fn register_buffers_sparse(&self, nr: u32) -> Result<(), RingError> {
        let mut r = RsrcRegister { nr, flags: RSRC_REGISTER_SPARSE, ..RsrcRegister::default() };
        let size = core::mem::size_of::<RsrcRegister>() as u32;
        // SAFETY: BUFFERS2 reads one `io_uring_rsrc_register` of `size` bytes (`r`); sparse,
        // so no buffer array is read.
        unsafe { self.reg(register::BUFFERS2, (&mut r as *mut RsrcRegister).cast(), size) }
            .map(drop)
    }

    /// Replaces registered buffers `offset..offset + iovecs.len()` (`REGISTER_BUFFERS_UPDATE`,
    /// 5.13); an iovec with a null base empties its slot. Returns how many were updated.
    ///
    /// # Safety
    ///
    /// As [`register_buffers`](Self::register_buffers), for the new buffers.
    pub unsafe fn update_buffers(
        &self,
        offset: u32,
        iovecs: &[libc::iovec],
    ) -> Result<u32, RingError> {
        let nr = count(iovecs.len())?;
        let mut up =
            RsrcUpdate2 { offset, data: iovecs.as_ptr() as u64, nr, ..RsrcUpdate2::default() };
        let size = core::mem::size_of::<RsrcUpdate2>() as u32;
        // SAFETY: BUFFERS_UPDATE reads one `io_uring_rsrc_update2` (`up`) and `nr` iovecs
        // from the slice; the caller vouches for the buffers.
        unsafe { self.reg(register::BUFFERS_UPDATE, (&mut up as *mut RsrcUpdate2).cast(), size) }
    }

    /// Unregisters all buffers (`UNREGISTER_BUFFERS`, 5.1).
    pub fn unregister_buffers(&self) -> Result<(), RingError> {
        // SAFETY: no argument.
        unsafe { self.reg(register::UNREGISTER_BUFFERS, core::ptr::null_mut(), 0) }.map(drop)
    }

    /// Registers files for `Target::Fixed` (`REGISTER_FILES`, 5.1); -1 leaves a slot empty.
    /// A closed or invalid descriptor gives `EBADF`.
    pub fn register_files(&self, fds: &[i32]) -> Result<(), RingError> {
        let nr = count(fds.len())?;
        // SAFETY: FILES reads `nr` descriptors from the slice.
        unsafe { self.reg(register::FILES, fds.as_ptr() as *mut c_void, nr) }.map(drop)
    }

    /// Registers `nr` empty file slots (`REGISTER_FILES2` sparse, 5.13).
    pub fn register_files_sparse(&self, nr: u32) -> Result<(), RingError> {
        let mut r = RsrcRegister { nr, flags: RSRC_REGISTER_SPARSE, ..RsrcRegister::default() };
        let size = core::mem::size_of::<RsrcRegister>() as u32;
        // SAFETY: FILES2 reads one `io_uring_rsrc_register` (`r`); sparse, so no fd array.
        unsafe { self.reg(register::FILES2, (&mut r as *mut RsrcRegister).cast(), size) }.map(drop)
    }

    /// Replaces registered files `offset..offset + fds.len()` (`REGISTER_FILES_UPDATE`, 5.5);
    /// -1 empties a slot. Returns how many were updated.
    pub fn update_files(&self, offset: u32, fds: &[i32]) -> Result<u32, RingError> {
        let nr = count(fds.len())?;
        let mut up = RsrcUpdate { offset, resv: 0, data: fds.as_ptr() as u64 };
        // SAFETY: FILES_UPDATE reads one `io_uring_rsrc_update` (`up`) and `nr` descriptors
        // from the slice.
        unsafe { self.reg(register::FILES_UPDATE, (&mut up as *mut RsrcUpdate).cast(), nr) }
    }

    /// Unregisters all files (`UNREGISTER_FILES`, 5.1).
    pub fn unregister_files(&self) -> Result<(), RingError> {
        // SAFETY: no argument.
        unsafe { self.reg(register::UNREGISTER_FILES, core::ptr::null_mut(), 0) }.map(drop)
    }

    /// Restricts `Install::FixedAlloc` to slots `offset..offset + len`
    /// (`REGISTER_FILE_ALLOC_RANGE`, 6.0).
    pub fn register_file_alloc_range(&self, offset: u32, len: u32) -> Result<(), RingError> {
        let mut r = FileIndexRange { off: offset, len, resv: 0 };
        // SAFETY: FILE_ALLOC_RANGE reads one `io_uring_file_index_range` (`r`).
        unsafe { self.reg(register::FILE_ALLOC_RANGE, (&mut r as *mut FileIndexRange).cast(), 0) }
            .map(drop)
    }

    /// Signals eventfd `fd` on every posted completion (`REGISTER_EVENTFD`, 5.2). A
    /// descriptor that is not an eventfd gives `EINVAL`; a closed one `EBADF`.
    pub fn register_eventfd(&self, fd: i32) -> Result<(), RingError> {
        let mut fd = fd;
        // SAFETY: EVENTFD reads one `int` (`fd`).
        unsafe { self.reg(register::EVENTFD, (&mut fd as *mut i32).cast(), 1) }.map(drop)
    }

    /// As [`register_eventfd`](Self::register_eventfd), signalling only for completions
    /// that did not complete inline (`REGISTER_EVENTFD_ASYNC`, 5.6).
    pub fn register_eventfd_async(&self, fd: i32) -> Result<(), RingError> {
        let mut fd = fd;
        // SAFETY: EVENTFD_ASYNC reads one `int` (`fd`).
        unsafe { self.reg(register::EVENTFD_ASYNC, (&mut fd as *mut i32).cast(), 1) }.map(drop)
    }

    /// Unregisters the eventfd (`UNREGISTER_EVENTFD`, 5.2).
    pub fn unregister_eventfd(&self) -> Result<(), RingError> {
        // SAFETY: no argument.
        unsafe { self.reg(register::UNREGISTER_EVENTFD, core::ptr::null_mut(), 0) }.map(drop)
    }

    /// Registers the calling thread's credentials (`REGISTER_PERSONALITY`, 5.6); the id is
    /// for [`Entry::personality`](crate::opcode::Entry::personality).
    pub fn register_personality(&self) -> Result<u16, RingError> {
        // SAFETY: no argument.
        let id = unsafe { self.reg(register::PERSONALITY, core::ptr::null_mut(), 0) }?;
        u16::try_from(id).map_err(|_| RingError::Kernel(Errno::ERANGE))
    }

    /// Unregisters personality `id` (`UNREGISTER_PERSONALITY`, 5.6).
    pub fn unregister_personality(&self, id: u16) -> Result<(), RingError> {
        // SAFETY: no argument is read; the id travels in `nr_args`.
        unsafe { self.reg(register::UNREGISTER_PERSONALITY, core::ptr::null_mut(), u32::from(id)) }
            .map(drop)
    }

    /// Sets the io-wq worker limits `[bounded, unbounded]` (0 leaves one unchanged) and
    /// returns the previous ones (`REGISTER_IOWQ_MAX_WORKERS`, 5.15).
    pub fn register_iowq_max_workers(&self, limits: [u32; 2]) -> Result<[u32; 2], RingError> {
        let mut l = limits;
        // SAFETY: IOWQ_MAX_WORKERS reads and writes two `u32` (`l`).
        unsafe { self.reg(register::IOWQ_MAX_WORKERS, l.as_mut_ptr().cast(), 2) }?;
        Ok(l)
    }
}

impl Ring {
    /// Enables a ring set up with `R_DISABLED`; see [`Submitter::enable_rings`].
    pub fn enable_rings(&self) -> Result<(), RingError> {
        self.submitter().enable_rings()
    }

    /// The opcodes the kernel implements; see [`Submitter::probe`].
    pub fn probe(&self) -> Result<Probe, RingError> {
        self.submitter().probe()
    }
}
