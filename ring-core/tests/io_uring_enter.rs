//! Port of liburing's `io_uring_enter` test: raw `io_uring_enter(2)` calls through
//! [`Kernel::enter`], with bad flags, bad descriptors, `to_submit` edge cases, waiting with
//! `GETEVENTS`, and an invalid SQ array index (dropped by the kernel).
//!
//! Enters on descriptors that are not a `Ring`'s with a raw syscall, through ring-core's own
//! `libc` dependency (feature `linux`, which every test here needs anyway).
#![cfg(feature = "linux")]

mod common;

use std::fs::File;
use std::os::fd::AsRawFd;

use common::{assert_all_ok, nop, push_nops, reap_ready, user_data};
use ring_core::abi::{enter, setup};
use ring_core::{Enter, EnterArg, Errno, Kernel, Ring};

/// A [`Kernel`] over an arbitrary descriptor, entered by a raw syscall.
struct RawFd(i32);

impl Kernel for RawFd {
    fn validate(&self, args: &Enter<'_>) -> Result<(), Errno> {
        // Refused before anything is published, rather than asserted in `enter`.
        match args.arg {
            EnterArg::None => Ok(()),
            EnterArg::Wait { .. } => Err(Errno::EOPNOTSUPP),
        }
    }

    fn enter(&self, args: Enter<'_>) -> Result<u32, Errno> {
        assert!(matches!(args.arg, EnterArg::None), "RawFd passes no extended argument");
        // SAFETY: no argument pointer (null, size 0), so the kernel reads no user memory
        // beyond the rings of a valid ring fd; any descriptor value is safe to pass.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_io_uring_enter,
                libc::c_long::from(self.0),
                libc::c_long::from(args.to_submit),
                libc::c_long::from(args.min_complete),
                libc::c_long::from(args.flags),
                core::ptr::null::<libc::c_void>(),
                0 as libc::c_long,
            )
        };
        if ret < 0 {
            Err(Errno(std::io::Error::last_os_error().raw_os_error().expect("errno set")))
        } else {
            Ok(ret as u32)
        }
    }

    unsafe fn register(
        &self,
        _opcode: u32,
        _arg: *mut core::ffi::c_void,
        _nr_args: u32,
    ) -> Result<u32, Errno> {
        Err(Errno::ENOSYS)
    }
}

#[test]
fn raw_kernel_works_on_a_ring_fd() {
    // Checks the helper itself, so the errors below come from the kernel, not from it.
    let mut ring = Ring::new(4).unwrap();
    let raw = RawFd(ring.fd());
    push_nops(&mut ring, 0..2);
    assert_eq!(ring.submission().submit_and_wait(&raw, 2).unwrap(), 2);
    assert_eq!(user_data(&reap_ready(&mut ring)), [0, 1]);
}

#[test]
fn unknown_flags_are_einval() {
    let mut ring = Ring::new(4).unwrap();
    ring.submission().push(&nop(1)).unwrap();
    assert_eq!(ring.submission().publish(), 1);
    for bit in 8..32 {
        let flags = 1u32 << bit;
        assert_eq!(flags & enter::KNOWN, 0);
        for extra in [0, enter::GETEVENTS] {
            let r = ring.submitter().enter(Enter {
                to_submit: 1,
                flags: flags | extra,
                ..Enter::default()
            });
            assert_eq!(r, Err(Errno::EINVAL), "flags {:#x}", flags | extra);
        }
    }
    // Nothing was consumed by the rejected calls.
    assert_eq!(ring.submission().pending(), 1);
    assert_eq!(ring.completion().ready(), 0);
    assert_eq!(ring.submit_and_wait(1).unwrap(), 1);
    assert_eq!(user_data(&reap_ready(&mut ring)), [1]);
}

#[test]
fn bad_fd_is_ebadf() {
    for fd in [-1, i32::MAX] {
        let r = RawFd(fd).enter(Enter { to_submit: 1, ..Enter::default() });
        assert_eq!(r, Err(Errno::EBADF), "fd {fd}");
        let r =
            RawFd(fd).enter(Enter { min_complete: 1, flags: enter::GETEVENTS, ..Enter::default() });
        assert_eq!(r, Err(Errno::EBADF), "fd {fd}");
    }
}

#[test]
fn non_ring_fd_is_eopnotsupp() {
    let file = File::open(std::env::current_exe().unwrap()).unwrap();
    let raw = RawFd(file.as_raw_fd());
    assert_eq!(raw.enter(Enter { to_submit: 1, ..Enter::default() }), Err(Errno::EOPNOTSUPP));
    assert_eq!(
        raw.enter(Enter { min_complete: 1, flags: enter::GETEVENTS, ..Enter::default() }),
        Err(Errno::EOPNOTSUPP)
    );
}

