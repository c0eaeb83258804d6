//! Every one of the 63 opcode builders of 6.18, submitted to this machine's kernel and
//! checked by its effect (data read back, files created, descriptors usable, wakeups). Each
//! test declares the opcodes it covers and asserts it submitted exactly those; the last test
//! checks that the declarations cover opcodes 0..=62. RECV_ZC needs a NIC queue registered
//! for zero-copy receive, which this machine has not: it is checked for the kernel's errno.
#![cfg(feature = "linux")]

mod support;

use std::collections::BTreeSet;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use ring_core::abi::{cqe_flags, op, socket_cmd, Cqe, Timespec};
use ring_core::opcode::*;
use ring_core::{Errno, Ring, RingError};

/// A ring that records which opcodes went through it.
struct Exec {
    ring: Ring,
    used: BTreeSet<u8>,
}

impl Exec {
    fn new() -> Self {
        Exec { ring: Ring::new(32).unwrap(), used: BTreeSet::new() }
    }

    fn push(&mut self, e: Entry) {
        self.used.insert(e.as_sqe().opcode);
        self.ring.submission().push(&e).unwrap();
    }

    /// Submits what is queued and returns the next `n` completions, in arrival order.
    fn reap(&mut self, n: usize) -> Vec<Cqe> {
        support::submit_and_reap(&mut self.ring, n)
    }

    /// One entry, its result.
    fn one(&mut self, e: Entry) -> i32 {
        self.push(e);
        let c = self.reap(1);
        c[0].res
    }

    /// The results of several entries, by user_data order.
    fn all(&mut self, es: &[Entry]) -> Vec<i32> {
        for e in es {
            self.push(*e);
        }
        let mut c = self.reap(es.len());
        c.sort_by_key(|c| c.user_data);
        c.iter().map(|c| c.res).collect()
    }

    fn assert_covers(&self, declared: &[u8]) {
        let declared: BTreeSet<u8> = declared.iter().copied().collect();
        assert_eq!(self.used, declared, "submitted vs declared opcodes");
    }
}

/// `unsafe { builder.build() }` for the tests below, where every pointer an entry carries
/// lives on the test's stack frame until the statement that submits the entry has reaped
/// its completion.
macro_rules! built {
    ($b:expr) => {{
        let b = $b;
        // SAFETY: see the macro's documentation: the entry's memory outlives its completion.
        unsafe { b.build() }
    }};
}

fn cstr(p: &std::path::Path) -> CString {
    use std::os::unix::ffi::OsStrExt;
    CString::new(p.as_os_str().as_bytes()).unwrap()
}

const IO: &[u8] = &[
    op::READ,
    op::WRITE,
    op::READV,
    op::WRITEV,
    op::READ_FIXED,
    op::WRITE_FIXED,
    op::READV_FIXED,
    op::WRITEV_FIXED,
    op::FSYNC,
    op::SYNC_FILE_RANGE,
    op::FALLOCATE,
    op::FADVISE,
    op::FTRUNCATE,
];

