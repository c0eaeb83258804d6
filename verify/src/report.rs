//! The verification report: terminal summary, markdown, JSON, and the matrix section of
//! docs/ordering.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use verify::catalog::{bugs, mutants, strengthenings, Repro};
use verify::matrix_doc::{self, render, Matrix, Row, MIRI_NOT_RUN};
use verify::outcome::{json_get, json_str, ModelRun};

use crate::Check;

/// Litmus tests whose patterns ring-core and the simulator rely on: loom must agree with C11
/// on every one of them, or the models cannot be trusted.
const FRAGMENT: &[&str] = &[
    "SB+rlx",
    "SB+sc-fences",
    "SB+sc-fence-one-side",
    "SB+acqrel-fences",
    "MP+rlx",
    "MP+rel+acq",
    "MP+rel+rlx",
    "CoRR",
    "CoWR",
    "CoRW",
];

/// One litmus result.
pub struct LitmusRow {
    name: String,
    verdict: String,
    observed: bool,
    agreement: String,
    iterations: u64,
}

/// Everything one run produced.
pub struct Report {
    bound: usize,
    /// Self-test checks.
    pub selftest: Vec<Check>,
    suite: Vec<ModelRun>,
    suite_secs: Option<f64>,
    matrix: BTreeMap<String, Vec<ModelRun>>,
    matrix_secs: Option<f64>,
    bug_runs: BTreeMap<String, Vec<ModelRun>>,
    litmus: Vec<LitmusRow>,
    /// Runner errors.
    pub errors: Vec<String>,
}

fn failures(runs: &[ModelRun]) -> Vec<String> {
    runs.iter()
        .filter_map(|r| r.failure.as_ref().map(|(f, _)| format!("{} ({})", r.model, f.name())))
        .collect()
}

