//! The simulated ring's memory: words and cells owned by the simulator, lent to ring-core.

use ring_core::abi::{Cqe, Sqe};
use ring_core::memory::{CqMemory, CqParts, LayoutError, SqMemory, SqParts};
use ring_core::setup::Geometry;

use crate::backend::{Sim, SimCell, SimWord};

/// Every shared word and slot of one simulated ring.
#[derive(Debug)]
pub(crate) struct SimMemory {
    pub(crate) sq_head: SimWord,
    pub(crate) sq_tail: SimWord,
    sq_mask: SimWord,
    sq_entries: SimWord,
    pub(crate) sq_flags: SimWord,
    pub(crate) sq_dropped: SimWord,
    pub(crate) array: Option<Box<[SimCell<u32>]>>,
    pub(crate) sqes: Box<[SimCell<Sqe>]>,
    pub(crate) cq_head: SimWord,
    pub(crate) cq_tail: SimWord,
    cq_mask: SimWord,
    cq_entries: SimWord,
    pub(crate) cq_overflow: SimWord,
    cq_flags: SimWord,
    pub(crate) cqes: Box<[SimCell<Cqe>]>,
    pub(crate) sq_shift: u32,
    pub(crate) cq_shift: u32,
}

impl SimMemory {
    /// Memory for `geo` with every head and tail starting at `start` (to exercise the wrap).
    pub(crate) fn new(geo: &Geometry, start: u32) -> Self {
        let sq_shift = u32::from(geo.sqe_size == 128);
        let cq_shift = u32::from(geo.cqe_size == 32);
        let array = geo.sq_array.then(|| (0..geo.sq_entries).map(|_| SimCell::new(0u32)).collect());
        SimMemory {
            sq_head: SimWord::new(start),
            sq_tail: SimWord::new(start),
            sq_mask: SimWord::new(geo.sq_entries - 1),
            sq_entries: SimWord::new(geo.sq_entries),
            sq_flags: SimWord::new(0),
            sq_dropped: SimWord::new(0),
            array,
            sqes: (0..(geo.sq_entries << sq_shift)).map(|_| SimCell::new(Sqe::default())).collect(),
            cq_head: SimWord::new(start),
            cq_tail: SimWord::new(start),
            cq_mask: SimWord::new(geo.cq_entries - 1),
            cq_entries: SimWord::new(geo.cq_entries),
            cq_overflow: SimWord::new(0),
            cq_flags: SimWord::new(0),
            cqes: (0..(geo.cq_entries << cq_shift)).map(|_| SimCell::new(Cqe::default())).collect(),
            sq_shift,
            cq_shift,
        }
    }

    pub(crate) fn sq_memory(&self) -> Result<SqMemory<'_, Sim>, LayoutError> {
        SqMemory::new(SqParts {
            head: &self.sq_head,
            tail: &self.sq_tail,
            ring_mask: &self.sq_mask,
            ring_entries: &self.sq_entries,
            flags: &self.sq_flags,
            dropped: &self.sq_dropped,
            array: self.array.as_deref(),
            sqes: &self.sqes,
            sqe128: self.sq_shift == 1,
        })
    }

    pub(crate) fn cq_memory(&self) -> Result<CqMemory<'_, Sim>, LayoutError> {
        CqMemory::new(CqParts {
            head: &self.cq_head,
            tail: &self.cq_tail,
            ring_mask: &self.cq_mask,
            ring_entries: &self.cq_entries,
            overflow: &self.cq_overflow,
            flags: Some(&self.cq_flags),
            sq_flags: &self.sq_flags,
            cqes: &self.cqes,
            cqe32: self.cq_shift == 1,
        })
    }
}
