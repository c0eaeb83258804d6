//! Setup parameters: validation identical to the 6.18 kernel's, ring sizes, features.
//!
//! [`check_params`] runs before any syscall, so bad input becomes a typed [`SetupError`]
//! rather than a bare `-EINVAL`. The sim uses the same function, so both kernels reject the
//! same things.

use core::fmt;

use crate::abi::{feat, setup, Params, MAX_CQ_ENTRIES, MAX_ENTRIES};
use crate::errno::Errno;
use crate::memory::LayoutError;

/// Why a ring could not be set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SetupError {
    /// `entries` was 0.
    EntriesZero,
    /// `entries` (or `cq_entries`) above the kernel's maximum, without `CLAMP`.
    EntriesTooLarge {
        /// What was asked for.
        requested: u32,
        /// The maximum.
        max: u32,
    },
    /// `CQSIZE` with a CQ of 0 entries or smaller than the SQ (after rounding), or a
    /// `CQE_MIXED` CQ of one entry (no room for a 32-byte CQE; the kernel says `EOVERFLOW`).
    CqEntriesInvalid {
        /// The CQ size asked for.
        cq: u32,
        /// The SQ size after rounding.
        sq: u32,
    },
    /// Flag bits a 6.18 kernel does not know.
    UnknownFlags {
        /// The unknown bits.
        bits: u32,
    },
    /// `resv` fields of the parameters were not zero.
    ReservedNonZero,
    /// A flag used without another it needs.
    FlagRequires {
        /// The flag.
        flag: &'static str,
        /// What it needs (one of these).
        requires: &'static str,
    },
    /// Two flags that cannot be combined.
    FlagConflict {
        /// The flag.
        flag: &'static str,
        /// The flag it cannot be used with.
        with: &'static str,
    },
    /// The running kernel lacks a feature this ring needs.
    Unsupported {
        /// The feature (`IORING_FEAT_*` or setup flag name).
        feature: &'static str,
        /// The first kernel version that has it.
        since: &'static str,
    },
    /// The kernel returned ring offsets or sizes that do not describe a valid ring.
    Layout(LayoutError),
    /// The kernel refused the setup.
    Kernel(Errno),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SetupError::EntriesZero => f.write_str("ring entries must be at least 1"),
            SetupError::EntriesTooLarge { requested, max } => {
                write!(f, "{requested} entries exceeds the maximum {max} (set CLAMP to clamp)")
            }
            SetupError::CqEntriesInvalid { cq, sq } => {
                write!(
                    f,
                    "CQ size {cq} invalid for an SQ of {sq} (must be > 0, >= SQ, and >= 2 with CQE_MIXED)"
                )
            }
            SetupError::UnknownFlags { bits } => write!(f, "unknown setup flags {bits:#x}"),
            SetupError::ReservedNonZero => f.write_str("reserved parameter fields must be zero"),
            SetupError::FlagRequires { flag, requires } => write!(f, "{flag} requires {requires}"),
            SetupError::FlagConflict { flag, with } => {
                write!(f, "{flag} cannot be combined with {with}")
            }
            SetupError::Unsupported { feature, since } => {
                write!(f, "the kernel lacks {feature} (Linux {since})")
            }
            SetupError::Layout(e) => write!(f, "bad ring layout from the kernel: {e}"),
            SetupError::Kernel(e) => write!(f, "io_uring_setup failed: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SetupError {}

impl From<LayoutError> for SetupError {
    fn from(e: LayoutError) -> Self {
        SetupError::Layout(e)
    }
}

/// The sizes a valid setup produces, known before the syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// SQ entries (a power of two).
    pub sq_entries: u32,
    /// CQ entries (a power of two, at least `sq_entries`).
    pub cq_entries: u32,
    /// SQE size in bytes: 64, or 128 with `SQE128`.
    pub sqe_size: u32,
    /// CQE size in bytes: 16, or 32 with `CQE32`.
    pub cqe_size: u32,
    /// Whether the SQ has an index array (no `NO_SQARRAY`).
    pub sq_array: bool,
}

