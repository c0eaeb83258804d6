//! [`Pool`]: the rings, their reapers, and blocking calls usable from any number of threads.

use core::fmt;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Arc;

use crossbeam_epoch::{self as epoch, Atomic, Owned};
use ring_core::abi::fsync_flags;
use ring_core::opcode::{Entry, Fsync, Nop, Read, Target, Write};
use ring_core::{Errno, Ring, SetupError};

use crate::batch::Batch;
use crate::driver::Driver;
use crate::ring::{Closed, RingConfig, RingCore};
use crate::set::{RingSet, Select};
use crate::slot::Ticket;
use crate::sync::{lock, AtomicU32, Mutex};

/// The error of an operation on a pool that has shut down (`ESHUTDOWN`).
pub const ESHUTDOWN: Errno = Errno(libc::ESHUTDOWN);

/// Why a pool could not be built or resized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolError {
    /// A ring could not be set up.
    Setup(SetupError),
    /// A simulated ring's queues could not be taken (feature `sim`).
    #[cfg(feature = "sim")]
    Sim(ring_kernel_sim::SimError),
    /// A reaper thread could not be started.
    Spawn(Errno),
    /// A pool needs at least one ring.
    NoRings,
    /// The pool has shut down.
    Shutdown,
    /// The pool was built with `resizable(false)`.
    NotResizable,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::Setup(e) => write!(f, "ring setup failed: {e}"),
            #[cfg(feature = "sim")]
            PoolError::Sim(e) => write!(f, "simulated ring: {e}"),
            PoolError::Spawn(e) => write!(f, "could not start a reaper thread: {e}"),
            PoolError::NoRings => f.write_str("a pool needs at least one ring"),
            PoolError::Shutdown => f.write_str("the pool has shut down"),
            PoolError::NotResizable => f.write_str("the pool was built with resizable(false)"),
        }
    }
}

impl std::error::Error for PoolError {}

impl From<SetupError> for PoolError {
    fn from(e: SetupError) -> Self {
        PoolError::Setup(e)
    }
}

#[cfg(feature = "sim")]
impl From<ring_kernel_sim::SimError> for PoolError {
    fn from(e: ring_kernel_sim::SimError) -> Self {
        PoolError::Sim(e)
    }
}

/// What a ring factory is asked to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RingSpec {
    /// The ring's index in the pool.
    pub index: usize,
    /// The fd of the pool's first ring, to share its kernel workers with (`ATTACH_WQ`), when
    /// the pool attaches and this is not the first ring.
    pub attach_wq: Option<i32>,
}

/// Builds a ring for the pool.
type MakeRing<D> = dyn Fn(&RingSpec) -> Result<D, PoolError> + Send + Sync;

/// Options for a [`Pool`].
///
/// ```
/// use ring_pool::{Pool, Select};
/// let pool = Pool::builder().rings(2).entries(64).select(Select::Thread).build()?;
/// assert_eq!(pool.stats().rings, 2);
/// # Ok::<(), ring_pool::PoolError>(())
/// ```
#[derive(Clone, Debug)]
pub struct PoolBuilder {
    rings: Option<usize>,
    entries: u32,
    cq_entries: Option<u32>,
    in_flight: Option<u32>,
    select: Select,
    spin: u32,
    attach_wq: bool,
    resizable: bool,
}

impl Default for PoolBuilder {
    fn default() -> Self {
        PoolBuilder {
            rings: None,
            entries: 256,
            cq_entries: None,
            in_flight: None,
            select: Select::Cpu,
            spin: 0,
            attach_wq: true,
            resizable: true,
        }
    }
}

impl PoolBuilder {
    /// Number of rings (default: one per available CPU).
    pub fn rings(mut self, n: usize) -> Self {
        self.rings = Some(n);
        self
    }

    /// SQ entries per ring (default 256; the CQ is twice that unless
    /// [`cq_entries`](Self::cq_entries)). Real kernel only; a custom factory sizes its rings.
    pub fn entries(mut self, n: u32) -> Self {
        self.entries = n;
        self
    }

