//! `CQE_MIXED` (6.18): 16- and 32-byte completions in one CQ of 16-byte slots. A 32-byte
//! completion (`IORING_CQE_F_32`) fills two slots; when one would start in the ring's last
//! slot the kernel posts a one-slot filler (`IORING_CQE_F_SKIP`) first. The reader must count
//! completions, step over fillers, and never lose, repeat or misread one, whichever way the
//! user reads (peek, reap, batch) and wherever the wrap falls.
#![cfg(feature = "linux")]

use std::time::{Duration, Instant};

use ring_core::abi::{cqe_flags, setup, Cqe32, Timespec};
use ring_core::opcode::{Nop, Timeout};
use ring_core::{AdvanceError, Errno, Ring};

/// A mixed ring: `sq` SQ entries, `cq` CQ slots.
fn mixed(sq: u32, cq: u32) -> Ring {
    let ring =
        Ring::builder().entries(sq).cq_entries(cq).setup_flags(setup::CQE_MIXED).build().unwrap();
    assert_ne!(ring.params().flags & setup::CQE_MIXED, 0);
    ring
}

/// A mixed ring that can be resized (DEFER_TASKRUN), with four SQ entries and `cq` CQ slots.
fn resizable_mixed(cq: u32) -> Ring {
    let builder = Ring::builder().entries(4).cq_entries(cq).setup_flags(setup::CQE_MIXED);
    builder.defer_taskrun().build().unwrap()
}

/// Moves the CQ head forward by one small NOP per user_data of `uds`, each reaped at once.
fn move_head(ring: &mut Ring, uds: std::ops::Range<u64>) {
    for ud in uds {
        push(ring, ud, false);
        ring.submit_and_wait(1).unwrap();
        ring.completion().advance(1).unwrap();
    }
}

/// The two extra words a 32-byte NOP with this user_data carries.
fn words(ud: u64) -> [u64; 2] {
    [0x1111_0000_0000 + ud, 0x2222_0000_0000 + ud]
}

fn push(ring: &mut Ring, ud: u64, big: bool) {
    let nop = Nop::new().cqe32(big.then(|| words(ud))).build().user_data(ud);
    ring.submission().push(&nop).unwrap();
}

/// Checks one completion against what its NOP asked for.
fn check(c: &Cqe32, ud: u64, big: bool) {
    assert_eq!((c.cqe.user_data, c.cqe.res), (ud, 0), "{c:?}");
    assert_eq!(c.cqe.flags & cqe_flags::SKIP, 0, "a filler reached the user: {c:?}");
    assert_eq!(c.cqe.flags & cqe_flags::F_32 != 0, big, "{c:?}");
    assert_eq!(c.big_cqe, if big { words(ud) } else { [0, 0] }, "{c:?}");
}

/// A small deterministic generator, so a failure names a reproducible sequence.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
}

#[test]
fn mixed_sizes_across_many_wraps_every_way_of_reading() {
    // Sixteen slots hold any round (at most four 32-byte completions and a filler).
    let mut ring = mixed(4, 16);
    let mut rng = Lcg(7);
    let (mut next_ud, mut slots, mut fillers, mut bigs) = (1u64, 0u32, 0u32, 0u32);
    let start = ring.completion().local_head();
    for round in 0..3000u32 {
        let k = 1 + rng.next() % 4;
        let mut batch = Vec::new();
        for _ in 0..k {
            let big = rng.next() % 2 == 0;
            push(&mut ring, next_ud, big);
            batch.push((next_ud, big));
            // Where the kernel puts it: a filler first if a big one would start in the last slot.
            if big && (start.wrapping_add(slots) & 15) == 15 {
                slots += 1;
                fillers += 1;
            }
            slots += if big { 2 } else { 1 };
            bigs += u32::from(big);
            next_ud += 1;
        }
        ring.submit_and_wait(k).unwrap();
        let mut cq = ring.completion();
        assert_eq!(cq.ready(), k, "round {round}: ready counts completions, not slots");
        let mut got = Vec::new();
        match round % 4 {
            0 => {
                while let Some(c) = cq.peek32() {
                    got.push(c);
                    cq.advance(1).unwrap();
                }
            }
            1 => {
                // Two calls: the first stops part-way, the second takes the rest.
                let first = cq.reap32(1, |c| got.push(c));
                let rest = cq.reap32(u32::MAX, |c| got.push(c));
                assert_eq!((first, first + rest), (1, k));
            }
            2 => {
                let b = cq.batch();
                assert_eq!(b.len(), k as usize);
                let uds: Vec<u64> = b.map(|c| c.user_data).collect();
                assert_eq!(uds, batch.iter().map(|&(ud, _)| ud).collect::<Vec<_>>());
                // Read again with their extra words, then release them all at once.
                cq.reap32(u32::MAX, |c| got.push(c));
            }
            _ => {
                let n = cq.reap32(k, |c| got.push(c));
                assert_eq!(n, k);
            }
        }
        assert_eq!(got.len(), batch.len(), "round {round}: {got:?}");
        for (c, &(ud, big)) in got.iter().zip(&batch) {
            check(c, ud, big);
        }
        assert_eq!(cq.ready(), 0);
        assert!(cq.peek().is_none());
        // Every slot the kernel used (fillers included) was released, no more.
        assert_eq!(cq.local_head().wrapping_sub(start), slots, "round {round}");
    }
    println!("{} completions ({bigs} of 32 bytes), {fillers} fillers stepped over", next_ud - 1);
    assert!(fillers > 100, "the wrap case was exercised: {fillers} fillers");
}

