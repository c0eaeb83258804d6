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
//! registration, which otherwise keeps the ring alive until the thread exits.
//!
//! # A stale index falls back to the fd, visibly
//!
//! If the registering thread exits first and a new thread happens to get the same thread
//! pointer, this submitter takes the new thread for the registering one, but the new thread's
//! table does not hold the ring. An enter by index then fails with `EBADF` (empty slot) or
//! `EINVAL` (no table at all); the submitter retries by fd, and if that works it stops using
//! the index for good. The fallback is kept, not turned into an error, because the fd names
//! this ring for certain and only the lookup shortcut is lost: an error would make a ring
//! unusable from a thread that has every right to use it. It is observable:
//! [`Submitter::registration_abandoned`] says so, [`Submitter::registered_index`] turns
//! `None`, and the abandoned index is never unregistered (by then it may hold another ring's
//! registration). What no check can detect is the new thread having registered another ring
//! at the same index: enters then reach that ring. Keep a registered ring on its thread.

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

    /// Whether the registered index was given up: an enter by it failed with `EBADF` or
    /// `EINVAL` while the fd worked, so the registration had gone stale (see the module
    /// documentation). Every later call from this thread goes by fd, and the index is not
    /// unregistered on drop. [`register_ring_fd`](Self::register_ring_fd) registers anew.
    ///
    /// ```
    /// use ring_core::Ring;
    /// let ring = Ring::new(4)?;
    /// assert!(ring.registered_index().is_some());
    /// assert!(!ring.submitter().registration_abandoned());
    /// # Ok::<(), ring_core::SetupError>(())
    /// ```
    pub fn registration_abandoned(&self) -> bool {
        // Relaxed: see `route`.
        self.fd.is_some() && self.reg.is_some() && !self.reg_usable.load(Ordering::Relaxed)
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
    /// An [abandoned](Self::registration_abandoned) registration is forgotten and replaced.
    pub fn register_ring_fd(&mut self) -> Result<u32, Errno> {
        if self.registration_abandoned() {
            self.reg = None;
        }
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
    /// An [abandoned](Self::registration_abandoned) registration is only forgotten: its
    /// index is not this ring's any more.
    pub fn unregister_ring_fd(&mut self) -> Result<(), Errno> {
        if self.registration_abandoned() {
            self.reg = None;
            return Ok(());
        }
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
    /// Refuses, before anything is published, an extended wait argument or an enter flag
    /// that the features word says this kernel lacks ([`require_enter_flags`]: `EXT_ARG`,
    /// 5.11; `NO_IOWAIT`, 6.15) with `EOPNOTSUPP`. The [`Kernel`] trait speaks errnos; the
    /// `Ring` methods that wait with a timeout make the same check first and report the
    /// missing feature by name and version ([`RingError::Unsupported`]).
    ///
    /// [`RingError::Unsupported`]: crate::RingError::Unsupported
    /// [`require_enter_flags`]: crate::probe::require_enter_flags
    fn validate(&self, args: &Enter<'_>) -> Result<(), Errno> {
        // `require_enter_flags`'s rules, written out: every submit passes here, and the
        // table walk cost ten instructions per NOP round trip (callgrind, batch 1).
        let wait = matches!(args.arg, EnterArg::Wait { .. }) || args.flags & enter::EXT_ARG != 0;
        if (wait && self.features & feat::EXT_ARG == 0)
            || (args.flags & enter::NO_IOWAIT != 0 && self.features & feat::NO_IOWAIT == 0)
        {
            return Err(Errno::EOPNOTSUPP);
        }
        Ok(())
    }

    /// Enters by registered index from the registering thread, by fd otherwise. If the
    /// registered path fails with `EBADF`/`EINVAL` and the fd works, the registration is
    /// stale (its thread's table was torn down) and is abandoned: not used again, reported
    /// by [`Submitter::registration_abandoned`].
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
                // (`require_enter_flags`'s rule for EXT_ARG, without its table walk.)
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
        // the ring's only handle, and this is how it is closed. An abandoned index is left
        // alone: it is not this ring's any more.
        if self.registration_abandoned() {
            return;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::require_enter_flags;

    /// `validate` writes out `require_enter_flags`'s rules for speed; they must agree for
    /// every features word and flag combination that matters.
    #[test]
    fn validate_agrees_with_the_feature_table() {
        let bits = [feat::EXT_ARG, feat::NO_IOWAIT];
        let flags = [0, enter::GETEVENTS, enter::EXT_ARG, enter::NO_IOWAIT, enter::SQ_WAKEUP];
        let ts = Timespec::default();
        for features in 0..4u32 {
            let features = bits.iter().enumerate().fold(0, |acc, (i, b)| {
                if features & (1 << i) != 0 {
                    acc | b
                } else {
                    acc
                }
            });
            let s = Submitter::new(None, features, 0);
            for &f1 in &flags {
                for &f2 in &flags {
                    for arg in
                        [EnterArg::None, EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 }]
                    {
                        let wait = matches!(arg, EnterArg::Wait { .. });
                        let e = Enter { flags: f1 | f2, arg, ..Enter::default() };
                        let want = require_enter_flags(
                            features,
                            f1 | f2 | if wait { enter::EXT_ARG } else { 0 },
                        )
                        .map_err(|_| Errno::EOPNOTSUPP);
                        assert_eq!(
                            s.validate(&e),
                            want,
                            "features {features:#x} flags {:#x}",
                            f1 | f2
                        );
                    }
                }
            }
        }
    }
}
