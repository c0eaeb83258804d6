//! Model: operations in flight are bounded by the CQ. A ring of SQ 1 / CQ 1 has one slot;
//! two submitters race for it (main runs two operations in a row, the other thread one), so
//! one waits until the other's caller has read its result and given the slot back. No completion ever goes to the kernel's overflow backlog, no
//! thread waits forever (loom reports a deadlock otherwise), and each caller gets its own
//! result. Threads: main (a submitter), one more submitter, the reaper.
//!
//! The second model makes the reaper deliver: main's operation completes only when the other
//! thread releases it (the simulator's held operation, completed from that thread), so main
//! sleeps on its slot while the reaper may be idle; the reaper must wake (the sleeper
//! handshake, `reaper.rs`), deliver, and release the CQ head before main's slot can carry the
//! other thread's operation into the one-entry CQ.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom --cfg crossbeam_loom" cargo test --release -p ring-pool \
//!     --test loom_bounded --target-dir target/loom-epoch -- --nocapture
//! ```
#![cfg(loom)]

mod loom_support;

use loom_support::{model, nop, sim_pool};
use ring_kernel_sim::{held_op, SimRing};

#[test]
fn one_slot_two_submitters_no_overflow() {
    model("one_slot_two_submitters_no_overflow", || {
        let (pool, rings) =
            sim_pool(1, false, || SimRing::builder().entries(1).cq_entries(1).workers(0));
        assert_eq!(pool.stats().capacity, 1);
        let other = {
            let pool = std::sync::Arc::clone(&pool);
            loom::thread::spawn(move || pool.run(nop(20)))
        };
        let mine = (pool.run(nop(10)), pool.run(nop(11)));
        let theirs = other.join().unwrap();
        assert_eq!(mine, (Ok(10), Ok(11)), "CORRUPT: main got another result");
        assert_eq!(theirs, Ok(20), "CORRUPT: the other submitter got another result");
        // The wake NOP of shutdown takes the slot too: the CQ holds one CQE at most.
        pool.shutdown();
        let sim = &rings.lock().unwrap()[0];
        let st = sim.stats();
        assert_eq!(st.overflowed, 0, "OVERFLOW: a completion went to the backlog");
        assert_eq!(sim.backlog_len(), 0);
        assert_eq!((st.consumed, st.posted, st.lost), (4, 4, 0));
    });
}

#[test]
fn a_sleeping_owner_wakes_the_idle_reaper() {
    model("a_sleeping_owner_wakes_the_idle_reaper", || {
        let (pool, rings) =
            sim_pool(1, false, || SimRing::builder().entries(1).cq_entries(1).workers(0));
        let sim = std::sync::Arc::clone(&rings.lock().unwrap()[0]);
        let other = {
            let pool = std::sync::Arc::clone(&pool);
            loom::thread::spawn(move || {
                // Complete main's operation once it is in the kernel, then run one of ours
                // (it waits for the only slot until main has its result).
                let ud = loop {
                    if let Some(&ud) = sim.held().first() {
                        break ud;
                    }
                    loom::thread::yield_now();
                };
                assert!(sim.release_held(ud, 7));
                pool.run(nop(20))
            })
        };
        let mine = pool.run(held_op(0));
        let theirs = other.join().unwrap();
        assert_eq!(mine, Ok(7), "CORRUPT: main got another result");
        assert_eq!(theirs, Ok(20), "CORRUPT: the other thread got another result");
        pool.shutdown();
        let sim = &rings.lock().unwrap()[0];
        let st = sim.stats();
        assert_eq!(st.overflowed, 0, "OVERFLOW: a completion went to the backlog");
        assert_eq!(sim.backlog_len(), 0);
        assert_eq!((st.consumed, st.posted, st.lost), (3, 3, 0));
    });
}
