//! Starting and stopping the kernel threads of [`Mode::Threads`].

use std::sync::Arc;

use ring_core::abi::setup;

use crate::config::Mode;
use crate::mutation::{active, active_logic_fault, with_logic_fault, with_mutant};
use crate::ring::SimRing;
use crate::sync::{lock, thread};

/// The running kernel threads of one ring. [`join`](KernelThreads::join) stops and joins
/// them; dropping without joining stops them too (and, under std, joins).
#[derive(Debug)]
pub struct KernelThreads {
    ring: Arc<SimRing>,
    handles: Vec<thread::JoinHandle<()>>,
}

impl SimRing {
    /// Starts the SQPOLL thread (if SQPOLL) and the io-wq workers, in [`Mode::Threads`].
    /// Under loom, call inside `loom::model`; the threads are loom threads (at most 5
    /// threads per model, the model's own included).
    pub fn start(self: &Arc<Self>) -> KernelThreads {
        let mut handles = Vec::new();
        if self.mode == Mode::Threads {
            let mutant = active();
            let fault = active_logic_fault();
            if self.has(setup::SQPOLL) {
                let r = Arc::clone(self);
                handles.push(thread::spawn(move || {
                    with_logic_fault(fault, || with_mutant(mutant, || r.sqpoll_main()))
                }));
            }
            for _ in 0..self.workers {
                let r = Arc::clone(self);
                handles.push(thread::spawn(move || {
                    with_logic_fault(fault, || with_mutant(mutant, || r.worker_main()))
                }));
            }
        }
        KernelThreads { ring: Arc::clone(self), handles }
    }

    /// Asks every kernel thread to stop (workers drain their queue first).
    pub fn shutdown(&self) {
        {
            let mut st = lock(&self.sqpoll);
            st.stop = true;
        }
        self.sqpoll_cv.notify_all();
        {
            let mut w = lock(&self.work);
            w.stop = true;
        }
        self.work_cv.notify_all();
        self.cq_cv.notify_all();
    }
}

impl KernelThreads {
    /// Stops the threads and waits for them.
    pub fn join(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.ring.shutdown();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

impl Drop for KernelThreads {
    fn drop(&mut self) {
        // While a model is unwinding (loom reported a failure), touching loom objects would
        // panic again inside a destructor and abort the process: leave the threads alone.
        if !self.handles.is_empty() && !std::thread::panicking() {
            self.stop_and_join();
        }
    }
}
