//! Kernel-side ordering sites and the one-site weakening ("mutant") used by verification.
//!
//! The simulated kernel names every atomic access and fence with a [`KSite`], as ring-core
//! names its own with [`Site`]. The ordering at a site is the default table unless a
//! [`Mutant`] is active on the current thread: then exactly that one site uses the mutant's
//! ordering. The active mutant is thread-local (loom runs a whole model on one OS thread), and
//! kernel threads started by the std-thread mode inherit the mutant of the thread that started
//! them.

use core::cell::Cell;
use core::sync::atomic::Ordering;

use ring_core::fault::LogicFault;
use ring_core::site::{Access, Site};

macro_rules! ksites {
    ($( $(#[$doc:meta])* $name:ident => $access:ident, $word:literal, $default:ident; )*) => {
        /// One atomic access or fence of the simulated kernel.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum KSite {
            $( $(#[$doc])* $name, )*
        }

        impl KSite {
            /// Every kernel-side site, in table order.
            pub const ALL: &'static [KSite] = &[$(KSite::$name),*];

            /// The site's name, as in docs/ordering.md.
            pub const fn name(self) -> &'static str {
                match self { $(KSite::$name => stringify!($name),)* }
            }

            /// The shared word the site touches (or `fence`).
            pub const fn word(self) -> &'static str {
                match self { $(KSite::$name => $word,)* }
            }

            /// Load, store (or read-modify-write, listed as a store) or fence.
            pub const fn access(self) -> Access {
                match self { $(KSite::$name => Access::$access,)* }
            }

            /// The ordering the simulated kernel uses at this site (Linux 6.18's, in C11
            /// terms).
            pub const fn default_ordering(self) -> Ordering {
                match self { $(KSite::$name => Ordering::$default,)* }
            }
        }
    };
}

ksites! {
    /// SQ tail read before consuming SQEs (`io_sqring_entries`: smp_load_acquire). Acquires
    /// the user's SQE and array writes.
    SqTailAcquire => Load, "sq.tail", Acquire;
    /// SQ head store after a consumed batch (`io_commit_sqring`: smp_store_release).
    /// Releases the kernel's reads of the consumed SQEs to the user.
    SqHeadRelease => Store, "sq.head", Release;
    /// CQ head read when the cached free range is exhausted (`io_cqe_cache_refill`: a plain
    /// load plus a control dependency in Linux; Acquire in C11). Acquires the user's reads of
    /// the CQEs it released.
    CqHeadRefill => Load, "cq.head", Acquire;
    /// CQ head read to count ready completions for a wait (no slot is written on it).
    CqHeadCount => Load, "cq.head", Relaxed;
    /// CQ tail store at the end of a posting section (`io_commit_cqring`:
    /// smp_store_release). Publishes the CQE contents.
    CqTailCommit => Store, "cq.tail", Release;
    /// SQPOLL: `fetch_or(NEED_WAKEUP)` before sleeping (atomic_or; ordered by the fence).
    NeedWakeupSet => Store, "sq.flags", Relaxed;
    /// SQPOLL: the full barrier between setting NEED_WAKEUP and re-reading the SQ tail
    /// (`smp_mb__after_atomic`).
    SqpollSleepFence => Fence, "fence", SeqCst;
    /// SQPOLL: the SQ tail re-read after the fence (only decides whether to sleep; a
    /// non-empty SQ goes back to the Acquire poll).
    SqpollTailRecheck => Load, "sq.tail", Relaxed;
    /// SQPOLL: `fetch_and(!NEED_WAKEUP)` after waking (atomic_andnot).
    NeedWakeupClear => Store, "sq.flags", Relaxed;
    /// CQ_OVERFLOW and TASKRUN set or cleared (atomic_or / atomic_andnot): hints.
    FlagsHint => Store, "sq.flags", Relaxed;
    /// SQ dropped and CQ overflow counters (WRITE_ONCE): statistics.
    CounterStore => Store, "sq.dropped/cq.overflow", Relaxed;
    /// Kernel-private reads of its own counters and of user-owned words used as hints.
    KernelOwnLoad => Load, "sq.head/cq.tail/flags", Relaxed;
}

impl KSite {
    /// Every ordering weaker than the default that is valid here, strongest first.
    pub fn weaker(self) -> impl Iterator<Item = Ordering> {
        self.access().weaker(self.default_ordering())
    }
}

/// A site on either side of the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnySite {
    /// A ring-core (user-side) site.
    User(Site),
    /// A simulated-kernel site.
    Kernel(KSite),
}

