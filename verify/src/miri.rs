//! The Miri cross-check: the simulator's std-thread scenarios (verify/tests/miri_scenarios.rs)
//! under Miri with several seeds, as is and once per mutant. Miri's data-race detector and
//! weak-memory emulation are a second, independent checker next to loom.

use std::process::Command;

use verify::catalog::{mutants, strengthenings, Mutation};
use verify::matrix_doc::{miri_header, Matrix, Row, MIRI_NOT_RUN};

/// One Miri run: a mutant (or none) over `seeds` seeds.
pub struct MiriRun {
    /// The mutant's name, or "baseline".
    pub label: String,
    /// What Miri reported first: "pass", "data race", "deadlock", "UB", "assertion".
    pub verdict: String,
    /// Wall time.
    pub secs: f64,
}

fn classify(out: &str, ok: bool) -> String {
    if ok {
        "pass".into()
    } else if out.contains("Data race detected") {
        "data race".into()
    } else if out.contains("deadlocked") {
        "deadlock".into()
    } else if out.contains("Undefined Behavior") {
        "UB".into()
    } else if out.contains("panicked") {
        "assertion".into()
    } else {
        "error".into()
    }
}

fn run_one(label: &str, mutant: Option<&str>, seeds: u32) -> MiriRun {
    let start = std::time::Instant::now();
    // The rustup proxy (not $CARGO, which is the stable toolchain's own binary) understands
    // `+nightly`.
    let mut cmd = Command::new("cargo");
    cmd.current_dir(crate::loom_child::workspace_root())
        .args(["+nightly", "miri", "test", "-q", "-p", "verify", "--test", "miri_scenarios"])
        .env_remove("RUSTFLAGS")
        .env_remove("VERIFY_MUTANT");
    // cargo-miri replays the environment captured when the test was built, so the mutant is
    // set inside the interpreter with -Zmiri-env-set rather than forwarded.
    let mut flags = format!("-Zmiri-many-seeds=0..{seeds}");
    if let Some(m) = mutant {
        flags.push_str(&format!(" -Zmiri-env-set=VERIFY_MUTANT={m}"));
    }
    cmd.env("MIRIFLAGS", flags);
    let verdict = match cmd.output() {
        Ok(o) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            classify(&text, o.status.success())
        }
        Err(e) => format!("could not run cargo miri: {e}"),
    };
    MiriRun { label: label.into(), verdict, secs: start.elapsed().as_secs_f64() }
}

/// Runs the baseline and every mutant (or only the baseline).
pub fn run(seeds: u32, baseline_only: bool) -> Vec<MiriRun> {
    let mut out = Vec::new();
    eprintln!("  baseline ({seeds} seeds)...");
    out.push(run_one("baseline", None, seeds));
    if baseline_only {
        return out;
    }
    let list: Vec<Mutation> = mutants().into_iter().chain(strengthenings()).collect();
    for (i, m) in list.iter().enumerate() {
        let name = m.name();
        let r = run_one(&name, Some(&name), seeds);
        eprintln!("  [{}/{}] {name}: {} ({:.1} s)", i + 1, list.len(), r.verdict, r.secs);
        out.push(r);
    }
    out
}

/// The matrix `recorded` (its loom columns kept) with the Miri column replaced by `runs`
/// over seeds `0..seeds`. A mutant missing from `recorded` gets a row whose loom columns say
/// "not run" until `verify mutants --write-docs` fills them.
pub fn merge(recorded: &Matrix, runs: &[MiriRun], seeds: u32) -> Matrix {
    let baseline = match runs.first().map(|r| r.verdict.as_str()) {
        Some("pass") => "passes".to_string(),
        Some(v) => format!("FAILS: {v}"),
        None => MIRI_NOT_RUN.to_string(),
    };
    let mut names: Vec<String> =
        mutants().into_iter().chain(strengthenings()).map(|m| m.name()).collect();
    names.sort();
    let strong: Vec<String> = strengthenings().iter().map(|m| m.name()).collect();
    let rows = names
        .into_iter()
        .map(|name| {
            let miri = match runs.iter().find(|r| r.label == name) {
                None => MIRI_NOT_RUN.to_string(),
                Some(r) if strong.contains(&name) => match r.verdict.as_str() {
                    "pass" => "passes (as it must)".to_string(),
                    v => format!("FAILS: {v}"),
                },
                Some(r) => match r.verdict.as_str() {
                    "pass" => "not caught by Miri".to_string(),
                    v => format!("caught: {v}"),
                },
            };
            match recorded.row(&name) {
                Some(r) => Row { miri, ..r.clone() },
                None => Row {
                    mutant: name,
                    result: MIRI_NOT_RUN.to_string(),
                    caught_by: "—".to_string(),
                    miri,
                },
            }
        })
        .collect();
    Matrix { miri_header: miri_header(seeds, &baseline), rows }
}
