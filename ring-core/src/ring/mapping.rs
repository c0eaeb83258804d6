//! Ring memory on the real kernel: the kernel's regions mapped with `mmap` (one mapping with
//! `SINGLE_MMAP`, three otherwise), or user memory handed to the kernel with `NO_MMAP` (a
//! 2 MiB huge page when the pool has one, ordinary pages otherwise). Either way the memory is
//! described by offsets from `io_uring_params`, checked, and lent to [`SqMemory`] /
//! [`CqMemory`].

use core::mem::{align_of, size_of};
use core::sync::atomic::AtomicU32;

use crate::abi::{feat, mmap_off, setup, Cqe, Params, Sqe};
use crate::backend::{Native, NativeCell};
use crate::errno::Errno;
use crate::memory::{CqMemory, CqParts, LayoutError, SqMemory, SqParts};
use crate::setup::{Geometry, RegionSizes, SetupError};
use crate::sys::{self, Mmap, HUGE_PAGE};

/// Which memory a `NO_MMAP` ring uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HugePages {
    /// A 2 MiB huge page if the hugetlb pool has one and both regions fit, ordinary pages
    /// otherwise.
    #[default]
    Prefer,
    /// Ordinary pages only.
    Never,
    /// A huge page, or fail (`ENOMEM` when the pool is empty).
    Require,
}

/// Where a ring's memory lives, with the region sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryInfo {
    /// Kernel memory mapped by `mmap` (`false`), or user memory (`NO_MMAP`, `true`).
    pub user: bool,
    /// User memory backed by a huge page.
    pub huge_page: bool,
    /// One mapping for both rings (`SINGLE_MMAP`); always `true` for user memory, whose
    /// rings region holds both.
    pub single_ring_region: bool,
    /// Bytes of the SQ ring region.
    pub sq_ring: usize,
    /// Bytes of the CQ ring region.
    pub cq_ring: usize,
    /// Bytes of the SQE region.
    pub sqes: usize,
}

/// User memory for a `NO_MMAP` ring: the SQE array at offset 0, the rings region after it.
#[derive(Debug)]
pub(crate) struct UserMemory {
    map: Mmap,
    huge: bool,
    sqes_len: usize,
    rings_len: usize,
}

impl UserMemory {
    /// Allocates both regions for `g`, assuming a ring header of at most `header` bytes.
    pub(crate) fn alloc(g: &Geometry, header: usize, policy: HugePages) -> Result<Self, Errno> {
        let page = sys::page_size();
        let sizes = g.user_region_sizes(header, page).ok_or(Errno::ENOMEM)?;
        let total = sizes.sqes.checked_add(sizes.rings).ok_or(Errno::ENOMEM)?;
        let try_huge = match policy {
            HugePages::Never => false,
            HugePages::Prefer => total <= HUGE_PAGE,
            HugePages::Require if total > HUGE_PAGE => return Err(Errno::ENOMEM),
            HugePages::Require => true,
        };
        let (map, huge) = match (try_huge, policy) {
            (true, HugePages::Require) => (Mmap::anonymous(total, true)?, true),
            (true, _) => match Mmap::anonymous(total, true) {
                Ok(m) => (m, true),
                Err(_) => (Mmap::anonymous(total, false)?, false),
            },
            (false, _) => (Mmap::anonymous(total, false)?, false),
        };
        Ok(UserMemory { map, huge, sqes_len: sizes.sqes, rings_len: sizes.rings })
    }

    /// Writes the two addresses into the setup (or resize) parameters.
    pub(crate) fn fill(&self, p: &mut Params) {
        p.sq_off.user_addr = self.map.as_ptr() as u64;
        p.cq_off.user_addr = self.map.as_ptr().wrapping_add(self.sqes_len) as u64;
    }
}

/// The memory behind a ring. Dropped after the views and the fd.
#[derive(Debug)]
pub(crate) enum Backing {
    Kernel {
        sq_ring: Mmap,
        /// `None` with a single mapping for both rings.
        cq_ring: Option<Mmap>,
        sqes: Mmap,
    },
    User(UserMemory),
}

