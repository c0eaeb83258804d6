//! Part (c): this crate's code fuzzed with the ring-core project's `fuzz` library: its `Op`
//! strategies (`fuzz::strategy`), its reference model and per-step checks (through
//! `fuzz::Target`), and its exactly-once accounting (`fuzz::Ledger`).
//!
//! | test | code under test | kernel | checked by |
//! |---|---|---|---|
//! | `metered_kernel_through_the_state_machine` | `Metered` in the path of every enter | simulator, step mode | the reference model after every step, then the ledger; the meter against the simulator's counters |
//! | `driver_on_the_simulator_threads` | `Driver` driven by `Op` sequences | simulator: SQPOLL thread, io-wq worker, task work | the ledger |
//! | `driver_on_the_loopback_kernel` | `Driver` over `RingMem` + `Loopback` + `Bare` | this crate's kernel | the ledger, and inline order |
//! | `driver_on_the_real_kernel` | `Driver` | Linux | the ledger |
//!
//! `PROPTEST_CASES=n` overrides every case count. A failure prints the shrunk ring and
//! sequence and is saved to `regressions/<test>.txt`, replayed first by every later run.
#![cfg(not(loom))]

use std::cell::RefCell;
use std::time::{Duration, Instant};

use downstream::{Driver, Meter, Metered, RingMem};
use fuzz::ledger::State;
use fuzz::strategy::{case, Suite};
use fuzz::suite::config;
use fuzz::{Flags, KernelOp, Ledger, Op, RingCfg, Sub, Target, Timing};
use proptest::prelude::*;
use ring_core::abi::{setup, Cqe};
use ring_core::{Backend, CompletionQueue, Kernel, Queues, SubmissionQueue};
use ring_kernel_sim::{Mode, Sim, SimRing, StepOutcome};

// ---- 1. a fuzz::Target whose kernel goes through this crate's Metered wrapper ----

struct MeteredSim<'a> {
    sim: &'a SimRing,
    q: Queues<'a, Sim>,
    kernel: Metered<&'a SimRing>,
    cfg: RingCfg,
}

impl<'a> Target for MeteredSim<'a> {
    type B = Sim;
    type K = Metered<&'a SimRing>;

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

    fn kernel_step(&mut self, k: KernelOp) -> Option<StepOutcome> {
        Some(self.sim.step(k.sim_step()))
    }

    fn sim_stats(&self) -> Option<ring_kernel_sim::SimStats> {
        Some(self.sim.stats())
    }

    fn name(&self) -> &'static str {
        "metered-sim"
    }
}

fn metered_case(cfg: RingCfg, ops: &[Op]) -> Result<(), TestCaseError> {
    let sim = cfg.sim_builder(Mode::Step).build().unwrap();
    let q = sim.queues().unwrap();
    let mut t = MeteredSim { sim: &sim, q, kernel: Metered::new(&*sim), cfg };
    fuzz::run(&mut t, ops).map_err(|f| TestCaseError::fail(f.to_string()))?;
    let m: Meter = t.kernel.meter();
    let stats = sim.stats();
    // Without SQPOLL every SQE is consumed at an enter, which the meter saw return.
    if !cfg.sqpoll {
        prop_assert_eq!(m.submitted, stats.consumed - stats.dropped, "meter {:?}", m);
    }
    let get_events = ops.iter().filter(|o| matches!(o, Op::GetEvents)).count() as u64;
    prop_assert!(m.waits >= get_events, "meter {:?}: fewer waits than GetEvents steps", m);
    prop_assert!(m.enters >= m.waits && m.enters >= m.errors);
    Ok(())
}

// ---- 2. the crate's Driver, driven by Op sequences, checked by the Ledger ----

/// The ledger and what it needs to know: which entries were written, in submission order
/// (`user_data` n is the n-th), and how many of them the kernel had consumed when a CQE
/// arrived.
struct Books {
    ledger: Ledger,
    written: Vec<Sub>,
    told: usize,
    errors: Vec<String>,
}

