//! [`RingMem`]: the memory of one ring, as plain fields with `const` construction: a `static`,
//! a stack frame or a struct field, never the heap. [`RingMem::split`] lends it to ring-core
//! (as [`Queues`]) and to this crate's kernel (as [`Loopback`]) at once.

use core::fmt;

use ring_core::abi::{setup, Cqe, Sqe};
use ring_core::memory::{CqMemory, CqParts, LayoutError, SqMemory, SqParts};
use ring_core::Queues;

use crate::backend::{BareCell, BareWord};
use crate::loopback::{Loopback, LoopbackMem};
use crate::BareQueues;

/// Setup flags the loopback kernel honours: no index array (`NO_SQARRAY`), and going on
/// past an entry that fails to initialise (`SUBMIT_ALL`). `SINGLE_ISSUER` holds by
/// construction (`split` borrows the memory mutably) and is accepted too.
pub const SUPPORTED_FLAGS: u32 = setup::NO_SQARRAY | setup::SUBMIT_ALL | setup::SINGLE_ISSUER;

/// Why [`RingMem::split`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SplitError {
    /// Setup flags the loopback kernel does not implement (SQPOLL, IOPOLL, task work, big
    /// entries...): the bits outside [`SUPPORTED_FLAGS`].
    Unsupported(u32),
    /// ring-core refused the layout. Cannot happen for a `RingMem` (its geometry is checked
    /// at compile time); kept so that no path panics.
    Layout(LayoutError),
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::Unsupported(bits) => {
                write!(f, "setup flags {bits:#x} are not supported by the loopback kernel")
            }
            SplitError::Layout(e) => write!(f, "ring layout: {e}"),
        }
    }
}

/// The memory of one ring with `SQ` submission and `CQ` completion entries (each a power of
/// two, checked at compile time), 64-byte SQEs and 16-byte CQEs.
///
/// ```
/// use downstream::RingMem;
/// use ring_core::opcode::Nop;
///
/// // `new` is const, so the ring can be a `static`: any lock or singleton that hands out
/// // `&mut` to it will do (here std's `Mutex`; on a microcontroller, a critical-section
/// // mutex or a `&'static mut` from a singleton).
/// static RING: std::sync::Mutex<RingMem<4, 8>> = std::sync::Mutex::new(RingMem::new());
///
/// let mut mem = RING.lock().unwrap();
/// let (mut q, kernel) = mem.split(0).unwrap();
/// q.submission().push(&Nop::new().build().user_data(1)).unwrap();
/// assert_eq!(q.submission().submit_and_wait(&kernel, 1), Ok(1));
/// assert_eq!(q.completion().peek().map(|c| c.user_data), Some(1));
/// ```
#[derive(Debug)]
pub struct RingMem<const SQ: usize, const CQ: usize> {
    sq_head: BareWord,
    sq_tail: BareWord,
    sq_mask: BareWord,
    sq_entries: BareWord,
    sq_flags: BareWord,
    sq_dropped: BareWord,
    array: [BareCell<u32>; SQ],
    sqes: [BareCell<Sqe>; SQ],
    cq_head: BareWord,
    cq_tail: BareWord,
    cq_mask: BareWord,
    cq_entries: BareWord,
    cq_overflow: BareWord,
    cq_flags: BareWord,
    cqes: [BareCell<Cqe>; CQ],
}

const EMPTY_SQE: Sqe = Sqe::ZERO;

const EMPTY_CQE: Cqe = Cqe::ZERO;

impl<const SQ: usize, const CQ: usize> RingMem<SQ, CQ> {
    /// Fails the build (at the first use of `new`) for a geometry the protocol cannot
    /// describe: entries must be non-zero powers of two, at most Linux's 32768 SQ entries and
    /// 65536 CQ entries.
    const GEOMETRY: () = assert!(
        SQ.is_power_of_two() && CQ.is_power_of_two() && SQ <= 32768 && CQ <= 65536,
        "RingMem: SQ and CQ must be powers of two (SQ <= 32768, CQ <= 65536)"
    );

    /// An empty ring whose heads and tails start at 0.
    pub const fn new() -> Self {
        Self::starting_at(0)
    }

    /// An empty ring whose heads and tails all start at `start` (any `u32`: a value just
    /// below `u32::MAX` exercises the wrap of every free-running counter).
    pub const fn starting_at(start: u32) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::GEOMETRY;
        RingMem {
            sq_head: BareWord::new(start),
            sq_tail: BareWord::new(start),
            sq_mask: BareWord::new(SQ as u32 - 1),
            sq_entries: BareWord::new(SQ as u32),
            sq_flags: BareWord::new(0),
            sq_dropped: BareWord::new(0),
            array: [const { BareCell::new(0) }; SQ],
            sqes: [const { BareCell::new(EMPTY_SQE) }; SQ],
            cq_head: BareWord::new(start),
            cq_tail: BareWord::new(start),
            cq_mask: BareWord::new(CQ as u32 - 1),
            cq_entries: BareWord::new(CQ as u32),
            cq_overflow: BareWord::new(0),
            cq_flags: BareWord::new(0),
            cqes: [const { BareCell::new(EMPTY_CQE) }; CQ],
        }
    }

    /// Lends the ring to its two sides: ring-core's [`Queues`] (the user side) and the
    /// [`Loopback`] kernel. `flags` are `IORING_SETUP_*` bits, within [`SUPPORTED_FLAGS`].
    ///
    /// The mutable borrow makes the caller the ring's only user-side owner, as
    /// [`Queues::new`] requires. Splitting again after both halves are dropped resumes where
    /// they stopped (entries left pending are still pending).
    pub fn split(&mut self, flags: u32) -> Result<(BareQueues<'_>, Loopback<'_>), SplitError> {
        let unsupported = flags & !SUPPORTED_FLAGS;
        if unsupported != 0 {
            return Err(SplitError::Unsupported(unsupported));
        }
        let sq_array = flags & setup::NO_SQARRAY == 0;
        let this: &Self = self;
        let sq = SqMemory::new(SqParts {
            head: &this.sq_head,
            tail: &this.sq_tail,
            ring_mask: &this.sq_mask,
            ring_entries: &this.sq_entries,
            flags: &this.sq_flags,
            dropped: &this.sq_dropped,
            array: sq_array.then_some(&this.array[..]),
            sqes: &this.sqes,
            sqe128: false,
        })
        .map_err(SplitError::Layout)?;
        let cq = CqMemory::new(CqParts {
            head: &this.cq_head,
            tail: &this.cq_tail,
            ring_mask: &this.cq_mask,
            ring_entries: &this.cq_entries,
            overflow: &this.cq_overflow,
            flags: Some(&this.cq_flags),
            sq_flags: &this.sq_flags,
            cqes: &this.cqes,
            cqe32: false,
        })
        .map_err(SplitError::Layout)?;
        let kernel = Loopback::new(
            LoopbackMem {
                sq_head: &this.sq_head,
                sq_tail: &this.sq_tail,
                sq_dropped: &this.sq_dropped,
                array: sq_array.then_some(&this.array[..]),
                sqes: &this.sqes,
                cq_head: &this.cq_head,
                cq_tail: &this.cq_tail,
                cqes: &this.cqes,
            },
            flags,
        );
        // SAFETY: `&mut self` is held for `'_`, the lifetime of the returned queues, so no
        // other `Queues` over this memory can exist while they do.
        let queues = unsafe { Queues::new(sq, cq, flags) };
        Ok((queues, kernel))
    }
}

impl<const SQ: usize, const CQ: usize> Default for RingMem<SQ, CQ> {
    fn default() -> Self {
        Self::new()
    }
}
