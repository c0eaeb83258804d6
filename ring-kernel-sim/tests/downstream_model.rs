//! A downstream model test, as a crate built on ring-core would write it (docs/simulator.md
//! walks through it). Built only with `RUSTFLAGS="--cfg loom"`:
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" cargo test --release -p ring-kernel-sim --test downstream_model \
//!     --target-dir target/loom
//! ```
#![cfg(loom)]

use ring_core::opcode::Nop;
use ring_core::{Backend, Errno, Kernel, Queues};
use ring_kernel_sim::{Idle, SimRing};

/// The code under test: a runtime's "submit n operations and collect their results" loop.
/// It is generic over the backend and the kernel, so the same function runs here, against
/// the simulator, and over any other `Queues` (an embedder's own ring memory and kernel). On a
/// real `ring_core::Ring`, which lends its two views through `split()`, write the loop over a
/// `SubmissionQueue` and a `CompletionQueue` instead (examples/downstream does).
fn submit_and_collect<B: Backend, K: Kernel>(
    q: &mut Queues<'_, B>,
    kernel: &K,
    n: u64,
) -> Result<Vec<u64>, Errno> {
    let mut done = Vec::new();
    for ud in 0..n {
        // Make room if the SQ is full (SQ_WAIT on SQPOLL rings), then queue the operation.
        while q.submission().push(&Nop::new().build().user_data(ud)).is_err() {
            q.submission().wait_for_space(kernel)?;
        }
        q.submission().submit(kernel)?;
    }
    while (done.len() as u64) < n {
        let mut cq = q.completion();
        match cq.peek() {
            Some(cqe) => {
                done.push(cqe.user_data);
                cq.advance(1).expect("a peeked CQE can be released");
            }
            None => {
                cq.wait(kernel, 1)?;
            }
        }
    }
    Ok(done)
}

#[test]
fn submit_and_collect_never_loses_or_repeats_a_completion() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    // `Builder::new` reads LOOM_MAX_DURATION / LOOM_MAX_PERMUTATIONS from the environment; a
    // run cut short by either is not coverage, so the model ignores them.
    builder.max_duration = None;
    builder.max_permutations = None;
    builder.check(|| {
        // A 2-entry SQPOLL ring whose kernel thread sleeps after one empty poll: loom explores
        // every interleaving of its sleep with our submissions.
        let sim =
            SimRing::builder().entries(2).sqpoll().workers(0).idle(Idle::Polls(1)).build().unwrap();
        let mut q = sim.queues().unwrap();
        let threads = sim.start();
        let done = submit_and_collect(&mut q, &*sim, 3).unwrap();
        assert_eq!(done, vec![0, 1, 2]);
        threads.join();
    });
}
