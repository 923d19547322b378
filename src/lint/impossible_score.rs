//! `impossible_score`

use crate::check::ir::{Expr, ExprKind, RankScore};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

use super::atoms::atom;
use super::sets::{Key, ValueSet};
use super::walk::{Scope, describe, visit};
use super::{LintContext, Subject};

/// ## What it does
/// Warns about a comparison of a population score with values the score never
/// takes: `quintile(x) = 6`, `decile(x) >= 11`, `percentile(x) > 100`,
/// `quintile(x) between 0 and 0`, `decile(x) in [0, 11]`. The help gives the
/// valid range: `quintile` is 1 to 5, `decile` 1 to 10 (both whole numbers, the
/// highest for the largest values) and `percentile` from 0 up to, but not
/// including, 100.
///
/// ## Why is this bad?
/// The criterion never holds, so the segment (or tier) is empty, or, under `not`,
/// the criterion holds for everyone. It usually comes from counting scores from 0,
/// from mixing up quintiles and deciles, or from writing a percentage where a
/// percentile is meant.
///
/// ## Example
/// ```seg
/// segment top_spenders {
///   where quintile(lifetime_value) = 6
/// }
/// ```
///
/// Use instead:
/// ```seg
/// segment top_spenders {
///   where quintile(lifetime_value) = 5
/// }
/// ```
///
/// ## Options
/// None.
pub(super) fn impossible_score(cx: &LintContext<'_>, subject: Subject<'_>, out: &mut Diagnostics) {
    for condition in subject.conditions() {
        visit(condition, None, &mut |expr, scope| {
            if let Some(diagnostic) = check(cx, expr, scope) {
                out.push(diagnostic);
            }
        });
    }
}

fn check(cx: &LintContext<'_>, expr: &Expr, scope: Scope) -> Option<Diagnostic> {
    let single = atom(expr)?;
    let ExprKind::Rank { score, .. } = single.value.kind else {
        return None;
    };
    // Bounds the wrong way round are `impossible_comparison`'s, one warning each.
    if single.set.is_empty() || !single.set.intersect(&range(score))?.is_empty() {
        return None;
    }
    let name = describe(cx.program, scope, single.value)
        .unwrap_or_else(|| format!("{}(…)", score.as_str()));
    let message = format!("`{name}` never takes the values this criterion asks for");
    Some(Diagnostic::new(Code::ImpossibleScore, expr.span, message).with_help(valid(score, &name)))
}

/// The values a score can take.
fn range(score: RankScore) -> ValueSet {
    match score {
        RankScore::Quintile => ValueSet::between(Key::Int(1), Key::Int(5)),
        RankScore::Decile => ValueSet::between(Key::Int(1), Key::Int(10)),
        RankScore::Percentile => ValueSet::at_least(Key::Float(0.0), true)
            .intersect(&ValueSet::at_most(Key::Float(100.0), false))
            .unwrap_or_else(ValueSet::present),
    }
}

fn valid(score: RankScore, name: &str) -> String {
    match score {
        RankScore::Quintile => {
            format!("`{name}` is a whole number from 1 (the lowest fifth) to 5 (the highest fifth)")
        }
        RankScore::Decile => format!(
            "`{name}` is a whole number from 1 (the lowest tenth) to 10 (the highest tenth)"
        ),
        RankScore::Percentile => {
            let value = name
                .strip_prefix("percentile(")
                .and_then(|n| n.strip_suffix(')'))
                .unwrap_or("x");
            format!(
                "`{name}` is the share of customers with a smaller value, from 0 up to (not including) 100; for the highest 5%, write `{value} in top 5%`"
            )
        }
    }
}
