//! Criteria: comparisons, `in`, `between`, null tests, string and list tests, date
//! windows and comparisons, population percentiles. Each returns a `bool` node whose
//! operands already have one common type (see [`super::types`]).

use super::Reported;
use super::expr::{Checked, Checker, Place, bool_expr};
use super::ir::{self, Type};
use super::unify::unify;
use super::{literals, show, types, values};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

/// `a = b`, `a < b`, …
pub(super) fn compare(
    c: &mut Checker,
    left: &ast::Expr,
    op: ast::CmpOp,
    right: &ast::Expr,
    span: Span,
) -> Checked {
    let (l, r) = values::operands(c, left, right);
    let (l, r) = (l?, r?);
    let (ty, mut operands) = unify(c, &[left, right], vec![l, r])?;
    let ordering = !matches!(op, ast::CmpOp::Eq | ast::CmpOp::NotEq);
    if ordering && !types::can_order(&ty) {
        return Err(cannot_order(c, left, &ty, op.as_str(), span));
    }
    let right = operands.pop().ok_or(Reported)?;
    let left = operands.pop().ok_or(Reported)?;
    Ok(bool_expr(
        ir::ExprKind::Compare {
            left: Box::new(left),
            op,
            right: Box::new(right),
        },
        span,
    ))
}

/// `a in [...]`, `a not in [...]`: the items are literals of the value's type.
pub(super) fn in_list(
    c: &mut Checker,
    value: &ast::Expr,
    items: &[ast::Expr],
    negated: bool,
    span: Span,
) -> Checked {
    let checked_value = c.expr(value);
    let checked_items: Vec<Checked> = items.iter().map(|item| literal_item(c, item)).collect();
    let checked_value = checked_value?;
    let checked_items = checked_items.into_iter().collect::<Result<Vec<_>, _>>()?;
    if types::is_list(&checked_value.ty) {
        return Err(list_misuse(
            c,
            value,
            &checked_value.ty,
            "in",
            Some("has any"),
        ));
    }
    let asts: Vec<&ast::Expr> = std::iter::once(value).chain(items).collect();
    let exprs: Vec<ir::Expr> = std::iter::once(checked_value)
        .chain(checked_items)
        .collect();
    let (_, mut operands) = unify(c, &asts, exprs)?;
    let literals: Vec<ir::Literal> = operands
        .drain(1..)
        .filter_map(|item| match item.kind {
            ir::ExprKind::Literal(literal) => Some(literal),
            _ => None,
        })
        .collect();
    let value = operands.pop().ok_or(Reported)?;
    Ok(bool_expr(
        ir::ExprKind::InList {
            value: Box::new(value),
            items: literals,
            negated,
        },
        span,
    ))
}

/// A list item: a literal (a negative number is folded into one).
fn literal_item(c: &mut Checker, item: &ast::Expr) -> Checked {
    let checked = c.expr(item)?;
    if matches!(checked.kind, ir::ExprKind::Literal(_)) {
        return Ok(checked);
    }
    Err(c.mismatch(
        item.span,
        format!(
            "list items must be literal values, not {}",
            show::show(item)
        ),
        Some("write the values out, e.g. `[\"a\", \"b\"]` or `[1, 2]`".into()),
    ))
}

/// `a between low and high`, `a not between …` (inclusive).
pub(super) fn between(
    c: &mut Checker,
    parts: [&ast::Expr; 3],
    negated: bool,
    span: Span,
) -> Checked {
    let checked: Vec<Checked> = parts.iter().map(|p| c.expr(p)).collect();
    let checked = checked.into_iter().collect::<Result<Vec<_>, _>>()?;
    let (ty, operands) = unify(c, &parts, checked)?;
    if !types::can_order(&ty) {
        return Err(cannot_order(c, parts[0], &ty, "between", span));
    }
    let mut operands = operands.into_iter().map(Box::new);
    let (Some(value), Some(low), Some(high)) = (operands.next(), operands.next(), operands.next())
    else {
        return Err(Reported);
    };
    Ok(bool_expr(
        ir::ExprKind::Between {
            value,
            low,
            high,
            negated,
        },
        span,
    ))
}

