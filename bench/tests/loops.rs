//! Correctness of the benchmark loops (no timing is asserted anywhere): every library
//! completes exactly the NOPs it was asked for, and every read loop returns the right bytes.
//! Peers that are not installed (liburing-dev, fio) are skipped with a message; ring-core
//! always runs.

use std::os::fd::AsRawFd;
use std::path::PathBuf;

use bench::driver::Contender;
use bench::file::{block_words, expected_checksum, random_offsets, DataFile, BLOCK};
use bench::libs::fio::{self, Fio};
use bench::libs::io_uring_crate::IoUringRead;
use bench::libs::liburing::{self, LiburingRead};
use bench::libs::ring_core::RingCoreRead;
use bench::libs::threads::{Pread, ThreadReaders};
use bench::libs::{expected_user_data_sum, nop_loop, Lib, ReadJob, ReadLoop};
use bench::{BenchError, Setup};

type ReadLoopOr = Result<Box<dyn ReadLoop>, BenchError>;

/// Unwraps a contender, or says why it is skipped; a skip is allowed only for the peers.
fn available<T>(what: &str, r: Result<T, BenchError>) -> Option<T> {
    match r {
        Ok(t) => Some(t),
        Err(BenchError::Skip(why)) if !what.starts_with("ring-core") => {
            eprintln!("{what}: skipped: {why}");
            None
        }
        Err(e) => panic!("{what}: {e}"),
    }
}

#[test]
fn every_library_completes_exactly_the_nops_asked_for() {
    for setup in [Setup::Plain, Setup::RegFd, Setup::DeferRegFd, Setup::Default] {
        for lib in Lib::ALL {
            let what = format!("{} {}", lib.key(), setup.key());
            let Some(mut lp) = available(&what, nop_loop(lib, setup)) else { continue };
            // 1000 is not a multiple of 7, 32 or 128: the last batch is short.
            for batch in [1, 7, 32, 128] {
                for ops in [0, 1, 1000] {
                    let sum = lp.nops(batch, ops).unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(sum, expected_user_data_sum(ops), "{what} batch {batch}");
                }
            }
        }
    }
    if liburing::AVAILABLE {
        assert!(liburing::label().starts_with("liburing "));
    } else {
        eprintln!("liburing {}", liburing::STATUS);
    }
}

fn data_file(name: &str) -> (DataFile, PathBuf) {
    let path = std::env::temp_dir().join(format!("bench-{name}-{}.bin", std::process::id()));
    let data = DataFile::prepare(&path, 1 << 20).expect("writing the test file");
    (data, path)
}

#[test]
fn the_pattern_is_the_offset_of_every_word() {
    let (data, path) = data_file("pattern");
    let mut b = vec![0u8; BLOCK];
    std::os::unix::fs::FileExt::read_exact_at(&data.buffered, &mut b, 8192).unwrap();
    for (i, w) in b.chunks_exact(8).enumerate() {
        assert_eq!(u64::from_le_bytes(w.try_into().unwrap()), 8192 + 8 * i as u64);
    }
    assert_eq!(block_words(&b), 2 * 8192 + (BLOCK as u64 - 8));
    let _ = std::fs::remove_file(path);
}

#[test]
fn every_read_loop_returns_the_right_bytes() {
    let (data, path) = data_file("reads");
    let offsets = random_offsets(300, data.size, 11);
    let mut fds = vec![("buffered", data.buffered.as_raw_fd())];
    match &data.direct {
        Some(f) => fds.push(("O_DIRECT", f.as_raw_fd())),
        None => eprintln!("O_DIRECT skipped: {:?}", data.direct_error),
    }
    for (mode, fd) in fds {
        // Starting near the end of the offsets: the reads wrap around to the beginning.
        let job = ReadJob { fd, offsets: &offsets, start: 250 };
        let loops: Vec<(&str, ReadLoopOr)> = vec![
            ("ring-core", RingCoreRead::new(Setup::Plain, 4, "rc").map(|l| Box::new(l) as _)),
            (
                "ring-core default",
                RingCoreRead::new(Setup::Default, 8, "rc").map(|l| Box::new(l) as _),
            ),
            ("liburing", LiburingRead::new(Setup::Plain, 4).map(|l| Box::new(l) as _)),
            ("io-uring", IoUringRead::new(Setup::Plain, 4).map(|l| Box::new(l) as _)),
        ];
        for (name, lp) in loops {
            let what = format!("{name} {mode}");
            let Some(mut lp) = available(&what, lp) else { continue };
            // 1000 reads cycle through the 300 offsets more than three times.
            for ops in [1, 1000] {
                let sum = lp.reads(&job, ops).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(sum, expected_checksum(&offsets, 250, ops), "{what}, {ops} reads");
            }
        }
    }
    let mut pool =
        ThreadReaders::new("pread", Pread(std::fs::File::open(&path).unwrap()), &offsets, 8)
            .starting_at(299);
    // `measure` checks the checksum itself.
    pool.measure(1000).expect("pread threads");
    pool.measure(7).expect("pread threads, fewer reads than threads");
    #[cfg(not(loom))]
    {
        let ring_pool = bench::libs::threads::PoolRead {
            pool: ring_pool::Pool::builder().rings(2).build().expect("ring-pool"),
            file: std::fs::File::open(&path).unwrap(),
        };
        let mut readers = ThreadReaders::new("ring-pool", ring_pool, &offsets, 8);
        readers.measure(1000).expect("ring-pool read_at from 8 threads");
    }
    let _ = std::fs::remove_file(path);
}

#[test]
fn fio_reads_the_file_when_installed() {
    let Some(version) = available("fio", fio::version()) else { return };
    let (data, path) = data_file("fio");
    let mut f =
        Fio { path: path.clone(), size: data.size, direct: false, depth: 4, label: version };
    let iops = f.measure(1000).expect("fio run");
    assert!(iops > 0.0);
    let _ = std::fs::remove_file(path);
}
