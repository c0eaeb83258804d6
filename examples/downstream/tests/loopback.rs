//! Part (a) on the host: ring-core's queues over this crate's `Bare` backend and `RingMem`,
//! entered through the `Loopback` kernel; the crate's submit/reap loop over them; and the
//! same loop over Linux's ring.

use std::sync::Mutex;

use downstream::{submit_and_reap, DriveError, Driver, Metered, RingMem, SplitError};
use ring_core::abi::{setup, Cqe, Sqe, Timespec};
use ring_core::opcode::{Entry, Nop};
use ring_core::{EnterArg, Errno};

/// The result entry `ud` of [`entry`] completes with.
fn expected(ud: u64) -> i32 {
    match ud % 6 {
        0 => -((ud % 40) as i32 + 1), // an injected error
        3 => (ud % 1000) as i32,      // an injected positive result
        _ => 0,
    }
}

/// A NOP for `ud` that completes with `expected(ud)`.
fn entry(ud: u64) -> Entry {
    let res = expected(ud);
    Nop::new().inject_result((res != 0).then_some(res)).build().user_data(ud)
}

/// Records every completion; checks each `user_data` completes exactly once, with its
/// result, and returns the order they came in.
struct Tally {
    seen: Vec<u8>,
    order: Vec<u64>,
}

impl Tally {
    fn new(n: u64) -> Self {
        Tally { seen: vec![0; n as usize], order: Vec::new() }
    }

    fn record(&mut self, cqe: Cqe) {
        let ud = cqe.user_data;
        assert!(ud < self.seen.len() as u64, "UNKNOWN user_data {ud}");
        assert_eq!(cqe.res, expected(ud), "wrong result for user_data {ud}");
        self.seen[ud as usize] += 1;
        assert_eq!(self.seen[ud as usize], 1, "DUPLICATE completion of user_data {ud}");
        self.order.push(ud);
    }

    fn assert_all_once(&self) {
        let lost: Vec<usize> = (0..self.seen.len()).filter(|&i| self.seen[i] != 1).collect();
        assert!(lost.is_empty(), "LOST: user_data {lost:?} never completed");
    }
}

#[test]
fn every_user_data_completes_exactly_once_with_its_result() {
    let mut mem = RingMem::<4, 8>::new();
    let (mut q, kernel) = mem.split(0).unwrap();
    let (sq, cq) = q.split();
    let mut t = Tally::new(100);
    let n = submit_and_reap(sq, cq, &kernel, (0..100).map(entry), |c| t.record(c)).unwrap();
    assert_eq!(n, 100);
    t.assert_all_once();
    // Inline completions come in submission order.
    assert_eq!(t.order, (0..100).collect::<Vec<_>>());
    let s = kernel.stats();
    assert_eq!((s.consumed, s.submitted, s.posted, s.dropped), (100, 100, 100, 0));
}

#[test]
fn a_cq_smaller_than_the_sq_makes_the_kernel_submit_short() {
    // Eight SQ entries, one CQ slot: every enter consumes one entry, the rest stay pending
    // and are submitted by the driver's next enter.
    let mut mem = RingMem::<8, 1>::new();
    let (mut q, kernel) = mem.split(0).unwrap();
    let (sq, cq) = q.split();
    let mut t = Tally::new(40);
    submit_and_reap(sq, cq, &kernel, (0..40).map(entry), |c| t.record(c)).unwrap();
    t.assert_all_once();
    let s = kernel.stats();
    assert_eq!(s.posted, 40);
    assert!(s.cq_full > 0, "the CQ never limited a submission: {s:?}");
}

#[test]
fn counters_wrap_around_u32_max() {
    for start in [u32::MAX - 5, u32::MAX, u32::MAX - 1] {
        let mut mem = RingMem::<4, 4>::starting_at(start);
        let (mut q, kernel) = mem.split(0).unwrap();
        let (sq, cq) = q.split();
        let mut t = Tally::new(50);
        submit_and_reap(sq, cq, &kernel, (0..50).map(entry), |c| t.record(c)).unwrap();
        t.assert_all_once();
        assert_eq!(t.order, (0..50).collect::<Vec<_>>(), "start {start:#x}");
    }
}

