//! What the loom models share: a model runner that reports its bound and iterations, and a
//! pool over simulated rings.
#![allow(dead_code)] // each model uses a different subset

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ring_core::opcode::{Entry, Nop};
use ring_kernel_sim::{SimBuilder, SimRing};
use ring_pool::{Pool, PoolError, Select, SimDriver};

/// The preemption bound: `POOL_LOOM_BOUND` (default 2, the CI bound).
pub fn bound() -> usize {
    std::env::var("POOL_LOOM_BOUND").ok().and_then(|s| s.parse().ok()).unwrap_or(2)
}

/// Runs `f` under loom at the preemption bound, exhaustively (no duration or permutation
/// limit), and prints the bound, the number of executions and the time.
pub fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
    if !cfg!(crossbeam_loom) {
        panic!(
            "build the models with RUSTFLAGS=\"--cfg loom --cfg crossbeam_loom\" (docs/pool.md)"
        );
    }
    // Per model, not a static: the models of one test binary run on parallel test threads.
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&runs);
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(bound());
    b.max_duration = None;
    b.max_permutations = None;
    let start = Instant::now();
    b.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        f();
    });
    println!(
        "MODEL {name}: bound {} | {} iterations | {:.1} s",
        bound(),
        runs.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64()
    );
}

/// The simulated rings a pool was built over, in creation order.
pub type Rings = Arc<Mutex<Vec<Arc<SimRing>>>>;

/// A pool of `rings` simulated rings made by `ring` (no SQPOLL, no io-wq workers: the only
/// threads are the model's and the reapers), with the rings it made. A pool that is not
/// `resizable` finds its ring without pinning the epoch (the models of the submission path
/// use that; `loom_ring_set` checks the pinned path).
pub fn sim_pool(
    rings: usize,
    resizable: bool,
    ring: fn() -> SimBuilder,
) -> (Arc<Pool<SimDriver>>, Rings) {
    let made: Rings = Arc::new(Mutex::new(Vec::new()));
    let m = Arc::clone(&made);
    let pool = Pool::builder()
        .rings(rings)
        .select(Select::Thread)
        .resizable(resizable)
        .build_with(move |_| {
            let sim = ring().build()?;
            m.lock().unwrap().push(Arc::clone(&sim));
            Ok(SimDriver::new(sim)?)
        })
        .unwrap_or_else(|e: PoolError| panic!("CORRUPT: pool setup failed: {e}"));
    (Arc::new(pool), made)
}

/// A NOP that completes with `res` (so each caller can check it got its own result).
pub fn nop(res: i32) -> Entry {
    Nop::new().inject_result(Some(res)).build()
}
