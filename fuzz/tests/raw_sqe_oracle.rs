//! The `raw_sqe` fuzz target judges the simulator with `RawRules`, an independent statement
//! of 6.18's SQE rules (fuzz/src/sqe_rules.rs). This test holds both against the real
//! kernel: a grid and a proptest set of safe SQEs (NOP with any `op_flags`, `len`, SQE
//! flags, CQE_SKIP_SUCCESS, link chains with injected results; opcodes past
//! `IORING_OP_LAST`) go to a real ring, to a stepped simulated ring and to the rules, and all
//! three must consume the same number of SQEs per submission and post the same
//! `(user_data, res)` multiset, in the same order within each link chain.
//!
//! Never generated: an opcode that touches files, memory or descriptors, the NOP flags FILE
//! and FIXED_BUFFER (they look up descriptors and registered buffers), the simulator's held
//! opcode (not an opcode on the kernel).
#![cfg(target_os = "linux")]

use std::time::Duration;

use fuzz::sqe_rules::{compare, nop_bits, RawRing, RawRules};
use proptest::prelude::*;
use ring_core::abi::{enter, op, setup, sqe_flags, Sqe};
use ring_core::opcode::Entry;
use ring_core::{Enter, Kernel, Ring};
use ring_kernel_sim::{KernelStep, Mode, SimRing, StepOutcome};

/// The ring setups compared.
#[derive(Clone, Copy, Debug)]
enum Setup {
    Plain,
    Coop,
    Defer,
    Cqe32,
}

const SETUPS: [Setup; 4] = [Setup::Plain, Setup::Coop, Setup::Defer, Setup::Cqe32];

impl Setup {
    fn flags(self) -> u32 {
        match self {
            Setup::Plain => 0,
            Setup::Coop => setup::COOP_TASKRUN | setup::TASKRUN_FLAG,
            Setup::Defer => setup::DEFER_TASKRUN | setup::SINGLE_ISSUER,
            Setup::Cqe32 => setup::CQE32,
        }
    }
}

/// A raw SQE as an entry.
fn entry(s: &Sqe) -> Entry {
    assert!(s.opcode == op::NOP || s.opcode >= op::LAST, "unsafe opcode {}", s.opcode);
    assert_ne!(s.opcode, ring_kernel_sim::SIM_OP_HELD, "the held opcode is the sim's own");
    assert_eq!(s.op_flags & (nop_bits::FILE | nop_bits::FIXED_BUFFER), 0, "a lookup");
    // SAFETY: only NOP (no file, buffer or descriptor lookups: checked above) and invalid
    // opcodes, which the kernel refuses before reading any pointer field.
    unsafe { Entry::from_raw(*s) }
}

/// What one ring did with a submission: SQEs consumed per enter, CQEs in arrival order.
#[derive(Debug, Default)]
struct Run {
    consumed: Vec<u32>,
    cqes: Vec<(u64, i32)>,
}

fn on_kernel(setup: Setup, sqes: &[Sqe], expect: usize) -> Run {
    let mut ring = Ring::builder().entries(16).setup_flags(setup.flags()).build().expect("ring");
    let mut run = Run::default();
    for s in sqes {
        ring.submission().push(&entry(s)).expect("room for every SQE");
    }
    let mut left = sqes.len() as u32;
    while left != 0 {
        let n = ring.submit().expect("submit");
        assert!(n != 0 && n <= left, "submit consumed {n} of {left}");
        left -= n;
        run.consumed.push(n);
    }
    // Everything expected, then a short wait for anything more.
    let _ = ring.wait_timeout(expect as u32, Duration::from_millis(500));
    let _ = ring.wait_timeout(expect as u32 + 1, Duration::from_millis(2));
    ring.completion().reap(u32::MAX, |c| run.cqes.push((c.user_data, c.res)));
    run
}

fn on_sim(setup: Setup, sqes: &[Sqe]) -> Run {
    let sim = SimRing::builder()
        .entries(16)
        .setup_flags(setup.flags())
        .mode(Mode::Step)
        .build()
        .expect("sim ring");
    let mut q = sim.queues().expect("queues");
    let mut run = Run::default();
    for s in sqes {
        q.submission().push(&entry(s)).expect("room for every SQE");
    }
    let mut left = sqes.len() as u32;
    while left != 0 {
        let n = q.submission().submit(&*sim).expect("submit");
        assert!(n != 0 && n <= left, "submit consumed {n} of {left}");
        left -= n;
        run.consumed.push(n);
    }
    while let StepOutcome::Completed(_) = sim.step(KernelStep::CompleteWorker(0)) {}
    // GETEVENTS runs deferred task work (DEFER_TASKRUN) and flushes any backlog.
    let getevents = Enter { flags: enter::GETEVENTS, ..Enter::default() };
    assert_eq!(sim.enter(getevents), Ok(0), "GETEVENTS");
    q.completion().reap(u32::MAX, |c| run.cqes.push((c.user_data, c.res)));
    run
}

