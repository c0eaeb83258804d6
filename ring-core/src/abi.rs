//! The io_uring ABI of Linux 6.18: constants and `#[repr(C)]` structs.
//!
//! Values come from the 6.18 uapi header (`include/uapi/linux/io_uring.h`), not from the
//! system's installed header (which may be older). Every struct carries a size assertion.

#![allow(missing_docs)] // the names are the kernel's; each group is documented.

/// `IORING_SETUP_*`: bits of [`Params::flags`].
pub mod setup {
    pub const IOPOLL: u32 = 1 << 0;
    pub const SQPOLL: u32 = 1 << 1;
    pub const SQ_AFF: u32 = 1 << 2;
    pub const CQSIZE: u32 = 1 << 3;
    pub const CLAMP: u32 = 1 << 4;
    pub const ATTACH_WQ: u32 = 1 << 5;
    pub const R_DISABLED: u32 = 1 << 6;
    pub const SUBMIT_ALL: u32 = 1 << 7;
    pub const COOP_TASKRUN: u32 = 1 << 8;
    pub const TASKRUN_FLAG: u32 = 1 << 9;
    pub const SQE128: u32 = 1 << 10;
    pub const CQE32: u32 = 1 << 11;
    pub const SINGLE_ISSUER: u32 = 1 << 12;
    pub const DEFER_TASKRUN: u32 = 1 << 13;
    pub const NO_MMAP: u32 = 1 << 14;
    pub const REGISTERED_FD_ONLY: u32 = 1 << 15;
    pub const NO_SQARRAY: u32 = 1 << 16;
    pub const HYBRID_IOPOLL: u32 = 1 << 17;
    pub const CQE_MIXED: u32 = 1 << 18;
    /// Every bit a 6.18 kernel accepts (bits 0..=18).
    pub const KNOWN: u32 = (1 << 19) - 1;
}

/// `IORING_FEAT_*`: bits of [`Params::features`], set by the kernel.
pub mod feat {
    pub const SINGLE_MMAP: u32 = 1 << 0;
    pub const NODROP: u32 = 1 << 1;
    pub const SUBMIT_STABLE: u32 = 1 << 2;
    pub const RW_CUR_POS: u32 = 1 << 3;
    pub const CUR_PERSONALITY: u32 = 1 << 4;
    pub const FAST_POLL: u32 = 1 << 5;
    pub const POLL_32BITS: u32 = 1 << 6;
    pub const SQPOLL_NONFIXED: u32 = 1 << 7;
    pub const EXT_ARG: u32 = 1 << 8;
    pub const NATIVE_WORKERS: u32 = 1 << 9;
    pub const RSRC_TAGS: u32 = 1 << 10;
    pub const CQE_SKIP: u32 = 1 << 11;
    pub const LINKED_FILE: u32 = 1 << 12;
    pub const REG_REG_RING: u32 = 1 << 13;
    pub const RECVSEND_BUNDLE: u32 = 1 << 14;
    pub const MIN_TIMEOUT: u32 = 1 << 15;
    pub const RW_ATTR: u32 = 1 << 16;
    pub const NO_IOWAIT: u32 = 1 << 17;
}

/// `IORING_ENTER_*`: flags of `io_uring_enter(2)`.
pub mod enter {
    pub const GETEVENTS: u32 = 1 << 0;
    pub const SQ_WAKEUP: u32 = 1 << 1;
    pub const SQ_WAIT: u32 = 1 << 2;
    pub const EXT_ARG: u32 = 1 << 3;
    pub const REGISTERED_RING: u32 = 1 << 4;
    pub const ABS_TIMER: u32 = 1 << 5;
    pub const EXT_ARG_REG: u32 = 1 << 6;
    pub const NO_IOWAIT: u32 = 1 << 7;
    /// Every bit a 6.18 kernel accepts.
    pub const KNOWN: u32 = (1 << 8) - 1;
}

/// `IORING_SQ_*`: bits of the SQ flags word (written by the kernel).
pub mod sq_flags {
    pub const NEED_WAKEUP: u32 = 1 << 0;
    pub const CQ_OVERFLOW: u32 = 1 << 1;
    pub const TASKRUN: u32 = 1 << 2;
}