#[test]
fn file_io() {
    let (path, file) = support::temp_file("ops-io", b"");
    let fd = Target::Fd(file.as_raw_fd());
    let mut x = Exec::new();
    let data = *b"0123456789abcdef";
    let mut a = *b"ABCD";
    let mut b = *b"EFGH";
    let wv = [
        libc::iovec { iov_base: a.as_mut_ptr().cast(), iov_len: 4 },
        libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: 4 },
    ];
    let mut r1 = [0u8; 12];
    let mut r2 = [0u8; 12];
    let rv = [
        libc::iovec { iov_base: r1.as_mut_ptr().cast(), iov_len: 12 },
        libc::iovec { iov_base: r2.as_mut_ptr().cast(), iov_len: 12 },
    ];
    let mut whole = [0u8; 24];
    // SAFETY: (here and below) every buffer and iovec array lives on this stack frame
    // until the completion has been reaped, by the same statement.
    let e = unsafe { Write::new(fd, data.as_ptr(), 16).build() };
    assert_eq!(x.one(e), 16);
    // SAFETY: as above.
    let e = unsafe { Writev::new(fd, wv.as_ptr().cast(), 2).offset(16).build() };
    assert_eq!(x.one(e), 8);
    // SAFETY: as above.
    let e = unsafe { Readv::new(fd, rv.as_ptr().cast(), 2).build() };
    assert_eq!(x.one(e), 24);
    // SAFETY: as above.
    let e = unsafe { Read::new(fd, whole.as_mut_ptr(), 24).build() };
    assert_eq!(x.one(e), 24);
    assert_eq!(&whole, b"0123456789abcdefABCDEFGH");
    assert_eq!([r1, r2].concat(), whole);

    let mut reg = vec![0u8; 4096];
    reg[..8].copy_from_slice(b"fixed io");
    let iov = [libc::iovec { iov_base: reg.as_mut_ptr().cast(), iov_len: 4096 }];
    // SAFETY: `reg` stays allocated until the ring is dropped at the end of the test.
    unsafe { x.ring.submitter().register_buffers(&iov) }.unwrap();
    let base = reg.as_mut_ptr();
    let at = |off: usize| base.wrapping_add(off);
    // SAFETY: (here and below) all ranges lie inside registered buffer 0 (`reg`), which
    // outlives the completions.
    let e = unsafe { WriteFixed::new(fd, base, 8, 0).offset(24).build() };
    assert_eq!(x.one(e), 8);
    // SAFETY: as above.
    let e = unsafe { ReadFixed::new(fd, at(100), 8, 0).offset(24).build() };
    assert_eq!(x.one(e), 8);
    let v = [
        libc::iovec { iov_base: at(200).cast(), iov_len: 4 },
        libc::iovec { iov_base: at(300).cast(), iov_len: 4 },
    ];
    // SAFETY: as above; `v` outlives the completion.
    let e = unsafe { ReadvFixed::new(fd, v.as_ptr().cast(), 2, 0).offset(24).build() };
    assert_eq!(x.one(e), 8);
    let w = [libc::iovec { iov_base: at(200).cast(), iov_len: 4 }];
    // SAFETY: as above.
    let e = unsafe { WritevFixed::new(fd, w.as_ptr().cast(), 1, 0).offset(32).build() };
    assert_eq!(x.one(e), 4);
    assert_eq!(&reg[100..108], b"fixed io");
    assert_eq!((&reg[200..204], &reg[300..304]), (&b"fixe"[..], &b"d io"[..]));
    assert_eq!(&std::fs::read(&path.0).unwrap()[24..36], b"fixed iofixe");

    let res = x.all(&[
        Fsync::new(fd).build().user_data(1),
        SyncFileRange::new(fd, 4096).build().user_data(2),
        Fadvise::new(fd).len(4096).advice(libc::POSIX_FADV_DONTNEED).build().user_data(3),
    ]);
    assert_eq!(res, [0, 0, 0]);
    assert_eq!(x.one(Fallocate::new(fd, 65536).build()), 0);
    assert_eq!(std::fs::metadata(&path.0).unwrap().len(), 65536);
    assert_eq!(x.one(Ftruncate::new(fd, 10).build()), 0);
    assert_eq!(std::fs::read(&path.0).unwrap(), b"0123456789");
    x.assert_covers(IO);
}

const WAIT_AND_CANCEL: &[u8] = &[
    op::NOP,
    op::POLL_ADD,
    op::POLL_REMOVE,
    op::ASYNC_CANCEL,
    op::TIMEOUT,
    op::TIMEOUT_REMOVE,
    op::LINK_TIMEOUT,
    op::READ,
];

