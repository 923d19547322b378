//! Criteria read as "this value lies in this set": `age > 50` is `age` in `51..`,
//! `status in ["a", "b"]` is `status` in `{a, b}`, `d within last 30 days` is
//! `date(d)` in `as_of-30 ..= as_of`.
//!
//! Only forms whose set is exact are read; anything else (`not between`, months,
//! percentiles, two fields compared) is no atom, and the lints then say nothing.

use crate::check::ir::{
    DateTarget, Direction, Duration, DurationUnit, Expr, ExprKind, Literal, Type,
};
use crate::syntax::ast::CmpOp;

use super::sets::{Key, ValueSet};

/// A criterion about one value: the value and the set the criterion allows.
pub(super) struct Atom<'a> {
    /// The value tested (`age`, `date(last_order_at)`, `lower(email)`).
    pub value: &'a Expr,
    /// The values for which the criterion holds.
    pub set: ValueSet,
}

/// Reads `criterion` as an atom, if it is one.
pub(super) fn atom(criterion: &Expr) -> Option<Atom<'_>> {
    let (value, set) = match &criterion.kind {
        ExprKind::Compare { left, op, right } => compare(left, *op, right)?,
        ExprKind::InList {
            value,
            items,
            negated,
        } => (value.as_ref(), in_list(items, *negated)?),
        ExprKind::Between {
            value,
            low,
            high,
            negated: false,
        } => (
            value.as_ref(),
            ValueSet::between(literal(low)?, literal(high)?),
        ),
        ExprKind::IsMissing { value, negated } => (value.as_ref(), is_missing(*negated)),
        ExprKind::Within {
            value,
            direction,
            duration,
        } => (value.as_ref(), within(*direction, *duration)?),
        ExprKind::DateCompare {
            value,
            before,
            target,
        } => (value.as_ref(), date_compare(*before, target)?),
        ExprKind::Field(_) if criterion.ty == Type::Bool => {
            (criterion, ValueSet::one_of(vec![Key::Bool(true)]))
        }
        _ => return None,
    };
    Some(Atom { value, set })
}

fn compare<'a>(left: &'a Expr, op: CmpOp, right: &'a Expr) -> Option<(&'a Expr, ValueSet)> {
    if let Some(key) = literal(right) {
        return Some((left, compared(op, key)));
    }
    let key = literal(left)?;
    Some((right, compared(flip(op), key)))
}

/// `x op key` as a set of `x`.
fn compared(op: CmpOp, key: Key) -> ValueSet {
    match op {
        CmpOp::Eq => ValueSet::one_of(vec![key]),
        CmpOp::NotEq => ValueSet::none_of(vec![key]),
        CmpOp::Lt => ValueSet::at_most(key, false),
        CmpOp::LtEq => ValueSet::at_most(key, true),
        CmpOp::Gt => ValueSet::at_least(key, false),
        CmpOp::GtEq => ValueSet::at_least(key, true),
    }
}

/// `key op x` is `x flip(op) key`.
pub(super) fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq | CmpOp::NotEq => op,
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::LtEq => CmpOp::GtEq,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::GtEq => CmpOp::LtEq,
    }
}

/// An empty list is left to `empty_in_list`, so that one mistake gives one warning.
fn in_list(items: &[Literal], negated: bool) -> Option<ValueSet> {
    if items.is_empty() {
        return None;
    }
    let keys: Vec<Key> = items.iter().map(key).collect();
    Some(if negated {
        ValueSet::none_of(keys)
    } else {
        ValueSet::one_of(keys)
    })
}

fn is_missing(negated: bool) -> ValueSet {
    if negated {
        ValueSet::present()
    } else {
        ValueSet::Missing
    }
}

/// `within last N days` is `as_of - N ..= as_of`; `within next N days` is `as_of < d <= as_of + N`.
fn within(direction: Direction, duration: Duration) -> Option<ValueSet> {
    let days = days(duration)?;
    Some(match direction {
        Direction::Last => ValueSet::between(Key::DaysFromAsOf(-days), Key::DaysFromAsOf(0)),
        Direction::Next => ValueSet::above_up_to(Key::DaysFromAsOf(0), Key::DaysFromAsOf(days)),
    })
}

fn date_compare(before: bool, target: &DateTarget) -> Option<ValueSet> {
    let key = match target {
        DateTarget::Date(date) => Key::Date(*date),
        DateTarget::Timestamp(micros) => Key::Timestamp(*micros),
        DateTarget::Ago(duration) => Key::DaysFromAsOf(-days(*duration)?),
    };
    Some(if before {
        ValueSet::at_most(key, false)
    } else {
        ValueSet::at_least(key, false)
    })
}

/// A duration in whole days; months and years vary in length, so they are not read.
fn days(duration: Duration) -> Option<i64> {
    let amount = i64::from(duration.amount);
    match duration.unit {
        DurationUnit::Day => Some(amount),
        DurationUnit::Week => Some(amount * 7),
        DurationUnit::Month | DurationUnit::Year => None,
    }
}

fn literal(expr: &Expr) -> Option<Key> {
    match &expr.kind {
        ExprKind::Literal(literal) => Some(key(literal)),
        _ => None,
    }
}

fn key(literal: &Literal) -> Key {
    match literal {
        Literal::Bool(b) => Key::Bool(*b),
        Literal::Int(n) => Key::Int(*n),
        Literal::Float(x) => Key::Float(*x),
        Literal::String(s) => Key::Str(s.clone()),
        Literal::Date(d) => Key::Date(*d),
        Literal::Timestamp(t) => Key::Timestamp(*t),
    }
}

/// Whether two value expressions always compute the same value for a customer.
/// `false` when unsure (literals, aggregates and anything unusual are never "the same").
pub(super) fn same_value(a: &Expr, b: &Expr) -> bool {
    match (&a.kind, &b.kind) {
        (ExprKind::Field(x), ExprKind::Field(y)) => x == y,
        (ExprKind::TierRef(x), ExprKind::TierRef(y)) => x == y,
        (ExprKind::EventField(x), ExprKind::EventField(y)) => x == y,
        (ExprKind::DateOf(x), ExprKind::DateOf(y))
        | (ExprKind::ToFloat(x), ExprKind::ToFloat(y))
        | (ExprKind::Neg(x), ExprKind::Neg(y)) => same_value(x, y),
        (
            ExprKind::Call {
                function: f,
                arg: x,
            },
            ExprKind::Call {
                function: g,
                arg: y,
            },
        ) => f == g && same_value(x, y),
        (ExprKind::Rank { score: s, value: x }, ExprKind::Rank { score: t, value: y }) => {
            s == t && same_value(x, y)
        }
        (
            ExprKind::Arith {
                left: l1,
                op: o1,
                right: r1,
            },
            ExprKind::Arith {
                left: l2,
                op: o2,
                right: r2,
            },
        ) => o1 == o2 && same_operand(l1, l2) && same_operand(r1, r2),
        _ => false,
    }
}

/// Inside arithmetic, equal literals are the same operand too (`age + 1`).
fn same_operand(a: &Expr, b: &Expr) -> bool {
    match (&a.kind, &b.kind) {
        (ExprKind::Literal(x), ExprKind::Literal(y)) => x == y,
        _ => same_value(a, b),
    }
}
