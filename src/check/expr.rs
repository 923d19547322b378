//! `ast::Expr` → `ir::Expr`: the dispatcher, logic, names, literals and arithmetic.
//! Predicates live in [`super::predicates`], functions in [`super::functions`],
//! aggregates in [`super::aggregate`].

use super::Reported;
use super::ir::{self, Derived, EventsId, Type};
use super::names::{self, Scope, Symbol};
use super::{aggregate, functions, literals, predicates, show, types};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast;

/// A checked expression, or the marker that its problem was already reported.
pub(super) type Checked = Result<ir::Expr, Reported>;

/// Nesting deeper than this is reported instead of checked (see [`super::MAX_NESTING`]).
const MAX_DEPTH: usize = super::MAX_NESTING;

/// Where an expression stands; it decides whether `within next` and `lift` are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Place {
    /// A segment's `where`.
    Where,
    /// A tier's condition.
    Tier,
    /// The argument of `expect lift(…)`: outcomes, so the future is allowed.
    Lift,
}

impl Place {
    /// The place in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Place::Where => "a `where` condition",
            Place::Tier => "a tier condition",
            Place::Lift => "an expectation",
        }
    }
}

/// The state of checking one condition.
pub(super) struct Checker<'a> {
    /// Names resolve here.
    pub scope: &'a Scope,
    /// Problems go here.
    pub out: &'a mut Diagnostics,
    /// Where the expression stands.
    pub place: Place,
    /// Inside an aggregate's `where`: the event table whose fields names resolve to.
    pub events: Option<EventsId>,
    /// Segments and tiers blocks referred to, with where.
    pub deps: Vec<(Derived, Span)>,
    depth: usize,
    too_deep: bool,
}

impl<'a> Checker<'a> {
    /// A checker for one condition at `place`.
    pub fn new(scope: &'a Scope, out: &'a mut Diagnostics, place: Place) -> Self {
        Checker {
            scope,
            out,
            place,
            events: None,
            deps: Vec::new(),
            depth: 0,
            too_deep: false,
        }
    }

    /// Pushes a diagnostic and returns the marker.
    pub fn report(&mut self, diagnostic: Diagnostic) -> Reported {
        self.out.push(diagnostic);
        Reported
    }

    /// A type mismatch at `span`.
    pub fn mismatch(&mut self, span: Span, message: String, help: Option<String>) -> Reported {
        self.report(Diagnostic::new(Code::TypeMismatch, span, message).with_help_opt(help))
    }

    /// Checks an expression that must be a criterion (type `bool`).
    pub fn criterion(&mut self, expr: &ast::Expr) -> Checked {
        let checked = self.expr(expr)?;
        if checked.ty == Type::Bool {
            return Ok(checked);
        }
        Err(self.not_a_criterion(expr, &checked.ty))
    }

    /// Checks any expression.
    pub fn expr(&mut self, expr: &ast::Expr) -> Checked {
        if self.depth >= MAX_DEPTH {
            return Err(self.too_deep(expr));
        }
        self.depth += 1;
        let checked = self.dispatch(expr);
        self.depth -= 1;
        checked
    }

    fn dispatch(&mut self, expr: &ast::Expr) -> Checked {
        use ast::ExprKind as K;
        let span = expr.span;
        match &expr.kind {
            K::Or(items) => self.logic(items, span, false),
            K::And(items) => self.logic(items, span, true),
            K::Not(inner) => self.not(inner, span),
            K::Paren(inner) => self.expr(inner),
            K::Compare { left, op, right } => predicates::compare(self, left, *op, right, span),
            K::InList {
                value,
                items,
                negated,
                ..
            } => predicates::in_list(self, value, items, *negated, span),
            K::Between {
                value,
                low,
                high,
                negated,
            } => predicates::between(self, [value, low, high], *negated, span),
            K::IsMissing { value, negated } => predicates::is_missing(self, value, *negated, span),
            K::StringTest { value, op, pattern } => {
                predicates::string_test(self, value, *op, pattern, span)
            }
            K::Has {
                list,
                quantifier,
                items,
            } => predicates::has(self, list, *quantifier, items, span),
            K::IsEmpty { value, negated } => predicates::is_empty(self, value, *negated, span),
            K::Within {
                value,
                direction,
                window,
            } => predicates::within(self, value, *direction, window, span),
            K::DateCompare { value, op, target } => {
                predicates::date_compare(self, value, *op, target, span)
            }
            K::Percentile {
                value,
                side,
                percent,
            } => predicates::percentile(self, value, *side, percent, span),
            K::Arith { left, op, right } => self.arith(left, *op, right, span),
            K::Neg(inner) => self.neg(inner, span),
            K::Call { function, args } => functions::call(self, function, args, span),
            K::Aggregate(agg) => aggregate::check(self, agg, span),
            K::Name(ident) => self.name(ident),
            K::Literal(literal) => self.literal(literal, span),
        }
    }