#[test]
fn waiting_and_cancelling() {
    let (r, _w) = support::pipe();
    let rfd = Target::Fd(r.as_raw_fd());
    let mut x = Exec::new();
    let canceled = -Errno::ECANCELED.raw();
    assert_eq!(x.one(Nop::new().build()), 0);
    let res = x.all(&[
        PollAdd::new(rfd, libc::POLLIN as u32).build().user_data(1),
        PollRemove::new(1).build().user_data(2),
    ]);
    assert_eq!(res, [canceled, 0]);
    let mut buf = [0u8; 8];
    let long = Timespec { tv_sec: 30, tv_nsec: 0 };
    let short = Timespec { tv_sec: 0, tv_nsec: 10_000_000 };
    // SAFETY: (here and below) `buf`, `long` and `short` outlive the completions.
    let read = unsafe { Read::new(rfd, buf.as_mut_ptr(), 8).build() };
    let res = x.all(&[read.user_data(3), AsyncCancel::new(3).build().user_data(4)]);
    assert_eq!(res, [canceled, 0]);
    // SAFETY: as above.
    let timeout = unsafe { Timeout::new(&long).build() };
    // SAFETY: as above (no timespec: a plain removal).
    let remove = unsafe { TimeoutRemove::new(5).build() };
    let res = x.all(&[timeout.user_data(5), remove.user_data(6)]);
    assert_eq!(res, [canceled, 0]);
    // SAFETY: as above.
    let link_timeout = unsafe { LinkTimeout::new(&short).build() };
    let res = x.all(&[read.user_data(7).link(), link_timeout.user_data(8)]);
    assert_eq!(res, [canceled, -Errno::ETIME.raw()]);
    x.assert_covers(WAIT_AND_CANCEL);
}

const NET: &[u8] = &[
    op::SOCKET,
    op::BIND,
    op::LISTEN,
    op::CONNECT,
    op::ACCEPT,
    op::SEND,
    op::RECV,
    op::SENDMSG,
    op::RECVMSG,
    op::SEND_ZC,
    op::SENDMSG_ZC,
    op::URING_CMD,
    op::SHUTDOWN,
    op::RECV_ZC,
];

fn msghdr(iov: &mut libc::iovec) -> libc::msghdr {
    // SAFETY: all-zero is a valid `msghdr`.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_iov = iov;
    m.msg_iovlen = 1;
    m
}

/// Reaps a zero-copy send: the result CQE (with MORE), then the notification.
fn zc_result(x: &mut Exec) -> i32 {
    let c = x.reap(2);
    let (res, notif): (Vec<&Cqe>, Vec<&Cqe>) =
        c.iter().partition(|c| c.flags & cqe_flags::NOTIF == 0);
    assert_eq!((res.len(), notif.len()), (1, 1), "{c:?}");
    assert_ne!(res[0].flags & cqe_flags::MORE, 0);
    res[0].res
}

