//! [`self_test`]: one round trip through the whole stack (ring memory, loopback kernel, `Bare`
//! backend, ring-core's queues, the driver), callable from firmware at boot. Being a plain
//! function, it also makes the `thumbv6m-none-eabi` build compile every generic piece of that
//! path for a target without compare-and-swap.

use core::fmt;

use ring_core::opcode::Nop;

use crate::driver::{submit_and_reap, DriveError};
use crate::memory::{RingMem, SplitError};

/// How the self-test failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SelfTestError {
    /// The ring could not be split (a build of this crate that refuses its own flags).
    Split(SplitError),
    /// The driver stopped with an error.
    Drive(DriveError),
    /// Not every operation completed exactly once with its result, or a completion carried a
    /// `user_data` nobody submitted.
    Completions {
        /// Bit `i` is set if `user_data` `i` completed exactly once with its result.
        ok: u8,
        /// A completion with an unknown `user_data` arrived.
        stray: bool,
    },
}

impl fmt::Display for SelfTestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelfTestError::Split(e) => write!(f, "self-test: {e}"),
            SelfTestError::Drive(e) => write!(f, "self-test: {e}"),
            SelfTestError::Completions { ok, stray } => write!(
                f,
                "self-test: completions {ok:#010b} of 0b11111111 arrived exactly once{}",
                if *stray { ", and an unknown one" } else { "" }
            ),
        }
    }
}

/// Pushes eight NOPs through a ring of two SQ and two CQ entries, so that the SQ fills, the
/// CQ fills (the kernel answers `EBUSY`) and submissions come up short, and checks that each
/// completes exactly once with its injected result. Uses about 200 bytes of stack; no heap.
///
/// ```
/// assert_eq!(downstream::self_test(), Ok(()));
/// ```
pub fn self_test() -> Result<(), SelfTestError> {
    let mut mem = RingMem::<2, 2>::new();
    let (mut q, kernel) = mem.split(0).map_err(SelfTestError::Split)?;
    let (sq, cq) = q.split();
    let entries = (0..8u8)
        .map(|i| Nop::new().inject_result(Some(i32::from(i))).build().user_data(u64::from(i)));
    let (mut seen, mut ok, mut stray) = (0u8, 0u8, false);
    submit_and_reap(sq, cq, &kernel, entries, |cqe| {
        let i = cqe.user_data;
        if i >= 8 {
            stray = true;
            return;
        }
        let bit = 1u8 << i;
        if seen & bit == 0 && u64::try_from(cqe.res) == Ok(i) {
            ok |= bit;
        } else {
            ok &= !bit; // a second completion, or a wrong result
        }
        seen |= bit;
    })
    .map_err(SelfTestError::Drive)?;
    if stray || ok != u8::MAX {
        return Err(SelfTestError::Completions { ok, stray });
    }
    Ok(())
}
