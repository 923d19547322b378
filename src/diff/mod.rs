//! `segmint diff`: takes two versions of the segments (or two data snapshots),
//! gives who entered and exited each segment and tier label, and what each rule
//! change means criterion by criterion.
//!
//! Rule versions are evaluated in one scan: [`combine`] appends the base
//! version's items to the head program, and one [`crate::run::Run`] of the
//! combined program outputs both versions' columns side by side ([`RuleDiff`]
//! says which is which). Data snapshots are two runs of one program whose rows
//! are matched by key ([`snapshots`]).

mod combine;
mod count;
pub mod criteria;
pub mod members;
pub mod snapshots;

use serde::Serialize;

use crate::check::ir::{Derived, Program};
use crate::expect::Outcome;
use crate::plan::Plan;
use crate::run::Selection;
use crate::source::Sources;

pub use combine::{BASE_PREFIX, Combined, SchemaChange, combine};
pub use count::{MoveCounter, Moves, SegmentColumns, TiersColumns, labels, mask};
pub use criteria::CriterionChange;

/// One version of the segments: the checked program and the text it came from.
#[derive(Clone, Debug)]
pub struct Version {
    /// The checked program.
    pub program: Program,
    /// Its files (for criteria and expectations as written).
    pub sources: Sources,
}

/// What happened to a segment or tiers block between the versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only in the head.
    Added,
    /// Only in the base.
    Removed,
    /// Paused in the head, not in the base: it outputs nobody now.
    Paused,
    /// Paused in the base, not in the head.
    Unpaused,
    /// Its definition changed.
    Changed,
    /// Its definition is the same (members may still move, through what it refers to).
    Unchanged,
    /// The base version reads a field that changed incompatibly: not evaluated.
    NotCompared,
}

/// A segment's change.
#[derive(Clone, Debug, Serialize)]
pub struct SegmentDiff {
    /// The segment.
    pub name: String,
    /// What happened to it.
    pub status: Status,
    /// Sizes and moves (zero when not compared).
    #[serde(flatten)]
    pub moves: Moves,
    /// Its criteria's changes.
    pub criteria: Vec<CriterionChange>,
    /// With the same rules: the changed segments and tiers blocks it refers to
    /// (directly or not), through which its members moved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub through: Vec<String>,
}

/// A tier label's moves.
#[derive(Clone, Debug, Serialize)]
pub struct LabelDiff {
    /// The label.
    pub label: String,
    /// Sizes and moves.
    #[serde(flatten)]
    pub moves: Moves,
    /// Its condition's changes.
    pub criteria: Vec<CriterionChange>,
}

/// A tiers block's change.
#[derive(Clone, Debug, Serialize)]
pub struct TiersDiff {
    /// The block.
    pub name: String,
    /// What happened to it.
    pub status: Status,
    /// Per label, head order then labels only the base had.
    pub labels: Vec<LabelDiff>,
}

/// An expectation that fails in the head and did not in the base.
#[derive(Clone, Debug, Serialize)]
pub struct NewFailure {
    /// The segment.
    pub segment: String,
    /// The `expect` line as written.
    pub expect: String,
    /// The measured value: count and of-how-many.
    pub measured: Option<crate::expect::Measured>,
}

/// Two rule versions side by side in one combined program.
pub struct RuleDiff {
    /// The base version.
    pub base: Version,
    /// The head version.
    pub head: Version,
    /// Both, as one program.
    pub combined: Combined,
}

impl RuleDiff {
    /// Combines the two versions.
    pub fn new(base: Version, head: Version) -> RuleDiff {
        let combined = combine(&base.program, &head.program);
        RuleDiff {
            base,
            head,
            combined,
        }
    }

    /// Every segment (paused ones too: their expectations count) and tiers block
    /// of both versions.
    pub fn selection(&self) -> Selection {
        let p = &self.combined.program;
        let names = p.segments.iter().map(|s| s.name.clone());
        Selection::Named(
            names
                .chain(p.tiers.iter().map(|t| t.name.clone()))
                .collect(),
        )
    }

    /// Where each segment and tiers block of either version is among the
    /// membership columns of `plan` (a plan of [`RuleDiff::selection`]).
    pub fn counter(&self, plan: &Plan) -> MoveCounter {
        let column = |name: &str| {
            plan.outputs()
                .iter()
                .position(|o| o.name == name)
                .map(|i| i + 1)
        };
        let (base, head) = (&self.base.program, &self.head.program);
        let segments = segment_names(base, head)
            .into_iter()
            .map(|name| {
                let active = |p: &Program| {
                    p.segment_named(&name)
                        .is_some_and(|id| !p.segment(id).paused)
                };
                SegmentColumns {
                    base: column(&format!("{BASE_PREFIX}{name}")).filter(|_| active(base)),
                    head: column(&name).filter(|_| active(head)),
                    name,
                }
            })
            .collect();
        let tiers = tier_names(base, head)
            .into_iter()
            .map(|name| TiersColumns {
                base: column(&format!("{BASE_PREFIX}{name}")),
                head: column(&name),
                labels: tier_labels(base, head, &name),
                name,
            })
            .collect();
        MoveCounter::new(segments, tiers)
    }

