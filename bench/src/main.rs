//! `bench`: side-by-side benchmarks of ring-core (docs/benchmarks.md).
//!
//! ```text
//! cargo run --release -p bench -- all        # everything below, report + plot
//! cargo run --release -p bench -- nop        # NOP round trips, every setup and batch size
//! cargo run --release -p bench -- read       # 4 KiB random reads, page cache and O_DIRECT
//! cargo run --release -p bench -- readat     # the seed's ReadAt comparison (128 readers)
//! cargo run --release -p bench -- callgrind  # user-space instructions per NOP
//! ```
//!
//! Options: `--rounds N` (NOP rounds, default 61), `--read-rounds N` (default 15),
//! `--target-ms N` (one NOP measurement, default 20), `--read-target-ms N` (default 250),
//! `--setups plain,regfd,defer,defer-regfd,default`, `--batches 1,4,16,32,64,128`,
//! `--libs ring-core,ring-core-batch,liburing,io-uring`, `--file PATH`, `--file-mib N`
//! (default 2048), `--cache-mib N` (the part page-cache reads stay in, default 256),
//! `--depth N` (reads in flight, default 32), `--seed N` (read offsets; default: from the
//! clock), `--cg-ops N` (default 25600), `--cg-batches LIST`, `--cg-setups LIST`,
//! `--md PATH`, `--svg PATH`, `--quick` (a short smoke run).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use bench::callgrind;
use bench::file::DataFile;
use bench::libs::{fio, liburing, Lib};
use bench::nop::{self, NopOpts, BATCHES};
use bench::read::{self, Mode, ReadOpts};
use bench::{readat, svg, Setup};

struct Args {
    cmd: String,
    rounds: usize,
    read_rounds: usize,
    target_ms: u64,
    read_target_ms: u64,
    setups: Vec<Setup>,
    batches: Vec<u32>,
    libs: Vec<Lib>,
    file: PathBuf,
    file_mib: u64,
    cache_mib: u64,
    depth: u32,
    seed: u64,
    cg_ops: u64,
    cg_batches: Vec<u32>,
    cg_setups: Vec<Setup>,
    md: PathBuf,
    svg: PathBuf,
    worker: Vec<String>,
}

fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench")
}

