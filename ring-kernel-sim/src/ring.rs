//! [`SimRing`]: one simulated ring, its kernel state, and its builder.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

use ring_core::abi::{setup, Cqe, Params};
use ring_core::setup::{check_params, Geometry, SetupError};
use ring_core::Queues;

use crate::backend::Sim;
use crate::config::{Faults, Idle, Mode};
use crate::cq_post::Completion;
use crate::memory::SimMemory;
use crate::sync::{Condvar, Mutex};

/// Setup flags the simulator does not model; rejected with [`SetupError::Unsupported`].
const UNMODELLED: [(u32, &str); 5] = [
    (setup::IOPOLL, "IOPOLL (not modelled by the simulator)"),
    (setup::HYBRID_IOPOLL, "HYBRID_IOPOLL (not modelled by the simulator)"),
    (setup::NO_MMAP, "NO_MMAP (the simulator owns its memory)"),
    (setup::REGISTERED_FD_ONLY, "REGISTERED_FD_ONLY (the simulator has no fd table)"),
    (setup::ATTACH_WQ, "ATTACH_WQ (not modelled by the simulator)"),
];

/// The kernel's submission state, under the `uring_lock`.
#[derive(Debug)]
pub(crate) struct SubmitState {
    /// The kernel's private SQ head (`cached_sq_head`).
    pub(crate) head: u32,
    /// An SQE with CQE_SKIP_SUCCESS has been seen: from then on IO_DRAIN is refused with
    /// EOPNOTSUPP, for the ring's lifetime (6.18's `drain_disabled`).
    pub(crate) drain_disabled: bool,
}

/// One completion job (io-wq work, or a held operation), with its skip-success bit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Job {
    pub(crate) cqe: Cqe,
    /// The extra words of a 32-byte completion (a NOP with IORING_NOP_CQE32 that ran).
    pub(crate) big: Option<[u64; 2]>,
    /// The SQE's CQE_SKIP_SUCCESS bit (a failed request posts its CQE anyway).
    pub(crate) skip_success: bool,
    /// Completes through task work (as a poll-driven request does in Linux), rather than
    /// being posted by an io-wq worker.
    pub(crate) task_work: bool,
    /// The request failed although its result is not negative (a NOP whose file or buffer
    /// lookup failed): it breaks its link and posts its CQE despite CQE_SKIP_SUCCESS.
    pub(crate) fail: bool,
    /// The rest of its link chain, waiting in [`WorkState::chains`] for this job to end.
    pub(crate) chain: Option<u32>,
}

/// The members of a link chain after the one in flight (submit.rs runs them).
#[derive(Debug)]
pub(crate) struct Chain {
    /// The member in flight has IOSQE_IO_HARDLINK: its failure does not cancel the rest.
    pub(crate) hard: bool,
    /// The members still to issue, in order.
    pub(crate) rest: VecDeque<crate::submit::Req>,
}

/// The CQ side of the kernel, under the completion lock.
#[derive(Debug)]
pub(crate) struct CqLocked {
    /// The kernel's private CQ tail (committed to the shared tail at the end of a section).
    pub(crate) tail: u32,
    /// The committed value (what the shared tail holds).
    pub(crate) committed: u32,
    /// Free slots known without re-reading the user's head.
    pub(crate) free: u32,
    /// The overflow backlog (FIFO); each entry keeps its size.
    pub(crate) backlog: VecDeque<Completion>,
    /// Task work: completions waiting for the task (COOP_TASKRUN / DEFER_TASKRUN).
    pub(crate) task_work: VecDeque<Job>,
    /// A completion was really dropped and the user has not been told yet: the next wait
    /// that would block returns EBADR (cleared when enter reports it).
    pub(crate) ebadr: bool,
    /// Counters.
    pub(crate) stats: SimStats,
}

/// The SQPOLL thread's state.
#[derive(Debug, Default)]
pub(crate) struct SqpollState {
    /// A wakeup was requested (enter with SQ_WAKEUP, or shutdown).
    pub(crate) wake: bool,
    /// The thread is asleep (step mode keeps this between steps).
    pub(crate) sleeping: bool,
    /// Stop: the ring is shutting down.
    pub(crate) stop: bool,
    /// The thread has died (fault): enter gives EOWNERDEAD.
    pub(crate) dead: bool,
    /// Polls so far (for the death fault).
    pub(crate) polls: u32,
}

/// io-wq's queue and the held operations.
#[derive(Debug, Default)]
pub(crate) struct WorkState {
    pub(crate) jobs: VecDeque<Job>,
    pub(crate) held: Vec<Job>,
    pub(crate) stop: bool,
    /// Link chains waiting for their in-flight member (a job above), by [`Job::chain`].
    pub(crate) chains: std::collections::HashMap<u32, Chain>,
    /// The next chain id.
    pub(crate) next_chain: u32,
}

