//! Port of liburing's `nop-all-sizes` test: for every ring depth from 1 to 32768, fill the
//! SQ, submit, fill it again, submit, and reap exactly a full CQ (twice the depth).
#![cfg(feature = "linux")]

mod common;

use common::nop;
use ring_core::abi::{sq_flags, MAX_ENTRIES};
use ring_core::Ring;

/// Fills the whole (empty) SQ with one batch of NOPs numbered from `first`.
fn fill(ring: &mut Ring, first: u64) {
    let depth = ring.params().sq_entries;
    let mut sq = ring.submission();
    assert_eq!(sq.space_left(), depth);
    let mut batch = sq.acquire_batch(depth);
    assert_eq!(batch.capacity(), depth, "an empty SQ gives one contiguous batch up to the wrap");
    for i in 0..u64::from(depth) {
        batch.push(&nop(first + i)).unwrap();
    }
    drop(batch);
    assert!(sq.is_full());
}

fn run(depth: u32) {
    let mut ring = Ring::new(depth).unwrap_or_else(|e| panic!("depth {depth}: {e}"));
    assert_eq!(ring.params().sq_entries, depth);
    assert_eq!(ring.params().cq_entries, 2 * depth);
    let d = u64::from(depth);

    fill(&mut ring, 0);
    assert_eq!(ring.submit().unwrap(), depth, "depth {depth}: first submit");
    fill(&mut ring, d);
    assert_eq!(ring.submit().unwrap(), depth, "depth {depth}: second submit");

    // The CQ is exactly full, with nothing parked in the overflow backlog.
    assert_eq!(ring.completion().ready(), 2 * depth, "depth {depth}");
    assert_eq!(ring.submission().flags() & sq_flags::CQ_OVERFLOW, 0, "depth {depth}");

    let mut expected = 0u64;
    let n = ring.completion().reap(u32::MAX, |c| {
        assert_eq!((c.user_data, c.res), (expected, 0), "depth {depth}");
        expected += 1;
    });
    assert_eq!(n, 2 * depth);
    assert_eq!(expected, 2 * d);
    assert_eq!(ring.completion().ready(), 0);
    assert_eq!(ring.completion().overflow(), 0);
}

#[test]
fn every_power_of_two_depth() {
    let mut depth = 1;
    while depth <= MAX_ENTRIES {
        run(depth);
        depth *= 2;
    }
}
