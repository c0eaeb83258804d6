//! `CQE_MIXED` rings (6.18) on the real kernel and on the sim, in threads mode and in step
//! mode, with the same observations: 16- and 32-byte NOP completions across many wraps,
//! the filler before a 32-byte completion that would start in the last slot, and NODROP
//! overflow with 32-byte completions in the backlog, then flushed. Also the 32-byte NOP's
//! extra words on a `CQE32` ring, and its refusal on a plain ring.
//!
//! The sim's counters start at 0 and at `u32::MAX - 7`: a multiple of every CQ size used
//! here below the wrap, so the fillers fall where the kernel's (counters from 0) do, and
//! every scenario crosses the u32 wrap.
#![cfg(not(loom))]

mod common;

use common::{Harness, Ret, RingCfg, SimHarness};
use ring_core::abi::{cqe_flags, setup, sq_flags, Cqe32};
use ring_core::opcode::Nop;
use ring_core::Errno;
use ring_kernel_sim::Mode;

/// Where the sim's counters start (see the module doc).
const STARTS: [u32; 2] = [0, u32::MAX - 7];

/// Runs `f` on a simulated ring for `cfg` in `mode`, counters from `start`.
fn run_sim_in<T>(
    cfg: &RingCfg,
    mode: Mode,
    start: u32,
    f: impl FnOnce(&mut SimHarness<'_>) -> T,
) -> T {
    let sim = cfg.sim_builder().mode(mode).start_counters_at(start).build().expect("sim setup");
    let threads = sim.start();
    let out = {
        let q = sim.queues().expect("sim queues");
        let mut h = SimHarness { sim: &sim, q };
        f(&mut h)
    };
    threads.join();
    out
}

/// Runs a scenario on the kernel and on the sim (threads and step mode, each counter start),
/// asserts every observation equals the kernel's, and returns the kernel's.
macro_rules! on_all {
    ($cfg:expr, $scenario:path) => {{
        let cfg: RingCfg = $cfg;
        let kernel = common::run_real(&cfg, |h| $scenario(h));
        for mode in [Mode::Threads, Mode::Step] {
            for start in STARTS {
                let sim = run_sim_in(&cfg, mode, start, |h| $scenario(h));
                assert_eq!(
                    sim,
                    kernel,
                    "{}: the sim ({mode:?}, counters from {start:#x}) and the kernel disagree \
                     (left: sim)",
                    stringify!($scenario)
                );
            }
        }
        kernel
    }};
}

/// A mixed ring: `sq` SQ entries, `cq` CQ slots.
const fn mixed(sq: u32, cq: u32) -> RingCfg {
    RingCfg::new(sq).cq(cq).flags(setup::CQE_MIXED)
}

/// The extra words a 32-byte NOP with this user_data carries.
fn words(ud: u64) -> [u64; 2] {
    [0x1111_0000_0000 + ud, 0xffff_2222_0000_0000 | ud]
}

/// A NOP, 32 bytes (IORING_NOP_CQE32, extra words [`words`]) when `big`.
fn push<H: Harness>(h: &mut H, ud: u64, big: bool) {
    let nop = Nop::new().cqe32(big.then(|| words(ud))).build().user_data(ud);
    h.push(&nop).unwrap_or_else(|e| panic!("push of NOP {ud}: {e}"));
}

/// One completion as seen: (user_data, res, flags, extra words).
type Seen = (u64, i32, u32, [u64; 2]);

fn seen(c: &Cqe32) -> Seen {
    (c.cqe.user_data, c.cqe.res, c.cqe.flags, c.big_cqe)
}

/// What a NOP pushed by [`push`] must complete with on a mixed ring.
fn want(ud: u64, big: bool) -> Seen {
    if big {
        (ud, 0, cqe_flags::F_32, words(ud))
    } else {
        (ud, 0, 0, [0, 0])
    }
}

/// Reaps every ready completion with its extra words.
fn reap32<H: Harness>(h: &mut H) -> Vec<Seen> {
    let mut out = Vec::new();
    h.parts().1.reap32(u32::MAX, |c| out.push(seen(&c)));
    out
}

/// A small deterministic generator, so a failure names a reproducible sequence.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
}