/// A byte range of ring memory the `Ring` owns.
#[derive(Clone, Copy)]
struct Region {
    ptr: *mut u8,
    len: usize,
}

impl Region {
    fn of(m: &Mmap) -> Self {
        Region { ptr: m.as_ptr(), len: m.len() }
    }
}

impl Backing {
    /// Maps the regions the kernel describes in `p` from the ring `fd`.
    pub(crate) fn map_kernel(fd: i32, p: &Params, single_mmap: bool) -> Result<Self, SetupError> {
        let single = single_mmap && p.features & feat::SINGLE_MMAP != 0;
        let sizes = RegionSizes::from_params(p, single)?;
        let sq_ring =
            Mmap::map(fd, mmap_off::SQ_RING, sizes.sq_ring).map_err(SetupError::Kernel)?;
        let cq_ring = if single {
            None
        } else {
            Some(Mmap::map(fd, mmap_off::CQ_RING, sizes.cq_ring).map_err(SetupError::Kernel)?)
        };
        let sqes = Mmap::map(fd, mmap_off::SQES, sizes.sqes).map_err(SetupError::Kernel)?;
        Ok(Backing::Kernel { sq_ring, cq_ring, sqes })
    }

    /// (SQ ring, CQ ring, SQEs).
    fn regions(&self) -> (Region, Region, Region) {
        match self {
            Backing::Kernel { sq_ring, cq_ring, sqes } => {
                let sq = Region::of(sq_ring);
                (sq, cq_ring.as_ref().map_or(sq, Region::of), Region::of(sqes))
            }
            Backing::User(u) => {
                let base = u.map.as_ptr();
                let rings = Region { ptr: base.wrapping_add(u.sqes_len), len: u.rings_len };
                (rings, rings, Region { ptr: base, len: u.sqes_len })
            }
        }
    }

    pub(crate) fn info(&self) -> MemoryInfo {
        let (sq, cq, sqes) = self.regions();
        match self {
            Backing::Kernel { cq_ring, .. } => MemoryInfo {
                user: false,
                huge_page: false,
                single_ring_region: cq_ring.is_none(),
                sq_ring: sq.len,
                cq_ring: cq.len,
                sqes: sqes.len,
            },
            Backing::User(u) => MemoryInfo {
                user: true,
                huge_page: u.huge,
                single_ring_region: true,
                sq_ring: sq.len,
                cq_ring: cq.len,
                sqes: sqes.len,
            },
        }
    }
}

/// A shared word at byte `off` of `r`.
fn word(r: Region, what: &'static str, off: u32) -> Result<&'static AtomicU32, LayoutError> {
    let bad = LayoutError::BadOffset { what, offset: off };
    let o = off as usize;
    if o % align_of::<AtomicU32>() != 0 || o.checked_add(4).is_none_or(|end| end > r.len) {
        return Err(bad);
    }
    let ptr = r.ptr.wrapping_add(o).cast::<AtomicU32>();
    // SAFETY: `ptr` is in bounds and aligned (checked above; regions start page-aligned);
    // the memory lives as long as the Ring, which drops every view before its backing
    // ('static is never handed out: views borrow the Ring). The kernel accesses the word
    // atomically.
    Ok(unsafe { &*ptr })
}

/// `count` cells of `T` starting at byte `off` of `r`.
fn cells<T>(
    r: Region,
    what: &'static str,
    off: u32,
    count: usize,
) -> Result<&'static [NativeCell<T>], LayoutError> {
    let bad = LayoutError::BadOffset { what, offset: off };
    let o = off as usize;
    let bytes = count.checked_mul(size_of::<T>()).ok_or(LayoutError::Overflow)?;
    if o % align_of::<T>() != 0 || o.checked_add(bytes).is_none_or(|end| end > r.len) {
        return Err(bad);
    }
    let ptr = r.ptr.wrapping_add(o).cast::<NativeCell<T>>();
    // SAFETY: `ptr` starts `count` in-bounds cells aligned for `T` (checked above);
    // `NativeCell<T>` is `repr(transparent)` over `UnsafeCell<T>`; the memory outlives every
    // view (see `word`).
    Ok(unsafe { core::slice::from_raw_parts(ptr, count) })
}

