//! Submission-side scenarios from liburing's suite (nop, sq-full, sq-space_left,
//! drop-submit, the dropped SQ index, io_uring_enter's flag check), each run on the real
//! kernel and on the sim with the same observations.
#![cfg(not(loom))]

#[macro_use]
mod common;

use common::{bad_opcode, nop, ud_res, uds, Cqes, Harness, Ret, RingCfg};
use ring_core::abi::{enter, setup, sqe_flags};
use ring_core::opcode::Nop;
use ring_core::{Enter, Errno};

const ROUNDS: u64 = 100;

/// One NOP round trip: (submit result, user_data, res, flags, big_cqe, ready afterwards).
type RoundTrip = (Ret, u64, i32, u32, [u64; 2], u32);

#[derive(Debug, PartialEq)]
struct NopObs {
    round_trips: Vec<RoundTrip>,
    /// Per batch: submit result, CQE count, sorted user_data, whether the drained NOP
    /// completed after every earlier and before every later one, every res 0.
    drain_batches: Vec<(Ret, usize, Vec<u64>, bool, bool)>,
    injected: Cqes,
    /// Alternating IOSQE_ASYNC, one at a time: (submit result, user_data, res).
    async_single: Vec<(Ret, u64, i32)>,
    /// Batches of 8 alternating IOSQE_ASYNC: (submit result, sorted (user_data, res)).
    async_batches: Vec<(Ret, Cqes)>,
}

/// liburing `nop`: round trips (user_data preserved, CQE32 words zero), a batch with
/// IO_DRAIN on the 4th, injected results, alternating IOSQE_ASYNC.
fn nop_scenario<H: Harness>(h: &mut H) -> NopObs {
    let mut round_trips = Vec::new();
    for i in 0..ROUNDS {
        let ud = 0xabcd_0000_0000 + i;
        h.push(&nop(ud)).unwrap();
        let n = h.submit_and_wait(1);
        let (_, mut cq, _) = h.parts();
        let c = cq.peek32().expect("a CQE after waiting for one");
        cq.advance(1).unwrap();
        round_trips.push((n, c.cqe.user_data, c.cqe.res, c.cqe.flags, c.big_cqe, cq.ready()));
    }

    let mut drain_batches = Vec::new();
    for iter in 0..ROUNDS / 4 {
        let base = 1000 + iter * 8;
        {
            let (mut sq, _, _) = h.parts();
            for i in 0..8 {
                let e =
                    if i == 3 { nop(base + i).flags(sqe_flags::IO_DRAIN) } else { nop(base + i) };
                sq.push(&e).unwrap();
            }
        }
        let n = h.submit_and_wait(8);
        let cqes = h.reap_exactly(8);
        let order = uds(&cqes);
        let at = |ud: u64| order.iter().position(|&u| u == base + ud);
        let drained = at(3);
        let drain_ok = drained.is_some()
            && (0..3).all(|b| at(b).is_some_and(|p| Some(p) < drained))
            && (4..8).all(|a| at(a).is_some_and(|p| Some(p) > drained));
        let mut sorted = order.clone();
        sorted.sort_unstable();
        let all_ok = cqes.iter().all(|c| c.res == 0);
        drain_batches.push((n, cqes.len(), sorted, drain_ok, all_ok));
    }

    let mut injected = Vec::new();
    for i in 0..ROUNDS {
        let want = if i % 2 == 0 { -5 } else { i as i32 };
        h.push(&Nop::new().inject_result(Some(want)).build().user_data(i)).unwrap();
        h.submit_and_wait(1).unwrap();
        injected.extend(ud_res(&h.reap_exactly(1)));
    }

    let mut async_single = Vec::new();
    for i in 0..ROUNDS {
        let e = if i % 2 == 1 { nop(i).flags(sqe_flags::ASYNC) } else { nop(i) };
        h.push(&e).unwrap();
        let n = h.submit_and_wait(1);
        let c = h.reap_exactly(1);
        async_single.push((n, c[0].user_data, c[0].res));
    }

    let mut async_batches = Vec::new();
    for iter in 0..ROUNDS / 4 {
        let base = iter * 8;
        {
            let (mut sq, _, _) = h.parts();
            for i in base..base + 8 {
                let e = if i % 2 == 1 { nop(i).flags(sqe_flags::ASYNC) } else { nop(i) };
                sq.push(&e).unwrap();
            }
        }
        let n = h.submit_and_wait(8);
        let mut got = ud_res(&h.reap_exactly(8));
        got.sort_unstable();
        async_batches.push((n, got));
    }
    assert_eq!(h.ready(), 0, "stray CQEs");
    NopObs { round_trips, drain_batches, injected, async_single, async_batches }
}

