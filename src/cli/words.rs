//! A checked condition in plain words, with every relative date resolved at the
//! as-of date: "customers whose `last_order_at` is between 2026-05-31 and
//! 2026-06-30 (within the last 30 days)". What `segmint explain` prints first.

use chrono::NaiveDate;

use crate::check::ir::{
    Aggregate, CmpOp, DateTarget, Direction, Duration, EventsId, Expr, ExprKind, Literal, Program,
    Side, Type,
};
use crate::plan::dates;

/// Renders conditions of one program at one as-of date.
pub(super) struct Words<'a> {
    pub program: &'a Program,
    pub as_of: NaiveDate,
}

impl Words<'_> {
    /// The lines describing `condition`, each starting with `indent`: one line for
    /// a single criterion, a heading and one line per part for `and` / `or`.
    pub fn lines(&self, condition: &Expr, indent: &str, out: &mut Vec<String>) {
        self.lines_in(condition, indent, None, out);
    }

    fn lines_in(&self, expr: &Expr, indent: &str, table: Option<EventsId>, out: &mut Vec<String>) {
        let (heading, items) = match &expr.kind {
            ExprKind::And(items) => ("all of:", items),
            ExprKind::Or(items) => ("any of:", items),
            _ => {
                out.push(format!("{indent}- {}", self.criterion(expr, table)));
                return;
            }
        };
        out.push(format!("{indent}- {heading}"));
        let deeper = format!("{indent}  ");
        for item in items {
            self.lines_in(item, &deeper, table, out);
        }
    }

    /// One criterion on one line.
    fn criterion(&self, expr: &Expr, table: Option<EventsId>) -> String {
        let v = |e: &Expr| self.value(e, table);
        match &expr.kind {
            ExprKind::And(items) | ExprKind::Or(items) => {
                let word = if matches!(expr.kind, ExprKind::And(_)) {
                    " and "
                } else {
                    " or "
                };
                let parts: Vec<String> = items.iter().map(|i| self.criterion(i, table)).collect();
                format!("({})", parts.join(word))
            }
            ExprKind::Not(inner) => format!("not ({})", self.criterion(inner, table)),
            ExprKind::Compare { left, op, right } => {
                format!("{} {} {}", v(left), compare_words(*op), v(right))
            }
            ExprKind::InList {
                value,
                items,
                negated,
            } => {
                let list: Vec<String> = items.iter().map(literal).collect();
                let word = if *negated { "is none of" } else { "is one of" };
                format!("{} {word} {}", v(value), list.join(", "))
            }
            ExprKind::Between {
                value,
                low,
                high,
                negated,
            } => {
                let word = if *negated {
                    "is not between"
                } else {
                    "is between"
                };
                format!(
                    "{} {word} {} and {} (both included)",
                    v(value),
                    v(low),
                    v(high)
                )
            }
            ExprKind::IsMissing { value, negated } => {
                let word = if *negated { "is present" } else { "is missing" };
                format!("{} {word}", v(value))
            }
            ExprKind::StringTest { value, op, pattern } => {
                format!("{} {} {pattern:?}", v(value), op.as_str())
            }
            ExprKind::Has { list, all, items } => {
                let list_items: Vec<String> = items.iter().map(literal).collect();
                let word = match (all, items.len()) {
                    (false, 1) => "has",
                    (false, _) => "has any of",
                    (true, _) => "has all of",
                };
                format!("{} {word} {}", v(list), list_items.join(", "))
            }
            ExprKind::IsEmpty { value, negated } => {
                let word = if *negated {
                    "is a list with items"
                } else {
                    "is an empty list"
                };
                format!("{} {word}", v(value))
            }
            ExprKind::Within {
                value,
                direction,
                duration,
            } => format!("{} {}", v(value), self.window(*direction, *duration)),
            ExprKind::DateCompare {
                value,
                before,
                target,
            } => {
                let word = if *before { "is before" } else { "is after" };
                format!("{} {word} {}", v(value), self.target(target))
            }
            ExprKind::Percentile {
                value,
                side,
                fraction,
            } => {
                let side = match side {
                    Side::Top => "top",
                    Side::Bottom => "bottom",
                };
                format!(
                    "{} is in the {side} {}% of all customers",
                    v(value),
                    fraction * 100.0
                )
            }
            ExprKind::SegmentRef(id) => {
                format!("they are in segment `{}`", self.program.segment(*id).name)
            }
            ExprKind::Literal(Literal::Bool(true)) => "always".into(),
            ExprKind::Literal(Literal::Bool(false)) => "never".into(),
            _ if expr.ty == Type::Bool => format!("{} is true", v(expr)),
            _ => v(expr),
        }
    }

    /// `between 2026-05-31 and 2026-06-30 (within the last 30 days)`.
    fn window(&self, direction: Direction, duration: Duration) -> String {
        let as_of = self.as_of;
        match direction {
            Direction::Last => format!(
                "is between {} and {as_of} (within the last {duration})",
                day(dates::days_ago(as_of, duration))
            ),
            Direction::Next => format!(
                "is after {as_of} and at most {} (within the next {duration})",
                day(dates::days_ahead(as_of, duration))
            ),
        }
    }

    fn target(&self, target: &DateTarget) -> String {
        match target {
            DateTarget::Date(date) => date.to_string(),
            DateTarget::Timestamp(micros) => crate::check::ir::format_timestamp(*micros),
            DateTarget::Ago(duration) => format!(
                "{} ({duration} before {})",
                day(dates::days_ago(self.as_of, *duration)),
                self.as_of
            ),
        }
    }

    /// A value as written, in backticks, or a literal as written.
    fn value(&self, expr: &Expr, table: Option<EventsId>) -> String {
        match &expr.kind {
            ExprKind::Literal(l) => literal(l),
            _ => format!("`{}`", self.plain(expr, table)),
        }
    }

    fn plain(&self, expr: &Expr, table: Option<EventsId>) -> String {
        let p = |e: &Expr| self.plain(e, table);
        match &expr.kind {
            ExprKind::Field(id) => self.program.schema.field(*id).name.clone(),
            ExprKind::TierRef(id) => self.program.tier_block(*id).name.clone(),
            ExprKind::Literal(l) => literal(l),
            ExprKind::DateOf(inner) | ExprKind::ToFloat(inner) => p(inner),
            ExprKind::Neg(inner) => format!("-{}", p(inner)),
            ExprKind::Arith { left, op, right } => {
                format!("{} {} {}", p(left), op.as_str(), p(right))
            }
            ExprKind::Call { function, arg } => format!("{}({})", function.as_str(), p(arg)),
            ExprKind::Rank { score, value } => format!("{}({})", score.as_str(), p(value)),
            ExprKind::Aggregate(aggregate) => self.aggregate(aggregate),
            ExprKind::EventField(id) => table
                .and_then(|t| self.program.events.get(t.0 as usize))
                .and_then(|t| t.fields.get(id.0 as usize))
                .map_or_else(|| "?".into(), |f| f.name.clone()),
            _ => self.criterion(expr, table),
        }
    }

    /// `count(orders where channel = "app", placed_at between 2026-04-01 and 2026-06-30)`.
    fn aggregate(&self, aggregate: &Aggregate) -> String {
        let source = self.program.aggregate_source(aggregate);
        let mut parts = Vec::new();
        if let Some(filter) = &aggregate.filter {
            // inside the aggregate's backticks, names go without their own
            let filter = self
                .criterion(filter, Some(aggregate.table))
                .replace('`', "");
            parts.push(format!("where {filter}"));
        }
        if let Some((direction, duration)) = aggregate.window {
            let time = self
                .program
                .events
                .get(aggregate.table.0 as usize)
                .and_then(|t| t.fields.get(t.time.0 as usize))
                .map_or("time", |f| f.name.as_str());
            let (from, to) = match direction {
                Direction::Last => (
                    dates::days_ago(self.as_of, duration),
                    dates::days_of(self.as_of),
                ),
                Direction::Next => (
                    dates::days_of(self.as_of).saturating_add(1),
                    dates::days_ahead(self.as_of, duration),
                ),
            };
            parts.push(format!("{time} between {} and {}", day(from), day(to)));
        }
        let rest = if parts.is_empty() {
            String::new()
        } else {
            format!(" {}", parts.join(", "))
        };
        format!("{}({source}{rest})", aggregate.function.as_str())
    }
}

fn compare_words(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "is",
        CmpOp::NotEq => "is not",
        CmpOp::Lt => "is below",
        CmpOp::LtEq => "is at most",
        CmpOp::Gt => "is above",
        CmpOp::GtEq => "is at least",
    }
}

fn literal(literal: &Literal) -> String {
    match literal {
        Literal::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn day(days: i32) -> String {
    dates::date_of_days(days).map_or_else(|| format!("day {days}"), |d| d.to_string())
}
