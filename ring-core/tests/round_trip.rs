//! One round trip per basic operation on the real kernel: read, write, fsync, timeout, poll,
//! accept, recv, send. Each checks the result and the data, not just "no error".
#![cfg(feature = "linux")]

mod support;

use std::io::{Read as _, Write as _};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use ring_core::abi::{fsync_flags, Timespec};
use ring_core::opcode::{Accept, Fsync, PollAdd, Read, Recv, Send, Target, Timeout, Write};
use ring_core::{Errno, Ring, RingError};
use support::{pipe, reap_n, socketpair, submit_and_reap, temp_file, write_all};

#[test]
fn read() {
    let content: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    let (_path, file) = temp_file("read", &content);
    let mut ring = Ring::new(4).unwrap();
    let mut buf = vec![0u8; 4096];
    // SAFETY: `buf` outlives the completion, reaped below, and is not touched meanwhile.
    let e = unsafe {
        Read::new(Target::Fd(file.as_raw_fd()), buf.as_mut_ptr(), 4096).offset(4096).build()
    };
    ring.submission().push(&e.user_data(7)).unwrap();
    let c = submit_and_reap(&mut ring, 1);
    assert_eq!((c[0].user_data, c[0].res), (7, 4096));
    assert_eq!(buf[..], content[4096..]);
}

#[test]
fn write() {
    let (path, file) = temp_file("write", b"");
    let mut ring = Ring::new(4).unwrap();
    let data = b"written through the submission queue";
    // SAFETY: `data` is a static borrow, valid until the completion.
    let e = unsafe {
        Write::new(Target::Fd(file.as_raw_fd()), data.as_ptr(), data.len() as u32).offset(3).build()
    };
    ring.submission().push(&e.user_data(8)).unwrap();
    let c = submit_and_reap(&mut ring, 1);
    assert_eq!((c[0].user_data, c[0].res), (8, data.len() as i32));
    let back = std::fs::read(&path.0).unwrap();
    assert_eq!(&back[..3], &[0, 0, 0], "a pwrite at offset 3 leaves a hole");
    assert_eq!(&back[3..], data);
}

#[test]
fn fsync() {
    let (_path, file) = temp_file("fsync", b"data to sync");
    let mut ring = Ring::new(4).unwrap();
    let fd = Target::Fd(file.as_raw_fd());
    ring.submission().push(&Fsync::new(fd).build().user_data(1)).unwrap();
    ring.submission()
        .push(&Fsync::new(fd).flags(fsync_flags::DATASYNC).build().user_data(2))
        .unwrap();
    // An invalid flag is the kernel's EINVAL, in the CQE.
    ring.submission().push(&Fsync::new(fd).flags(1 << 5).build().user_data(3)).unwrap();
    let mut c = submit_and_reap(&mut ring, 3);
    c.sort_by_key(|c| c.user_data);
    assert_eq!(c.iter().map(|c| c.res).collect::<Vec<_>>(), [0, 0, -Errno::EINVAL.raw()]);
    // On a pipe, fsync is EINVAL too: the kernel's answer reaches the CQE unchanged.
    let (r, _w) = pipe();
    ring.submission().push(&Fsync::new(Target::Fd(r.as_raw_fd())).build()).unwrap();
    assert_eq!(submit_and_reap(&mut ring, 1)[0].res, -Errno::EINVAL.raw());
}

#[test]
fn timeout() {
    let mut ring = Ring::new(4).unwrap();
    let ts = Timespec { tv_sec: 0, tv_nsec: 50_000_000 };
    // SAFETY: `ts` lives until the completion is reaped below.
    let e = unsafe { Timeout::new(&ts).build() }.user_data(11);
    ring.submission().push(&e).unwrap();
    let t0 = Instant::now();
    let c = submit_and_reap(&mut ring, 1);
    let dt = t0.elapsed();
    assert_eq!((c[0].user_data, c[0].res), (11, -Errno::ETIME.raw()));
    assert!(dt >= Duration::from_millis(45) && dt < Duration::from_secs(10), "{dt:?}");

    // With a count: completes with 0 once that many other completions have been posted.
    let long = Timespec { tv_sec: 30, tv_nsec: 0 };
    // SAFETY: `long` lives until the completion is reaped below.
    let e = unsafe { Timeout::new(&long).count(2).build() }.user_data(12);
    ring.submission().push(&e).unwrap();
    ring.submit().unwrap();
    support::reap(&mut ring);
    for ud in [13, 14] {
        ring.submission().push(&ring_core::opcode::Nop::new().build().user_data(ud)).unwrap();
    }
    let mut c = submit_and_reap(&mut ring, 3);
    c.sort_by_key(|c| c.user_data);
    assert_eq!(
        c.iter().map(|c| (c.user_data, c.res)).collect::<Vec<_>>(),
        [(12, 0), (13, 0), (14, 0)]
    );
}