    /// CQ entries per ring (`CQSIZE`). Real kernel only.
    pub fn cq_entries(mut self, n: u32) -> Self {
        self.cq_entries = Some(n);
        self
    }

    /// Operations in flight per ring, at most (default and ceiling: the smaller of the
    /// ring's SQ and CQ sizes). Submitters beyond it wait for a slot.
    pub fn in_flight(mut self, n: u32) -> Self {
        self.in_flight = Some(n);
        self
    }

    /// How threads choose their ring (default [`Select::Cpu`]).
    pub fn select(mut self, select: Select) -> Self {
        self.select = select;
        self
    }

    /// How many times a caller polls its result before it sleeps (default 0: sleep at
    /// once; worth raising only with spare cores).
    pub fn spin(mut self, n: u32) -> Self {
        self.spin = n;
        self
    }

    /// Whether rings share the first ring's kernel workers (`ATTACH_WQ`; default on).
    pub fn attach_wq(mut self, on: bool) -> Self {
        self.attach_wq = on;
        self
    }

    /// Whether [`Pool::resize`] may replace the ring set (default on). A pool built with
    /// `resizable(false)` finds its ring without pinning the epoch (one fence less per
    /// operation), and its `resize` fails with [`PoolError::NotResizable`].
    pub fn resizable(mut self, on: bool) -> Self {
        self.resizable = on;
        self
    }

    /// Builds a pool of real io_uring rings (no SQPOLL; the ring fd is not registered,
    /// because submitters enter from many threads).
    pub fn build(self) -> Result<Pool, PoolError> {
        let (entries, cq) = (self.entries, self.cq_entries);
        self.build_with(move |spec| {
            let mut b = Ring::builder().entries(entries).register_ring_fd(false);
            if let Some(cq) = cq {
                b = b.cq_entries(cq);
            }
            if let Some(fd) = spec.attach_wq {
                b = b.attach_wq(fd);
            }
            Ok(b.build()?)
        })
    }

    /// Builds a pool over rings made by `make` (for example simulated rings, see
    /// `SimDriver`).
    pub fn build_with<D: Driver>(
        self,
        make: impl Fn(&RingSpec) -> Result<D, PoolError> + Send + Sync + 'static,
    ) -> Result<Pool<D>, PoolError> {
        let n = match self.rings {
            Some(0) => return Err(PoolError::NoRings),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let pool = Pool {
            set: Atomic::null(),
            make: Box::new(make),
            cfg: RingConfig { in_flight: self.in_flight, spin: self.spin },
            select: self.select,
            attach_wq: self.attach_wq,
            resizable: self.resizable,
            admin: Mutex::new(Admin { next_name: 0 }),
            shut: AtomicU32::new(0),
            map_slots: if cfg!(loom) {
                n
            } else {
                std::thread::available_parallelism().map_or(n, |c| c.get().max(n))
            },
        };
        let mut admin = lock(&pool.admin);
        let mut rings = Vec::with_capacity(n);
        for index in 0..n {
            match pool.start_ring(&mut admin, index, rings.first()) {
                Ok(r) => rings.push(r),
                Err(e) => {
                    rings.iter().for_each(|r: &Arc<RingCore<D>>| r.close());
                    drop(admin);
                    return Err(e);
                }
            }
        }
        // ORDERING: Release publishes the set's contents; pairs with the Acquire load in
        // `Pool::ring` (the pool is not shared yet, but `resize` uses the same pairing).
        pool.set.store(Owned::new(RingSet::new(rings, pool.map_slots)), Release);
        drop(admin);
        Ok(pool)
    }
}

/// State behind the pool's administration lock (resize, shutdown).
struct Admin {
    /// The next reaper thread's number.
    next_name: usize,
}

/// What the pool has done so far, summed over its current rings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Rings in the pool.
    pub rings: usize,
    /// Operations that may be in flight at once, over all rings.
    pub capacity: u64,
    /// Operations submitted.
    pub ops: u64,
    /// `io_uring_enter` calls made to submit them (fewer than `ops` when submissions
    /// combined).
    pub enters: u64,
    /// Submitting enters that failed and were retried.
    pub enter_errors: u64,
    /// Completions delivered to their callers.
    pub delivered: u64,
    /// Of those, the ones a submitter reaped right after its own enter (the rest went through
    /// the reaper thread).
    pub delivered_by_submitters: u64,
    /// Times a reaper blocked in the kernel.
    pub reaper_waits: u64,
    /// Times a reaper went idle because no caller was asleep waiting for a delivery.
    pub reaper_idle_waits: u64,
    /// Completions that matched no operation (always 0 unless the kernel misbehaves).
    pub stray: u64,
    /// Reaper waits that failed and were retried.
    pub wait_errors: u64,
}

