//! [`Op`]: one step of a submit/reap sequence, user side or kernel side, and what it puts in
//! an SQE ([`Kind`], [`Flags`]).
//!
//! A sequence of `Op`s is the input of every driver in this crate: the proptest state
//! machines (through [`crate::strategy`]), the cargo-fuzz targets (through `arbitrary`), and
//! the differential runs. `Debug` prints a sequence compactly, so a shrunk failure reads as a
//! script: `[Acquire(2 × Nop), Submit, Reap(4)]`.

use core::fmt;

use arbitrary::Arbitrary;
use ring_core::abi::{sqe_flags, Sqe};
use ring_core::opcode::{Entry, Nop};

/// An opcode outside 6.18's range: both kernels fail it at submission with `-EINVAL`, which
/// also ends the submission batch (a short submit the user must resubmit after).
pub const BAD_OPCODE: u8 = 200;

/// What an SQE does.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Arbitrary)]
pub enum Kind {
    /// `IORING_OP_NOP`: completes with 0.
    Nop,
    /// NOP with an injected result `-errno` (`IORING_NOP_INJECT_RESULT`, 6.9). The value is
    /// kept in 1..=133 by the driver.
    NopFail(u8),
    /// An invalid opcode: `-EINVAL` at submission, which ends the batch.
    BadOpcode,
}

impl Kind {
    /// The injected errno of [`Kind::NopFail`], clamped to a real errno range.
    pub fn errno(self) -> i32 {
        match self {
            Kind::NopFail(e) => i32::from(e % 133) + 1,
            _ => 0,
        }
    }

    /// The result the operation completes with.
    pub fn result(self) -> i32 {
        match self {
            Kind::Nop => 0,
            Kind::NopFail(_) => -self.errno(),
            Kind::BadOpcode => -ring_core::Errno::EINVAL.0,
        }
    }

    /// Whether the SQE fails to initialise (and so ends its submission batch).
    pub fn fails_init(self) -> bool {
        matches!(self, Kind::BadOpcode)
    }
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Nop => f.write_str("Nop"),
            Kind::NopFail(_) => write!(f, "NopFail(-{})", self.errno()),
            Kind::BadOpcode => f.write_str("BadOpcode"),
        }
    }
}

/// The `IOSQE_*` flags the sequences use.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Arbitrary)]
pub struct Flags {
    /// `IOSQE_ASYNC`: completes on an io-wq worker, out of order.
    pub async_: bool,
    /// `IOSQE_CQE_SKIP_SUCCESS`: no CQE when it succeeds.
    pub skip_success: bool,
}

impl Flags {
    /// The raw `IOSQE_*` bits.
    pub fn bits(self) -> u8 {
        let mut b = 0;
        if self.async_ {
            b |= sqe_flags::ASYNC;
        }
        if self.skip_success {
            b |= sqe_flags::CQE_SKIP_SUCCESS;
        }
        b
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.async_ {
            f.write_str("+async")?;
        }
        if self.skip_success {
            f.write_str("+skip")?;
        }
        Ok(())
    }
}

/// One submission: what the model remembers of an SQE the driver wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sub {
    /// Its unique `user_data`.
    pub ud: u64,
    /// What it does.
    pub kind: Kind,
    /// Its flags.
    pub flags: Flags,
}

impl Sub {
    /// Whether it completes on an io-wq worker (not inline at submission).
    pub fn is_async(self) -> bool {
        self.flags.async_ && !self.kind.fails_init()
    }

    /// Whether it posts a CQE: everything but a success with `CQE_SKIP_SUCCESS`.
    pub fn posts_cqe(self) -> bool {
        !(self.flags.skip_success && self.kind.result() >= 0)
    }

    /// The entry to push.
    pub fn entry(self) -> Entry {
        let e = match self.kind {
            Kind::Nop => Nop::new().build(),
            Kind::NopFail(_) => Nop::new().inject_result(Some(self.kind.result())).build(),
            Kind::BadOpcode => {
                let sqe = Sqe { opcode: BAD_OPCODE, fd: -1, ..Sqe::default() };
                // SAFETY: the opcode is invalid, so neither kernel reads any field of this SQE
                // as a pointer (and every pointer-sized field is zero anyway).
                unsafe { Entry::from_raw(sqe) }
            }
        };
        e.user_data(self.ud).flags(self.flags.bits())
    }
}