const ROUNDS: u64 = 300;

/// The NOPs of each round of [`wraps_scenario`]: (user_data, 32 bytes).
fn wrap_rounds() -> Vec<Vec<(u64, bool)>> {
    let mut rng = Lcg(11);
    let mut ud = 1;
    (0..ROUNDS)
        .map(|_| {
            let k = 1 + rng.next() % 4;
            (0..k)
                .map(|_| {
                    ud += 1;
                    (ud - 1, rng.next() % 2 == 0)
                })
                .collect()
        })
        .collect()
}

#[derive(Debug, PartialEq)]
struct WrapRound {
    submit: Ret,
    ready: u32,
    got: Vec<Seen>,
    /// Slots the round released (fillers included).
    slots: u32,
}

/// Rounds of 1–4 NOPs of random sizes on an 8-slot CQ, read in turn with peek32 and
/// advance, reap32 in two calls, batch then reap32, and one reap32 bounded by the count.
fn wraps_scenario<H: Harness>(h: &mut H) -> Vec<WrapRound> {
    let mut out = Vec::new();
    for (round, nops) in wrap_rounds().into_iter().enumerate() {
        for &(ud, big) in &nops {
            push(h, ud, big);
        }
        let k = nops.len() as u32;
        let submit = h.submit_and_wait(k);
        let (_, mut cq, _) = h.parts();
        let head = cq.local_head();
        let ready = cq.ready();
        let mut got = Vec::new();
        match round % 4 {
            0 => {
                while let Some(c) = cq.peek32() {
                    got.push(seen(&c));
                    cq.advance(1).unwrap();
                }
            }
            1 => {
                cq.reap32(1, |c| got.push(seen(&c)));
                cq.reap32(u32::MAX, |c| got.push(seen(&c)));
            }
            2 => {
                let uds: Vec<u64> = cq.batch().map(|c| c.user_data).collect();
                cq.reap32(u32::MAX, |c| got.push(seen(&c)));
                assert_eq!(uds, got.iter().map(|s| s.0).collect::<Vec<_>>());
            }
            _ => {
                cq.reap32(k, |c| got.push(seen(&c)));
            }
        }
        let slots = cq.local_head().wrapping_sub(head);
        out.push(WrapRound { submit, ready, got, slots });
    }
    out
}

#[test]
fn mixed_sizes_across_wraps() {
    let obs = on_all!(mixed(4, 8), wraps_scenario);
    // The expected observation: the kernel's placement rule, counters aligned to the ring.
    let (mut tail, mut fillers) = (0u32, 0);
    let want_rounds: Vec<WrapRound> = wrap_rounds()
        .into_iter()
        .map(|nops| {
            let before = tail;
            for &(_, big) in &nops {
                if big && tail % 8 == 7 {
                    tail += 1;
                    fillers += 1;
                }
                tail += if big { 2 } else { 1 };
            }
            let k = nops.len() as u32;
            let got = nops.iter().map(|&(ud, big)| want(ud, big)).collect();
            WrapRound { submit: Ok(k), ready: k, got, slots: tail - before }
        })
        .collect();
    assert!(tail > 8 * 50 && fillers > 20, "{tail} slots, {fillers} fillers");
    assert_eq!(obs, want_rounds);
}

#[derive(Debug, PartialEq)]
struct FillerObs {
    slot: u32,
    ready: u32,
    peeked: Option<Seen>,
    /// Slots released by the peek (the filler).
    after_peek: u32,
    next: Option<Seen>,
    slots: u32,
}

