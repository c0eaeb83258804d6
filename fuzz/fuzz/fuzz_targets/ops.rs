//! `Op` sequences on the step-mode simulator, every check of the driver on.
#![no_main]
libfuzzer_sys::fuzz_target!(|input: fuzz::targets::OpsInput| {
    fuzz::targets::ops(&input);
});
