//! The sim's injected faults: short submits, enter errors after some SQEs or during a wait,
//! overflow allocation failures, spurious wakeups, and a dying SQPOLL thread. None may hang,
//! lose an entry or deliver one twice.
#![cfg(not(loom))]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{nop, ud_res, uds, STARTS};
use ring_core::abi::{enter, sq_flags, sqe_flags, Cqe, Timespec};
use ring_core::{Enter, EnterArg, Errno, Kernel};
use ring_kernel_sim::{
    held_op, EnterFault, Faults, Idle, KernelStep, Mode, SimQueues, SimRing, StepOutcome,
};

fn reap_all(q: &mut SimQueues<'_>) -> Vec<ring_core::abi::Cqe> {
    let mut got = Vec::new();
    q.completion().reap(u32::MAX, |c| got.push(c));
    got
}

fn push_nops(q: &mut SimQueues<'_>, range: std::ops::Range<u64>) {
    let mut sq = q.submission();
    for ud in range {
        sq.push(&nop(ud)).unwrap();
    }
}

#[test]
fn short_submit_leaves_the_rest_pending() {
    for start in STARTS {
        let faults = Faults { short_submit: Some(2), ..Faults::default() };
        let sim = SimRing::builder().entries(8).faults(faults).start_counters_at(start);
        let sim = sim.build().unwrap();
        let mut q = sim.queues().unwrap();
        push_nops(&mut q, 0..5);
        let mut returns = Vec::new();
        let mut pendings = Vec::new();
        while !q.submission().is_empty() {
            returns.push(q.submission().submit(&*sim));
            pendings.push(q.submission().pending());
        }
        assert_eq!(returns, [Ok(2), Ok(2), Ok(1)]);
        assert_eq!(pendings, [3, 1, 0]);
        assert_eq!(uds(&reap_all(&mut q)), [0, 1, 2, 3, 4]);

        // A short submit returns at once, even when asked to wait (Linux does not wait
        // after consuming fewer than to_submit): no hang although 5 completions never come.
        push_nops(&mut q, 5..10);
        let ts = Timespec { tv_sec: 5, tv_nsec: 0 };
        let t0 = Instant::now();
        let r = q.submission().submit_and_wait_with(
            &*sim,
            5,
            EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 },
        );
        assert_eq!(r, Ok(2));
        assert!(t0.elapsed() < Duration::from_secs(4), "a short submit waited");
        assert_eq!(q.submission().pending(), 3);
        sim.set_faults(Faults::default());
        assert_eq!(q.submission().submit_and_wait(&*sim, 3), Ok(3));
        assert_eq!(uds(&reap_all(&mut q)), [5, 6, 7, 8, 9]);
    }
}

#[test]
fn enter_error_after_some_sqes() {
    for start in STARTS {
        for after in [0, 2, 5] {
            let fault = EnterFault::submit(Errno::EIO, after);
            let faults = Faults { enter_error: Some(fault), ..Faults::default() };
            let sim = SimRing::builder().entries(8).faults(faults).start_counters_at(start);
            let sim = sim.build().unwrap();
            let mut q = sim.queues().unwrap();
            push_nops(&mut q, 0..5);
            assert_eq!(q.submission().submit(&*sim), Err(Errno::EIO), "after {after}");
            // What was consumed was processed; the rest is pending, not lost.
            let consumed = after.min(5);
            assert_eq!(q.submission().pending(), 5 - consumed, "after {after}");
            assert_eq!(q.completion().ready(), consumed, "after {after}");
            assert_eq!(sim.stats().consumed, u64::from(consumed));
            // The fault fires once.
            let again = q.submission().submit(&*sim);
            assert_eq!(again, Ok(5 - consumed), "after {after}");
            assert_eq!(uds(&reap_all(&mut q)), [0, 1, 2, 3, 4], "after {after}");
        }
    }
}