#[test]
fn sockets() {
    let mut x = Exec::new();
    let own = |fd: i32| {
        assert!(fd >= 0, "{}", Errno(-fd));
        // SAFETY: a descriptor the kernel just created for us.
        unsafe { OwnedFd::from_raw_fd(fd) }
    };
    let ls =
        own(x.one(Socket::new(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0).build()));
    // SAFETY: all-zero is a valid `sockaddr_in`.
    let mut addr: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    addr.sin_family = libc::AF_INET as u16;
    addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
    let alen = std::mem::size_of::<libc::sockaddr_in>() as u32;
    let addr_ptr = (&addr as *const libc::sockaddr_in).cast();
    let lt = Target::Fd(ls.as_raw_fd());
    // SAFETY: (here and below) buffers, addresses and message headers live on
    // this stack frame until the completions that use them have been reaped.
    let e = unsafe { Bind::new(lt, addr_ptr, alen).build() };
    assert_eq!(x.one(e), 0);
    assert_eq!(x.one(Listen::new(lt, 16).build()), 0);
    let mut bound = addr;
    let mut len = alen;
    // SAFETY: `bound` and `len` are valid for writes.
    let r = unsafe {
        libc::getsockname(ls.as_raw_fd(), (&mut bound as *mut libc::sockaddr_in).cast(), &mut len)
    };
    assert_eq!(r, 0);
    let bound_ptr = (&bound as *const libc::sockaddr_in).cast();
    let c =
        own(x.one(Socket::new(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0).build()));
    let ct = Target::Fd(c.as_raw_fd());
    // SAFETY: as above.
    let accept = unsafe { Accept::new(lt).build() };
    // SAFETY: as above.
    let connect = unsafe { Connect::new(ct, bound_ptr, alen).build() };
    let res = x.all(&[accept.user_data(1), connect.user_data(2)]);
    assert_eq!(res[1], 0);
    let s = own(res[0]);
    let st = Target::Fd(s.as_raw_fd());

    let mut buf = [0u8; 64];
    let bp = buf.as_mut_ptr();
    // SAFETY: as above.
    let recv = unsafe { Recv::new(st, bp, 64).build() };
    // SAFETY: as above.
    let e = unsafe { Send::new(ct, b"hello".as_ptr(), 5).build() };
    assert_eq!(x.one(e), 5);
    assert_eq!(x.one(recv), 5);
    assert_eq!(&buf[..5], b"hello");
    let mut out = *b"msg!";
    let mut oi = libc::iovec { iov_base: out.as_mut_ptr().cast(), iov_len: 4 };
    let om = msghdr(&mut oi);
    // SAFETY: as above.
    let e = unsafe { SendMsg::new(ct, (&om as *const libc::msghdr).cast()).build() };
    assert_eq!(x.one(e), 4);
    let mut ii = libc::iovec { iov_base: bp.cast(), iov_len: 64 };
    let mut im = msghdr(&mut ii);
    // SAFETY: as above.
    let e = unsafe { RecvMsg::new(st, (&mut im as *mut libc::msghdr).cast()).build() };
    assert_eq!(x.one(e), 4);
    assert_eq!(&buf[..4], b"msg!");
    // SAFETY: as above.
    x.push(unsafe { SendZc::new(ct, b"zc".as_ptr(), 2).build() });
    assert_eq!(zc_result(&mut x), 2);
    let mut zi = libc::iovec { iov_base: b"zcmsg".as_ptr() as *mut _, iov_len: 5 };
    let zm = msghdr(&mut zi);
    // SAFETY: as above.
    x.push(unsafe { SendMsgZc::new(ct, (&zm as *const libc::msghdr).cast()).build() });
    assert_eq!(zc_result(&mut x), 5);
    // 7 bytes queued at the receiver: SIOCINQ through URING_CMD says so.
    std::thread::sleep(Duration::from_millis(10));
    // SAFETY: SIOCINQ carries no pointer.
    assert_eq!(x.one(unsafe { UringCmd::new(st, socket_cmd::SIOCINQ).build() }), 7);
    assert_eq!(x.one(recv), 7);
    assert_eq!(&buf[..7], b"zczcmsg");
    assert_eq!(x.one(Shutdown::new(ct, libc::SHUT_WR).build()), 0);
    assert_eq!(x.one(recv), 0, "EOF after shutdown");
    assert_eq!(x.one(RecvZc::new(st, 0).build()), -Errno::EINVAL.raw());
    x.assert_covers(NET);
}

const PATHS: &[u8] = &[
    op::MKDIRAT,
    op::OPENAT,
    op::OPENAT2,
    op::STATX,
    op::CLOSE,
    op::RENAMEAT,
    op::LINKAT,
    op::SYMLINKAT,
    op::UNLINKAT,
    op::FSETXATTR,
    op::FGETXATTR,
    op::SETXATTR,
    op::GETXATTR,
];

