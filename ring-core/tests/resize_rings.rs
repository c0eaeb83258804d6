//! Port of liburing's `resize-rings` test: a `DEFER_TASKRUN` ring resized (6.13) with
//! entries in flight keeps them, in order; shrinking below what is pending gives a typed
//! error (before the syscall, or the kernel's `-EOVERFLOW`) and leaves the old ring usable.
#![cfg(feature = "linux")]

mod support;

use ring_core::abi::{register, setup, Params};
use ring_core::opcode::Nop;
use ring_core::setup::SetupError;
use ring_core::{Errno, Kernel, Ring, RingError};

fn push(ring: &mut Ring, uds: std::ops::Range<u64>) {
    let mut sq = ring.submission();
    for ud in uds {
        sq.push(&Nop::new().build().user_data(ud)).unwrap();
    }
}

fn uds(c: &[ring_core::abi::Cqe]) -> Vec<u64> {
    c.iter().map(|c| c.user_data).collect()
}

/// Round trips until the (new) rings have wrapped.
fn wrap(ring: &mut Ring, mut next: u64) {
    let sq = u64::from(ring.params().sq_entries);
    let end = next + 3 * u64::from(ring.params().cq_entries);
    while next < end {
        push(ring, next..next + sq);
        assert_eq!(ring.submit_and_wait(sq as u32), Ok(sq as u32));
        assert_eq!(uds(&support::reap(ring)), (next..next + sq).collect::<Vec<_>>());
        next += sq;
    }
}

fn resizable(builder: ring_core::Builder) {
    let mut ring = builder.entries(8).defer_taskrun().build().unwrap();
    // Move the counters away from 0 so the preserved head/tail values matter.
    wrap(&mut ring, 1000);
    // In flight: 4 completed and unreaped, 3 published but not submitted, 1 written only.
    push(&mut ring, 0..4);
    assert_eq!(ring.submit(), Ok(4));
    push(&mut ring, 4..7);
    assert_eq!(ring.submission().publish(), 3);
    push(&mut ring, 7..8);
    for (sq, cq) in [(64, None), (16, Some(32)), (8, Some(8)), (128, Some(1024))] {
        ring.resize(sq, cq, false).unwrap_or_else(|e| panic!("resize to {sq}/{cq:?}: {e}"));
        assert_eq!(ring.params().sq_entries, sq);
        assert_eq!(ring.params().cq_entries, cq.unwrap_or(2 * sq));
        assert_eq!(ring.completion().ready(), 4, "CQEs lost in the resize to {sq}");
        assert_eq!(ring.submission().pending(), 4, "SQEs lost in the resize to {sq}");
    }
    assert_eq!(ring.submit_and_wait(8), Ok(4));
    assert_eq!(uds(&support::reap(&mut ring)), (0..8).collect::<Vec<_>>());
    wrap(&mut ring, 2000);
}

#[test]
fn resize_rings_keeps_pending_entries_in_order() {
    resizable(Ring::builder());
}

#[test]
fn resize_rings_no_mmap() {
    resizable(Ring::builder().no_mmap());
}

#[test]
fn resize_rings_with_an_sq_array() {
    resizable(Ring::builder().no_sqarray(false));
}

#[test]
fn resize_rings_shrinking_below_pending_fails_and_keeps_the_ring() {
    let mut ring = Ring::builder().entries(16).defer_taskrun().build().unwrap();
    push(&mut ring, 0..12);
    assert_eq!(ring.submit(), Ok(12));
    // 12 unreaped CQEs cannot fit a CQ of 8.
    let e = ring.resize(4, None, false).unwrap_err();
    assert_eq!(
        e,
        RingError::WouldNotFit { sq_pending: 0, cq_pending: 12, sq_entries: 4, cq_entries: 8 }
    );
    // Pending SQEs count too.
    push(&mut ring, 12..16);
    assert!(matches!(
        ring.resize(2, Some(16), false),
        Err(RingError::WouldNotFit { sq_pending: 4, .. })
    ));
    // The kernel makes the same check itself (bypassing ours): -EOVERFLOW.
    let mut p = Params { sq_entries: 4, ..Params::default() };
    // SAFETY: RESIZE_RINGS reads and writes one `io_uring_params` (`p`).
    let r = unsafe {
        ring.submitter().register(register::RESIZE_RINGS, (&mut p as *mut Params).cast(), 1)
    };
    assert_eq!(r, Err(Errno::EOVERFLOW));
    // The old ring is intact.
    assert_eq!(ring.params().sq_entries, 16);
    assert_eq!(ring.submit_and_wait(16), Ok(4));
    assert_eq!(uds(&support::reap(&mut ring)), (0..16).collect::<Vec<_>>());
    wrap(&mut ring, 100);
}

#[test]
fn resize_rings_rejects_bad_requests() {
    let mut plain = Ring::new(8).unwrap();
    assert_eq!(
        plain.resize(16, None, false),
        Err(RingError::Setup(SetupError::FlagRequires {
            flag: "RESIZE_RINGS",
            requires: "DEFER_TASKRUN"
        }))
    );
    let mut ring = Ring::builder().entries(8).defer_taskrun().build().unwrap();
    assert_eq!(ring.resize(0, None, false), Err(RingError::Setup(SetupError::EntriesZero)));
    assert!(matches!(
        ring.resize(16, Some(4), false),
        Err(RingError::Setup(SetupError::CqEntriesInvalid { .. }))
    ));
    assert!(matches!(
        ring.resize(40000, None, false),
        Err(RingError::Setup(SetupError::EntriesTooLarge { .. }))
    ));
    ring.resize(40000, None, true).unwrap();
    assert_eq!(ring.params().sq_entries, 32768);
    assert_ne!(ring.params().flags & setup::DEFER_TASKRUN, 0);
    wrap(&mut ring, 0);
}

#[test]
fn resize_rings_with_big_entries() {
    resizable(Ring::builder().sqe128().cqe32());
}

/// Kernel behaviour this crate works around: after `RESIZE_RINGS` the parameters the
/// kernel writes back say `sq_off.array = 0` even for a ring with an SQ index array, whose
/// array really follows the CQEs as at setup. Taking that 0 at face value put the array over
/// the ring header (the identity mapping overwrote the CQ head); `Ring::resize` computes the
/// offset instead, and the layout check refuses an array that overlaps the header.
#[test]
fn resize_rings_kernel_reports_no_sq_array_offset() {
    let ring = Ring::builder().entries(8).defer_taskrun().no_sqarray(false).build().unwrap();
    let setup_array = ring.params().sq_off.array;
    assert_ne!(setup_array, 0);
    let mut p = Params { sq_entries: 8, ..Params::default() };
    // SAFETY: RESIZE_RINGS reads and writes one `io_uring_params` (`p`). The ring is
    // dropped right after without touching the new rings.
    let r = unsafe {
        ring.submitter().register(register::RESIZE_RINGS, (&mut p as *mut Params).cast(), 1)
    };
    assert_eq!(r, Ok(0));
    println!("sq_off.array after resize: {} (at setup: {setup_array})", p.sq_off.array);
    // Either the quirk (0) or the true offset, never anything else.
    assert!(p.sq_off.array == 0 || p.sq_off.array == setup_array, "{:?}", p.sq_off);
}
