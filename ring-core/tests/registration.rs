//! Registration on the real kernel: buffers (READ_FIXED / WRITE_FIXED, updates, sparse
//! tables), files (fixed targets, updates, sparse tables), eventfd (signalled per posted
//! completion, muted by the CQ flag), personalities, io-wq limits, and the registered ring
//! fd that rings use by default from the thread that created them.
#![cfg(feature = "linux")]

mod support;

use std::os::fd::AsRawFd;
use std::time::Duration;

use ring_core::abi::{register, RsrcUpdate};
use ring_core::opcode::{Nop, Read, ReadFixed, Target, WriteFixed};
use ring_core::{Errno, Ring, RingError};

fn iov(buf: &mut [u8]) -> libc::iovec {
    libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() }
}

#[test]
fn buffers_registered_used_updated_unregistered() {
    let (path, file) = support::temp_file("fixed", &[0u8; 8192]);
    let fd = Target::Fd(file.as_raw_fd());
    let mut ring = Ring::new(8).unwrap();
    let mut a = vec![0xaau8; 4096];
    let mut b = vec![0u8; 4096];
    // SAFETY: `a` and `b` stay allocated, untouched except through the ring, until the
    // buffers are unregistered at the end of the test.
    unsafe { ring.submitter().register_buffers(&[iov(&mut a), iov(&mut b)]) }.unwrap();
    // SAFETY: buffer 0 is `a`, valid until its completion.
    let w = unsafe { WriteFixed::new(fd, a.as_ptr(), 4096, 0).offset(4096).build() };
    ring.submission().push(&w.user_data(1)).unwrap();
    assert_eq!(support::submit_and_reap(&mut ring, 1)[0].res, 4096);
    // SAFETY: buffer 1 is `b`, valid until its completion.
    let r = unsafe { ReadFixed::new(fd, b.as_mut_ptr(), 4096, 1).offset(4096).build() };
    ring.submission().push(&r.user_data(2)).unwrap();
    assert_eq!(support::submit_and_reap(&mut ring, 1)[0].res, 4096);
    assert!(b.iter().all(|&x| x == 0xaa));
    // A buffer outside registered buffer 0 is the kernel's EFAULT.
    // SAFETY: the kernel rejects the range before touching it.
    let bad = unsafe { ReadFixed::new(fd, b.as_mut_ptr(), 4096, 0).build() };
    ring.submission().push(&bad).unwrap();
    assert_eq!(support::submit_and_reap(&mut ring, 1)[0].res, -Errno::EFAULT.raw());
    // Replace buffer 1 with `c`.
    let mut c = vec![0u8; 512];
    // SAFETY: `c` stays allocated until the buffers are unregistered below.
    assert_eq!(unsafe { ring.submitter().update_buffers(1, &[iov(&mut c)]) }, Ok(1));
    // SAFETY: buffer 1 is now `c`.
    let r = unsafe { ReadFixed::new(fd, c.as_mut_ptr(), 512, 1).offset(4096).build() };
    ring.submission().push(&r).unwrap();
    assert_eq!(support::submit_and_reap(&mut ring, 1)[0].res, 512);
    assert!(c.iter().all(|&x| x == 0xaa));
    ring.submitter().unregister_buffers().unwrap();
    assert_eq!(ring.submitter().unregister_buffers(), Err(RingError::Kernel(Errno::ENXIO)));
    // Sparse table, filled by update.
    ring.submitter().register_buffers_sparse(4).unwrap();
    // SAFETY: `a` stays allocated until the ring is dropped.
    assert_eq!(unsafe { ring.submitter().update_buffers(3, &[iov(&mut a)]) }, Ok(1));
    // SAFETY: buffer 3 is `a`.
    let r = unsafe { ReadFixed::new(fd, a.as_mut_ptr(), 100, 3).build() };
    ring.submission().push(&r).unwrap();
    assert_eq!(support::submit_and_reap(&mut ring, 1)[0].res, 100);
    drop(ring);
    drop(path);
}

