//! The verification run.
//!
//! `verify all` runs everything that exists: today the real-ring self-test; the loom model
//! suite, the ordering-mutation matrix, the litmus self-check and the historical bugs are
//! listed as not built (issue #5) rather than reported as passing.

mod selftest;

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

/// The outcome of one check.
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Pass, fail, or not run (with the reason).
    pub outcome: Outcome,
    /// Detail for the report.
    pub detail: String,
}

/// Pass, fail, or not run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The check ran and held.
    Pass,
    /// The check ran and failed.
    Fail,
    /// The check does not exist yet.
    NotBuilt,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::NotBuilt => "not built",
        }
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: verify <all|selftest|models|mutants|litmus|bugs> [--report FILE]\n\
         \n  selftest  the real-ring self-test on this kernel\
         \n  models    loom model suite            (not built yet: issue #5)\
         \n  mutants   ordering-mutation matrix    (not built yet: issue #5)\
         \n  litmus    litmus self-check of loom   (not built yet: issue #5)\
         \n  bugs      historical bugs             (not built yet: issue #5)\
         \n  all       everything above\
         \n\nThe report is written as markdown to FILE (default: report/verify.md)."
    );
    ExitCode::from(2)
}

fn not_built(what: &str) -> Check {
    Check {
        name: what.to_string(),
        outcome: Outcome::NotBuilt,
        detail: "not built yet (issue #5); nothing is claimed".to_string(),
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(cmd) = args.next() else { return usage() };
    let mut report = std::path::PathBuf::from("report/verify.md");
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--report", Some(f)) => report = f.into(),
            _ => return usage(),
        }
    }
    let start = Instant::now();
    let mut checks = Vec::new();
    let want = |s: &str| cmd == "all" || cmd == s;
    if !["all", "selftest", "models", "mutants", "litmus", "bugs"].contains(&cmd.as_str()) {
        return usage();
    }
    if want("selftest") {
        println!("== real-ring self-test (Linux {})", selftest::kernel_release());
        for check in selftest::run() {
            println!("  [{:>9}] {}  {}", check.outcome.label(), check.name, check.detail);
            let _ = std::io::stdout().flush();
            checks.push(check);
        }
    }
    for (sub, title) in [
        ("models", "loom model suite"),
        ("mutants", "ordering-mutation matrix"),
        ("litmus", "litmus self-check"),
        ("bugs", "historical bugs"),
    ] {
        if want(sub) {
            let c = not_built(title);
            println!("== {title}\n  [{:>9}] {}", c.outcome.label(), c.detail);
            checks.push(c);
        }
    }
    let pass = checks.iter().filter(|c| c.outcome == Outcome::Pass).count();
    let fail = checks.iter().filter(|c| c.outcome == Outcome::Fail).count();
    let not_built = checks.iter().filter(|c| c.outcome == Outcome::NotBuilt).count();
    let secs = start.elapsed().as_secs_f64();
    println!("\n{pass} passed, {fail} failed, {not_built} not built, in {secs:.2} s");

    let mut md =
        String::from("# Verification report\n\n| check | outcome | detail |\n|---|---|---|\n");
    for c in &checks {
        md.push_str(&format!("| {} | {} | {} |\n", c.name, c.outcome.label(), c.detail));
    }
    md.push_str(&format!(
        "\n{pass} passed, {fail} failed, {not_built} not built, in {secs:.2} s\n"
    ));
    if let Some(dir) = report.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&report, md) {
        Ok(()) => println!("report: {}", report.display()),
        Err(e) => eprintln!("could not write {}: {e}", report.display()),
    }
    if fail == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
