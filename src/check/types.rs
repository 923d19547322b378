//! Type rules: which operand types meet in a comparison, and the conversions that
//! make them one type.
//!
//! - numbers with numbers: an int meeting a float becomes a float (`ToFloat`, or a float
//!   literal when it was an int literal);
//! - dates and timestamps: when a date is involved, timestamps are compared by their UTC
//!   date (`DateOf`, or a date literal when it was a timestamp literal); two timestamps
//!   compare as instants;
//! - strings with strings; an enum with its own type or with string literals (which take
//!   the enum type and must be among its values); an enum never meets a plain string
//!   expression or a different enum;
//! - bools with bools;
//! - lists never meet anything (use `has`, `has any`, `has all`, `is empty`).

use super::ir::{Expr, ExprKind, Literal, Type};
use super::literals;

/// The single type all operands can be converted to, or the first pair of operands
/// (by index) that cannot meet.
pub(super) fn common_type(operands: &[&Expr]) -> Result<Type, (usize, usize)> {
    match target(operands) {
        Some(ty) => Ok(ty),
        None => Err(conflict(operands)),
    }
}

/// The target type, if every operand can reach it.
fn target(operands: &[&Expr]) -> Option<Type> {
    let types: Vec<&Type> = operands.iter().map(|e| &e.ty).collect();
    if types.iter().all(|t| t.is_numeric()) {
        let float = types.iter().any(|t| **t == Type::Float);
        return Some(if float { Type::Float } else { Type::Int });
    }
    if types.iter().all(|t| t.is_temporal()) {
        let date = types.iter().any(|t| **t == Type::Date);
        return Some(if date { Type::Date } else { Type::Timestamp });
    }
    if types.iter().all(|t| **t == Type::Bool) {
        return Some(Type::Bool);
    }
    if types.iter().all(|t| is_text(t)) {
        return text_target(operands);
    }
    None
}

/// Strings and enums: the enum type when one operand is an enum and the others are that
/// enum or string literals; `String` when there is no enum at all.
fn text_target(operands: &[&Expr]) -> Option<Type> {
    let enum_ty = operands
        .iter()
        .map(|e| &e.ty)
        .find(|t| matches!(t, Type::Enum(_)));
    let Some(enum_ty) = enum_ty else {
        return Some(Type::String);
    };
    operands
        .iter()
        .all(|e| e.ty == *enum_ty || is_string_literal(e))
        .then(|| enum_ty.clone())
}

/// The first pair that cannot meet: the first operand against each other one, then any pair.
fn conflict(operands: &[&Expr]) -> (usize, usize) {
    let fits = |a: usize, b: usize| match (operands.get(a), operands.get(b)) {
        (Some(x), Some(y)) => target(&[x, y]).is_some(),
        _ => true,
    };
    let len = operands.len();
    (1..len)
        .map(|j| (0, j))
        .chain((1..len).flat_map(|i| (i + 1..len).map(move |j| (i, j))))
        .find(|&(a, b)| !fits(a, b))
        .unwrap_or((0, len.saturating_sub(1)))
}

/// Whether a type is text: a string or an enum.
pub(super) fn is_text(ty: &Type) -> bool {
    matches!(ty, Type::String | Type::Enum(_))
}

/// Whether a type is a list.
pub(super) fn is_list(ty: &Type) -> bool {
    matches!(ty, Type::ListString | Type::ListInt)
}

/// Whether `<`, `<=`, `>`, `>=` and `between` apply: numbers, dates, timestamps, strings.
pub(super) fn can_order(ty: &Type) -> bool {
    ty.is_numeric() || ty.is_temporal() || *ty == Type::String
}

/// Whether population statistics (`in top P%`, `quintile`, …) apply: numbers, dates and
/// timestamps.
pub(super) fn can_rank(ty: &Type) -> bool {
    ty.is_numeric() || ty.is_temporal()
}

/// The element type of a list.
pub(super) fn element(ty: &Type) -> Option<Type> {
    match ty {
        Type::ListString => Some(Type::String),
        Type::ListInt => Some(Type::Int),
        _ => None,
    }
}

/// Whether an expression is a string literal (it may still become an enum value).
pub(super) fn is_string_literal(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Literal(Literal::String(_))) && expr.ty == Type::String
}

/// Converts an operand to the common type found by [`common_type`].
pub(super) fn convert(expr: Expr, target: &Type) -> Expr {
    match (&expr.ty, target) {
        (Type::Int, Type::Float) => to_float(expr),
        (Type::Timestamp, Type::Date) => date_of(expr),
        (Type::String, Type::Enum(_)) => Expr {
            ty: target.clone(),
            ..expr
        },
        _ => expr,
    }
}

