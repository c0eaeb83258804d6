//! [`Model`]: the reference model of one ring: the user's SQ and CQ counters, and a mirror
//! of the kernel's queues written from Linux 6.18's rules (../shared/reference/protocol.md),
//! not from ring-core's code.
//!
//! Two timings:
//! - [`Timing::Exact`] (the simulator's step mode): every kernel action is a step the
//!   sequence chose, so the model predicts everything: return values, SQ space and pending
//!   count, the CQEs in the ring and in the overflow backlog, task work, the SQ flags.
//! - [`Timing::Eventual`] (the simulator's threads, the real kernel): io-wq completions (and,
//!   with SQPOLL, consumption) happen whenever the kernel gets to them. The model still
//!   predicts the user-side counters, inline consumption and every return value that does
//!   not depend on timing; what it cannot predict it bounds, and the [`Ledger`] checks every
//!   CQE that arrives.

use std::collections::VecDeque;

use ring_core::abi::{enter, sq_flags, Cqe};
use ring_core::{AdvanceError, Errno};
use ring_kernel_sim::StepOutcome;

use crate::cfg::{RingCfg, Taskrun};
use crate::ledger::Ledger;
use crate::op::{KernelOp, Sub};

/// How much of the kernel's timing the model knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// Every kernel action is an explicit step: the model predicts everything.
    Exact,
    /// The kernel runs by itself: the model predicts what does not depend on timing.
    Eventual,
}

/// What ring-core should decide before entering (the enter decision of protocol.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Whether to enter at all.
    pub needed: bool,
    /// Entries to submit.
    pub to_submit: u32,
    /// `IORING_ENTER_*` flags.
    pub flags: u32,
}

/// The reference model.
#[derive(Clone, Debug)]
pub struct Model {
    cfg: RingCfg,
    timing: Timing,
    sq: u32,
    cq: u32,
    /// The local SQ tail (free-running, from the ring's start value).
    tail: u32,
    unpublished: VecDeque<Sub>,
    pending: VecDeque<Sub>,
    /// Leading pending entries whose completion the user already saw (SQPOLL on threads:
    /// the kernel posts a batch's CQEs before it releases the SQ head).
    seen_pending: usize,
    /// SQPOLL: entries were published since the last submit, which did the wakeup check; a
    /// sleeping thread may not see them until the next submit.
    unkicked: bool,
    // The kernel mirror (exact timing only).
    ring: VecDeque<Cqe>,
    backlog: VecDeque<Cqe>,
    work: VecDeque<Sub>,
    task_work: VecDeque<Cqe>,
    sleeping: bool,
    wake: bool,
    consumed: u64,
    /// Exactly-once accounting (every timing).
    pub ledger: Ledger,
}

fn cqe_of(s: Sub) -> Cqe {
    Cqe { user_data: s.ud, res: s.kind.result(), flags: 0 }
}

impl Model {
    /// A model of a fresh ring of configuration `cfg`.
    pub fn new(cfg: RingCfg, timing: Timing) -> Self {
        Model {
            cfg,
            timing,
            sq: cfg.entries.next_power_of_two(),
            cq: cfg.cq().next_power_of_two(),
            tail: cfg.start,
            unpublished: VecDeque::new(),
            pending: VecDeque::new(),
            seen_pending: 0,
            unkicked: false,
            ring: VecDeque::new(),
            backlog: VecDeque::new(),
            work: VecDeque::new(),
            task_work: VecDeque::new(),
            sleeping: false,
            wake: false,
            consumed: 0,
            ledger: Ledger::new(),
        }
    }

    /// The configuration.
    pub fn cfg(&self) -> &RingCfg {
        &self.cfg
    }

    /// The timing.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// Whether the model is exact.
    pub fn exact(&self) -> bool {
        self.timing == Timing::Exact
    }

    /// SQ entries.
    pub fn sq_entries(&self) -> u32 {
        self.sq
    }

    /// CQ entries.
    pub fn cq_entries(&self) -> u32 {
        self.cq
    }

