//! [`Batch`]: many operations submitted with one lock and one enter, and waited for together.

use core::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd};

use ring_core::abi::fsync_flags;
use ring_core::opcode::{Entry, Fsync, Nop, Read, Target, Write};
use ring_core::{Errno, Ring};

use crate::driver::Driver;
use crate::pool::Pool;

/// Operations collected, then submitted together by [`run`](Batch::run): the entries go
/// into the ring under one acquisition of its submission lock and reach the kernel with one
/// enter, in chunks of as many as the ring has free slots. Buffers and files stay borrowed
/// until `run` returns, which is after every operation has completed.
///
/// ```
/// use std::io::Write;
/// let pool = ring_pool::Pool::builder().rings(1).build()?;
/// let path = std::env::temp_dir().join(format!("ring-pool-batch-doc-{}", std::process::id()));
/// let mut file = std::fs::OpenOptions::new().read(true).write(true).create(true).open(&path)?;
/// file.write_all(b"abcdefgh")?;
/// let (mut a, mut b) = ([0u8; 2], [0u8; 2]);
/// let mut batch = pool.batch();
/// batch.read_at(&file, &mut a, 0).read_at(&file, &mut b, 6).nop();
/// let results = batch.run();
/// assert_eq!(results, vec![Ok(2), Ok(2), Ok(0)]);
/// assert_eq!((&a, &b), (b"ab", b"gh"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Batch<'a, D: Driver = Ring> {
    pool: &'a Pool<D>,
    key: Option<usize>,
    entries: Vec<Entry>,
    /// The buffers and files the entries point to, borrowed until `run` returns.
    _borrows: PhantomData<&'a mut [u8]>,
}

impl<'a, D: Driver> Batch<'a, D> {
    pub(crate) fn new(pool: &'a Pool<D>, key: Option<usize>) -> Self {
        Batch { pool, key, entries: Vec::new(), _borrows: PhantomData }
    }

    /// Operations collected so far.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no operation was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a NOP.
    pub fn nop(&mut self) -> &mut Self {
        self.entries.push(Nop::new().build());
        self
    }

    /// Adds a `pread(2)` into `buf` (its result: the bytes read).
    pub fn read_at<F: AsFd>(&mut self, fd: &'a F, buf: &'a mut [u8], offset: u64) -> &mut Self {
        let len = buf.len().min(u32::MAX as usize) as u32;
        let fd = fd.as_fd().as_raw_fd();
        // SAFETY: `buf` (and the file) stay borrowed for `'a`, which outlives `run`, and
        // `run` returns only after every operation has completed.
        let e = unsafe { Read::new(Target::Fd(fd), buf.as_mut_ptr(), len).offset(offset).build() };
        self.entries.push(e);
        self
    }

    /// Adds a `pwrite(2)` from `buf` (its result: the bytes written).
    pub fn write_at<F: AsFd>(&mut self, fd: &'a F, buf: &'a [u8], offset: u64) -> &mut Self {
        let len = buf.len().min(u32::MAX as usize) as u32;
        let fd = fd.as_fd().as_raw_fd();
        // SAFETY: as in `read_at`.
        let e = unsafe { Write::new(Target::Fd(fd), buf.as_ptr(), len).offset(offset).build() };
        self.entries.push(e);
        self
    }

    /// Adds an `fsync(2)`. The operations of a batch run concurrently: an fsync orders
    /// nothing within its own batch (run a second batch after the writes).
    pub fn fsync<F: AsFd>(&mut self, fd: &'a F) -> &mut Self {
        self.entries.push(Fsync::new(Target::Fd(fd.as_fd().as_raw_fd())).build());
        self
    }

    /// Adds an `fdatasync(2)` (same caveat as [`fsync`](Self::fsync)).
    pub fn fdatasync<F: AsFd>(&mut self, fd: &'a F) -> &mut Self {
        let fd = fd.as_fd().as_raw_fd();
        self.entries.push(Fsync::new(Target::Fd(fd)).flags(fsync_flags::DATASYNC).build());
        self
    }

    /// Adds any single-completion entry (see [`Pool::run`] for what the pool changes in it).
    /// The memory it points to must stay valid until `run` returns: that is what building it
    /// (an `unsafe fn build` for entries with pointers) promised.
    pub fn push(&mut self, entry: Entry) -> &mut Self {
        self.entries.push(entry);
        self
    }

    /// Submits every operation and waits for all of them. One result per operation, in the
    /// order they were added: the count of bytes (or the operation's value), or its `Errno`.
    /// Operations not submitted because the pool shut down fail with
    /// [`ESHUTDOWN`](crate::ESHUTDOWN).
    pub fn run(self) -> Vec<Result<u32, Errno>> {
        self.pool.run_many(self.key, &self.entries)
    }
}
