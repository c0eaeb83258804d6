//! Completion-side scenarios from liburing's suite (cq-ready, cq-peek-batch, cq-full,
//! cq-overflow, skip-cqe), each run on the real kernel and on the sim with the same
//! observations.
#![cfg(not(loom))]

#[macro_use]
mod common;

use common::{nop, ud_res, uds, Cqes, Harness, Ret, RingCfg};
use ring_core::abi::{setup, sq_flags, sqe_flags};
use ring_core::opcode::Nop;
use ring_core::{AdvanceError, Errno};

#[derive(Debug, PartialEq)]
struct ReadyObs {
    readies: Vec<u32>,
    over_advance: Result<(), AdvanceError>,
}

/// liburing `cq-ready`: after 4 NOPs ready = 4; advance 4 → 0; advance 1/2/1 → 3/1/0;
/// advancing past what is ready fails and changes nothing.
fn cq_ready_scenario<H: Harness>(h: &mut H) -> ReadyObs {
    let mut readies = vec![h.ready()];
    for round in 0..3u64 {
        h.push_nops(round * 8..round * 8 + 4);
        h.submit_and_wait(4).unwrap();
        readies.push(h.ready());
        h.parts().1.advance(4).unwrap();
        readies.push(h.ready());
        h.push_nops(round * 8 + 4..round * 8 + 8);
        h.submit_and_wait(4).unwrap();
        for n in [1, 2, 1] {
            h.parts().1.advance(n).unwrap();
            readies.push(h.ready());
        }
    }
    let over_advance = h.parts().1.advance(1);
    readies.push(h.ready());
    ReadyObs { readies, over_advance }
}

#[test]
fn cq_ready() {
    let obs = on_both!(RingCfg::new(8), cq_ready_scenario);
    let mut readies = vec![0];
    for _ in 0..3 {
        readies.extend([4, 0, 3, 1, 0]);
    }
    readies.push(0);
    assert_eq!(
        obs,
        ReadyObs { readies, over_advance: Err(AdvanceError { requested: 1, ready: 0 }) }
    );
}

/// One peek-batch round: the batch, the batch again, ready, peek.
type PeekRound = (Vec<u64>, Vec<u64>, u32, Option<u64>);

#[derive(Debug, PartialEq)]
struct PeekBatchObs {
    empty: (usize, bool),
    /// Per round: the batch, the batch again (peeking does not consume), ready, peek.
    rounds: Vec<PeekRound>,
    /// reap with a maximum: (returned, user_data) twice, then what is left.
    reap_max: (u32, Vec<u64>, u32, Vec<u64>, u32),
}

/// liburing `cq-peek-batch`: an empty ring gives an empty batch; a batch lists the ready
/// CQEs in order without consuming them.
fn peek_batch_scenario<H: Harness>(h: &mut H) -> PeekBatchObs {
    let empty = {
        let (_, mut cq, _) = h.parts();
        (cq.batch().len(), cq.peek().is_none())
    };
    let mut rounds = Vec::new();
    for round in 0..4u64 {
        h.push_nops(round * 4..round * 4 + 4);
        h.submit_and_wait(4).unwrap();
        let (_, mut cq, _) = h.parts();
        let first: Vec<u64> = cq.batch().map(|c| c.user_data).collect();
        let again: Vec<u64> = cq.batch().map(|c| c.user_data).collect();
        let ready = cq.ready();
        let peek = cq.peek().map(|c| c.user_data);
        cq.advance(4).unwrap();
        rounds.push((first, again, ready, peek));
    }
    h.push_nops(100..105);
    h.submit_and_wait(5).unwrap();
    let (_, mut cq, _) = h.parts();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let na = cq.reap(2, |c| a.push(c.user_data));
    let nb = cq.reap(2, |c| b.push(c.user_data));
    let left = cq.ready();
    cq.advance(left).unwrap();
    PeekBatchObs { empty, rounds, reap_max: (na, a, nb, b, left) }
}

