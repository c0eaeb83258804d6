//! The crate's submit/reap loop: [`Driver`] and [`submit_and_reap`], generic over the
//! backend and the kernel. The same code runs on this crate's [`RingMem`](crate::RingMem)
//! with the [`Loopback`](crate::Loopback) kernel, on ring-kernel-sim's simulated ring (under
//! loom in tests/loom_model.rs), and on Linux through `ring_core::Ring::split`.
//!
//! The loop's rules, each the answer to a way such loops go wrong:
//! - **Exactly one CQE per entry.** The driver counts entries in flight and is done when every
//!   one has completed; an entry that may post nothing (`IOSQE_CQE_SKIP_SUCCESS`) is refused,
//!   since no count could tell whether it is still coming.
//! - **Make room by reaping first.** A full SQ is answered by reaping what is ready (which
//!   frees CQ space for a kernel that posts inline, like `Loopback`), then waiting for SQ space
//!   (`wait_for_space`: a submit, or `SQ_WAIT` with SQPOLL).
//! - **`EBUSY` means "reap first".** A kernel whose CQ is full takes no new submission
//!   (Linux before `IORING_FEAT_NODROP`, and `Loopback`, which has no overflow backlog): the
//!   driver reaps and enters again. `EINTR` is retried as it is.
//! - **An empty CQ is not "done".** While entries are in flight and nothing is visible, the
//!   driver submits what is pending and waits for one completion (enter with `GETEVENTS`, which
//!   also flushes parked completions): io-wq work, an SQPOLL thread and a short submit all
//!   complete later than the submit that started them.

use core::fmt;

use ring_core::abi::{cqe_flags, sqe_flags, Cqe};
use ring_core::opcode::Entry;
use ring_core::{Backend, CompletionQueue, Errno, Kernel, SubmissionQueue};

/// Why the driver stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriveError {
    /// The kernel refused an enter call.
    Kernel(Errno),
    /// An entry with `IOSQE_CQE_SKIP_SUCCESS`: it may post no completion, so the driver could
    /// not tell when it is done. Nothing was pushed.
    SkipsSuccess,
}

impl From<Errno> for DriveError {
    fn from(e: Errno) -> Self {
        DriveError::Kernel(e)
    }
}

impl fmt::Display for DriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriveError::Kernel(e) => write!(f, "enter failed: {e:?}"),
            DriveError::SkipsSuccess => {
                f.write_str("an entry with IOSQE_CQE_SKIP_SUCCESS cannot be driven")
            }
        }
    }
}

/// A submit/reap loop over one ring's two queue views and its kernel.
///
/// ```
/// use downstream::{Driver, RingMem};
/// use ring_core::opcode::Nop;
///
/// let mut mem = RingMem::<2, 2>::new();
/// let (mut q, kernel) = mem.split(0).unwrap();
/// let (sq, cq) = q.split();
/// let mut d = Driver::new(sq, cq, &kernel);
/// let mut seen = Vec::new();
/// for ud in 0..5 {
///     // The third push finds the SQ full: the driver submits and reaps to make room.
///     d.push(&Nop::new().build().user_data(ud), &mut |c| seen.push(c.user_data)).unwrap();
/// }
/// d.drain(&mut |c| seen.push(c.user_data)).unwrap();
/// assert_eq!(seen, [0, 1, 2, 3, 4]);
/// assert_eq!(d.in_flight(), 0);
/// ```
pub struct Driver<'q, 'k, B: Backend, K: Kernel + ?Sized> {
    sq: SubmissionQueue<'q, B>,
    cq: CompletionQueue<'q, B>,
    kernel: &'k K,
    in_flight: u32,
}

impl<'q, 'k, B: Backend, K: Kernel + ?Sized> Driver<'q, 'k, B, K> {
    /// A driver over the two views of one ring (`Queues::split`, `Ring::split`) and its
    /// kernel. Entries already in the ring are not counted: start with an idle ring.
    pub fn new(sq: SubmissionQueue<'q, B>, cq: CompletionQueue<'q, B>, kernel: &'k K) -> Self {
        Driver { sq, cq, kernel, in_flight: 0 }
    }