#[test]
fn ready_and_advance_count_completions() {
    let mut ring = mixed(4, 8);
    push(&mut ring, 1, false);
    push(&mut ring, 2, true);
    push(&mut ring, 3, true);
    ring.submit_and_wait(3).unwrap();
    let mut cq = ring.completion();
    let head = cq.local_head();
    assert_eq!(cq.ready(), 3); // five slots
                               // Releasing more than is ready is refused and changes nothing.
    assert_eq!(cq.advance(4), Err(AdvanceError { requested: 4, ready: 3 }));
    assert_eq!(cq.local_head(), head);
    cq.advance(2).unwrap();
    assert_eq!(cq.local_head().wrapping_sub(head), 3, "one small and one big slot pair");
    check(&cq.peek32().unwrap(), 3, true);
    cq.advance(1).unwrap();
    assert_eq!(cq.local_head().wrapping_sub(head), 5);
    assert_eq!(cq.ready(), 0);
}

#[test]
fn a_filler_before_the_wrap_is_released_by_peek() {
    let mut ring = mixed(8, 8);
    for ud in 1..=7 {
        push(&mut ring, ud, false);
    }
    ring.submit_and_wait(7).unwrap();
    assert_eq!(ring.completion().reap(u32::MAX, drop), 7);
    // The next big completion would start in slot 7: the kernel fills slot 7 and posts the
    // completion in slots 0 and 1.
    push(&mut ring, 8, true);
    push(&mut ring, 9, false);
    ring.submit_and_wait(2).unwrap();
    let mut cq = ring.completion();
    let head = cq.local_head();
    assert_eq!(head & 7, 7);
    assert_eq!(cq.ready(), 2);
    check(&cq.peek32().unwrap(), 8, true);
    assert_eq!(cq.local_head(), head.wrapping_add(1), "peek released the filler only");
    cq.advance(1).unwrap();
    check(&cq.peek32().unwrap(), 9, false);
    cq.advance(1).unwrap();
    assert_eq!(cq.local_head(), head.wrapping_add(4));
}

#[test]
fn thirty_two_byte_completions_overflow_and_flush_in_order() {
    // Four CQ slots hold two 32-byte completions; the other six wait in the overflow
    // backlog until a GETEVENTS enter flushes them.
    let mut ring = mixed(4, 4);
    let mut seen = Vec::new();
    for round in 0..2u64 {
        for i in 0..4 {
            push(&mut ring, round * 4 + i + 1, true);
        }
        ring.submit().unwrap();
    }
    for _ in 0..16 {
        let mut cq = ring.completion();
        cq.reap32(u32::MAX, |c| seen.push(c));
        let flush = cq.needs_flush();
        if seen.len() == 8 {
            break;
        }
        assert!(flush || cq.ready() > 0, "completions missing and no flush hinted");
        ring.get_events().unwrap();
    }
    assert_eq!(seen.len(), 8, "{seen:?}");
    for (i, c) in seen.iter().enumerate() {
        check(c, i as u64 + 1, true);
    }
    assert_eq!(ring.completion().overflow(), 0, "nothing was really dropped");
}