/// `IORING_CQ_*`: bits of the CQ flags word (written by the user).
pub mod cq_flags {
    pub const EVENTFD_DISABLED: u32 = 1 << 0;
}

/// The 6.18 opcodes whose definition allows `IOSQE_BUFFER_SELECT` (`buffer_select` in the
/// kernel's opcode table); on any other the flag fails the SQE with `EOPNOTSUPP`.
pub const BUFFER_SELECT_OPS: [u8; 8] = [
    op::READV,
    op::SENDMSG,
    op::RECVMSG,
    op::READ,
    op::SEND,
    op::RECV,
    op::URING_CMD,
    op::READ_MULTISHOT,
];

/// `IOSQE_*`: bits of [`Sqe::flags`].
pub mod sqe_flags {
    pub const FIXED_FILE: u8 = 1 << 0;
    pub const IO_DRAIN: u8 = 1 << 1;
    pub const IO_LINK: u8 = 1 << 2;
    pub const IO_HARDLINK: u8 = 1 << 3;
    pub const ASYNC: u8 = 1 << 4;
    pub const BUFFER_SELECT: u8 = 1 << 5;
    pub const CQE_SKIP_SUCCESS: u8 = 1 << 6;
}

/// `IORING_CQE_F_*`: bits of [`Cqe::flags`].
pub mod cqe_flags {
    pub const BUFFER: u32 = 1 << 0;
    pub const MORE: u32 = 1 << 1;
    pub const SOCK_NONEMPTY: u32 = 1 << 2;
    pub const NOTIF: u32 = 1 << 3;
    pub const BUF_MORE: u32 = 1 << 4;
    pub const SKIP: u32 = 1 << 5;
    pub const F_32: u32 = 1 << 15;
    pub const BUFFER_SHIFT: u32 = 16;
}

/// `IORING_NOP_*`: bits of `nop_flags` (the SQE's `op_flags` for NOP).
pub mod nop_flags {
    /// Complete with the result in `len` (an injected result).
    pub const INJECT_RESULT: u32 = 1 << 0;
    /// Look up the file in `fd`.
    pub const FILE: u32 = 1 << 1;
    /// With `FILE`: `fd` is a registered file index.
    pub const FIXED_FILE: u32 = 1 << 2;
    /// Look up the registered buffer `buf_index`.
    pub const FIXED_BUFFER: u32 = 1 << 3;
    /// Complete through task work.
    pub const TW: u32 = 1 << 4;
    /// Post a 32-byte CQE with `off` and `addr` as its extra words (a `CQE32` or `CQE_MIXED`
    /// ring only).
    pub const CQE32: u32 = 1 << 5;
}

