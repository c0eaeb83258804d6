//! NOP round trips: every library, every batch size, every [`Setup`], alternated round by
//! round; rates in Mops/s and per-round ratios of ring-core to each peer.

use std::fmt::Write as _;
use std::time::Duration;

use crate::driver::{alternate, calibrate, Contender, Series};
use crate::error::BenchError;
use crate::libs::{nop_loop, Lib, NopAt, NopLoop};
use crate::setup::Setup;
use crate::stats::{paired_ratios, Rate, Ratio, Summary};

/// The batch sizes of issue #7.
pub const BATCHES: [u32; 6] = [1, 4, 16, 32, 64, 128];

/// What to run.
#[derive(Clone, Debug)]
pub struct NopOpts {
    /// Setups, in order.
    pub setups: Vec<Setup>,
    /// Batch sizes.
    pub batches: Vec<u32>,
    /// Libraries (ring-core first: it calibrates the op count).
    pub libs: Vec<Lib>,
    /// Recorded rounds per cell.
    pub rounds: usize,
    /// Target duration of one measurement.
    pub target: Duration,
}

/// One setup at one batch size.
#[derive(Clone, Debug)]
pub struct NopCell {
    /// The setup.
    pub setup: Setup,
    /// The batch size.
    pub batch: u32,
    /// NOPs per measurement.
    pub ops: u64,
    /// The libraries, in series order.
    pub libs: Vec<Lib>,
    /// One series per library, in that order.
    pub series: Vec<Series>,
}

impl NopCell {
    /// The rates of `lib`, if it ran.
    pub fn rates(&self, lib: Lib) -> Option<&[f64]> {
        let i = self.libs.iter().position(|&l| l == lib)?;
        let s = &self.series[i];
        (!s.rates.is_empty()).then_some(&s.rates[..])
    }

    /// Per-round ratios of `a`'s rate to `b`'s, summarised.
    pub fn ratio(&self, a: Lib, b: Lib) -> Option<Summary> {
        Summary::of(&paired_ratios(self.rates(a)?, self.rates(b)?))
    }
}

/// The results of a NOP run.
#[derive(Clone, Debug)]
pub struct NopResults {
    /// Libraries, in series order.
    pub libs: Vec<Lib>,
    /// Cells, setup-major.
    pub cells: Vec<NopCell>,
    /// Per setup: each library's name and what it reported about its ring.
    pub notes: Vec<(Setup, Vec<String>)>,
}

fn describe(lp: &dyn NopLoop) -> String {
    match lp.setup_seen() {
        Some((flags, reg)) => format!(
            "{}: setup flags {flags:#x}, {}",
            lp.name(),
            if reg { "entered by registered index" } else { "entered by fd" }
        ),
        None => format!("{}: (does not report its flags)", lp.name()),
    }
}

/// Runs the NOP comparison.
pub fn run(opts: &NopOpts) -> NopResults {
    let libs = opts.libs.clone();
    let mut cells = Vec::new();
    let mut notes = Vec::new();
    for &setup in &opts.setups {
        eprintln!("NOP, {}", setup.label());
        let mut loops: Vec<Result<Box<dyn NopLoop>, BenchError>> =
            libs.iter().map(|&l| nop_loop(l, setup)).collect();
        let seen: Vec<String> = libs
            .iter()
            .zip(&loops)
            .map(|(l, lp)| match lp {
                Ok(lp) => describe(lp.as_ref()),
                Err(e) => format!("{}: {e}", l.key()),
            })
            .collect();
        for s in &seen {
            eprintln!("  {s}");
        }
        notes.push((setup, seen));
        for &batch in &opts.batches {
            let mut series: Vec<Series> = libs
                .iter()
                .zip(&loops)
                .map(|(l, lp)| match lp {
                    Ok(_) => Series::unavailable(l.key(), BenchError::Skip("not run".into())),
                    Err(e) => Series::unavailable(l.key(), e.clone()),
                })
                .collect();
            let mut idx = Vec::new();
            let mut contenders: Vec<Box<dyn Contender + '_>> = Vec::new();
            for (i, lp) in loops.iter_mut().enumerate() {
                if let Ok(lp) = lp {
                    idx.push(i);
                    contenders.push(Box::new(NopAt { lp: lp.as_mut(), batch }));
                }
            }
            let mut ops = 0;
            if let Some(first) = contenders.first_mut() {
                match calibrate(first.as_mut(), opts.target, u64::from(batch)) {
                    Ok(n) => {
                        ops = n;
                        let label = format!("batch {batch}");
                        let got =
                            alternate(&label, &mut contenders, opts.rounds, ops, Duration::ZERO);
                        for (s, &i) in got.into_iter().zip(&idx) {
                            series[i] = s;
                        }
                    }
                    Err(e) => eprintln!("  batch {batch}: calibration failed: {e}"),
                }
            }
            cells.push(NopCell { setup, batch, ops, libs: libs.clone(), series });
        }
    }
    NopResults { libs, cells, notes }
}

