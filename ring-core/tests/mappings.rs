//! The ways a ring's memory can be mapped: one mapping for both rings (`SINGLE_MMAP`, the
//! default on this kernel), three separate mappings, and with or without the SQ index array.
#![cfg(feature = "linux")]

mod common;

use common::{assert_all_ok, nop, reap_ready, user_data};
use ring_core::abi::{feat, setup};
use ring_core::{Builder, Ring};

/// Pushes, submits and reaps NOPs until both rings have wrapped a few times.
fn round_trips(ring: &mut Ring, what: &str) {
    let sq = u64::from(ring.params().sq_entries);
    let cq = u64::from(ring.params().cq_entries);
    let total = 3 * cq.max(sq);
    let mut next = 0u64;
    while next < total {
        let n = sq.min(total - next);
        {
            let mut s = ring.submission();
            for ud in next..next + n {
                s.push(&nop(ud)).unwrap_or_else(|e| panic!("{what}: push {ud}: {e}"));
            }
        }
        assert_eq!(ring.submit_and_wait(n as u32).unwrap(), n as u32, "{what}");
        let cqes = reap_ready(ring);
        assert_all_ok(&cqes);
        assert_eq!(user_data(&cqes), (next..next + n).collect::<Vec<_>>(), "{what}");
        next += n;
    }
}

fn build(b: Builder, what: &str) -> Ring {
    b.build().unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The ring is in kernel memory, mapped once for both rings (`single`) or separately.
fn assert_mapping_mode(ring: &Ring, single: bool, what: &str) {
    let m = ring.memory();
    assert!(!m.user && !m.huge_page, "{what}: {m:?}");
    assert_eq!(m.single_ring_region, single, "{what}: mapping mode, {m:?}");
    if single {
        // One region holds both rings: both sizes are that region's.
        assert_eq!(m.sq_ring, m.cq_ring, "{what}: {m:?}");
    }
}

#[test]
fn default_uses_no_sqarray_on_this_kernel() {
    for entries in [1, 8, 64] {
        let mut ring = build(Ring::builder().entries(entries), "default");
        assert_ne!(ring.params().flags & setup::NO_SQARRAY, 0, "NO_SQARRAY not in effect");
        assert_eq!(ring.params().sq_off.array, 0);
        assert_ne!(ring.features() & feat::SINGLE_MMAP, 0);
        assert_mapping_mode(&ring, true, "default");
        round_trips(&mut ring, "default");
    }
}

#[test]
fn sq_array_mode() {
    for entries in [1, 8, 64] {
        let mut ring = build(Ring::builder().entries(entries).no_sqarray(false), "array");
        assert_eq!(ring.params().flags & setup::NO_SQARRAY, 0);
        assert_ne!(ring.params().sq_off.array, 0);
        assert_mapping_mode(&ring, true, "array");
        round_trips(&mut ring, "array");
    }
}

#[test]
fn explicit_no_sqarray() {
    let mut ring = build(Ring::builder().entries(8).no_sqarray(true), "no_sqarray(true)");
    assert_ne!(ring.params().flags & setup::NO_SQARRAY, 0);
    assert_mapping_mode(&ring, true, "no_sqarray(true)");
    round_trips(&mut ring, "no_sqarray(true)");
}

#[test]
fn separate_mappings_with_sq_array() {
    for entries in [1, 2, 8, 64, 256] {
        let what = format!("separate + array, {entries} entries");
        let b = Ring::builder().entries(entries).separate_mappings().no_sqarray(false);
        let mut ring = build(b, &what);
        assert_mapping_mode(&ring, false, &what);
        round_trips(&mut ring, &what);
    }
}

#[test]
fn separate_mappings_without_sq_array_large_ring() {
    // From 16 entries up, `entries * 4` covers the SQ header words, which hides the bug
    // exercised by `separate_mappings_without_sq_array_small_ring`.
    for entries in [16, 64, 256] {
        let what = format!("separate + NO_SQARRAY, {entries} entries");
        let mut ring = build(Ring::builder().entries(entries).separate_mappings(), &what);
        assert_ne!(ring.params().flags & setup::NO_SQARRAY, 0);
        assert_mapping_mode(&ring, false, &what);
        round_trips(&mut ring, &what);
    }
}

#[test]
fn separate_mappings_without_sq_array_small_ring() {
    for entries in [1, 2, 4, 8] {
        let what = format!("separate + NO_SQARRAY, {entries} entries");
        let mut ring = build(Ring::builder().entries(entries).separate_mappings(), &what);
        assert_mapping_mode(&ring, false, &what);
        round_trips(&mut ring, &what);
    }
}

#[test]
fn separate_mappings_with_big_entries() {
    let b = Ring::builder().entries(8).separate_mappings().no_sqarray(false).sqe128().cqe32();
    let mut ring = build(b, "separate + SQE128 + CQE32");
    assert_eq!(ring.params().flags & (setup::SQE128 | setup::CQE32), setup::SQE128 | setup::CQE32);
    assert_mapping_mode(&ring, false, "separate + SQE128 + CQE32");
    round_trips(&mut ring, "separate + SQE128 + CQE32");
}

#[test]
fn single_mapping_with_big_entries() {
    let mut ring = build(Ring::builder().entries(8).sqe128().cqe32(), "SQE128 + CQE32");
    assert_mapping_mode(&ring, true, "SQE128 + CQE32");
    round_trips(&mut ring, "SQE128 + CQE32");
}
