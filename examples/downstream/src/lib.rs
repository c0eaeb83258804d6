//! # downstream
//!
//! A crate built on ring-core from outside its workspace, as a new user writes one. It embeds
//! the io_uring protocol in a `no_std` program with its own atomic backend and its own kernel,
//! and has one submit/reap loop, generic over both, that runs unchanged on this crate's ring,
//! on ring-kernel-sim's simulated kernel under loom, and on Linux.
//!
//! ```
//! use downstream::{submit_and_reap, RingMem};
//! use ring_core::opcode::Nop;
//!
//! // Ring memory with 4 SQ and 8 CQ entries: no heap, `const`-constructible.
//! let mut mem = RingMem::<4, 8>::new();
//! // ring-core's queues over this crate's backend, and this crate's kernel.
//! let (mut q, kernel) = mem.split(0).unwrap();
//! let (sq, cq) = q.split();
//! let entries = (0..10).map(|ud| Nop::new().build().user_data(ud));
//! let mut done = 0u32;
//! submit_and_reap(sq, cq, &kernel, entries, |cqe| {
//!     assert_eq!(cqe.res, 0);
//!     done |= 1 << cqe.user_data;
//! })
//! .unwrap();
//! assert_eq!(done, 0x3ff); // every user_data, once
//! ```
//!
//! | module | holds |
//! |---|---|
//! | `backend` | [`Bare`]: a ring-core `Backend` over `core` atomics ([`BareWord`]) and this crate's slot cell ([`BareCell`]); loads, stores and fences only (thumbv6m has no CAS) |
//! | `memory` | [`RingMem`]: one ring's memory, `const`-constructible; [`RingMem::split`] lends it to ring-core and to the kernel |
//! | `loopback` | [`Loopback`]: a ring-core `Kernel` that consumes SQEs and posts CQEs in memory, inline at enter |
//! | `driver` | [`Driver`], [`submit_and_reap`]: the submit/reap loop, generic over backend and kernel |
//! | `metered` | [`Metered`]: a `Kernel` wrapper counting enters and submissions |
//! | `selftest` | [`self_test`]: one round trip through all of the above, for firmware to run at boot |
//!
//! Unsafe code lives only in `backend` (the cell and the backend contract), `loopback` (the
//! kernel's slot reads and writes) and `metered` (forwarding `register`); the crate root
//! denies it elsewhere.
#![no_std]
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod backend;
mod driver;
#[allow(unsafe_code)]
mod loopback;
#[allow(unsafe_code)]
mod memory;
#[allow(unsafe_code)]
mod metered;
mod selftest;

pub use backend::{Bare, BareCell, BareWord};
pub use driver::{submit_and_reap, DriveError, Driver};
pub use loopback::{Loopback, LoopbackStats};
pub use memory::{RingMem, SplitError, SUPPORTED_FLAGS};
pub use metered::{Meter, Metered};
pub use selftest::{self_test, SelfTestError};

/// The user side of a [`RingMem`]: ring-core's queues over the [`Bare`] backend.
pub type BareQueues<'a> = ring_core::Queues<'a, Bare>;
