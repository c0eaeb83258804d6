//! 6.18's rules for what a submitted SQE completes with, stated on their own: the oracle of
//! the `raw_sqe` fuzz target. It is written from the kernel's rules (io_uring/io_uring.c
//! `io_init_req`, `io_submit_sqe`, `io_submit_fail_init`, the link failure path, and
//! io_uring/nop.c; docs/sim-sqe-semantics.md lists them), not from the simulator, so the
//! target can catch the simulator departing from them; `fuzz/tests/raw_sqe_oracle.rs` holds
//! it against the real kernel.
//!
//! ```
//! use fuzz::sqe_rules::{RawRing, RawRules};
//! use ring_core::abi::{sqe_flags, Sqe};
//!
//! // A NOP injecting -5, linked to a plain NOP: the second is cancelled.
//! let failing = Sqe { flags: sqe_flags::IO_LINK, op_flags: 1, len: -5i32 as u32, user_data: 1, ..Sqe::ZERO };
//! let next = Sqe { user_data: 2, ..Sqe::ZERO };
//! let batch = RawRules::new(RawRing::default()).submit(&[failing, next]);
//! assert_eq!(batch.consumed, 2);
//! assert_eq!(batch.chains, [vec![(1, -5), (2, -125)]]);
//! ```

use std::collections::BTreeMap;

use ring_core::abi::{op, sqe_flags, Sqe};
use ring_core::Errno;
use ring_kernel_sim::SIM_OP_HELD;

/// `IORING_NOP_*` (the SQE's `op_flags` for NOP), as ring-core names them.
pub use ring_core::abi::nop_flags as nop_bits;

/// The ring the SQEs are submitted to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RawRing {
    /// Set up with CQE32.
    pub cqe32: bool,
    /// Set up with SUBMIT_ALL.
    pub submit_all: bool,
    /// The simulator's held opcode ([`SIM_OP_HELD`]) is an operation that completes with 0
    /// (the `raw_sqe` target releases it so); on a real kernel it is an invalid opcode.
    pub sim_held: bool,
}

/// What one submission (one `io_uring_enter` consuming SQEs) does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBatch {
    /// SQEs consumed: the enter's return value.
    pub consumed: usize,
    /// For each link chain of the batch (a lone request is a chain of one), the CQEs it
    /// posts as `(user_data, res)`, in the order the kernel posts them.
    pub chains: Vec<Vec<(u64, i32)>>,
}

/// The kernel's submission rules for one ring: it keeps the one piece of ring state they
/// depend on (whether CQE_SKIP_SUCCESS has been used, which disables IO_DRAIN for good).
#[derive(Clone, Debug)]
pub struct RawRules {
    ring: RawRing,
    drain_disabled: bool,
}

/// An SQE after initialisation: what it completes with when run, or its init error.
#[derive(Clone, Copy, Debug)]
enum Verdict {
    /// Initialised: the result and whether the request counts as failed.
    Runs { res: i32, failed: bool },
    /// Refused at initialisation with this (negative) result.
    Refused(i32),
}

const ECANCELED: i32 = -Errno::ECANCELED.0;

fn linked(s: &Sqe) -> bool {
    s.flags & (sqe_flags::IO_LINK | sqe_flags::IO_HARDLINK) != 0
}

fn skips(s: &Sqe) -> bool {
    s.flags & sqe_flags::CQE_SKIP_SUCCESS != 0
}

impl RawRules {
    /// The rules for a freshly set up ring.
    pub fn new(ring: RawRing) -> Self {
        RawRules { ring, drain_disabled: false }
    }

    /// One submission of `pending` (the SQEs published and not yet consumed, in order):
    /// how many it consumes and what each chain of them posts.
    pub fn submit(&mut self, pending: &[Sqe]) -> RawBatch {
        // Initialisation runs SQE by SQE; an unlinked refusal ends the batch (after it
        // is consumed) unless the ring submits all.
        let mut judged = Vec::new();
        for s in pending {
            let v = self.verdict(s);
            judged.push((*s, v));
            if matches!(v, Verdict::Refused(_)) && !linked(s) && !self.ring.submit_all {
                break;
            }
        }
        let consumed = judged.len();
        // A chain ends at the first SQE without a link flag, or with the batch.
        let mut chains = Vec::new();
        let mut open: Vec<(Sqe, Verdict)> = Vec::new();
        for (s, v) in judged {
            open.push((s, v));
            if !linked(&s) {
                chains.push(run_chain(&std::mem::take(&mut open)));
            }
        }
        if !open.is_empty() {
            chains.push(run_chain(&open));
        }
        RawBatch { consumed, chains }
    }