#[test]
fn overflow_alloc_failure_drops_and_reports_ebadr_once() {
    for start in STARTS {
        let faults = Faults { overflow_alloc_fail: true, ..Faults::default() };
        let sim = SimRing::builder().entries(4).cq_entries(8).mode(Mode::Step).faults(faults);
        let sim = sim.start_counters_at(start).build().unwrap();
        let mut q = sim.queues().unwrap();
        for batch in 0..3u64 {
            push_nops(&mut q, batch * 4..batch * 4 + 4);
            assert_eq!(q.submission().submit(&*sim), Ok(4));
        }
        // The last 4 could not be parked: dropped and counted, no backlog, no CQ_OVERFLOW.
        assert_eq!(q.completion().ready(), 8);
        assert_eq!(q.completion().overflow(), 4);
        assert_eq!(q.submission().flags() & sq_flags::CQ_OVERFLOW, 0);
        assert_eq!(sim.backlog_len(), 0);
        let stats = sim.stats();
        assert_eq!((stats.posted, stats.lost, stats.overflowed), (8, 4, 0));

        let getevents =
            |min_complete| Enter { min_complete, flags: enter::GETEVENTS, ..Enter::default() };
        // Enough CQEs visible: the wait does not block, so the drop is not reported yet.
        assert_eq!(sim.enter(getevents(1)), Ok(0));
        assert_eq!(uds(&reap_all(&mut q)), (0..8).collect::<Vec<_>>());
        // Fewer than asked but some visible: the error is masked, and stays pending.
        push_nops(&mut q, 20..21);
        assert_eq!(q.submission().submit(&*sim), Ok(1));
        assert_eq!(sim.enter(getevents(2)), Ok(0));
        assert_eq!(uds(&reap_all(&mut q)), [20]);
        // Nothing visible: EBADR, exactly once; then the wait would simply block.
        assert_eq!(sim.enter(getevents(1)), Err(Errno::EBADR));
        assert_eq!(sim.enter(getevents(1)), Err(Errno::EAGAIN));
        assert_eq!(q.completion().overflow(), 4, "the counter keeps real drops");
        // Nothing else is affected.
        push_nops(&mut q, 30..32);
        assert_eq!(q.submission().submit_and_wait(&*sim, 2), Ok(2));
        assert_eq!(uds(&reap_all(&mut q)), [30, 31]);
    }
}

#[test]
fn ebadr_is_not_reported_by_an_enter_that_submitted() {
    let faults = Faults { overflow_alloc_fail: true, ..Faults::default() };
    let sim = SimRing::builder().entries(4).cq_entries(4).mode(Mode::Step).faults(faults);
    let sim = sim.build().unwrap();
    let mut q = sim.queues().unwrap();
    push_nops(&mut q, 0..4);
    assert_eq!(q.submission().submit(&*sim), Ok(4));
    push_nops(&mut q, 4..5);
    assert_eq!(q.submission().submit(&*sim), Ok(1));
    assert_eq!(q.completion().overflow(), 1);
    assert_eq!(reap_all(&mut q).len(), 4);
    // A submitting enter that then waits returns its count; the drop stays pending.
    q.submission().push(&held_op(9)).unwrap();
    assert_eq!(q.submission().submit_and_wait(&*sim, 1), Ok(1));
    assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EBADR));
    assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EAGAIN));
}

#[test]
fn sqpoll_death_in_step_mode() {
    for start in STARTS {
        let faults = Faults { sqpoll_dies_after: Some(1), ..Faults::default() };
        let sim = SimRing::builder().entries(4).sqpoll().mode(Mode::Step).faults(faults);
        let sim = sim.start_counters_at(start).build().unwrap();
        let mut q = sim.queues().unwrap();
        q.submission().push(&nop(1)).unwrap();
        assert_eq!(q.submission().submit(&*sim), Ok(1));
        assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Consumed(1));
        assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Idle, "dies");
        // NEED_WAKEUP stays set, so the user enters and hears about it.
        assert!(q.submission().need_wakeup());
        q.submission().push(&nop(2)).unwrap();
        assert_eq!(q.submission().submit(&*sim), Err(Errno::EOWNERDEAD));
        assert_eq!(q.completion().wait(&*sim, 2), Err(Errno::EOWNERDEAD));
        let sq_wait = Enter { flags: enter::SQ_WAIT, ..Enter::default() };
        assert_eq!(sim.enter(sq_wait), Err(Errno::EOWNERDEAD));
        assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Idle);
        assert_eq!(sim.step(KernelStep::SqpollSleep), StepOutcome::Idle);
        assert_eq!(q.submission().pending(), 1, "the dead thread consumed nothing more");
        assert_eq!(uds(&reap_all(&mut q)), [1]);
    }
}

