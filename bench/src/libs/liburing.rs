//! The liburing contender: the loops of `csrc/liburing_shim.c`, built by `build.rs` against
//! the system liburing when liburing-dev is installed (`cfg(have_liburing)`). Without it the
//! constructors return [`BenchError::Skip`] with the reason.

use super::{NopLoop, ReadJob, ReadLoop};
use crate::error::BenchError;
use crate::setup::Setup;

/// What `build.rs` found: `liburing <version> (system library)` or `skipped: <why>`.
pub const STATUS: &str = env!("BENCH_LIBURING_STATUS");

/// The name in reports: `liburing <version>`.
pub fn label() -> String {
    STATUS.strip_suffix(" (system library)").unwrap_or("liburing").to_string()
}

/// Whether the shim was built.
pub const AVAILABLE: bool = cfg!(have_liburing);

#[cfg(have_liburing)]
mod ffi {
    use core::ffi::{c_int, c_uint, c_void};

    extern "C" {
        pub fn shim_ring_new(
            entries: c_uint,
            flags: c_uint,
            register_fd: c_int,
            err: *mut c_int,
        ) -> *mut c_void;
        pub fn shim_ring_new_default(entries: c_uint, err: *mut c_int) -> *mut c_void;
        pub fn shim_ring_flags(r: *const c_void) -> c_uint;
        pub fn shim_ring_free(r: *mut c_void);
        pub fn shim_nop_loop(r: *mut c_void, batch: c_uint, ops: u64, sum: *mut u64) -> c_int;
        pub fn shim_cg_nop_loop(r: *mut c_void, batch: c_uint, ops: u64, sum: *mut u64) -> c_int;
        pub fn shim_read_loop(
            r: *mut c_void,
            fd: c_int,
            depth: c_uint,
            offsets: *const u64,
            n_offsets: usize,
            start: usize,
            ops: u64,
            bufs: *mut u8,
            block: c_uint,
            checksum: *mut u64,
        ) -> c_int;
    }
}

#[cfg(have_liburing)]
mod imp {
    use core::ffi::c_void;
    use core::ptr::NonNull;

    use super::ffi;
    use crate::error::BenchError;
    use crate::setup::Setup;

    /// An initialised liburing ring (`struct shim_ring`), freed on drop.
    pub struct ShimRing(NonNull<c_void>);

    impl ShimRing {
        pub fn new(setup: Setup, entries: u32) -> Result<Self, BenchError> {
            let mut err = 0;
            let p = match setup {
                // SAFETY: `err` is a valid out-parameter for the call.
                Setup::Default => unsafe { ffi::shim_ring_new_default(entries, &mut err) },
                s => {
                    let reg = i32::from(s.registered_fd());
                    // SAFETY: as above.
                    unsafe { ffi::shim_ring_new(entries, s.flags(), reg, &mut err) }
                }
            };
            NonNull::new(p).map(ShimRing).ok_or_else(|| {
                BenchError::fail(format!("liburing setup: {}", ring_core::Errno(-err)))
            })
        }

        pub fn ptr(&self) -> *mut c_void {
            self.0.as_ptr()
        }

        pub fn flags(&self) -> u32 {
            // SAFETY: the pointer is a live ring from `shim_ring_new*`.
            unsafe { ffi::shim_ring_flags(self.0.as_ptr()) }
        }
    }

    impl Drop for ShimRing {
        fn drop(&mut self) {
            // SAFETY: the pointer came from `shim_ring_new*` and is freed once.
            unsafe { ffi::shim_ring_free(self.0.as_ptr()) }
        }
    }
}

#[cfg(not(have_liburing))]
mod imp {
    use crate::error::BenchError;
    use crate::setup::Setup;

    /// Stands in for the ring when the shim was not built: never constructed.
    pub enum ShimRing {}

    impl ShimRing {
        pub fn new(_: Setup, _: u32) -> Result<Self, BenchError> {
            Err(BenchError::Skip(format!("liburing contender {}", super::STATUS)))
        }

