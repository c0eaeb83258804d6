//! Part (b): loom models of this crate's submit/reap loop, `downstream::submit_and_reap` (the
//! same generic function the host tests run on `RingMem` + `Loopback` and on Linux), against
//! ring-kernel-sim's `SimRing` with its `Sim` backend, whose kernel threads (an SQPOLL
//! thread, an io-wq worker) are loom threads. Built only with `RUSTFLAGS="--cfg loom"`:
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" cargo test --release --test loom_model --target-dir target/loom \
//!     -- --nocapture
//! ```
//!
//! Every model runs to exhaustion at preemption bound 2 (`DOWNSTREAM_LOOM_BOUND=3` for a
//! deeper run) and prints its iteration count. The property, in both passing models: every
//! `user_data` completes exactly once, with its result. Two more tests run the same models
//! broken on purpose, and pass only if loom reports the failure.
#![cfg(loom)]

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::Instant;

use downstream::{submit_and_reap, DriveError, Driver};
use ring_core::abi::Cqe;
use ring_core::opcode::{Entry, Nop};
use ring_core::Site;
use ring_kernel_sim::{with_mutant, AnySite, Idle, Mutant, SimRing};

/// The preemption bound: loom explores every interleaving with at most this many
/// preemptions.
fn bound() -> usize {
    std::env::var("DOWNSTREAM_LOOM_BOUND").ok().and_then(|v| v.parse().ok()).unwrap_or(2)
}

// ---- the models ----

/// The operations: `n` NOPs; `user_data` 1 completes with an injected -5, the others with 0.
/// With `async_`, each runs on an io-wq worker (`IOSQE_ASYNC`) instead of inline.
fn entries(n: u64, async_: bool) -> impl Iterator<Item = Entry> {
    (0..n).map(move |ud| {
        let e = Nop::new().inject_result((ud == 1).then_some(-5)).build().user_data(ud);
        if async_ {
            e.force_async()
        } else {
            e
        }
    })
}

/// Counts completions per `user_data` and checks each result.
struct Seen([u8; 3]);

impl Seen {
    fn record(&mut self, cqe: Cqe) {
        let ud = cqe.user_data as usize;
        assert!(ud < self.0.len(), "UNKNOWN user_data {ud}");
        assert_eq!(cqe.res, if ud == 1 { -5 } else { 0 }, "wrong result for user_data {ud}");
        self.0[ud] += 1;
        assert_eq!(self.0[ud], 1, "DUPLICATE completion of user_data {ud}");
    }

    fn assert_exactly_once(&self) {
        for (ud, &n) in self.0.iter().enumerate() {
            assert_eq!(n, 1, "LOST: user_data {ud} completed {n} times");
        }
    }
}

/// SQPOLL: a 2-entry ring whose kernel thread sleeps after one empty poll. Three NOPs through
/// `submit_and_reap`: the third push finds the SQ full and waits for space (SQ_WAIT); loom
/// interleaves the thread's polls and its sleep (NEED_WAKEUP, fence, tail re-check) with the
/// loop's publishes, wakeups and GETEVENTS waits.
fn sqpoll_model() {
    let sim =
        SimRing::builder().entries(2).sqpoll().workers(0).idle(Idle::Polls(1)).build().unwrap();
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut seen = Seen([0; 3]);
    let (sq, cq) = q.split();
    let n = submit_and_reap(sq, cq, &*sim, entries(3, false), |c| seen.record(c)).unwrap();
    assert_eq!(n, 3);
    seen.assert_exactly_once();
    threads.join();
}

/// How the io-wq model drains: the crate's loop, or a plausible bug.
#[derive(Clone, Copy)]
enum Drain {
    /// `submit_and_reap`: reap until nothing is in flight, waiting when nothing is visible.
    Loop,
    /// The bug: wait until something completes, reap what is there, and stop, as if a
    /// submission's completions all arrived together.
    OneWait,
}

/// io-wq: a 2-entry ring with two workers. All three NOPs run on the workers, which complete
/// them whenever loom schedules them, in any order, while the loop waits.
fn iowq_model(drain: Drain) {
    let sim = SimRing::builder().entries(2).workers(2).build().unwrap();
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut seen = Seen([0; 3]);
    let (sq, cq) = q.split();
    match drain {
        Drain::Loop => {
            submit_and_reap(sq, cq, &*sim, entries(3, true), |c| seen.record(c)).unwrap();
        }
        Drain::OneWait => {
            let mut rec = |c| seen.record(c);
            let mut d = Driver::new(sq, cq, &*sim);
            for e in entries(3, true) {
                d.push(&e, &mut rec).unwrap();
            }
            d.submit(&mut rec).map_err(DriveError::Kernel).unwrap();
            d.complete(1, &mut rec).unwrap();
            d.reap(&mut rec);
        }
    }
    seen.assert_exactly_once();
    threads.join();
}

