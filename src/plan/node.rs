//! The plan's flat arena: [`Node`]s addressed by [`NodeId`], literals by [`ConstId`].
//!
//! Children always have smaller ids than their parents, so evaluating the arena in
//! id order evaluates every child first. Identical nodes are stored once
//! (hash-consing), so a sub-expression written in ten segments is computed once.

use super::aggregate::AggregateId;
use crate::check::ir::{ArithOp, CmpOp, FieldId, RankScore, Side, StringOp, TierId};

/// Index of a node in [`Plan::nodes`](super::Plan::nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Index of a literal in [`Plan::consts`](super::Plan::consts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConstId(pub u32);

/// Index of a population statistic in [`Plan::stats`](super::Plan::stats).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatId(pub u32);

/// Index of a pattern in [`Plan::patterns`](super::Plan::patterns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatternId(pub u32);

/// A literal value, hashable so equal literals share one [`ConstId`].
/// Dates and timestamps are resolved: relative dates are already fixed days.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lit {
    /// `true` / `false`
    Bool(bool),
    /// an int
    Int(i64),
    /// a float, by its bits (NaN never occurs; `-0.0` is stored as `0.0`)
    Float(u64),
    /// a string or enum value
    Str(String),
    /// a date, days since 1970-01-01
    Date(i32),
    /// an instant, microseconds since the epoch (UTC)
    Timestamp(i64),
}

impl Lit {
    /// A float literal, normalised (`-0.0` → `0.0`).
    pub fn float(value: f64) -> Lit {
        Lit::Float(if value == 0.0 { 0.0f64 } else { value }.to_bits())
    }
}

/// What a node computes. Value nodes give an Arrow array (or a scalar) that may
/// hold nulls; criterion nodes give a definite mask (missing already turned into
/// false). The doc of each variant shows the language form it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    // ----- values --------------------------------------------------------------
    /// A data column: `age`
    Column(FieldId),
    /// A literal: `30`, `"DE"`, a resolved date
    Const(ConstId),
    /// `a + b`, `a - b`, `a * b`, `a / b` (ints overflow to missing; `/` is real division)
    Arith {
        /// Operator.
        op: ArithOp,
        /// Left operand.
        left: NodeId,
        /// Right operand.
        right: NodeId,
    },
    /// `-a`
    Neg(NodeId),
    /// An int as a float (inserted by the checker).
    ToFloat(NodeId),
    /// The UTC date of a timestamp.
    DateOf(NodeId),
    /// `lower(s)`
    Lower(NodeId),
    /// `upper(s)`
    Upper(NodeId),
    /// `length(s)` in characters
    LengthString(NodeId),
    /// `length(list)` in items
    LengthList(NodeId),
    /// `days_since(d)` = as-of − d in days
    DaysSince {
        /// The date.
        value: NodeId,
        /// The as-of date, days since 1970-01-01.
        as_of: i32,
    },
    /// `year(d)`
    Year(NodeId),
    /// `month(d)`
    Month(NodeId),
    /// `quintile(x)`, `decile(x)`, `percentile(x)` of the value in a statistic.
    Rank {
        /// Which score.
        score: RankScore,
        /// The ranked value (in this row).
        value: NodeId,
        /// The population of the ranked value.
        stat: StatId,
    },
    /// An event aggregate's value per row, computed by the event scans before
    /// the main pass: `count(orders within last 90 days)`.
    Aggregate(AggregateId),
    /// A tiers block's label per row: first tier whose condition holds (`None` = `otherwise`).
    Tiers {
        /// The block.
        block: TierId,
        /// One condition per tier, in order.
        conditions: Vec<Option<NodeId>>,
    },

    // ----- criteria (definite masks) ----------------------------------------------
    /// A bool value used as a criterion: `newsletter_opt_in` (missing → false)
    Truthy(NodeId),
    /// `a and b …`
    And(Vec<NodeId>),
    /// `a or b …`
    Or(Vec<NodeId>),
    /// `not a`, over a definite mask
    Not(NodeId),
    /// `a op b`
    Compare {
        /// Left operand.
        left: NodeId,
        /// Operator.
        op: CmpOp,
        /// Right operand.
        right: NodeId,
    },
    /// `a [not] in [literals]`
    InList {
        /// Tested value.
        value: NodeId,
        /// The literals.
        items: Vec<ConstId>,
        /// `not in` (false on missing)
        negated: bool,
    },
    /// `a [not] between low and high` (inclusive)
    Between {
        /// Tested value.
        value: NodeId,
        /// Lower bound.
        low: NodeId,
        /// Upper bound.
        high: NodeId,
        /// `not between` (false when any side is missing)
        negated: bool,
    },
    /// `a is missing` / `a is present`
    IsMissing {
        /// Tested value.
        value: NodeId,
        /// `is present`
        negated: bool,
    },
    /// `contains`, `starts with`, `ends with`, `matches`
    StringTest {
        /// Tested string.
        value: NodeId,
        /// Which test.
        op: StringOp,
        /// The pattern (and its compiled regex for `matches`).
        pattern: PatternId,
    },
    /// `has x`, `has any [...]`, `has all [...]`
    Has {
        /// Tested list.
        list: NodeId,
        /// `has all`
        all: bool,
        /// Items, of the list's element type.
        items: Vec<ConstId>,
    },
    /// `is empty` / `is not empty` (present lists only)
    IsEmpty {
        /// Tested list.
        value: NodeId,
        /// `is not empty`
        negated: bool,
    },
    /// `x in top|bottom P%`
    Percentile {
        /// The ranked value (in this row).
        value: NodeId,
        /// The population of the ranked value.
        stat: StatId,
        /// `top` or `bottom`.
        side: Side,
        /// P/100 as an exact fraction.
        share: Fraction,
    },
}

