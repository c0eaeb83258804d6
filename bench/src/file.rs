//! The read benchmarks' file, its content pattern, random offsets and aligned buffers.
//!
//! Every 64-bit word of the file holds its own byte offset (little endian), so a block read
//! at offset `o` starts with `o` and ends with `o + BLOCK - 8`: each read loop adds those two
//! words to a checksum, and [`expected_checksum`] says what the sum must be.

use std::alloc::{self, Layout};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

/// The read size: 4 KiB.
pub const BLOCK: usize = 4096;

/// A zeroed buffer of `slots` blocks, aligned to [`BLOCK`] (as O_DIRECT needs).
///
/// A read loop that could not wait for its reads in flight (the ring failed) calls
/// [`AlignedBuf::leak_on_drop`]: the kernel may still write into it, so it is never freed.
pub struct AlignedBuf {
    ptr: NonNull<u8>,
    slots: usize,
    leak: bool,
}

// SAFETY: the buffer is plain bytes owned by this value; sharing it between threads is
// governed by `&`/`&mut` like a `Vec<u8>`.
unsafe impl Send for AlignedBuf {}

impl AlignedBuf {
    fn layout(slots: usize) -> Layout {
        Layout::from_size_align(slots.max(1) * BLOCK, BLOCK).expect("buffer size overflows")
    }

    /// `slots` zeroed blocks.
    pub fn new(slots: usize) -> AlignedBuf {
        let layout = Self::layout(slots);
        // SAFETY: the layout has a non-zero size (at least one block).
        let p = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(p).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        AlignedBuf { ptr, slots, leak: false }
    }

    /// Number of blocks.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Pointer to block `i` (for the kernel to write into).
    pub fn slot_ptr(&mut self, i: usize) -> *mut u8 {
        assert!(i < self.slots, "slot {i} out of {}", self.slots);
        // SAFETY: `i * BLOCK` is within the allocation (checked above).
        unsafe { self.ptr.as_ptr().add(i * BLOCK) }
    }

    /// Block `i`.
    pub fn slot(&self, i: usize) -> &[u8] {
        &self.as_slice()[i * BLOCK..(i + 1) * BLOCK]
    }

    /// Block `i`, writable.
    pub fn slot_mut(&mut self, i: usize) -> &mut [u8] {
        &mut self.as_mut_slice()[i * BLOCK..(i + 1) * BLOCK]
    }

    /// The whole buffer.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the allocation holds `slots * BLOCK` initialised (zeroed) bytes, borrowed
        // shared with `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.slots * BLOCK) }
    }

    /// The whole buffer, writable.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as `as_slice`, borrowed exclusively with `self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.slots * BLOCK) }
    }

    /// Never free this buffer: reads into it may still be in flight.
    pub fn leak_on_drop(&mut self) {
        self.leak = true;
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        if !self.leak {
            // SAFETY: allocated in `new` with this layout, freed once.
            unsafe { alloc::dealloc(self.ptr.as_ptr(), Self::layout(self.slots)) };
        }
    }
}

/// The first and last 64-bit words of a block, as the read loops add them up.
#[inline]
pub fn block_words(block: &[u8]) -> u64 {
    let first = u64::from_le_bytes(block[..8].try_into().expect("8 bytes"));
    let last = u64::from_le_bytes(block[BLOCK - 8..BLOCK].try_into().expect("8 bytes"));
    first.wrapping_add(last)
}

/// What [`block_words`] summed over `ops` reads starting at index `start` gives (read `k` at
/// `offsets[(start + k) % len]`).
pub fn expected_checksum(offsets: &[u64], start: usize, ops: u64) -> u64 {
    let per_block = |o: u64| o.wrapping_mul(2).wrapping_add((BLOCK - 8) as u64);
    let sum = |s: &[u64]| s.iter().fold(0u64, |acc, &o| acc.wrapping_add(per_block(o)));
    let n = offsets.len();
    let start = start % n;
    let passes = ops / n as u64;
    let full = if passes == 0 { 0 } else { sum(offsets) };
    let rest = (ops % n as u64) as usize;
    // The partial pass: `rest` reads from `start`, wrapping once at most.
    let tail = if start + rest <= n {
        sum(&offsets[start..start + rest])
    } else {
        sum(&offsets[start..]).wrapping_add(sum(&offsets[..start + rest - n]))
    };
    full.wrapping_mul(passes).wrapping_add(tail)
}

/// `n` random block-aligned offsets in a file of `size` bytes (xorshift64*, fixed seed).
pub fn random_offsets(n: usize, size: u64, seed: u64) -> Vec<u64> {
    let blocks = size / BLOCK as u64;
    assert!(blocks > 0, "file smaller than one block");
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) % blocks) * BLOCK as u64
        })
        .collect()
}