/// The (flag, name) pairs of every setup flag, for messages.
const SETUP_NAMES: [(u32, &str); 19] = [
    (setup::IOPOLL, "IOPOLL"),
    (setup::SQPOLL, "SQPOLL"),
    (setup::SQ_AFF, "SQ_AFF"),
    (setup::CQSIZE, "CQSIZE"),
    (setup::CLAMP, "CLAMP"),
    (setup::ATTACH_WQ, "ATTACH_WQ"),
    (setup::R_DISABLED, "R_DISABLED"),
    (setup::SUBMIT_ALL, "SUBMIT_ALL"),
    (setup::COOP_TASKRUN, "COOP_TASKRUN"),
    (setup::TASKRUN_FLAG, "TASKRUN_FLAG"),
    (setup::SQE128, "SQE128"),
    (setup::CQE32, "CQE32"),
    (setup::SINGLE_ISSUER, "SINGLE_ISSUER"),
    (setup::DEFER_TASKRUN, "DEFER_TASKRUN"),
    (setup::NO_MMAP, "NO_MMAP"),
    (setup::REGISTERED_FD_ONLY, "REGISTERED_FD_ONLY"),
    (setup::NO_SQARRAY, "NO_SQARRAY"),
    (setup::HYBRID_IOPOLL, "HYBRID_IOPOLL"),
    (setup::CQE_MIXED, "CQE_MIXED"),
];

/// The name of a single setup flag bit (`"SQPOLL"`), or `"?"`.
pub fn setup_flag_name(flag: u32) -> &'static str {
    SETUP_NAMES.iter().find(|(f, _)| *f == flag).map_or("?", |(_, n)| n)
}

/// `IORING_FEAT_*` bits with their names and the first kernel version that sets them.
pub const FEATURES: [(u32, &str, &str); 18] = [
    (feat::SINGLE_MMAP, "SINGLE_MMAP", "5.4"),
    (feat::NODROP, "NODROP", "5.5"),
    (feat::SUBMIT_STABLE, "SUBMIT_STABLE", "5.5"),
    (feat::RW_CUR_POS, "RW_CUR_POS", "5.6"),
    (feat::CUR_PERSONALITY, "CUR_PERSONALITY", "5.6"),
    (feat::FAST_POLL, "FAST_POLL", "5.7"),
    (feat::POLL_32BITS, "POLL_32BITS", "5.9"),
    (feat::SQPOLL_NONFIXED, "SQPOLL_NONFIXED", "5.11"),
    (feat::EXT_ARG, "EXT_ARG", "5.11"),
    (feat::NATIVE_WORKERS, "NATIVE_WORKERS", "5.12"),
    (feat::RSRC_TAGS, "RSRC_TAGS", "5.13"),
    (feat::CQE_SKIP, "CQE_SKIP", "5.17"),
    (feat::LINKED_FILE, "LINKED_FILE", "5.17"),
    (feat::REG_REG_RING, "REG_REG_RING", "6.3"),
    (feat::RECVSEND_BUNDLE, "RECVSEND_BUNDLE", "6.10"),
    (feat::MIN_TIMEOUT, "MIN_TIMEOUT", "6.12"),
    (feat::RW_ATTR, "RW_ATTR", "6.15"),
    (feat::NO_IOWAIT, "NO_IOWAIT", "6.15"),
];

/// Checks that every feature bit in `required` is in `have`; the first missing one becomes
/// [`SetupError::Unsupported`] naming it and its kernel version.
pub fn require_features(have: u32, required: u32) -> Result<(), SetupError> {
    let missing = required & !have;
    if missing == 0 {
        return Ok(());
    }
    let (feature, since) = FEATURES
        .iter()
        .find(|(bit, _, _)| missing & bit != 0)
        .map_or(("unknown feature bit", "?"), |(_, n, v)| (*n, *v));
    Err(SetupError::Unsupported { feature, since })
}

fn requires(flags: u32, flag: u32, any_of: u32, requires: &'static str) -> Result<(), SetupError> {
    if flags & flag != 0 && flags & any_of == 0 {
        return Err(SetupError::FlagRequires { flag: setup_flag_name(flag), requires });
    }
    Ok(())
}