fn expected_nop() -> NopObs {
    NopObs {
        round_trips: (0..ROUNDS).map(|i| (Ok(1), 0xabcd_0000_0000 + i, 0, 0, [0, 0], 0)).collect(),
        drain_batches: (0..ROUNDS / 4)
            .map(|iter| {
                let base = 1000 + iter * 8;
                (Ok(8), 8, (base..base + 8).collect(), true, true)
            })
            .collect(),
        injected: (0..ROUNDS).map(|i| (i, if i % 2 == 0 { -5 } else { i as i32 })).collect(),
        async_single: (0..ROUNDS).map(|i| (Ok(1), i, 0)).collect(),
        async_batches: (0..ROUNDS / 4)
            .map(|iter| (Ok(8), (iter * 8..iter * 8 + 8).map(|u| (u, 0)).collect()))
            .collect(),
    }
}

#[test]
fn nop_round_trips() {
    let obs = on_both!(RingCfg::new(8), nop_scenario);
    assert_eq!(obs, expected_nop());
}

#[test]
fn nop_cqe32() {
    // On a CQE32 ring the extra words are real memory: both kernels must zero them.
    let obs = on_both!(RingCfg::new(8).flags(setup::CQE32), nop_scenario);
    assert_eq!(obs, expected_nop());
}

#[derive(Debug, PartialEq)]
struct SqFullObs {
    /// Free space before and after acquiring a slot and dropping it unwritten.
    unwritten_slot: (u32, u32),
    /// Per round: whether each of 9 pushes succeeded, is_full, acquire after full.
    rounds: Vec<(Vec<bool>, bool, bool, Ret, usize)>,
    /// Total capacity handed out by batches until the SQ is full.
    batch_total: u32,
}

/// liburing `sq-full`: acquiring succeeds exactly `entries` times, then reports full; an
/// acquired but unwritten slot reserves nothing.
fn sq_full_scenario<H: Harness>(h: &mut H) -> SqFullObs {
    let unwritten_slot = {
        let (mut sq, _, _) = h.parts();
        let before = sq.space_left();
        {
            let _slot = sq.acquire().expect("an empty SQ has room");
        }
        (before, sq.space_left())
    };
    let mut rounds = Vec::new();
    for round in 0..3u64 {
        let (pushes, full, acquire_ok) = {
            let (mut sq, _, _) = h.parts();
            let pushes: Vec<bool> = (0..9).map(|i| sq.push(&nop(round * 9 + i)).is_ok()).collect();
            (pushes, sq.is_full(), sq.acquire().is_ok())
        };
        let n = h.submit_and_wait(8);
        let got = h.reap_exactly(8).len();
        rounds.push((pushes, full, acquire_ok, n, got));
    }
    let mut batch_total = 0;
    let mut next = 100;
    loop {
        let (mut sq, _, _) = h.parts();
        let mut b = sq.acquire_batch(16);
        let cap = b.capacity();
        for _ in 0..cap {
            b.push(&nop(next)).unwrap();
            next += 1;
        }
        if cap == 0 {
            break;
        }
        batch_total += cap;
    }
    h.submit_and_wait(batch_total).unwrap();
    assert_eq!(uds(&h.reap_exactly(batch_total as usize)), (100..next).collect::<Vec<_>>());
    SqFullObs { unwritten_slot, rounds, batch_total }
}

#[test]
fn sq_full() {
    let obs = on_both!(RingCfg::new(8), sq_full_scenario);
    let mut nine = vec![true; 8];
    nine.push(false);
    assert_eq!(
        obs,
        SqFullObs {
            unwritten_slot: (8, 8),
            rounds: vec![(nine, true, false, Ok(8), 8); 3],
            batch_total: 8,
        }
    );
}

/// (space_left, len) after each push, then the submit result and the space.
type SpaceRound = (Vec<(u32, u32)>, Ret, u32);

#[derive(Debug, PartialEq)]
struct SpaceObs {
    /// Per round: (space_left, len) after each push, then the submit result and the space.
    rounds: Vec<SpaceRound>,
}

/// liburing `sq-space_left`: the free space counts down with every push.
fn space_left_scenario<H: Harness>(h: &mut H) -> SpaceObs {
    let mut rounds = Vec::new();
    for round in 0..3u64 {
        let mut after = Vec::new();
        {
            let (mut sq, _, _) = h.parts();
            for i in 0..8 {
                sq.push(&nop(round * 8 + i)).unwrap();
                after.push((sq.space_left(), sq.len()));
            }
        }
        let n = h.submit_and_wait(8);
        let space = h.parts().0.space_left();
        assert_eq!(h.reap_exactly(8).len(), 8);
        rounds.push((after, n, space));
    }
    SpaceObs { rounds }
}

