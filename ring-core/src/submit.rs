//! The enter decision and the submit / wait paths, shared by every kernel.
//!
//! Whether to enter is decided from **both** sides, always evaluated (H10, H13):
//! - SQ side: without SQPOLL, enter when entries are pending; with SQPOLL, enter (with
//!   `SQ_WAKEUP`) only when the thread sleeps, checked after the tail store and a full fence.
//! - CQ side: enter with `GETEVENTS` when waiting, on IOPOLL rings without SQPOLL (the user
//!   reaps by polling), or when `CQ_OVERFLOW` / `TASKRUN` say completions are parked.

use crate::abi::{enter, setup};
use crate::backend::Backend;
use crate::cq::CompletionQueue;
use crate::errno::Errno;
use crate::fault::LogicFault;
use crate::kernel::{Enter, EnterArg, Kernel};
use crate::sq::SubmissionQueue;

/// The outcome of the enter decision: the syscall to make, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnterPlan {
    /// Whether a syscall is needed at all.
    pub needed: bool,
    /// SQEs to submit (the pending count).
    pub to_submit: u32,
    /// Completions to wait for.
    pub min_complete: u32,
    /// `IORING_ENTER_*` flags.
    pub flags: u32,
}

impl<B: Backend> SubmissionQueue<'_, B> {
    /// Publishes written entries and decides whether and how to enter, for a caller that
    /// wants to wait for `wait_nr` completions (0: none).
    ///
    /// ```
    /// # #[cfg(feature = "linux")] {
    /// use ring_core::opcode::Nop;
    /// let mut ring = ring_core::Ring::new(4).unwrap();
    /// let mut sq = ring.submission();
    /// assert!(!sq.plan_enter(0).needed);
    /// sq.push(&Nop::new().build()).unwrap();
    /// let plan = sq.plan_enter(0);
    /// assert!(plan.needed && plan.to_submit == 1);
    /// # }
    /// ```
    #[inline]
    pub fn plan_enter(&mut self, wait_nr: u32) -> EnterPlan {
        let setup_flags = self.st.setup_flags;
        let sqpoll = setup_flags & setup::SQPOLL != 0;
        // H19 (verification only): check for a sleeping thread before publishing.
        let early_wakeup = B::logic_fault(LogicFault::H19WakeupBeforePublish)
            && sqpoll
            && self.unpublished() != 0
            && self.need_wakeup();
        self.publish();
        let to_submit = self.pending();
        let mut flags = 0;
        let mut needed = false;

        // SQ side. H10 (verification only): a wait short-circuits the wakeup check.
        let short_circuit = B::logic_fault(LogicFault::H10WaitSkipsWakeup) && wait_nr != 0;
        if sqpoll {
            let wake = if B::logic_fault(LogicFault::H19WakeupBeforePublish) {
                early_wakeup
            } else {
                !short_circuit && to_submit != 0 && self.need_wakeup()
            };
            if wake {
                flags |= enter::SQ_WAKEUP;
                needed = true;
            }
        } else if to_submit != 0 {
            needed = true;
        }

        // CQ side, evaluated whatever the SQ side decided. H13 (verification only): skipped
        // when there is nothing to submit.
        if B::logic_fault(LogicFault::H13SkipEnterWhenIdle) && to_submit == 0 && wait_nr == 0 {
            return EnterPlan { needed: false, to_submit, min_complete: wait_nr, flags };
        }
        let iopoll = setup_flags & setup::IOPOLL != 0 && !sqpoll;
        let parked = self.cq_needs_flush();
        if wait_nr != 0 || iopoll || parked {
            // The Go seed (verification only): entering for parked completions alone
            // without GETEVENTS, which flushes nothing.
            let seed =
                B::logic_fault(LogicFault::SeedFlushWithoutGetevents) && wait_nr == 0 && !iopoll;
            if !seed {
                flags |= enter::GETEVENTS;
            }
            needed = true;
        }
        EnterPlan { needed, to_submit, min_complete: wait_nr, flags }
    }

    /// Publishes and submits; returns how many SQEs the kernel consumed (with SQPOLL: how
    /// many were handed to the thread).
    #[inline]
    pub fn submit<K: Kernel + ?Sized>(&mut self, kernel: &K) -> Result<u32, Errno> {
        self.submit_and_wait_with(kernel, 0, EnterArg::None)
    }

    /// Publishes, submits and waits until at least `wait_nr` completions are ready. On a
    /// `CQE_MIXED` ring the kernel counts slots, not completions: follow with
    /// [`CompletionQueue::wait`], which waits for the rest (`Ring::submit_and_wait` does).
    #[inline]
    pub fn submit_and_wait<K: Kernel + ?Sized>(
        &mut self,
        kernel: &K,
        wait_nr: u32,
    ) -> Result<u32, Errno> {
        self.submit_and_wait_with(kernel, wait_nr, EnterArg::None)
    }

    /// As [`submit_and_wait`](Self::submit_and_wait), with an extended wait argument (a
    /// timeout: `Err(ETIME)` when it passes first).
    #[inline]
    pub fn submit_and_wait_with<K: Kernel + ?Sized>(
        &mut self,
        kernel: &K,
        wait_nr: u32,
        arg: EnterArg<'_>,
    ) -> Result<u32, Errno> {
        // Validate before publishing: a refused call must leave the entries unpublished
        // (H15; verification can move the check after the publish).
        let probe = Enter { to_submit: 0, min_complete: wait_nr, flags: 0, arg };
        let late = B::logic_fault(LogicFault::H15ValidateAfterPublish);
        if !late {
            kernel.validate(&probe)?;
        }
        let plan = self.plan_enter(wait_nr);
        if late {
            kernel.validate(&probe)?;
        }
        if !plan.needed {
            return Ok(plan.to_submit);
        }
        let consumed = kernel.enter(Enter {
            to_submit: plan.to_submit,
            min_complete: plan.min_complete,
            flags: plan.flags,
            arg,
        })?;
        Ok(consumed)
    }
}

