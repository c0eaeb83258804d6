//! [`Metered`]: a [`Kernel`] wrapper that counts what goes through it (enter calls, SQEs the
//! kernel reported consumed, waits, errors): the metrics an embedding exports, and in tests
//! the way to learn how many entries a kernel without a simulator's counters has consumed.

use core::cell::Cell;
use core::ffi::c_void;

use ring_core::abi::enter;
use ring_core::{Enter, Errno, Kernel};

/// What went through a [`Metered`] kernel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meter {
    /// `enter` calls.
    pub enters: u64,
    /// `enter` calls with `GETEVENTS`.
    pub waits: u64,
    /// The sum of successful `enter` return values: SQEs the kernel consumed at enter (with
    /// SQPOLL: entries handed to the thread).
    pub submitted: u64,
    /// `enter` calls that failed.
    pub errors: u64,
}

/// Counts the calls made to `K`. Not `Sync` (the counters are `Cell`s), like the queues it
/// serves: one submitting context at a time.
///
/// ```
/// use downstream::{submit_and_reap, Metered, RingMem};
/// use ring_core::opcode::Nop;
///
/// let mut mem = RingMem::<2, 4>::new();
/// let (mut q, loopback) = mem.split(0).unwrap();
/// let kernel = Metered::new(&loopback);
/// let (sq, cq) = q.split();
/// submit_and_reap(sq, cq, &kernel, (0..3).map(|ud| Nop::new().build().user_data(ud)), drop)
///     .unwrap();
/// assert_eq!(kernel.meter().submitted, 3);
/// ```
#[derive(Debug)]
pub struct Metered<K> {
    inner: K,
    meter: Cell<Meter>,
}

impl<K: Kernel> Metered<K> {
    /// Wraps `inner` (a kernel, or a reference to one).
    pub fn new(inner: K) -> Self {
        Metered { inner, meter: Cell::new(Meter::default()) }
    }

    /// The counts so far.
    pub fn meter(&self) -> Meter {
        self.meter.get()
    }

    /// The wrapped kernel.
    pub fn inner(&self) -> &K {
        &self.inner
    }
}

impl<K: Kernel> Kernel for Metered<K> {
    fn enter(&self, args: Enter<'_>) -> Result<u32, Errno> {
        let r = self.inner.enter(args);
        let mut m = self.meter.get();
        m.enters += 1;
        m.waits += u64::from(args.flags & enter::GETEVENTS != 0);
        match r {
            Ok(n) => m.submitted += u64::from(n),
            Err(_) => m.errors += 1,
        }
        self.meter.set(m);
        r
    }

    fn validate(&self, args: &Enter<'_>) -> Result<(), Errno> {
        self.inner.validate(args)
    }

    unsafe fn register(&self, opcode: u32, arg: *mut c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: forwarded unchanged; the caller's obligations on `arg` carry over.
        unsafe { self.inner.register(opcode, arg, nr_args) }
    }
}