/// `a is missing`, `a is present`: any value.
pub(super) fn is_missing(c: &mut Checker, value: &ast::Expr, negated: bool, span: Span) -> Checked {
    let value = c.expr(value)?;
    Ok(bool_expr(
        ir::ExprKind::IsMissing {
            value: Box::new(value),
            negated,
        },
        span,
    ))
}

/// `contains`, `starts with`, `ends with`, `matches` on a string or enum value.
pub(super) fn string_test(
    c: &mut Checker,
    value: &ast::Expr,
    op: ast::StringOp,
    pattern: &ast::StringLit,
    span: Span,
) -> Checked {
    let checked = c.expr(value);
    let valid = match op {
        ast::StringOp::Matches => literals::regex(pattern, c.out),
        _ => Ok(()),
    };
    let checked = checked?;
    valid?;
    if !types::is_text(&checked.ty) {
        let help = types::is_list(&checked.ty)
            .then(|| format!("to test list items, write `… has {:?}`", pattern.value));
        return Err(c.mismatch(
            value.span,
            format!(
                "`{}` works on text, not on {} ({})",
                op.as_str(),
                show::show(value),
                types::name(&checked.ty)
            ),
            help,
        ));
    }
    Ok(bool_expr(
        ir::ExprKind::StringTest {
            value: Box::new(checked),
            op,
            pattern: pattern.value.clone(),
        },
        span,
    ))
}

/// `tags has "x"`, `has any [...]`, `has all [...]`: items are literals of the element type.
pub(super) fn has(
    c: &mut Checker,
    list: &ast::Expr,
    quantifier: ast::HasQuantifier,
    items: &[ast::Expr],
    span: Span,
) -> Checked {
    let checked_list = c.expr(list);
    let checked_items: Vec<Checked> = items.iter().map(|item| literal_item(c, item)).collect();
    let checked_list = checked_list?;
    let checked_items = checked_items.into_iter().collect::<Result<Vec<_>, _>>()?;
    let word = match quantifier {
        ast::HasQuantifier::One => "has",
        ast::HasQuantifier::Any => "has any",
        ast::HasQuantifier::All => "has all",
    };
    let Some(element) = types::element(&checked_list.ty) else {
        return Err(not_a_list(c, list, &checked_list.ty, word));
    };
    let mut literals = Vec::new();
    for (ast_item, item) in items.iter().zip(checked_items) {
        match item.kind {
            ir::ExprKind::Literal(literal) if item.ty == element => literals.push(literal),
            _ => {
                return Err(c.mismatch(
                    ast_item.span,
                    format!(
                        "{} holds {} values, not {} ({})",
                        show::show(list),
                        types::name(&element),
                        show::show(ast_item),
                        types::name(&item.ty)
                    ),
                    None,
                ));
            }
        }
    }
    Ok(bool_expr(
        ir::ExprKind::Has {
            list: Box::new(checked_list),
            all: quantifier == ast::HasQuantifier::All,
            items: literals,
        },
        span,
    ))
}

/// `tags is empty`, `tags is not empty`: lists only.
pub(super) fn is_empty(c: &mut Checker, value: &ast::Expr, negated: bool, span: Span) -> Checked {
    let checked = c.expr(value)?;
    if !types::is_list(&checked.ty) {
        return Err(not_a_list(c, value, &checked.ty, "is empty"));
    }
    Ok(bool_expr(
        ir::ExprKind::IsEmpty {
            value: Box::new(checked),
            negated,
        },
        span,
    ))
}

/// `d within last|next N unit`: a date, or a timestamp by its UTC date.
pub(super) fn within(
    c: &mut Checker,
    value: &ast::Expr,
    direction: ast::Direction,
    window: &ast::Duration,
    span: Span,
) -> Checked {
    let future = future_window(c, direction, span);
    let checked = c.expr(value);
    let duration = literals::duration(window, c.out);
    let (checked, duration) = (checked?, duration?);
    future?;
    if let ast::ExprKind::Aggregate(aggregate) = &value.kind
        && !checked.ty.is_temporal()
    {
        return Err(window_outside_aggregate(
            c,
            value,
            aggregate,
            &checked.ty,
            span,
        ));
    }
    let checked = temporal(c, value, checked, "within")?;
    Ok(bool_expr(
        ir::ExprKind::Within {
            value: Box::new(checked),
            direction,
            duration,
        },
        span,
    ))
}

