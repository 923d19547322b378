//! pest pairs → [`ast::Expr`], one function per expression rule.
//!
//! Precedence is layered in the grammar (`expr` → `and_expr` → `not_expr` →
//! `predicate` → `sum` → `product` → `unary` → atoms), which yields n-ary `And`/`Or`
//! directly. Arithmetic chains are folded to the left here.
//!
//! Depth guard: bracket nesting is bounded before pest runs (see [`super::scan`]),
//! but chains (`not not not …`, `- - - 1`, `1 + 1 + … + 1`) nest the *tree* without
//! brackets. Every builder knows the depth its node will sit at ([`Ctx::depth`]); past
//! [`MAX_EXPR_DEPTH`] the subtree is replaced by a placeholder and one
//! `too_deeply_nested` is reported, so later phases can recurse safely.

use pest::iterators::Pair;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;
use crate::syntax::grammar::Rule;
use crate::syntax::parser::{Ctx, children, take};

/// The deepest expression tree handed to later phases.
pub(super) const MAX_EXPR_DEPTH: usize = 256;

/// Boxes an expression.
fn boxed(expr: ast::Expr) -> Box<ast::Expr> {
    Box::new(expr)
}

impl Ctx<'_> {
    /// Runs `build` for a subtree `levels` deeper, or gives the placeholder when that
    /// would exceed [`MAX_EXPR_DEPTH`].
    fn deeper(
        &mut self,
        levels: usize,
        span: Span,
        build: impl FnOnce(&mut Self) -> Option<ast::Expr>,
    ) -> Option<ast::Expr> {
        if self.depth + levels > MAX_EXPR_DEPTH {
            return Some(self.too_deep(span));
        }
        self.depth += levels;
        let built = build(self);
        self.depth -= levels;
        built
    }

    /// Reports (once per chunk) an expression nested too deeply; gives a placeholder.
    fn too_deep(&mut self, span: Span) -> ast::Expr {
        let message =
            format!("this expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)");
        self.too_big(span, message)
    }

    /// Reports (once per chunk) a flat chain `a + b + …` with more operators than
    /// [`MAX_EXPR_DEPTH`] (it nests the tree like brackets would); gives a placeholder.
    fn too_long(&mut self, span: Span, terms: usize) -> ast::Expr {
        let message = format!(
            "this arithmetic chain is too long ({terms} terms, at most {})",
            MAX_EXPR_DEPTH + 1
        );
        self.too_big(span, message)
    }

    /// Reports `too_deeply_nested` once per chunk; gives a placeholder.
    fn too_big(&mut self, span: Span, message: String) -> ast::Expr {
        if !self.too_deep_reported {
            self.too_deep_reported = true;
            self.diagnostics.push(
                Diagnostic::new(Code::TooDeeplyNested, span, message).with_help(
                    "split the condition into smaller segments and refer to them by name",
                ),
            );
        }
        ast::Expr {
            kind: ast::ExprKind::Literal(ast::Literal::Bool(true)),
            span,
        }
    }

    /// Any expression rule: `expr`, `and_expr`, `not_expr`, `predicate`, `sum`,
    /// `product`, `unary` or an atom. Layers with a single child (`a` alone is an
    /// `expr` of an `and_expr` of … of an atom) are skipped in a loop, so the
    /// builders recurse once per real node, not once per grammar layer.
    pub fn expr(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let pair = skip_layers(pair);
        match pair.as_rule() {
            Rule::expr => self.n_ary(pair, ast::ExprKind::Or),
            Rule::and_expr => self.n_ary(pair, ast::ExprKind::And),
            Rule::not_expr => self.not_expr(pair),
            Rule::predicate => self.predicate(pair),
            Rule::sum | Rule::product => self.arith_chain(pair),
            Rule::unary => self.unary(pair),
            _ => self.atom(pair),
        }
    }

    /// `expr = { and_expr ~ (kw_or ~ and_expr)* }`,
    /// `and_expr = { not_expr ~ (kw_and ~ not_expr)* }`: one node for the whole chain.
    fn n_ary(
        &mut self,
        pair: Pair<'_, Rule>,
        make: fn(Vec<ast::Expr>) -> ast::ExprKind,
    ) -> Option<ast::Expr> {
        let span = self.span(&pair);
        let operands: Vec<_> = children(pair)
            .filter(|p| !matches!(p.as_rule(), Rule::kw_or | Rule::kw_and))
            .collect();
        self.deeper(1, span, |ctx| {
            let items = operands
                .into_iter()
                .map(|p| ctx.expr(p))
                .collect::<Option<Vec<_>>>()?;
            Some(ast::Expr {
                kind: make(items),
                span,
            })
        })
    }

    /// `not_expr = { kw_not* ~ predicate }`
    fn not_expr(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let span = self.span(&pair);
        let mut parts: Vec<_> = children(pair).collect();
        let predicate = parts.pop()?;
        let nots: Vec<Span> = parts.iter().map(|p| self.span(p)).collect();
        self.deeper(nots.len(), span, |ctx| {
            let inner = ctx.expr(predicate)?;
            Some(nots.iter().rev().fold(inner, |inner, not| ast::Expr {
                span: not.to(inner.span),
                kind: ast::ExprKind::Not(boxed(inner)),
            }))
        })
    }

    /// `predicate = { sum ~ pred_tail? }`
    fn predicate(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let value = take(&mut it, Rule::sum)?;
        let Some(tail) = take(&mut it, Rule::pred_tail) else {
            return self.expr(value);
        };
        self.deeper(1, span, |ctx| {
            let value = ctx.expr(value)?;
            let kind = ctx.pred_tail(tail, value)?;
            Some(ast::Expr { kind, span })
        })
    }

    /// `pred_tail = { compare_tail | not_in_tail | … | date_tail }`
    fn pred_tail(&mut self, pair: Pair<'_, Rule>, value: ast::Expr) -> Option<ast::ExprKind> {
        let tail = children(pair).next()?;
        let rule = tail.as_rule();
        let parts: Vec<_> = children(tail).collect();
        let value = boxed(value);
        Some(match (rule, parts.as_slice()) {
            (Rule::compare_tail, [op, right]) => ast::ExprKind::Compare {
                left: value,
                op: self.cmp_op(op),
                right: boxed(self.compared(right.clone())?),
            },
            (Rule::in_tail, [_, list]) | (Rule::not_in_tail, [_, _, list]) => {
                let (items, list_span) = self.list(list.clone())?;
                ast::ExprKind::InList {
                    value,
                    items,
                    list_span,
                    negated: rule == Rule::not_in_tail,
                }
            }
            (Rule::between_tail, [_, low, _, high])
            | (Rule::not_between_tail, [_, _, low, _, high]) => ast::ExprKind::Between {
                value,
                low: boxed(self.expr(low.clone())?),
                high: boxed(self.expr(high.clone())?),
                negated: rule == Rule::not_between_tail,
            },
            (Rule::is_tail, [_, what]) => match what.as_rule() {
                Rule::kw_missing => ast::ExprKind::IsMissing {
                    value,
                    negated: false,
                },
                Rule::kw_present => ast::ExprKind::IsMissing {
                    value,
                    negated: true,
                },
                Rule::kw_empty => ast::ExprKind::IsEmpty {
                    value,
                    negated: false,
                },
                _ => ast::ExprKind::IsEmpty {
                    value,
                    negated: true,
                },
            },
            (Rule::string_tail, [op, pattern]) => ast::ExprKind::StringTest {
                value,
                op: string_op(op.as_str()),
                pattern: self.string(pattern),
            },
            (Rule::has_tail, [_, what]) => self.has(value, what.clone())?,
            (Rule::within_tail, [window]) => {
                let window = self.window(window.clone())?;
                ast::ExprKind::Within {
                    value,
                    direction: window.direction,
                    window: window.duration,
                }
            }
            (Rule::date_tail, [op, target]) => ast::ExprKind::DateCompare {
                value,
                op: if op.as_str() == "before" {
                    ast::DateOp::Before
                } else {
                    ast::DateOp::After
                },
                target: self.date_target(target.clone())?,
            },
            (Rule::percentile_tail, [_, side, percent]) => ast::ExprKind::Percentile {
                value,
                side: if side.as_str() == "top" {
                    ast::Side::Top
                } else {
                    ast::Side::Bottom
                },
                percent: ast::Percent {
                    value: percent.as_str().trim_end_matches('%').to_owned(),
                    span: self.span(percent),
                },
            },
            _ => return None,
        })
    }

    /// The right side of a comparison. An upper-case bare word there (`country = DE`)
    /// is almost surely text: the error suggests quotes rather than lower case.
    fn compared(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let pair = skip_layers(pair);
        let ident = (pair.as_rule() == Rule::name)
            .then(|| children(pair.clone()).next())
            .flatten();
        let Some(ident) = ident.filter(|p| upper_case_word(p.as_str())) else {
            return self.expr(pair);
        };
        let span = self.span(&pair);
        let name = ident.as_str().to_owned();
        self.error(
            span,
            format!("`{name}` is not a valid name"),
            format!("to compare with the text `{name}`, write it in quotes: `{name:?}`"),
        );
        Some(ast::Expr {
            kind: ast::ExprKind::Name(ast::Ident { name, span }),
            span,
        })
    }

    /// `has_tail = { kw_has ~ (has_any | has_all | list_item) }`
    fn has(&mut self, list: Box<ast::Expr>, what: Pair<'_, Rule>) -> Option<ast::ExprKind> {
        let (quantifier, items) = match what.as_rule() {
            Rule::has_any | Rule::has_all => {
                let quantifier = if what.as_rule() == Rule::has_any {
                    ast::HasQuantifier::Any
                } else {
                    ast::HasQuantifier::All
                };
                let list = children(what).find(|p| p.as_rule() == Rule::list)?;
                (quantifier, self.list(list)?.0)
            }
            _ => (ast::HasQuantifier::One, vec![self.list_item(what)?]),
        };
        Some(ast::ExprKind::Has {
            list,
            quantifier,
            items,
        })
    }

    /// `list = { lbracket ~ (list_item ~ (comma ~ list_item)* ~ comma?)? ~ rbracket }`
    fn list(&mut self, pair: Pair<'_, Rule>) -> Option<(Vec<ast::Expr>, Span)> {
        let span = self.span(&pair);
        let items = children(pair)
            .map(|p| self.list_item(p))
            .collect::<Option<Vec<_>>>()?;
        Some((items, span))
    }

    /// `list_item = { timestamp | date | signed_number | string | boolean }`
    fn list_item(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let inner = children(pair).next()?;
        if inner.as_rule() == Rule::signed_number {
            let text = inner.as_str().to_owned();
            let literal = if text.contains('.') {
                ast::Literal::Float(text)
            } else {
                ast::Literal::Int(text)
            };
            return Some(ast::Expr {
                kind: ast::ExprKind::Literal(literal),
                span: self.span(&inner),
            });
        }
        self.literal(&inner)
    }

    /// `window = { kw_within ~ direction ~ duration }`
    pub fn window(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Window> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        take(&mut it, Rule::kw_within)?;
        let direction = if take(&mut it, Rule::direction)?.as_str() == "next" {
            ast::Direction::Next
        } else {
            ast::Direction::Last
        };
        let duration = self.duration(take(&mut it, Rule::duration)?)?;
        Some(ast::Window {
            direction,
            duration,
            span,
        })
    }

    /// `duration = { int ~ unit }`
    fn duration(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Duration> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let amount = take(&mut it, Rule::int)?.as_str().to_owned();
        let unit = match take(&mut it, Rule::unit)?.as_str().trim_end_matches('s') {
            "day" => ast::DurationUnit::Day,
            "week" => ast::DurationUnit::Week,
            "month" => ast::DurationUnit::Month,
            _ => ast::DurationUnit::Year,
        };
        Some(ast::Duration { amount, unit, span })
    }

    /// `date_target = { timestamp | date | ago }`, `ago = { duration ~ kw_ago }`
    fn date_target(&mut self, pair: Pair<'_, Rule>) -> Option<ast::DateTarget> {
        let inner = children(pair).next()?;
        if inner.as_rule() == Rule::ago {
            let duration = children(inner).find(|p| p.as_rule() == Rule::duration)?;
            return Some(ast::DateTarget::Ago(self.duration(duration)?));
        }
        Some(ast::DateTarget::Literal(boxed(self.literal(&inner)?)))
    }

    /// `sum = { product ~ (add_op ~ product)* }`, `product = { unary ~ (mul_op ~ unary)* }`:
    /// folds `a op b op c` to the left, `(a op b) op c`.
    fn arith_chain(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let span = self.span(&pair);
        let parts: Vec<_> = children(pair).collect();
        let operators = parts.len() / 2;
        if operators > MAX_EXPR_DEPTH {
            return Some(self.too_long(span, operators + 1));
        }
        self.deeper(operators, span, |ctx| {
            let mut parts = parts.into_iter();
            let mut left = ctx.expr(parts.next()?)?;
            while let (Some(op), Some(right)) = (parts.next(), parts.next()) {
                let right = ctx.expr(right)?;
                left = ast::Expr {
                    span: left.span.to(right.span),
                    kind: ast::ExprKind::Arith {
                        left: boxed(left),
                        op: arith_op(op.as_str()),
                        right: boxed(right),
                    },
                };
            }
            Some(left)
        })
    }

    /// `unary = { neg* ~ atom }`
    fn unary(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let span = self.span(&pair);
        let mut parts: Vec<_> = children(pair).collect();
        let atom = parts.pop()?;
        let negs: Vec<Span> = parts.iter().map(|p| self.span(p)).collect();
        self.deeper(negs.len(), span, |ctx| {
            let inner = ctx.atom(atom)?;
            Some(negs.iter().rev().fold(inner, |inner, neg| ast::Expr {
                span: neg.to(inner.span),
                kind: ast::ExprKind::Neg(boxed(inner)),
            }))
        })
    }

    /// `atom = _{ paren | timestamp | date | float | int | string | boolean | aggregate | call | name }`
    fn atom(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::paren => {
                let inner = children(pair).find(|p| p.as_rule() == Rule::expr)?;
                self.deeper(1, span, |ctx| {
                    Some(ast::Expr {
                        kind: ast::ExprKind::Paren(boxed(ctx.expr(inner)?)),
                        span,
                    })
                })
            }
            Rule::aggregate => self.deeper(1, span, |ctx| ctx.aggregate(pair)),
            Rule::call => self.deeper(1, span, |ctx| ctx.call(pair)),
            Rule::name => {
                let ident = self.ident(children(pair).next()?);
                Some(ast::Expr {
                    kind: ast::ExprKind::Name(ident),
                    span,
                })
            }
            _ => self.literal(&pair),
        }
    }

    /// `timestamp`, `date`, `float`, `int`, `string`, `boolean`
    fn literal(&mut self, pair: &Pair<'_, Rule>) -> Option<ast::Expr> {
        let text = pair.as_str();
        let literal = match pair.as_rule() {
            Rule::timestamp => ast::Literal::Timestamp(text.to_owned()),
            Rule::date => ast::Literal::Date(text.to_owned()),
            Rule::float => ast::Literal::Float(text.to_owned()),
            Rule::int => ast::Literal::Int(text.to_owned()),
            Rule::string => ast::Literal::String(self.string(pair).value),
            Rule::boolean => ast::Literal::Bool(text == "true"),
            _ => return None,
        };
        Some(ast::Expr {
            kind: ast::ExprKind::Literal(literal),
            span: self.span(pair),
        })
    }

    /// `aggregate = { agg_fn ~ lparen ~ ident ~ (dot ~ ident)? ~ agg_filter? ~ window? ~ rparen }`
    fn aggregate(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let function = take(&mut it, Rule::agg_fn)?;
        let function_span = self.span(&function);
        let table = self.ident(take(&mut it, Rule::ident)?);
        let field = take(&mut it, Rule::ident).map(|p| self.ident(p));
        let filter = match take(&mut it, Rule::agg_filter) {
            Some(p) => Some(self.expr(children(p).find(|p| p.as_rule() == Rule::expr)?)?),
            None => None,
        };
        let window = match take(&mut it, Rule::window) {
            Some(p) => Some(self.window(p)?),
            None => None,
        };
        let aggregate = ast::Aggregate {
            function: agg_fn(function.as_str()),
            function_span,
            table,
            field,
            filter,
            window,
        };
        Some(ast::Expr {
            kind: ast::ExprKind::Aggregate(Box::new(aggregate)),
            span,
        })
    }

    /// `call = { !(agg_fn ~ lparen) ~ ident ~ lparen ~ (expr ~ (comma ~ expr)* ~ comma?)? ~ rparen }`
    fn call(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Expr> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let function = self.ident(take(&mut it, Rule::ident)?);
        let args = it.map(|p| self.expr(p)).collect::<Option<Vec<_>>>()?;
        Some(ast::Expr {
            kind: ast::ExprKind::Call { function, args },
            span,
        })
    }
}