#[test]
fn cq_peek_batch() {
    let obs = on_both!(RingCfg::new(8), peek_batch_scenario);
    let rounds = (0..4u64)
        .map(|r| {
            let v: Vec<u64> = (r * 4..r * 4 + 4).collect();
            (v.clone(), v, 4, Some(r * 4))
        })
        .collect();
    assert_eq!(
        obs,
        PeekBatchObs {
            empty: (0, true),
            rounds,
            reap_max: (2, vec![100, 101], 2, vec![102, 103], 1),
        }
    );
}

#[derive(Debug, PartialEq)]
struct CqFullObs {
    submits: Vec<Ret>,
    /// After the 12 completions: (ready, CQ_OVERFLOW set, overflow counter, needs_flush).
    overflowed: (u32, bool, u32, bool),
    first: Vec<u64>,
    /// With the CQ emptied: (ready, needs_flush), then the flush result.
    emptied: (u32, bool),
    flush: Ret,
    second: Vec<u64>,
    /// After draining: (CQ_OVERFLOW set, overflow counter, needs_flush, a second flush).
    drained: (bool, u32, bool, Ret),
    /// Submitting on top of a backlog: 20 completions drained by peek-and-flush, in order.
    on_top: Vec<u64>,
    on_top_counter: u32,
}

/// Drains the ring with peek and, when the CQ is empty but completions are parked, a
/// flush (what `Ring::peek` does on the real ring).
fn drain_with_flush<H: Harness>(h: &mut H) -> Vec<u64> {
    let mut out = Vec::new();
    loop {
        let (_, mut cq, k) = h.parts();
        if let Some(c) = cq.peek() {
            out.push(c.user_data);
            cq.advance(1).unwrap();
            continue;
        }
        if !cq.needs_flush() {
            return out;
        }
        cq.flush(k).unwrap();
        assert!(out.len() < 1000, "drain does not end");
    }
}

/// liburing `cq-full`: SQ 4 / CQ 8, three batches of 4 NOPs. With NODROP the last 4 wait
/// in the kernel's backlog (CQ_OVERFLOW set, the overflow counter untouched); a flush with
/// GETEVENTS moves them in, in order.
fn cq_full_scenario<H: Harness>(h: &mut H) -> CqFullObs {
    let mut submits = Vec::new();
    for batch in 0..3u64 {
        h.push_nops(batch * 4..batch * 4 + 4);
        submits.push(h.submit());
    }
    let overflowed = {
        let (sq, mut cq, _) = h.parts();
        let flag = sq.flags() & sq_flags::CQ_OVERFLOW != 0;
        (cq.ready(), flag, cq.overflow(), cq.needs_flush())
    };
    let first = uds(&h.reap());
    let emptied = (h.ready(), h.parts().1.needs_flush());
    let flush = h.flush();
    let second = uds(&h.reap());
    let drained = {
        let flag = h.sq_flags() & sq_flags::CQ_OVERFLOW != 0;
        let (_, cq, _) = h.parts();
        let (counter, needs) = (cq.overflow(), cq.needs_flush());
        (flag, counter, needs, h.flush())
    };

    for batch in 0..5u64 {
        h.push_nops(100 + batch * 4..104 + batch * 4);
        submits.push(h.submit());
    }
    let on_top = drain_with_flush(h);
    let on_top_counter = h.parts().1.overflow();
    CqFullObs {
        submits,
        overflowed,
        first,
        emptied,
        flush,
        second,
        drained,
        on_top,
        on_top_counter,
    }
}

#[test]
fn cq_full() {
    let obs = on_both!(RingCfg::new(4).cq(8), cq_full_scenario);
    assert_eq!(
        obs,
        CqFullObs {
            submits: vec![Ok(4); 8],
            overflowed: (8, true, 0, true),
            first: (0..8).collect(),
            emptied: (0, true),
            flush: Ok(4),
            second: (8..12).collect(),
            drained: (false, 0, false, Ok(0)),
            on_top: (100..120).collect(),
            on_top_counter: 0,
        }
    );
}

