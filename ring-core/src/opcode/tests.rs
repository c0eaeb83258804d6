//! Unit tests of the opcode table and the field writers (no syscalls; Miri-clean).

use super::*;
use crate::abi::{nop_flags, op, sqe_flags, Timespec, FILE_INDEX_ALLOC, SPLICE_F_FD_IN_FIXED};

#[test]
fn every_opcode_of_6_18_has_a_builder() {
    let codes: std::vec::Vec<u8> = OPCODES.iter().map(|i| i.code).collect();
    assert_eq!(codes, (0..op::LAST).collect::<std::vec::Vec<u8>>());
    assert_eq!(OPCODES.len(), 63);
    // Names and builders are unique; every version is a dotted number.
    for (i, a) in OPCODES.iter().enumerate() {
        for b in &OPCODES[i + 1..] {
            assert_ne!(a.name, b.name);
            assert_ne!(a.builder, b.builder);
        }
        let (major, minor) = a.since.split_once('.').expect("version");
        assert!(major.parse::<u32>().is_ok() && minor.parse::<u32>().is_ok(), "{a:?}");
    }
    assert_eq!(info(0).map(|i| i.builder), Some("Nop"));
    assert_eq!(info(op::LAST), None);
}

#[test]
fn builder_codes_match_the_table() {
    assert_eq!(Nop::CODE, op::NOP);
    assert_eq!(Read::CODE, op::READ);
    assert_eq!(Pipe::CODE, op::PIPE);
    assert_eq!(Nop::new().build().as_sqe().opcode, op::NOP);
    assert_eq!(Close::new(Target::Fd(3)).build().as_sqe().opcode, op::CLOSE);
}

#[test]
fn nop_fields() {
    let e = Nop::new().build().user_data(42).flags(sqe_flags::IO_DRAIN);
    let s = e.as_sqe();
    assert_eq!((s.opcode, s.user_data, s.flags, s.op_flags, s.fd), (op::NOP, 42, 2, 0, -1));
    let e = Nop::new().inject_result(Some(-22)).build();
    assert_eq!(e.as_sqe().op_flags, nop_flags::INJECT_RESULT);
    assert_eq!(e.as_sqe().len as i32, -22);
    // Usable in constants.
    const N: Entry = Nop::new().build();
    assert_eq!(N.as_sqe().opcode, op::NOP);
}

#[test]
fn read_fixed_target() {
    let mut buf = [0u8; 4];
    // SAFETY: the entry is inspected, never submitted.
    let e = unsafe { Read::new(Target::Fixed(3), buf.as_mut_ptr(), 4).offset(9).build() };
    let s = e.as_sqe();
    assert_eq!((s.opcode, s.fd, s.flags, s.len, s.off), (op::READ, 3, 1, 4, 9));
    assert_eq!(s.addr, buf.as_ptr() as u64);
}

#[test]
fn sqe_flag_helpers() {
    let e = Nop::new().build().link().drain().skip_success().force_async().hard_link();
    assert_eq!(
        e.as_sqe().flags,
        sqe_flags::IO_LINK
            | sqe_flags::IO_DRAIN
            | sqe_flags::CQE_SKIP_SUCCESS
            | sqe_flags::ASYNC
            | sqe_flags::IO_HARDLINK
    );
}