/// `IORING_OP_*`: opcodes of 6.18 (`IORING_OP_LAST` = 63).
pub mod op {
    pub const NOP: u8 = 0;
    pub const READV: u8 = 1;
    pub const WRITEV: u8 = 2;
    pub const FSYNC: u8 = 3;
    pub const READ_FIXED: u8 = 4;
    pub const WRITE_FIXED: u8 = 5;
    pub const POLL_ADD: u8 = 6;
    pub const POLL_REMOVE: u8 = 7;
    pub const SYNC_FILE_RANGE: u8 = 8;
    pub const SENDMSG: u8 = 9;
    pub const RECVMSG: u8 = 10;
    pub const TIMEOUT: u8 = 11;
    pub const TIMEOUT_REMOVE: u8 = 12;
    pub const ACCEPT: u8 = 13;
    pub const ASYNC_CANCEL: u8 = 14;
    pub const LINK_TIMEOUT: u8 = 15;
    pub const CONNECT: u8 = 16;
    pub const FALLOCATE: u8 = 17;
    pub const OPENAT: u8 = 18;
    pub const CLOSE: u8 = 19;
    pub const FILES_UPDATE: u8 = 20;
    pub const STATX: u8 = 21;
    pub const READ: u8 = 22;
    pub const WRITE: u8 = 23;
    pub const FADVISE: u8 = 24;
    pub const MADVISE: u8 = 25;
    pub const SEND: u8 = 26;
    pub const RECV: u8 = 27;
    pub const OPENAT2: u8 = 28;
    pub const EPOLL_CTL: u8 = 29;
    pub const SPLICE: u8 = 30;
    pub const PROVIDE_BUFFERS: u8 = 31;
    pub const REMOVE_BUFFERS: u8 = 32;
    pub const TEE: u8 = 33;
    pub const SHUTDOWN: u8 = 34;
    pub const RENAMEAT: u8 = 35;
    pub const UNLINKAT: u8 = 36;
    pub const MKDIRAT: u8 = 37;
    pub const SYMLINKAT: u8 = 38;
    pub const LINKAT: u8 = 39;
    pub const MSG_RING: u8 = 40;
    pub const FSETXATTR: u8 = 41;
    pub const SETXATTR: u8 = 42;
    pub const FGETXATTR: u8 = 43;
    pub const GETXATTR: u8 = 44;
    pub const SOCKET: u8 = 45;
    pub const URING_CMD: u8 = 46;
    pub const SEND_ZC: u8 = 47;
    pub const SENDMSG_ZC: u8 = 48;
    pub const READ_MULTISHOT: u8 = 49;
    pub const WAITID: u8 = 50;
    pub const FUTEX_WAIT: u8 = 51;
    pub const FUTEX_WAKE: u8 = 52;
    pub const FUTEX_WAITV: u8 = 53;
    pub const FIXED_FD_INSTALL: u8 = 54;
    pub const FTRUNCATE: u8 = 55;
    pub const BIND: u8 = 56;
    pub const LISTEN: u8 = 57;
    pub const RECV_ZC: u8 = 58;
    pub const EPOLL_WAIT: u8 = 59;
    pub const READV_FIXED: u8 = 60;
    pub const WRITEV_FIXED: u8 = 61;
    pub const PIPE: u8 = 62;
    /// One past the last opcode of 6.18.
    pub const LAST: u8 = 63;
}

/// `IORING_REGISTER_*`: opcodes of `io_uring_register(2)`.
pub mod register {
    pub const BUFFERS: u32 = 0;
    pub const UNREGISTER_BUFFERS: u32 = 1;
    pub const FILES: u32 = 2;
    pub const UNREGISTER_FILES: u32 = 3;
    pub const EVENTFD: u32 = 4;
    pub const UNREGISTER_EVENTFD: u32 = 5;
    pub const FILES_UPDATE: u32 = 6;
    pub const EVENTFD_ASYNC: u32 = 7;
    pub const PROBE: u32 = 8;
    pub const PERSONALITY: u32 = 9;
    pub const UNREGISTER_PERSONALITY: u32 = 10;
    pub const RESTRICTIONS: u32 = 11;
    pub const ENABLE_RINGS: u32 = 12;
    pub const FILES2: u32 = 13;
    pub const FILES_UPDATE2: u32 = 14;
    pub const BUFFERS2: u32 = 15;
    pub const BUFFERS_UPDATE: u32 = 16;
    pub const IOWQ_AFF: u32 = 17;
    pub const UNREGISTER_IOWQ_AFF: u32 = 18;
    pub const IOWQ_MAX_WORKERS: u32 = 19;
    pub const RING_FDS: u32 = 20;
    pub const UNREGISTER_RING_FDS: u32 = 21;
    pub const PBUF_RING: u32 = 22;
    pub const UNREGISTER_PBUF_RING: u32 = 23;
    pub const SYNC_CANCEL: u32 = 24;
    pub const FILE_ALLOC_RANGE: u32 = 25;
    pub const PBUF_STATUS: u32 = 26;
    pub const NAPI: u32 = 27;
    pub const UNREGISTER_NAPI: u32 = 28;
    pub const CLOCK: u32 = 29;
    pub const CLONE_BUFFERS: u32 = 30;
    pub const SEND_MSG_RING: u32 = 31;
    pub const ZCRX_IFQ: u32 = 32;
    pub const RESIZE_RINGS: u32 = 33;
    pub const MEM_REGION: u32 = 34;
    pub const QUERY: u32 = 35;
    /// One past the last register opcode of 6.18.
    pub const LAST: u32 = 36;
    /// OR'd into the opcode: the fd argument is a registered-ring index (6.3).
    pub const USE_REGISTERED_RING: u32 = 1 << 31;
}

