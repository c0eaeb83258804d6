//! Logic faults of historical ring-protocol bugs, re-introducible for verification.
//!
//! Each variant switches one piece of ring-core's logic back to a bug that shipped in a real
//! io_uring library (../shared/reference/historical-bugs.md), so that the model suite can show
//! it catches the bug. A fault is active only when the backend says so through
//! [`Backend::logic_fault`](crate::Backend::logic_fault); its default (and [`Native`]'s) is
//! `false` for every fault, so on real rings the faulty branch is dead code and compiles away.
//!
//! [`Native`]: crate::Native

/// A re-introducible logic bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LogicFault {
    /// H10: `if (wait_nr || sq_ring_needs_enter())` short-circuits: with a wait, the SQPOLL
    /// wakeup check is skipped.
    H10WaitSkipsWakeup,
    /// H11: free SQ space computed from a private head advanced past a short submit,
    /// instead of from the kernel's head.
    H11SpaceFromPrivateHead,
    /// H12: CQ_OVERFLOW / TASKRUN ignored: an empty CQ is taken as "nothing completed".
    H12IgnoreParkedCompletions,
    /// H13: enter skipped when nothing is to be submitted, whatever the CQ side needs.
    H13SkipEnterWhenIdle,
    /// H15: the kernel's acceptance of the call (a feature check) validated only after the
    /// SQ tail was published, so a "failed" submit still runs under SQPOLL.
    H15ValidateAfterPublish,
    /// H19: the SQPOLL wakeup check done before the tail is published.
    H19WakeupBeforePublish,
    /// The Go seed's `head < tail` comparison, which breaks when the u32 counters wrap.
    SeedUnwrappedCompare,
    /// The Go seed looked for CQ_OVERFLOW in the CQ flags word, where the kernel never sets
    /// it, instead of in the SQ flags word: a backlog is never noticed.
    SeedOverflowInCqFlags,
    /// The Go seed's enter to flush parked completions lacked GETEVENTS, so the kernel never
    /// flushed the backlog.
    SeedFlushWithoutGetevents,
}

impl LogicFault {
    /// Every logic fault.
    pub const ALL: &'static [LogicFault] = &[
        LogicFault::H10WaitSkipsWakeup,
        LogicFault::H11SpaceFromPrivateHead,
        LogicFault::H12IgnoreParkedCompletions,
        LogicFault::H13SkipEnterWhenIdle,
        LogicFault::H15ValidateAfterPublish,
        LogicFault::H19WakeupBeforePublish,
        LogicFault::SeedUnwrappedCompare,
        LogicFault::SeedOverflowInCqFlags,
        LogicFault::SeedFlushWithoutGetevents,
    ];

    /// The historical-bug id (`"H10"`), or `"seed"`, `"seed-cqflags"`, `"seed-getevents"`
    /// for the Go seed's three.
    pub const fn id(self) -> &'static str {
        match self {
            LogicFault::H10WaitSkipsWakeup => "H10",
            LogicFault::H11SpaceFromPrivateHead => "H11",
            LogicFault::H12IgnoreParkedCompletions => "H12",
            LogicFault::H13SkipEnterWhenIdle => "H13",
            LogicFault::H15ValidateAfterPublish => "H15",
            LogicFault::H19WakeupBeforePublish => "H19",
            LogicFault::SeedUnwrappedCompare => "seed",
            LogicFault::SeedOverflowInCqFlags => "seed-cqflags",
            LogicFault::SeedFlushWithoutGetevents => "seed-getevents",
        }
    }
}
