//! Opcode builders: one type per opcode, each producing an [`Entry`].
//!
//! Builders that only carry numbers are safe. Builders that hand the kernel a pointer have an
//! `unsafe fn build`: that is where the caller promises the memory stays valid (and, for
//! reads, writable) until the completion arrives. Pushing an [`Entry`] is then safe.

use crate::abi::{nop_flags, op, sqe_flags, Sqe};

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
    #[inline]
    fn apply(self, sqe: &mut Sqe) {
        match self {
            Target::Fd(fd) => sqe.fd = fd,
            Target::Fixed(i) => {
                sqe.fd = i as i32;
                sqe.flags |= sqe_flags::FIXED_FILE;
            }
        }
    }
}

/// Declares an opcode builder: the struct, `new` over its required fields, and one setter
/// per optional field (with its default). `build` is written beside each declaration.
macro_rules! opcode {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$rmeta:meta])* $rfield:ident : $rty:ty ),* $(,)?
            ;;
            $( $(#[$ometa:meta])* $ofield:ident : $oty:ty = $odef:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug)]
        #[must_use = "an opcode does nothing until it is built and pushed"]
        pub struct $name {
            $( $rfield: $rty, )*
            $( $ofield: $oty, )*
        }

        impl $name {
            /// The builder with its required fields; optional ones take their defaults.
            #[inline]
            #[allow(clippy::new_without_default)]
            pub const fn new($( $rfield: $rty ),*) -> Self {
                $name { $( $rfield, )* $( $ofield: $odef, )* }
            }

            $(
                $(#[$ometa])*
                #[inline]
                pub const fn $ofield(mut self, $ofield: $oty) -> Self {
                    self.$ofield = $ofield;
                    self
                }
            )*
        }
    };
}

opcode! {
    /// `IORING_OP_NOP`: completes with result 0, or with an injected result.
    ///
    /// ```
    /// use ring_core::opcode::Nop;
    /// let e = Nop::new().inject_result(Some(-5)).build().user_data(1);
    /// assert_eq!(e.as_sqe().len, (-5i32) as u32);
    /// ```
    pub struct Nop {
        ;;
        /// Complete with this result instead of 0 (`IORING_NOP_INJECT_RESULT`, 6.9).
        inject_result: Option<i32> = None,
    }
}

impl Nop {
    /// The entry.
    #[inline]
    pub const fn build(self) -> Entry {
        let mut sqe = Sqe {
            opcode: op::NOP,
            flags: 0,
            ioprio: 0,
            fd: -1,
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
        if let Some(res) = self.inject_result {
            sqe.op_flags = nop_flags::INJECT_RESULT;
            sqe.len = res as u32;
        }
        Entry(sqe)
    }
}

opcode! {
    /// `IORING_OP_READ`: `read(2)`/`pread(2)` into one buffer.
    pub struct Read {
        /// The file.
        target: Target,
        /// The buffer.
        buf: *mut u8,
        /// Its length.
        len: u32,
        ;;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0,
        /// `RWF_*` flags.
        rw_flags: u32 = 0,
        /// I/O priority.
        ioprio: u16 = 0,
    }
}

impl Read {
    /// The entry.
    ///
    /// # Safety
    ///
    /// `buf` must be valid for writes of `len` bytes until the completion is reaped, and not
    /// accessed by anything else meanwhile.
    #[inline]
    pub unsafe fn build(self) -> Entry {
        rw(
            op::READ,
            self.target,
            self.buf as u64,
            self.len,
            self.offset,
            self.rw_flags,
            self.ioprio,
        )
    }
}

opcode! {
    /// `IORING_OP_WRITE`: `write(2)`/`pwrite(2)` from one buffer.
    pub struct Write {
        /// The file.
        target: Target,
        /// The buffer.
        buf: *const u8,
        /// Its length.
        len: u32,
        ;;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0,
        /// `RWF_*` flags.
        rw_flags: u32 = 0,
        /// I/O priority.
        ioprio: u16 = 0,
    }
}

impl Write {
    /// The entry.
    ///
    /// # Safety
    ///
    /// `buf` must be valid for reads of `len` bytes until the completion is reaped, and not
    /// written by anything else meanwhile.
    #[inline]
    pub unsafe fn build(self) -> Entry {
        rw(
            op::WRITE,
            self.target,
            self.buf as u64,
            self.len,
            self.offset,
            self.rw_flags,
            self.ioprio,
        )
    }
}

#[inline]
fn rw(
    opcode: u8,
    target: Target,
    addr: u64,
    len: u32,
    off: u64,
    rw_flags: u32,
    ioprio: u16,
) -> Entry {
    let mut sqe = Sqe { opcode, addr, len, off, op_flags: rw_flags, ioprio, ..Sqe::default() };
    target.apply(&mut sqe);
    Entry(sqe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nop_fields() {
        let e = Nop::new().build().user_data(42).flags(sqe_flags::IO_DRAIN);
        let s = e.as_sqe();
        assert_eq!((s.opcode, s.user_data, s.flags, s.op_flags), (op::NOP, 42, 2, 0));
        let e = Nop::new().inject_result(Some(-22)).build();
        assert_eq!(e.as_sqe().op_flags, nop_flags::INJECT_RESULT);
        assert_eq!(e.as_sqe().len as i32, -22);
    }

    #[test]
    fn read_fixed_target() {
        let mut buf = [0u8; 4];
        // SAFETY: the entry is inspected, never submitted.
        let e = unsafe { Read::new(Target::Fixed(3), buf.as_mut_ptr(), 4).offset(9).build() };
        let s = e.as_sqe();
        assert_eq!((s.opcode, s.fd, s.flags, s.len, s.off), (op::READ, 3, 1, 4, 9));
    }

    #[test]
    fn entry128_halves() {
        let mut cmd = [0u8; 64];
        cmd[0] = 0xaa;
        cmd[63] = 0x55;
        let (first, second) = Entry128::new(Nop::new().build(), cmd).halves();
        assert_eq!(first.opcode, op::NOP);
        assert_eq!(second.opcode, 0xaa);
        assert_eq!(second.pad2 >> 56, 0x55);
    }
}
