//! 4 KiB random reads: ring-core, liburing and the io-uring crate (same flags: none), ring-core
//! in its default setup, a pread thread pool and fio's io_uring engine, on one file, from the
//! page cache and with O_DIRECT, alternated round by round.

use std::fmt::Write as _;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::time::Duration;

use crate::driver::{alternate, calibrate, Contender, Entrant, Series};
use crate::error::BenchError;
use crate::file::{random_offsets, DataFile, BLOCK};
use crate::libs::fio::Fio;
use crate::libs::io_uring_crate::IoUringRead;
use crate::libs::liburing::LiburingRead;
use crate::libs::ring_core::RingCoreRead;
use crate::libs::threads::{Pread, ThreadReaders};
use crate::libs::{ReadJob, ReadLoop, ReadOf};
use crate::setup::Setup;
use crate::stats::{paired_ratios, Rate, Ratio, Summary};

/// Random offsets per table (2 Mi reads of 4 KiB before the table wraps; each contender
/// starts at its own point of it).
pub const OFFSETS: usize = 1 << 21;

/// Where the data comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Buffered reads of a file already in the page cache.
    PageCache,
    /// O_DIRECT reads (skipped if the file system refuses O_DIRECT).
    Direct,
}

impl Mode {
    /// A label for reports.
    pub fn label(self) -> &'static str {
        match self {
            Mode::PageCache => "page cache",
            Mode::Direct => "O_DIRECT",
        }
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct ReadOpts {
    /// The data file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Reads in flight per ring (and pread threads).
    pub depth: u32,
    /// Bytes at the start of the file that page-cache reads stay within (this VM reclaims
    /// cold page-cache pages, so random reads over a large file would reach the disk).
    pub cache_bytes: u64,
    /// Modes, in order.
    pub modes: Vec<Mode>,
    /// Seed of the random offsets (a new one per run by default, so that no run reads the
    /// blocks an earlier run left in a cache below the guest, such as the host's).
    pub seed: u64,
    /// Recorded rounds.
    pub rounds: usize,
    /// Target duration of one measurement.
    pub target: Duration,
}

/// One comparison table: contenders, their rates, and how ratios are taken.
#[derive(Clone, Debug)]
pub struct Table {
    /// The heading.
    pub title: String,
    /// Operations per measurement.
    pub ops: u64,
    /// One series per contender.
    pub series: Vec<Series>,
    /// The series ratios refer to.
    pub base: usize,
    /// `true`: ratios are base ÷ contender; `false`: contender ÷ base.
    pub base_over: bool,
    /// Lines printed under the heading.
    pub notes: Vec<String>,
}

impl Table {
    /// Runs `contenders` (the first calibrates the op count, in multiples of `granule`).
    pub fn run(
        title: String,
        mut list: Vec<Entrant<'_>>,
        rounds: usize,
        target: Duration,
        granule: u64,
        pause: Duration,
    ) -> Table {
        eprintln!("{title}");
        let mut series: Vec<Series> = Vec::new();
        let mut idx = Vec::new();
        let mut contenders = Vec::new();
        for (i, (name, c)) in list.drain(..).enumerate() {
            match c {
                Ok(c) => {
                    idx.push(i);
                    series.push(Series::unavailable(name, BenchError::Skip("not run".into())));
                    contenders.push(c);
                }
                Err(e) => {
                    eprintln!("  {name}: {e}");
                    series.push(Series::unavailable(name, e));
                }
            }
        }
        let mut ops = 0;
        if let Some(first) = contenders.first_mut() {
            match calibrate(first.as_mut(), target, granule) {
                Ok(n) => {
                    ops = n;
                    for (s, &i) in alternate("reads", &mut contenders, rounds, ops, pause)
                        .into_iter()
                        .zip(&idx)
                    {
                        series[i] = s;
                    }
                }
                Err(e) => eprintln!("  calibration failed: {e}"),
            }
        }
        Table { title, ops, series, base: 0, base_over: true, notes: Vec::new() }
    }

