//! The SQPOLL thread: poll the SQ, idle, and the NEED_WAKEUP handshake.
//!
//! Going to sleep follows `io_sq_thread`: the thread first joins the wait queue
//! (`prepare_to_wait`: here `sleeping` is set under the SQPOLL mutex), then sets NEED_WAKEUP,
//! issues a full fence, and re-reads the SQ tail. It sleeps only if the SQ is still empty;
//! awake again (or finding work), it clears the flag and leaves the wait queue
//! (`finish_wait`). The user stores the tail, issues a full fence, and loads the flags. With
//! both fences, at least one side sees the other's store (store buffering is forbidden), so
//! no submission is left behind a sleeping thread. Drop either fence and loom finds the lost
//! wakeup as a deadlock.
//!
//! A wakeup (enter with SQ_WAKEUP) is remembered only while the thread is on the wait queue,
//! as a `wake_up` in Linux only affects a task between `prepare_to_wait` and
//! `finish_wait`: one issued after the thread prepared makes its sleep end at once, one issued
//! while it is awake and polling is lost. The handshake must not need it: the thread polls
//! again before it sleeps, and its own fenced re-check sees the tail.

use std::time::Instant;

use ring_core::abi::sq_flags;

use crate::backend::kfence;
use crate::config::{Idle, Mode};
use crate::mutation::KSite;
use crate::ring::SimRing;
use crate::sync::{lock, wait};

/// What a sleep attempt decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SleepCheck {
    /// Work appeared after setting NEED_WAKEUP: flag cleared, keep polling.
    Busy,
    /// The SQ is empty and NEED_WAKEUP is set: the thread may sleep.
    Sleep,
}

impl SimRing {
    /// One poll: consume whatever is published (at most one ring's worth).
    pub(crate) fn sqpoll_poll(&self) -> u32 {
        let mut st = lock(&self.uring);
        let batch = self.submit_sqes(&mut st, self.geo.sq_entries);
        batch.consumed
    }

    /// The first half of going to sleep: join the wait queue, set NEED_WAKEUP, fence,
    /// re-check the tail. In step mode with the spurious-wakeup fault, a wakeup nobody asked
    /// for arrives while the thread sleeps: the next poll step finds it awake.
    pub(crate) fn sqpoll_begin_sleep(&self) -> SleepCheck {
        let spurious = self.mode == Mode::Step && self.faults().spurious_wakeups;
        let check = self.sqpoll_prepare_and_check();
        if check == SleepCheck::Sleep && spurious {
            lock(&self.sqpoll).wake = true;
        }
        check
    }

    /// `prepare_to_wait`, NEED_WAKEUP, the fence and the re-check. On `Busy` the thread has
    /// already cleared the flag and left the wait queue.
    fn sqpoll_prepare_and_check(&self) -> SleepCheck {
        {
            // prepare_to_wait: from here on a wakeup is not lost. Any wakeup remembered
            // earlier was consumed by the sleep it ended (finish_wait clears it).
            let mut st = lock(&self.sqpoll);
            st.sleeping = true;
            st.wake = false;
        }
        // Relaxed RMW: ordered before the tail re-read by the fence below.
        self.mem.sq_flags.kor(sq_flags::NEED_WAKEUP, KSite::NeedWakeupSet);
        // ORDERING: SeqCst fence between setting NEED_WAKEUP and re-reading the SQ tail;
        // pairs with the user's fence between its tail store and its flags load (ring-core
        // site SqWakeupFence). Linux: smp_mb__after_atomic in io_sq_thread (H2).
        kfence(KSite::SqpollSleepFence);
        let pending = self.sq_pending(&lock(&self.uring));
        if pending != 0 {
            self.sqpoll_end_sleep();
            return SleepCheck::Busy;
        }
        SleepCheck::Sleep
    }

    /// Awake again (or never asleep): clear NEED_WAKEUP, then leave the wait queue
    /// (`finish_wait`), forgetting any wakeup that arrived meanwhile.
    pub(crate) fn sqpoll_end_sleep(&self) {
        // Relaxed RMW: clearing the flag publishes nothing.
        self.mem.sq_flags.kandnot(sq_flags::NEED_WAKEUP, KSite::NeedWakeupClear);
        let mut st = lock(&self.sqpoll);
        st.sleeping = false;
        st.wake = false;
    }

