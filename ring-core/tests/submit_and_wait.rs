//! Port of liburing's `submit-and-wait` timing checks, plus the other timed waits: a timed
//! submit returns the submit count without waiting twice; a 5 s wait after a completed NOP
//! returns at once; a 1 s timeout SQE completes in about 1 s; an empty wait times out with
//! `ETIME`; a min-timeout wait (6.12) returns after the minimum once something completed.
//! Bounds are loose (>= 0.9 x, < 10 s) so that a loaded machine cannot make them flaky.
#![cfg(feature = "linux")]

mod support;

use std::time::{Duration, Instant};

use ring_core::abi::{enter, feat, Timespec};
use ring_core::opcode::{Nop, Timeout};
use ring_core::{probe, Errno, Ring, RingError};

#[test]
fn submit_and_wait_timeout_returns_the_submit_count_once() {
    let mut ring = Ring::new(8).unwrap();
    for i in 0..3 {
        ring.submission().push(&Nop::new().build().user_data(i)).unwrap();
    }
    let t0 = Instant::now();
    assert_eq!(ring.submit_and_wait_timeout(3, Duration::from_secs(5)), Ok(3));
    assert!(t0.elapsed() < Duration::from_secs(4), "waited after the completions arrived");
    assert_eq!(support::reap(&mut ring).len(), 3);
}

#[test]
fn wait_with_5s_timeout_after_a_nop_returns_at_once() {
    let mut ring = Ring::new(8).unwrap();
    ring.submission().push(&Nop::new().build().user_data(1)).unwrap();
    ring.submit().unwrap();
    let t0 = Instant::now();
    assert_eq!(ring.wait_timeout(1, Duration::from_secs(5)), Ok(1));
    assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
}

#[test]
fn one_second_timeout_sqe_completes_in_about_one_second() {
    let mut ring = Ring::new(8).unwrap();
    let ts = Timespec { tv_sec: 1, tv_nsec: 0 };
    // SAFETY: `ts` outlives the completion, reaped below.
    ring.submission().push(&unsafe { Timeout::new(&ts).build() }.user_data(9)).unwrap();
    let t0 = Instant::now();
    assert_eq!(ring.submit_and_wait(1), Ok(1));
    let dt = t0.elapsed();
    let c = support::reap(&mut ring);
    assert_eq!((c[0].user_data, c[0].res), (9, -Errno::ETIME.raw()));
    assert!(dt >= Duration::from_millis(900) && dt < Duration::from_secs(10), "{dt:?}");
}

#[test]
fn empty_wait_times_out_with_etime() {
    let mut ring = Ring::new(8).unwrap();
    let t0 = Instant::now();
    assert_eq!(
        ring.wait_timeout(1, Duration::from_millis(200)),
        Err(RingError::Kernel(Errno::ETIME))
    );
    let dt = t0.elapsed();
    assert!(dt >= Duration::from_millis(180) && dt < Duration::from_secs(10), "{dt:?}");
    // A timed submit with nothing to submit and nothing completing also times out.
    assert_eq!(
        ring.submit_and_wait_timeout(1, Duration::from_millis(50)),
        Err(RingError::Kernel(Errno::ETIME))
    );
}

#[test]
fn min_timeout_wait() {
    let mut ring = Ring::new(8).unwrap();
    if ring.features() & feat::MIN_TIMEOUT == 0 {
        // Older kernel: the typed error names the feature and its version.
        let e = ring.wait_min_timeout(1, Duration::from_millis(1), None).unwrap_err();
        assert!(matches!(e, RingError::Unsupported(u) if u.feature == "MIN_TIMEOUT"), "{e:?}");
        return;
    }
    // One completion is ready, four are asked for: the kernel waits out the minimum and
    // then returns with what it has.
    ring.submission().push(&Nop::new().build()).unwrap();
    ring.submit().unwrap();
    let t0 = Instant::now();
    let n = ring.wait_min_timeout(4, Duration::from_millis(100), Some(Duration::from_secs(5)));
    let dt = t0.elapsed();
    assert_eq!(n, Ok(1));
    assert!(dt >= Duration::from_millis(90) && dt < Duration::from_secs(4), "{dt:?}");
    support::reap(&mut ring);
    // Nothing completes at all: the overall timeout applies.
    let t0 = Instant::now();
    let r = ring.wait_min_timeout(1, Duration::from_millis(10), Some(Duration::from_millis(200)));
    assert_eq!(r, Err(RingError::Kernel(Errno::ETIME)));
    assert!(t0.elapsed() >= Duration::from_millis(180));
}

#[test]
fn timed_waits_and_sq_wait_pass_the_feature_checks_on_this_kernel() {
    // What an older kernel is refused (unit tests: `probe::tests`, `ring::tests`) this one
    // has: the features word announces every enter flag, and the calls reach the kernel.
    let mut ring = Ring::new(4).unwrap();
    assert_eq!(probe::require_enter_flags(ring.features(), enter::KNOWN), Ok(()));
    let release = std::fs::read("/proc/sys/kernel/osrelease").unwrap();
    let running = probe::KernelVersion::parse(&release).unwrap();
    assert_eq!(probe::too_new_enter_flag(running, enter::KNOWN), None, "{running}");
    ring.submission().push(&Nop::new().build().user_data(1)).unwrap();
    assert_eq!(ring.submit_and_wait_timeout(1, Duration::from_secs(5)), Ok(1));
    assert_eq!(ring.wait_timeout(1, Duration::from_secs(5)), Ok(1));
    assert_eq!(support::reap(&mut ring).len(), 1);
    // The kernel's own ETIME, not a refusal before the syscall.
    assert_eq!(
        ring.wait_timeout(1, Duration::from_millis(5)),
        Err(RingError::Kernel(Errno::ETIME))
    );
    // SQ_WAIT (no feature bit) on an SQPOLL ring with a full SQ: the kernel takes it.
    let mut ring = Ring::builder().entries(2).sqpoll(1000).build().unwrap();
    for ud in 0..2 {
        ring.submission().push(&Nop::new().build().user_data(ud)).unwrap();
    }
    let space = ring.sq_wait().unwrap();
    assert!(space > 0, "sq_wait returned with a full SQ");
    assert_eq!(support::reap_n(&mut ring, 2).len(), 2);
}
