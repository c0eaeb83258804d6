//! fio's io_uring engine as a contender: one `fio` process per round on the same file, with
//! the same block size, queue depth and O_DIRECT choice; the rate is the read IOPS from
//! fio's JSON output (fio's own clock, so process start-up is not counted).
//!
//! Settings: `--ioengine=io_uring --rw=randread --bs=4k --iodepth=D
//! --iodepth_batch_submit=D --iodepth_batch_complete_min=1 --norandommap --randrepeat=0
//! --invalidate=0` (keep the page cache) `--gtod_reduce=1` (no per-I/O clock reads: the
//! others keep no latency statistics either), everything else fio's default (no fixed
//! buffers, no registered files, no SQPOLL).

use std::path::PathBuf;
use std::process::Command;

use crate::driver::Contender;
use crate::error::BenchError;
use crate::file::BLOCK;

/// fio's version (`fio --version`), or a skip saying it is not installed.
pub fn version() -> Result<String, BenchError> {
    match Command::new("fio").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        _ => Err(BenchError::Skip(
            "fio is not installed (apt-get install fio; bench/setup.sh)".into(),
        )),
    }
}

/// fio's io_uring engine reading a file.
pub struct Fio {
    /// The file.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
    /// O_DIRECT.
    pub direct: bool,
    /// Queue depth.
    pub depth: u32,
    /// The name in reports.
    pub label: String,
}

impl Fio {
    /// fio reading the first `size` bytes of `path` at queue depth `depth`, named `name` (with
    /// fio's version) in reports; skipped with a message when fio is not installed.
    pub fn contender(
        name: &str,
        path: PathBuf,
        size: u64,
        direct: bool,
        depth: u32,
    ) -> Result<Box<dyn crate::driver::Contender>, BenchError> {
        let v = version()?;
        Ok(Box::new(Fio { path, size, direct, depth, label: format!("{name} ({v})") }))
    }

    /// The command for `ops` reads.
    pub fn command(&self, ops: u64) -> Command {
        let mut c = Command::new("fio");
        c.args([
            "--name=bench",
            "--ioengine=io_uring",
            "--rw=randread",
            "--bs=4k",
            "--norandommap",
            "--randrepeat=0",
            "--invalidate=0",
            "--iodepth_batch_complete_min=1",
            "--gtod_reduce=1",
            "--output-format=json",
        ]);
        c.arg(format!("--filename={}", self.path.display()));
        c.arg(format!("--size={}", self.size));
        c.arg(format!("--io_size={}", ops * BLOCK as u64));
        c.arg(format!("--iodepth={}", self.depth));
        c.arg(format!("--iodepth_batch_submit={}", self.depth));
        c.arg(format!("--direct={}", u8::from(self.direct)));
        c
    }
}

impl Contender for Fio {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn measure(&mut self, ops: u64) -> Result<f64, BenchError> {
        let out = self
            .command(ops)
            .output()
            .map_err(|e| BenchError::Skip(format!("fio could not be started: {e}")))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(BenchError::fail(format!(
                "fio exited with {}: {}",
                out.status,
                err.trim()
            )));
        }
        parse_read_iops(&text)
            .filter(|&v| v > 0.0)
            .ok_or_else(|| BenchError::fail("no read IOPS in fio's JSON output"))
    }
}

/// The `iops` of the first job's `read` section of fio's JSON output.
pub fn parse_read_iops(json: &str) -> Option<f64> {
    let read = json.find("\"read\"")?;
    let rest = &json[read..];
    let at = rest.find("\"iops\"")?;
    let rest = rest[at + "\"iops\"".len()..].trim_start().strip_prefix(':')?.trim_start();
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == '-'))?;
    rest[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_fio_json() {
        let json = r#"{ "jobs" : [ { "jobname" : "bench", "read" : { "io_bytes" : 409600,
            "bw" : 1234, "iops" : 123456.789012, "runtime" : 3 }, "write" : { "iops" : 0.0 } } ] }"#;
        assert_eq!(super::parse_read_iops(json), Some(123456.789012));
        assert_eq!(super::parse_read_iops("{}"), None);
    }
}