    /// `schedule()` in threads mode: blocks until woken or stopped. With `spurious`, a
    /// thread that would block returns at once without being woken (a spurious wakeup).
    /// Returns whether it did.
    fn sqpoll_schedule(&self, spurious: bool) -> bool {
        let mut st = lock(&self.sqpoll);
        if spurious && !st.wake && !st.stop {
            return true;
        }
        while !st.wake && !st.stop {
            st = wait(&self.sqpoll_cv, st);
        }
        false
    }

    /// Whether the thread has died (fault).
    pub(crate) fn sqpoll_dead(&self) -> bool {
        self.has(ring_core::abi::setup::SQPOLL) && lock(&self.sqpoll).dead
    }

    /// Counts a poll toward the death fault; true if the thread dies now.
    pub(crate) fn sqpoll_dies_now(&self) -> bool {
        let limit = self.faults().sqpoll_dies_after;
        let mut st = lock(&self.sqpoll);
        st.polls += 1;
        if limit.is_some_and(|l| st.polls > l) {
            st.dead = true;
            drop(st);
            // The flag stays set, so the user enters and sees EOWNERDEAD.
            self.mem.sq_flags.kor(sq_flags::NEED_WAKEUP, KSite::NeedWakeupSet);
            self.sqpoll_cv.notify_all();
            // Waiters for completions check `dead` under the completion lock: pass through it
            // so that none is between its check and its wait when notified.
            drop(lock(&self.cq));
            self.cq_cv.notify_all();
            return true;
        }
        false
    }

    /// Asks the thread to wake (enter with SQ_WAKEUP, ENABLE_RINGS): `wake_up` on the
    /// thread's wait queue. It takes effect only if the thread has joined the queue
    /// (prepared to sleep, or asleep); a thread that is awake and polling does not remember
    /// it, as in Linux.
    pub(crate) fn sqpoll_wake(&self) {
        {
            let mut st = lock(&self.sqpoll);
            if st.sleeping {
                st.wake = true;
            }
        }
        self.sqpoll_cv.notify_all();
    }

    /// A disabled ring's thread shows NEED_WAKEUP from the start (set at build, before the
    /// ring is shared).
    pub(crate) fn sqpoll_park(&self) {
        // Relaxed RMW: the ring is not shared yet.
        self.mem.sq_flags.kor(sq_flags::NEED_WAKEUP, KSite::NeedWakeupSet);
    }

    /// The thread's body in threads mode.
    pub(crate) fn sqpoll_main(&self) {
        // Parked until ENABLE_RINGS on a disabled ring (only such a ring starts parked).
        if self.has(ring_core::abi::setup::R_DISABLED) {
            {
                let mut st = lock(&self.sqpoll);
                while st.sleeping && !st.wake && !st.stop {
                    st = wait(&self.sqpoll_cv, st);
                }
            }
            self.sqpoll_end_sleep();
        }
        let mut empty_polls = 0u32;
        let mut idle_since = Instant::now();
        let mut last_spurious = false;
        loop {
            if lock(&self.sqpoll).stop {
                break;
            }
            if self.sqpoll_dies_now() {
                break;
            }
            if self.sqpoll_poll() != 0 {
                empty_polls = 0;
                idle_since = Instant::now();
                continue;
            }
            empty_polls += 1;
            let idle = match self.idle {
                Idle::Polls(n) => empty_polls >= n,
                Idle::Millis(ms) => idle_since.elapsed().as_millis() >= u128::from(ms),
            };
            if !idle {
                crate::sync::thread::yield_now();
                continue;
            }
            if self.sqpoll_prepare_and_check() == SleepCheck::Busy {
                continue;
            }
            // With the fault, a sleep may end without a wakeup; one in two, so that a thread
            // nobody wakes still ends up blocked (a loom model stays finite).
            let spurious = self.faults().spurious_wakeups && !last_spurious;
            last_spurious = self.sqpoll_schedule(spurious);
            self.sqpoll_end_sleep();
            empty_polls = 0;
            idle_since = Instant::now();
        }
    }
}
