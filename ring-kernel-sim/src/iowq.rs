//! io-wq workers: IOSQE_ASYNC work completed on kernel threads, out of order, posted under
//! the completion lock (or queued as task work on COOP/DEFER rings).

use crate::ring::{Job, SimRing};
use crate::sync::{lock, wait};

impl SimRing {
    /// A worker's body in threads mode: take jobs until stopped and drained.
    ///
    /// With the spurious-wakeup fault, an idle worker's first wait (after each job, and at
    /// start) returns without a wakeup: the lock is released and retaken, and the worker
    /// looks at its queue again before it sleeps.
    pub(crate) fn worker_main(&self) {
        loop {
            let mut spurious = self.faults().spurious_wakeups;
            let job: Option<Job> = {
                let mut w = lock(&self.work);
                loop {
                    if let Some(j) = w.jobs.pop_front() {
                        break Some(j);
                    }
                    if w.stop {
                        break None;
                    }
                    if spurious {
                        spurious = false;
                        drop(w);
                        w = lock(&self.work);
                        continue;
                    }
                    w = wait(&self.work_cv, w);
                }
            };
            let Some(job) = job else { break };
            for _ in 0..self.faults().worker_delay {
                crate::sync::thread::yield_now();
            }
            // The worker also runs the rest of the job's link chain, if any (submit.rs).
            self.finish(job, true);
        }
    }

    /// Completes a held operation with `res`. Returns false if no held operation has
    /// `user_data`.
    pub fn release_held(&self, user_data: u64, res: i32) -> bool {
        let job = {
            let mut w = lock(&self.work);
            let Some(i) = w.held.iter().position(|j| j.cqe.user_data == user_data) else {
                return false;
            };
            w.held.remove(i)
        };
        let mut job = job;
        job.cqe.res = res;
        // Then the rest of its link chain, from task work (submit.rs).
        self.finish(job, false);
        true
    }

    /// The user_data of every held operation, oldest first.
    pub fn held(&self) -> Vec<u64> {
        lock(&self.work).held.iter().map(|j| j.cqe.user_data).collect()
    }

    /// The user_data of every queued io-wq job, in queue order.
    pub fn worker_queue(&self) -> Vec<u64> {
        lock(&self.work).jobs.iter().map(|j| j.cqe.user_data).collect()
    }
}
