//! What the verification run covers: the mutants of the ordering matrix and the historical
//! bugs, as plain data shared by the CLI and the loom runner.

use std::sync::atomic::Ordering;

use ring_core::fault::LogicFault;
use ring_core::site::Site;
use ring_kernel_sim::{AnySite, KSite, Mutant};

/// One change to the verified code: an ordering weakened (or strengthened) at one site, or a
/// historical logic bug switched back on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// One site's ordering replaced.
    Order(Mutant),
    /// A logic bug re-introduced.
    Logic(LogicFault),
}

/// Short name of an ordering.
pub fn ordering_name(o: Ordering) -> &'static str {
    match o {
        Ordering::Relaxed => "Relaxed",
        Ordering::Acquire => "Acquire",
        Ordering::Release => "Release",
        Ordering::AcqRel => "AcqRel",
        _ => "SeqCst",
    }
}

impl Mutation {
    /// `user:SqTailPublish=Relaxed` or `logic:H10`.
    pub fn name(self) -> String {
        match self {
            Mutation::Order(m) => format!("{}={}", m.site.name(), ordering_name(m.ordering)),
            Mutation::Logic(f) => format!("logic:{}", f.id()),
        }
    }

    /// Parses a name written by [`name`](Self::name).
    pub fn parse(s: &str) -> Option<Self> {
        if let Some(id) = s.strip_prefix("logic:") {
            return LogicFault::ALL.iter().find(|f| f.id() == id).map(|&f| Mutation::Logic(f));
        }
        mutants().into_iter().chain(strengthenings()).find(|m| m.name() == s)
    }
}

/// Every ordering mutant: each site of both sides, weakened to each weaker valid ordering.
pub fn mutants() -> Vec<Mutation> {
    AnySite::all()
        .flat_map(|site| {
            site.weaker()
                .into_iter()
                .map(move |ordering| Mutation::Order(Mutant { site, ordering }))
        })
        .collect()
}

/// Strengthenings that must change nothing (H8).
pub fn strengthenings() -> Vec<Mutation> {
    vec![Mutation::Order(Mutant {
        site: AnySite::User(Site::CqHeadLoad),
        ordering: Ordering::Acquire,
    })]
}

