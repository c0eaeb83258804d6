//! The bodies of the cargo-fuzz targets (`fuzz/fuzz/fuzz_targets/*.rs` are one line each),
//! kept here so the ordinary workspace build compiles and tests them.
//!
//! | target | input | property |
//! |---|---|---|
//! | `ops` | a ring and an `Op` sequence | the step-mode simulator passes every check of [`crate::driver`] |
//! | `setup_params` | entries and raw `io_uring_params` | `check_params` and `SimRing::builder` never panic; accepted ⇔ valid by 6.18's rules ([`setup_verdict`]), with the geometry those rules give |
//! | `raw_sqe` | up to 16 arbitrary 64-byte SQEs | the simulator never panics; every submission consumes and completes what [`crate::sqe_rules`] (6.18's rules, held against the real kernel) says: each SQE exactly once or not at all, with its result, in order within its link chain |

use arbitrary::{Arbitrary, Unstructured};
use ring_core::abi::{setup, Cqe, Params, Sqe, MAX_CQ_ENTRIES, MAX_ENTRIES};
use ring_core::opcode::Entry;
use ring_core::setup::check_params;
use ring_core::Errno;
use ring_kernel_sim::{KernelStep, Mode, SimRing, StepOutcome};

use crate::cfg::{RingCfg, Taskrun};
use crate::driver::Checks;
use crate::op::Op;
use crate::sqe_rules::{compare, RawRing, RawRules};
use crate::suite;

impl<'a> Arbitrary<'a> for RingCfg {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let entries = 1u32 << u.int_in_range(0..=3)?;
        let cq_same: bool = u.arbitrary()?;
        let sqpoll: bool = u.arbitrary()?;
        let taskrun = if sqpoll { Taskrun::None } else { u.arbitrary()? };
        let start = *u.choose(&[0, u32::MAX - 2, u32::MAX - 6, 1 << 31])?;
        let short_submit = if u.ratio(1, 4)? { Some(u.int_in_range(1..=3)?) } else { None };
        Ok(RingCfg {
            entries,
            cq_entries: cq_same.then_some(entries),
            sqpoll,
            taskrun,
            sq_array: u.arbitrary()?,
            start,
            short_submit,
        })
    }
}

/// The input of the `ops` target.
#[derive(Clone, Debug, Arbitrary)]
pub struct OpsInput {
    /// The ring.
    pub cfg: RingCfg,
    /// The sequence (at most 256 steps are run).
    pub ops: Vec<Op>,
}

/// The `ops` target: the sequence on the step-mode simulator, every check on. Returns the
/// number of steps run (drain included).
///
/// # Panics
///
/// On any violation, with the failure.
pub fn ops(input: &OpsInput) -> usize {
    let ops = &input.ops[..input.ops.len().min(256)];
    match suite::sim_step(&input.cfg, ops, Checks::default()) {
        Ok(r) => r.steps_run,
        Err(f) => panic!("{f}\n  ring: {:?}\n  ops: {ops:?}", input.cfg),
    }
}

/// The input of the `setup_params` target.
#[derive(Clone, Debug, Arbitrary)]
pub struct SetupInput {
    /// `entries` of `io_uring_setup`.
    pub entries: u32,
    /// `flags`.
    pub flags: u32,
    /// `cq_entries` (used with `CQSIZE`).
    pub cq_entries: u32,
    /// `sq_thread_idle`.
    pub sq_thread_idle: u32,
    /// `sq_thread_cpu`.
    pub sq_thread_cpu: u32,
    /// `resv`.
    pub resv: [u32; 3],
    /// Bias toward known flag bits and small sizes (most raw inputs are rejected early).
    pub tame: bool,
}

