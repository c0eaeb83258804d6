//! Port of liburing's `sqwait` test: an SQPOLL ring of 8 runs thousands of operations with
//! a bounded number in flight; whenever the SQ is full, waiting for SQ space
//! (`IORING_ENTER_SQ_WAIT`) lets the next acquisition succeed. Also the deterministic case:
//! the polling thread asleep and the SQ full of unsubmitted entries, where the wait must wake
//! the thread (else it would wait forever).
#![cfg(feature = "linux")]

mod support;

use std::time::Duration;

use ring_core::abi::sq_flags;
use ring_core::opcode::Nop;
use ring_core::Ring;

const OPS: u64 = 5000;

#[test]
fn sqwait() {
    support::with_deadline(60, || {
        let mut ring = Ring::builder().entries(8).sqpoll(100).build().unwrap();
        let cq_size = u64::from(ring.params().cq_entries);
        let (mut pushed, mut reaped, mut waits) = (0u64, 0u64, 0u32);
        let mut next_expected = 0u64;
        while reaped < OPS {
            while pushed < OPS && pushed - reaped < cq_size {
                if ring.submission().is_full() {
                    waits += 1;
                    let space = ring.sq_wait().unwrap();
                    assert!(space > 0, "sq_wait returned with a full SQ");
                }
                ring.submission().push(&Nop::new().build().user_data(pushed)).unwrap();
                pushed += 1;
                if pushed % 8 == 0 {
                    ring.submit().unwrap();
                }
            }
            ring.submit().unwrap();
            if ring.completion().ready() == 0 {
                ring.wait_timeout(1, Duration::from_secs(10)).unwrap();
            }
            for c in support::reap(&mut ring) {
                assert_eq!((c.user_data, c.res), (next_expected, 0));
                next_expected += 1;
                reaped += 1;
            }
        }
        println!("sqwait: {OPS} NOPs, {waits} waits for SQ space");
    });
}

#[test]
fn sqwait_wakes_a_sleeping_thread() {
    support::with_deadline(30, || {
        let mut ring = Ring::builder().entries(8).sqpoll(10).build().unwrap();
        for round in 0..3u64 {
            std::thread::sleep(Duration::from_millis(60));
            assert_ne!(ring.submission().flags() & sq_flags::NEED_WAKEUP, 0, "thread not asleep");
            {
                let mut sq = ring.submission();
                for i in 0..8 {
                    sq.push(&Nop::new().build().user_data(round * 8 + i)).unwrap();
                }
                assert_eq!(sq.publish(), 8);
                assert!(sq.is_full());
            }
            // Full, published, thread asleep: only a wakeup makes room.
            let space = ring.sq_wait().unwrap();
            assert!(space > 0);
            let c = support::reap_n(&mut ring, 8);
            assert_eq!(
                c.iter().map(|c| c.user_data).collect::<Vec<_>>(),
                (round * 8..round * 8 + 8).collect::<Vec<_>>()
            );
        }
        // Without SQPOLL there is nothing to wait for: sq_wait reports the space at once.
        let mut plain = Ring::new(4).unwrap();
        assert_eq!(plain.sq_wait().unwrap(), 4);
    });
}
