//! What this kernel's io_uring can do, as ring-core sees it: version, feature bits, the
//! opcodes `REGISTER_PROBE` lists against the 63 builders, and a ring set up with each setup
//! flag (or the typed reason it cannot be).
//!
//! ```text
//! cargo run -p ring-core --example kernel_report
//! ```
//!
//! Exits non-zero if a flag that this kernel's version should support fails to set up.

#[cfg(feature = "linux")]
fn main() -> std::process::ExitCode {
    report::run()
}

#[cfg(not(feature = "linux"))]
fn main() {
    eprintln!("kernel_report needs feature `linux`");
}

#[cfg(feature = "linux")]
mod report {
    use std::process::ExitCode;

    use ring_core::opcode::{Nop, OPCODES};
    use ring_core::probe::{KernelVersion, SETUP_FLAGS};
    use ring_core::setup::FEATURES;
    use ring_core::{Builder, Ring};

    fn version() -> Option<KernelVersion> {
        let r = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
        KernelVersion::parse(r.trim().as_bytes())
    }

    /// A builder exercising one setup flag, with whatever companions it needs.
    fn builder_for(flag: &str) -> Builder {
        let b = Ring::builder().entries(8);
        match flag {
            "IOPOLL" => b.iopoll(),
            "SQPOLL" => b.sqpoll(10),
            "SQ_AFF" => b.sqpoll(10).sq_affinity(0),
            "CQSIZE" => b.cq_entries(64),
            "CLAMP" => b.clamp().entries(100_000),
            "ATTACH_WQ" => b, // needs another ring: set up below
            "R_DISABLED" => b.r_disabled(),
            "SUBMIT_ALL" => b.submit_all(),
            "COOP_TASKRUN" => b.coop_taskrun(),
            "TASKRUN_FLAG" => b.coop_taskrun().taskrun_flag(),
            "SQE128" => b.sqe128(),
            "CQE32" => b.cqe32(),
            "SINGLE_ISSUER" => b.single_issuer(),
            "DEFER_TASKRUN" => b.defer_taskrun(),
            "NO_MMAP" => b.no_mmap(),
            "REGISTERED_FD_ONLY" => b.registered_fd_only(),
            "NO_SQARRAY" => b.no_sqarray(true),
            "HYBRID_IOPOLL" => b.hybrid_iopoll(),
            _ => b.setup_flags(
                ring_core::probe::SETUP_FLAGS.iter().find(|f| f.1 == flag).map_or(0, |f| f.0),
            ),
        }
    }

    pub fn run() -> ExitCode {
        let v = version();
        let probe_ring = match Ring::new(4) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("kernel_report: no io_uring here: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!("kernel {}", v.map_or("unknown".into(), |v| v.to_string()));
        let have = probe_ring.features();
        let named: Vec<_> = FEATURES.iter().filter(|f| have & f.0 != 0).map(|f| f.1).collect();
        println!("features {have:#x}: {}", named.join(" "));
        match probe_ring.probe() {
            Ok(p) => {
                let missing: Vec<_> =
                    OPCODES.iter().filter(|o| !p.is_supported(o.code)).map(|o| o.name).collect();
                println!(
                    "opcodes: {} builders in ring-core; the kernel implements {} (last_op {}); missing: {}",
                    OPCODES.len(),
                    p.count(),
                    p.last_op(),
                    if missing.is_empty() { "none".into() } else { missing.join(" ") }
                );
            }
            Err(e) => println!("opcodes: {} builders; probe failed: {e}", OPCODES.len()),
        }
        println!(
            "registered ring fd: {}",
            probe_ring.registered_index().map_or("no".into(), |i| format!("index {i}"))
        );

        let mut failures = 0;
        for &(_, flag, since) in &SETUP_FLAGS {
            let b = if flag == "ATTACH_WQ" {
                Ring::builder().entries(8).attach_wq(probe_ring.fd())
            } else {
                builder_for(flag)
            };
            let outcome = b.build().and_then(|mut ring| {
                if flag == "R_DISABLED" {
                    let _ = ring.enable_rings();
                }
                ring.submission().push(&Nop::new().build()).ok();
                ring.submit_and_wait(1).map_err(ring_core::SetupError::Kernel)?;
                Ok(ring.memory())
            });
            let expected = v.is_some_and(|v| v.at_least(since));
            match outcome {
                Ok(m) => println!(
                    "  {flag:<20} {since:<5} ok{}",
                    if m.user {
                        format!(" (user memory, huge page: {})", m.huge_page)
                    } else {
                        String::new()
                    }
                ),
                Err(e) => {
                    println!("  {flag:<20} {since:<5} {e}");
                    failures += u32::from(expected);
                }
            }
        }
        if failures == 0 {
            ExitCode::SUCCESS
        } else {
            eprintln!("kernel_report: {failures} flags this kernel should support failed");
            ExitCode::FAILURE
        }
    }
}
