//! The verification library: the loom model suite, the ordering-mutation matrix, the litmus
//! self-check and the historical bugs (built with `--cfg loom`), plus the catalogue and
//! result types the `verify` CLI shares with the loom runner.

pub mod catalog;
pub mod matrix_doc;
pub mod outcome;

#[cfg(loom)]
pub mod litmus;
#[cfg(loom)]
pub mod loom_main;
#[cfg(loom)]
pub mod models;
#[cfg(loom)]
pub mod run;