#[test]
fn to_submit_zero_submits_nothing() {
    let mut ring = Ring::new(4).unwrap();
    assert_eq!(ring.submitter().enter(Enter::default()), Ok(0));
    push_nops(&mut ring, 0..2);
    assert_eq!(ring.submission().publish(), 2);
    assert_eq!(ring.submitter().enter(Enter { to_submit: 0, ..Enter::default() }), Ok(0));
    assert_eq!(
        ring.submitter().enter(Enter { to_submit: 0, flags: enter::GETEVENTS, ..Enter::default() }),
        Ok(0)
    );
    assert_eq!(ring.submission().pending(), 2);
    assert_eq!(ring.completion().ready(), 0);
    assert_eq!(ring.submit_and_wait(2).unwrap(), 2);
    assert_eq!(user_data(&reap_ready(&mut ring)), [0, 1]);
}

#[test]
fn to_submit_beyond_pending_consumes_only_what_is_published() {
    let mut ring = Ring::new(8).unwrap();
    push_nops(&mut ring, 0..3);
    ring.submission().publish();
    let r = ring.submitter().enter(Enter {
        to_submit: 8,
        min_complete: 3,
        flags: enter::GETEVENTS,
        ..Enter::default()
    });
    assert_eq!(r, Ok(3));
    assert_eq!(ring.submission().pending(), 0);
    assert_eq!(user_data(&reap_ready(&mut ring)), [0, 1, 2]);
}

#[test]
fn fill_and_wait_for_all_with_getevents() {
    let mut ring = Ring::new(32).unwrap();
    for round in 0..4u64 {
        let base = round * 32;
        push_nops(&mut ring, base..base + 32);
        assert!(ring.submission().is_full());
        assert_eq!(ring.submission().publish(), 32);
        let r = ring.submitter().enter(Enter {
            to_submit: 32,
            min_complete: 32,
            flags: enter::GETEVENTS,
            ..Enter::default()
        });
        assert_eq!(r, Ok(32), "round {round}");
        assert_eq!(ring.completion().ready(), 32);
        let cqes = reap_ready(&mut ring);
        assert_all_ok(&cqes);
        assert_eq!(user_data(&cqes), (base..base + 32).collect::<Vec<_>>());
    }
}

#[test]
fn invalid_sq_array_index_is_dropped() {
    let mut ring = Ring::builder().entries(4).no_sqarray(false).build().unwrap();
    assert_eq!(ring.params().flags & setup::NO_SQARRAY, 0, "this test needs an SQ array");
    let dropped = ring.submission().dropped();

    let pos = {
        let mut sq = ring.submission();
        let pos = sq.local_tail();
        assert!(sq.set_next_array_entry(9999));
        sq.push(&nop(100)).unwrap();
        pos
    };
    // The kernel consumes the position but finds no SQE at index 9999.
    assert_eq!(ring.submit(), Ok(0));
    assert_eq!(ring.submission().dropped(), dropped + 1);
    assert_eq!(ring.submission().pending(), 0);
    assert_eq!(ring.completion().ready(), 0);

    // A normal NOP at the next position completes; the dropped one never does.
    ring.submission().push(&nop(1)).unwrap();
    assert_eq!(ring.submit_and_wait(1).unwrap(), 1);
    assert_eq!(user_data(&reap_ready(&mut ring)), [1]);

    // Restore the array entry (refused while anything is unpublished), then cycle through
    // every position of the ring, including the one that was redirected.
    {
        let mut sq = ring.submission();
        sq.push(&nop(2)).unwrap();
        assert!(!sq.reset_array_entry(pos));
        assert_eq!(sq.discard_unpublished(), 1);
        assert!(sq.reset_array_entry(pos));
    }
    push_nops(&mut ring, 2..6);
    assert_eq!(ring.submit_and_wait(4).unwrap(), 4);
    let cqes = reap_ready(&mut ring);
    assert_all_ok(&cqes);
    assert_eq!(user_data(&cqes), [2, 3, 4, 5]);
    assert_eq!(ring.submission().dropped(), dropped + 1);
}

#[test]
fn array_overrides_need_an_sq_array() {
    let mut ring = Ring::new(4).unwrap();
    assert_ne!(ring.params().flags & setup::NO_SQARRAY, 0);
    let mut sq = ring.submission();
    assert!(!sq.set_next_array_entry(9999));
    assert!(!sq.reset_array_entry(0));
}
