//! Port of liburing's `sqpoll-sleep` test: an SQPOLL ring with a 100 ms idle time; after a
//! round trip the polling thread goes to sleep and says so with `IORING_SQ_NEED_WAKEUP`,
//! roughly one idle period later. Then a submission wakes it again.
#![cfg(feature = "linux")]

mod support;

use std::time::{Duration, Instant};

use ring_core::abi::sq_flags;
use ring_core::opcode::Nop;
use ring_core::Ring;

#[test]
fn sqpoll_sleep() {
    support::with_deadline(30, || {
        let mut ring = Ring::builder().entries(8).sqpoll(100).build().unwrap();
        for round in 0..3u64 {
            ring.submission().push(&Nop::new().build().user_data(round)).unwrap();
            ring.submit_and_wait(1).unwrap();
            let c = support::reap_n(&mut ring, 1);
            assert_eq!((c[0].user_data, c[0].res), (round, 0));
            // The thread was busy a moment ago; it sleeps only after the idle time.
            let t0 = Instant::now();
            while ring.submission().flags() & sq_flags::NEED_WAKEUP == 0 {
                assert!(t0.elapsed() < Duration::from_secs(10), "NEED_WAKEUP never appeared");
                std::thread::sleep(Duration::from_millis(1));
            }
            let dt = t0.elapsed();
            assert!(dt >= Duration::from_millis(50), "round {round}: asleep after only {dt:?}");
            // A plan to submit now includes the wakeup.
            ring.submission().push(&Nop::new().build().user_data(100 + round)).unwrap();
            let plan = ring.submission().plan_enter(0);
            assert_ne!(plan.flags & ring_core::abi::enter::SQ_WAKEUP, 0, "{plan:?}");
            ring.submit_and_wait(1).unwrap();
            assert_eq!(support::reap_n(&mut ring, 1)[0].user_data, 100 + round);
        }
    });
}
