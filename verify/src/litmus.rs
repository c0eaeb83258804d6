//! The litmus self-check: classic memory-model litmus tests run through loom, each compared
//! with its C11/C++20 verdict, to measure where loom is sound and where it is not.
//!
//! Each test runs to exhaustion (no preemption bound) and records every outcome loom
//! produces. The verdict concerns one "interesting" outcome: C11 either allows or forbids it.
//! loom agrees, raises a false alarm (produces a forbidden outcome), or misses (never
//! produces an allowed one).

use std::collections::BTreeSet;
use std::sync::atomic::Ordering::{self, AcqRel, Acquire, Relaxed, Release, SeqCst};
use std::sync::{Arc, Mutex};

use loom::sync::atomic::{fence, AtomicU32};
use loom::thread;

/// The C11 verdict on a test's interesting outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// C11 allows the outcome.
    Allowed,
    /// C11 forbids it.
    Forbidden,
}

/// How loom compares with C11 on one test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agreement {
    /// loom produced the outcome exactly when C11 allows it.
    Agrees,
    /// loom produced an outcome C11 forbids.
    FalseAlarm,
    /// loom never produced an outcome C11 allows.
    Misses,
}

impl Agreement {
    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Agreement::Agrees => "agrees",
            Agreement::FalseAlarm => "false alarm",
            Agreement::Misses => "misses",
        }
    }
}

/// One litmus test.
pub struct Litmus {
    /// Name (`SB+rlx`, `MP+rel+acq`, ...).
    pub name: &'static str,
    /// The C11 verdict on `outcome`.
    pub verdict: Verdict,
    /// The interesting outcome (values of the observed registers, in order).
    pub outcome: &'static [u32],
    /// One execution; returns the observed registers.
    pub body: fn() -> Vec<u32>,
}

/// The result of one litmus test.
pub struct LitmusRun {
    /// The test's name.
    pub name: &'static str,
    /// C11's verdict.
    pub verdict: Verdict,
    /// Whether loom produced the interesting outcome.
    pub observed: bool,
    /// How they compare.
    pub agreement: Agreement,
    /// Executions explored.
    pub iterations: u64,
    /// Distinct outcomes seen.
    pub outcomes: usize,
}

/// Runs one litmus test to exhaustion.
pub fn run(t: &Litmus) -> LitmusRun {
    let seen: Arc<Mutex<BTreeSet<Vec<u32>>>> = Arc::new(Mutex::new(BTreeSet::new()));
    let iterations = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut b = loom::model::Builder::new();
    b.preemption_bound = None;
    b.max_duration = None;
    b.max_permutations = None;
    let (s, i, body) = (Arc::clone(&seen), Arc::clone(&iterations), t.body);
    b.check(move || {
        i.fetch_add(1, Relaxed);
        let out = body();
        s.lock().unwrap().insert(out);
    });
    let seen = seen.lock().unwrap();
    let observed = seen.contains(t.outcome);
    let agreement = match (t.verdict, observed) {
        (Verdict::Allowed, true) | (Verdict::Forbidden, false) => Agreement::Agrees,
        (Verdict::Forbidden, true) => Agreement::FalseAlarm,
        (Verdict::Allowed, false) => Agreement::Misses,
    };
    LitmusRun {
        name: t.name,
        verdict: t.verdict,
        observed,
        agreement,
        iterations: iterations.load(Relaxed),
        outcomes: seen.len(),
    }
}

fn two<A, B>(a: A, b: B) -> Vec<u32>
where
    A: FnOnce() -> Vec<u32> + Send + 'static,
    B: FnOnce() -> Vec<u32> + Send + 'static,
{
    let ha = thread::spawn(a);
    let mut out = b();
    let mut first = ha.join().unwrap();
    first.append(&mut out);
    first
}

fn words(n: usize) -> Arc<Vec<AtomicU32>> {
    Arc::new((0..n).map(|_| AtomicU32::new(0)).collect())
}

