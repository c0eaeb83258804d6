//! The slot table: one slot per operation in flight on a ring, and the hand-off of its
//! result from the reaper to the thread that waits for it.
//!
//! A ring has as many slots as it may have operations in flight (at most its CQ size, so the
//! CQ can never overflow). An operation's `user_data` names its slot and the slot's
//! generation, so a completion that does not belong to the slot's current operation is
//! recognised and ignored rather than delivered to the wrong caller.
//!
//! Ownership rules (each transition names the only party allowed to make it):
//! - **free → pending**: the submitter that took the slot from the free list (under the
//!   ring's submission lock), before it publishes the SQE.
//! - **pending → parked**: the owner, when it is about to sleep on the state word.
//! - **pending/parked → done**: the reaper, after writing the result; it wakes the owner if
//!   the owner parked.
//! - **done → free** (next generation): the owner, after reading the result; it then pushes
//!   the slot onto the returned stack, from which the next submitter takes it.
//!
//! The result cell is written only by the reaper between the owner's `pending` and the
//! reaper's `done`, and read only by the owner after it observed `done`.

use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use crate::sync::{spin_hint, AtomicU32, Cell, FutexWord};

/// No slot (the empty returned stack, the end of its chain).
const NIL: u32 = u32::MAX;

/// The low two bits of a slot's state word; the generation is the upper 30 bits.
const FREE: u32 = 0;
const PENDING: u32 = 1;
const PARKED: u32 = 2;
const DONE: u32 = 3;
const TAG: u32 = 3;
const GEN_BITS: u32 = 30;
const GEN_MASK: u32 = (1 << GEN_BITS) - 1;

/// The `user_data` bit of the operation that stops a ring's reaper (see `ring.rs`).
pub(crate) const WAKE_BIT: u64 = 1 << 63;

#[inline]
fn state(gen: u32, tag: u32) -> u32 {
    (gen << 2) | tag
}

/// An operation in flight: its slot and the slot's generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket {
    pub(crate) idx: u32,
    pub(crate) gen: u32,
}

impl Ticket {
    /// The `user_data` carrying this ticket.
    #[inline]
    pub(crate) fn user_data(self) -> u64 {
        (u64::from(self.gen) << 32) | u64::from(self.idx)
    }

    /// The ticket a `user_data` carries (the wake bit cleared).
    #[inline]
    pub(crate) fn from_user_data(ud: u64) -> Ticket {
        Ticket { idx: ud as u32, gen: ((ud & !WAKE_BIT) >> 32) as u32 }
    }
}

/// One slot, alone on its cache line: the reaper writes it while its owner spins on it, and
/// neighbouring slots belong to other threads.
#[repr(align(64))]
#[derive(Debug)]
struct Slot {
    /// Generation and tag; the owner sleeps on it while parked.
    state: FutexWord,
    /// The CQE result, written by the reaper before `done`.
    result: Cell<i32>,
    /// The next slot on the returned stack.
    next: AtomicU32,
}

// SAFETY: the only non-`Sync` field is the result cell, which the ownership rules in the
// module docs give to one thread at a time (the reaper between `pending` and `done`, the
// owner after `done`), with the state word's Release/Acquire between them.
unsafe impl Sync for Slot {}

/// A completion that matches no operation in flight (wrong slot or generation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stray;

/// The slots of one ring and the stack of slots their owners have returned.
#[derive(Debug)]
pub(crate) struct Slots {
    slots: Box<[Slot]>,
    /// Top of the returned stack: pushed by owners, emptied at once by a submitter.
    returned: Returned,
}

#[repr(align(64))]
#[derive(Debug)]
struct Returned(AtomicU32);

impl Slots {
    /// `n` free slots, all on the free list the caller keeps (`0..n`).
    pub(crate) fn new(n: u32) -> Self {
        let slots = (0..n)
            .map(|_| Slot {
                state: FutexWord::new(state(0, FREE)),
                result: Cell::new(0),
                next: AtomicU32::new(NIL),
            })
            .collect();
        Slots { slots, returned: Returned(AtomicU32::new(NIL)) }
    }

    /// Number of slots.
    pub(crate) fn len(&self) -> u32 {
        self.slots.len() as u32
    }

    /// Marks slot `idx`, just taken from the free list, as pending. Returns its ticket.
    pub(crate) fn begin(&self, idx: u32) -> Ticket {
        let s = self.slots[idx as usize].state.atomic();
        // Relaxed: the caller owns the free slot; its last state store (by the previous
        // owner, in `release`) reached us through the returned stack's Release/Acquire.
        let gen = s.load(Relaxed) >> 2;
        // Relaxed: the reaper reads this state only after the CQE of the operation we are
        // about to publish, which the SQ tail Release and the kernel's CQ tail Release order
        // after this store (sim: SqTailPublish, then the CQ tail commit).
        s.store(state(gen, PENDING), Relaxed);
        Ticket { idx, gen }
    }

