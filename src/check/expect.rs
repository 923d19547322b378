//! `expect` lines → [`ir::Expect`]: bounds with consistent kinds (counts or shares) and
//! `low <= high`; `disjoint from` / `overlap with` name another segment; `lift(x)`
//! measures a numeric `x`, which may look into the future.

use super::Reported;
use super::expr::{Checker, Place};
use super::ir::{self, Quantity, SegmentId};
use super::names::{Scope, Symbol};
use super::{literals, show, types};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::source::Span;
use crate::syntax::ast;

/// Checks every `expect` line of segment `this`; all lines are checked even after an error.
pub(super) fn lower_all(
    expects: &[ast::Expect],
    this: SegmentId,
    scope: &Scope,
    out: &mut Diagnostics,
) -> Result<Vec<ir::Expect>, Reported> {
    let checked: Vec<Result<ir::Expect, Reported>> =
        expects.iter().map(|e| lower(e, this, scope, out)).collect();
    checked.into_iter().collect()
}

fn lower(
    expect: &ast::Expect,
    this: SegmentId,
    scope: &Scope,
    out: &mut Diagnostics,
) -> Result<ir::Expect, Reported> {
    let kind = match &expect.kind {
        ast::ExpectKind::Size(bound) => ir::ExpectKind::Size(lower_bound(bound, true, out)?),
        ast::ExpectKind::Disjoint { other } => {
            ir::ExpectKind::Disjoint(other_segment(other, this, scope, out)?)
        }
        ast::ExpectKind::Overlap { other, bound } => {
            let other = other_segment(other, this, scope, out);
            let bound = lower_bound(bound, true, out);
            ir::ExpectKind::Overlap(other?, bound?)
        }
        ast::ExpectKind::Lift { value, bound } => {
            let measure = lift_measure(value, scope, out);
            let bound = lower_bound(bound, false, out);
            ir::ExpectKind::Lift(measure?, bound?)
        }
    };
    Ok(ir::Expect {
        kind,
        span: expect.span,
    })
}

/// The segment after `disjoint from` / `overlap with`: a known segment other than this one.
fn other_segment(
    name: &ast::Ident,
    this: SegmentId,
    scope: &Scope,
    out: &mut Diagnostics,
) -> Result<SegmentId, Reported> {
    let id = match scope.lookup(&name.name) {
        Some(Symbol::Segment(id)) => id,
        other => {
            let message = match other {
                Some(Symbol::Field(_)) => format!("`{}` is a field, not a segment", name.name),
                Some(Symbol::Tiers(_)) => {
                    format!("`{}` is a tiers block, not a segment", name.name)
                }
                _ => format!("unknown segment `{}`", name.name),
            };
            let help = did_you_mean(
                &name.name,
                scope.segment_names().filter(|n| *n != name.name),
            );
            out.push(Diagnostic::new(Code::UnknownSegment, name.span, message).with_help_opt(help));
            return Err(Reported);
        }
    };
    if id == this {
        out.push(
            Diagnostic::new(
                Code::InvalidExpectation,
                name.span,
                format!("`{}` is compared with itself", name.name),
            )
            .with_help("name another segment"),
        );
        return Err(Reported);
    }
    Ok(id)
}

/// The argument of `lift(…)`: a numeric per-customer measure.
fn lift_measure(
    value: &ast::Expr,
    scope: &Scope,
    out: &mut Diagnostics,
) -> Result<ir::Expr, Reported> {
    let mut checker = Checker::new(scope, out, Place::Lift);
    let checked = checker.expr(value)?;
    if checked.ty.is_numeric() {
        return Ok(checked);
    }
    Err(checker.mismatch(
        value.span,
        format!(
            "`lift` measures a number, not {} ({})",
            show::show(value),
            types::name(&checked.ty)
        ),
        Some(
            "measure a number per customer, e.g. `lift(count(orders within next 90 days))`".into(),
        ),
    ))
}

/// A bound; `shares` says whether percentages are allowed (not for `lift`, a ratio).
fn lower_bound(
    bound: &ast::Bound,
    shares: bool,
    out: &mut Diagnostics,
) -> Result<ir::Bound, Reported> {
    match bound {
        ast::Bound::Compare { op, value } => {
            Ok(ir::Bound::Compare(*op, quantity(value, shares, out)?))
        }
        ast::Bound::Between { low, high } => {
            let (lo, hi) = (quantity(low, shares, out), quantity(high, shares, out));
            let (lo, hi) = (lo?, hi?);
            check_range(lo, hi, low.span.to(high.span), out)?;
            Ok(ir::Bound::Between(lo, hi))
        }
    }
}

/// `between` needs bounds of one kind with `low <= high`.
fn check_range(
    low: Quantity,
    high: Quantity,
    span: Span,
    out: &mut Diagnostics,
) -> Result<(), Reported> {
    let problem = match (low, high) {
        (Quantity::Number(l), Quantity::Number(h)) | (Quantity::Share(l), Quantity::Share(h))
            if l > h =>
        {
            "the lower bound is above the upper bound"
        }
        (Quantity::Number(_), Quantity::Share(_)) | (Quantity::Share(_), Quantity::Number(_)) => {
            "a range mixes a count and a percentage"
        }
        _ => return Ok(()),
    };
    out.push(
        Diagnostic::new(Code::InvalidExpectation, span, problem).with_help(
            "write `between LOW and HIGH` with two counts or two percentages, the smaller first",
        ),
    );
    Err(Reported)
}

/// `500`, `2.5` or `20%`.
fn quantity(q: &ast::Quantity, shares: bool, out: &mut Diagnostics) -> Result<Quantity, Reported> {
    match &q.kind {
        ast::QuantityKind::Int(text) => Ok(Quantity::Number(
            literals::int(text, false, q.span, out)? as f64,
        )),
        ast::QuantityKind::Float(text) => Ok(Quantity::Number(literals::float(text, q.span, out)?)),
        ast::QuantityKind::Percent(text) if shares => {
            Ok(Quantity::Share(literals::percent(text, q.span, out)?))
        }
        ast::QuantityKind::Percent(text) => {
            out.push(
                Diagnostic::new(
                    Code::InvalidExpectation,
                    q.span,
                    format!("`lift` is a ratio, not a share: `{text}%`"),
                )
                .with_help("write the ratio as a number, e.g. `>= 1.5`"),
            );
            Err(Reported)
        }
    }
}