/// `IORING_OFF_*`: mmap offsets of the ring regions.
pub mod mmap_off {
    pub const SQ_RING: u64 = 0;
    pub const CQ_RING: u64 = 0x800_0000;
    pub const SQES: u64 = 0x1000_0000;
}

/// The largest SQ size the kernel accepts without `CLAMP`.
pub const MAX_ENTRIES: u32 = 32768;
/// The largest CQ size the kernel accepts without `CLAMP`.
pub const MAX_CQ_ENTRIES: u32 = 2 * MAX_ENTRIES;

/// `struct io_sqring_offsets` (40 bytes): byte offsets of the SQ words in the ring mapping.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SqringOffsets {
    pub head: u32,
    pub tail: u32,
    pub ring_mask: u32,
    pub ring_entries: u32,
    pub flags: u32,
    pub dropped: u32,
    /// Offset of the SQ index array; 0 with `NO_SQARRAY`.
    pub array: u32,
    pub resv1: u32,
    /// With `NO_MMAP`: the user memory holding the SQE array.
    pub user_addr: u64,
}

/// `struct io_cqring_offsets` (40 bytes): byte offsets of the CQ words in the ring mapping.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CqringOffsets {
    pub head: u32,
    pub tail: u32,
    pub ring_mask: u32,
    pub ring_entries: u32,
    pub overflow: u32,
    pub cqes: u32,
    /// Offset of the CQ flags word (5.8+).
    pub flags: u32,
    pub resv1: u32,
    /// With `NO_MMAP`: the user memory holding the rings.
    pub user_addr: u64,
}

/// `struct io_uring_params` (120 bytes): setup input and output.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub flags: u32,
    pub sq_thread_cpu: u32,
    pub sq_thread_idle: u32,
    pub features: u32,
    pub wq_fd: u32,
    pub resv: [u32; 3],
    pub sq_off: SqringOffsets,
    pub cq_off: CqringOffsets,
}

/// `struct io_uring_sqe` (64 bytes). Union members are named after their most common use;
/// opcode builders ([`crate::opcode`]) give them their per-opcode meaning.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sqe {
    pub opcode: u8,
    pub flags: u8,
    pub ioprio: u16,
    pub fd: i32,
    /// `off` / `addr2` / `cmd_op`.
    pub off: u64,
    /// `addr` / `splice_off_in` / `level`+`optname`.
    pub addr: u64,
    pub len: u32,
    /// The per-opcode flags union (`rw_flags`, `fsync_flags`, `nop_flags`, `timeout_flags`, ...).
    pub op_flags: u32,
    pub user_data: u64,
    /// `buf_index` / `buf_group`.
    pub buf_index: u16,
    pub personality: u16,
    /// `splice_fd_in` / `file_index` / `optlen` / `addr_len`+`pad`.
    pub file_index: u32,
    /// `addr3` / `optval`.
    pub addr3: u64,
    pub pad2: u64,
}

impl Sqe {
    /// The all-zero SQE (`Default::default()` in a `const`: statically allocated rings and
    /// builders start from it). Every field an opcode does not use must stay zero: most of the
    /// kernel's `prep` functions reject stray values with `-EINVAL`.
    pub const ZERO: Sqe = Sqe {
        opcode: 0,
        flags: 0,
        ioprio: 0,
        fd: 0,
        off: 0,
        addr: 0,
        len: 0,
        op_flags: 0,
        user_data: 0,
        buf_index: 0,
        personality: 0,
        file_index: 0,
        addr3: 0,
        pad2: 0,
    };
}

/// `struct io_uring_cqe` (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cqe {
    pub user_data: u64,
    /// The result: non-negative on success, `-errno` on failure.
    pub res: i32,
    pub flags: u32,
}

