//! The pool on the real kernel: many threads doing nop / read_at / write_at / fsync on one
//! file (buffered and O_DIRECT), batches, errors as errnos, resize under load, and shutdown
//! with operations in flight.
#![cfg(not(loom))]

mod common;

use std::fs::File;
use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{pattern, pipe, temp_file, Aligned};
use ring_core::opcode::{Read, Target};
use ring_core::Errno;
use ring_pool::{Pool, Select, ESHUTDOWN};

/// Each of `threads` threads writes its own `blocks` blocks of `bs` bytes, reads each back
/// and compares, with a NOP per block and an fsync / fdatasync every fourth block.
fn exercise(pool: &Pool, file: &File, threads: usize, blocks: usize, bs: usize) {
    thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                let mut w = Aligned::new(bs);
                let mut r = Aligned::new(bs);
                for b in 0..blocks {
                    let off = ((t * blocks + b) * bs) as u64;
                    for (i, x) in w.iter_mut().enumerate() {
                        *x = pattern(t, b, i);
                    }
                    assert_eq!(pool.write_at(file, &w, off), Ok(bs), "write t{t} b{b}");
                    pool.nop().unwrap();
                    assert_eq!(pool.read_at(file, &mut r, off), Ok(bs), "read t{t} b{b}");
                    assert!(r[..] == w[..], "thread {t} block {b} read back other bytes");
                    match b % 8 {
                        3 => pool.fsync(file).unwrap(),
                        7 => pool.fdatasync(file).unwrap(),
                        _ => {}
                    }
                }
            });
        }
    });
}

#[test]
fn many_threads_nop_read_write_fsync_buffered() {
    let pool = Pool::builder().rings(2).entries(32).build().unwrap();
    let f = temp_file("buffered", 0).unwrap();
    exercise(&pool, &f.file, 24, 40, 4096);
    let s = pool.stats();
    // Per block: write, nop, read, and every fourth block an fsync.
    assert_eq!(s.ops, 24 * (40 * 3 + 10));
    assert_eq!(s.delivered, s.ops);
    assert_eq!(s.stray, 0);
    assert!(s.enters <= s.ops, "{s:?}");
}

#[test]
fn many_threads_nop_read_write_fsync_o_direct() {
    let f = match temp_file("direct", libc::O_DIRECT) {
        Ok(f) => f,
        Err(libc::EINVAL) => {
            eprintln!("SKIPPED: this file system refuses O_DIRECT (EINVAL at open)");
            return;
        }
        Err(e) => panic!("open with O_DIRECT: errno {e}"),
    };
    let pool = Pool::builder().rings(2).entries(16).build().unwrap();
    // Probe: some file systems accept the flag at open and refuse the I/O.
    let probe = Aligned::new(4096);
    match pool.write_at(&f.file, &probe, 0) {
        Ok(4096) => {}
        Err(Errno::EINVAL) => {
            eprintln!("SKIPPED: this file system refuses O_DIRECT writes (EINVAL)");
            return;
        }
        other => panic!("O_DIRECT probe write: {other:?}"),
    }
    exercise(&pool, &f.file, 16, 24, 4096);
    // A misaligned O_DIRECT buffer is the kernel's EINVAL, surfaced as such.
    let mut odd = Aligned::new(8192);
    assert_eq!(pool.read_at(&f.file, &mut odd[1..4097], 0), Err(Errno::EINVAL));
}

#[test]
fn a_batch_submits_many_with_few_enters_and_reports_each_result() {
    let pool = Pool::builder().rings(1).entries(64).build().unwrap();
    let f = temp_file("batch", 0).unwrap();
    let bufs: Vec<Vec<u8>> = (0..40).map(|i| vec![i as u8; 512]).collect();
    let mut batch = pool.batch();
    for (i, b) in bufs.iter().enumerate() {
        batch.write_at(&f.file, b, (i * 512) as u64);
    }
    assert_eq!(batch.len(), 40);
    let before = pool.stats().enters;
    let res = batch.run();
    assert_eq!(res, vec![Ok(512); 40]);
    // 40 entries fit the ring's 64 slots: one chunk, one enter.
    assert_eq!(pool.stats().enters - before, 1);

    let mut back: Vec<Vec<u8>> = vec![vec![0; 512]; 40];
    let mut batch = pool.batch();
    for (i, b) in back.iter_mut().enumerate() {
        batch.read_at(&f.file, b, (i * 512) as u64);
    }
    batch.fsync(&f.file).nop();
    let res = batch.run();
    assert_eq!(res.len(), 42);
    assert!(res[..40].iter().all(|r| *r == Ok(512)), "{res:?}");
    assert_eq!(&res[40..], &[Ok(0), Ok(0)]);
    assert_eq!(back, bufs);
}

#[test]
fn a_batch_larger_than_the_ring_runs_in_chunks() {
    let pool = Pool::builder().rings(1).entries(8).build().unwrap();
    let mut batch = pool.batch();
    for _ in 0..100 {
        batch.nop();
    }
    assert_eq!(batch.run(), vec![Ok(0); 100]);
    let s = pool.stats();
    assert_eq!((s.ops, s.capacity), (100, 8));
    assert!(s.enters >= 13, "{s:?}");
}

