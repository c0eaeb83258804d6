//! The real-ring self-test: the ring core on this machine's kernel, setup by setup.

use std::io::Write as _;
use std::time::{Duration, Instant};

use ring_core::abi::{feat, sq_flags};
use ring_core::opcode::{Nop, Read, Target};
use ring_core::{Builder, Ring};

use crate::Check;

/// The running kernel's release string.
pub fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

fn check(name: &str, f: impl FnOnce() -> Result<String, String>) -> Check {
    match f() {
        Ok(detail) => Check { name: name.into(), pass: true, detail },
        Err(detail) => Check { name: name.into(), pass: false, detail },
    }
}

/// `rounds` batches of `batch` NOPs with distinct user_data; every completion must come back
/// exactly once with res 0.
fn nop_rounds(ring: &mut Ring, rounds: u32, batch: u32) -> Result<String, String> {
    let mut next = 0u64;
    for _ in 0..rounds {
        let first = next;
        for _ in 0..batch {
            ring.submission()
                .push(&Nop::new().build().user_data(next))
                .map_err(|e| e.to_string())?;
            next += 1;
        }
        ring.submit_and_wait(batch).map_err(|e| format!("submit_and_wait: {e}"))?;
        let mut expect = first;
        let mut got = 0;
        while got < batch {
            ring.wait(1).map_err(|e| format!("wait: {e}"))?;
            let n = ring.completion().reap(u32::MAX, |c| {
                if c.user_data != expect || c.res != 0 {
                    expect = u64::MAX;
                } else {
                    expect += 1;
                }
            });
            got += n;
        }
        if expect != first + u64::from(batch) {
            return Err(format!("completions out of order or failed in round from {first}"));
        }
    }
    Ok(format!("{} NOPs in batches of {batch}, each completed once, in order", rounds * batch))
}

fn file_read() -> Result<String, String> {
    let path = std::env::temp_dir().join(format!("ring-core-selftest-{}", std::process::id()));
    let content: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&content))
        .map_err(|e| e.to_string())?;
    let file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&path);
    let mut ring = Ring::new(4).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 4096];
    use std::os::fd::AsRawFd;
    // SAFETY: `buf` lives until the completion is reaped below and is not touched meanwhile.
    let e = unsafe {
        Read::new(Target::Fd(file.as_raw_fd()), buf.as_mut_ptr(), 4096).offset(4096).build()
    };
    ring.submission().push(&e.user_data(1)).map_err(|e| e.to_string())?;
    ring.submit_and_wait(1).map_err(|e| e.to_string())?;
    let cqe = ring.peek().map_err(|e| e.to_string())?.ok_or("no completion")?;
    ring.completion().advance(1).map_err(|e| e.to_string())?;
    if cqe.res != 4096 || buf[..] != content[4096..] {
        return Err(format!("read returned {} or wrong bytes", cqe.res));
    }
    Ok("4096 bytes at offset 4096 match".into())
}

fn sqpoll_wakeup() -> Result<String, String> {
    let mut ring = Builder::default().entries(8).sqpoll(20).build().map_err(|e| e.to_string())?;
    nop_rounds(&mut ring, 1, 1)?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while ring.submission().flags() & sq_flags::NEED_WAKEUP == 0 {
        if Instant::now() > deadline {
            return Err("SQPOLL thread never set NEED_WAKEUP".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // The thread sleeps: a submit must wake it, and the NOP must complete.
    nop_rounds(&mut ring, 1, 1)?;
    Ok("thread slept (NEED_WAKEUP seen) and was woken by the next submit".into())
}

fn cq_overflow() -> Result<String, String> {
    let mut ring =
        Builder::default().entries(4).cq_entries(4).build().map_err(|e| e.to_string())?;
    if ring.features() & feat::NODROP == 0 {
        return Err("kernel lacks NODROP".into());
    }
    for round in 0..3u64 {
        for i in 0..4 {
            ring.submission()
                .push(&Nop::new().build().user_data(round * 4 + i))
                .map_err(|e| e.to_string())?;
        }
        ring.submit().map_err(|e| e.to_string())?;
    }
    let overflowed = ring.submission().flags() & sq_flags::CQ_OVERFLOW != 0;
    let mut seen = Vec::new();
    while let Some(c) = ring.peek().map_err(|e| e.to_string())? {
        seen.push(c.user_data);
        ring.completion().advance(1).map_err(|e| e.to_string())?;
    }
    if seen != (0..12).collect::<Vec<_>>() || !overflowed {
        return Err(format!("overflowed={overflowed}, completions {seen:?}"));
    }
    Ok("12 completions through a 4-entry CQ, in order, none lost".into())
}

/// Every self-test check.
pub fn run() -> Vec<Check> {
    vec![
        check("NOP round trips, default setup", || {
            let mut ring = Ring::new(64).map_err(|e| e.to_string())?;
            nop_rounds(&mut ring, 2000, 32)
        }),
        check("NOP round trips, SQ index array", || {
            let mut ring = Builder::default()
                .entries(16)
                .no_sqarray(false)
                .build()
                .map_err(|e| e.to_string())?;
            nop_rounds(&mut ring, 500, 16)
        }),
        check("NOP round trips, three mappings", || {
            let mut ring = Builder::default()
                .entries(16)
                .separate_mappings()
                .build()
                .map_err(|e| e.to_string())?;
            nop_rounds(&mut ring, 500, 16)
        }),
        check("NOP round trips, SQE128 + CQE32", || {
            let mut ring = Builder::default()
                .entries(16)
                .sqe128()
                .cqe32()
                .build()
                .map_err(|e| e.to_string())?;
            nop_rounds(&mut ring, 500, 16)
        }),
        check("NOP round trips, DEFER_TASKRUN", || {
            let mut ring = Builder::default()
                .entries(16)
                .defer_taskrun()
                .taskrun_flag()
                .build()
                .map_err(|e| e.to_string())?;
            nop_rounds(&mut ring, 500, 16)
        }),
        check("file read", file_read),
        check("SQPOLL sleep and wakeup", sqpoll_wakeup),
        check("CQ overflow drained (NODROP)", cq_overflow),
    ]
}
