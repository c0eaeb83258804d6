//! Task-run and issuer scenarios from liburing's suite (defer-taskrun, R_DISABLED rings,
//! SINGLE_ISSUER), each run on the real kernel and on the sim with the same observations.
#![cfg(not(loom))]

#[macro_use]
mod common;

use common::{nop, ud_res, Cqes, Harness, Ret, RingCfg};
use std::time::Duration;

use ring_core::abi::{enter, register, setup, sq_flags, sqe_flags};
use ring_core::{Enter, Errno, Kernel};

const DEFER: u32 = setup::SINGLE_ISSUER | setup::DEFER_TASKRUN | setup::TASKRUN_FLAG;

#[derive(Debug, PartialEq)]
struct DeferObs {
    /// An inline completion is not deferred: (submit, ready, CQEs).
    inline: (Ret, u32, Cqes),
    /// The later operation submitted: (submit, ready, TASKRUN).
    submitted: (Ret, u32, bool),
    /// Completed but withheld: (ready, TASKRUN, needs_flush, peek found nothing).
    withheld: (u32, bool, bool, bool),
    /// The task entered with GETEVENTS: (flush result, TASKRUN, CQEs).
    flushed: (Ret, bool, Cqes),
    /// The same through a wait for one completion: (wait result, TASKRUN, CQEs).
    waited: (Ret, bool, Cqes),
    /// An IOSQE_ASYNC NOP: the io-wq completion is task work too: (TASKRUN appeared within
    /// the bound, ready, flush result, CQEs).
    io_wq: (bool, u32, Ret, Cqes),
}

fn taskrun<H: Harness>(h: &mut H) -> bool {
    h.sq_flags() & sq_flags::TASKRUN != 0
}

/// liburing `defer-taskrun`: on a SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG ring a
/// completion that arrives later is withheld (ready 0, TASKRUN set) until the task enters
/// with GETEVENTS; then the CQE is there and TASKRUN is clear.
fn defer_taskrun_scenario<H: Harness>(h: &mut H) -> DeferObs {
    h.push(&nop(1)).unwrap();
    let n = h.submit();
    let inline = (n, h.ready(), ud_res(&h.reap()));

    let e = h.later_op(2);
    h.push(&e).unwrap();
    let n = h.submit();
    let submitted = (n, h.ready(), taskrun(h));
    h.complete_later(2);
    let withheld = {
        let flag = taskrun(h);
        let (_, mut cq, _) = h.parts();
        (cq.ready(), flag, cq.needs_flush(), cq.peek().is_none())
    };
    let r = h.flush();
    let flushed = (r, taskrun(h), ud_res(&h.reap()));

    let e = h.later_op(3);
    h.push(&e).unwrap();
    h.submit().unwrap();
    h.complete_later(3);
    let r = h.wait(1);
    let waited = (r, taskrun(h), ud_res(&h.reap()));

    h.push(&nop(4).flags(sqe_flags::ASYNC)).unwrap();
    h.submit().unwrap();
    let seen = h.await_sq_flag(sq_flags::TASKRUN, Duration::from_secs(5));
    let ready = h.ready();
    let r = h.flush();
    let io_wq = (seen, ready, r, ud_res(&h.reap()));
    DeferObs { inline, submitted, withheld, flushed, waited, io_wq }
}

#[test]
fn defer_taskrun() {
    let obs = on_both!(RingCfg::new(8).flags(DEFER), defer_taskrun_scenario);
    assert_eq!(
        obs,
        DeferObs {
            inline: (Ok(1), 1, vec![(1, 0)]),
            submitted: (Ok(1), 0, false),
            withheld: (0, true, true, true),
            flushed: (Ok(1), false, vec![(2, 1)]),
            waited: (Ok(1), false, vec![(3, 1)]),
            io_wq: (true, 0, Ok(1), vec![(4, 0)]),
        }
    );
}

#[derive(Debug, PartialEq)]
struct LaterObs {
    /// (submit, ready before completing, CQEs after a wait).
    ops: Vec<(Ret, u32, Cqes)>,
}

/// The harness's own check: on a default ring a later operation completes only when told
/// to, and then without any flag dance.
fn later_op_scenario<H: Harness>(h: &mut H) -> LaterObs {
    let mut ops = Vec::new();
    for ud in 10..13 {
        let e = h.later_op(ud);
        h.push(&e).unwrap();
        let n = h.submit();
        let ready = h.ready();
        h.complete_later(ud);
        h.wait(1).unwrap();
        ops.push((n, ready, ud_res(&h.reap())));
    }
    LaterObs { ops }
}

#[test]
fn later_op_completes_when_told() {
    let obs = on_both!(RingCfg::new(8), later_op_scenario);
    let ops = (10..13).map(|ud| (Ok(1), 0, vec![(ud, 1)])).collect();
    assert_eq!(obs, LaterObs { ops });
}

#[derive(Debug, PartialEq)]
struct DisabledObs {
    /// submit, a bare enter, a GETEVENTS enter: all before enabling.
    before: [Ret; 3],
    pending: u32,
    enable: Ret,
    after: Ret,
    cqes: Cqes,
    enable_again: Ret,
}

fn enable_rings<K: Kernel>(k: &K) -> Ret {
    // SAFETY: ENABLE_RINGS takes no argument (null, 0 entries).
    unsafe { k.register(register::ENABLE_RINGS, core::ptr::null_mut(), 0) }
}