#[test]
fn sqpoll_death_wakes_a_blocked_waiter() {
    // The thread never idles, so it keeps polling until it dies; the user is then (most
    // likely) blocked waiting for a completion that will never come. It must be woken with
    // EOWNERDEAD, not left to its timeout (ETIME) or forever.
    for round in 0..5 {
        let faults = Faults { sqpoll_dies_after: Some(20_000), ..Faults::default() };
        let sim = SimRing::builder().entries(4).sqpoll().idle(Idle::Polls(u32::MAX));
        let sim = sim.mode(Mode::Threads).faults(faults).build().unwrap();
        let threads = sim.start();
        {
            let mut q = sim.queues().unwrap();
            q.submission().push(&held_op(1)).unwrap();
            // The thread is awake: no enter; the count is what was still pending (0 or 1).
            assert!(q.submission().submit(&*sim).is_ok());
            let ts = Timespec { tv_sec: 10, tv_nsec: 0 };
            let arg = EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 };
            assert_eq!(q.completion().wait_with(&*sim, 1, arg), Err(Errno::EOWNERDEAD), "{round}");
            assert_eq!(sim.enter(Enter::default()), Err(Errno::EOWNERDEAD));
            assert_eq!(sim.held(), [1], "the thread consumed the SQE before dying");
        }
        threads.join();
    }
}

#[test]
fn completions_after_faults_keep_their_order() {
    // Short submits interleaved with waits on a threaded ring with a worker: every
    // completion once, the inline ones in order.
    let faults = Faults { short_submit: Some(3), worker_delay: 5, ..Faults::default() };
    let sim = SimRing::builder().entries(8).workers(1).faults(faults).build().unwrap();
    let threads = sim.start();
    {
        let mut q = sim.queues().unwrap();
        let mut got = Vec::new();
        for round in 0..20u64 {
            {
                let mut sq = q.submission();
                for i in 0..8 {
                    let ud = round * 8 + i;
                    let e = if i % 4 == 3 {
                        nop(ud).flags(ring_core::abi::sqe_flags::ASYNC)
                    } else {
                        nop(ud)
                    };
                    sq.push(&e).unwrap();
                }
            }
            while q.submission().pending() + q.submission().unpublished() != 0 {
                q.submission().submit(&*sim).unwrap();
            }
            while got.len() < ((round + 1) * 8) as usize {
                if q.completion().ready() == 0 {
                    q.completion().wait(&*sim, 1).unwrap();
                }
                got.extend(ud_res(&reap_all(&mut q)));
            }
        }
        let inline: Vec<u64> = got.iter().map(|&(u, _)| u).filter(|u| u % 4 != 3).collect();
        let mut sorted = inline.clone();
        sorted.sort_unstable();
        assert_eq!(inline, sorted, "inline completions out of order");
        let mut all: Vec<u64> = got.iter().map(|&(u, _)| u).collect();
        all.sort_unstable();
        assert_eq!(all, (0..160).collect::<Vec<_>>());
    }
    threads.join();
}

/// A bounded wait argument: a lost wakeup fails the test with `ETIME` instead of hanging it.
const HANG: Timespec = Timespec { tv_sec: 10, tv_nsec: 0 };

fn bounded() -> EnterArg<'static> {
    EnterArg::Wait { timeout: Some(&HANG), min_wait_usec: 0 }
}

/// Counts each user_data seen; panics on a duplicate.
#[derive(Default)]
struct Ledger(BTreeMap<u64, i32>);

