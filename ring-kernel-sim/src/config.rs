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

/// Make `enter` fail after consuming some SQEs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnterFault {
    /// The error returned.
    pub errno: Errno,
    /// SQEs consumed (and processed) before failing.
    pub after: u32,
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
    /// The next submitting enter consumes `after` SQEs, then fails with `errno` (once).
    pub enter_error: Option<EnterFault>,
    /// Every completion that would go to the overflow backlog is dropped instead, as when
    /// the kernel cannot allocate: the overflow counter counts it and the next wait that
    /// finds no CQE visible returns `EBADR`, once (as in Linux, a wait that is satisfied or
    /// has CQEs to show does not report it, and a submitting enter does not clear it).
    pub overflow_alloc_fail: bool,
    /// Kernel threads and waiters wake without being asked (after every posting section).
    pub spurious_wakeups: bool,
    /// io-wq workers yield this many times before completing a job (delayed workers).
    pub worker_delay: u32,
    /// The SQPOLL thread dies after this many polls; enter then fails with `EOWNERDEAD`.
    pub sqpoll_dies_after: Option<u32>,
}
