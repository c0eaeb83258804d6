//! Link, hard-link, drain and link-timeout semantics on the real kernel.
#![cfg(feature = "linux")]

mod support;

use std::os::fd::AsRawFd;

use ring_core::abi::Timespec;
use ring_core::opcode::{LinkTimeout, Nop, Read, Target};
use ring_core::{Errno, Ring};

fn ud_res(c: &[ring_core::abi::Cqe]) -> Vec<(u64, i32)> {
    c.iter().map(|c| (c.user_data, c.res)).collect()
}

#[test]
fn soft_link_cancels_the_rest_after_a_failure() {
    let mut ring = Ring::new(8).unwrap();
    {
        let mut sq = ring.submission();
        sq.push(&Nop::new().build().user_data(1).link()).unwrap();
        sq.push(&Nop::new().inject_result(Some(-5)).build().user_data(2).link()).unwrap();
        sq.push(&Nop::new().build().user_data(3).link()).unwrap();
        sq.push(&Nop::new().build().user_data(4)).unwrap();
        // Not part of the chain.
        sq.push(&Nop::new().build().user_data(5)).unwrap();
    }
    let mut c = support::submit_and_reap(&mut ring, 5);
    c.sort_by_key(|c| c.user_data);
    let canceled = -Errno::ECANCELED.raw();
    assert_eq!(ud_res(&c), [(1, 0), (2, -5), (3, canceled), (4, canceled), (5, 0)]);
}

#[test]
fn hard_link_continues_after_a_failure() {
    let mut ring = Ring::new(8).unwrap();
    {
        let mut sq = ring.submission();
        sq.push(&Nop::new().inject_result(Some(-5)).build().user_data(1).hard_link()).unwrap();
        sq.push(&Nop::new().build().user_data(2).hard_link()).unwrap();
        sq.push(&Nop::new().build().user_data(3)).unwrap();
    }
    // In order: each starts after the previous completed.
    let c = support::submit_and_reap(&mut ring, 3);
    assert_eq!(ud_res(&c), [(1, -5), (2, 0), (3, 0)]);
}

#[test]
fn link_timeout_cancels_a_stuck_read() {
    let (r, _w) = support::pipe();
    let mut ring = Ring::new(8).unwrap();
    let mut buf = [0u8; 8];
    let ts = Timespec { tv_sec: 0, tv_nsec: 20_000_000 };
    // SAFETY: `buf` outlives the completion, reaped below.
    let read = unsafe { Read::new(Target::Fd(r.as_raw_fd()), buf.as_mut_ptr(), 8).build() };
    ring.submission().push(&read.user_data(1).link()).unwrap();
    // SAFETY: `ts` outlives the completion, reaped below.
    let timeout = unsafe { LinkTimeout::new(&ts).build() };
    ring.submission().push(&timeout.user_data(2)).unwrap();
    let mut c = support::submit_and_reap(&mut ring, 2);
    c.sort_by_key(|c| c.user_data);
    assert_eq!(ud_res(&c), [(1, -Errno::ECANCELED.raw()), (2, -Errno::ETIME.raw())]);
}

#[test]
fn drain_orders_around_async_work() {
    let mut ring = Ring::new(16).unwrap();
    for round in 0..200u64 {
        let base = round * 8;
        {
            let mut sq = ring.submission();
            for i in 0..8 {
                let mut e = Nop::new().build().user_data(base + i).force_async();
                if i == 4 {
                    e = e.drain();
                }
                sq.push(&e).unwrap();
            }
        }
        let c = support::submit_and_reap(&mut ring, 8);
        let pos = |ud: u64| c.iter().position(|c| c.user_data == base + ud).unwrap();
        for before in 0..4 {
            assert!(pos(before) < pos(4), "round {round}: {:?}", ud_res(&c));
        }
        for after in 5..8 {
            assert!(pos(after) > pos(4), "round {round}: {:?}", ud_res(&c));
        }
    }
}

#[test]
fn linked_file_open_then_read() {
    // IORING_FEAT_LINKED_FILE (5.17): a linked request resolves its (fixed) file when it
    // starts, so an open into a slot can be followed by a read of that slot in one submit.
    use ring_core::opcode::{Install, OpenAt};
    let (path, _f) = support::temp_file("linked", b"linked file");
    let p = std::ffi::CString::new(path.0.to_str().unwrap()).unwrap();
    let mut ring = Ring::new(4).unwrap();
    ring.submitter().register_files_sparse(4).unwrap();
    let mut buf = [0u8; 16];
    // SAFETY: `p` outlives the completion, reaped below.
    let open =
        unsafe { OpenAt::new(libc::AT_FDCWD, p.as_ptr()).install(Install::Fixed(1)).build() };
    // SAFETY: `buf` outlives the completion, reaped below.
    let read = unsafe { Read::new(Target::Fixed(1), buf.as_mut_ptr(), 16).build() };
    ring.submission().push(&open.user_data(1).link()).unwrap();
    ring.submission().push(&read.user_data(2)).unwrap();
    let c = support::submit_and_reap(&mut ring, 2);
    assert_eq!(ud_res(&c), [(1, 0), (2, 11)]);
    assert_eq!(&buf[..11], b"linked file");
}
