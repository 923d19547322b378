//! `impossible_comparison`

use crate::check::ir::{Expr, ExprKind, Program};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

use super::atoms::{Atom, atom, same_value};
use super::sets::ValueSet;
use super::walk::{Scope, describe, visit};
use super::{LintContext, Subject};

/// ## What it does
/// Warns about comparisons of one value with literals that can never all hold
/// within one `and`: `age > 50 and age < 30`, `country = "DE" and country = "FR"`,
/// `age between 18 and 30 and age between 40 and 50`,
/// `last_order_at within last 30 days and last_order_at before 90 days ago`,
/// `email is missing and email contains "@"`; and about a single `between` whose
/// lower bound is above its upper bound.
///
/// The reasoning covers ints, floats, strings, enums, bools, dates, timestamps and
/// relative dates in days or weeks. It is sound: it never warns about comparisons
/// that some value could satisfy, and stays quiet when it cannot tell (months and
/// years, whose length varies; a fixed date against a relative one).
///
/// ## Why is this bad?
/// A condition that no customer can satisfy makes the segment (or tier) empty.
/// It is almost always a typo, swapped bounds, or an `and` that was meant to be
/// an `or`.
///
/// ## Example
/// ```seg
/// segment midlife {
///   where age > 50 and age < 30
/// }
/// ```
///
/// Use instead:
/// ```seg
/// segment midlife {
///   where age > 30 and age < 50
/// }
/// ```
///
/// ## Options
/// None.
pub(super) fn impossible_comparison(
    cx: &LintContext<'_>,
    subject: Subject<'_>,
    out: &mut Diagnostics,
) {
    for condition in subject.conditions() {
        visit(condition, None, &mut |expr, scope| {
            check(cx.program, expr, scope, out);
        });
    }
}

fn check(program: &Program, expr: &Expr, scope: Scope, out: &mut Diagnostics) {
    if let Some(single) = atom(expr) {
        if single.set.is_empty() {
            let message = format!(
                "this comparison of {} can never hold",
                name(program, scope, single.value)
            );
            out.push(
                Diagnostic::new(Code::ImpossibleComparison, expr.span, message)
                    .with_help("no value satisfies it: is the lower bound above the upper bound?"),
            );
        }
        return;
    }
    if let ExprKind::And(items) = &expr.kind {
        let atoms: Vec<(&Expr, Atom<'_>)> = items
            .iter()
            .filter_map(|item| atom(item).map(|a| (item, a)))
            .filter(|(_, a)| !a.set.is_empty())
            .collect();
        for group in group_by_value(&atoms) {
            check_group(program, scope, &group, out);
        }
    }
}

/// Criteria of one `and`, grouped by the value they test, in source order.
fn group_by_value<'a, 'b>(atoms: &'b [(&'a Expr, Atom<'a>)]) -> Vec<Vec<&'b (&'a Expr, Atom<'a>)>> {
    let mut groups: Vec<Vec<&(&Expr, Atom<'_>)>> = Vec::new();
    for entry in atoms {
        match groups.iter_mut().find(|g| {
            g.first()
                .is_some_and(|first| same_value(first.1.value, entry.1.value))
        }) {
            Some(group) => group.push(entry),
            None => groups.push(vec![entry]),
        }
    }
    groups
}

/// Reports the first criterion at which the group's criteria stop being satisfiable.
fn check_group(
    program: &Program,
    scope: Scope,
    group: &[&(&Expr, Atom<'_>)],
    out: &mut Diagnostics,
) {
    let mut combined: Option<ValueSet> = None;
    for (k, (expr, atom)) in group.iter().map(|e| (e.0, &e.1)).enumerate() {
        let next = match &combined {
            None => atom.set.clone(),
            Some(set) => match set.intersect(&atom.set) {
                Some(next) => next,
                None => return,
            },
        };
        if next.is_empty() {
            let earlier: Vec<&Expr> = conflicting(&group[..k], atom);
            let message = format!(
                "comparisons of {} can never all hold",
                name(program, scope, atom.value)
            );
            let mut diagnostic = Diagnostic::new(Code::ImpossibleComparison, expr.span, message)
                .with_help("no customer can satisfy all of them: check the values, or use `or` if either should do");
            for other in earlier {
                diagnostic = diagnostic.with_secondary(other.span, "conflicts with this");
            }
            out.push(diagnostic);
            return;
        }
        combined = Some(next);
    }
}

/// The earlier criteria that conflict with `atom` on their own, or all of them
/// when only their combination does.
fn conflicting<'a>(earlier: &[&(&'a Expr, Atom<'_>)], atom: &Atom<'_>) -> Vec<&'a Expr> {
    let pairwise: Vec<&Expr> = earlier
        .iter()
        .filter(|(_, other)| other.set.intersect(&atom.set).is_some_and(|s| s.is_empty()))
        .map(|(expr, _)| *expr)
        .collect();
    if pairwise.is_empty() {
        earlier.iter().map(|(expr, _)| *expr).collect()
    } else {
        pairwise
    }
}

fn name(program: &Program, scope: Scope, value: &Expr) -> String {
    describe(program, scope, value).map_or_else(|| "this value".into(), |n| format!("`{n}`"))
}