#[test]
fn files_registered_used_updated_unregistered() {
    let (_p1, f1) = support::temp_file("file1", b"first file");
    let (_p2, f2) = support::temp_file("file2", b"second file");
    let mut ring = Ring::new(8).unwrap();
    let s = ring.submitter();
    s.register_files(&[f1.as_raw_fd(), -1]).unwrap();
    let read_slot = |ring: &mut Ring, slot: u32| {
        let mut buf = [0u8; 32];
        // SAFETY: `buf` outlives the completion, reaped in this closure.
        let e = unsafe { Read::new(Target::Fixed(slot), buf.as_mut_ptr(), 32).build() };
        ring.submission().push(&e).unwrap();
        let c = support::submit_and_reap(ring, 1);
        (c[0].res, buf)
    };
    let (n, buf) = read_slot(&mut ring, 0);
    assert_eq!(&buf[..n as usize], b"first file");
    assert_eq!(read_slot(&mut ring, 1).0, -Errno::EBADF.raw(), "empty slot");
    assert_eq!(ring.submitter().update_files(1, &[f2.as_raw_fd()]), Ok(1));
    let (n, buf) = read_slot(&mut ring, 1);
    assert_eq!(&buf[..n as usize], b"second file");
    assert_eq!(ring.submitter().update_files(0, &[-1]), Ok(1));
    assert_eq!(read_slot(&mut ring, 0).0, -Errno::EBADF.raw());
    ring.submitter().unregister_files().unwrap();
    ring.submitter().register_files_sparse(16).unwrap();
    ring.submitter().register_file_alloc_range(8, 8).unwrap();
    assert_eq!(ring.submitter().update_files(9, &[f1.as_raw_fd()]), Ok(1));
    assert_eq!(&read_slot(&mut ring, 9).1[..5], b"first");
}

fn eventfd_count(fd: i32) -> Option<u64> {
    let mut v = 0u64;
    // SAFETY: 8 writable bytes.
    let n = unsafe { libc::read(fd, (&mut v as *mut u64).cast(), 8) };
    (n == 8).then_some(v)
}

#[test]
fn eventfd_signalled_and_muted() {
    // SAFETY: plain syscall; the result is checked.
    let efd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    assert!(efd >= 0);
    let mut ring = Ring::new(8).unwrap();
    ring.submitter().register_eventfd(efd).unwrap();
    assert_eq!(ring.submitter().register_eventfd(efd), Err(RingError::Kernel(Errno::EBUSY)));
    ring.submission().push(&Nop::new().build()).unwrap();
    support::submit_and_reap(&mut ring, 1);
    assert!(eventfd_count(efd).is_some_and(|n| n >= 1));
    // Muted through the CQ flags word.
    assert!(ring.completion().set_eventfd_disabled(true));
    ring.submission().push(&Nop::new().build()).unwrap();
    support::submit_and_reap(&mut ring, 1);
    assert_eq!(eventfd_count(efd), None, "signalled while disabled");
    ring.completion().set_eventfd_disabled(false);
    ring.submitter().unregister_eventfd().unwrap();
    ring.submission().push(&Nop::new().build()).unwrap();
    support::submit_and_reap(&mut ring, 1);
    assert_eq!(eventfd_count(efd), None, "signalled after unregistering");
    // Async variant: inline completions do not signal.
    ring.submitter().register_eventfd_async(efd).unwrap();
    ring.submission().push(&Nop::new().build()).unwrap();
    support::submit_and_reap(&mut ring, 1);
    assert_eq!(eventfd_count(efd), None, "inline NOP signalled an async eventfd");
    // SAFETY: our own eventfd.
    unsafe { libc::close(efd) };
}

#[test]
fn personality_and_iowq_limits() {
    let mut ring = Ring::new(4).unwrap();
    let id = ring.submitter().register_personality().unwrap();
    ring.submission().push(&Nop::new().build().personality(id)).unwrap();
    assert_eq!(support::submit_and_reap(&mut ring, 1)[0].res, 0);
    ring.submitter().unregister_personality(id).unwrap();
    ring.submission().push(&Nop::new().build().personality(id)).unwrap();
    assert_eq!(support::submit_and_reap(&mut ring, 1)[0].res, -Errno::EINVAL.raw());
    let old = ring.submitter().register_iowq_max_workers([2, 3]).unwrap();
    assert_eq!(ring.submitter().register_iowq_max_workers([0, 0]).unwrap(), [2, 3]);
    let _ = old;
}