impl Cqe {
    /// The all-zero CQE (`Default::default()` in a `const`).
    pub const ZERO: Cqe = Cqe { user_data: 0, res: 0, flags: 0 };
}

/// A 32-byte CQE (`IORING_SETUP_CQE32`): a [`Cqe`] followed by two extra words.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cqe32 {
    pub cqe: Cqe,
    pub big_cqe: [u64; 2],
}

/// `struct __kernel_timespec`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// `struct io_uring_getevents_arg` (24 bytes), passed with `IORING_ENTER_EXT_ARG`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeteventsArg {
    pub sigmask: u64,
    pub sigmask_sz: u32,
    /// Minimum wait before returning with fewer completions (6.12; padding before).
    pub min_wait_usec: u32,
    /// Pointer to a [`Timespec`], or 0.
    pub ts: u64,
}

/// `struct io_uring_rsrc_update` (16 bytes), used by `REGISTER_RING_FDS`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RsrcUpdate {
    pub offset: u32,
    pub resv: u32,
    pub data: u64,
}

const _: () = assert!(core::mem::size_of::<SqringOffsets>() == 40);
const _: () = assert!(core::mem::size_of::<CqringOffsets>() == 40);
const _: () = assert!(core::mem::size_of::<Params>() == 120);
const _: () = assert!(core::mem::offset_of!(Params, sq_off) == 40);
const _: () = assert!(core::mem::offset_of!(Params, cq_off) == 80);
const _: () = assert!(core::mem::size_of::<Sqe>() == 64);
const _: () = assert!(core::mem::offset_of!(Sqe, user_data) == 32);
const _: () = assert!(core::mem::offset_of!(Sqe, addr3) == 48);
const _: () = assert!(core::mem::size_of::<Cqe>() == 16);
const _: () = assert!(core::mem::size_of::<Cqe32>() == 32);
const _: () = assert!(core::mem::size_of::<GeteventsArg>() == 24);
const _: () = assert!(core::mem::size_of::<RsrcUpdate>() == 16);

/// `IORING_TIMEOUT_*`: bits of the SQE's `timeout_flags` (TIMEOUT, TIMEOUT_REMOVE,
/// LINK_TIMEOUT).
pub mod timeout_flags {
    pub const ABS: u32 = 1 << 0;
    pub const UPDATE: u32 = 1 << 1;
    pub const BOOTTIME: u32 = 1 << 2;
    pub const REALTIME: u32 = 1 << 3;
    pub const LINK_TIMEOUT_UPDATE: u32 = 1 << 4;
    pub const ETIME_SUCCESS: u32 = 1 << 5;
    pub const MULTISHOT: u32 = 1 << 6;
}

/// `IORING_FSYNC_*`: bits of the SQE's `fsync_flags`.
pub mod fsync_flags {
    pub const DATASYNC: u32 = 1 << 0;
}

/// `IORING_POLL_*`: poll flags, carried in the SQE's `len` for POLL_ADD / POLL_REMOVE.
pub mod poll_flags {
    pub const ADD_MULTI: u32 = 1 << 0;
    pub const UPDATE_EVENTS: u32 = 1 << 1;
    pub const UPDATE_USER_DATA: u32 = 1 << 2;
    pub const ADD_LEVEL: u32 = 1 << 3;
}

/// `IORING_ASYNC_CANCEL_*`: bits of the SQE's `cancel_flags`.
pub mod cancel_flags {
    pub const ALL: u32 = 1 << 0;
    pub const FD: u32 = 1 << 1;
    pub const ANY: u32 = 1 << 2;
    pub const FD_FIXED: u32 = 1 << 3;
    pub const USERDATA: u32 = 1 << 4;
    pub const OP: u32 = 1 << 5;
}

/// Send/receive flags carried in the SQE's `ioprio` (`IORING_RECVSEND_*`, `IORING_RECV_*`,
/// `IORING_SEND_ZC_*`).
pub mod recvsend_flags {
    pub const POLL_FIRST: u16 = 1 << 0;
    pub const RECV_MULTISHOT: u16 = 1 << 1;
    pub const FIXED_BUF: u16 = 1 << 2;
    pub const SEND_ZC_REPORT_USAGE: u16 = 1 << 3;
    pub const BUNDLE: u16 = 1 << 4;
}

