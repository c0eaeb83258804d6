//! CQ posting under the completion lock: the cached free range, the overflow backlog, task
//! work, and the waits of `enter(GETEVENTS)`.
//!
//! Every poster (inline submission, io-wq workers, the SQPOLL thread, task work) takes the
//! completion lock, writes CQEs, and releases the CQ tail once at the end of its section.

use std::time::{Duration, Instant};

use ring_core::abi::{cqe_flags, setup, sq_flags, Cqe};
use ring_core::Errno;

use crate::config::{FaultPoint, Mode};
use crate::mutation::KSite;
use crate::ring::{CqLocked, Job, SimRing};
use crate::sync::{lock, wait, wait_timeout, MutexGuard};

/// One completion as the kernel posts it: the CQE and, for a 32-byte one, its extra words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Completion {
    pub(crate) cqe: Cqe,
    /// `big_cqe`: `Some` for a 32-byte completion (on a CQE_MIXED ring it fills two slots).
    pub(crate) big: Option<[u64; 2]>,
}

impl Job {
    /// The completion this job posts.
    pub(crate) fn completion(&self) -> Completion {
        Completion { cqe: self.cqe, big: self.big }
    }
}

/// A CQE's second 16-byte unit holding the extra words `big`, as the 32-byte CQE's memory
/// lays them out (`big_cqe[0]` over `user_data`, `big_cqe[1]` over `res` and `flags`).
fn upper_half(big: [u64; 2]) -> Cqe {
    let b = big[1].to_ne_bytes();
    Cqe {
        user_data: big[0],
        res: i32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
        flags: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
    }
}

impl SimRing {
    /// Slots `c` fills: two for a 32-byte completion on a CQE_MIXED ring, else one (a
    /// CQE32 ring's slots are 32 bytes already).
    fn width(&self, c: &Completion) -> u32 {
        if c.big.is_some() && self.has(setup::CQE_MIXED) {
            2
        } else {
            1
        }
    }

    /// Cuts the cached free range at the end of the CQE array. The range set up at build
    /// (the whole ring, with nothing queued) is cut as a refill at build would have cut it;
    /// afterwards every range already ends at or before the end of the array, so this
    /// changes nothing.
    fn clamp_range(&self, st: &mut CqLocked) {
        let entries = self.geo.cq_entries;
        st.free = st.free.min(entries - (st.tail & (entries - 1)));
    }

    /// Slots queued for the user, read from its head. A head ahead of the tail (a user that
    /// cheats) reads as a full ring.
    fn queued(&self, st: &CqLocked) -> u32 {
        // ORDERING: Acquire pairs with the user's Release store of the CQ head (ring-core
        // site CqHeadRelease): the user's reads of the CQEs it released happen before we
        // overwrite them (Linux: a plain load with a control dependency).
        let head = self.mem.cq_head.kload(KSite::CqHeadRefill);
        st.tail.wrapping_sub(head).min(self.geo.cq_entries)
    }

    /// Refills the cached free range (`io_cqe_cache_refill`) for a completion of `width`
    /// slots: re-reads the head; the range is contiguous in the CQE array, so it also ends
    /// (and the head is re-read) at every wrap of the ring. A 32-byte completion that would
    /// start in a CQE_MIXED ring's last slot gets a filler CQE (`IORING_CQE_F_SKIP`) there
    /// first, if that slot is free, and then needs two slots from the start of the array.
    /// Returns whether the range now holds `width` slots. As in Linux, a refill that fails
    /// leaves the range it had (a 32-byte completion that overflowed does not stop a later
    /// 16-byte one from taking a slot left in the range), except after a filler: Linux then
    /// keeps a range that still covers the filled slot, and a later 16-byte completion
    /// overwrites the filler and publishes an unwritten slot; the simulator empties the
    /// range instead, so the later completion joins the backlog (docs/simulator.md).
    fn refill(&self, st: &mut CqLocked, width: u32) -> bool {
        let entries = self.geo.cq_entries;
        let mut off = st.tail & (entries - 1);
        if width == 2 && off == entries - 1 {
            if self.queued(st) == entries {
                return false;
            }
            let f = Cqe { user_data: 0, res: 0, flags: cqe_flags::SKIP };
            self.mem.cqes[off as usize].write(f);
            st.tail = st.tail.wrapping_add(1);
            st.stats.fillers += 1;
            // The range it was in (if any) is used up.
            st.free = 0;
            off = 0;
        }
        let free = (entries - self.queued(st)).min(entries - off);
        if free < width {
            return false;
        }
        st.free = free;
        true
    }

    /// Writes `c` at the tail: one 16-byte slot, two on a CQE_MIXED ring for a 32-byte
    /// completion (`IORING_CQE_F_32` in the first slot's flags, the extra words in the
    /// second), or one 32-byte CQE on a CQE32 ring (extra words zero unless given).
    fn write_cqe(&self, st: &mut CqLocked, c: Completion) {
        let width = self.width(&c);
        let slot = st.tail & (self.geo.cq_entries - 1);
        let unit = (slot << self.mem.cq_shift) as usize;
        let mut cqe = c.cqe;
        if width == 2 {
            cqe.flags |= cqe_flags::F_32;
        }
        self.mem.cqes[unit].write(cqe);
        if self.mem.cq_shift == 1 || width == 2 {
            // Within the array: a CQE32 ring's CQE has two units, and a two-slot completion
            // never starts in the last slot (refill posts a filler there first).
            self.mem.cqes[unit + 1].write(upper_half(c.big.unwrap_or([0, 0])));
        }
        st.tail = st.tail.wrapping_add(width);
        st.free -= width;
        st.stats.posted += 1;
    }

    fn to_backlog(&self, st: &mut CqLocked, c: Completion) {
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
        st.backlog.push_back(c);
        st.stats.overflowed += 1;
    }

    /// Posts one completion (`io_get_cqe`): into the cached free range if it has room;
    /// otherwise, unless completions are backlogged (order is kept), into a refilled range;
    /// otherwise into the backlog.
    pub(crate) fn post_locked(&self, st: &mut CqLocked, c: Completion) {
        let width = self.width(&c);
        self.clamp_range(st);
        if st.free < width && (!st.backlog.is_empty() || !self.refill(st, width)) {
            self.to_backlog(st, c);
            return;
        }
        self.write_cqe(st, c);
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
    pub(crate) fn post_section(&self, cqes: &[Completion]) {
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
            self.post_section(&[job.completion()]);
        }
    }

    /// Runs queued task work (the task entered): posts it, clears TASKRUN.
    pub(crate) fn run_task_work_locked(&self, st: &mut CqLocked) {
        if st.task_work.is_empty() {
            return;
        }
        while let Some(job) = st.task_work.pop_front() {
            self.post_locked(st, job.completion());
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
            let width = self.width(&c);
            self.clamp_range(st);
            if st.free < width && !self.refill(st, width) {
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
    use crate::cq_post::Completion;
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
                let cqe = Cqe { user_data: i, res: 0, flags: 0 };
                sim.post_section(&[Completion { cqe, big: None }]);
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