/// Runs `f` with the ring's fd number pointing at /dev/null instead of the ring (swapped
/// atomically with `dup2`, so the number is never free for another thread to take): an
/// enter that goes by fd then fails with `EOPNOTSUPP`, one by registered index still works.
fn with_fd_hidden<T>(ring: &mut Ring, f: impl FnOnce(&mut Ring) -> T) -> T {
    let fd = ring.fd();
    // The ring's number is given back to the ring before `ring` can be dropped (a panic in
    // `f` would leave /dev/null there, which the ring's drop then closes).
    // SAFETY: `dup` of an open descriptor; the result is checked.
    let saved = unsafe { libc::dup(fd) };
    assert!(saved >= 0);
    // SAFETY: a NUL-terminated path; the result is checked.
    let null = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    assert!(null >= 0);
    // SAFETY: replaces the ring's descriptor number in one step; the ring file stays alive
    // through its registration, its mappings and `saved`.
    assert_eq!(unsafe { libc::dup2(null, fd) }, fd);
    // SAFETY: our own descriptor, closed once.
    unsafe { libc::close(null) };
    let out = f(ring);
    // SAFETY: puts the ring back under its number in one step.
    assert_eq!(unsafe { libc::dup2(saved, fd) }, fd);
    // SAFETY: our own descriptor, closed once.
    unsafe { libc::close(saved) };
    out
}

#[test]
fn registered_ring_fd_by_default_and_per_thread() {
    let mut ring = Ring::new(4).unwrap();
    let index = ring.registered_index().expect("not registered by default");
    // Every kind of enter from this thread goes by the index: with the fd hidden they all
    // still reach the ring, and none gives up the registration.
    with_fd_hidden(&mut ring, |ring| {
        ring.submission().push(&Nop::new().build().user_data(1)).unwrap();
        assert_eq!(ring.submit(), Ok(1));
        ring.submission().push(&Nop::new().build().user_data(2)).unwrap();
        assert_eq!(ring.submit_and_wait(2), Ok(1));
        assert_eq!(ring.wait(2), Ok(2));
        assert_eq!(support::reap(ring).len(), 2);
        ring.submission().push(&Nop::new().build().user_data(3)).unwrap();
        assert_eq!(ring.submit_and_wait_timeout(1, Duration::from_secs(5)), Ok(1));
        assert_eq!(support::reap(ring).len(), 1);
        assert_eq!(
            ring.wait_timeout(1, Duration::from_millis(5)),
            Err(RingError::Kernel(Errno::ETIME)),
            "a timed wait by index times out; by fd it would be EOPNOTSUPP"
        );
        assert_eq!(ring.get_events(), Ok(0));
    });
    assert_eq!(ring.registered_index(), Some(index), "the registration was given up");
    assert!(!ring.submitter().registration_abandoned());
    // The check above can fail: with the fd hidden, a ring without a registration cannot
    // enter at all.
    let mut plain = Ring::builder().entries(4).register_ring_fd(false).build().unwrap();
    assert_eq!(plain.registered_index(), None);
    plain.submission().push(&Nop::new().build()).unwrap();
    assert_eq!(with_fd_hidden(&mut plain, |r| r.submit()), Err(Errno::EOPNOTSUPP));
    // Another thread enters by fd (the index means nothing there) and works.
    std::thread::scope(|s| {
        s.spawn(|| {
            let (mut sq, mut cq, k) = ring.split();
            assert_eq!(k.registered_index(), None);
            sq.push(&Nop::new().build().user_data(9)).unwrap();
            assert_eq!(sq.submit_and_wait(k, 1), Ok(1));
            let mut got = Vec::new();
            cq.reap(8, |c| got.push(c.user_data));
            assert_eq!(got, [9]);
        });
    });
    assert_eq!(ring.registered_index(), Some(index), "another thread's enters changed it");
    // Unregistering, and registering again.
    ring.unregister_ring_fd().unwrap();
    assert_eq!(ring.registered_index(), None);
    assert_eq!(ring.unregister_ring_fd(), Err(Errno::ENXIO));
    ring.register_ring_fd().unwrap();
    assert!(ring.registered_index().is_some());
    ring.submission().push(&Nop::new().build()).unwrap();
    assert_eq!(support::submit_and_reap(&mut ring, 1)[0].res, 0);
    assert!(ring.registered_index().is_some());
    assert!(!ring.submitter().registration_abandoned());
}