fn fence_if(o: Option<Ordering>) {
    if let Some(o) = o {
        fence(o);
    }
}

/// Store buffering: `x=1; r0=y || y=1; r1=x`. Outcome r0=r1=0.
fn sb(st: Ordering, ld: Ordering, f0: Option<Ordering>, f1: Option<Ordering>) -> Vec<u32> {
    let w = words(2);
    let w2 = Arc::clone(&w);
    two(
        move || {
            w2[0].store(1, st);
            fence_if(f0);
            vec![w2[1].load(ld)]
        },
        move || {
            w[1].store(1, st);
            fence_if(f1);
            vec![w[0].load(ld)]
        },
    )
}

/// Message passing: `d=1; f=1 || r0=f; r1=d`. Outcome r0=1, r1=0.
fn mp(st: Ordering, ld: Ordering, f0: Option<Ordering>, f1: Option<Ordering>) -> Vec<u32> {
    let w = words(2);
    let w2 = Arc::clone(&w);
    two(
        move || {
            w2[0].store(1, Relaxed);
            fence_if(f0);
            w2[1].store(1, st);
            vec![]
        },
        move || {
            let r0 = w[1].load(ld);
            fence_if(f1);
            let r1 = w[0].load(Relaxed);
            vec![r0, r1]
        },
    )
}

/// Load buffering: `r0=x; y=1 || r1=y; x=1`. Outcome r0=r1=1.
fn lb(ld: Ordering, st: Ordering) -> Vec<u32> {
    let w = words(2);
    let w2 = Arc::clone(&w);
    two(
        move || {
            let r0 = w2[0].load(ld);
            w2[1].store(1, st);
            vec![r0]
        },
        move || {
            let r1 = w[1].load(ld);
            w[0].store(1, st);
            vec![r1]
        },
    )
}

/// IRIW: two writers, two readers reading in opposite orders. Outcome 1,0,1,0.
fn iriw(st: Ordering, ld: Ordering, f: Option<Ordering>) -> Vec<u32> {
    let w = words(2);
    let (a, b, c) = (Arc::clone(&w), Arc::clone(&w), Arc::clone(&w));
    let t0 = thread::spawn(move || a[0].store(1, st));
    let t1 = thread::spawn(move || b[1].store(1, st));
    let t2 = thread::spawn(move || {
        let r0 = c[0].load(ld);
        fence_if(f);
        let r1 = c[1].load(ld);
        vec![r0, r1]
    });
    let r2 = w[1].load(ld);
    fence_if(f);
    let r3 = w[0].load(ld);
    t0.join().unwrap();
    t1.join().unwrap();
    let mut out = t2.join().unwrap();
    out.extend([r2, r3]);
    out
}

/// WRC: `x=1 || r0=x; y=1 || r1=y; r2=x`. Outcome 1,1,0.
fn wrc(st: Ordering, ld: Ordering) -> Vec<u32> {
    let w = words(2);
    let (a, b) = (Arc::clone(&w), Arc::clone(&w));
    let t0 = thread::spawn(move || a[0].store(1, Relaxed.max_store(st)));
    let t1 = thread::spawn(move || {
        let r0 = b[0].load(ld);
        b[1].store(1, st);
        vec![r0]
    });
    let r1 = w[1].load(ld);
    let r2 = w[0].load(Relaxed.max_load(ld));
    t0.join().unwrap();
    let mut out = t1.join().unwrap();
    out.extend([r1, r2]);
    out
}

/// RWC: `x=1 || r0=x; r1=y || y=1; r2=x`. Outcome 1,0,0.
fn rwc(st: Ordering, ld: Ordering, f: Option<Ordering>) -> Vec<u32> {
    let w = words(2);
    let (a, b) = (Arc::clone(&w), Arc::clone(&w));
    let t0 = thread::spawn(move || a[0].store(1, st));
    let t1 = thread::spawn(move || {
        let r0 = b[0].load(ld);
        fence_if(f);
        let r1 = b[1].load(ld);
        vec![r0, r1]
    });
    w[1].store(1, st);
    fence_if(f);
    let r2 = w[0].load(ld);
    t0.join().unwrap();
    let mut out = t1.join().unwrap();
    out.push(r2);
    out
}

