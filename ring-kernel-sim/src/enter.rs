//! `io_uring_enter` and `io_uring_register` as 6.18 answers them, for the simulated ring.

use core::ffi::c_void;
use std::time::Duration;

use ring_core::abi::{enter, register, setup};
use ring_core::{Enter, EnterArg, Errno, Kernel};

use crate::config::{EnterFault, FaultPoint, Mode};
use crate::ring::SimRing;
use crate::sync::{current_thread, lock, wait};

impl SimRing {
    /// SINGLE_ISSUER: only the ring's submitter task may submit (or, with DEFER_TASKRUN,
    /// wait); others get EEXIST. As in Linux, the submitter is the task that set the ring up,
    /// or with R_DISABLED the one that enabled it.
    fn check_issuer(&self) -> Result<(), Errno> {
        if !self.has(setup::SINGLE_ISSUER) {
            return Ok(());
        }
        let me = current_thread();
        let mut issuer = self.issuer.lock().unwrap_or_else(|e| e.into_inner());
        match *issuer {
            // Not reachable through enter (a ring without a submitter is still disabled);
            // kept so that the first caller claims the ring rather than nobody.
            None => {
                *issuer = Some(me);
                Ok(())
            }
            Some(t) if t == me => Ok(()),
            Some(_) => Err(Errno::EEXIST),
        }
    }

    /// Takes the enter fault if it strikes at `at` (it fires once).
    pub(crate) fn take_enter_fault(&self, at: FaultPoint) -> Option<EnterFault> {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        let fault = faults.enter_error.filter(|f| f.at == at)?;
        faults.enter_error = None;
        Some(fault)
    }

    /// SQ_WAIT: block until the SQ has a free slot (SQPOLL only).
    fn wait_sq_space(&self) -> Result<(), Errno> {
        let mut spurious = self.faults().spurious_wakeups;
        let mut st = lock(&self.sqpoll);
        loop {
            if st.dead {
                return Err(Errno::EOWNERDEAD);
            }
            // Relaxed: counts only; the user acquires the head itself before reusing a slot.
            let tail = self.mem.sq_tail.kload(crate::mutation::KSite::KernelOwnLoad);
            let head = self.mem.sq_head.kload(crate::mutation::KSite::KernelOwnLoad);
            if tail.wrapping_sub(head) < self.geo.sq_entries || st.stop {
                return Ok(());
            }
            if self.mode == Mode::Step {
                return Err(Errno::EAGAIN);
            }
            if spurious {
                // The fault: this wait ends without a wakeup; look again, then sleep.
                spurious = false;
                drop(st);
                st = lock(&self.sqpoll);
                continue;
            }
            st = wait(&self.sqpoll_cv, st);
        }
    }

    fn enter_impl(&self, a: Enter<'_>) -> Result<u32, Errno> {
        if a.flags & !enter::KNOWN != 0 {
            return Err(Errno::EINVAL);
        }
        if !self.enabled.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Errno::EBADFD);
        }
        let timeout = match a.arg {
            EnterArg::None => None,
            EnterArg::Wait { timeout, .. } => timeout.map(|t| {
                Duration::new(t.tv_sec.max(0) as u64, t.tv_nsec.clamp(0, 999_999_999) as u32)
            }),
        };
        let mut submitted = 0;
        if self.has(setup::SQPOLL) {
            if self.sqpoll_dead() {
                return Err(Errno::EOWNERDEAD);
            }
            if a.flags & enter::SQ_WAKEUP != 0 {
                self.sqpoll_wake();
            }
            if a.flags & enter::SQ_WAIT != 0 {
                self.wait_sq_space()?;
            }
            submitted = a.to_submit;
        } else if a.to_submit != 0 {
            self.check_issuer()?;
            let fault = self.take_enter_fault(FaultPoint::Submit);
            let max = fault.map_or(a.to_submit, |f| a.to_submit.min(f.after));
            let batch = {
                let mut st = lock(&self.uring);
                self.submit_sqes(&mut st, max)
            };
            if let Some(f) = fault {
                // What was consumed stays consumed (and its completions posted); the user
                // sees only the error and finds the rest still pending.
                return Err(f.errno);
            }
            submitted = batch.submitted;
            // Fewer consumed than asked: return at once, even with GETEVENTS (6.18).
            if submitted != a.to_submit {
                self.run_coop_task_work();
                return Ok(submitted);
            }
        }
        self.run_coop_task_work();
        if a.flags & enter::GETEVENTS != 0 {
            if self.has(setup::DEFER_TASKRUN) {
                self.check_issuer()?;
            }
            if let Err(e) = self.get_events(a.min_complete, timeout) {
                // A wait error is reported only when nothing was submitted; a reported drop
                // is reported once.
                if submitted == 0 {
                    if e == Errno::EBADR {
                        self.clear_ebadr();
                    }
                    return Err(e);
                }
            }
        }
        Ok(submitted)
    }
}

impl Kernel for SimRing {
    fn enter(&self, args: Enter<'_>) -> Result<u32, Errno> {
        self.validate(&args)?;
        self.enter_impl(args)
    }

    /// A wait argument on a ring built with `ext_arg(false)` is `EOPNOTSUPP`.
    fn validate(&self, args: &Enter<'_>) -> Result<(), Errno> {
        match args.arg {
            EnterArg::Wait { .. } if !self.ext_arg => Err(Errno::EOPNOTSUPP),
            _ => Ok(()),
        }
    }

    /// Only `ENABLE_RINGS` is modelled; every other opcode is `EINVAL`.
    unsafe fn register(&self, opcode: u32, _arg: *mut c_void, _nr_args: u32) -> Result<u32, Errno> {
        match opcode {
            register::ENABLE_RINGS => {
                if self.enabled.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    return Err(Errno::EBADFD);
                }
                if self.has(setup::SINGLE_ISSUER) {
                    // The enabling task becomes the submitter (io_register_enable_rings).
                    let mut issuer = self.issuer.lock().unwrap_or_else(|e| e.into_inner());
                    issuer.get_or_insert_with(current_thread);
                }
                if self.has(setup::SQPOLL) {
                    // The parked SQPOLL thread starts (io_register_enable_rings wakes it).
                    self.sqpoll_wake();
                }
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        }
    }
}