/// `IORING_ACCEPT_*`: accept flags carried in the SQE's `ioprio`.
pub mod accept_flags {
    pub const MULTISHOT: u16 = 1 << 0;
    pub const DONTWAIT: u16 = 1 << 1;
    pub const POLL_FIRST: u16 = 1 << 2;
}

/// `SPLICE_F_FD_IN_FIXED`: in `splice_flags`, the input is a registered-file index.
pub const SPLICE_F_FD_IN_FIXED: u32 = 1 << 31;

/// `IORING_FILE_INDEX_ALLOC`: in `file_index`, let the kernel pick a free registered slot.
pub const FILE_INDEX_ALLOC: u32 = u32::MAX;

/// `IORING_MSG_*` commands (the SQE's `addr` for MSG_RING) and `IORING_MSG_RING_*` flags.
pub mod msg_ring {
    /// Post a CQE with the given result and user_data to the target ring.
    pub const DATA: u64 = 0;
    /// Install a file descriptor into the target ring's registered files.
    pub const SEND_FD: u64 = 1;
    /// Flag: no CQE on the source ring.
    pub const CQE_SKIP: u32 = 1 << 0;
    /// Flag: pass `file_index` as the target CQE's flags.
    pub const FLAGS_PASS: u32 = 1 << 1;
}

/// `IORING_FIXED_FD_*`: bits of the SQE's `install_fd_flags` (FIXED_FD_INSTALL).
pub mod fixed_fd_flags {
    pub const NO_CLOEXEC: u32 = 1 << 0;
}

/// `IORING_URING_CMD_*`: bits of the SQE's `uring_cmd_flags`.
pub mod uring_cmd_flags {
    pub const FIXED: u32 = 1 << 0;
}

/// `SOCKET_URING_OP_*`: `cmd_op` values of URING_CMD on sockets.
pub mod socket_cmd {
    pub const SIOCINQ: u32 = 0;
    pub const SIOCOUTQ: u32 = 1;
    pub const GETSOCKOPT: u32 = 2;
    pub const SETSOCKOPT: u32 = 3;
}

/// `IORING_RSRC_REGISTER_SPARSE`: in [`RsrcRegister::flags`], register empty slots.
pub const RSRC_REGISTER_SPARSE: u32 = 1 << 0;

/// `IO_URING_OP_SUPPORTED`: in [`ProbeOp::flags`].
pub const OP_SUPPORTED: u16 = 1 << 0;

/// `struct io_uring_rsrc_register` (32 bytes): `REGISTER_FILES2` / `REGISTER_BUFFERS2`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RsrcRegister {
    pub nr: u32,
    pub flags: u32,
    pub resv2: u64,
    pub data: u64,
    pub tags: u64,
}

/// `struct io_uring_rsrc_update2` (32 bytes): `REGISTER_FILES_UPDATE2` /
/// `REGISTER_BUFFERS_UPDATE`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RsrcUpdate2 {
    pub offset: u32,
    pub resv: u32,
    pub data: u64,
    pub tags: u64,
    pub nr: u32,
    pub resv2: u32,
}

/// `struct io_uring_probe_op` (8 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProbeOp {
    pub op: u8,
    pub resv: u8,
    /// [`OP_SUPPORTED`] when the kernel implements the opcode.
    pub flags: u16,
    pub resv2: u32,
}

/// `struct io_uring_probe` (16 bytes) without its trailing `ops[]` array.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProbeHeader {
    /// The last opcode the kernel knows.
    pub last_op: u8,
    /// How many `ops` entries the kernel filled.
    pub ops_len: u8,
    pub resv: u16,
    pub resv2: [u32; 3],
}

const _: () = assert!(core::mem::size_of::<RsrcRegister>() == 32);
const _: () = assert!(core::mem::size_of::<RsrcUpdate2>() == 32);
const _: () = assert!(core::mem::size_of::<ProbeOp>() == 8);
const _: () = assert!(core::mem::size_of::<ProbeHeader>() == 16);
