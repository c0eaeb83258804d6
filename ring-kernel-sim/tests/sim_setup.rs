//! The sim's setup: validation identical to ring-core's `check_params` (which mirrors
//! 6.18), unmodelled flags refused as `Unsupported`, the resulting geometry equal to the
//! real kernel's, and one user-side owner per ring.
#![cfg(not(loom))]

use ring_core::abi::{setup, Params};
use ring_core::setup::{check_params, SetupError};
use ring_core::Ring;
use ring_kernel_sim::{Mode, SimError, SimRing};

/// Setup flags the sim refuses although the kernel accepts them.
const UNMODELLED: u32 = setup::IOPOLL
    | setup::HYBRID_IOPOLL
    | setup::NO_MMAP
    | setup::REGISTERED_FD_ONLY
    | setup::ATTACH_WQ;

/// Flag sets covering every rule of `check_params`: each flag alone, the pairs the kernel
/// requires or forbids, and unknown bits.
fn flag_sets() -> Vec<u32> {
    let mut sets: Vec<u32> = (0..19).map(|b| 1u32 << b).collect();
    sets.extend([
        0,
        setup::SQPOLL | setup::COOP_TASKRUN,
        setup::SQPOLL | setup::TASKRUN_FLAG,
        setup::SQPOLL | setup::DEFER_TASKRUN | setup::SINGLE_ISSUER,
        setup::SQPOLL | setup::SQ_AFF,
        setup::COOP_TASKRUN | setup::TASKRUN_FLAG,
        setup::SINGLE_ISSUER | setup::DEFER_TASKRUN,
        setup::SINGLE_ISSUER | setup::DEFER_TASKRUN | setup::TASKRUN_FLAG,
        setup::CQE32 | setup::CQE_MIXED,
        setup::IOPOLL | setup::HYBRID_IOPOLL,
        setup::NO_MMAP | setup::REGISTERED_FD_ONLY,
        setup::SQE128 | setup::CQE32 | setup::NO_SQARRAY,
        setup::R_DISABLED | setup::SUBMIT_ALL | setup::SINGLE_ISSUER,
        setup::CLAMP | setup::CQSIZE,
        1 << 19,
        1 << 31,
    ]);
    sets
}

#[test]
fn validation_is_check_params() {
    let mut checked = 0;
    for flags in flag_sets() {
        for entries in [0, 1, 3, 8, 32769, u32::MAX] {
            for cq in [None, Some(0), Some(2), Some(9), Some(70_000)] {
                let mut p = Params { flags, ..Params::default() };
                let mut b = SimRing::builder().entries(entries).setup_flags(flags);
                b = b.mode(Mode::Step).workers(0);
                if let Some(c) = cq {
                    p.flags |= setup::CQSIZE;
                    p.cq_entries = c;
                    b = b.cq_entries(c);
                }
                let what = format!("entries {entries}, flags {:#x}, cq {cq:?}", p.flags);
                let want = check_params(entries, &p);
                let got = b.build();
                match want {
                    Err(e) => assert_eq!(got.err(), Some(e), "{what}"),
                    Ok(_) if p.flags & UNMODELLED != 0 => match got {
                        Err(SetupError::Unsupported { since, .. }) => assert_eq!(since, "sim"),
                        other => panic!("{what}: {other:?}"),
                    },
                    Ok(geo) => {
                        let sim = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                        assert_eq!(sim.geometry(), geo, "{what}");
                        assert_eq!(sim.setup_flags(), p.flags, "{what}");
                        let mut q = sim.queues().unwrap();
                        assert_eq!(q.submission().capacity(), geo.sq_entries, "{what}");
                        assert_eq!(q.completion().capacity(), geo.cq_entries, "{what}");
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000);
}

#[test]
fn geometry_matches_the_kernel() {
    // Valid setups both kernels model: the sizes the real kernel reports are the sim's.
    let cases: [(u32, Option<u32>, u32); 10] = [
        (1, None, 0),
        (3, None, 0),
        (5, Some(5), 0),
        (4, Some(4), setup::CQE32),
        (2, Some(2), setup::CQE_MIXED),
        (3, None, setup::CQE_MIXED),
        (8, None, setup::SQE128),
        (16, Some(100), setup::SUBMIT_ALL),
        (40_000, None, setup::CLAMP),
        (8, Some(70_000), setup::CLAMP),
    ];
    for (entries, cq, flags) in cases {
        let mut rb = Ring::builder().entries(entries).setup_flags(flags).no_sqarray(true);
        let mut sb = SimRing::builder().entries(entries).setup_flags(flags | setup::NO_SQARRAY);
        if let Some(c) = cq {
            rb = rb.cq_entries(c);
            sb = sb.cq_entries(c);
        }
        let ring = rb.build().unwrap_or_else(|e| panic!("kernel {entries} {cq:?}: {e}"));
        let sim = sb.mode(Mode::Step).build().unwrap();
        let g = sim.geometry();
        let p = ring.params();
        assert_eq!((g.sq_entries, g.cq_entries), (p.sq_entries, p.cq_entries), "{entries} {cq:?}");
        assert_eq!(sim.setup_flags() & !setup::NO_SQARRAY, p.flags & !setup::NO_SQARRAY);
    }
}

/// The kernel's own verdict on a setup: `io_uring_setup(2)` called directly.
fn kernel_accepts(entries: u32, p: &Params) -> Result<(), i32> {
    let mut p = *p;
    // SAFETY: `p` is a valid, writable `io_uring_params` for the duration of the call.
    let fd = unsafe {
        libc::syscall(libc::SYS_io_uring_setup, libc::c_long::from(entries), &mut p as *mut Params)
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    // SAFETY: `fd` is the ring descriptor just returned to us; nothing else owns it.
    unsafe { libc::close(fd as libc::c_int) };
    Ok(())
}

#[test]
fn check_params_verdicts_are_the_kernels() {
    // Whatever check_params (and so the sim) accepts, the kernel accepts, and the other way
    // round. NO_MMAP, REGISTERED_FD_ONLY and ATTACH_WQ need caller memory or another ring, so
    // their kernel verdicts depend on more than the flags; they are left out.
    let needs_more = setup::NO_MMAP | setup::REGISTERED_FD_ONLY | setup::ATTACH_WQ;
    let mut checked = 0;
    for flags in flag_sets().into_iter().filter(|f| f & needs_more == 0) {
        for entries in [0, 1, 3, 8, 32769, u32::MAX] {
            for cq in [None, Some(0), Some(2), Some(9), Some(70_000)] {
                let mut p = Params { flags, ..Params::default() };
                if let Some(c) = cq {
                    p.flags |= setup::CQSIZE;
                    p.cq_entries = c;
                }
                let ours = check_params(entries, &p);
                let kernel = kernel_accepts(entries, &p);
                assert_eq!(
                    ours.is_ok(),
                    kernel.is_ok(),
                    "entries {entries}, flags {:#x}, cq {cq:?}: check_params {ours:?}, kernel {kernel:?}",
                    p.flags
                );
                if let Err(errno) = kernel {
                    assert_eq!(errno, libc::EINVAL, "{flags:#x}: a rejection is EINVAL");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 500);
}

#[test]
fn queues_are_taken_once() {
    let sim = SimRing::builder().entries(4).mode(Mode::Step).build().unwrap();
    {
        let _q = sim.queues().unwrap();
        assert_eq!(sim.queues().err(), Some(SimError::QueuesTaken));
    }
    assert_eq!(sim.queues().err(), Some(SimError::QueuesTaken), "still one owner per ring");
}
