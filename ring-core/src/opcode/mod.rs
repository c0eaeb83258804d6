//! Opcode builders: one type per opcode of Linux 6.18, each producing an [`Entry`].
//!
//! The 63 builders (`IORING_OP_NOP` = 0 through `IORING_OP_PIPE` = 62) are generated from one
//! declarative table (`opcode/table.rs`) that lists, per opcode, its required fields (the
//! arguments of `new`), its optional fields (one setter each, with a default) and the SQE
//! field each one lands in. [`OPCODES`] is the table's index: code, kernel name, builder name
//! and the first kernel version with the opcode.
//!
//! Builders that only carry numbers are safe, and `const`. Builders that hand the kernel a
//! pointer (buffers, iovecs, paths, socket addresses, timespecs) have an `unsafe fn build`:
//! that is where the caller promises the memory stays valid (and, for reads, writable) until
//! the completion arrives. Pushing an [`Entry`] is then safe.
//!
//! ```
//! use ring_core::abi::sqe_flags;
//! use ring_core::opcode::{Fsync, Nop, Target, OPCODES};
//!
//! let e = Nop::new().inject_result(Some(-5)).build().user_data(1).link();
//! assert_eq!(e.as_sqe().flags, sqe_flags::IO_LINK);
//! let f = Fsync::new(Target::Fd(3)).flags(ring_core::abi::fsync_flags::DATASYNC).build();
//! assert_eq!(f.as_sqe().opcode, Fsync::CODE);
//! assert_eq!(OPCODES.len(), 63);
//! ```

use crate::abi::{recvsend_flags, sqe_flags, uring_cmd_flags, Sqe, SPLICE_F_FD_IN_FIXED};

#[macro_use]
mod macros;
mod table;

pub use table::*;

/// A filled 64-byte submission entry, ready to push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct Entry(Sqe);

impl Entry {
    /// Wraps a raw SQE.
    ///
    /// # Safety
    ///
    /// Every pointer the SQE carries for its opcode (buffers, iovecs, paths, timespecs) must
    /// stay valid, with the access the opcode needs, until its completion is reaped.
    pub const unsafe fn from_raw(sqe: Sqe) -> Self {
        Entry(sqe)
    }

    /// Sets the `user_data` returned in the completion.
    #[inline]
    pub const fn user_data(mut self, user_data: u64) -> Self {
        self.0.user_data = user_data;
        self
    }

    /// Sets `IOSQE_*` flags (OR'd with those already set).
    #[inline]
    pub const fn flags(mut self, flags: u8) -> Self {
        self.0.flags |= flags;
        self
    }

    /// `IOSQE_IO_LINK`: the next entry starts only after this one succeeds; if this one
    /// fails, the rest of the chain completes with `-ECANCELED`.
    #[inline]
    pub const fn link(self) -> Self {
        self.flags(sqe_flags::IO_LINK)
    }

    /// `IOSQE_IO_HARDLINK`: the next entry starts after this one completes, whatever its
    /// result.
    #[inline]
    pub const fn hard_link(self) -> Self {
        self.flags(sqe_flags::IO_HARDLINK)
    }

    /// `IOSQE_IO_DRAIN`: start only after every earlier entry has completed, and hold back
    /// later entries until this one has.
    #[inline]
    pub const fn drain(self) -> Self {
        self.flags(sqe_flags::IO_DRAIN)
    }

    /// `IOSQE_ASYNC`: skip the non-blocking attempt and run in an io-wq worker.
    #[inline]
    pub const fn force_async(self) -> Self {
        self.flags(sqe_flags::ASYNC)
    }

    /// `IOSQE_CQE_SKIP_SUCCESS` (5.17): post no completion if the operation succeeds.
    #[inline]
    pub const fn skip_success(self) -> Self {
        self.flags(sqe_flags::CQE_SKIP_SUCCESS)
    }

    /// Sets the personality (credentials registered with `REGISTER_PERSONALITY`).
    #[inline]
    pub const fn personality(mut self, personality: u16) -> Self {
        self.0.personality = personality;
        self
    }

    /// The `user_data` set so far.
    pub const fn get_user_data(&self) -> u64 {
        self.0.user_data
    }

