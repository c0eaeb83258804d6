//! The contenders. Each library implements the same two loops:
//!
//! - **NOP round trips** ([`NopLoop`]): for each batch, take an SQE per NOP, fill it (tagged
//!   with its sequence number), submit the batch and wait for as many completions, reap every
//!   visible completion, release them with one CQ head store.
//! - **Random reads** ([`ReadLoop`]): keep `depth` 4 KiB reads in flight: refill every free
//!   buffer slot, submit and wait for one completion, reap every visible completion (check the
//!   length, add the block's first and last words to a checksum), release them.
//!
//! | file | contender |
//! |---|---|
//! | `ring_core.rs` | ring-core's `Ring` (push per entry, and the `acquire_batch` variant) |
//! | `io_uring_crate.rs` | the tokio-rs `io-uring` crate 0.7 |
//! | `liburing.rs` | liburing through the C shim (`csrc/liburing_shim.c`) |
//! | `threads.rs` | blocking readers on threads: the [`threads::ReadAt`] seam, pread |
//! | `fio.rs` | fio's io_uring engine, run as a process |

use std::os::fd::RawFd;

use crate::driver::{timed, Contender};
use crate::error::BenchError;
use crate::file::expected_checksum;
use crate::setup::Setup;

pub mod fio;
pub mod io_uring_crate;
pub mod liburing;
pub mod ring_core;
pub mod threads;

/// SQ entries of every NOP ring (the largest batch fits).
pub const NOP_ENTRIES: u32 = 128;

/// The NOP round-trip loop of one library.
pub trait NopLoop {
    /// The name in reports.
    fn name(&self) -> String;

    /// Runs `ops` NOPs in batches of `batch` (the last batch may be short), NOP `k` tagged
    /// with user_data `k`. Returns the sum of the completions' user_data.
    fn nops(&mut self, batch: u32, ops: u64) -> Result<u64, BenchError>;

    /// The setup flags the ring was created with as the library reports them, and whether it
    /// enters by registered index (for the report), if the library exposes them.
    fn setup_seen(&self) -> Option<(u32, bool)> {
        None
    }
}

/// The sum of user_data over NOPs `0..ops`.
pub fn expected_user_data_sum(ops: u64) -> u64 {
    if ops == 0 {
        0
    } else if ops % 2 == 0 {
        (ops / 2).wrapping_mul(ops - 1)
    } else {
        ops.wrapping_mul((ops - 1) / 2)
    }
}

/// Builds the NOP loop of `lib` for `setup`. Libraries that cannot express a setup are
/// skipped with the reason.
pub fn nop_loop(lib: Lib, setup: Setup) -> Result<Box<dyn NopLoop>, BenchError> {
    Ok(match lib {
        Lib::RingCore => Box::new(ring_core::RingCoreNop::new(setup, false)?),
        Lib::RingCoreBatch => Box::new(ring_core::RingCoreNop::new(setup, true)?),
        Lib::IoUring => Box::new(io_uring_crate::IoUringNop::new(setup)?),
        Lib::Liburing => Box::new(liburing::LiburingNop::new(setup)?),
    })
}

/// The io_uring libraries compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lib {
    /// ring-core, one `push` per entry.
    RingCore,
    /// ring-core, `acquire_batch` for the whole batch.
    RingCoreBatch,
    /// The io-uring crate.
    IoUring,
    /// liburing through the C shim.
    Liburing,
}

impl Lib {
    /// Every library, in report order.
    pub const ALL: [Lib; 4] = [Lib::RingCore, Lib::RingCoreBatch, Lib::Liburing, Lib::IoUring];

    /// A short key for the command line.
    pub fn key(self) -> &'static str {
        match self {
            Lib::RingCore => "ring-core",
            Lib::RingCoreBatch => "ring-core-batch",
            Lib::IoUring => "io-uring",
            Lib::Liburing => "liburing",
        }
    }

    /// The library named by `key`.
    pub fn from_key(key: &str) -> Option<Lib> {
        Lib::ALL.into_iter().find(|l| l.key() == key)
    }
}

/// A NOP loop at one batch size, as a [`Contender`] that checks every run's user_data sum.
pub struct NopAt<'a> {
    /// The loop.
    pub lp: &'a mut dyn NopLoop,
    /// The batch size.
    pub batch: u32,
}

impl Contender for NopAt<'_> {
    fn name(&self) -> String {
        self.lp.name()
    }

    fn measure(&mut self, ops: u64) -> Result<f64, BenchError> {
        let mut sum = 0;
        let rate = timed(ops, || {
            sum = self.lp.nops(self.batch, ops)?;
            Ok(())
        })?;
        if sum != expected_user_data_sum(ops) {
            return Err(BenchError::fail(format!("{}: wrong user_data sum", self.lp.name())));
        }
        Ok(rate)
    }
}

/// What a read loop reads: a file and the offsets to read, in order, cyclically.
#[derive(Clone, Copy)]
pub struct ReadJob<'a> {
    /// The file (opened buffered or with O_DIRECT).
    pub fd: RawFd,
    /// Block-aligned offsets; read `k` is at `offsets[(start + k) % len]`.
    pub offsets: &'a [u64],
    /// Where in `offsets` the first read is.
    pub start: usize,
}

/// The random-read loop of one library, with its own buffers and queue depth.
pub trait ReadLoop {
    /// The name in reports.
    fn name(&self) -> String;

    /// Performs `ops` 4 KiB reads of `job`; returns the checksum of the blocks read (see
    /// [`crate::file`]).
    fn reads(&mut self, job: &ReadJob<'_>, ops: u64) -> Result<u64, BenchError>;
}

/// A read loop over one job, as a [`Contender`] that checks every run's checksum. Each
/// measurement continues in `offsets` where the previous one stopped, so no block is read
/// twice until the table wraps (a virtual disk's host-side cache would otherwise serve the
/// repeats).
pub struct ReadOf<'a> {
    /// The loop.
    pub lp: Box<dyn ReadLoop + 'a>,
    /// The job; `job.start` advances by every measurement's count.
    pub job: ReadJob<'a>,
}

impl Contender for ReadOf<'_> {
    fn name(&self) -> String {
        self.lp.name()
    }

    fn measure(&mut self, ops: u64) -> Result<f64, BenchError> {
        let mut sum = 0;
        let job = self.job;
        let rate = timed(ops, || {
            sum = self.lp.reads(&job, ops)?;
            Ok(())
        })?;
        self.job.start = ((job.start as u64 + ops) % job.offsets.len() as u64) as usize;
        if sum != expected_checksum(job.offsets, job.start, ops) {
            return Err(BenchError::fail(format!(
                "{}: wrong checksum of the data read",
                self.name()
            )));
        }
        Ok(rate)
    }
}
