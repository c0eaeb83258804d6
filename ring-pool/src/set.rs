//! The ring set: the pool's rings and the mapping from a thread's CPU (or number) to a ring.
//!
//! Submitters read it on every operation without a lock; [`Pool::resize`] replaces it
//! whole. It is published through a crossbeam-epoch [`Atomic`]: a submitter pins, loads the
//! set, clones the `Arc` of its ring and unpins; the replaced set is destroyed with
//! `defer_destroy`, after every thread that could still be reading it has unpinned.
//!
//! [`Atomic`]: crossbeam_epoch::Atomic
//! [`Pool::resize`]: crate::Pool::resize

use std::sync::Arc;

use crate::driver::Driver;
use crate::ring::RingCore;

/// How a thread's operations choose their ring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Select {
    /// The ring of the CPU the thread runs on (`sched_getcpu`): one ring per CPU, as in
    /// the Go seed. The default.
    #[default]
    Cpu,
    /// The ring of the thread's number (threads are numbered in the order they first submit),
    /// so a thread keeps its ring when it migrates between CPUs.
    Thread,
}

impl Select {
    /// The selection number of the calling thread.
    pub(crate) fn number(self) -> usize {
        match self {
            Select::Cpu => crate::sync::cpu_number(),
            Select::Thread => crate::sync::thread_number(),
        }
    }
}

/// The rings of a pool and which ring each selection number uses.
pub(crate) struct RingSet<D: Driver> {
    pub(crate) rings: Box<[Arc<RingCore<D>>]>,
    /// Selection number (modulo the length) → index into `rings`.
    map: Box<[u32]>,
    /// Under loom: written by the destructor, read by every lookup, so that a set destroyed
    /// while a submitter still reads it is a causality violation loom reports.
    #[cfg(loom)]
    alive: Canary,
}

/// The loom-only liveness cell of a set.
#[cfg(loom)]
struct Canary(crate::sync::Cell<bool>);

// SAFETY: lookups only read the cell and only the destructor, which has the set to itself,
// writes it; an overlap is exactly what the canary exists to make loom report.
#[cfg(loom)]
unsafe impl Sync for Canary {}

impl<D: Driver> RingSet<D> {
    /// A set over `rings` (at least one), mapping `slots` selection numbers round-robin.
    pub(crate) fn new(rings: Vec<Arc<RingCore<D>>>, slots: usize) -> Self {
        debug_assert!(!rings.is_empty());
        let n = rings.len();
        let map = (0..slots.max(n)).map(|i| (i % n) as u32).collect();
        RingSet {
            rings: rings.into_boxed_slice(),
            map,
            #[cfg(loom)]
            alive: Canary(crate::sync::Cell::new(true)),
        }
    }

    /// The ring selection number `k` uses.
    #[inline]
    pub(crate) fn ring(&self, k: usize) -> &Arc<RingCore<D>> {
        #[cfg(loom)]
        // SAFETY: a read of the canary; loom reports it if it races the destructor's write.
        self.alive.0.with(|p| assert!(unsafe { *p }, "ring set used after it was destroyed"));
        &self.rings[self.map[k % self.map.len()] as usize]
    }
}

impl<D: Driver> Drop for RingSet<D> {
    fn drop(&mut self) {
        #[cfg(loom)]
        // SAFETY: the destructor has the set to itself (loom checks that it does).
        self.alive.0.with_mut(|p| unsafe { *p = false });
    }
}