impl AnySite {
    /// Every site of both sides.
    pub fn all() -> impl Iterator<Item = AnySite> {
        Site::ALL
            .iter()
            .map(|&s| AnySite::User(s))
            .chain(KSite::ALL.iter().map(|&k| AnySite::Kernel(k)))
    }

    /// `user:Name` or `kernel:Name`.
    pub fn name(self) -> std::string::String {
        match self {
            AnySite::User(s) => std::format!("user:{}", s.name()),
            AnySite::Kernel(k) => std::format!("kernel:{}", k.name()),
        }
    }

    /// The default ordering.
    pub fn default_ordering(self) -> Ordering {
        match self {
            AnySite::User(s) => s.default_ordering(),
            AnySite::Kernel(k) => k.default_ordering(),
        }
    }

    /// Every weaker valid ordering.
    pub fn weaker(self) -> std::vec::Vec<Ordering> {
        match self {
            AnySite::User(s) => s.weaker().collect(),
            AnySite::Kernel(k) => k.weaker().collect(),
        }
    }
}

/// One site weakened to one ordering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mutant {
    /// The site.
    pub site: AnySite,
    /// The ordering it uses instead of its default.
    pub ordering: Ordering,
}

std::thread_local! {
    static ACTIVE: Cell<Option<Mutant>> = const { Cell::new(None) };
    static ACTIVE_FAULT: Cell<Option<LogicFault>> = const { Cell::new(None) };
}

/// Runs `f` with the historical logic bug `fault` switched on in ring-core on this thread
/// (and on kernel threads started inside `f`).
pub fn with_logic_fault<R>(fault: Option<LogicFault>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<LogicFault>);
    impl Drop for Restore {
        fn drop(&mut self) {
            ACTIVE_FAULT.with(|a| a.set(self.0));
        }
    }
    let _restore = Restore(ACTIVE_FAULT.with(|a| a.replace(fault)));
    f()
}

/// The logic fault active on this thread.
pub fn active_logic_fault() -> Option<LogicFault> {
    ACTIVE_FAULT.with(|a| a.get())
}

/// Runs `f` with `mutant` active on this thread (and on kernel threads started inside `f`).
///
/// Under loom this is how a weakened ordering is shown to matter: the same model, run inside
/// `with_mutant`, must fail. Outside loom the mutant is active too (for Miri and stress runs).
///
/// ```
/// use core::sync::atomic::Ordering;
/// use ring_core::Site;
/// use ring_kernel_sim::{active_mutant, with_mutant, AnySite, Mutant};
///
/// let m = Mutant { site: AnySite::User(Site::SqTailPublish), ordering: Ordering::Relaxed };
/// with_mutant(Some(m), || {
///     assert_eq!(active_mutant(), Some(m));
///     // ... run a model or scenario here: the SQ tail is now published with Relaxed ...
/// });
/// assert_eq!(active_mutant(), None);
/// ```
pub fn with_mutant<R>(mutant: Option<Mutant>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Mutant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            ACTIVE.with(|a| a.set(self.0));
        }
    }
    let _restore = Restore(ACTIVE.with(|a| a.replace(mutant)));
    f()
}

/// The mutant active on this thread.
pub fn active() -> Option<Mutant> {
    ACTIVE.with(|a| a.get())
}

/// The ordering at a user-side site on this thread.
#[inline]
pub(crate) fn user_ordering(site: Site) -> Ordering {
    match active() {
        Some(Mutant { site: AnySite::User(s), ordering }) if s == site => ordering,
        _ => site.default_ordering(),
    }
}

/// The ordering at a kernel-side site on this thread.
#[inline]
pub(crate) fn kernel_ordering(site: KSite) -> Ordering {
    match active() {
        Some(Mutant { site: AnySite::Kernel(k), ordering }) if k == site => ordering,
        _ => site.default_ordering(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutant_is_scoped_and_exact() {
        let m = Mutant { site: AnySite::Kernel(KSite::CqTailCommit), ordering: Ordering::Relaxed };
        assert_eq!(kernel_ordering(KSite::CqTailCommit), Ordering::Release);
        with_mutant(Some(m), || {
            assert_eq!(kernel_ordering(KSite::CqTailCommit), Ordering::Relaxed);
            assert_eq!(kernel_ordering(KSite::SqHeadRelease), Ordering::Release);
            assert_eq!(user_ordering(Site::CqTailAcquire), Ordering::Acquire);
        });
        assert_eq!(kernel_ordering(KSite::CqTailCommit), Ordering::Release);
    }

    #[test]
    fn every_site_has_a_valid_default() {
        for k in KSite::ALL {
            assert!(k.access().accepts(k.default_ordering()), "{k:?}");
        }
        assert_eq!(AnySite::all().count(), Site::ALL.len() + KSite::ALL.len());
    }
}
