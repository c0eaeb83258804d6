//! The simulator's std-thread mode under Miri: a cross-check of the loom matrix with a
//! different checker (Miri's data-race detector and weak-memory emulation).
//!
//! Run by `verify miri`, once as is and once per mutant, with the mutant named in the
//! `VERIFY_MUTANT` environment variable (set inside the interpreter with
//! `-Zmiri-env-set`: cargo-miri replays the environment captured at build time, so a
//! forwarded variable would keep its first value). Without Miri these run as ordinary
//! threaded tests.

use ring_core::opcode::Nop;
use ring_kernel_sim::{with_logic_fault, with_mutant, Idle, Mode, SimRing};
use verify::catalog::Mutation;

fn with_env_mutation(f: impl FnOnce()) {
    match std::env::var("VERIFY_MUTANT").ok().and_then(|n| Mutation::parse(&n)) {
        None => f(),
        Some(Mutation::Order(m)) => with_mutant(Some(m), f),
        Some(Mutation::Logic(l)) => with_logic_fault(Some(l), f),
    }
}

fn reap_exactly(q: &mut ring_kernel_sim::SimQueues<'_>, sim: &SimRing, n: u64) {
    let mut seen = vec![0u32; n as usize];
    let mut got = 0;
    while got < n {
        let mut cq = q.completion();
        match cq.peek() {
            Some(c) => {
                assert_eq!(c.res, 0);
                seen[c.user_data as usize] += 1;
                cq.advance(1).unwrap();
                got += 1;
            }
            None => {
                assert!(cq.wait(sim, 1).unwrap() > 0, "LOST: wait returned with nothing visible");
            }
        }
    }
    assert!(seen.iter().all(|&c| c == 1), "DUPLICATE or LOST: {seen:?}");
}

/// SQPOLL: two rounds of two NOPs through a 2-entry ring, the thread sleeping in between.
#[test]
fn sqpoll_round_trips() {
    with_env_mutation(|| {
        let sim = SimRing::builder()
            .entries(2)
            .sqpoll()
            .workers(0)
            .idle(Idle::Polls(1))
            .mode(Mode::Threads)
            .build()
            .unwrap();
        let mut q = sim.queues().unwrap();
        let threads = sim.start();
        for round in 0..2u64 {
            for i in 0..2 {
                let e = Nop::new().build().user_data(round * 2 + i);
                loop {
                    let mut sq = q.submission();
                    if sq.push(&e).is_ok() {
                        break;
                    }
                    sq.submit(&*sim).unwrap();
                    std::thread::yield_now();
                }
            }
            q.submission().submit_and_wait(&*sim, 2).unwrap();
        }
        reap_exactly(&mut q, &sim, 4);
        threads.join();
    });
}

/// io-wq: async NOPs completed by two workers into a 2-entry CQ, with overflow.
#[test]
fn iowq_round_trips() {
    with_env_mutation(|| {
        let sim = SimRing::builder()
            .entries(2)
            .cq_entries(2)
            .workers(2)
            .mode(Mode::Threads)
            .build()
            .unwrap();
        let mut q = sim.queues().unwrap();
        let threads = sim.start();
        {
            let mut sq = q.submission();
            for ud in 0..2 {
                let e = Nop::new().build().user_data(ud).flags(ring_core::abi::sqe_flags::ASYNC);
                sq.push(&e).unwrap();
            }
            sq.submit(&*sim).unwrap();
        }
        reap_exactly(&mut q, &sim, 2);
        threads.join();
    });
}
