//! The sim in `Mode::Step`: no kernel threads, each kernel action an explicit step; a wait
//! that would block answers EAGAIN instead of blocking.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;

use common::{nop, ud_res, uds, STARTS};
use ring_core::abi::{enter, sq_flags, sqe_flags};
use ring_core::{Enter, Errno, Kernel};
use ring_kernel_sim::{held_op, KernelStep, Mode, SimBuilder, SimRing, StepOutcome};

use KernelStep::{CompleteWorker, ReleaseHeld, SqpollPoll, SqpollSleep};
use StepOutcome::{Asleep, Busy, Completed, Consumed, Idle};

fn stepped(b: SimBuilder, start: u32) -> Arc<SimRing> {
    b.mode(Mode::Step).start_counters_at(start).build().unwrap()
}

#[test]
fn sqpoll_poll_and_sleep() {
    for start in STARTS {
        let sim = stepped(SimRing::builder().entries(4).sqpoll(), start);
        let mut q = sim.queues().unwrap();
        let flags = |q: &mut ring_kernel_sim::SimQueues<'_>| q.submission().flags();

        // Nothing published: a poll consumes nothing. The thread is awake, so a submit
        // publishes without entering and the next poll consumes.
        assert_eq!(sim.step(SqpollPoll), Consumed(0));
        q.submission().push(&nop(1)).unwrap();
        let plan = q.submission().plan_enter(0);
        assert!(!plan.needed, "{plan:?}");
        assert_eq!(q.submission().pending(), 1);
        assert_eq!(sim.step(SqpollPoll), Consumed(1));
        assert_eq!(q.submission().pending(), 0);

        // Going to sleep with an empty SQ: NEED_WAKEUP set; asleep until woken.
        assert_eq!(sim.step(SqpollSleep), Asleep);
        assert!(sim.sqpoll_asleep());
        assert_ne!(flags(&mut q) & sq_flags::NEED_WAKEUP, 0);
        assert_eq!(sim.step(SqpollSleep), Asleep);
        q.submission().push(&nop(2)).unwrap();
        assert_eq!(q.submission().publish(), 1);
        assert_eq!(sim.step(SqpollPoll), Asleep, "a sleeping thread does not poll");
        assert_eq!(q.submission().pending(), 1);

        // The submit sees NEED_WAKEUP after its fence and enters with SQ_WAKEUP, which
        // returns to_submit at once; the woken thread clears the flag and consumes.
        assert!(q.submission().need_wakeup());
        let plan = q.submission().plan_enter(0);
        assert_eq!(plan.flags & enter::SQ_WAKEUP, enter::SQ_WAKEUP);
        assert_eq!(q.submission().submit(&*sim), Ok(1));
        assert_eq!(sim.step(SqpollPoll), Consumed(1));
        assert!(!sim.sqpoll_asleep());
        assert_eq!(flags(&mut q) & sq_flags::NEED_WAKEUP, 0);

        // Work published before a sleep attempt: the re-check after the fence sees it, the
        // thread stays busy and clears the flag again.
        q.submission().push(&nop(3)).unwrap();
        q.submission().publish();
        assert_eq!(sim.step(SqpollSleep), Busy);
        assert_eq!(flags(&mut q) & sq_flags::NEED_WAKEUP, 0);
        assert!(!sim.sqpoll_asleep());
        assert_eq!(sim.step(SqpollPoll), Consumed(1));

        // A wakeup requested while the thread is awake is lost, as in Linux (the thread is
        // not on its wait queue): the next sleep lasts until the next wakeup.
        assert_eq!(sim.enter(Enter { flags: enter::SQ_WAKEUP, ..Enter::default() }), Ok(0));
        assert_eq!(sim.step(SqpollSleep), Asleep);
        assert_eq!(sim.step(SqpollPoll), Asleep);
        assert!(sim.sqpoll_asleep());
        assert_eq!(sim.enter(Enter { flags: enter::SQ_WAKEUP, ..Enter::default() }), Ok(0));
        assert_eq!(sim.step(SqpollPoll), Consumed(0));
        assert!(!sim.sqpoll_asleep());

        let mut got = Vec::new();
        q.completion().reap(u32::MAX, |c| got.push(c));
        assert_eq!(ud_res(&got), [(1, 0), (2, 0), (3, 0)]);
    }
}

#[test]
fn sqpoll_steps_need_sqpoll() {
    let sim = stepped(SimRing::builder().entries(4), 0);
    assert_eq!(sim.step(SqpollPoll), Idle);
    assert_eq!(sim.step(SqpollSleep), Idle);
    assert!(!sim.sqpoll_asleep());
}