/// Compares one case on one setup; `Err` describes the disagreement.
fn check(setup: Setup, sqes: &[Sqe]) -> Result<usize, String> {
    let ring = RawRing { cqe32: matches!(setup, Setup::Cqe32), ..RawRing::default() };
    let mut rules = RawRules::new(ring);
    let (mut done, mut consumed, mut chains) = (0, Vec::new(), Vec::new());
    while done < sqes.len() {
        let b = rules.submit(&sqes[done..]);
        done += b.consumed;
        consumed.push(b.consumed as u32);
        chains.extend(b.chains);
    }
    let expect = chains.iter().map(Vec::len).sum();
    let kernel = on_kernel(setup, sqes, expect);
    let sim = on_sim(setup, sqes);
    let case = || format!("{setup:?} {sqes:?}");
    if kernel.consumed != consumed || sim.consumed != consumed {
        return Err(format!(
            "{}: consumed: kernel {:?}, sim {:?}, rules {consumed:?}",
            case(),
            kernel.consumed,
            sim.consumed
        ));
    }
    compare(&kernel.cqes, &chains).map_err(|e| format!("{}: rules vs kernel: {e}", case()))?;
    compare(&sim.cqes, &chains).map_err(|e| format!("{}: rules vs sim: {e}", case()))?;
    Ok(chains.len())
}

fn nop(user_data: u64, flags: u8, op_flags: u32, len: u32) -> Sqe {
    Sqe { user_data, flags, op_flags, len, ..Sqe::ZERO }
}

const INJECT: u32 = nop_bits::INJECT_RESULT;
const LINK: u8 = sqe_flags::IO_LINK;
const HARD: u8 = sqe_flags::IO_HARDLINK;
const SKIP: u8 = sqe_flags::CQE_SKIP_SUCCESS;

/// Safe NOP flag sets: every bit but FILE and FIXED_BUFFER, and unknown ones.
const OP_FLAGS: [u32; 10] = [
    0,
    INJECT,
    nop_bits::FIXED_FILE,
    nop_bits::TW,
    INJECT | nop_bits::TW,
    nop_bits::CQE32,
    INJECT | nop_bits::CQE32 | nop_bits::TW,
    1 << 6,
    1 << 31,
    INJECT | 1 << 9,
];

