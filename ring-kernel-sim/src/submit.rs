//! SQE consumption: what `io_submit_sqes` does, inline at enter or on the SQPOLL thread.
//!
//! Acquire the SQ tail; take at most one ring's worth; read the index array (a bad index is
//! counted in `dropped`, consumed, and ends the batch); copy each SQE, initialise it and
//! issue it; stop at the first SQE that fails to initialise (it still completes with an
//! error and counts) unless SUBMIT_ALL or it is linked; post the batch's inline
//! completions; then release the SQ head once.
//!
//! Links, as 6.18 assembles and runs them (docs/sim-sqe-semantics.md):
//! - an SQE with IO_LINK or IO_HARDLINK opens a chain or extends the open one; the first
//!   SQE without either closes it. A chain never spans two batches: one still open when the
//!   batch ends is punted to io-wq as it stands.
//! - an SQE that fails to initialise inside a chain does not end the batch; it marks the
//!   chain's head failed (-ECANCELED, unless the head is the failing SQE) and the chain is
//!   assembled to its end, then failed as a whole: the head with its result, every other
//!   member with -ECANCELED, or its own error if it is the one that failed.
//! - a running chain issues its members one after another, each when the previous one has
//!   completed (from task work, or on the io-wq worker that ran the previous one). A member
//!   that fails (a negative result, or a failed lookup) cancels the rest with -ECANCELED
//!   unless it has IO_HARDLINK.
//! - a failed request posts its CQE even with CQE_SKIP_SUCCESS; if it had that flag, the
//!   members it cancels post no CQE at all. Members cancelled by a request without it post
//!   theirs, whether or not they asked to skip.

use std::collections::VecDeque;

use ring_core::abi::{op, setup, sqe_flags, Cqe, Sqe};
use ring_core::Errno;

use crate::config::Mode;
use crate::mutation::KSite;
use crate::ring::{Chain, Job, SimRing, SubmitState};
use crate::sync::lock;

/// The opcode of the simulator's "held" operation: it completes only when the scenario
/// releases it ([`SimRing::release_held`]). Outside the 6.18 opcode range.
pub const SIM_OP_HELD: u8 = 0xF0;

/// Every `IOSQE_*` bit 6.18 knows.
const KNOWN_SQE_FLAGS: u8 = 0x7f;

/// `IORING_NOP_*` bits of 6.18 (ring-core's), and everything `io_nop_prep` accepts.
mod nop {
    pub(super) use ring_core::abi::nop_flags::*;
    pub(super) const KNOWN: u32 = INJECT_RESULT | FILE | FIXED_FILE | FIXED_BUFFER | TW | CQE32;
}

/// What an initialised request does when it is issued.
#[derive(Clone, Copy, Debug)]
enum Exec {
    /// A NOP: its result, whether it fails despite that result (a failed lookup), whether
    /// it completes through task work, and the extra words of its 32-byte CQE (CQE32 flag).
    Nop { res: i32, fail: bool, tw: bool, big: Option<[u64; 2]> },
    /// The simulator's held operation.
    Held,
    /// A 6.18 opcode the simulator does not perform: it fails with EOPNOTSUPP at issue.
    Unsupported,
}

/// One initialised request (`io_kiocb` as far as the simulator needs it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Req {
    user_data: u64,
    exec: Exec,
    /// CQE_SKIP_SUCCESS (cleared when the request is marked failed).
    skip: bool,
    /// IO_LINK or IO_HARDLINK: the next SQE joins this one's chain.
    link: bool,
    /// IO_HARDLINK: a failure of this one does not cancel the rest.
    hard: bool,
    /// IOSQE_ASYNC.
    force_async: bool,
    /// Marked failed at submission (its own initialisation error, or -ECANCELED as the head
    /// of a chain with a failing member): the result it completes with.
    failed: Option<i32>,
    /// It was marked failed while it had CQE_SKIP_SUCCESS: the members it cancels post no
    /// CQE (`REQ_F_SKIP_LINK_CQES`).
    quiet_links: bool,
}

impl Req {
    /// `req_fail_link_node`: failed with `res`; a failed request always posts its CQE.
    fn mark_failed(&mut self, res: i32) {
        self.failed = Some(res);
        if self.skip {
            self.skip = false;
            self.quiet_links = true;
        }
    }

    fn job(&self, res: i32, fail: bool, task_work: bool) -> Job {
        Job {
            cqe: Cqe { user_data: self.user_data, res, flags: 0 },
            big: None,
            skip_success: self.skip,
            task_work,
            fail,
            chain: None,
        }
    }
}

