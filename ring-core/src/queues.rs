//! [`Queues`]: one SQ and one CQ over borrowed memory, with the user's private state.

use crate::backend::{Backend, Native};
use crate::cq::{CompletionQueue, CqState};
use crate::memory::{CqMemory, SqMemory};
use crate::sq::{SqState, SubmissionQueue};

/// The user side of one ring: the borrowed memory of both queues plus the user's state.
///
/// The real ring owns one (`Ring`); the simulated kernel lends one per user. Views are
/// handed out per call, so they cannot outlive the memory they borrow.
pub struct Queues<'a, B: Backend = Native> {
    sq_mem: SqMemory<'a, B>,
    cq_mem: CqMemory<'a, B>,
    sq: SqState,
    cq: CqState,
}

impl<'a, B: Backend> Queues<'a, B> {
    /// Takes over the user side of a ring. The state starts from the current tail (SQ) and
    /// head (CQ), and the SQ index array (if any) is initialised to the identity.
    ///
    /// # Safety
    ///
    /// The caller must make this the ring's only user-side owner for as long as it lives: no
    /// other `Queues` over the same memory may exist at the same time (they would write the
    /// same SQE slots and array entries, and release the same CQ slots, without any
    /// synchronisation between them: a data race). Creating a new one after the previous one
    /// is dropped is fine. `Ring` and `ring_kernel_sim::SimRing::queues` uphold this for the
    /// rings they own; an embedding crate that borrows its own memory must too, for example
    /// by taking `&mut` of the memory for the lifetime `'a`.
    pub unsafe fn new(
        sq_mem: SqMemory<'a, B>,
        mut cq_mem: CqMemory<'a, B>,
        setup_flags: u32,
    ) -> Self {
        // A mixed CQ has 16-byte slots; with CQE32 as well (which the kernel refuses) the
        // memory's 32-byte slots win.
        cq_mem.mixed = setup_flags & crate::abi::setup::CQE_MIXED != 0 && cq_mem.shift == 0;
        let sq = SqState::new(&sq_mem, setup_flags);
        let cq = CqState::new(&cq_mem);
        Queues { sq_mem, cq_mem, sq, cq }
    }

    /// The submission queue.
    #[inline]
    pub fn submission(&mut self) -> SubmissionQueue<'_, B> {
        SubmissionQueue::new(&self.sq_mem, &mut self.sq)
    }

    /// The completion queue.
    #[inline]
    pub fn completion(&mut self) -> CompletionQueue<'_, B> {
        CompletionQueue::new(&self.cq_mem, &mut self.cq)
    }

    /// Both queues at once, for example for a submitter thread and a reaper thread.
    #[inline]
    pub fn split(&mut self) -> (SubmissionQueue<'_, B>, CompletionQueue<'_, B>) {
        (
            SubmissionQueue::new(&self.sq_mem, &mut self.sq),
            CompletionQueue::new(&self.cq_mem, &mut self.cq),
        )
    }

    /// The ring's setup flags.
    pub fn setup_flags(&self) -> u32 {
        self.sq.setup_flags
    }
}
