//! Ring memory, borrowed: the shared words and entry slots of one SQ and one CQ.
//!
//! The core never allocates or owns ring memory. The real ring builds these views from its
//! mmap'd (or user-provided) regions; the simulated kernel lends its own loom or std objects.
//! Construction checks the geometry the memory claims, so a bad layout (from a kernel or a
//! caller) is a [`LayoutError`], never an out-of-bounds access later.

use core::fmt;

use crate::abi::{Cqe, Sqe};
use crate::backend::{load, Backend};
use crate::site::Site;

/// A ring layout that does not describe a usable ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayoutError {
    /// `ring_entries` is zero or not a power of two.
    NotPowerOfTwo {
        /// Which ring.
        ring: &'static str,
        /// The value read.
        entries: u32,
    },
    /// `ring_mask` is not `ring_entries - 1`.
    MaskMismatch {
        /// Which ring.
        ring: &'static str,
        /// The mask read.
        mask: u32,
        /// The entries read.
        entries: u32,
    },
    /// The ring words disagree with the entry count from the setup parameters.
    EntriesMismatch {
        /// Which ring.
        ring: &'static str,
        /// From the parameters.
        expected: u32,
        /// From the ring memory.
        found: u32,
    },
    /// A slot array has the wrong length for the ring's geometry.
    SlotCount {
        /// Which array.
        what: &'static str,
        /// The length the geometry needs.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// An offset (plus its size) lies outside its region, or is misaligned.
    BadOffset {
        /// Which field.
        what: &'static str,
        /// The offset.
        offset: u32,
    },
    /// A size computation overflowed.
    Overflow,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LayoutError::NotPowerOfTwo { ring, entries } => {
                write!(f, "{ring} ring_entries {entries} is not a non-zero power of two")
            }
            LayoutError::MaskMismatch { ring, mask, entries } => {
                write!(f, "{ring} ring_mask {mask:#x} does not match {entries} entries")
            }
            LayoutError::EntriesMismatch { ring, expected, found } => {
                write!(f, "{ring} ring has {found} entries, parameters say {expected}")
            }
            LayoutError::SlotCount { what, expected, found } => {
                write!(f, "{what}: {found} slots given, geometry needs {expected}")
            }
            LayoutError::BadOffset { what, offset } => {
                write!(f, "offset {offset:#x} of {what} is out of bounds or misaligned")
            }
            LayoutError::Overflow => f.write_str("ring size computation overflowed"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LayoutError {}

fn geometry<B: Backend>(
    ring: &'static str,
    mask_word: &B::Word,
    entries_word: &B::Word,
) -> Result<(u32, u32), LayoutError> {
    let entries = load::<B>(entries_word, Site::GeometryLoad);
    let mask = load::<B>(mask_word, Site::GeometryLoad);
    if entries == 0 || !entries.is_power_of_two() {
        return Err(LayoutError::NotPowerOfTwo { ring, entries });
    }
    if mask != entries - 1 {
        return Err(LayoutError::MaskMismatch { ring, mask, entries });
    }
    Ok((entries, mask))
}

fn slot_count(what: &'static str, expected: usize, found: usize) -> Result<(), LayoutError> {
    if expected != found {
        return Err(LayoutError::SlotCount { what, expected, found });
    }
    Ok(())
}

/// The parts of an SQ, as the memory's owner lends them.
pub struct SqParts<'a, B: Backend> {
    /// Kernel-written head.
    pub head: &'a B::Word,
    /// User-written tail.
    pub tail: &'a B::Word,
    /// `ring_mask` word.
    pub ring_mask: &'a B::Word,
    /// `ring_entries` word.
    pub ring_entries: &'a B::Word,
    /// Kernel-written flags (`IORING_SQ_*`).
    pub flags: &'a B::Word,
    /// Kernel-written dropped counter.
    pub dropped: &'a B::Word,
    /// The index array, `None` with `NO_SQARRAY`.
    pub array: Option<&'a [B::Cell<u32>]>,
    /// The SQE array in 64-byte units: `entries` units, or `2 * entries` with SQE128.
    pub sqes: &'a [B::Cell<Sqe>],
    /// Whether SQEs are 128 bytes.
    pub sqe128: bool,
}

/// A validated, borrowed SQ.
pub struct SqMemory<'a, B: Backend> {
    pub(crate) head: &'a B::Word,
    pub(crate) tail: &'a B::Word,
    pub(crate) flags: &'a B::Word,
    pub(crate) dropped: &'a B::Word,
    pub(crate) array: Option<&'a [B::Cell<u32>]>,
    pub(crate) sqes: &'a [B::Cell<Sqe>],
    pub(crate) entries: u32,
    pub(crate) mask: u32,
    /// log2 of 64-byte units per SQE: 0, or 1 with SQE128.
    pub(crate) shift: u32,
}

