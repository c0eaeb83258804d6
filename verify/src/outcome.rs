//! Results of model runs, litmus runs and mutants, with a minimal JSON encoding (one object
//! per line) for the CLI to read back from the loom runner.

use std::fmt::Write as _;

/// How a model failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Failure {
    /// loom found every thread blocked: a lost wakeup or a completion that never came.
    Deadlock,
    /// loom's cell tracking saw a slot read or written without happens-before.
    Causality,
    /// A completion never arrived.
    Lost,
    /// A completion arrived twice.
    Duplicate,
    /// Another assertion of the model.
    Assertion,
    /// The model ran out of branches (a spin that never ends).
    Livelock,
}

impl Failure {
    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Failure::Deadlock => "deadlock",
            Failure::Causality => "causality",
            Failure::Lost => "lost",
            Failure::Duplicate => "duplicate",
            Failure::Assertion => "assertion",
            Failure::Livelock => "livelock",
        }
    }

    /// Parses `name`.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Failure::Deadlock,
            Failure::Causality,
            Failure::Lost,
            Failure::Duplicate,
            Failure::Assertion,
            Failure::Livelock,
        ]
        .into_iter()
        .find(|f| f.name() == s)
    }
}

/// One model run.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelRun {
    /// The model.
    pub model: String,
    /// The preemption bound.
    pub bound: usize,
    /// Executions explored (to exhaustion, or up to the failing one).
    pub iterations: u64,
    /// Wall time.
    pub secs: f64,
    /// How it failed, with the first line of the message.
    pub failure: Option<(Failure, String)>,
}

/// Escapes a string for JSON.
pub fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads the string value of `key` from a flat JSON object written by this module.
pub fn json_get(line: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\":");
    let start = line.find(&pat)? + pat.len();
    let rest = &line[start..];
    if let Some(r) = rest.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = r.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    'u' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    c => out.push(c),
                },
                c => out.push(c),
            }
        }
        None
    } else {
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        Some(rest[..end].trim().to_string())
    }
}

impl ModelRun {
    /// One JSON object.
    pub fn to_json(&self, kind: &str, mutant: &str) -> String {
        let (failure, message) = match &self.failure {
            Some((f, m)) => (f.name(), m.as_str()),
            None => ("", ""),
        };
        format!(
            "{{\"kind\":{},\"mutant\":{},\"model\":{},\"bound\":{},\"iterations\":{},\"secs\":{:.3},\"failure\":{},\"message\":{}}}",
            json_str(kind),
            json_str(mutant),
            json_str(&self.model),
            self.bound,
            self.iterations,
            self.secs,
            json_str(failure),
            json_str(message)
        )
    }

    /// Parses a line written by [`to_json`](Self::to_json): (kind, mutant, run).
    pub fn from_json(line: &str) -> Option<(String, String, ModelRun)> {
        let kind = json_get(line, "kind")?;
        let mutant = json_get(line, "mutant")?;
        let failure = json_get(line, "failure")?;
        let failure = if failure.is_empty() {
            None
        } else {
            Some((Failure::parse(&failure)?, json_get(line, "message")?))
        };
        let run = ModelRun {
            model: json_get(line, "model")?,
            bound: json_get(line, "bound")?.parse().ok()?,
            iterations: json_get(line, "iterations")?.parse().ok()?,
            secs: json_get(line, "secs")?.parse().ok()?,
            failure,
        };
        Some((kind, mutant, run))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_run_round_trips_through_json() {
        let r = ModelRun {
            model: "m".into(),
            bound: 2,
            iterations: 123,
            secs: 1.5,
            failure: Some((Failure::Causality, "Causality violation: \"x\"\nmore".into())),
        };
        let line = r.to_json("matrix", "user:SqTailPublish=Relaxed");
        let (kind, mutant, back) = ModelRun::from_json(&line).unwrap();
        assert_eq!((kind.as_str(), mutant.as_str()), ("matrix", "user:SqTailPublish=Relaxed"));
        assert_eq!(back, r);
        let ok = ModelRun { failure: None, ..r };
        assert_eq!(ModelRun::from_json(&ok.to_json("suite", "")).unwrap().2, ok);
    }
}
