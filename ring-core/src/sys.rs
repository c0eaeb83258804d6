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
///
/// On x86-64 this is the `syscall` instruction itself, inlined into the caller: the enter is
/// the hot path of every submit and wait, and glibc's variadic `syscall()` wrapper costs a
/// call, an argument shuffle and a write of `errno` that the error path here does not need
/// (docs/benchmarks.md counts the instructions). Elsewhere it goes through libc.
#[inline]
pub(crate) fn enter(
    fd: i32,
    to_submit: u32,
    min_complete: u32,
    flags: u32,
    arg: *const c_void,
    argsz: usize,
) -> Result<u32, Errno> {
    #[cfg(target_arch = "x86_64")]
    {
        let ret: isize;
        // The kernel's x86-64 calling convention: number in rax, arguments in rdi, rsi, rdx,
        // r10, r8, r9; the result in rax; rcx and r11 clobbered; the user stack untouched.
        // Without `nomem` the asm is also a compiler barrier for memory: every SQE and tail
        // store before it is emitted before the kernel runs, every CQE load after it after.
        //
        // SAFETY: the convention above is declared to the compiler exactly. `arg` is null or
        // points to `argsz` bytes of the kind `flags` announces, valid for the call (the
        // caller in ring/submitter.rs guarantees it); a wrong fd gives EBADF or EOPNOTSUPP.
        unsafe {
            core::arch::asm!(
                "syscall",
                inlateout("rax") libc::SYS_io_uring_enter as isize => ret,
                in("rdi") fd as isize,
                in("rsi") to_submit as usize,
                in("rdx") min_complete as usize,
                in("r10") flags as usize,
                in("r8") arg,
                in("r9") argsz,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        // The kernel returns -errno in rax (-4095..-1) or a non-negative count.
        if ret < 0 {
            Err(Errno(-ret as i32))
        } else {
            Ok(ret as u32)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        // SAFETY: as above, through libc's variadic `syscall`.
        let ret = unsafe {
            libc::syscall(libc::SYS_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz)
        };
        check(ret)
    }
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

/// The hugetlb page size [`Mmap::anonymous`] asks for.
pub(crate) const HUGE_PAGE: usize = 2 << 20;

/// The system page size.
pub(crate) fn page_size() -> usize {
    // SAFETY: `sysconf` has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 && (n as usize).is_power_of_two() {
        n as usize
    } else {
        4096
    }
}

/// The running kernel's version, from `uname(2)`.
pub(crate) fn kernel_version() -> Option<crate::probe::KernelVersion> {
    // SAFETY: `utsname` is plain C data for which all-zero bytes are valid.
    let mut uts: libc::utsname = unsafe { core::mem::zeroed() };
    // SAFETY: `uts` is a valid, exclusive `utsname` the call fills in.
    if unsafe { libc::uname(&mut uts) } != 0 {
        return None;
    }
    let release = uts.release.map(|c| c as u8);
    crate::probe::KernelVersion::parse(&release)
}

/// An identifier of the calling thread, unique among live threads.
///
/// On x86-64 it is the thread pointer, which the ELF TLS ABI stores in the first word of the
/// thread control block (`%fs:0`) under every libc: one load, where `pthread_self` is a call
/// into libc (the registered-ring route asks on every enter). Elsewhere it is `pthread_self`.
#[inline]
pub(crate) fn thread_id() -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        let tp: usize;
        // SAFETY: a load from the calling thread's own TCB, which the x86-64 TLS ABI requires
        // to exist with its self-pointer at offset 0 for every thread (glibc and musl both set
        // it up before any Rust code runs); it reads memory only and touches no stack.
        unsafe {
            core::arch::asm!(
                "mov {}, qword ptr fs:[0]",
                out(reg) tp,
                options(nostack, readonly, preserves_flags, pure),
            );
        }
        tp
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        // SAFETY: `pthread_self` has no preconditions and cannot fail.
        unsafe { libc::pthread_self() as usize }
    }
}

/// Whether `cpu` is in the calling thread's CPU affinity mask (`None` if unknown).
pub(crate) fn cpu_allowed(cpu: u32) -> Option<bool> {
    // SAFETY: `cpu_set_t` is a plain bit array; all-zero is a valid (empty) set.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    // SAFETY: `set` is valid for writes of `size_of::<cpu_set_t>()` bytes.
    let r =
        unsafe { libc::sched_getaffinity(0, core::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if r != 0 {
        return None;
    }
    if cpu as usize >= 8 * core::mem::size_of::<libc::cpu_set_t>() {
        return Some(false);
    }
    // SAFETY: `cpu` is below the set's capacity (checked above); `CPU_ISSET` only reads.
    Some(unsafe { libc::CPU_ISSET(cpu as usize, &set) })
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
    /// Anonymous, private, read-write, populated memory of `len` bytes (a multiple of the
    /// page size), for a `NO_MMAP` ring. With `huge`, from the 2 MiB hugetlb pool (fails with
    /// `ENOMEM` when the pool is empty); `len` is then rounded up to 2 MiB. The memory is
    /// excluded from `fork` children (`MADV_DONTFORK`): the kernel has it pinned as ring
    /// memory, and a child's copy would be a stale snapshot.
    pub(crate) fn anonymous(len: usize, huge: bool) -> Result<Self, Errno> {
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let (len, extra) = if huge {
            let len = len.checked_add(HUGE_PAGE - 1).ok_or(Errno::ENOMEM)? & !(HUGE_PAGE - 1);
            (len, libc::MAP_HUGETLB | libc::MAP_HUGE_2MB)
        } else {
            (len, 0)
        };
        // SAFETY: a fresh anonymous mapping chosen by the kernel (addr null, fd -1); no
        // existing memory is affected. The result is checked for MAP_FAILED below.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE | extra,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(last_errno());
        }
        let ptr = NonNull::new(ptr.cast::<u8>()).ok_or(Errno::ENOMEM)?;
        let map = Mmap { ptr, len };
        // SAFETY: advice on exactly the range just mapped; MADV_DONTFORK changes no contents.
        if unsafe { libc::madvise(map.ptr.as_ptr().cast(), len, libc::MADV_DONTFORK) } != 0 {
            return Err(last_errno());
        }
        Ok(map)
    }

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