impl Report {
    /// An empty report for preemption bound `bound`.
    pub fn new(bound: usize) -> Self {
        Report {
            bound,
            selftest: Vec::new(),
            suite: Vec::new(),
            suite_secs: None,
            matrix: BTreeMap::new(),
            matrix_secs: None,
            bug_runs: BTreeMap::new(),
            litmus: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Takes in the JSON lines of one loom-runner part.
    pub fn ingest(&mut self, part: &str, lines: &[String], secs: f64) {
        for line in lines {
            if part == "litmus" {
                let get = |k| json_get(line, k).unwrap_or_default();
                self.litmus.push(LitmusRow {
                    name: get("name"),
                    verdict: get("verdict"),
                    observed: get("observed") == "true",
                    agreement: get("agreement"),
                    iterations: get("iterations").parse().unwrap_or(0),
                });
                continue;
            }
            let Some((kind, label, run)) = ModelRun::from_json(line) else {
                self.errors.push(format!("unreadable result line: {line}"));
                continue;
            };
            match kind.as_str() {
                "suite" => self.suite.push(run),
                "matrix" => self.matrix.entry(label).or_default().push(run),
                "bug" => self.bug_runs.entry(label).or_default().push(run),
                _ => self.errors.push(format!("unknown result kind {kind}")),
            }
        }
        match part {
            "models" => self.suite_secs = Some(secs),
            "mutants" => self.matrix_secs = Some(secs),
            _ => {}
        }
    }

    fn strengthening_names() -> Vec<String> {
        strengthenings().iter().map(|m| m.name()).collect()
    }

    /// Mutants nothing caught (weakenings), and strengthenings something failed on.
    fn matrix_problems(&self) -> Vec<String> {
        let strong = Self::strengthening_names();
        let mut out = Vec::new();
        for (name, runs) in &self.matrix {
            let f = failures(runs);
            if strong.contains(name) && !f.is_empty() {
                out.push(format!("{name}: must pass, but {}", f.join(", ")));
            } else if !strong.contains(name) && f.is_empty() {
                out.push(format!("{name}: no model catches it"));
            }
        }
        if !self.matrix.is_empty() {
            for m in mutants() {
                if !self.matrix.contains_key(&m.name()) {
                    out.push(format!("{}: not run", m.name()));
                }
            }
        }
        out
    }

    /// Historical bugs not reproduced as required.
    fn bug_problems(&self) -> Vec<String> {
        if self.bug_runs.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for bug in bugs() {
            match &bug.repro {
                Repro::Caught(ms) => {
                    for m in ms {
                        let label = format!("{} {}", bug.id, m.name());
                        match self.bug_runs.get(&label) {
                            Some(runs) if !failures(runs).is_empty() => {}
                            Some(_) => out.push(format!("{label}: not caught")),
                            None => out.push(format!("{label}: not run")),
                        }
                    }
                }
                Repro::MustPass(m) => {
                    let label = format!("{} {}", bug.id, m.name());
                    match self.bug_runs.get(&label) {
                        Some(runs) if failures(runs).is_empty() => {}
                        Some(runs) => {
                            out.push(format!("{label}: must pass, {}", failures(runs).join(", ")))
                        }
                        None => out.push(format!("{label}: not run")),
                    }
                }
                Repro::Reenacted { model, control, .. } => {
                    for (name, must_fail) in [(model, true), (control, false)] {
                        let label = format!("{} model:{name}", bug.id);
                        match self.bug_runs.get(&label) {
                            Some(runs) if failures(runs).is_empty() != must_fail => {}
                            Some(_) if must_fail => out.push(format!("{label}: not caught")),
                            Some(runs) => out.push(format!(
                                "{label}: the control must pass, {}",
                                failures(runs).join(", ")
                            )),
                            None => out.push(format!("{label}: not run")),
                        }
                    }
                }
                Repro::NotApplicable(_) => {}
            }
        }
        out
    }

    fn litmus_problems(&self) -> Vec<String> {
        self.litmus
            .iter()
            .filter(|l| FRAGMENT.contains(&l.name.as_str()) && l.agreement != "agrees")
            .map(|l| format!("{}: loom {} on a pattern ring-core relies on", l.name, l.agreement))
            .collect()
    }

    fn problems(&self) -> Vec<String> {
        let mut p: Vec<String> = self.errors.clone();
        p.extend(
            self.selftest
                .iter()
                .filter(|c| !c.pass)
                .map(|c| format!("self-test {}: {}", c.name, c.detail)),
        );
        p.extend(failures(&self.suite).into_iter().map(|f| format!("model {f}")));
        p.extend(self.matrix_problems());
        p.extend(self.bug_problems());
        p.extend(self.litmus_problems());
        p
    }

    /// Whether everything that ran held.
    pub fn ok(&self) -> bool {
        self.problems().is_empty()
    }

    /// The closing line.
    pub fn summary(&self, secs: f64) -> String {
        let p = self.problems();
        let verdict = if p.is_empty() { "PASS" } else { "FAIL" };
        let mut s = format!("verify: {verdict} in {secs:.1} s");
        for x in p {
            let _ = write!(s, "\n  problem: {x}");
        }
        s
    }

    /// A compact terminal summary.
    pub fn terminal(&self) -> String {
        let mut s = String::from("Summary\n");
        if !self.selftest.is_empty() {
            let pass = self.selftest.iter().filter(|c| c.pass).count();
            let _ = writeln!(
                s,
                "  self-test      {pass}/{} checks pass on the real kernel",
                self.selftest.len()
            );
        }
        if !self.suite.is_empty() {
            let pass = self.suite.iter().filter(|r| r.failure.is_none()).count();
            let iters: u64 = self.suite.iter().map(|r| r.iterations).sum();
            let _ = writeln!(
                s,
                "  models         {pass}/{} pass at preemption bound {}, {iters} iterations in all, {:.1} s",
                self.suite.len(),
                self.bound,
                self.suite_secs.unwrap_or(0.0)
            );
        }
        if !self.matrix.is_empty() {
            let strong = Self::strengthening_names();
            let weak: Vec<_> = self.matrix.iter().filter(|(n, _)| !strong.contains(n)).collect();
            let caught = weak.iter().filter(|(_, r)| !failures(r).is_empty()).count();
            let _ = writeln!(
                s,
                "  mutants        {caught}/{} weakenings caught; {} strengthening(s) must pass; {:.1} s",
                weak.len(),
                strong.len(),
                self.matrix_secs.unwrap_or(0.0)
            );
        }
        if !self.bug_runs.is_empty() {
            let n = bugs().len();
            let bad = self.bug_problems().len();
            let _ = writeln!(s, "  bugs           {n} historical bugs, {bad} problem(s)");
        }
        if !self.litmus.is_empty() {
            let count = |a: &str| self.litmus.iter().filter(|l| l.agreement == a).count();
            let _ = writeln!(
                s,
                "  litmus         {} tests: {} agree with C11, {} false alarms, {} misses",
                self.litmus.len(),
                count("agrees"),
                count("false alarm"),
                count("misses")
            );
        }
        s
    }

    /// The matrix (deterministic: no timings or counts), with the Miri column taken from
    /// `recorded` (the checked-in table: `verify mutants` does not run Miri).
    pub fn matrix(&self, recorded: Option<&Matrix>) -> Matrix {
        let strong = Self::strengthening_names();
        let rows = self
            .matrix
            .iter()
            .map(|(name, runs)| {
                let f = failures(runs);
                let result = match (strong.contains(name), f.is_empty()) {
                    (true, true) => "passes every model (as it must)",
                    (true, false) => "FAILS a model (must pass)",
                    (false, true) => "NOT CAUGHT",
                    (false, false) => "caught",
                };
                Row {
                    mutant: name.clone(),
                    result: result.to_string(),
                    caught_by: if f.is_empty() { "—".to_string() } else { f.join(", ") },
                    miri: recorded.and_then(|m| m.miri(name)).unwrap_or(MIRI_NOT_RUN).to_string(),
                }
            })
            .collect();
        let miri_header = recorded.map_or_else(|| "Miri".to_string(), |m| m.miri_header.clone());
        Matrix { miri_header, rows }
    }

    /// The full markdown report.
    pub fn markdown(&self, secs: f64, recorded: Option<&Matrix>) -> String {
        let mut s = String::from("# Verification report\n\n");
        let _ = writeln!(s, "{}\n", self.summary(secs).replace('\n', "  \n"));
        if !self.selftest.is_empty() {
            s.push_str("## Real-ring self-test\n\n| check | result | detail |\n|---|---|---|\n");
            for c in &self.selftest {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} |",
                    c.name,
                    if c.pass { "pass" } else { "FAIL" },
                    c.detail
                );
            }
            s.push('\n');
        }
        if !self.suite.is_empty() {
            let _ = writeln!(
                s,
                "## Model suite\n\nPreemption bound {}, every model run to exhaustion (no duration or permutation limit).\n\n| model | bound | iterations | seconds | result |\n|---|---|---|---|---|",
                self.bound
            );
            for r in &self.suite {
                let res = match &r.failure {
                    None => "pass".to_string(),
                    Some((f, m)) => format!("FAIL {}: {}", f.name(), m.replace('|', "/")),
                };
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {:.2} | {} |",
                    r.model, r.bound, r.iterations, r.secs, res
                );
            }
            s.push('\n');
        }
        if !self.matrix.is_empty() {
            let _ = writeln!(
                s,
                "## Ordering-mutation matrix\n\nEvery site of both sides weakened to every weaker valid ordering, one at a time; the whole suite runs against each (preemption bound {}). Total {:.1} s.\n",
                self.bound,
                self.matrix_secs.unwrap_or(0.0)
            );
            s.push_str(&render(&self.matrix(recorded)));
            s.push('\n');
        }
        if !self.bug_runs.is_empty() {
            s.push_str(
                "## Historical bugs\n\n| id | what | reproduced as | result |\n|---|---|---|---|\n",
            );
            for bug in bugs() {
                let (how, result) = match &bug.repro {
                    Repro::Caught(ms) => {
                        let mut how = Vec::new();
                        let mut res = Vec::new();
                        for m in ms {
                            how.push(format!("`{}`", m.name()));
                            let label = format!("{} {}", bug.id, m.name());
                            let f =
                                self.bug_runs.get(&label).map(|r| failures(r)).unwrap_or_default();
                            res.push(if f.is_empty() {
                                "NOT CAUGHT".to_string()
                            } else {
                                format!("caught by {}", f.join(", "))
                            });
                        }
                        (how.join(", "), res.join("; "))
                    }
                    Repro::MustPass(m) => {
                        let label = format!("{} {}", bug.id, m.name());
                        let f = self.bug_runs.get(&label).map(|r| failures(r)).unwrap_or_default();
                        (
                            format!("`{}`", m.name()),
                            if f.is_empty() {
                                "passes every model (as it must)".into()
                            } else {
                                format!("FAILS {}", f.join(", "))
                            },
                        )
                    }
                    Repro::Reenacted { model, control, construction } => {
                        let runs = |name: &str| {
                            let label = format!("{} model:{name}", bug.id);
                            self.bug_runs.get(&label).map(|r| failures(r)).unwrap_or_default()
                        };
                        let bad = runs(model);
                        let good = runs(control);
                        let caught = if bad.is_empty() {
                            "NOT CAUGHT".to_string()
                        } else {
                            format!("caught by {}", bad.join(", "))
                        };
                        let ctl = if good.is_empty() {
                            format!("control `{control}` passes")
                        } else {
                            format!("control `{control}` FAILS {}", good.join(", "))
                        };
                        (
                            format!("re-enacted: `model:{model}`"),
                            format!("{caught}; {ctl}; and by construction: {construction}"),
                        )
                    }
                    Repro::NotApplicable(why) => ("—".into(), format!("not applicable: {why}")),
                };
                let _ = writeln!(s, "| {} | {} | {} | {} |", bug.id, bug.what, how, result);
            }
            s.push('\n');
        }
        if !self.litmus.is_empty() {
            s.push_str("## Litmus self-check\n\nEach test run through loom to exhaustion (no preemption bound); the verdict concerns the test's interesting outcome. Tests marked * use the patterns ring-core relies on: loom must agree on each.\n\n| test | C11 | loom produced it | agreement | iterations |\n|---|---|---|---|---|\n");
            for l in &self.litmus {
                let star = if FRAGMENT.contains(&l.name.as_str()) { "*" } else { "" };
                let _ = writeln!(
                    s,
                    "| {}{} | {} | {} | {} | {} |",
                    l.name,
                    star,
                    l.verdict,
                    if l.observed { "yes" } else { "no" },
                    l.agreement,
                    l.iterations
                );
            }
            s.push('\n');
        }
        s
    }

    /// The report as JSON.
    pub fn json(&self, secs: f64) -> String {
        let runs = |v: &[ModelRun], kind: &str, label: &str| -> Vec<String> {
            v.iter().map(|r| r.to_json(kind, label)).collect()
        };
        let mut items: Vec<String> = Vec::new();
        items.extend(runs(&self.suite, "suite", ""));
        for (k, v) in &self.matrix {
            items.extend(runs(v, "matrix", k));
        }
        for (k, v) in &self.bug_runs {
            items.extend(runs(v, "bug", k));
        }
        for l in &self.litmus {
            items.push(format!(
                "{{\"kind\":\"litmus\",\"name\":{},\"verdict\":{},\"observed\":{},\"agreement\":{},\"iterations\":{}}}",
                json_str(&l.name), json_str(&l.verdict), l.observed, json_str(&l.agreement), l.iterations
            ));
        }
        for c in &self.selftest {
            items.push(format!(
                "{{\"kind\":\"selftest\",\"name\":{},\"pass\":{},\"detail\":{}}}",
                json_str(&c.name),
                c.pass,
                json_str(&c.detail)
            ));
        }
        let problems: Vec<String> = self.problems().iter().map(|p| json_str(p)).collect();
        format!(
            "{{\"bound\":{},\"secs\":{:.3},\"ok\":{},\"problems\":[{}],\"results\":[\n{}\n]}}\n",
            self.bound,
            secs,
            self.ok(),
            problems.join(","),
            items.join(",\n")
        )
    }
}

