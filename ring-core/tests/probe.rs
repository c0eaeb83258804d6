//! Feature probing on this machine's kernel: `REGISTER_PROBE` lists every opcode of 6.18,
//! the features word has every bit of 6.18, and what is missing is reported with its name
//! and version.
#![cfg(feature = "linux")]

use ring_core::abi::op;
use ring_core::opcode::OPCODES;
use ring_core::probe::{KernelVersion, Unsupported};
use ring_core::setup::FEATURES;
use ring_core::Ring;

fn running() -> KernelVersion {
    let r = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    KernelVersion::parse(r.trim().as_bytes()).unwrap()
}

#[test]
fn probe_lists_the_opcodes_of_this_kernel() {
    let ring = Ring::new(1).unwrap();
    let p = ring.probe().unwrap();
    let k = running();
    println!("kernel {k}: last_op {}, {} opcodes supported", p.last_op(), p.count());
    for info in OPCODES {
        if k.at_least(info.since) {
            assert!(p.is_supported(info.code), "{} ({}) missing on {k}", info.name, info.since);
        }
    }
    if k.at_least("6.16") {
        assert!(p.last_op() >= op::PIPE);
    }
    assert_eq!(p.require(op::LAST.max(p.last_op() + 1)).unwrap_err().since, "?");
}

#[test]
fn features_word_has_every_bit_its_version_promises() {
    let ring = Ring::new(1).unwrap();
    let k = running();
    for (bit, name, since) in FEATURES {
        if k.at_least(since) {
            assert_ne!(ring.features() & bit, 0, "{name} ({since}) missing on {k}");
            assert_eq!(ring.require(bit), Ok(()));
        }
    }
    assert_eq!(
        ring.require(1 << 30),
        Err(Unsupported { feature: "unknown feature bit", since: "?" })
    );
}
