//! The opcode table of Linux 6.18: one row per opcode, 0 through 62, in kernel order.
//!
//! Each row names the opcode, its builder, whether `build` is safe, the first kernel version,
//! the required fields, the optional fields with defaults, and fixed SQE assignments. Field
//! placements follow the kernel's `prep` functions (io_uring/*.c of 6.18): a field an opcode
//! does not use stays zero, because most `prep` functions reject stray values.
//!
//! Pointer types are `core::ffi` types so the table builds without libc: `*const c_void`
//! stands for the C structure the field documentation names (`struct iovec`, `struct
//! sockaddr`, `struct msghdr`, ...).

// The rows' documentation strings are long by nature; the macro needs them inline.
#![allow(clippy::doc_markdown)]

use core::ffi::{c_char, c_void};

use super::{
    addr_len, buffer_select, close_target, cmd16, cmd_op, install, nop_cqe32, nop_result,
    poll_mask, send_fixed_buf, splice_in, uring_cmd_buf, Entry, Install, OpInfo, Target,
};
use crate::abi::{recvsend_flags, sqe_flags, Timespec};

opcodes! {
    /// `IORING_OP_NOP`: completes with result 0, or with an injected result.
    ///
    /// ```
    /// use ring_core::opcode::Nop;
    /// let e = Nop::new().inject_result(Some(-5)).build().user_data(1);
    /// assert_eq!(e.as_sqe().len, (-5i32) as u32);
    /// ```
    0 NOP => Nop (safe, since "5.1") {
        ;
        /// Complete with this result instead of 0 (`IORING_NOP_INJECT_RESULT`, 6.9).
        inject_result: Option<i32> = None => with(nop_result),
        /// Complete with a 32-byte CQE carrying these two words (`IORING_NOP_CQE32`, with
        /// `CQE_MIXED` in 6.18; on a `CQE32` or `CQE_MIXED` ring only, `EINVAL` elsewhere).
        cqe32: Option<[u64; 2]> = None => with(nop_cqe32),
        ;
        fd = -1,
    }

    /// `readv(2)` / `preadv2(2)` into an array of `struct iovec`.
    1 READV => Readv (unsafe, since "5.1") {
        /// The file.
        target: Target => target(),
        /// Pointer to `nr_vecs` `struct iovec`, each buffer writable.
        iovecs: *const c_void => ptr(addr),
        /// Number of iovecs.
        nr_vecs: u32 => num(len),
        ;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0 => num(off),
        /// `RWF_*` flags.
        rw_flags: u32 = 0 => num(op_flags),
        /// I/O priority.
        ioprio: u16 = 0 => num(ioprio),
        /// Read into a buffer of this provided-buffer group (`IOSQE_BUFFER_SELECT`).
        buf_group: Option<u16> = None => with(buffer_select),
        ;
    }

    /// `writev(2)` / `pwritev2(2)` from an array of `struct iovec`.
    2 WRITEV => Writev (unsafe, since "5.1") {
        /// The file.
        target: Target => target(),
        /// Pointer to `nr_vecs` `struct iovec`.
        iovecs: *const c_void => ptr(addr),
        /// Number of iovecs.
        nr_vecs: u32 => num(len),
        ;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0 => num(off),
        /// `RWF_*` flags.
        rw_flags: u32 = 0 => num(op_flags),
        /// I/O priority.
        ioprio: u16 = 0 => num(ioprio),
        ;
    }

    /// `fsync(2)` / `fdatasync(2)`, optionally of a range.
    3 FSYNC => Fsync (safe, since "5.1") {
        /// The file.
        target: Target => target(),
        ;
        /// `IORING_FSYNC_DATASYNC` for `fdatasync` semantics.
        flags: u32 = 0 => num(op_flags),
        /// Start of the range (0: whole file).
        offset: u64 = 0 => num(off),
        /// Length of the range (0: to the end).
        len: u32 = 0 => num(len),
        ;
    }

    /// `pread(2)` into a registered buffer.
    4 READ_FIXED => ReadFixed (unsafe, since "5.1") {
        /// The file.
        target: Target => target(),
        /// Start of the destination, inside registered buffer `buf_index`.
        buf: *mut u8 => ptr(addr),
        /// Bytes to read.
        len: u32 => num(len),
        /// Index of the registered buffer.
        buf_index: u16 => num(buf_index),
        ;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0 => num(off),
        /// `RWF_*` flags.
        rw_flags: u32 = 0 => num(op_flags),
        /// I/O priority.
        ioprio: u16 = 0 => num(ioprio),
        ;
    }

    /// `pwrite(2)` from a registered buffer.
    5 WRITE_FIXED => WriteFixed (unsafe, since "5.1") {
        /// The file.
        target: Target => target(),
        /// Start of the source, inside registered buffer `buf_index`.
        buf: *const u8 => ptr(addr),
        /// Bytes to write.
        len: u32 => num(len),
        /// Index of the registered buffer.
        buf_index: u16 => num(buf_index),
        ;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0 => num(off),
        /// `RWF_*` flags.
        rw_flags: u32 = 0 => num(op_flags),
        /// I/O priority.
        ioprio: u16 = 0 => num(ioprio),
        ;
    }

    /// Waits for poll events on a file; the result is the ready mask.
    6 POLL_ADD => PollAdd (safe, since "5.1") {
        /// The file.
        target: Target => target(),
        /// `POLL*` event mask.
        events: u32 => with(poll_mask),
        ;
        /// `IORING_POLL_ADD_MULTI` (5.13) or `IORING_POLL_ADD_LEVEL`.
        flags: u32 = 0 => num(len),
        ;
    }

    /// Removes (or, with update flags, updates) a poll request by its `user_data`.
    7 POLL_REMOVE => PollRemove (safe, since "5.1") {
        /// `user_data` of the poll request.
        target_user_data: u64 => num(addr),
        ;
        /// With `IORING_POLL_UPDATE_EVENTS`: the new event mask.
        events: u32 = 0 => with(poll_mask),
        /// With `IORING_POLL_UPDATE_USER_DATA`: the new user_data.
        new_user_data: u64 = 0 => num(off),
        /// `IORING_POLL_UPDATE_*` / `IORING_POLL_ADD_MULTI`.
        flags: u32 = 0 => num(len),
        ;
        fd = -1,
    }

    /// `sync_file_range(2)`.
    8 SYNC_FILE_RANGE => SyncFileRange (safe, since "5.2") {
        /// The file.
        target: Target => target(),
        /// Length of the range.
        len: u32 => num(len),
        ;
        /// Start of the range.
        offset: u64 = 0 => num(off),
        /// `SYNC_FILE_RANGE_*` flags.
        flags: u32 = 0 => num(op_flags),
        ;
    }

    /// `sendmsg(2)`.
    9 SENDMSG => SendMsg (unsafe, since "5.3") {
        /// The socket.
        target: Target => target(),
        /// Pointer to a `struct msghdr` (and everything it points to).
        msg: *const c_void => ptr(addr),
        ;
        /// `MSG_*` flags.
        flags: u32 = 0 => num(op_flags),
        /// `IORING_RECVSEND_*` flags.
        ioprio: u16 = 0 => num(ioprio),
        /// Send from a buffer of this provided-buffer group.
        buf_group: Option<u16> = None => with(buffer_select),
        ;
        len = 1,
    }

    /// `recvmsg(2)`.
    10 RECVMSG => RecvMsg (unsafe, since "5.3") {
        /// The socket.
        target: Target => target(),
        /// Pointer to a writable `struct msghdr` (and everything it points to).
        msg: *mut c_void => ptr(addr),
        ;
        /// `MSG_*` flags.
        flags: u32 = 0 => num(op_flags),
        /// `IORING_RECVSEND_*` / `IORING_RECV_MULTISHOT` flags.
        ioprio: u16 = 0 => num(ioprio),
        /// Receive into a buffer of this provided-buffer group.
        buf_group: Option<u16> = None => with(buffer_select),
        ;
        len = 1,
    }

    /// A timeout: completes with `-ETIME` when it expires, or 0 after `count` completions.
    ///
    /// ```
    /// use ring_core::{abi::Timespec, opcode::Timeout};
    /// let ts = Timespec { tv_sec: 1, tv_nsec: 0 };
    /// // SAFETY: inspected only, never submitted.
    /// let e = unsafe { Timeout::new(&ts).count(2).build() };
    /// assert_eq!((e.as_sqe().len, e.as_sqe().off), (1, 2));
    /// ```
    11 TIMEOUT => Timeout (unsafe, since "5.4") {
        /// Pointer to a `Timespec`, read when the request is issued.
        timespec: *const Timespec => ptr(addr),
        ;
        /// Complete after this many other completions (0: time only).
        count: u32 = 0 => num(off),
        /// `IORING_TIMEOUT_*` flags.
        flags: u32 = 0 => num(op_flags),
        ;
        fd = -1,
        len = 1,
    }

    /// Removes (or, with `IORING_TIMEOUT_UPDATE`, re-arms) a timeout by its `user_data`.
    12 TIMEOUT_REMOVE => TimeoutRemove (unsafe, since "5.5") {
        /// `user_data` of the timeout.
        target_user_data: u64 => num(addr),
        ;
        /// `IORING_TIMEOUT_*` flags.
        flags: u32 = 0 => num(op_flags),
        /// With `IORING_TIMEOUT_UPDATE`: pointer to the new `Timespec`; null otherwise.
        timespec: *const Timespec = core::ptr::null() => ptr(off),
        ;
        fd = -1,
    }

    /// `accept4(2)`; the result is the new descriptor (or 0 / the slot when installed in
    /// the registered files).
    13 ACCEPT => Accept (unsafe, since "5.5") {
        /// The listening socket.
        target: Target => target(),
        ;
        /// Null, or a writable `struct sockaddr` of `*addrlen` bytes.
        addr: *mut c_void = core::ptr::null_mut() => ptr(addr),
        /// Null, or a writable `socklen_t` (in: buffer size, out: address size).
        addrlen: *mut u32 = core::ptr::null_mut() => ptr(off),
        /// `SOCK_*` flags of `accept4`.
        flags: u32 = 0 => num(op_flags),
        /// `IORING_ACCEPT_*` flags.
        ioprio: u16 = 0 => num(ioprio),
        /// Where the accepted socket goes.
        install: Install = Install::Fd => with(install),
        ;
    }

    /// Cancels requests: by `user_data` (default), or with `cancel_flags` by fd, opcode, all.
    14 ASYNC_CANCEL => AsyncCancel (safe, since "5.5") {
        /// `user_data` of the request to cancel.
        target_user_data: u64 => num(addr),
        ;
        /// `IORING_ASYNC_CANCEL_*` flags.
        flags: u32 = 0 => num(op_flags),
        /// With `IORING_ASYNC_CANCEL_FD`: the descriptor.
        fd: i32 = -1 => num(fd),
        /// With `IORING_ASYNC_CANCEL_OP`: the opcode.
        opcode: u8 = 0 => num(len),
        ;
    }

    /// A timeout for the previous linked request: cancels it when the time passes.
    15 LINK_TIMEOUT => LinkTimeout (unsafe, since "5.5") {
        /// Pointer to a `Timespec`, read when the request is prepared.
        timespec: *const Timespec => ptr(addr),
        ;
        /// `IORING_TIMEOUT_*` flags.
        flags: u32 = 0 => num(op_flags),
        ;
        fd = -1,
        len = 1,
    }

    /// `connect(2)`.
    16 CONNECT => Connect (unsafe, since "5.5") {
        /// The socket.
        target: Target => target(),
        /// Pointer to a `struct sockaddr` of `addrlen` bytes.
        addr: *const c_void => ptr(addr),
        /// Size of the address.
        addrlen: u32 => num(off),
        ;
        ;
    }

    /// `fallocate(2)`.
    17 FALLOCATE => Fallocate (safe, since "5.6") {
        /// The file.
        target: Target => target(),
        /// Length of the range.
        len: u64 => num(addr),
        ;
        /// Start of the range.
        offset: u64 = 0 => num(off),
        /// `FALLOC_FL_*` mode.
        mode: i32 = 0 => num(len),
        ;
    }

    /// `openat(2)`; the result is the new descriptor (or 0 / the slot).
    18 OPENAT => OpenAt (unsafe, since "5.6") {
        /// Directory descriptor (`AT_FDCWD` = -100 for the working directory).
        dirfd: i32 => num(fd),
        /// Pointer to a NUL-terminated path.
        path: *const c_char => ptr(addr),
        ;
        /// `O_*` flags.
        flags: i32 = 0 => num(op_flags),
        /// Mode for `O_CREAT`.
        mode: u32 = 0 => num(len),
        /// Where the file goes (`O_CLOEXEC` is invalid with a registered slot).
        install: Install = Install::Fd => with(install),
        ;
    }

    /// `close(2)`, or removal of a registered-file slot.
    19 CLOSE => Close (safe, since "5.6") {
        /// The descriptor, or the registered slot to empty.
        target: Target => with(close_target),
        ;
        ;
    }

    /// Updates registered files from an array of descriptors (like `REGISTER_FILES_UPDATE`,
    /// but asynchronous); the result is the number updated.
    20 FILES_UPDATE => FilesUpdate (unsafe, since "5.6") {
        /// Pointer to `len` descriptors (-1 empties a slot); with `offset` =
        /// `IORING_FILE_INDEX_ALLOC` the chosen slots are written back.
        fds: *mut i32 => ptr(addr),
        /// Number of descriptors.
        len: u32 => num(len),
        ;
        /// First slot to update.
        offset: u32 = 0 => num(off),
        ;
        fd = -1,
    }

    /// `statx(2)`.
    21 STATX => Statx (unsafe, since "5.6") {
        /// Directory descriptor.
        dirfd: i32 => num(fd),
        /// Pointer to a NUL-terminated path.
        path: *const c_char => ptr(addr),
        /// Pointer to a writable `struct statx`.
        statxbuf: *mut c_void => ptr(off),
        ;
        /// `AT_*` flags.
        flags: i32 = 0 => num(op_flags),
        /// `STATX_*` mask.
        mask: u32 = 0 => num(len),
        ;
    }

    /// `IORING_OP_READ`: `read(2)`/`pread(2)` into one buffer.
    22 READ => Read (unsafe, since "5.6") {
        /// The file.
        target: Target => target(),
        /// The buffer, writable for `len` bytes (null with `buf_group`).
        buf: *mut u8 => ptr(addr),
        /// Its length.
        len: u32 => num(len),
        ;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0 => num(off),
        /// `RWF_*` flags.
        rw_flags: u32 = 0 => num(op_flags),
        /// I/O priority.
        ioprio: u16 = 0 => num(ioprio),
        /// Read into a buffer of this provided-buffer group (`IOSQE_BUFFER_SELECT`).
        buf_group: Option<u16> = None => with(buffer_select),
        ;
    }

    /// `IORING_OP_WRITE`: `write(2)`/`pwrite(2)` from one buffer.
    23 WRITE => Write (unsafe, since "5.6") {
        /// The file.
        target: Target => target(),
        /// The buffer, readable for `len` bytes.
        buf: *const u8 => ptr(addr),
        /// Its length.
        len: u32 => num(len),
        ;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0 => num(off),
        /// `RWF_*` flags.
        rw_flags: u32 = 0 => num(op_flags),
        /// I/O priority.
        ioprio: u16 = 0 => num(ioprio),
        ;
    }

    /// `posix_fadvise(2)`.
    24 FADVISE => Fadvise (safe, since "5.6") {
        /// The file.
        target: Target => target(),
        ;
        /// Start of the range.
        offset: u64 = 0 => num(off),
        /// Length of the range (0: to the end).
        len: u32 = 0 => num(len),
        /// `POSIX_FADV_*` advice.
        advice: i32 = 0 => num(op_flags),
        ;
    }

    /// `madvise(2)`.
    25 MADVISE => Madvise (unsafe, since "5.6") {
        /// Start of the range (page-aligned).
        addr: *mut c_void => ptr(addr),
        /// Length of the range.
        len: u32 => num(len),
        ;
        /// `MADV_*` advice.
        advice: i32 = 0 => num(op_flags),
        ;
        fd = -1,
    }

    /// `send(2)` / `sendto(2)`.
    26 SEND => Send (unsafe, since "5.6") {
        /// The socket.
        target: Target => target(),
        /// The data, readable for `len` bytes (null with `buf_group`).
        buf: *const u8 => ptr(addr),
        /// Its length.
        len: u32 => num(len),
        ;
        /// `MSG_*` flags.
        flags: i32 = 0 => num(op_flags),
        /// `IORING_RECVSEND_*` flags.
        ioprio: u16 = 0 => num(ioprio),
        /// Null, or a `struct sockaddr` of `dest_addr_len` bytes (`sendto`, 6.0).
        dest_addr: *const c_void = core::ptr::null() => ptr(off),
        /// Size of `dest_addr`.
        dest_addr_len: u16 = 0 => with(addr_len),
        /// Send from a buffer of this provided-buffer group.
        buf_group: Option<u16> = None => with(buffer_select),
        ;
    }

    /// `recv(2)`.
    27 RECV => Recv (unsafe, since "5.6") {
        /// The socket.
        target: Target => target(),
        /// The buffer, writable for `len` bytes (null with `buf_group`).
        buf: *mut u8 => ptr(addr),
        /// Its length.
        len: u32 => num(len),
        ;
        /// `MSG_*` flags.
        flags: i32 = 0 => num(op_flags),
        /// `IORING_RECVSEND_*` / `IORING_RECV_MULTISHOT` flags.
        ioprio: u16 = 0 => num(ioprio),
        /// Receive into a buffer of this provided-buffer group.
        buf_group: Option<u16> = None => with(buffer_select),
        ;
    }

    /// `openat2(2)`.
    28 OPENAT2 => OpenAt2 (unsafe, since "5.6") {
        /// Directory descriptor.
        dirfd: i32 => num(fd),
        /// Pointer to a NUL-terminated path.
        path: *const c_char => ptr(addr),
        /// Pointer to a `struct open_how` of `how_size` bytes.
        how: *const c_void => ptr(off),
        ;
        /// Size of `*how` (24 for the 5.6 layout).
        how_size: u32 = 24 => num(len),
        /// Where the file goes.
        install: Install = Install::Fd => with(install),
        ;
    }

    /// `epoll_ctl(2)`.
    29 EPOLL_CTL => EpollCtl (unsafe, since "5.6") {
        /// The epoll descriptor.
        epfd: i32 => num(fd),
        /// The descriptor to add, modify or delete.
        fd: i32 => num(off),
        /// `EPOLL_CTL_*`.
        op: i32 => num(len),
        /// Pointer to a `struct epoll_event` (may be null for `EPOLL_CTL_DEL`).
        event: *const c_void => ptr(addr),
        ;
        ;
    }

    /// `splice(2)`.
    30 SPLICE => Splice (safe, since "5.7") {
        /// The input (a registered file sets `SPLICE_F_FD_IN_FIXED`).
        fd_in: Target => with(splice_in),
        /// Input offset; -1 for a pipe or the current position.
        off_in: i64 => num(addr),
        /// The output.
        fd_out: Target => target(),
        /// Output offset; -1 for a pipe or the current position.
        off_out: i64 => num(off),
        /// Bytes to move.
        len: u32 => num(len),
        ;
        /// `SPLICE_F_*` flags.
        flags: u32 = 0 => or(op_flags),
        ;
    }

    /// Hands the kernel `nbufs` buffers of `len` bytes each, for buffer selection.
    31 PROVIDE_BUFFERS => ProvideBuffers (unsafe, since "5.7") {
        /// Start of `nbufs * len` writable bytes, kept valid until the buffers are consumed or
        /// removed.
        addr: *mut u8 => ptr(addr),
        /// Size of each buffer.
        len: i32 => num(len),
        /// Number of buffers.
        nbufs: u16 => num(fd),
        /// Buffer group.
        bgid: u16 => num(buf_index),
        /// Id of the first buffer.
        bid: u16 => num(off),
        ;
        ;
    }

    /// Takes back up to `nbufs` provided buffers of a group; the result is how many.
    32 REMOVE_BUFFERS => RemoveBuffers (safe, since "5.7") {
        /// Number of buffers.
        nbufs: u16 => num(fd),
        /// Buffer group.
        bgid: u16 => num(buf_index),
        ;
        ;
    }

    /// `tee(2)`.
    33 TEE => Tee (safe, since "5.8") {
        /// The input pipe.
        fd_in: Target => with(splice_in),
        /// The output pipe.
        fd_out: Target => target(),
        /// Bytes to duplicate.
        len: u32 => num(len),
        ;
        /// `SPLICE_F_*` flags.
        flags: u32 = 0 => or(op_flags),
        ;
    }

    /// `shutdown(2)`.
    34 SHUTDOWN => Shutdown (safe, since "5.11") {
        /// The socket.
        target: Target => target(),
        /// `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR`.
        how: i32 => num(len),
        ;
        ;
    }

    /// `renameat2(2)`.
    35 RENAMEAT => RenameAt (unsafe, since "5.11") {
        /// Old directory descriptor.
        olddirfd: i32 => num(fd),
        /// Pointer to the NUL-terminated old path.
        oldpath: *const c_char => ptr(addr),
        /// New directory descriptor.
        newdirfd: i32 => num(len),
        /// Pointer to the NUL-terminated new path.
        newpath: *const c_char => ptr(off),
        ;
        /// `RENAME_*` flags.
        flags: u32 = 0 => num(op_flags),
        ;
    }

    /// `unlinkat(2)`.
    36 UNLINKAT => UnlinkAt (unsafe, since "5.11") {
        /// Directory descriptor.
        dirfd: i32 => num(fd),
        /// Pointer to a NUL-terminated path.
        path: *const c_char => ptr(addr),
        ;
        /// `AT_REMOVEDIR` or 0.
        flags: i32 = 0 => num(op_flags),
        ;
    }

    /// `mkdirat(2)`.
    37 MKDIRAT => MkDirAt (unsafe, since "5.15") {
        /// Directory descriptor.
        dirfd: i32 => num(fd),
        /// Pointer to a NUL-terminated path.
        path: *const c_char => ptr(addr),
        ;
        /// Mode.
        mode: u32 = 0 => num(len),
        ;
    }

    /// `symlinkat(2)`.
    38 SYMLINKAT => SymlinkAt (unsafe, since "5.15") {
        /// Pointer to the NUL-terminated link target.
        target_path: *const c_char => ptr(addr),
        /// Directory descriptor of the new link.
        newdirfd: i32 => num(fd),
        /// Pointer to the NUL-terminated path of the new link.
        linkpath: *const c_char => ptr(off),
        ;
        ;
    }

    /// `linkat(2)`.
    39 LINKAT => LinkAt (unsafe, since "5.15") {
        /// Old directory descriptor.
        olddirfd: i32 => num(fd),
        /// Pointer to the NUL-terminated existing path.
        oldpath: *const c_char => ptr(addr),
        /// New directory descriptor.
        newdirfd: i32 => num(len),
        /// Pointer to the NUL-terminated new path.
        newpath: *const c_char => ptr(off),
        ;
        /// `AT_*` flags.
        flags: i32 = 0 => num(op_flags),
        ;
    }

    /// Posts a CQE to another ring (`IORING_MSG_DATA`), or passes it a descriptor
    /// (`IORING_MSG_SEND_FD`).
    40 MSG_RING => MsgRing (safe, since "5.18") {
        /// The target ring's descriptor (or registered index).
        ring: Target => target(),
        /// The `res` of the target's CQE.
        result: i32 => num(len),
        /// The `user_data` of the target's CQE.
        target_user_data: u64 => num(off),
        ;
        /// `IORING_MSG_RING_*` flags.
        flags: u32 = 0 => num(op_flags),
        /// `IORING_MSG_DATA` (0) or `IORING_MSG_SEND_FD` (1).
        cmd: u64 = 0 => num(addr),
        /// With `SEND_FD`: the registered file to pass.
        src_fd: u32 = 0 => num(addr3),
        /// With `SEND_FD`: target slot + 1 (or `IORING_FILE_INDEX_ALLOC`); with
        /// `FLAGS_PASS`: the target CQE's flags.
        file_index: u32 = 0 => num(file_index),
        ;
    }

    /// `fsetxattr(2)`.
    41 FSETXATTR => FSetXattr (unsafe, since "5.19") {
        /// The file.
        target: Target => target(),
        /// Pointer to the NUL-terminated attribute name.
        name: *const c_char => ptr(addr),
        /// Pointer to `len` bytes of value.
        value: *const c_void => ptr(off),
        /// Size of the value.
        len: u32 => num(len),
        ;
        /// `XATTR_*` flags.
        flags: i32 = 0 => num(op_flags),
        ;
    }

    /// `setxattr(2)`.
    42 SETXATTR => SetXattr (unsafe, since "5.19") {
        /// Pointer to the NUL-terminated path.
        path: *const c_char => ptr(addr3),
        /// Pointer to the NUL-terminated attribute name.
        name: *const c_char => ptr(addr),
        /// Pointer to `len` bytes of value.
        value: *const c_void => ptr(off),
        /// Size of the value.
        len: u32 => num(len),
        ;
        /// `XATTR_*` flags.
        flags: i32 = 0 => num(op_flags),
        ;
    }

    /// `fgetxattr(2)`; the result is the value's size.
    43 FGETXATTR => FGetXattr (unsafe, since "5.19") {
        /// The file.
        target: Target => target(),
        /// Pointer to the NUL-terminated attribute name.
        name: *const c_char => ptr(addr),
        /// Pointer to `len` writable bytes.
        value: *mut c_void => ptr(off),
        /// Size of the buffer.
        len: u32 => num(len),
        ;
        ;
    }

    /// `getxattr(2)`; the result is the value's size.
    44 GETXATTR => GetXattr (unsafe, since "5.19") {
        /// Pointer to the NUL-terminated path.
        path: *const c_char => ptr(addr3),
        /// Pointer to the NUL-terminated attribute name.
        name: *const c_char => ptr(addr),
        /// Pointer to `len` writable bytes.
        value: *mut c_void => ptr(off),
        /// Size of the buffer.
        len: u32 => num(len),
        ;
        ;
    }

    /// `socket(2)`; the result is the new descriptor (or 0 / the slot).
    45 SOCKET => Socket (safe, since "5.19") {
        /// `AF_*` domain.
        domain: i32 => num(fd),
        /// `SOCK_*` type, with `SOCK_CLOEXEC` / `SOCK_NONBLOCK`.
        socket_type: i32 => num(off),
        /// Protocol.
        protocol: i32 => num(len),
        ;
        /// Where the socket goes.
        install: Install = Install::Fd => with(install),
        ;
    }

    /// A driver command (`->uring_cmd`): sockets (`SOCKET_URING_OP_*`), NVMe passthrough,
    /// block discard, ... The command area beyond 16 bytes needs an `SQE128` ring and
    /// `Entry128`.
    46 URING_CMD => UringCmd (unsafe, since "5.19") {
        /// The file the command goes to.
        target: Target => target(),
        /// The command (`cmd_op`).
        cmd_op: u32 => with(cmd_op),
        ;
        /// The 16 inline command bytes (bytes 48..64 of the SQE); may hold pointers the
        /// driver dereferences.
        cmd: [u8; 16] = [0; 16] => with(cmd16),
        /// Command-specific (sockets: `level` | `optname << 32`; discard: offset).
        addr: u64 = 0 => num(addr),
        /// Command-specific length.
        len: u32 = 0 => num(len),
        /// Command-specific (sockets: `optlen`).
        aux: u32 = 0 => num(file_index),
        /// `IORING_URING_CMD_*` flags.
        cmd_flags: u32 = 0 => or(op_flags),
        /// Use this registered buffer (`IORING_URING_CMD_FIXED`).
        buf_index: Option<u16> = None => with(uring_cmd_buf),
        ;
    }

    /// Zero-copy `send(2)`: a result CQE with `IORING_CQE_F_MORE`, then a notification CQE
    /// (`IORING_CQE_F_NOTIF`) when the buffer may be reused.
    47 SEND_ZC => SendZc (unsafe, since "6.0") {
        /// The socket.
        target: Target => target(),
        /// The data, readable for `len` bytes until the notification CQE.
        buf: *const u8 => ptr(addr),
        /// Its length.
        len: u32 => num(len),
        ;
        /// `MSG_*` flags.
        flags: i32 = 0 => num(op_flags),
        /// `IORING_RECVSEND_*` / `IORING_SEND_ZC_*` flags.
        zc_flags: u16 = 0 => or(ioprio),
        /// Send from this registered buffer (`IORING_RECVSEND_FIXED_BUF`).
        buf_index: Option<u16> = None => with(send_fixed_buf),
        /// Null, or a `struct sockaddr` of `dest_addr_len` bytes.
        dest_addr: *const c_void = core::ptr::null() => ptr(off),
        /// Size of `dest_addr`.
        dest_addr_len: u16 = 0 => with(addr_len),
        ;
    }

    /// Zero-copy `sendmsg(2)`, with a notification CQE like [`SendZc`].
    48 SENDMSG_ZC => SendMsgZc (unsafe, since "6.1") {
        /// The socket.
        target: Target => target(),
        /// Pointer to a `struct msghdr` (and everything it points to), valid until the
        /// notification CQE.
        msg: *const c_void => ptr(addr),
        ;
        /// `MSG_*` flags.
        flags: u32 = 0 => num(op_flags),
        /// `IORING_RECVSEND_*` / `IORING_SEND_ZC_*` flags.
        ioprio: u16 = 0 => num(ioprio),
        ;
        len = 1,
    }

    /// Multishot read into provided buffers: one CQE (with `IORING_CQE_F_MORE`) per read.
    49 READ_MULTISHOT => ReadMultishot (safe, since "6.7") {
        /// The file.
        target: Target => target(),
        /// The provided-buffer group.
        buf_group: u16 => num(buf_index),
        ;
        /// Bytes per read (0: the buffer size).
        len: u32 = 0 => num(len),
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0 => num(off),
        ;
        flags = sqe_flags::BUFFER_SELECT,
    }

    /// `waitid(2)`.
    50 WAITID => Waitid (unsafe, since "6.5") {
        /// `P_*` id type.
        idtype: u32 => num(len),
        /// The id.
        id: i32 => num(fd),
        /// Null, or a writable `siginfo_t`.
        infop: *mut c_void => ptr(off),
        /// `WEXITED`, `WSTOPPED`, ... options.
        options: i32 => num(file_index),
        ;
        ;
    }

    /// `futex(2)` wait (futex2 flags); completes on a wake or with `-EAGAIN` if the value
    /// differs.
    51 FUTEX_WAIT => FutexWait (unsafe, since "6.7") {
        /// Pointer to the futex word, valid until the completion.
        futex: *const u32 => ptr(addr),
        /// The expected value.
        val: u64 => num(off),
        /// The wait bitset (`FUTEX_BITSET_MATCH_ANY` = `u32::MAX`).
        mask: u64 => num(addr3),
        /// `FUTEX2_*` flags (size, `FUTEX2_PRIVATE`).
        futex_flags: u32 => num(fd),
        ;
        ;
    }

    /// `futex(2)` wake (futex2 flags); the result is how many were woken.
    52 FUTEX_WAKE => FutexWake (unsafe, since "6.7") {
        /// Pointer to the futex word.
        futex: *const u32 => ptr(addr),
        /// How many waiters to wake.
        val: u64 => num(off),
        /// The wake bitset.
        mask: u64 => num(addr3),
        /// `FUTEX2_*` flags.
        futex_flags: u32 => num(fd),
        ;
        ;
    }

    /// `futex_waitv(2)`; the result is the index of the woken futex.
    53 FUTEX_WAITV => FutexWaitv (unsafe, since "6.7") {
        /// Pointer to `nr` `struct futex_waitv`, valid until the completion.
        futexv: *const c_void => ptr(addr),
        /// Number of futexes.
        nr: u32 => num(len),
        ;
        ;
    }

    /// Installs a registered file as an ordinary descriptor; the result is the descriptor.
    54 FIXED_FD_INSTALL => FixedFdInstall (safe, since "6.8") {
        /// The registered-file index.
        fixed_index: u32 => num(fd),
        ;
        /// `IORING_FIXED_FD_NO_CLOEXEC`.
        flags: u32 = 0 => num(op_flags),
        ;
        flags = sqe_flags::FIXED_FILE,
    }

    /// `ftruncate(2)`.
    55 FTRUNCATE => Ftruncate (safe, since "6.9") {
        /// The file.
        target: Target => target(),
        /// The new length.
        len: u64 => num(off),
        ;
        ;
    }

    /// `bind(2)`.
    56 BIND => Bind (unsafe, since "6.11") {
        /// The socket.
        target: Target => target(),
        /// Pointer to a `struct sockaddr` of `addrlen` bytes.
        addr: *const c_void => ptr(addr),
        /// Size of the address.
        addrlen: u32 => num(off),
        ;
        ;
    }

    /// `listen(2)`.
    57 LISTEN => Listen (safe, since "6.11") {
        /// The socket.
        target: Target => target(),
        /// The backlog.
        backlog: i32 => num(len),
        ;
        ;
    }

    /// Zero-copy receive into a registered zcrx interface queue (multishot).
    58 RECV_ZC => RecvZc (safe, since "6.15") {
        /// The socket.
        target: Target => target(),
        /// Index of the registered zcrx interface queue.
        ifq: u32 => num(file_index),
        ;
        /// Bytes to receive in total (0: unlimited).
        len: u32 = 0 => num(len),
        /// `IORING_RECV_MULTISHOT` (required) and `IORING_RECVSEND_POLL_FIRST`.
        ioprio: u16 = recvsend_flags::RECV_MULTISHOT => num(ioprio),
        ;
    }

    /// `epoll_wait(2)` without a timeout: completes when events are ready.
    59 EPOLL_WAIT => EpollWait (unsafe, since "6.15") {
        /// The epoll descriptor.
        target: Target => target(),
        /// Pointer to `maxevents` writable `struct epoll_event`.
        events: *mut c_void => ptr(addr),
        /// Capacity of `events`.
        maxevents: u32 => num(len),
        ;
        ;
    }

    /// `preadv2(2)` with iovecs inside a registered buffer.
    60 READV_FIXED => ReadvFixed (unsafe, since "6.15") {
        /// The file.
        target: Target => target(),
        /// Pointer to `nr_vecs` `struct iovec`, each inside registered buffer `buf_index`.
        iovecs: *const c_void => ptr(addr),
        /// Number of iovecs.
        nr_vecs: u32 => num(len),
        /// Index of the registered buffer.
        buf_index: u16 => num(buf_index),
        ;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0 => num(off),
        /// `RWF_*` flags.
        rw_flags: u32 = 0 => num(op_flags),
        /// I/O priority.
        ioprio: u16 = 0 => num(ioprio),
        ;
    }

    /// `pwritev2(2)` with iovecs inside a registered buffer.
    61 WRITEV_FIXED => WritevFixed (unsafe, since "6.15") {
        /// The file.
        target: Target => target(),
        /// Pointer to `nr_vecs` `struct iovec`, each inside registered buffer `buf_index`.
        iovecs: *const c_void => ptr(addr),
        /// Number of iovecs.
        nr_vecs: u32 => num(len),
        /// Index of the registered buffer.
        buf_index: u16 => num(buf_index),
        ;
        /// File offset; `u64::MAX` means the current position.
        offset: u64 = 0 => num(off),
        /// `RWF_*` flags.
        rw_flags: u32 = 0 => num(op_flags),
        /// I/O priority.
        ioprio: u16 = 0 => num(ioprio),
        ;
    }

    /// `pipe2(2)`: the two new descriptors (or slots) are written to `fds`.
    62 PIPE => Pipe (unsafe, since "6.16") {
        /// Pointer to two writable `i32`.
        fds: *mut i32 => ptr(addr),
        ;
        /// `O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT` (no `O_CLOEXEC` with registered slots).
        flags: u32 = 0 => num(op_flags),
        /// Where the two ends go (two consecutive slots, or two allocated ones).
        install: Install = Install::Fd => with(install),
        ;
    }
}
