//! Port of liburing's `cq-overflow` test: far more completions in flight than CQ slots, for
//! many loops. Whenever the ring reports `CQ_OVERFLOW`, completions are flushed with
//! `get_events`; every completion must arrive exactly once, and in order for each source
//! whose requests complete inline. Also on a `DEFER_TASKRUN` ring, where completions wait in
//! task work until the issuer enters.
#![cfg(feature = "linux")]

mod support;

use std::time::Duration;

use ring_core::abi::{feat, sq_flags};
use ring_core::opcode::Nop;
use ring_core::{Builder, Ring};

const SOURCES: u64 = 4;
/// Source 3 completes in io-wq workers (`IOSQE_ASYNC`): exactly once, but in any order.
const ASYNC_SOURCE: u64 = 3;
const LOOPS: usize = 150;

struct Tally {
    next: [u64; SOURCES as usize],
    seen: Vec<Vec<u64>>,
    overflow_flushes: u32,
}

impl Tally {
    fn record(&mut self, ring: &mut Ring) -> usize {
        let mut n = 0;
        loop {
            let got = support::reap(ring);
            n += got.len();
            for c in &got {
                assert_eq!(c.res, 0, "{c:?}");
                self.seen[(c.user_data >> 32) as usize].push(c.user_data & 0xffff_ffff);
            }
            if ring.submission().flags() & sq_flags::CQ_OVERFLOW != 0 {
                self.overflow_flushes += 1;
                ring.get_events().unwrap();
                continue;
            }
            if ring.completion().needs_flush() {
                ring.get_events().unwrap();
                continue;
            }
            if got.is_empty() {
                return n;
            }
        }
    }

    fn in_flight(&self) -> u64 {
        self.next.iter().sum::<u64>() - self.seen.iter().map(|s| s.len() as u64).sum::<u64>()
    }
}

fn run(b: Builder, what: &str) {
    let mut ring = b.entries(8).cq_entries(8).build().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_ne!(ring.features() & feat::NODROP, 0);
    let mut t = Tally { next: [0; 4], seen: vec![Vec::new(); 4], overflow_flushes: 0 };
    let mut src = 0u64;
    for l in 0..LOOPS {
        // Three full SQs without reaping: 24 completions for 8 CQ slots.
        for _ in 0..3 {
            {
                let mut sq = ring.submission();
                while !sq.is_full() {
                    let seq = t.next[src as usize];
                    t.next[src as usize] += 1;
                    let mut e = Nop::new().build().user_data(src << 32 | seq);
                    if src == ASYNC_SOURCE {
                        e = e.force_async();
                    }
                    sq.push(&e).unwrap();
                    src = (src + 1) % SOURCES;
                }
            }
            assert_eq!(ring.submit().unwrap(), 8, "{what}: loop {l}");
        }
        t.record(&mut ring);
    }
    // Async completions may still be on their way.
    while t.in_flight() != 0 {
        match ring.wait_timeout(1, Duration::from_secs(10)) {
            Ok(_) => {}
            Err(e) => panic!("{what}: {} completions missing: {e}", t.in_flight()),
        }
        t.record(&mut ring);
    }
    assert_eq!(ring.completion().overflow(), 0, "{what}: the kernel dropped completions");
    assert!(t.overflow_flushes > 0, "{what}: CQ_OVERFLOW was never reported");
    for s in 0..SOURCES {
        let got = &mut t.seen[s as usize];
        if s != ASYNC_SOURCE {
            let want: Vec<u64> = (0..t.next[s as usize]).collect();
            assert_eq!(*got, want, "{what}: source {s} out of order or incomplete");
        } else {
            got.sort_unstable();
            let n = got.len();
            got.dedup();
            assert_eq!(got.len(), n, "{what}: duplicate completions");
            assert_eq!(*got, (0..t.next[s as usize]).collect::<Vec<_>>(), "{what}");
        }
    }
    // Nothing is left behind.
    assert_eq!(ring.get_events().unwrap(), 0);
    assert_eq!(ring.submission().flags() & sq_flags::CQ_OVERFLOW, 0);
}

#[test]
fn cq_overflow() {
    support::with_deadline(60, || run(Ring::builder(), "default"));
}

#[test]
fn cq_overflow_defer_taskrun() {
    support::with_deadline(60, || {
        run(Ring::builder().defer_taskrun().taskrun_flag(), "DEFER_TASKRUN | TASKRUN_FLAG")
    });
}
