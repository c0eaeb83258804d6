//! The simulator's fault paths under loom: spurious wakeups of the SQPOLL thread, of
//! GETEVENTS and SQ_WAIT waiters and of io-wq workers, explored in every interleaving (at
//! preemption bound 2). Built only with `RUSTFLAGS="--cfg loom"`:
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" cargo test --release -p ring-kernel-sim --test loom_faults \
//!     --target-dir target/loom
//! ```
#![cfg(loom)]

use ring_core::abi::sqe_flags;
use ring_core::opcode::Nop;
use ring_kernel_sim::{Faults, Idle, SimQueues, SimRing};

/// Runs `f` in every interleaving at preemption bound 2 and prints the bound and the number
/// of executions explored (run with `--nocapture` to see it).
fn check(name: &str, f: impl Fn() + Sync + Send + 'static) {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use std::sync::Arc;
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    // A run cut short by LOOM_MAX_DURATION / LOOM_MAX_PERMUTATIONS is not coverage.
    builder.max_duration = None;
    builder.max_permutations = None;
    // loom runs the executions one after another: a plain counter counts them.
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&runs);
    builder.check(move || {
        counter.fetch_add(1, Relaxed);
        f();
    });
    println!("loom {name}: preemption bound 2, {} iterations: pass", runs.load(Relaxed));
}

/// Submits `n` NOPs (IOSQE_ASYNC where `async_op(ud)`), making room with SQ_WAIT or a submit
/// when the SQ is full, then collects every completion, waiting when none is ready.
fn submit_and_collect(q: &mut SimQueues<'_>, sim: &SimRing, n: u64, async_op: fn(u64) -> bool) {
    let mut seen = vec![0u32; n as usize];
    for ud in 0..n {
        let e = Nop::new().build().user_data(ud);
        let e = if async_op(ud) { e.flags(sqe_flags::ASYNC) } else { e };
        while q.submission().push(&e).is_err() {
            q.submission().wait_for_space(sim).unwrap();
        }
        q.submission().submit(sim).unwrap();
    }
    let mut got = 0;
    while got < n {
        let mut cq = q.completion();
        match cq.peek() {
            Some(c) => {
                seen[c.user_data as usize] += 1;
                got += 1;
                cq.advance(1).unwrap();
            }
            None => {
                cq.wait(sim, 1).unwrap();
            }
        }
    }
    assert!(seen.iter().all(|&s| s == 1), "every user_data exactly once: {seen:?}");
}

/// An SQPOLL thread whose sleeps may end spuriously, a user submitting through a 2-entry SQ
/// (SQ_WAIT when full) and waiting in GETEVENTS, with waits that may end spuriously too.
#[test]
fn sqpoll_spurious_wakeups_lose_nothing() {
    check("sqpoll_spurious_wakeups_lose_nothing", || {
        let faults = Faults { spurious_wakeups: true, ..Faults::default() };
        let sim = SimRing::builder().entries(2).sqpoll().workers(0).idle(Idle::Polls(1));
        let sim = sim.faults(faults).build().unwrap();
        let mut q = sim.queues().unwrap();
        let threads = sim.start();
        submit_and_collect(&mut q, &sim, 3, |_| false);
        threads.join();
    });
}

/// An io-wq worker whose idle waits may end spuriously, completing into a 2-entry CQ that
/// wraps while the user waits and reaps.
#[test]
fn worker_spurious_wakeups_lose_nothing() {
    check("worker_spurious_wakeups_lose_nothing", || {
        let faults = Faults { spurious_wakeups: true, ..Faults::default() };
        let sim = SimRing::builder().entries(2).cq_entries(2).workers(1).faults(faults);
        let sim = sim.start_counters_at(u32::MAX).build().unwrap();
        let mut q = sim.queues().unwrap();
        let threads = sim.start();
        submit_and_collect(&mut q, &sim, 3, |ud| ud != 1);
        threads.join();
    });
}