/// An int as a float: a float literal for an int literal, else `ToFloat`.
pub(super) fn to_float(expr: Expr) -> Expr {
    let span = expr.span;
    let kind = match expr.kind {
        ExprKind::Literal(Literal::Int(n)) => ExprKind::Literal(Literal::Float(n as f64)),
        kind => ExprKind::ToFloat(Box::new(Expr {
            kind,
            ty: Type::Int,
            span,
        })),
    };
    Expr {
        kind,
        ty: Type::Float,
        span,
    }
}

/// A timestamp as its UTC date: a date literal for a timestamp literal, else `DateOf`.
pub(super) fn date_of(expr: Expr) -> Expr {
    if expr.ty != Type::Timestamp {
        return expr;
    }
    let span = expr.span;
    let kind = match expr.kind {
        ExprKind::Literal(Literal::Timestamp(us)) => match literals::utc_date(us) {
            Some(date) => ExprKind::Literal(Literal::Date(date)),
            None => wrap_date_of(ExprKind::Literal(Literal::Timestamp(us)), span),
        },
        kind => wrap_date_of(kind, span),
    };
    Expr {
        kind,
        ty: Type::Date,
        span,
    }
}

fn wrap_date_of(kind: ExprKind, span: crate::source::Span) -> ExprKind {
    ExprKind::DateOf(Box::new(Expr {
        kind,
        ty: Type::Timestamp,
        span,
    }))
}

/// A type's name for messages; long enums are shortened after three values.
pub(super) fn name(ty: &Type) -> String {
    match ty {
        Type::Enum(values) if values.len() > 3 => {
            let quoted: Vec<String> = values.iter().take(3).map(|v| format!("{v:?}")).collect();
            format!("enum({}, …)", quoted.join(", "))
        }
        _ => ty.describe(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use std::sync::Arc;

    fn e(ty: Type) -> Expr {
        Expr {
            kind: ExprKind::Field(super::super::ir::FieldId(0)),
            ty,
            span: Span::default(),
        }
    }

    fn lit(l: Literal, ty: Type) -> Expr {
        Expr {
            kind: ExprKind::Literal(l),
            ty,
            span: Span::default(),
        }
    }

    fn colours() -> Type {
        Type::Enum(Arc::from(vec!["red".to_string(), "blue".to_string()]))
    }

    #[test]
    fn numbers_meet_as_float_when_one_is_float() {
        assert_eq!(common_type(&[&e(Type::Int), &e(Type::Int)]), Ok(Type::Int));
        assert_eq!(
            common_type(&[&e(Type::Int), &e(Type::Float)]),
            Ok(Type::Float)
        );
        let converted = convert(lit(Literal::Int(3), Type::Int), &Type::Float);
        assert!(matches!(converted.kind, ExprKind::Literal(Literal::Float(f)) if f == 3.0));
        assert!(matches!(
            convert(e(Type::Int), &Type::Float).kind,
            ExprKind::ToFloat(_)
        ));
    }

    #[test]
    fn dates_win_over_timestamps() {
        assert_eq!(
            common_type(&[&e(Type::Timestamp), &e(Type::Date)]),
            Ok(Type::Date)
        );
        assert_eq!(
            common_type(&[&e(Type::Timestamp), &e(Type::Timestamp)]),
            Ok(Type::Timestamp)
        );
        let day = 86_400_000_000;
        let converted = convert(
            lit(Literal::Timestamp(day + 5), Type::Timestamp),
            &Type::Date,
        );
        assert_eq!(format!("{:?}", converted.kind), "Literal(Date(1970-01-02))");
    }

    #[test]
    fn enums_meet_their_own_type_and_string_literals_only() {
        let s = lit(Literal::String("red".into()), Type::String);
        assert_eq!(common_type(&[&e(colours()), &s]), Ok(colours()));
        assert_eq!(common_type(&[&e(colours()), &e(Type::String)]), Err((0, 1)));
        let other = Type::Enum(Arc::from(vec!["red".to_string()]));
        assert_eq!(common_type(&[&e(colours()), &e(other)]), Err((0, 1)));
        assert_eq!(common_type(&[&s, &s]), Ok(Type::String));
    }

    #[test]
    fn lists_and_mixed_families_never_meet() {
        assert!(common_type(&[&e(Type::ListString), &e(Type::ListString)]).is_err());
        assert_eq!(common_type(&[&e(Type::Int), &e(Type::String)]), Err((0, 1)));
        assert_eq!(common_type(&[&e(Type::Bool), &e(Type::Int)]), Err((0, 1)));
        assert_eq!(
            common_type(&[&e(Type::Int), &e(Type::Int), &e(Type::Date)]),
            Err((0, 2))
        );
    }
}
