//! CQ posting under the completion lock: the cached free range, the overflow backlog, task
//! work, and the waits of `enter(GETEVENTS)`.
//!
//! Every poster (inline submission, io-wq workers, the SQPOLL thread, task work) takes the
//! completion lock, writes CQEs, and releases the CQ tail once at the end of its section.

use std::time::{Duration, Instant};

use ring_core::abi::{setup, sq_flags, Cqe};
use ring_core::Errno;

use crate::config::{FaultPoint, Mode};
use crate::mutation::KSite;
use crate::ring::{CqLocked, Job, SimRing};
use crate::sync::{lock, wait, wait_timeout, MutexGuard};

impl SimRing {
    /// The cached free range: CQ slots the kernel may write without re-reading the user's
    /// head. As `io_cqe_cache_refill` does, the range is contiguous in the CQE array: it
    /// never runs past the end of the ring, so posting re-reads the head whenever the range
    /// is used up and again at every wrap of the ring.
    fn refill(&self, st: &mut CqLocked) {
        let entries = self.geo.cq_entries;
        let to_end = entries - (st.tail & (entries - 1));
        // The range set up at build (the whole ring, with nothing queued) is cut at the end
        // of the array, as a refill at build would have cut it; afterwards every range
        // already ends at or before the end of the array, so this changes nothing.
        st.free = st.free.min(to_end);
        if st.free == 0 {
            // ORDERING: Acquire pairs with the user's Release store of the CQ head (ring-core
            // site CqHeadRelease): the user's reads of the CQEs it released happen before we
            // overwrite them (Linux: a plain load with a control dependency).
            let head = self.mem.cq_head.kload(KSite::CqHeadRefill);
            // A head ahead of the tail (a user that cheats) reads as a full ring.
            let queued = st.tail.wrapping_sub(head).min(entries);
            st.free = (entries - queued).min(to_end);
        }
    }

    fn write_cqe(&self, st: &mut CqLocked, cqe: Cqe) {
        let unit = ((st.tail & (self.geo.cq_entries - 1)) << self.mem.cq_shift) as usize;
        self.mem.cqes[unit].write(cqe);
        if self.mem.cq_shift == 1 {
            self.mem.cqes[unit + 1].write(Cqe::default());
        }
        st.tail = st.tail.wrapping_add(1);
        st.free -= 1;
        st.stats.posted += 1;
    }

    fn to_backlog(&self, st: &mut CqLocked, cqe: Cqe) {
        if self.faults().overflow_alloc_fail {
            // A real drop: counted in the ring's overflow counter; the next wait says EBADR.
            let n = self.mem.cq_overflow.kload(KSite::KernelOwnLoad);
            self.mem.cq_overflow.kstore(n.wrapping_add(1), KSite::CounterStore);
            st.ebadr = true;
            st.stats.lost += 1;
            return;
        }
        if st.backlog.is_empty() {
            // Relaxed: CQ_OVERFLOW is a hint to enter; the CQEs are published by the tail.
            self.mem.sq_flags.kor(sq_flags::CQ_OVERFLOW, KSite::FlagsHint);
        }
        st.backlog.push_back(cqe);
        st.stats.overflowed += 1;
    }

    /// Posts one CQE: into the ring if it has room and nothing is backlogged (order is kept),
    /// otherwise into the backlog.
    pub(crate) fn post_locked(&self, st: &mut CqLocked, cqe: Cqe) {
        if !st.backlog.is_empty() {
            self.to_backlog(st, cqe);
            return;
        }
        self.refill(st);
        if st.free == 0 {
            self.to_backlog(st, cqe);
            return;
        }
        self.write_cqe(st, cqe);
    }

    /// Ends a posting section: releases the CQ tail if anything was written.
    pub(crate) fn commit_locked(&self, st: &mut CqLocked) {
        if st.tail != st.committed {
            // ORDERING: Release publishes the CQE writes of this section; pairs with the
            // user's Acquire load of the CQ tail (ring-core site CqTailAcquire).
            self.mem.cq_tail.kstore(st.tail, KSite::CqTailCommit);
            st.committed = st.tail;
        }
    }

