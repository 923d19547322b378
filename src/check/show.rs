//! Short source-like renderings of expressions for messages: `` `age` ``, `"abc"`,
//! `` `lower(email)` ``. Long or complex expressions become "this expression" so that
//! messages stay one line.

use crate::syntax::ast::{Expr, ExprKind, Literal};

/// The longest rendering shown before falling back to "this expression".
const MAX_LEN: usize = 40;

/// An expression as shown in a message: literals as written, other forms in backticks.
pub(super) fn show(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Literal(literal) => literal_text(literal),
        ExprKind::Paren(inner) => show(inner),
        _ => match text(expr, 0) {
            Some(text) if text.chars().count() <= MAX_LEN => format!("`{text}`"),
            _ => "this expression".into(),
        },
    }
}

fn literal_text(literal: &Literal) -> String {
    match literal {
        Literal::Int(t) | Literal::Float(t) | Literal::Date(t) | Literal::Timestamp(t) => t.clone(),
        Literal::String(s) => format!("{s:?}"),
        Literal::Bool(b) => b.to_string(),
    }
}

/// Plain text of a small expression (names, literals, calls, arithmetic), if it is small.
fn text(expr: &Expr, depth: usize) -> Option<String> {
    if depth > 4 {
        return None;
    }
    Some(match &expr.kind {
        ExprKind::Name(ident) => ident.name.clone(),
        ExprKind::Literal(literal) => literal_text(literal),
        ExprKind::Paren(inner) => format!("({})", text(inner, depth + 1)?),
        ExprKind::Neg(inner) => format!("-{}", text(inner, depth + 1)?),
        ExprKind::Arith { left, op, right } => format!(
            "{} {} {}",
            text(left, depth + 1)?,
            op.as_str(),
            text(right, depth + 1)?
        ),
        ExprKind::Call { function, args } => {
            let args: Option<Vec<String>> = args.iter().map(|a| text(a, depth + 1)).collect();
            format!("{}({})", function.name, args?.join(", "))
        }
        ExprKind::Aggregate(aggregate) => {
            let table = match &aggregate.field {
                Some(field) => format!("{}.{}", aggregate.table.name, field.name),
                None => aggregate.table.name.clone(),
            };
            let more = aggregate.filter.is_some() || aggregate.window.is_some();
            let function = aggregate.function.as_str();
            format!("{function}({table}{})", if more { " …" } else { "" })
        }
        _ => return None,
    })
}

/// The plain text of a small expression (no backticks), for help such as
/// `` compare it, e.g. `age > 0` ``.
pub(super) fn plain(expr: &Expr) -> Option<String> {
    text(expr, 0).filter(|t| t.chars().count() <= MAX_LEN)
}
