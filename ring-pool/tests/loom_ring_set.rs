//! Model: the ring set is replaced while a submitter reads it. The pool starts with rings A
//! and B; a submitter runs an operation on B (`on(1)`) while the main thread resizes the
//! pool to A alone, which retires B. Whatever the interleaving, the operation completes once
//! with its own result (on B if it got in before B closed, on A otherwise), B's reaper exits
//! only after delivering it, and the replaced set is destroyed (crossbeam-epoch's
//! `defer_destroy`) only after the submitter unpinned: a lookup racing the destructor is a
//! causality violation on the set's canary cell. Threads: main (the resizer), the submitter,
//! the reapers of A and B.
//!
//! That the replaced set is eventually freed is checked on std threads
//! (`sim_pool::a_replaced_set_is_freed_once_the_epoch_advances`): under loom,
//! crossbeam-epoch's advance after another thread exits takes a varying number of pins, and
//! a loop of them exhausts loom's branch budget.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom --cfg crossbeam_loom" cargo test --release -p ring-pool \
//!     --test loom_ring_set --target-dir target/loom-epoch -- --nocapture
//! ```
#![cfg(loom)]

mod loom_support;

use std::sync::Arc;

use loom_support::{model, nop, sim_pool};
use ring_kernel_sim::SimRing;

#[test]
fn resize_retires_a_ring_under_a_submitter() {
    model("resize_retires_a_ring_under_a_submitter", || {
        let (pool, _rings) = sim_pool(2, true, || SimRing::builder().entries(1).workers(0));
        let submitter = {
            let pool = Arc::clone(&pool);
            loom::thread::spawn(move || pool.on(1).run(nop(7)))
        };
        pool.resize(1).unwrap();
        assert_eq!(submitter.join().unwrap(), Ok(7), "CORRUPT: wrong or missing result");
        assert_eq!(pool.stats().rings, 1);
        drop(Arc::try_unwrap(pool).expect("the submitter has let go of the pool"));
    });
}
