//! io-wq workers: IOSQE_ASYNC work completed on kernel threads, out of order, posted under
//! the completion lock (or queued as task work on COOP/DEFER rings).

use crate::ring::{Job, SimRing};
use crate::sync::{lock, wait};

impl SimRing {
    /// A worker's body in threads mode: take jobs until stopped and drained.
    pub(crate) fn worker_main(&self) {
        loop {
            let job: Option<Job> = {
                let mut w = lock(&self.work);
                loop {
                    if let Some(j) = w.jobs.pop_front() {
                        break Some(j);
                    }
                    if w.stop {
                        break None;
                    }
                    w = wait(&self.work_cv, w);
                }
            };
            let Some(job) = job else { break };
            for _ in 0..self.faults().worker_delay {
                crate::sync::thread::yield_now();
            }
            self.complete_async(job);
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
        self.complete_async(job);
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