    // ---- SQ: the user's counters ----

    /// Free SQ slots: entries − (local tail − kernel head).
    pub fn space(&self) -> u32 {
        // Saturating: a faulty ring-core may have written more than fits (the driver reports it).
        self.sq.saturating_sub(self.unpublished() + self.pending())
    }

    /// Published, not consumed.
    pub fn pending(&self) -> u32 {
        self.pending.len() as u32
    }

    /// Written, not published.
    pub fn unpublished(&self) -> u32 {
        self.unpublished.len() as u32
    }

    /// How many of `n` entries one `acquire_batch(n)` can take: free slots, up to the wrap.
    pub fn batch_capacity(&self, n: u32) -> u32 {
        let to_wrap = self.sq - (self.tail & (self.sq - 1));
        n.min(self.space()).min(to_wrap)
    }

    /// `sub` was written into the next slot.
    pub fn write(&mut self, sub: Sub) {
        self.unpublished.push_back(sub);
        self.tail = self.tail.wrapping_add(1);
        self.ledger.queued(sub);
    }

    /// Publishes; returns how many entries were newly published.
    pub fn publish(&mut self) -> u32 {
        let n = self.unpublished();
        if n != 0 {
            self.unkicked = true;
        }
        self.pending.extend(self.unpublished.drain(..));
        n
    }

    // ---- the kernel mirror ----

    /// The SQ flags word the user should see (exact timing).
    pub fn flags(&self) -> u32 {
        let mut f = 0;
        if self.cfg.sqpoll && self.sleeping {
            f |= sq_flags::NEED_WAKEUP;
        }
        if !self.backlog.is_empty() {
            f |= sq_flags::CQ_OVERFLOW;
        }
        if self.cfg.taskrun != Taskrun::None && !self.task_work.is_empty() {
            f |= sq_flags::TASKRUN;
        }
        f
    }

    /// Completions visible in the CQ ring (exact timing).
    pub fn ready(&self) -> u32 {
        self.ring.len() as u32
    }

    /// Completions parked in the overflow backlog (exact timing).
    pub fn backlog(&self) -> u32 {
        self.backlog.len() as u32
    }

    /// Jobs queued on io-wq (exact timing).
    pub fn work(&self) -> u32 {
        self.work.len() as u32
    }

    /// Completions held as task work (exact timing).
    pub fn task_work(&self) -> u32 {
        self.task_work.len() as u32
    }

