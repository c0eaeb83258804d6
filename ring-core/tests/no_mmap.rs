//! Ports of liburing's `init-mem` and `no-mmap-inval` tests: `NO_MMAP` rings in memory this
//! process allocates run NOP batches for many sizes and entry formats; the regions have the
//! sizes the kernel computes (checked against the offsets it reports); the ring fd cannot
//! be mmap'd; misaligned user memory is refused; a huge page is used when the hugetlb pool
//! has one, ordinary pages otherwise.
#![cfg(feature = "linux")]

mod support;

use ring_core::abi::{mmap_off, setup, Params};
use ring_core::opcode::Nop;
use ring_core::setup::{check_params, RINGS_HEADER};
use ring_core::{Builder, Errno, HugePages, Ring, SetupError};

/// A builder variant under test.
type Variant = fn(Builder) -> Builder;
/// A ring mode under test.
type Mode = fn() -> Builder;

fn page_round(n: usize) -> usize {
    n.div_ceil(4096) * 4096
}

/// Round trips until both rings have wrapped twice.
fn round_trips(ring: &mut Ring, what: &str) {
    let sq = u64::from(ring.params().sq_entries);
    let total = 2 * u64::from(ring.params().cq_entries).max(sq);
    let mut next = 0;
    while next < total {
        let n = sq.min(total - next);
        {
            let mut s = ring.submission();
            for ud in next..next + n {
                s.push(&Nop::new().build().user_data(ud)).unwrap();
            }
        }
        assert_eq!(ring.submit_and_wait(n as u32), Ok(n as u32), "{what}");
        let c = support::reap(ring);
        assert_eq!(
            c.iter().map(|c| c.user_data).collect::<Vec<_>>(),
            (next..next + n).collect::<Vec<_>>(),
            "{what}"
        );
        next += n;
    }
}

#[test]
fn init_mem_nop_batches_and_region_sizes() {
    let variants: [(&str, Variant); 4] = [
        ("NO_SQARRAY", |b| b),
        ("SQ array", |b| b.no_sqarray(false)),
        ("SQE128 | CQE32", |b| b.sqe128().cqe32()),
        ("SQ array + CQE32", |b| b.no_sqarray(false).cqe32()),
    ];
    for entries in [1u32, 2, 8, 64, 1024, 4096] {
        for (name, f) in variants {
            let what = format!("{name}, {entries} entries");
            let b = f(Ring::builder().entries(entries).no_mmap().huge_pages(HugePages::Never));
            let mut ring = b.build().unwrap_or_else(|e| panic!("{what}: {e}"));
            let p = *ring.params();
            let m = ring.memory();
            assert!(m.user && !m.huge_page, "{what}: {m:?}");
            assert_ne!(p.flags & setup::NO_MMAP, 0);
            // The kernel's layout: header at cq_off.cqes (64 on 6.18), SQ array after the
            // cache-aligned CQEs. Our sizes must cover it, page-rounded, and no more.
            let cqe = if p.flags & setup::CQE32 != 0 { 32 } else { 16 };
            let sqe = if p.flags & setup::SQE128 != 0 { 128 } else { 64 };
            assert_eq!(p.cq_off.cqes as usize, RINGS_HEADER, "{what}");
            let g = check_params(entries, &Params { flags: p.flags, ..Params::default() }).unwrap();
            let kernel_end = if p.flags & setup::NO_SQARRAY == 0 {
                assert_eq!(
                    Some(p.sq_off.array as usize),
                    g.sq_array_offset(RINGS_HEADER),
                    "{what}"
                );
                p.sq_off.array as usize + 4 * p.sq_entries as usize
            } else {
                assert_eq!(p.sq_off.array, 0);
                g.rings_bytes(RINGS_HEADER).unwrap()
            };
            assert!(kernel_end >= p.cq_off.cqes as usize + cqe * p.cq_entries as usize);
            assert_eq!(m.sq_ring, page_round(kernel_end), "{what}");
            assert_eq!(m.sqes, page_round(sqe * p.sq_entries as usize), "{what}");
            round_trips(&mut ring, &what);
        }
    }
}