    /// The raw SQE.
    pub const fn as_sqe(&self) -> &Sqe {
        &self.0
    }
}

/// A 128-byte submission entry for `SQE128` rings: an SQE and its 64-byte command area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry128 {
    sqe: Sqe,
    cmd: [u8; 64],
}

impl Entry128 {
    /// An `Entry` extended with a command area.
    pub const fn new(entry: Entry, cmd: [u8; 64]) -> Self {
        Entry128 { sqe: entry.0, cmd }
    }

    /// The SQE and the command area viewed as a second 64-byte unit.
    pub(crate) fn halves(&self) -> (Sqe, Sqe) {
        let mut second = Sqe::default();
        // SAFETY: `Sqe` is 64 bytes of plain integers with no padding (size asserted in
        // abi.rs), so every byte pattern is a valid `Sqe`; source and destination are
        // distinct local values of the same size.
        unsafe {
            core::ptr::copy_nonoverlapping(
                self.cmd.as_ptr(),
                (&mut second as *mut Sqe).cast::<u8>(),
                64,
            )
        };
        (self.sqe, second)
    }
}

/// The file an operation targets: a descriptor, or an index into the registered files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A file descriptor.
    Fd(i32),
    /// An index into the files registered with `REGISTER_FILES` (sets `IOSQE_FIXED_FILE`).
    Fixed(u32),
}

impl From<i32> for Target {
    fn from(fd: i32) -> Self {
        Target::Fd(fd)
    }
}

impl Target {
    /// Writes the target into `sqe.fd` (and `IOSQE_FIXED_FILE` for a registered file).
    #[inline]
    const fn apply(self, sqe: &mut Sqe) {
        match self {
            Target::Fd(fd) => sqe.fd = fd,
            Target::Fixed(i) => {
                sqe.fd = i as i32;
                sqe.flags |= sqe_flags::FIXED_FILE;
            }
        }
    }
}

/// Where an operation that creates a file (OPENAT, ACCEPT, SOCKET, PIPE, ...) installs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Install {
    /// A new ordinary file descriptor (the result).
    #[default]
    Fd,
    /// This slot of the registered-file table (the result is 0).
    Fixed(u32),
    /// A free slot of the registered-file table, chosen by the kernel (the result is the
    /// slot; needs a registered table, 5.19).
    FixedAlloc,
}

/// One row of the opcode table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// The opcode number (`IORING_OP_*`).
    pub code: u8,
    /// The kernel's name, without the `IORING_OP_` prefix.
    pub name: &'static str,
    /// The builder type's name in this module.
    pub builder: &'static str,
    /// The first Linux version with the opcode.
    pub since: &'static str,
}

/// The table row of opcode `code`, if 6.18 has it.
///
/// ```
/// let info = ring_core::opcode::info(62).unwrap();
/// assert_eq!((info.name, info.builder, info.since), ("PIPE", "Pipe", "6.16"));
/// assert!(ring_core::opcode::info(63).is_none());
/// ```
pub const fn info(code: u8) -> Option<OpInfo> {
    let mut i = 0;
    while i < OPCODES.len() {
        if OPCODES[i].code == code {
            return Some(OPCODES[i]);
        }
        i += 1;
    }
    None
}

// Field writers used by the table (`with(...)` entries). Each knows one union member of the
// SQE or one encoding rule of the kernel's.

/// NOP: `IORING_NOP_INJECT_RESULT` with the result in `len`.
const fn nop_result(sqe: &mut Sqe, res: Option<i32>) {
    if let Some(res) = res {
        sqe.op_flags |= crate::abi::nop_flags::INJECT_RESULT;
        sqe.len = res as u32;
    }
}

/// NOP: `IORING_NOP_CQE32` with the big CQE's two extra words in `off` and `addr`.
const fn nop_cqe32(sqe: &mut Sqe, extra: Option<[u64; 2]>) {
    if let Some([extra1, extra2]) = extra {
        sqe.op_flags |= crate::abi::nop_flags::CQE32;
        sqe.off = extra1;
        sqe.addr = extra2;
    }
}

