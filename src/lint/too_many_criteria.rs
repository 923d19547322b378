//! `too_many_criteria`

use crate::check::ir::{Expr, ExprKind, Type};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

use super::{LintContext, Subject};

/// ## What it does
/// Counts the criteria in a segment's `where` and warns when there are more than
/// `max_criteria` (default 3).
///
/// Each predicate (`age > 30`, `country in [...]`, `age between 18 and 30`,
/// `lifetime_value in top 20%`, `last_order_at within last 30 days`, …) counts
/// once, and so does each bare reference (a bool field such as `newsletter_opt_in`,
/// or another segment such as `champions`). `and`, `or`, `not` and parentheses add
/// nothing. A criterion inside an aggregate's filter is part of that aggregate,
/// so `count(orders where channel = "app") >= 2` is one criterion.
///
/// Only segments are counted: the spec counts "per segment", and a tiers block
/// cannot carry `allow`.
///
/// ## Why is this bad?
/// A segment with many criteria is hard to read, hard to test and hard to reuse.
/// Splitting it into named segments that refer to each other gives each idea a
/// name, a doc comment and its own `expect` lines.
///
/// ## Example
/// ```seg
/// segment vip_mobile_de {
///   where country = "DE" and device = "mobile" and app_installed
///     and orders_count >= 5 and lifetime_value in top 10%
/// }
/// ```
///
/// Use instead:
/// ```seg
/// segment mobile_de {
///   where country = "DE" and device = "mobile" and app_installed
/// }
///
/// segment vip_mobile_de {
///   where mobile_de and orders_count >= 5 and lifetime_value in top 10%
/// }
/// ```
///
/// ## Options
/// - `max_criteria` in the `[lint]` table of `segmint.toml` (default 3).
/// - `allow too_many_criteria` inside a segment silences this lint for it.
pub(super) fn too_many_criteria(cx: &LintContext<'_>, subject: Subject<'_>, out: &mut Diagnostics) {
    let Subject::Segment(segment) = subject else {
        return;
    };
    let count = count_criteria(&segment.condition);
    let max = cx.config.max_criteria;
    if count <= max {
        return;
    }
    let message = format!(
        "segment `{}` has {count} criteria (max {max})",
        segment.name
    );
    out.push(
        Diagnostic::new(Code::TooManyCriteria, segment.span, message).with_help(format!(
            "split it into segments that refer to each other, or add `allow too_many_criteria` to `{}`",
            segment.name
        )),
    );
}

/// The number of criteria in a condition: each predicate and each bare reference
/// counts once; `and`, `or`, `not` and parentheses add nothing.
pub fn count_criteria(expr: &Expr) -> usize {
    match &expr.kind {
        ExprKind::And(items) | ExprKind::Or(items) => items.iter().map(count_criteria).sum(),
        ExprKind::Not(inner) => count_criteria(inner),
        _ if expr.ty == Type::Bool => 1,
        _ => 0,
    }
}
