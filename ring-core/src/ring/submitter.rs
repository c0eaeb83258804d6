//! [`Submitter`]: the kernel side of a real ring, entered by raw syscalls, by its fd or by its
//! registered-ring index.
//!
//! A registered ring (`IORING_REGISTER_RING_FDS`, 5.18) lets `io_uring_enter` skip the fd
//! table lookup. The registration belongs to the *thread* that made it: the index means
//! nothing, or another ring, in any other thread. The submitter therefore remembers the
//! registering thread and uses the index only there; other threads use the fd. A ring set up
//! with `REGISTERED_FD_ONLY` has no fd, and is usable only from the thread that created it
//! (elsewhere calls fail with `EBADF`, rather than reach whatever ring that thread has at the
//! same index).
//!
//! Drop a registered ring on its registering thread: only that thread can remove the
//! registration, which otherwise keeps the ring alive until the thread exits. If that thread
//! exits first and a new thread happens to get the same thread pointer and registers a ring of
//! its own at the same index, this submitter cannot tell; an `EBADF`/`EINVAL` from the index
//! makes it fall back to the fd for good.

use core::ffi::c_void;
use core::mem::size_of;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::abi::{enter, feat, register, GeteventsArg, RsrcUpdate, Timespec};
use crate::errno::Errno;
use crate::kernel::{Enter, EnterArg, Kernel};
use crate::sys::{self, OwnedFd};

/// A registered-ring index and the thread it is valid in.
#[derive(Debug)]
struct Registration {
    index: u32,
    /// [`sys::thread_id`] of the registering thread.
    owner: usize,
}

/// How a call reaches the ring from the calling thread.
#[derive(Clone, Copy)]
enum Route {
    /// By fd.
    Fd(i32),
    /// By registered index (the calling thread is the registering one); the fd, if any,
    /// for a retry.
    Registered(u32, Option<i32>),
    /// `REGISTERED_FD_ONLY`, called from a thread that does not own the registration.
    Unreachable,
}

/// The kernel side of a real ring: its fd and/or registered index, entered by raw syscalls.
#[derive(Debug)]
pub struct Submitter {
    fd: Option<OwnedFd>,
    reg: Option<Registration>,
    /// Cleared when the registered path proved stale (see [`Submitter::enter`]).
    reg_usable: AtomicBool,
    features: u32,
    setup_flags: u32,
}

impl Submitter {
    pub(crate) fn new(fd: Option<OwnedFd>, features: u32, setup_flags: u32) -> Self {
        Submitter { fd, reg: None, reg_usable: AtomicBool::new(false), features, setup_flags }
    }

    /// A submitter whose only handle is a registered index, owned by the calling thread
    /// (`REGISTERED_FD_ONLY`).
    pub(crate) fn registered_only(index: u32, features: u32, setup_flags: u32) -> Self {
        Submitter {
            fd: None,
            reg: Some(Registration { index, owner: sys::thread_id() }),
            reg_usable: AtomicBool::new(true),
            features,
            setup_flags,
        }
    }

    /// The ring's file descriptor, or -1 for a `REGISTERED_FD_ONLY` ring (which has none;
    /// syscalls on -1 fail with `EBADF`).
    pub fn fd(&self) -> i32 {
        self.fd.as_ref().map_or(-1, |f| f.0)
    }

    /// The registered-ring index, if the ring is registered (by default it is, when the
    /// kernel supports it), and the calling thread is the one that registered it.
    pub fn registered_index(&self) -> Option<u32> {
        match self.route() {
            Route::Registered(i, _) => Some(i),
            _ => None,
        }
    }

    /// The `IORING_FEAT_*` bits of the running kernel.
    pub fn features(&self) -> u32 {
        self.features
    }

    /// The ring's setup flags.
    pub fn setup_flags(&self) -> u32 {
        self.setup_flags
    }

    #[inline]
    fn route(&self) -> Route {
        let fd = self.fd.as_ref().map(|f| f.0);
        match &self.reg {
            // Relaxed: the flag only selects between two equivalent handles to the same
            // ring; no memory is published with it.
            Some(r) if self.reg_usable.load(Ordering::Relaxed) && r.owner == sys::thread_id() => {
                Route::Registered(r.index, fd)
            }
            _ => match fd {
                Some(fd) => Route::Fd(fd),
                None => Route::Unreachable,
            },
        }
    }

    /// Registers the ring fd (`IORING_REGISTER_RING_FDS`, 5.18) for the calling thread, so
    /// that later enters from this thread use the index. Returns the index. A ring can be
    /// registered once; the kernel allows 16 registered rings per thread (`EBUSY` beyond).
    pub fn register_ring_fd(&mut self) -> Result<u32, Errno> {
        if let Some(r) = &self.reg {
            if r.owner == sys::thread_id() {
                return Ok(r.index);
            }
            return Err(Errno::EEXIST);
        }
        let fd = self.fd.as_ref().ok_or(Errno::EBADF)?.0;
        let mut up = RsrcUpdate { offset: u32::MAX, resv: 0, data: fd as u64 };
        // SAFETY: RING_FDS reads and writes one `io_uring_rsrc_update` (`up`, valid and
        // exclusive for the call).
        let n = unsafe {
            sys::register(fd, register::RING_FDS, (&mut up as *mut RsrcUpdate).cast(), 1)
        }?;
        if n != 1 {
            return Err(Errno::EIO);
        }
        self.reg = Some(Registration { index: up.offset, owner: sys::thread_id() });
        // Relaxed: set before the submitter is shared (we hold `&mut self`).
        self.reg_usable.store(true, Ordering::Relaxed);
        Ok(up.offset)
    }

