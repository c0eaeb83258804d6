//! `verify`: the verification run.
//!
//! ```text
//! verify all        self-test, model suite, litmus self-check, historical bugs, mutation matrix
//! verify selftest   the ring core on this machine's kernel
//! verify models     the loom model suite
//! verify mutants    the ordering-mutation matrix (--write-docs / --check-docs)
//! verify litmus     loom against C11 on classic litmus tests
//! verify bugs       every historical bug, re-introduced and caught
//! verify miri       the simulator's threaded scenarios under Miri, as is and per mutant
//! ```
//! Options: `--bound N` (preemption bound, default 2; `--deep` is 3), `--report FILE`
//! (markdown; a `.json` twin is written beside it).

mod loom_child;
mod miri;
mod report;
mod selftest;

use std::process::ExitCode;
use std::time::Instant;

use report::Report;

/// One line of the self-test.
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Whether it held.
    pub pass: bool,
    /// Detail for the report.
    pub detail: String,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: verify <all|selftest|models|mutants|litmus|bugs> [--bound N | --deep] [--report FILE]\n\
         \x20      verify mutants [--write-docs | --check-docs]\n\
         \x20      verify miri [--seeds N] [--baseline-only] [--write-docs]\n\
         \n  selftest  the real-ring self-test on this kernel\
         \n  models    loom model suite (preemption bound 2 by default)\
         \n  mutants   ordering-mutation matrix: every site weakened, the suite run against each\
         \n  litmus    litmus self-check: loom against C11 verdicts\
         \n  bugs      historical bugs re-introduced, each must be caught (H8 must pass)\
         \n  miri      Miri cross-check of the matrix (nightly; not part of `all`)\
         \n  all       everything above but miri\
         \n\nThe report is written to FILE (default report/verify.md) and FILE with .json."
    );
    ExitCode::from(2)
}

struct Options {
    cmd: String,
    bound: usize,
    report: std::path::PathBuf,
    write_docs: bool,
    check_docs: bool,
    seeds: u32,
    baseline_only: bool,
}

fn parse_args() -> Option<Options> {
    let mut args = std::env::args().skip(1);
    let cmd = args.next()?;
    if !["all", "selftest", "models", "mutants", "litmus", "bugs", "miri"].contains(&cmd.as_str()) {
        return None;
    }
    let mut o = Options {
        cmd,
        bound: 2,
        report: "report/verify.md".into(),
        write_docs: false,
        check_docs: false,
        // As CI runs the Miri scenarios (.ci/run: MIRIFLAGS="-Zmiri-many-seeds=0..4").
        seeds: 4,
        baseline_only: false,
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bound" => o.bound = args.next()?.parse().ok()?,
            "--deep" => o.bound = 3,
            "--report" => o.report = args.next()?.into(),
            "--write-docs" => o.write_docs = true,
            "--check-docs" => o.check_docs = true,
            "--seeds" => o.seeds = args.next()?.parse().ok()?,
            "--baseline-only" => o.baseline_only = true,
            _ => return None,
        }
    }
    Some(o)
}

fn main() -> ExitCode {
    let Some(opts) = parse_args() else { return usage() };
    if opts.cmd == "miri" {
        return miri_main(&opts);
    }
    let start = Instant::now();
    let want = |s: &str| opts.cmd == "all" || opts.cmd == s;
    let mut rep = Report::new(opts.bound);

    if want("selftest") {
        eprintln!("== real-ring self-test (Linux {})", selftest::kernel_release());
        for c in selftest::run() {
            eprintln!("  [{}] {}  {}", if c.pass { "pass" } else { "FAIL" }, c.name, c.detail);
            rep.selftest.push(c);
        }
    }

    let loom_parts: Vec<&str> =
        ["models", "litmus", "bugs", "mutants"].into_iter().filter(|s| want(s)).collect();
    if !loom_parts.is_empty() {
        let bin = match loom_child::build() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let bound = opts.bound.to_string();
        for part in loom_parts {
            let title = match part {
                "models" => {
                    format!("== loom model suite (preemption bound {bound}, to exhaustion)")
                }
                "litmus" => "== litmus self-check (no preemption bound, to exhaustion)".into(),
                "bugs" => format!("== historical bugs (preemption bound {bound})"),
                _ => format!("== ordering-mutation matrix (preemption bound {bound})"),
            };
            eprintln!("{title}");
            let t = Instant::now();
            match loom_child::run(&bin, &[part, "--bound", &bound]) {
                Ok(lines) => rep.ingest(part, &lines, t.elapsed().as_secs_f64()),
                Err(e) => {
                    eprintln!("{e}");
                    rep.errors.push(format!("{part}: {e}"));
                }
            }
        }
    }

    let secs = start.elapsed().as_secs_f64();
    let recorded = report::recorded_matrix();
    if let Err(e) = &recorded {
        eprintln!("the checked-in matrix could not be read ({e}); its Miri column is left out");
    }
    let recorded = recorded.ok();
    let md = rep.markdown(secs, recorded.as_ref());
    let summary = rep.summary(secs);
    println!("\n{}", rep.terminal());
    println!("{summary}");
    if let Some(dir) = opts.report.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = std::fs::write(&opts.report, &md) {
        eprintln!("could not write {}: {e}", opts.report.display());
    }
    let json_path = opts.report.with_extension("json");
    if let Err(e) = std::fs::write(&json_path, rep.json(secs)) {
        eprintln!("could not write {}: {e}", json_path.display());
    }
    println!("report: {} and {}", opts.report.display(), json_path.display());

    let mut ok = rep.ok();
    if (opts.cmd == "mutants" || opts.cmd == "all") && (opts.write_docs || opts.check_docs) {
        let rerun = "cargo run --release -p verify -- mutants --write-docs";
        match report::sync_matrix(&rep.matrix(recorded.as_ref()), opts.write_docs, rerun) {
            Ok(msg) => println!("{msg}"),
            Err(msg) => {
                eprintln!("{msg}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn miri_main(opts: &Options) -> ExitCode {
    eprintln!("== Miri cross-check (verify/tests/miri_scenarios.rs, seeds 0..{})", opts.seeds);
    let runs = miri::run(opts.seeds, opts.baseline_only);
    let baseline_ok = runs.first().is_some_and(|r| r.verdict == "pass");
    let recorded = match report::recorded_matrix() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let matrix = miri::merge(&recorded, &runs, opts.seeds);
    println!("{}", verify::matrix_doc::render(&matrix));
    if opts.write_docs && !opts.baseline_only {
        let rerun = "cargo run --release -p verify -- miri --write-docs";
        match report::sync_matrix(&matrix, true, rerun) {
            Ok(m) => println!("{m}"),
            Err(m) => {
                eprintln!("{m}");
                return ExitCode::FAILURE;
            }
        }
    }
    if baseline_ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("Miri fails on the unmutated scenarios");
        ExitCode::FAILURE
    }
}
