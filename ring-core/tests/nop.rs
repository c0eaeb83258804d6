//! Port of liburing's `nop` test: NOP round trips on the real kernel, plain and with
//! `IOSQE_IO_DRAIN`, `IOSQE_ASYNC`, an injected result, 32-byte CQEs and 128-byte SQEs.
#![cfg(feature = "linux")]

mod common;

use common::{assert_all_ok, nop, push_nops, reap_ready, user_data};
use ring_core::abi::sqe_flags;
use ring_core::opcode::{Entry128, Nop};
use ring_core::{PushError, Ring};

const ITERATIONS: u64 = 1000;

#[test]
fn single_nop_round_trip() {
    let mut ring = Ring::new(8).unwrap();
    for i in 0..ITERATIONS {
        let ud = 0xabcd_0000_0000 + i;
        ring.submission().push(&nop(ud)).unwrap();
        assert_eq!(ring.submit_and_wait(1).unwrap(), 1);
        let cqe = ring.completion().peek().expect("a CQE after waiting for one");
        assert_eq!((cqe.user_data, cqe.res), (ud, 0), "iteration {i}");
        ring.completion().advance(1).unwrap();
        assert_eq!(ring.completion().ready(), 0, "iteration {i}: stray CQE");
    }
}

#[test]
fn batch_with_drain_on_the_fourth() {
    let mut ring = Ring::new(8).unwrap();
    for iter in 0..ITERATIONS {
        let base = iter * 8;
        {
            let mut sq = ring.submission();
            for i in 0..8 {
                let mut e = nop(base + i);
                if i == 3 {
                    e = e.flags(sqe_flags::IO_DRAIN);
                }
                sq.push(&e).unwrap();
            }
            assert_eq!(sq.unpublished(), 8);
        }
        assert_eq!(ring.submit_and_wait(8).unwrap(), 8, "iteration {iter}");
        let cqes = reap_ready(&mut ring);
        assert_eq!(cqes.len(), 8, "iteration {iter}: {cqes:?}");
        assert_all_ok(&cqes);
        let mut uds = user_data(&cqes);
        // The drained NOP starts only after 0..3 completed, and 4..8 only after it.
        let at = |ud: u64| uds.iter().position(|&u| u == base + ud).expect("missing CQE");
        let drained = at(3);
        for before in 0..3 {
            assert!(at(before) < drained, "iteration {iter}: {uds:?}");
        }
        for after in 4..8 {
            assert!(at(after) > drained, "iteration {iter}: {uds:?}");
        }
        uds.sort_unstable();
        assert_eq!(uds, (base..base + 8).collect::<Vec<_>>());
    }
}

#[test]
fn injected_result() {
    let mut ring = Ring::new(8).unwrap();
    for i in 0..ITERATIONS {
        let want = if i % 2 == 0 { -5 } else { i as i32 };
        let e = Nop::new().inject_result(Some(want)).build().user_data(i);
        ring.submission().push(&e).unwrap();
        assert_eq!(ring.submit_and_wait(1).unwrap(), 1);
        let cqes = reap_ready(&mut ring);
        assert_eq!(cqes.len(), 1);
        assert_eq!((cqes[0].user_data, cqes[0].res), (i, want));
    }
    // Without injection the same ring answers 0 again.
    ring.submission().push(&Nop::new().inject_result(None).build().user_data(7)).unwrap();
    ring.submit_and_wait(1).unwrap();
    let cqes = reap_ready(&mut ring);
    assert_eq!((cqes[0].user_data, cqes[0].res), (7, 0));
}

#[test]
fn alternating_async() {
    let mut ring = Ring::new(8).unwrap();
    for i in 0..ITERATIONS {
        let mut e = nop(i);
        if i % 2 == 1 {
            e = e.flags(sqe_flags::ASYNC);
        }
        ring.submission().push(&e).unwrap();
        assert_eq!(ring.submit_and_wait(1).unwrap(), 1);
        let cqes = reap_ready(&mut ring);
        assert_eq!(cqes.len(), 1, "iteration {i}");
        assert_eq!((cqes[0].user_data, cqes[0].res), (i, 0), "iteration {i}");
    }
}

