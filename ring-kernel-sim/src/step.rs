//! Step mode: each kernel action is an explicit step, chosen by the caller.

use crate::config::Mode;
use crate::ring::SimRing;
use crate::sqpoll::SleepCheck;
use crate::sync::lock;

/// One kernel action in [`Mode::Step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KernelStep {
    /// The SQPOLL thread polls once (if asleep and not woken, nothing happens).
    SqpollPoll,
    /// The SQPOLL thread tries to sleep (sets NEED_WAKEUP, fences, re-checks the SQ).
    SqpollSleep,
    /// io-wq completes its `i`-th queued job (modulo the queue length): out of order.
    CompleteWorker(usize),
    /// The scenario releases its `i`-th held operation (modulo the count) with result 0.
    ReleaseHeld(usize),
}

/// What a step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// SQEs consumed by an SQPOLL poll.
    Consumed(u32),
    /// The SQPOLL thread is (or went) asleep.
    Asleep,
    /// The SQPOLL thread found work instead of sleeping.
    Busy,
    /// A job or held operation completed, with this user_data.
    Completed(u64),
    /// Nothing to do (no SQPOLL, empty queue, the thread is dead, or not in step mode).
    Idle,
}

impl SimRing {
    /// Runs one kernel step. Only in [`Mode::Step`]; otherwise [`StepOutcome::Idle`].
    ///
    /// ```
    /// use ring_core::abi::sq_flags;
    /// use ring_core::opcode::Nop;
    /// use ring_kernel_sim::{KernelStep, Mode, SimRing, StepOutcome};
    ///
    /// // An SQPOLL ring with no threads: the caller decides when the kernel thread runs.
    /// let sim = SimRing::builder().entries(2).sqpoll().mode(Mode::Step).build().unwrap();
    /// let mut q = sim.queues().unwrap();
    /// assert_eq!(sim.step(KernelStep::SqpollSleep), StepOutcome::Asleep);
    /// q.submission().push(&Nop::new().build().user_data(1)).unwrap();
    /// // The thread sleeps, so the submit sees NEED_WAKEUP and enters with SQ_WAKEUP.
    /// assert_ne!(q.submission().flags() & sq_flags::NEED_WAKEUP, 0);
    /// q.submission().submit(&*sim).unwrap();
    /// assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Consumed(1));
    /// assert_eq!(q.completion().peek().unwrap().user_data, 1);
    /// ```
    pub fn step(&self, step: KernelStep) -> StepOutcome {
        if self.mode != Mode::Step {
            return StepOutcome::Idle;
        }
        let sqpoll = self.has(ring_core::abi::setup::SQPOLL);
        match step {
            KernelStep::SqpollPoll | KernelStep::SqpollSleep if !sqpoll => StepOutcome::Idle,
            KernelStep::SqpollPoll => {
                {
                    let mut st = lock(&self.sqpoll);
                    if st.dead {
                        return StepOutcome::Idle;
                    }
                    if st.sleeping {
                        if !st.wake {
                            return StepOutcome::Asleep;
                        }
                        st.sleeping = false;
                        st.wake = false;
                        drop(st);
                        self.sqpoll_end_sleep();
                    }
                }
                if self.sqpoll_dies_now() {
                    return StepOutcome::Idle;
                }
                StepOutcome::Consumed(self.sqpoll_poll())
            }
            KernelStep::SqpollSleep => {
                {
                    let st = lock(&self.sqpoll);
                    if st.dead {
                        return StepOutcome::Idle;
                    }
                    if st.sleeping {
                        return StepOutcome::Asleep;
                    }
                }
                match self.sqpoll_begin_sleep() {
                    SleepCheck::Busy => StepOutcome::Busy,
                    SleepCheck::Sleep => {
                        let mut st = lock(&self.sqpoll);
                        // A wake requested before the thread prepared to sleep was lost (as
                        // in Linux); only one requested from now on ends this sleep.
                        st.sleeping = true;
                        StepOutcome::Asleep
                    }
                }
            }
            KernelStep::CompleteWorker(i) => {
                let job = {
                    let mut w = lock(&self.work);
                    if w.jobs.is_empty() {
                        return StepOutcome::Idle;
                    }
                    let i = i % w.jobs.len();
                    w.jobs.remove(i)
                };
                match job {
                    Some(job) => {
                        // The worker also runs the rest of the job's link chain, if any.
                        self.finish(job, true);
                        StepOutcome::Completed(job.cqe.user_data)
                    }
                    None => StepOutcome::Idle,
                }
            }
            KernelStep::ReleaseHeld(i) => {
                let held = self.held();
                if held.is_empty() {
                    return StepOutcome::Idle;
                }
                let ud = held[i % held.len()];
                if self.release_held(ud, 0) {
                    StepOutcome::Completed(ud)
                } else {
                    StepOutcome::Idle
                }
            }
        }
    }

    /// Whether the SQPOLL thread is asleep (step or threads mode).
    pub fn sqpoll_asleep(&self) -> bool {
        lock(&self.sqpoll).sleeping
    }
}