fn conflicts(flags: u32, flag: u32, other: u32) -> Result<(), SetupError> {
    if flags & flag != 0 && flags & other != 0 {
        return Err(SetupError::FlagConflict {
            flag: setup_flag_name(flag),
            with: setup_flag_name(other),
        });
    }
    Ok(())
}

/// Validates setup input the way 6.18's `io_uring_setup` does, and computes the resulting
/// sizes. `entries` is the SQ size asked for; `p` carries flags and (with `CQSIZE`)
/// `cq_entries`. Returns the first rule broken.
///
/// ```
/// use ring_core::abi::{setup, Params};
/// use ring_core::setup::{check_params, SetupError};
///
/// let g = check_params(5, &Params::default()).unwrap();
/// assert_eq!((g.sq_entries, g.cq_entries), (8, 16));
///
/// let p = Params { flags: setup::DEFER_TASKRUN, ..Params::default() };
/// assert!(matches!(check_params(8, &p), Err(SetupError::FlagRequires { .. })));
/// ```
pub fn check_params(entries: u32, p: &Params) -> Result<Geometry, SetupError> {
    let f = p.flags;
    if f & !setup::KNOWN != 0 {
        return Err(SetupError::UnknownFlags { bits: f & !setup::KNOWN });
    }
    if p.resv != [0; 3] {
        return Err(SetupError::ReservedNonZero);
    }
    if entries == 0 {
        return Err(SetupError::EntriesZero);
    }
    conflicts(f, setup::SQPOLL, setup::COOP_TASKRUN)?;
    conflicts(f, setup::SQPOLL, setup::TASKRUN_FLAG)?;
    conflicts(f, setup::SQPOLL, setup::DEFER_TASKRUN)?;
    requires(
        f,
        setup::TASKRUN_FLAG,
        setup::COOP_TASKRUN | setup::DEFER_TASKRUN,
        "COOP_TASKRUN or DEFER_TASKRUN",
    )?;
    requires(f, setup::DEFER_TASKRUN, setup::SINGLE_ISSUER, "SINGLE_ISSUER")?;
    conflicts(f, setup::CQE32, setup::CQE_MIXED)?;
    requires(f, setup::SQ_AFF, setup::SQPOLL, "SQPOLL")?;
    requires(f, setup::HYBRID_IOPOLL, setup::IOPOLL, "IOPOLL")?;
    requires(f, setup::REGISTERED_FD_ONLY, setup::NO_MMAP, "NO_MMAP")?;

    let clamp = f & setup::CLAMP != 0;
    let sq = if entries > MAX_ENTRIES {
        if !clamp {
            return Err(SetupError::EntriesTooLarge { requested: entries, max: MAX_ENTRIES });
        }
        MAX_ENTRIES
    } else {
        entries.next_power_of_two()
    };
    let cq = if f & setup::CQSIZE != 0 {
        let want = p.cq_entries;
        if want == 0 {
            return Err(SetupError::CqEntriesInvalid { cq: 0, sq });
        }
        let want = if want > MAX_CQ_ENTRIES {
            if !clamp {
                return Err(SetupError::EntriesTooLarge { requested: want, max: MAX_CQ_ENTRIES });
            }
            MAX_CQ_ENTRIES
        } else {
            want
        };
        let cq = want.next_power_of_two();
        if cq < sq {
            return Err(SetupError::CqEntriesInvalid { cq: want, sq });
        }
        cq
    } else {
        2 * sq
    };
    if f & setup::CQE_MIXED != 0 && cq < 2 {
        return Err(SetupError::CqEntriesInvalid { cq, sq });
    }
    Ok(Geometry {
        sq_entries: sq,
        cq_entries: cq,
        sqe_size: if f & setup::SQE128 != 0 { 128 } else { 64 },
        cqe_size: if f & setup::CQE32 != 0 { 32 } else { 16 },
        sq_array: f & setup::NO_SQARRAY == 0,
    })
}

/// Byte sizes of the ring regions, from the offsets the kernel filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionSizes {
    /// The SQ ring region (header words, and the index array if any).
    pub sq_ring: usize,
    /// The CQ ring region (header words and CQEs).
    pub cq_ring: usize,
    /// The SQE array.
    pub sqes: usize,
}

