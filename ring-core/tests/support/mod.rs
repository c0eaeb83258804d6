//! Helpers for the issue #3 scenario tests: deadlines (a hang fails the test instead of
//! stalling the run), temporary files, pipes, sockets, and reaping.
#![allow(dead_code)] // each test binary uses a different subset

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use ring_core::abi::Cqe;
use ring_core::Ring;

/// Runs `f` on its own thread and panics if it has not finished within `secs` seconds. A
/// call stuck in the kernel is left behind (the process exits at the end of the run).
pub fn with_deadline<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => {
            let _ = handle.join();
            v
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("did not finish within {secs} s: hang"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(p) => std::panic::resume_unwind(p),
            Ok(()) => unreachable!("sender dropped without sending"),
        },
    }
}

/// Reaps every completion ready now.
pub fn reap(ring: &mut Ring) -> Vec<Cqe> {
    let mut out = Vec::new();
    ring.completion().reap(u32::MAX, |c| out.push(c));
    out
}

/// Waits (up to 10 s) until `n` completions have been reaped; returns them in order.
pub fn reap_n(ring: &mut Ring, n: usize) -> Vec<Cqe> {
    let mut out = Vec::new();
    while out.len() < n {
        match ring.wait_timeout(1, Duration::from_secs(10)) {
            Ok(_) => {}
            Err(e) => panic!("waiting for {} more completions: {e} (have {out:?})", n - out.len()),
        }
        out.extend(reap(ring));
    }
    out
}

/// Submits what is queued and returns the next `n` completions.
pub fn submit_and_reap(ring: &mut Ring, n: usize) -> Vec<Cqe> {
    ring.submit().unwrap_or_else(|e| panic!("submit: {e}"));
    reap_n(ring, n)
}

/// A file under the temp dir, removed on drop.
pub struct TempPath(pub PathBuf);

impl TempPath {
    pub fn new(tag: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        TempPath(std::env::temp_dir().join(format!("ring-core-{tag}-{}-{n}", std::process::id())))
    }

    /// The path as a NUL-terminated C string.
    pub fn c_path(&self) -> std::ffi::CString {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::CString::new(self.0.as_os_str().as_bytes()).unwrap()
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// A temporary file holding `content`, opened read-write.
pub fn temp_file(tag: &str, content: &[u8]) -> (TempPath, std::fs::File) {
    let path = TempPath::new(tag);
    std::fs::write(&path.0, content).unwrap();
    let f = std::fs::OpenOptions::new().read(true).write(true).open(&path.0).unwrap();
    (path, f)
}

/// A pipe: (read end, write end).
pub fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: a fresh descriptor, owned by nobody else.
    let a = unsafe { OwnedFd::from_raw_fd(fds[0]) };
    // SAFETY: as above.
    let b = unsafe { OwnedFd::from_raw_fd(fds[1]) };
    (a, b)
}

/// A connected Unix stream socket pair.
pub fn socketpair() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    let r = unsafe {
        libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr())
    };
    assert_eq!(r, 0);
    // SAFETY: a fresh descriptor, owned by nobody else.
    let a = unsafe { OwnedFd::from_raw_fd(fds[0]) };
    // SAFETY: as above.
    let b = unsafe { OwnedFd::from_raw_fd(fds[1]) };
    (a, b)
}

/// Writes all of `data` to `fd` with `write(2)`.
pub fn write_all(fd: RawFd, data: &[u8]) {
    // SAFETY: `data` is valid for reads of its length.
    let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
    assert_eq!(n, data.len() as isize);
}

/// Reads up to `buf.len()` bytes from `fd` with `read(2)`.
pub fn read_some(fd: RawFd, buf: &mut [u8]) -> isize {
    // SAFETY: `buf` is valid for writes of its length.
    unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) }
}

/// A loopback TCP listener on an ephemeral port.
pub fn tcp_listener() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap()
}

/// Raw fd of anything that has one.
pub fn raw(x: &impl AsRawFd) -> RawFd {
    x.as_raw_fd()
}