/// The peers ring-core is divided by, in table order.
const RATIOS: [(Lib, Lib, &str); 3] = [
    (Lib::RingCore, Lib::Liburing, "ring-core ÷ liburing"),
    (Lib::RingCore, Lib::IoUring, "ring-core ÷ io-uring"),
    (Lib::RingCoreBatch, Lib::Liburing, "ring-core (acquire_batch) ÷ liburing"),
];

/// The Markdown tables: one per setup.
pub fn markdown(r: &NopResults) -> String {
    let mut out = String::new();
    for (setup, seen) in &r.notes {
        let cells: Vec<&NopCell> = r.cells.iter().filter(|c| c.setup == *setup).collect();
        let _ = writeln!(out, "\n#### NOP round trips, {}\n", setup.label());
        for s in seen {
            let _ = writeln!(out, "- {s}");
        }
        let Some(first) = cells.first() else { continue };
        let names: Vec<&str> = first.series.iter().map(|s| s.name.as_str()).collect();
        let ratios: Vec<_> = RATIOS
            .iter()
            .filter(|(a, b, _)| cells.iter().any(|c| c.ratio(*a, *b).is_some()))
            .collect();
        let _ = write!(out, "\n| batch | NOPs/run |");
        for n in &names {
            let _ = write!(out, " {n} Mops/s |");
        }
        for (_, _, h) in &ratios {
            let _ = write!(out, " {h} |");
        }
        let _ = write!(out, "\n|---|---|");
        for _ in names.iter().chain(ratios.iter().map(|r| &r.2)) {
            let _ = write!(out, "---|");
        }
        for c in &cells {
            let _ = write!(out, "\n| {} | {} |", c.batch, c.ops);
            for s in &c.series {
                let mops: Vec<f64> = s.rates.iter().map(|r| r / 1e6).collect();
                match Summary::of(&mops) {
                    Some(sum) => {
                        let _ = write!(out, " {} |", Rate(&sum, 2));
                    }
                    None => {
                        let _ = write!(out, " {} |", short(s.error.as_ref()));
                    }
                }
            }
            for (a, b, _) in &ratios {
                match c.ratio(*a, *b) {
                    Some(sum) => {
                        let _ = write!(out, " {} |", Ratio(&sum));
                    }
                    None => out.push_str(" — |"),
                }
            }
        }
        let rounds = cells.iter().map(|c| c.series.iter().map(|s| s.rates.len()).max()).max();
        let _ = writeln!(
            out,
            "\n\nRates: median (IQR) over {} rounds. Ratios: per-round ratio, **median** \
             [IQR] (min–max); above 1 means ring-core is faster.",
            rounds.flatten().unwrap_or(0)
        );
    }
    out
}

fn short(e: Option<&BenchError>) -> String {
    match e {
        Some(BenchError::Skip(_)) => "skipped".into(),
        Some(BenchError::Fail(m)) => format!("failed: {m}"),
        None => "—".into(),
    }
}

/// Cells where ring-core's median ratio to a peer is below 1, and where even its third
/// quartile is (clearly slower): `(setup, batch, peer, summary)`.
pub fn slower(r: &NopResults) -> Vec<(Setup, u32, Lib, Summary)> {
    let mut v = Vec::new();
    for c in &r.cells {
        for peer in [Lib::Liburing, Lib::IoUring] {
            if let Some(s) = c.ratio(Lib::RingCore, peer) {
                if s.median < 1.0 {
                    v.push((c.setup, c.batch, peer, s));
                }
            }
        }
    }
    v
}