/// R: `x=1; y=1 || y=2; r0=x`, then the final y. Outcome y=2, r0=0.
fn r(st: Ordering, ld: Ordering, f: Option<Ordering>) -> Vec<u32> {
    let w = words(2);
    let w2 = Arc::clone(&w);
    let t = thread::spawn(move || {
        w2[0].store(1, st);
        fence_if(f);
        w2[1].store(1, st);
    });
    w[1].store(2, st);
    fence_if(f);
    let r0 = w[0].load(ld);
    t.join().unwrap();
    vec![w[1].load(Relaxed), r0]
}

/// S: `x=2; y=1 || r0=y; x=1`, then the final x. Outcome r0=1, x=2.
fn s(st: Ordering, ld: Ordering) -> Vec<u32> {
    let w = words(2);
    let w2 = Arc::clone(&w);
    let t = thread::spawn(move || {
        w2[0].store(2, Relaxed);
        w2[1].store(1, st);
    });
    let r0 = w[1].load(ld);
    w[0].store(1, Relaxed);
    t.join().unwrap();
    vec![r0, w[0].load(Relaxed)]
}

/// 2+2W: `x=1; y=2 || y=1; x=2`, then the finals. Outcome x=1, y=1.
fn w22(st: Ordering, f: Option<Ordering>) -> Vec<u32> {
    let w = words(2);
    let w2 = Arc::clone(&w);
    let t = thread::spawn(move || {
        w2[0].store(1, st);
        fence_if(f);
        w2[1].store(2, st);
    });
    w[1].store(1, st);
    fence_if(f);
    w[0].store(2, st);
    t.join().unwrap();
    vec![w[0].load(Relaxed), w[1].load(Relaxed)]
}

/// CoRR: `x=1 || r0=x; r1=x`. Outcome 1,0 (a read going back in coherence order).
fn corr() -> Vec<u32> {
    let w = words(1);
    let w2 = Arc::clone(&w);
    two(
        move || {
            w2[0].store(1, Relaxed);
            vec![]
        },
        move || vec![w[0].load(Relaxed), w[0].load(Relaxed)],
    )
}

/// CoWR: `x=1; r0=x || x=2`, then the final x. Outcome r0=2, final x=1 would be fine;
/// the forbidden outcome is r0=0 (reading before one's own write).
fn cowr() -> Vec<u32> {
    let w = words(1);
    let w2 = Arc::clone(&w);
    two(
        move || {
            w2[0].store(1, Relaxed);
            vec![w2[0].load(Relaxed)]
        },
        move || {
            w[0].store(2, Relaxed);
            vec![]
        },
    )
}

/// CoRW: `r0=x; x=1 || x=2`, then the final x. Outcome r0=2, final x=2 (the read saw a
/// store that is coherence-after our own write).
fn corw() -> Vec<u32> {
    let w = words(1);
    let w2 = Arc::clone(&w);
    let t = thread::spawn(move || w2[0].store(2, Relaxed));
    let r0 = w[0].load(Relaxed);
    w[0].store(1, Relaxed);
    t.join().unwrap();
    vec![r0, w[0].load(Relaxed)]
}

/// Release sequence: `d=1; x=1(rel) || x.fetch_add(1) || r0=x(acq); r1=d`. Outcome r0=2,
/// r1=0.
fn relseq() -> Vec<u32> {
    let w = words(2);
    let (a, b) = (Arc::clone(&w), Arc::clone(&w));
    let t0 = thread::spawn(move || {
        a[1].store(1, Relaxed);
        a[0].store(1, Release);
    });
    let t1 = thread::spawn(move || {
        b[0].fetch_add(1, Relaxed);
    });
    let r0 = w[0].load(Acquire);
    let r1 = w[1].load(Relaxed);
    t0.join().unwrap();
    t1.join().unwrap();
    vec![r0, r1]
}

