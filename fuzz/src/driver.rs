//! The interpreter: runs a sequence of [`Op`]s on a [`Target`] next to the [`Model`], and
//! checks after every step.
//!
//! After each step: the SQ's space, pending and unpublished counts equal the model's; the
//! CQ's ready count and the SQ flags equal the model's (exact timing) or stay within what the
//! model allows (eventual timing); no CQE is dropped or duplicated and every CQE consumed is
//! one the ledger expects, once, with its result. After the last step the driver drains the
//! ring (submits what is left, completes or waits for everything, reaps) under the same
//! checks, and then every consumed entry must have completed. A panic anywhere (ring-core,
//! the simulator) fails the run too: proptest and libFuzzer both report it.

use core::fmt;
use std::time::{Duration, Instant};

use ring_core::abi::{enter, sq_flags, Cqe, Timespec};
use ring_core::{AdvanceError, CompletionQueue, Enter, EnterArg, Errno, Kernel};

use crate::ledger::LedgerError;
use crate::model::{Model, Timing};
use crate::op::{KernelOp, Op, Sub};
use crate::target::Target;

/// How long a wait on a kernel that runs by itself may block before the run reports a hang.
/// Waits are only for completions that must arrive, so reaching it is a lost completion (or
/// lost wakeup), not slowness.
pub const HANG: Duration = Duration::from_secs(10);

/// The largest `n` an `Acquire` writes (sequences from `arbitrary` may ask for more).
pub const MAX_ACQUIRE: u8 = 16;

/// Which checks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checks {
    /// Counters, flags and return values against the model.
    pub state: bool,
    /// Exactly-once accounting of every CQE (always on where it can be).
    pub ledger: bool,
}

impl Default for Checks {
    fn default() -> Self {
        Checks { state: true, ledger: true }
    }
}

impl Checks {
    /// Only the exactly-once rules: what a user would notice (a lost or duplicated
    /// completion), whatever the counters say.
    pub fn ledger_only() -> Self {
        Checks { state: false, ledger: true }
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// An exactly-once rule broke.
    Ledger(LedgerError),
    /// ring-core (or the kernel) disagrees with the model.
    Mismatch {
        /// What was compared.
        what: &'static str,
        /// The model's value.
        model: String,
        /// The observed value.
        observed: String,
    },
    /// Completions that never arrived.
    Lost(Vec<u64>),
    /// A wait for completions that must arrive timed out, or the drain made no progress.
    Hang(String),
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Ledger(e) => e.fmt(f),
            Violation::Mismatch { what, model, observed } => {
                write!(f, "{what}: model {model}, observed {observed}")
            }
            Violation::Lost(uds) => write!(f, "LOST: completions of {uds:?} never arrived"),
            Violation::Hang(what) => write!(f, "HANG: {what}"),
        }
    }
}

/// A failed run: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The target's name.
    pub target: &'static str,
    /// Index of the failing step in the sequence, or `None` for the drain after it.
    pub step: Option<usize>,
    /// The failing step.
    pub op: Option<Op>,
    /// What broke.
    pub violation: Violation,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.step, self.op) {
            (Some(i), Some(op)) => {
                write!(f, "[{}] step {i} {op:?}: {}", self.target, self.violation)
            }
            (_, Some(op)) => write!(f, "[{}] drain, {op:?}: {}", self.target, self.violation),
            _ => write!(f, "[{}] end: {}", self.target, self.violation),
        }
    }
}

impl std::error::Error for Failure {}

/// What one step showed, for comparing two kernels.
///
/// SQ-side values never depend on the kernel's timing (without SQPOLL). CQ-side values do
/// once io-wq work is in flight, so each carries the *history* it was taken under: a hash of
/// every CQE consumed so far, in order, or `None` when the CQ's contents were not settled
/// (io-wq completions expected, completions parked in the backlog, or SQPOLL). Two runs'
/// CQ-side values are comparable when both histories are `Some` and equal: the CQ then holds
/// exactly the inline completions not yet consumed, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepObs {
    /// The step.
    pub op: Op,
    /// The step's result (`None` where even the SQ side depends on timing: SQPOLL).
    pub result: Option<String>,
    /// Whether `result` is an SQ-side result (comparable whatever the history).
    pub sq_side: bool,
    /// The history before the step, if the CQ was settled.
    pub before: Option<u64>,
    /// (unpublished, pending, space) after the step.
    pub sq: (u32, u32, u32),
    /// (ready, CQ_OVERFLOW) after the step.
    pub cq: (u32, bool),
    /// The history after the step, if the CQ was settled.
    pub after: Option<u64>,
}