/// A kernel-side step. In the simulator's step mode each is a [`ring_kernel_sim::KernelStep`];
/// on kernels that run by themselves (the sim's threads, the real kernel) it becomes a wait.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Arbitrary)]
pub enum KernelOp {
    /// The SQPOLL thread polls once and consumes what is published.
    Consume,
    /// The SQPOLL thread tries to go to sleep (NEED_WAKEUP, fence, re-check).
    Sleep,
    /// io-wq completes its `i`-th queued job (modulo the queue length).
    CompleteWorker(u8),
}

impl KernelOp {
    /// The simulator's step for this operation (step mode).
    pub fn sim_step(self) -> ring_kernel_sim::KernelStep {
        use ring_kernel_sim::KernelStep;
        match self {
            KernelOp::Consume => KernelStep::SqpollPoll,
            KernelOp::Sleep => KernelStep::SqpollSleep,
            KernelOp::CompleteWorker(i) => KernelStep::CompleteWorker(usize::from(i)),
        }
    }
}

impl fmt::Debug for KernelOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelOp::Consume => f.write_str("K:Consume"),
            KernelOp::Sleep => f.write_str("K:Sleep"),
            KernelOp::CompleteWorker(i) => write!(f, "K:CompleteWorker({i})"),
        }
    }
}

/// One step of a sequence.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Arbitrary)]
pub enum Op {
    /// Reserve up to `n` SQEs and fill each with `kind` and `flags` (fresh `user_data`s).
    /// With `batch`, one [`acquire_batch`](ring_core::SubmissionQueue::acquire_batch)
    /// (contiguous slots, up to the wrap); otherwise one `acquire` per entry until the SQ is
    /// full.
    Acquire {
        /// How many entries to write.
        n: u8,
        /// What each does.
        kind: Kind,
        /// Their flags.
        flags: Flags,
        /// One batch or one slot at a time.
        batch: bool,
    },
    /// Publish the written entries (one SQ tail store).
    Publish,
    /// Publish and submit.
    Submit,
    /// Publish, submit, and wait for `k` completions. On kernels that block, `k` is clamped
    /// to what will certainly arrive, so the wait always ends.
    SubmitAndWait(u8),
    /// Wait for `k` completions (clamped as for `SubmitAndWait`).
    Wait(u8),
    /// Look at the next completion without consuming it.
    Peek,
    /// Consume up to `max` completions in one batch (one tail snapshot, one head store).
    Reap(u8),
    /// Read up to `n` completions, then release `n` (on the simulator's step mode also more
    /// than are ready: the release must then fail).
    Advance(u8),
    /// Enter with `GETEVENTS` and no wait: runs task work, flushes the overflow backlog.
    GetEvents,
    /// `flush`: enter with `GETEVENTS` only if `CQ_OVERFLOW` or `TASKRUN` say so.
    Flush,
    /// A kernel step.
    Kernel(KernelOp),
}

impl Op {
    /// Whether this is a kernel step.
    pub fn is_kernel(self) -> bool {
        matches!(self, Op::Kernel(_))
    }
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Acquire { n, kind, flags, batch } => {
                let b = if batch { "AcquireBatch" } else { "Acquire" };
                write!(f, "{b}({n} × {kind:?}{flags:?})")
            }
            Op::Publish => f.write_str("Publish"),
            Op::Submit => f.write_str("Submit"),
            Op::SubmitAndWait(k) => write!(f, "SubmitAndWait({k})"),
            Op::Wait(k) => write!(f, "Wait({k})"),
            Op::Peek => f.write_str("Peek"),
            Op::Reap(m) => write!(f, "Reap({m})"),
            Op::Advance(n) => write!(f, "Advance({n})"),
            Op::GetEvents => f.write_str("GetEvents"),
            Op::Flush => f.write_str("Flush"),
            Op::Kernel(k) => k.fmt(f),
        }
    }
}
