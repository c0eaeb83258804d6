//! The sim's injected faults: short submits, enter errors after some SQEs, overflow
//! allocation failures, and a dying SQPOLL thread. None may hang or lose an entry.
#![cfg(not(loom))]

mod common;

use std::time::{Duration, Instant};

use common::{nop, ud_res, uds, STARTS};
use ring_core::abi::{enter, sq_flags, Timespec};
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
            let fault = EnterFault { errno: Errno::EIO, after };
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