    /// Entries the kernel has consumed.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    fn post(&mut self, c: Cqe) {
        if self.backlog.is_empty() && (self.ring.len() as u32) < self.cq {
            self.ring.push_back(c);
        } else {
            // CQ full, or older completions parked: the backlog keeps the order.
            self.backlog.push_back(c);
        }
    }

    /// An io-wq completion: skipped on success with `CQE_SKIP_SUCCESS`, task work on
    /// DEFER_TASKRUN rings, posted directly by the worker otherwise (COOP_TASKRUN too, as in
    /// 6.18: only task-work completions wait for a COOP task).
    fn complete_async(&mut self, s: Sub) {
        if !s.posts_cqe() {
            return;
        }
        if self.cfg.taskrun == Taskrun::Defer {
            self.task_work.push_back(cqe_of(s));
        } else {
            self.post(cqe_of(s));
        }
    }

    fn run_task_work(&mut self) {
        while let Some(c) = self.task_work.pop_front() {
            self.post(c);
        }
    }

    fn flush_backlog(&mut self) {
        while (self.ring.len() as u32) < self.cq {
            let Some(c) = self.backlog.pop_front() else { break };
            self.ring.push_back(c);
        }
    }

    /// `io_submit_sqes`: consumes up to `max` pending entries (at most one ring's worth and
    /// the short-submit limit); an entry that fails to initialise ends the batch. Inline
    /// completions are posted in order after the batch. Returns how many were submitted.
    fn consume(&mut self, max: u32) -> u32 {
        let mut n = max.min(self.pending()).min(self.sq);
        if let Some(l) = self.cfg.short_submit {
            n = n.min(l);
        }
        let mut inline = Vec::new();
        let mut submitted = 0;
        while submitted < n {
            let Some(s) = self.pending.pop_front() else { break };
            submitted += 1;
            self.consumed += 1;
            if self.seen_pending > 0 {
                // Already accounted for when its completion showed up.
                self.seen_pending -= 1;
            } else {
                self.ledger.consumed(s);
            }
            if s.kind.fails_init() {
                inline.push(cqe_of(s));
                break;
            }
            if s.is_async() {
                if self.exact() {
                    self.work.push_back(s);
                }
            } else if s.posts_cqe() {
                inline.push(cqe_of(s));
            }
        }
        if self.exact() {
            for c in inline {
                self.post(c);
            }
        }
        submitted
    }

    /// With SQPOLL on a kernel that runs by itself: the user observed `pending` entries
    /// still pending, so the thread consumed the rest, in order. Returns false if the
    /// observation is impossible (more pending than published).
    pub fn observe_pending(&mut self, pending: u32) -> bool {
        if pending > self.pending() {
            return false;
        }
        while self.pending() > pending {
            self.consume(1);
        }
        true
    }

    /// With SQPOLL on a kernel that runs by itself: a CQE arrived for `ud`; if it is still
    /// pending in the model, the thread consumed it and everything before it (the SQ head
    /// may not show it yet: the kernel releases the head after posting the batch's CQEs).
    pub fn observe_completion_of(&mut self, ud: u64) {
        if !(self.cfg.sqpoll && self.timing == Timing::Eventual) {
            return;
        }
        if let Some(i) = self.pending.iter().position(|s| s.ud == ud) {
            for j in self.seen_pending..=i {
                let s = self.pending[j];
                self.ledger.consumed(s);
            }
            self.seen_pending = self.seen_pending.max(i + 1);
        }
    }

    /// The GETEVENTS part of enter: task work, backlog flush, then whether
    /// `min(min_complete, cq)` completions are visible; in step mode a wait that would block
    /// answers EAGAIN. On kernels that run by themselves the driver only waits for what will
    /// arrive, so the wait succeeds.
    fn get_events(&mut self, min_complete: u32) -> Result<(), Errno> {
        if !self.exact() {
            return Ok(());
        }
        self.run_task_work();
        self.flush_backlog();
        if self.ready() >= min_complete.min(self.cq) {
            Ok(())
        } else {
            Err(Errno::EAGAIN)
        }
    }

    /// `io_uring_enter(to_submit, min_complete, flags)`.
    pub fn enter(&mut self, to_submit: u32, min_complete: u32, flags: u32) -> Result<u32, Errno> {
        let mut submitted = 0;
        if self.cfg.sqpoll {
            // A wakeup reaches only a sleeping thread; one sent to an awake thread is lost,
            // as in Linux (and the simulator).
            if flags & enter::SQ_WAKEUP != 0 && self.sleeping {
                self.wake = true;
            }
            submitted = to_submit;
        } else if to_submit != 0 {
            submitted = self.consume(to_submit);
            if submitted != to_submit {
                // A short submit returns at once, even with GETEVENTS.
                self.run_coop();
                return Ok(submitted);
            }
        }
        self.run_coop();
        if flags & enter::GETEVENTS != 0 {
            if let Err(e) = self.get_events(min_complete) {
                // A wait error is reported only when nothing was submitted.
                if submitted == 0 {
                    return Err(e);
                }
            }
        }
        Ok(submitted)
    }

    fn run_coop(&mut self) {
        if self.exact() && self.cfg.taskrun == Taskrun::Coop {
            self.run_task_work();
        }
    }

    fn parked(&self) -> bool {
        self.flags() & (sq_flags::CQ_OVERFLOW | sq_flags::TASKRUN) != 0
    }

    // ---- the user side's operations ----

    /// The enter decision for a caller waiting for `wait_nr` completions: SQ side (pending
    /// work, or NEED_WAKEUP under SQPOLL) and CQ side (a wait, or parked completions), both
    /// evaluated. Publishes first.
    pub fn plan(&mut self, wait_nr: u32) -> Plan {
        self.publish();
        let to_submit = self.pending();
        let mut needed = false;
        let mut flags = 0;
        if self.cfg.sqpoll {
            if to_submit != 0 && self.flags() & sq_flags::NEED_WAKEUP != 0 {
                flags |= enter::SQ_WAKEUP;
                needed = true;
            }
        } else if to_submit != 0 {
            needed = true;
        }
        if wait_nr != 0 || self.parked() {
            flags |= enter::GETEVENTS;
            needed = true;
        }
        Plan { needed, to_submit, flags }
    }

    /// `submit_and_wait(wait_nr)` (`submit` is `wait_nr` 0).
    pub fn submit(&mut self, wait_nr: u32) -> Result<u32, Errno> {
        let r = self.submit_inner(wait_nr);
        // The submit checked NEED_WAKEUP after publishing (and woke the thread if needed).
        self.unkicked = false;
        r
    }

    fn submit_inner(&mut self, wait_nr: u32) -> Result<u32, Errno> {
        if !self.exact() {
            // The parked-completion flags are not known; whether ring-core enters or not,
            // the result is what the kernel consumes (nothing if nothing is pending).
            self.publish();
            let to_submit = self.pending();
            if self.cfg.sqpoll {
                return Ok(to_submit);
            }
            return self.enter(to_submit, wait_nr, enter::GETEVENTS);
        }
        let plan = self.plan(wait_nr);
        if !plan.needed {
            return Ok(plan.to_submit);
        }
        self.enter(plan.to_submit, wait_nr, plan.flags)
    }

    /// Whether a submit now would be short (consume fewer than are pending after publish):
    /// a short submit returns without waiting.
    pub fn submit_would_be_short(&self) -> bool {
        if self.cfg.sqpoll {
            return false;
        }
        let queued: Vec<Sub> =
            self.pending.iter().chain(self.unpublished.iter()).copied().collect();
        let mut n = (queued.len() as u32).min(self.sq);
        if let Some(l) = self.cfg.short_submit {
            n = n.min(l);
        }
        let stop = queued.iter().take(n as usize).position(|s| s.kind.fails_init());
        let consumed = stop.map_or(n, |i| i as u32 + 1);
        consumed != queued.len() as u32
    }

    /// Every CQE still to come once the kernel has done all it will do without more
    /// submissions: inline completions not consumed, io-wq ones expected, and (with
    /// SQPOLL, whose thread consumes whatever was pending at the last submit) those of
    /// pending entries. Entries only published since may wait for a thread nobody woke.
    pub fn eventual_unread(&self) -> u32 {
        let mut n = self.ledger.unread();
        if self.cfg.sqpoll && !self.unkicked {
            n += self.pending_cqes();
        }
        n
    }

    /// The most CQEs that may be visible or parked now: [`eventual_unread`] plus, with
    /// SQPOLL, those of every pending entry (an awake thread consumes unasked).
    ///
    /// [`eventual_unread`]: Self::eventual_unread
    pub fn possible_unread(&self) -> u32 {
        let mut n = self.ledger.unread();
        if self.cfg.sqpoll {
            n += self.pending_cqes();
        }
        n
    }

    fn pending_cqes(&self) -> u32 {
        self.pending.iter().skip(self.seen_pending).filter(|s| s.posts_cqe()).count() as u32
    }

    /// SQPOLL: whether entries were published since the last submit's wakeup check.
    pub fn unkicked(&self) -> bool {
        self.unkicked
    }

    /// [`eventual_unread`](Self::eventual_unread) after a submit now: plus the CQEs of the
    /// entries it will consume.
    pub fn eventual_after_submit(&self) -> u32 {
        let queued: Vec<Sub> = self
            .pending
            .iter()
            .skip(self.seen_pending)
            .chain(self.unpublished.iter())
            .copied()
            .collect();
        let mut n = (queued.len() as u32).min(self.sq);
        if self.cfg.sqpoll {
            n = queued.len() as u32;
        } else if let Some(l) = self.cfg.short_submit {
            n = n.min(l);
        }
        let mut extra = 0;
        for s in queued.iter().take(n as usize) {
            if s.posts_cqe() {
                extra += 1;
            }
            if s.kind.fails_init() && !self.cfg.sqpoll {
                break;
            }
        }
        self.ledger.unread() + extra
    }

    /// `CompletionQueue::wait(n)`: enters only if fewer than `n` are ready or completions
    /// are parked; a timeout with completions visible is not an error.
    pub fn wait(&mut self, n: u32) -> Result<u32, Errno> {
        if self.exact() && self.ready() >= n && !self.parked() {
            return Ok(self.ready());
        }
        let r = self.enter(0, n, enter::GETEVENTS);
        match r {
            Ok(_) => Ok(self.ready()),
            Err(e) => Err(e),
        }
    }

    /// `CompletionQueue::flush`: enter with GETEVENTS if completions are parked.
    pub fn flush(&mut self) -> Result<u32, Errno> {
        if self.parked() {
            self.enter(0, 0, enter::GETEVENTS)?;
        }
        Ok(self.ready())
    }

    /// `peek` (exact timing).
    pub fn peek(&self) -> Option<Cqe> {
        self.ring.front().copied()
    }

    /// `reap(max)` (exact timing): the CQEs consumed.
    pub fn reap(&mut self, max: u32) -> Vec<Cqe> {
        let n = max.min(self.ready()) as usize;
        self.ring.drain(..n).collect()
    }

    /// `advance(n)` (exact timing): the CQEs released, or the error.
    pub fn advance(&mut self, n: u32) -> Result<Vec<Cqe>, AdvanceError> {
        if n > self.ready() {
            return Err(AdvanceError { requested: n, ready: self.ready() });
        }
        Ok(self.ring.drain(..n as usize).collect())
    }

    /// A kernel step (exact timing): what the simulator's step should report.
    pub fn kernel_step(&mut self, k: KernelOp) -> StepOutcome {
        match k {
            KernelOp::Consume | KernelOp::Sleep if !self.cfg.sqpoll => StepOutcome::Idle,
            KernelOp::Consume => {
                if self.sleeping {
                    if !self.wake {
                        return StepOutcome::Asleep;
                    }
                    self.sleeping = false;
                    self.wake = false;
                }
                let before = self.pending();
                self.consume(self.sq);
                StepOutcome::Consumed(before - self.pending())
            }
            KernelOp::Sleep => {
                if self.sleeping {
                    return StepOutcome::Asleep;
                }
                if self.pending() != 0 {
                    return StepOutcome::Busy;
                }
                self.sleeping = true;
                StepOutcome::Asleep
            }
            KernelOp::CompleteWorker(i) => {
                if self.work.is_empty() {
                    return StepOutcome::Idle;
                }
                let i = usize::from(i) % self.work.len();
                let Some(s) = self.work.remove(i) else { return StepOutcome::Idle };
                self.complete_async(s);
                StepOutcome::Completed(s.ud)
            }
        }
    }

    /// Whether the kernel has work the user has not seen the end of (exact timing): pending
    /// or unpublished entries, io-wq jobs, task work, backlog, or unread CQEs.
    pub fn busy(&self) -> bool {
        !(self.unpublished.is_empty()
            && self.pending.is_empty()
            && self.work.is_empty()
            && self.task_work.is_empty()
            && self.backlog.is_empty()
            && self.ring.is_empty()
            && self.ledger.unread() == 0)
    }

    /// Whether the SQPOLL thread sleeps (exact timing).
    pub fn sqpoll_asleep(&self) -> bool {
        self.sleeping
    }

    /// Whether a wakeup was requested that the thread has not acted on yet (exact timing).
    pub fn sqpoll_woken(&self) -> bool {
        self.wake
    }
}
