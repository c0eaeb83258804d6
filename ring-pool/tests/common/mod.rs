//! Helpers shared by the real-kernel tests: temporary files and aligned buffers.
#![allow(dead_code)] // each test binary uses a different subset

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

/// A file that is removed when dropped. Created under `/var/tmp` (a disk file system on most
/// machines, where O_DIRECT works; tmpfs refuses it), or under the target directory.
pub struct TempFile {
    pub path: PathBuf,
    pub file: File,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn dir() -> PathBuf {
    let var_tmp = PathBuf::from("/var/tmp");
    if var_tmp.is_dir() {
        var_tmp
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
    }
}

/// A fresh read-write file named after `tag`, opened with extra `flags` (for example
/// `O_DIRECT`). Returns the open error as an errno.
pub fn temp_file(tag: &str, flags: i32) -> Result<TempFile, i32> {
    let path = dir().join(format!("ring-pool-{tag}-{}", std::process::id()));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(flags)
        .open(&path)
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    Ok(TempFile { path, file })
}

/// A zeroed buffer aligned to 4096 bytes (what O_DIRECT needs).
pub struct Aligned {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the buffer is plain owned memory.
unsafe impl Send for Aligned {}

impl Aligned {
    pub fn new(len: usize) -> Self {
        let layout = Layout::from_size_align(len, 4096).unwrap();
        // SAFETY: `len` is non-zero in every test; the layout is valid.
        let ptr = unsafe { alloc_zeroed(layout) };
        assert!(!ptr.is_null());
        Aligned { ptr, len }
    }
}

impl std::ops::Deref for Aligned {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` is valid for `len` bytes, initialised (zeroed), owned by `self`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl std::ops::DerefMut for Aligned {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, and `&mut self` is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for Aligned {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.ptr, Layout::from_size_align(self.len, 4096).unwrap()) }
    }
}

/// The byte pattern of block `block` written by thread `t`.
pub fn pattern(t: usize, block: usize, i: usize) -> u8 {
    (t.wrapping_mul(31) ^ block.wrapping_mul(7) ^ i) as u8
}

/// A pipe: (read end, write end).
pub fn pipe() -> (File, File) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: a fresh descriptor, owned by this file from now on.
    let r = unsafe { File::from_raw_fd(fds[0]) };
    // SAFETY: as above.
    let w = unsafe { File::from_raw_fd(fds[1]) };
    (r, w)
}
