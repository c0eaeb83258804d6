//! # ring-core
//!
//! The user side of the io_uring shared-memory protocol, written once, `no_std`, generic over
//! an atomic [`Backend`]: the same head/tail acquire/release code runs on the kernel's mmap'd
//! rings ([`Native`], feature `linux`) and against a simulated kernel under loom
//! (`ring-kernel-sim`).
//!
//! ```
//! # #[cfg(feature = "linux")] {
//! use ring_core::{opcode::Nop, Ring};
//!
//! let mut ring = Ring::new(8)?;
//! ring.submission().push(&Nop::new().build().user_data(42)).unwrap();
//! ring.submit_and_wait(1)?;
//! let cqe = ring.completion().peek().unwrap();
//! assert_eq!((cqe.user_data, cqe.res), (42, 0));
//! ring.completion().advance(1).unwrap();
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Map
//!
//! | module | holds |
//! |---|---|
//! | [`abi`] | the 6.18 constants and `#[repr(C)]` structs |
//! | [`backend`] | [`Backend`], [`Word`], [`SlotCell`]; [`Native`] |
//! | [`site`] | the ordering sites and their default orderings |
//! | [`memory`] | borrowed ring memory, validated |
//! | [`sq`] / [`cq`] | the two queues |
//! | [`submit`] | the enter decision; submit and wait over any [`Kernel`] |
//! | [`queues`] | one ring's queues plus the user's private state |
//! | [`kernel`] / [`errno`] | the kernel seam and its error type |
//! | [`fault`] | historical logic bugs, re-introducible by a verification backend |
//! | [`setup`] | parameter validation, sizes, features |
//! | [`opcode`] | the 63 opcode builders of 6.18, from one table |
//! | [`probe`] | kernel versions of every flag and opcode; [`probe::Probe`]; `Unsupported` |
//! | `ring` (feature `linux`) | [`Ring`]: the real kernel's ring (every setup flag, registration, resize) |
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `std` | yes | `std::error::Error` for the error types; nothing else needs std |
//! | `linux` | yes | [`Ring`], [`Builder`], [`Submitter`]: the real ring through libc (Linux only) |
//!
//! With `default-features = false` the crate is `no_std` with no dependencies: the queues,
//! the enter decision, setup validation and the opcode builders, over a [`Backend`] and a
//! [`Kernel`] that the embedding crate supplies (it builds for `thumbv6m-none-eabi`, which has
//! 32-bit loads and stores but no compare-and-swap: the protocol needs none).
//!
//! ## Minimum supported Rust version
//!
//! 1.85, checked in CI (`cargo +1.85 test -p ring-core -p ring-kernel-sim`).
#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod abi;
#[allow(unsafe_code)]
pub mod backend;
#[allow(unsafe_code)]
pub mod cq;
pub mod errno;
pub mod fault;
#[allow(unsafe_code)]
pub mod kernel;
pub mod memory;
#[allow(unsafe_code)]
pub mod opcode;
pub mod probe;
#[allow(unsafe_code)]
pub mod queues;
pub mod setup;
pub mod site;
#[allow(unsafe_code)]
pub mod sq;
pub mod submit;

#[cfg(feature = "linux")]
#[allow(unsafe_code)]
pub mod ring;
#[cfg(feature = "linux")]
#[allow(unsafe_code)]
mod sys;

pub use backend::{Backend, Native, NativeCell, SlotCell, Word};
pub use cq::{AdvanceError, CompletionQueue};
pub use errno::Errno;
pub use kernel::{Enter, EnterArg, Kernel};
pub use queues::Queues;
pub use setup::SetupError;
pub use site::Site;
pub use sq::{PushError, SqFull, SubmissionQueue};

#[cfg(feature = "linux")]
pub use ring::{Builder, HugePages, MemoryInfo, Ring, RingError, Submitter};

#[cfg(test)]
#[allow(unsafe_code)]
mod tests;
