//! Feature probing: which kernel version introduced what, and what the running kernel has.
//!
//! Three sources answer "does this kernel support X":
//! - the `IORING_FEAT_*` word the kernel returns from setup ([`setup::FEATURES`] names each
//!   bit and its version);
//! - `IORING_REGISTER_PROBE`, which lists the opcodes the kernel implements ([`Probe`]);
//! - for setup flags, enter flags and register opcodes, which no probe lists, the kernel
//!   version: a kernel that refuses one of them with `-EINVAL` and is older than the version
//!   that introduced it reports [`Unsupported`] rather than a bare errno.
//!
//! Two enter flags are announced by a feature bit (`EXT_ARG`, `NO_IOWAIT`):
//! [`require_enter_flags`] refuses them from the features word alone, before any syscall. The
//! others (`SQ_WAIT`, `REGISTERED_RING`, `ABS_TIMER`, `EXT_ARG_REG`) have no bit; a refusal
//! with `-EINVAL` is explained from the kernel version ([`too_new_enter_flag`]).
//!
//! [`setup::FEATURES`]: crate::setup::FEATURES

use core::fmt;

use crate::abi::{enter, feat, register, setup, sqe_flags, ProbeOp, OP_SUPPORTED};
use crate::setup::SetupError;

/// The running kernel lacks something: names the feature and the first Linux version with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Unsupported {
    /// The feature: a setup flag (`"NO_MMAP"`), feature bit (`"EXT_ARG"`), opcode
    /// (`"PIPE"`) or register opcode (`"RESIZE_RINGS"`).
    pub feature: &'static str,
    /// The first Linux version that has it (`"6.5"`).
    pub since: &'static str,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the kernel lacks {} (Linux {})", self.feature, self.since)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Unsupported {}

impl From<Unsupported> for SetupError {
    fn from(u: Unsupported) -> Self {
        SetupError::Unsupported { feature: u.feature, since: u.since }
    }
}

/// Enter flags whose support a kernel announces with an `IORING_FEAT_*` bit: flag, bit.
const ENTER_FLAG_FEATURES: [(u32, u32); 2] =
    [(enter::EXT_ARG, feat::EXT_ARG), (enter::NO_IOWAIT, feat::NO_IOWAIT)];

/// `IORING_SETUP_*` flags: bit, name, first Linux version.
pub const SETUP_FLAGS: [(u32, &str, &str); 19] = [
    (setup::IOPOLL, "IOPOLL", "5.1"),
    (setup::SQPOLL, "SQPOLL", "5.1"),
    (setup::SQ_AFF, "SQ_AFF", "5.1"),
    (setup::CQSIZE, "CQSIZE", "5.5"),
    (setup::CLAMP, "CLAMP", "5.6"),
    (setup::ATTACH_WQ, "ATTACH_WQ", "5.6"),
    (setup::R_DISABLED, "R_DISABLED", "5.10"),
    (setup::SUBMIT_ALL, "SUBMIT_ALL", "5.18"),
    (setup::COOP_TASKRUN, "COOP_TASKRUN", "5.19"),
    (setup::TASKRUN_FLAG, "TASKRUN_FLAG", "5.19"),
    (setup::SQE128, "SQE128", "5.19"),
    (setup::CQE32, "CQE32", "5.19"),
    (setup::SINGLE_ISSUER, "SINGLE_ISSUER", "6.0"),
    (setup::DEFER_TASKRUN, "DEFER_TASKRUN", "6.1"),
    (setup::NO_MMAP, "NO_MMAP", "6.5"),
    (setup::REGISTERED_FD_ONLY, "REGISTERED_FD_ONLY", "6.5"),
    (setup::NO_SQARRAY, "NO_SQARRAY", "6.6"),
    (setup::HYBRID_IOPOLL, "HYBRID_IOPOLL", "6.13"),
    (setup::CQE_MIXED, "CQE_MIXED", "6.18"),
];