    /// Drops the registration made by [`register_ring_fd`](Self::register_ring_fd) (from the
    /// registering thread only). A `REGISTERED_FD_ONLY` ring cannot drop its only handle.
    pub fn unregister_ring_fd(&mut self) -> Result<(), Errno> {
        let Some(r) = &self.reg else { return Err(Errno::ENXIO) };
        if self.fd.is_none() {
            return Err(Errno::EBADF);
        }
        if r.owner != sys::thread_id() {
            return Err(Errno::EPERM);
        }
        let mut up = RsrcUpdate { offset: r.index, resv: 0, data: 0 };
        // SAFETY: UNREGISTER_RING_FDS reads one `io_uring_rsrc_update` (`up`, valid for the
        // call).
        unsafe {
            self.raw_register(register::UNREGISTER_RING_FDS, (&mut up as *mut RsrcUpdate).cast(), 1)
        }?;
        self.reg = None;
        Ok(())
    }

    /// `io_uring_register(2)` by the route of the calling thread.
    ///
    /// # Safety
    ///
    /// As [`Kernel::register`].
    pub(crate) unsafe fn raw_register(
        &self,
        opcode: u32,
        arg: *mut c_void,
        nr_args: u32,
    ) -> Result<u32, Errno> {
        let by_index = self.features & feat::REG_REG_RING != 0;
        match self.route() {
            // SAFETY: the caller's obligations are those of `sys::register`.
            Route::Registered(i, _) if by_index => unsafe {
                sys::register(i as i32, opcode | register::USE_REGISTERED_RING, arg, nr_args)
            },
            // SAFETY: as above.
            Route::Registered(_, Some(fd)) | Route::Fd(fd) => unsafe {
                sys::register(fd, opcode, arg, nr_args)
            },
            Route::Registered(_, None) | Route::Unreachable => Err(Errno::EBADF),
        }
    }
}

impl Kernel for Submitter {
    /// Refuses an extended wait argument on kernels without `IORING_FEAT_EXT_ARG` (5.11)
    /// with `EOPNOTSUPP`, before anything is published.
    fn validate(&self, args: &Enter<'_>) -> Result<(), Errno> {
        match args.arg {
            EnterArg::Wait { .. } if self.features & feat::EXT_ARG == 0 => Err(Errno::EOPNOTSUPP),
            _ => Ok(()),
        }
    }

    /// Enters by registered index from the registering thread, by fd otherwise. If the
    /// registered path fails with `EBADF`/`EINVAL` and the fd works, the registration is
    /// stale (its thread's table was torn down) and is not used again.
    #[inline]
    fn enter(&self, args: Enter<'_>) -> Result<u32, Errno> {
        let mut flags = args.flags;
        let ext;
        let ts_copy: Option<Timespec>;
        let (arg, argsz): (*const c_void, usize) = match args.arg {
            EnterArg::None => (core::ptr::null(), 0),
            EnterArg::Wait { timeout, min_wait_usec } => {
                // Callers that publish first validate first (`validate`); a raw enter gets
                // the same answer here.
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
        let call = |fd: i32, flags: u32| {
            sys::enter(fd, args.to_submit, args.min_complete, flags, arg, argsz)
        };
        match self.route() {
            Route::Fd(fd) => call(fd, flags),
            Route::Registered(i, fd) => {
                let r = call(i as i32, flags | enter::REGISTERED_RING);
                match (r, fd) {
                    (Err(Errno::EBADF | Errno::EINVAL), Some(fd)) => {
                        let again = call(fd, flags);
                        if again.is_ok() {
                            // Relaxed: see `route`.
                            self.reg_usable.store(false, Ordering::Relaxed);
                        }
                        again
                    }
                    (r, _) => r,
                }
            }
            Route::Unreachable => Err(Errno::EBADF),
        }
    }

    unsafe fn register(&self, opcode: u32, arg: *mut c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: the caller's obligations are those of `raw_register`.
        unsafe { self.raw_register(opcode, arg, nr_args) }
    }
}

impl Drop for Submitter {
    fn drop(&mut self) {
        // A registration holds a reference to the ring: drop it (possible only from its
        // thread), so the ring is freed with the last fd. Without an fd the registration is
        // the ring's only handle, and this is how it is closed.
        if let Some(r) = &self.reg {
            if r.owner == sys::thread_id() {
                let mut up = RsrcUpdate { offset: r.index, resv: 0, data: 0 };
                let (handle, op) = match &self.fd {
                    Some(fd) => (fd.0, register::UNREGISTER_RING_FDS),
                    None => (
                        r.index as i32,
                        register::UNREGISTER_RING_FDS | register::USE_REGISTERED_RING,
                    ),
                };
                // SAFETY: UNREGISTER_RING_FDS reads one `io_uring_rsrc_update` (`up`);
                // errors are ignored (nothing to recover on drop).
                let _ =
                    unsafe { sys::register(handle, op, (&mut up as *mut RsrcUpdate).cast(), 1) };
            }
        }
    }
}
