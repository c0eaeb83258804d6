//! proptest strategies for [`Op`] sequences and [`RingCfg`]s, per [`Suite`].
//!
//! Shrinking: a sequence shrinks by dropping steps and by simplifying each step toward the
//! first alternative of its `prop_oneof!` (plain `Nop`s, no flags, small counts), and the ring
//! toward the first of each option (1 entry, default CQ, no SQPOLL, counters from 0).

use proptest::prelude::*;

use crate::cfg::{RingCfg, Taskrun};
use crate::op::{Flags, KernelOp, Kind, Op};

/// Which kernel a sequence is meant for: it decides which rings and steps make sense.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    /// The simulator in step mode: every configuration, kernel steps interleaved.
    SimStep,
    /// The simulator on threads: every configuration; kernel steps become waits.
    SimThreads,
    /// The real kernel: no SQPOLL, counters from 0, no injected short submits.
    Real,
    /// The same sequence on the simulator's threads and on the real kernel.
    Differential,
}

impl Suite {
    fn real(self) -> bool {
        matches!(self, Suite::Real | Suite::Differential)
    }
}

/// What an SQE does: mostly plain NOPs.
pub fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        6 => Just(Kind::Nop),
        1 => (0u8..133).prop_map(Kind::NopFail),
        1 => Just(Kind::BadOpcode),
    ]
}

/// `IOSQE_*` flags: sometimes ASYNC, sometimes CQE_SKIP_SUCCESS.
pub fn flags() -> impl Strategy<Value = Flags> {
    (prop::bool::weighted(0.25), prop::bool::weighted(0.15))
        .prop_map(|(async_, skip_success)| Flags { async_, skip_success })
}

/// A user-side step.
pub fn user_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (1u8..=4, kind(), flags(), any::<bool>())
            .prop_map(|(n, kind, flags, batch)| Op::Acquire { n, kind, flags, batch }),
        4 => Just(Op::Submit),
        2 => Just(Op::Publish),
        2 => (0u8..=6).prop_map(Op::SubmitAndWait),
        1 => (0u8..=6).prop_map(Op::Wait),
        2 => Just(Op::Peek),
        4 => (1u8..=8).prop_map(Op::Reap),
        2 => (0u8..=4).prop_map(Op::Advance),
        1 => Just(Op::GetEvents),
        1 => Just(Op::Flush),
    ]
}

/// A kernel step.
pub fn kernel_op() -> impl Strategy<Value = KernelOp> {
    prop_oneof![
        Just(KernelOp::Consume),
        Just(KernelOp::Sleep),
        (0u8..4).prop_map(KernelOp::CompleteWorker),
    ]
}

/// One step: user side mostly, kernel steps interleaved.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![3 => user_op(), 1 => kernel_op().prop_map(Op::Kernel)]
}

/// A sequence of 1 to `max_len` steps.
pub fn ops(max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..=max_len)
}

/// A ring for `suite`: 1–8 SQ entries, a CQ of 1× or 2× (so it overflows), SQPOLL or a
/// task-work flavour, an index array or not; on the simulator also counters just below the
/// u32 wrap and short submits.
pub fn ring_cfg(suite: Suite) -> impl Strategy<Value = RingCfg> {
    let entries = prop::sample::select(vec![1u32, 2, 4, 8]);
    let cq_same = any::<bool>();
    let mode = prop_oneof![
        3 => Just((false, Taskrun::None)),
        1 => Just((true, Taskrun::None)),
        1 => Just((false, Taskrun::Coop)),
        1 => Just((false, Taskrun::Defer)),
    ];
    let start = prop_oneof![3 => Just(0u32), 1 => Just(u32::MAX - 2), 1 => Just(u32::MAX - 6)];
    let short = prop_oneof![4 => Just(None), 1 => (1u32..=3).prop_map(Some)];
    (entries, cq_same, mode, any::<bool>(), start, short).prop_map(
        move |(entries, cq_same, (sqpoll, taskrun), sq_array, start, short_submit)| {
            let cfg = RingCfg {
                entries,
                cq_entries: cq_same.then_some(entries),
                sqpoll,
                taskrun,
                sq_array,
                start,
                short_submit,
            };
            if suite.real() {
                cfg.for_real_kernel()
            } else {
                cfg
            }
        },
    )
}

/// The default longest sequence per suite.
pub fn max_len(suite: Suite) -> usize {
    match suite {
        Suite::SimStep => 48,
        Suite::SimThreads | Suite::Real | Suite::Differential => 32,
    }
}

/// A ring and a sequence for `suite`.
pub fn case(suite: Suite) -> impl Strategy<Value = (RingCfg, Vec<Op>)> {
    (ring_cfg(suite), ops(max_len(suite)))
}
