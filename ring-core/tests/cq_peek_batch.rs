//! Port of liburing's `cq-peek-batch` test: `batch()` sees every ready completion in order
//! without consuming any.
#![cfg(feature = "linux")]

mod common;

use common::push_nops;
use ring_core::Ring;

fn batch_user_data(ring: &mut Ring) -> Vec<u64> {
    ring.completion().batch().map(|c| c.user_data).collect()
}

#[test]
fn batch_sees_ready_completions_without_consuming() {
    let mut ring = Ring::new(4).unwrap();
    assert_eq!(ring.completion().batch().len(), 0);
    assert_eq!(ring.completion().batch().count(), 0);
    assert!(ring.completion().peek().is_none());

    push_nops(&mut ring, 0..4);
    assert_eq!(ring.submit_and_wait(4).unwrap(), 4);
    assert_eq!(ring.completion().batch().len(), 4);
    assert_eq!(batch_user_data(&mut ring), [0, 1, 2, 3]);
    // Neither batch nor peek consumed anything.
    assert_eq!(batch_user_data(&mut ring), [0, 1, 2, 3]);
    assert_eq!(ring.completion().peek().map(|c| c.user_data), Some(0));
    assert_eq!(ring.completion().peek().map(|c| c.user_data), Some(0));
    assert_eq!(ring.completion().ready(), 4);

    push_nops(&mut ring, 4..8);
    assert_eq!(ring.submit_and_wait(8).unwrap(), 4);
    assert_eq!(batch_user_data(&mut ring), (0..8).collect::<Vec<_>>());
    ring.completion().advance(4).unwrap();
    assert_eq!(batch_user_data(&mut ring), [4, 5, 6, 7]);
    assert!(ring.completion().batch().all(|c| c.res == 0));
    ring.completion().advance(4).unwrap();
    assert_eq!(batch_user_data(&mut ring), Vec::<u64>::new());
}
