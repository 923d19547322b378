//! Population criteria read as bounds on a customer's standing in the table, for
//! `unreachable_tier`: `x in top 5%`, `quintile(x) = 5`, `percentile(x) >= 80`.
//!
//! With n rows where `x` is present, `below` the number of rows with a smaller
//! value and `above` the number with a larger one (language.md, Population):
//!
//! - `x in top P%` ⇔ above/n < P; `x in bottom P%` ⇔ below/n < P;
//! - `quintile(x) >= k` ⇔ below/n ≥ (k−1)/5, `quintile(x) <= k` ⇔ below/n < k/5
//!   (deciles likewise with 10);
//! - `percentile(x) >= p` ⇔ below/n ≥ p/100 (and so on for each operator).
//!
//! The customer's own row is neither below nor above it, so below/n ≥ a means
//! above/n < 1 − a: `quintile(x) = 5` implies `x in top 20%` (not the other way
//! round, because of ties). Shares are whole parts per million, so every
//! comparison is exact; a share that is not is not read.

use crate::check::ir::{CmpOp, Expr, ExprKind, Literal, RankScore, Side};

use super::atoms::{flip, same_value};

/// One million: a share of 1 in parts per million.
const WHOLE: i64 = 1_000_000;

/// One end of a bound on a share, in parts per million, and whether it is included.
type End = Option<(i64, bool)>;

/// What a population criterion says about a customer's standing.
pub(super) struct Standing<'a> {
    /// The ranked value (`x`).
    value: &'a Expr,
    /// Lower end of the share of rows below the customer.
    below_low: End,
    /// Upper end of the share of rows below the customer.
    below_high: End,
    /// The share of rows above the customer is less than this.
    above_under: Option<i64>,
}

/// Whether `a` holding means `b` holds, for two population criteria on one value
/// (`false` when either is not one, or when unsure).
pub(super) fn implies(a: &Expr, b: &Expr) -> bool {
    match (standing(a), standing(b)) {
        (Some(a), Some(b)) => same_value(a.value, b.value) && a.implies(&b),
        _ => false,
    }
}

impl Standing<'_> {
    fn implies(&self, other: &Standing<'_>) -> bool {
        let any =
            other.below_low.is_some() || other.below_high.is_some() || other.above_under.is_some();
        any && tighter_low(self.below_low, other.below_low)
            && tighter_high(self.below_high, other.below_high)
            && self.above_within(other.above_under)
    }

    /// Whether the share above is certainly under `limit`.
    fn above_within(&self, limit: Option<i64>) -> bool {
        let Some(limit) = limit else {
            return true;
        };
        let from_above = self.above_under.is_some_and(|under| under <= limit);
        let from_below = self.below_low.is_some_and(|(low, _)| WHOLE - low <= limit);
        from_above || from_below
    }
}

/// Whether a lower end `a` is at least as tight as `b`.
fn tighter_low(a: End, b: End) -> bool {
    match (a, b) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some((x, x_in)), Some((y, y_in))) => x > y || (x == y && (y_in || !x_in)),
    }
}

/// Whether an upper end `a` is at least as tight as `b`.
fn tighter_high(a: End, b: End) -> bool {
    match (a, b) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some((x, x_in)), Some((y, y_in))) => x < y || (x == y && (y_in || !x_in)),
    }
}

/// Reads a population criterion; `None` for anything else.
fn standing(criterion: &Expr) -> Option<Standing<'_>> {
    match &criterion.kind {
        ExprKind::Percentile {
            value,
            side,
            fraction,
        } => {
            let share = ppm(*fraction)?;
            Some(match side {
                Side::Top => Standing::of(value).above(share),
                Side::Bottom => Standing::of(value).below_high((share, false)),
            })
        }
        ExprKind::Compare { left, op, right } => match (&left.kind, number(right)) {
            (ExprKind::Rank { score, value }, Some(n)) => score_bound(*score, value, *op, n),
            _ => match (number(left), &right.kind) {
                (Some(n), ExprKind::Rank { score, value }) => {
                    score_bound(*score, value, flip(*op), n)
                }
                _ => None,
            },
        },
        ExprKind::Between {
            value,
            low,
            high,
            negated: false,
        } => {
            let ExprKind::Rank { score, value } = &value.kind else {
                return None;
            };
            let low = score_bound(*score, value, CmpOp::GtEq, number(low)?)?;
            let high = score_bound(*score, value, CmpOp::LtEq, number(high)?)?;
            Some(Standing {
                below_high: high.below_high,
                ..low
            })
        }
        _ => None,
    }
}

impl<'a> Standing<'a> {
    fn of(value: &'a Expr) -> Self {
        Standing {
            value,
            below_low: None,
            below_high: None,
            above_under: None,
        }
    }

    fn above(self, under: i64) -> Self {
        Standing {
            above_under: Some(under),
            ..self
        }
    }

    fn below_low(self, end: (i64, bool)) -> Self {
        Standing {
            below_low: Some(end),
            ..self
        }
    }

    fn below_high(self, end: (i64, bool)) -> Self {
        Standing {
            below_high: Some(end),
            ..self
        }
    }
}

/// `score(value) op n` as bounds on the share below.
fn score_bound(score: RankScore, value: &Expr, op: CmpOp, n: f64) -> Option<Standing<'_>> {
    let at = Standing::of(value);
    match score {
        RankScore::Percentile => {
            let share = ppm(n / 100.0)?;
            Some(match op {
                CmpOp::GtEq => at.below_low((share, true)),
                CmpOp::Gt => at.below_low((share, false)),
                CmpOp::LtEq => at.below_high((share, true)),
                CmpOp::Lt => at.below_high((share, false)),
                CmpOp::Eq => at.below_low((share, true)).below_high((share, true)),
                CmpOp::NotEq => return None,
            })
        }
        RankScore::Quintile => group_bound(at, 5, op, n),
        RankScore::Decile => group_bound(at, 10, op, n),
    }
}

/// `quintile(x) op k` (groups = 5) or `decile(x) op k` (groups = 10): the score is
/// `1 + floor(groups × below/n)`, so `score >= k` ⇔ below/n ≥ (k−1)/groups and
/// `score <= k` ⇔ below/n < k/groups.
fn group_bound(at: Standing<'_>, groups: i64, op: CmpOp, n: f64) -> Option<Standing<'_>> {
    if n.fract() != 0.0 || n.abs() > 1e6 {
        return None;
    }
    let k = n as i64;
    let step = WHOLE / groups;
    let at_least = |k: i64| ((k - 1) * step, true);
    let at_most = |k: i64| (k * step, false);
    Some(match op {
        CmpOp::GtEq => at.below_low(at_least(k)),
        CmpOp::Gt => at.below_low(at_least(k + 1)),
        CmpOp::LtEq => at.below_high(at_most(k)),
        CmpOp::Lt => at.below_high(at_most(k - 1)),
        CmpOp::Eq => at.below_low(at_least(k)).below_high(at_most(k)),
        CmpOp::NotEq => return None,
    })
}

/// A share as whole parts per million, if it is one.
fn ppm(fraction: f64) -> Option<i64> {
    let parts = fraction * WHOLE as f64;
    let whole = parts.round();
    ((parts - whole).abs() < 1e-6 && whole.abs() <= 1e12).then_some(whole as i64)
}

fn number(expr: &Expr) -> Option<f64> {
    match &expr.kind {
        ExprKind::Literal(Literal::Int(n)) => Some(*n as f64),
        ExprKind::Literal(Literal::Float(x)) => Some(*x),
        _ => None,
    }
}