/// `IORING_ENTER_*` flags: bit, name, first Linux version.
pub const ENTER_FLAGS: [(u32, &str, &str); 8] = [
    (enter::GETEVENTS, "GETEVENTS", "5.1"),
    (enter::SQ_WAKEUP, "SQ_WAKEUP", "5.1"),
    (enter::SQ_WAIT, "SQ_WAIT", "5.10"),
    (enter::EXT_ARG, "EXT_ARG", "5.11"),
    (enter::REGISTERED_RING, "REGISTERED_RING", "5.18"),
    (enter::ABS_TIMER, "ABS_TIMER", "6.12"),
    (enter::EXT_ARG_REG, "EXT_ARG_REG", "6.13"),
    (enter::NO_IOWAIT, "NO_IOWAIT", "6.15"),
];

/// `IOSQE_*` flags: bit, name, first Linux version.
pub const SQE_FLAGS: [(u8, &str, &str); 7] = [
    (sqe_flags::FIXED_FILE, "FIXED_FILE", "5.1"),
    (sqe_flags::IO_DRAIN, "IO_DRAIN", "5.2"),
    (sqe_flags::IO_LINK, "IO_LINK", "5.3"),
    (sqe_flags::IO_HARDLINK, "IO_HARDLINK", "5.5"),
    (sqe_flags::ASYNC, "ASYNC", "5.6"),
    (sqe_flags::BUFFER_SELECT, "BUFFER_SELECT", "5.7"),
    (sqe_flags::CQE_SKIP_SUCCESS, "CQE_SKIP_SUCCESS", "5.17"),
];

/// `IORING_REGISTER_*` opcodes: number, name, first Linux version.
pub const REGISTER_OPS: [(u32, &str, &str); 36] = [
    (register::BUFFERS, "BUFFERS", "5.1"),
    (register::UNREGISTER_BUFFERS, "UNREGISTER_BUFFERS", "5.1"),
    (register::FILES, "FILES", "5.1"),
    (register::UNREGISTER_FILES, "UNREGISTER_FILES", "5.1"),
    (register::EVENTFD, "EVENTFD", "5.2"),
    (register::UNREGISTER_EVENTFD, "UNREGISTER_EVENTFD", "5.2"),
    (register::FILES_UPDATE, "FILES_UPDATE", "5.5"),
    (register::EVENTFD_ASYNC, "EVENTFD_ASYNC", "5.6"),
    (register::PROBE, "PROBE", "5.6"),
    (register::PERSONALITY, "PERSONALITY", "5.6"),
    (register::UNREGISTER_PERSONALITY, "UNREGISTER_PERSONALITY", "5.6"),
    (register::RESTRICTIONS, "RESTRICTIONS", "5.10"),
    (register::ENABLE_RINGS, "ENABLE_RINGS", "5.10"),
    (register::FILES2, "FILES2", "5.13"),
    (register::FILES_UPDATE2, "FILES_UPDATE2", "5.13"),
    (register::BUFFERS2, "BUFFERS2", "5.13"),
    (register::BUFFERS_UPDATE, "BUFFERS_UPDATE", "5.13"),
    (register::IOWQ_AFF, "IOWQ_AFF", "5.14"),
    (register::UNREGISTER_IOWQ_AFF, "UNREGISTER_IOWQ_AFF", "5.14"),
    (register::IOWQ_MAX_WORKERS, "IOWQ_MAX_WORKERS", "5.15"),
    (register::RING_FDS, "RING_FDS", "5.18"),
    (register::UNREGISTER_RING_FDS, "UNREGISTER_RING_FDS", "5.18"),
    (register::PBUF_RING, "PBUF_RING", "5.19"),
    (register::UNREGISTER_PBUF_RING, "UNREGISTER_PBUF_RING", "5.19"),
    (register::SYNC_CANCEL, "SYNC_CANCEL", "6.0"),
    (register::FILE_ALLOC_RANGE, "FILE_ALLOC_RANGE", "6.0"),
    (register::PBUF_STATUS, "PBUF_STATUS", "6.8"),
    (register::NAPI, "NAPI", "6.9"),
    (register::UNREGISTER_NAPI, "UNREGISTER_NAPI", "6.9"),
    (register::CLOCK, "CLOCK", "6.12"),
    (register::CLONE_BUFFERS, "CLONE_BUFFERS", "6.12"),
    (register::SEND_MSG_RING, "SEND_MSG_RING", "6.13"),
    (register::ZCRX_IFQ, "ZCRX_IFQ", "6.15"),
    (register::RESIZE_RINGS, "RESIZE_RINGS", "6.13"),
    (register::MEM_REGION, "MEM_REGION", "6.13"),
    (register::QUERY, "QUERY", "6.18"),
];

