//! The loom model suite: one file per property, each at most 4 threads, rings of 2–4
//! entries (every model that needs a slot reused sends enough operations to wrap its ring).
//! Every model runs ring-core's user side against ring-kernel-sim.

pub mod batch_wrap;
pub mod common;
pub mod cq_consumption;
pub mod cq_mixed;
pub mod h7_plain_head;
pub mod iowq_overflow;
pub mod short_submit;
pub mod sq_slot_reuse;
pub mod sqe_publication;
pub mod sqpoll_wakeup;
pub mod submitter_reaper;
pub mod task_work;
pub mod u32_wrap;
pub mod validate_before_publish;

/// A model: its name, what it checks, and its body.
pub struct Model {
    /// Short name (the file name).
    pub name: &'static str,
    /// The property.
    pub property: &'static str,
    /// Runs one execution (inside `loom::model`).
    pub body: fn(),
}

/// Every model, in report order.
pub const ALL: &[Model] = &[
    Model {
        name: "sqe_publication",
        property: "SQEs are read by the SQPOLL thread only after they are written and published",
        body: sqe_publication::model,
    },
    Model {
        name: "sq_slot_reuse",
        property: "an SQ slot is rewritten only after the SQPOLL thread released it",
        body: sq_slot_reuse::model,
    },
    Model {
        name: "cq_consumption",
        property: "CQEs are read only after the tail published them; CQ slots are reused only after the head released them",
        body: cq_consumption::model,
    },
    Model {
        name: "cq_mixed",
        property: "a CQE_MIXED CQ: 16- and 32-byte completions and a filler at the wrap, each read once, extra words intact, slots reused only after release",
        body: cq_mixed::model,
    },
    Model {
        name: "sqpoll_wakeup",
        property: "no lost wakeup of a sleeping SQPOLL thread, including submit_and_wait",
        body: sqpoll_wakeup::model,
    },
    Model {
        name: "iowq_overflow",
        property: "out-of-order io-wq completions with CQ overflow: each exactly once, order per source kept",
        body: iowq_overflow::model,
    },
    Model {
        name: "task_work",
        property: "DEFER_TASKRUN completions are flushed when TASKRUN says so, exactly once",
        body: task_work::model,
    },
    Model {
        name: "short_submit",
        property: "short submits leave entries pending, resubmitted, never overwritten",
        body: short_submit::model,
    },
    Model {
        name: "short_submit_sqpoll",
        property: "the SQPOLL thread consumes one SQE per poll: the pending entry is never overwritten",
        body: short_submit::model_sqpoll,
    },
    Model {
        name: "u32_wrap",
        property: "submission and completion across the u32 wrap of every counter",
        body: u32_wrap::model,
    },
    Model {
        name: "validate_before_publish",
        property: "a refused submit publishes nothing: discard and retry runs the operation once",
        body: validate_before_publish::model,
    },
    Model {
        name: "submitter_reaper",
        property: "a submitter thread and a reaper thread sharing one ring",
        body: submitter_reaper::model,
    },
    Model {
        name: "batch_wrap",
        property: "batch acquisition across the array wrap and the u32 wrap on a 4-entry SQPOLL ring",
        body: batch_wrap::model,
    },
];

/// Models that re-enact a historical bug the shipped code cannot contain (the catalogue's
/// `Repro::Reenacted`): each bug model must fail, its control must pass. Not in the suite.
pub const BUG_MODELS: &[Model] = &[
    Model {
        name: "h7_plain_head",
        property: "H7: the SQPOLL thread's SQ head read as plain memory (must fail)",
        body: h7_plain_head::model,
    },
    Model {
        name: "h7_atomic_head",
        property: "H7's control: the same head read with an Acquire load (must pass)",
        body: h7_plain_head::model_atomic,
    },
];

/// A model of the suite or of [`BUG_MODELS`] by name.
pub fn by_name(name: &str) -> Option<&'static Model> {
    ALL.iter().chain(BUG_MODELS).find(|m| m.name == name)
}