/// What the simulated kernel has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// SQEs consumed (including dropped ones).
    pub consumed: u64,
    /// SQEs dropped for a bad index.
    pub dropped: u64,
    /// CQEs written into the ring (a 32-byte completion on a CQE_MIXED ring counts once).
    pub posted: u64,
    /// Filler CQEs (IORING_CQE_F_SKIP) written before a 32-byte completion that would have
    /// started in a CQE_MIXED ring's last slot.
    pub fillers: u64,
    /// CQEs that went through the overflow backlog.
    pub overflowed: u64,
    /// CQEs really lost (allocation-failure fault).
    pub lost: u64,
    /// Completions suppressed by IOSQE_CQE_SKIP_SUCCESS.
    pub skipped: u64,
}

/// A simulated io_uring: the kernel side of the protocol over memory it owns, lent to
/// ring-core as ordinary [`Queues`].
///
/// ```
/// use ring_core::opcode::Nop;
/// use ring_kernel_sim::{Mode, SimRing};
///
/// let sim = SimRing::builder().entries(4).mode(Mode::Step).build().unwrap();
/// let mut q = sim.queues().unwrap();
/// q.submission().push(&Nop::new().build().user_data(9)).unwrap();
/// assert_eq!(q.submission().submit_and_wait(&*sim, 1), Ok(1));
/// assert_eq!(q.completion().peek().unwrap().user_data, 9);
/// ```
#[derive(Debug)]
pub struct SimRing {
    pub(crate) mem: SimMemory,
    pub(crate) flags: u32,
    pub(crate) geo: Geometry,
    pub(crate) mode: Mode,
    pub(crate) workers: u32,
    pub(crate) idle: Idle,
    pub(crate) faults: std::sync::Mutex<Faults>,
    pub(crate) uring: Mutex<SubmitState>,
    pub(crate) cq: Mutex<CqLocked>,
    pub(crate) cq_cv: Condvar,
    pub(crate) sqpoll: Mutex<SqpollState>,
    pub(crate) sqpoll_cv: Condvar,
    pub(crate) work: Mutex<WorkState>,
    pub(crate) work_cv: Condvar,
    pub(crate) enabled: AtomicBool,
    /// Whether the kernel takes the extended wait argument (IORING_FEAT_EXT_ARG).
    pub(crate) ext_arg: bool,
    user_taken: AtomicBool,
    pub(crate) issuer: std::sync::Mutex<Option<crate::sync::thread::ThreadId>>,
}

/// Why the simulator could not hand out the user side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimError {
    /// The user-side queues were already taken: a ring has one user-side owner.
    QueuesTaken,
    /// The layout check failed (a simulator bug).
    Layout(ring_core::memory::LayoutError),
}

impl core::fmt::Display for SimError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SimError::QueuesTaken => f.write_str("the ring's user-side queues were already taken"),
            SimError::Layout(e) => write!(f, "simulated ring layout: {e}"),
        }
    }
}

impl std::error::Error for SimError {}

/// Options for a [`SimRing`].
#[derive(Clone, Debug)]
pub struct SimBuilder {
    entries: u32,
    params: Params,
    mode: Mode,
    workers: u32,
    idle: Idle,
    start: u32,
    faults: Faults,
    ext_arg: bool,
}

impl Default for SimBuilder {
    fn default() -> Self {
        SimBuilder {
            entries: 4,
            params: Params::default(),
            mode: Mode::Threads,
            workers: 1,
            idle: if cfg!(loom) { Idle::Polls(1) } else { Idle::Millis(10) },
            start: 0,
            faults: Faults::default(),
            ext_arg: true,
        }
    }
}

