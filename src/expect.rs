//! `expect` lines → results, for `segmint test`: takes the checked program and the
//! membership statistics of every segment (paused ones too, with the overlap
//! matrix), gives each expectation with its measured value and whether it holds.
//!
//! - `size …`: the segment's member count, or its share of all input rows for a
//!   percentage bound;
//! - `disjoint from x`: the number of customers in both (holds when 0);
//! - `overlap with x …`: customers in both, or their share of this segment's members;
//! - `lift(x)`: the mean of `x` over the members ÷ its mean over every row; the
//!   plan computes `x` per customer ([`lift_measures`] lists them, in the order
//!   [`measure`] reads [`Stats::measures`]). Missing values of `x` are left out
//!   of both means.
//!
//! A measured value that is missing (a share of an empty segment or of no rows; a
//! lift with no member value, no value at all, or a population mean of 0) fails,
//! as the language reference says.

use std::cmp::Ordering;

use serde::Serialize;

use crate::check::ir::{Bound, CmpOp, ExpectKind, Expr, Program, Quantity, SegmentId};
use crate::source::Span;
use crate::stats::Stats;

/// One expectation and what was measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The segment the `expect` line belongs to.
    pub segment: String,
    /// Which form of `expect`.
    pub kind: Kind,
    /// The `expect` line as written.
    pub span: Span,
    /// What was measured; `None` when it could not be.
    pub measured: Option<Measured>,
    /// Whether the expectation holds; `None` when it was not measured.
    pub passed: Option<bool>,
    /// For `lift`: the means and their ratio.
    pub lift: Option<Lift>,
}

/// A measured `lift(x)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Lift {
    /// Members' mean ÷ population mean; `None` when either is missing or the
    /// population mean is 0.
    pub value: Option<f64>,
    /// The mean of `x` over the segment's members (missing values left out).
    pub members_mean: Option<f64>,
    /// The mean of `x` over every customer.
    pub population_mean: Option<f64>,
    /// Members with a value of `x`.
    pub members: u64,
    /// Whether the segment has no members at all.
    pub empty: bool,
}

impl Lift {
    fn of(members: crate::stats::Mean, all: crate::stats::Mean, size: u64) -> Lift {
        let (m, p) = (members.value(), all.value());
        Lift {
            value: m.zip(p).filter(|(_, p)| *p != 0.0).map(|(m, p)| m / p),
            members_mean: m,
            population_mean: p,
            members: members.count,
            empty: size == 0,
        }
    }

    /// Why the lift has no value, in words; `None` when it has one.
    pub fn missing_reason(&self) -> Option<&'static str> {
        if self.value.is_some() {
            None
        } else if self.population_mean.is_none() {
            Some("no customer has a value")
        } else if self.empty {
            Some("the segment has no members")
        } else if self.members_mean.is_none() {
            Some("no member has a value")
        } else {
            Some("the mean over all customers is 0")
        }
    }
}

/// The argument of every `lift` expectation of the segments `measured` keeps, in
/// program order: what the plan must compute per customer
/// ([`crate::plan::PlanOptions::measures`]) for [`measure`].
pub fn lift_measures(program: &Program, measured: &dyn Fn(&str) -> bool) -> Vec<Expr> {
    program
        .segments
        .iter()
        .filter(|s| measured(&s.name))
        .flat_map(|s| &s.expects)
        .filter_map(|e| match &e.kind {
            ExpectKind::Lift(x, _) => Some(x.clone()),
            _ => None,
        })
        .collect()
}

/// The forms of `expect`, as measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `expect size …`: members, of all rows.
    Size,
    /// `expect disjoint from x`: customers in both.
    Disjoint,
    /// `expect overlap with x …`: customers in both, of this segment's members.
    Overlap,
    /// `expect lift(x) …`: members' mean of `x` over everyone's.
    Lift,
}

/// A measured value: a count and, where it has one, the share it is a part of.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Measured {
    /// Customers counted.
    pub count: u64,
    /// `count` over the base (all rows for `size`, the segment for `overlap`), if the
    /// base is not empty.
    pub share: Option<f64>,
    /// The base the share is of.
    pub of: u64,
}

