//! `not_over_nullable`

use crate::check::ir::{
    ArithOp, Direction, EventFieldId, Expr, ExprKind, FieldId, Literal, Program, TierId, Type,
};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::syntax::ast::{AggregateFn, CmpOp};

use super::walk::{Scope, describe, for_each_child};
use super::{LintContext, Subject};

/// ## What it does
/// Warns when `not` is applied to a criterion that reads something that can be
/// missing: a nullable field (`age: int?`), a tiers field without `otherwise`, an
/// event field that may be missing, `avg`/`min`/`max`/`first`/`last` of no events,
/// or a division (missing when dividing by zero).
///
/// It stays quiet when the condition says what missing values should do, by
/// naming `x is missing` or `x is present` in the same `and`/`or` chain or in an
/// enclosing one: `email is present and not (email contains "@")`.
///
/// ## Why is this bad?
/// Every criterion about a missing value is false, and `not` turns that false into
/// true. So `not (age > 30)` includes every customer whose age is unknown, while
/// `age <= 30` does not. That is rarely what the author meant.
///
/// ## Example
/// ```seg
/// segment young {
///   where not (age > 30)
/// }
/// ```
///
/// Use instead (the positive form, plus missing values if they are wanted):
/// ```seg
/// segment young {
///   where age <= 30 or age is missing
/// }
/// ```
///
/// ## Options
/// None.
pub(super) fn not_over_nullable(cx: &LintContext<'_>, subject: Subject<'_>, out: &mut Diagnostics) {
    for condition in subject.conditions() {
        walk(cx.program, condition, None, &[], out);
    }
}

/// Something that can be missing, with a name for messages.
#[derive(Clone, Debug)]
struct Source {
    /// What `x is missing` must name to show that missing values were thought of.
    guard: Option<Guard>,
    /// How to name it: `` `age` ``, `` `avg(orders.amount)` ``, `a division`.
    name: String,
}

/// A value that an `is missing` / `is present` test can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Guard {
    Field(FieldId),
    Tier(TierId),
    EventField(EventFieldId),
}

fn walk(program: &Program, expr: &Expr, scope: Scope, guarded: &[Guard], out: &mut Diagnostics) {
    let guarded = with_guards(expr, guarded);
    if let ExprKind::Not(inner) = &expr.kind {
        check_not(program, expr, inner, scope, &guarded, out);
    }
    for_each_child(expr, scope, &mut |child, scope| {
        walk(program, child, scope, &guarded, out);
    });
}

/// `guarded` plus the values an `and`/`or` chain tests with `is missing`/`is present`.
fn with_guards(expr: &Expr, guarded: &[Guard]) -> Vec<Guard> {
    let mut out = guarded.to_vec();
    if let ExprKind::And(items) | ExprKind::Or(items) = &expr.kind {
        out.extend(items.iter().filter_map(|item| match &item.kind {
            ExprKind::IsMissing { value, .. } => guard_of(value),
            _ => None,
        }));
    }
    out
}

fn guard_of(value: &Expr) -> Option<Guard> {
    match &value.kind {
        ExprKind::Field(id) => Some(Guard::Field(*id)),
        ExprKind::TierRef(id) => Some(Guard::Tier(*id)),
        ExprKind::EventField(id) => Some(Guard::EventField(*id)),
        ExprKind::DateOf(inner) | ExprKind::ToFloat(inner) => guard_of(inner),
        _ => None,
    }
}

fn check_not(
    program: &Program,
    not: &Expr,
    inner: &Expr,
    scope: Scope,
    guarded: &[Guard],
    out: &mut Diagnostics,
) {
    let mut found = Vec::new();
    criteria_sources(program, inner, scope, guarded, &mut found);
    let Some(source) = found.into_iter().next() else {
        return;
    };
    let message = format!(
        "`not` also matches customers whose {} is missing",
        source.name
    );
    out.push(
        Diagnostic::new(Code::NotOverNullable, not.span, message)
            .with_help(help(program, inner, scope, &source)),
    );
}

/// The unguarded sources of missing values read by the criteria directly under a
/// `not` (through `and`/`or`; a nested `not` is checked on its own).
fn criteria_sources(
    program: &Program,
    expr: &Expr,
    scope: Scope,
    guarded: &[Guard],
    found: &mut Vec<Source>,
) {
    let mut here = Vec::new();
    match &expr.kind {
        ExprKind::And(items) | ExprKind::Or(items) => {
            let guarded = with_guards(expr, guarded);
            for item in items {
                criteria_sources(program, item, scope, &guarded, found);
            }
        }
        ExprKind::Not(_) | ExprKind::IsMissing { .. } | ExprKind::SegmentRef(_) => {}
        ExprKind::Field(_) => value_sources(program, expr, scope, &mut here),
        _ => for_each_child(expr, scope, &mut |child, scope| {
            value_sources(program, child, scope, &mut here);
        }),
    }
    found.extend(
        here.into_iter()
            .filter(|source| source.guard.is_none_or(|g| !guarded.contains(&g))),
    );
}