impl Ledger {
    fn take(&mut self, cqes: &[Cqe]) {
        for c in cqes {
            assert!(self.0.insert(c.user_data, c.res).is_none(), "user_data {} twice", c.user_data);
        }
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn assert_exactly(&self, expected: impl IntoIterator<Item = u64>) {
        let got: Vec<u64> = self.0.keys().copied().collect();
        let want: Vec<u64> = expected.into_iter().collect();
        assert_eq!(got, want, "every user_data exactly once");
    }
}

/// Reaps, waiting (bounded) whenever nothing is ready, until `n` completions were taken.
fn collect(q: &mut SimQueues<'_>, sim: &SimRing, ledger: &mut Ledger, n: usize) {
    while ledger.len() < n {
        if q.completion().ready() == 0 {
            let r = q.completion().wait_with(sim, 1, bounded());
            assert!(r.is_ok(), "waiting for completion {} of {n}: {r:?}", ledger.len());
        }
        ledger.take(&reap_all(q));
    }
}

// ---- enter errors after a partial consume: EINTR, EAGAIN, EBUSY ----

/// The user side's accounting after an enter that consumed `after` of `queued` entries and
/// then failed: the rest pending (and resubmitted by the next submit), the space is what the
/// kernel's head says, the consumed ones completed.
fn check_partial(
    q: &mut SimQueues<'_>,
    sim: &SimRing,
    entries: u32,
    queued: u32,
    after: u32,
    what: &str,
) {
    let consumed = after.min(queued);
    let sq = q.submission();
    assert_eq!(sq.pending(), queued - consumed, "{what}: pending");
    assert_eq!(sq.unpublished(), 0, "{what}: everything was published before the enter");
    assert_eq!(sq.space_left(), entries - (queued - consumed), "{what}: space");
    assert_eq!(sim.stats().consumed, u64::from(consumed), "{what}: the kernel's count");
    assert_eq!(q.completion().ready(), consumed, "{what}: completions of the consumed ones");
}

fn enter_error_partial_consume(errno: Errno) {
    for start in STARTS {
        for after in [0, 1, 3, 5] {
            let what = format!("{errno:?} after {after} from {start:#x}");
            let faults =
                Faults { enter_error: Some(EnterFault::submit(errno, after)), ..Faults::default() };
            let sim = SimRing::builder().entries(8).mode(Mode::Step).faults(faults);
            let sim = sim.start_counters_at(start).build().unwrap();
            let mut q = sim.queues().unwrap();
            push_nops(&mut q, 0..5);
            assert_eq!(q.submission().submit(&*sim), Err(errno), "{what}");
            check_partial(&mut q, &sim, 8, 5, after, &what);
            // New entries join the leftovers; the retry submits both (the fault fired once).
            push_nops(&mut q, 5..7);
            let left = 5 - after.min(5) + 2;
            assert_eq!(q.submission().submit_and_wait(&*sim, left), Ok(left), "{what}");
            assert_eq!(q.submission().pending(), 0, "{what}");
            assert_eq!(q.submission().space_left(), 8, "{what}");
            let mut ledger = Ledger::default();
            ledger.take(&reap_all(&mut q));
            ledger.assert_exactly(0..7);
            assert_eq!(sim.stats().consumed, 7, "{what}: nothing consumed twice");
        }
    }
}

#[test]
fn enter_eintr_after_a_partial_consume() {
    enter_error_partial_consume(Errno::EINTR);
}

#[test]
fn enter_eagain_after_a_partial_consume() {
    enter_error_partial_consume(Errno::EAGAIN);
}

#[test]
fn enter_ebusy_after_a_partial_consume() {
    enter_error_partial_consume(Errno::EBUSY);
}

/// The same on kernel threads, with io-wq work among the consumed entries: completions of
/// the consumed part arrive whenever the worker gets to them, and a retry that also waits
/// collects every user_data once.
#[test]
fn enter_errors_with_async_work_on_threads() {
    for errno in [Errno::EINTR, Errno::EAGAIN, Errno::EBUSY] {
        let sim = SimRing::builder().entries(8).workers(1).mode(Mode::Threads).build().unwrap();
        let threads = sim.start();
        {
            let mut q = sim.queues().unwrap();
            let mut ledger = Ledger::default();
            for round in 0..20u64 {
                let base = round * 6;
                {
                    let mut sq = q.submission();
                    for ud in base..base + 6 {
                        let e = if ud % 2 == 0 { nop(ud).flags(sqe_flags::ASYNC) } else { nop(ud) };
                        sq.push(&e).unwrap();
                    }
                }
                let after = (round % 4) as u32;
                sim.set_faults(Faults {
                    enter_error: Some(EnterFault::submit(errno, after)),
                    ..Faults::default()
                });
                assert_eq!(q.submission().submit(&*sim), Err(errno), "{errno:?} round {round}");
                assert_eq!(q.submission().pending(), 6 - after, "{errno:?} round {round}");
                assert_eq!(q.submission().space_left(), 8 - (6 - after), "{errno:?} round {round}");
                assert_eq!(sim.stats().consumed, base + u64::from(after));
                // Retry until everything is consumed, waiting for all of this round.
                while q.submission().pending() != 0 {
                    let n = q.submission().pending();
                    assert_eq!(q.submission().submit_and_wait_with(&*sim, 1, bounded()), Ok(n));
                }
                collect(&mut q, &sim, &mut ledger, (base + 6) as usize);
            }
            ledger.assert_exactly(0..120);
            assert_eq!(sim.stats().consumed, 120);
        }
        threads.join();
    }
}

// ---- an interrupted GETEVENTS wait ----

#[test]
fn wait_interrupted_in_step_mode() {
    for start in STARTS {
        let sim = SimRing::builder().entries(4).mode(Mode::Step).start_counters_at(start);
        let sim = sim.build().unwrap();
        let mut q = sim.queues().unwrap();
        let getevents =
            |min_complete| Enter { min_complete, flags: enter::GETEVENTS, ..Enter::default() };
        q.submission().push(&held_op(1)).unwrap();
        assert_eq!(q.submission().submit(&*sim), Ok(1));

        // A wait that would block is interrupted (instead of step mode's EAGAIN), once.
        sim.set_faults(Faults {
            enter_error: Some(EnterFault::wait(Errno::EINTR)),
            ..Faults::default()
        });
        assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EINTR));
        assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EAGAIN), "the fault fired once");

        // A wait that does not block is not interrupted: the fault stays armed.
        assert!(sim.release_held(1, 0));
        sim.set_faults(Faults {
            enter_error: Some(EnterFault::wait(Errno::EINTR)),
            ..Faults::default()
        });
        assert_eq!(sim.enter(getevents(1)), Ok(0));
        // With a CQE visible, an interrupted wait for more succeeds (io_cqring_wait masks it).
        assert_eq!(sim.enter(getevents(2)), Ok(0));
        assert_eq!(sim.enter(getevents(2)), Err(Errno::EAGAIN), "used up by the masked wait");
        let mut ledger = Ledger::default();
        ledger.take(&reap_all(&mut q));

        // A submit-and-wait whose wait is interrupted returns the count it submitted, as
        // Linux does; the completion is still delivered once.
        q.submission().push(&held_op(2)).unwrap();
        sim.set_faults(Faults {
            enter_error: Some(EnterFault::wait(Errno::EINTR)),
            ..Faults::default()
        });
        assert_eq!(q.submission().submit_and_wait(&*sim, 1), Ok(1));
        assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EAGAIN), "the fault is used up");
        assert_eq!(q.submission().pending(), 0);
        assert!(sim.release_held(2, 0));
        assert_eq!(q.completion().wait(&*sim, 1), Ok(1));
        ledger.take(&reap_all(&mut q));

        // A submit fault does not strike a wait, and a wait fault does not strike a submit.
        sim.set_faults(Faults {
            enter_error: Some(EnterFault::submit(Errno::EINTR, 0)),
            ..Faults::default()
        });
        assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EAGAIN));
        sim.set_faults(Faults {
            enter_error: Some(EnterFault::wait(Errno::EINTR)),
            ..Faults::default()
        });
        push_nops(&mut q, 3..4);
        assert_eq!(q.submission().submit(&*sim), Ok(1));
        ledger.take(&reap_all(&mut q));
        assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EINTR));
        ledger.assert_exactly([1, 2, 3]);
    }
}