/// 6.18's verdict on setup input, written from the kernel's rule list (docs/compatibility.md):
/// `Some((sq, cq))` for a valid setup, `None` for a refusal (`EINVAL`, or `EOVERFLOW` for a
/// mixed CQ of one entry). `fuzz/tests/setup_oracle.rs` holds it against the real kernel.
pub fn setup_verdict(entries: u32, p: &Params) -> Option<(u32, u32)> {
    let f = p.flags;
    let has = |bit: u32| f & bit != 0;
    let known = (1u32 << 19) - 1;
    let bad = f & !known != 0
        || p.resv != [0; 3]
        || entries == 0
        || (has(setup::SQPOLL)
            && (has(setup::COOP_TASKRUN) || has(setup::TASKRUN_FLAG) || has(setup::DEFER_TASKRUN)))
        || (has(setup::TASKRUN_FLAG) && !has(setup::COOP_TASKRUN) && !has(setup::DEFER_TASKRUN))
        || (has(setup::DEFER_TASKRUN) && !has(setup::SINGLE_ISSUER))
        || (has(setup::CQE32) && has(setup::CQE_MIXED))
        || (has(setup::SQ_AFF) && !has(setup::SQPOLL))
        || (has(setup::HYBRID_IOPOLL) && !has(setup::IOPOLL))
        || (has(setup::REGISTERED_FD_ONLY) && !has(setup::NO_MMAP));
    if bad {
        return None;
    }
    let clamp = has(setup::CLAMP);
    if entries > MAX_ENTRIES && !clamp {
        return None;
    }
    let sq = entries.min(MAX_ENTRIES).next_power_of_two();
    let cq = if has(setup::CQSIZE) {
        if p.cq_entries == 0 || (p.cq_entries > MAX_CQ_ENTRIES && !clamp) {
            return None;
        }
        let cq = p.cq_entries.min(MAX_CQ_ENTRIES).next_power_of_two();
        if cq < sq {
            return None;
        }
        cq
    } else {
        2 * sq
    };
    // A mixed CQ needs room for a 32-byte CQE (two slots); 6.18 refuses smaller ones
    // (with EOVERFLOW rather than EINVAL).
    if has(setup::CQE_MIXED) && cq < 2 {
        return None;
    }
    Some((sq, cq))
}

/// Setup flags the simulator refuses as not modelled.
const SIM_UNMODELLED: u32 = setup::IOPOLL
    | setup::HYBRID_IOPOLL
    | setup::NO_MMAP
    | setup::REGISTERED_FD_ONLY
    | setup::ATTACH_WQ;

/// The `setup_params` target. Returns whether the input was a valid setup.
///
/// # Panics
///
/// When ring-core's `check_params` or the simulator's builder disagree with
/// [`setup_verdict`], or a ring they accept does not work.
pub fn setup_params(input: &SetupInput) -> bool {
    let mut p = Params {
        flags: input.flags,
        cq_entries: input.cq_entries,
        sq_thread_idle: input.sq_thread_idle,
        sq_thread_cpu: input.sq_thread_cpu,
        resv: input.resv,
        ..Params::default()
    };
    let mut entries = input.entries;
    if input.tame {
        p.flags &= (1 << 19) - 1;
        p.resv = [0; 3];
        entries %= 70_000;
        p.cq_entries %= 140_000;
    }
    let verdict = setup_verdict(entries, &p);
    let checked = check_params(entries, &p);
    match (verdict, checked) {
        (Some((sq, cq)), Ok(g)) => {
            assert_eq!((g.sq_entries, g.cq_entries), (sq, cq), "geometry of {entries} {p:?}");
            assert_eq!(g.sq_array, p.flags & setup::NO_SQARRAY == 0);
            assert_eq!(g.sqe_size, if p.flags & setup::SQE128 != 0 { 128 } else { 64 });
            assert_eq!(g.cqe_size, if p.flags & setup::CQE32 != 0 { 32 } else { 16 });
        }
        (None, Err(_)) => {}
        (v, c) => panic!("setup {entries} {p:?}: the rules say {v:?}, check_params {c:?}"),
    }
    // The simulator's builder: the same verdict (resv is always zero there), or Unsupported
    // for what it does not model. Large rings are skipped to keep executions fast.
    if p.resv == [0; 3] && verdict.is_none_or(|(sq, cq)| sq <= 256 && cq <= 512) {
        let mut b = SimRing::builder().entries(entries).setup_flags(p.flags).mode(Mode::Step);
        if p.flags & setup::CQSIZE != 0 {
            b = b.cq_entries(p.cq_entries);
        }
        let built = b.build();
        match (verdict, &built) {
            (None, Err(_)) => {}
            (Some(_), Err(ring_core::SetupError::Unsupported { .. }))
                if p.flags & SIM_UNMODELLED != 0 => {}
            (Some((sq, cq)), Ok(sim)) => {
                assert_eq!(p.flags & SIM_UNMODELLED, 0, "the sim accepted unmodelled flags");
                let g = sim.geometry();
                assert_eq!((g.sq_entries, g.cq_entries), (sq, cq));
                nop_round_trip(sim, p.flags);
            }
            (v, b) => panic!("sim setup {entries} {p:?}: the rules say {v:?}, the sim {b:?}"),
        }
    }
    verdict.is_some()
}

/// One NOP through a freshly built step-mode ring.
fn nop_round_trip(sim: &SimRing, flags: u32) {
    let mut q = sim.queues().expect("queues of a fresh ring");
    let mut sq = q.submission();
    sq.push(&ring_core::opcode::Nop::new().build().user_data(7)).expect("an empty SQ has room");
    let r = sq.submit(sim);
    if flags & setup::R_DISABLED != 0 {
        // Also with SQPOLL: the parked thread shows NEED_WAKEUP, so the submit enters.
        assert_eq!(r, Err(Errno::EBADFD), "enter on a disabled ring");
        if flags & setup::SQPOLL != 0 {
            assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Asleep);
        }
        return;
    }
    assert_eq!(r, Ok(1));
    if flags & setup::SQPOLL != 0 {
        assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Consumed(1));
    }
    let mut got = Vec::new();
    q.completion().reap(8, |c| got.push((c.user_data, c.res)));
    assert_eq!(got, [(7, 0)]);
}

