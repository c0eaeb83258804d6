//! The mutation matrix of docs/ordering.md as data: one row per mutant with the loom verdict,
//! the models that catch it, and the Miri cross-check. `verify mutants --write-docs` rewrites
//! the loom columns and keeps the Miri column; `verify miri --write-docs` rewrites the Miri
//! column and keeps the loom columns; both go through [`render`] so the table has one format.

use std::fmt::Write as _;

/// The section markers' name in docs/ordering.md.
pub const SECTION: &str = "matrix";

/// The Miri column's text when Miri has not been run for a mutant.
pub const MIRI_NOT_RUN: &str = "not run";

/// One row of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The mutant's name (`user:SqTailPublish=Relaxed`).
    pub mutant: String,
    /// The loom verdict: `caught`, `NOT CAUGHT`, `passes every model (as it must)`, ...
    pub result: String,
    /// The models that fail, as `model (failure)`, comma-separated; `—` when none.
    pub caught_by: String,
    /// The Miri verdict: `caught: data race`, `not caught by Miri`, `passes (as it must)`.
    pub miri: String,
}

/// The whole matrix: its Miri column header and its rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    /// The Miri column's header (`Miri, seeds 0..4 (baseline passes)`).
    pub miri_header: String,
    /// The rows, in the order written.
    pub rows: Vec<Row>,
}

impl Matrix {
    /// The Miri verdict recorded for `mutant`, if any.
    pub fn miri(&self, mutant: &str) -> Option<&str> {
        self.rows.iter().find(|r| r.mutant == mutant).map(|r| r.miri.as_str())
    }

    /// The row of `mutant`, if any.
    pub fn row(&self, mutant: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.mutant == mutant)
    }
}

/// The text between the markers of section `name` of `doc` (without the markers).
pub fn section<'d>(doc: &'d str, name: &str) -> Option<&'d str> {
    let b = doc.find(&format!("<!-- {name}:begin"))?;
    let b = b + doc[b..].find("-->")? + 3;
    let e = doc.find(&format!("<!-- {name}:end -->"))?;
    doc.get(b..e)
}

/// Parses a table written by [`render`].
pub fn parse(table: &str) -> Result<Matrix, String> {
    let mut lines = table.lines().map(str::trim).filter(|l| !l.is_empty());
    let header = lines.next().ok_or("empty matrix")?;
    let cols = cells(header);
    if cols.len() != 4 {
        return Err(format!("matrix header has {} columns, not 4: {header}", cols.len()));
    }
    let miri_header = cols[3].to_string();
    let mut rows = Vec::new();
    for line in lines.skip(1) {
        let c = cells(line);
        if c.len() != 4 {
            return Err(format!("matrix row has {} columns, not 4: {line}", c.len()));
        }
        let mutant = c[0].trim_matches('`').to_string();
        rows.push(Row {
            mutant,
            result: c[1].to_string(),
            caught_by: c[2].to_string(),
            miri: c[3].to_string(),
        });
    }
    Ok(Matrix { miri_header, rows })
}

fn cells(line: &str) -> Vec<&str> {
    line.trim().trim_start_matches('|').trim_end_matches('|').split('|').map(str::trim).collect()
}

/// The markdown table.
pub fn render(m: &Matrix) -> String {
    let mut s = format!(
        "| mutant (site = ordering) | loom result | caught by (model: failure) | {} |\n|---|---|---|---|\n",
        m.miri_header
    );
    for r in &m.rows {
        let _ = writeln!(s, "| `{}` | {} | {} | {} |", r.mutant, r.result, r.caught_by, r.miri);
    }
    s
}

/// The Miri column's header for a run over seeds `0..seeds` whose baseline gave `baseline`.
pub fn miri_header(seeds: u32, baseline: &str) -> String {
    format!("Miri, seeds 0..{seeds} (baseline {baseline})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_and_parse_round_trip() {
        let m = Matrix {
            miri_header: miri_header(4, "passes"),
            rows: vec![Row {
                mutant: "user:SqTailPublish=Relaxed".into(),
                result: "caught".into(),
                caught_by: "sqe_publication (causality), u32_wrap (causality)".into(),
                miri: "caught: data race".into(),
            }],
        };
        assert_eq!(parse(&render(&m)).unwrap(), m);
    }
}