/// The name and version of a single setup flag bit.
pub fn setup_flag(flag: u32) -> Option<Unsupported> {
    SETUP_FLAGS
        .iter()
        .find(|(bit, _, _)| *bit == flag)
        .map(|&(_, feature, since)| Unsupported { feature, since })
}

/// The name and version of a single enter flag bit.
pub fn enter_flag(flag: u32) -> Option<Unsupported> {
    ENTER_FLAGS
        .iter()
        .find(|(bit, _, _)| *bit == flag)
        .map(|&(_, feature, since)| Unsupported { feature, since })
}

/// Checks, from the features word alone, that a kernel reporting `features` takes an enter
/// with `flags`: the first flag whose announcing `IORING_FEAT_*` bit is missing is reported
/// with its name and version. Flags that no feature bit announces pass; only the kernel's
/// `-EINVAL` and its version can tell about those ([`too_new_enter_flag`]).
///
/// A timed wait needs `EXT_ARG` (5.11), announced by `IORING_FEAT_EXT_ARG`:
///
/// ```
/// use ring_core::abi::{enter, feat};
/// use ring_core::probe::{require_enter_flags, Unsupported};
/// let before_5_11 = feat::SINGLE_MMAP | feat::NODROP | feat::FAST_POLL;
/// assert_eq!(
///     require_enter_flags(before_5_11, enter::GETEVENTS | enter::EXT_ARG),
///     Err(Unsupported { feature: "EXT_ARG", since: "5.11" })
/// );
/// assert_eq!(require_enter_flags(before_5_11 | feat::EXT_ARG, enter::EXT_ARG), Ok(()));
/// // SQ_WAIT has no feature bit: the features word cannot refuse it.
/// assert_eq!(require_enter_flags(0, enter::SQ_WAIT), Ok(()));
/// ```
pub fn require_enter_flags(features: u32, flags: u32) -> Result<(), Unsupported> {
    match ENTER_FLAG_FEATURES.iter().find(|&&(flag, bit)| flags & flag != 0 && features & bit == 0)
    {
        Some(&(flag, _)) => {
            Err(enter_flag(flag)
                .unwrap_or(Unsupported { feature: "unknown enter flag", since: "?" }))
        }
        None => Ok(()),
    }
}

/// The name and version of a register opcode.
pub fn register_op(opcode: u32) -> Option<Unsupported> {
    REGISTER_OPS
        .iter()
        .find(|(op, _, _)| *op == opcode)
        .map(|&(_, feature, since)| Unsupported { feature, since })
}

/// The name and version of an `IORING_OP_*` opcode.
pub fn opcode(code: u8) -> Option<Unsupported> {
    crate::opcode::info(code).map(|i| Unsupported { feature: i.name, since: i.since })
}

/// Checks that every `IORING_FEAT_*` bit of `required` is in `have`; the first missing one
/// is reported with its name and version.
///
/// ```
/// use ring_core::abi::feat;
/// use ring_core::probe::{require_features, Unsupported};
/// assert_eq!(
///     require_features(feat::NODROP, feat::NODROP | feat::MIN_TIMEOUT),
///     Err(Unsupported { feature: "MIN_TIMEOUT", since: "6.12" })
/// );
/// ```
pub fn require_features(have: u32, required: u32) -> Result<(), Unsupported> {
    match crate::setup::require_features(have, required) {
        Ok(()) => Ok(()),
        Err(SetupError::Unsupported { feature, since }) => Err(Unsupported { feature, since }),
        Err(_) => Err(Unsupported { feature: "unknown feature bit", since: "?" }),
    }
}