#[test]
fn paths_and_xattrs() {
    let dir = support::TempPath::new("ops-dir");
    std::fs::create_dir(&dir.0).unwrap();
    let (sub, f, g, h, s) = (
        cstr(&dir.0.join("sub")),
        cstr(&dir.0.join("f")),
        cstr(&dir.0.join("g")),
        cstr(&dir.0.join("h")),
        cstr(&dir.0.join("s")),
    );
    let cwd = libc::AT_FDCWD;
    let mut x = Exec::new();
    let mut val = [0u8; 16];
    let vp = val.as_mut_ptr().cast();
    assert_eq!(x.one(built!(MkDirAt::new(cwd, sub.as_ptr()).mode(0o755))), 0);
    let flags = libc::O_CREAT | libc::O_RDWR | libc::O_CLOEXEC;
    let fd = x.one(built!(OpenAt::new(cwd, f.as_ptr()).flags(flags).mode(0o644)));
    assert!(fd >= 0);
    support::write_all(fd, b"12345");
    // SAFETY: all-zero is a valid `statx`.
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    let sxp = (&mut stx as *mut libc::statx).cast();
    assert_eq!(x.one(built!(Statx::new(cwd, f.as_ptr(), sxp).mask(libc::STATX_SIZE))), 0);
    assert_eq!(stx.stx_size, 5);
    let t = Target::Fd(fd);
    let (k, k2) = (c"user.k".as_ptr(), c"user.k2".as_ptr());
    assert_eq!(x.one(built!(FSetXattr::new(t, k, b"v1".as_ptr().cast(), 2))), 0);
    assert_eq!(x.one(built!(FGetXattr::new(t, k, vp, 16))), 2);
    assert_eq!(&val[..2], b"v1");
    assert_eq!(x.one(built!(SetXattr::new(f.as_ptr(), k2, b"vv2".as_ptr().cast(), 3))), 0);
    assert_eq!(x.one(built!(GetXattr::new(f.as_ptr(), k2, vp, 16))), 3);
    assert_eq!(&val[..3], b"vv2");
    assert_eq!(x.one(Close::new(t).build()), 0);
    assert_eq!(x.one(built!(RenameAt::new(cwd, f.as_ptr(), cwd, g.as_ptr()))), 0);
    assert_eq!(x.one(built!(LinkAt::new(cwd, g.as_ptr(), cwd, h.as_ptr()))), 0);
    assert_eq!(x.one(built!(SymlinkAt::new(c"g".as_ptr(), cwd, s.as_ptr()))), 0);
    // open_how { flags, mode, resolve }: through the symlink, read-only.
    let how: [u64; 3] = [(libc::O_RDONLY | libc::O_CLOEXEC) as u64, 0, 0];
    let fd2 = x.one(built!(OpenAt2::new(cwd, s.as_ptr(), how.as_ptr().cast())));
    assert!(fd2 >= 0, "{}", Errno(-fd2));
    let mut buf = [0u8; 8];
    assert_eq!(support::read_some(fd2, &mut buf), 5);
    assert_eq!(x.one(Close::new(Target::Fd(fd2)).build()), 0);
    let res = x.all(&[
        built!(UnlinkAt::new(cwd, s.as_ptr())).user_data(1),
        built!(UnlinkAt::new(cwd, h.as_ptr())).user_data(2),
        built!(UnlinkAt::new(cwd, g.as_ptr())).user_data(3),
        built!(UnlinkAt::new(cwd, sub.as_ptr()).flags(libc::AT_REMOVEDIR)).user_data(4),
    ]);
    assert_eq!(res, [0, 0, 0, 0]);
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 0);
    x.assert_covers(PATHS);
}

const PIPES: &[u8] = &[
    op::PIPE,
    op::SPLICE,
    op::TEE,
    op::PROVIDE_BUFFERS,
    op::READ_MULTISHOT,
    op::REMOVE_BUFFERS,
    op::ASYNC_CANCEL,
    op::EPOLL_CTL,
    op::EPOLL_WAIT,
    op::MADVISE,
];