// ---- running a model: iterations, time, and a failure captured rather than printed ----

struct Outcome {
    iterations: u64,
    secs: f64,
    /// The first panic message of a failing model (assertion, deadlock, causality violation).
    failure: Option<String>,
}

thread_local! {
    /// While set, panic messages on this thread are collected here instead of printed.
    static CAPTURE: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let captured = CAPTURE.with(|c| match c.borrow_mut().as_mut() {
                Some(v) => {
                    v.push(info.to_string());
                    true
                }
                None => false,
            });
            if !captured {
                default(info);
            }
        }));
    });
}

/// Runs `body` under loom to exhaustion at `bound`, counting executions. With `expect_failure`
/// the failure's message is captured instead of printed.
fn check(bound: usize, expect_failure: bool, body: impl Fn() + Send + Sync + 'static) -> Outcome {
    install_hook();
    let iterations = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&iterations);
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(bound);
    if expect_failure {
        CAPTURE.with(|c| *c.borrow_mut() = Some(Vec::new()));
    }
    let start = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        builder.check(move || {
            // Relaxed: a test-side counter outside the model, read after `check` returns.
            count.fetch_add(1, Ordering::Relaxed);
            body();
        })
    }));
    let secs = start.elapsed().as_secs_f64();
    let captured = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    let failure = result.err().map(|payload| {
        captured.into_iter().next().unwrap_or_else(|| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic without a message".into())
        })
    });
    // Relaxed: loom's executions have all finished on this thread.
    Outcome { iterations: iterations.load(Ordering::Relaxed), secs, failure }
}

fn report(name: &str, bound: usize, o: &Outcome) {
    let verdict = match &o.failure {
        None => "pass".to_string(),
        Some(m) => format!("FAILS: {}", m.lines().take(2).collect::<Vec<_>>().join(" ")),
    };
    println!(
        "loom {name}: preemption bound {bound}, {} iterations, {:.2} s: {verdict}",
        o.iterations, o.secs
    );
}

// ---- the tests ----

#[test]
fn sqpoll_every_user_data_completes_exactly_once() {
    let bound = bound();
    let o = check(bound, false, sqpoll_model);
    report("sqpoll_exactly_once", bound, &o);
    assert!(o.failure.is_none());
    assert!(o.iterations > 1, "loom explored a single interleaving");
}

#[test]
fn iowq_every_user_data_completes_exactly_once() {
    let bound = bound();
    let o = check(bound, false, || iowq_model(Drain::Loop));
    report("iowq_exactly_once", bound, &o);
    assert!(o.failure.is_none());
    assert!(o.iterations > 1, "loom explored a single interleaving");
}

/// The SQPOLL model with ring-core's wakeup fence (site `SqWakeupFence`: SeqCst between the
/// SQ tail store and the NEED_WAKEUP load) weakened to nothing, through ring-kernel-sim's
/// mutant switch: the loop can miss NEED_WAKEUP while the thread misses the new tail and
/// sleeps, and nobody wakes it. loom must report the deadlock.
#[test]
fn sqpoll_model_catches_a_missing_wakeup_fence() {
    let bound = bound();
    let weakened = Mutant { site: AnySite::User(Site::SqWakeupFence), ordering: Ordering::Relaxed };
    let o = check(bound, true, move || with_mutant(Some(weakened), sqpoll_model));
    report("sqpoll_exactly_once with SqWakeupFence=Relaxed", bound, &o);
    let msg = o.failure.expect("loom must catch the missing fence");
    assert!(msg.contains("deadlock"), "expected a deadlock, got: {msg}");
}

/// The io-wq model with the loop's drain replaced by a plausible bug (one wait, one reap):
/// whenever the worker is slower than the inline completion, an io-wq completion is lost.
/// loom must find that interleaving.
#[test]
fn iowq_model_catches_a_drain_that_stops_early() {
    let bound = bound();
    let o = check(bound, true, || iowq_model(Drain::OneWait));
    report("iowq_exactly_once with the one-wait drain", bound, &o);
    let msg = o.failure.expect("loom must catch the early stop");
    assert!(msg.contains("LOST"), "expected a lost completion, got: {msg}");
}