#[test]
fn sq_space_left() {
    let obs = on_both!(RingCfg::new(8), space_left_scenario);
    let after: Vec<(u32, u32)> = (1..=8).map(|i| (8 - i, i)).collect();
    assert_eq!(obs, SpaceObs { rounds: vec![(after, Ok(8), 8); 3] });
}

#[derive(Debug, PartialEq)]
struct ShortSubmitObs {
    /// (pending, unpublished) before submitting.
    before: (u32, u32),
    first: Ret,
    /// (pending, unpublished, space_left) after the first submit.
    between: (u32, u32, u32),
    second: Ret,
    pending_after: u32,
    /// Every CQE in ring order.
    cqes: Cqes,
}

/// liburing `sq-space_left`, short submit: 8 NOPs, an invalid opcode, 8 NOPs on a ring of
/// 32. The kernel stops at the bad SQE (counted as consumed and submitted, with an error
/// CQE); the 8 behind it stay pending and the next submit sends them.
fn short_submit_scenario<H: Harness>(h: &mut H) -> ShortSubmitObs {
    h.push_nops(0..8);
    h.push(&bad_opcode(8)).unwrap();
    h.push_nops(9..17);
    let before = {
        let (sq, _, _) = h.parts();
        (sq.pending(), sq.unpublished())
    };
    let first = h.submit();
    let between = {
        let (sq, _, _) = h.parts();
        (sq.pending(), sq.unpublished(), sq.space_left())
    };
    let second = h.submit();
    let pending_after = h.pending();
    let cqes = ud_res(&h.reap_exactly(17));
    ShortSubmitObs { before, first, between, second, pending_after, cqes }
}

#[test]
fn sq_space_left_short_submit() {
    let obs = on_both!(RingCfg::new(32), short_submit_scenario);
    let cqes = (0..17).map(|u| (u, if u == 8 { -Errno::EINVAL.raw() } else { 0 })).collect();
    assert_eq!(
        obs,
        ShortSubmitObs {
            before: (0, 17),
            first: Ok(9),
            between: (8, 0, 24),
            second: Ok(8),
            pending_after: 0,
            cqes,
        }
    );
}

#[derive(Debug, PartialEq)]
struct DropSubmitObs {
    first: Ret,
    pending: u32,
    second: Ret,
    cqes: Cqes,
}

/// liburing `drop-submit`: 4 NOPs and 2 bad SQEs. Submission stops at the first bad one
/// (5 submitted) unless SUBMIT_ALL (6).
fn drop_submit_scenario<H: Harness>(h: &mut H) -> DropSubmitObs {
    h.push_nops(0..4);
    h.push(&bad_opcode(4)).unwrap();
    h.push(&bad_opcode(5)).unwrap();
    let first = h.submit();
    let pending = h.pending();
    let second = if pending != 0 { h.submit() } else { Ok(0) };
    let cqes = ud_res(&h.reap_exactly(6));
    DropSubmitObs { first, pending, second, cqes }
}

#[test]
fn drop_submit() {
    let einval = -Errno::EINVAL.raw();
    let cqes = vec![(0, 0), (1, 0), (2, 0), (3, 0), (4, einval), (5, einval)];
    let obs = on_both!(RingCfg::new(8), drop_submit_scenario);
    assert_eq!(obs, DropSubmitObs { first: Ok(5), pending: 1, second: Ok(1), cqes: cqes.clone() });
    let obs = on_both!(RingCfg::new(8).flags(setup::SUBMIT_ALL), drop_submit_scenario);
    assert_eq!(obs, DropSubmitObs { first: Ok(6), pending: 0, second: Ok(0), cqes });
}

#[derive(Debug, PartialEq)]
struct DroppedObs {
    /// The redirected NOP alone: (submit, dropped, pending, ready).
    alone: (Ret, u32, u32, u32),
    next_nop: Cqes,
    /// reset refused while an entry is unpublished, allowed after discarding it.
    reset: (bool, u32, bool),
    /// A bad index inside a batch: (submit, dropped, pending, second submit, CQEs).
    mid_batch: (Ret, u32, u32, Ret, Cqes),
    /// Every position again after restoring the array: CQEs and the dropped counter.
    cycle: (Cqes, u32),
}

