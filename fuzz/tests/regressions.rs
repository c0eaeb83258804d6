//! Shrunk sequences that once failed (a bug in ring-core, the simulator, or this crate's
//! model), kept as readable scripts and replayed on every run, on every target they fit.
//! proptest's seed files (`fuzz/regressions/*.txt`) replay the generated cases too, but a
//! seed stops meaning the same case once a strategy changes; these do not.
#![cfg(not(loom))]

use fuzz::suite::{real, sim_step, sim_threads};
use fuzz::{Checks, Flags, KernelOp, Kind, Op, RingCfg, Taskrun};

const NOP: Flags = Flags { async_: false, skip_success: false };
const SKIP: Flags = Flags { async_: false, skip_success: true };

fn acquire(n: u8, kind: Kind, flags: Flags) -> Op {
    Op::Acquire { n, kind, flags, batch: false }
}

/// Runs `ops` on every target `cfg` fits; panics with the failure.
fn replay(cfg: RingCfg, ops: &[Op]) {
    sim_step(&cfg, ops, Checks::default()).unwrap_or_else(|f| panic!("{f}"));
    sim_threads(&cfg, ops, Checks::default()).unwrap_or_else(|f| panic!("{f}"));
    if cfg.is_real_compatible() {
        real(&cfg, ops, Checks::default()).unwrap_or_else(|f| panic!("{f}"));
    }
}

/// Model bug: the drain flushed an overflow backlog into a CQ it had not reaped first.
#[test]
fn backlog_behind_a_full_cq() {
    let cfg = RingCfg { cq_entries: Some(1), taskrun: Taskrun::Coop, ..RingCfg::new(1) };
    replay(cfg, &[acquire(1, Kind::Nop, NOP), Op::Submit, acquire(1, Kind::Nop, NOP)]);
}

/// Model bug: under SQPOLL a Publish without a submit need not wake a sleeping thread, so a
/// wait may not count those entries as certain to complete.
#[test]
fn sqpoll_publish_without_submit() {
    let cfg = RingCfg {
        entries: 8,
        sqpoll: true,
        sq_array: true,
        start: 0xffff_fff9,
        ..RingCfg::default()
    };
    replay(
        cfg,
        &[
            Op::Kernel(KernelOp::Sleep),
            acquire(1, Kind::BadOpcode, NOP),
            acquire(2, Kind::Nop, SKIP),
            Op::Publish,
            Op::Wait(3),
            Op::Submit,
            Op::Wait(1),
        ],
    );
}

/// H11's shrunk sequences (fuzz/tests/seeded_faults.rs) pass on the correct ring-core.
#[test]
fn h11_sequences_pass_without_the_fault() {
    replay(RingCfg::new(1), &[acquire(1, Kind::Nop, NOP), Op::Publish]);
    replay(RingCfg { sqpoll: true, ..RingCfg::new(1) }, &[acquire(1, Kind::Nop, NOP)]);
    replay(
        RingCfg::new(2),
        &[acquire(2, Kind::BadOpcode, NOP), Op::Submit, acquire(2, Kind::Nop, NOP)],
    );
    replay(RingCfg { short_submit: Some(1), ..RingCfg::new(2) }, &[acquire(2, Kind::Nop, NOP)]);
}
