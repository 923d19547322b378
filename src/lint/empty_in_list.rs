//! `empty_in_list`

use crate::check::ir::{Expr, ExprKind, Program};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

use super::walk::{Scope, describe, visit};
use super::{LintContext, Subject};

/// ## What it does
/// Warns about a test against an empty literal list: `x in []` never matches,
/// `x not in []` matches every customer whose `x` is present, `tags has any []`
/// never matches and `tags has all []` matches every present list.
///
/// ## Why is this bad?
/// An empty list is almost always a placeholder that was never filled in, or a
/// list whose last value was deleted. The criterion then silently empties the
/// segment (or silently stops filtering).
///
/// ## Example
/// ```seg
/// segment partner_leads {
///   where lead_source in []
/// }
/// ```
///
/// Use instead:
/// ```seg
/// segment partner_leads {
///   where lead_source in ["partner", "referral"]
/// }
/// ```
///
/// ## Options
/// None.
pub(super) fn empty_in_list(cx: &LintContext<'_>, subject: Subject<'_>, out: &mut Diagnostics) {
    for condition in subject.conditions() {
        visit(condition, None, &mut |expr, scope| {
            if let Some(diagnostic) = check(cx.program, expr, scope) {
                out.push(diagnostic);
            }
        });
    }
}

fn check(program: &Program, expr: &Expr, scope: Scope) -> Option<Diagnostic> {
    let (value, matches_all) = match &expr.kind {
        ExprKind::InList {
            value,
            items,
            negated,
        } if items.is_empty() => (value, *negated),
        ExprKind::Has { list, all, items } if items.is_empty() => (list, *all),
        _ => return None,
    };
    let name = describe(program, scope, value).unwrap_or_else(|| "value".into());
    Some(if matches_all {
        Diagnostic::new(
            Code::EmptyInList,
            expr.span,
            format!("the list is empty, so this matches every customer whose `{name}` is present"),
        )
        .with_help(format!(
            "write `{name} is present`, or add values to the list"
        ))
    } else {
        Diagnostic::new(
            Code::EmptyInList,
            expr.span,
            "the list is empty, so this never matches".to_string(),
        )
        .with_help("add values to the list, or remove the criterion")
    })
}
