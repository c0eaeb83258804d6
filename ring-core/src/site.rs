//! Ordering sites: every atomic access and fence of the user side, by name.
//!
//! Each access in [`crate::sq`] and [`crate::cq`] names a [`Site`]; the ordering it uses comes
//! from [`Backend::ordering`](crate::Backend::ordering), whose default is
//! [`Site::default_ordering`]. A verification backend can weaken exactly one site and show
//! which model catches it. On [`Native`](crate::Native) the table is constant and folds away.
//!
//! The table with the reasons for each ordering is `docs/ordering.md`, included below.
#![cfg_attr(doc, doc = include_str!("../ordering.md"))]

use core::sync::atomic::Ordering;

/// What kind of access a site is: decides which orderings are meaningful for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// An atomic load.
    Load,
    /// An atomic store.
    Store,
    /// A fence.
    Fence,
}

macro_rules! sites {
    ($( $(#[$doc:meta])* $name:ident => $access:ident, $word:literal, $default:ident; )*) => {
        /// One atomic access or fence of the user side of the protocol.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Site {
            $( $(#[$doc])* $name, )*
        }

        impl Site {
            /// Every user-side site, in table order.
            pub const ALL: &'static [Site] = &[$(Site::$name),*];

            /// The site's name, as it appears in `docs/ordering.md`.
            pub const fn name(self) -> &'static str {
                match self { $(Site::$name => stringify!($name),)* }
            }

            /// The shared word the site touches (or `fence`).
            pub const fn word(self) -> &'static str {
                match self { $(Site::$name => $word,)* }
            }

            /// Load, store or fence.
            pub const fn access(self) -> Access {
                match self { $(Site::$name => Access::$access,)* }
            }

            /// The ordering ring-core uses at this site.
            pub const fn default_ordering(self) -> Ordering {
                match self { $(Site::$name => Ordering::$default,)* }
            }
        }
    };
}

sites! {
    /// Kernel SQ head, read before handing out a slot (free space). Acquire: the kernel (the
    /// SQPOLL thread) has finished reading every SQE before the head it released.
    SqHeadAcquire => Load, "sq.head", Acquire;
    /// Kernel SQ head, read only to count pending entries (no slot is reused on it).
    SqHeadCount => Load, "sq.head", Relaxed;
    /// SQ tail store: publishes the SQEs (and array entries) written before it.
    SqTailPublish => Store, "sq.tail", Release;
    /// Initial read of the SQ tail at construction (only the user writes it).
    SqTailInit => Load, "sq.tail", Relaxed;
    /// The full fence between the SQ tail store and the NEED_WAKEUP load (SQPOLL Dekker).
    SqWakeupFence => Fence, "fence", SeqCst;
    /// SQ flags read: NEED_WAKEUP after the wakeup fence; CQ_OVERFLOW and TASKRUN as hints.
    SqFlagsLoad => Load, "sq.flags", Relaxed;
    /// SQ dropped counter (informational).
    SqDroppedLoad => Load, "sq.dropped", Relaxed;
    /// CQ tail read: acquires the CQE contents in [head, tail).
    CqTailAcquire => Load, "cq.tail", Acquire;
    /// The user's own CQ head, read back (only the user writes it).
    CqHeadLoad => Load, "cq.head", Relaxed;
    /// CQ head store: releases the CQE slots read before it back to the kernel.
    CqHeadRelease => Store, "cq.head", Release;
    /// CQ overflow counter (real drops only; informational).
    CqOverflowLoad => Load, "cq.overflow", Relaxed;
    /// CQ flags read (user-owned word).
    CqFlagsLoad => Load, "cq.flags", Relaxed;
    /// CQ flags write (EVENTFD_DISABLED; a hint the kernel reads when it posts).
    CqFlagsStore => Store, "cq.flags", Relaxed;
    /// Ring geometry words (ring_mask, ring_entries), read once at construction.
    GeometryLoad => Load, "ring_mask/ring_entries", Relaxed;
}

impl Access {
    /// Whether `order` is a valid ordering for this kind of access (a load cannot be
    /// Release, a store cannot be Acquire).
    pub const fn accepts(self, order: Ordering) -> bool {
        !matches!(
            (self, order),
            (Access::Load, Ordering::Release | Ordering::AcqRel)
                | (Access::Store, Ordering::Acquire | Ordering::AcqRel)
        )
    }

    /// Every ordering valid for this access that is weaker than `than`, strongest first.
    pub fn weaker(self, than: Ordering) -> impl Iterator<Item = Ordering> {
        let rank = |o: Ordering| match o {
            Ordering::Relaxed => 0,
            Ordering::Acquire | Ordering::Release => 1,
            Ordering::AcqRel => 2,
            _ => 3,
        };
        let d = rank(than);
        [
            Ordering::SeqCst,
            Ordering::AcqRel,
            Ordering::Acquire,
            Ordering::Release,
            Ordering::Relaxed,
        ]
        .into_iter()
        .filter(move |&o| rank(o) < d && self.accepts(o))
    }
}

impl Site {
    /// Whether `order` is a valid ordering for this site's access kind. A backend's table
    /// must return only valid ones.
    pub const fn accepts(self, order: Ordering) -> bool {
        self.access().accepts(order)
    }

    /// Every ordering weaker than the default that is valid for this site, strongest first.
    /// These are the mutants the verification matrix runs.
    pub fn weaker(self) -> impl Iterator<Item = Ordering> {
        self.access().weaker(self.default_ordering())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_for_their_access() {
        for &s in Site::ALL {
            assert!(s.accepts(s.default_ordering()), "{s:?}");
        }
    }

    #[test]
    fn weaker_orderings_exclude_invalid_and_default() {
        use std::vec::Vec;
        let w: Vec<_> = Site::SqTailPublish.weaker().collect();
        assert_eq!(w, [Ordering::Relaxed]);
        let w: Vec<_> = Site::SqWakeupFence.weaker().collect();
        assert_eq!(w, [Ordering::AcqRel, Ordering::Acquire, Ordering::Release, Ordering::Relaxed]);
        assert_eq!(Site::CqHeadLoad.weaker().count(), 0);
    }
}