/// A pool of io_uring rings with blocking calls usable from any number of threads.
///
/// One ring per CPU (by default), all sharing the first ring's kernel workers; one reaper
/// thread per ring; each call picks its ring without a lock, submits (combining with other
/// threads' submissions under contention), and sleeps until its reaper delivers the result.
/// Kernel errors come back as [`Errno`].
///
/// ```
/// use std::io::Write;
/// let pool = ring_pool::Pool::builder().rings(2).build()?;
/// let mut file = tempfile_in_target()?;
/// file.write_all(b"hello, ring")?;
/// let mut buf = [0u8; 4];
/// assert_eq!(pool.read_at(&file, &mut buf, 7)?, 4);
/// assert_eq!(&buf, b"ring");
/// # fn tempfile_in_target() -> std::io::Result<std::fs::File> {
/// #     let p = std::env::temp_dir().join(format!("ring-pool-doc-{}", std::process::id()));
/// #     let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&p)?;
/// #     std::fs::remove_file(&p)?;
/// #     Ok(f)
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Pool<D: Driver = Ring> {
    set: Atomic<RingSet<D>>,
    make: Box<MakeRing<D>>,
    cfg: RingConfig,
    select: Select,
    attach_wq: bool,
    resizable: bool,
    admin: Mutex<Admin>,
    /// 1 once `shutdown` began.
    shut: AtomicU32,
    /// Length of the selection map of every set.
    map_slots: usize,
}

impl<D: Driver> fmt::Debug for Pool<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool").field("stats", &self.stats()).finish_non_exhaustive()
    }
}

impl Pool {
    /// Options.
    pub fn builder() -> PoolBuilder {
        PoolBuilder::default()
    }

    /// A pool with default options: one ring of 256 entries per CPU.
    pub fn new() -> Result<Pool, PoolError> {
        PoolBuilder::default().build()
    }
}

impl<D: Driver> Pool<D> {
    /// Sets up ring `index` and starts its reaper.
    fn start_ring(
        &self,
        admin: &mut Admin,
        index: usize,
        first: Option<&Arc<RingCore<D>>>,
    ) -> Result<Arc<RingCore<D>>, PoolError> {
        let attach_wq = if self.attach_wq { first.and_then(|r| r.wq_fd) } else { None };
        let driver = (self.make)(&RingSpec { index, attach_wq })?;
        let name = format!("ring-pool-reaper-{}", admin.next_name);
        admin.next_name += 1;
        RingCore::start(driver, self.cfg, name).map_err(PoolError::Spawn)
    }

    /// Calls `f` with the current ring set, without a lock.
    fn with_set<R>(&self, f: impl FnOnce(&RingSet<D>) -> R) -> R {
        if !self.resizable {
            // SAFETY: a pool built with `resizable(false)` never replaces its set, and frees
            // it only in `drop` (`&mut self`): no guard is needed to keep it alive.
            let guard = unsafe { epoch::unprotected() };
            // ORDERING: Acquire pairs with the Release store in `build_with` (the pool was
            // shared after that, so this is belt and braces).
            let set = self.set.load(Acquire, guard);
            // SAFETY: non-null from `build_with` until drop, never replaced (see above).
            return f(unsafe { set.deref() });
        }
        let guard = epoch::pin();
        // ORDERING: Acquire pairs with the Release store (build) or swap (resize) of the set:
        // its contents are visible.
        let set = self.set.load(Acquire, &guard);
        // SAFETY: the set pointer is non-null from `build_with` until drop (a resize replaces
        // it, never clears it), and a replaced set is destroyed only by `defer_destroy`,
        // after every thread pinned when it was replaced (including us) has unpinned.
        f(unsafe { set.deref() })
    }

