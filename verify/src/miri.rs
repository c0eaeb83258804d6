//! The Miri cross-check: the simulator's std-thread scenarios (verify/tests/miri_scenarios.rs)
//! under Miri with several seeds, as is and once per mutant. Miri's data-race detector and
//! weak-memory emulation are a second, independent checker next to loom.

use std::fmt::Write as _;
use std::process::Command;

use verify::catalog::{mutants, strengthenings, Mutation};

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

/// The Miri column as a markdown table.
pub fn table(runs: &[MiriRun], seeds: u32) -> String {
    let mut s =
        format!("| mutant | Miri, seeds 0..{seeds} (`verify miri --seeds {seeds}`) |\n|---|---|\n");
    for r in runs {
        let v = if r.label == "baseline" || r.label.ends_with("CqHeadLoad=Acquire") {
            match r.verdict.as_str() {
                "pass" => "passes (as it must)".to_string(),
                v => format!("FAILS: {v}"),
            }
        } else {
            match r.verdict.as_str() {
                "pass" => "not caught by Miri".to_string(),
                v => format!("caught: {v}"),
            }
        };
        let _ = writeln!(s, "| `{}` | {v} |", r.label);
    }
    s
}
