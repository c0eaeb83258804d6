//! Model: two submitter threads and the reaper share one simulated ring. Every operation
//! completes exactly once and its result reaches the thread that submitted it; the pool then
//! shuts down and joins the reaper. Threads: main (a submitter), one more submitter, the
//! reaper.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom --cfg crossbeam_loom" cargo test --release -p ring-pool \
//!     --test loom_submitters --target-dir target/loom-epoch -- --nocapture
//! ```
#![cfg(loom)]

mod loom_support;

use loom_support::{model, nop, sim_pool};
use ring_kernel_sim::SimRing;

#[test]
fn two_submitters_and_the_reaper() {
    model("two_submitters_and_the_reaper", || {
        // SQ 2 / CQ 4: two slots, so neither submitter waits for the other's slot.
        let (pool, rings) = sim_pool(1, false, || SimRing::builder().entries(2).workers(0));
        let other = {
            let pool = std::sync::Arc::clone(&pool);
            loom::thread::spawn(move || pool.run(nop(20)))
        };
        let mine = pool.run(nop(10));
        let theirs = other.join().unwrap();
        assert_eq!(mine, Ok(10), "CORRUPT: main got another result");
        assert_eq!(theirs, Ok(20), "CORRUPT: the other submitter got another result");
        pool.shutdown();
        assert_eq!(pool.stats().ops, 2);
        let sim = &rings.lock().unwrap()[0];
        // Two operations and the wake NOP: each consumed and posted exactly once.
        assert_eq!((sim.stats().consumed, sim.stats().posted), (3, 3));
    });
}