/// The dropped SQ index (liburing `io_uring_enter`): an array entry pointing past the SQE
/// array is consumed and counted in `dropped`, is not submitted, gets no CQE, and ends the
/// batch.
fn dropped_index_scenario<H: Harness>(h: &mut H) -> DroppedObs {
    assert_eq!(h.parts().0.dropped(), 0);
    let pos = {
        let (mut sq, _, _) = h.parts();
        let pos = sq.local_tail();
        assert!(sq.set_next_array_entry(9999), "this ring needs an SQ array");
        sq.push(&nop(100)).unwrap();
        pos
    };
    let r = h.submit();
    let alone = (r, h.parts().0.dropped(), h.pending(), h.ready());

    h.push(&nop(1)).unwrap();
    h.submit_and_wait(1).unwrap();
    let next_nop = ud_res(&h.reap_exactly(1));

    let reset = {
        let (mut sq, _, _) = h.parts();
        sq.push(&nop(2)).unwrap();
        let refused = sq.reset_array_entry(pos);
        let discarded = sq.discard_unpublished();
        (refused, discarded, sq.reset_array_entry(pos))
    };

    let bad_pos = {
        let (mut sq, _, _) = h.parts();
        sq.push(&nop(10)).unwrap();
        let bad_pos = sq.local_tail();
        assert!(sq.set_next_array_entry(7777));
        sq.push(&nop(11)).unwrap();
        sq.push(&nop(12)).unwrap();
        bad_pos
    };
    let first = h.submit();
    let dropped = h.parts().0.dropped();
    let pending = h.pending();
    let second = h.submit();
    let cqes = ud_res(&h.reap_exactly(2));
    let mid_batch = (first, dropped, pending, second, cqes);
    assert!(h.parts().0.reset_array_entry(bad_pos));

    h.push_nops(20..24);
    h.submit_and_wait(4).unwrap();
    let got = ud_res(&h.reap_exactly(4));
    h.push_nops(24..28);
    h.submit_and_wait(4).unwrap();
    let mut all = got;
    all.extend(ud_res(&h.reap_exactly(4)));
    assert_eq!(h.ready(), 0, "a dropped entry completed");
    DroppedObs { alone, next_nop, reset, mid_batch, cycle: (all, h.parts().0.dropped()) }
}

#[test]
fn dropped_sq_index() {
    let obs = on_both!(RingCfg::new(4).sq_array(), dropped_index_scenario);
    assert_eq!(
        obs,
        DroppedObs {
            alone: (Ok(0), 1, 0, 0),
            next_nop: vec![(1, 0)],
            reset: (false, 1, true),
            mid_batch: (Ok(1), 2, 1, Ok(1), vec![(10, 0), (12, 0)]),
            cycle: ((20..28).map(|u| (u, 0)).collect(), 2),
        }
    );
}

#[derive(Debug, PartialEq)]
struct EnterObs {
    /// Every unknown flag bit (8..32), with and without GETEVENTS.
    bad_flags: Vec<Ret>,
    /// (pending, ready) after the rejected calls.
    untouched: (u32, u32),
    /// to_submit 0 with and without GETEVENTS; to_submit beyond what is pending.
    zero: (Ret, Ret),
    beyond: Ret,
    cqes: Cqes,
    /// to_submit with an empty SQ.
    empty: Ret,
}

/// liburing `io_uring_enter`: unknown flags are EINVAL and consume nothing; to_submit 0
/// returns 0; to_submit beyond the published entries is clamped.
fn enter_scenario<H: Harness>(h: &mut H) -> EnterObs {
    h.push(&nop(1)).unwrap();
    assert_eq!(h.parts().0.publish(), 1);
    let mut bad_flags = Vec::new();
    for bit in 8..32 {
        assert_eq!((1u32 << bit) & enter::KNOWN, 0);
        for extra in [0, enter::GETEVENTS] {
            let flags = (1 << bit) | extra;
            bad_flags.push(h.enter(Enter { to_submit: 1, flags, ..Enter::default() }));
        }
    }
    let untouched = (h.pending(), h.ready());
    let zero =
        (h.enter(Enter::default()), h.enter(Enter { flags: enter::GETEVENTS, ..Enter::default() }));
    let beyond = h.enter(Enter {
        to_submit: 4,
        min_complete: 1,
        flags: enter::GETEVENTS,
        ..Enter::default()
    });
    let cqes = ud_res(&h.reap_exactly(1));
    let empty = h.enter(Enter { to_submit: 2, ..Enter::default() });
    EnterObs { bad_flags, untouched, zero, beyond, cqes, empty }
}

#[test]
fn io_uring_enter_flags() {
    let obs = on_both!(RingCfg::new(4), enter_scenario);
    assert_eq!(
        obs,
        EnterObs {
            bad_flags: vec![Err(Errno::EINVAL); 48],
            untouched: (1, 0),
            zero: (Ok(0), Ok(0)),
            beyond: Ok(1),
            cqes: vec![(1, 0)],
            empty: Ok(0),
        }
    );
}