impl StepObs {
    /// Whether `self` and `other` (the same step on two kernels) agree on everything that is
    /// comparable.
    pub fn agrees(&self, other: &StepObs) -> bool {
        let comparable = |a: Option<u64>, b: Option<u64>| a.is_some() && a == b;
        self.op == other.op
            && self.sq == other.sq
            && (!(self.sq_side || comparable(self.before, other.before))
                || self.result == other.result)
            && (!comparable(self.after, other.after) || self.cq == other.cq)
    }
}

/// What a whole run showed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Per step of the sequence (not the drain).
    pub steps: Vec<StepObs>,
    /// Every CQE consumed (sequence and drain), as (user_data, res), sorted.
    pub completions: Vec<(u64, i32)>,
    /// The inline completions' user_data in the order consumed.
    pub inline_order: Vec<u64>,
    /// Steps run, drain included.
    pub steps_run: usize,
}

/// Runs `ops` on `target` with every check; see [`run_with`].
pub fn run<T: Target>(target: &mut T, ops: &[Op]) -> Result<Report, Failure> {
    run_with(target, ops, Checks::default())
}

/// Runs `ops` on `target` next to a fresh model, checking after every step, then drains the
/// ring and checks that everything completed exactly once.
pub fn run_with<T: Target>(target: &mut T, ops: &[Op], checks: Checks) -> Result<Report, Failure> {
    let model = Model::new(*target.cfg(), target.timing());
    let mut r = Runner {
        t: target,
        model,
        checks,
        next_ud: 1,
        report: Report::default(),
        history: 0xcbf2_9ce4_8422_2325,
    };
    for (i, &op) in ops.iter().enumerate() {
        r.step(op).map_err(|v| r.fail(Some(i), Some(op), v))?;
    }
    r.drain()?;
    r.report.completions.sort_unstable();
    Ok(r.report)
}

type Step = Result<(), Violation>;

fn mismatch<M: fmt::Debug, O: fmt::Debug>(what: &'static str, model: M, observed: O) -> Violation {
    Violation::Mismatch { what, model: format!("{model:?}"), observed: format!("{observed:?}") }
}

fn timespec(d: Duration) -> Timespec {
    Timespec { tv_sec: d.as_secs() as i64, tv_nsec: i64::from(d.subsec_nanos()) }
}

struct Runner<'t, T: Target> {
    t: &'t mut T,
    model: Model,
    checks: Checks,
    next_ud: u64,
    report: Report,
    history: u64,
}

