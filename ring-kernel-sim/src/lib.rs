//! ring-kernel-sim: the simulated kernel side of the io_uring protocol (issue #4).
//!
//! **Not built yet.** This crate is an empty placeholder in the workspace so that the layout
//! of ../shared/DESIGN.md exists from the start; it offers no API and nothing here claims to
//! simulate anything.
#![no_std]