#[test]
fn pipes_buffers_epoll() {
    let mut x = Exec::new();
    let mut fds = [-1i32; 2];
    assert_eq!(x.one(built!(Pipe::new(fds.as_mut_ptr()).flags(libc::O_CLOEXEC as u32))), 0);
    // SAFETY: the kernel just created this descriptor for us.
    let p_r = unsafe { OwnedFd::from_raw_fd(fds[0]) };
    // SAFETY: as above.
    let p_w = unsafe { OwnedFd::from_raw_fd(fds[1]) };
    support::write_all(p_w.as_raw_fd(), b"splice me");
    let (t_r, t_w) = support::pipe();
    assert_eq!(
        x.one(Tee::new(Target::Fd(p_r.as_raw_fd()), Target::Fd(t_w.as_raw_fd()), 9).build()),
        9
    );
    let (path, file) = support::temp_file("splice", b"");
    let sp = Splice::new(Target::Fd(p_r.as_raw_fd()), -1, Target::Fd(file.as_raw_fd()), 0, 9);
    assert_eq!(x.one(sp.build()), 9);
    assert_eq!(std::fs::read(&path.0).unwrap(), b"splice me");
    let mut got = [0u8; 16];
    assert_eq!(support::read_some(t_r.as_raw_fd(), &mut got), 9);
    assert_eq!(&got[..9], b"splice me");

    // Provided buffers and a multishot read from a pipe.
    let mut pool = vec![0u8; 4 * 64];
    // `pool` stays allocated until the buffers are removed below and the ring dropped.
    assert_eq!(x.one(built!(ProvideBuffers::new(pool.as_mut_ptr(), 64, 4, 7, 0))), 0);
    let (m_r, m_w) = support::pipe();
    x.push(ReadMultishot::new(Target::Fd(m_r.as_raw_fd()), 7).build().user_data(50));
    x.ring.submit().unwrap();
    for (i, msg) in [&b"one"[..], b"two!"].into_iter().enumerate() {
        support::write_all(m_w.as_raw_fd(), msg);
        let c = support::reap_n(&mut x.ring, 1);
        assert_eq!((c[0].user_data, c[0].res), (50, msg.len() as i32), "read {i}");
        assert_ne!(c[0].flags & cqe_flags::BUFFER, 0);
        assert_ne!(c[0].flags & cqe_flags::MORE, 0, "multishot ended early");
        let bid = (c[0].flags >> cqe_flags::BUFFER_SHIFT) as usize;
        assert_eq!(&pool[bid * 64..bid * 64 + msg.len()], msg);
    }
    let mut c = {
        x.push(AsyncCancel::new(50).build().user_data(51));
        x.reap(2)
    };
    c.sort_by_key(|c| c.user_data);
    assert_eq!((c[0].res, c[0].flags & cqe_flags::MORE), (-Errno::ECANCELED.raw(), 0));
    assert_eq!(c[1].res, 0);
    assert_eq!(x.one(RemoveBuffers::new(4, 7).build()), 2, "two of four buffers were used");

    // epoll through the ring.
    // SAFETY: plain syscall; the result is checked.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(ep >= 0);
    // SAFETY: `ep` is ours.
    let ep = unsafe { OwnedFd::from_raw_fd(ep) };
    let (e_r, e_w) = support::pipe();
    let ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 77 };
    let mut out = [libc::epoll_event { events: 0, u64: 0 }; 4];
    let evp = (&ev as *const libc::epoll_event).cast();
    let ctl = built!(EpollCtl::new(ep.as_raw_fd(), e_r.as_raw_fd(), libc::EPOLL_CTL_ADD, evp));
    assert_eq!(x.one(ctl), 0);
    support::write_all(e_w.as_raw_fd(), b"!");
    let wait = built!(EpollWait::new(Target::Fd(ep.as_raw_fd()), out.as_mut_ptr().cast(), 4));
    assert_eq!(x.one(wait), 1);
    let (events, data) = (out[0].events, out[0].u64);
    assert_eq!((events & libc::EPOLLIN as u32, data), (libc::EPOLLIN as u32, 77));

    // madvise on a page of our own.
    // SAFETY: a fresh anonymous page, unmapped below.
    let page = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(page, libc::MAP_FAILED);
    // `page` is a mapped page of ours until the munmap below.
    assert_eq!(x.one(built!(Madvise::new(page, 4096).advice(libc::MADV_WILLNEED))), 0);
    // SAFETY: unmapping the page mapped above.
    unsafe { libc::munmap(page, 4096) };
    x.assert_covers(PIPES);
}

const FILE_TABLE: &[u8] =
    &[op::OPENAT, op::READ, op::FIXED_FD_INSTALL, op::FILES_UPDATE, op::CLOSE, op::SOCKET];