/// Removes the calling thread's registration at `index` behind the ring's back, as a
/// thread's exit does.
fn unregister_behind_its_back(ring: &Ring, index: u32) {
    let mut up = RsrcUpdate { offset: index, resv: 0, data: 0 };
    // SAFETY: UNREGISTER_RING_FDS reads one `io_uring_rsrc_update`, `up`, valid for the call.
    let n = unsafe {
        libc::syscall(
            libc::SYS_io_uring_register,
            ring.fd(),
            register::UNREGISTER_RING_FDS,
            &mut up as *mut RsrcUpdate,
            1,
        )
    };
    assert_eq!(n, 1);
}

#[test]
fn stale_registered_index_falls_back_to_the_fd_visibly() {
    let mut stale = Ring::new(4).unwrap();
    let index = stale.registered_index().unwrap();
    unregister_behind_its_back(&stale, index);
    // The enter by index finds an empty slot; the fd works, and the index is given up.
    stale.submission().push(&Nop::new().build().user_data(1)).unwrap();
    assert_eq!(support::submit_and_reap(&mut stale, 1)[0].user_data, 1);
    assert!(stale.submitter().registration_abandoned());
    assert_eq!(stale.registered_index(), None);
    // The freed slot goes to the next ring of this thread.
    let mut other = Ring::new(4).unwrap();
    assert_eq!(other.registered_index(), Some(index));
    // The stale ring keeps working by fd and never touches that slot again: neither an
    // explicit unregister nor its drop may remove the other ring's registration.
    stale.submission().push(&Nop::new().build().user_data(2)).unwrap();
    assert_eq!(support::submit_and_reap(&mut stale, 1)[0].user_data, 2);
    assert_eq!(stale.unregister_ring_fd(), Ok(()), "an abandoned index is only forgotten");
    assert!(!stale.submitter().registration_abandoned());
    let again = stale.register_ring_fd().unwrap();
    assert_ne!(again, index, "registered anew, in a free slot");
    drop(stale);
    let mut stale2 = Ring::new(4).unwrap();
    let index2 = stale2.registered_index().unwrap();
    unregister_behind_its_back(&stale2, index2);
    stale2.submission().push(&Nop::new().build()).unwrap();
    support::submit_and_reap(&mut stale2, 1);
    assert!(stale2.submitter().registration_abandoned());
    let mut third = Ring::new(4).unwrap();
    assert_eq!(third.registered_index(), Some(index2));
    drop(stale2);
    // Both later rings still enter by their own index: with the fd hidden they still work.
    for (ring, i) in [(&mut other, index), (&mut third, index2)] {
        with_fd_hidden(ring, |ring| {
            ring.submission().push(&Nop::new().build().user_data(7)).unwrap();
            assert_eq!(ring.submit_and_wait(1), Ok(1));
        });
        assert_eq!(support::reap(ring).len(), 1);
        assert_eq!(ring.registered_index(), Some(i));
        assert!(!ring.submitter().registration_abandoned());
    }
}

#[test]
fn more_rings_than_registration_slots() {
    support::with_deadline(30, || {
        let mut rings: Vec<Ring> = (0..24).map(|_| Ring::new(2).unwrap()).collect();
        let registered = rings.iter().filter(|r| r.registered_index().is_some()).count();
        assert_eq!(registered, 16, "a thread has 16 registered-ring slots");
        for (i, r) in rings.iter_mut().enumerate() {
            r.submission().push(&Nop::new().build().user_data(i as u64)).unwrap();
            assert_eq!(support::submit_and_reap(r, 1)[0].user_data, i as u64);
        }
        // Slots are freed on drop.
        rings.truncate(4);
        let r = Ring::new(2).unwrap();
        assert!(r.registered_index().is_some());
    });
}