/// Work left for after the batch's inline completions are posted (task work, in Linux).
enum After {
    /// A request completing through task work (and then its chain's next member).
    Finish(Job),
    /// A chain whose in-flight member completed inline: run its next member.
    Continue(Job),
    /// The followers of a chain failed at submission: `quiet` when they post no CQE.
    Cancel { rest: VecDeque<Req>, quiet: bool },
}

/// The outcome of one submission batch.
#[derive(Debug)]
pub(crate) struct Batch {
    /// SQEs submitted (the enter return value): dropped indices not counted.
    pub(crate) submitted: u32,
    /// SQEs consumed (the head moved by this much).
    pub(crate) consumed: u32,
}

/// A batch's completions in the making.
#[derive(Default)]
struct Out {
    /// Posted with the batch, in order.
    inline: Vec<Job>,
    /// Run after the batch's completions are posted, in order.
    after: Vec<After>,
}

impl SimRing {
    /// `io_init_req` and the opcode's prep: what the SQE does, or why it fails.
    fn prep(&self, st: &mut SubmitState, sqe: &Sqe) -> Result<Exec, Errno> {
        if sqe.opcode >= op::LAST && sqe.opcode != SIM_OP_HELD {
            return Err(Errno::EINVAL);
        }
        if sqe.flags & !KNOWN_SQE_FLAGS != 0 {
            return Err(Errno::EINVAL);
        }
        if sqe.flags & sqe_flags::BUFFER_SELECT != 0
            && !ring_core::abi::BUFFER_SELECT_OPS.contains(&sqe.opcode)
        {
            return Err(Errno::EOPNOTSUPP);
        }
        if sqe.flags & sqe_flags::CQE_SKIP_SUCCESS != 0 {
            st.drain_disabled = true;
        }
        if sqe.flags & sqe_flags::IO_DRAIN != 0 && st.drain_disabled {
            return Err(Errno::EOPNOTSUPP);
        }
        match sqe.opcode {
            op::NOP | SIM_OP_HELD if sqe.ioprio != 0 => return Err(Errno::EINVAL),
            // No personality is ever registered on a simulated ring.
            _ if sqe.personality != 0 => return Err(Errno::EINVAL),
            _ => {}
        }
        match sqe.opcode {
            op::NOP => {
                let f = sqe.op_flags;
                let wide = setup::CQE32 | setup::CQE_MIXED;
                if f & !nop::KNOWN != 0 || (f & nop::CQE32 != 0 && self.flags & wide == 0) {
                    return Err(Errno::EINVAL);
                }
                // `io_nop_prep`: the extra words are the SQE's `off` and `addr`.
                let big = (f & nop::CQE32 != 0).then_some([sqe.off, sqe.addr]);
                let res = if f & nop::INJECT_RESULT != 0 { sqe.len as i32 } else { 0 };
                // The simulated task has no open files and the ring no registered files or
                // buffers, so a FILE or FIXED_BUFFER lookup always fails. The CQE keeps the
                // NOP's result; the request is failed all the same.
                let fail = res < 0 || f & (nop::FILE | nop::FIXED_BUFFER) != 0;
                Ok(Exec::Nop { res, fail, tw: f & nop::TW != 0, big })
            }
            SIM_OP_HELD => Ok(Exec::Held),
            _ => Ok(Exec::Unsupported),
        }
    }

    fn init(&self, st: &mut SubmitState, sqe: &Sqe) -> Req {
        let f = sqe.flags;
        let mut req = Req {
            user_data: sqe.user_data,
            exec: Exec::Unsupported,
            skip: f & sqe_flags::CQE_SKIP_SUCCESS != 0,
            link: f & (sqe_flags::IO_LINK | sqe_flags::IO_HARDLINK) != 0,
            hard: f & sqe_flags::IO_HARDLINK != 0,
            force_async: f & sqe_flags::ASYNC != 0,
            failed: None,
            quiet_links: false,
        };
        match self.prep(st, sqe) {
            Ok(exec) => req.exec = exec,
            Err(e) => req.mark_failed(-e.0),
        }
        req
    }

    /// Queues a closed chain (or a lone request): `punt` when it goes the slow way
    /// (`io_queue_sqe_fallback`) whatever its flags.
    fn queue(&self, mut chain: VecDeque<Req>, punt: bool, out: &mut Out) {
        let Some(head) = chain.pop_front() else { return };
        if let Some(res) = head.failed {
            // Failed at submission: the head completes with its result, the rest is failed
            // from task work (hard links are not honoured: nothing ran).
            out.inline.push(Job { skip_success: false, ..head.job(res, true, false) });
            if !chain.is_empty() {
                out.after.push(After::Cancel { rest: chain, quiet: head.quiet_links });
            }
            return;
        }
        let chain = self.park(head.hard, chain);
        match head.exec {
            Exec::Held => self.hold(head, chain),
            _ if punt || head.force_async => {
                let (res, fail, tw) = outcome(head.exec);
                let job = Job { chain, big: extra_words(head.exec), ..head.job(res, fail, tw) };
                if self.workers == 0 && self.mode == Mode::Threads {
                    // No io-wq threads: the work completes at submission, as task work would.
                    self.complete_inline(job, out);
                } else {
                    lock(&self.work).jobs.push_back(job);
                    self.work_cv.notify_one();
                }
            }
            exec => {
                let (res, fail, tw) = outcome(exec);
                let job = Job { chain, big: extra_words(exec), ..head.job(res, fail, tw) };
                if tw {
                    out.after.push(After::Finish(job));
                } else {
                    self.complete_inline(job, out);
                }
            }
        }
    }

