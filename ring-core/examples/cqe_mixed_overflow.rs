//! Checks the running kernel for a `CQE_MIXED` defect seen on Linux 6.18.44: when a 32-byte
//! completion gets its filler in the CQ's last slot but then finds no room and goes to the
//! overflow backlog, the next 16-byte completion is written over the filler's slot while the
//! tail moves one further, so a slot the kernel never rewrote is published: an old
//! completion is read a second time.
//!
//! `cargo run -p ring-core --example cqe_mixed_overflow`; exits 1 if the kernel has it.
//! Until kernels are fixed, keep a mixed ring's CQ from overflowing (room for every
//! completion in flight, two slots each, plus one).

use ring_core::abi::setup;
use ring_core::opcode::Nop;
use ring_core::Ring;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut ring =
        Ring::builder().entries(4).cq_entries(4).setup_flags(setup::CQE_MIXED).build()?;
    // Three small completions fill slots 0-2; the big one's filler takes slot 3 and the big
    // one waits in the backlog; then one more small completion.
    for (ud, big) in [(1u64, false), (2, false), (3, false), (4, true), (5, false)] {
        let nop = Nop::new().cqe32(big.then_some([ud, ud])).build().user_data(ud);
        ring.submission().push(&nop)?;
        ring.submit()?;
    }
    let mut seen = Vec::new();
    for _ in 0..4 {
        ring.completion().reap32(u32::MAX, |c| seen.push(c.cqe.user_data));
        ring.get_events()?;
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    let repeated = sorted.windows(2).any(|w| w[0] == w[1]);
    println!("completions read: {seen:?}");
    if repeated || sorted != [1, 2, 3, 4, 5] {
        println!("this kernel has the CQE_MIXED overflow defect: keep mixed CQs from overflowing");
        std::process::exit(1);
    }
    println!("each completion read once: this kernel does not have the defect");
    Ok(())
}