fn list<T>(v: &str, f: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    v.split(',').map(|x| f(x.trim()).ok_or_else(|| format!("unknown value {x:?}"))).collect()
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        cmd: String::new(),
        rounds: 61,
        read_rounds: 15,
        target_ms: 20,
        read_target_ms: 250,
        setups: Setup::ALL.to_vec(),
        batches: BATCHES.to_vec(),
        libs: Lib::ALL.to_vec(),
        file: out_dir().join("readfile.bin"),
        file_mib: 2048,
        cache_mib: 256,
        depth: 32,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        cg_ops: 25_600,
        cg_batches: BATCHES.to_vec(),
        cg_setups: vec![Setup::Plain, Setup::DeferRegFd, Setup::Default],
        md: out_dir().join("report.md"),
        svg: out_dir().join("benchmarks.svg"),
        worker: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{v}: {e}"));
        match arg.as_str() {
            "--rounds" => a.rounds = num(val()?)? as usize,
            "--read-rounds" => a.read_rounds = num(val()?)? as usize,
            "--target-ms" => a.target_ms = num(val()?)?,
            "--read-target-ms" => a.read_target_ms = num(val()?)?,
            "--setups" => a.setups = list(&val()?, Setup::from_key)?,
            "--batches" => a.batches = list(&val()?, |x| x.parse().ok())?,
            "--libs" => a.libs = list(&val()?, Lib::from_key)?,
            "--file" => a.file = PathBuf::from(val()?),
            "--file-mib" => a.file_mib = num(val()?)?,
            "--cache-mib" => a.cache_mib = num(val()?)?,
            "--depth" => a.depth = num(val()?)? as u32,
            "--seed" => a.seed = num(val()?)?,
            "--cg-ops" => a.cg_ops = num(val()?)?,
            "--cg-batches" => a.cg_batches = list(&val()?, |x| x.parse().ok())?,
            "--cg-setups" => a.cg_setups = list(&val()?, Setup::from_key)?,
            "--md" => a.md = PathBuf::from(val()?),
            "--svg" => a.svg = PathBuf::from(val()?),
            "--quick" => {
                a.rounds = 5;
                a.read_rounds = 3;
                a.target_ms = 10;
                a.read_target_ms = 50;
                a.file_mib = 256;
                a.cg_ops = 2_560;
                a.cg_batches = vec![1, 32];
            }
            "-h" | "--help" => a.cmd = "help".into(),
            _ if a.cmd.is_empty() => a.cmd = arg,
            _ if a.cmd == "cg-worker" => a.worker.push(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    if a.cmd.is_empty() {
        a.cmd = "help".into();
    }
    Ok(a)
}

fn sh(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// CPU time counters: (busy, total) over all CPUs from /proc/stat, and this process's own
/// (with its waited-for children: fio, valgrind), all in clock ticks.
fn cpu_snapshot() -> Option<(u64, u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let v: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let busy = v.first()? + v.get(1)? + v.get(2)? + v.get(5)? + v.get(6)? + v.get(7)?;
    let total = busy + v.get(3)? + v.get(4)?;
    let me = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = me.rsplit_once(')')?.1;
    let f: Vec<u64> = after.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    // Fields 14..=17 of stat(5) (utime, stime, cutime, cstime); `after` starts at field 3,
    // whose non-numeric state letter was skipped.
    let own = f.get(10)? + f.get(11)? + f.get(12)? + f.get(13)?;
    Some((busy, total, own))
}

/// How busy the machine was with other work between two snapshots.
fn others_busy(a: Option<(u64, u64, u64)>, b: Option<(u64, u64, u64)>) -> String {
    match (a, b) {
        (Some((b0, t0, o0)), Some((b1, t1, o1))) if t1 > t0 => {
            let others = (b1 - b0).saturating_sub(o1 - o0) as f64 / (t1 - t0) as f64;
            let own = (o1 - o0) as f64 / (t1 - t0) as f64;
            format!(
                "other processes used {:.0}% of the machine's CPU time during the run (this \
                 run and its fio/valgrind children {:.0}%)",
                100.0 * others,
                100.0 * own
            )
        }
        _ => "CPU use of other processes unknown".into(),
    }
}

/// The report header: command, date, machine, peers.
fn header(cmd: &str) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.to_owned()))
        .and_then(|l| l.split(':').nth(1).map(|s| s.trim().to_owned()))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut h = String::new();
    let _ = writeln!(h, "- command: `{cmd}`");
    let _ = writeln!(h, "- date: {}", sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]));
    let _ = writeln!(h, "- machine: {cores} vCPU {cpu}, Linux {}", sh("uname", &["-r"]));
    let _ = writeln!(h, "- load average at start (1/5/15 min): {}", loadavg());
    let _ = writeln!(h, "- liburing: {}", liburing::STATUS);
    let _ = writeln!(h, "- io-uring crate: 0.7 (crates.io; the exact version is in Cargo.lock)");
    let fio = fio::version().unwrap_or_else(|e| e.to_string());
    let _ = writeln!(h, "- fio: {fio}");
    let vg = callgrind::valgrind_version().unwrap_or_else(|e| e.to_string());
    let _ = writeln!(h, "- valgrind: {vg}");
    h
}

fn write_file(path: &Path, text: &str) {
    if let Some(d) = path.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    match std::fs::write(path, text) {
        Ok(()) => eprintln!("wrote {}", path.display()),
        Err(e) => eprintln!("writing {} failed: {e}", path.display()),
    }
}

fn run_nop(a: &Args, report: &mut String, cmdline: &str) {
    let opts = NopOpts {
        setups: a.setups.clone(),
        batches: a.batches.clone(),
        libs: a.libs.clone(),
        rounds: a.rounds,
        target: Duration::from_millis(a.target_ms),
    };
    let r = nop::run(&opts);
    report.push_str("\n### NOP round trips\n");
    report.push_str(&nop::markdown(&r));
    let slower = nop::slower(&r);
    let _ = writeln!(report, "\n#### Where ring-core's median is below a peer's\n");
    if slower.is_empty() {
        let _ = writeln!(report, "Nowhere: every median ratio is at least 1.");
    }
    for (setup, batch, peer, s) in slower {
        let _ = writeln!(
            report,
            "- {} batch {batch}, vs {}: median {:.3}, IQR {:.3}–{:.3}{}",
            setup.key(),
            peer.key(),
            s.median,
            s.p25,
            s.p75,
            if s.p75 < 1.0 { " (third quartile below 1 too)" } else { " (IQR spans 1)" }
        );
    }
    let sub = format!("{cmdline} — {} — load {}", sh("date", &["-u", "+%Y-%m-%d"]), loadavg());
    write_file(&a.svg, &svg::ratio_plot(&r, &sub));
}

fn data_file(a: &Args) -> Option<DataFile> {
    match DataFile::prepare(&a.file, a.file_mib << 20) {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("preparing {} failed: {e}", a.file.display());
            None
        }
    }
}