    /// Wakes everything that waits for completions.
    pub(crate) fn notify_posted(&self) {
        self.cq_cv.notify_all();
    }

    /// One posting section with these completions.
    pub(crate) fn post_section(&self, cqes: &[Cqe]) {
        if cqes.is_empty() {
            return;
        }
        {
            let mut st = lock(&self.cq);
            for &c in cqes {
                self.post_locked(&mut st, c);
            }
            self.commit_locked(&mut st);
        }
        self.notify_posted();
    }

    /// A completion from outside the submitting task. As in 6.18: on DEFER_TASKRUN rings
    /// every such completion waits as task work for the issuer's GETEVENTS; on COOP_TASKRUN
    /// rings only task-work completions (the held operation, standing for a poll-driven
    /// request) wait for the task, while an io-wq worker posts its completion directly;
    /// otherwise everything is posted directly.
    pub(crate) fn complete_async(&self, job: Job) {
        if job.skip_success && job.cqe.res >= 0 {
            lock(&self.cq).stats.skipped += 1;
            return;
        }
        let deferred =
            self.has(setup::DEFER_TASKRUN) || (self.has(setup::COOP_TASKRUN) && job.task_work);
        if deferred {
            {
                let mut st = lock(&self.cq);
                st.task_work.push_back(job);
                if self.has(setup::TASKRUN_FLAG) {
                    // Relaxed: TASKRUN is a hint to enter; the CQE comes later via the tail.
                    self.mem.sq_flags.kor(sq_flags::TASKRUN, KSite::FlagsHint);
                }
            }
            self.notify_posted();
        } else {
            self.post_section(&[job.cqe]);
        }
    }

    /// Runs queued task work (the task entered): posts it, clears TASKRUN.
    pub(crate) fn run_task_work_locked(&self, st: &mut CqLocked) {
        if st.task_work.is_empty() {
            return;
        }
        while let Some(job) = st.task_work.pop_front() {
            self.post_locked(st, job.cqe);
        }
        if self.has(setup::TASKRUN_FLAG) {
            // Relaxed: clearing a hint.
            self.mem.sq_flags.kandnot(sq_flags::TASKRUN, KSite::FlagsHint);
        }
        self.commit_locked(st);
    }

    /// Moves backlogged completions into the ring while there is room (enter with
    /// GETEVENTS only); clears CQ_OVERFLOW when the backlog empties.
    pub(crate) fn flush_backlog_locked(&self, st: &mut CqLocked) {
        if st.backlog.is_empty() {
            return;
        }
        while let Some(&c) = st.backlog.front() {
            self.refill(st);
            if st.free == 0 {
                break;
            }
            st.backlog.pop_front();
            self.write_cqe(st, c);
        }
        if st.backlog.is_empty() {
            // Relaxed: clearing a hint.
            self.mem.sq_flags.kandnot(sq_flags::CQ_OVERFLOW, KSite::FlagsHint);
        }
        self.commit_locked(st);
    }

    /// CQEs visible to the user.
    fn ready_locked(&self, st: &CqLocked) -> u32 {
        // Relaxed: only counts; the kernel writes no slot on the strength of it.
        let head = self.mem.cq_head.kload(KSite::CqHeadCount);
        st.committed.wrapping_sub(head).min(self.geo.cq_entries)
    }

