//! User-space instructions per NOP, counted by callgrind.
//!
//! `bench callgrind` runs this binary once per (library, setup, batch) under
//! `valgrind --tool=callgrind --toggle-collect=<the loop function>`, in its hidden
//! `cg-worker` mode: the worker builds the ring, runs a warm-up loop (not collected), then
//! the same loop through a function that exists only to be collected ([`collected`], or
//! `shim_cg_nop_loop` for liburing). Instructions inside it, divided by the NOP count, are
//! the user-space instructions per round trip, library and loop together. The kernel's
//! work inside `io_uring_enter` is not counted (callgrind sees user space only); the
//! `syscall` instruction itself counts as one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::BenchError;
use crate::libs::{liburing::LiburingNop, nop_loop, Lib, NopLoop};
use crate::setup::Setup;

/// The collected function of each library (callgrind's `--toggle-collect` pattern).
pub fn toggle_pattern(lib: Lib) -> &'static str {
    match lib {
        Lib::Liburing => "shim_cg_nop_loop",
        _ => "*bench*callgrind*collected*",
    }
}

/// The loop under measurement: callgrind collects exactly this call.
#[inline(never)]
pub fn collected(lp: &mut dyn NopLoop, batch: u32, ops: u64) -> Result<u64, BenchError> {
    std::hint::black_box(lp).nops(batch, ops)
}

/// The worker: builds `lib`'s ring for `setup`, warms up, runs `ops` NOPs in batches of
/// `batch` through the collected function, and checks the user_data sum.
pub fn worker(lib: Lib, setup: Setup, batch: u32, ops: u64) -> Result<(), BenchError> {
    let warm = (ops / 4).max(u64::from(batch)) / u64::from(batch) * u64::from(batch);
    let sum = if lib == Lib::Liburing {
        let mut lp = LiburingNop::new(setup)?;
        lp.nops(batch, warm)?;
        lp.nops_collected(batch, ops)?
    } else {
        let mut lp = nop_loop(lib, setup)?;
        lp.nops(batch, warm)?;
        collected(lp.as_mut(), batch, ops)?
    };
    if sum != crate::libs::expected_user_data_sum(ops) {
        return Err(BenchError::fail("wrong user_data sum"));
    }
    Ok(())
}

/// One measurement.
#[derive(Clone, Debug)]
pub struct CgResult {
    /// Library.
    pub lib: Lib,
    /// Setup.
    pub setup: Setup,
    /// Batch size.
    pub batch: u32,
    /// Instructions per NOP, or why there is none.
    pub per_op: Result<f64, BenchError>,
    /// The callgrind output file.
    pub file: PathBuf,
}

/// Whether valgrind can be run.
pub fn valgrind_version() -> Result<String, BenchError> {
    match Command::new("valgrind").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        _ => Err(BenchError::Skip("valgrind is not installed (bench/setup.sh)".into())),
    }
}

/// Runs the worker under callgrind for every combination; outputs go to `dir`.
pub fn run(
    exe: &Path,
    dir: &Path,
    libs: &[Lib],
    setups: &[Setup],
    batches: &[u32],
    ops: u64,
) -> Vec<CgResult> {
    let _ = std::fs::create_dir_all(dir);
    let mut out = Vec::new();
    for &setup in setups {
        for &batch in batches {
            for &lib in libs {
                let file = dir.join(format!("{}-{}-{batch}.out", lib.key(), setup.key()));
                let ops = ops / u64::from(batch) * u64::from(batch);
                eprint!("callgrind {} {} batch {batch}: ", lib.key(), setup.key());
                let per_op = one(exe, &file, lib, setup, batch, ops);
                match &per_op {
                    Ok(v) => eprintln!("{v:.1} instructions/NOP"),
                    Err(e) => eprintln!("{e}"),
                }
                out.push(CgResult { lib, setup, batch, per_op, file });
            }
        }
    }
    out
}