impl RegionSizes {
    /// Sizes for the kernel-filled `p` (after setup). With `single_mmap`, both ring sizes are
    /// the larger of the two (one mapping covers both rings). Offsets are trusted only as far
    /// as arithmetic goes; the views check bounds again.
    pub fn from_params(p: &Params, single_mmap: bool) -> Result<Self, LayoutError> {
        let sqe_size: usize = if p.flags & setup::SQE128 != 0 { 128 } else { 64 };
        let cqe_size: usize = if p.flags & setup::CQE32 != 0 { 32 } else { 16 };
        let sq_entries = p.sq_entries as usize;
        let cq_entries = p.cq_entries as usize;
        let cq_ring = (p.cq_off.cqes as usize)
            .checked_add(cq_entries.checked_mul(cqe_size).ok_or(LayoutError::Overflow)?)
            .ok_or(LayoutError::Overflow)?;
        // Both rings' header words live in one kernel object (`struct io_rings`) followed by
        // the CQEs and then the SQ array. With NO_SQARRAY (`sq_off.array == 0`) the SQ
        // mapping must still cover the header words, which lie within the CQ ring's extent.
        let sq_ring = if p.flags & setup::NO_SQARRAY != 0 || p.sq_off.array == 0 {
            cq_ring
        } else {
            (p.sq_off.array as usize)
                .checked_add(sq_entries.checked_mul(4).ok_or(LayoutError::Overflow)?)
                .ok_or(LayoutError::Overflow)?
        };
        let sqes = sq_entries.checked_mul(sqe_size).ok_or(LayoutError::Overflow)?;
        let (sq_ring, cq_ring) = if single_mmap {
            let m = sq_ring.max(cq_ring);
            (m, m)
        } else {
            (sq_ring, cq_ring)
        };
        Ok(RegionSizes { sq_ring, cq_ring, sqes })
    }
}

/// Bytes of the kernel's ring header (`struct io_rings` up to its CQE array, reported as
/// `cq_off.cqes`) on Linux 6.18, where the four head and tail words share one cache line.
pub const RINGS_HEADER: usize = 64;

/// An upper bound of that header on kernels before the heads and tails shared a cache line
/// (each had its own, up to 128 bytes on some architectures).
pub const RINGS_HEADER_MAX: usize = 1024;

/// The kernel's cache-line alignment of the SQ index array inside the rings region
/// (`SMP_CACHE_BYTES`; 64 on the common architectures).
const RINGS_ALIGN: usize = 64;

/// The two regions of user memory a `NO_MMAP` ring needs, page-rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserRegionSizes {
    /// Ring header, CQEs and (without `NO_SQARRAY`) the SQ index array.
    pub rings: usize,
    /// The SQE array.
    pub sqes: usize,
}

impl Geometry {
    /// The unrounded size of the rings region for a header of `header` bytes, as 6.18's
    /// `rings_size()` computes it: header plus CQEs (both doubled with `CQE32`), aligned to a
    /// cache line, plus the SQ index array if any. `None` on overflow.
    ///
    /// ```
    /// use ring_core::abi::Params;
    /// use ring_core::setup::{check_params, RINGS_HEADER};
    /// let g = check_params(8, &Params::default()).unwrap();
    /// // 64-byte header + 16 CQEs of 16 bytes, then 8 array entries of 4 bytes.
    /// assert_eq!(g.rings_bytes(RINGS_HEADER), Some(64 + 256 + 32));
    /// ```
    pub fn rings_bytes(&self, header: usize) -> Option<usize> {
        let cqes = (self.cq_entries as usize).checked_mul(16)?;
        let mut off = header.checked_add(cqes)?;
        if self.cqe_size == 32 {
            off = off.checked_mul(2)?;
        }
        let off = off.checked_add(RINGS_ALIGN - 1)? & !(RINGS_ALIGN - 1);
        if self.sq_array {
            off.checked_add((self.sq_entries as usize).checked_mul(4)?)
        } else {
            Some(off)
        }
    }

    /// The byte offset of the SQ index array in the rings region (`sq_off.array`), or `None`
    /// without one.
    pub fn sq_array_offset(&self, header: usize) -> Option<usize> {
        let g = Geometry { sq_array: false, ..*self };
        if self.sq_array {
            g.rings_bytes(header)
        } else {
            None
        }
    }