/// The benchmark file: `size` bytes of the offset pattern.
pub struct DataFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes (a multiple of [`BLOCK`]).
    pub size: u64,
    /// Opened for buffered reads.
    pub buffered: File,
    /// Opened with O_DIRECT, if the file system allows it.
    pub direct: Option<File>,
    /// Why O_DIRECT is not available.
    pub direct_error: Option<String>,
}

impl DataFile {
    /// Opens `path` if it already holds the pattern at `size` bytes; writes it otherwise.
    pub fn prepare(path: &Path, size: u64) -> io::Result<DataFile> {
        let size = size / BLOCK as u64 * BLOCK as u64;
        if !has_pattern(path, size) {
            write_pattern(path, size)?;
        }
        let buffered = File::open(path)?;
        let (direct, direct_error) = match open_direct(path) {
            Ok(f) => (Some(f), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok(DataFile { path: path.to_owned(), size, buffered, direct, direct_error })
    }

    /// Reads the first `len` bytes once through the page cache, so buffered reads hit them.
    pub fn warm_page_cache(&self, len: u64) -> io::Result<()> {
        let mut buf = vec![0u8; 1 << 20];
        let mut off = 0;
        while off < len.min(self.size) {
            let n = self.buffered.read_at(&mut buf, off)?;
            if n == 0 {
                break;
            }
            off += n as u64;
        }
        Ok(())
    }
}

/// The fraction of the first `len` bytes of `file` that is resident in the page cache
/// (`mincore(2)` on a mapping that is never touched).
pub fn resident_fraction(file: &File, len: u64) -> io::Result<f64> {
    use std::os::fd::AsRawFd;
    let len = len as usize;
    if len == 0 {
        return Ok(1.0);
    }
    let prot = libc::PROT_READ;
    // SAFETY: a new read-only shared mapping of an open file, at an address the kernel picks;
    // it is never dereferenced, only passed to mincore and unmapped.
    let p = unsafe {
        libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, file.as_raw_fd(), 0)
    };
    if p == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let mut pages = vec![0u8; len.div_ceil(4096)];
    // SAFETY: `p` maps `len` bytes; `pages` has one byte per 4 KiB page of them.
    let r = unsafe { libc::mincore(p, len, pages.as_mut_ptr()) };
    let err = io::Error::last_os_error();
    // SAFETY: unmaps exactly the mapping made above.
    unsafe { libc::munmap(p, len) };
    if r != 0 {
        return Err(err);
    }
    Ok(pages.iter().filter(|&&b| b & 1 != 0).count() as f64 / pages.len() as f64)
}

fn has_pattern(path: &Path, size: u64) -> bool {
    let Ok(f) = File::open(path) else { return false };
    if f.metadata().map(|m| m.len()).ok() != Some(size) {
        return false;
    }
    let mut w = [0u8; 8];
    [0, size / 2 / 8 * 8, size - 8]
        .iter()
        .all(|&off| f.read_exact_at(&mut w, off).is_ok() && u64::from_le_bytes(w) == off)
}

fn write_pattern(path: &Path, size: u64) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    eprintln!("writing {} MiB of test data to {}", size >> 20, path.display());
    let tmp = path.with_extension("partial");
    let mut f = File::create(&tmp)?;
    let chunk = 1 << 20;
    let mut buf = vec![0u8; chunk];
    let mut off = 0u64;
    while off < size {
        let n = chunk.min((size - off) as usize);
        for (i, w) in buf[..n].chunks_exact_mut(8).enumerate() {
            w.copy_from_slice(&(off + 8 * i as u64).to_le_bytes());
        }
        f.write_all(&buf[..n])?;
        off += n as u64;
    }
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Opens `path` with O_DIRECT and checks that an aligned read works (tmpfs and some
/// overlay file systems refuse O_DIRECT with `EINVAL`).
pub fn open_direct(path: &Path) -> io::Result<File> {
    let f = OpenOptions::new().read(true).custom_flags(libc::O_DIRECT).open(path)?;
    let mut b = AlignedBuf::new(1);
    f.read_at(b.slot_mut(0), 0)?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_partial_and_full_passes() {
        let offs = [0u64, 4096, 8192];
        let one = |o: u64| 2 * o + 4088;
        assert_eq!(expected_checksum(&offs, 0, 2), one(0) + one(4096));
        assert_eq!(expected_checksum(&offs, 0, 4), 2 * one(0) + one(4096) + one(8192));
        assert_eq!(expected_checksum(&offs, 2, 2), one(8192) + one(0));
        assert_eq!(expected_checksum(&offs, 4, 4), 2 * one(4096) + one(8192) + one(0));
        let r = random_offsets(1000, 1 << 20, 7);
        assert!(r.iter().all(|&o| o % 4096 == 0 && o < 1 << 20));
    }
}