impl<T: Target> Runner<'_, T> {
    fn fail(&self, step: Option<usize>, op: Option<Op>, violation: Violation) -> Failure {
        Failure { target: self.t.name(), step, op, violation }
    }

    fn exact(&self) -> bool {
        self.model.timing() == Timing::Exact
    }

    fn sqpoll_eventual(&self) -> bool {
        self.model.cfg().sqpoll && !self.exact()
    }

    /// Whether the CQ's contents are determined by the sequence alone right now (nothing on
    /// io-wq or on an SQPOLL thread that the kernel may complete at any moment).
    fn quiescent(&self) -> bool {
        self.model.ledger.floating() == 0 && !self.model.cfg().sqpoll
    }

    fn expect<V: PartialEq + fmt::Debug>(&self, what: &'static str, model: V, got: V) -> Step {
        if self.checks.state && model != got {
            return Err(mismatch(what, model, got));
        }
        Ok(())
    }

    /// One CQE consumed by the user.
    fn consumed(&mut self, c: Cqe) -> Step {
        self.model.observe_completion_of(c.user_data);
        let inline = self.model.ledger.sub(c.user_data).is_some_and(|s| !s.is_async());
        if self.checks.ledger {
            self.model.ledger.complete(c).map_err(Violation::Ledger)?;
        } else {
            let _ = self.model.ledger.complete(c);
        }
        self.report.completions.push((c.user_data, c.res));
        // FNV-1a over the consumed sequence.
        for b in c.user_data.to_le_bytes().into_iter().chain(c.res.to_le_bytes()) {
            self.history = (self.history ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        if inline {
            self.report.inline_order.push(c.user_data);
        }
        Ok(())
    }

    /// A CQE looked at without consuming it: it must be one the ledger expects.
    fn peeked(&self, c: Cqe) -> Step {
        if !self.checks.ledger {
            return Ok(());
        }
        let mut probe = self.model.clone();
        probe.observe_completion_of(c.user_data);
        match probe.ledger.complete(c) {
            // Order among inline completions is checked when they are consumed.
            Ok(()) | Err(LedgerError::OutOfOrder { .. }) => Ok(()),
            Err(e) => Err(Violation::Ledger(e)),
        }
    }

    fn wait_arg(ts: &Timespec) -> EnterArg<'_> {
        EnterArg::Wait { timeout: Some(ts), min_wait_usec: 0 }
    }

    /// Clamps a wait to what will certainly arrive, on kernels that block.
    fn clamp_wait(&self, k: u8, after_submit: bool) -> u32 {
        let k = u32::from(k);
        if self.exact() {
            return k;
        }
        let sure = if after_submit {
            self.model.eventual_after_submit()
        } else {
            self.model.eventual_unread()
        };
        k.min(sure)
    }

    fn step(&mut self, op: Op) -> Step {
        let before = self.settled();
        let result = self.apply(op)?;
        self.report.steps_run += 1;
        self.check()?;
        let after = self.settled();
        let (sq, mut cq, _) = self.t.parts();
        let sqo = (sq.unpublished(), sq.pending(), sq.space_left());
        let cqo = (cq.ready(), sq.flags() & sq_flags::CQ_OVERFLOW != 0);
        let sq_side =
            matches!(op, Op::Acquire { .. } | Op::Publish | Op::Submit | Op::SubmitAndWait(_));
        self.report.steps.push(StepObs { op, result, sq_side, before, sq: sqo, cq: cqo, after });
        Ok(())
    }

    /// The consumed-CQE history if the CQ's contents are settled: nothing on io-wq or an
    /// SQPOLL thread, nothing parked in the backlog.
    fn settled(&mut self) -> Option<u64> {
        if !self.quiescent() {
            return None;
        }
        let flags = self.t.parts().0.flags();
        (flags & (sq_flags::CQ_OVERFLOW | sq_flags::TASKRUN) == 0).then_some(self.history)
    }

    /// Performs one step; returns its result when it does not depend on the kernel's timing.
    fn apply(&mut self, op: Op) -> Result<Option<String>, Violation> {
        match op {
            Op::Acquire { n, kind, flags, batch } => {
                let n = u32::from(n.min(MAX_ACQUIRE));
                if self.sqpoll_eventual() {
                    self.sync_pending();
                }
                let predicted =
                    if batch { self.model.batch_capacity(n) } else { n.min(self.model.space()) };
                let first = self.next_ud;
                let mk = |i: u32| Sub { ud: first + u64::from(i), kind, flags };
                let (mut sq, _, _) = self.t.parts();
                let mut wrote = 0;
                if batch {
                    let mut b = sq.acquire_batch(n);
                    while wrote < n && b.push(&mk(wrote).entry()).is_ok() {
                        wrote += 1;
                    }
                } else {
                    while wrote < n {
                        match sq.acquire() {
                            Ok(slot) => slot.write(&mk(wrote).entry()),
                            Err(_) => break,
                        }
                        wrote += 1;
                    }
                }
                for i in 0..wrote {
                    self.model.write(mk(i));
                }
                self.next_ud += u64::from(wrote);
                if self.sqpoll_eventual() {
                    // The thread may have consumed more meanwhile: never fewer slots.
                    if self.checks.state && wrote < predicted {
                        return Err(mismatch("SQEs written", predicted, wrote));
                    }
                    return Ok(None);
                }
                self.expect("SQEs written", predicted, wrote)?;
                Ok(Some(format!("wrote {wrote}")))
            }
            Op::Publish => {
                let got = self.t.parts().0.publish();
                let m = self.model.publish();
                self.expect("published", m, got)?;
                Ok(Some(format!("published {got}")))
            }
            Op::Submit => self.submit(0, false),
            Op::SubmitAndWait(k) => self.submit(k, true),
            Op::Wait(k) => self.wait(self.clamp_wait(k, false)),
            Op::Peek => {
                let got = self.t.parts().1.peek();
                if self.exact() {
                    self.expect("peek", self.model.peek(), got)?;
                }
                if let Some(c) = got {
                    self.peeked(c)?;
                }
                Ok(Some(format!("{:?}", got.map(|c| (c.user_data, c.res)))))
            }
            Op::Reap(max) => {
                let mut got = Vec::new();
                let n = self.t.parts().1.reap(u32::from(max), |c| got.push(c));
                if n as usize != got.len() {
                    return Err(mismatch("reap's count vs CQEs handed out", got.len(), n));
                }
                if self.exact() {
                    let m = self.model.reap(u32::from(max));
                    self.expect("reaped", ud_res(&m), ud_res(&got))?;
                }
                for &c in &got {
                    self.consumed(c)?;
                }
                Ok(Some(format!("{:?}", ud_res(&got))))
            }
            Op::Advance(n) => self.advance(u32::from(n)),
            Op::GetEvents => {
                let r =
                    self.t.parts().2.enter(Enter { flags: enter::GETEVENTS, ..Enter::default() });
                let m = self.model.enter(0, 0, enter::GETEVENTS);
                self.expect("get_events", m, r)?;
                Ok(Some(format!("{r:?}")))
            }
            Op::Flush => {
                let (_, mut cq, k) = self.t.parts();
                let r = cq.flush(k);
                let m = self.model.flush();
                if self.exact() {
                    self.expect("flush", m, r)?;
                } else if let Err(e) = r {
                    return Err(mismatch("flush", "Ok", e));
                }
                Ok(Some(format!("{r:?}")))
            }
            Op::Kernel(k) => self.kernel(k),
        }
    }

    fn submit(&mut self, k: u8, wait: bool) -> Result<Option<String>, Violation> {
        let k = if wait { self.clamp_wait(k, true) } else { 0 };
        let short = self.model.submit_would_be_short();
        let pending_before = self.model.pending() + self.model.unpublished();
        let ts = timespec(HANG);
        let (mut sq, _, kernel) = self.t.parts();
        let r = sq.submit_and_wait_with(kernel, k, Self::wait_arg(&ts));
        let m = self.model.submit(k);
        if r == Err(Errno::ETIME) {
            return Err(Violation::Hang(format!("submit_and_wait({k}) timed out")));
        }
        if self.sqpoll_eventual() {
            // ring-core submits what it finds pending; the thread may have taken some.
            match r {
                Ok(n) if n <= pending_before => {}
                _ if !self.checks.state => {}
                _ => {
                    return Err(mismatch("submit (SQPOLL)", format!("Ok(<= {pending_before})"), r))
                }
            }
        } else {
            self.expect("submit", m, r)?;
        }
        if !self.exact() && wait && !short && k != 0 {
            let ready = self.t.parts().1.ready();
            if ready < k.min(self.model.cq_entries()) {
                return Err(Violation::Hang(format!(
                    "submit_and_wait({k}) returned with {ready} ready"
                )));
            }
        }
        Ok((!self.sqpoll_eventual()).then(|| format!("{r:?}")))
    }

    fn wait(&mut self, k: u32) -> Result<Option<String>, Violation> {
        let ts = timespec(HANG);
        let (_, mut cq, kernel) = self.t.parts();
        let r = cq.wait_with(kernel, k, Self::wait_arg(&ts));
        let m = self.model.wait(k);
        if self.exact() {
            self.expect("wait", m, r)?;
            return Ok(Some(format!("{r:?}")));
        }
        match r {
            Ok(n) if n >= k.min(self.model.cq_entries()) => Ok(None),
            Err(Errno::ETIME) => Err(Violation::Hang(format!("wait({k}) timed out"))),
            _ => Err(mismatch("wait", format!("Ok(>= {k})"), r)),
        }
    }

    fn advance(&mut self, n: u32) -> Result<Option<String>, Violation> {
        // On a kernel that runs by itself more may arrive between the look and the release;
        // release only what was looked at, unless nothing can arrive.
        let settled = self.exact() || self.quiescent();
        let (_, mut cq, _) = self.t.parts();
        let seen: Vec<Cqe> = cq.batch().take(n as usize).collect();
        let n = if settled { n } else { n.min(seen.len() as u32) };
        let r: Result<(), AdvanceError> = cq.advance(n);
        if self.exact() {
            let m = self.model.advance(n).map(|_| ());
            self.expect("advance", m, r)?;
        } else if (n as usize <= seen.len()) != r.is_ok() {
            return Err(mismatch("advance", format!("{} of {} ready", n, seen.len()), r));
        }
        if r.is_ok() {
            for &c in &seen[..n as usize] {
                self.consumed(c)?;
            }
        }
        Ok(Some(format!("{r:?}")))
    }

    fn kernel(&mut self, k: KernelOp) -> Result<Option<String>, Violation> {
        if let Some(got) = self.t.kernel_step(k) {
            let m = self.model.kernel_step(k);
            self.expect("kernel step", m, got)?;
            return Ok(Some(format!("{got:?}")));
        }
        // A kernel that runs by itself: io-wq completing becomes a wait for one more
        // completion than is ready (if one must come); SQPOLL steps become a yield.
        match k {
            KernelOp::CompleteWorker(_) if self.model.ledger.floating() != 0 => {
                let ready = self.t.parts().1.ready();
                let k = (ready + 1).min(self.model.eventual_unread());
                self.wait(k)?;
            }
            _ => std::thread::yield_now(),
        }
        Ok(None)
    }

    /// SQPOLL on threads: learn from the pending count what the thread consumed.
    fn sync_pending(&mut self) {
        let p = self.t.parts().0.pending();
        self.model.observe_pending(p);
    }

    /// The checks after every step.
    fn check(&mut self) -> Step {
        if self.sqpoll_eventual() {
            let p1 = self.t.parts().0.pending();
            if !self.model.observe_pending(p1) && self.checks.state {
                return Err(mismatch("pending (SQPOLL)", self.model.pending(), p1));
            }
        }
        let (sq, mut cq, _) = self.t.parts();
        let unpublished = sq.unpublished();
        let flags = sq.flags();
        let space = sq.space_left();
        let pending = sq.pending();
        let ready = cq.ready();
        let overflow = cq.overflow();
        let dropped = sq.dropped();
        if self.sqpoll_eventual() {
            // pending only falls: this second reading is at most the first.
            self.model.observe_pending(pending);
        }
        let m = &self.model;
        if self.checks.state {
            if unpublished != m.unpublished() {
                return Err(mismatch("unpublished", m.unpublished(), unpublished));
            }
            if self.sqpoll_eventual() {
                // space was read before pending: space <= entries - unpublished - pending.
                let most = m.sq_entries().saturating_sub(unpublished + pending);
                if space > most {
                    return Err(mismatch("space_left (SQPOLL)", format!("<= {most}"), space));
                }
            } else {
                if pending != m.pending() {
                    return Err(mismatch("pending", m.pending(), pending));
                }
                if space != m.space() {
                    return Err(mismatch("space_left", m.space(), space));
                }
            }
            if overflow != 0 || dropped != 0 {
                return Err(mismatch("overflow/dropped counters", (0, 0), (overflow, dropped)));
            }
            if self.exact() {
                if ready != m.ready() {
                    return Err(mismatch("ready", m.ready(), ready));
                }
                if flags != m.flags() {
                    return Err(mismatch("SQ flags", m.flags(), flags));
                }
                if let Some(s) = self.t.sim_stats() {
                    if s.consumed != m.consumed() {
                        return Err(mismatch(
                            "SQEs consumed by the kernel",
                            m.consumed(),
                            s.consumed,
                        ));
                    }
                }
            } else {
                self.check_bounds(flags, ready)?;
            }
        }
        Ok(())
    }

    /// Eventual timing: what the CQ may show, given what the ledger expects.
    fn check_bounds(&self, flags: u32, ready: u32) -> Step {
        let m = &self.model;
        let cfg = m.cfg();
        if flags & sq_flags::NEED_WAKEUP != 0 && !cfg.sqpoll {
            return Err(mismatch("NEED_WAKEUP without SQPOLL", 0, flags));
        }
        if flags & sq_flags::TASKRUN != 0 && cfg.taskrun == crate::cfg::Taskrun::None {
            return Err(mismatch("TASKRUN without TASKRUN_FLAG", 0, flags));
        }
        if ready > m.cq_entries() {
            return Err(mismatch("ready <= CQ entries", m.cq_entries(), ready));
        }
        let most = m.possible_unread();
        if ready > most {
            return Err(mismatch("ready <= completions expected", most, ready));
        }
        if !cfg.sqpoll {
            let overflowed = flags & sq_flags::CQ_OVERFLOW != 0;
            // Without a backlog every inline completion posted is in the ring.
            if !overflowed && ready < m.ledger.inline_unread() {
                return Err(mismatch(
                    "ready >= inline completions posted (no CQ_OVERFLOW)",
                    m.ledger.inline_unread(),
                    ready,
                ));
            }
            // With a backlog something expected is not in the ring.
            if overflowed && ready >= most {
                return Err(mismatch("ready < completions expected (CQ_OVERFLOW)", most, ready));
            }
        }
        Ok(())
    }

    /// After the sequence: submit what is left, let the kernel finish, reap everything,
    /// under the same checks; then nothing may be outstanding.
    fn drain(&mut self) -> Result<(), Failure> {
        let t0 = Instant::now();
        let mut rounds = 0u32;
        loop {
            let op = self.next_drain_op();
            let Some(op) = op else { break };
            rounds += 1;
            if rounds > 10_000 || t0.elapsed() > HANG {
                let v = Violation::Hang(format!("the drain made no progress ({:?})", op));
                return Err(self.fail(None, Some(op), v));
            }
            if !self.exact() && rounds > 100 {
                // An SQPOLL thread or a worker that has not run yet: give it time.
                std::thread::sleep(Duration::from_micros(100));
            }
            self.step_drain(op).map_err(|v| self.fail(None, Some(op), v))?;
        }
        // Everything written was consumed and has completed, and nothing more shows up.
        let outstanding = self.model.ledger.unfinished();
        if self.checks.ledger && !outstanding.is_empty() {
            return Err(self.fail(None, None, Violation::Lost(outstanding)));
        }
        self.step_drain(Op::GetEvents).map_err(|v| self.fail(None, Some(Op::GetEvents), v))?;
        let (sq, mut cq, _) = self.t.parts();
        let (ready, flags) = (cq.ready(), sq.flags());
        let extra = cq.peek();
        if let Some(c) = extra {
            if self.checks.ledger {
                let v =
                    self.model.ledger.complete(c).err().map_or_else(
                        || Violation::Ledger(LedgerError::Unknown(c)),
                        Violation::Ledger,
                    );
                return Err(self.fail(None, None, v));
            }
        }
        if self.checks.state && (ready != 0 || flags & sq_flags::CQ_OVERFLOW != 0) {
            let overflow = flags & sq_flags::CQ_OVERFLOW != 0;
            let v = mismatch("drained ring: (ready, CQ_OVERFLOW)", (0, false), (ready, overflow));
            return Err(self.fail(None, None, v));
        }
        Ok(())
    }

    fn step_drain(&mut self, op: Op) -> Step {
        self.apply(op)?;
        self.report.steps_run += 1;
        self.check()
    }

    /// The next step that brings the ring closer to empty, or `None` when it is.
    fn next_drain_op(&mut self) -> Option<Op> {
        let m = &self.model;
        let sqpoll = m.cfg().sqpoll;
        if m.unpublished() != 0 {
            return Some(Op::Submit);
        }
        if m.pending() != 0 {
            if !sqpoll {
                return Some(Op::Submit);
            }
            if self.exact() {
                // Wake the thread if it sleeps (the submit does it), then let it poll.
                if m.sqpoll_asleep() && !m.sqpoll_woken() {
                    return Some(Op::Submit);
                }
                return Some(Op::Kernel(KernelOp::Consume));
            }
            // The thread consumes by itself; a submit wakes it if it sleeps.
            return Some(if !m.unkicked() && m.eventual_unread() > m.ledger.unread() {
                Op::Wait(1)
            } else {
                Op::Submit
            });
        }
        if self.exact() {
            if m.work() != 0 {
                return Some(Op::Kernel(KernelOp::CompleteWorker(0)));
            }
            if m.ready() != 0 {
                return Some(Op::Reap(u8::MAX));
            }
            if m.task_work() != 0 || m.backlog() != 0 {
                return Some(Op::GetEvents);
            }
            return None;
        }
        if m.ledger.unread() == 0 {
            return None;
        }
        let ready = self.t.parts().1.ready();
        if ready != 0 {
            return Some(Op::Reap(u8::MAX));
        }
        Some(Op::Wait(1))
    }
}

fn ud_res(c: &[Cqe]) -> Vec<(u64, i32)> {
    c.iter().map(|c| (c.user_data, c.res)).collect()
}

/// Reaps every ready CQE from `cq` (a helper for downstream drivers).
pub fn reap_all<B: ring_core::Backend>(cq: &mut CompletionQueue<'_, B>) -> Vec<Cqe> {
    let mut v = Vec::new();
    cq.reap(u32::MAX, |c| v.push(c));
    v
}