#[test]
fn registered_file_table() {
    let (path, file) = support::temp_file("table", b"table data");
    let p = cstr(&path.0);
    let mut x = Exec::new();
    x.ring.submitter().register_files_sparse(8).unwrap();
    let mut buf = [0u8; 16];
    let bp = buf.as_mut_ptr();
    let open = built!(OpenAt::new(libc::AT_FDCWD, p.as_ptr()).install(Install::Fixed(2)));
    assert_eq!(x.one(open), 0);
    assert_eq!(x.one(built!(Read::new(Target::Fixed(2), bp, 16))), 10);
    assert_eq!(&buf[..10], b"table data");
    let fd = x.one(FixedFdInstall::new(2).build());
    assert!(fd >= 0);
    // SAFETY: the kernel just installed this descriptor for us.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut b2 = [0u8; 16];
    // SAFETY: `b2` is valid for writes of 16 bytes.
    assert_eq!(unsafe { libc::pread(fd.as_raw_fd(), b2.as_mut_ptr().cast(), 16, 0) }, 10);
    let mut fds = [file.as_raw_fd()];
    assert_eq!(x.one(built!(FilesUpdate::new(fds.as_mut_ptr(), 1).offset(5))), 1);
    assert_eq!(x.one(built!(Read::new(Target::Fixed(5), bp, 16))), 10);
    assert_eq!(x.one(Close::new(Target::Fixed(2)).build()), 0);
    assert_eq!(x.one(built!(Read::new(Target::Fixed(2), bp, 16))), -Errno::EBADF.raw());
    let open = built!(OpenAt::new(libc::AT_FDCWD, p.as_ptr()).install(Install::FixedAlloc));
    let slot = x.one(open);
    assert!((0..8).contains(&slot) && slot != 5, "slot {slot}");
    let slot = x
        .one(Socket::new(libc::AF_UNIX, libc::SOCK_STREAM, 0).install(Install::FixedAlloc).build());
    assert!((0..8).contains(&slot), "slot {slot}");
    x.assert_covers(FILE_TABLE);
}

const PROCESS: &[u8] = &[op::WAITID, op::FUTEX_WAIT, op::FUTEX_WAKE, op::FUTEX_WAITV, op::MSG_RING];

const FUTEX2_SIZE_U32: u32 = 0x02;
const FUTEX2_PRIVATE: u32 = 128;

#[test]
fn processes_futexes_and_other_rings() {
    let mut x = Exec::new();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    // SAFETY: all-zero is a valid `siginfo_t`.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let ip = (&mut info as *mut libc::siginfo_t).cast();
    let w = built!(Waitid::new(libc::P_PID, child.id() as i32, ip, libc::WEXITED));
    assert_eq!(x.one(w), 0);
    // SAFETY: filled in by the kernel for a child that exited.
    assert_eq!(unsafe { info.si_pid() }, child.id() as i32);
    // Reaped by WAITID already: std's wait finds no child.
    assert!(child.wait().is_err());

    let word = std::sync::atomic::AtomicU32::new(0);
    let wptr = word.as_ptr().cast_const();
    let flags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;
    let any = u64::from(u32::MAX);
    x.push(built!(FutexWait::new(wptr, 0, any, flags)).user_data(1));
    x.ring.submit().unwrap();
    assert_eq!(
        x.ring.wait_timeout(1, Duration::from_millis(20)),
        Err(RingError::Kernel(Errno::ETIME))
    );
    x.push(built!(FutexWake::new(wptr, 1, any, flags)).user_data(2));
    let mut c = x.reap(2);
    c.sort_by_key(|c| c.user_data);
    assert_eq!((c[0].res, c[1].res), (0, 1));
    // struct futex_waitv { u64 val; u64 uaddr; u32 flags; u32 reserved; }
    #[repr(C)]
    struct Waitv(u64, u64, u32, u32);
    let waitv = [Waitv(0, wptr as u64, flags, 0)];
    x.push(built!(FutexWaitv::new(waitv.as_ptr().cast(), 1)).user_data(3));
    x.ring.submit().unwrap();
    x.push(built!(FutexWake::new(wptr, 1, any, flags)).user_data(4));
    let mut c = x.reap(2);
    c.sort_by_key(|c| c.user_data);
    assert_eq!((c[0].res, c[1].res), (0, 1), "waitv returns the index of the woken futex");

    let mut other = Ring::new(4).unwrap();
    assert_eq!(x.one(MsgRing::new(Target::Fd(other.fd()), 42, 0xfeed).build()), 0);
    let c = support::reap_n(&mut other, 1);
    assert_eq!((c[0].user_data, c[0].res), (0xfeed, 42));
    x.assert_covers(PROCESS);
}

#[test]
fn the_tests_above_cover_every_opcode() {
    let all: BTreeSet<u8> = [IO, WAIT_AND_CANCEL, NET, PATHS, PIPES, FILE_TABLE, PROCESS]
        .concat()
        .into_iter()
        .collect();
    assert_eq!(all, (0..op::LAST).collect::<BTreeSet<u8>>());
    assert_eq!(all.len(), OPCODES.len());
}