/// Descends through expression layers that hold a single child (see [`Ctx::expr`]).
fn skip_layers(mut pair: Pair<'_, Rule>) -> Pair<'_, Rule> {
    while matches!(
        pair.as_rule(),
        Rule::expr
            | Rule::and_expr
            | Rule::not_expr
            | Rule::predicate
            | Rule::sum
            | Rule::product
            | Rule::unary
    ) {
        let mut inner = children(pair.clone());
        match (inner.next(), inner.next()) {
            (Some(only), None) => pair = only,
            _ => break,
        }
    }
    pair
}

/// A word with an upper-case letter that is no keyword in upper case (`DE`, `Berlin`).
fn upper_case_word(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_uppercase())
        && !crate::syntax::error::is_keyword(&word.to_ascii_lowercase())
}

/// `add_op` / `mul_op`
fn arith_op(text: &str) -> ast::ArithOp {
    match text {
        "+" => ast::ArithOp::Add,
        "-" => ast::ArithOp::Sub,
        "*" => ast::ArithOp::Mul,
        _ => ast::ArithOp::Div,
    }
}

/// `string_op = { kw_contains | kw_starts ~ kw_with | kw_ends ~ kw_with | kw_matches }`
fn string_op(text: &str) -> ast::StringOp {
    if text.starts_with("starts") {
        ast::StringOp::StartsWith
    } else if text.starts_with("ends") {
        ast::StringOp::EndsWith
    } else if text.starts_with("matches") {
        ast::StringOp::Matches
    } else {
        ast::StringOp::Contains
    }
}

/// `agg_fn`
fn agg_fn(text: &str) -> ast::AggregateFn {
    match text {
        "sum" => ast::AggregateFn::Sum,
        "avg" => ast::AggregateFn::Avg,
        "min" => ast::AggregateFn::Min,
        "max" => ast::AggregateFn::Max,
        "first" => ast::AggregateFn::First,
        "last" => ast::AggregateFn::Last,
        "exists" => ast::AggregateFn::Exists,
        _ => ast::AggregateFn::Count,
    }
}
