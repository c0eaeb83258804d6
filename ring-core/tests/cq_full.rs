//! Port of liburing's `cq-full` test: more completions than CQ slots. With
//! `IORING_FEAT_NODROP` the kernel parks the excess in its overflow backlog and raises
//! `IORING_SQ_CQ_OVERFLOW`; draining must return every CQE exactly once, in order.
#![cfg(feature = "linux")]

mod common;

use common::{assert_all_ok, push_nops, reap_ready, user_data};
use ring_core::abi::{feat, sq_flags, Cqe};
use ring_core::Ring;

/// SQ 4 / CQ 8, three batches of 4 NOPs submitted without reaping: 12 completions, 8 slots.
/// Returns the ring and whether `CQ_OVERFLOW` was set after the last batch.
fn overflowed_ring() -> (Ring, bool) {
    let mut ring = Ring::builder().entries(4).cq_entries(8).build().unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (4, 8));
    assert_ne!(ring.features() & feat::NODROP, 0, "the kernel must not drop CQEs");
    for batch in 0..3u64 {
        push_nops(&mut ring, batch * 4..batch * 4 + 4);
        assert_eq!(ring.submit().unwrap(), 4, "batch {batch}");
    }
    assert_eq!(ring.completion().ready(), 8, "the CQ should be exactly full");
    let overflowed = ring.submission().flags() & sq_flags::CQ_OVERFLOW != 0;
    (ring, overflowed)
}

fn check_drained(ring: &mut Ring, cqes: &[Cqe]) {
    assert_all_ok(cqes);
    assert_eq!(user_data(cqes), (0..12).collect::<Vec<_>>());
    assert_eq!(ring.submission().flags() & sq_flags::CQ_OVERFLOW, 0, "backlog left behind");
    assert_eq!(ring.completion().overflow(), 0, "the kernel dropped completions");
    assert!(!ring.completion().needs_flush());
    assert_eq!(ring.peek().unwrap(), None);
}

#[test]
fn drain_with_ring_peek() {
    let (mut ring, overflowed) = overflowed_ring();
    assert!(overflowed, "CQ_OVERFLOW not set with 12 completions in 8 slots");
    assert!(ring.completion().needs_flush());
    assert_eq!(ring.completion().overflow(), 0);

    let mut cqes = Vec::new();
    while let Some(c) = ring.peek().unwrap() {
        cqes.push(c);
        ring.completion().advance(1).unwrap();
        assert!(cqes.len() <= 12, "more CQEs than submitted: {cqes:?}");
    }
    check_drained(&mut ring, &cqes);
}

#[test]
fn drain_with_flush() {
    let (mut ring, overflowed) = overflowed_ring();
    assert!(overflowed);
    let mut cqes = reap_ready(&mut ring);
    assert_eq!(cqes.len(), 8);
    // The CQ is empty now, but 4 completions are parked in the kernel.
    assert_eq!(ring.completion().ready(), 0);
    {
        let (_, mut cq, submitter) = ring.split();
        assert!(cq.needs_flush());
        assert_eq!(cq.flush(submitter).unwrap(), 4);
        // Nothing is parked any more: a second flush does not enter and finds the same 4.
        assert!(!cq.needs_flush());
        assert_eq!(cq.flush(submitter).unwrap(), 4);
    }
    cqes.extend(reap_ready(&mut ring));
    check_drained(&mut ring, &cqes);
}

#[test]
fn drain_with_wait() {
    let (mut ring, overflowed) = overflowed_ring();
    assert!(overflowed);
    // Enough are ready, but wait still enters because completions are parked.
    let mut cqes = Vec::new();
    while cqes.len() < 12 {
        let ready = ring.wait(1).unwrap();
        assert!(ready >= 1);
        let got = reap_ready(&mut ring);
        assert_eq!(got.len() as u32, ready);
        cqes.extend(got);
    }
    check_drained(&mut ring, &cqes);
}

#[test]
fn submitting_more_while_overflowed_keeps_order() {
    let (mut ring, overflowed) = overflowed_ring();
    assert!(overflowed);
    // Two more batches on top of the backlog: 20 completions for 8 slots.
    for batch in 3..5u64 {
        push_nops(&mut ring, batch * 4..batch * 4 + 4);
        assert_eq!(ring.submit().unwrap(), 4, "batch {batch}");
    }
    let mut cqes = Vec::new();
    while let Some(c) = ring.peek().unwrap() {
        cqes.push(c);
        ring.completion().advance(1).unwrap();
        assert!(cqes.len() <= 20);
    }
    assert_all_ok(&cqes);
    assert_eq!(user_data(&cqes), (0..20).collect::<Vec<_>>());
    assert_eq!(ring.completion().overflow(), 0);
}