#[test]
fn kernel_errors_come_back_as_errnos() {
    let pool = Pool::builder().rings(1).entries(8).build().unwrap();
    let f = temp_file("errors", 0).unwrap();
    let write_only = std::fs::OpenOptions::new().write(true).open(&f.path).unwrap();
    let read_only = std::fs::OpenOptions::new().read(true).open(&f.path).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(pool.read_at(&write_only, &mut buf, 0), Err(Errno::EBADF));
    assert_eq!(pool.write_at(&read_only, &buf, 0), Err(Errno::EBADF));

    // read_at on a closed descriptor, through the raw-entry call (a `BorrowedFd` of a closed
    // fd cannot be made soundly).
    let closed = {
        let g = std::fs::File::open(&f.path).unwrap();
        g.as_raw_fd()
    };
    // SAFETY: `buf` outlives the call, which returns only after the completion.
    let e = unsafe { Read::new(Target::Fd(closed), buf.as_mut_ptr(), 16).build() };
    assert_eq!(pool.run(e), Err(Errno::EBADF));

    // fsync of a pipe: the kernel says EINVAL.
    let (rd, _wr) = pipe();
    assert_eq!(pool.fsync(&rd), Err(Errno::EINVAL));

    // Everything still works after the errors.
    pool.nop().unwrap();
    let s = pool.stats();
    assert_eq!((s.ops, s.delivered, s.stray), (5, 5, 0));
    pool.shutdown();
    assert_eq!(pool.nop(), Err(ESHUTDOWN));
    assert_eq!(pool.batch().nop().len(), 1);
    let mut b = pool.batch();
    b.nop().nop();
    assert_eq!(b.run(), vec![Err(ESHUTDOWN); 2]);
}

#[test]
fn shutdown_waits_for_operations_in_flight_and_delivers_them() {
    let pool =
        Arc::new(Pool::builder().rings(2).entries(8).select(Select::Thread).build().unwrap());
    let pipes: Vec<(File, File)> = (0..6).map(|_| pipe()).collect();
    let pipes = Arc::new(pipes);
    // Each reader blocks in the kernel: a read of an empty pipe completes only when data
    // arrives.
    let readers: Vec<_> = (0..6)
        .map(|i| {
            let (pool, pipes) = (Arc::clone(&pool), Arc::clone(&pipes));
            thread::spawn(move || {
                let mut buf = [0u8; 8];
                let n = pool.read_at(&pipes[i].0, &mut buf, u64::MAX);
                (n, buf)
            })
        })
        .collect();
    while pool.stats().ops < 6 {
        thread::sleep(Duration::from_millis(5));
    }
    let done = Arc::new(AtomicBool::new(false));
    let closer = {
        let (pool, done) = (Arc::clone(&pool), Arc::clone(&done));
        thread::spawn(move || {
            pool.shutdown();
            done.store(true, Ordering::SeqCst);
        })
    };
    thread::sleep(Duration::from_millis(100));
    assert!(!done.load(Ordering::SeqCst), "shutdown returned with reads in flight");
    assert_eq!(pool.nop(), Err(ESHUTDOWN), "the pool still took new work");
    for (i, (_, w)) in pipes.iter().enumerate() {
        (&*w).write_all(&[i as u8; 8]).unwrap();
    }
    closer.join().unwrap();
    assert!(done.load(Ordering::SeqCst));
    for (i, r) in readers.into_iter().enumerate() {
        let (n, buf) = r.join().unwrap();
        assert_eq!(n, Ok(8), "reader {i}");
        assert_eq!(buf, [i as u8; 8]);
    }
    let s = pool.stats();
    assert_eq!((s.ops, s.delivered), (6, 6));
}

#[test]
fn resizing_under_load_loses_nothing() {
    let pool = Arc::new(Pool::builder().rings(1).entries(8).build().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let (pool, stop) = (Arc::clone(&pool), Arc::clone(&stop));
            thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let v = (t * 1000 + (n % 1000) as usize) as i32;
                    let e = ring_core::opcode::Nop::new().inject_result(Some(v)).build();
                    assert_eq!(pool.run(e), Ok(v as u32));
                    n += 1;
                }
                n
            })
        })
        .collect();
    for rings in [3, 1, 4, 2, 1, 2] {
        thread::sleep(Duration::from_millis(20));
        pool.resize(rings).unwrap();
        assert_eq!(pool.stats().rings, rings);
    }
    stop.store(true, Ordering::Relaxed);
    let total: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert!(total > 0);
    assert_eq!(pool.resize(0), Err(ring_pool::PoolError::NoRings));
}

#[test]
fn rings_attach_to_the_first_rings_workers() {
    // With ATTACH_WQ, setup of the second ring names the first ring's fd; a pool that builds
    // proves the kernel accepted it. Without, the rings are independent.
    for attach in [true, false] {
        let pool = Pool::builder().rings(3).entries(4).attach_wq(attach).build().unwrap();
        for k in 0..3 {
            pool.on(k).nop().unwrap();
        }
        assert_eq!(pool.stats().ops, 3);
    }
}
