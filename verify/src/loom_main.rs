//! The loom runner (`verify-loom`, built with `--cfg loom`): runs models, mutants, bugs and
//! litmus tests and prints one JSON object per result on stdout, progress on stderr.

use std::io::Write as _;

use ring_kernel_sim::{with_logic_fault, with_mutant};

use crate::catalog::{bugs, mutants, strengthenings, Mutation, Repro};
use crate::models;
use crate::outcome::json_str;
use crate::run;

fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn progress(msg: &str) {
    eprintln!("{msg}");
}

/// Runs every model with `mutation` active (or none) at `bound`; emits each run.
/// `model`, when given, restricts the run to the models whose name contains it.
fn suite(kind: &str, label: &str, mutation: Option<Mutation>, bound: usize, model: Option<&str>) {
    for m in models::ALL.iter().filter(|m| model.is_none_or(|n| m.name.contains(n))) {
        let body = m.body;
        let r = match mutation {
            None => run::run(m.name, bound, body),
            Some(Mutation::Order(mt)) => with_mutant(Some(mt), || run::run(m.name, bound, body)),
            Some(Mutation::Logic(f)) => with_logic_fault(Some(f), || run::run(m.name, bound, body)),
        };
        let verdict = match &r.failure {
            None => "pass".to_string(),
            Some((f, msg)) => format!("{}: {msg}", f.name()),
        };
        progress(&format!(
            "  {:<24} bound {} {:>9} iterations {:>7.2} s  {}",
            m.name, bound, r.iterations, r.secs, verdict
        ));
        emit(&r.to_json(kind, label));
    }
}

fn arg_bound(args: &[String]) -> usize {
    args.windows(2).find(|w| w[0] == "--bound").and_then(|w| w[1].parse().ok()).unwrap_or(2)
}

fn arg_value<'a>(args: &'a [String], key: &str) -> Option<&'a str> {
    args.windows(2).find(|w| w[0] == key).map(|w| w[1].as_str())
}

/// Entry point of `verify-loom`.
pub fn main() -> std::process::ExitCode {
    run::quiet_panics();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bound = arg_bound(&args);
    let only = arg_value(&args, "--only");
    let model = arg_value(&args, "--model");
    match args.first().map(String::as_str) {
        Some("models") => {
            progress(&format!("loom model suite at preemption bound {bound}"));
            suite("suite", "", None, bound, model);
        }
        Some("mutants") => {
            let list: Vec<Mutation> = mutants().into_iter().chain(strengthenings()).collect();
            for (i, m) in list.iter().enumerate() {
                let name = m.name();
                if only.is_some_and(|o| !name.contains(o)) {
                    continue;
                }
                progress(&format!("[{}/{}] mutant {name}", i + 1, list.len()));
                suite("matrix", &name, Some(*m), bound, model);
            }
        }
        Some("bugs") => {
            for bug in bugs() {
                if only.is_some_and(|o| o != bug.id) {
                    continue;
                }
                match bug.repro {
                    Repro::Caught(ms) => {
                        for m in ms {
                            progress(&format!("{}: {}", bug.id, m.name()));
                            suite(
                                "bug",
                                &format!("{} {}", bug.id, m.name()),
                                Some(m),
                                bound,
                                model,
                            );
                        }
                    }
                    Repro::MustPass(m) => {
                        progress(&format!("{}: {} (must pass)", bug.id, m.name()));
                        suite("bug", &format!("{} {}", bug.id, m.name()), Some(m), bound, model);
                    }
                    Repro::Reenacted { model: bad, control, .. } => {
                        for name in [bad, control] {
                            let Some(m) = models::by_name(name) else {
                                progress(&format!("{}: no model named {name}", bug.id));
                                continue;
                            };
                            progress(&format!("{}: model {name}", bug.id));
                            let r = run::run(m.name, bound, m.body);
                            emit(&r.to_json("bug", &format!("{} model:{name}", bug.id)));
                        }
                    }
                    Repro::NotApplicable(_) => {}
                }
            }
        }
        Some("litmus") => {
            for t in crate::litmus::ALL {
                let r = crate::litmus::run(t);
                progress(&format!(
                    "  {:<22} C11 {:<9} loom {:<12} {:>7} iterations",
                    r.name,
                    format!("{:?}", r.verdict),
                    r.agreement.name(),
                    r.iterations
                ));
                emit(&format!(
                    "{{\"kind\":\"litmus\",\"name\":{},\"verdict\":{},\"observed\":{},\"agreement\":{},\"iterations\":{},\"outcomes\":{}}}",
                    json_str(r.name),
                    json_str(&format!("{:?}", r.verdict)),
                    r.observed,
                    json_str(r.agreement.name()),
                    r.iterations,
                    r.outcomes
                ));
            }
        }
        _ => {
            eprintln!("usage: verify-loom <models|mutants|bugs|litmus> [--bound N] [--only NAME] [--model NAME]");
            return std::process::ExitCode::from(2);
        }
    }
    std::process::ExitCode::SUCCESS
}