impl<B: Backend> Clone for SqMemory<'_, B> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<B: Backend> Copy for SqMemory<'_, B> {}

impl<'a, B: Backend> SqMemory<'a, B> {
    /// Checks the parts against each other: entries a power of two, mask matching, slot
    /// arrays of the right length.
    pub fn new(p: SqParts<'a, B>) -> Result<Self, LayoutError> {
        let (entries, mask) = geometry::<B>("SQ", p.ring_mask, p.ring_entries)?;
        let shift = u32::from(p.sqe128);
        slot_count("SQE array", (entries as usize) << shift, p.sqes.len())?;
        if let Some(a) = p.array {
            slot_count("SQ index array", entries as usize, a.len())?;
        }
        Ok(SqMemory {
            head: p.head,
            tail: p.tail,
            flags: p.flags,
            dropped: p.dropped,
            array: p.array,
            sqes: p.sqes,
            entries,
            mask,
            shift,
        })
    }

    /// Number of SQ entries.
    pub fn entries(&self) -> u32 {
        self.entries
    }
}

/// The parts of a CQ, as the memory's owner lends them.
pub struct CqParts<'a, B: Backend> {
    /// User-written head.
    pub head: &'a B::Word,
    /// Kernel-written tail.
    pub tail: &'a B::Word,
    /// `ring_mask` word.
    pub ring_mask: &'a B::Word,
    /// `ring_entries` word.
    pub ring_entries: &'a B::Word,
    /// Kernel-written overflow counter.
    pub overflow: &'a B::Word,
    /// User-written CQ flags, `None` on kernels before 5.8.
    pub flags: Option<&'a B::Word>,
    /// The SQ flags word (CQ_OVERFLOW and TASKRUN live there).
    pub sq_flags: &'a B::Word,
    /// The CQE array in 16-byte units: `entries` units, or `2 * entries` with CQE32.
    pub cqes: &'a [B::Cell<Cqe>],
    /// Whether CQEs are 32 bytes.
    pub cqe32: bool,
}

/// A validated, borrowed CQ.
pub struct CqMemory<'a, B: Backend> {
    pub(crate) head: &'a B::Word,
    pub(crate) tail: &'a B::Word,
    pub(crate) overflow: &'a B::Word,
    pub(crate) flags: Option<&'a B::Word>,
    pub(crate) sq_flags: &'a B::Word,
    pub(crate) cqes: &'a [B::Cell<Cqe>],
    pub(crate) entries: u32,
    pub(crate) mask: u32,
    /// log2 of 16-byte units per CQE: 0, or 1 with CQE32.
    pub(crate) shift: u32,
    /// `CQE_MIXED`: 16- and 32-byte completions in 16-byte slots (set by `Queues::new` from
    /// the setup flags).
    pub(crate) mixed: bool,
}

impl<B: Backend> Clone for CqMemory<'_, B> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<B: Backend> Copy for CqMemory<'_, B> {}

impl<'a, B: Backend> CqMemory<'a, B> {
    /// Checks the parts against each other, as [`SqMemory::new`].
    pub fn new(p: CqParts<'a, B>) -> Result<Self, LayoutError> {
        let (entries, mask) = geometry::<B>("CQ", p.ring_mask, p.ring_entries)?;
        let shift = u32::from(p.cqe32);
        slot_count("CQE array", (entries as usize) << shift, p.cqes.len())?;
        Ok(CqMemory {
            head: p.head,
            tail: p.tail,
            overflow: p.overflow,
            flags: p.flags,
            sq_flags: p.sq_flags,
            cqes: p.cqes,
            entries,
            mask,
            shift,
            mixed: false,
        })
    }

    /// Number of CQ entries.
    pub fn entries(&self) -> u32 {
        self.entries
    }
}