/// Every expectation of the segments in `stats`, in program order. `stats` must
/// hold the segments those expectations name, the overlap matrix and the means of
/// [`lift_measures`] of the same segments.
pub fn measure(program: &Program, stats: &Stats) -> Vec<Outcome> {
    let mut lifts = stats.measures.iter();
    let index = |id: SegmentId| {
        let name = &program.segment(id).name;
        stats
            .segments
            .iter()
            .position(|c| c.name.as_deref() == Some(name.as_str()))
    };
    let mut outcomes = Vec::new();
    for (i, segment) in program.segments.iter().enumerate() {
        let this = index(SegmentId(u32::try_from(i).unwrap_or(u32::MAX)));
        if this.is_none() {
            continue;
        }
        for expect in &segment.expects {
            let mut lift = None;
            let (kind, measured, passed) = match &expect.kind {
                ExpectKind::Size(bound) => {
                    let measured = this.map(|t| size(stats, t));
                    (Kind::Size, measured, measured.map(|m| holds(bound, m)))
                }
                ExpectKind::Disjoint(other) => {
                    let measured = this.zip(index(*other)).map(|(t, o)| both(stats, t, o));
                    (Kind::Disjoint, measured, measured.map(|m| m.count == 0))
                }
                ExpectKind::Overlap(other, bound) => {
                    let measured = this.zip(index(*other)).map(|(t, o)| both(stats, t, o));
                    (Kind::Overlap, measured, measured.map(|m| holds(bound, m)))
                }
                ExpectKind::Lift(_, bound) => {
                    let means = lifts.next();
                    lift = means.zip(this).map(|(means, t)| {
                        let members = means.members.get(t).copied().unwrap_or_default();
                        let size = stats.segments.get(t).map_or(0, |c| c.count);
                        Lift::of(members, means.all, size)
                    });
                    let passed = lift.map(|l| l.value.is_some_and(|v| holds_value(bound, v)));
                    (Kind::Lift, None, passed)
                }
            };
            outcomes.push(Outcome {
                segment: segment.name.clone(),
                kind,
                span: expect.span,
                measured,
                passed,
                lift,
            });
        }
    }
    outcomes
}

fn size(stats: &Stats, segment: usize) -> Measured {
    let count = stats.segments.get(segment).map_or(0, |c| c.count);
    measured(count, stats.rows)
}

/// Customers in both segments, as a share of the first one's members.
fn both(stats: &Stats, this: usize, other: usize) -> Measured {
    let cell = |i: usize, j: usize| {
        stats
            .overlap
            .as_ref()
            .and_then(|o| o.counts.get(i))
            .and_then(|row| row.get(j))
            .copied()
            .unwrap_or(0)
    };
    measured(cell(this, other), cell(this, this))
}

fn measured(count: u64, of: u64) -> Measured {
    Measured {
        count,
        share: (of > 0).then(|| count as f64 / of as f64),
        of,
    }
}

/// Whether `measured` is within `bound`; a missing share never is.
fn holds(bound: &Bound, measured: Measured) -> bool {
    match bound {
        Bound::Compare(op, quantity) => {
            compare(measured, *quantity).is_some_and(|o| op_holds(*op, o))
        }
        Bound::Between(low, high) => {
            compare(measured, *low).is_some_and(|o| o != Ordering::Less)
                && compare(measured, *high).is_some_and(|o| o != Ordering::Greater)
        }
    }
}

/// Whether a plain number (a lift) is within `bound`.
fn holds_value(bound: &Bound, value: f64) -> bool {
    let against = |q: Quantity| match q {
        Quantity::Number(n) | Quantity::Share(n) => value.partial_cmp(&n),
    };
    match bound {
        Bound::Compare(op, quantity) => against(*quantity).is_some_and(|o| op_holds(*op, o)),
        Bound::Between(low, high) => {
            against(*low).is_some_and(|o| o != Ordering::Less)
                && against(*high).is_some_and(|o| o != Ordering::Greater)
        }
    }
}

/// The measured value (count or share, as the quantity is) against the quantity.
fn compare(measured: Measured, quantity: Quantity) -> Option<Ordering> {
    match quantity {
        Quantity::Number(n) => (measured.count as f64).partial_cmp(&n),
        Quantity::Share(s) => measured.share.and_then(|m| m.partial_cmp(&s)),
    }
}

fn op_holds(op: CmpOp, ordering: Ordering) -> bool {
    match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::NotEq => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::LtEq => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::GtEq => ordering != Ordering::Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(count: u64, of: u64) -> Measured {
        measured(count, of)
    }

    #[test]
    fn bounds_compare_counts_or_shares() {
        let cases = [
            (
                Bound::Compare(CmpOp::GtEq, Quantity::Number(500.0)),
                m(500, 1000),
                true,
            ),
            (
                Bound::Compare(CmpOp::GtEq, Quantity::Number(500.0)),
                m(499, 1000),
                false,
            ),
            (
                Bound::Compare(CmpOp::LtEq, Quantity::Share(0.2)),
                m(200, 1000),
                true,
            ),
            (
                Bound::Compare(CmpOp::LtEq, Quantity::Share(0.2)),
                m(201, 1000),
                false,
            ),
            (
                Bound::Between(Quantity::Share(0.01), Quantity::Share(0.1)),
                m(10, 1000),
                true,
            ),
            (
                Bound::Between(Quantity::Share(0.01), Quantity::Share(0.1)),
                m(100, 1000),
                true,
            ),
            (
                Bound::Between(Quantity::Share(0.01), Quantity::Share(0.1)),
                m(101, 1000),
                false,
            ),
            (
                Bound::Between(Quantity::Share(0.01), Quantity::Share(0.1)),
                m(9, 1000),
                false,
            ),
            // A share of nothing is missing: the expectation fails.
            (
                Bound::Compare(CmpOp::LtEq, Quantity::Share(0.3)),
                m(0, 0),
                false,
            ),
        ];
        for (bound, measured, expected) in cases {
            assert_eq!(
                holds(&bound, measured),
                expected,
                "{bound:?} on {measured:?}"
            );
        }
    }
}