impl Node {
    /// Whether the node gives a definite mask (a criterion) rather than values.
    pub fn is_criterion(&self) -> bool {
        matches!(
            self,
            Node::Truthy(_)
                | Node::And(_)
                | Node::Or(_)
                | Node::Not(_)
                | Node::Compare { .. }
                | Node::InList { .. }
                | Node::Between { .. }
                | Node::IsMissing { .. }
                | Node::StringTest { .. }
                | Node::Has { .. }
                | Node::IsEmpty { .. }
                | Node::Percentile { .. }
        )
    }

    /// The nodes this node reads directly.
    pub fn children(&self) -> Vec<NodeId> {
        match self {
            Node::Column(_) | Node::Const(_) | Node::Aggregate(_) => Vec::new(),
            Node::Arith { left, right, .. } | Node::Compare { left, right, .. } => {
                vec![*left, *right]
            }
            Node::Neg(a)
            | Node::ToFloat(a)
            | Node::DateOf(a)
            | Node::Lower(a)
            | Node::Upper(a)
            | Node::LengthString(a)
            | Node::LengthList(a)
            | Node::Year(a)
            | Node::Month(a)
            | Node::Truthy(a)
            | Node::Not(a)
            | Node::DaysSince { value: a, .. }
            | Node::InList { value: a, .. }
            | Node::IsMissing { value: a, .. }
            | Node::StringTest { value: a, .. }
            | Node::Has { list: a, .. }
            | Node::IsEmpty { value: a, .. }
            | Node::Rank { value: a, .. }
            | Node::Percentile { value: a, .. } => vec![*a],
            Node::Tiers { conditions, .. } => conditions.iter().flatten().copied().collect(),
            Node::And(items) | Node::Or(items) => items.clone(),
            Node::Between {
                value, low, high, ..
            } => vec![*value, *low, *high],
        }
    }
}

/// An exact share `num / den` (P% = P/100), recovered from the checker's `f64` as
/// the shortest decimal with at most 12 fractional digits that gives back the same
/// float, so `count * den < num * n` is decided in exact integer arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fraction {
    /// Numerator.
    pub num: u64,
    /// Denominator (a power of ten).
    pub den: u64,
}

impl Fraction {
    /// The fraction a checked `f64` share stands for (clamped to [0, 1]).
    pub fn from_share(share: f64) -> Fraction {
        let share = if share.is_nan() {
            0.0
        } else {
            share.clamp(0.0, 1.0)
        };
        let mut den: u64 = 1;
        for _ in 0..=12 {
            let num = (share * den as f64).round();
            if num / den as f64 == share || den == 1_000_000_000_000 {
                return Fraction {
                    num: num as u64,
                    den,
                };
            }
            den *= 10;
        }
        Fraction { num: 0, den: 1 }
    }

    /// Whether `count / n < self`, exactly.
    pub fn exceeds(self, count: u64, n: u64) -> bool {
        u128::from(count) * u128::from(self.den) < u128::from(self.num) * u128::from(n)
    }

    /// As a percentage, for `explain` (`20%`, `12.5%`).
    pub fn percent(self) -> String {
        let value = self.num as f64 * 100.0 / self.den as f64;
        format!("{value}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_become_exact_decimals() {
        let cases = [
            (0.2, 2, 10),
            (0.07, 7, 100),
            (0.125, 125, 1000),
            (1.0, 1, 1),
            (0.333, 333, 1000),
        ];
        for (share, num, den) in cases {
            assert_eq!(
                Fraction::from_share(share),
                Fraction { num, den },
                "{share}"
            );
        }
    }

    #[test]
    fn exceeds_is_strict() {
        let twenty = Fraction::from_share(0.2);
        assert!(twenty.exceeds(1, 10));
        assert!(!twenty.exceeds(2, 10));
        assert!(!twenty.exceeds(0, 0));
    }
}
