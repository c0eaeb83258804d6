//! Blocking readers on threads: the [`ReadAt`] seam and [`ThreadReaders`], a fixed set of
//! threads that share one counter of reads to do.
//!
//! This is the shape of the Go seed's comparison: many callers each blocking in a `ReadAt`.
//! [`Pread`] is `pread(2)`; [`PoolRead`] is ring-pool's `Pool::read_at` (a read through one
//! of the pool's rings, the caller blocked until its reaper delivers the result).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use crate::driver::{timed, Contender};
use crate::error::BenchError;
use crate::file::{block_words, expected_checksum, AlignedBuf, BLOCK};

/// A blocking positional read, callable from many threads at once.
pub trait ReadAt: Send + Sync + 'static {
    /// Reads into `buf` at `offset`; returns the bytes read.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

/// `pread(2)` on a file (buffered or O_DIRECT).
pub struct Pread(pub File);

impl ReadAt for Pread {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        FileExt::read_at(&self.0, buf, offset)
    }
}

/// ring-pool's blocking `read_at` on a file, through a shared pool of rings. (Not in
/// `--cfg loom` builds: ring-pool's primitives are then loom's, usable only inside a model.)
#[cfg(not(loom))]
pub struct PoolRead {
    /// The pool.
    pub pool: ring_pool::Pool,
    /// The file (buffered or O_DIRECT).
    pub file: File,
}

#[cfg(not(loom))]
impl ReadAt for PoolRead {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.pool.read_at(&self.file, buf, offset).map_err(|e| io::Error::from_raw_os_error(e.0))
    }
}

struct Control {
    epoch: u64,
    ops: u64,
    start: u64,
    finished: usize,
    quit: bool,
}

struct Shared<R> {
    reader: R,
    offsets: Vec<u64>,
    next: AtomicU64,
    sum: AtomicU64,
    error: Mutex<Option<String>>,
    ctl: Mutex<Control>,
    go: Condvar,
    done: Condvar,
}

/// `threads` threads reading 4 KiB blocks through `R`, one round at a time. Like
/// [`ReadOf`](super::ReadOf), each round continues in the offsets where the last one stopped.
pub struct ThreadReaders<R: ReadAt> {
    name: String,
    threads: usize,
    start: usize,
    shared: Arc<Shared<R>>,
    handles: Vec<JoinHandle<()>>,
}

impl<R: ReadAt> ThreadReaders<R> {
    /// Starts `threads` idle threads that will read `offsets` (cyclically) through `reader`.
    pub fn new(name: impl Into<String>, reader: R, offsets: &[u64], threads: usize) -> Self {
        let shared = Arc::new(Shared {
            reader,
            offsets: offsets.to_vec(),
            next: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            error: Mutex::new(None),
            ctl: Mutex::new(Control { epoch: 0, ops: 0, start: 0, finished: 0, quit: false }),
            go: Condvar::new(),
            done: Condvar::new(),
        });
        let handles = (0..threads)
            .map(|_| {
                let s = Arc::clone(&shared);
                std::thread::spawn(move || worker(&s, threads))
            })
            .collect();
        ThreadReaders { name: name.into(), threads, start: 0, shared, handles }
    }

    /// Starts reading at index `start` of the offsets.
    pub fn starting_at(mut self, start: usize) -> Self {
        self.start = start % self.shared.offsets.len();
        self
    }

    /// Performs `ops` reads spread over the threads, from the current start; returns the
    /// checksum.
    pub fn run(&self, ops: u64) -> Result<u64, BenchError> {
        let s = &self.shared;
        let mut ctl = s.ctl.lock().expect("control lock");
        // Relaxed: the workers read these only after taking the lock below releases, which
        // orders the stores before their loads.
        s.next.store(0, Ordering::Relaxed);
        // Relaxed: as above.
        s.sum.store(0, Ordering::Relaxed);
        ctl.epoch += 1;
        ctl.ops = ops;
        ctl.start = self.start as u64;
        ctl.finished = 0;
        s.go.notify_all();
        while ctl.finished < self.threads {
            ctl = s.done.wait(ctl).expect("control lock");
        }
        drop(ctl);
        if let Some(e) = s.error.lock().expect("error lock").take() {
            return Err(BenchError::fail(format!("{}: {e}", self.name)));
        }
        // Relaxed: every worker added its share before its `finished` increment under the
        // lock, which we have since acquired.
        Ok(s.sum.load(Ordering::Relaxed))
    }
}

fn worker<R: ReadAt>(s: &Shared<R>, threads: usize) {
    let mut buf = AlignedBuf::new(1);
    let mut seen = 0;
    loop {
        let (ops, start) = {
            let mut ctl = s.ctl.lock().expect("control lock");
            while ctl.epoch == seen && !ctl.quit {
                ctl = s.go.wait(ctl).expect("control lock");
            }
            if ctl.quit {
                return;
            }
            seen = ctl.epoch;
            (ctl.ops, ctl.start)
        };
        let n = s.offsets.len() as u64;
        let mut local = 0u64;
        loop {
            // Relaxed: only hands out distinct indices; the data read is not published
            // through this counter.
            let i = s.next.fetch_add(1, Ordering::Relaxed);
            if i >= ops {
                break;
            }
            let off = s.offsets[((start + i) % n) as usize];
            match s.reader.read_at(buf.slot_mut(0), off) {
                Ok(BLOCK) => local = local.wrapping_add(block_words(buf.slot(0))),
                r => {
                    let mut e = s.error.lock().expect("error lock");
                    e.get_or_insert_with(|| format!("read at {off}: {r:?}"));
                }
            }
        }
        // Relaxed: published to `run` by the lock taken below.
        s.sum.fetch_add(local, Ordering::Relaxed);
        let mut ctl = s.ctl.lock().expect("control lock");
        ctl.finished += 1;
        if ctl.finished == threads {
            s.done.notify_one();
        }
    }
}

impl<R: ReadAt> Drop for ThreadReaders<R> {
    fn drop(&mut self) {
        if let Ok(mut ctl) = self.shared.ctl.lock() {
            ctl.quit = true;
        }
        self.shared.go.notify_all();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

impl<R: ReadAt> Contender for ThreadReaders<R> {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn measure(&mut self, ops: u64) -> Result<f64, BenchError> {
        let mut sum = 0;
        let rate = timed(ops, || {
            sum = self.run(ops)?;
            Ok(())
        })?;
        let start = self.start;
        self.start = ((start as u64 + ops) % self.shared.offsets.len() as u64) as usize;
        if sum != expected_checksum(&self.shared.offsets, start, ops) {
            return Err(BenchError::fail(format!(
                "{}: wrong checksum of the data read",
                self.name
            )));
        }
        Ok(rate)
    }
}