#[test]
fn poll() {
    let (r, w) = pipe();
    let mut ring = Ring::new(4).unwrap();
    let e = PollAdd::new(Target::Fd(r.as_raw_fd()), libc::POLLIN as u32).build().user_data(21);
    ring.submission().push(&e).unwrap();
    ring.submit().unwrap();
    // Nothing to read yet: no completion.
    assert_eq!(
        ring.wait_timeout(1, Duration::from_millis(50)),
        Err(RingError::Kernel(Errno::ETIME))
    );
    write_all(w.as_raw_fd(), b"x");
    let c = reap_n(&mut ring, 1);
    assert_eq!(c[0].user_data, 21);
    assert_ne!(c[0].res & libc::POLLIN as i32, 0, "{c:?}");
}

#[test]
fn accept() {
    let listener = support::tcp_listener();
    let addr = listener.local_addr().unwrap();
    let mut ring = Ring::new(4).unwrap();
    let mut peer = [0u8; 128];
    let mut peer_len = peer.len() as u32;
    // SAFETY: `peer` and `peer_len` live until the completion is reaped below.
    let e = unsafe {
        Accept::new(Target::Fd(listener.as_raw_fd()))
            .addr(peer.as_mut_ptr().cast())
            .addrlen(&mut peer_len)
            .flags(libc::SOCK_CLOEXEC as u32)
            .build()
    };
    ring.submission().push(&e.user_data(31)).unwrap();
    ring.submit().unwrap();
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    let c = reap_n(&mut ring, 1);
    assert_eq!(c[0].user_data, 31);
    assert!(c[0].res >= 0, "accept failed: {c:?}");
    // SAFETY: the kernel handed us this new descriptor.
    let mut server =
        unsafe { <std::net::TcpStream as std::os::fd::FromRawFd>::from_raw_fd(c[0].res) };
    assert_eq!(peer_len as usize, std::mem::size_of::<libc::sockaddr_in>());
    assert_eq!(u16::from_ne_bytes([peer[0], peer[1]]), libc::AF_INET as u16);
    client.write_all(b"ping").unwrap();
    let mut got = [0u8; 4];
    server.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ping");
}

#[test]
fn recv() {
    let (a, b) = socketpair();
    let mut ring = Ring::new(4).unwrap();
    let mut buf = [0u8; 64];
    // SAFETY: `buf` lives until the completion is reaped below.
    let e = unsafe { Recv::new(Target::Fd(a.as_raw_fd()), buf.as_mut_ptr(), 64).build() };
    ring.submission().push(&e.user_data(41)).unwrap();
    ring.submit().unwrap();
    assert_eq!(
        ring.wait_timeout(1, Duration::from_millis(20)),
        Err(RingError::Kernel(Errno::ETIME))
    );
    write_all(b.as_raw_fd(), b"hello ring");
    let c = reap_n(&mut ring, 1);
    assert_eq!((c[0].user_data, c[0].res), (41, 10));
    assert_eq!(&buf[..10], b"hello ring");
}

#[test]
fn send() {
    let (a, b) = socketpair();
    let mut ring = Ring::new(4).unwrap();
    let data = b"sent by the ring";
    // SAFETY: `data` is static.
    let e =
        unsafe { Send::new(Target::Fd(a.as_raw_fd()), data.as_ptr(), data.len() as u32).build() };
    ring.submission().push(&e.user_data(51)).unwrap();
    let c = submit_and_reap(&mut ring, 1);
    assert_eq!((c[0].user_data, c[0].res), (51, data.len() as i32));
    let mut got = [0u8; 32];
    let n = support::read_some(b.as_raw_fd(), &mut got);
    assert_eq!(&got[..n as usize], data);
    // Sending on a closed peer: the kernel's EPIPE in the CQE (MSG_NOSIGNAL is implied).
    drop(b);
    // SAFETY: `data` is static.
    let e = unsafe { Send::new(Target::Fd(a.as_raw_fd()), data.as_ptr(), 4).build() };
    ring.submission().push(&e).unwrap();
    assert_eq!(submit_and_reap(&mut ring, 1)[0].res, -Errno::EPIPE.raw());
}

#[test]
fn read_at_current_position() {
    // IORING_FEAT_RW_CUR_POS (5.6): offset -1 reads at, and advances, the file position.
    let (_path, file) = temp_file("curpos", b"0123456789");
    let mut ring = Ring::new(4).unwrap();
    let mut buf = [0u8; 4];
    for want in [&b"0123"[..], b"4567", b"89"] {
        // SAFETY: `buf` outlives the completion, reaped below.
        let e = unsafe {
            Read::new(Target::Fd(file.as_raw_fd()), buf.as_mut_ptr(), 4).offset(u64::MAX).build()
        };
        ring.submission().push(&e).unwrap();
        let c = submit_and_reap(&mut ring, 1);
        assert_eq!(&buf[..c[0].res as usize], want);
    }
}