        pub fn flags(&self) -> u32 {
            match *self {}
        }
    }
}

use imp::ShimRing;

/// liburing's NOP loop.
pub struct LiburingNop {
    ring: ShimRing,
    registered: bool,
}

impl LiburingNop {
    /// A ring for `setup` (skipped when liburing is not installed).
    pub fn new(setup: Setup) -> Result<Self, BenchError> {
        let ring = ShimRing::new(setup, super::NOP_ENTRIES)?;
        Ok(LiburingNop { ring, registered: setup.registered_fd() })
    }

    /// The NOP loop through `shim_cg_nop_loop`, the function callgrind collects.
    pub fn nops_collected(&mut self, batch: u32, ops: u64) -> Result<u64, BenchError> {
        self.run(batch, ops, true)
    }

    #[cfg(have_liburing)]
    fn run(&mut self, batch: u32, ops: u64, collected: bool) -> Result<u64, BenchError> {
        let mut sum = 0;
        let f = if collected { ffi::shim_cg_nop_loop } else { ffi::shim_nop_loop };
        // SAFETY: a live ring; `sum` is a valid out-parameter; NOPs carry no pointers.
        let r = unsafe { f(self.ring.ptr(), batch, ops, &mut sum) };
        if r < 0 {
            return Err(BenchError::fail(format!("liburing: {}", ring_core::Errno(-r))));
        }
        Ok(sum)
    }

    #[cfg(not(have_liburing))]
    fn run(&mut self, _: u32, _: u64, _: bool) -> Result<u64, BenchError> {
        match self.ring {}
    }
}

impl NopLoop for LiburingNop {
    fn name(&self) -> String {
        label()
    }

    fn setup_seen(&self) -> Option<(u32, bool)> {
        Some((self.ring.flags(), self.registered))
    }

    fn nops(&mut self, batch: u32, ops: u64) -> Result<u64, BenchError> {
        self.run(batch, ops, false)
    }
}

/// liburing's read loop.
pub struct LiburingRead {
    ring: ShimRing,
    #[cfg_attr(not(have_liburing), allow(dead_code))]
    depth: u32,
    #[cfg_attr(not(have_liburing), allow(dead_code))]
    bufs: crate::file::AlignedBuf,
}

impl LiburingRead {
    /// A ring for `setup` with `depth` entries and buffers (skipped without liburing).
    pub fn new(setup: Setup, depth: u32) -> Result<Self, BenchError> {
        Ok(LiburingRead {
            ring: ShimRing::new(setup, depth)?,
            depth,
            bufs: crate::file::AlignedBuf::new(depth as usize),
        })
    }
}

impl ReadLoop for LiburingRead {
    fn name(&self) -> String {
        label()
    }

    #[cfg(have_liburing)]
    fn reads(&mut self, job: &ReadJob<'_>, ops: u64) -> Result<u64, BenchError> {
        let mut sum = 0;
        let bufs = self.bufs.slot_ptr(0);
        let block = crate::file::BLOCK as u32;
        // SAFETY: a live ring; `offsets` is valid for its length; `bufs` holds `depth`
        // blocks and outlives the call's reads (the shim waits for all of them, or returns
        // -EIO, after which the buffers are leaked below).
        let r = unsafe {
            ffi::shim_read_loop(
                self.ring.ptr(),
                job.fd,
                self.depth,
                job.offsets.as_ptr(),
                job.offsets.len(),
                job.start % job.offsets.len(),
                ops,
                bufs,
                block,
                &mut sum,
            )
        };
        if r == -libc::EIO {
            self.bufs.leak_on_drop();
        }
        if r < 0 {
            return Err(BenchError::fail(format!("liburing: read: {}", ring_core::Errno(-r))));
        }
        Ok(sum)
    }

    #[cfg(not(have_liburing))]
    fn reads(&mut self, _: &ReadJob<'_>, _: u64) -> Result<u64, BenchError> {
        match self.ring {}
    }
}