/// A Linux version, `major.minor` (the patch level does not change the io_uring ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KernelVersion {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl KernelVersion {
    /// Parses the start of a release string (`"6.18.44-fc-v657"`, `"5.15"`). `None` unless it
    /// starts with `digits.digits`.
    ///
    /// ```
    /// use ring_core::probe::KernelVersion;
    /// let v = KernelVersion::parse(b"6.18.44-fc").unwrap();
    /// assert_eq!((v.major, v.minor), (6, 18));
    /// assert!(v.at_least("6.13") && !v.at_least("7.0"));
    /// ```
    pub fn parse(release: &[u8]) -> Option<Self> {
        let mut parts = [0u16; 2];
        let mut idx = 0;
        let mut digits = 0;
        for &b in release {
            match b {
                b'0'..=b'9' => {
                    parts[idx] = parts[idx].checked_mul(10)?.checked_add(u16::from(b - b'0'))?;
                    digits += 1;
                }
                b'.' if idx == 0 && digits > 0 => {
                    idx = 1;
                    digits = 0;
                }
                _ => break,
            }
        }
        if idx == 1 && digits > 0 {
            Some(KernelVersion { major: parts[0], minor: parts[1] })
        } else {
            None
        }
    }

    /// Whether this version is `since` (a `"major.minor"` string) or newer. An unparsable
    /// `since` counts as satisfied.
    pub fn at_least(self, since: &str) -> bool {
        KernelVersion::parse(since.as_bytes()).is_none_or(|v| self >= v)
    }
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The newest setup flag in `flags` that `kernel` is too old for, if any: the explanation of
/// a setup that a kernel refused with `-EINVAL`.
///
/// ```
/// use ring_core::abi::setup;
/// use ring_core::probe::{too_new_setup_flag, KernelVersion, Unsupported};
/// let v6_1 = KernelVersion { major: 6, minor: 1 };
/// assert_eq!(
///     too_new_setup_flag(v6_1, setup::SQPOLL | setup::NO_MMAP | setup::NO_SQARRAY),
///     Some(Unsupported { feature: "NO_SQARRAY", since: "6.6" })
/// );
/// assert_eq!(too_new_setup_flag(v6_1, setup::DEFER_TASKRUN), None);
/// ```
pub fn too_new_setup_flag(kernel: KernelVersion, flags: u32) -> Option<Unsupported> {
    newest_too_new(&SETUP_FLAGS, kernel, flags)
}

/// The newest enter flag in `flags` that `kernel` is too old for, if any: the explanation of
/// an enter that a kernel refused with `-EINVAL`.
///
/// ```
/// use ring_core::abi::enter;
/// use ring_core::probe::{too_new_enter_flag, KernelVersion, Unsupported};
/// let v5_4 = KernelVersion { major: 5, minor: 4 };
/// assert_eq!(
///     too_new_enter_flag(v5_4, enter::SQ_WAIT | enter::SQ_WAKEUP),
///     Some(Unsupported { feature: "SQ_WAIT", since: "5.10" })
/// );
/// assert_eq!(too_new_enter_flag(KernelVersion { major: 5, minor: 10 }, enter::SQ_WAIT), None);
/// ```
pub fn too_new_enter_flag(kernel: KernelVersion, flags: u32) -> Option<Unsupported> {
    newest_too_new(&ENTER_FLAGS, kernel, flags)
}

/// The last flag of `table` (bit, name, version; oldest first) set in `flags` that `kernel`
/// is too old for.
fn newest_too_new(
    table: &[(u32, &'static str, &'static str)],
    kernel: KernelVersion,
    flags: u32,
) -> Option<Unsupported> {
    table
        .iter()
        .rev()
        .find(|(bit, _, since)| flags & bit != 0 && !kernel.at_least(since))
        .map(|&(_, feature, since)| Unsupported { feature, since })
}

/// The opcodes a kernel implements, from `IORING_REGISTER_PROBE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    last_op: u8,
    supported: [u64; 4],
}