#[derive(Debug, PartialEq)]
struct OverflowLoopObs {
    /// Per round: (submit, CQ_OVERFLOW after submitting, reaped, flush result if flushed).
    rounds: Vec<(Ret, bool, usize, Option<Ret>)>,
    /// Every completion, in the order reaped.
    all: Vec<u64>,
    /// At the end: (overflow counter, SQ flags).
    end: (u32, u32),
}

const LOOP_ROUNDS: u64 = 40;

/// liburing `cq-overflow`: more completions in flight than CQ slots, reaping 3 of every 4
/// and flushing with GETEVENTS on every other overflowed round; every completion arrives
/// exactly once, in order.
fn cq_overflow_scenario<H: Harness>(h: &mut H) -> OverflowLoopObs {
    let mut rounds = Vec::new();
    let mut all = Vec::new();
    for round in 0..LOOP_ROUNDS {
        h.push_nops(round * 4..round * 4 + 4);
        let n = h.submit();
        let overflowed = h.sq_flags() & sq_flags::CQ_OVERFLOW != 0;
        let got = h.reap_max(3);
        let flushed = (overflowed && round % 2 == 1).then(|| h.flush());
        rounds.push((n, overflowed, got.len(), flushed));
        all.extend(uds(&got));
    }
    all.extend(drain_with_flush(h));
    let end = (h.parts().1.overflow(), h.sq_flags());
    OverflowLoopObs { rounds, all, end }
}

/// The observation the loop must make: the CQ state is a function of the operations only.
fn expected_overflow_loop() -> OverflowLoopObs {
    let (mut cq, mut backlog) = (0u32, 0u32);
    let flush = |cq: &mut u32, backlog: &mut u32| {
        let moved = (*backlog).min(8 - *cq);
        *backlog -= moved;
        *cq += moved;
    };
    let mut rounds = Vec::new();
    for round in 0..LOOP_ROUNDS {
        // CQ_OVERFLOW makes the submit enter with GETEVENTS too: the new completions are
        // posted first (behind the backlog), then the backlog is flushed.
        let parked = backlog != 0;
        for _ in 0..4 {
            if backlog == 0 && cq < 8 {
                cq += 1;
            } else {
                backlog += 1;
            }
        }
        if parked {
            flush(&mut cq, &mut backlog);
        }
        let overflowed = backlog != 0;
        let got = cq.min(3);
        cq -= got;
        let flushed = (overflowed && round % 2 == 1).then(|| {
            flush(&mut cq, &mut backlog);
            Ok(cq)
        });
        rounds.push((Ok(4), overflowed, got as usize, flushed));
    }
    OverflowLoopObs { rounds, all: (0..LOOP_ROUNDS * 4).collect(), end: (0, 0) }
}

#[test]
fn cq_overflow() {
    let obs = on_both!(RingCfg::new(4).cq(8), cq_overflow_scenario);
    assert_eq!(obs, expected_overflow_loop());
}

#[test]
fn cq_overflow_defer_taskrun() {
    let flags = setup::SINGLE_ISSUER | setup::DEFER_TASKRUN | setup::TASKRUN_FLAG;
    let obs = on_both!(RingCfg::new(4).cq(8).flags(flags), cq_overflow_scenario);
    assert_eq!(obs, expected_overflow_loop());
}

#[derive(Debug, PartialEq)]
struct SkipObs {
    submit: Ret,
    cqes: Cqes,
    extra: u32,
}