#[test]
fn a_ring_without_the_index_array() {
    let mut mem = RingMem::<2, 4>::new();
    let (mut q, kernel) = mem.split(setup::NO_SQARRAY).unwrap();
    let (sq, cq) = q.split();
    let mut t = Tally::new(17);
    submit_and_reap(sq, cq, &kernel, (0..17).map(entry), |c| t.record(c)).unwrap();
    t.assert_all_once();
}

fn bad_opcode(ud: u64) -> Entry {
    let sqe = Sqe { opcode: 200, fd: -1, user_data: ud, ..Sqe::default() };
    // SAFETY: an opcode outside 6.18's range carries no pointer any kernel would read.
    unsafe { Entry::from_raw(sqe) }
}

fn reap_all(q: &mut ring_core::Queues<'_, downstream::Bare>) -> Vec<(u64, i32)> {
    let mut v = Vec::new();
    q.completion().reap(u32::MAX, |c| v.push((c.user_data, c.res)));
    v
}

#[test]
fn an_entry_that_fails_to_initialise_ends_the_batch_unless_submit_all() {
    let einval = -Errno::EINVAL.0;
    let mut mem = RingMem::<4, 8>::new();
    {
        let (mut q, kernel) = mem.split(0).unwrap();
        let mut sq = q.submission();
        sq.push(&entry(1)).unwrap();
        sq.push(&bad_opcode(2)).unwrap();
        sq.push(&entry(4)).unwrap();
        assert_eq!(sq.submit(&kernel), Ok(2), "the bad opcode ends the batch");
        assert_eq!(sq.pending(), 1);
        assert_eq!(reap_all(&mut q), [(1, 0), (2, einval)]);
        assert_eq!(q.submission().submit(&kernel), Ok(1));
        assert_eq!(reap_all(&mut q), [(4, 0)]);
    }
    let mut mem = RingMem::<4, 8>::new();
    let (mut q, kernel) = mem.split(setup::SUBMIT_ALL).unwrap();
    let mut sq = q.submission();
    sq.push(&entry(1)).unwrap();
    sq.push(&bad_opcode(2)).unwrap();
    sq.push(&entry(4)).unwrap();
    assert_eq!(sq.submit(&kernel), Ok(3));
    assert_eq!(reap_all(&mut q), [(1, 0), (2, einval), (4, 0)]);
}

#[test]
fn an_out_of_range_sq_index_is_dropped_and_counted() {
    let mut mem = RingMem::<4, 8>::new();
    let (mut q, kernel) = mem.split(0).unwrap();
    let mut sq = q.submission();
    assert!(sq.set_next_array_entry(99));
    sq.push(&entry(1)).unwrap();
    sq.push(&entry(2)).unwrap();
    // The bad index is consumed, not submitted, and ends the batch.
    assert_eq!(sq.submit(&kernel), Ok(0));
    assert_eq!(sq.dropped(), 1);
    assert_eq!(sq.submit(&kernel), Ok(1));
    assert!(sq.reset_array_entry(0));
    assert_eq!(reap_all(&mut q), [(2, 0)], "the dropped entry never completes");
    assert_eq!(kernel.stats().dropped, 1);
}

#[test]
fn skip_success_posts_only_failures_and_the_driver_refuses_it() {
    let mut mem = RingMem::<4, 8>::new();
    let (mut q, kernel) = mem.split(0).unwrap();
    {
        let mut sq = q.submission();
        sq.push(&Nop::new().build().user_data(1).skip_success()).unwrap();
        sq.push(&Nop::new().inject_result(Some(-9)).build().user_data(2).skip_success()).unwrap();
        assert_eq!(sq.submit(&kernel), Ok(2));
    }
    assert_eq!(reap_all(&mut q), [(2, -9)]);
    assert_eq!(kernel.stats().skipped, 1);
    let (sq, cq) = q.split();
    let mut d = Driver::new(sq, cq, &kernel);
    let skip = Nop::new().build().user_data(3).skip_success();
    assert_eq!(d.push(&skip, &mut |_| {}), Err(DriveError::SkipsSuccess));
    assert_eq!(d.in_flight(), 0);
}

