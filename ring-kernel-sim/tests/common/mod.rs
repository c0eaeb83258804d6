//! One scenario, two kernels: a [`Harness`] over the real ring and one over the simulated
//! kernel, so each scenario is written once and its observations compared.
//!
//! A scenario is a generic function `fn(&mut impl Harness) -> Obs`. [`on_both!`] runs it on
//! the real kernel and twice on the sim (counters starting at 0 and just below the u32 wrap)
//! and asserts the three observations are equal; each test then also asserts the expected
//! observation explicitly, so both kernels being wrong the same way still fails.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ring_core::abi::{Cqe, Sqe, Timespec};
use ring_core::opcode::{Entry, Nop, Read, Target};
use ring_core::{Backend, CompletionQueue, Enter, EnterArg, Errno, Kernel, Ring, SubmissionQueue};
use ring_kernel_sim::{held_op, Idle, Mode, SimBuilder, SimQueues, SimRing};

/// What an enter (or a submit built on it) returned.
pub type Ret = Result<u32, ring_core::Errno>;

/// `(user_data, res)` of CQEs, in the order observed.
pub type Cqes = Vec<(u64, i32)>;

/// Where the sim's counters start: 0, and 3 below the wrap so every scenario crosses it.
pub const STARTS: [u32; 2] = [0, u32::MAX - 2];

/// How long any wait may block before the scenario reports a hang (as `ETIME`).
pub const HANG: Duration = Duration::from_secs(10);

/// A ring, described once for both kernels.
#[derive(Clone, Copy, Debug)]
pub struct RingCfg {
    /// SQ entries.
    pub entries: u32,
    /// CQ entries (`CQSIZE`), or the default 2 × SQ.
    pub cq_entries: Option<u32>,
    /// Further `IORING_SETUP_*` flags (not SQPOLL, CQSIZE or NO_SQARRAY: see the fields).
    pub flags: u32,
    /// SQPOLL with this idle time in ms.
    pub sqpoll_idle_ms: Option<u32>,
    /// Whether the SQ has an index array (otherwise NO_SQARRAY on both kernels).
    pub sq_array: bool,
}

impl RingCfg {
    /// `entries` SQ entries, no flags, no SQ array.
    pub const fn new(entries: u32) -> Self {
        RingCfg { entries, cq_entries: None, flags: 0, sqpoll_idle_ms: None, sq_array: false }
    }
    /// With `CQSIZE`.
    pub const fn cq(mut self, n: u32) -> Self {
        self.cq_entries = Some(n);
        self
    }
    /// With these setup flags too.
    pub const fn flags(mut self, f: u32) -> Self {
        self.flags |= f;
        self
    }
    /// With SQPOLL, sleeping after `idle_ms` without work.
    pub const fn sqpoll(mut self, idle_ms: u32) -> Self {
        self.sqpoll_idle_ms = Some(idle_ms);
        self
    }
    /// With an SQ index array.
    pub const fn sq_array(mut self) -> Self {
        self.sq_array = true;
        self
    }

    /// The sim builder for this ring (threads mode, one io-wq worker).
    pub fn sim_builder(&self) -> SimBuilder {
        let mut flags = self.flags;
        if !self.sq_array {
            flags |= ring_core::abi::setup::NO_SQARRAY;
        }
        let mut b = SimRing::builder()
            .entries(self.entries)
            .setup_flags(flags)
            .mode(Mode::Threads)
            .workers(1);
        if let Some(c) = self.cq_entries {
            b = b.cq_entries(c);
        }
        if let Some(ms) = self.sqpoll_idle_ms {
            b = b.sqpoll().idle(Idle::Millis(u64::from(ms)));
        }
        b
    }

    /// The real ring for this configuration.
    pub fn real_ring(&self) -> Ring {
        let mut b = Ring::builder()
            .entries(self.entries)
            .setup_flags(self.flags)
            .no_sqarray(!self.sq_array);
        if let Some(c) = self.cq_entries {
            b = b.cq_entries(c);
        }
        if let Some(ms) = self.sqpoll_idle_ms {
            b = b.sqpoll(ms);
        }
        b.build().unwrap_or_else(|e| panic!("real ring {self:?}: {e}"))
    }
}

/// A NOP carrying `user_data`.
pub fn nop(ud: u64) -> Entry {
    Nop::new().build().user_data(ud)
}

