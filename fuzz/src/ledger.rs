//! [`Ledger`]: exactly-once accounting of every `user_data`, whatever the kernel's timing.
//!
//! The ledger knows which entries the kernel has consumed and which CQE each will post. It
//! checks every CQE the user consumes: known, consumed by the kernel already, not consumed by
//! the user before, with the expected result, and (for inline completions) in submission
//! order. At the end, [`Ledger::outstanding`] lists what never arrived. It holds on every
//! target, including those whose completion timing the model cannot predict.

use std::collections::{BTreeMap, VecDeque};

use ring_core::abi::Cqe;

use crate::op::Sub;

/// Where one `user_data` stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Written into the SQ, not yet consumed by the kernel.
    Queued,
    /// Consumed; its CQE is expected and has not been consumed by the user.
    Expected,
    /// Consumed; it posts no CQE (`CQE_SKIP_SUCCESS` on a success).
    Silent,
    /// Its CQE was consumed by the user.
    Done,
}

/// A broken exactly-once rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LedgerError {
    /// A CQE with a `user_data` no entry carried.
    Unknown(Cqe),
    /// A second CQE for the same entry.
    Duplicate(Cqe),
    /// A CQE for an entry the kernel had not consumed (an overwritten or phantom SQE).
    BeforeSubmit(Cqe),
    /// A CQE for an entry that posts none.
    Unexpected(Cqe),
    /// The right entry, the wrong result.
    WrongResult {
        /// The CQE.
        cqe: Cqe,
        /// The result the entry completes with.
        expected: i32,
    },
    /// An inline completion overtook an older inline completion.
    OutOfOrder {
        /// The CQE consumed.
        cqe: Cqe,
        /// The older inline completion that should have come first.
        oldest: u64,
    },
}

impl core::fmt::Display for LedgerError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LedgerError::Unknown(c) => {
                write!(f, "UNKNOWN CQE {{ud {}, res {}}}", c.user_data, c.res)
            }
            LedgerError::Duplicate(c) => write!(f, "DUPLICATE completion of ud {}", c.user_data),
            LedgerError::BeforeSubmit(c) => write!(
                f,
                "CQE for ud {} which the kernel never consumed (overwritten SQE?)",
                c.user_data
            ),
            LedgerError::Unexpected(c) => {
                write!(f, "CQE for ud {} which skips its successful completion", c.user_data)
            }
            LedgerError::WrongResult { cqe, expected } => {
                write!(f, "ud {} completed with {} instead of {expected}", cqe.user_data, cqe.res)
            }
            LedgerError::OutOfOrder { cqe, oldest } => write!(
                f,
                "OUT OF ORDER: inline completion of ud {} consumed before that of ud {oldest}, \
                 submitted earlier (lost, or overwritten in the SQ)",
                cqe.user_data
            ),
        }
    }
}