#[test]
fn writers_place_fields_where_the_kernel_reads_them() {
    // SPLICE with a registered input: splice_fd_in = slot, SPLICE_F_FD_IN_FIXED, and the
    // flags setter ORs rather than overwrites.
    let s = *Splice::new(Target::Fixed(5), -1, Target::Fd(7), 10, 100).flags(4).build().as_sqe();
    assert_eq!((s.file_index, s.fd, s.addr as i64, s.off, s.len), (5, 7, -1, 10, 100));
    assert_eq!(s.op_flags, SPLICE_F_FD_IN_FIXED | 4);
    assert_eq!(s.flags, 0, "IOSQE_FIXED_FILE is for fd_out only");

    // CLOSE of a registered slot: fd 0, file_index = slot + 1, no FIXED_FILE flag.
    let s = *Close::new(Target::Fixed(2)).build().as_sqe();
    assert_eq!((s.fd, s.file_index, s.flags), (0, 3, 0));

    // Install targets.
    let s = *Socket::new(2, 1, 0).install(Install::FixedAlloc).build().as_sqe();
    assert_eq!((s.fd, s.off, s.len, s.file_index), (2, 1, 0, FILE_INDEX_ALLOC));
    let s = *Socket::new(2, 1, 0).install(Install::Fixed(0)).build().as_sqe();
    assert_eq!(s.file_index, 1);

    // URING_CMD: cmd_op in the low half of `off`, command bytes at 48..64.
    let mut cmd = [0u8; 16];
    cmd[0] = 0x11;
    cmd[15] = 0x22;
    // SAFETY: inspected only.
    let s = *unsafe { UringCmd::new(Target::Fd(4), 0xabcd).cmd(cmd).build() }.as_sqe();
    // SAFETY: `Sqe` is plain integers; viewing it as bytes is sound.
    let bytes: [u8; 64] = unsafe { core::mem::transmute(s) };
    assert_eq!(u32::from_ne_bytes(bytes[8..12].try_into().unwrap()), 0xabcd);
    assert_eq!(&bytes[12..16], &[0; 4], "__pad1 must stay zero");
    assert_eq!((bytes[48], bytes[63]), (0x11, 0x22));

    // SEND with a destination: addr2 and the 16-bit addr_len at byte 44.
    let data = [0u8; 8];
    let dest = [0u8; 16];
    let e = Send::new(Target::Fd(3), data.as_ptr(), 8)
        .dest_addr(dest.as_ptr().cast())
        .dest_addr_len(16);
    // SAFETY: inspected only.
    let s = *unsafe { e.build() }.as_sqe();
    // SAFETY: as above.
    let bytes: [u8; 64] = unsafe { core::mem::transmute(s) };
    assert_eq!(u16::from_ne_bytes([bytes[44], bytes[45]]), 16);
    assert_eq!(s.off, dest.as_ptr() as u64);

    // TIMEOUT: len 1, count in off, fd -1.
    let ts = Timespec { tv_sec: 1, tv_nsec: 0 };
    // SAFETY: inspected only.
    let s = *unsafe { Timeout::new(&ts).count(3).build() }.as_sqe();
    assert_eq!((s.len, s.off, s.fd, s.addr), (1, 3, -1, &ts as *const Timespec as u64));

    // POLL_ADD: the mask is poll32_events (op_flags).
    let s =
        *PollAdd::new(Target::Fd(0), 0x1).flags(crate::abi::poll_flags::ADD_MULTI).build().as_sqe();
    assert_eq!((s.op_flags, s.len), (if cfg!(target_endian = "big") { 0x1_0000 } else { 1 }, 1));

    // READ_MULTISHOT: BUFFER_SELECT plus FIXED_FILE when registered.
    let s = *ReadMultishot::new(Target::Fixed(1), 7).build().as_sqe();
    assert_eq!((s.flags, s.buf_index), (sqe_flags::BUFFER_SELECT | sqe_flags::FIXED_FILE, 7));

    // FIXED_FD_INSTALL always carries FIXED_FILE.
    let s = *FixedFdInstall::new(4).build().as_sqe();
    assert_eq!((s.fd, s.flags), (4, sqe_flags::FIXED_FILE));

    // Buffer selection.
    // SAFETY: inspected only (null buffer with buffer selection).
    let s =
        *unsafe { Recv::new(Target::Fd(3), core::ptr::null_mut(), 64).buf_group(Some(9)).build() }
            .as_sqe();
    assert_eq!((s.flags, s.buf_index), (sqe_flags::BUFFER_SELECT, 9));
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
