//! Port of liburing's `reg-fd-only` test: `REGISTERED_FD_ONLY` (with `NO_MMAP`) rings have
//! no file descriptor, only a registered-ring index in the creating thread. They run NOP
//! batches and registration calls through the index; another thread gets an errno (never the
//! ring, never some other ring); dropping releases the slot; and running out of the 16
//! registered-ring slots is an errno, not a panic.
#![cfg(feature = "linux")]

mod support;

use ring_core::abi::{feat, op};
use ring_core::opcode::Nop;
use ring_core::{Enter, Errno, Kernel, Ring, RingError, SetupError};

fn round_trip(ring: &mut Ring, base: u64) {
    for ud in base..base + 4 {
        ring.submission().push(&Nop::new().build().user_data(ud)).unwrap();
    }
    assert_eq!(ring.submit_and_wait(4), Ok(4));
    let c = support::reap(ring);
    assert_eq!(
        c.iter().map(|c| c.user_data).collect::<Vec<_>>(),
        (base..base + 4).collect::<Vec<_>>()
    );
}

#[test]
fn reg_fd_only_round_trips() {
    let mut ring = Ring::builder().entries(4).registered_fd_only().build().unwrap();
    assert_eq!(ring.fd(), -1);
    assert!(ring.registered_index().is_some());
    assert!(ring.memory().user);
    for i in 0..100 {
        round_trip(&mut ring, i * 4);
    }
    // Registration goes through the index too (6.3+: USE_REGISTERED_RING).
    assert_ne!(ring.features() & feat::REG_REG_RING, 0);
    assert!(ring.probe().unwrap().is_supported(op::NOP));
    // The only handle cannot be given up.
    assert_eq!(ring.unregister_ring_fd(), Err(Errno::EBADF));
}

#[test]
fn reg_fd_only_from_another_thread_is_an_errno() {
    let mut ring = Ring::builder().entries(4).registered_fd_only().build().unwrap();
    // Give the other thread a registered ring of its own at the same index, so that a
    // submitter that used the index blindly would enter the wrong ring.
    let (enter, register) = std::thread::scope(|s| {
        s.spawn(|| {
            let _decoy = Ring::builder().entries(4).registered_fd_only().build().unwrap();
            let e = ring
                .submitter()
                .enter(Enter { flags: ring_core::abi::enter::GETEVENTS, ..Enter::default() });
            let r = ring.submitter().probe().map(|_| ());
            (e, r)
        })
        .join()
        .unwrap()
    });
    assert_eq!(enter, Err(Errno::EBADF));
    assert_eq!(register, Err(RingError::Kernel(Errno::EBADF)));
    round_trip(&mut ring, 0);
}

#[test]
fn reg_fd_only_rings_are_released_on_drop() {
    support::with_deadline(30, || {
        // Far more than the 16 slots a thread has: each drop must free its slot.
        for i in 0..64 {
            let mut ring = Ring::builder()
                .entries(4)
                .registered_fd_only()
                .build()
                .unwrap_or_else(|e| panic!("ring {i}: {e}"));
            round_trip(&mut ring, 0);
        }
    });
}

#[test]
fn registered_slots_run_out_with_an_errno() {
    support::with_deadline(30, || {
        let mut rings = Vec::new();
        let err = loop {
            match Ring::builder().entries(4).registered_fd_only().build() {
                Ok(r) => rings.push(r),
                Err(e) => break e,
            }
            assert!(rings.len() <= 16, "more than 16 registered rings in one thread");
        };
        assert_eq!(rings.len(), 16);
        assert_eq!(err, SetupError::Kernel(Errno::EBUSY));
        for (i, r) in rings.iter_mut().enumerate() {
            round_trip(r, i as u64 * 4);
        }
        // Ordinary rings still work: they fall back to entering by fd.
        let mut plain = Ring::new(4).unwrap();
        assert_eq!(plain.registered_index(), None);
        round_trip(&mut plain, 0);
    });
}