/// `file_index` for operations that create a file: 0 for a plain fd, slot + 1, or
/// `IORING_FILE_INDEX_ALLOC`.
const fn install(sqe: &mut Sqe, how: Install) {
    sqe.file_index = match how {
        Install::Fd => 0,
        Install::Fixed(slot) => slot.wrapping_add(1),
        Install::FixedAlloc => crate::abi::FILE_INDEX_ALLOC,
    };
}

/// `IOSQE_BUFFER_SELECT` with the buffer group in `buf_group`.
const fn buffer_select(sqe: &mut Sqe, group: Option<u16>) {
    if let Some(g) = group {
        sqe.flags |= sqe_flags::BUFFER_SELECT;
        sqe.buf_index = g;
    }
}

/// CLOSE: a descriptor in `fd`, or a registered slot as `file_index = slot + 1` with `fd`
/// 0 (the kernel rejects `IOSQE_FIXED_FILE` on CLOSE).
const fn close_target(sqe: &mut Sqe, target: Target) {
    match target {
        Target::Fd(fd) => sqe.fd = fd,
        Target::Fixed(slot) => {
            sqe.fd = 0;
            sqe.file_index = slot.wrapping_add(1);
        }
    }
}

/// SPLICE / TEE input: `splice_fd_in`, with `SPLICE_F_FD_IN_FIXED` for a registered file.
const fn splice_in(sqe: &mut Sqe, target: Target) {
    match target {
        Target::Fd(fd) => sqe.file_index = fd as u32,
        Target::Fixed(slot) => {
            sqe.file_index = slot;
            sqe.op_flags |= SPLICE_F_FD_IN_FIXED;
        }
    }
}

/// POLL_ADD / POLL_REMOVE: `poll32_events`, half-word swapped on big-endian machines (the
/// kernel reads the 32-bit mask as two 16-bit halves for compatibility with `poll_events`).
const fn poll_mask(sqe: &mut Sqe, events: u32) {
    sqe.op_flags = if cfg!(target_endian = "big") { events.rotate_left(16) } else { events };
}

/// SEND / SEND_ZC: `addr_len`, the 16-bit member at byte 44 (the first half of
/// `file_index`).
const fn addr_len(sqe: &mut Sqe, len: u16) {
    let mut b = sqe.file_index.to_ne_bytes();
    let l = len.to_ne_bytes();
    b[0] = l[0];
    b[1] = l[1];
    sqe.file_index = u32::from_ne_bytes(b);
}

/// URING_CMD: `cmd_op`, the 32-bit member at byte 8 (the first half of `off`).
const fn cmd_op(sqe: &mut Sqe, op: u32) {
    let mut b = sqe.off.to_ne_bytes();
    let o = op.to_ne_bytes();
    b[0] = o[0];
    b[1] = o[1];
    b[2] = o[2];
    b[3] = o[3];
    sqe.off = u64::from_ne_bytes(b);
}

/// URING_CMD: the 16 command bytes at byte 48 (`addr3` and the pad word) of a 64-byte SQE.
const fn cmd16(sqe: &mut Sqe, cmd: [u8; 16]) {
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    let mut i = 0;
    while i < 8 {
        lo[i] = cmd[i];
        hi[i] = cmd[i + 8];
        i += 1;
    }
    sqe.addr3 = u64::from_ne_bytes(lo);
    sqe.pad2 = u64::from_ne_bytes(hi);
}

/// URING_CMD on a registered buffer: `IORING_URING_CMD_FIXED` and `buf_index`.
const fn uring_cmd_buf(sqe: &mut Sqe, buf: Option<u16>) {
    if let Some(i) = buf {
        sqe.op_flags |= uring_cmd_flags::FIXED;
        sqe.buf_index = i;
    }
}

/// SEND_ZC from a registered buffer: `IORING_RECVSEND_FIXED_BUF` in `ioprio`, `buf_index`.
const fn send_fixed_buf(sqe: &mut Sqe, buf: Option<u16>) {
    if let Some(i) = buf {
        sqe.ioprio |= recvsend_flags::FIXED_BUF;
        sqe.buf_index = i;
    }
}

#[cfg(test)]
mod tests;
