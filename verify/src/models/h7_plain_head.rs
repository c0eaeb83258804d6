//! H7 re-enacted: the SQ head, written by the SQPOLL thread, read by the user as plain
//! memory (liburing issue #268: `*sq->khead` without an atomic load). Not part of the suite:
//! this model must fail, and `verify bugs` shows that loom reports the read.
//!
//! ring-core cannot make this read: its `Word` trait offers only atomic `load` and `store`
//! (the catalogue's entry for H7 has a compile-fail example), and the simulator's public API
//! lends the user no handle on its head word other than through ring-core. So the re-enactment
//! keeps the simulated SQPOLL thread's side of the head exactly as ring-kernel-sim writes it
//! (Acquire the tail, read the SQE, Release-store the head past it) over loom objects of its
//! own, and reads the head word the way H7's code did: with loom's `unsync_load`, which loom
//! checks as a non-atomic read, so a store to the word that does not happen before the read
//! is reported as a causality violation.

use std::sync::Arc;

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicU32, Ordering};

/// One-slot SQ: the words and the slot H7 involves.
struct MiniSq {
    head: AtomicU32,
    tail: AtomicU32,
    flags: AtomicU32,
    sqe: UnsafeCell<u64>,
}

// SAFETY: the slot is shared between the user and the poller by protocol, as the
// simulator's slot cells are; every access goes through loom's `UnsafeCell`, which reports an
// access without happens-before instead of racing.
unsafe impl Sync for MiniSq {}

/// The user writes and publishes one SQE; the poller consumes it and releases the head; the
/// user, to see whether the slot is free for the next SQE, reads the head as plain memory
/// and, when it shows the slot free, rewrites it. Must fail.
pub fn model() {
    run(true);
}

/// The control: the same with ring-core's read (an Acquire load). Must pass, so the failure
/// of [`model`] is the plain read's.
pub fn model_atomic() {
    run(false);
}

fn run(plain: bool) {
    let sq = Arc::new(MiniSq {
        head: AtomicU32::new(0),
        tail: AtomicU32::new(0),
        flags: AtomicU32::new(0),
        sqe: UnsafeCell::new(0),
    });
    let k = Arc::clone(&sq);
    let poller = loom::thread::spawn(move || {
        // ORDERING: Acquire pairs with the user's Release store of the tail below: the SQE
        // write happens before our read of it (as the simulator's SqTailAcquire).
        while k.tail.load(Ordering::Acquire) == 0 {
            loom::thread::yield_now();
        }
        // SAFETY: the slot was published by the tail acquired above and is not rewritten
        // before the head passes it (loom checks both).
        let sqe = k.sqe.with(|p| unsafe { p.read() });
        if sqe != 1 {
            panic!("CORRUPT: the poller read SQE {sqe}");
        }
        // ORDERING: Release publishes "done reading slot 0"; pairs with the Acquire load a
        // correct user makes (ring-core site SqHeadAcquire). H7's user does not make one.
        k.head.store(1, Ordering::Release);
    });
    // SAFETY: the slot is the user's until published.
    sq.sqe.with_mut(|p| unsafe { p.write(1) });
    // ORDERING: Release publishes the SQE write; pairs with the poller's Acquire load.
    sq.tail.store(1, Ordering::Release);
    // The SQPOLL wakeup check every submit makes after publishing. It also gives loom a
    // scheduling point between the tail store and the head read: `unsync_load` is not one,
    // and loom advances a thread's clock only at scheduling points, so a plain read directly
    // after the Release store would count as covered by it and the race would be missed.
    // ORDERING: SeqCst fence between the tail store and the flags load, as ring-core's
    // SqWakeupFence; its partner is the SQPOLL thread's sleep fence (this poller never
    // sleeps, so nothing here depends on it).
    loom::sync::atomic::fence(Ordering::SeqCst);
    // Relaxed: NEED_WAKEUP carries no data (nobody sets it here).
    let _ = sq.flags.load(Ordering::Relaxed);
    let head = if plain {
        // H7: free space from a plain read of the kernel-written head.
        // SAFETY: under loom `unsync_load` is checked, not undefined: a store that does not
        // happen before this read is reported as a causality violation (which is the point).
        unsafe { sq.head.unsync_load() }
    } else {
        // ORDERING: Acquire pairs with the poller's Release store of the head: its read of
        // the slot happens before our rewrite (ring-core site SqHeadAcquire).
        sq.head.load(Ordering::Acquire)
    };
    if head == 1 {
        // SAFETY: H7's user believes the head freed the slot (loom checks the claim).
        sq.sqe.with_mut(|p| unsafe { p.write(2) });
    }
    poller.join().unwrap();
}
