//! The `setup_params` fuzz target judges ring-core's `check_params` against `setup_verdict`, an
//! independent statement of 6.18's setup rules. This test holds that oracle against the real
//! kernel: for a grid of entry counts, CQ sizes and flag sets, `io_uring_setup` itself must
//! accept exactly what the oracle accepts, with the geometry it predicts.
#![cfg(target_os = "linux")]

use fuzz::targets::setup_verdict;
use ring_core::abi::{setup, Params};

/// `io_uring_setup(2)` without ring-core in between: `Ok((sq, cq))` or the errno.
fn kernel_setup(entries: u32, p: &mut Params) -> Result<(u32, u32), i32> {
    // SAFETY: `p` is a valid, writable `io_uring_params` for the call's duration; the fd
    // returned on success is closed below and never used otherwise.
    let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, entries, p as *mut Params) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    // SAFETY: `fd` is the ring fd just returned and owned by nobody else.
    unsafe { libc::close(fd as i32) };
    Ok((p.sq_entries, p.cq_entries))
}

#[test]
fn the_oracle_agrees_with_the_kernel() {
    // Flag sets whose validity depends only on the parameters (no files, no user memory, no
    // privileged CPU choice): every single flag among them and the pairs the rules relate.
    let singles = [
        0,
        setup::IOPOLL,
        setup::SQPOLL,
        setup::SQ_AFF,
        setup::CQSIZE,
        setup::CLAMP,
        setup::R_DISABLED,
        setup::SUBMIT_ALL,
        setup::COOP_TASKRUN,
        setup::TASKRUN_FLAG,
        setup::SQE128,
        setup::CQE32,
        setup::SINGLE_ISSUER,
        setup::DEFER_TASKRUN,
        setup::REGISTERED_FD_ONLY,
        setup::NO_SQARRAY,
        setup::HYBRID_IOPOLL,
        setup::CQE_MIXED,
        1 << 19,
        1 << 25,
    ];
    let mut flag_sets = Vec::new();
    for &a in &singles {
        for &b in &singles {
            flag_sets.push(a | b);
            flag_sets.push(a | b | setup::CQSIZE);
        }
    }
    flag_sets.push(setup::DEFER_TASKRUN | setup::SINGLE_ISSUER | setup::TASKRUN_FLAG);
    flag_sets.sort_unstable();
    flag_sets.dedup();

    let entries = [0, 1, 2, 3, 5, 8, 32_768, 32_769];
    let cqs = [0, 1, 2, 3, 7, 65_536, 65_537];
    let (mut checked, mut accepted) = (0, 0);
    let mut disagreements = Vec::new();
    for &flags in &flag_sets {
        for &e in &entries {
            for &cq in &cqs {
                if flags & setup::CQSIZE == 0 && cq != 0 {
                    continue; // cq_entries is ignored without CQSIZE
                }
                let mut p = Params { flags, cq_entries: cq, ..Params::default() };
                let verdict = setup_verdict(e, &p);
                let kernel = kernel_setup(e, &mut p);
                checked += 1;
                match (verdict, kernel) {
                    (Some(g), Ok(k)) if g == k => accepted += 1,
                    (None, Err(_)) => {}
                    (v, k) => disagreements.push(format!(
                        "entries {e} cq {cq} flags {flags:#x}: oracle {v:?}, kernel {k:?}"
                    )),
                }
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    // Both verdicts occur, so the comparison is not vacuous.
    assert!(accepted > 100 && accepted < checked, "{accepted} of {checked} accepted");
    println!("{checked} setups compared, {accepted} accepted by both");
}

#[test]
fn mixed_cq_of_one_entry_is_refused() {
    // The input the cargo-fuzz smoke run found (CI, setup_params): CQSIZE | CQE_MIXED, one
    // entry, a CQ of one. The kernel refuses it; check_params and the oracle must too.
    let p = Params { flags: setup::CQSIZE | setup::CQE_MIXED, cq_entries: 1, ..Params::default() };
    assert_eq!(setup_verdict(1, &p), None);
    assert!(ring_core::setup::check_params(1, &p).is_err());
    assert_eq!(kernel_setup(1, &mut p.clone()), Err(libc::EOVERFLOW));
    let input = fuzz::targets::SetupInput {
        entries: 1,
        flags: p.flags,
        cq_entries: 1,
        sq_thread_idle: 0,
        sq_thread_cpu: 0,
        resv: [0; 3],
        tame: false,
    };
    assert!(!fuzz::targets::setup_params(&input));
}
