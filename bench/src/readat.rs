//! The Go seed's ReadAt comparison, at a size that fits this machine: blocking readers doing
//! 4 KiB random reads against 128 threads doing `pread`.
//!
//! The seed (dshulyak/uring) put 100,000 goroutines behind a pool of rings, each calling
//! `ReadAt`, against 128 OS threads calling pread: io_uring 2397 MB/s vs pread 2154 MB/s
//! (1.11x) on a 40 GB O_DIRECT file on NVMe. Here the readers are threads and the file is a
//! few GiB on this VM's virtio disk.
//!
//! The contender the comparison is about is ring-pool's `Pool::read_at` called from 128
//! threads ([`PoolRead`], default pool: one ring of 256 entries per CPU sharing kernel
//! workers, one reaper thread per ring). For reference the table also shows one thread
//! driving one ring-core ring with 128 reads in flight (no pool, no reaper, no wakeups) and
//! fio's io_uring engine at the same depth.

use std::time::Duration;

use crate::driver::{Contender, Entrant};
use crate::error::BenchError;
use crate::file::{random_offsets, DataFile};
use crate::libs::fio::Fio;
use crate::libs::ring_core::RingCoreRead;
#[cfg(not(loom))]
use crate::libs::threads::PoolRead;
use crate::libs::threads::ThreadReaders;
use crate::libs::{ReadJob, ReadOf};
use crate::read::{
    mode_fd, pause_for, pread_file, prepare_region, region, residency_note, start_of, Mode, Table,
    OFFSETS,
};
use crate::setup::Setup;

/// Reader threads (the seed's 128 pread threads).
pub const THREADS: usize = 128;

/// ring-pool's `read_at` from [`THREADS`] threads.
#[cfg(not(loom))]
fn pool_contender(
    name: &str,
    data: &DataFile,
    mode: Mode,
    offsets: &[u64],
) -> Result<Box<dyn Contender>, BenchError> {
    let p = pool_read(data, mode)?;
    let start = start_of(1, 4, offsets.len());
    Ok(Box::new(ThreadReaders::new(name, p, offsets, THREADS).starting_at(start)))
}

/// In a `--cfg loom` build ring-pool runs on loom's primitives: no pool outside a model.
#[cfg(loom)]
fn pool_contender(
    _: &str,
    _: &DataFile,
    _: Mode,
    _: &[u64],
) -> Result<Box<dyn Contender>, BenchError> {
    Err(BenchError::Skip("a --cfg loom build has no real ring-pool".into()))
}

/// A default ring-pool (one ring per CPU) reading `data` in `mode`.
#[cfg(not(loom))]
pub fn pool_read(data: &DataFile, mode: Mode) -> Result<PoolRead, BenchError> {
    let file = pread_file(data, mode)?.0;
    let pool =
        ring_pool::Pool::new().map_err(|e| BenchError::fail(format!("ring-pool setup: {e}")))?;
    Ok(PoolRead { pool, file })
}

/// Runs the comparison for each mode.
pub fn run(
    data: &DataFile,
    modes: &[Mode],
    cache_bytes: u64,
    seed: u64,
    rounds: usize,
    target: Duration,
) -> Vec<Table> {
    let mut tables = Vec::new();
    for &mode in modes {
        let region = region(data, mode, cache_bytes);
        let offsets = random_offsets(OFFSETS, region, seed ^ 0xdead_beef);
        let title = format!("ReadAt: {THREADS} blocking readers, {}", mode.label());
        let fd = match mode_fd(data, mode) {
            Ok(fd) => fd,
            Err(e) => {
                eprintln!("{title}: {e}");
                continue;
            }
        };
        let before = prepare_region(data, mode, region);
        let job = ReadJob { fd, offsets: &offsets, start: start_of(2, 4, offsets.len()) };
        let pread_name = format!("pread, {THREADS} threads");
        let pool_name = format!("ring-pool Pool::read_at, {THREADS} threads");
        let ring_name = format!("ring-core, 1 thread, {THREADS} in flight (no pool)");
        let fio_name = format!("fio io_uring engine, iodepth {THREADS}");
        let depth = THREADS as u32;
        let list: Vec<Entrant<'_>> = vec![
            (
                pread_name.clone(),
                pread_file(data, mode).map(|p| {
                    Box::new(ThreadReaders::new(pread_name.clone(), p, &offsets, THREADS))
                        as Box<dyn Contender>
                }),
            ),
            (pool_name.clone(), pool_contender(&pool_name, data, mode, &offsets)),
            (
                ring_name.clone(),
                RingCoreRead::new(Setup::Plain, depth, &ring_name)
                    .map(|lp| Box::new(ReadOf { lp: Box::new(lp), job }) as Box<dyn Contender>),
            ),
            (
                fio_name.clone(),
                Fio::contender(&fio_name, data.path.clone(), region, mode == Mode::Direct, depth),
            ),
        ];
        let mut t = Table::run(title, list, rounds, target, depth as u64, pause_for(mode));
        t.base_over = false;
        t.notes.push(
            "ring-pool: `Pool::new()` (one ring of 256 entries per CPU, ATTACH_WQ, one reaper \
             thread per ring, callers pick the ring of their CPU)"
                .into(),
        );
        t.notes.push(format!(
            "file {}, reads within its first {} MiB (offset seed {:#x}); the seed: io_uring \
             1.11x pread (2397 vs 2154 MB/s, 40 GB O_DIRECT on NVMe, kernel 5.8)",
            data.path.display(),
            region >> 20,
            seed ^ 0xdead_beef
        ));
        residency_note(&mut t, data, mode, region, before);
        tables.push(t);
    }
    tables
}