/// The SQ index array is the one part of the rings region the user writes besides the
/// heads and tails: it must not overlap the SQ words, nor (when both rings share one region)
/// the CQ words or the CQEs. A wrong `sq_off.array` would otherwise have the identity
/// mapping written over the kernel's head and tail words.
fn check_array_placement(p: &Params, shared_region: bool) -> Result<(), LayoutError> {
    let bad = LayoutError::BadOffset { what: "sq_off.array", offset: p.sq_off.array };
    let start = p.sq_off.array as usize;
    let end = start.checked_add(4 * p.sq_entries as usize).ok_or(LayoutError::Overflow)?;
    let hits = |off: u32, len: usize| {
        let o = off as usize;
        o < end && start < o.saturating_add(len)
    };
    let s = &p.sq_off;
    if [s.head, s.tail, s.ring_mask, s.ring_entries, s.flags, s.dropped].iter().any(|&o| hits(o, 4))
    {
        return Err(bad);
    }
    if shared_region {
        let c = &p.cq_off;
        let cqe_size = if p.flags & setup::CQE32 != 0 { 32 } else { 16 };
        let cqes = (p.cq_entries as usize).checked_mul(cqe_size).ok_or(LayoutError::Overflow)?;
        if [c.head, c.tail, c.ring_mask, c.ring_entries, c.overflow].iter().any(|&o| hits(o, 4))
            || (c.flags != 0 && hits(c.flags, 4))
            || hits(c.cqes, cqes)
        {
            return Err(bad);
        }
    }
    Ok(())
}

/// Checked views of both queues over `backing`, laid out as `p` says.
pub(crate) fn views(
    p: &Params,
    backing: &Backing,
) -> Result<(SqMemory<'static, Native>, CqMemory<'static, Native>), LayoutError> {
    let (sm, cm, sqe_region) = backing.regions();
    let sqe128 = p.flags & setup::SQE128 != 0;
    let cqe32 = p.flags & setup::CQE32 != 0;
    let (s, c) = (&p.sq_off, &p.cq_off);
    let sq_flags = word(sm, "sq_off.flags", s.flags)?;
    let array = if p.flags & setup::NO_SQARRAY == 0 {
        check_array_placement(p, sm.ptr == cm.ptr)?;
        Some(cells::<u32>(sm, "sq_off.array", s.array, p.sq_entries as usize)?)
    } else {
        None
    };
    let sq = SqMemory::<Native>::new(SqParts {
        head: word(sm, "sq_off.head", s.head)?,
        tail: word(sm, "sq_off.tail", s.tail)?,
        ring_mask: word(sm, "sq_off.ring_mask", s.ring_mask)?,
        ring_entries: word(sm, "sq_off.ring_entries", s.ring_entries)?,
        flags: sq_flags,
        dropped: word(sm, "sq_off.dropped", s.dropped)?,
        array,
        sqes: cells::<Sqe>(sqe_region, "sqes", 0, (p.sq_entries as usize) << u32::from(sqe128))?,
        sqe128,
    })?;
    let cq = CqMemory::<Native>::new(CqParts {
        head: word(cm, "cq_off.head", c.head)?,
        tail: word(cm, "cq_off.tail", c.tail)?,
        ring_mask: word(cm, "cq_off.ring_mask", c.ring_mask)?,
        ring_entries: word(cm, "cq_off.ring_entries", c.ring_entries)?,
        overflow: word(cm, "cq_off.overflow", c.overflow)?,
        flags: if c.flags != 0 { Some(word(cm, "cq_off.flags", c.flags)?) } else { None },
        sq_flags,
        cqes: cells::<Cqe>(cm, "cq_off.cqes", c.cqes, (p.cq_entries as usize) << u32::from(cqe32))?,
        cqe32,
    })?;
    if sq.entries() != p.sq_entries {
        return Err(LayoutError::EntriesMismatch {
            ring: "SQ",
            expected: p.sq_entries,
            found: sq.entries(),
        });
    }
    if cq.entries() != p.cq_entries {
        return Err(LayoutError::EntriesMismatch {
            ring: "CQ",
            expected: p.cq_entries,
            found: cq.entries(),
        });
    }
    Ok((sq, cq))
}