    /// `io_init_req` and the opcode's prep, in the kernel's order of checks.
    fn verdict(&mut self, s: &Sqe) -> Verdict {
        let refuse = |e: Errno| Verdict::Refused(-e.0);
        let held = self.ring.sim_held && s.opcode == SIM_OP_HELD;
        if s.opcode >= op::LAST && !held {
            return refuse(Errno::EINVAL);
        }
        if s.flags & 0x80 != 0 {
            return refuse(Errno::EINVAL);
        }
        if s.flags & sqe_flags::BUFFER_SELECT != 0
            && !ring_core::abi::BUFFER_SELECT_OPS.contains(&s.opcode)
        {
            return refuse(Errno::EOPNOTSUPP);
        }
        // Using CQE_SKIP_SUCCESS once turns IO_DRAIN off for the ring's lifetime, this SQE
        // included.
        self.drain_disabled |= skips(s);
        if s.flags & sqe_flags::IO_DRAIN != 0 && self.drain_disabled {
            return refuse(Errno::EOPNOTSUPP);
        }
        // NOP takes no I/O priority; no personality is registered on these rings.
        if (s.opcode == op::NOP || held) && s.ioprio != 0 {
            return refuse(Errno::EINVAL);
        }
        if s.personality != 0 {
            return refuse(Errno::EINVAL);
        }
        if held {
            return Verdict::Runs { res: 0, failed: false };
        }
        if s.opcode != op::NOP {
            // Not performed by the simulator (and never generated for the kernel).
            return Verdict::Runs { res: -Errno::EOPNOTSUPP.0, failed: true };
        }
        let known = nop_bits::INJECT_RESULT
            | nop_bits::FILE
            | nop_bits::FIXED_FILE
            | nop_bits::FIXED_BUFFER
            | nop_bits::TW
            | nop_bits::CQE32;
        if s.op_flags & !known != 0 {
            return refuse(Errno::EINVAL);
        }
        if s.op_flags & nop_bits::CQE32 != 0 && !self.ring.cqe32 {
            return refuse(Errno::EINVAL);
        }
        let res = if s.op_flags & nop_bits::INJECT_RESULT != 0 { s.len as i32 } else { 0 };
        // With no files and no registered buffers, a FILE or FIXED_BUFFER lookup fails: the
        // request fails, its CQE still carries the NOP's result.
        let lookup_fails = s.op_flags & (nop_bits::FILE | nop_bits::FIXED_BUFFER) != 0;
        Verdict::Runs { res, failed: res < 0 || lookup_fails }
    }
}

/// The CQEs of one chain, in posting order.
fn run_chain(chain: &[(Sqe, Verdict)]) -> Vec<(u64, i32)> {
    let Some(&(head, head_verdict)) = chain.first() else { return Vec::new() };
    if chain.iter().any(|(_, v)| matches!(v, Verdict::Refused(_))) {
        // Nothing runs. The head fails (its own error, else ECANCELED) and posts even if it
        // asked to skip; the others fail with ECANCELED or their own error, and post
        // nothing if the head asked to skip.
        let result = |v: &Verdict| match v {
            Verdict::Refused(e) => *e,
            Verdict::Runs { .. } => ECANCELED,
        };
        let mut out = vec![(head.user_data, result(&head_verdict))];
        if !skips(&head) {
            out.extend(chain[1..].iter().map(|(s, v)| (s.user_data, result(v))));
        }
        return out;
    }
    let mut out = Vec::new();
    for (i, (s, v)) in chain.iter().enumerate() {
        let Verdict::Runs { res, failed } = *v else { unreachable!("no refusal here") };
        // A failed request posts even if it asked to skip successes.
        if failed || !skips(s) {
            out.push((s.user_data, res));
        }
        if failed && s.flags & sqe_flags::IO_HARDLINK == 0 {
            // A soft link breaks: the rest is cancelled, silently if this one asked to skip.
            if !skips(s) {
                out.extend(chain[i + 1..].iter().map(|(t, _)| (t.user_data, ECANCELED)));
            }
            break;
        }
    }
    out
}

/// Checks observed completions, in arrival order, against the chains a verdict expects:
/// the same `(user_data, res)` multiset, and within each chain the same order. `user_data`
/// must be unique across the chains.
pub fn compare(observed: &[(u64, i32)], chains: &[Vec<(u64, i32)>]) -> Result<(), String> {
    let mut chain_of: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, c) in chains.iter().enumerate() {
        for &(ud, _) in c {
            chain_of.insert(ud, i);
        }
    }
    let mut seen: Vec<Vec<(u64, i32)>> = vec![Vec::new(); chains.len()];
    let mut stray = Vec::new();
    for &(ud, res) in observed {
        match chain_of.get(&ud) {
            Some(&i) => seen[i].push((ud, res)),
            None => stray.push((ud, res)),
        }
    }
    if !stray.is_empty() {
        return Err(format!("CQEs nobody expects: {stray:?} (expected chains {chains:?})"));
    }
    for (want, got) in chains.iter().zip(&seen) {
        if want != got {
            return Err(format!("chain {want:?} completed as {got:?}"));
        }
    }
    Ok(())
}
