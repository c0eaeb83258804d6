//! The sim's task work (COOP_TASKRUN, DEFER_TASKRUN) and IOSQE_CQE_SKIP_SUCCESS
//! accounting, checked against its own counters.
#![cfg(not(loom))]

mod common;

use std::collections::BTreeSet;

use common::{nop, ud_res, STARTS};
use ring_core::abi::{enter, setup, sq_flags, sqe_flags, Cqe};
use ring_core::opcode::Nop;
use ring_core::{Enter, Kernel};
use ring_kernel_sim::{held_op, KernelStep, Mode, SimQueues, SimRing, StepOutcome};

fn reap_all(q: &mut SimQueues<'_>) -> Vec<Cqe> {
    let mut got = Vec::new();
    q.completion().reap(u32::MAX, |c| got.push(c));
    got
}

fn taskrun(q: &mut SimQueues<'_>) -> bool {
    q.submission().flags() & sq_flags::TASKRUN != 0
}

#[test]
fn coop_taskrun_runs_on_any_enter() {
    for start in STARTS {
        for flag in [0, setup::TASKRUN_FLAG] {
            let flags = setup::COOP_TASKRUN | flag;
            let sim = SimRing::builder().entries(4).setup_flags(flags).mode(Mode::Step);
            let sim = sim.start_counters_at(start).build().unwrap();
            let mut q = sim.queues().unwrap();
            q.submission().push(&held_op(1)).unwrap();
            assert_eq!(q.submission().submit(&*sim), Ok(1));
            assert!(sim.release_held(1, 7));
            // Queued as task work: not in the CQ; TASKRUN only with TASKRUN_FLAG.
            assert_eq!(sim.task_work_len(), 1);
            assert_eq!(q.completion().ready(), 0);
            assert_eq!(taskrun(&mut q), flag != 0);
            assert_eq!(q.completion().needs_flush(), flag != 0);
            // Any enter runs it, even a plain submit without GETEVENTS.
            q.submission().push(&nop(2)).unwrap();
            q.submission().publish();
            assert_eq!(sim.enter(Enter { to_submit: 1, ..Enter::default() }), Ok(1));
            assert_eq!(sim.task_work_len(), 0);
            assert!(!taskrun(&mut q));
            let got: BTreeSet<_> = ud_res(&reap_all(&mut q)).into_iter().collect();
            assert_eq!(got, BTreeSet::from([(1, 7), (2, 0)]));
            // And a wait runs it too.
            q.submission().push(&held_op(3)).unwrap();
            q.submission().submit(&*sim).unwrap();
            assert!(sim.release_held(3, 0));
            assert_eq!(q.completion().ready(), 0);
            assert_eq!(q.completion().wait(&*sim, 1), Ok(1));
            assert_eq!(ud_res(&reap_all(&mut q)), [(3, 0)]);
        }
    }
}

/// On 6.18 an io-wq worker posts its completion itself on a COOP_TASKRUN ring: only
/// task-work completions (the held operation here) wait for the task.
#[test]
fn coop_taskrun_io_wq_completions_are_posted_directly() {
    let flags = setup::COOP_TASKRUN | setup::TASKRUN_FLAG;
    let sim = SimRing::builder().entries(4).setup_flags(flags).mode(Mode::Step).workers(1);
    let sim = sim.build().unwrap();
    let mut q = sim.queues().unwrap();
    q.submission().push(&nop(1).flags(sqe_flags::ASYNC)).unwrap();
    assert_eq!(q.submission().submit(&*sim), Ok(1));
    assert_eq!(sim.step(KernelStep::CompleteWorker(0)), StepOutcome::Completed(1));
    assert_eq!((sim.task_work_len(), q.completion().ready()), (0, 1));
    assert!(!taskrun(&mut q));
    assert_eq!(ud_res(&reap_all(&mut q)), [(1, 0)]);
}

