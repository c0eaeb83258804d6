//! How a crate built on ring-core fuzzes its own code with this crate: the example that
//! docs/fuzzing.md walks through, compiled and run here.
//!
//! The "downstream" code is a kernel wrapper, `CountingKernel`, that counts enters and
//! retries `EINTR` (as an application's syscall layer might), and a batch helper,
//! `push_all`, that submits whenever the SQ fills. Two ways to reuse the library:
//!
//! 1. Implement [`fuzz::Target`] for a ring that goes through the downstream code, and run the
//!    crate's strategies, model and per-step checks over it unchanged.
//! 2. Drive the downstream API yourself from the crate's `Op` sequences, and check its
//!    results with the [`fuzz::Ledger`] (exactly once, right result, inline order).
#![cfg(not(loom))]

use std::cell::Cell;
use std::ffi::c_void;

use fuzz::strategy::{case, Suite};
use fuzz::suite::config;
use fuzz::{Ledger, Op, RingCfg, Sub, Target, Timing};
use proptest::prelude::*;
use ring_core::opcode::Entry;
use ring_core::{Backend, CompletionQueue, Enter, Errno, Kernel, Queues, SubmissionQueue};
use ring_kernel_sim::{KernelStep, Mode, Sim, SimRing, StepOutcome};

// ---- the downstream crate's code (what it wants fuzzed) ----

/// A kernel wrapper: counts enters, retries EINTR.
struct CountingKernel<'k, K: Kernel> {
    inner: &'k K,
    enters: Cell<u64>,
}

impl<K: Kernel> Kernel for CountingKernel<'_, K> {
    fn validate(&self, args: &Enter<'_>) -> Result<(), Errno> {
        self.inner.validate(args)
    }

    fn enter(&self, args: Enter<'_>) -> Result<u32, Errno> {
        loop {
            self.enters.set(self.enters.get() + 1);
            match self.inner.enter(args) {
                Err(Errno::EINTR) => continue,
                r => return r,
            }
        }
    }

    unsafe fn register(&self, opcode: u32, arg: *mut c_void, nr: u32) -> Result<u32, Errno> {
        // SAFETY: forwarded with the caller's obligations unchanged.
        unsafe { self.inner.register(opcode, arg, nr) }
    }
}

/// Pushes every entry, submitting whenever the SQ is full; hands every CQE reaped on the way
/// to `done`. Returns how many entries are now waiting in the SQ, unsubmitted.
fn push_all<B: Backend, K: Kernel>(
    q: &mut Queues<'_, B>,
    k: &K,
    entries: &[Entry],
    done: &mut dyn FnMut(ring_core::abi::Cqe),
) -> Result<u32, Errno> {
    for e in entries {
        while q.submission().push(e).is_err() {
            q.submission().submit(k)?;
            q.completion().reap(u32::MAX, &mut *done);
        }
    }
    Ok(q.submission().unpublished())
}

// ---- reuse 1: a Target over the downstream kernel wrapper ----

struct Downstream<'a> {
    sim: &'a SimRing,
    q: Queues<'a, Sim>,
    kernel: CountingKernel<'a, SimRing>,
    cfg: RingCfg,
}

impl<'a> Target for Downstream<'a> {
    type B = Sim;
    type K = CountingKernel<'a, SimRing>;

    fn timing(&self) -> Timing {
        Timing::Exact
    }
    fn cfg(&self) -> &RingCfg {
        &self.cfg
    }
    fn parts(&mut self) -> (SubmissionQueue<'_, Sim>, CompletionQueue<'_, Sim>, &Self::K) {
        let (sq, cq) = self.q.split();
        (sq, cq, &self.kernel)
    }
    fn kernel_step(&mut self, k: fuzz::KernelOp) -> Option<StepOutcome> {
        Some(self.sim.step(k.sim_step()))
    }
    fn name(&self) -> &'static str {
        "downstream"
    }
}