impl<B: Backend> SubmissionQueue<'_, B> {
    /// Makes room in a full SQ. Without SQPOLL, submits the pending entries (the kernel
    /// consumes them inline). With SQPOLL, publishes, wakes the thread if it sleeps, and
    /// blocks in the kernel until the thread has consumed an entry (`IORING_ENTER_SQ_WAIT`,
    /// 5.10). Returns at once if a slot is free. The SQPOLL thread posts a batch's
    /// completions before it releases the SQ head, so an SQ can still look full after every
    /// completion has been reaped: this is the way to wait for it.
    pub fn wait_for_space<K: Kernel + ?Sized>(&mut self, kernel: &K) -> Result<(), Errno> {
        if self.space_left() != 0 {
            return Ok(());
        }
        if self.st.setup_flags & setup::SQPOLL == 0 {
            self.submit(kernel)?;
            return Ok(());
        }
        let plan = self.plan_enter(0);
        kernel.enter(Enter {
            to_submit: plan.to_submit,
            min_complete: 0,
            flags: (plan.flags & enter::SQ_WAKEUP) | enter::SQ_WAIT,
            arg: EnterArg::None,
        })?;
        Ok(())
    }
}

impl<B: Backend> CompletionQueue<'_, B> {
    /// Waits until at least `n` completions are ready (entering only if fewer are, or if
    /// completions are parked in the kernel). Returns the number ready.
    pub fn wait<K: Kernel + ?Sized>(&mut self, kernel: &K, n: u32) -> Result<u32, Errno> {
        self.wait_with(kernel, n, EnterArg::None)
    }

    /// As [`wait`](Self::wait), with an extended wait argument (a timeout gives `ETIME`).
    /// A wait error is masked when completions are ready, as the kernel does.
    ///
    /// On a `CQE_MIXED` ring the kernel's wait counts slots (a 32-byte completion fills two,
    /// a filler one), so it can end with fewer than `n` completions; this waits again, for
    /// one more slot per completion still missing, until `n` are ready. A timeout then
    /// applies to each of those kernel waits.
    pub fn wait_with<K: Kernel + ?Sized>(
        &mut self,
        kernel: &K,
        n: u32,
        arg: EnterArg<'_>,
    ) -> Result<u32, Errno> {
        let ready = self.ready();
        if ready >= n && !self.needs_flush() {
            return Ok(ready);
        }
        let mut min_complete = n;
        loop {
            let res =
                kernel.enter(Enter { to_submit: 0, min_complete, flags: enter::GETEVENTS, arg });
            let ready = self.ready();
            return match res {
                Ok(_) if ready < n && self.mem.mixed => {
                    min_complete = self.ready_slots().saturating_add(n - ready);
                    continue;
                }
                Ok(_) => Ok(ready),
                // A timeout or an interrupted wait with completions already visible is not an
                // error for the caller; a reported drop (EBADR) or any other error is.
                Err(Errno::ETIME | Errno::EINTR) if ready != 0 => Ok(ready),
                Err(e) => Err(e),
            };
        }
    }

    /// Flushes the kernel's parked completions (overflow backlog, deferred task work) with
    /// an enter(GETEVENTS) if the flags say there are any. Returns the number then ready.
    pub fn flush<K: Kernel + ?Sized>(&mut self, kernel: &K) -> Result<u32, Errno> {
        if self.needs_flush() {
            // The Go seed (verification only): the flushing enter without GETEVENTS.
            let flags = if B::logic_fault(LogicFault::SeedFlushWithoutGetevents) {
                0
            } else {
                enter::GETEVENTS
            };
            kernel.enter(Enter { flags, ..Enter::default() })?;
        }
        Ok(self.ready())
    }
}