    /// The per-round ratio of series `i` against the base.
    pub fn ratio(&self, i: usize) -> Option<Summary> {
        let (b, x) = (&self.series[self.base].rates, &self.series[i].rates);
        if b.is_empty() || x.is_empty() {
            return None;
        }
        Summary::of(&if self.base_over { paired_ratios(b, x) } else { paired_ratios(x, b) })
    }

    /// The Markdown table.
    pub fn markdown(&self) -> String {
        let mut out = format!("\n#### {}\n\n", self.title);
        for n in &self.notes {
            let _ = writeln!(out, "- {n}");
        }
        let base = &self.series[self.base].name;
        let head =
            if self.base_over { format!("{base} ÷ this") } else { format!("this ÷ {base}") };
        let _ = write!(out, "\n| contender | kIOPS | MB/s (median) | {head} |\n|---|---|---|---|");
        for (i, s) in self.series.iter().enumerate() {
            let k: Vec<f64> = s.rates.iter().map(|r| r / 1e3).collect();
            let _ = write!(out, "\n| {} |", s.name);
            match Summary::of(&k) {
                Some(sum) => {
                    let mb = sum.median * 1e3 * BLOCK as f64 / 1e6;
                    let _ = write!(out, " {} | {mb:.0} |", Rate(&sum, 1));
                }
                None => {
                    let why = s.error.as_ref().map_or("—".into(), |e| e.to_string());
                    let _ = write!(out, " {why} | — |");
                }
            }
            match (i == self.base, self.ratio(i)) {
                (true, _) => out.push_str(" 1 |"),
                (false, Some(r)) => {
                    let _ = write!(out, " {} |", Ratio(&r));
                }
                (false, None) => out.push_str(" — |"),
            }
        }
        let rounds = self.series.iter().map(|s| s.rates.len()).max().unwrap_or(0);
        let _ = writeln!(
            out,
            "\n\n{} reads of 4 KiB per measurement; median (IQR) over {rounds} rounds; ratios \
             per round, **median** [IQR] (min–max).",
            self.ops
        );
        out
    }
}

/// The fd of `data` for `mode`, or why there is none.
pub fn mode_fd(data: &DataFile, mode: Mode) -> Result<i32, BenchError> {
    match mode {
        Mode::PageCache => Ok(data.buffered.as_raw_fd()),
        Mode::Direct => data.direct.as_ref().map(|f| f.as_raw_fd()).ok_or_else(|| {
            BenchError::Skip(format!(
                "O_DIRECT refused on {}: {}",
                data.path.display(),
                data.direct_error.as_deref().unwrap_or("?")
            ))
        }),
    }
}

/// The bytes at the start of the file that `mode` reads: all of it with O_DIRECT, the first
/// `cache_bytes` from the page cache.
pub fn region(data: &DataFile, mode: Mode, cache_bytes: u64) -> u64 {
    match mode {
        Mode::Direct => data.size,
        Mode::PageCache => data.size.min(cache_bytes).max(BLOCK as u64),
    }
}

/// For page-cache reads, reads the region into the cache; returns its residency then.
pub fn prepare_region(data: &DataFile, mode: Mode, region: u64) -> Option<f64> {
    if mode != Mode::PageCache {
        return None;
    }
    if let Err(e) = data.warm_page_cache(region) {
        eprintln!("warming the page cache failed: {e}");
    }
    crate::file::resident_fraction(&data.buffered, region).ok()
}

/// Adds the page-cache residency of the region before and after the run to `t`'s notes (for
/// O_DIRECT, the pause before each measurement).
pub fn residency_note(
    t: &mut Table,
    data: &DataFile,
    mode: Mode,
    region: u64,
    before: Option<f64>,
) {
    if mode == Mode::Direct {
        t.notes.push(format!(
            "O_DIRECT: {} ms pause before every measurement (this VM's virtual disk is rate \
             limited; docs/benchmarks.md)",
            pause_for(mode).as_millis()
        ));
        return;
    }
    let after = crate::file::resident_fraction(&data.buffered, region).ok();
    let pct = |f: Option<f64>| f.map_or("?".into(), |f| format!("{:.1}%", 100.0 * f));
    t.notes.push(format!(
        "page-cache residency of the region (mincore): {} after warming, {} after the run",
        pct(before),
        pct(after)
    ));
}

/// The pause before each measurement: O_DIRECT reads go to this VM's rate-limited virtual
/// disk (see [`crate::driver::alternate`]).
pub fn pause_for(mode: Mode) -> Duration {
    match mode {
        Mode::Direct => Duration::from_millis(300),
        Mode::PageCache => Duration::ZERO,
    }
}

/// A pread file for `mode` (its own descriptor).
pub fn pread_file(data: &DataFile, mode: Mode) -> Result<Pread, BenchError> {
    let f = match mode {
        Mode::PageCache => std::fs::File::open(&data.path)?,
        Mode::Direct => crate::file::open_direct(&data.path)?,
    };
    Ok(Pread(f))
}

fn read_of<'a, L: ReadLoop + 'a>(
    lp: Result<L, BenchError>,
    job: ReadJob<'a>,
    start: usize,
) -> Result<Box<dyn Contender + 'a>, BenchError> {
    Ok(Box::new(ReadOf { lp: Box::new(lp?), job: ReadJob { start, ..job } }))
}

