//! Checked expressions as SQL. Criteria are written so that they are never NULL
//! (two-valued logic: a criterion about a missing value is false), values so that
//! a missing input gives NULL. Timestamps travel as microseconds since the epoch,
//! so instants compare exactly and their UTC date is plain arithmetic.

use std::collections::HashMap;

use super::{Dialect, SqlError, regex};
use crate::check::ir::{
    ArithOp, CmpOp, DateTarget, Direction, EventsId, Expr, ExprKind, Function, Literal, Program,
    StringOp, Type,
};
use crate::plan::Fraction;

/// The as-of date column every scope carries.
pub const AS_OF: &str = "_sm_as_of";

/// What an expression is written against.
pub struct Writer<'a> {
    /// The checked program (names of fields, segments, tiers).
    pub program: &'a Program,
    /// The engine.
    pub dialect: Dialect,
    /// Columns computed before this scope (aggregates, population statistics),
    /// by the address of the expression they stand for.
    pub computed: &'a HashMap<usize, String>,
    /// Inside an aggregate: the event table whose fields are in scope.
    pub events: Option<EventsId>,
}

/// The base table's column holding a customer float field as segmint reads it.
pub fn float_column(name: &str) -> String {
    format!("_sm_f_{name}")
}

/// Expressions computed again under another's column: (address, column).
pub type Aliases = Vec<(usize, String)>;

/// The key of an expression in [`Writer::computed`].
pub fn address(expr: &Expr) -> usize {
    expr as *const Expr as usize
}

type R = Result<String, SqlError>;