    fn complete_inline(&self, job: Job, out: &mut Out) {
        out.inline.push(job);
        if job.chain.is_some() {
            out.after.push(After::Continue(job));
        }
    }

    fn hold(&self, req: Req, chain: Option<u32>) {
        let job = Job { chain, ..req.job(0, false, true) };
        lock(&self.work).held.push(job);
    }

    /// Stores the members after the one in flight; `None` when there are none.
    fn park(&self, hard: bool, rest: VecDeque<Req>) -> Option<u32> {
        if rest.is_empty() {
            return None;
        }
        let mut w = lock(&self.work);
        let id = w.next_chain;
        w.next_chain = id.wrapping_add(1);
        w.chains.insert(id, Chain { hard, rest });
        Some(id)
    }

    /// A request ended outside the submission batch (io-wq, task work, a released held
    /// operation): post its CQE, then run the rest of its chain. `on_worker` when an io-wq
    /// worker ran it: the worker goes on with the next member (`io_wq_free_work`);
    /// otherwise the next member is issued from task work.
    pub(crate) fn finish(&self, job: Job, on_worker: bool) {
        let failed = job.fail || job.cqe.res < 0;
        self.complete_async(Job { skip_success: job.skip_success && !failed, ..job });
        // A request completing through task work frees its link there: the rest goes on
        // from task work, behind its CQE.
        self.continue_chain(job, on_worker && !job.task_work);
    }

    fn continue_chain(&self, job: Job, on_worker: bool) {
        let Some(id) = job.chain else { return };
        let Some(chain) = lock(&self.work).chains.remove(&id) else { return };
        let failed = job.fail || job.cqe.res < 0;
        if failed && !chain.hard {
            self.cancel(chain.rest, job.skip_success);
        } else {
            self.run_rest(chain.rest, on_worker);
        }
    }

    /// Issues a chain's members in order until one goes asynchronous or fails.
    fn run_rest(&self, mut rest: VecDeque<Req>, mut on_worker: bool) {
        while let Some(req) = rest.pop_front() {
            if let Exec::Held = req.exec {
                let chain = self.park(req.hard, rest);
                self.hold(req, chain);
                return;
            }
            let (res, fail, tw) = outcome(req.exec);
            if req.force_async && !on_worker && !(self.workers == 0 && self.mode == Mode::Threads) {
                let chain = self.park(req.hard, rest);
                let job = Job { chain, big: extra_words(req.exec), ..req.job(res, fail, tw) };
                lock(&self.work).jobs.push_back(job);
                self.work_cv.notify_one();
                return;
            }
            let failed = fail || res < 0;
            let job = Job { big: extra_words(req.exec), ..req.job(res, fail, tw || !on_worker) };
            self.complete_async(Job { skip_success: req.skip && !failed, ..job });
            // After a task-work completion the chain goes on from task work.
            on_worker &= !tw;
            if failed && !req.hard {
                self.cancel(rest, req.skip);
                return;
            }
        }
    }

    /// Completes cancelled members (from task work): each with -ECANCELED, or its own
    /// error if it failed at submission; none posts a CQE when `quiet`.
    fn cancel(&self, rest: VecDeque<Req>, quiet: bool) {
        if quiet {
            lock(&self.cq).stats.skipped += rest.len() as u64;
            return;
        }
        for req in rest {
            let res = req.failed.unwrap_or(-Errno::ECANCELED.0);
            self.complete_async(Job { skip_success: false, ..req.job(res, true, true) });
        }
    }