fn run_read(a: &Args, report: &mut String, data: &DataFile) {
    let opts = ReadOpts {
        path: a.file.clone(),
        size: data.size,
        depth: a.depth,
        cache_bytes: a.cache_mib << 20,
        seed: a.seed,
        modes: vec![Mode::PageCache, Mode::Direct],
        rounds: a.read_rounds,
        target: Duration::from_millis(a.read_target_ms),
    };
    report.push_str("\n### 4 KiB random reads\n");
    for t in read::run(&opts, data) {
        report.push_str(&t.markdown());
    }
}

fn run_readat(a: &Args, report: &mut String, data: &DataFile) {
    report.push_str("\n### The seed's ReadAt comparison\n");
    let target = Duration::from_millis(a.read_target_ms);
    let modes = [Mode::Direct, Mode::PageCache];
    for t in readat::run(data, &modes, a.cache_mib << 20, a.seed, a.read_rounds, target) {
        report.push_str(&t.markdown());
    }
}

fn run_callgrind(a: &Args, report: &mut String) {
    report.push_str("\n### callgrind: user-space instructions per NOP\n");
    if let Err(e) = callgrind::valgrind_version() {
        let _ = writeln!(report, "\n{e}");
        eprintln!("callgrind {e}");
        return;
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("callgrind: cannot find this executable: {e}");
            return;
        }
    };
    let dir = out_dir().join("callgrind");
    let res = callgrind::run(&exe, &dir, &a.libs, &a.cg_setups, &a.cg_batches, a.cg_ops);
    report.push_str(&callgrind::markdown(&res, &a.libs, a.cg_ops));
    for lib in [Lib::RingCore, Lib::Liburing] {
        for batch in [1, 32] {
            let Some(r) = res
                .iter()
                .find(|r| r.lib == lib && r.setup == Setup::Plain && r.batch == batch)
                .filter(|r| r.per_op.is_ok())
            else {
                continue;
            };
            if let Some(top) = callgrind::annotate(&r.file, 14) {
                let _ = writeln!(
                    report,
                    "\nTop self-cost functions, {} plain batch {batch} ({} NOPs):\n\n```text\n{top}\n```",
                    lib.key(),
                    a.cg_ops / batch as u64 * batch as u64
                );
            }
        }
    }
}

fn main() -> ExitCode {
    let a = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(2);
        }
    };
    let cmdline = format!(
        "cargo run --release -p bench -- {}",
        std::env::args().skip(1).collect::<Vec<_>>().join(" ")
    );
    if a.cmd == "cg-worker" {
        let w = &a.worker;
        let parsed = (|| {
            let lib = Lib::from_key(w.first()?)?;
            let setup = Setup::from_key(w.get(1)?)?;
            Some((lib, setup, w.get(2)?.parse().ok()?, w.get(3)?.parse().ok()?))
        })();
        let Some((lib, setup, batch, ops)) = parsed else {
            eprintln!("usage: bench cg-worker LIB SETUP BATCH OPS");
            return ExitCode::from(2);
        };
        return match callgrind::worker(lib, setup, batch, ops) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cg-worker: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut report = String::new();
    report.push_str(&header(&cmdline));
    let cpu0 = cpu_snapshot();
    match a.cmd.as_str() {
        "all" => {
            run_nop(&a, &mut report, &cmdline);
            if let Some(data) = data_file(&a) {
                run_read(&a, &mut report, &data);
                run_readat(&a, &mut report, &data);
            }
            run_callgrind(&a, &mut report);
        }
        "nop" => run_nop(&a, &mut report, &cmdline),
        "read" | "readat" => {
            let Some(data) = data_file(&a) else { return ExitCode::FAILURE };
            if a.cmd == "read" {
                run_read(&a, &mut report, &data);
            } else {
                run_readat(&a, &mut report, &data);
            }
        }
        "callgrind" => run_callgrind(&a, &mut report),
        _ => {
            eprintln!(
                "{}",
                include_str!("main.rs").lines().take(18).collect::<Vec<_>>().join("\n")
            );
            return ExitCode::from(if a.cmd == "help" { 0 } else { 2 });
        }
    }
    let _ = writeln!(
        report,
        "\n- load average at end (1/5/15 min; counts this run's own threads, 128 of them in \
         the ReadAt part): {}\n- {}",
        loadavg(),
        others_busy(cpu0, cpu_snapshot())
    );
    println!("{report}");
    write_file(&a.md, &report);
    ExitCode::SUCCESS
}
