//! A dead SQPOLL thread surfaces as an error, never a hang.
//!
//! The polling thread belongs to the process that set the ring up and dies with it. A child
//! process sets up an SQPOLL ring; the parent copies the ring fd (`pidfd_getfd`), lets the
//! child exit, takes the ring over ([`Ring::from_raw_fd`]), and every call that needs the
//! thread must fail with `EOWNERDEAD`. Also: taking over something that is not a ring is an
//! errno.
#![cfg(feature = "linux")]

mod support;

use std::os::fd::AsRawFd;

use ring_core::abi::{setup, sq_flags, Params};
use ring_core::opcode::Nop;
use ring_core::{Errno, Ring, RingError, SetupError};

/// What the child reports: its ring fd number and the parameters.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Report {
    fd: i32,
    _pad: i32,
    params: Params,
}

/// In the child: set up an SQPOLL ring, report it on `out`, wait until `hold` is closed,
/// exit (taking the polling thread with it). Only raw syscalls and stack memory: the child
/// of a multi-threaded process may not allocate.
fn child(out: i32, hold: i32, inherited: [i32; 2]) -> ! {
    // Our copies of the parent's ends: holding `hold`'s write end would keep us waiting.
    for fd in inherited {
        // SAFETY: closing descriptors this process inherited and does not use.
        unsafe { libc::close(fd) };
    }
    let mut r = Report::default();
    r.params = Params { flags: setup::SQPOLL, sq_thread_idle: 1000, ..Params::default() };
    // SAFETY: `r.params` is a valid `io_uring_params` for the call.
    r.fd =
        unsafe { libc::syscall(libc::SYS_io_uring_setup, 8, &mut r.params as *mut Params) } as i32;
    let size = std::mem::size_of::<Report>();
    // SAFETY: `r` is valid for reads of its size.
    let sent = unsafe { libc::write(out, (&r as *const Report).cast(), size) };
    let mut b = 0u8;
    // SAFETY: one writable byte; returns 0 once the parent closes its end.
    unsafe { libc::read(hold, (&mut b as *mut u8).cast(), 1) };
    // SAFETY: ends the child without running the parent's destructors.
    unsafe { libc::_exit(if r.fd >= 0 && sent == size as isize { 0 } else { 1 }) }
}

/// Forks a child that owns an SQPOLL ring, copies the ring fd into this process
/// (`pidfd_getfd`), lets the child exit and reaps it. Returns our fd and the parameters.
fn ring_of_a_dead_process() -> (i32, Params) {
    let (report_r, report_w) = support::pipe();
    let (hold_r, hold_w) = support::pipe();
    // SAFETY: the child runs only `child`, which uses raw syscalls and exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        child(report_w.as_raw_fd(), hold_r.as_raw_fd(), [report_r.as_raw_fd(), hold_w.as_raw_fd()]);
    }
    drop((report_w, hold_r));
    let mut r = Report::default();
    let size = std::mem::size_of::<Report>();
    // SAFETY: `r` is valid for writes of its size.
    let n = unsafe { libc::read(report_r.as_raw_fd(), (&mut r as *mut Report).cast(), size) };
    assert_eq!(n, size as isize, "no report from the child");
    assert!(r.fd >= 0, "io_uring_setup failed in the child");
    // SAFETY: a plain syscall on our own child; the result is checked.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    assert!(pidfd >= 0, "pidfd_open: {}", std::io::Error::last_os_error());
    // SAFETY: as above; copies descriptor `r.fd` of the child into this process.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd, r.fd, 0) } as i32;
    assert!(fd >= 0, "pidfd_getfd: {}", std::io::Error::last_os_error());
    // SAFETY: closing the pidfd opened above.
    unsafe { libc::close(pidfd) };
    drop(hold_w);
    let mut status = 0;
    // SAFETY: `pid` is our child; `status` is writable.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child: {status:#x}");
    (fd, r.params)
}