    /// Entries pushed whose completion has not been reaped yet.
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }

    /// Queues `entry` (published with the next submit). If the SQ is full, first reaps what
    /// is ready into `on_cqe` and waits for SQ space.
    pub fn push(&mut self, entry: &Entry, on_cqe: &mut dyn FnMut(Cqe)) -> Result<(), DriveError> {
        if entry.as_sqe().flags & sqe_flags::CQE_SKIP_SUCCESS != 0 {
            return Err(DriveError::SkipsSuccess);
        }
        while self.sq.push(entry).is_err() {
            self.reap(on_cqe);
            self.enter(on_cqe, |sq, k| sq.wait_for_space(k))?;
        }
        self.in_flight += 1;
        Ok(())
    }

    /// Publishes and submits what is queued; returns what the kernel consumed (with SQPOLL:
    /// what it was handed). A kernel whose CQ is full (`EBUSY`) gets its completions reaped
    /// into `on_cqe` and the submit retried.
    pub fn submit(&mut self, on_cqe: &mut dyn FnMut(Cqe)) -> Result<u32, Errno> {
        self.enter(on_cqe, |sq, k| sq.submit(k))
    }

    /// Runs one enter-making call of ring-core, retrying it on `EINTR` (a signal), and on
    /// `EBUSY` (the CQ is full: no new submission until completions are reaped) after
    /// reaping into `on_cqe`. `EBUSY` with nothing to reap is returned: retrying could not
    /// help.
    fn enter<T>(
        &mut self,
        on_cqe: &mut dyn FnMut(Cqe),
        mut call: impl FnMut(&mut SubmissionQueue<'q, B>, &K) -> Result<T, Errno>,
    ) -> Result<T, Errno> {
        loop {
            match call(&mut self.sq, self.kernel) {
                Err(Errno::EINTR) => continue,
                Err(Errno::EBUSY) => {
                    if self.cq.is_empty() {
                        return Err(Errno::EBUSY);
                    }
                    self.reap(on_cqe);
                }
                r => return r,
            }
        }
    }

    /// Hands every completion visible now to `on_cqe` and releases them, without entering.
    /// Returns how many entries completed (a CQE flagged `IORING_CQE_F_MORE` does not end its
    /// entry).
    pub fn reap(&mut self, on_cqe: &mut dyn FnMut(Cqe)) -> u32 {
        let mut done = 0;
        self.cq.reap(u32::MAX, |cqe| {
            if cqe.flags & cqe_flags::MORE == 0 {
                done += 1;
            }
            on_cqe(cqe);
        });
        // Saturating: a kernel that posts more completions than were submitted is not
        // trusted to drive the count below zero (`on_cqe` still sees every CQE).
        self.in_flight = self.in_flight.saturating_sub(done);
        done
    }

    /// Reaps until `n` more entries have completed (or none is in flight), submitting what
    /// is pending and waiting whenever nothing is visible. Returns how many completed.
    pub fn complete(&mut self, n: u32, on_cqe: &mut dyn FnMut(Cqe)) -> Result<u32, Errno> {
        let mut done = 0;
        while done < n && self.in_flight != 0 {
            let got = self.reap(on_cqe);
            done += got;
            if got == 0 {
                // Nothing visible yet: submit what is pending (a short submit may have left
                // entries behind) and wait for one; GETEVENTS also flushes parked CQEs.
                self.enter(on_cqe, |sq, k| sq.submit_and_wait(k, 1))?;
            }
        }
        Ok(done)
    }

    /// Reaps until nothing is in flight.
    pub fn drain(&mut self, on_cqe: &mut dyn FnMut(Cqe)) -> Result<(), Errno> {
        self.complete(u32::MAX, on_cqe).map(drop)
    }
}

/// Submits every entry and reaps every completion, handing each CQE to `on_cqe`: the whole
/// loop in one call. Returns how many entries were submitted.
///
/// ```
/// use downstream::{submit_and_reap, RingMem};
/// use ring_core::opcode::Nop;
///
/// let mut mem = RingMem::<4, 4>::new();
/// let (mut q, kernel) = mem.split(0).unwrap();
/// let (sq, cq) = q.split();
/// let entries = (1..=10).map(|ud| Nop::new().build().user_data(ud));
/// let mut sum = 0;
/// assert_eq!(submit_and_reap(sq, cq, &kernel, entries, |c| sum += c.user_data), Ok(10));
/// assert_eq!(sum, 55);
/// ```
pub fn submit_and_reap<B: Backend, K: Kernel + ?Sized>(
    sq: SubmissionQueue<'_, B>,
    cq: CompletionQueue<'_, B>,
    kernel: &K,
    entries: impl IntoIterator<Item = Entry>,
    mut on_cqe: impl FnMut(Cqe),
) -> Result<u32, DriveError> {
    let mut d = Driver::new(sq, cq, kernel);
    let mut n = 0;
    for e in entries {
        d.push(&e, &mut on_cqe)?;
        n += 1;
    }
    d.submit(&mut on_cqe)?;
    d.drain(&mut on_cqe)?;
    Ok(n)
}
