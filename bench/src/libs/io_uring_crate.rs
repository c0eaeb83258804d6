//! The io-uring crate (tokio-rs, 0.7) contender, written the way its documentation shows:
//! a `submission()` view to push, `submit_and_wait`, a `completion()` view to reap (each view
//! loads the shared index on creation and stores its own on drop).
//!
//! io-uring 0.7 has no way to enter a ring by its registered index, so the setups with a
//! registered ring fd are skipped for it.

use io_uring::{opcode, types, IoUring};

use super::{NopLoop, ReadJob, ReadLoop, NOP_ENTRIES};
use crate::error::BenchError;
use crate::file::{block_words, AlignedBuf, BLOCK};
use crate::setup::Setup;

/// The crate version this was built with.
pub const VERSION: &str = "0.7";

/// A ring for `setup` with `entries` SQ entries.
pub fn ring(setup: Setup, entries: u32) -> Result<IoUring, BenchError> {
    if setup.registered_fd() {
        return Err(BenchError::Skip(
            "io-uring 0.7 cannot enter a ring by its registered index".into(),
        ));
    }
    let mut b = IoUring::builder();
    if setup.flags() != 0 {
        b.setup_single_issuer().setup_defer_taskrun();
    }
    b.build(entries).map_err(|e| BenchError::fail(format!("io-uring setup: {e}")))
}

/// The io-uring crate's NOP loop.
pub struct IoUringNop {
    ring: IoUring,
}

impl IoUringNop {
    /// A ring for `setup`.
    pub fn new(setup: Setup) -> Result<Self, BenchError> {
        Ok(IoUringNop { ring: ring(setup, NOP_ENTRIES)? })
    }
}

impl NopLoop for IoUringNop {
    fn name(&self) -> String {
        format!("io-uring {VERSION}")
    }

    fn nops(&mut self, batch: u32, ops: u64) -> Result<u64, BenchError> {
        let (mut next, mut done, mut sum, mut bad) = (0u64, 0u64, 0u64, 0i32);
        while done < ops {
            let n = (batch as u64).min(ops - next) as u32;
            {
                let mut sq = self.ring.submission();
                for _ in 0..n {
                    let e = opcode::Nop::new().build().user_data(next);
                    // SAFETY: a NOP carries no pointer.
                    unsafe { sq.push(&e) }.map_err(|_| BenchError::fail("io-uring: SQ full"))?;
                    next += 1;
                }
            }
            self.ring
                .submit_and_wait(n.max(1) as usize)
                .map_err(|e| BenchError::fail(format!("io-uring: enter: {e}")))?;
            for c in self.ring.completion() {
                if c.result() < 0 {
                    bad = c.result();
                }
                sum = sum.wrapping_add(c.user_data());
                done += 1;
            }
        }
        if bad < 0 {
            return Err(BenchError::fail(format!("io-uring: NOP failed: {bad}")));
        }
        Ok(sum)
    }
}

/// The io-uring crate's read loop.
pub struct IoUringRead {
    ring: IoUring,
    depth: u32,
    bufs: AlignedBuf,
}

impl IoUringRead {
    /// A ring for `setup` with `depth` entries and `depth` buffers.
    pub fn new(setup: Setup, depth: u32) -> Result<Self, BenchError> {
        Ok(IoUringRead { ring: ring(setup, depth)?, depth, bufs: AlignedBuf::new(depth as usize) })
    }
}

impl ReadLoop for IoUringRead {
    fn name(&self) -> String {
        format!("io-uring {VERSION}")
    }

    fn reads(&mut self, job: &ReadJob<'_>, ops: u64) -> Result<u64, BenchError> {
        let depth = self.depth;
        let mut free: Vec<u32> = (0..depth).rev().collect();
        let (mut issued, mut done, mut sum, mut inflight, mut bad) = (0u64, 0u64, 0u64, 0u32, 0);
        let mut idx = job.start % job.offsets.len();
        while done < ops {
            {
                let mut sq = self.ring.submission();
                while inflight < depth && issued < ops && bad == 0 {
                    let s = free.pop().expect("a free slot when fewer than depth are in flight");
                    let e = opcode::Read::new(
                        types::Fd(job.fd),
                        self.bufs.slot_ptr(s as usize),
                        BLOCK as u32,
                    )
                    .offset(job.offsets[idx])
                    .build()
                    .user_data(u64::from(s));
                    // SAFETY: slot `s` is not in flight and the buffers outlive every read
                    // (the loop waits for all of them, or leaks the buffers).
                    if unsafe { sq.push(&e) }.is_err() {
                        free.push(s);
                        break;
                    }
                    idx += 1;
                    if idx == job.offsets.len() {
                        idx = 0;
                    }
                    issued += 1;
                    inflight += 1;
                }
            }
            if inflight == 0 {
                break;
            }
            if let Err(e) = self.ring.submit_and_wait(1) {
                if !matches!(e.raw_os_error(), Some(libc::EINTR | libc::EAGAIN | libc::EBUSY)) {
                    self.bufs.leak_on_drop();
                    return Err(BenchError::fail(format!("io-uring: enter: {e}")));
                }
            }
            for c in self.ring.completion() {
                let s = c.user_data() as u32;
                if c.result() != BLOCK as i32 {
                    bad = if c.result() < 0 { c.result() } else { -libc::EIO };
                } else {
                    sum = sum.wrapping_add(block_words(self.bufs.slot(s as usize)));
                }
                free.push(s);
                inflight -= 1;
                done += 1;
            }
            if bad != 0 && inflight == 0 {
                break;
            }
        }
        if bad != 0 {
            return Err(BenchError::fail(format!("io-uring: read failed: errno {}", -bad)));
        }
        Ok(sum)
    }
}
