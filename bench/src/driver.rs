//! The [`Contender`] trait and the alternating round driver.
//!
//! Every contender of one comparison runs once per round, in an order rotated each round (so
//! no contender always runs first, right after another's cache footprint, or last); the
//! rates of one round are paired, and ratios are taken per round before the median. On a
//! busy machine this cancels most of the slow drift that would bias back-to-back runs.

use std::time::{Duration, Instant};

use crate::error::BenchError;

/// One contender of a comparison: performs a fixed amount of work and reports its rate.
pub trait Contender {
    /// The name in reports.
    fn name(&self) -> String;

    /// Performs `ops` operations and returns operations per second. In-process contenders
    /// time themselves with [`timed`]; an external tool reports its own rate.
    fn measure(&mut self, ops: u64) -> Result<f64, BenchError>;
}

/// A named contender, or why it could not be set up.
pub type Entrant<'a> = (String, Result<Box<dyn Contender + 'a>, BenchError>);

/// Runs `f` and returns `ops` per second of its wall time.
pub fn timed(ops: u64, f: impl FnOnce() -> Result<(), BenchError>) -> Result<f64, BenchError> {
    let t = Instant::now();
    f()?;
    let secs = t.elapsed().as_secs_f64();
    Ok(ops as f64 / secs.max(1e-9))
}

/// The rates of one contender over the rounds of a comparison.
#[derive(Clone, Debug)]
pub struct Series {
    /// The contender's name.
    pub name: String,
    /// Operations per second, one per round (empty if it failed or was skipped).
    pub rates: Vec<f64>,
    /// Why there are no rates.
    pub error: Option<BenchError>,
}

impl Series {
    /// A series for a contender that could not be set up.
    pub fn unavailable(name: impl Into<String>, error: BenchError) -> Series {
        Series { name: name.into(), rates: Vec::new(), error: Some(error) }
    }
}

/// Finds an operation count (a multiple of `granule`, at least four granules) that takes
/// about `target` for `c`, after one unmeasured warm-up run (first-touch page faults, a cold
/// disk).
pub fn calibrate(c: &mut dyn Contender, target: Duration, granule: u64) -> Result<u64, BenchError> {
    c.measure(granule * 4)?;
    let mut ops = granule;
    loop {
        // The contender's own rate (its timed section only, not its result checks).
        let rate = c.measure(ops)?;
        let secs = ops as f64 / rate.max(1e-9);
        if secs >= 0.005 || ops >= 1 << 30 {
            let want = (rate * target.as_secs_f64()) as u64;
            return Ok((want / granule).max(4) * granule);
        }
        ops *= 4;
    }
}

/// Runs `rounds` rounds over `contenders`, each measuring `ops` operations, in an order
/// rotated every round, after one unrecorded warm-up round. A contender that fails is
/// dropped from the rest of the comparison with its error. Progress goes to stderr.
///
/// `pause` is slept before every measurement: a device with a token-bucket rate limiter (as
/// this VM's virtual disk has) then starts every contender with the same credit, instead of
/// favouring the one that follows an idle moment (fio's start-up).
pub fn alternate(
    label: &str,
    contenders: &mut [Box<dyn Contender + '_>],
    rounds: usize,
    ops: u64,
    pause: Duration,
) -> Vec<Series> {
    let k = contenders.len();
    let mut out: Vec<Series> = contenders
        .iter()
        .map(|c| Series { name: c.name(), rates: Vec::with_capacity(rounds), error: None })
        .collect();
    eprint!("  {label}: {ops} ops x {rounds} rounds ");
    for round in 0..=rounds {
        for j in 0..k {
            let i = (round + j) % k;
            if out[i].error.is_some() {
                continue;
            }
            if !pause.is_zero() {
                std::thread::sleep(pause);
            }
            match contenders[i].measure(ops) {
                Ok(rate) if round > 0 => out[i].rates.push(rate),
                Ok(_) => {}
                Err(e) => {
                    eprint!("[{} {e}] ", out[i].name);
                    out[i].rates.clear();
                    out[i].error = Some(e);
                }
            }
        }
        if round % 8 == 0 {
            eprint!(".");
        }
    }
    eprintln!();
    out
}
