//! The `drop-submit` scenario (liburing-scenarios.md, item 15): 4 NOPs followed by 2 SQEs the
//! kernel rejects at submission. Without `SUBMIT_ALL` submission stops at the first bad one
//! (5 consumed, 1 left pending for the next submit); with `SUBMIT_ALL` all 6 are consumed.
//! Every consumed SQE gets exactly one CQE.
#![cfg(feature = "linux")]

mod support;

use ring_core::abi::Sqe;
use ring_core::opcode::{Entry, Nop};
use ring_core::{Errno, Ring};

fn bad(user_data: u64) -> Entry {
    // SAFETY: an opcode past IORING_OP_LAST: the kernel fails it before reading any field as
    // a pointer.
    unsafe { Entry::from_raw(Sqe { opcode: 250, fd: -1, ..Sqe::default() }) }.user_data(user_data)
}

fn push_batch(ring: &mut Ring) {
    let mut sq = ring.submission();
    for i in 0..4 {
        sq.push(&Nop::new().build().user_data(i)).unwrap();
    }
    sq.push(&bad(4)).unwrap();
    sq.push(&bad(5)).unwrap();
}

fn results(cqes: &[ring_core::abi::Cqe]) -> Vec<(u64, i32)> {
    let mut v: Vec<_> = cqes.iter().map(|c| (c.user_data, c.res)).collect();
    v.sort_unstable();
    v
}

#[test]
fn drop_submit_stops_at_the_first_bad_sqe() {
    let mut ring = Ring::new(8).unwrap();
    for _ in 0..10 {
        push_batch(&mut ring);
        assert_eq!(ring.submit(), Ok(5));
        assert_eq!(ring.submission().pending(), 1);
        let c = support::reap_n(&mut ring, 5);
        let einval = -Errno::EINVAL.raw();
        assert_eq!(results(&c), [(0, 0), (1, 0), (2, 0), (3, 0), (4, einval)]);
        // The second bad one goes with the next submit.
        assert_eq!(ring.submit(), Ok(1));
        assert_eq!(results(&support::reap_n(&mut ring, 1)), [(5, einval)]);
    }
}

#[test]
fn drop_submit_with_submit_all() {
    let mut ring = Ring::builder().entries(8).submit_all().build().unwrap();
    for _ in 0..10 {
        push_batch(&mut ring);
        assert_eq!(ring.submit(), Ok(6));
        assert_eq!(ring.submission().pending(), 0);
        let einval = -Errno::EINVAL.raw();
        let c = support::reap_n(&mut ring, 6);
        assert_eq!(results(&c), [(0, 0), (1, 0), (2, 0), (3, 0), (4, einval), (5, einval)]);
    }
}
