//! SQE consumption: what `io_submit_sqes` does, inline at enter or on the SQPOLL thread.
//!
//! Acquire the SQ tail; take at most one ring's worth; read the index array (a bad index is
//! counted in `dropped`, consumed, and ends the batch); copy each SQE and issue it; stop at
//! the first SQE that fails to initialise (it still completes with an error and counts)
//! unless SUBMIT_ALL; post the batch's inline completions; then release the SQ head once.

use ring_core::abi::{nop_flags, op, setup, sqe_flags, Cqe, Sqe};
use ring_core::Errno;

use crate::config::Mode;
use crate::mutation::KSite;
use crate::ring::{Job, SimRing, SubmitState};
use crate::sync::lock;

/// The opcode of the simulator's "held" operation: it completes only when the scenario
/// releases it ([`SimRing::release_held`]). Outside the 6.18 opcode range.
pub const SIM_OP_HELD: u8 = 0xF0;

/// Every `IOSQE_*` bit 6.18 knows.
const KNOWN_SQE_FLAGS: u8 = 0x7f;

/// What issuing one SQE produced.
enum Issued {
    /// Completed inline (a CQE to post with the batch, unless skipped).
    Inline(Job),
    /// Handed to io-wq.
    Async(Job),
    /// Parked until the scenario releases it.
    Held(Job),
    /// Failed to initialise: completes with an error and ends the batch (no SUBMIT_ALL).
    Failed(Cqe),
}

/// The outcome of one submission batch.
#[derive(Debug)]
pub(crate) struct Batch {
    /// SQEs submitted (the enter return value): dropped indices not counted.
    pub(crate) submitted: u32,
    /// SQEs consumed (the head moved by this much).
    pub(crate) consumed: u32,
}

impl SimRing {
    fn issue(&self, sqe: &Sqe) -> Issued {
        let fail = |e: Errno| Issued::Failed(Cqe { user_data: sqe.user_data, res: -e.0, flags: 0 });
        if sqe.flags & !KNOWN_SQE_FLAGS != 0 {
            return fail(Errno::EINVAL);
        }
        let skip_success = sqe.flags & sqe_flags::CQE_SKIP_SUCCESS != 0;
        let job = |res: i32| Job {
            cqe: Cqe { user_data: sqe.user_data, res, flags: 0 },
            skip_success,
            task_work: false,
        };
        match sqe.opcode {
            op::NOP => {
                if sqe.op_flags & !nop_flags::INJECT_RESULT != 0 {
                    return fail(Errno::EINVAL);
                }
                let res =
                    if sqe.op_flags & nop_flags::INJECT_RESULT != 0 { sqe.len as i32 } else { 0 };
                if sqe.flags & sqe_flags::ASYNC != 0 {
                    Issued::Async(job(res))
                } else {
                    Issued::Inline(job(res))
                }
            }
            SIM_OP_HELD => Issued::Held(Job { task_work: true, ..job(0) }),
            // A real opcode the simulator does not perform: it completes, with EOPNOTSUPP.
            o if o < op::LAST => Issued::Inline(job(-Errno::EOPNOTSUPP.0)),
            _ => fail(Errno::EINVAL),
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
        let mut inline = Vec::new();
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
            match self.issue(&sqe) {
                Issued::Inline(job) => inline.push(job),
                Issued::Async(job) => self.queue_async(job, &mut inline),
                Issued::Held(job) => lock(&self.work).held.push(job),
                Issued::Failed(cqe) => {
                    inline.push(Job { cqe, skip_success: false, task_work: false });
                    if !submit_all {
                        break;
                    }
                }
            }
        }
        // Inline completions are posted before the head is released (as Linux does).
        let mut posted = Vec::with_capacity(inline.len());
        let mut skipped = 0;
        for job in inline {
            if job.skip_success && job.cqe.res >= 0 {
                skipped += 1;
            } else {
                posted.push(job.cqe);
            }
        }
        if skipped != 0 || consumed != 0 {
            let mut cq = lock(&self.cq);
            cq.stats.skipped += skipped;
            cq.stats.consumed += u64::from(consumed);
        }
        self.post_section(&posted);
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

    fn queue_async(&self, job: Job, inline: &mut Vec<Job>) {
        if self.workers == 0 && self.mode == Mode::Threads {
            // No io-wq threads: the work completes at submission, as task work would.
            inline.push(job);
            return;
        }
        lock(&self.work).jobs.push_back(job);
        self.work_cv.notify_one();
    }

    /// Entries published and not yet consumed.
    pub(crate) fn sq_pending(&self, st: &SubmitState) -> u32 {
        // Relaxed: only decides whether to poll again or wait; consumption re-acquires.
        let tail = self.mem.sq_tail.kload(KSite::SqpollTailRecheck);
        tail.wrapping_sub(st.head).min(self.geo.sq_entries)
    }
}
