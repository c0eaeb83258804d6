//! fuzz: proptest state machines and cargo-fuzz targets over one `Op` enum (issue #6).
//!
//! **Not built yet.** An empty placeholder in the workspace; it offers no API and runs no
//! fuzzing.
#![no_std]
