//! Every 6.18 setup flag on this machine's kernel, beyond those with their own scenario
//! file: IOPOLL and HYBRID_IOPOLL (no poll-capable device here: setup, NOP and the errno of
//! an operation that cannot be polled), SQ_AFF (the polling thread's affinity), ATTACH_WQ,
//! COOP_TASKRUN with TASKRUN_FLAG, CLAMP and CQSIZE, and the typed errors of the checks the
//! kernel would make.
#![cfg(feature = "linux")]

mod support;

use std::os::fd::AsRawFd;

use ring_core::abi::{setup, sq_flags};
use ring_core::opcode::{Nop, Read, Target};
use ring_core::{Errno, Ring, SetupError};

fn nops(ring: &mut Ring, n: u64) {
    for i in 0..n {
        ring.submission().push(&Nop::new().build().user_data(i)).unwrap();
    }
    let c = support::submit_and_reap(ring, n as usize);
    assert_eq!(
        c.iter().map(|c| (c.user_data, c.res)).collect::<Vec<_>>(),
        (0..n).map(|i| (i, 0)).collect::<Vec<_>>()
    );
}

#[test]
fn iopoll_and_hybrid_iopoll() {
    for (what, b) in
        [("IOPOLL", Ring::builder().iopoll()), ("HYBRID_IOPOLL", Ring::builder().hybrid_iopoll())]
    {
        let mut ring = b.entries(8).build().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_ne!(ring.params().flags & setup::IOPOLL, 0);
        // The enter plan always reaps on IOPOLL rings.
        assert_ne!(ring.submission().plan_enter(0).flags & ring_core::abi::enter::GETEVENTS, 0);
        nops(&mut ring, 4);
        // A buffered read cannot be polled: EOPNOTSUPP in the CQE.
        let (_p, f) = support::temp_file("iopoll", &[7u8; 4096]);
        let mut buf = vec![0u8; 4096];
        // SAFETY: `buf` outlives the completion.
        let e = unsafe { Read::new(Target::Fd(f.as_raw_fd()), buf.as_mut_ptr(), 4096).build() };
        ring.submission().push(&e).unwrap();
        let c = support::submit_and_reap(&mut ring, 1);
        assert_eq!(c[0].res, -Errno::EOPNOTSUPP.raw(), "{what}");
    }
}

/// The polling thread of this process (`iou-sqp-<pid>`) with its allowed CPUs.
fn sqpoll_threads() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        if comm.starts_with("iou-sqp") {
            let status = std::fs::read_to_string(t.path().join("status")).unwrap_or_default();
            let cpus = status
                .lines()
                .find(|l| l.starts_with("Cpus_allowed_list:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("").to_string())
                .unwrap_or_default();
            out.push((t.file_name().to_string_lossy().into_owned(), cpus));
        }
    }
    out
}

#[test]
fn sqpoll_with_cpu_affinity() {
    let before: Vec<String> = sqpoll_threads().into_iter().map(|(t, _)| t).collect();
    let mut ring = Ring::builder().entries(8).sqpoll(50).sq_affinity(0).build().unwrap();
    assert_ne!(ring.params().flags & setup::SQ_AFF, 0);
    nops(&mut ring, 8);
    let new: Vec<_> = sqpoll_threads().into_iter().filter(|(t, _)| !before.contains(t)).collect();
    // Other tests may start polling threads meanwhile; ours is among the new ones, pinned.
    assert!(new.iter().any(|(_, cpus)| cpus == "0"), "no polling thread pinned to CPU 0: {new:?}");
    // A CPU outside the affinity mask is refused before the syscall.
    let r = Ring::builder().entries(8).sqpoll(50).sq_affinity(4095).build();
    assert!(matches!(r, Err(SetupError::FlagRequires { flag: "SQ_AFF", .. })), "{r:?}");
}

