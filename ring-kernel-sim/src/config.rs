//! How a simulated ring is built and run: mode, idle policy, workers, faults.

use ring_core::Errno;

/// How the kernel side runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Kernel threads (SQPOLL thread, io-wq workers) are real threads: loom threads under
    /// `--cfg loom`, std threads otherwise. Start them with [`SimRing::start`].
    ///
    /// [`SimRing::start`]: crate::SimRing::start
    Threads,
    /// No kernel threads: each kernel action is an explicit [`KernelStep`] chosen by the
    /// caller (a proptest scheduler, a scripted scenario). A wait that would block returns
    /// `EAGAIN` instead.
    ///
    /// [`KernelStep`]: crate::KernelStep
    Step,
}

/// When the SQPOLL thread goes to sleep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idle {
    /// After this many consecutive polls that found nothing (use under loom: no time).
    Polls(u32),
    /// After this long without work (std threads only; `sq_thread_idle` in ms).
    Millis(u64),
}

/// Where an [`EnterFault`] strikes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaultPoint {
    /// A submitting enter without SQPOLL consumes `after` SQEs (and processes them), then
    /// fails with the errno instead of returning the count.
    #[default]
    Submit,
    /// An enter's GETEVENTS wait is interrupted when it would block, as a signal interrupts
    /// `io_cqring_wait` (`EINTR`). As in Linux, the error is reported only when the enter
    /// submitted nothing and no CQE is visible; otherwise the enter succeeds (the fault is
    /// used up either way). `after` is not used. In [`Mode::Step`] it takes the place of
    /// the `EAGAIN` a blocking wait gives.
    Wait,
}

/// Make `enter` fail: after consuming some SQEs, or by interrupting its wait.
///
/// ```
/// use ring_core::Errno;
/// use ring_kernel_sim::{EnterFault, FaultPoint};
///
/// let partial = EnterFault::submit(Errno::EAGAIN, 2); // consume 2 SQEs, then EAGAIN
/// assert_eq!(partial.at, FaultPoint::Submit);
/// let signal = EnterFault::wait(Errno::EINTR); // a signal ends the next blocking wait
/// assert_eq!(signal.at, FaultPoint::Wait);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnterFault {
    /// The error returned.
    pub errno: Errno,
    /// SQEs consumed (and processed) before failing ([`FaultPoint::Submit`] only).
    pub after: u32,
    /// Where the fault strikes.
    pub at: FaultPoint,
}

impl EnterFault {
    /// The next submitting enter consumes `after` SQEs, then fails with `errno`.
    pub const fn submit(errno: Errno, after: u32) -> Self {
        EnterFault { errno, after, at: FaultPoint::Submit }
    }

    /// The next GETEVENTS wait that would block fails with `errno` instead (a signal:
    /// `EINTR`).
    pub const fn wait(errno: Errno) -> Self {
        EnterFault { errno, after: 0, at: FaultPoint::Wait }
    }
}

/// Faults the simulated kernel injects on request.
///
/// ```
/// use ring_core::opcode::Nop;
/// use ring_kernel_sim::{Faults, Mode, SimRing};
///
/// let faults = Faults { short_submit: Some(1), ..Faults::default() };
/// let sim = SimRing::builder().entries(4).mode(Mode::Step).faults(faults).build().unwrap();
/// let mut q = sim.queues().unwrap();
/// for ud in 0..3 {
///     q.submission().push(&Nop::new().build().user_data(ud)).unwrap();
/// }
/// assert_eq!(q.submission().submit(&*sim).unwrap(), 1); // a short submit
/// assert_eq!(q.submission().pending(), 2); // the rest stays pending, not lost
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Consume at most this many SQEs per submission (a short submit).
    pub short_submit: Option<u32>,
    /// Once: the next submitting enter consumes `after` SQEs, then fails with `errno`
    /// ([`FaultPoint::Submit`]); or the next GETEVENTS wait that would block is interrupted
    /// ([`FaultPoint::Wait`]). Cleared when it fires.
    pub enter_error: Option<EnterFault>,
    /// Every completion that would go to the overflow backlog is dropped instead, as when
    /// the kernel cannot allocate: the overflow counter counts it and the next wait that
    /// finds no CQE visible returns `EBADR`, once (as in Linux, a wait that is satisfied or
    /// has CQEs to show does not report it, and a submitting enter does not clear it).
    pub overflow_alloc_fail: bool,
    /// Sleepers wake without being asked, where Linux can wake them so: the SQPOLL thread's
    /// sleep (it then clears NEED_WAKEUP and polls again), a GETEVENTS or SQ_WAIT waiter (it
    /// re-checks and waits again) and an idle io-wq worker (it looks at its queue again).
    /// In [`Mode::Threads`] each blocking wait returns once without a wakeup before it
    /// blocks for real (the SQPOLL thread: every other sleep), so a model stays finite; in
    /// [`Mode::Step`] the SQPOLL thread's every sleep is ended by a spurious wakeup at its
    /// next poll step (waiters do not block in step mode).
    pub spurious_wakeups: bool,
    /// io-wq workers yield this many times before completing a job (delayed workers).
    pub worker_delay: u32,
    /// The SQPOLL thread dies after this many polls; enter then fails with `EOWNERDEAD`.
    pub sqpoll_dies_after: Option<u32>,
}
