//! The cargo-fuzz targets' bodies on stable: `fuzz::targets::raw_sqe`, `fuzz::targets::ops`
//! and `fuzz::targets::setup_params` over deterministic inputs (a few thousand pseudo-random
//! ones; for `setup_params` also every flag alone and every pair), each field
//! decoded by `arbitrary` from seeded bytes, so `cargo test` exercises what only the nightly
//! smoke run (fuzz/smoke.sh) reached before. The sequence lengths are drawn from the seed
//! (random bytes would end an `arbitrary` sequence after one element half the time).

use arbitrary::{Arbitrary, Unstructured};
use fuzz::targets::{ops, raw_sqe, setup_params, OpsInput, RawInput, SetupInput};
use fuzz::{Op, RingCfg};
use ring_core::abi::op;
use ring_kernel_sim::SIM_OP_HELD;

/// A small deterministic generator (xorshift64*), seeded per input.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn fill(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Raw bytes mostly decode to invalid opcodes; steer three SQEs in four toward NOP and
/// the held operation, with small flag and NOP-flag values, so links, skips, injected
/// results and refusals all occur.
fn steer(input: &mut RawInput, g: &mut Bytes) {
    for b in &mut input.sqes {
        let r = g.next();
        if r.is_multiple_of(4) {
            continue;
        }
        b[0] = [op::NOP, op::NOP, op::NOP, SIM_OP_HELD, op::READ, op::LAST][(r >> 8) as usize % 6];
        // flags: keep the low seven bits most of the time.
        if !(r >> 16).is_multiple_of(8) {
            b[1] &= 0x7f;
        }
        // ioprio and personality zero most of the time.
        if !(r >> 20).is_multiple_of(8) {
            b[2..4].copy_from_slice(&[0, 0]);
            b[42..44].copy_from_slice(&[0, 0]);
        }
        // op_flags: the six NOP bits, INJECT_RESULT often.
        if !(r >> 24).is_multiple_of(8) {
            let f = (r >> 32) as u32 & 0x3f;
            b[28..32].copy_from_slice(&(f | (r >> 40) as u32 & 1).to_ne_bytes());
        }
        // len: small results of either sign.
        if (r >> 44).is_multiple_of(2) {
            let len = ((r >> 48) as i32 % 16) - 8;
            b[24..28].copy_from_slice(&len.to_ne_bytes());
        }
    }
}

#[test]
fn raw_sqe_body_on_seeded_inputs() {
    let (mut inputs, mut sqes) = (0, 0);
    for seed in 1..=3000u64 {
        let mut g = Bytes(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let bytes = g.fill(64 * 17 + 8);
        let n = 1 + g.next() as usize % 16;
        let mut u = Unstructured::new(&bytes);
        let raw: arbitrary::Result<Vec<[u8; 64]>> = (0..n).map(|_| u.arbitrary()).collect();
        let (Ok(log2_entries), Ok(sq_array), Ok(raw)) = (u.arbitrary(), u.arbitrary(), raw) else {
            continue;
        };
        let mut input = RawInput { log2_entries, sq_array, sqes: raw };
        if seed % 3 != 0 {
            steer(&mut input, &mut g);
        }
        sqes += raw_sqe(&input);
        inputs += 1;
    }
    assert!(inputs > 2500 && sqes > 10_000, "{inputs} inputs, {sqes} SQEs");
    println!("raw_sqe: {inputs} inputs, {sqes} SQEs");
}

#[test]
fn ops_body_on_seeded_inputs() {
    let (mut inputs, mut steps) = (0, 0);
    for seed in 1..=2000u64 {
        let mut g = Bytes(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
        let bytes = g.fill(2048);
        let n = g.next() as usize % 128;
        let mut u = Unstructured::new(&bytes);
        let Ok(cfg) = RingCfg::arbitrary(&mut u) else { continue };
        let Ok(ops_) = (0..n).map(|_| Op::arbitrary(&mut u)).collect() else { continue };
        let input = OpsInput { cfg, ops: ops_ };
        steps += ops(&input);
        inputs += 1;
    }
    assert!(inputs > 1500 && steps > 20 * inputs, "{inputs} inputs, {steps} steps");
    println!("ops: {inputs} inputs, {steps} steps");
}

#[test]
fn setup_params_body_on_every_flag_pair_and_seeded_inputs() {
    // Every one of the 19 known setup flags alone and with each other, at a few sizes: the
    // target asserts that ring-core's check_params, the simulator's builder and the rules
    // agree (and that the simulator refuses only what it does not model).
    let (mut inputs, mut valid) = (0, 0);
    for a in 0..19 {
        for b in a..19 {
            for (entries, cq_entries) in [(1, 0), (4, 8), (8, 2), (64, 128)] {
                let flags = (1u32 << a) | (1 << b);
                let input = SetupInput {
                    entries,
                    flags,
                    cq_entries,
                    sq_thread_idle: 10,
                    sq_thread_cpu: 0,
                    resv: [0; 3],
                    tame: true,
                };
                valid += u32::from(setup_params(&input));
                inputs += 1;
            }
        }
    }
    for seed in 1..=2000u64 {
        let mut g = Bytes(seed.wrapping_mul(0xA076_1D64_78BD_642F) | 1);
        let bytes = g.fill(64);
        let Ok(input) = SetupInput::arbitrary(&mut Unstructured::new(&bytes)) else { continue };
        valid += u32::from(setup_params(&SetupInput { tame: true, ..input }));
        inputs += 1;
    }
    assert!(inputs > 2500 && valid > 200, "{inputs} inputs, {valid} valid");
    println!("setup_params: {inputs} inputs, {valid} valid setups");
}
