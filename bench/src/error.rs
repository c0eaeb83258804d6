//! [`BenchError`]: why a contender did not produce a number.

use std::fmt;

/// Why a contender did not run: skipped (a peer that is not installed, a setup it cannot
/// express, a file system without O_DIRECT), or failed (an errno, a wrong result).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BenchError {
    /// Not available here; the message says why and what to install.
    Skip(String),
    /// Ran and failed.
    Fail(String),
}

impl BenchError {
    /// A failure with context.
    pub fn fail(what: impl fmt::Display) -> Self {
        BenchError::Fail(what.to_string())
    }

    /// Whether this is a skip rather than a failure.
    pub fn is_skip(&self) -> bool {
        matches!(self, BenchError::Skip(_))
    }
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::Skip(s) => write!(f, "skipped: {s}"),
            BenchError::Fail(s) => write!(f, "failed: {s}"),
        }
    }
}

impl std::error::Error for BenchError {}

impl From<std::io::Error> for BenchError {
    fn from(e: std::io::Error) -> Self {
        BenchError::Fail(e.to_string())
    }
}

impl From<ring_core::Errno> for BenchError {
    fn from(e: ring_core::Errno) -> Self {
        BenchError::Fail(format!("ring-core: {e}"))
    }
}

impl From<ring_core::SetupError> for BenchError {
    fn from(e: ring_core::SetupError) -> Self {
        BenchError::Fail(format!("ring-core setup: {e}"))
    }
}
