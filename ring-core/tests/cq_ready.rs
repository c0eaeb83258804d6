//! Port of liburing's `cq-ready` test: `ready()` follows submissions and `advance()`.
#![cfg(feature = "linux")]

mod common;

use common::push_nops;
use ring_core::{AdvanceError, Ring};

#[test]
fn ready_follows_completions_and_advance() {
    let mut ring = Ring::new(4).unwrap();
    assert_eq!(ring.completion().ready(), 0);

    push_nops(&mut ring, 0..4);
    assert_eq!(ring.submit_and_wait(4).unwrap(), 4);
    assert_eq!(ring.completion().ready(), 4);
    ring.completion().advance(4).unwrap();
    assert_eq!(ring.completion().ready(), 0);

    push_nops(&mut ring, 4..8);
    assert_eq!(ring.submit_and_wait(4).unwrap(), 4);
    let mut cq = ring.completion();
    assert_eq!(cq.ready(), 4);
    cq.advance(1).unwrap();
    assert_eq!(cq.ready(), 3);
    assert_eq!(cq.peek().map(|c| c.user_data), Some(5));
    cq.advance(2).unwrap();
    assert_eq!(cq.ready(), 1);
    assert_eq!(cq.peek().map(|c| c.user_data), Some(7));
    cq.advance(1).unwrap();
    assert_eq!(cq.ready(), 0);
    assert!(cq.is_empty());
}

#[test]
fn advance_beyond_ready_fails_and_changes_nothing() {
    let mut ring = Ring::new(4).unwrap();
    assert_eq!(ring.completion().advance(1), Err(AdvanceError { requested: 1, ready: 0 }));
    assert_eq!(ring.completion().advance(0), Ok(()));

    push_nops(&mut ring, 0..3);
    assert_eq!(ring.submit_and_wait(3).unwrap(), 3);
    let mut cq = ring.completion();
    let head = cq.local_head();
    assert_eq!(cq.advance(4), Err(AdvanceError { requested: 4, ready: 3 }));
    assert_eq!(cq.local_head(), head);
    assert_eq!(cq.ready(), 3);
    assert_eq!(cq.peek().map(|c| c.user_data), Some(0));

    cq.advance(2).unwrap();
    assert_eq!(cq.advance(2), Err(AdvanceError { requested: 2, ready: 1 }));
    assert_eq!(cq.ready(), 1);
    assert_eq!(cq.peek().map(|c| c.user_data), Some(2));
    cq.advance(1).unwrap();
    assert_eq!(cq.local_head(), head.wrapping_add(3));
}