/// liburing `defer-taskrun` (R_DISABLED part): a ring set up disabled answers every enter
/// with EBADFD until `register(ENABLE_RINGS)`; enabling twice is EBADFD.
fn r_disabled_scenario<H: Harness>(h: &mut H) -> DisabledObs {
    h.push(&nop(1)).unwrap();
    let before = [
        h.submit(),
        h.enter(Enter::default()),
        h.enter(Enter { flags: enter::GETEVENTS, ..Enter::default() }),
    ];
    let pending = h.pending();
    let enable = enable_rings(h.parts().2);
    let after = h.submit_and_wait(1);
    let cqes = ud_res(&h.reap());
    let enable_again = enable_rings(h.parts().2);
    DisabledObs { before, pending, enable, after, cqes, enable_again }
}

#[test]
fn r_disabled() {
    let expected = DisabledObs {
        before: [Err(Errno::EBADFD); 3],
        pending: 1,
        enable: Ok(0),
        after: Ok(1),
        cqes: vec![(1, 0)],
        enable_again: Err(Errno::EBADFD),
    };
    let obs = on_both!(RingCfg::new(4).flags(setup::R_DISABLED), r_disabled_scenario);
    assert_eq!(obs, expected);
    let flags = setup::R_DISABLED | DEFER;
    let obs = on_both!(RingCfg::new(4).flags(flags), r_disabled_scenario);
    assert_eq!(obs, expected);
}

/// Enters from another thread.
fn enter_elsewhere<K: Kernel + Sync>(k: &K, e: Enter<'static>) -> Ret {
    std::thread::scope(|s| s.spawn(|| k.enter(e)).join().expect("entering thread"))
}

#[derive(Debug, PartialEq)]
struct IssuerObs {
    /// Submitting from another thread than the creator: (result, pending afterwards).
    other_submit: (Ret, u32),
    own_submit: Ret,
    /// GETEVENTS from another thread.
    other_getevents: Ret,
    cqes: Cqes,
}

/// SINGLE_ISSUER: the task that set the ring up is its submitter; another thread's submit
/// is EEXIST (and consumes nothing). With DEFER_TASKRUN, its GETEVENTS is EEXIST too.
fn single_issuer_scenario<H: Harness>(h: &mut H) -> IssuerObs
where
    H::K: Sync,
{
    h.push(&nop(1)).unwrap();
    assert_eq!(h.parts().0.publish(), 1);
    let other = enter_elsewhere(h.parts().2, Enter { to_submit: 1, ..Enter::default() });
    let other_submit = (other, h.pending());
    let own_submit = h.submit_and_wait(1);
    let other_getevents =
        enter_elsewhere(h.parts().2, Enter { flags: enter::GETEVENTS, ..Enter::default() });
    IssuerObs { other_submit, own_submit, other_getevents, cqes: ud_res(&h.reap()) }
}

#[test]
fn single_issuer() {
    let obs = on_both!(RingCfg::new(4).flags(setup::SINGLE_ISSUER), single_issuer_scenario);
    assert_eq!(
        obs,
        IssuerObs {
            other_submit: (Err(Errno::EEXIST), 1),
            own_submit: Ok(1),
            other_getevents: Ok(0),
            cqes: vec![(1, 0)],
        }
    );
    let obs = on_both!(RingCfg::new(4).flags(DEFER), single_issuer_scenario);
    assert_eq!(
        obs,
        IssuerObs {
            other_submit: (Err(Errno::EEXIST), 1),
            own_submit: Ok(1),
            other_getevents: Err(Errno::EEXIST),
            cqes: vec![(1, 0)],
        }
    );
}

#[derive(Debug, PartialEq)]
struct EnablerObs {
    /// In the enabling thread: (enable, submit).
    enabler: (Ret, Ret),
    /// The creating thread's submit afterwards, and what is left pending.
    creator_submit: (Ret, u32),
    cqes: Cqes,
}

/// SINGLE_ISSUER | R_DISABLED: the task that enables the ring becomes its submitter, not
/// the one that set it up.
fn enabler_is_issuer_scenario<H: Harness>(h: &mut H) -> EnablerObs
where
    H::K: Sync,
{
    h.push(&nop(1)).unwrap();
    assert_eq!(h.parts().0.publish(), 1);
    let k = h.parts().2;
    let enabler = std::thread::scope(|s| {
        s.spawn(|| (enable_rings(k), k.enter(Enter { to_submit: 1, ..Enter::default() })))
            .join()
            .expect("enabling thread")
    });
    h.push(&nop(2)).unwrap();
    assert_eq!(h.parts().0.publish(), 1);
    let r = h.enter(Enter { to_submit: 1, ..Enter::default() });
    let creator_submit = (r, h.pending());
    EnablerObs { enabler, creator_submit, cqes: ud_res(&h.reap()) }
}

#[test]
fn enabler_is_issuer() {
    let flags = setup::R_DISABLED | setup::SINGLE_ISSUER;
    let obs = on_both!(RingCfg::new(4).flags(flags), enabler_is_issuer_scenario);
    assert_eq!(
        obs,
        EnablerObs {
            enabler: (Ok(0), Ok(1)),
            creator_submit: (Err(Errno::EEXIST), 1),
            cqes: vec![(1, 0)],
        }
    );
}