    /// `a and b …` / `a or b …`: every operand is a criterion; all are checked.
    fn logic(&mut self, items: &[ast::Expr], span: Span, and: bool) -> Checked {
        let checked: Vec<Checked> = items.iter().map(|item| self.criterion(item)).collect();
        let items = checked.into_iter().collect::<Result<Vec<_>, _>>()?;
        let kind = if and {
            ir::ExprKind::And(items)
        } else {
            ir::ExprKind::Or(items)
        };
        Ok(bool_expr(kind, span))
    }

    fn not(&mut self, inner: &ast::Expr, span: Span) -> Checked {
        let inner = self.criterion(inner)?;
        Ok(bool_expr(ir::ExprKind::Not(Box::new(inner)), span))
    }

    /// A bare name: a field (or, inside an aggregate filter, an event field), a segment
    /// or a tiers block.
    fn name(&mut self, ident: &ast::Ident) -> Checked {
        if let Some(table) = self.events {
            return aggregate::event_field(self, table, ident);
        }
        let Some(symbol) = self.scope.lookup(&ident.name) else {
            names::unknown_field(self.scope, ident, self.out);
            return Err(Reported);
        };
        let (kind, ty) = match symbol {
            Symbol::Field(id) => {
                let ty = self.scope.field(id).map_or(Type::Bool, |f| f.ty.clone());
                (ir::ExprKind::Field(id), ty)
            }
            Symbol::Segment(id) => {
                self.deps.push((Derived::Segment(id), ident.span));
                (ir::ExprKind::SegmentRef(id), Type::Bool)
            }
            Symbol::Tiers(id) => {
                self.deps.push((Derived::Tiers(id), ident.span));
                let ty = self
                    .scope
                    .tiers
                    .get(id.0 as usize)
                    .map_or(Type::String, |t| t.ty.clone());
                (ir::ExprKind::TierRef(id), ty)
            }
        };
        Ok(ir::Expr {
            kind,
            ty,
            span: ident.span,
        })
    }

    /// A literal; numbers, dates and timestamps are validated here.
    pub fn literal(&mut self, literal: &ast::Literal, span: Span) -> Checked {
        let (value, ty) = match literal {
            ast::Literal::Int(text) => (
                ir::Literal::Int(literals::int(text, false, span, self.out)?),
                Type::Int,
            ),
            ast::Literal::Float(text) => (
                ir::Literal::Float(literals::float(text, span, self.out)?),
                Type::Float,
            ),
            ast::Literal::String(s) => (ir::Literal::String(s.clone()), Type::String),
            ast::Literal::Bool(b) => (ir::Literal::Bool(*b), Type::Bool),
            ast::Literal::Date(text) => (
                ir::Literal::Date(literals::date(text, span, self.out)?),
                Type::Date,
            ),
            ast::Literal::Timestamp(text) => (
                ir::Literal::Timestamp(literals::timestamp(text, span, self.out)?),
                Type::Timestamp,
            ),
        };
        Ok(ir::Expr {
            kind: ir::ExprKind::Literal(value),
            ty,
            span,
        })
    }