    /// The reaper delivers `res` to the operation `ud` names, waking its owner if it sleeps.
    /// `accepted` runs once the CQE is known to belong to the slot and before the result is
    /// published: whatever it writes happens before the owner sees its result (the statistics
    /// count a delivery there, so a caller that has its result also finds it counted).
    pub(crate) fn complete(&self, ud: u64, res: i32, accepted: impl FnOnce()) -> Result<(), Stray> {
        let t = Ticket::from_user_data(ud);
        let Some(slot) = self.slots.get(t.idx as usize) else { return Err(Stray) };
        let s = slot.state.atomic();
        // Relaxed: we only compare the generation and tag; the pending state was ordered
        // before this CQE (see `begin`), and only the owner may change it now (to parked).
        let cur = s.load(Relaxed);
        if cur >> 2 != t.gen || !matches!(cur & TAG, PENDING | PARKED) {
            return Err(Stray);
        }
        accepted();
        // SAFETY: the slot is pending or parked with this generation: the reaper owns the
        // result cell until it stores `done` below; the owner reads it only after that.
        slot.result.with_mut(|p| unsafe { p.write(res) });
        // ORDERING: Release publishes the result write above; pairs with the owner's Acquire
        // load (or failed compare-exchange) that observes `done` in `wait`.
        let old = s.swap(state(t.gen, DONE), Release);
        if old & TAG == PARKED {
            slot.state.wake();
        }
        Ok(())
    }

    /// The owner waits until its operation completed and returns the result and whether it
    /// called `before_sleep`. Spins `spin` times, then, if the result is still pending, calls
    /// `before_sleep` once (the ring announces a sleeper to its reaper there) and sleeps on the
    /// slot's state word.
    pub(crate) fn wait(&self, t: Ticket, spin: u32, before_sleep: impl FnOnce()) -> (i32, bool) {
        let slot = &self.slots[t.idx as usize];
        let s = slot.state.atomic();
        let done = state(t.gen, DONE);
        let pending = state(t.gen, PENDING);
        let parked = state(t.gen, PARKED);
        for _ in 0..spin {
            // ORDERING: Acquire pairs with the reaper's Release swap to `done` in `complete`:
            // its result write is visible below.
            if s.load(Acquire) == done {
                return (self.read_result(slot), false);
            }
            spin_hint();
        }
        let mut before_sleep = Some(before_sleep);
        loop {
            // ORDERING: as above.
            let cur = s.load(Acquire);
            if cur == done {
                break;
            }
            if cur == pending {
                if let Some(f) = before_sleep.take() {
                    f();
                    continue;
                }
                // Relaxed on success: parking publishes nothing (the reaper only decides to
                // wake us). ORDERING: Acquire on failure, which can only mean `done`: pairs
                // with the reaper's Release swap, as above.
                if s.compare_exchange(pending, parked, Relaxed, Acquire).is_err() {
                    continue;
                }
            }
            slot.state.wait(parked);
        }
        (self.read_result(slot), before_sleep.is_none())
    }

    fn read_result(&self, slot: &Slot) -> i32 {
        // SAFETY: we observed `done` with Acquire: the reaper wrote the result before its
        // Release and no longer touches the slot; nobody else may write it until we return
        // the slot in `release`.
        slot.result.with(|p| unsafe { p.read() })
    }

    /// The owner, done with its result, returns the slot: next generation, onto the
    /// returned stack. Returns nothing; the caller wakes submitters waiting for a slot.
    pub(crate) fn release(&self, t: Ticket) {
        let slot = &self.slots[t.idx as usize];
        // Relaxed: we own the slot; the next owner reads this through the stack's
        // Release/Acquire below.
        slot.state.atomic().store(state(t.gen.wrapping_add(1) & GEN_MASK, FREE), Relaxed);
        let mut head = self.returned.0.load(Relaxed);
        loop {
            // Relaxed: published by the Release compare-exchange below.
            slot.next.store(head, Relaxed);
            // ORDERING: Release publishes this slot's free state, its link, and the end of our
            // result read; pairs with the Acquire swap in `take_returned`. A push racing the
            // swap cannot suffer ABA: the stack is only ever emptied whole, so a head we saw
            // again is still the current top and `next` still points below it.
            match self.returned.0.compare_exchange_weak(head, t.idx, Release, Relaxed) {
                Ok(_) => return,
                Err(h) => head = h,
            }
        }
    }

