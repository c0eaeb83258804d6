//! Helpers shared by the real-kernel scenario tests.
#![allow(dead_code)] // each test binary uses a different subset

use ring_core::abi::Cqe;
use ring_core::opcode::{Entry, Nop};
use ring_core::Ring;

/// A NOP carrying `user_data`.
pub fn nop(user_data: u64) -> Entry {
    Nop::new().build().user_data(user_data)
}

/// Pushes one NOP per value of `user_data` (panics if the SQ fills up).
pub fn push_nops(ring: &mut Ring, user_data: impl IntoIterator<Item = u64>) {
    let mut sq = ring.submission();
    for ud in user_data {
        sq.push(&nop(ud)).unwrap_or_else(|e| panic!("push of NOP {ud}: {e}"));
    }
}

/// Reaps every completion ready now, without entering the kernel.
pub fn reap_ready(ring: &mut Ring) -> Vec<Cqe> {
    let mut out = Vec::new();
    ring.completion().reap(u32::MAX, |c| out.push(c));
    out
}

/// The `user_data` of each CQE, in order.
pub fn user_data(cqes: &[Cqe]) -> Vec<u64> {
    cqes.iter().map(|c| c.user_data).collect()
}

/// Asserts that every CQE completed with result 0.
pub fn assert_all_ok(cqes: &[Cqe]) {
    for c in cqes {
        assert_eq!(c.res, 0, "CQE {c:?} failed");
    }
}