#[test]
fn cqe32_big_cqe_is_zero_for_nop() {
    let mut ring = Ring::builder().entries(8).cqe32().build().unwrap();
    assert_ne!(ring.params().flags & ring_core::abi::setup::CQE32, 0);
    assert_eq!(ring.completion().capacity(), 16);
    // Non-zero user_data everywhere: a view that mixed up 16- and 32-byte units would show
    // a neighbour's user_data in big_cqe or return the wrong CQE.
    let mut next = 1u64;
    for _ in 0..50 {
        push_nops(&mut ring, next..next + 8);
        assert_eq!(ring.submit_and_wait(8).unwrap(), 8);
        for _ in 0..8 {
            let mut cq = ring.completion();
            let big = cq.peek32().expect("CQE ready");
            let small = cq.peek().expect("CQE ready");
            assert_eq!(big.cqe, small);
            assert_eq!((big.cqe.user_data, big.cqe.res), (next, 0));
            assert_eq!(big.big_cqe, [0, 0], "CQE {next}");
            cq.advance(1).unwrap();
            next += 1;
        }
        assert!(ring.completion().peek32().is_none());
    }
}

#[test]
fn sqe128_push_and_push128() {
    let mut ring = Ring::builder().entries(8).sqe128().build().unwrap();
    assert_ne!(ring.params().flags & ring_core::abi::setup::SQE128, 0);
    let cmd = [0xa5u8; 64];
    for round in 0..100u64 {
        {
            let mut sq = ring.submission();
            for i in 0..8 {
                let ud = round * 8 + i;
                if i % 2 == 0 {
                    sq.push(&nop(ud)).unwrap();
                } else {
                    sq.push128(&Entry128::new(nop(ud), cmd)).unwrap();
                }
            }
            assert_eq!(sq.push128(&Entry128::new(nop(999), cmd)), Err(PushError::Full));
        }
        assert_eq!(ring.submit_and_wait(8).unwrap(), 8);
        let cqes = reap_ready(&mut ring);
        assert_all_ok(&cqes);
        assert_eq!(user_data(&cqes), (round * 8..round * 8 + 8).collect::<Vec<_>>());
    }
}

#[test]
fn push128_needs_an_sqe128_ring() {
    let mut ring = Ring::new(8).unwrap();
    let mut sq = ring.submission();
    assert_eq!(sq.push128(&Entry128::new(nop(1), [0; 64])), Err(PushError::EntrySize));
    assert_eq!(sq.unpublished(), 0, "a rejected push128 must not reserve a slot");
}

#[test]
fn sqpoll_round_trips() {
    // idle 1 ms: the short sleeps below let the polling thread fall asleep, so both the
    // busy path (no enter) and the wakeup path (enter with SQ_WAKEUP) are taken.
    let mut ring = Ring::builder().entries(8).sqpoll(1).build().unwrap();
    assert_ne!(ring.params().flags & ring_core::abi::setup::SQPOLL, 0);
    for i in 0..200u64 {
        if i % 50 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        push_nops(&mut ring, i * 4..i * 4 + 4);
        ring.submit_and_wait(4).unwrap();
        let mut cqes = reap_ready(&mut ring);
        while cqes.len() < 4 {
            ring.wait(1).unwrap();
            cqes.extend(reap_ready(&mut ring));
        }
        assert_all_ok(&cqes);
        assert_eq!(user_data(&cqes), (i * 4..i * 4 + 4).collect::<Vec<_>>(), "round {i}");
        // No `pending() == 0` check here: the polling thread posts the CQEs before it stores
        // the new SQ head, so the head may still lag. The next 4 fit in the 8 slots anyway.
    }
}
