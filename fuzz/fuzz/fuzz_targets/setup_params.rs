//! Setup parameters through `check_params` and the simulator's builder: never a panic;
//! accepted exactly when 6.18's rules accept.
#![no_main]
libfuzzer_sys::fuzz_target!(|input: fuzz::targets::SetupInput| {
    fuzz::targets::setup_params(&input);
});