/// Seven small NOPs take slots 0–6; the next 32-byte one gets a filler in slot 7 and lands
/// in slots 0–1. peek32 releases the filler alone.
fn filler_scenario<H: Harness>(h: &mut H) -> FillerObs {
    for ud in 1..=7 {
        push(h, ud, false);
    }
    h.submit_and_wait(7).unwrap();
    assert_eq!(h.reap().len(), 7);
    push(h, 8, true);
    push(h, 9, false);
    h.submit_and_wait(2).unwrap();
    let (_, mut cq, _) = h.parts();
    let head = cq.local_head();
    let ready = cq.ready();
    let peeked = cq.peek32().map(|c| seen(&c));
    let after_peek = cq.local_head().wrapping_sub(head);
    cq.advance(1).unwrap();
    let next = cq.peek32().map(|c| seen(&c));
    cq.advance(1).unwrap();
    let slots = cq.local_head().wrapping_sub(head);
    FillerObs { slot: head & 7, ready, peeked, after_peek, next, slots }
}

#[test]
fn mixed_filler_before_the_wrap() {
    let obs = on_all!(mixed(8, 8), filler_scenario);
    assert_eq!(
        obs,
        FillerObs {
            slot: 7,
            ready: 2,
            peeked: Some(want(8, true)),
            after_peek: 1,
            next: Some(want(9, false)),
            slots: 4,
        }
    );
}

#[derive(Debug, PartialEq)]
struct OverflowObs {
    submits: Vec<Ret>,
    /// After submitting: (ready, CQ_OVERFLOW set, overflow counter, needs_flush).
    overflowed: (u32, bool, u32, bool),
    /// Per round: what was reaped, then the flush's result.
    rounds: Vec<(Vec<Seen>, Ret)>,
    /// At the end: (CQ_OVERFLOW set, overflow counter).
    end: (bool, u32),
}

/// Eight 32-byte NOPs on a four-slot CQ: two fit, six wait in the backlog (NODROP); each
/// GETEVENTS flush moves in two more, in order.
fn overflow_scenario<H: Harness>(h: &mut H) -> OverflowObs {
    let mut submits = Vec::new();
    for round in 0..2u64 {
        for i in 0..4 {
            push(h, round * 4 + i + 1, true);
        }
        submits.push(h.submit());
    }
    let overflowed = {
        let (sq, mut cq, _) = h.parts();
        (cq.ready(), sq.flags() & sq_flags::CQ_OVERFLOW != 0, cq.overflow(), cq.needs_flush())
    };
    let mut rounds = Vec::new();
    for _ in 0..5 {
        let got = reap32(h);
        rounds.push((got, h.flush()));
    }
    let end = (h.sq_flags() & sq_flags::CQ_OVERFLOW != 0, h.parts().1.overflow());
    OverflowObs { submits, overflowed, rounds, end }
}

#[test]
fn mixed_overflow_then_flush() {
    let obs = on_all!(mixed(4, 4), overflow_scenario);
    let pair = |a: u64| vec![want(a, true), want(a + 1, true)];
    assert_eq!(
        obs,
        OverflowObs {
            submits: vec![Ok(4), Ok(4)],
            overflowed: (2, true, 0, true),
            rounds: vec![
                (pair(1), Ok(2)),
                (pair(3), Ok(2)),
                (pair(5), Ok(2)),
                (pair(7), Ok(0)),
                (vec![], Ok(0)),
            ],
            end: (false, 0),
        }
    );
}

#[derive(Debug, PartialEq)]
struct FillerOverflowObs {
    /// After the 32-byte NOP: (ready, CQ_OVERFLOW set).
    parked: (u32, bool),
    first: Vec<Seen>,
    flush: Ret,
    second: Vec<Seen>,
    /// Slots released in all (the filler included).
    slots: u32,
}

/// A 32-byte completion that would start in the last slot of a nearly full ring: the
/// kernel posts the filler (the slot is free), finds no two free slots after it, and parks
/// the completion in the backlog; the flush posts it from slot 0.
fn filler_overflow_scenario<H: Harness>(h: &mut H) -> FillerOverflowObs {
    let head = h.parts().1.local_head();
    for ud in 1..=3 {
        push(h, ud, false);
    }
    h.submit().unwrap();
    push(h, 4, true);
    h.submit().unwrap();
    let parked = {
        let (sq, mut cq, _) = h.parts();
        (cq.ready(), sq.flags() & sq_flags::CQ_OVERFLOW != 0)
    };
    let first = reap32(h);
    let flush = h.flush();
    let second = reap32(h);
    let slots = h.parts().1.local_head().wrapping_sub(head);
    FillerOverflowObs { parked, first, flush, second, slots }
}