impl SimBuilder {
    /// SQ entries (rounded up to a power of two, as the kernel does; default 4).
    pub fn entries(mut self, n: u32) -> Self {
        self.entries = n;
        self
    }
    /// ORs raw `IORING_SETUP_*` flags into the parameters.
    pub fn setup_flags(mut self, flags: u32) -> Self {
        self.params.flags |= flags;
        self
    }
    /// CQ entries (`CQSIZE`).
    pub fn cq_entries(mut self, n: u32) -> Self {
        self.params.flags |= setup::CQSIZE;
        self.params.cq_entries = n;
        self
    }
    /// An SQPOLL thread.
    pub fn sqpoll(self) -> Self {
        self.setup_flags(setup::SQPOLL)
    }
    /// Threads or steps.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    /// io-wq workers (0 to 2 in loom models; with 0, IOSQE_ASYNC work completes at submit).
    pub fn workers(mut self, n: u32) -> Self {
        self.workers = n;
        self
    }
    /// When the SQPOLL thread sleeps.
    pub fn idle(mut self, idle: Idle) -> Self {
        self.idle = idle;
        self
    }
    /// The value every head and tail starts at (to exercise the u32 wrap).
    pub fn start_counters_at(mut self, start: u32) -> Self {
        self.start = start;
        self
    }
    /// Faults to inject.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }
    /// Whether the simulated kernel takes the extended wait argument (IORING_FEAT_EXT_ARG,
    /// 5.11; default yes). Without it, a wait with a timeout is refused with `EOPNOTSUPP`,
    /// as the real ring refuses it on such a kernel.
    pub fn ext_arg(mut self, supported: bool) -> Self {
        self.ext_arg = supported;
        self
    }

    /// Validates like 6.18's setup and builds the ring. Under loom, call inside
    /// `loom::model`.
    pub fn build(self) -> Result<Arc<SimRing>, SetupError> {
        let geo = check_params(self.entries, &self.params)?;
        if let Some((_, feature)) = UNMODELLED.iter().find(|(f, _)| self.params.flags & f != 0) {
            return Err(SetupError::Unsupported { feature, since: "sim" });
        }
        let flags = self.params.flags;
        let start = self.start;
        // A disabled SQPOLL ring's thread has not started polling: it shows NEED_WAKEUP (so a
        // submit enters and gets EBADFD) until ENABLE_RINGS wakes it, as on 6.18.
        let parked = flags & setup::SQPOLL != 0 && flags & setup::R_DISABLED != 0;
        let ring = Arc::new(SimRing {
            mem: SimMemory::new(&geo, start),
            flags,
            geo,
            mode: self.mode,
            workers: self.workers,
            idle: self.idle,
            faults: std::sync::Mutex::new(self.faults),
            uring: Mutex::new(SubmitState { head: start, drain_disabled: false }),
            cq: Mutex::new(CqLocked {
                tail: start,
                committed: start,
                free: geo.cq_entries,
                backlog: VecDeque::new(),
                task_work: VecDeque::new(),
                ebadr: false,
                stats: SimStats::default(),
            }),
            cq_cv: Condvar::new(),
            sqpoll: Mutex::new(SqpollState { sleeping: parked, ..SqpollState::default() }),
            sqpoll_cv: Condvar::new(),
            work: Mutex::new(WorkState::default()),
            work_cv: Condvar::new(),
            enabled: AtomicBool::new(flags & setup::R_DISABLED == 0),
            ext_arg: self.ext_arg,
            user_taken: AtomicBool::new(false),
            // SINGLE_ISSUER: the setting-up task is the submitter, unless the ring starts
            // disabled (then the enabling task is).
            issuer: std::sync::Mutex::new(
                (flags & setup::SINGLE_ISSUER != 0 && flags & setup::R_DISABLED == 0)
                    .then(crate::sync::current_thread),
            ),
        });
        if parked {
            ring.sqpoll_park();
        }
        Ok(ring)
    }
}

impl SimRing {
    /// Options.
    pub fn builder() -> SimBuilder {
        SimBuilder::default()
    }

    /// The user side: ordinary ring-core queues over this ring's memory. Once per ring.
    pub fn queues(&self) -> Result<Queues<'_, Sim>, SimError> {
        if self.user_taken.swap(true, Relaxed) {
            return Err(SimError::QueuesTaken);
        }
        let sq = self.mem.sq_memory().map_err(SimError::Layout)?;
        let cq = self.mem.cq_memory().map_err(SimError::Layout)?;
        // SAFETY: `user_taken` (swapped above) lets this happen once per ring, so the returned
        // `Queues` is the ring's only user-side owner.
        Ok(unsafe { Queues::new(sq, cq, self.flags) })
    }

    /// The geometry the setup produced.
    pub fn geometry(&self) -> Geometry {
        self.geo
    }

    /// The setup flags.
    pub fn setup_flags(&self) -> u32 {
        self.flags
    }

    /// Replaces the injected faults.
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    pub(crate) fn faults(&self) -> Faults {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the kernel has done so far.
    pub fn stats(&self) -> SimStats {
        crate::sync::lock(&self.cq).stats
    }

    /// Completions waiting in the overflow backlog.
    pub fn backlog_len(&self) -> usize {
        crate::sync::lock(&self.cq).backlog.len()
    }

    /// Completions waiting as task work.
    pub fn task_work_len(&self) -> usize {
        crate::sync::lock(&self.cq).task_work.len()
    }

    pub(crate) fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
}