    /// The GETEVENTS part of enter: run task work, flush the backlog, then wait until
    /// `min(min_complete, cq_entries)` completions are visible.
    ///
    /// As `io_cqring_wait` does: a reported drop (`EBADR`) and an injected interruption
    /// (the enter fault at [`FaultPoint::Wait`], standing for a signal) are checked only
    /// when the wait would block, and a wait error (`EBADR`, `ETIME`, the interruption) is
    /// masked to success when any CQE is visible. The drop stays pending until the caller
    /// reports it ([`clear_ebadr`](Self::clear_ebadr)). `EAGAIN` (step mode: the wait would
    /// block) and `EOWNERDEAD` (the SQPOLL thread died: Linux would block) are never masked.
    /// With the spurious-wakeup fault, the first wait returns without a wakeup and the loop
    /// checks everything again before it blocks.
    pub(crate) fn get_events(
        &self,
        min_complete: u32,
        timeout: Option<Duration>,
    ) -> Result<(), Errno> {
        let target = min_complete.min(self.geo.cq_entries);
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut spurious = self.faults().spurious_wakeups;
        let mut st: MutexGuard<'_, CqLocked> = lock(&self.cq);
        let err = loop {
            self.run_task_work_locked(&mut st);
            self.flush_backlog_locked(&mut st);
            if self.ready_locked(&st) >= target {
                return Ok(());
            }
            if st.ebadr {
                break Errno::EBADR;
            }
            if let Some(f) = self.take_enter_fault(FaultPoint::Wait) {
                break f.errno;
            }
            if self.mode == Mode::Step {
                return Err(Errno::EAGAIN);
            }
            if self.sqpoll_dead() {
                return Err(Errno::EOWNERDEAD);
            }
            if spurious {
                // The fault: this wait ends without a wakeup (the lock is released and
                // retaken, as a real wait does); the loop looks again, then sleeps.
                spurious = false;
                drop(st);
                st = lock(&self.cq);
                continue;
            }
            st = match deadline {
                None => wait(&self.cq_cv, st),
                Some(d) if cfg!(loom) => {
                    let _ = d;
                    wait(&self.cq_cv, st)
                }
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        break Errno::ETIME;
                    }
                    wait_timeout(&self.cq_cv, st, d - now).0
                }
            };
        };
        if self.ready_locked(&st) != 0 {
            return Ok(());
        }
        Err(err)
    }

    /// The user has been told about the dropped completions (enter returned `EBADR`).
    pub(crate) fn clear_ebadr(&self) {
        lock(&self.cq).ebadr = false;
    }

    /// Runs task work if the ring runs it on any enter (COOP_TASKRUN).
    pub(crate) fn run_coop_task_work(&self) {
        if self.has(setup::COOP_TASKRUN) && !self.has(setup::DEFER_TASKRUN) {
            let posted = {
                let mut st = lock(&self.cq);
                let had = !st.task_work.is_empty();
                self.run_task_work_locked(&mut st);
                had
            };
            if posted {
                self.notify_posted();
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use ring_core::abi::Cqe;

    use crate::config::Mode;
    use crate::ring::SimRing;
    use crate::sync::lock;

    /// After every posting the cached free range lies within the CQE array: it ends at or
    /// before the array's end, so the kernel re-reads the head at each wrap (as
    /// `io_cqe_cache_refill` does), whatever the user has released meanwhile.
    #[test]
    fn cached_range_never_runs_past_the_end_of_the_array() {
        const CQ: u32 = 8;
        for start in [0, 3, 5, u32::MAX - 2] {
            let sim = SimRing::builder().entries(4).cq_entries(CQ).mode(Mode::Step);
            let sim = sim.start_counters_at(start).build().unwrap();
            let mut q = sim.queues().unwrap();
            let mut reaped = Vec::new();
            for i in 0..64u64 {
                // The user releases a varying number of CQEs now and then.
                if i % 3 == 0 {
                    q.completion().reap((i % 5) as u32 + 1, |c| reaped.push(c.user_data));
                }
                sim.post_section(&[Cqe { user_data: i, res: 0, flags: 0 }]);
                let st = lock(&sim.cq);
                let off = st.tail & (CQ - 1);
                assert!(st.free <= CQ - off, "start {start:#x}, post {i}: range past the end");
                assert!(
                    off != 0 || st.free == 0,
                    "start {start:#x}, post {i}: range past the wrap"
                );
            }
            q.completion().reap(u32::MAX, |c| reaped.push(c.user_data));
            // Nothing was lost or reordered on the way (the backlog kept order).
            let _ = q.completion().flush(&*sim);
            q.completion().reap(u32::MAX, |c| reaped.push(c.user_data));
            assert_eq!(reaped, (0..64).collect::<Vec<_>>(), "start {start:#x}");
        }
    }
}
