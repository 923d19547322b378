//! Event aggregates: one grouped subquery per event table, keyed by the customer
//! key, with one column per aggregate. Events whose time is missing or whose UTC
//! date is after the as-of date are left out (history is as-of); each aggregate's
//! window and filter pick its events with `CASE WHEN … THEN … END` inside the
//! aggregate function, so one pass over the table serves every aggregate.
//! The customer side joins it with a `LEFT JOIN` and turns "no events" into
//! 0 (`count`, `sum`) or FALSE (`exists`); an int `sum` beyond 64 bits stays missing.

use std::collections::HashMap;

use super::expr::{AS_OF, Aliases, Writer, address};
use super::{SqlError, Tables};
use crate::check::ir::{Aggregate, Direction, EventsId, Expr, ExprKind, Program, Type};
use crate::syntax::ast::AggregateFn;

/// One aggregate to compute.
pub struct Agg<'a> {
    /// The aggregate expression.
    pub expr: &'a Expr,
    /// What it aggregates.
    pub aggregate: &'a Aggregate,
    /// Its column in the grouped subquery and in the base table.
    pub column: String,
}

/// Every aggregate in `roots`, in the order met.
pub fn collect<'a>(roots: &[&'a Expr]) -> Vec<Agg<'a>> {
    let mut found: Vec<Agg<'a>> = Vec::new();
    let mut stack: Vec<&'a Expr> = roots.iter().rev().copied().collect();
    while let Some(e) = stack.pop() {
        if let ExprKind::Aggregate(aggregate) = &e.kind {
            let column = format!("_sm_a{}", found.len());
            found.push(Agg {
                expr: e,
                aggregate,
                column,
            });
        }
        stack.extend(e.children().into_iter().rev());
    }
    found
}

/// `aggs` with each aggregate written again (same table, function, field, filter
/// and window) left out, and those pointed at the first one's column.
pub fn distinct<'a>(
    program: &Program,
    dialect: super::Dialect,
    aggs: Vec<Agg<'a>>,
) -> Result<(Vec<Agg<'a>>, Aliases), SqlError> {
    let none = HashMap::new();
    let mut first: HashMap<String, String> = HashMap::new();
    let (mut kept, mut aliases) = (Vec::new(), Vec::new());
    for agg in aggs {
        let writer = Writer {
            program,
            dialect,
            computed: &none,
            events: Some(agg.aggregate.table),
        };
        let value = aggregate_value(&writer, agg.aggregate, "t", "d")?;
        let key = format!(
            "{} {:?} {value}",
            agg.aggregate.table.0, agg.aggregate.function
        );
        match first.get(&key) {
            Some(column) => aliases.push((address(agg.expr), column.clone())),
            None => {
                first.insert(key, agg.column.clone());
                kept.push(agg);
            }
        }
    }
    Ok((kept, aliases))
}

/// The name of the grouped subquery of an event table.
pub fn cte_name(table: EventsId) -> String {
    format!("_sm_events{}", table.0)
}

