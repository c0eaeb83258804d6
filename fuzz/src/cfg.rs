//! [`RingCfg`]: one ring, described once for the model, the simulator and the real kernel.

use arbitrary::Arbitrary;
use ring_core::abi::setup;
use ring_kernel_sim::{Faults, Idle, Mode, SimBuilder, SimRing};

/// Task-work flavour of a ring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Arbitrary)]
pub enum Taskrun {
    /// Neither: io-wq completions are posted directly.
    #[default]
    None,
    /// `COOP_TASKRUN | TASKRUN_FLAG`.
    Coop,
    /// `SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG`: io-wq completions wait for the task to
    /// enter with `GETEVENTS`.
    Defer,
}

impl Taskrun {
    /// The setup flags.
    pub fn flags(self) -> u32 {
        match self {
            Taskrun::None => 0,
            Taskrun::Coop => setup::COOP_TASKRUN | setup::TASKRUN_FLAG,
            Taskrun::Defer => setup::SINGLE_ISSUER | setup::DEFER_TASKRUN | setup::TASKRUN_FLAG,
        }
    }
}

/// One ring configuration. Fields that only the simulator can honour (SQPOLL in the
/// sequences, counters near the wrap, short submits) are zero/off for the real kernel; see
/// [`RingCfg::for_real_kernel`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RingCfg {
    /// SQ entries (a power of two, 1..=8 in the strategies).
    pub entries: u32,
    /// CQ entries (`CQSIZE`, at least `entries`), or the default `2 × entries`.
    pub cq_entries: Option<u32>,
    /// An SQPOLL thread (simulator only).
    pub sqpoll: bool,
    /// Task-work flavour (not with SQPOLL).
    pub taskrun: Taskrun,
    /// An SQ index array (otherwise `NO_SQARRAY`).
    pub sq_array: bool,
    /// Where every head and tail starts (simulator only; the real kernel starts at 0).
    pub start: u32,
    /// The simulated kernel consumes at most this many SQEs per submission (a short submit).
    pub short_submit: Option<u32>,
}

impl Default for RingCfg {
    fn default() -> Self {
        RingCfg {
            entries: 4,
            cq_entries: None,
            sqpoll: false,
            taskrun: Taskrun::None,
            sq_array: false,
            start: 0,
            short_submit: None,
        }
    }
}

impl core::fmt::Debug for RingCfg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Ring(sq {}, cq {}", self.entries, self.cq())?;
        if self.sqpoll {
            f.write_str(", SQPOLL")?;
        }
        if self.taskrun != Taskrun::None {
            write!(f, ", {:?}", self.taskrun)?;
        }
        if self.sq_array {
            f.write_str(", array")?;
        }
        if self.start != 0 {
            write!(f, ", start {:#x}", self.start)?;
        }
        if let Some(s) = self.short_submit {
            write!(f, ", short_submit {s}")?;
        }
        f.write_str(")")
    }
}

impl RingCfg {
    /// `entries` SQ entries, defaults elsewhere.
    pub fn new(entries: u32) -> Self {
        RingCfg { entries, ..RingCfg::default() }
    }

    /// The CQ size.
    pub fn cq(&self) -> u32 {
        self.cq_entries.unwrap_or(2 * self.entries)
    }

    /// The setup flags (without SQPOLL's idle time).
    pub fn setup_flags(&self) -> u32 {
        let mut f = self.taskrun.flags();
        if self.sqpoll {
            f |= setup::SQPOLL;
        }
        if !self.sq_array {
            f |= setup::NO_SQARRAY;
        }
        f
    }

    /// This configuration without what the real kernel cannot do (SQPOLL in a scripted
    /// sequence, counters near the wrap, short submits).
    pub fn for_real_kernel(mut self) -> Self {
        self.sqpoll = false;
        self.start = 0;
        self.short_submit = None;
        self
    }

    /// Whether the configuration can run on the real kernel as it is.
    pub fn is_real_compatible(&self) -> bool {
        *self == self.for_real_kernel()
    }

    /// The simulator's faults for this configuration.
    pub fn faults(&self) -> Faults {
        Faults { short_submit: self.short_submit, ..Faults::default() }
    }

    /// A simulated ring builder in `mode` (threads: one io-wq worker, SQPOLL idling after
    /// 1 ms; step: no threads).
    pub fn sim_builder(&self, mode: Mode) -> SimBuilder {
        let mut b = SimRing::builder()
            .entries(self.entries)
            .setup_flags(self.setup_flags() & !setup::SQPOLL)
            .mode(mode)
            .workers(1)
            .idle(Idle::Millis(1))
            .start_counters_at(self.start)
            .faults(self.faults());
        if let Some(c) = self.cq_entries {
            b = b.cq_entries(c);
        }
        if self.sqpoll {
            b = b.sqpoll();
        }
        b
    }

    /// The real kernel's ring (ignores the simulator-only fields).
    pub fn real_ring(&self) -> Result<ring_core::Ring, ring_core::SetupError> {
        let mut b = ring_core::Ring::builder()
            .entries(self.entries)
            .setup_flags(self.taskrun.flags())
            .no_sqarray(!self.sq_array);
        if let Some(c) = self.cq_entries {
            b = b.cq_entries(c);
        }
        b.build()
    }
}