#[test]
fn dead_sqpoll_thread_is_an_error_not_a_hang() {
    support::with_deadline(30, || {
        let (fd, params) = ring_of_a_dead_process();
        // The child and its polling thread are gone; the ring lives on in our fd.
        // SAFETY: `fd` was just copied into this process and is owned by nobody else.
        let mut ring = unsafe { Ring::from_raw_fd(fd, params) }.unwrap();
        assert_ne!(ring.params().flags & setup::SQPOLL, 0);
        println!("SQ flags with the thread dead: {:#x}", ring.submission().flags());

        ring.submission().push(&Nop::new().build().user_data(1)).unwrap();
        assert_eq!(ring.submit_and_wait(1), Err(Errno::EOWNERDEAD));
        assert_eq!(ring.wait(1), Err(Errno::EOWNERDEAD));
        assert_eq!(ring.get_events(), Err(Errno::EOWNERDEAD));
        // A full SQ that nobody will drain: waiting for space fails rather than blocking.
        while ring.submission().push(&Nop::new().build()).is_ok() {}
        assert_eq!(ring.sq_wait(), Err(RingError::Kernel(Errno::EOWNERDEAD)));
        // Plain submit: an error too if the kernel left NEED_WAKEUP set (then the submit
        // path must enter); otherwise nothing is entered and nothing can hang.
        let r = ring.submit();
        if ring.submission().flags() & sq_flags::NEED_WAKEUP != 0 {
            assert_eq!(r, Err(Errno::EOWNERDEAD));
        }
        assert_eq!(ring.completion().ready(), 0);
    });
}

/// Kernel behaviour: io_uring descriptors cannot travel over a Unix socket (`SCM_RIGHTS`
/// gives `EINVAL`), which is why the test above copies the fd with `pidfd_getfd`.
#[test]
fn ring_fds_cannot_be_sent_over_unix_sockets() {
    let ring = Ring::new(2).unwrap();
    let (a, _b) = support::socketpair();
    let mut byte = 0u8;
    let mut iov = libc::iovec { iov_base: (&mut byte as *mut u8).cast(), iov_len: 1 };
    /// One `SCM_RIGHTS` control message carrying one descriptor (`CMSG_SPACE(4)` bytes).
    #[repr(C)]
    struct CmsgFd {
        hdr: libc::cmsghdr,
        fd: i32,
        _pad: i32,
    }
    // SAFETY: all-zero is a valid `cmsghdr` and `i32`.
    let mut cmsg: CmsgFd = unsafe { std::mem::zeroed() };
    cmsg.hdr.cmsg_level = libc::SOL_SOCKET;
    cmsg.hdr.cmsg_type = libc::SCM_RIGHTS;
    cmsg.hdr.cmsg_len = (std::mem::size_of::<libc::cmsghdr>() + 4) as _;
    cmsg.fd = ring.fd();
    // SAFETY: all-zero is a valid `msghdr`.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = (&mut cmsg as *mut CmsgFd).cast();
    msg.msg_controllen = std::mem::size_of::<CmsgFd>() as _;
    // SAFETY: `msg` describes valid buffers.
    let n = unsafe { libc::sendmsg(a.as_raw_fd(), &msg, 0) };
    assert_eq!(n, -1);
    assert_eq!(std::io::Error::last_os_error().raw_os_error(), Some(libc::EINVAL));
}

#[test]
fn taking_over_a_non_ring_fd_is_an_errno() {
    let (_path, file) = support::temp_file("not-a-ring", b"hello");
    let fd = std::os::fd::IntoRawFd::into_raw_fd(file);
    let p = *Ring::new(4).unwrap().params();
    // SAFETY: `fd` is ours; the ring takes it and closes it on the error path.
    let r = unsafe { Ring::from_raw_fd(fd, p) };
    // Checked before mapping: a regular file can be mmap'd, and would fault later.
    assert_eq!(r.unwrap_err(), SetupError::Kernel(Errno::EOPNOTSUPP));
    // Bogus parameters for a real ring: the layout check refuses them.
    let real = Ring::new(4).unwrap();
    // SAFETY: a duplicate we own.
    let dup = unsafe { libc::dup(real.fd()) };
    let mut bad = *real.params();
    bad.sq_off.head = 1 << 20;
    // SAFETY: `dup` is ours.
    let r = unsafe { Ring::from_raw_fd(dup, bad) };
    assert!(matches!(r, Err(SetupError::Layout(_))), "{r:?}");
}