impl Writer<'_> {
    fn q(&self, name: &str) -> String {
        self.dialect.ident(name)
    }

    /// The as-of date.
    pub fn as_of(&self) -> String {
        self.q(AS_OF)
    }

    fn computed(&self, expr: &Expr) -> R {
        self.computed
            .get(&address(expr))
            .map(|name| self.q(name))
            .ok_or_else(|| {
                SqlError::Unsupported(
                    "an aggregate or population statistic in this position".into(),
                )
            })
    }

    /// A criterion: SQL that is TRUE or FALSE, never NULL.
    pub fn criterion(&self, e: &Expr) -> R {
        let definite = |sql: String| Ok(format!("COALESCE({sql}, FALSE)"));
        match &e.kind {
            ExprKind::Or(items) => self.join(items, " OR "),
            ExprKind::And(items) => self.join(items, " AND "),
            ExprKind::Not(inner) => Ok(format!("(NOT {})", self.criterion(inner)?)),
            ExprKind::Compare { left, op, right } => {
                let (l, r) = self.ordered(left, right, *op != CmpOp::Eq && *op != CmpOp::NotEq)?;
                definite(format!("{l} {} {r}", cmp(*op)))
            }
            ExprKind::InList {
                value,
                items,
                negated,
            } => self.in_list(value, items, *negated),
            ExprKind::Between {
                value,
                low,
                high,
                negated,
            } => {
                let (v, lo) = self.ordered(value, low, true)?;
                let (_, hi) = self.ordered(value, high, true)?;
                let inside = format!("{v} >= {lo} AND {v} <= {hi}");
                if *negated {
                    definite(format!(
                        "NOT ({inside}) AND {lo} IS NOT NULL AND {hi} IS NOT NULL"
                    ))
                } else {
                    definite(inside)
                }
            }
            ExprKind::IsMissing { value, negated } => {
                let not = if *negated { "NOT " } else { "" };
                Ok(format!("({} IS {not}NULL)", self.value(value)?))
            }
            ExprKind::StringTest { value, op, pattern } => {
                definite(self.string_test(&self.value(value)?, *op, pattern)?)
            }
            ExprKind::Has { list, all, items } => {
                let list = self.value(list)?;
                if items.is_empty() {
                    return Ok(if *all {
                        format!("({list} IS NOT NULL)")
                    } else {
                        "FALSE".into()
                    });
                }
                let mut tests = Vec::new();
                for item in items {
                    tests.push(self.dialect.list_contains(&list, &self.literal(item)));
                }
                definite(tests.join(if *all { " AND " } else { " OR " }))
            }
            ExprKind::IsEmpty { value, negated } => {
                let op = if *negated { ">" } else { "=" };
                let length = self.dialect.list_length(&self.value(value)?);
                definite(format!("{length} {op} 0"))
            }
            ExprKind::Within {
                value,
                direction,
                duration,
            } => {
                let v = self.value(value)?;
                let as_of = self.as_of();
                definite(match direction {
                    Direction::Last => format!(
                        "{v} >= {} AND {v} <= {as_of}",
                        self.dialect.shift(&as_of, *duration, false)
                    ),
                    Direction::Next => format!(
                        "{v} > {as_of} AND {v} <= {}",
                        self.dialect.shift(&as_of, *duration, true)
                    ),
                })
            }
            ExprKind::DateCompare {
                value,
                before,
                target,
            } => {
                let target = match target {
                    DateTarget::Date(d) => self.dialect.date(*d),
                    DateTarget::Timestamp(micros) => micros.to_string(),
                    DateTarget::Ago(duration) => {
                        self.dialect.shift(&self.as_of(), *duration, false)
                    }
                };
                let op = if *before { "<" } else { ">" };
                definite(format!("{} {op} {target}", self.value(value)?))
            }
            ExprKind::Percentile { fraction, .. } => {
                let name = self.computed.get(&address(e)).ok_or_else(|| {
                    SqlError::Unsupported("a population statistic in this position".into())
                })?;
                let (beyond, n) = (self.q(name), self.q(&format!("{name}_n")));
                let share = reduced(Fraction::from_share(*fraction));
                definite(format!("{beyond} * {} < {n} * {}", share.den, share.num))
            }
            ExprKind::SegmentRef(id) => Ok(self.q(&self.program.segment(*id).name)),
            _ => definite(self.value(e)?),
        }
    }

    fn join(&self, items: &[Expr], op: &str) -> R {
        let parts: Result<Vec<String>, SqlError> =
            items.iter().map(|i| self.criterion(i)).collect();
        Ok(format!("({})", parts?.join(op)))
    }

    /// Both sides of a comparison; strings in code point order when `ordering`.
    fn ordered(
        &self,
        left: &Expr,
        right: &Expr,
        ordering: bool,
    ) -> Result<(String, String), SqlError> {
        let (l, r) = (self.value(left)?, self.value(right)?);
        if ordering && matches!(left.ty, Type::String | Type::Enum(_)) {
            Ok((self.dialect.binary_order(l), self.dialect.binary_order(r)))
        } else {
            Ok((l, r))
        }
    }

    fn in_list(&self, value: &Expr, items: &[Literal], negated: bool) -> R {
        let v = self.value(value)?;
        if items.is_empty() {
            return Ok(if negated {
                format!("({v} IS NOT NULL)")
            } else {
                "FALSE".into()
            });
        }
        let items: Vec<String> = items.iter().map(|l| self.literal(l)).collect();
        let not = if negated { "NOT " } else { "" };
        Ok(format!(
            "COALESCE({v} {not}IN ({}), FALSE)",
            items.join(", ")
        ))
    }

    fn string_test(&self, value: &str, op: StringOp, pattern: &str) -> R {
        let p = self.dialect.string(pattern);
        let n = pattern.chars().count();
        Ok(match op {
            StringOp::Contains => self.dialect.contains(value, &p),
            StringOp::StartsWith => format!("LEFT({value}, {n}) = {p}"),
            StringOp::EndsWith => format!("RIGHT({value}, {n}) = {p}"),
            StringOp::Matches => {
                let translated =
                    regex::translate(pattern, self.dialect).map_err(|reason| SqlError::Regex {
                        pattern: pattern.to_string(),
                        dialect: self.dialect,
                        reason,
                    })?;
                self.dialect.regex_search(value, &translated)
            }
        })
    }

    /// A value: NULL when missing.
    pub fn value(&self, e: &Expr) -> R {
        let d = self.dialect;
        match &e.kind {
            ExprKind::Field(id) => {
                let field = self.program.schema.field(*id);
                Ok(self.field(&field.name, &field.ty))
            }
            ExprKind::EventField(id) => {
                let table = self
                    .events
                    .and_then(|t| self.program.events.get(t.0 as usize))
                    .ok_or_else(|| {
                        SqlError::Unsupported("an event field outside an aggregate".into())
                    })?;
                let field = table
                    .fields
                    .get(id.0 as usize)
                    .ok_or_else(|| SqlError::Unsupported("an unknown event field".into()))?;
                Ok(self.column(&field.name, &field.ty))
            }
            ExprKind::TierRef(id) => Ok(self.q(&self.program.tier_block(*id).name)),
            ExprKind::Literal(l) => Ok(self.literal(l)),
            ExprKind::Arith { left, op, right } => {
                let (mut l, mut r) = (self.value(left)?, self.value(right)?);
                let int = e.ty == Type::Int;
                if int {
                    (l, r) = (self.wide(&l), self.wide(&r));
                }
                let sql = match op {
                    ArithOp::Add => format!("({l} + {r})"),
                    ArithOp::Sub => format!("({l} - {r})"),
                    ArithOp::Mul => format!("({l} * {r})"),
                    ArithOp::Div => format!("({l} / NULLIF({r}, 0))"),
                };
                Ok(if int { d.checked_int(&sql) } else { sql })
            }
            ExprKind::Neg(inner) if e.ty == Type::Int => {
                let v = self.value(inner)?;
                Ok(d.checked_int(&format!("(-{})", self.wide(&v))))
            }
            ExprKind::Neg(inner) => Ok(format!("(-{})", self.value(inner)?)),
            ExprKind::Call { function, arg } => {
                let v = self.value(arg)?;
                Ok(match function {
                    Function::Lower => format!("LOWER({v})"),
                    Function::Upper => format!("UPPER({v})"),
                    Function::LengthString => d.char_length(&v),
                    Function::LengthList => d.list_length(&v),
                    Function::DaysSince => d.days_between(&self.date_of(arg, v), &self.as_of()),
                    Function::Year => d.extract("YEAR", &self.date_of(arg, v)),
                    Function::Month => d.extract("MONTH", &self.date_of(arg, v)),
                })
            }
            ExprKind::Rank { .. } | ExprKind::Aggregate(_) => self.computed(e),
            ExprKind::DateOf(inner) => {
                let v = self.value(inner)?;
                Ok(self.date_of(inner, v))
            }
            ExprKind::ToFloat(inner) => {
                Ok(format!("CAST({} AS {})", self.value(inner)?, d.double()))
            }
            ExprKind::Or(_)
            | ExprKind::And(_)
            | ExprKind::Not(_)
            | ExprKind::Compare { .. }
            | ExprKind::InList { .. }
            | ExprKind::Between { .. }
            | ExprKind::IsMissing { .. }
            | ExprKind::StringTest { .. }
            | ExprKind::Has { .. }
            | ExprKind::IsEmpty { .. }
            | ExprKind::Within { .. }
            | ExprKind::DateCompare { .. }
            | ExprKind::Percentile { .. }
            | ExprKind::SegmentRef(_) => self.criterion(e),
        }
    }

    /// An int widened for exact arithmetic (see [`Dialect::checked_int`]).
    fn wide(&self, sql: &str) -> String {
        format!("CAST({sql} AS {})", self.dialect.wide_int())
    }

    /// The date of `expr` whose SQL is `sql`: timestamps (microseconds) by their UTC date.
    fn date_of(&self, expr: &Expr, sql: String) -> String {
        if expr.ty == Type::Timestamp {
            self.dialect.date_of_micros(&sql)
        } else {
            sql
        }
    }

    /// A column of the customer or event table, as segmint reads it: timestamps
    /// in microseconds, floats without NaN and `-0.0`.
    pub fn column(&self, name: &str, ty: &Type) -> String {
        match ty {
            Type::Timestamp => self.dialect.micros(&self.q(name)),
            Type::Float => self.dialect.float_value(&self.q(name)),
            _ => self.q(name),
        }
    }

    /// A customer field: floats are read once, in the base table (`_sm_f_<name>`).
    fn field(&self, name: &str, ty: &Type) -> String {
        match ty {
            Type::Float => self.q(&float_column(name)),
            _ => self.column(name, ty),
        }
    }

    /// A literal (timestamps as microseconds since the epoch).
    pub fn literal(&self, l: &Literal) -> String {
        match l {
            Literal::Bool(true) => "TRUE".into(),
            Literal::Bool(false) => "FALSE".into(),
            Literal::Int(n) if *n == i64::MIN => format!("(-{} - 1)", i64::MAX),
            Literal::Int(n) => n.to_string(),
            Literal::Float(x) => format!("CAST({x:?} AS {})", self.dialect.double()),
            Literal::String(s) => self.dialect.string(s),
            Literal::Date(date) => self.dialect.date(*date),
            Literal::Timestamp(micros) => micros.to_string(),
        }
    }
}

fn cmp(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::NotEq => "<>",
        CmpOp::Lt => "<",
        CmpOp::LtEq => "<=",
        CmpOp::Gt => ">",
        CmpOp::GtEq => ">=",
    }
}

/// The fraction in lowest terms, so the products stay small.
fn reduced(f: Fraction) -> Fraction {
    let (mut a, mut b) = (f.num, f.den);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let g = a.max(1);
    Fraction {
        num: f.num / g,
        den: f.den / g,
    }
}