impl Probe {
    /// A probe from the kernel's answer: `last_op` and its `ops` array.
    ///
    /// ```
    /// use ring_core::abi::{ProbeOp, OP_SUPPORTED};
    /// use ring_core::probe::Probe;
    /// let ops = [
    ///     ProbeOp { op: 0, flags: OP_SUPPORTED, ..ProbeOp::default() },
    ///     ProbeOp { op: 1, flags: 0, ..ProbeOp::default() },
    /// ];
    /// let p = Probe::from_ops(1, &ops);
    /// assert!(p.is_supported(0) && !p.is_supported(1) && !p.is_supported(2));
    /// assert_eq!(p.require(1).unwrap_err().feature, "READV");
    /// ```
    pub fn from_ops(last_op: u8, ops: &[ProbeOp]) -> Self {
        let mut supported = [0u64; 4];
        for o in ops {
            if o.flags & OP_SUPPORTED != 0 && o.op <= last_op {
                supported[usize::from(o.op / 64)] |= 1 << (o.op % 64);
            }
        }
        Probe { last_op, supported }
    }

    /// The last opcode the kernel knows (62 on 6.18).
    pub fn last_op(&self) -> u8 {
        self.last_op
    }

    /// Whether the kernel implements opcode `op`.
    pub fn is_supported(&self, op: u8) -> bool {
        self.supported[usize::from(op / 64)] & (1 << (op % 64)) != 0
    }

    /// `Ok` if opcode `op` is implemented, else [`Unsupported`] naming it and its version.
    pub fn require(&self, op: u8) -> Result<(), Unsupported> {
        if self.is_supported(op) {
            return Ok(());
        }
        Err(opcode(op).unwrap_or(Unsupported { feature: "unknown opcode", since: "?" }))
    }

