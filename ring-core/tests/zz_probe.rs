use ring_core::{abi::setup, opcode::Nop, Ring};
#[test]
fn probe() {
    for e in [1u32, 2, 4, 8, 16, 64] {
        let r = Ring::builder().entries(e).separate_mappings().build();
        println!("sep default {e}: {:?}", r.as_ref().err());
        let r = Ring::builder().entries(e).separate_mappings().no_sqarray(false).build();
        println!("sep array {e}: {:?}", r.as_ref().err());
    }
    let r = Ring::new(8).unwrap();
    println!("{:#?}", r.params());
    println!("nosqarray {}", r.params().flags & setup::NO_SQARRAY != 0);
    let _ = Nop::new();
}
