//! Running one loom model and classifying how it failed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::outcome::{Failure, ModelRun};

static ITERATIONS: AtomicU64 = AtomicU64::new(0);
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Installs a panic hook that records the message instead of printing it (failures are
/// expected in the mutation matrix; the report prints them).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "panic".to_string()
        };
        let mut last = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner());
        // Keep the first message of a failing execution: later ones come from unwinding.
        if last.is_none() {
            *last = Some(msg);
        }
    }));
}

/// Classifies a failure message.
pub fn classify(msg: &str) -> Failure {
    if msg.contains("deadlock") {
        Failure::Deadlock
    } else if msg.contains("Causality violation") {
        Failure::Causality
    } else if msg.starts_with("LOST") {
        Failure::Lost
    } else if msg.starts_with("DUPLICATE") {
        Failure::Duplicate
    } else if msg.contains("maximum number of branches") {
        Failure::Livelock
    } else {
        Failure::Assertion
    }
}

/// Runs `body` under loom at preemption bound `bound`, to exhaustion (no duration or
/// permutation limit), counting iterations.
pub fn run(name: &str, bound: usize, body: fn()) -> ModelRun {
    ITERATIONS.store(0, Ordering::Relaxed);
    *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(bound);
    // Coverage means exhaustion: never stop early on time or permutations.
    b.max_duration = None;
    b.max_permutations = None;
    b.checkpoint_file = None;
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| {
        b.check(move || {
            ITERATIONS.fetch_add(1, Ordering::Relaxed);
            body();
        })
    }));
    let secs = start.elapsed().as_secs_f64();
    let iterations = ITERATIONS.load(Ordering::Relaxed);
    let failure = match result {
        Ok(()) => None,
        Err(_) => {
            let msg = LAST_PANIC
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_else(|| "panic without message".into());
            Some((classify(&msg), first_line(&msg)))
        }
    };
    ModelRun { model: name.to_string(), bound, iterations, secs, failure }
}

fn first_line(msg: &str) -> String {
    let line = msg.lines().next().unwrap_or("").trim();
    let mut s: String = line.chars().take(160).collect();
    if line.chars().count() > 160 {
        s.push('…');
    }
    s
}
