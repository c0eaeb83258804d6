//! # ring-kernel-sim
//!
//! The kernel side of the io_uring protocol, simulated over the same `Backend` and the same
//! ring memory as ring-core, so that loom can check ring-core (and code built on it) against
//! a kernel that behaves like Linux 6.18: inline submission, the SQPOLL thread and its
//! NEED_WAKEUP handshake, io-wq workers completing out of order, task work
//! (COOP_TASKRUN / DEFER_TASKRUN), and CQ overflow with a backlog.
//!
//! It runs three ways:
//! - under loom (`RUSTFLAGS="--cfg loom"`): kernel threads are loom threads and every wait
//!   blocks, so a lost wakeup is a deadlock loom reports;
//! - on std threads (the default build; also under Miri);
//! - in [`Mode::Step`]: no threads, each kernel action an explicit [`KernelStep`].
//!
//! ```
//! use ring_core::opcode::Nop;
//! use ring_kernel_sim::{Mode, SimRing};
//!
//! // A simulated SQPOLL ring on std threads.
//! let sim = SimRing::builder().entries(4).sqpoll().mode(Mode::Threads).build().unwrap();
//! let threads = sim.start();
//! {
//!     let mut q = sim.queues().unwrap();
//!     q.submission().push(&Nop::new().build().user_data(1)).unwrap();
//!     q.submission().submit_and_wait(&*sim, 1).unwrap();
//!     assert_eq!(q.completion().peek().unwrap().user_data, 1);
//! }
//! threads.join();
//! ```
//!
//! What the simulator models, what it does not and why, and a complete downstream loom test:
//! docs/simulator.md.
//!
//! | module | holds |
//! |---|---|
//! | `ring` | [`SimRing`], its builder and kernel state |
//! | `backend` | [`Sim`]: ring-core's backend over loom or std objects |
//! | `mutation` | kernel-side ordering sites ([`KSite`]) and one-site weakening ([`Mutant`]) |
//! | `submit` | SQE consumption (`io_submit_sqes`) |
//! | `cq_post` | CQ posting, overflow backlog, task work, GETEVENTS waits |
//! | `sqpoll` / `iowq` | the SQPOLL thread and the io-wq workers |
//! | `enter` | `io_uring_enter` / `register` semantics: the `Kernel` implementation |
//! | `step` / `threads` | the two ways to run the kernel side |
#![deny(missing_docs)]
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod backend;
mod config;
pub(crate) mod cq_post;
#[allow(unsafe_code)]
mod enter;
mod iowq;
mod memory;
mod mutation;
#[allow(unsafe_code)]
mod ring;
mod sqpoll;
mod step;
mod submit;
mod sync;
mod threads;

pub use backend::{Sim, SimCell, SimWord};
pub use config::{EnterFault, FaultPoint, Faults, Idle, Mode};
pub use mutation::{
    active as active_mutant, active_logic_fault, with_logic_fault, with_mutant, AnySite, KSite,
    Mutant,
};
pub use ring::{SimBuilder, SimError, SimRing, SimStats};
pub use ring_core::fault::LogicFault;
pub use step::{KernelStep, StepOutcome};
pub use submit::SIM_OP_HELD;
pub use threads::KernelThreads;

/// The user side of a simulated ring: ring-core's queues over the simulator's backend.
pub type SimQueues<'a> = ring_core::Queues<'a, Sim>;

/// An entry for the simulator's held operation: it completes (through io-wq's completion
/// path) only when the scenario calls [`SimRing::release_held`] or steps
/// [`KernelStep::ReleaseHeld`].
///
/// ```
/// use ring_kernel_sim::{held_op, Mode, SimRing};
///
/// let sim = SimRing::builder().entries(4).mode(Mode::Step).build().unwrap();
/// let mut q = sim.queues().unwrap();
/// q.submission().push(&held_op(7)).unwrap();
/// q.submission().submit(&*sim).unwrap();
/// assert!(q.completion().peek().is_none()); // in flight until the scenario says so
/// assert!(sim.release_held(7, -125)); // complete it with -ECANCELED
/// let cqe = q.completion().peek().unwrap();
/// assert_eq!((cqe.user_data, cqe.res), (7, -125));
/// ```
pub fn held_op(user_data: u64) -> ring_core::opcode::Entry {
    let sqe = ring_core::abi::Sqe { opcode: SIM_OP_HELD, fd: -1, user_data, ..Default::default() };
    // SAFETY: the held operation carries no pointers; the simulator reads only its opcode,
    // flags and user_data.
    #[allow(unsafe_code)]
    unsafe {
        ring_core::opcode::Entry::from_raw(sqe)
    }
}
