//! The loom model suite: one file per property, each at most 4 threads, rings of 1–2
//! entries. Every model runs ring-core's user side against ring-kernel-sim.

pub mod common;
pub mod cq_consumption;
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
];