    /// The report once the counter has seen every row.
    pub fn report(&self, counter: &MoveCounter, outcomes: &[Outcome]) -> Report {
        let mut segments: Vec<SegmentDiff> = counter
            .segments()
            .iter()
            .zip(&counter.segment_moves)
            .map(|(columns, moves)| self.segment_diff(&columns.name, *moves))
            .collect();
        let tiers: Vec<TiersDiff> = counter
            .tiers()
            .iter()
            .zip(&counter.tier_moves)
            .map(|(columns, moves)| self.tiers_diff(columns, moves))
            .collect();
        let changed: Vec<String> = segments
            .iter()
            .filter(|s| s.status != Status::Unchanged)
            .map(|s| s.name.clone())
            .chain(
                tiers
                    .iter()
                    .filter(|t| t.status != Status::Unchanged)
                    .map(|t| t.name.clone()),
            )
            .collect();
        for segment in segments
            .iter_mut()
            .filter(|s| s.status == Status::Unchanged)
        {
            segment.through = self.changed_references(&segment.name, &changed);
        }
        Report {
            segments,
            tiers,
            newly_failing: self.newly_failing(outcomes),
            schema_changes: self.combined.changes.clone(),
            new_warnings: Vec::new(),
        }
    }

    /// The changed segments and tiers blocks the head's `name` refers to,
    /// directly or through others, in the order met.
    fn changed_references(&self, name: &str, changed: &[String]) -> Vec<String> {
        let head = &self.head.program;
        let Some(root) = head.segment_named(name) else {
            return Vec::new();
        };
        let mut seen = vec![Derived::Segment(root)];
        let mut pending = vec![Derived::Segment(root)];
        let mut found = Vec::new();
        while let Some(item) = pending.pop() {
            for reference in head.conditions(item).iter().flat_map(|c| c.references()) {
                if seen.contains(&reference) {
                    continue;
                }
                seen.push(reference);
                pending.push(reference);
                let name = match reference {
                    Derived::Segment(id) => &head.segment(id).name,
                    Derived::Tiers(id) => &head.tier_block(id).name,
                };
                if changed.contains(name) {
                    found.push(name.clone());
                }
            }
        }
        found
    }

    fn segment_diff(&self, name: &str, moves: Moves) -> SegmentDiff {
        let (base, head) = (&self.base.program, &self.head.program);
        let b = base.segment_named(name);
        let h = head.segment_named(name);
        let compared = b.is_none_or(|id| self.combined.base_segments[id.0 as usize].is_some());
        let criteria = match (b, h) {
            (Some(b), Some(h)) => criteria::compare(
                &criteria::criteria(&base.segment(b).condition, &self.base.sources),
                &criteria::criteria(&head.segment(h).condition, &self.head.sources),
            ),
            _ => Vec::new(),
        };
        let status = match (b, h) {
            _ if !compared => Status::NotCompared,
            (None, _) => Status::Added,
            (_, None) => Status::Removed,
            (Some(b), Some(h)) => match (base.segment(b).paused, head.segment(h).paused) {
                (false, true) => Status::Paused,
                (true, false) => Status::Unpaused,
                _ if criteria.is_empty() => Status::Unchanged,
                _ => Status::Changed,
            },
        };
        SegmentDiff {
            name: name.to_string(),
            status,
            moves: if compared { moves } else { Moves::default() },
            criteria,
            through: Vec::new(),
        }
    }

    fn tiers_diff(&self, columns: &TiersColumns, moves: &[Moves]) -> TiersDiff {
        let block = |p: &'_ Program| p.tiers.iter().find(|t| t.name == columns.name).cloned();
        let (b, h) = (block(&self.base.program), block(&self.head.program));
        let condition = |block: &Option<crate::check::ir::TierBlock>, label: &str, sources| {
            block
                .as_ref()
                .and_then(|b| b.tiers.iter().find(|t| t.name == label))
                .map(|t| match &t.condition {
                    Some(c) => criteria::criteria(c, sources),
                    None => vec!["otherwise".to_string()],
                })
                .unwrap_or_default()
        };
        let labels: Vec<LabelDiff> = columns
            .labels
            .iter()
            .zip(moves)
            .map(|(label, moves)| LabelDiff {
                label: label.clone(),
                moves: *moves,
                criteria: criteria::compare(
                    &condition(&b, label, &self.base.sources),
                    &condition(&h, label, &self.head.sources),
                ),
            })
            .collect();
        let compared = columns.base.is_some() || b.is_none();
        let status = match (&b, &h) {
            _ if !compared => Status::NotCompared,
            (None, _) => Status::Added,
            (_, None) => Status::Removed,
            _ if labels.iter().all(|l| l.criteria.is_empty()) => Status::Unchanged,
            _ => Status::Changed,
        };
        TiersDiff {
            name: columns.name.clone(),
            status,
            labels,
        }
    }

