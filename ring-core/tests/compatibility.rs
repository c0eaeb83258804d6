//! Checks docs/compatibility.md against the crate: every version in it equals ring-core's
//! own tables, every setup flag, feature bit, enter flag, SQE flag, register opcode and
//! opcode of those tables has a row, and every test the table names exists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ring_core::opcode::OPCODES;
use ring_core::probe::{ENTER_FLAGS, REGISTER_OPS, SETUP_FLAGS, SQE_FLAGS};
use ring_core::setup::FEATURES;

fn doc() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/compatibility.md");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn strip(cell: &str) -> &str {
    cell.trim().trim_matches('`')
}

/// Table rows per section heading (`## Setup flags ...` -> "Setup flags"), as cells.
fn sections(doc: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut out: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut current = String::new();
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            current = h.split(" (").next().unwrap().trim().to_string();
        } else if line.starts_with("| ") && !line.starts_with("|---") {
            let cells: Vec<String> =
                line.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect();
            if !cells.is_empty()
                && !["flag", "feature", "opcode", "code", "behaviour"].contains(&cells[0].as_str())
            {
                out.entry(current.clone()).or_default().push(cells);
            }
        }
    }
    out
}

/// Whether test `file::name` exists in ring-core/tests.
fn test_exists(reference: &str) -> bool {
    let Some((file, name)) = reference.split_once("::") else { return false };
    let path: PathBuf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(format!("{file}.rs"));
    std::fs::read_to_string(path).is_ok_and(|src| src.contains(&format!("fn {name}(")))
}

fn check_tests(section: &str, name: &str, cell: &str) -> usize {
    if cell.trim() == "—" {
        return 0;
    }
    let mut n = 0;
    for t in cell.split(", ") {
        let t = strip(t);
        assert!(test_exists(t), "{section} {name}: test `{t}` does not exist");
        n += 1;
    }
    n
}

fn check_named(doc: &BTreeMap<String, Vec<Vec<String>>>, section: &str, table: &[(&str, &str)]) {
    let rows = doc.get(section).unwrap_or_else(|| panic!("no section {section}"));
    assert_eq!(rows.len(), table.len(), "{section}: rows vs crate table");
    for (name, since) in table {
        let row = rows
            .iter()
            .find(|r| strip(&r[0]) == *name)
            .unwrap_or_else(|| panic!("{section}: no row for {name}"));
        assert_eq!(row[1], *since, "{section} {name}: version");
        assert_eq!(row.len(), 4, "{section} {name}: columns");
        check_tests(section, name, &row[3]);
    }
}

#[test]
fn compatibility_table_matches_the_crate() {
    let d = sections(&doc());
    let setup: Vec<_> = SETUP_FLAGS.iter().map(|&(_, n, v)| (n, v)).collect();
    check_named(&d, "Setup flags", &setup);
    let feats: Vec<_> = FEATURES.iter().map(|&(_, n, v)| (n, v)).collect();
    check_named(&d, "Features", &feats);
    let enter: Vec<_> = ENTER_FLAGS.iter().map(|&(_, n, v)| (n, v)).collect();
    check_named(&d, "Enter flags", &enter);
    let sqe: Vec<_> = SQE_FLAGS.iter().map(|&(_, n, v)| (n, v)).collect();
    check_named(&d, "SQE flags", &sqe);
    let reg: Vec<_> = REGISTER_OPS.iter().map(|&(_, n, v)| (n, v)).collect();
    check_named(&d, "Register opcodes", &reg);

    let ops = &d["Opcodes"];
    assert_eq!(ops.len(), OPCODES.len());
    for (row, info) in ops.iter().zip(OPCODES) {
        assert_eq!(row[0], info.code.to_string());
        assert_eq!(strip(&row[1]), info.name);
        assert_eq!(row[2], info.since, "{}", info.name);
        assert!(row[3].starts_with(&format!("`{}`", info.builder)), "{}: builder", info.name);
        assert!(
            check_tests("Opcodes", info.name, &row[4]) > 0,
            "{}: every opcode is tested",
            info.name
        );
    }
    for row in &d["Behaviour"] {
        assert!(check_tests("Behaviour", &row[0], &row[3]) > 0, "{}", row[0]);
    }
    assert!(
        doc().contains(&format!("**{} of the 63 opcodes of 6.18 have builders**", OPCODES.len()))
    );
}
