//! Port of liburing's `sq-full` test: a ring of 8 hands out exactly 8 slots, then reports a
//! full queue as an error value without overwriting anything.
#![cfg(feature = "linux")]

mod common;

use common::{assert_all_ok, nop, reap_ready, user_data};
use ring_core::{Ring, SqFull};

#[test]
fn push_succeeds_eight_times_then_reports_full() {
    let mut ring = Ring::new(8).unwrap();
    {
        let mut sq = ring.submission();
        assert_eq!(sq.capacity(), 8);
        let mut pushed = 0u64;
        while sq.push(&nop(pushed)).is_ok() {
            pushed += 1;
            assert!(pushed <= 8, "more than 8 pushes accepted");
        }
        assert_eq!(pushed, 8);
        assert_eq!(sq.push(&nop(99)), Err(SqFull));
        assert!(sq.is_full());
        assert_eq!(sq.unpublished(), 8);
    }
    assert_eq!(ring.submit_and_wait(8).unwrap(), 8);
    let cqes = reap_ready(&mut ring);
    assert_all_ok(&cqes);
    // Slot 0 still carried NOP 0: the rejected push of 99 overwrote nothing.
    assert_eq!(user_data(&cqes), (0..8).collect::<Vec<_>>());
}

#[test]
fn acquire_succeeds_eight_times_then_reports_full() {
    let mut ring = Ring::new(8).unwrap();
    {
        let mut sq = ring.submission();
        for i in 0..8 {
            let slot = sq.acquire().unwrap_or_else(|e| panic!("acquire {i}: {e}"));
            assert_eq!(slot.index(), i as u32);
            slot.write(&nop(i));
        }
        assert!(matches!(sq.acquire(), Err(SqFull)));
        // A batch on a full queue is empty and refuses entries.
        let mut batch = sq.acquire_batch(4);
        assert_eq!(batch.capacity(), 0);
        assert_eq!(batch.push(&nop(100)), Err(SqFull));
    }
    assert_eq!(ring.submission().unpublished(), 8);
    assert_eq!(ring.submit_and_wait(8).unwrap(), 8);
    assert_eq!(user_data(&reap_ready(&mut ring)), (0..8).collect::<Vec<_>>());
}

#[test]
fn published_but_unsubmitted_entries_still_occupy_the_queue() {
    let mut ring = Ring::new(8).unwrap();
    {
        let mut sq = ring.submission();
        for i in 0..8 {
            sq.push(&nop(i)).unwrap();
        }
        assert_eq!(sq.publish(), 8);
        assert_eq!((sq.pending(), sq.unpublished()), (8, 0));
        assert_eq!(sq.push(&nop(99)), Err(SqFull));
    }
    assert_eq!(ring.submit_and_wait(8).unwrap(), 8);
    // Once the kernel consumed them, the queue takes 8 more (wrapping the ring), and no more.
    {
        let mut sq = ring.submission();
        assert_eq!(sq.space_left(), 8);
        for i in 8..16 {
            sq.push(&nop(i)).unwrap();
        }
        assert_eq!(sq.push(&nop(99)), Err(SqFull));
    }
    assert_eq!(ring.submit_and_wait(16).unwrap(), 8);
    let cqes = reap_ready(&mut ring);
    assert_all_ok(&cqes);
    assert_eq!(user_data(&cqes), (0..16).collect::<Vec<_>>());
}

#[test]
fn batch_is_capped_at_the_ring_size() {
    let mut ring = Ring::new(8).unwrap();
    {
        let mut sq = ring.submission();
        let mut batch = sq.acquire_batch(16);
        assert_eq!(batch.capacity(), 8);
        for i in 0..8 {
            batch.push(&nop(i)).unwrap();
        }
        assert_eq!(batch.push(&nop(99)), Err(SqFull));
        assert_eq!(batch.len(), 8);
    }
    assert!(ring.submission().is_full());
    assert_eq!(ring.submit_and_wait(8).unwrap(), 8);
    assert_eq!(user_data(&reap_ready(&mut ring)), (0..8).collect::<Vec<_>>());
}