/// `count(orders) within last 90 days`: the window belongs inside the brackets.
fn window_outside_aggregate(
    c: &mut Checker,
    value: &ast::Expr,
    aggregate: &ast::Aggregate,
    ty: &Type,
    span: Span,
) -> Reported {
    let function = aggregate.function.as_str();
    let help = match (&aggregate.field, &aggregate.filter, &aggregate.window) {
        (None, None, None) => format!(
            "to look only at the events in a window, write it inside the brackets: `{function}({} within …)`",
            aggregate.table.name
        ),
        (Some(field), None, None) => format!(
            "to look only at the events in a window, write it inside the brackets: `{function}({}.{} within …)`",
            aggregate.table.name, field.name
        ),
        _ => "to look only at the events in a window, write `within …` inside the aggregate's brackets, after its `where`".to_string(),
    };
    c.mismatch(
        span,
        format!(
            "`within` works on dates and timestamps, not on {} ({}): the window of an aggregate goes inside its brackets",
            show::show(value),
            types::name(ty)
        ),
        Some(help),
    )
}

/// `within next` outside an expectation peeks at the future: `future_window`.
pub(super) fn future_window(
    c: &mut Checker,
    direction: ast::Direction,
    span: Span,
) -> Result<(), Reported> {
    if direction == ast::Direction::Last || c.place == Place::Lift {
        return Ok(());
    }
    Err(c.report(
        Diagnostic::new(
            Code::FutureWindow,
            span,
            format!("`within next` looks into the future, which {} may not do", c.place.describe()),
        )
        .with_help("use `within last`; state outcomes as expectations, e.g. `expect lift(count(orders within next 90 days)) >= 1.5`"),
    ))
}

/// `d before X`, `d after X`.
pub(super) fn date_compare(
    c: &mut Checker,
    value: &ast::Expr,
    op: ast::DateOp,
    target: &ast::DateTarget,
    span: Span,
) -> Checked {
    let checked = c.expr(value);
    let target = date_target(c, target);
    let (checked, target) = (checked?, target?);
    let word = if op == ast::DateOp::Before {
        "before"
    } else {
        "after"
    };
    if !checked.ty.is_temporal() {
        return Err(not_temporal(c, value, &checked.ty, word));
    }
    let (checked, target) = match target {
        ir::DateTarget::Timestamp(us) if checked.ty == Type::Date => match literals::utc_date(us) {
            Some(date) => (checked, ir::DateTarget::Date(date)),
            None => return Err(Reported),
        },
        ir::DateTarget::Timestamp(us) => (checked, ir::DateTarget::Timestamp(us)),
        other => (types::date_of(checked), other),
    };
    Ok(bool_expr(
        ir::ExprKind::DateCompare {
            value: Box::new(checked),
            before: op == ast::DateOp::Before,
            target,
        },
        span,
    ))
}

/// The other side of `before`/`after`: a date or timestamp literal, or `N unit ago`.
fn date_target(c: &mut Checker, target: &ast::DateTarget) -> Result<ir::DateTarget, Reported> {
    match target {
        ast::DateTarget::Ago(duration) => {
            Ok(ir::DateTarget::Ago(literals::duration(duration, c.out)?))
        }
        ast::DateTarget::Literal(expr) => {
            let checked = c.expr(expr)?;
            match checked.kind {
                ir::ExprKind::Literal(ir::Literal::Date(d)) => Ok(ir::DateTarget::Date(d)),
                ir::ExprKind::Literal(ir::Literal::Timestamp(us)) => {
                    Ok(ir::DateTarget::Timestamp(us))
                }
                _ => Err(c.mismatch(
                    expr.span,
                    format!(
                        "`before` and `after` take a date, a timestamp or `N days ago`, not {}",
                        show::show(expr)
                    ),
                    None,
                )),
            }
        }
    }
}