/// Exactly-once accounting.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    subs: BTreeMap<u64, (Sub, State)>,
    /// Inline completions posted and not yet consumed, oldest first.
    inline: VecDeque<u64>,
    /// io-wq completions expected and not yet consumed.
    floating: usize,
    /// CQEs consumed so far.
    consumed: u64,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// `sub` was written into the SQ.
    pub fn queued(&mut self, sub: Sub) {
        self.subs.insert(sub.ud, (sub, State::Queued));
    }

    /// The kernel consumed `sub`.
    pub fn consumed(&mut self, sub: Sub) {
        let st = if sub.posts_cqe() { State::Expected } else { State::Silent };
        if let Some(e) = self.subs.get_mut(&sub.ud) {
            e.1 = st;
        }
        if st == State::Expected {
            if sub.is_async() {
                self.floating += 1;
            } else {
                self.inline.push_back(sub.ud);
            }
        }
    }

    /// The entry that carried `ud`.
    pub fn sub(&self, ud: u64) -> Option<Sub> {
        self.subs.get(&ud).map(|e| e.0)
    }

    /// The state of `ud`.
    pub fn state(&self, ud: u64) -> Option<State> {
        self.subs.get(&ud).map(|e| e.1)
    }

    /// The user consumed `cqe`.
    pub fn complete(&mut self, cqe: Cqe) -> Result<(), LedgerError> {
        let Some(&(sub, st)) = self.subs.get(&cqe.user_data) else {
            return Err(LedgerError::Unknown(cqe));
        };
        match st {
            State::Queued => return Err(LedgerError::BeforeSubmit(cqe)),
            State::Silent => return Err(LedgerError::Unexpected(cqe)),
            State::Done => return Err(LedgerError::Duplicate(cqe)),
            State::Expected => {}
        }
        if cqe.res != sub.kind.result() {
            return Err(LedgerError::WrongResult { cqe, expected: sub.kind.result() });
        }
        if sub.is_async() {
            self.floating -= 1;
        } else {
            match self.inline.front() {
                Some(&oldest) if oldest != cqe.user_data => {
                    return Err(LedgerError::OutOfOrder { cqe, oldest })
                }
                _ => {
                    self.inline.pop_front();
                }
            }
        }
        self.subs.insert(cqe.user_data, (sub, State::Done));
        self.consumed += 1;
        Ok(())
    }

    /// Inline completions posted and not yet consumed.
    pub fn inline_unread(&self) -> u32 {
        self.inline.len() as u32
    }

    /// io-wq completions expected and not yet consumed (posted or not).
    pub fn floating(&self) -> u32 {
        self.floating as u32
    }

    /// Every CQE still to come: inline ones posted plus io-wq ones expected.
    pub fn unread(&self) -> u32 {
        self.inline_unread() + self.floating()
    }

    /// CQEs consumed so far.
    pub fn consumed_cqes(&self) -> u64 {
        self.consumed
    }

    /// Consumed entries whose CQE never arrived. Entries the kernel never consumed are not
    /// listed: see [`Ledger::unfinished`] for the end-of-run check.
    pub fn outstanding(&self) -> Vec<u64> {
        self.subs.iter().filter(|(_, e)| e.1 == State::Expected).map(|(&ud, _)| ud).collect()
    }

    /// Every entry written that has not finished: consumed without its CQE arriving, or
    /// never consumed by the kernel at all. Empty after a complete drain.
    pub fn unfinished(&self) -> Vec<u64> {
        self.subs
            .iter()
            .filter(|(_, e)| matches!(e.1, State::Expected | State::Queued))
            .map(|(&ud, _)| ud)
            .collect()
    }

    /// Every entry written so far, with its state.
    pub fn entries(&self) -> impl Iterator<Item = (Sub, State)> + '_ {
        self.subs.values().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::{Flags, Kind};

    fn sub(ud: u64, kind: Kind, async_: bool) -> Sub {
        Sub { ud, kind, flags: Flags { async_, skip_success: false } }
    }

    fn cqe(ud: u64, res: i32) -> Cqe {
        Cqe { user_data: ud, res, flags: 0 }
    }

    #[test]
    fn exactly_once() {
        let mut l = Ledger::new();
        for s in [sub(1, Kind::Nop, false), sub(2, Kind::Nop, false), sub(3, Kind::Nop, true)] {
            l.queued(s);
        }
        assert_eq!(l.complete(cqe(1, 0)), Err(LedgerError::BeforeSubmit(cqe(1, 0))));
        l.consumed(sub(1, Kind::Nop, false));
        l.consumed(sub(2, Kind::Nop, false));
        l.consumed(sub(3, Kind::Nop, true));
        assert_eq!(l.unread(), 3);
        assert_eq!(
            l.complete(cqe(2, 0)),
            Err(LedgerError::OutOfOrder { cqe: cqe(2, 0), oldest: 1 })
        );
        assert_eq!(l.complete(cqe(3, 0)), Ok(()));
        assert_eq!(
            l.complete(cqe(1, -1)),
            Err(LedgerError::WrongResult { cqe: cqe(1, -1), expected: 0 })
        );
        assert_eq!(l.complete(cqe(1, 0)), Ok(()));
        assert_eq!(l.complete(cqe(1, 0)), Err(LedgerError::Duplicate(cqe(1, 0))));
        assert_eq!(l.complete(cqe(9, 0)), Err(LedgerError::Unknown(cqe(9, 0))));
        assert_eq!(l.outstanding(), vec![2]);
        l.queued(sub(4, Kind::Nop, false));
        assert_eq!(l.outstanding(), vec![2], "never consumed: not outstanding");
        assert_eq!(l.unfinished(), vec![2, 4]);
    }
}