proptest! {
    #![proptest_config(config(256, concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/downstream.txt")))]

    /// The crate's whole state machine, through the downstream kernel wrapper.
    #[test]
    fn downstream_kernel_wrapper((cfg, ops) in case(Suite::SimStep)) {
        let sim = cfg.sim_builder(Mode::Step).build().unwrap();
        let q = sim.queues().unwrap();
        let mut t = Downstream { sim: &sim, q, kernel: CountingKernel { inner: &*sim, enters: Cell::new(0) }, cfg };
        let report = fuzz::run(&mut t, &ops).map_err(|f| TestCaseError::fail(f.to_string()))?;
        prop_assert!(report.steps_run >= ops.len());
        // Every enter went through the wrapper: GetEvents always enters.
        let get_events = ops.iter().filter(|o| matches!(o, Op::GetEvents)).count() as u64;
        prop_assert!(t.kernel.enters.get() >= get_events);
    }

    /// The downstream batch helper, driven from the crate's sequences: every `Acquire`
    /// becomes one `push_all`, `Submit` a submit, kernel steps stay steps; the ledger checks
    /// every completion the helper and the final drain hand out.
    #[test]
    fn downstream_push_all((cfg, ops) in case(Suite::SimStep)) {
        push_all_case(cfg, &ops)?;
    }
}

fn push_all_case(cfg: RingCfg, ops: &[Op]) -> Result<(), TestCaseError> {
    // push_all submits to make room, which needs a kernel that consumes at enter.
    let cfg = RingCfg { sqpoll: false, ..cfg };
    let sim = cfg.sim_builder(Mode::Step).build().unwrap();
    let mut q = sim.queues().unwrap();
    let mut ledger = Ledger::new();
    let mut errors = Vec::new();
    let mut next = 1;
    let mut written: Vec<Sub> = Vec::new();
    let mut queued = 0usize;
    for op in ops {
        match *op {
            Op::Acquire { n, kind, flags, .. } => {
                let subs: Vec<Sub> =
                    (0..u64::from(n)).map(|i| Sub { ud: next + i, kind, flags }).collect();
                next += u64::from(n);
                for s in &subs {
                    ledger.queued(*s);
                }
                written.extend(&subs);
                let entries: Vec<Entry> = subs.iter().map(|s| s.entry()).collect();
                let mut done = |c| {
                    if let Err(e) = ledger_complete(&mut ledger, &written, &mut queued, &sim, c) {
                        errors.push(e)
                    }
                };
                push_all(&mut q, &*sim, &entries, &mut done)
                    .map_err(|e| TestCaseError::fail(format!("{e}")))?;
            }
            Op::Kernel(fuzz::KernelOp::CompleteWorker(i)) => {
                sim.step(KernelStep::CompleteWorker(usize::from(i)));
            }
            _ => {}
        }
    }
    // Drain: submit everything, complete every io-wq job, flush, reap.
    for round in 0.. {
        prop_assert!(round < 1000, "the drain made no progress");
        while !q.submission().is_empty() {
            q.submission().submit(&*sim).unwrap();
        }
        while let StepOutcome::Completed(_) = sim.step(KernelStep::CompleteWorker(0)) {}
        let _ = q.completion().flush(&*sim);
        let mut got = Vec::new();
        q.completion().reap(u32::MAX, |c| got.push(c));
        if got.is_empty()
            && q.submission().is_empty()
            && sim.worker_queue().is_empty()
            && sim.backlog_len() == 0
            && sim.task_work_len() == 0
        {
            break;
        }
        for c in got {
            if let Err(e) = ledger_complete(&mut ledger, &written, &mut queued, &sim, c) {
                errors.push(e);
            }
        }
    }
    prop_assert!(errors.is_empty(), "{errors:?}");
    prop_assert!(ledger.outstanding().is_empty(), "LOST: {:?}", ledger.outstanding());
    Ok(())
}

/// Before accounting a CQE, tells the ledger which entries the kernel has consumed so far (the
/// simulator's counter says how many, in submission order).
fn ledger_complete(
    ledger: &mut Ledger,
    written: &[Sub],
    queued: &mut usize,
    sim: &SimRing,
    c: ring_core::abi::Cqe,
) -> Result<(), fuzz::LedgerError> {
    let consumed = sim.stats().consumed as usize;
    while *queued < consumed.min(written.len()) {
        ledger.consumed(written[*queued]);
        *queued += 1;
    }
    ledger.complete(c)
}
