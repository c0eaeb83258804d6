//! What dropping a `Ring` gives back: the ring fd is closed (`fcntl(F_GETFD)` answers
//! `EBADF`), the kernel's ring mappings (one for both rings and one for the SQEs, or three
//! with separate mappings) are unmapped, `NO_MMAP` user memory is unmapped, and a
//! `REGISTERED_FD_ONLY` ring's registered index is freed.
//!
//! The checks look at process-wide state (the fd table, /proc/self/maps), where any other
//! thread could take a number or an address just freed: the test harness starting a test
//! thread maps its signal stack, for one. So this file holds a single test that runs every
//! case in turn, and the checks right after a drop allocate nothing (an allocation could
//! reuse the range that was just unmapped before it is looked at).
#![cfg(feature = "linux")]

use std::io::Read;

use ring_core::opcode::Nop;
use ring_core::{Builder, Ring};

/// One line of /proc/self/maps: the range and what is mapped there.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Mapping {
    start: usize,
    end: usize,
    name: String,
}

/// Reads /proc/self/maps into `buf`, which has room enough not to grow (growing could
/// allocate at an address just unmapped).
fn read_maps(buf: &mut Vec<u8>) -> Vec<Mapping> {
    buf.clear();
    let mut f = std::fs::File::open("/proc/self/maps").unwrap();
    f.read_to_end(buf).unwrap();
    let text = std::str::from_utf8(buf).unwrap();
    text.lines()
        .map(|line| {
            let mut fields = line.split_whitespace();
            let range = fields.next().unwrap();
            let (s, e) = range.split_once('-').unwrap();
            let name = fields.nth(4).unwrap_or("").to_string();
            Mapping {
                start: usize::from_str_radix(s, 16).unwrap(),
                end: usize::from_str_radix(e, 16).unwrap(),
                name,
            }
        })
        .collect()
}

fn io_uring_mappings(buf: &mut Vec<u8>) -> Vec<Mapping> {
    read_maps(buf).into_iter().filter(|m| m.name.contains("io_uring")).collect()
}

/// Whether every page of `[start, end)` is mapped: `mincore` fails with `ENOMEM` on a range
/// with unmapped pages. `vec` needs a byte per page.
fn mapped(start: usize, end: usize, vec: &mut [u8]) -> bool {
    // SAFETY: `vec` has a byte for each page of the range (callers size it); mincore only
    // writes there and inspects the range without touching its contents.
    let r = unsafe { libc::mincore(start as *mut libc::c_void, end - start, vec.as_mut_ptr()) };
    if r == 0 {
        return true;
    }
    assert_eq!(std::io::Error::last_os_error().raw_os_error(), Some(libc::ENOMEM));
    false
}

/// `fcntl(fd, F_GETFD)`: `Ok` for an open descriptor, the errno otherwise.
fn fd_flags(fd: i32) -> Result<i32, i32> {
    // SAFETY: F_GETFD reads the descriptor's flags; any fd number is a valid argument.
    let r = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    if r >= 0 {
        Ok(r)
    } else {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap())
    }
}

fn use_ring(ring: &mut Ring) {
    ring.submission().push(&Nop::new().build().user_data(5)).unwrap();
    assert_eq!(ring.submit_and_wait(1), Ok(1));
    assert_eq!(ring.completion().peek().map(|c| c.user_data), Some(5));
    ring.completion().advance(1).unwrap();
}

