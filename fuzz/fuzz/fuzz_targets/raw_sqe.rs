//! Arbitrary 64-byte SQEs through the simulator: each completes exactly once with the result
//! its bytes call for, or is rejected with an errno CQE.
#![no_main]
libfuzzer_sys::fuzz_target!(|input: fuzz::targets::RawInput| {
    fuzz::targets::raw_sqe(&input);
});