    /// The ring selection number `k` uses, from the current set, without a lock.
    fn ring(&self, k: usize) -> Arc<RingCore<D>> {
        self.with_set(|set| Arc::clone(set.ring(k)))
    }

    /// Whether `shutdown` began.
    fn is_shut(&self) -> bool {
        // Relaxed: an early exit only. A caller that found its ring closed by `shutdown`
        // observed that under the ring's lock, which `shutdown` took after this store, so its
        // next load sees 1.
        self.shut.load(Relaxed) != 0
    }

    /// Runs one entry on the ring of selection number `key` (or the caller's) and waits for
    /// its result.
    pub(crate) fn run_one(&self, key: Option<usize>, entry: &Entry) -> Result<u32, Errno> {
        loop {
            if self.is_shut() {
                return Err(ESHUTDOWN);
            }
            let ring = self.ring(key.unwrap_or_else(|| self.select.number()));
            let mut ticket = None;
            match ring.submit(core::slice::from_ref(entry), |t| ticket = Some(t)) {
                Ok(_) => {
                    let Some(t) = ticket else { unreachable!("one entry, one ticket") };
                    return Errno::result(ring.finish(t));
                }
                // A resize retired the ring: the new set is in place; try again there.
                Err(Closed) => continue,
            }
        }
    }

    /// Runs `entries` (in chunks of as many as there are free slots, one enter per chunk)
    /// and waits for all of them; one result per entry, in order.
    pub(crate) fn run_many(
        &self,
        key: Option<usize>,
        entries: &[Entry],
    ) -> Vec<Result<u32, Errno>> {
        let mut out = Vec::with_capacity(entries.len());
        let mut tickets: Vec<Ticket> = Vec::new();
        let k = key.unwrap_or_else(|| self.select.number());
        while out.len() < entries.len() {
            if self.is_shut() {
                out.resize(entries.len(), Err(ESHUTDOWN));
                break;
            }
            let ring = self.ring(k);
            tickets.clear();
            match ring.submit(&entries[out.len()..], |t| tickets.push(t)) {
                Ok(_) => out.extend(tickets.iter().map(|&t| Errno::result(ring.finish(t)))),
                Err(Closed) => continue,
            }
        }
        out
    }