fn one(
    exe: &Path,
    file: &Path,
    lib: Lib,
    setup: Setup,
    batch: u32,
    ops: u64,
) -> Result<f64, BenchError> {
    if lib == Lib::Liburing && !crate::libs::liburing::AVAILABLE {
        return Err(BenchError::Skip(crate::libs::liburing::STATUS.into()));
    }
    if lib == Lib::IoUring && setup.registered_fd() {
        return Err(BenchError::Skip("io-uring 0.7 has no registered-fd enter".into()));
    }
    let o = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", file.display()))
        .arg(format!("--toggle-collect={}", toggle_pattern(lib)))
        .arg(exe)
        .args(["cg-worker", lib.key(), setup.key(), &batch.to_string(), &ops.to_string()])
        .output()
        .map_err(|e| BenchError::Skip(format!("valgrind could not be started: {e}")))?;
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr);
        let tail: Vec<&str> = err.lines().rev().take(4).collect();
        return Err(BenchError::fail(format!("worker failed: {}", tail.join(" / "))));
    }
    let text = std::fs::read_to_string(file)?;
    let total = parse_total(&text).ok_or_else(|| BenchError::fail("no totals in output"))?;
    if total == 0 {
        return Err(BenchError::fail("nothing collected (toggle pattern did not match)"));
    }
    Ok(total as f64 / ops as f64)
}

/// The `summary:` (or `totals:`) instruction count of a callgrind output file.
pub fn parse_total(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("summary:").or_else(|| l.strip_prefix("totals:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The Markdown table: instructions per NOP, one row per setup and batch.
pub fn markdown(results: &[CgResult], libs: &[Lib], ops: u64) -> String {
    let mut out = String::from("\n| setup | batch |");
    for l in libs {
        let _ = write!(out, " {} |", l.key());
    }
    out.push_str(" ring-core ÷ liburing |\n|---|---|");
    for _ in 0..=libs.len() {
        out.push_str("---|");
    }
    let mut keys: Vec<(Setup, u32)> = Vec::new();
    for r in results {
        if !keys.contains(&(r.setup, r.batch)) {
            keys.push((r.setup, r.batch));
        }
    }
    for (setup, batch) in keys {
        let get = |lib: Lib| {
            results.iter().find(|r| r.lib == lib && r.setup == setup && r.batch == batch)
        };
        let _ = write!(out, "\n| {} | {batch} |", setup.key());
        for &l in libs {
            match get(l).map(|r| &r.per_op) {
                Some(Ok(v)) => {
                    let _ = write!(out, " {v:.1} |");
                }
                Some(Err(e)) if e.is_skip() => out.push_str(" skipped |"),
                Some(Err(e)) => {
                    let _ = write!(out, " {e} |");
                }
                None => out.push_str(" — |"),
            }
        }
        match (get(Lib::RingCore), get(Lib::Liburing)) {
            (Some(CgResult { per_op: Ok(a), .. }), Some(CgResult { per_op: Ok(b), .. })) => {
                let _ = write!(out, " {:.2} |", a / b);
            }
            _ => out.push_str(" — |"),
        }
    }
    let _ = writeln!(
        out,
        "\n\nUser-space instructions per NOP round trip (callgrind `Ir` inside the collected \
         loop function, warm-up excluded, {ops} NOPs per run rounded down to whole batches); \
         kernel work is not counted."
    );
    out
}

/// The top self-cost functions of a callgrind output (via `callgrind_annotate`).
pub fn annotate(file: &Path, lines: usize) -> Option<String> {
    let o = Command::new("callgrind_annotate").arg("--inclusive=no").arg(file).output().ok()?;
    let text = String::from_utf8_lossy(&o.stdout);
    let body: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("file:function"))
        .skip(2)
        .take_while(|l| !l.starts_with("--"))
        .filter(|l| !l.trim().is_empty())
        .take(lines)
        .collect();
    Some(body.join("\n"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_summary() {
        assert_eq!(super::parse_total("events: Ir\nsummary: 12345\n"), Some(12345));
        assert_eq!(super::parse_total("totals: 7 8\n"), Some(7));
        assert_eq!(super::parse_total("nothing"), None);
    }
}