    /// `-a`; a number literal is folded so that `-5` is a literal (and `in [-1, 2]` works).
    fn neg(&mut self, inner: &ast::Expr, span: Span) -> Checked {
        if let ast::ExprKind::Literal(literal) = &inner.kind {
            match literal {
                ast::Literal::Int(text) => {
                    let n = literals::int(text, true, span, self.out)?;
                    return Ok(literal_expr(ir::Literal::Int(n), Type::Int, span));
                }
                ast::Literal::Float(text) => {
                    let f = literals::float(text, inner.span, self.out)?;
                    return Ok(literal_expr(ir::Literal::Float(-f), Type::Float, span));
                }
                _ => {}
            }
        }
        let value = self.expr(inner)?;
        if !value.ty.is_numeric() {
            return Err(self.mismatch(
                span,
                format!(
                    "cannot negate {} ({})",
                    show::show(inner),
                    types::name(&value.ty)
                ),
                None,
            ));
        }
        let ty = value.ty.clone();
        Ok(ir::Expr {
            kind: ir::ExprKind::Neg(Box::new(value)),
            ty,
            span,
        })
    }

    /// `a + b` etc.: numbers only; int with int stays int except for `/`; otherwise both
    /// operands become floats, so both operands always have the result's type.
    fn arith(
        &mut self,
        left: &ast::Expr,
        op: ast::ArithOp,
        right: &ast::Expr,
        span: Span,
    ) -> Checked {
        let (l, r) = (self.expr(left), self.expr(right));
        let (l, r) = (l?, r?);
        for (ast_side, side) in [(left, &l), (right, &r)] {
            if !side.ty.is_numeric() {
                return Err(self.mismatch(
                    ast_side.span,
                    format!(
                        "`{}` works on numbers, not on {} ({})",
                        op.as_str(),
                        show::show(ast_side),
                        types::name(&side.ty)
                    ),
                    None,
                ));
            }
        }
        let int = l.ty == Type::Int && r.ty == Type::Int && op != ast::ArithOp::Div;
        let (l, r, ty) = if int {
            (l, r, Type::Int)
        } else {
            (
                types::convert(l, &Type::Float),
                types::convert(r, &Type::Float),
                Type::Float,
            )
        };
        Ok(ir::Expr {
            kind: ir::ExprKind::Arith {
                left: Box::new(l),
                op,
                right: Box::new(r),
            },
            ty,
            span,
        })
    }

    /// Reports a value used where a criterion is needed, with an example comparison.
    fn not_a_criterion(&mut self, expr: &ast::Expr, ty: &Type) -> Reported {
        let text = show::plain(expr).unwrap_or_else(|| "…".into());
        let example = match ty {
            Type::Enum(values) => {
                let first = values.first().map_or("…", String::as_str);
                format!("{text} = {first:?}")
            }
            Type::Int | Type::Float => format!("{text} > 0"),
            Type::String => format!("{text} = \"…\""),
            Type::Date | Type::Timestamp => format!("{text} within last 30 days"),
            Type::ListString => format!("{text} has \"…\""),
            Type::ListInt => format!("{text} has 1"),
            Type::Bool => format!("{text} = true"),
        };
        self.mismatch(
            expr.span,
            format!(
                "expected a criterion (true or false), found {} ({})",
                show::show(expr),
                types::name(ty)
            ),
            Some(format!("compare it, e.g. `{example}`")),
        )
    }

    /// Reports nesting beyond [`MAX_DEPTH`] once per condition.
    /// A left-folded chain `a + b + …` reaching the limit is called too long, not
    /// nested: nothing in it looks nested to whoever wrote it.
    fn too_deep(&mut self, expr: &ast::Expr) -> Reported {
        let chain = matches!(&expr.kind, ast::ExprKind::Arith { left, .. }
            if matches!(left.kind, ast::ExprKind::Arith { .. }));
        let message = if chain {
            "arithmetic chain too long to check"
        } else {
            "expression nested too deeply to check"
        };
        if !self.too_deep {
            self.too_deep = true;
            self.out.push(
                Diagnostic::new(Code::TooDeeplyNested, expr.span, message)
                    .with_help("split it into segments that refer to each other"),
            );
        }
        Reported
    }
}

/// A criterion node (type `bool`).
pub(super) fn bool_expr(kind: ir::ExprKind, span: Span) -> ir::Expr {
    ir::Expr {
        kind,
        ty: Type::Bool,
        span,
    }
}

/// A literal node.
pub(super) fn literal_expr(literal: ir::Literal, ty: Type, span: Span) -> ir::Expr {
    ir::Expr {
        kind: ir::ExprKind::Literal(literal),
        ty,
        span,
    }
}
