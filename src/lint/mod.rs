//! Lints: takes a checked [`Program`], gives warnings. Lints never fail a run on
//! their own (only `--deny-warnings` does that) and never change the program.
//!
//! One lint per file; the file, its function and its [`Code`] share one name, and
//! the function's doc comment is the lint's user documentation. `LINTS` lists
//! them, and [`run`] is the one place that honours `allow <code>` in a segment.
//! Diagnostics come out per segment and tiers block, in source order; nothing is
//! sorted here.

mod atoms;
mod empty_in_list;
mod impossible_comparison;
mod impossible_score;
mod mixed_and_or;
mod not_over_nullable;
mod population;
mod sets;
mod too_many_criteria;
mod unreachable_tier;
mod walk;

pub use too_many_criteria::count_criteria;

use crate::check::ir::{Expr, Program, Segment, TierBlock};
use crate::diagnostic::{Code, Diagnostics};
use crate::source::Sources;

/// Lint settings (`[lint]` in `segmint.toml`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// The most criteria a segment may have before `too_many_criteria` warns.
    #[serde(default = "default_max_criteria")]
    pub max_criteria: usize,
}

fn default_max_criteria() -> usize {
    3
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig {
            max_criteria: default_max_criteria(),
        }
    }
}

/// What every lint may look at besides its subject.
pub struct LintContext<'a> {
    /// The whole program (field names, nullability, other segments and tiers).
    pub program: &'a Program,
    /// The settings.
    pub config: &'a LintConfig,
    /// The source text, for lints that look at how something was written
    /// (brackets). A lint whose file is not among them stays quiet.
    pub sources: &'a Sources,
}

/// What one lint call looks at: a segment or a tiers block.
#[derive(Clone, Copy, Debug)]
pub enum Subject<'a> {
    /// `segment name { … }`
    Segment(&'a Segment),
    /// `tiers name { … }`
    Tiers(&'a TierBlock),
}

impl<'a> Subject<'a> {
    /// The conditions written in it: a segment's `where`, or each tier's condition
    /// (`otherwise` has none).
    pub fn conditions(self) -> Vec<&'a Expr> {
        match self {
            Subject::Segment(segment) => vec![&segment.condition],
            Subject::Tiers(block) => block
                .tiers
                .iter()
                .filter_map(|t| t.condition.as_ref())
                .collect(),
        }
    }

    /// Whether the author silenced `code` here (`allow too_many_criteria`).
    /// Only segments can carry `allow`.
    fn allows(self, code: Code) -> bool {
        match self {
            Subject::Segment(segment) => segment.allows.contains(&code),
            Subject::Tiers(_) => false,
        }
    }

    fn position(self) -> (crate::source::FileId, u32) {
        let span = match self {
            Subject::Segment(segment) => segment.span,
            Subject::Tiers(block) => block.span,
        };
        (span.file, span.start)
    }
}

/// A lint: looks at one subject and reports what it finds, always under its own code.
type Lint = fn(&LintContext<'_>, Subject<'_>, &mut Diagnostics);

/// Every lint with the code it reports.
const LINTS: &[(Code, Lint)] = &[
    (Code::TooManyCriteria, too_many_criteria::too_many_criteria),
    (Code::NotOverNullable, not_over_nullable::not_over_nullable),
    (Code::UnreachableTier, unreachable_tier::unreachable_tier),
    (
        Code::ImpossibleComparison,
        impossible_comparison::impossible_comparison,
    ),
    (Code::EmptyInList, empty_in_list::empty_in_list),
    (Code::MixedAndOr, mixed_and_or::mixed_and_or),
    (Code::ImpossibleScore, impossible_score::impossible_score),
];

/// Runs every lint on every segment and tiers block, in source order, skipping a
/// lint wherever a segment says `allow <code>`.
pub fn run(
    program: &Program,
    sources: &Sources,
    config: &LintConfig,
    diagnostics: &mut Diagnostics,
) {
    let cx = LintContext {
        program,
        config,
        sources,
    };
    for subject in subjects(program) {
        for &(code, lint) in LINTS {
            if !subject.allows(code) {
                lint(&cx, subject, diagnostics);
            }
        }
    }
}

/// Segments and tiers blocks merged into source order (each list already is).
fn subjects(program: &Program) -> Vec<Subject<'_>> {
    let mut segments = program.segments.iter().map(Subject::Segment).peekable();
    let mut tiers = program.tiers.iter().map(Subject::Tiers).peekable();
    let mut out = Vec::with_capacity(program.segments.len() + program.tiers.len());
    loop {
        let take_segment = match (segments.peek(), tiers.peek()) {
            (Some(s), Some(t)) => s.position() <= t.position(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        let next = if take_segment {
            segments.next()
        } else {
            tiers.next()
        };
        out.extend(next);
    }
}

#[cfg(test)]
mod tests;
