//! Building and running the loom runner (`verify-loom`, built with `--cfg loom` in its own
//! target directory) and reading its results back.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The workspace root (verify's parent directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn loom_target_dir() -> PathBuf {
    workspace_root().join("target").join("loom")
}

/// Builds `verify-loom` with `--cfg loom`. Progress goes to the terminal.
pub fn build() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the loom runner (RUSTFLAGS=\"--cfg loom\", target/loom)...");
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .env("RUSTFLAGS", "--cfg loom")
        .args(["build", "--release", "-q", "-p", "verify", "--bin", "verify-loom", "--target-dir"])
        .arg(loom_target_dir())
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the loom runner failed: {status}"));
    }
    Ok(loom_target_dir().join("release").join("verify-loom"))
}

/// Runs the loom runner with `args`; its progress lines are echoed (indented), its JSON
/// result lines returned.
pub fn run(bin: &PathBuf, args: &[&str]) -> Result<Vec<String>, String> {
    let mut child = Command::new(bin)
        .args(args)
        // A duration or permutation limit would end a search early and pass: never inherit one.
        .env_remove("LOOM_MAX_DURATION")
        .env_remove("LOOM_MAX_PERMUTATIONS")
        .env_remove("LOOM_MAX_PREEMPTIONS")
        .env_remove("LOOM_CHECKPOINT_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let echo = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let line = match line.find("deadlock; threads") {
                Some(i) => format!("{}deadlock", &line[..i]),
                None => line,
            };
            eprintln!("  {line}");
        }
    });
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let lines: Vec<String> = BufReader::new(stdout).lines().map_while(Result::ok).collect();
    let status = child.wait().map_err(|e| e.to_string())?;
    let _ = echo.join();
    if !status.success() {
        return Err(format!("the loom runner exited with {status}"));
    }
    Ok(lines)
}