    /// How many opcodes are implemented.
    pub fn count(&self) -> u32 {
        self.supported.iter().map(|w| w.count_ones()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_cover_every_known_bit() {
        let all = SETUP_FLAGS.iter().fold(0, |acc, (bit, _, _)| acc | bit);
        assert_eq!(all, setup::KNOWN);
        let all = ENTER_FLAGS.iter().fold(0, |acc, (bit, _, _)| acc | bit);
        assert_eq!(all, enter::KNOWN);
        let all = SQE_FLAGS.iter().fold(0u8, |acc, (bit, _, _)| acc | bit);
        assert_eq!(all, 0x7f);
        for (i, (op, _, _)) in REGISTER_OPS.iter().enumerate() {
            assert_eq!(*op as usize, i);
        }
        assert_eq!(REGISTER_OPS.len() as u32, register::LAST);
        // Names match setup.rs's own names.
        for (bit, name, _) in SETUP_FLAGS {
            assert_eq!(crate::setup::setup_flag_name(bit), name);
        }
    }

    #[test]
    fn version_parsing() {
        let v = |s: &str| KernelVersion::parse(s.as_bytes());
        assert_eq!(v("6.18.44-fc-v657"), Some(KernelVersion { major: 6, minor: 18 }));
        assert_eq!(v("5.4"), Some(KernelVersion { major: 5, minor: 4 }));
        assert_eq!(v("6"), None);
        assert_eq!(v("6."), None);
        assert_eq!(v(".6"), None);
        assert_eq!(v("abc"), None);
        assert_eq!(v("99999999.1"), None);
        let k = v("6.12").unwrap();
        assert!(k.at_least("6.12") && k.at_least("5.19") && !k.at_least("6.13"));
        assert!(k.at_least("?"));
        assert!(v("10.0").unwrap() > k);
    }

    #[test]
    fn setup_flag_explanations() {
        let v5_10 = KernelVersion { major: 5, minor: 10 };
        assert_eq!(
            too_new_setup_flag(v5_10, setup::SQPOLL | setup::SUBMIT_ALL),
            Some(Unsupported { feature: "SUBMIT_ALL", since: "5.18" })
        );
        assert_eq!(too_new_setup_flag(v5_10, setup::SQPOLL | setup::R_DISABLED), None);
        let v6_18 = KernelVersion { major: 6, minor: 18 };
        assert_eq!(too_new_setup_flag(v6_18, setup::KNOWN), None);
        assert_eq!(
            setup_flag(setup::NO_MMAP),
            Some(Unsupported { feature: "NO_MMAP", since: "6.5" })
        );
        assert_eq!(register_op(register::RESIZE_RINGS).unwrap().since, "6.13");
        assert_eq!(opcode(crate::abi::op::PIPE).unwrap().since, "6.16");
    }

    #[test]
    fn enter_flags_from_the_features_word() {
        // Every feature bit a 6.18 kernel reports: nothing is refused.
        let all = crate::setup::FEATURES.iter().fold(0, |acc, (bit, _, _)| acc | bit);
        assert_eq!(require_enter_flags(all, enter::KNOWN), Ok(()));
        // Each announced flag is refused exactly when its bit is missing, and named.
        for (flag, bit) in ENTER_FLAG_FEATURES {
            let named = enter_flag(flag).unwrap();
            assert_eq!(require_enter_flags(all & !bit, flag), Err(named));
            assert_eq!(require_enter_flags(all & !bit, enter::KNOWN & !flag), Ok(()));
            assert_eq!(require_enter_flags(bit, flag), Ok(()));
        }
        let no_ext_arg = all & !feat::EXT_ARG;
        assert_eq!(
            require_enter_flags(no_ext_arg, enter::GETEVENTS | enter::EXT_ARG),
            Err(Unsupported { feature: "EXT_ARG", since: "5.11" })
        );
        assert_eq!(
            require_enter_flags(0, enter::EXT_ARG | enter::NO_IOWAIT),
            Err(Unsupported { feature: "EXT_ARG", since: "5.11" }),
            "the older flag first"
        );
        assert_eq!(
            require_enter_flags(feat::EXT_ARG, enter::EXT_ARG | enter::NO_IOWAIT),
            Err(Unsupported { feature: "NO_IOWAIT", since: "6.15" })
        );
        // Flags without a feature bit pass on an empty features word.
        let unannounced =
            enter::GETEVENTS | enter::SQ_WAKEUP | enter::SQ_WAIT | enter::REGISTERED_RING;
        assert_eq!(require_enter_flags(0, unannounced), Ok(()));
    }

    #[test]
    fn enter_flag_explanations() {
        let v = |major, minor| KernelVersion { major, minor };
        assert_eq!(
            too_new_enter_flag(v(5, 9), enter::SQ_WAIT | enter::SQ_WAKEUP),
            Some(Unsupported { feature: "SQ_WAIT", since: "5.10" })
        );
        assert_eq!(too_new_enter_flag(v(5, 10), enter::SQ_WAIT | enter::SQ_WAKEUP), None);
        assert_eq!(too_new_enter_flag(v(5, 1), enter::GETEVENTS | enter::SQ_WAKEUP), None);
        assert_eq!(
            too_new_enter_flag(v(5, 4), enter::SQ_WAIT | enter::EXT_ARG),
            Some(Unsupported { feature: "EXT_ARG", since: "5.11" }),
            "the newest too-new flag"
        );
        assert_eq!(too_new_enter_flag(v(6, 18), enter::KNOWN), None);
        assert_eq!(enter_flag(enter::REGISTERED_RING).unwrap().since, "5.18");
        assert_eq!(enter_flag(enter::KNOWN), None, "one bit at a time");
    }

    #[test]
    fn probe_bitset() {
        let ops: std::vec::Vec<ProbeOp> = (0..=255u8)
            .map(|op| ProbeOp {
                op,
                flags: if op % 3 == 0 { OP_SUPPORTED } else { 0 },
                ..ProbeOp::default()
            })
            .collect();
        let p = Probe::from_ops(200, &ops);
        assert_eq!(p.last_op(), 200);
        for op in 0..=255u8 {
            assert_eq!(p.is_supported(op), op % 3 == 0 && op <= 200, "{op}");
        }
        assert_eq!(p.count(), (0..=200).filter(|o| o % 3 == 0).count() as u32);
        assert_eq!(p.require(1), Err(Unsupported { feature: "READV", since: "5.1" }));
        assert_eq!(p.require(250), Err(Unsupported { feature: "unknown opcode", since: "?" }));
    }
}