/// On kernel threads: a waiter whose completion is in flight is interrupted instead of
/// blocking; the retried wait gets the completion, once.
#[test]
fn wait_interrupted_on_threads() {
    for sqpoll in [false, true] {
        let b = SimRing::builder().entries(4).workers(1).mode(Mode::Threads);
        let b = if sqpoll { b.sqpoll().idle(Idle::Millis(1)) } else { b };
        let sim = b.build().unwrap();
        let threads = sim.start();
        {
            let mut q = sim.queues().unwrap();
            let mut ledger = Ledger::default();
            for round in 0..20u64 {
                q.submission().push(&held_op(round)).unwrap();
                q.submission().submit(&*sim).unwrap();
                // The SQPOLL thread may not have consumed it yet: wait until it has.
                let t0 = Instant::now();
                while sim.held() != [round] {
                    assert!(t0.elapsed() < Duration::from_secs(10), "held op {round} not issued");
                    std::thread::yield_now();
                }
                let fault = EnterFault::wait(Errno::EINTR);
                sim.set_faults(Faults { enter_error: Some(fault), ..Faults::default() });
                assert_eq!(q.completion().wait_with(&*sim, 1, bounded()), Err(Errno::EINTR));
                let releaser = {
                    let sim = Arc::clone(&sim);
                    std::thread::spawn(move || assert!(sim.release_held(round, 0)))
                };
                collect(&mut q, &sim, &mut ledger, (round + 1) as usize);
                releaser.join().unwrap();
            }
            ledger.assert_exactly(0..20);
        }
        threads.join();
    }
}