    /// The user memory a `NO_MMAP` ring of this geometry needs: both regions rounded up to
    /// `page_size` (a power of two), assuming a ring header of at most `header` bytes.
    ///
    /// ```
    /// use ring_core::abi::{setup, Params};
    /// use ring_core::setup::{check_params, UserRegionSizes, RINGS_HEADER};
    /// let p = Params { flags: setup::NO_SQARRAY, ..Params::default() };
    /// let g = check_params(256, &p).unwrap();
    /// assert_eq!(
    ///     g.user_region_sizes(RINGS_HEADER, 4096),
    ///     Some(UserRegionSizes { rings: 12288, sqes: 16384 })
    /// );
    /// ```
    pub fn user_region_sizes(&self, header: usize, page_size: usize) -> Option<UserRegionSizes> {
        if !page_size.is_power_of_two() {
            return None;
        }
        let round = |n: usize| n.checked_add(page_size - 1).map(|n| n & !(page_size - 1));
        let sqes = (self.sq_entries as usize).checked_mul(self.sqe_size as usize)?;
        Some(UserRegionSizes { rings: round(self.rings_bytes(header)?)?, sqes: round(sqes)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_flags(flags: u32) -> Params {
        Params { flags, ..Params::default() }
    }

    #[test]
    fn rounding_and_default_cq() {
        let g = check_params(5, &Params::default()).unwrap();
        assert_eq!((g.sq_entries, g.cq_entries), (8, 16));
        let g = check_params(1, &Params::default()).unwrap();
        assert_eq!((g.sq_entries, g.cq_entries), (1, 2));
        let g = check_params(32768, &Params::default()).unwrap();
        assert_eq!((g.sq_entries, g.cq_entries), (32768, 65536));
    }

    #[test]
    fn entries_bounds() {
        assert_eq!(check_params(0, &Params::default()), Err(SetupError::EntriesZero));
        assert_eq!(
            check_params(32769, &Params::default()),
            Err(SetupError::EntriesTooLarge { requested: 32769, max: 32768 })
        );
        let g = check_params(40000, &with_flags(setup::CLAMP)).unwrap();
        assert_eq!((g.sq_entries, g.cq_entries), (32768, 65536));
        let g = check_params(u32::MAX, &with_flags(setup::CLAMP)).unwrap();
        assert_eq!(g.sq_entries, 32768);
    }

    #[test]
    fn cqsize_rules() {
        let p = Params { flags: setup::CQSIZE, cq_entries: 0, ..Params::default() };
        assert!(matches!(check_params(4, &p), Err(SetupError::CqEntriesInvalid { .. })));
        let p = Params { flags: setup::CQSIZE, cq_entries: 2, ..Params::default() };
        assert!(matches!(check_params(4, &p), Err(SetupError::CqEntriesInvalid { .. })));
        let p = Params { flags: setup::CQSIZE, cq_entries: 5, ..Params::default() };
        assert_eq!(check_params(4, &p).unwrap().cq_entries, 8);
        let p = Params { flags: setup::CQSIZE, cq_entries: 70000, ..Params::default() };
        assert!(matches!(check_params(4, &p), Err(SetupError::EntriesTooLarge { .. })));
        let p = Params { flags: setup::CQSIZE | setup::CLAMP, cq_entries: 70000, ..p };
        assert_eq!(check_params(4, &p).unwrap().cq_entries, 65536);
    }

    #[test]
    fn rejected_combinations() {
        let bad = [
            setup::SQPOLL | setup::COOP_TASKRUN,
            setup::SQPOLL | setup::TASKRUN_FLAG,
            setup::SQPOLL | setup::DEFER_TASKRUN | setup::SINGLE_ISSUER,
            setup::TASKRUN_FLAG,
            setup::DEFER_TASKRUN,
            setup::CQE32 | setup::CQE_MIXED,
            setup::SQ_AFF,
            setup::HYBRID_IOPOLL,
            setup::REGISTERED_FD_ONLY,
            1 << 19,
            1 << 31,
        ];
        for flags in bad {
            assert!(check_params(8, &with_flags(flags)).is_err(), "{flags:#x} accepted");
        }
        let good = [
            setup::SQPOLL | setup::SQ_AFF,
            setup::COOP_TASKRUN | setup::TASKRUN_FLAG,
            setup::SINGLE_ISSUER | setup::DEFER_TASKRUN | setup::TASKRUN_FLAG,
            setup::IOPOLL | setup::HYBRID_IOPOLL,
            setup::NO_MMAP | setup::REGISTERED_FD_ONLY,
            setup::SQE128 | setup::CQE32 | setup::NO_SQARRAY,
        ];
        for flags in good {
            assert!(check_params(8, &with_flags(flags)).is_ok(), "{flags:#x} rejected");
        }
        let p = Params { resv: [0, 1, 0], ..Params::default() };
        assert_eq!(check_params(8, &p), Err(SetupError::ReservedNonZero));
    }

    #[test]
    fn feature_requirements_name_the_version() {
        assert_eq!(require_features(0x3ffff, feat::EXT_ARG | feat::NODROP), Ok(()));
        assert_eq!(
            require_features(feat::NODROP, feat::EXT_ARG | feat::NODROP),
            Err(SetupError::Unsupported { feature: "EXT_ARG", since: "5.11" })
        );
    }

    #[test]
    fn user_region_sizes_follow_rings_size() {
        let g = |entries: u32, flags: u32| check_params(entries, &with_flags(flags)).unwrap();
        // 6.18 header 64; CQ of 2 * entries.
        assert_eq!(g(1, 0).rings_bytes(RINGS_HEADER), Some(128 + 4));
        assert_eq!(g(1, setup::NO_SQARRAY).rings_bytes(RINGS_HEADER), Some(128));
        assert_eq!(g(4, setup::NO_SQARRAY).rings_bytes(RINGS_HEADER), Some(64 + 128));
        // CQE32 doubles header and CQEs before the alignment.
        assert_eq!(g(4, setup::CQE32).rings_bytes(RINGS_HEADER), Some(2 * (64 + 128) + 16));
        assert_eq!(g(4, 0).sq_array_offset(RINGS_HEADER), Some(192));
        assert_eq!(g(4, setup::NO_SQARRAY).sq_array_offset(RINGS_HEADER), None);
        let s = g(4096, setup::SQE128).user_region_sizes(RINGS_HEADER, 4096).unwrap();
        // 64 + 8192 * 16 = 131136, + 4 * 4096 = 147520, rounded to 37 pages.
        assert_eq!(s, UserRegionSizes { rings: 37 * 4096, sqes: 4096 * 128 });
        assert_eq!(g(1, 0).user_region_sizes(RINGS_HEADER, 4096).unwrap().rings, 4096);
        assert_eq!(g(1, 0).user_region_sizes(RINGS_HEADER, 3000), None);
        let big = Geometry { sq_entries: u32::MAX, cq_entries: u32::MAX, ..g(1, setup::CQE32) };
        assert!(big.rings_bytes(usize::MAX / 2).is_none());
    }

    #[test]
    fn region_sizes() {
        let mut p = Params { sq_entries: 8, cq_entries: 16, ..Params::default() };
        p.sq_off.array = 640;
        p.cq_off.cqes = 64;
        let s = RegionSizes::from_params(&p, false).unwrap();
        assert_eq!(s, RegionSizes { sq_ring: 640 + 32, cq_ring: 64 + 256, sqes: 512 });
        let s = RegionSizes::from_params(&p, true).unwrap();
        assert_eq!((s.sq_ring, s.cq_ring), (672, 672));
        p.flags = setup::SQE128 | setup::CQE32;
        let s = RegionSizes::from_params(&p, false).unwrap();
        assert_eq!((s.cq_ring, s.sqes), (64 + 512, 1024));
        // NO_SQARRAY: the SQ mapping covers the shared header (the CQ ring's extent), not
        // just `4 * entries` bytes from offset 0.
        p.flags = setup::NO_SQARRAY;
        p.sq_off.array = 0;
        let s = RegionSizes::from_params(&p, false).unwrap();
        assert_eq!((s.sq_ring, s.cq_ring), (64 + 256, 64 + 256));
    }
}
