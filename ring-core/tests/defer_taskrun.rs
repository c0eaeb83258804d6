//! Port of liburing's `defer-taskrun` test: on a `SINGLE_ISSUER | DEFER_TASKRUN |
//! TASKRUN_FLAG` ring a completion produced outside the issuer (a pipe becoming readable) is
//! withheld, with `IORING_SQ_TASKRUN` set, until the issuer enters; peeking at the empty CQ
//! must still find it, because the flag makes the peek enter. Also `R_DISABLED`: enter fails
//! with `EBADFD` until the ring is enabled; and a second thread entering a single-issuer
//! ring gets `EEXIST`.
#![cfg(feature = "linux")]

mod support;

use std::os::fd::AsRawFd;

use ring_core::abi::sq_flags;
use ring_core::opcode::{Nop, Read, Target};
use ring_core::{Errno, Kernel, Ring};
use support::{pipe, write_all};

#[test]
fn completion_is_withheld_until_the_task_enters() {
    let mut ring = Ring::builder().entries(8).defer_taskrun().taskrun_flag().build().unwrap();
    for round in 0..20u64 {
        let (r, w) = pipe();
        let mut buf = [0u8; 16];
        // SAFETY: `buf` outlives the completion, reaped below.
        let e = unsafe { Read::new(Target::Fd(r.as_raw_fd()), buf.as_mut_ptr(), 16).build() };
        ring.submission().push(&e.user_data(round)).unwrap();
        ring.submit().unwrap();
        assert_eq!(ring.completion().ready(), 0);
        write_all(w.as_raw_fd(), b"wake");
        // The read completed in the kernel, but its CQE waits for us to enter.
        assert_eq!(ring.completion().ready(), 0, "round {round}: posted without entering");
        assert_ne!(ring.submission().flags() & sq_flags::TASKRUN, 0, "round {round}");
        let c = ring.peek().unwrap().expect("peek must enter and find the completion");
        assert_eq!((c.user_data, c.res), (round, 4));
        ring.completion().advance(1).unwrap();
        assert_eq!(&buf[..4], b"wake");
        assert_eq!(ring.submission().flags() & sq_flags::TASKRUN, 0);
    }
}

#[test]
fn inline_completions_are_posted_at_submit() {
    let mut ring = Ring::builder().entries(8).defer_taskrun().build().unwrap();
    ring.submission().push(&Nop::new().build().user_data(5)).unwrap();
    assert_eq!(ring.submit(), Ok(1));
    assert_eq!(support::reap(&mut ring).len(), 1);
}

#[test]
fn r_disabled_until_enabled() {
    let mut ring = Ring::builder().entries(4).r_disabled().build().unwrap();
    ring.submission().push(&Nop::new().build().user_data(1)).unwrap();
    assert_eq!(ring.submit(), Err(Errno::EBADFD));
    assert_eq!(ring.wait(1), Err(Errno::EBADFD));
    ring.enable_rings().unwrap();
    // The rejected call published the entry; it is submitted now.
    assert_eq!(ring.submit_and_wait(1), Ok(1));
    assert_eq!(support::reap(&mut ring)[0].user_data, 1);
    // Enabling twice is the kernel's EBADFD.
    assert!(ring.enable_rings().is_err());
}

#[test]
fn r_disabled_defer_taskrun_binds_the_enabling_thread() {
    let mut ring = Ring::builder().entries(4).r_disabled().defer_taskrun().build().unwrap();
    ring.enable_rings().unwrap();
    ring.submission().push(&Nop::new().build()).unwrap();
    assert_eq!(ring.submit_and_wait(1), Ok(1));
}

#[test]
fn single_issuer_rejects_another_thread() {
    let mut ring = Ring::builder().entries(4).single_issuer().build().unwrap();
    ring.submission().push(&Nop::new().build()).unwrap();
    ring.submission().publish();
    let r = std::thread::scope(|s| {
        s.spawn(|| ring.submitter().enter(ring_core::Enter { to_submit: 1, ..Default::default() }))
            .join()
            .unwrap()
    });
    assert_eq!(r, Err(Errno::EEXIST));
    assert_eq!(ring.submit_and_wait(1), Ok(1));
}
