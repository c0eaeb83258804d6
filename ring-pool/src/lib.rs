//! # ring-pool
//!
//! A multi-threaded io_uring front-end over ring-core, in the style of the dshulyak/uring Go
//! seed: one ring per CPU sharing kernel workers (`ATTACH_WQ`), one reaper thread per ring
//! blocking in `enter(GETEVENTS)`, and blocking calls (`nop`, `read_at`, `write_at`,
//! `fsync`, any single-completion entry, batches) usable from any number of threads.
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//!
//! let pool = Arc::new(ring_pool::Pool::builder().rings(2).build()?);
//! let threads: Vec<_> = (0..8)
//!     .map(|_| {
//!         let pool = Arc::clone(&pool);
//!         thread::spawn(move || (0..100).try_for_each(|_| pool.nop()))
//!     })
//!     .collect();
//! for t in threads {
//!     t.join().unwrap()?;
//! }
//! assert_eq!(pool.stats().ops, 800);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pool's logic is written once over [`Driver`] (a ring's queues, over any ring-core
//! backend, and its kernel): [`Pool`] drives real rings ([`ring_core::Ring`]); with feature
//! `sim`, `SimDriver` drives ring-kernel-sim's simulated rings, and the loom models in
//! `tests/loom_*.rs` check the same code. docs/pool.md explains the design, the models and
//! their bounds.
//!
//! ## Map
//!
//! | module | holds |
//! |---|---|
//! | `pool` | [`Pool`], [`PoolBuilder`], [`On`]: building, blocking calls, resize, shutdown |
//! | `batch` | [`Batch`]: many operations, one lock and one enter |
//! | `set` | the ring set (crossbeam-epoch protected) and [`Select`] |
//! | `ring` | one ring: the submission lock, submission combining, bounded slots, close |
//! | `reaper` | the reaper thread: waits, reaps, releases the CQ, delivers |
//! | `slot` | the slots: results handed from the reaper to the caller, futex wakeups |
//! | `driver` | [`Driver`]; the owning split of a ring; `SimDriver` |
//! | `sync` | loom or std primitives; the futex (emulated under loom) |
#![deny(missing_docs)]
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod batch;
#[allow(unsafe_code)]
mod driver;
#[allow(unsafe_code)]
mod pool;
mod reaper;
#[allow(unsafe_code)]
mod ring;
#[allow(unsafe_code)]
mod set;
#[allow(unsafe_code)]
mod slot;
#[allow(unsafe_code)]
mod sync;

pub use batch::Batch;
pub use driver::Driver;
#[cfg(feature = "sim")]
pub use driver::SimDriver;
pub use pool::{On, Pool, PoolBuilder, PoolError, PoolStats, RingSpec, ESHUTDOWN};
pub use set::Select;