#[test]
fn workers_complete_out_of_order() {
    for start in STARTS {
        let sim = stepped(SimRing::builder().entries(4).workers(1), start);
        let mut q = sim.queues().unwrap();
        {
            let mut sq = q.submission();
            for ud in 10..13 {
                sq.push(&nop(ud).flags(sqe_flags::ASYNC)).unwrap();
            }
            sq.push(&nop(13)).unwrap();
            assert_eq!(sq.submit(&*sim), Ok(4));
        }
        // Only the inline NOP has completed; io-wq holds the rest in queue order.
        assert_eq!(q.completion().ready(), 1);
        assert_eq!(sim.worker_queue(), [10, 11, 12]);
        assert_eq!(sim.step(CompleteWorker(2)), Completed(12));
        assert_eq!(sim.step(CompleteWorker(0)), Completed(10));
        assert_eq!(sim.worker_queue(), [11]);
        assert_eq!(sim.step(CompleteWorker(5)), Completed(11), "the index wraps");
        assert_eq!(sim.step(CompleteWorker(0)), Idle);
        let mut got = Vec::new();
        q.completion().reap(u32::MAX, |c| got.push(c));
        assert_eq!(uds(&got), [13, 12, 10, 11]);
    }
}

#[test]
fn held_operations_release_in_any_order() {
    for start in STARTS {
        let sim = stepped(SimRing::builder().entries(4), start);
        let mut q = sim.queues().unwrap();
        {
            let mut sq = q.submission();
            for ud in 20..23 {
                sq.push(&held_op(ud)).unwrap();
            }
            assert_eq!(sq.submit(&*sim), Ok(3));
        }
        assert_eq!(sim.held(), [20, 21, 22]);
        assert_eq!(q.completion().ready(), 0);
        assert_eq!(sim.step(ReleaseHeld(1)), Completed(21));
        assert!(sim.release_held(22, -5));
        assert!(!sim.release_held(22, 0), "released twice");
        assert!(!sim.release_held(99, 0), "never submitted");
        assert_eq!(sim.step(ReleaseHeld(7)), Completed(20), "the index wraps");
        assert_eq!(sim.step(ReleaseHeld(0)), Idle);
        assert!(sim.held().is_empty());
        let mut got = Vec::new();
        q.completion().reap(u32::MAX, |c| got.push(c));
        assert_eq!(ud_res(&got), [(21, 0), (22, -5), (20, 0)]);
    }
}

#[test]
fn a_wait_that_would_block_is_eagain() {
    for start in STARTS {
        let sim = stepped(SimRing::builder().entries(4), start);
        let mut q = sim.queues().unwrap();
        assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EAGAIN));
        // Submitted something: the wait error is not reported (the enter returns the count).
        q.submission().push(&held_op(1)).unwrap();
        assert_eq!(q.submission().submit_and_wait(&*sim, 1), Ok(1));
        assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EAGAIN));
        assert_eq!(sim.step(ReleaseHeld(0)), Completed(1));
        assert_eq!(q.completion().wait(&*sim, 1), Ok(1));
        // Waiting for more than are ready would block.
        assert_eq!(
            sim.enter(Enter { min_complete: 2, flags: enter::GETEVENTS, ..Enter::default() }),
            Err(Errno::EAGAIN)
        );
        q.completion().advance(1).unwrap();
    }
}

#[test]
fn sq_wait_that_would_block_is_eagain() {
    for start in STARTS {
        let sim = stepped(SimRing::builder().entries(2).sqpoll(), start);
        let mut q = sim.queues().unwrap();
        let sq_wait = Enter { flags: enter::SQ_WAIT, ..Enter::default() };
        assert_eq!(sim.enter(sq_wait), Ok(0), "room in the SQ: no wait");
        {
            let mut sq = q.submission();
            sq.push(&nop(1)).unwrap();
            sq.push(&nop(2)).unwrap();
            sq.publish();
            assert!(sq.is_full());
        }
        assert_eq!(sim.enter(sq_wait), Err(Errno::EAGAIN));
        assert_eq!(q.completion().wait(&*sim, 1), Err(Errno::EAGAIN));
        assert_eq!(sim.step(SqpollPoll), Consumed(2));
        assert_eq!(sim.enter(sq_wait), Ok(0));
        assert!(q.submission().acquire().is_ok());
        assert_eq!(q.completion().wait(&*sim, 2), Ok(2));
    }
}

#[test]
fn steps_need_step_mode() {
    let sim = SimRing::builder().entries(4).mode(Mode::Threads).workers(0).build().unwrap();
    for step in [SqpollPoll, SqpollSleep, CompleteWorker(0), ReleaseHeld(0)] {
        assert_eq!(sim.step(step), Idle, "{step:?}");
    }
}
