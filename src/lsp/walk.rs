//! Walking the syntax tree for the names a user wrote: every identifier that
//! refers to something, with the event table in scope (inside an aggregate's
//! `where`, names are the events' own fields).

use crate::syntax::ast::{self, DateTarget, Expr, ExprKind};

/// A name written in an expression, before it is resolved.
#[derive(Clone, Debug)]
pub enum Written<'a> {
    /// A bare name: a field, segment or tiers block (or an event field in `scope`).
    Name {
        /// The name.
        ident: &'a ast::Ident,
        /// The event table whose `where` the name is in, if any.
        scope: Option<&'a str>,
    },
    /// `orders` in `count(orders …)`.
    Table(&'a ast::Ident),
    /// `amount` in `sum(orders.amount)`.
    TableField {
        /// The table.
        table: &'a str,
        /// The field.
        ident: &'a ast::Ident,
    },
}

/// Calls `f` on every name written in `expr`, in source order.
pub fn names<'a>(expr: &'a Expr, scope: Option<&'a str>, f: &mut dyn FnMut(Written<'a>)) {
    match &expr.kind {
        ExprKind::Name(ident) => f(Written::Name { ident, scope }),
        ExprKind::Aggregate(aggregate) => {
            let table = aggregate.table.name.as_str();
            f(Written::Table(&aggregate.table));
            if let Some(ident) = &aggregate.field {
                f(Written::TableField { table, ident });
            }
            if let Some(filter) = &aggregate.filter {
                names(filter, Some(table), f);
            }
        }
        _ => children(expr)
            .into_iter()
            .for_each(|child| names(child, scope, f)),
    }
}

/// The direct sub-expressions of `expr` (an aggregate's filter is handled by
/// [`names`], which knows its scope).
fn children(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::Or(items) | ExprKind::And(items) => items.iter().collect(),
        ExprKind::Not(inner) | ExprKind::Paren(inner) | ExprKind::Neg(inner) => vec![inner],
        ExprKind::Compare { left, right, .. } | ExprKind::Arith { left, right, .. } => {
            vec![left, right]
        }
        ExprKind::InList { value, items, .. } => std::iter::once(&**value).chain(items).collect(),
        ExprKind::Between {
            value, low, high, ..
        } => vec![value, low, high],
        ExprKind::IsMissing { value, .. }
        | ExprKind::StringTest { value, .. }
        | ExprKind::IsEmpty { value, .. }
        | ExprKind::Within { value, .. }
        | ExprKind::Percentile { value, .. } => vec![value],
        ExprKind::DateCompare { value, target, .. } => match target {
            DateTarget::Literal(literal) => vec![value, literal],
            DateTarget::Ago(_) => vec![value],
        },
        ExprKind::Has { list, items, .. } => std::iter::once(&**list).chain(items).collect(),
        ExprKind::Call { args, .. } => args.iter().collect(),
        ExprKind::Aggregate(aggregate) => aggregate.filter.iter().collect(),
        ExprKind::Name(_) | ExprKind::Literal(_) => Vec::new(),
    }
}
