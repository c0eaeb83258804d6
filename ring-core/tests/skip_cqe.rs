//! Port of liburing's `skip-cqe` test: `IOSQE_CQE_SKIP_SUCCESS` accounting. Successful
//! requests post nothing; failed ones still post their CQE. In a link chain, a failing head
//! with the flag reports and silences the links it cancels; a failing head without it lets
//! the cancelled links report `-ECANCELED`, flag or not. Also the kernel rule
//! that once a ring has seen CQE_SKIP_SUCCESS, IO_DRAIN requests fail with `-EOPNOTSUPP`.
#![cfg(feature = "linux")]

mod support;

use std::time::Duration;

use ring_core::opcode::Nop;
use ring_core::{Errno, Ring, RingError};

fn ud_res(c: &[ring_core::abi::Cqe]) -> Vec<(u64, i32)> {
    c.iter().map(|c| (c.user_data, c.res)).collect()
}

#[test]
fn skipped_successes_post_nothing() {
    let mut ring = Ring::new(8).unwrap();
    for round in 0..50u64 {
        {
            let mut sq = ring.submission();
            for i in 0..8 {
                sq.push(&Nop::new().build().user_data(round * 8 + i).skip_success()).unwrap();
            }
        }
        assert_eq!(ring.submit(), Ok(8));
        assert_eq!(ring.get_events(), Ok(0), "round {round}");
    }
    assert_eq!(
        ring.wait_timeout(1, Duration::from_millis(20)),
        Err(RingError::Kernel(Errno::ETIME))
    );
    // The ring is intact: a normal NOP still comes back.
    ring.submission().push(&Nop::new().build().user_data(999)).unwrap();
    assert_eq!(ud_res(&support::submit_and_reap(&mut ring, 1)), [(999, 0)]);
}

#[test]
fn alternating_skip_keeps_the_others_in_order() {
    let mut ring = Ring::new(16).unwrap();
    {
        let mut sq = ring.submission();
        for i in 0..16u64 {
            let e = Nop::new().build().user_data(i);
            sq.push(&if i % 2 == 0 { e.skip_success() } else { e }).unwrap();
        }
    }
    let c = support::submit_and_reap(&mut ring, 8);
    assert_eq!(c.iter().map(|c| c.user_data).collect::<Vec<_>>(), [1, 3, 5, 7, 9, 11, 13, 15]);
    assert_eq!(ring.get_events(), Ok(0));
}

#[test]
fn failures_post_even_when_skipped() {
    let mut ring = Ring::new(8).unwrap();
    let sq_push = |ring: &mut Ring, e| ring.submission().push(&e).unwrap();
    sq_push(&mut ring, Nop::new().inject_result(Some(-5)).build().user_data(1).skip_success());
    // A positive injected result is a success: skipped.
    sq_push(&mut ring, Nop::new().inject_result(Some(7)).build().user_data(2).skip_success());
    sq_push(&mut ring, Nop::new().build().user_data(3));
    assert_eq!(ud_res(&support::submit_and_reap(&mut ring, 2)), [(1, -5), (3, 0)]);
    assert_eq!(ring.get_events(), Ok(0));
}

#[test]
fn links_with_skip() {
    let mut ring = Ring::new(8).unwrap();
    // Skipped head, normal tail: one CQE.
    ring.submission().push(&Nop::new().build().user_data(1).skip_success().link()).unwrap();
    ring.submission().push(&Nop::new().build().user_data(2)).unwrap();
    assert_eq!(ud_res(&support::submit_and_reap(&mut ring, 1)), [(2, 0)]);
    // A failing head *with* the flag posts its own CQE, and the links it cancels post
    // nothing at all (the kernel turns the head's skip into "skip the linked CQEs").
    ring.submission()
        .push(&Nop::new().inject_result(Some(-5)).build().user_data(3).skip_success().link())
        .unwrap();
    ring.submission().push(&Nop::new().build().user_data(4).link()).unwrap();
    ring.submission().push(&Nop::new().build().user_data(5)).unwrap();
    assert_eq!(ring.submit(), Ok(3));
    assert_eq!(ud_res(&support::reap_n(&mut ring, 1)), [(3, -5)]);
    assert_eq!(
        ring.wait_timeout(1, Duration::from_millis(50)),
        Err(RingError::Kernel(Errno::ETIME))
    );
    // A failing head *without* the flag: the cancelled links report -ECANCELED even though
    // they asked to skip successes (a cancellation is not a success).
    ring.submission()
        .push(&Nop::new().inject_result(Some(-5)).build().user_data(6).link())
        .unwrap();
    ring.submission().push(&Nop::new().build().user_data(7).skip_success().link()).unwrap();
    ring.submission().push(&Nop::new().build().user_data(8).skip_success()).unwrap();
    let c = support::submit_and_reap(&mut ring, 3);
    let canceled = -Errno::ECANCELED.raw();
    assert_eq!(ud_res(&c), [(6, -5), (7, canceled), (8, canceled)]);
    assert_eq!(ring.get_events(), Ok(0));
}

#[test]
fn drain_is_refused_after_skip_success() {
    let mut ring = Ring::new(8).unwrap();
    ring.submission().push(&Nop::new().build().user_data(1).drain()).unwrap();
    assert_eq!(ud_res(&support::submit_and_reap(&mut ring, 1)), [(1, 0)]);
    ring.submission().push(&Nop::new().build().user_data(2).skip_success()).unwrap();
    ring.submit().unwrap();
    // From now on this ring refuses IO_DRAIN (the kernel disables draining once CQEs may
    // be skipped, since it could no longer count them).
    ring.submission().push(&Nop::new().build().user_data(3).drain()).unwrap();
    let c = support::submit_and_reap(&mut ring, 1);
    assert_eq!(ud_res(&c), [(3, -Errno::EOPNOTSUPP.raw())]);
}
