//! Bare words meant as values: `status = regular` where `regular` is a value of the
//! enum `status`, or `city = berlin` against a string field.
//!
//! Takes the two operands of a comparison, gives them checked; when one of them is a
//! bare name that names nothing, the other is checked first, so that `unknown_field`
//! can say what the word was meant as (``write it in quotes: `"regular"` ``) instead
//! of only that no field has that name.

use super::expr::{Checked, Checker};
use super::ir::Type;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::syntax::ast;

/// Checks both operands of a comparison, in source order when neither is an unknown
/// bare name.
pub(super) fn operands(c: &mut Checker, left: &ast::Expr, right: &ast::Expr) -> (Checked, Checked) {
    match (unknown_name(c, left), unknown_name(c, right)) {
        (None, Some(ident)) => {
            let l = c.expr(left);
            let r = value_name(c, right, ident, l.as_ref().ok().map(|e| &e.ty));
            (l, r)
        }
        (Some(ident), None) => {
            let r = c.expr(right);
            let l = value_name(c, left, ident, r.as_ref().ok().map(|e| &e.ty));
            (l, r)
        }
        _ => (c.expr(left), c.expr(right)),
    }
}

/// The name of a bare-name operand that no field, segment or tiers block (or, inside
/// an aggregate's `where`, no field of its event table) carries.
fn unknown_name<'e>(c: &Checker, expr: &'e ast::Expr) -> Option<&'e ast::Ident> {
    let ast::ExprKind::Name(ident) = &expr.kind else {
        return None;
    };
    let known = match c.events {
        Some(table) => {
            c
            .scope
            .event_table(table)
            .is_none_or(|t| t.fields.iter().any(|f| f.name == ident.name))
            // a customer field inside an aggregate has its own error
            || c.scope.lookup(&ident.name).is_some()
        }
        None => c.scope.lookup(&ident.name).is_some(),
    };
    (!known).then_some(ident)
}

/// Reports the unknown name `ident` (the operand `expr`) with help to quote it when
/// the other operand has type `other`; otherwise checks it as usual.
fn value_name(
    c: &mut Checker,
    expr: &ast::Expr,
    ident: &ast::Ident,
    other: Option<&Type>,
) -> Checked {
    let Some(help) = other.and_then(|ty| quote_help(c, ident, ty)) else {
        return c.expr(expr);
    };
    let message = match c.events.and_then(|t| c.scope.event_table(t)) {
        Some(table) => format!(
            "unknown field `{}` in event table `{}`",
            ident.name, table.name
        ),
        None => format!("unknown field or segment `{}`", ident.name),
    };
    Err(c.report(Diagnostic::new(Code::UnknownField, ident.span, message).with_help(help)))
}

/// "write it in quotes" when the word is a value of the enum `ty`, or when `ty` is
/// `string` and no known name is close to the word (then a typo is likelier).
fn quote_help(c: &Checker, ident: &ast::Ident, ty: &Type) -> Option<String> {
    let quoted = format!("write it in quotes: `{:?}`", ident.name);
    match ty {
        Type::Enum(values) if values.contains(&ident.name) => Some(quoted),
        Type::String if !near_a_name(c, ident) => Some(quoted),
        _ => None,
    }
}

/// Whether a known name is close enough to the word for "did you mean".
fn near_a_name(c: &Checker, ident: &ast::Ident) -> bool {
    match c.events.and_then(|t| c.scope.event_table(t)) {
        Some(table) => {
            did_you_mean(&ident.name, table.fields.iter().map(|f| f.name.as_str())).is_some()
        }
        None => {
            did_you_mean(&ident.name, c.scope.names()).is_some()
                || c.scope.events_named(&ident.name).is_some()
        }
    }
}