/// liburing `skip-cqe`: IOSQE_CQE_SKIP_SUCCESS suppresses the CQE of a successful
/// operation (inline or async), never of a failed one.
fn skip_cqe_scenario<H: Harness>(h: &mut H) -> SkipObs {
    let skip = sqe_flags::CQE_SKIP_SUCCESS;
    {
        let (mut sq, _, _) = h.parts();
        sq.push(&nop(0).flags(skip)).unwrap();
        sq.push(&nop(1)).unwrap();
        sq.push(&Nop::new().inject_result(Some(-5)).build().user_data(2).flags(skip)).unwrap();
        sq.push(&Nop::new().inject_result(Some(7)).build().user_data(3).flags(skip)).unwrap();
        sq.push(&nop(4).flags(skip | sqe_flags::ASYNC)).unwrap();
        sq.push(&nop(5).flags(sqe_flags::ASYNC)).unwrap();
    }
    let submit = h.submit();
    let mut cqes = ud_res(&h.reap_exactly(3));
    cqes.sort_unstable();
    // A marker behind everything: whatever else was to complete has had its turn.
    h.push(&nop(6)).unwrap();
    h.submit_and_wait(1).unwrap();
    let rest = h.reap();
    SkipObs { submit, cqes, extra: rest.iter().filter(|c| c.user_data != 6).count() as u32 }
}

#[test]
fn skip_cqe() {
    let obs = on_both!(RingCfg::new(8), skip_cqe_scenario);
    assert_eq!(obs, SkipObs { submit: Ok(6), cqes: vec![(1, 0), (2, -5), (5, 0)], extra: 0 });
}

#[derive(Debug, PartialEq)]
struct TimeoutObs {
    /// submit_and_wait with a 5 s timeout after one NOP: the submit count, promptly.
    submit_and_wait: (Ret, bool),
    /// A wait with a 5 s timeout when the CQE is already there: at once.
    wait_ready: (Ret, bool),
    /// A raw wait for 1 with nothing coming: ETIME.
    nothing: Ret,
    /// A raw wait for 2 with 1 visible: the timeout is masked because a CQE is visible.
    fewer: Ret,
    /// ring-core's wait for 2 with 1 visible: the one that is ready.
    wait_fewer: Ret,
}

/// liburing `submit-and-wait` (and the masking rule of `io_cqring_wait`): a wait error is
/// reported only when no CQE is visible.
fn wait_timeout_scenario<H: Harness>(h: &mut H) -> TimeoutObs {
    use ring_core::abi::{enter, Timespec};
    use ring_core::{Enter, EnterArg};
    use std::time::{Duration, Instant};

    let long = Timespec { tv_sec: 5, tv_nsec: 0 };
    let short = Timespec { tv_sec: 0, tv_nsec: 20_000_000 };
    let prompt = |t0: Instant| t0.elapsed() < Duration::from_secs(4);
    let wait = |ts| EnterArg::Wait { timeout: Some(ts), min_wait_usec: 0 };

    h.push(&nop(1)).unwrap();
    let t0 = Instant::now();
    let r = {
        let (mut sq, _, k) = h.parts();
        sq.submit_and_wait_with(k, 1, wait(&long))
    };
    let submit_and_wait = (r, prompt(t0));
    let t0 = Instant::now();
    let r = {
        let (_, mut cq, k) = h.parts();
        cq.wait_with(k, 1, wait(&long))
    };
    let wait_ready = (r, prompt(t0));
    h.reap();
    let getevents = |min_complete, ts| Enter {
        min_complete,
        flags: enter::GETEVENTS,
        arg: wait(ts),
        ..Enter::default()
    };
    let nothing = h.enter(getevents(1, &short));
    h.push(&nop(2)).unwrap();
    h.submit().unwrap();
    let fewer = h.enter(getevents(2, &short));
    let wait_fewer = {
        let (_, mut cq, k) = h.parts();
        cq.wait_with(k, 2, wait(&short))
    };
    h.reap();
    TimeoutObs { submit_and_wait, wait_ready, nothing, fewer, wait_fewer }
}

#[test]
fn wait_timeout() {
    let obs = on_both!(RingCfg::new(8), wait_timeout_scenario);
    assert_eq!(
        obs,
        TimeoutObs {
            submit_and_wait: (Ok(1), true),
            wait_ready: (Ok(1), true),
            nothing: Err(Errno::ETIME),
            fewer: Ok(0),
            wait_fewer: Ok(1),
        }
    );
}