/// SB with an RMW used as a barrier: `x=1; r0=y.fetch_add(0, acq) || y=1; r1=x.fetch_add(0,
/// acq)`. Outcome 0,0 (C11 allows it: an RMW is not a fence).
fn sb_rmw() -> Vec<u32> {
    let w = words(2);
    let w2 = Arc::clone(&w);
    two(
        move || {
            w2[0].store(1, Relaxed);
            vec![w2[1].fetch_add(0, Acquire)]
        },
        move || {
            w[1].store(1, Relaxed);
            vec![w[0].fetch_add(0, Acquire)]
        },
    )
}

trait Clamp {
    fn max_store(self, o: Ordering) -> Ordering;
    fn max_load(self, o: Ordering) -> Ordering;
}

impl Clamp for Ordering {
    /// The ordering for a plain store in a test whose stores use `o`.
    fn max_store(self, o: Ordering) -> Ordering {
        if o == SeqCst {
            SeqCst
        } else {
            self
        }
    }
    /// The ordering for a plain load in a test whose loads use `o`.
    fn max_load(self, o: Ordering) -> Ordering {
        if o == SeqCst {
            SeqCst
        } else {
            self
        }
    }
}

use Verdict::{Allowed, Forbidden};

/// Every litmus test, with its C11 verdict (C++20's, for SeqCst fences: P0668).
pub const ALL: &[Litmus] = &[
    Litmus {
        name: "SB+rlx",
        verdict: Allowed,
        outcome: &[0, 0],
        body: || sb(Relaxed, Relaxed, None, None),
    },
    Litmus {
        name: "SB+rel+acq",
        verdict: Allowed,
        outcome: &[0, 0],
        body: || sb(Release, Acquire, None, None),
    },
    Litmus {
        name: "SB+sc-accesses",
        verdict: Forbidden,
        outcome: &[0, 0],
        body: || sb(SeqCst, SeqCst, None, None),
    },
    Litmus {
        name: "SB+sc-fences",
        verdict: Forbidden,
        outcome: &[0, 0],
        body: || sb(Relaxed, Relaxed, Some(SeqCst), Some(SeqCst)),
    },
    Litmus {
        name: "SB+sc-fence-one-side",
        verdict: Allowed,
        outcome: &[0, 0],
        body: || sb(Relaxed, Relaxed, Some(SeqCst), None),
    },
    Litmus {
        name: "SB+acqrel-fences",
        verdict: Allowed,
        outcome: &[0, 0],
        body: || sb(Relaxed, Relaxed, Some(AcqRel), Some(AcqRel)),
    },
    Litmus { name: "SB+rmw-as-barrier", verdict: Allowed, outcome: &[0, 0], body: sb_rmw },
    Litmus {
        name: "MP+rlx",
        verdict: Allowed,
        outcome: &[1, 0],
        body: || mp(Relaxed, Relaxed, None, None),
    },
    Litmus {
        name: "MP+rel+acq",
        verdict: Forbidden,
        outcome: &[1, 0],
        body: || mp(Release, Acquire, None, None),
    },
    Litmus {
        name: "MP+rel+rlx",
        verdict: Allowed,
        outcome: &[1, 0],
        body: || mp(Release, Relaxed, None, None),
    },
    Litmus {
        name: "MP+fences",
        verdict: Forbidden,
        outcome: &[1, 0],
        body: || mp(Relaxed, Relaxed, Some(Release), Some(Acquire)),
    },
    Litmus {
        name: "MP+sc",
        verdict: Forbidden,
        outcome: &[1, 0],
        body: || mp(SeqCst, SeqCst, None, None),
    },
    Litmus { name: "LB+rlx", verdict: Allowed, outcome: &[1, 1], body: || lb(Relaxed, Relaxed) },
    Litmus {
        name: "LB+acq+rel",
        verdict: Forbidden,
        outcome: &[1, 1],
        body: || lb(Acquire, Release),
    },
    Litmus {
        name: "IRIW+rlx",
        verdict: Allowed,
        outcome: &[1, 0, 1, 0],
        body: || iriw(Relaxed, Relaxed, None),
    },
    Litmus {
        name: "IRIW+rel+acq",
        verdict: Allowed,
        outcome: &[1, 0, 1, 0],
        body: || iriw(Release, Acquire, None),
    },
    Litmus {
        name: "IRIW+sc-accesses",
        verdict: Forbidden,
        outcome: &[1, 0, 1, 0],
        body: || iriw(SeqCst, SeqCst, None),
    },
    Litmus {
        name: "IRIW+sc-fences",
        verdict: Forbidden,
        outcome: &[1, 0, 1, 0],
        body: || iriw(Relaxed, Relaxed, Some(SeqCst)),
    },
    Litmus {
        name: "WRC+rlx",
        verdict: Allowed,
        outcome: &[1, 1, 0],
        body: || wrc(Relaxed, Relaxed),
    },
    Litmus {
        name: "WRC+rel+acq",
        verdict: Forbidden,
        outcome: &[1, 1, 0],
        body: || wrc(Release, Acquire),
    },
    Litmus {
        name: "RWC+rlx",
        verdict: Allowed,
        outcome: &[1, 0, 0],
        body: || rwc(Relaxed, Relaxed, None),
    },
    Litmus {
        name: "RWC+sc-accesses",
        verdict: Forbidden,
        outcome: &[1, 0, 0],
        body: || rwc(SeqCst, SeqCst, None),
    },
    Litmus {
        name: "RWC+sc-fences",
        verdict: Forbidden,
        outcome: &[1, 0, 0],
        body: || rwc(Relaxed, Relaxed, Some(SeqCst)),
    },
    Litmus {
        name: "R+rlx",
        verdict: Allowed,
        outcome: &[2, 0],
        body: || r(Relaxed, Relaxed, None),
    },
    Litmus {
        name: "R+rel+acq",
        verdict: Allowed,
        outcome: &[2, 0],
        body: || r(Release, Acquire, None),
    },
    Litmus {
        name: "R+sc-accesses",
        verdict: Forbidden,
        outcome: &[2, 0],
        body: || r(SeqCst, SeqCst, None),
    },
    Litmus {
        name: "R+sc-fences",
        verdict: Forbidden,
        outcome: &[2, 0],
        body: || r(Relaxed, Relaxed, Some(SeqCst)),
    },
    Litmus { name: "S+rlx", verdict: Allowed, outcome: &[1, 2], body: || s(Relaxed, Relaxed) },
    Litmus {
        name: "S+rel+acq",
        verdict: Forbidden,
        outcome: &[1, 2],
        body: || s(Release, Acquire),
    },
    Litmus { name: "2+2W+rlx", verdict: Allowed, outcome: &[1, 1], body: || w22(Relaxed, None) },
    Litmus { name: "2+2W+rel", verdict: Allowed, outcome: &[1, 1], body: || w22(Release, None) },
    Litmus {
        name: "2+2W+sc-accesses",
        verdict: Forbidden,
        outcome: &[1, 1],
        body: || w22(SeqCst, None),
    },
    Litmus {
        name: "2+2W+sc-fences",
        verdict: Forbidden,
        outcome: &[1, 1],
        body: || w22(Relaxed, Some(SeqCst)),
    },
    Litmus { name: "CoRR", verdict: Forbidden, outcome: &[1, 0], body: corr },
    Litmus { name: "CoWR", verdict: Forbidden, outcome: &[0], body: cowr },
    Litmus { name: "CoRW", verdict: Forbidden, outcome: &[2, 2], body: corw },
    Litmus { name: "release-sequence", verdict: Forbidden, outcome: &[2, 0], body: relseq },
];