#[test]
fn mixed_filler_then_overflow() {
    let obs = on_all!(mixed(4, 4), filler_overflow_scenario);
    assert_eq!(
        obs,
        FillerOverflowObs {
            parked: (3, true),
            first: (1..=3).map(|ud| want(ud, false)).collect(),
            flush: Ok(1),
            second: vec![want(4, true)],
            slots: 6,
        }
    );
}

#[derive(Debug, PartialEq)]
struct OvertakeObs {
    ring: Vec<Seen>,
    overflow_flag: bool,
    flushed: Vec<Seen>,
}

/// A 32-byte completion that finds one free slot left in the kernel's cached range (not at
/// the wrap) goes to the backlog; a 16-byte one posted after it still takes that slot, as
/// 6.18's `io_get_cqe` posts into its cached range without looking at the backlog. So it
/// overtakes the parked 32-byte completion.
fn overtake_scenario<H: Harness>(h: &mut H) -> OvertakeObs {
    let one = |h: &mut H, ud: u64, big: bool| {
        push(h, ud, big);
        h.submit().unwrap();
    };
    one(h, 1, false);
    one(h, 2, false);
    one(h, 3, true);
    let mut first = Vec::new();
    h.parts().1.reap32(2, |c| first.push(seen(&c)));
    assert_eq!(first, vec![want(1, false), want(2, false)]);
    one(h, 4, false);
    one(h, 5, true);
    one(h, 6, false);
    let ring = reap32(h);
    let overflow_flag = h.sq_flags() & sq_flags::CQ_OVERFLOW != 0;
    h.flush().unwrap();
    let flushed = reap32(h);
    OvertakeObs { ring, overflow_flag, flushed }
}

#[test]
fn mixed_small_completion_overtakes_a_parked_big_one() {
    let obs = on_all!(mixed(4, 4), overtake_scenario);
    assert_eq!(
        obs,
        OvertakeObs {
            ring: vec![want(3, true), want(4, false), want(6, false)],
            overflow_flag: true,
            flushed: vec![want(5, true)],
        }
    );
}

/// On a CQE32 ring every CQE is 32 bytes: the 32-byte NOP's extra words arrive (without
/// F_32), other CQEs carry zero words.
fn cqe32_ring_scenario<H: Harness>(h: &mut H) -> Vec<Seen> {
    let mut got = Vec::new();
    for round in 0..6u64 {
        for i in 0..3 {
            let ud = round * 3 + i;
            push(h, ud, (ud % 3) != 1);
        }
        h.submit_and_wait(3).unwrap();
        got.extend(reap32(h));
    }
    got
}

#[test]
fn nop_cqe32_on_a_cqe32_ring_carries_its_words() {
    let obs = on_all!(RingCfg::new(4).flags(setup::CQE32), cqe32_ring_scenario);
    let want: Vec<Seen> = (0..18u64)
        .map(|ud| if ud % 3 != 1 { (ud, 0, 0, words(ud)) } else { (ud, 0, 0, [0, 0]) })
        .collect();
    assert_eq!(obs, want);
}

/// On a ring with 16-byte CQEs only, a 32-byte NOP fails to initialise (EINVAL), which
/// ends the batch; the NOP behind it is submitted by the next enter.
fn plain_ring_scenario<H: Harness>(h: &mut H) -> [(Ret, common::Cqes); 2] {
    push(h, 1, true);
    push(h, 2, false);
    let first = h.submit();
    let a = common::ud_res(&h.reap());
    let second = h.submit_and_wait(1);
    [(first, a), (second, common::ud_res(&h.reap()))]
}

#[test]
fn plain_ring_refuses_nop_cqe32() {
    let obs = on_all!(RingCfg::new(4), plain_ring_scenario);
    assert_eq!(obs, [(Ok(1), vec![(1, -Errno::EINVAL.0)]), (Ok(1), vec![(2, 0)])]);
}
