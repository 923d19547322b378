//! Walking checked expressions, and naming what they read.
//!
//! Lints share these two helpers so that each lint file holds only its own rule.
//! The walk knows which event table an aggregate's filter ranges over, because an
//! [`ExprKind::EventField`] means nothing without it.

use crate::check::ir::{Aggregate, EventFieldId, EventsId, Expr, ExprKind, Program};

/// The event table whose fields are in scope (inside an aggregate's filter), if any.
pub(super) type Scope = Option<EventsId>;

/// Calls `f` on `expr` and every expression below it, parents before children.
pub(super) fn visit(expr: &Expr, scope: Scope, f: &mut dyn FnMut(&Expr, Scope)) {
    f(expr, scope);
    for_each_child(expr, scope, &mut |child, scope| visit(child, scope, f));
}

/// Calls `f` on each direct child of `expr`, with the scope the child is read in.
pub(super) fn for_each_child(expr: &Expr, scope: Scope, f: &mut dyn FnMut(&Expr, Scope)) {
    // An aggregate's only child is its filter, which reads the event table's fields.
    let scope = match &expr.kind {
        ExprKind::Aggregate(aggregate) => Some(aggregate.table),
        _ => scope,
    };
    for child in expr.children() {
        f(child, scope);
    }
}

/// A short name for a value, as users wrote it: `age`, `lower(email)`,
/// `quintile(lifetime_value)`. `None` for values too complex to name briefly.
pub(super) fn describe(program: &Program, scope: Scope, expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Field(id) => program
            .schema
            .fields
            .get(id.0 as usize)
            .map(|f| f.name.clone()),
        ExprKind::TierRef(id) => program.tiers.get(id.0 as usize).map(|t| t.name.clone()),
        ExprKind::EventField(id) => event_field_name(program, scope, *id),
        ExprKind::DateOf(inner) | ExprKind::ToFloat(inner) => describe(program, scope, inner),
        ExprKind::Call { function, arg } => Some(format!(
            "{}({})",
            function.as_str(),
            describe(program, scope, arg)?
        )),
        ExprKind::Rank { score, value } => Some(format!(
            "{}({})",
            score.as_str(),
            describe(program, scope, value)?
        )),
        ExprKind::Aggregate(aggregate) => Some(describe_aggregate(program, aggregate)),
        _ => None,
    }
}

fn event_field_name(program: &Program, scope: Scope, id: EventFieldId) -> Option<String> {
    let table = program.events.get(scope?.0 as usize)?;
    table.fields.get(id.0 as usize).map(|f| f.name.clone())
}

/// `avg(orders.amount …)`: enough to recognise the aggregate in a message.
fn describe_aggregate(program: &Program, aggregate: &Aggregate) -> String {
    let source = program.aggregate_source(aggregate);
    let more = if aggregate.filter.is_some() || aggregate.window.is_some() {
        " …"
    } else {
        ""
    };
    let function = aggregate.function.as_str();
    format!("{function}({source}{more})")
}