    /// Moves every returned slot to `free`. Called by a submitter under the submission lock.
    pub(crate) fn take_returned(&self, free: &mut Vec<u32>) {
        // ORDERING: Acquire pairs with the Release compare-exchange of every push in
        // `release` (each later push continues the release sequence of the earlier ones):
        // the links and free states below are visible.
        let mut idx = self.returned.0.swap(NIL, Acquire);
        while idx != NIL {
            free.push(idx);
            // Relaxed: ordered by the Acquire swap above.
            idx = self.slots[idx as usize].next.load(Relaxed);
        }
    }

    /// Whether the returned stack holds a slot. Relaxed: callers order it with a fence.
    pub(crate) fn any_returned(&self) -> bool {
        // Relaxed: used only after a SeqCst fence, in the slot-waiter handshake (ring.rs).
        self.returned.0.load(Relaxed) != NIL
    }

    /// Returns a slot that nobody waits on (the reaper's wake operation) straight to the
    /// returned stack.
    pub(crate) fn release_unwaited(&self, ud: u64) -> Result<(), Stray> {
        let t = Ticket::from_user_data(ud);
        let Some(slot) = self.slots.get(t.idx as usize) else { return Err(Stray) };
        // Relaxed: as in `complete`.
        if slot.state.atomic().load(Relaxed) != state(t.gen, PENDING) {
            return Err(Stray);
        }
        self.release(t);
        Ok(())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn user_data_round_trips_and_the_wake_bit_is_separate() {
        let t = Ticket { idx: 7, gen: GEN_MASK };
        assert_eq!(Ticket::from_user_data(t.user_data()), t);
        assert_eq!(Ticket::from_user_data(t.user_data() | WAKE_BIT), t);
        assert_eq!(t.user_data() & WAKE_BIT, 0);
    }

    #[test]
    fn a_completion_reaches_its_owner_and_a_stale_one_is_stray() {
        let slots = Slots::new(2);
        let t = slots.begin(1);
        assert_eq!(slots.complete(Ticket { idx: 1, gen: 5 }.user_data(), 9, || {}), Err(Stray));
        assert_eq!(slots.complete(Ticket { idx: 2, gen: 0 }.user_data(), 9, || {}), Err(Stray));
        slots.complete(t.user_data(), 42, || {}).unwrap();
        assert_eq!(slots.complete(t.user_data(), 43, || {}), Err(Stray), "delivered twice");
        assert_eq!(slots.wait(t, 0, || ()).0, 42);
        slots.release(t);
        let mut free = Vec::new();
        slots.take_returned(&mut free);
        assert_eq!(free, vec![1]);
        let t2 = slots.begin(1);
        assert_eq!(t2.gen, 1);
        assert_eq!(slots.complete(t.user_data(), 1, || {}), Err(Stray), "old generation");
    }

    #[test]
    fn the_generation_wraps_within_its_bits() {
        let slots = Slots::new(1);
        slots.slots[0].state.atomic().store(state(GEN_MASK, FREE), Relaxed);
        let t = slots.begin(0);
        slots.complete(t.user_data(), 0, || {}).unwrap();
        slots.wait(t, 0, || ());
        slots.release(t);
        let mut free = Vec::new();
        slots.take_returned(&mut free);
        assert_eq!(slots.begin(0).gen, 0);
    }

    #[test]
    fn a_parked_owner_is_woken() {
        let slots = std::sync::Arc::new(Slots::new(1));
        let t = slots.begin(0);
        let s2 = std::sync::Arc::clone(&slots);
        let waiter = std::thread::spawn(move || s2.wait(t, 0, || ()).0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        slots.complete(t.user_data(), -5, || {}).unwrap();
        assert_eq!(waiter.join().unwrap(), -5);
    }

    #[test]
    fn returned_slots_come_back_in_any_order_without_loss() {
        let slots = std::sync::Arc::new(Slots::new(64));
        let tickets: Vec<_> = (0..64).map(|i| slots.begin(i)).collect();
        let handles: Vec<_> = tickets
            .chunks(16)
            .map(|c| {
                let c = c.to_vec();
                let s = std::sync::Arc::clone(&slots);
                std::thread::spawn(move || {
                    for t in c {
                        s.complete(t.user_data(), t.idx as i32, || {}).unwrap();
                        assert_eq!(s.wait(t, 0, || ()).0, t.idx as i32);
                        s.release(t);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let mut free = Vec::new();
        slots.take_returned(&mut free);
        free.sort_unstable();
        assert_eq!(free, (0..64).collect::<Vec<_>>());
    }
}
