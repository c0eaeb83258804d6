#![cfg(loom)]
use ring_core::opcode::Nop;
use ring_kernel_sim::*;
use std::sync::atomic::Ordering;

fn sqpoll_model() {
    let sim =
        SimRing::builder().entries(2).sqpoll().workers(0).idle(Idle::Polls(1)).build().unwrap();
    let threads = sim.start();
    {
        let mut q = sim.queues().unwrap();
        q.submission().push(&Nop::new().build().user_data(7)).unwrap();
        q.submission().submit_and_wait(&*sim, 1).unwrap();
        let c = q.completion().peek().unwrap();
        assert_eq!(c.user_data, 7);
        q.completion().advance(1).unwrap();
    }
    threads.join();
}

#[test]
fn sqpoll_ok() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    b.check(sqpoll_model);
}

#[test]
#[should_panic]
fn sqpoll_user_fence_weakened() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    let m =
        Mutant { site: AnySite::User(ring_core::Site::SqWakeupFence), ordering: Ordering::Relaxed };
    b.check(move || with_mutant(Some(m), sqpoll_model));
}

#[test]
#[should_panic]
fn sqpoll_kernel_fence_weakened() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    let m = Mutant { site: AnySite::Kernel(KSite::SqpollSleepFence), ordering: Ordering::Relaxed };
    b.check(move || with_mutant(Some(m), sqpoll_model));
}

#[test]
#[should_panic]
fn sqpoll_tail_relaxed() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    let m =
        Mutant { site: AnySite::User(ring_core::Site::SqTailPublish), ordering: Ordering::Relaxed };
    b.check(move || with_mutant(Some(m), sqpoll_model));
}
