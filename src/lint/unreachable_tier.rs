//! `unreachable_tier`

use crate::check::ir::{Expr, ExprKind, Literal, Tier};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

use super::atoms::{atom, same_value};
use super::population;
use super::{LintContext, Subject};

/// ## What it does
/// Warns about a tier that can never be chosen because an earlier tier always
/// takes its customers first: a tier after `otherwise` (or after a tier whose
/// condition is `true`), a tier whose condition repeats an earlier one, or a tier
/// whose condition implies an earlier one's, such as `lifetime_value >= 10000`
/// after `lifetime_value >= 2000`.
///
/// Implication is worked out in simple cases only: comparisons of the same value
/// with literals (`>=`, `between`, `in`, `=`, dates, `within last N days`),
/// population statistics of the same value (`x in top 5%` after `x in top 20%`,
/// `x in bottom 5%` after `x in bottom 10%`, `quintile(x) = 5` or
/// `decile(x) >= 9` or `percentile(x) >= 90` after `x in top 20%` or after
/// `quintile(x) >= 4`) and their `and`/`or` combinations. `x in top 20%` does not
/// imply `quintile(x) = 5`: customers tied at the threshold may be in the top 20%
/// with a lower quintile. When in doubt the lint stays quiet.
///
/// ## Why is this bad?
/// The first tier whose condition holds wins. A tier that is only ever reached by
/// customers an earlier tier already took is empty, which usually means the tiers
/// are in the wrong order.
///
/// ## Example
/// ```seg
/// tiers value_tier {
///   gold: lifetime_value >= 2000
///   platinum: lifetime_value >= 10000
///   silver: otherwise
/// }
/// ```
///
/// Use instead (the narrower tier first):
/// ```seg
/// tiers value_tier {
///   platinum: lifetime_value >= 10000
///   gold: lifetime_value >= 2000
///   silver: otherwise
/// }
/// ```
///
/// The same mistake with population statistics (`platinum` is always empty):
/// ```seg
/// tiers spend_rank {
///   gold: lifetime_value in top 20%
///   platinum: lifetime_value in top 5%
///   silver: otherwise
/// }
/// ```
///
/// ## Options
/// None.
pub(super) fn unreachable_tier(_cx: &LintContext<'_>, subject: Subject<'_>, out: &mut Diagnostics) {
    let Subject::Tiers(block) = subject else {
        return;
    };
    for (i, tier) in block.tiers.iter().enumerate() {
        let earlier = block.tiers.iter().take(i);
        if let Some(winner) = earlier.into_iter().find(|e| takes_all_of(e, tier)) {
            out.push(report(tier, winner));
        }
    }
}

fn report(tier: &Tier, winner: &Tier) -> Diagnostic {
    let message = match winner.condition {
        None => format!(
            "tier `{}` can never match: it comes after `otherwise`",
            tier.name
        ),
        Some(_) => format!(
            "tier `{}` can never match: every customer it takes is taken by `{}` first",
            tier.name, winner.name
        ),
    };
    Diagnostic::new(Code::UnreachableTier, tier.span, message)
        .with_secondary(winner.span, "this tier matches first")
        .with_help(format!(
            "move `{}` above `{}`, or remove it",
            tier.name, winner.name
        ))
}

/// Whether every customer `later` would match is matched by `earlier`.
fn takes_all_of(earlier: &Tier, later: &Tier) -> bool {
    match (&earlier.condition, &later.condition) {
        (None, _) => true,
        (Some(e), _) if is_true(e) => true,
        (Some(e), Some(l)) => implies(l, e, &mut { FUEL }),
        (Some(_), None) => false,
    }
}

fn is_true(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Literal(Literal::Bool(true)))
}

/// How many steps one implication may take. Tier conditions are small; the bound
/// only keeps adversarial nesting from taking exponential time (answering "no" is
/// always sound).
const FUEL: usize = 10_000;

/// Whether `a` holding means `b` holds (`true` only when certain).
fn implies(a: &Expr, b: &Expr, fuel: &mut usize) -> bool {
    if *fuel == 0 {
        return false;
    }
    *fuel -= 1;
    match (&a.kind, &b.kind) {
        (_, ExprKind::And(bs)) => bs.iter().all(|b| implies(a, b, fuel)),
        (ExprKind::Or(alternatives), _) => alternatives.iter().all(|a| implies(a, b, fuel)),
        (_, ExprKind::Or(bs)) if bs.iter().any(|b| implies(a, b, fuel)) => true,
        (ExprKind::SegmentRef(x), ExprKind::SegmentRef(y)) => x == y,
        (ExprKind::Not(x), ExprKind::Not(y)) if implies(y, x, fuel) => true,
        _ if same_criterion(a, b) || population::implies(a, b) => true,
        _ => conjuncts_imply(a, b, fuel),
    }
}

/// Whether the criteria `a` requires together imply the single criterion `b`.
fn conjuncts_imply(a: &Expr, b: &Expr, fuel: &mut usize) -> bool {
    let conjuncts: Vec<&Expr> = match &a.kind {
        ExprKind::And(items) => items.iter().collect(),
        _ => vec![a],
    };
    if let Some(wanted) = atom(b) {
        let mut combined = None;
        for c in conjuncts.iter().filter_map(|c| atom(c)) {
            if !same_value(c.value, wanted.value) {
                continue;
            }
            combined = match combined {
                None => Some(c.set),
                Some(set) => match c.set.intersect(&set) {
                    Some(both) => Some(both),
                    None => return false,
                },
            };
        }
        if combined.is_some_and(|set| set.is_subset(&wanted.set)) {
            return true;
        }
    }
    conjuncts.len() > 1 && conjuncts.iter().any(|c| implies(c, b, fuel))
}

/// Criteria that are not atoms but are written the same way (`email contains "@"` twice).
fn same_criterion(a: &Expr, b: &Expr) -> bool {
    match (&a.kind, &b.kind) {
        (
            ExprKind::StringTest {
                value: v,
                op: o,
                pattern: p,
            },
            ExprKind::StringTest {
                value: w,
                op: q,
                pattern: r,
            },
        ) => o == q && p == r && same_value(v, w),
        (
            ExprKind::Percentile {
                value: v,
                side: s,
                fraction: f,
            },
            ExprKind::Percentile {
                value: w,
                side: t,
                fraction: g,
            },
        ) => s == t && f == g && same_value(v, w),
        (
            ExprKind::Has {
                list: v,
                all: x,
                items: i,
            },
            ExprKind::Has {
                list: w,
                all: y,
                items: j,
            },
        ) => x == y && i == j && same_value(v, w),
        (
            ExprKind::IsEmpty {
                value: v,
                negated: x,
            },
            ExprKind::IsEmpty {
                value: w,
                negated: y,
            },
        ) => x == y && same_value(v, w),
        (
            ExprKind::Compare {
                left: l1,
                op: o1,
                right: r1,
            },
            ExprKind::Compare {
                left: l2,
                op: o2,
                right: r2,
            },
        ) => o1 == o2 && same_value(l1, l2) && same_value(r1, r2),
        _ => false,
    }
}
