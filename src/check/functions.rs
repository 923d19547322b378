//! Scalar functions and population scores: `lower`, `upper`, `length`, `days_since`,
//! `year`, `month`, `quintile`, `decile`, `percentile`; and `lift`, which is allowed
//! only as the measure of an `expect` line.

use super::Reported;
use super::expr::{Checked, Checker};
use super::ir::{self, Function, RankScore, Type};
use super::{predicates, show, types};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast;

/// What a function name stands for.
#[derive(Clone, Copy)]
enum Known {
    /// `lower`, `upper`
    Case(Function),
    /// `length`
    Length,
    /// `days_since`, `year`, `month`
    Date(Function),
    /// `quintile`, `decile`, `percentile`
    Rank(RankScore),
    /// `lift`
    Lift,
}

/// Every function name, for lookups and suggestions.
const FUNCTIONS: &[(&str, Known)] = &[
    ("lower", Known::Case(Function::Lower)),
    ("upper", Known::Case(Function::Upper)),
    ("length", Known::Length),
    ("days_since", Known::Date(Function::DaysSince)),
    ("year", Known::Date(Function::Year)),
    ("month", Known::Date(Function::Month)),
    ("quintile", Known::Rank(RankScore::Quintile)),
    ("decile", Known::Rank(RankScore::Decile)),
    ("percentile", Known::Rank(RankScore::Percentile)),
    ("lift", Known::Lift),
];

/// Aggregate names, only for suggestions (the parser reads aggregates separately).
const AGGREGATES: &[&str] = &[
    "count", "sum", "avg", "min", "max", "first", "last", "exists",
];

/// A call `name(args)`.
pub(super) fn call(
    c: &mut Checker,
    function: &ast::Ident,
    args: &[ast::Expr],
    span: Span,
) -> Checked {
    let Some(known) = FUNCTIONS
        .iter()
        .find(|(n, _)| *n == function.name)
        .map(|(_, k)| *k)
    else {
        return Err(unknown(c, function));
    };
    if let Known::Lift = known {
        return Err(misplaced_lift(c, span));
    }
    let [arg] = args else {
        return Err(c.report(
            Diagnostic::new(
                Code::WrongArgumentCount,
                span,
                format!("`{}` takes 1 argument, got {}", function.name, args.len()),
            )
            .with_help(format!("write `{}(x)`", function.name)),
        ));
    };
    let value = c.expr(arg)?;
    let (kind, ty) = match known {
        Known::Case(f) => (
            scalar(c, f, arg, value, types::is_text, "text")?,
            Type::String,
        ),
        Known::Length => length(c, arg, value)?,
        Known::Date(f) => {
            let date = predicates::temporal(c, arg, value, &function.name)?;
            (call_kind(f, date), Type::Int)
        }
        Known::Rank(score) => rank(c, score, arg, value, span)?,
        Known::Lift => return Err(Reported),
    };
    Ok(ir::Expr { kind, ty, span })
}

fn call_kind(function: Function, arg: ir::Expr) -> ir::ExprKind {
    ir::ExprKind::Call {
        function,
        arg: Box::new(arg),
    }
}

/// A function whose argument must pass `accepts`.
fn scalar(
    c: &mut Checker,
    function: Function,
    arg: &ast::Expr,
    value: ir::Expr,
    accepts: fn(&Type) -> bool,
    wanted: &str,
) -> Result<ir::ExprKind, Reported> {
    if !accepts(&value.ty) {
        return Err(wrong_argument(c, function.as_str(), wanted, arg, &value.ty));
    }
    Ok(call_kind(function, value))
}

/// `length(s)` counts characters of text; `length(list)` counts items.
fn length(
    c: &mut Checker,
    arg: &ast::Expr,
    value: ir::Expr,
) -> Result<(ir::ExprKind, Type), Reported> {
    let function = if types::is_text(&value.ty) {
        Function::LengthString
    } else if types::is_list(&value.ty) {
        Function::LengthList
    } else {
        return Err(wrong_argument(
            c,
            "length",
            "text or a list",
            arg,
            &value.ty,
        ));
    };
    Ok((call_kind(function, value), Type::Int))
}

/// `quintile(x)`, `decile(x)` (ints) and `percentile(x)` (a float).
fn rank(
    c: &mut Checker,
    score: RankScore,
    arg: &ast::Expr,
    value: ir::Expr,
    span: Span,
) -> Result<(ir::ExprKind, Type), Reported> {
    let name = match score {
        RankScore::Quintile => "quintile",
        RankScore::Decile => "decile",
        RankScore::Percentile => "percentile",
    };
    if !types::can_rank(&value.ty) {
        return Err(wrong_argument(
            c,
            name,
            "a number, a date or a timestamp",
            arg,
            &value.ty,
        ));
    }
    predicates::no_population_in_filter(c, span, name)?;
    let ty = if score == RankScore::Percentile {
        Type::Float
    } else {
        Type::Int
    };
    let kind = ir::ExprKind::Rank {
        score,
        value: Box::new(value),
    };
    Ok((kind, ty))
}

fn wrong_argument(
    c: &mut Checker,
    name: &str,
    wanted: &str,
    arg: &ast::Expr,
    ty: &Type,
) -> Reported {
    c.mismatch(
        arg.span,
        format!(
            "`{name}` takes {wanted}, not {} ({})",
            show::show(arg),
            types::name(ty)
        ),
        None,
    )
}

fn unknown(c: &mut Checker, function: &ast::Ident) -> Reported {
    let names = FUNCTIONS
        .iter()
        .map(|(n, _)| *n)
        .chain(AGGREGATES.iter().copied());
    let help = did_you_mean(&function.name, names);
    c.report(
        Diagnostic::new(
            Code::UnknownFunction,
            function.span,
            format!("unknown function `{}`", function.name),
        )
        .with_help_opt(help),
    )
}

/// `lift(…)` anywhere but as the measure of an `expect` line.
fn misplaced_lift(c: &mut Checker, span: Span) -> Reported {
    c.report(
        Diagnostic::new(
            Code::MisplacedAggregate,
            span,
            "`lift` may stand only at the start of an `expect` line",
        )
        .with_help("write it as an expectation, e.g. `expect lift(count(orders within next 90 days)) >= 1.5`"),
    )
}