impl Books {
    fn complete(&mut self, cqe: Cqe, consumed: &dyn Fn() -> u64) {
        // The simulator counts a batch as consumed after handing its io-wq work to the
        // workers, so a worker's CQE can arrive a moment before the count covers its entry:
        // give the count up to a few seconds to catch up. An entry the kernel really never
        // consumed (an overwritten SQE) still fails: its CQE is early, or lost, or twice.
        let needed = (cqe.user_data as usize).min(self.written.len()) as u64;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut count = consumed();
        while count < needed && Instant::now() < deadline {
            std::thread::yield_now();
            count = consumed();
        }
        let upto = (count as usize).min(self.written.len());
        while self.told < upto {
            self.ledger.consumed(self.written[self.told]);
            self.told += 1;
        }
        if let Err(e) = self.ledger.complete(cqe) {
            self.errors.push(e.to_string());
        }
    }
}

/// Runs `ops` through a `Driver` over `sq`/`cq`/`kernel`: `Acquire` pushes fresh entries
/// (the driver makes room itself), `Publish`/`Submit` submit, waits complete that many,
/// reaping steps reap; kernel steps do nothing, since every kernel here runs by itself
/// (threads, or inline at enter). Then the driver drains. `consumed` says
/// how many entries the kernel has consumed so far. `sync_order` marks every entry as inline
/// for the ledger (a kernel that completes everything in submission order).
fn drive<B: Backend, K: Kernel + ?Sized>(
    sq: SubmissionQueue<'_, B>,
    cq: CompletionQueue<'_, B>,
    kernel: &K,
    ops: &[Op],
    consumed: &dyn Fn() -> u64,
    sync_order: bool,
) -> Result<(), TestCaseError> {
    let books =
        RefCell::new(Books { ledger: Ledger::new(), written: Vec::new(), told: 0, errors: vec![] });
    let mut on_cqe = |c: Cqe| books.borrow_mut().complete(c, consumed);
    let mut d = Driver::new(sq, cq, kernel);
    let mut next_ud = 1;
    let fail = |what: &str, e: &dyn std::fmt::Debug| TestCaseError::fail(format!("{what}: {e:?}"));
    for &op in ops {
        match op {
            Op::Acquire { n, kind, flags, .. } => {
                for _ in 0..n {
                    // The driver refuses entries that may post nothing.
                    let sub =
                        Sub { ud: next_ud, kind, flags: Flags { skip_success: false, ..flags } };
                    next_ud += 1;
                    let booked = if sync_order {
                        Sub { flags: Flags { async_: false, ..sub.flags }, ..sub }
                    } else {
                        sub
                    };
                    {
                        let mut b = books.borrow_mut();
                        b.ledger.queued(booked);
                        b.written.push(booked);
                    }
                    d.push(&sub.entry(), &mut on_cqe).map_err(|e| fail("push", &e))?;
                }
            }
            Op::Publish | Op::Submit => {
                d.submit(&mut on_cqe).map_err(|e| fail("submit", &e))?;
            }
            Op::SubmitAndWait(k) => {
                d.submit(&mut on_cqe).map_err(|e| fail("submit", &e))?;
                d.complete(u32::from(k), &mut on_cqe).map_err(|e| fail("complete", &e))?;
            }
            Op::Wait(k) => {
                d.complete(u32::from(k), &mut on_cqe).map_err(|e| fail("complete", &e))?;
            }
            Op::Peek | Op::Reap(_) | Op::Advance(_) | Op::GetEvents | Op::Flush => {
                d.reap(&mut on_cqe);
            }
            Op::Kernel(_) => {}
        }
    }
    d.drain(&mut on_cqe).map_err(|e| fail("drain", &e))?;
    prop_assert_eq!(d.in_flight(), 0);
    let b = books.into_inner();
    prop_assert!(b.errors.is_empty(), "{:?}", b.errors);
    prop_assert!(b.ledger.outstanding().is_empty(), "LOST: {:?}", b.ledger.outstanding());
    // Every entry written must have completed, including any the kernel never even consumed.
    let unfinished: Vec<u64> =
        b.ledger.entries().filter(|&(_, st)| st != State::Done).map(|(s, _)| s.ud).collect();
    prop_assert!(unfinished.is_empty(), "NEVER COMPLETED: {:?}", unfinished);
    Ok(())
}

