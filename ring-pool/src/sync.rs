//! The synchronisation facade: loom's primitives under `--cfg loom`, std's otherwise.
//!
//! Everything the pool shares between threads goes through this module, so the same code is
//! model-checked under loom and runs on std threads. Every wait blocks (a condition variable,
//! or a futex on std), so under loom a lost wakeup shows as a deadlock rather than as a spin
//! loop that runs out of branches.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicU32, AtomicU64};
#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(loom)]
pub(crate) use loom::thread;

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicU32, AtomicU64};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::thread;

/// Locks, ignoring poisoning: a panic while the lock was held is a bug reported by the
/// panicking thread; the state behind every pool lock stays consistent at each unlock.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Locks if the lock is free (ignoring poisoning, see [`lock`]).
pub(crate) fn try_lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(g) => Some(g),
        Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// Waits on `cv`, ignoring poisoning (see [`lock`]).
pub(crate) fn wait<'a, T>(cv: &Condvar, g: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(g).unwrap_or_else(|e| e.into_inner())
}

/// A cell whose accesses loom tracks (`loom::cell::UnsafeCell`), with the same closure API
/// over a plain `UnsafeCell` on std.
#[derive(Debug)]
pub(crate) struct Cell<T> {
    #[cfg(loom)]
    inner: loom::cell::UnsafeCell<T>,
    #[cfg(not(loom))]
    inner: core::cell::UnsafeCell<T>,
}

impl<T> Cell<T> {
    pub(crate) fn new(v: T) -> Self {
        #[cfg(loom)]
        let inner = loom::cell::UnsafeCell::new(v);
        #[cfg(not(loom))]
        let inner = core::cell::UnsafeCell::new(v);
        Cell { inner }
    }

    /// Calls `f` with a pointer for reading. The caller must own the cell for reading under
    /// the protocol that guards it (loom checks that it does).
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        #[cfg(loom)]
        return self.inner.with(f);
        #[cfg(not(loom))]
        return f(self.inner.get());
    }

    /// Calls `f` with a pointer for writing. The caller must own the cell for writing.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        #[cfg(loom)]
        return self.inner.with_mut(f);
        #[cfg(not(loom))]
        return f(self.inner.get());
    }
}

/// A 32-bit word a thread can sleep on until it changes: the futex on std, a mutex and a
/// condition variable under loom (which has no futex). The emulation is exact for the one
/// property the pool relies on: `wait(expected)` sleeps only while the word still holds
/// `expected`, and a `wake` after a store cannot be missed.
#[derive(Debug)]
pub(crate) struct FutexWord {
    word: AtomicU32,
    #[cfg(loom)]
    m: Mutex<()>,
    #[cfg(loom)]
    cv: Condvar,
}

impl FutexWord {
    pub(crate) fn new(v: u32) -> Self {
        FutexWord {
            word: AtomicU32::new(v),
            #[cfg(loom)]
            m: Mutex::new(()),
            #[cfg(loom)]
            cv: Condvar::new(),
        }
    }

    /// The atomic word itself.
    #[inline]
    pub(crate) fn atomic(&self) -> &AtomicU32 {
        &self.word
    }

    /// Sleeps while the word holds `expected` (it may return spuriously: callers re-check).
    pub(crate) fn wait(&self, expected: u32) {
        #[cfg(loom)]
        {
            let g = lock(&self.m);
            // Relaxed: the mutex orders this load after the waker's store (the waker locks the
            // same mutex after storing and before notifying); the caller re-reads the word
            // with the ordering it needs once this returns.
            if self.word.load(core::sync::atomic::Ordering::Relaxed) == expected {
                drop(wait(&self.cv, g));
            }
        }
        #[cfg(not(loom))]
        {
            // SAFETY: FUTEX_WAIT reads the aligned 32-bit word at a pointer that stays valid
            // for the call (`self` is borrowed); the kernel compares it with `expected` and
            // sleeps atomically with that check. No timeout (null). A signal or a spurious
            // wakeup returns early; the caller re-checks.
            unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    self.word.as_ptr(),
                    libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                    expected,
                    core::ptr::null::<libc::timespec>(),
                );
            }
        }
    }

    /// Wakes the thread sleeping on the word, if any. Call after storing the new value.
    pub(crate) fn wake(&self) {
        #[cfg(loom)]
        {
            drop(lock(&self.m));
            self.cv.notify_all();
        }
        #[cfg(not(loom))]
        {
            // SAFETY: FUTEX_WAKE only uses the address as a key; it stays valid for the call.
            unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    self.word.as_ptr(),
                    libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
                    1,
                );
            }
        }
    }
}

/// A hint for a spin loop (a yield under loom, so that spinning cannot exhaust its branches).
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    core::hint::spin_loop();
}

/// Gives the CPU to another thread, after an error that a retry may get past.
pub(crate) fn back_off(attempt: u32) {
    #[cfg(loom)]
    {
        let _ = attempt;
        loom::thread::yield_now();
    }
    #[cfg(not(loom))]
    {
        if attempt < 8 {
            std::thread::yield_now();
        } else {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

/// This thread's ring-selection number: its position in the order in which threads first
/// asked (0, 1, 2, ...).
pub(crate) fn thread_number() -> usize {
    #[cfg(loom)]
    {
        loom::lazy_static! {
            static ref NEXT: loom::sync::atomic::AtomicUsize =
                loom::sync::atomic::AtomicUsize::new(0);
        }
        loom::thread_local! {
            static MINE: core::cell::Cell<Option<usize>> = core::cell::Cell::new(None);
        }
        MINE.with(|m| match m.get() {
            Some(n) => n,
            None => {
                // Relaxed: a counter handing out distinct numbers; nothing is published.
                let n = NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                m.set(Some(n));
                n
            }
        })
    }
    #[cfg(not(loom))]
    {
        use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        std::thread_local! {
            static MINE: core::cell::Cell<Option<usize>> = const { core::cell::Cell::new(None) };
        }
        MINE.with(|m| match m.get() {
            Some(n) => n,
            None => {
                // Relaxed: a counter handing out distinct numbers; nothing is published.
                let n = NEXT.fetch_add(1, Relaxed);
                m.set(Some(n));
                n
            }
        })
    }
}

/// The CPU this thread runs on (`sched_getcpu`), or its [`thread_number`] where that is
/// unknown (and always under loom, which has no CPUs).
pub(crate) fn cpu_number() -> usize {
    #[cfg(loom)]
    return thread_number();
    #[cfg(not(loom))]
    {
        // SAFETY: sched_getcpu takes no arguments and has no preconditions.
        let cpu = unsafe { libc::sched_getcpu() };
        if cpu >= 0 {
            cpu as usize
        } else {
            thread_number()
        }
    }
}

/// A statistics counter: a Relaxed `AtomicU64` on std; nothing under loom, where counters
/// would only add interleavings that decide nothing.
#[derive(Debug, Default)]
pub(crate) struct Counter {
    #[cfg(not(loom))]
    n: std::sync::atomic::AtomicU64,
}

impl Counter {
    /// Adds `k`.
    #[inline]
    pub(crate) fn add(&self, k: u64) {
        #[cfg(not(loom))]
        // Relaxed: a statistic; nothing is read on the strength of it.
        self.n.fetch_add(k, std::sync::atomic::Ordering::Relaxed);
        #[cfg(loom)]
        let _ = k;
    }

    /// The count so far (0 under loom).
    pub(crate) fn get(&self) -> u64 {
        #[cfg(not(loom))]
        // Relaxed: a statistic.
        return self.n.load(std::sync::atomic::Ordering::Relaxed);
        #[cfg(loom)]
        return 0;
    }
}