    /// A handle whose calls run on the ring that selection number `key` maps to, whatever
    /// thread makes them (for affinity by key, for example one ring per file).
    ///
    /// ```
    /// let pool = ring_pool::Pool::builder().rings(2).build()?;
    /// pool.on(1).nop()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on(&self, key: usize) -> On<'_, D> {
        On { pool: self, key: Some(key) }
    }

    fn here(&self) -> On<'_, D> {
        On { pool: self, key: None }
    }

    /// A NOP through the ring: the round trip without I/O.
    pub fn nop(&self) -> Result<(), Errno> {
        self.here().nop()
    }

    /// `pread(2)`: reads into `buf` from `offset`; returns the bytes read (a short count at
    /// the end of the file; `buf` beyond `u32::MAX` bytes is read in part).
    pub fn read_at(&self, fd: impl AsFd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.here().read_at(fd, buf, offset)
    }

    /// `pwrite(2)`: writes `buf` at `offset`; returns the bytes written.
    pub fn write_at(&self, fd: impl AsFd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.here().write_at(fd, buf, offset)
    }

    /// `fsync(2)`.
    pub fn fsync(&self, fd: impl AsFd) -> Result<(), Errno> {
        self.here().fsync(fd)
    }

    /// `fdatasync(2)`.
    pub fn fdatasync(&self, fd: impl AsFd) -> Result<(), Errno> {
        self.here().fdatasync(fd)
    }

    /// Runs any single-completion operation and returns its result. The pool sets
    /// `user_data` and clears `IO_LINK`, `IO_HARDLINK`, `IO_DRAIN` and `CQE_SKIP_SUCCESS`
    /// (which would tie the entry to other threads' entries or leave it without a
    /// completion). Multishot operations are not supported.
    ///
    /// ```
    /// use ring_core::opcode::Nop;
    /// let pool = ring_pool::Pool::builder().rings(1).build()?;
    /// assert_eq!(pool.run(Nop::new().inject_result(Some(7)).build()), Ok(7));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, entry: Entry) -> Result<u32, Errno> {
        self.run_one(None, &entry)
    }

    /// A batch: operations submitted together (one lock, one enter per chunk) and waited
    /// for together. See [`Batch`].
    pub fn batch(&self) -> Batch<'_, D> {
        Batch::new(self, None)
    }

    /// Replaces the ring set with one of `rings` rings: keeps the first `min(old, new)`,
    /// starts new ones, and retires the rest. Submitters keep going without a lock: one that
    /// still holds a retired ring finishes there if its operation got in before the ring
    /// closed, and moves to the new set otherwise. Returns once the retired rings'
    /// operations have completed and their reapers have exited.
    ///
    /// ```
    /// let pool = ring_pool::Pool::builder().rings(1).build()?;
    /// pool.resize(3)?;
    /// assert_eq!(pool.stats().rings, 3);
    /// pool.resize(1)?;
    /// pool.nop()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resize(&self, rings: usize) -> Result<(), PoolError> {
        if rings == 0 {
            return Err(PoolError::NoRings);
        }
        if !self.resizable {
            return Err(PoolError::NotResizable);
        }
        let mut admin = lock(&self.admin);
        if self.is_shut() {
            return Err(PoolError::Shutdown);
        }
        let guard = epoch::pin();
        // Relaxed: set only under the administration lock, which we hold.
        let cur = self.set.load(Relaxed, &guard);
        // SAFETY: non-null (see `ring`), and only we (under the lock) could replace it.
        let cur_ref = unsafe { cur.deref() };
        let old = cur_ref.rings.len();
        if rings == old {
            return Ok(());
        }
        let mut list: Vec<Arc<RingCore<D>>> = cur_ref.rings[..rings.min(old)].to_vec();
        for index in old..rings {
            match self.start_ring(&mut admin, index, list.first()) {
                Ok(r) => list.push(r),
                Err(e) => {
                    list[old..].iter().for_each(|r| r.close());
                    return Err(e);
                }
            }
        }
        let retired: Vec<Arc<RingCore<D>>> = cur_ref.rings[rings.min(old)..].to_vec();
        let new = Owned::new(RingSet::new(list, self.map_slots));
        // ORDERING: Release publishes the new set's contents; pairs with the Acquire load in
        // `ring`.
        let replaced = self.set.swap(new, Release, &guard);
        // SAFETY: `replaced` is no longer reachable from the pool; threads that loaded it are
        // pinned, and the destructor runs only after all of them have unpinned.
        unsafe { guard.defer_destroy(replaced) };
        guard.flush();
        drop(guard);
        for r in retired {
            r.close();
        }
        drop(admin);
        Ok(())
    }

    /// Refuses new operations (they fail with [`ESHUTDOWN`]), lets every operation in flight
    /// complete and reach its caller, and joins the reapers. Dropping the pool does this too.
    pub fn shutdown(&self) {
        let admin = lock(&self.admin);
        // Relaxed: see `is_shut`.
        self.shut.store(1, Relaxed);
        let rings: Vec<Arc<RingCore<D>>> = self.with_set(|set| set.rings.to_vec());
        for r in rings {
            r.close();
        }
        drop(admin);
    }

    /// What the pool has done so far (summed over its current rings).
    pub fn stats(&self) -> PoolStats {
        let rings: Vec<Arc<RingCore<D>>> = self.with_set(|set| set.rings.to_vec());
        let mut s = PoolStats { rings: rings.len(), ..PoolStats::default() };
        for r in &rings {
            s.capacity += u64::from(r.capacity());
            s.ops += lock(&r.side).ops;
            s.enters += r.counters.enters.get();
            s.enter_errors += r.counters.enter_errors.get();
            let by_submitters = r.reaper_stats.by_submitters.get();
            s.delivered += r.reaper_stats.by_reaper.get() + by_submitters;
            s.delivered_by_submitters += by_submitters;
            s.reaper_waits += r.reaper_stats.waits.get();
            s.reaper_idle_waits += r.reaper_stats.idle_waits.get();
            s.stray += r.reaper_stats.stray.get();
            s.wait_errors += r.reaper_stats.wait_errors.get();
        }
        s
    }
}