/// An SQE both kernels reject at submission (`EINVAL`): an opcode past `IORING_OP_LAST`.
pub fn bad_opcode(ud: u64) -> Entry {
    // SAFETY: the opcode is invalid, so neither kernel reads any field as a pointer (and all
    // pointer-sized fields are zero).
    unsafe { Entry::from_raw(Sqe { opcode: 200, fd: -1, user_data: ud, ..Sqe::default() }) }
}

/// `(user_data, res)` of each CQE, in ring order.
pub fn ud_res(cqes: &[Cqe]) -> Cqes {
    cqes.iter().map(|c| (c.user_data, c.res)).collect()
}

/// The `user_data` of each CQE, in ring order.
pub fn uds(cqes: &[Cqe]) -> Vec<u64> {
    cqes.iter().map(|c| c.user_data).collect()
}

fn timespec(d: Duration) -> Timespec {
    Timespec { tv_sec: d.as_secs() as i64, tv_nsec: i64::from(d.subsec_nanos()) }
}

/// What a scenario may do to a ring, whichever kernel is behind it.
pub trait Harness {
    /// The atomic backend of the user side.
    type B: Backend;
    /// The kernel side.
    type K: Kernel;

    /// Both queues and the kernel.
    fn parts(&mut self) -> (SubmissionQueue<'_, Self::B>, CompletionQueue<'_, Self::B>, &Self::K);

    /// An operation that completes (with result 1) only once [`complete_later`] is called:
    /// on the kernel a one-byte READ from an empty socket, on the sim a held operation.
    ///
    /// [`complete_later`]: Harness::complete_later
    fn later_op(&mut self, ud: u64) -> Entry;

    /// Lets the operation of [`later_op`](Harness::later_op) complete.
    fn complete_later(&mut self, ud: u64);

    /// Pushes one entry.
    fn push(&mut self, e: &Entry) -> Result<(), ring_core::SqFull> {
        self.parts().0.push(e)
    }

    /// Pushes one NOP per user_data (panics when the SQ is full).
    fn push_nops(&mut self, range: Range<u64>) {
        let (mut sq, _, _) = self.parts();
        for ud in range {
            sq.push(&nop(ud)).unwrap_or_else(|e| panic!("push of NOP {ud}: {e}"));
        }
    }

    /// Publishes and submits.
    fn submit(&mut self) -> Result<u32, Errno> {
        let (mut sq, _, k) = self.parts();
        sq.submit(k)
    }