/// How a historical bug is reproduced.
#[derive(Clone, Debug)]
pub enum Repro {
    /// By these mutations, each of which must be caught.
    Caught(Vec<Mutation>),
    /// By this mutation, which must NOT make any model fail (H8).
    MustPass(Mutation),
    /// By a model of its own that re-enacts the faulty code, because the shipped code cannot
    /// be switched to it (H7): `model` must fail, `control` (the same with the correct
    /// access) must pass. `construction` says why ring-core cannot contain the bug.
    Reenacted {
        /// The bug model (verify/src/models/, `BUG_MODELS`).
        model: &'static str,
        /// The control model, which must pass.
        control: &'static str,
        /// Why the shipped code cannot have the bug.
        construction: &'static str,
    },
    /// Not reproducible here, with the reason.
    NotApplicable(&'static str),
}

/// One entry of ../shared/reference/historical-bugs.md.
#[derive(Clone, Debug)]
pub struct Bug {
    /// The id (`H1`).
    pub id: &'static str,
    /// What went wrong, in one line.
    pub what: &'static str,
    /// How verify reproduces it.
    pub repro: Repro,
}

fn order(site: AnySite, ordering: Ordering) -> Mutation {
    Mutation::Order(Mutant { site, ordering })
}

fn user(s: Site, o: Ordering) -> Mutation {
    order(AnySite::User(s), o)
}

fn kernel(k: KSite, o: Ordering) -> Mutation {
    order(AnySite::Kernel(k), o)
}

/// Every historical bug.
///
/// # H7 by construction
///
/// ring-core reaches every shared word only through [`ring_core::Word`], whose only accesses
/// are atomic, so H7's read of the kernel-written SQ head as plain memory cannot be written
/// against it:
///
/// ```compile_fail
/// use ring_core::Word;
///
/// // H7's space check: the SQ head read as plain memory. `Word` has no such read.
/// fn free_slots<W: Word>(head: &W, tail: u32, entries: u32) -> u32 {
///     entries - tail.wrapping_sub(unsafe { head.unsync_load() })
/// }
/// ```
///
/// while the same check with the atomic read ring-core makes compiles:
///
/// ```
/// use core::sync::atomic::Ordering;
/// use ring_core::Word;
///
/// fn free_slots<W: Word>(head: &W, tail: u32, entries: u32) -> u32 {
///     entries - tail.wrapping_sub(head.load(Ordering::Acquire))
/// }
/// # let _ = free_slots::<core::sync::atomic::AtomicU32>;
/// ```
///
/// The `Reenacted` entry then shows that loom would report such a read.
pub fn bugs() -> Vec<Bug> {
    use Ordering::{Acquire, Relaxed};
    vec![
        Bug {
            id: "H1",
            what: "user read NEED_WAKEUP after the tail store without a full fence (Relaxed or Acquire)",
            repro: Repro::Caught(vec![user(Site::SqWakeupFence, Relaxed), user(Site::SqWakeupFence, Acquire)]),
        },
        Bug {
            id: "H2",
            what: "kernel set NEED_WAKEUP and re-read the tail without a full barrier",
            repro: Repro::Caught(vec![kernel(KSite::SqpollSleepFence, Relaxed)]),
        },
        Bug {
            id: "H3",
            what: "SQ tail published Relaxed under SQPOLL",
            repro: Repro::Caught(vec![user(Site::SqTailPublish, Relaxed)]),
        },
        Bug {
            id: "H4",
            what: "SQ head read Relaxed before reusing a slot under SQPOLL",
            repro: Repro::Caught(vec![user(Site::SqHeadAcquire, Relaxed)]),
        },
        Bug {
            id: "H5",
            what: "CQ head stored without release; CQ tail read without acquire",
            repro: Repro::Caught(vec![user(Site::CqHeadRelease, Relaxed), user(Site::CqTailAcquire, Relaxed)]),
        },
        Bug {
            id: "H6",
            what: "provided-buffer ring tail stored plainly",
            repro: Repro::NotApplicable("ring-core offers no provided-buffer rings yet; the bug needs one"),
        },
        Bug {
            id: "H7",
            what: "SQ head (kernel-written) read non-atomically",
            repro: Repro::Reenacted {
                model: "h7_plain_head",
                control: "h7_atomic_head",
                construction: "ring-core's Word trait has only atomic load and store, so no non-atomic access to a shared word can be written (compile-fail example in verify::catalog::bugs)",
            },
        },
        Bug {
            id: "H8",
            what: "Acquire added to the user's own CQ head load (unnecessary): Relaxed must pass",
            repro: Repro::MustPass(user(Site::CqHeadLoad, Acquire)),
        },
        Bug {
            id: "H10",
            what: "wait_nr short-circuited the SQPOLL wakeup check",
            repro: Repro::Caught(vec![Mutation::Logic(LogicFault::H10WaitSkipsWakeup)]),
        },
        Bug {
            id: "H11",
            what: "free SQ space from a private head advanced past a short submit",
            repro: Repro::Caught(vec![Mutation::Logic(LogicFault::H11SpaceFromPrivateHead)]),
        },
        Bug {
            id: "H12",
            what: "CQ_OVERFLOW / TASKRUN ignored: completions parked in the kernel never reaped",
            repro: Repro::Caught(vec![Mutation::Logic(LogicFault::H12IgnoreParkedCompletions)]),
        },
        Bug {
            id: "H13",
            what: "enter skipped when nothing was to be submitted, starving the CQ side",
            repro: Repro::Caught(vec![Mutation::Logic(LogicFault::H13SkipEnterWhenIdle)]),
        },
        Bug {
            id: "H15",
            what: "SQ tail published before a feature check that then failed: the failed submit still ran",
            repro: Repro::Caught(vec![Mutation::Logic(LogicFault::H15ValidateAfterPublish)]),
        },
        Bug {
            id: "H19",
            what: "SQPOLL thread woken before the tail was published",
            repro: Repro::Caught(vec![Mutation::Logic(LogicFault::H19WakeupBeforePublish)]),
        },
        Bug {
            id: "H20",
            what: "documented SQPOLL snippet: Relaxed flags load with no fence",
            repro: Repro::Caught(vec![user(Site::SqWakeupFence, Relaxed)]),
        },
        Bug {
            id: "seed",
            what: "Go seed: head < tail compared directly, wrong once the counters wrap",
            repro: Repro::Caught(vec![Mutation::Logic(LogicFault::SeedUnwrappedCompare)]),
        },
        Bug {
            id: "seed-cqflags",
            what: "Go seed: CQ_OVERFLOW tested in the CQ flags word instead of the SQ flags: the backlog never noticed",
            repro: Repro::Caught(vec![Mutation::Logic(LogicFault::SeedOverflowInCqFlags)]),
        },
        Bug {
            id: "seed-getevents",
            what: "Go seed: the enter to flush the overflow backlog lacked GETEVENTS: nothing flushed",
            repro: Repro::Caught(vec![Mutation::Logic(LogicFault::SeedFlushWithoutGetevents)]),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mutant_name_parses_back() {
        let all = mutants();
        assert!(all.len() >= 10, "only {} mutants", all.len());
        for m in all.iter().copied().chain(strengthenings()) {
            assert_eq!(Mutation::parse(&m.name()), Some(m), "{}", m.name());
        }
        for &f in LogicFault::ALL {
            assert_eq!(Mutation::parse(&Mutation::Logic(f).name()), Some(Mutation::Logic(f)));
        }
    }

    #[test]
    fn every_logic_fault_reproduces_a_bug() {
        let bugs = bugs();
        for &f in LogicFault::ALL {
            let used = bugs.iter().any(|b| match &b.repro {
                Repro::Caught(ms) => ms.contains(&Mutation::Logic(f)),
                _ => false,
            });
            assert!(used, "{f:?} is not tied to a historical bug");
        }
    }
}

/// Checks of the generated matrix in docs/ordering.md that need neither loom nor Miri.
///
/// The verdicts themselves come from running the checkers: CI re-runs the loom matrix with
/// `verify all --check-docs` and fails when any checked-in verdict differs (a unit test would
/// have to build and run the whole loom suite against every mutant, about a minute, under
/// `--cfg loom`). What is deterministic without running them is checked here: the table lists
/// exactly today's mutants; every weakening is marked caught, by models that exist, with
/// failure kinds that exist; the strengthening passes; the Miri column is well-formed and
/// states the seeds CI runs; docs/verification.md lists exactly the suite's models.
#[cfg(test)]
mod doc_tests {
    use super::*;
    use crate::matrix_doc::{parse, section, Matrix, SECTION};
    use crate::outcome::Failure;

    const ORDERING_MD: &str = include_str!("../../docs/ordering.md");
    const VERIFICATION_MD: &str = include_str!("../../docs/verification.md");
    const MODELS_RS: &str = include_str!("models/mod.rs");
    const CI: &str = include_str!("../../.ci/run");

    fn matrix() -> Matrix {
        let table = section(ORDERING_MD, SECTION).expect("matrix markers in docs/ordering.md");
        parse(table).expect("docs/ordering.md matrix parses")
    }

    /// The names of the suite's models (`models::ALL`, read from its source: the models
    /// module is built only with `--cfg loom`).
    fn suite_models() -> Vec<String> {
        let all = MODELS_RS.find("pub const ALL").expect("models::ALL");
        let end = MODELS_RS[all..].find("];").expect("end of models::ALL") + all;
        MODELS_RS[all..end]
            .lines()
            .filter_map(|l| l.trim().strip_prefix("name: \""))
            .filter_map(|l| l.split('"').next())
            .map(str::to_string)
            .collect()
    }

    /// The checked-in matrix must cover exactly today's sites and orderings: a site added,
    /// removed or given another default makes this fail until `verify mutants --write-docs`
    /// runs again.
    #[test]
    fn checked_in_matrix_lists_every_current_mutant() {
        let mut want: Vec<String> =
            mutants().iter().chain(&strengthenings()).map(|m| m.name()).collect();
        want.sort();
        let mut have: Vec<String> = matrix().rows.into_iter().map(|r| r.mutant).collect();
        have.sort();
        assert_eq!(have, want, "docs/ordering.md matrix is stale");
    }

    /// Every weakening is caught by models of the suite with known failure kinds; the
    /// strengthening passes everything; the Miri cells say caught (how) or not caught.
    #[test]
    fn checked_in_verdicts_are_well_formed() {
        let models = suite_models();
        assert!(models.len() >= 10, "only {} suite models found", models.len());
        let strong: Vec<String> = strengthenings().iter().map(|m| m.name()).collect();
        for row in matrix().rows {
            let name = &row.mutant;
            if strong.contains(name) {
                assert_eq!(row.result, "passes every model (as it must)", "{name}");
                assert_eq!(row.caught_by, "—", "{name}");
                assert_eq!(row.miri, "passes (as it must)", "{name}");
                continue;
            }
            assert_eq!(row.result, "caught", "{name}: every weakening must be caught");
            for entry in row.caught_by.split(", ") {
                let (model, kind) = entry
                    .strip_suffix(')')
                    .and_then(|e| e.split_once(" ("))
                    .unwrap_or_else(|| panic!("{name}: caught-by entry {entry:?}"));
                assert!(models.iter().any(|m| m == model), "{name}: no suite model {model}");
                assert!(Failure::parse(kind).is_some(), "{name}: unknown failure kind {kind}");
            }
            let miri_ok = row.miri == "not caught by Miri"
                || row
                    .miri
                    .strip_prefix("caught: ")
                    .is_some_and(|v| ["data race", "deadlock", "UB", "assertion"].contains(&v));
            assert!(miri_ok, "{name}: Miri cell {:?}", row.miri);
        }
    }

    /// The Miri column states the seeds CI runs the scenarios with, and a passing baseline.
    #[test]
    fn miri_seeds_match_ci() {
        let flag = "-Zmiri-many-seeds=0..";
        let line = CI
            .lines()
            .find(|l| l.contains("miri_scenarios") && l.contains(flag))
            .expect(".ci/run runs the Miri scenarios with -Zmiri-many-seeds");
        let at = line.find(flag).unwrap() + flag.len();
        let seeds: String = line[at..].chars().take_while(char::is_ascii_digit).collect();
        let header = matrix().miri_header;
        assert_eq!(
            header,
            crate::matrix_doc::miri_header(seeds.parse().unwrap(), "passes"),
            "docs/ordering.md's Miri column must state the seeds of .ci/run"
        );
    }

    /// docs/verification.md's table of models names exactly the suite's models.
    #[test]
    fn verification_md_lists_every_model() {
        let table = VERIFICATION_MD.find("| model | property | threads |").expect("models table");
        let mut have: Vec<String> = VERIFICATION_MD[table..]
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .map(str::to_string)
            .collect();
        have.sort();
        let mut want = suite_models();
        want.sort();
        assert_eq!(have, want, "docs/verification.md's models table is stale");
    }
}