/// What can make a value missing.
fn value_sources(program: &Program, expr: &Expr, scope: Scope, found: &mut Vec<Source>) {
    match &expr.kind {
        ExprKind::Field(id) => {
            if program
                .schema
                .fields
                .get(id.0 as usize)
                .is_some_and(|f| f.nullable)
            {
                found.push(named(program, expr, scope, Guard::Field(*id)));
            }
        }
        ExprKind::TierRef(id) => {
            let has_otherwise = program
                .tiers
                .get(id.0 as usize)
                .and_then(|block| block.tiers.last())
                .is_some_and(|tier| tier.condition.is_none());
            if !has_otherwise {
                found.push(named(program, expr, scope, Guard::Tier(*id)));
            }
        }
        ExprKind::EventField(id) => {
            if event_field_nullable(program, scope, *id) {
                found.push(named(program, expr, scope, Guard::EventField(*id)));
            }
        }
        ExprKind::Aggregate(aggregate) => {
            let empty_is_missing = !matches!(
                aggregate.function,
                AggregateFn::Count | AggregateFn::Sum | AggregateFn::Exists
            );
            if empty_is_missing {
                let name = describe(program, scope, expr).unwrap_or_else(|| "aggregate".into());
                found.push(Source {
                    guard: None,
                    name: format!("`{name}` (no events)"),
                });
            }
        }
        ExprKind::Arith { op, right, .. } => {
            if *op == ArithOp::Div && !is_nonzero_literal(right) {
                found.push(Source {
                    guard: None,
                    name: "division (by zero)".into(),
                });
            }
            for_each_child(expr, scope, &mut |child, scope| {
                value_sources(program, child, scope, found)
            });
        }
        _ => for_each_child(expr, scope, &mut |child, scope| {
            value_sources(program, child, scope, found)
        }),
    }
}

fn named(program: &Program, expr: &Expr, scope: Scope, guard: Guard) -> Source {
    let name = describe(program, scope, expr).unwrap_or_else(|| "value".into());
    Source {
        guard: Some(guard),
        name: format!("`{name}`"),
    }
}

/// The time column is never missing inside an aggregate: such events are left out.
fn event_field_nullable(program: &Program, scope: Scope, id: EventFieldId) -> bool {
    let Some(table) = scope.and_then(|t| program.events.get(t.0 as usize)) else {
        return false;
    };
    id != table.time && table.fields.get(id.0 as usize).is_some_and(|f| f.nullable)
}

fn is_nonzero_literal(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Literal(Literal::Int(n)) => *n != 0,
        ExprKind::Literal(Literal::Float(x)) => *x != 0.0,
        _ => false,
    }
}

/// The positive form when it is easy to write, else the general advice.
fn help(program: &Program, inner: &Expr, scope: Scope, source: &Source) -> String {
    let name = source.name.trim_matches('`');
    match (positive_form(program, inner, scope), source.guard) {
        (Some(positive), Some(_)) => format!(
            "write `{positive}`, or `{positive} or {name} is missing` if customers without `{name}` belong in the segment"
        ),
        (None, Some(_)) => format!(
            "say what a missing `{name}` should do: `{name} is present and not …` leaves those customers out, `{name} is missing or not …` keeps them"
        ),
        _ => "write the positive form instead: every criterion is false on a missing value, and `not` makes that true".into(),
    }
}

/// `not (age > 30)` → `age <= 30`; `not (x in [..])` → `x not in [..]`.
fn positive_form(program: &Program, inner: &Expr, scope: Scope) -> Option<String> {
    match &inner.kind {
        ExprKind::Compare { left, op, right } => {
            let value = describe(program, scope, left)?;
            let ExprKind::Literal(literal) = &right.kind else {
                return None;
            };
            Some(format!("{value} {} {}", negate(*op).as_str(), literal))
        }
        ExprKind::InList {
            value,
            items,
            negated,
        } => {
            let value = describe(program, scope, value)?;
            let items: Vec<String> = items.iter().map(Literal::to_string).collect();
            let keyword = if *negated { "in" } else { "not in" };
            Some(format!("{value} {keyword} [{}]", items.join(", ")))
        }
        ExprKind::Field(_) if inner.ty == Type::Bool => {
            Some(format!("{} = false", describe(program, scope, inner)?))
        }
        ExprKind::Within {
            value,
            direction: Direction::Last,
            duration,
        } => Some(format!(
            "{} before {} ago",
            describe(program, scope, value)?,
            duration
        )),
        _ => None,
    }
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::NotEq,
        CmpOp::NotEq => CmpOp::Eq,
        CmpOp::Lt => CmpOp::GtEq,
        CmpOp::LtEq => CmpOp::Gt,
        CmpOp::Gt => CmpOp::LtEq,
        CmpOp::GtEq => CmpOp::Lt,
    }
}