/// Where contender `i` of `k` starts in a table of `n` offsets: evenly spread, so that no two
/// contenders read the same blocks until they have gone `n / k` reads.
pub fn start_of(i: usize, k: usize, n: usize) -> usize {
    i * (n / k)
}

/// Runs the read comparison on `data` (already prepared).
pub fn run(opts: &ReadOpts, data: &DataFile) -> Vec<Table> {
    let d = opts.depth;
    let mut tables = Vec::new();
    for &mode in &opts.modes {
        let region = region(data, mode, opts.cache_bytes);
        let offsets = random_offsets(OFFSETS, region, opts.seed);
        let title = format!("4 KiB random reads, {}, {d} in flight", mode.label());
        let fd = match mode_fd(data, mode) {
            Ok(fd) => fd,
            Err(e) => {
                eprintln!("{title}: {e}");
                let mut t = Table::run(title, Vec::new(), 0, opts.target, 1, Duration::ZERO);
                t.notes.push(e.to_string());
                t.series.push(Series::unavailable("all", e));
                tables.push(t);
                continue;
            }
        };
        let before = prepare_region(data, mode, region);
        let job = ReadJob { fd, offsets: &offsets, start: 0 };
        let at = |i| start_of(i, 6, offsets.len());
        let lib = crate::libs::liburing::label();
        let fio_name = format!("fio io_uring engine, iodepth {d}");
        let list: Vec<Entrant<'_>> = vec![
            (
                "ring-core".into(),
                read_of(RingCoreRead::new(Setup::Plain, d, "ring-core"), job, at(0)),
            ),
            (lib, read_of(LiburingRead::new(Setup::Plain, d), job, at(1))),
            ("io-uring 0.7".into(), read_of(IoUringRead::new(Setup::Plain, d), job, at(2))),
            (
                "ring-core, default setup".into(),
                read_of(
                    RingCoreRead::new(Setup::Default, d, "ring-core, default setup"),
                    job,
                    at(3),
                ),
            ),
            (
                format!("pread, {d} threads"),
                pread_file(data, mode).map(|p| {
                    Box::new(ThreadReaders::new(
                        format!("pread, {d} threads"),
                        p,
                        &offsets,
                        d as usize,
                    )) as Box<dyn Contender>
                }),
            ),
            (
                fio_name.clone(),
                Fio::contender(&fio_name, data.path.clone(), region, mode == Mode::Direct, d),
            ),
        ];
        let mut t =
            Table::run(title, list, opts.rounds, opts.target, u64::from(d), pause_for(mode));
        t.notes.push(format!(
            "file {}, reads within its first {} MiB at {} random block offsets (seed {:#x}), \
             each contender from its own point of the table; the io_uring libraries with no \
             setup flags and no registered fd, ring-core also in its default setup",
            data.path.display(),
            region >> 20,
            offsets.len(),
            opts.seed
        ));
        residency_note(&mut t, data, mode, region, before);
        tables.push(t);
    }
    tables
}