// ---- spurious wakeups ----

#[test]
fn spurious_wakeup_ends_an_sqpoll_sleep_in_step_mode() {
    for start in STARTS {
        let faults = Faults { spurious_wakeups: true, ..Faults::default() };
        let sim = SimRing::builder().entries(4).sqpoll().mode(Mode::Step).faults(faults);
        let sim = sim.start_counters_at(start).build().unwrap();
        let mut q = sim.queues().unwrap();
        let mut ledger = Ledger::default();

        // Asleep with NEED_WAKEUP set; a poll step finds it awake although nobody entered:
        // it clears the flag and polls.
        assert_eq!(sim.step(KernelStep::SqpollSleep), StepOutcome::Asleep);
        assert!(q.submission().need_wakeup());
        assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Consumed(0));
        assert!(!sim.sqpoll_asleep());
        assert!(!q.submission().need_wakeup());

        // Awake: a submit publishes without entering, the next poll consumes.
        q.submission().push(&nop(1)).unwrap();
        assert!(!q.submission().plan_enter(0).needed);
        assert_eq!(q.submission().submit(&*sim), Ok(1));
        assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Consumed(1));
        ledger.take(&reap_all(&mut q));

        // Asleep again; the user publishes, sees NEED_WAKEUP and wakes it, and the spurious
        // wakeup is pending too: one poll consumes the entry, once.
        assert_eq!(sim.step(KernelStep::SqpollSleep), StepOutcome::Asleep);
        q.submission().push(&nop(2)).unwrap();
        assert_ne!(q.submission().plan_enter(0).flags & enter::SQ_WAKEUP, 0);
        assert_eq!(q.submission().submit(&*sim), Ok(1));
        assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Consumed(1));
        assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Consumed(0));
        ledger.take(&reap_all(&mut q));
        ledger.assert_exactly([1, 2]);
        assert_eq!(sim.stats().consumed, 2);
    }
}

/// A pseudo-random schedule of user and kernel steps with the fault on: at the end, every
/// user_data was delivered exactly once.
#[test]
fn spurious_wakeups_in_random_step_schedules() {
    for seed in 0..200u64 {
        let mut rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let faults = Faults { spurious_wakeups: true, ..Faults::default() };
        let start = STARTS[(seed % 2) as usize];
        let sim = SimRing::builder().entries(4).cq_entries(8).sqpoll().workers(1);
        let sim = sim.mode(Mode::Step).faults(faults).start_counters_at(start).build().unwrap();
        let mut q = sim.queues().unwrap();
        let mut ledger = Ledger::default();
        let mut issued = 0u64;
        for _ in 0..120 {
            match next(7) {
                0 | 1 => {
                    if q.submission().space_left() != 0 {
                        let e = match next(3) {
                            0 => nop(issued).flags(sqe_flags::ASYNC),
                            1 => held_op(issued),
                            _ => nop(issued),
                        };
                        q.submission().push(&e).unwrap();
                        issued += 1;
                    }
                    q.submission().submit(&*sim).unwrap();
                }
                2 => {
                    sim.step(KernelStep::SqpollPoll);
                }
                3 => {
                    sim.step(KernelStep::SqpollSleep);
                }
                4 => {
                    sim.step(KernelStep::CompleteWorker(next(4) as usize));
                }
                5 => {
                    sim.step(KernelStep::ReleaseHeld(next(4) as usize));
                }
                _ => ledger.take(&reap_all(&mut q)),
            }
        }
        // Drain: wake the thread the way the user would, let it poll, finish every job.
        for _ in 0..1000 {
            if ledger.len() as u64 == issued {
                break;
            }
            q.submission().submit(&*sim).unwrap();
            sim.step(KernelStep::SqpollPoll);
            sim.step(KernelStep::CompleteWorker(0));
            sim.step(KernelStep::ReleaseHeld(0));
            let _ = q.completion().flush(&*sim);
            ledger.take(&reap_all(&mut q));
        }
        ledger.assert_exactly(0..issued);
        assert_eq!(sim.stats().lost, 0, "seed {seed}");
    }
}