#[test]
fn defer_taskrun_runs_only_with_getevents() {
    for start in STARTS {
        let flags = setup::SINGLE_ISSUER | setup::DEFER_TASKRUN | setup::TASKRUN_FLAG;
        let sim = SimRing::builder().entries(4).setup_flags(flags).mode(Mode::Step);
        let sim = sim.start_counters_at(start).build().unwrap();
        let mut q = sim.queues().unwrap();
        q.submission().push(&held_op(1)).unwrap();
        assert_eq!(q.submission().submit(&*sim), Ok(1));
        assert!(sim.release_held(1, 0));
        assert!(taskrun(&mut q));
        // A submit without GETEVENTS does not run deferred work.
        q.submission().push(&nop(2)).unwrap();
        q.submission().publish();
        assert_eq!(sim.enter(Enter { to_submit: 1, ..Enter::default() }), Ok(1));
        assert_eq!((sim.task_work_len(), q.completion().ready()), (1, 1));
        assert!(taskrun(&mut q));
        // GETEVENTS does, behind what is already in the CQ.
        let getevents = Enter { flags: enter::GETEVENTS, ..Enter::default() };
        assert_eq!(sim.enter(getevents), Ok(0));
        assert_eq!(sim.task_work_len(), 0);
        assert!(!taskrun(&mut q));
        assert_eq!(ud_res(&reap_all(&mut q)), [(2, 0), (1, 0)]);
    }
}

#[test]
fn defer_taskrun_task_work_overflows_into_the_backlog() {
    let flags = setup::SINGLE_ISSUER | setup::DEFER_TASKRUN | setup::TASKRUN_FLAG;
    let sim = SimRing::builder().entries(4).cq_entries(4).setup_flags(flags).mode(Mode::Step);
    let sim = sim.build().unwrap();
    let mut q = sim.queues().unwrap();
    {
        let mut sq = q.submission();
        for ud in 0..4 {
            sq.push(&held_op(ud)).unwrap();
        }
        assert_eq!(sq.submit(&*sim), Ok(4));
        for ud in 10..14 {
            sq.push(&nop(ud)).unwrap();
        }
        assert_eq!(sq.submit(&*sim), Ok(4));
    }
    for ud in 0..4 {
        assert!(sim.release_held(ud, 0));
    }
    // The CQ is full of NOPs; running the task work parks the rest in the backlog.
    assert_eq!(q.completion().flush(&*sim), Ok(4));
    assert_eq!(sim.backlog_len(), 4);
    assert_ne!(q.submission().flags() & sq_flags::CQ_OVERFLOW, 0);
    let mut got = ud_res(&reap_all(&mut q));
    assert_eq!(q.completion().flush(&*sim), Ok(4));
    got.extend(ud_res(&reap_all(&mut q)));
    let order: Vec<u64> = got.iter().map(|&(u, _)| u).collect();
    assert_eq!(order, [10, 11, 12, 13, 0, 1, 2, 3]);
    assert_eq!(q.submission().flags(), 0);
    assert_eq!(q.completion().overflow(), 0);
}

#[test]
fn cqe_skip_success_accounting() {
    for start in STARTS {
        let sim = SimRing::builder().entries(8).mode(Mode::Step).workers(1);
        let sim = sim.start_counters_at(start).build().unwrap();
        let mut q = sim.queues().unwrap();
        let skip = sqe_flags::CQE_SKIP_SUCCESS;
        {
            let mut sq = q.submission();
            sq.push(&nop(0).flags(skip)).unwrap();
            sq.push(&nop(1)).unwrap();
            sq.push(&Nop::new().inject_result(Some(-5)).build().user_data(2).flags(skip)).unwrap();
            sq.push(&nop(3).flags(skip | sqe_flags::ASYNC)).unwrap();
            sq.push(&held_op(4).flags(skip)).unwrap();
            sq.push(&held_op(5).flags(skip)).unwrap();
            assert_eq!(sq.submit(&*sim), Ok(6));
        }
        assert_eq!(ud_res(&reap_all(&mut q)), [(1, 0), (2, -5)]);
        assert_eq!(sim.stats().skipped, 1);
        // An io-wq success, a held success: skipped. A held failure: posted.
        assert_eq!(sim.step(KernelStep::CompleteWorker(0)), StepOutcome::Completed(3));
        assert!(sim.release_held(4, 0));
        assert!(sim.release_held(5, -1));
        assert_eq!(ud_res(&reap_all(&mut q)), [(5, -1)]);
        let stats = sim.stats();
        assert_eq!((stats.consumed, stats.posted, stats.skipped), (6, 3, 3));
    }
}