    /// Consumes up to `max` SQEs. Called with the uring lock held (`st`).
    pub(crate) fn submit_sqes(&self, st: &mut SubmitState, max: u32) -> Batch {
        // ORDERING: Acquire pairs with the user's Release store of the SQ tail (ring-core
        // site SqTailPublish): the SQE and array writes below the tail are visible.
        let tail = self.mem.sq_tail.kload(KSite::SqTailAcquire);
        let entries = self.geo.sq_entries;
        let available = tail.wrapping_sub(st.head).min(entries);
        let faults = self.faults();
        let mut n = available.min(max);
        if let Some(limit) = faults.short_submit {
            n = n.min(limit);
        }
        let mask = entries - 1;
        let submit_all = self.has(setup::SUBMIT_ALL);
        let mut out = Out::default();
        // The open link chain (`submit_state.link`), head first.
        let mut link: VecDeque<Req> = VecDeque::new();
        let mut submitted = 0;
        let mut consumed = 0;
        while consumed < n {
            let pos = st.head.wrapping_add(consumed);
            consumed += 1;
            let idx = match &self.mem.array {
                Some(array) => array[(pos & mask) as usize].read(),
                None => pos & mask,
            };
            if idx >= entries {
                // A bad index: consumed, counted, not submitted; it ends the batch.
                let d = self.mem.sq_dropped.kload(KSite::KernelOwnLoad);
                self.mem.sq_dropped.kstore(d.wrapping_add(1), KSite::CounterStore);
                lock(&self.cq).stats.dropped += 1;
                break;
            }
            let sqe = self.mem.sqes[(idx << self.mem.sq_shift) as usize].read();
            submitted += 1;
            let req = self.init(st, &sqe);
            if req.failed.is_some() {
                // `io_submit_fail_init`: fail the open chain's head, keep assembling a
                // linked one; an unlinked failure closes the chain and ends the batch.
                if let Some(head) = link.front_mut() {
                    if head.failed.is_none() {
                        head.mark_failed(-Errno::ECANCELED.0);
                    }
                }
                link.push_back(req);
                if req.link {
                    continue;
                }
                self.queue(std::mem::take(&mut link), true, &mut out);
                if !submit_all {
                    break;
                }
                continue;
            }
            link.push_back(req);
            if req.link {
                continue;
            }
            self.queue(std::mem::take(&mut link), false, &mut out);
        }
        // A chain still open at the end of the batch goes the slow way as it stands.
        self.queue(link, true, &mut out);
        // Inline completions are posted before the head is released (as Linux does).
        let mut posted = Vec::with_capacity(out.inline.len());
        let mut skipped = 0;
        for job in &out.inline {
            if job.skip_success && !job.fail && job.cqe.res >= 0 {
                skipped += 1;
            } else {
                posted.push(job.completion());
            }
        }
        if skipped != 0 || consumed != 0 {
            let mut cq = lock(&self.cq);
            cq.stats.skipped += skipped;
            cq.stats.consumed += u64::from(consumed);
        }
        self.post_section(&posted);
        for after in out.after {
            match after {
                After::Finish(job) => self.finish(job, false),
                After::Continue(job) => self.continue_chain(job, false),
                After::Cancel { rest, quiet } => self.cancel(rest, quiet),
            }
        }
        if consumed != 0 {
            st.head = st.head.wrapping_add(consumed);
            // ORDERING: Release publishes "the kernel is done reading these SQEs"; pairs with
            // the user's Acquire load of the SQ head before reusing a slot (ring-core site
            // SqHeadAcquire).
            self.mem.sq_head.kstore(st.head, KSite::SqHeadRelease);
            // SQ space appeared: wake SQ_WAIT waiters. They check the head under the SQPOLL
            // mutex, so take it before notifying: a waiter between its check and its wait
            // would otherwise miss this notification (a lost wakeup the sq_slot_reuse model
            // found).
            drop(lock(&self.sqpoll));
            self.sqpoll_cv.notify_all();
        }
        Batch { submitted, consumed }
    }

    /// Entries published and not yet consumed.
    pub(crate) fn sq_pending(&self, st: &SubmitState) -> u32 {
        // Relaxed: only decides whether to poll again or wait; consumption re-acquires.
        let tail = self.mem.sq_tail.kload(KSite::SqpollTailRecheck);
        tail.wrapping_sub(st.head).min(self.geo.sq_entries)
    }
}

/// What issuing does: result, failed despite it, through task work.
fn outcome(exec: Exec) -> (i32, bool, bool) {
    match exec {
        Exec::Nop { res, fail, tw, .. } => (res, fail, tw),
        Exec::Held => (0, false, true),
        Exec::Unsupported => (-Errno::EOPNOTSUPP.0, true, false),
    }
}

/// The extra words of the CQE an issued request posts: a NOP with IORING_NOP_CQE32 posts a
/// 32-byte CQE whatever its result (`io_nop` sets them after its lookups); a request failed
/// at submission or cancelled never ran and posts a 16-byte one.
fn extra_words(exec: Exec) -> Option<[u64; 2]> {
    match exec {
        Exec::Nop { big, .. } => big,
        _ => None,
    }
}