    /// Publishes, submits and waits for `n` completions (at most [`HANG`]).
    fn submit_and_wait(&mut self, n: u32) -> Result<u32, Errno> {
        let ts = timespec(HANG);
        let (mut sq, _, k) = self.parts();
        sq.submit_and_wait_with(k, n, EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 })
    }

    /// Waits for `n` completions (at most [`HANG`]); returns the number ready.
    fn wait(&mut self, n: u32) -> Result<u32, Errno> {
        let ts = timespec(HANG);
        let (_, mut cq, k) = self.parts();
        cq.wait_with(k, n, EnterArg::Wait { timeout: Some(&ts), min_wait_usec: 0 })
    }

    /// A raw `io_uring_enter`.
    fn enter(&mut self, e: Enter<'_>) -> Result<u32, Errno> {
        self.parts().2.enter(e)
    }

    /// Flushes parked completions (enter with GETEVENTS if the flags say so).
    fn flush(&mut self) -> Result<u32, Errno> {
        let (_, mut cq, k) = self.parts();
        cq.flush(k)
    }

    /// Completions ready.
    fn ready(&mut self) -> u32 {
        self.parts().1.ready()
    }

    /// Reaps up to `max` ready completions.
    fn reap_max(&mut self, max: u32) -> Vec<Cqe> {
        let mut out = Vec::new();
        self.parts().1.reap(max, |c| out.push(c));
        out
    }

    /// Reaps every ready completion.
    fn reap(&mut self) -> Vec<Cqe> {
        self.reap_max(u32::MAX)
    }

    /// Reaps until `n` completions were collected, waiting (at most [`HANG`] each time)
    /// when none is ready.
    fn reap_exactly(&mut self, n: usize) -> Vec<Cqe> {
        let mut out = Vec::new();
        while out.len() < n {
            let got = self.reap_max((n - out.len()) as u32);
            if got.is_empty() {
                self.wait(1).unwrap_or_else(|e| panic!("waiting for CQE {}: {e}", out.len()));
            }
            out.extend(got);
        }
        out
    }

    /// The SQ flags word.
    fn sq_flags(&mut self) -> u32 {
        self.parts().0.flags()
    }

    /// Polls the SQ flags until `bit` is set or `within` passes; whether it was seen.
    fn await_sq_flag(&mut self, bit: u32, within: Duration) -> bool {
        let t0 = Instant::now();
        loop {
            if self.sq_flags() & bit != 0 {
                return true;
            }
            if t0.elapsed() > within {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Entries published and not consumed.
    fn pending(&mut self) -> u32 {
        self.parts().0.pending()
    }
}

/// The real kernel's ring.
pub struct RealHarness {
    ring: Ring,
    /// Per later operation: (read end, write end) of a socket pair.
    later: HashMap<u64, (UnixStream, UnixStream)>,
}

impl RealHarness {
    /// A real ring for `cfg`.
    pub fn new(cfg: &RingCfg) -> Self {
        RealHarness { ring: cfg.real_ring(), later: HashMap::new() }
    }
}

impl Harness for RealHarness {
    type B = ring_core::Native;
    type K = ring_core::ring::Submitter;

    fn parts(&mut self) -> (SubmissionQueue<'_>, CompletionQueue<'_>, &Self::K) {
        self.ring.split()
    }

    fn later_op(&mut self, ud: u64) -> Entry {
        let (rd, wr) = UnixStream::pair().expect("socketpair");
        // Leaked: the kernel may write it until the READ completes, whenever that is.
        let buf: &'static mut [u8; 16] = Box::leak(Box::new([0u8; 16]));
        // SAFETY: `buf` is leaked, so it stays valid and is accessed by nothing else for as
        // long as the kernel may write it; the socket stays open (kept in `later`).
        let e = unsafe { Read::new(Target::Fd(rd.as_raw_fd()), buf.as_mut_ptr(), 16).build() };
        self.later.insert(ud, (rd, wr));
        e.user_data(ud)
    }

    fn complete_later(&mut self, ud: u64) {
        let (_, wr) = self.later.get_mut(&ud).expect("no later op with this user_data");
        wr.write_all(&[0x5a]).expect("write to the socket");
    }
}

/// The simulated kernel's ring.
pub struct SimHarness<'a> {
    /// The simulated kernel.
    pub sim: &'a SimRing,
    /// Its user side.
    pub q: SimQueues<'a>,
}

impl Harness for SimHarness<'_> {
    type B = ring_kernel_sim::Sim;
    type K = SimRing;

    fn parts(&mut self) -> (SubmissionQueue<'_, Self::B>, CompletionQueue<'_, Self::B>, &SimRing) {
        let (sq, cq) = self.q.split();
        (sq, cq, self.sim)
    }

    fn later_op(&mut self, ud: u64) -> Entry {
        held_op(ud)
    }

    fn complete_later(&mut self, ud: u64) {
        assert!(self.sim.release_held(ud, 1), "no held operation {ud} in the sim");
    }
}

/// Stops the sim's kernel threads even when the scenario panics, so a failing test does not
/// leave a polling thread spinning behind it.
struct Stop<'a>(&'a SimRing);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.shutdown();
    }
}

/// Runs `f` on a real ring for `cfg`.
pub fn run_real<T>(cfg: &RingCfg, f: impl FnOnce(&mut RealHarness) -> T) -> T {
    let mut h = RealHarness::new(cfg);
    f(&mut h)
}

/// Runs `f` on a simulated ring for `cfg` (threads mode) whose counters start at `start`.
pub fn run_sim<T>(cfg: &RingCfg, start: u32, f: impl FnOnce(&mut SimHarness<'_>) -> T) -> T {
    let sim = cfg.sim_builder().start_counters_at(start).build().expect("sim setup");
    let threads = sim.start();
    let out = {
        let _stop = Stop(&sim);
        let q = sim.queues().expect("sim queues");
        let mut h = SimHarness { sim: &sim, q };
        f(&mut h)
    };
    threads.join();
    out
}

/// Runs a generic scenario on the real kernel and on the sim (counters from each of
/// [`STARTS`]), asserts that the observations agree, and returns the kernel's.
#[macro_export]
macro_rules! on_both {
    ($cfg:expr, $scenario:path) => {{
        let cfg: $crate::common::RingCfg = $cfg;
        let kernel = $crate::common::run_real(&cfg, |h| $scenario(h));
        for start in $crate::common::STARTS {
            let sim = $crate::common::run_sim(&cfg, start, |h| $scenario(h));
            assert_eq!(
                sim,
                kernel,
                "{}: the sim (counters from {start:#x}) and the kernel disagree (left: sim)",
                stringify!($scenario)
            );
        }
        kernel
    }};
}