    /// Head expectations that fail, whose base version (same segment, same
    /// text) did not fail.
    fn newly_failing(&self, outcomes: &[Outcome]) -> Vec<NewFailure> {
        let text = |o: &Outcome, sources: &Sources| {
            let t = sources.get(o.span.file).map_or("", |f| f.slice(o.span));
            t.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let base_failed: Vec<(String, String)> = outcomes
            .iter()
            .filter(|o| o.segment.starts_with(BASE_PREFIX) && o.passed == Some(false))
            .map(|o| {
                (
                    o.segment[BASE_PREFIX.len()..].to_string(),
                    text(o, &self.base.sources),
                )
            })
            .collect();
        outcomes
            .iter()
            .filter(|o| !o.segment.starts_with(BASE_PREFIX) && o.passed == Some(false))
            .map(|o| (o, text(o, &self.head.sources)))
            .filter(|(o, t)| !base_failed.contains(&(o.segment.clone(), t.clone())))
            .map(|(o, expect)| NewFailure {
                segment: o.segment.clone(),
                expect,
                measured: o.measured,
            })
            .collect()
    }
}

/// Segment names of the head, then those only the base has, in program order.
fn segment_names(base: &Program, head: &Program) -> Vec<String> {
    let mut names: Vec<String> = head.segments.iter().map(|s| s.name.clone()).collect();
    for s in &base.segments {
        if head.segment_named(&s.name).is_none() {
            names.push(s.name.clone());
        }
    }
    names
}

fn tier_names(base: &Program, head: &Program) -> Vec<String> {
    let mut names: Vec<String> = head.tiers.iter().map(|t| t.name.clone()).collect();
    for t in &base.tiers {
        if !names.contains(&t.name) {
            names.push(t.name.clone());
        }
    }
    names
}

fn tier_labels(base: &Program, head: &Program, block: &str) -> Vec<String> {
    let mut labels = Vec::new();
    for program in [head, base] {
        if let Some(b) = program.tiers.iter().find(|t| t.name == block) {
            for tier in &b.tiers {
                if !labels.contains(&tier.name) {
                    labels.push(tier.name.clone());
                }
            }
        }
    }
    labels
}

/// The whole comparison, ready to print.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Every segment of either version (head order, then removed ones).
    pub segments: Vec<SegmentDiff>,
    /// Every tiers block of either version.
    pub tiers: Vec<TiersDiff>,
    /// Head expectations failing that did not fail in the base.
    pub newly_failing: Vec<NewFailure>,
    /// Fields declared incompatibly by the two versions.
    pub schema_changes: Vec<SchemaChange>,
    /// Warnings of the head that the base did not have (same code and message).
    pub new_warnings: Vec<NewWarning>,
}

/// A lint warning the change brought.
#[derive(Clone, Debug, Serialize)]
pub struct NewWarning {
    /// The diagnostic code.
    pub code: String,
    /// The message.
    pub message: String,
    /// `file:line:column` in the head.
    pub at: String,
}

/// The head's warnings whose code and message the base's warnings do not have.
pub fn new_warnings(
    base: &[crate::diagnostic::Diagnostic],
    head: &[crate::diagnostic::Diagnostic],
    head_sources: &Sources,
) -> Vec<NewWarning> {
    use crate::diagnostic::Severity;
    let known: Vec<(&str, &str)> = base
        .iter()
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    head.iter()
        .filter(|d| d.severity() == Severity::Warning)
        .filter(|d| !known.contains(&(d.code.as_str(), d.message.as_str())))
        .map(|d| {
            let at = crate::diagnostic::render::Location::of(head_sources, d.primary.span);
            NewWarning {
                code: d.code.as_str().to_string(),
                message: d.message.clone(),
                at: format!("{}:{}:{}", at.file, at.line, at.column),
            }
        })
        .collect()
}

impl Report {
    /// The report of a comparison without rule versions (two data snapshots):
    /// every segment and tiers block as it is, only its members moved.
    pub fn of_moves(counter: &MoveCounter) -> Report {
        let segments = counter
            .segments()
            .iter()
            .zip(&counter.segment_moves)
            .map(|(columns, moves)| SegmentDiff {
                name: columns.name.clone(),
                status: Status::Unchanged,
                moves: *moves,
                criteria: Vec::new(),
                through: Vec::new(),
            })
            .collect();
        let tiers = counter
            .tiers()
            .iter()
            .zip(&counter.tier_moves)
            .map(|(columns, moves)| TiersDiff {
                name: columns.name.clone(),
                status: Status::Unchanged,
                labels: columns
                    .labels
                    .iter()
                    .zip(moves)
                    .map(|(label, moves)| LabelDiff {
                        label: label.clone(),
                        moves: *moves,
                        criteria: Vec::new(),
                    })
                    .collect(),
            })
            .collect();
        Report {
            segments,
            tiers,
            newly_failing: Vec::new(),
            schema_changes: Vec::new(),
            new_warnings: Vec::new(),
        }
    }

    /// Segments whose size moved by more than `share` of their size before (a
    /// segment that had no members and has some now always counts).
    pub fn over(&self, share: f64) -> Vec<&SegmentDiff> {
        self.segments
            .iter()
            .filter(|s| match s.moves.relative() {
                Some(r) => r.abs() > share,
                None => s.moves.after > 0,
            })
            .collect()
    }
}
