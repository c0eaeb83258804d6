//! A first ring: one NOP round trip, then a file read through the ring.
//!
//! ```text
//! cargo run -p ring-core --example first_ring
//! ```
//!
//! Exits non-zero if anything the kernel returns is not what was expected.

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::ExitCode;

use ring_core::opcode::{Nop, Read};
use ring_core::Ring;

const CONTENT: &[u8] = b"Hello from the submission queue!\n";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("first_ring: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Turns any displayable error into the example's error type, saying what failed.
fn ctx<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> String {
    move |e| format!("{what}: {e}")
}

fn run() -> Result<(), String> {
    let mut ring = Ring::new(8).map_err(ctx("setting up the ring"))?;
    let p = ring.params();
    println!(
        "ring fd {}: {} SQ entries, {} CQ entries, features {:#x}",
        ring.fd(),
        p.sq_entries,
        p.cq_entries,
        p.features
    );

    // 1. A NOP round trip: the kernel hands user_data back untouched, with result 0.
    ring.submission()
        .push(&Nop::new().build().user_data(0x1234))
        .map_err(ctx("pushing the NOP"))?;
    let submitted = ring.submit_and_wait(1).map_err(ctx("submitting the NOP"))?;
    let cqe = ring.completion().peek().ok_or("no completion for the NOP")?;
    ring.completion().advance(1).map_err(ctx("releasing the NOP's CQE"))?;
    println!(
        "NOP:  submitted {submitted}, completion user_data {:#x} res {}",
        cqe.user_data, cqe.res
    );
    if (submitted, cqe.user_data, cqe.res) != (1, 0x1234, 0) {
        return Err(format!("unexpected NOP result: submitted {submitted}, {cqe:?}"));
    }

    // 2. A read: a temporary file with known content, read back with IORING_OP_READ.
    let file = TempFile::create(CONTENT)?;
    let f = std::fs::File::open(&file.0).map_err(ctx("opening the temp file"))?;
    // The kernel writes into this buffer until the completion is reaped. It is leaked (64
    // bytes, once) so that it stays valid even if we bail out before that.
    let buf: &'static mut [u8] = Vec::leak(vec![0u8; 64]);
    let read = Read::new(f.as_raw_fd().into(), buf.as_mut_ptr(), buf.len() as u32).offset(0);
    // SAFETY: `buf` is 'static, so it stays valid for writes of its length until the
    // completion arrives; nothing else touches it before the completion is reaped below.
    let entry = unsafe { read.build() }.user_data(0x5678);
    ring.submission().push(&entry).map_err(ctx("pushing the read"))?;
    let submitted = ring.submit_and_wait(1).map_err(ctx("submitting the read"))?;
    let cqe = ring.completion().peek().ok_or("no completion for the read")?;
    ring.completion().advance(1).map_err(ctx("releasing the read's CQE"))?;
    println!(
        "READ: submitted {submitted}, completion user_data {:#x} res {} ({} bytes expected) from {}",
        cqe.user_data,
        cqe.res,
        CONTENT.len(),
        file.0.display()
    );
    if cqe.user_data != 0x5678 {
        return Err(format!("read completion has the wrong user_data: {cqe:?}"));
    }
    if cqe.res < 0 {
        return Err(format!("read failed: {}", ring_core::Errno(-cqe.res)));
    }
    let got = &buf[..cqe.res as usize];
    println!("data: {:?}", String::from_utf8_lossy(got));
    if got != CONTENT {
        return Err(format!("read returned {got:?}, expected {CONTENT:?}"));
    }
    println!("ok: the NOP and the read both came back as expected");
    Ok(())
}

/// A file under the temp dir, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn create(content: &[u8]) -> Result<Self, String> {
        let path =
            std::env::temp_dir().join(format!("ring-core-first-ring-{}.txt", std::process::id()));
        std::fs::write(&path, content).map_err(|e| format!("writing {}: {e}", path.display()))?;
        Ok(TempFile(path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
