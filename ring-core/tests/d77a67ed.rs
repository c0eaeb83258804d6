//! Port of liburing's `d77a67ed5f27` regression test: an SQPOLL ring with a 100 ms idle
//! time; sleep 150 ms so the polling thread is asleep, then one NOP with
//! `submit_and_wait(1)` must complete. A submit path that skips the NEED_WAKEUP check when
//! it also waits (historical bug H10) hangs here.
#![cfg(feature = "linux")]

mod support;

use std::time::Duration;

use ring_core::abi::sq_flags;
use ring_core::opcode::Nop;
use ring_core::Ring;

#[test]
fn d77a67ed() {
    support::with_deadline(30, || {
        let mut ring = Ring::builder().entries(8).sqpoll(100).build().unwrap();
        let mut slept = 0;
        for i in 0..5u64 {
            std::thread::sleep(Duration::from_millis(150));
            slept += u32::from(ring.submission().flags() & sq_flags::NEED_WAKEUP != 0);
            ring.submission().push(&Nop::new().build().user_data(i)).unwrap();
            ring.submit_and_wait(1).unwrap();
            let c = support::reap_n(&mut ring, 1);
            assert_eq!((c[0].user_data, c[0].res), (i, 0));
        }
        assert!(slept > 0, "the polling thread never went to sleep");
    });
}