#[test]
fn the_rules_and_the_sim_agree_with_the_kernel() {
    let mut cases: Vec<Vec<Sqe>> = Vec::new();
    // Lone SQEs: every SQE flag byte with a spread of NOP flags and results, then a NOP
    // after it (a chain when the flags link).
    for flags in 0..=255u8 {
        for (i, &of) in OP_FLAGS.iter().enumerate() {
            let len = [0, 7, -5i32 as u32][i % 3];
            cases.push(vec![nop(1, flags, of, len), nop(2, 0, 0, 0)]);
        }
    }
    // Opcodes past the last, I/O priority and personality on NOP.
    for opcode in [op::LAST, op::LAST + 1, 100, 0xEF, 0xF1, 0xFF] {
        for flags in [0, LINK, SKIP, LINK | SKIP, 0x80] {
            let bad = Sqe { opcode, ..nop(1, flags, 0, 0) };
            cases.push(vec![bad, nop(2, 0, 0, 0)]);
        }
    }
    for (ioprio, personality) in [(1, 0), (0, 1), (0x8000, 7)] {
        let s = Sqe { ioprio, personality, ..nop(1, LINK, 0, 0) };
        cases.push(vec![s, nop(2, 0, 0, 0)]);
    }
    // Pairs and triples of linked NOPs over a small alphabet of members.
    let members: [(u8, u32, u32); 8] = [
        (0, 0, 0),
        (0, INJECT, -5i32 as u32),
        (0, INJECT, 3),
        (SKIP, 0, 0),
        (SKIP, INJECT, -11i32 as u32),
        (sqe_flags::ASYNC, 0, 0),
        (0, nop_bits::TW, 0),
        (0, 1 << 7, 0), // refused at initialisation
    ];
    let links = [0, LINK, HARD, LINK | HARD];
    for &(fa, oa, la) in &members {
        for &ka in &links {
            for &(fb, ob, lb) in &members {
                for &kb in &links {
                    cases.push(vec![nop(1, fa | ka, oa, la), nop(2, fb | kb, ob, lb)]);
                    for &(fc, oc, lc) in &members[..3] {
                        cases.push(vec![
                            nop(1, fa | ka, oa, la),
                            nop(2, fb | kb, ob, lb),
                            nop(3, fc, oc, lc),
                        ]);
                    }
                }
            }
        }
    }
    // The audit's three cases, named.
    cases.push(vec![nop(1, 0, nop_bits::TW, 0)]);
    cases.push(vec![nop(1, LINK, INJECT, -5i32 as u32), nop(2, 0, 0, 0)]);
    cases.push(vec![nop(1, sqe_flags::BUFFER_SELECT, 0, 0)]);
    // CQE_SKIP_SUCCESS turns IO_DRAIN off for the ring's lifetime.
    cases.push(vec![nop(1, SKIP, 0, 0), nop(2, sqe_flags::IO_DRAIN, 0, 0)]);

    let (mut sqes, mut chains, mut runs) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        // The full grid on the plain ring; every fourth case also on the others.
        for &setup in &SETUPS {
            if !matches!(setup, Setup::Plain) && i % 4 != 0 {
                continue;
            }
            runs += 1;
            sqes += case.len();
            match check(setup, case) {
                Ok(n) => chains += n,
                Err(e) => disagreements.push(e),
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
    println!("raw SQE grid: {runs} submissions, {sqes} SQEs, {chains} chains compared (kernel, sim, rules)");
}

/// A member of a generated chain: safe flags and NOP flags only.
fn member() -> impl Strategy<Value = (u8, u32, u32, u16)> {
    let flags = prop::sample::select(vec![
        0,
        LINK,
        HARD,
        SKIP,
        LINK | SKIP,
        HARD | SKIP,
        LINK | sqe_flags::ASYNC,
        sqe_flags::IO_DRAIN,
        LINK | sqe_flags::IO_DRAIN,
        sqe_flags::BUFFER_SELECT | LINK,
        sqe_flags::FIXED_FILE | LINK,
        0x80 | LINK,
    ]);
    let op_flags = prop::sample::select(OP_FLAGS.to_vec());
    let len = prop::sample::select(vec![0, 1, 4096, -5i32 as u32, -125i32 as u32, i32::MIN as u32]);
    // Mostly NOP; sometimes an opcode past the last.
    let opcode = prop::sample::select(vec![0u16, 0, 0, 0, 0, 0, 63, 200]);
    (flags, op_flags, len, opcode)
}

proptest! {
    // A fixed seed keeps CI's run reproducible; `PROPTEST_RNG_SEED=random` explores afresh
    // (where it can meet the divergence recorded in `known_divergence_tw_link_then_async`).
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_chains_agree(members in prop::collection::vec(member(), 1..9), which in 0..4usize) {
        let sqes: Vec<Sqe> = members
            .iter()
            .enumerate()
            .map(|(i, &(flags, of, len, opcode))| Sqe { opcode: opcode as u8, ..nop(i as u64 + 1, flags, of, len) })
            .collect();
        if let Err(e) = check(SETUPS[which], &sqes) {
            return Err(TestCaseError::fail(e));
        }
    }
}

/// Found by the generated suite on a random seed: on a COOP_TASKRUN ring, a NOP completing
/// through task work (IORING_NOP_TW) linked to an IOSQE_ASYNC NOP, the chain left open at the
/// end of the batch. The kernel (and the rules) post 1 then 2: the link is freed in the task
/// work that posts 1's CQE. The simulator queues 1's CQE as task work but issues 2 at once,
/// and an io-wq worker posts 2 first. Kept failing until the simulator continues a chain from
/// its task work (docs/simulator.md, "Known divergence").
#[test]
#[ignore = "known simulator divergence: a chain continued before its task-work CQE is posted"]
fn known_divergence_tw_link_then_async() {
    let sqes = [
        nop(1, sqe_flags::IO_DRAIN | LINK, nop_bits::TW, 0),
        nop(2, sqe_flags::ASYNC | LINK, 0, 0),
    ];
    if let Err(e) = check(Setup::Coop, &sqes) {
        panic!("{e}");
    }
}