/// SQPOLL thread, SQ_WAIT waiters and GETEVENTS waiters on threads, with every sleep
/// liable to end spuriously: every entry is consumed once and completes once, and no
/// wait runs into its timeout.
#[test]
fn spurious_wakeups_on_sqpoll_threads() {
    for idle in [Idle::Polls(1), Idle::Millis(1)] {
        let faults = Faults { spurious_wakeups: true, ..Faults::default() };
        let sim = SimRing::builder().entries(4).sqpoll().idle(idle).workers(1);
        let sim = sim.mode(Mode::Threads).faults(faults).build().unwrap();
        let threads = sim.start();
        {
            let mut q = sim.queues().unwrap();
            let mut ledger = Ledger::default();
            let mut issued = 0u64;
            for round in 0..100u64 {
                // Fill the SQ, waiting in the kernel for room (SQ_WAIT) when it is full.
                for _ in 0..6 {
                    if q.submission().space_left() == 0 {
                        q.submission().wait_for_space(&*sim).unwrap();
                    }
                    let e = if issued % 3 == 0 {
                        nop(issued).flags(sqe_flags::ASYNC)
                    } else {
                        nop(issued)
                    };
                    q.submission().push(&e).unwrap();
                    issued += 1;
                    q.submission().submit(&*sim).unwrap();
                }
                collect(&mut q, &sim, &mut ledger, issued as usize);
                if round % 10 == 0 {
                    // Let the thread go to sleep (and maybe wake spuriously) between rounds.
                    std::thread::sleep(Duration::from_millis(3));
                }
            }
            ledger.assert_exactly(0..issued);
            assert_eq!(sim.stats().consumed, issued);
        }
        threads.join();
    }
}

/// GETEVENTS waiters and io-wq workers on threads (no SQPOLL), with every sleep liable to
/// end spuriously; completions come from two workers and from another thread releasing
/// held operations while the user waits.
#[test]
fn spurious_wakeups_on_worker_threads() {
    let faults = Faults { spurious_wakeups: true, worker_delay: 2, ..Faults::default() };
    let sim = SimRing::builder().entries(8).workers(2).mode(Mode::Threads).faults(faults);
    let sim = sim.build().unwrap();
    let threads = sim.start();
    {
        let mut q = sim.queues().unwrap();
        let mut ledger = Ledger::default();
        for round in 0..100u64 {
            let base = round * 6;
            {
                let mut sq = q.submission();
                for ud in base..base + 4 {
                    sq.push(&nop(ud).flags(sqe_flags::ASYNC)).unwrap();
                }
                sq.push(&held_op(base + 4)).unwrap();
                sq.push(&nop(base + 5)).unwrap();
            }
            let releaser = {
                let sim = Arc::clone(&sim);
                std::thread::spawn(move || {
                    let t0 = Instant::now();
                    while !sim.release_held(base + 4, 0) {
                        assert!(t0.elapsed() < Duration::from_secs(10), "held op never issued");
                        std::thread::yield_now();
                    }
                })
            };
            // Wait for all six in one enter: the waiter sleeps until the last one arrives.
            let r = q.submission().submit_and_wait_with(&*sim, 6, bounded());
            assert_eq!(r, Ok(6), "round {round}");
            collect(&mut q, &sim, &mut ledger, (base + 6) as usize);
            releaser.join().unwrap();
        }
        ledger.assert_exactly(0..600);
        assert_eq!(sim.stats().consumed, 600);
    }
    threads.join();
}
