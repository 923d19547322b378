//! Operands of one criterion brought to one type (`=`, `in`, `between`): the rules are
//! in [`super::types`]; this module reports what breaks them, naming both operands
//! (`type_mismatch`) or the enum a string literal is not a value of (`unknown_enum_value`).

use super::Reported;
use super::expr::Checker;
use super::ir::{self, Type};
use super::{show, types};
use chrono::{DateTime, NaiveDate};

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::syntax::ast;

/// Brings operands to their common type, validating string literals against an enum.
/// Reports `type_mismatch` (naming both operands) or `unknown_enum_value`.
pub(super) fn unify(
    c: &mut Checker,
    asts: &[&ast::Expr],
    exprs: Vec<ir::Expr>,
) -> Result<(Type, Vec<ir::Expr>), Reported> {
    let refs: Vec<&ir::Expr> = exprs.iter().collect();
    let ty = match types::common_type(&refs) {
        Ok(ty) => ty,
        Err((i, j)) => return Err(incompatible(c, asts, &refs, i, j)),
    };
    if let Type::Enum(values) = &ty {
        check_enum_values(c, asts, &refs, values)?;
    }
    Ok((
        ty.clone(),
        exprs.into_iter().map(|e| types::convert(e, &ty)).collect(),
    ))
}

/// Every string literal among the operands must be a value of the enum.
fn check_enum_values(
    c: &mut Checker,
    asts: &[&ast::Expr],
    exprs: &[&ir::Expr],
    values: &ir::EnumValues,
) -> Result<(), Reported> {
    let owner = exprs
        .iter()
        .position(|e| matches!(e.ty, Type::Enum(_)))
        .and_then(|i| asts.get(i))
        .map_or("the enum".to_string(), |a| show::show(a));
    let mut result = Ok(());
    for expr in exprs.iter().filter(|e| types::is_string_literal(e)) {
        let ir::ExprKind::Literal(ir::Literal::String(value)) = &expr.kind else {
            continue;
        };
        if values.iter().any(|v| v == value) {
            continue;
        }
        let help = closest_value(value, values).unwrap_or_else(|| one_of(values));
        result = Err(c.report(
            Diagnostic::new(
                Code::UnknownEnumValue,
                expr.span,
                format!("{value:?} is not a value of {owner}"),
            )
            .with_help(help),
        ));
    }
    result
}

/// ``did you mean `"gold"`?``: the value as the literal to write, in quotes.
fn closest_value(value: &str, values: &ir::EnumValues) -> Option<String> {
    let help = did_you_mean(value, values.iter().map(String::as_str))?;
    let closest = values
        .iter()
        .find(|v| did_you_mean(value, [v.as_str()]).as_ref() == Some(&help))?;
    Some(format!("did you mean `{closest:?}`?"))
}

/// The text of a string literal that reads as a date or a timestamp, when the other
/// operand is a date or a timestamp (`signup_date > "2024-01-01"`).
fn quoted_date(pair: [&ir::Expr; 2]) -> Option<&str> {
    if !pair
        .iter()
        .any(|e| matches!(e.ty, Type::Date | Type::Timestamp))
    {
        return None;
    }
    pair.iter().find_map(|e| match &e.kind {
        ir::ExprKind::Literal(ir::Literal::String(s)) if is_date_text(s) => Some(s.as_str()),
        _ => None,
    })
}

/// Whether a text is a date (`2024-01-31`) or a timestamp (`2024-01-31T10:00:00Z`) as
/// the language writes them.
fn is_date_text(text: &str) -> bool {
    let is_date = text.len() == 10 && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok();
    is_date || DateTime::parse_from_rfc3339(text).is_ok()
}

/// "expected one of …" listing an enum's values (at most ten).
fn one_of(values: &ir::EnumValues) -> String {
    let shown: Vec<String> = values.iter().take(10).map(|v| format!("{v:?}")).collect();
    let more = if values.len() > 10 { ", …" } else { "" };
    format!("expected one of {}{more}", shown.join(", "))
}

/// `type_mismatch` naming both operands and their types.
fn incompatible(
    c: &mut Checker,
    asts: &[&ast::Expr],
    exprs: &[&ir::Expr],
    i: usize,
    j: usize,
) -> Reported {
    let (Some(a), Some(b), Some(ta), Some(tb)) =
        (asts.get(i), asts.get(j), exprs.get(i), exprs.get(j))
    else {
        return Reported;
    };
    let help = mismatch_help(ta, tb).or_else(|| written_help([a, b], [ta, tb]));
    c.mismatch(
        b.span,
        format!(
            "cannot compare {} ({}) with {} ({})",
            show::show(a),
            types::name(&ta.ty),
            show::show(b),
            types::name(&tb.ty)
        ),
        help,
    )
}

/// A hint for common mismatches.
fn mismatch_help(a: &ir::Expr, b: &ir::Expr) -> Option<String> {
    let pair = [a, b];
    if pair.iter().any(|e| types::is_list(&e.ty)) {
        return Some("test lists with `has`, `has any`, `has all` or `is empty`".into());
    }
    let quoted_number = pair.iter().any(|e| e.ty.is_numeric())
        && pair.iter().any(|e| match &e.kind {
            ir::ExprKind::Literal(ir::Literal::String(s)) => s.trim().parse::<f64>().is_ok(),
            _ => false,
        });
    if quoted_number {
        return Some("write the number without quotes".into());
    }
    if let Some(date) = quoted_date(pair) {
        return Some(format!("write the date without quotes: `{date}`"));
    }
    if pair.iter().any(|e| matches!(e.ty, Type::Enum(_)))
        && pair.iter().all(|e| types::is_text(&e.ty))
    {
        return Some("an enum is compared with its own values, written as string literals".into());
    }
    None
}

/// A hint from how an operand was written: a year where a date is compared
/// (`last_order_at < 1997`), or a year-month read as a subtraction where text is
/// compared (`cohort = 1997-01`).
fn written_help(asts: [&ast::Expr; 2], exprs: [&ir::Expr; 2]) -> Option<String> {
    let temporal = exprs.iter().position(|e| e.ty.is_temporal());
    let text = exprs.iter().position(|e| types::is_text(&e.ty));
    (0..2).find_map(|i| {
        let other = 1 - i;
        match &asts[i].kind {
            ast::ExprKind::Literal(ast::Literal::Int(year))
                if temporal == Some(other) && is_year(year) =>
            {
                let value = show::plain(asts[other]).unwrap_or_else(|| "the date".into());
                Some(format!(
                    "`{year}` is a number, not a date: to compare the year, write `year({value})`; to compare with a day, write a date such as `{year}-01-01`"
                ))
            }
            ast::ExprKind::Arith {
                left,
                op: ast::ArithOp::Sub,
                right,
            } if text == Some(other) => {
                let (ast::ExprKind::Literal(ast::Literal::Int(a)), ast::ExprKind::Literal(ast::Literal::Int(b))) =
                    (&left.kind, &right.kind)
                else {
                    return None;
                };
                Some(format!(
                    "`{a}-{b}` is read as {a} minus {b}; to compare with the text, write it in quotes: `\"{a}-{b}\"`"
                ))
            }
            _ => None,
        }
    })
}

/// Whether an int literal as written looks like a year (`1997`, `2024`).
fn is_year(text: &str) -> bool {
    text.len() == 4
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text.starts_with('1') || text.starts_with('2'))
}