impl<D: Driver> Drop for Pool<D> {
    fn drop(&mut self) {
        self.shutdown();
        // Relaxed: `&mut self`; every store to the pointer happened before we got it.
        // SAFETY: `&mut self`: no thread can load the set any more; sets replaced earlier
        // are the collector's. Taking the last one out of the pool and dropping it is the
        // `Atomic`'s owner giving it up.
        let set = unsafe { self.set.load(Relaxed, epoch::unprotected()) };
        if !set.is_null() {
            // SAFETY: as above; the pointer came from `Owned::new` and is dropped once.
            drop(unsafe { set.into_owned() });
        }
    }
}

/// Blocking calls on the ring a fixed selection number maps to (from [`Pool::on`]).
pub struct On<'p, D: Driver = Ring> {
    pool: &'p Pool<D>,
    key: Option<usize>,
}

impl<D: Driver> Clone for On<'_, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D: Driver> Copy for On<'_, D> {}

impl<D: Driver> On<'_, D> {
    /// A NOP: the round trip without I/O.
    pub fn nop(&self) -> Result<(), Errno> {
        self.pool.run_one(self.key, &Nop::new().build()).map(drop)
    }

    /// `pread(2)`; see [`Pool::read_at`].
    pub fn read_at(&self, fd: impl AsFd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let len = buf.len().min(u32::MAX as usize) as u32;
        let fd = fd.as_fd().as_raw_fd();
        // SAFETY: `buf` is borrowed mutably for this whole call, and the call returns only
        // after the operation's completion has been delivered: the kernel has stopped writing
        // `len <= buf.len()` bytes at its start.
        let e = unsafe { Read::new(Target::Fd(fd), buf.as_mut_ptr(), len).offset(offset).build() };
        self.pool.run_one(self.key, &e).map(|n| n as usize)
    }

    /// `pwrite(2)`; see [`Pool::write_at`].
    pub fn write_at(&self, fd: impl AsFd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        let len = buf.len().min(u32::MAX as usize) as u32;
        let fd = fd.as_fd().as_raw_fd();
        // SAFETY: `buf` is borrowed for this whole call, which returns only after the
        // operation completed: the kernel has stopped reading it.
        let e = unsafe { Write::new(Target::Fd(fd), buf.as_ptr(), len).offset(offset).build() };
        self.pool.run_one(self.key, &e).map(|n| n as usize)
    }

    /// `fsync(2)`.
    pub fn fsync(&self, fd: impl AsFd) -> Result<(), Errno> {
        let e = Fsync::new(Target::Fd(fd.as_fd().as_raw_fd())).build();
        self.pool.run_one(self.key, &e).map(drop)
    }

    /// `fdatasync(2)`.
    pub fn fdatasync(&self, fd: impl AsFd) -> Result<(), Errno> {
        let e = Fsync::new(Target::Fd(fd.as_fd().as_raw_fd())).flags(fsync_flags::DATASYNC).build();
        self.pool.run_one(self.key, &e).map(drop)
    }

    /// Any single-completion operation; see [`Pool::run`].
    pub fn run(&self, entry: Entry) -> Result<u32, Errno> {
        self.pool.run_one(self.key, &entry)
    }

    /// A batch on this ring; see [`Pool::batch`].
    pub fn batch(&self) -> Batch<'_, D> {
        Batch::new(self.pool, self.key)
    }
}
