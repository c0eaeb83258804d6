//! A disabled SQPOLL ring (SQPOLL | R_DISABLED), on the real kernel and on the simulator:
//! the thread consumes nothing; once its idle time has passed it shows NEED_WAKEUP, so a
//! submit enters and gets EBADFD, until ENABLE_RINGS starts the thread; then the same entry
//! is submitted and completes. (On Linux the flag appears only after the idle time; the
//! simulator's parked thread shows it at once, one of Linux's possible timings.)

use ring_core::abi::{register, setup, sq_flags};
use ring_core::opcode::Nop;
use ring_core::{CompletionQueue, Errno, Kernel, SubmissionQueue};
use ring_kernel_sim::{Idle, KernelStep, Mode, SimRing, StepOutcome};

/// What the scenario observes.
#[derive(Debug, PartialEq, Eq)]
struct Obs {
    need_wakeup_before: bool,
    submit_before: Result<u32, Errno>,
    pending_before: u32,
    enable: Result<u32, Errno>,
    completed: Vec<(u64, i32)>,
}

fn scenario<B: ring_core::Backend, K: Kernel>(
    mut sq: SubmissionQueue<'_, B>,
    mut cq: CompletionQueue<'_, B>,
    k: &K,
    mut settle: impl FnMut(),
) -> Obs {
    sq.push(&Nop::new().build().user_data(5)).unwrap();
    settle();
    let need_wakeup_before = sq.flags() & sq_flags::NEED_WAKEUP != 0;
    let submit_before = sq.submit(k);
    settle();
    let pending_before = sq.pending();
    // SAFETY: ENABLE_RINGS takes no argument (null, 0 entries).
    let enable = unsafe { k.register(register::ENABLE_RINGS, core::ptr::null_mut(), 0) };
    settle();
    let mut completed = Vec::new();
    for _ in 0..100 {
        let _ = sq.submit_and_wait(k, 1);
        settle();
        cq.reap(u32::MAX, |c| completed.push((c.user_data, c.res)));
        if !completed.is_empty() {
            break;
        }
    }
    Obs { need_wakeup_before, submit_before, pending_before, enable, completed }
}

fn expected() -> Obs {
    Obs {
        need_wakeup_before: true,
        submit_before: Err(Errno::EBADFD),
        pending_before: 1,
        enable: Ok(0),
        completed: vec![(5, 0)],
    }
}

#[test]
fn disabled_sqpoll_ring_on_the_kernel() {
    let flags = setup::R_DISABLED;
    let mut ring =
        ring_core::Ring::builder().entries(4).sqpoll(50).setup_flags(flags).build().unwrap();
    let (sq, cq, k) = ring.split();
    // Past the 50 ms idle time, so the parked thread shows NEED_WAKEUP.
    let settle = || std::thread::sleep(std::time::Duration::from_millis(150));
    assert_eq!(scenario(sq, cq, k, settle), expected());
}

#[test]
fn disabled_sqpoll_ring_on_the_simulator_threads() {
    let sim = SimRing::builder()
        .entries(4)
        .sqpoll()
        .setup_flags(setup::R_DISABLED)
        .idle(Idle::Millis(50))
        .mode(Mode::Threads)
        .build()
        .unwrap();
    let threads = sim.start();
    {
        let mut q = sim.queues().unwrap();
        let (sq, cq) = q.split();
        let settle = || std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(scenario(sq, cq, &*sim, settle), expected());
    }
    threads.join();
}

#[test]
fn disabled_sqpoll_ring_on_the_simulator_steps() {
    let sim = SimRing::builder()
        .entries(4)
        .sqpoll()
        .setup_flags(setup::R_DISABLED)
        .mode(Mode::Step)
        .build()
        .unwrap();
    // Before enabling, the parked thread does nothing.
    assert_eq!(sim.step(KernelStep::SqpollPoll), StepOutcome::Asleep);
    let mut q = sim.queues().unwrap();
    let (sq, cq) = q.split();
    let obs = scenario(sq, cq, &*sim, || {
        let _ = sim.step(KernelStep::SqpollPoll);
    });
    assert_eq!(obs, expected());
}