#[test]
fn no_mmap_ring_fd_cannot_be_mapped() {
    let ring = Ring::builder().entries(8).no_mmap().build().unwrap();
    for off in [mmap_off::SQ_RING, mmap_off::CQ_RING, mmap_off::SQES] {
        // SAFETY: a fresh mapping request; on success it is unmapped at once.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                ring.fd(),
                off as libc::off_t,
            )
        };
        assert_eq!(p, libc::MAP_FAILED, "mmap of a NO_MMAP ring at {off:#x} succeeded");
    }
}

fn free_huge_pages() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("HugePages_Free:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn huge_page_when_available() {
    if free_huge_pages() == 0 {
        // No pool: Require is a typed errno, Prefer falls back to ordinary pages.
        let r = Ring::builder().entries(8).no_mmap().huge_pages(HugePages::Require).build();
        assert_eq!(r.unwrap_err(), SetupError::Kernel(Errno::ENOMEM));
        let mut ring = Ring::builder().entries(8).no_mmap().build().unwrap();
        assert!(!ring.memory().huge_page);
        round_trips(&mut ring, "Prefer without a pool");
        println!("huge_page_when_available: the hugetlb pool is empty; fallback checked");
        return;
    }
    let mut ring =
        Ring::builder().entries(256).no_mmap().huge_pages(HugePages::Require).build().unwrap();
    assert!(ring.memory().huge_page);
    round_trips(&mut ring, "huge page");
    let mut ring = Ring::builder().entries(64).no_mmap().sqe128().cqe32().build().unwrap();
    assert!(ring.memory().huge_page, "Prefer must take the huge page");
    round_trips(&mut ring, "huge page, big entries");
    // Regions too large for one huge page fall back to ordinary pages under Prefer.
    let mut ring = Ring::builder().entries(32768).no_mmap().build().unwrap();
    assert!(!ring.memory().huge_page);
    round_trips(&mut ring, "32768 entries");
}

#[test]
fn no_mmap_with_other_modes() {
    let modes: [(&str, Mode); 3] = [
        ("SQPOLL", || Ring::builder().sqpoll(50)),
        ("DEFER_TASKRUN", || Ring::builder().defer_taskrun().taskrun_flag()),
        ("COOP_TASKRUN", || Ring::builder().coop_taskrun().taskrun_flag()),
    ];
    for (what, b) in modes {
        // Built on the thread that drives it: DEFER_TASKRUN implies SINGLE_ISSUER.
        support::with_deadline(20, move || {
            let mut ring =
                b().entries(16).no_mmap().build().unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(ring.memory().user);
            round_trips(&mut ring, what);
        });
    }
}

#[test]
fn no_mmap_inval() {
    // The kernel wants page-aligned user memory: an address one byte off is EINVAL.
    let mut mem = vec![0u8; 5 * 4096];
    let base = (mem.as_mut_ptr() as usize).next_multiple_of(4096);
    for (sq_addr, cq_addr) in [(base + 1, base + 2 * 4096), (base, base + 2 * 4096 + 8)] {
        let mut p = Params { flags: setup::NO_MMAP, ..Params::default() };
        p.sq_off.user_addr = sq_addr as u64;
        p.cq_off.user_addr = cq_addr as u64;
        // SAFETY: `p` is a valid `io_uring_params`; the addresses point into `mem`, which
        // outlives the call (and the kernel refuses them anyway).
        let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, 4, &mut p as *mut Params) };
        assert_eq!(fd, -1, "misaligned NO_MMAP memory accepted");
        assert_eq!(std::io::Error::last_os_error().raw_os_error(), Some(libc::EINVAL));
    }
    // Null addresses: also refused.
    let mut p = Params { flags: setup::NO_MMAP, ..Params::default() };
    // SAFETY: as above.
    let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, 4, &mut p as *mut Params) };
    assert_eq!(fd, -1);
}