fn sim_threads_case(cfg: RingCfg, ops: &[Op]) -> Result<(), TestCaseError> {
    fuzz::with_sim(&cfg, Mode::Threads, |t| {
        let sim = t.sim;
        let (sq, cq) = t.q.split();
        drive(sq, cq, sim, ops, &|| sim.stats().consumed, false)
    })
}

fn loopback_case<const SQ: usize, const CQ: usize>(
    cfg: &RingCfg,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let mut mem = RingMem::<SQ, CQ>::starting_at(cfg.start);
    let flags = if cfg.sq_array { 0 } else { setup::NO_SQARRAY };
    let (mut q, kernel) = mem.split(flags).unwrap();
    let (sq, cq) = q.split();
    drive(sq, cq, &kernel, ops, &|| kernel.stats().consumed, true)?;
    let s = kernel.stats();
    prop_assert_eq!((s.consumed, s.dropped), (s.submitted, 0));
    Ok(())
}

/// The rings the strategy draws, on `RingMem`s of the same sizes (the loopback kernel has no
/// SQPOLL, task work or injected short submits, so those are left out).
fn on_loopback(cfg: &RingCfg, ops: &[Op]) -> Result<(), TestCaseError> {
    match (cfg.entries, cfg.cq()) {
        (1, 1) => loopback_case::<1, 1>(cfg, ops),
        (1, 2) => loopback_case::<1, 2>(cfg, ops),
        (2, 2) => loopback_case::<2, 2>(cfg, ops),
        (2, 4) => loopback_case::<2, 4>(cfg, ops),
        (4, 4) => loopback_case::<4, 4>(cfg, ops),
        (4, 8) => loopback_case::<4, 8>(cfg, ops),
        (8, 8) => loopback_case::<8, 8>(cfg, ops),
        (8, 16) => loopback_case::<8, 16>(cfg, ops),
        other => Err(TestCaseError::reject(format!("no RingMem size for {other:?}"))),
    }
}

fn real_case(cfg: RingCfg, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut ring = match cfg.real_ring() {
        Ok(r) => r,
        Err(e) => return Err(TestCaseError::reject(format!("no real ring {cfg:?}: {e}"))),
    };
    let (sq, cq, submitter) = ring.split();
    // Without SQPOLL the kernel consumes at enter: the meter's count is what it consumed.
    let kernel = Metered::new(submitter);
    drive(sq, cq, &kernel, ops, &|| kernel.meter().submitted, false)
}

fn io_uring_available() -> bool {
    match ring_core::Ring::new(2) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("skipped: no io_uring here ({e})");
            false
        }
    }
}

proptest! {
    #![proptest_config(config(256, concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/metered.txt")))]

    /// The fuzz crate's whole state machine (model-checked after every step), with every
    /// enter going through `Metered`.
    #[test]
    fn metered_kernel_through_the_state_machine((cfg, ops) in case(Suite::SimStep)) {
        metered_case(cfg, &ops)?;
    }
}

proptest! {
    #![proptest_config(config(128, concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/driver_sim.txt")))]

    /// The driver on the simulator's threads: SQPOLL, an io-wq worker, task work, short
    /// submits, counters near the wrap.
    #[test]
    fn driver_on_the_simulator_threads((cfg, ops) in case(Suite::SimThreads)) {
        sim_threads_case(cfg, &ops)?;
    }
}

proptest! {
    #![proptest_config(config(256, concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/driver_loopback.txt")))]

    /// The driver over this crate's own ring: `Bare` backend, `RingMem`, `Loopback` kernel.
    #[test]
    fn driver_on_the_loopback_kernel((cfg, ops) in case(Suite::SimStep)) {
        on_loopback(&cfg, &ops)?;
    }
}

proptest! {
    #![proptest_config(config(128, concat!(env!("CARGO_MANIFEST_DIR"), "/regressions/driver_real.txt")))]

    /// The driver on Linux's ring (no SQPOLL: its timing cannot be scripted).
    #[test]
    fn driver_on_the_real_kernel((cfg, ops) in case(Suite::Real)) {
        if io_uring_available() {
            real_case(cfg, &ops)?;
        }
    }
}
