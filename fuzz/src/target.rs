//! [`Target`]: a ring a sequence runs on. Three of them: the simulator in step mode, the
//! simulator on threads, and the real kernel. Each is built inside a closure
//! ([`with_sim`], [`with_real`]) because the queues borrow the ring.

use ring_core::{Backend, CompletionQueue, Kernel, Ring, SubmissionQueue};
use ring_kernel_sim::{Mode, Sim, SimQueues, SimRing, SimStats, StepOutcome};

use crate::cfg::RingCfg;
use crate::model::Timing;
use crate::op::KernelOp;

/// A ring with a kernel behind it, as the driver sees it.
pub trait Target {
    /// The user side's atomic backend.
    type B: Backend;
    /// The kernel.
    type K: Kernel + ?Sized;

    /// How much of the kernel's timing is under the sequence's control.
    fn timing(&self) -> Timing;

    /// The ring's configuration.
    fn cfg(&self) -> &RingCfg;

    /// Both queues and the kernel.
    fn parts(&mut self) -> (SubmissionQueue<'_, Self::B>, CompletionQueue<'_, Self::B>, &Self::K);

    /// Runs a kernel step. `None` when the kernel runs by itself (the driver then waits
    /// instead).
    fn kernel_step(&mut self, k: KernelOp) -> Option<StepOutcome>;

    /// The simulator's counters, if this is the simulator.
    fn sim_stats(&self) -> Option<SimStats> {
        None
    }

    /// A short name for reports: `sim-step`, `sim-threads`, `kernel`.
    fn name(&self) -> &'static str;
}

/// The simulator, in step mode or on threads.
pub struct SimTarget<'a> {
    /// The simulated kernel.
    pub sim: &'a SimRing,
    /// Its user side.
    pub q: SimQueues<'a>,
    cfg: RingCfg,
    mode: Mode,
}

impl Target for SimTarget<'_> {
    type B = Sim;
    type K = SimRing;

    fn timing(&self) -> Timing {
        match self.mode {
            Mode::Step => Timing::Exact,
            Mode::Threads => Timing::Eventual,
        }
    }

    fn cfg(&self) -> &RingCfg {
        &self.cfg
    }

    fn parts(&mut self) -> (SubmissionQueue<'_, Sim>, CompletionQueue<'_, Sim>, &SimRing) {
        let (sq, cq) = self.q.split();
        (sq, cq, self.sim)
    }

    fn kernel_step(&mut self, k: KernelOp) -> Option<StepOutcome> {
        if self.mode != Mode::Step {
            return None;
        }
        Some(self.sim.step(k.sim_step()))
    }

    fn sim_stats(&self) -> Option<SimStats> {
        Some(self.sim.stats())
    }

    fn name(&self) -> &'static str {
        match self.mode {
            Mode::Step => "sim-step",
            Mode::Threads => "sim-threads",
        }
    }
}

/// Stops the simulator's kernel threads even if the sequence panics.
struct Stop<'a>(&'a SimRing);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.shutdown();
    }
}

/// Runs `f` on a simulated ring of configuration `cfg` in `mode` (threads: kernel threads
/// started before and joined after).
///
/// # Panics
///
/// If the simulator refuses the configuration (the strategies generate only valid ones).
pub fn with_sim<R>(cfg: &RingCfg, mode: Mode, f: impl FnOnce(&mut SimTarget<'_>) -> R) -> R {
    let sim =
        cfg.sim_builder(mode).build().unwrap_or_else(|e| panic!("simulated ring {cfg:?}: {e}"));
    let threads = sim.start();
    let out = {
        let _stop = Stop(&sim);
        let q = sim.queues().expect("the queues of a fresh simulated ring");
        let mut t = SimTarget { sim: &sim, q, cfg: *cfg, mode };
        f(&mut t)
    };
    threads.join();
    out
}

/// The real kernel's ring.
pub struct RealTarget {
    ring: Ring,
    cfg: RingCfg,
}

impl RealTarget {
    /// A real ring for `cfg` (its simulator-only fields ignored).
    pub fn new(cfg: &RingCfg) -> Result<Self, ring_core::SetupError> {
        let cfg = cfg.for_real_kernel();
        Ok(RealTarget { ring: cfg.real_ring()?, cfg })
    }
}

impl Target for RealTarget {
    type B = ring_core::Native;
    type K = ring_core::Submitter;

    fn timing(&self) -> Timing {
        Timing::Eventual
    }

    fn cfg(&self) -> &RingCfg {
        &self.cfg
    }

    fn parts(&mut self) -> (SubmissionQueue<'_>, CompletionQueue<'_>, &ring_core::Submitter) {
        self.ring.split()
    }

    fn kernel_step(&mut self, _: KernelOp) -> Option<StepOutcome> {
        None
    }

    fn name(&self) -> &'static str {
        "kernel"
    }
}

/// Runs `f` on a real ring for `cfg`.
///
/// # Panics
///
/// If the kernel refuses the ring (io_uring disabled, or a kernel older than 6.9, which
/// lacks NOP's injected results).
pub fn with_real<R>(cfg: &RingCfg, f: impl FnOnce(&mut RealTarget) -> R) -> R {
    let mut t = RealTarget::new(cfg).unwrap_or_else(|e| panic!("real ring {cfg:?}: {e}"));
    f(&mut t)
}
