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
            repro: Repro::NotApplicable(
                "prevented by construction: the Word trait has only atomic load and store, so no non-atomic access to a shared word can be written",
            ),
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

#[cfg(test)]
mod doc_tests {
    use super::*;

    /// The mutant names in a generated section of docs/ordering.md.
    fn doc_mutants(section: &str) -> Vec<String> {
        let doc = include_str!("../../docs/ordering.md");
        let begin = doc.find(&format!("<!-- {section}:begin")).expect("begin marker");
        let end = doc.find(&format!("<!-- {section}:end -->")).expect("end marker");
        doc[begin..end]
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .filter(|n| *n != "baseline")
            .map(str::to_string)
            .collect()
    }

    /// The checked-in matrix must cover exactly today's sites and orderings: a site added,
    /// removed or given another default makes this fail until `verify mutants --write-docs`
    /// runs again (CI also re-runs the matrix and compares the verdicts: `--check-docs`).
    #[test]
    fn checked_in_matrix_lists_every_current_mutant() {
        let mut want: Vec<String> =
            mutants().iter().chain(&strengthenings()).map(|m| m.name()).collect();
        want.sort();
        for section in ["matrix", "miri"] {
            let mut have = doc_mutants(section);
            have.sort();
            assert_eq!(have, want, "docs/ordering.md {section} table is stale");
        }
    }
}
