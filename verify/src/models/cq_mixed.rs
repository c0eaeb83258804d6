//! The `CQE_MIXED` reader: an io-wq worker posts 16- and 32-byte completions into a 4-slot
//! mixed CQ while the user reads them with `peek32`/`advance` and `reap32`. The third
//! completion is 32 bytes and would start in the last slot, so the kernel posts a filler
//! there first and the completion lands in slots 0–1, over completions the user may still
//! be reading (or, when the user has not released them, waits in the backlog for the user's
//! wait to flush it); the fourth, 32 bytes too, follows in slots 2–3. Every slot, fillers and extra words included, is read through the
//! simulator's loom cells: a read of a slot not yet published, or a slot rewritten before
//! the user released it, is a causality violation.

use ring_core::abi::{cqe_flags, setup, sqe_flags, Cqe32};
use ring_core::opcode::{Entry, Nop};
use ring_kernel_sim::{SimQueues, SimRing};

use super::common::Ledger;

/// The operations: (user_data, 32 bytes), in the worker's order.
const OPS: [(u64, bool); 4] = [(1, false), (2, true), (3, true), (4, true)];

/// The extra words of the 32-byte NOP with this user_data.
fn words(ud: u64) -> [u64; 2] {
    [0xa000 + ud, 0xb000_0000_0000_0000 | ud]
}

/// A NOP completed by the io-wq worker, 32 bytes when `big`.
fn async_nop(ud: u64, big: bool) -> Entry {
    Nop::new().cqe32(big.then(|| words(ud))).build().user_data(ud).flags(sqe_flags::ASYNC)
}

/// Checks one completion against its NOP and records it.
fn check(ledger: &mut Ledger, c: &Cqe32) {
    let ud = c.cqe.user_data;
    if c.cqe.flags & cqe_flags::SKIP != 0 {
        panic!("CORRUPT: a filler reached the user: {c:?}");
    }
    let Some(&(_, big)) = OPS.iter().find(|(u, _)| *u == ud) else {
        panic!("CORRUPT: completion with unknown user_data {ud}: {c:?}");
    };
    let want = if big { words(ud) } else { [0, 0] };
    if (c.cqe.flags & cqe_flags::F_32 != 0) != big || c.big_cqe != want {
        panic!(
            "CORRUPT: user_data {ud} read with flags {:#x}, extra words {:x?}",
            c.cqe.flags, c.big_cqe
        );
    }
    ledger.record(ud, c.cqe.res);
}

/// Reads `total` completions, alternating `peek32` + `advance(1)` with `reap32(2)`, and
/// waits in the kernel when none is visible. Bounded: waits that bring nothing are LOST.
fn read_all(q: &mut SimQueues<'_>, sim: &SimRing, ledger: &mut Ledger, total: u32) {
    let (mut got, mut turn, mut fruitless) = (0, 0u32, 0);
    while got < total {
        turn += 1;
        let mut cq = q.completion();
        let n = if turn % 2 == 1 {
            match cq.peek32() {
                Some(c) => {
                    check(ledger, &c);
                    if cq.advance(1).is_err() {
                        panic!("CORRUPT: advance failed after a successful peek");
                    }
                    1
                }
                None => 0,
            }
        } else {
            cq.reap32(2, |c| check(ledger, &c))
        };
        if n != 0 {
            got += n;
            fruitless = 0;
            continue;
        }
        if turn % 2 == 1 {
            // Nothing visible either way: wait. (A filler alone counts as a ready slot for
            // the kernel's wait, so a wait may end with no completion: look again.)
            fruitless += 1;
            if fruitless > 4 {
                panic!("LOST: {got} of {total} completions arrived");
            }
            cq.wait(sim, 1).unwrap_or_else(|e| panic!("LOST: wait failed: {e}"));
        }
    }
}

/// SQ 4 / CQ 4 slots (CQE_MIXED), one io-wq worker, counters from `u32::MAX - 3` (so the
/// slots are numbered as from 0 and the counters cross the wrap): a 16-byte completion in
/// slot 0, a 32-byte one in slots 1–2, then a 32-byte one that gets a filler in slot 3 and
/// lands in slots 0–1, then a 32-byte one in slots 2–3.
pub fn model() {
    let sim = SimRing::builder()
        .entries(4)
        .cq_entries(4)
        .setup_flags(setup::CQE_MIXED)
        .workers(1)
        .start_counters_at(u32::MAX - 3)
        .build()
        .unwrap_or_else(|e| panic!("CORRUPT: simulated ring setup failed: {e}"));
    let mut q = sim.queues().unwrap();
    let threads = sim.start();
    let mut ledger = Ledger::new(5);
    {
        let mut sq = q.submission();
        for (ud, big) in OPS {
            sq.push(&async_nop(ud, big)).unwrap();
        }
        sq.submit(&*sim).unwrap();
    }
    read_all(&mut q, &sim, &mut ledger, OPS.len() as u32);
    ledger.assert_complete(OPS.iter().map(|&(ud, _)| ud));
    threads.join();
    if sim.stats().fillers != 1 {
        panic!("CORRUPT: {} fillers posted, want 1", sim.stats().fillers);
    }
}
