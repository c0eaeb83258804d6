//! Builds the liburing shim (csrc/liburing_shim.c) when the system has liburing-dev, and sets
//! `cfg(have_liburing)`. Without it the bench still builds: the liburing contender reports
//! itself skipped, with the reason in `BENCH_LIBURING_STATUS`.
//!
//! `BENCH_NO_LIBURING=1` forces the skip (to check that path on a machine that has it).

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(have_liburing)");
    println!("cargo::rerun-if-changed=csrc/liburing_shim.c");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=BENCH_NO_LIBURING");
    match build_shim() {
        Ok(version) => {
            println!("cargo::rustc-link-lib=uring");
            println!("cargo::rustc-cfg=have_liburing");
            println!("cargo::rustc-env=BENCH_LIBURING_STATUS=liburing {version} (system library)");
        }
        Err(why) => {
            println!("cargo::warning=bench: liburing contender skipped: {why}");
            println!("cargo::rustc-env=BENCH_LIBURING_STATUS=skipped: {why}");
        }
    }
}

/// Compiles the shim; returns the library version (from the shared object's file name).
fn build_shim() -> Result<String, String> {
    if std::env::var_os("BENCH_NO_LIBURING").is_some_and(|v| !v.is_empty() && v != "0") {
        return Err("BENCH_NO_LIBURING is set".into());
    }
    let lib = find_library().ok_or_else(|| {
        "liburing.so not found by the C compiler (install liburing-dev: bench/setup.sh)".to_string()
    })?;
    let version = std::fs::canonicalize(&lib)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .and_then(|n| n.strip_prefix("liburing.so.").map(str::to_owned))
        .unwrap_or_else(|| "(unknown version)".into());
    cc::Build::new()
        .file("csrc/liburing_shim.c")
        .warnings(true)
        .extra_warnings(true)
        .try_compile("bench_liburing_shim")
        .map_err(|e| format!("compiling csrc/liburing_shim.c failed (liburing.h missing?): {e}"))?;
    Ok(version)
}

/// Asks the C compiler where `liburing.so` is; `None` unless it names an existing file.
fn find_library() -> Option<PathBuf> {
    let compiler = cc::Build::new().try_get_compiler().ok()?;
    let out = Command::new(compiler.path()).arg("-print-file-name=liburing.so").output().ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    (path.is_absolute() && path.exists()).then_some(path)
}
