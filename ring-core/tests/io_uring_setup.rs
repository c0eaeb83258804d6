//! Setup errors, in the spirit of liburing's `io_uring_setup` test: bad entry counts and flag
//! combinations are typed [`SetupError`]s found before the syscall (never a bare `EINVAL`),
//! clamping works, and missing kernel features are reported.
#![cfg(feature = "linux")]

use ring_core::abi::{feat, setup, MAX_CQ_ENTRIES, MAX_ENTRIES};
use ring_core::{Ring, SetupError};

#[test]
fn zero_entries() {
    assert_eq!(Ring::new(0).unwrap_err(), SetupError::EntriesZero);
    assert_eq!(Ring::builder().entries(0).clamp().build().unwrap_err(), SetupError::EntriesZero);
}

#[test]
fn too_many_entries_without_clamp() {
    for entries in [MAX_ENTRIES + 1, 40000, u32::MAX] {
        assert_eq!(
            Ring::new(entries).unwrap_err(),
            SetupError::EntriesTooLarge { requested: entries, max: MAX_ENTRIES }
        );
    }
    let err = Ring::builder().entries(8).cq_entries(MAX_CQ_ENTRIES + 1).build().unwrap_err();
    assert_eq!(
        err,
        SetupError::EntriesTooLarge { requested: MAX_CQ_ENTRIES + 1, max: MAX_CQ_ENTRIES }
    );
}

#[test]
fn clamp() {
    let ring = Ring::builder().entries(40000).clamp().build().unwrap();
    assert_eq!(ring.params().sq_entries, MAX_ENTRIES);
    assert_eq!(ring.params().cq_entries, 2 * MAX_ENTRIES);
    drop(ring);
    let ring = Ring::builder().entries(8).cq_entries(100_000).clamp().build().unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (8, MAX_CQ_ENTRIES));
}

#[test]
fn entries_round_up() {
    let ring = Ring::builder().entries(5).cq_entries(9).build().unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (8, 16));
}

#[test]
fn bad_cq_sizes() {
    assert!(matches!(
        Ring::builder().entries(4).cq_entries(0).build(),
        Err(SetupError::CqEntriesInvalid { cq: 0, .. })
    ));
    assert_eq!(
        Ring::builder().entries(8).cq_entries(2).build().unwrap_err(),
        SetupError::CqEntriesInvalid { cq: 2, sq: 8 }
    );
}

#[test]
fn rejected_flag_combinations() {
    use SetupError::{FlagConflict, FlagRequires, UnknownFlags};
    let cases: [(u32, SetupError); 11] = [
        (
            setup::SQPOLL | setup::COOP_TASKRUN,
            FlagConflict { flag: "SQPOLL", with: "COOP_TASKRUN" },
        ),
        (
            setup::SQPOLL | setup::COOP_TASKRUN | setup::TASKRUN_FLAG,
            FlagConflict { flag: "SQPOLL", with: "COOP_TASKRUN" },
        ),
        (
            setup::SQPOLL | setup::SINGLE_ISSUER | setup::DEFER_TASKRUN,
            FlagConflict { flag: "SQPOLL", with: "DEFER_TASKRUN" },
        ),
        (
            setup::TASKRUN_FLAG,
            FlagRequires { flag: "TASKRUN_FLAG", requires: "COOP_TASKRUN or DEFER_TASKRUN" },
        ),
        (setup::DEFER_TASKRUN, FlagRequires { flag: "DEFER_TASKRUN", requires: "SINGLE_ISSUER" }),
        (setup::CQE32 | setup::CQE_MIXED, FlagConflict { flag: "CQE32", with: "CQE_MIXED" }),
        (setup::SQ_AFF, FlagRequires { flag: "SQ_AFF", requires: "SQPOLL" }),
        (setup::HYBRID_IOPOLL, FlagRequires { flag: "HYBRID_IOPOLL", requires: "IOPOLL" }),
        (
            setup::REGISTERED_FD_ONLY,
            FlagRequires { flag: "REGISTERED_FD_ONLY", requires: "NO_MMAP" },
        ),
        (1 << 19, UnknownFlags { bits: 1 << 19 }),
        (1 << 31 | setup::SQPOLL, UnknownFlags { bits: 1 << 31 }),
    ];
    for (flags, want) in cases {
        let got = Ring::builder().entries(8).setup_flags(flags).build().unwrap_err();
        assert_eq!(got, want, "flags {flags:#x}");
        assert!(!matches!(got, SetupError::Kernel(_)), "flags {flags:#x} reached the kernel");
    }
    // SQPOLL | TASKRUN_FLAG alone: the conflict is reported before TASKRUN_FLAG's requirement.
    let got = Ring::builder().setup_flags(setup::SQPOLL | setup::TASKRUN_FLAG).build();
    assert_eq!(got.unwrap_err(), FlagConflict { flag: "SQPOLL", with: "TASKRUN_FLAG" });
}

#[test]
fn no_mmap_through_raw_setup_flags() {
    // NO_MMAP set as a raw flag still gets ring memory allocated by the builder (issue #3;
    // this test asserted the opposite before NO_MMAP was supported).
    let ring = Ring::builder().setup_flags(setup::NO_MMAP | setup::REGISTERED_FD_ONLY).build();
    let ring = ring.unwrap_or_else(|e| panic!("NO_MMAP | REGISTERED_FD_ONLY: {e}"));
    assert!(ring.memory().user);
    assert_eq!(ring.fd(), -1);
}

#[test]
fn accepted_flag_combinations_build() {
    let b = Ring::builder().entries(8);
    for (what, b) in [
        ("COOP_TASKRUN | TASKRUN_FLAG", b.clone().coop_taskrun().taskrun_flag()),
        ("DEFER_TASKRUN", b.clone().defer_taskrun()),
        ("DEFER_TASKRUN | TASKRUN_FLAG", b.clone().defer_taskrun().taskrun_flag()),
        ("SUBMIT_ALL", b.clone().submit_all()),
        ("SINGLE_ISSUER", b.clone().single_issuer()),
        ("SQE128 | CQE32", b.clone().sqe128().cqe32()),
    ] {
        let want = b.params().flags;
        let ring = b.build().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(ring.params().flags & want, want, "{what}");
    }
}

#[test]
fn required_features() {
    // Everything this kernel has.
    let have = Ring::new(1).unwrap().features();
    assert_ne!(have & feat::NODROP, 0);
    let ring = Ring::builder().entries(4).require_features(have).build().unwrap();
    assert_eq!(ring.features(), have);
    // A bit no kernel sets.
    let got = Ring::builder().entries(4).require_features(1 << 30).build().unwrap_err();
    assert!(matches!(got, SetupError::Unsupported { .. }), "{got:?}");
    let got = Ring::builder().entries(4).require_features(feat::NODROP | 1 << 30).build();
    assert!(matches!(got, Err(SetupError::Unsupported { .. })), "{got:?}");
}