/// The grouped subquery of one event table (`name AS (SELECT …)` without the name).
pub fn subquery(
    program: &Program,
    writer: &Writer<'_>,
    table: EventsId,
    aggs: &[&Agg<'_>],
    tables: &Tables,
) -> Result<String, SqlError> {
    let d = writer.dialect;
    let events = program
        .events
        .get(table.0 as usize)
        .ok_or_else(|| SqlError::Unsupported("an unknown event table".into()))?;
    let time_field = events
        .fields
        .get(events.time.0 as usize)
        .ok_or_else(|| SqlError::Unsupported("an event table without a time column".into()))?;
    let time = writer.column(&time_field.name, &time_field.ty);
    let day = if time_field.ty == Type::Timestamp {
        d.date_of_micros(&time)
    } else {
        time.clone()
    };
    let key = d.ident(&events.key);
    let mut items = vec![format!("{key} AS {}", d.ident("_sm_key"))];
    for agg in aggs {
        let value = aggregate_value(writer, agg.aggregate, &time, &day)?;
        items.push(format!("{value} AS {}", d.ident(&agg.column)));
    }
    let params = d.ident(super::PARAMS);
    let as_of = d.ident(AS_OF);
    Ok(format!(
        "SELECT {}\n  FROM {} CROSS JOIN {params}\n  WHERE {time} IS NOT NULL AND {day} <= {as_of}\n  GROUP BY {key}",
        items.join(",\n    "),
        d.table(tables.events_table(&events.name)),
    ))
}

/// One aggregate over the rows of its table that pass its window and filter.
fn aggregate_value(
    writer: &Writer<'_>,
    aggregate: &Aggregate,
    time: &str,
    day: &str,
) -> Result<String, SqlError> {
    let d = writer.dialect;
    let mut conditions = Vec::new();
    match aggregate.window {
        Some((Direction::Last, duration)) => conditions.push(format!(
            "{day} >= {}",
            d.shift(&d.ident(AS_OF), duration, false)
        )),
        Some((Direction::Next, _)) => {
            return Err(SqlError::Unsupported(
                "a `within next` window (allowed only in expectations)".into(),
            ));
        }
        None => {}
    }
    if let Some(filter) = &aggregate.filter {
        conditions.push(writer.criterion(filter)?);
    }
    let field = match aggregate.field {
        Some(id) => {
            let events = writer
                .events
                .and_then(|t| writer.program.events.get(t.0 as usize));
            let field = events
                .and_then(|t| t.fields.get(id.0 as usize))
                .ok_or_else(|| SqlError::Unsupported("an unknown event field".into()))?;
            Some((writer.column(&field.name, &field.ty), field.ty.clone()))
        }
        None => None,
    };
    let picked = |value: &str| {
        if conditions.is_empty() {
            value.to_string()
        } else {
            format!("CASE WHEN {} THEN {value} END", conditions.join(" AND "))
        }
    };
    let (field_sql, field_ty) = field.unwrap_or_else(|| (time.to_string(), Type::Timestamp));
    Ok(match aggregate.function {
        AggregateFn::Count | AggregateFn::Exists => format!("COUNT({})", picked("1")),
        AggregateFn::Sum if field_ty == Type::Int => {
            let wide = format!("CAST({field_sql} AS {})", d.wide_int());
            d.checked_int(&format!("COALESCE(SUM({}), 0)", picked(&wide)))
        }
        AggregateFn::Sum => format!("COALESCE(SUM({}), 0)", picked(&field_sql)),
        AggregateFn::Avg => format!(
            "SUM({}) / NULLIF(COUNT({}), 0)",
            picked(&format!("CAST({field_sql} AS {})", d.double())),
            picked(&field_sql)
        ),
        AggregateFn::Min => format!("MIN({})", picked(&field_sql)),
        AggregateFn::Max => format!("MAX({})", picked(&field_sql)),
        AggregateFn::First => format!("MIN({})", picked(time)),
        AggregateFn::Last => format!("MAX({})", picked(time)),
    })
}

/// The aggregate's value on the customer side of the join.
pub fn joined(writer: &Writer<'_>, agg: &Agg<'_>) -> String {
    let d = writer.dialect;
    let column = format!(
        "{}.{}",
        d.ident(&cte_name(agg.aggregate.table)),
        d.ident(&agg.column)
    );
    let matched = format!(
        "{}.{} IS NOT NULL",
        d.ident(&cte_name(agg.aggregate.table)),
        d.ident("_sm_key")
    );
    match agg.aggregate.function {
        AggregateFn::Count => format!("COALESCE({column}, 0)"),
        // A sum over no values is 0; a sum that overflowed stays missing.
        AggregateFn::Sum => format!("CASE WHEN {matched} THEN {column} ELSE 0 END"),
        AggregateFn::Exists => format!("COALESCE({column} > 0, FALSE)"),
        _ => column,
    }
}

/// Registers every aggregate's column.
pub fn register(aggs: &[Agg<'_>], computed: &mut HashMap<usize, String>) {
    for agg in aggs {
        computed.insert(address(agg.expr), agg.column.clone());
    }
}