/// `x in top P%`, `x in bottom P%`: numbers, dates, timestamps.
pub(super) fn percentile(
    c: &mut Checker,
    value: &ast::Expr,
    side: ast::Side,
    percent: &ast::Percent,
    span: Span,
) -> Checked {
    let checked = c.expr(value);
    let fraction = literals::percent(&percent.value, percent.span, c.out);
    let (checked, fraction) = (checked?, fraction?);
    let word = if side == ast::Side::Top {
        "in top"
    } else {
        "in bottom"
    };
    if !types::can_rank(&checked.ty) {
        return Err(c.mismatch(
            value.span,
            format!(
                "`{word}` ranks numbers, dates and timestamps, not {} ({})",
                show::show(value),
                types::name(&checked.ty)
            ),
            None,
        ));
    }
    no_population_in_filter(c, span, word)?;
    Ok(bool_expr(
        ir::ExprKind::Percentile {
            value: Box::new(checked),
            side,
            fraction,
        },
        span,
    ))
}

/// Population statistics rank customers, so they may not stand in an aggregate's filter.
pub(super) fn no_population_in_filter(
    c: &mut Checker,
    span: Span,
    word: &str,
) -> Result<(), Reported> {
    if c.events.is_none() {
        return Ok(());
    }
    Err(c.report(
        Diagnostic::new(
            Code::MisplacedAggregate,
            span,
            format!("`{word}` ranks customers and may not stand in an aggregate's `where`"),
        )
        .with_help("filter events by their own fields, e.g. `amount > 100`"),
    ))
}

/// A date or timestamp operand as a date (timestamps by their UTC date).
pub(super) fn temporal(
    c: &mut Checker,
    ast_value: &ast::Expr,
    value: ir::Expr,
    word: &str,
) -> Checked {
    if value.ty.is_temporal() {
        return Ok(types::date_of(value));
    }
    Err(not_temporal(c, ast_value, &value.ty, word))
}

fn not_temporal(c: &mut Checker, value: &ast::Expr, ty: &Type, word: &str) -> Reported {
    c.mismatch(
        value.span,
        format!(
            "`{word}` works on dates and timestamps, not on {} ({})",
            show::show(value),
            types::name(ty)
        ),
        None,
    )
}

/// `<`, `between`, … on a type without an order (enums, bools).
fn cannot_order(c: &mut Checker, value: &ast::Expr, ty: &Type, word: &str, span: Span) -> Reported {
    let help = match ty {
        Type::Enum(_) => {
            Some("enum values have no order; compare with `=`, `!=`, `in` or `not in`".to_string())
        }
        Type::Bool => Some("compare bools with `=` or `!=`".to_string()),
        _ => None,
    };
    c.mismatch(
        span,
        format!(
            "cannot use `{word}` on {} ({})",
            show::show(value),
            types::name(ty)
        ),
        help,
    )
}

/// A list test on something that is not a list.
fn not_a_list(c: &mut Checker, value: &ast::Expr, ty: &Type, word: &str) -> Reported {
    let help = match (ty, word) {
        (Type::String, "is empty") => Some(format!(
            "to test for an empty string, write `{} = \"\"`",
            show::plain(value).unwrap_or_else(|| "…".into())
        )),
        (Type::String | Type::Enum(_), _) => Some("to look inside text, use `contains`".into()),
        _ => None,
    };
    c.mismatch(
        value.span,
        format!(
            "`{word}` works on lists, not on {} ({})",
            show::show(value),
            types::name(ty)
        ),
        help,
    )
}

/// A list operand where only single values may stand (`tags in [...]`).
fn list_misuse(
    c: &mut Checker,
    value: &ast::Expr,
    ty: &Type,
    word: &str,
    instead: Option<&str>,
) -> Reported {
    c.mismatch(
        value.span,
        format!(
            "cannot use `{word}` on {} ({})",
            show::show(value),
            types::name(ty)
        ),
        instead.map(|i| format!("to test list items, use `{i}`")),
    )
}