#[test]
fn a_wait_that_could_never_end_returns_at_once() {
    let mut mem = RingMem::<2, 2>::new();
    let (mut q, kernel) = mem.split(0).unwrap();
    assert_eq!(q.completion().wait(&kernel, 1), Err(Errno::EAGAIN));
    let ts = Timespec { tv_sec: 1, tv_nsec: 0 };
    let arg = EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 };
    assert_eq!(q.completion().wait_with(&kernel, 1, arg), Err(Errno::ETIME));
    // With completions ready, the same wait succeeds without waiting.
    q.submission().push(&entry(1)).unwrap();
    assert_eq!(q.submission().submit_and_wait(&kernel, 1), Ok(1));
    assert_eq!(q.completion().wait(&kernel, 1), Ok(1));
}

#[test]
fn a_full_cq_refuses_submission_with_ebusy_until_reaped() {
    let mut mem = RingMem::<2, 1>::new();
    let (mut q, kernel) = mem.split(0).unwrap();
    let mut sq = q.submission();
    sq.push(&entry(1)).unwrap();
    sq.push(&entry(2)).unwrap();
    assert_eq!(sq.submit(&kernel), Ok(1), "one CQ slot: a short submit");
    assert_eq!(sq.submit(&kernel), Err(Errno::EBUSY), "the CQ is full");
    assert_eq!(sq.pending(), 1);
    assert_eq!(reap_all(&mut q), [(1, 0)]);
    assert_eq!(q.submission().submit(&kernel), Ok(1));
    assert_eq!(reap_all(&mut q), [(2, 0)]);
}

#[test]
fn unsupported_setup_flags_are_refused() {
    let mut mem = RingMem::<2, 2>::new();
    let flags = setup::SQPOLL | setup::NO_SQARRAY | setup::DEFER_TASKRUN;
    let err = mem.split(flags).err();
    assert_eq!(err, Some(SplitError::Unsupported(setup::SQPOLL | setup::DEFER_TASKRUN)));
}

/// A ring in a `static`: no heap anywhere, `&mut` access through a lock.
static RING: Mutex<RingMem<2, 4>> = Mutex::new(RingMem::new());

#[test]
fn the_ring_can_live_in_a_static_and_be_split_again() {
    let mut mem = RING.lock().unwrap();
    {
        let (mut q, kernel) = mem.split(0).unwrap();
        let mut sq = q.submission();
        sq.push(&entry(1)).unwrap();
        sq.publish();
        assert_eq!(kernel.stats().enters, 0);
    }
    // A new pair resumes where the first stopped: the published entry is still pending.
    let (mut q, kernel) = mem.split(0).unwrap();
    assert_eq!(q.submission().pending(), 1);
    assert_eq!(q.submission().submit_and_wait(&kernel, 1), Ok(1));
    assert_eq!(reap_all(&mut q), [(1, 0)]);
}

#[test]
fn the_metered_kernel_counts_what_the_loop_did() {
    let mut mem = RingMem::<2, 2>::new();
    let (mut q, loopback) = mem.split(0).unwrap();
    let kernel = Metered::new(&loopback);
    let (sq, cq) = q.split();
    let mut t = Tally::new(9);
    submit_and_reap(sq, cq, &kernel, (0..9).map(entry), |c| t.record(c)).unwrap();
    t.assert_all_once();
    let m = kernel.meter();
    assert_eq!(m.submitted, 9);
    assert_eq!(m.enters, loopback.stats().enters);
    // Entries 6 and 7 fill the 2-slot CQ before the final submit of entry 8: that enter
    // answers EBUSY, the driver reaps and enters again.
    assert_eq!(m.errors, 1);
}

/// The same loop, unchanged, over Linux's ring (ring-core's `linux` feature, enabled for the
/// tests only). Skipped, saying so, where io_uring is unavailable.
#[test]
fn the_same_loop_on_the_real_kernel() {
    let mut ring = match ring_core::Ring::new(4) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("skipped: no io_uring here ({e})");
            return;
        }
    };
    let (sq, cq, submitter) = ring.split();
    let kernel = Metered::new(submitter);
    let mut t = Tally::new(100);
    submit_and_reap(sq, cq, &kernel, (0..100).map(entry), |c| t.record(c)).unwrap();
    t.assert_all_once();
    assert_eq!(kernel.meter().submitted, 100);
}

#[test]
fn the_boot_time_self_test_passes() {
    assert_eq!(downstream::self_test(), Ok(()));
}