/// The input of the `raw_sqe` target.
#[derive(Clone, Debug, Arbitrary)]
pub struct RawInput {
    /// SQ entries: `1 << (log2 % 4)`.
    pub log2_entries: u8,
    /// An SQ index array or not.
    pub sq_array: bool,
    /// The SQEs (at most 16 are used). Their `user_data` is replaced by a unique value.
    pub sqes: Vec<[u8; 64]>,
}

/// An SQE from its 64 bytes (native endian, the ABI's field order).
pub fn sqe_from_bytes(b: &[u8; 64]) -> Sqe {
    let u16_at = |i: usize| u16::from_ne_bytes([b[i], b[i + 1]]);
    let u32_at = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let u64_at = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        u64::from_ne_bytes(w)
    };
    Sqe {
        opcode: b[0],
        flags: b[1],
        ioprio: u16_at(2),
        fd: u32_at(4) as i32,
        off: u64_at(8),
        addr: u64_at(16),
        len: u32_at(24),
        op_flags: u32_at(28),
        user_data: u64_at(32),
        buf_index: u16_at(40),
        personality: u16_at(42),
        file_index: u32_at(44),
        addr3: u64_at(48),
        pad2: u64_at(56),
    }
}

/// The `raw_sqe` target. Returns the number of SQEs submitted.
///
/// Every submission is judged by [`RawRules`], an independent statement of 6.18's rules
/// (fuzz/tests/raw_sqe_oracle.rs holds it against the real kernel), not by the simulator's
/// own code.
///
/// # Panics
///
/// When a submission consumes another number of SQEs than the rules say, an SQE completes
/// twice, never, with another result than the rules give, out of order within its link
/// chain, or the simulator panics.
pub fn raw_sqe(input: &RawInput) -> usize {
    let entries = 1u32 << (input.log2_entries % 4);
    let cfg = RingCfg { sq_array: input.sq_array, ..RingCfg::new(entries) };
    let sqes: Vec<Sqe> = input
        .sqes
        .iter()
        .take(16)
        .enumerate()
        .map(|(i, b)| Sqe { user_data: i as u64 + 1, ..sqe_from_bytes(b) })
        .collect();
    let sim = cfg.sim_builder(Mode::Step).build().expect("a plain simulated ring");
    let mut q = sim.queues().expect("queues of a fresh ring");
    let mut rules = RawRules::new(RawRing { sim_held: true, ..RawRing::default() });
    let mut expected = Vec::new();
    let mut seen = Vec::new();
    let (mut next, mut done) = (0, 0);
    let mut rounds = 0;
    let mut record = |c: Cqe| seen.push((c.user_data, c.res));
    while next < sqes.len()
        || q.submission().pending() != 0
        || !sim.worker_queue().is_empty()
        || !sim.held().is_empty()
    {
        rounds += 1;
        assert!(rounds < 1000, "no progress: {} of {} pushed", next, sqes.len());
        let mut sq = q.submission();
        while next < sqes.len() {
            // SAFETY: the simulator performs only NOP and its held operation and reads no
            // pointer of any SQE (every other opcode completes with EOPNOTSUPP untouched),
            // so arbitrary pointer fields are never dereferenced.
            let e = unsafe { Entry::from_raw(sqes[next]) };
            if sq.push(&e).is_err() {
                break;
            }
            next += 1;
        }
        if done < next {
            let batch = rules.submit(&sqes[done..next]);
            let r = sq.submit(&*sim);
            assert_eq!(r, Ok(batch.consumed as u32), "SQEs consumed of {:?}", &sqes[done..next]);
            done += batch.consumed;
            expected.extend(batch.chains);
        }
        while let StepOutcome::Completed(_) = sim.step(KernelStep::CompleteWorker(0)) {}
        while let StepOutcome::Completed(_) = sim.step(KernelStep::ReleaseHeld(0)) {}
        let _ = q.completion().flush(&*sim);
        q.completion().reap(u32::MAX, &mut record);
    }
    let _ = q.completion().flush(&*sim);
    q.completion().reap(u32::MAX, &mut record);
    assert_eq!(sim.stats().consumed, sqes.len() as u64, "SQEs consumed");
    if let Err(e) = compare(&seen, &expected) {
        panic!("{e}\n  SQEs: {sqes:?}");
    }
    sqes.len()
}