fn ordering_doc_path() -> std::path::PathBuf {
    crate::loom_child::workspace_root().join("docs").join("ordering.md")
}

/// The matrix as checked in to docs/ordering.md, if it can be read and parsed.
pub fn recorded_matrix() -> Result<Matrix, String> {
    let path = ordering_doc_path();
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let table = matrix_doc::section(&doc, matrix_doc::SECTION)
        .ok_or_else(|| format!("{}: matrix markers missing", path.display()))?;
    matrix_doc::parse(table).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `m` into docs/ordering.md between the matrix markers, or (check mode) fails if the
/// checked-in table differs. `rerun` names the command that regenerates it.
pub fn sync_matrix(m: &Matrix, write: bool, rerun: &str) -> Result<String, String> {
    let path = ordering_doc_path();
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = matrix_doc::SECTION;
    let begin = format!("<!-- {name}:begin");
    let end = format!("<!-- {name}:end -->");
    let (Some(b), Some(e)) = (doc.find(&begin), doc.find(&end)) else {
        return Err(format!("{}: {name} markers missing", path.display()));
    };
    let b = b + doc[b..].find("-->").map_or(0, |i| i + 3);
    let table = render(m);
    if doc[b..e].trim() == table.trim() {
        return Ok(format!("docs/ordering.md: the {name} table is current"));
    }
    if !write {
        return Err(format!(
            "docs/ordering.md: the checked-in {name} table is stale; run `{rerun}`"
        ));
    }
    let new = format!("{}\n{}\n{}", &doc[..b], table.trim(), &doc[e..]);
    std::fs::write(&path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(format!("docs/ordering.md: {name} table rewritten"))
}