#[test]
fn nop_cqe32_needs_a_ring_with_room_for_it() {
    // A plain ring: the kernel refuses the 32-byte NOP with EINVAL in its completion.
    let mut ring = Ring::new(4).unwrap();
    push(&mut ring, 1, true);
    ring.submit_and_wait(1).unwrap();
    let c = ring.completion().peek().unwrap();
    assert_eq!((c.user_data, c.res), (1, -Errno::EINVAL.0));
    // A CQE32 ring: every CQE is 32 bytes; the NOP's words arrive, without F_32.
    let mut ring = Ring::builder().entries(4).cqe32().build().unwrap();
    push(&mut ring, 2, true);
    ring.submit_and_wait(1).unwrap();
    let c = ring.completion().peek32().unwrap();
    assert_eq!((c.cqe.user_data, c.cqe.res, c.big_cqe), (2, 0, words(2)));
}

#[test]
fn resize_keeps_pending_mixed_completions() {
    // Resizing (a DEFER_TASKRUN ring) copies the CQ slot for slot, fillers included; the
    // resized ring is still read as mixed.
    let mut ring = resizable_mixed(8);
    // Move the head near the end so that the pending completions straddle a filler.
    move_head(&mut ring, 1..7);
    let pending = [(7, false), (8, true), (9, true)];
    for &(ud, big) in &pending {
        push(&mut ring, ud, big);
    }
    ring.submit_and_wait(3).unwrap();
    assert_eq!(ring.completion().ready(), 3);
    ring.resize(8, Some(32), false).unwrap();
    let mut got = Vec::new();
    assert_eq!(ring.completion().reap32(u32::MAX, |c| got.push(c)), 3);
    for (c, &(ud, big)) in got.iter().zip(&pending) {
        check(c, ud, big);
    }
    // And the resized ring goes on mixing sizes.
    push(&mut ring, 10, true);
    ring.submit_and_wait(1).unwrap();
    check(&ring.completion().peek32().unwrap(), 10, true);
}

/// A 32-byte NOP (two slots, posted at once) and a 50 ms timeout.
fn big_then_timeout(ring: &mut Ring, ts: &Timespec) {
    push(ring, 1, true);
    // SAFETY: `ts` outlives the wait below, which reaps the timeout's completion.
    let t = unsafe { Timeout::new(ts).build() }.user_data(2);
    ring.submission().push(&t).unwrap();
}

#[test]
fn waits_count_completions_not_slots() {
    // The kernel's wait counts slots: the 32-byte NOP's two satisfy a wait for two at once.
    // ring-core must wait on until the timeout's completion is there too.
    let ts = Timespec { tv_sec: 0, tv_nsec: 50_000_000 };
    let mut ring = mixed(4, 8);
    big_then_timeout(&mut ring, &ts);
    let start = Instant::now();
    ring.submit().unwrap();
    assert_eq!(ring.wait(2).unwrap(), 2);
    assert!(start.elapsed() >= Duration::from_millis(40), "{:?}", start.elapsed());
    assert_eq!(ring.completion().reap(u32::MAX, drop), 2);

    big_then_timeout(&mut ring, &ts);
    let start = Instant::now();
    ring.submit_and_wait(2).unwrap();
    assert_eq!(ring.completion().ready(), 2, "submit_and_wait returned early");
    assert!(start.elapsed() >= Duration::from_millis(40), "{:?}", start.elapsed());
    assert_eq!(ring.completion().reap(u32::MAX, drop), 2);

    big_then_timeout(&mut ring, &ts);
    ring.submit_and_wait_timeout(2, Duration::from_secs(5)).unwrap();
    assert_eq!(ring.completion().ready(), 2, "submit_and_wait_timeout returned early");
}

#[test]
fn shrinking_resize_can_wrap_a_big_completion_and_it_is_read_whole() {
    // Resizing copies completions slot by slot: a 32-byte one at position 15 of a 32-slot
    // CQ lands in slots 15 and 0 of a 16-slot one. The reader takes its second half from
    // slot 0 rather than handing it out as a completion of its own.
    let mut ring = resizable_mixed(32);
    move_head(&mut ring, 100..115);
    assert_eq!(ring.completion().local_head() & 31, 15);
    push(&mut ring, 1, true);
    push(&mut ring, 2, false);
    ring.submit_and_wait(2).unwrap();
    ring.resize(4, Some(16), false).unwrap();
    let mut got = Vec::new();
    assert_eq!(ring.completion().reap32(u32::MAX, |c| got.push(c)), 2, "{got:?}");
    check(&got[0], 1, true);
    check(&got[1], 2, false);
}