#[test]
fn attach_wq_shares_the_polling_thread() {
    let mut a = Ring::builder().entries(8).sqpoll(50).build().unwrap();
    let mut b = Ring::builder().entries(8).sqpoll(50).attach_wq(a.fd()).build().unwrap();
    assert_ne!(b.params().flags & setup::ATTACH_WQ, 0);
    for _ in 0..10 {
        nops(&mut a, 4);
        nops(&mut b, 4);
    }
    // Without SQPOLL, attaching shares the io-wq workers.
    let mut c = Ring::builder().entries(8).attach_wq(a.fd()).build().unwrap();
    c.submission().push(&Nop::new().build().force_async()).unwrap();
    assert_eq!(support::submit_and_reap(&mut c, 1)[0].res, 0);
}

#[test]
fn coop_taskrun_with_taskrun_flag() {
    let mut ring = Ring::builder().entries(8).coop_taskrun().taskrun_flag().build().unwrap();
    for round in 0..20u64 {
        let (r, w) = support::pipe();
        let mut buf = [0u8; 8];
        // SAFETY: `buf` outlives the completion.
        let e = unsafe { Read::new(Target::Fd(r.as_raw_fd()), buf.as_mut_ptr(), 8).build() };
        ring.submission().push(&e.user_data(round)).unwrap();
        ring.submit().unwrap();
        support::write_all(w.as_raw_fd(), b"abc");
        // Completed by task work the kernel runs cooperatively: until then, the CQ is empty
        // and the flag says so.
        if ring.completion().ready() == 0 {
            assert_ne!(ring.submission().flags() & sq_flags::TASKRUN, 0, "round {round}");
        }
        let c = ring.peek().unwrap().expect("peek enters when TASKRUN is set");
        assert_eq!((c.user_data, c.res), (round, 3));
        ring.completion().advance(1).unwrap();
    }
}

#[test]
fn every_flag_combination_the_kernel_rejects_is_a_typed_error() {
    use setup::*;
    let bad = [
        SQPOLL | COOP_TASKRUN,
        SQPOLL | TASKRUN_FLAG,
        SQPOLL | SINGLE_ISSUER | DEFER_TASKRUN,
        TASKRUN_FLAG,
        DEFER_TASKRUN,
        CQE32 | CQE_MIXED,
        SQ_AFF,
        HYBRID_IOPOLL,
        REGISTERED_FD_ONLY,
        1 << 19,
    ];
    for flags in bad {
        let r = Ring::builder().entries(8).setup_flags(flags).build();
        match r {
            Err(
                SetupError::FlagConflict { .. }
                | SetupError::FlagRequires { .. }
                | SetupError::UnknownFlags { .. },
            ) => {}
            other => panic!("{flags:#x}: {other:?}"),
        }
        // And the kernel agrees: the raw syscall refuses the same parameters.
        let mut p = ring_core::abi::Params { flags, ..Default::default() };
        // SAFETY: `p` is a valid `io_uring_params` for the call.
        let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, 8, &mut p as *mut _) };
        if fd >= 0 {
            // SAFETY: closing the ring the kernel just created.
            unsafe { libc::close(fd as i32) };
            panic!("the kernel accepted {flags:#x}");
        }
        assert_eq!(
            std::io::Error::last_os_error().raw_os_error(),
            Some(libc::EINVAL),
            "{flags:#x}"
        );
    }
}

#[test]
fn sqpoll_reads_plain_descriptors() {
    // IORING_FEAT_SQPOLL_NONFIXED (5.11): the polling thread uses ordinary descriptors.
    let (_p, f) = support::temp_file("sqpoll-read", b"polled read");
    let mut ring = Ring::builder().entries(4).sqpoll(50).build().unwrap();
    let mut buf = [0u8; 16];
    // SAFETY: `buf` outlives the completion, reaped below.
    let e = unsafe { Read::new(Target::Fd(f.as_raw_fd()), buf.as_mut_ptr(), 16).build() };
    ring.submission().push(&e).unwrap();
    let c = support::submit_and_reap(&mut ring, 1);
    assert_eq!(&buf[..c[0].res as usize], b"polled read");
}
