//! Port of liburing's `sq-space_left` test: free space counts down with every push, and a
//! submit that stops at a bad SQE leaves the rest pending for the next submit.
#![cfg(feature = "linux")]

mod common;

use common::{nop, push_nops, reap_ready};
use ring_core::abi::Sqe;
use ring_core::opcode::Entry;
use ring_core::{Errno, Ring};

#[test]
fn space_left_counts_down() {
    let mut ring = Ring::new(8).unwrap();
    for round in 0..3u64 {
        {
            let mut sq = ring.submission();
            assert_eq!(sq.space_left(), 8);
            assert!(sq.is_empty());
            for i in 0..8 {
                sq.push(&nop(round * 8 + i)).unwrap();
                assert_eq!(sq.space_left(), 8 - (i as u32 + 1));
                assert_eq!(sq.len(), i as u32 + 1);
            }
            assert!(sq.is_full());
        }
        assert_eq!(ring.submit_and_wait(8).unwrap(), 8);
        assert_eq!(ring.submission().space_left(), 8);
        assert_eq!(reap_ready(&mut ring).len(), 8);
    }
}

/// An SQE the kernel rejects at submission: an opcode past `IORING_OP_LAST`.
fn bad_opcode(user_data: u64) -> Entry {
    // SAFETY: the opcode is invalid, so the kernel fails the request without reading any
    // field as a pointer; all pointer-sized fields are zero anyway.
    unsafe { Entry::from_raw(Sqe { opcode: 200, fd: -1, ..Sqe::default() }) }.user_data(user_data)
}

#[test]
fn short_submit_leaves_the_rest_pending() {
    let mut ring = Ring::new(32).unwrap();
    push_nops(&mut ring, 0..8);
    ring.submission().push(&bad_opcode(8)).unwrap();
    push_nops(&mut ring, 9..17);
    {
        let sq = ring.submission();
        assert_eq!((sq.pending(), sq.unpublished(), sq.len()), (0, 17, 17));
    }

    // The kernel stops at the bad SQE, which it counts as consumed.
    assert_eq!(ring.submit().unwrap(), 9);
    {
        let sq = ring.submission();
        assert_eq!((sq.pending(), sq.unpublished()), (8, 0));
        assert_eq!(sq.space_left(), 32 - 8);
    }
    assert_eq!(ring.submit().unwrap(), 8);
    assert_eq!(ring.submission().pending(), 0);

    let cqes = reap_ready(&mut ring);
    assert_eq!(cqes.len(), 17, "{cqes:?}");
    let mut seen = [false; 17];
    for c in &cqes {
        let want = if c.user_data == 8 { -Errno::EINVAL.raw() } else { 0 };
        assert_eq!(c.res, want, "{c:?}");
        assert!(!std::mem::replace(&mut seen[c.user_data as usize], true), "duplicate {c:?}");
    }
    assert!(seen.iter().all(|&s| s));
}
