//! Bad input gives typed errors or errnos, never a panic: closed and foreign descriptors in
//! SQEs, registration and setup; unsupported operations.
#![cfg(feature = "linux")]

mod support;

use std::os::fd::AsRawFd;

use ring_core::opcode::{MsgRing, Read, RecvZc, Target};
use ring_core::{Errno, Ring, RingError, SetupError};

/// A descriptor number that is not open: beyond any descriptor table, so no parallel test
/// can have it open (a just-closed number could be reused by another thread).
fn closed_fd() -> i32 {
    i32::MAX
}

#[test]
fn closed_or_foreign_fds_in_sqes_are_errnos_in_cqes() {
    let mut ring = Ring::new(8).unwrap();
    let mut buf = [0u8; 8];
    // SAFETY: `buf` outlives the completions, reaped below.
    let e = unsafe { Read::new(Target::Fd(-1), buf.as_mut_ptr(), 8).build() };
    ring.submission().push(&e.user_data(1)).unwrap();
    // No registered files at all: any fixed index is EBADF.
    // SAFETY: as above.
    let e = unsafe { Read::new(Target::Fixed(3), buf.as_mut_ptr(), 8).build() };
    ring.submission().push(&e.user_data(2)).unwrap();
    // MSG_RING to something that is not a ring.
    let (_p, f) = support::temp_file("foreign", b"x");
    ring.submission()
        .push(&MsgRing::new(Target::Fd(f.as_raw_fd()), 0, 7).build().user_data(3))
        .unwrap();
    let mut c = support::submit_and_reap(&mut ring, 3);
    c.sort_by_key(|c| c.user_data);
    let res: Vec<i32> = c.iter().map(|c| c.res).collect();
    assert_eq!(res, [-Errno::EBADF.raw(), -Errno::EBADF.raw(), -Errno::EBADFD.raw()]);
}

#[test]
fn closed_or_foreign_fds_in_registration_are_errnos() {
    let ring = Ring::new(4).unwrap();
    let s = ring.submitter();
    assert_eq!(s.register_files(&[closed_fd()]), Err(RingError::Kernel(Errno::EBADF)));
    let (_p, f) = support::temp_file("not-eventfd", b"");
    assert_eq!(s.register_eventfd(f.as_raw_fd()), Err(RingError::Kernel(Errno::EINVAL)));
    assert_eq!(s.register_eventfd(closed_fd()), Err(RingError::Kernel(Errno::EBADF)));
    assert_eq!(s.update_files(0, &[1]), Err(RingError::Kernel(Errno::ENXIO)));
    assert_eq!(s.unregister_files(), Err(RingError::Kernel(Errno::ENXIO)));
    assert_eq!(s.unregister_eventfd(), Err(RingError::Kernel(Errno::ENXIO)));
}

#[test]
fn closed_or_foreign_fds_at_setup_are_errnos() {
    // A closed wq_fd is ENXIO (not EBADF), with and without SQPOLL.
    let r = Ring::builder().entries(4).attach_wq(closed_fd()).build();
    assert_eq!(r.unwrap_err(), SetupError::Kernel(Errno::ENXIO));
    let r = Ring::builder().entries(4).sqpoll(10).attach_wq(closed_fd()).build();
    assert_eq!(r.unwrap_err(), SetupError::Kernel(Errno::ENXIO));
    let (_p, f) = support::temp_file("not-a-ring", b"");
    let r = Ring::builder().entries(4).attach_wq(f.as_raw_fd()).build();
    assert_eq!(r.unwrap_err(), SetupError::Kernel(Errno::EINVAL));
    let r = Ring::builder().entries(4).sqpoll(10).attach_wq(f.as_raw_fd()).build();
    assert_eq!(r.unwrap_err(), SetupError::Kernel(Errno::EINVAL));
}

#[test]
fn unsupported_operations_are_errnos() {
    let mut ring = Ring::new(4).unwrap();
    let (a, _b) = support::socketpair();
    // No zero-copy receive queue registered: the kernel's EINVAL.
    ring.submission().push(&RecvZc::new(Target::Fd(a.as_raw_fd()), 0).build()).unwrap();
    assert_eq!(support::submit_and_reap(&mut ring, 1)[0].res, -Errno::EINVAL.raw());
}