/// Builds a ring with kernel mappings, checks it has `expected` new io_uring mappings, drops
/// it, and checks the fd is closed and every one of those mappings is gone.
fn kernel_mappings_released(b: Builder, expected: usize, what: &str) {
    let mut buf = Vec::with_capacity(1 << 20);
    let before = io_uring_mappings(&mut buf);
    let mut ring = b.build().unwrap_or_else(|e| panic!("{what}: {e}"));
    use_ring(&mut ring);
    let fd = ring.fd();
    assert!(fd_flags(fd).is_ok(), "{what}: the ring fd is open while the ring lives");
    let ours: Vec<Mapping> =
        io_uring_mappings(&mut buf).into_iter().filter(|m| !before.contains(m)).collect();
    assert_eq!(ours.len(), expected, "{what}: the ring's mappings: {ours:?}");
    assert_eq!(ring.memory().single_ring_region, expected == 2, "{what}");
    let total: usize = ours.iter().map(|m| m.end - m.start).sum();
    let mut vec = vec![0u8; total / 4096 + 1];
    for m in &ours {
        assert!(mapped(m.start, m.end, &mut vec), "{what}: {m:?} mapped while the ring lives");
    }

    drop(ring);
    // Nothing below allocates until the checks are done.
    assert_eq!(fd_flags(fd), Err(libc::EBADF), "{what}: fd {fd} still open after drop");
    for m in &ours {
        assert!(!mapped(m.start, m.end, &mut vec), "{what}: {m:?} still mapped after drop");
    }
    let after = io_uring_mappings(&mut buf);
    for m in &ours {
        assert!(
            !after.iter().any(|a| a.start < m.end && m.start < a.end),
            "{what}: {m:?} still in /proc/self/maps after drop: {after:?}"
        );
    }
}

/// The `NO_MMAP` ring's memory: one anonymous mapping holding the SQEs, then the rings.
fn user_mapping(ring: &Ring, buf: &mut Vec<u8>) -> Mapping {
    let sqes = ring.params().sq_off.user_addr as usize;
    let rings = ring.params().cq_off.user_addr as usize;
    let m = read_maps(buf)
        .into_iter()
        .find(|m| m.start == sqes)
        .unwrap_or_else(|| panic!("no mapping starts at the SQEs ({sqes:#x})"));
    assert!(rings > sqes && rings < m.end, "{m:?}: the rings ({rings:#x}) are inside");
    assert!(!m.name.contains("io_uring"), "{m:?}: user memory, not a kernel mapping");
    m
}

fn user_memory_released(b: Builder, what: &str) {
    let mut buf = Vec::with_capacity(1 << 20);
    let before = io_uring_mappings(&mut buf);
    let mut ring = b.build().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(ring.memory().user, "{what}");
    use_ring(&mut ring);
    assert_eq!(io_uring_mappings(&mut buf), before, "{what}: NO_MMAP maps nothing of the ring");
    let m = user_mapping(&ring, &mut buf);
    let mut vec = vec![0u8; (m.end - m.start) / 4096 + 1];
    assert!(mapped(m.start, m.end, &mut vec), "{what}");
    let fd = ring.fd();
    let index = ring.registered_index();
    if fd >= 0 {
        assert!(fd_flags(fd).is_ok(), "{what}");
    } else {
        assert!(index.is_some(), "{what}: a ring without an fd lives by its index");
    }

    drop(ring);
    assert!(!mapped(m.start, m.end, &mut vec), "{what}: {m:?} still mapped after drop");
    if fd >= 0 {
        assert_eq!(fd_flags(fd), Err(libc::EBADF), "{what}: fd {fd} still open after drop");
    }
    let after = read_maps(&mut buf);
    assert!(
        !after.iter().any(|a| a.start < m.end && m.start < a.end),
        "{what}: {m:?} still in /proc/self/maps after drop"
    );
    // The thread's lowest free registration slot is the one the ring held: freed on drop.
    if let Some(i) = index {
        let next = Ring::new(2).unwrap();
        assert_eq!(next.registered_index(), Some(i), "{what}: index {i} not freed by drop");
    }
}

#[test]
fn drop_closes_the_fd_and_releases_the_memory() {
    kernel_mappings_released(Ring::builder().entries(8), 2, "single mapping");
    kernel_mappings_released(Ring::builder().entries(8).no_sqarray(false), 2, "single + array");
    kernel_mappings_released(Ring::builder().entries(8).separate_mappings(), 3, "separate");
    let b = Ring::builder().entries(64).separate_mappings().no_sqarray(false).sqe128().cqe32();
    kernel_mappings_released(b, 3, "separate + array + big entries");
    user_memory_released(Ring::builder().entries(8).no_mmap(), "NO_MMAP");
    let b = Ring::builder().entries(8).no_mmap().huge_pages(ring_core::HugePages::Never);
    user_memory_released(b, "NO_MMAP, ordinary pages");
    user_memory_released(Ring::builder().entries(8).registered_fd_only(), "REGISTERED_FD_ONLY");
}
