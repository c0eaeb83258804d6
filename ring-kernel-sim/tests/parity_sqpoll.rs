//! SQPOLL scenarios from liburing's suite (sqpoll-sleep, d77a67ed, sqwait), each run on the
//! real kernel and on the sim with the same observations. Timing is used only as a generous
//! upper bound (seconds for a 50 ms idle time); every wait is bounded, so a lost wakeup
//! fails the test (ETIME) instead of hanging it.
#![cfg(not(loom))]

#[macro_use]
mod common;

use std::time::Duration;

use common::{nop, ud_res, uds, Cqes, Harness, Ret, RingCfg};
use ring_core::abi::{enter, sq_flags};
use ring_core::{Enter, Kernel};

const IDLE_MS: u32 = 50;
const BOUND: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq)]
struct SleepObs {
    first: (Ret, Cqes),
    /// NEED_WAKEUP appeared (within the bound) once the thread had nothing to do.
    need_wakeup_seen: bool,
    /// A NOP submitted while it sleeps: the submit enters with SQ_WAKEUP.
    woken: (bool, Ret, Cqes),
}

/// liburing `sqpoll-sleep`: after a round trip, the idle thread sets NEED_WAKEUP; the next
/// submission wakes it.
fn sqpoll_sleep_scenario<H: Harness>(h: &mut H) -> SleepObs {
    h.push(&nop(1)).unwrap();
    let n = h.submit_and_wait(1);
    let first = (n, ud_res(&h.reap_exactly(1)));
    let need_wakeup_seen = h.await_sq_flag(sq_flags::NEED_WAKEUP, BOUND);
    h.push(&nop(2)).unwrap();
    let plan = h.parts().0.plan_enter(1);
    let wakes = plan.flags & enter::SQ_WAKEUP != 0;
    let n = h.submit_and_wait(1);
    let woken = (wakes, n, ud_res(&h.reap_exactly(1)));
    SleepObs { first, need_wakeup_seen, woken }
}

#[test]
fn sqpoll_sleep() {
    let obs = on_both!(RingCfg::new(8).sqpoll(IDLE_MS), sqpoll_sleep_scenario);
    assert_eq!(
        obs,
        SleepObs {
            first: (Ok(1), vec![(1, 0)]),
            need_wakeup_seen: true,
            woken: (true, Ok(1), vec![(2, 0)]),
        }
    );
}

/// liburing `d77a67ed`: sleep past the idle time so the thread sleeps, then one NOP with
/// submit_and_wait(1) must complete (the H10 hang: a wait that forgot the wakeup).
fn d77a67ed_scenario<H: Harness>(h: &mut H) -> Vec<(bool, Ret, Vec<u64>)> {
    let mut out = Vec::new();
    for i in 0..3 {
        std::thread::sleep(Duration::from_millis(u64::from(IDLE_MS) * 3));
        let asleep = h.await_sq_flag(sq_flags::NEED_WAKEUP, BOUND);
        h.push(&nop(i)).unwrap();
        let n = h.submit_and_wait(1);
        out.push((asleep, n, uds(&h.reap_exactly(1))));
    }
    out
}

#[test]
fn d77a67ed() {
    let obs = on_both!(RingCfg::new(8).sqpoll(IDLE_MS), d77a67ed_scenario);
    assert_eq!(obs, (0..3).map(|i| (true, Ok(1), vec![i])).collect::<Vec<_>>());
}

const SQWAIT_OPS: u64 = 1000;
/// In flight at most the CQ size, so nothing overflows.
const SQWAIT_INFLIGHT: u64 = 16;

#[derive(Debug, PartialEq)]
struct SqwaitObs {
    /// Every completion in order, with its result.
    done: Cqes,
    /// The distinct results of the SQ_WAIT enters, and whether there was at least one.
    sq_wait_results: Vec<Ret>,
    used_sq_wait: bool,
    /// Whether in-flight operations (written, not yet reaped) stayed within the bound.
    inflight_bounded: bool,
}

/// liburing `sqwait`: an SQPOLL ring of 8, 1000 NOPs with at most 16 in flight. Entries are
/// published only when the SQ is full; then `IORING_ENTER_SQ_WAIT` blocks until the thread
/// has made room, and the next acquisition must succeed.
fn sqwait_scenario<H: Harness>(h: &mut H) -> SqwaitObs {
    let mut done = Vec::new();
    let mut sq_wait_results = Vec::new();
    let mut used_sq_wait = false;
    let mut inflight_bounded = true;
    let mut next = 0u64;
    while next < SQWAIT_OPS {
        while next - done.len() as u64 >= SQWAIT_INFLIGHT {
            h.submit().unwrap();
            let got = h.reap();
            if got.is_empty() {
                h.wait(1).unwrap();
            }
            done.extend(ud_res(&got));
        }
        {
            let (mut sq, _, k) = h.parts();
            if sq.is_full() {
                sq.submit(k).unwrap();
                let r = k.enter(Enter { flags: enter::SQ_WAIT, ..Enter::default() });
                if !sq_wait_results.contains(&r) {
                    sq_wait_results.push(r);
                }
                used_sq_wait = true;
                assert!(sq.acquire().is_ok(), "SQ still full after SQ_WAIT (op {next})");
            }
            sq.push(&nop(next)).unwrap();
        }
        next += 1;
        inflight_bounded &= next - done.len() as u64 <= SQWAIT_INFLIGHT;
        done.extend(ud_res(&h.reap()));
    }
    h.submit().unwrap();
    let rest = (SQWAIT_OPS as usize) - done.len();
    done.extend(ud_res(&h.reap_exactly(rest)));
    SqwaitObs { done, sq_wait_results, used_sq_wait, inflight_bounded }
}

#[test]
fn sqwait() {
    let obs = on_both!(RingCfg::new(8).sqpoll(IDLE_MS), sqwait_scenario);
    assert_eq!(
        obs,
        SqwaitObs {
            done: (0..SQWAIT_OPS).map(|u| (u, 0)).collect(),
            sq_wait_results: vec![Ok(0)],
            used_sq_wait: true,
            inflight_bounded: true,
        }
    );
}
