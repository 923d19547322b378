//! SQL export: takes a checked [`ir::Program`](crate::check::ir::Program) and gives
//! one SQL query that returns exactly the membership table `segmint eval` writes
//! (the key, one boolean per output segment, one string per tiers block), for
//! DuckDB, PostgreSQL, Spark, BigQuery or Snowflake. It never reads data.
//!
//! The query is a chain of CTEs, each adding columns to the one before:
//!
//! 1. `_sm_params`: the as-of date (a literal, or a query parameter);
//! 2. `_sm_events<N>`: one grouped subquery per event table (`events.rs`);
//! 3. `_sm_base`: the customer table with its floats read as segmint reads them
//!    (NaN missing, `-0.0` as `0.0`) and the aggregates joined on the key;
//! 4. `_sm_stats<N>`: population statistics as window functions (`stats.rs`);
//! 5. `_sm_level<N>`: the segments and tiers blocks, one CTE per dependency level
//!    (a segment reference reads a column of an earlier level), one column each (`expr.rs` writes the conditions);
//!
//! then a final `SELECT` of the output columns. Per-engine differences live in
//! `dialect.rs` and `regex.rs`.

mod dialect;
mod events;
mod expr;
mod regex;
mod stats;

use std::collections::HashMap;

use chrono::NaiveDate;

pub use dialect::Dialect;

use crate::check::ir::{Derived, EventsId, Expr, Program, Type};
use expr::{AS_OF, Writer};

/// The CTE holding the as-of date.
const PARAMS: &str = "_sm_params";

/// Where the as-of date comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsOf {
    /// A fixed date written into the query.
    Date(NaiveDate),
    /// The engine's named query parameter (`$as_of`, `:as_of`, `@as_of`, …).
    Parameter,
}

/// The tables the query reads.
#[derive(Clone, Debug, Default)]
pub struct Tables {
    /// The customer table (default: the schema's name).
    pub customers: Option<String>,
    /// Event tables by their name in the segments (default: that name).
    pub events: HashMap<String, String>,
}

impl Tables {
    fn events_table<'a>(&'a self, name: &'a str) -> &'a str {
        self.events.get(name).map_or(name, String::as_str)
    }
}

/// What to write.
#[derive(Clone, Debug)]
pub struct SqlOptions {
    /// The engine.
    pub dialect: Dialect,
    /// The as-of date.
    pub as_of: AsOf,
    /// Table names.
    pub tables: Tables,
    /// `--segment NAME…`: the segments to output, or `None` for every non-paused one.
    pub segments: Option<Vec<String>>,
}

/// Why no query could be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SqlError {
    /// `--segment NAME` names no segment.
    #[error("unknown segment `{0}`")]
    UnknownSegment(String),
    /// `--events NAME=TABLE` names no event table.
    #[error("--events {0}=…: no events table `{0}` in the segments")]
    UnknownEvents(String),
    /// A `matches` pattern the engine's regex cannot express exactly.
    #[error(
        "`matches \"{pattern}\"` cannot be written for {}: the pattern uses {reason}",
        dialect.as_str()
    )]
    Regex {
        /// The pattern as written.
        pattern: String,
        /// The engine.
        dialect: Dialect,
        /// The construct that cannot be expressed.
        reason: String,
    },
    /// A construct SQL export does not support.
    #[error("SQL export does not support {0}")]
    Unsupported(String),
}

/// A CTE: its name and its query.
type Cte = (String, String);

/// The query for `program`.
pub fn render(program: &Program, options: &SqlOptions) -> Result<String, SqlError> {
    check_names(program, options)?;
    let d = options.dialect;
    let roots = conditions(program);
    let mut computed = HashMap::new();
    let (aggs, aliases) = events::distinct(program, d, events::collect(&roots))?;
    events::register(&aggs, &mut computed);
    computed.extend(aliases);
    let stats = stats::collect(&roots);
    stats::register(&stats, &mut computed);
    let mut ctes: Vec<Cte> = vec![(PARAMS.into(), params(options))];
    let tables_used = event_ctes(program, options, &aggs, &computed, &mut ctes)?;
    let customers = writer(program, d, &computed, None);
    let base = base(program, &customers, &aggs, &tables_used, options);
    ctes.push(("_sm_base".into(), base));
    stats_ctes(program, d, &stats, &mut computed, &mut ctes)?;
    level_ctes(program, d, &computed, &mut ctes)?;
    Ok(assemble(program, options, &ctes))
}

/// One grouped subquery per event table the aggregates read; returns those tables.
fn event_ctes(
    program: &Program,
    options: &SqlOptions,
    aggs: &[events::Agg<'_>],
    computed: &HashMap<usize, String>,
    ctes: &mut Vec<Cte>,
) -> Result<Vec<EventsId>, SqlError> {
    let mut tables: Vec<EventsId> = aggs.iter().map(|a| a.aggregate.table).collect();
    tables.sort();
    tables.dedup();
    for table in &tables {
        let of_table: Vec<&events::Agg<'_>> = aggs
            .iter()
            .filter(|a| a.aggregate.table == *table)
            .collect();
        let scope = writer(program, options.dialect, computed, Some(*table));
        let sql = events::subquery(program, &scope, *table, &of_table, &options.tables)?;
        ctes.push((events::cte_name(*table), sql));
    }
    Ok(tables)
}

/// One CTE per stage of population statistics.
fn stats_ctes(
    program: &Program,
    d: Dialect,
    stats: &[stats::Stat<'_>],
    computed: &mut HashMap<usize, String>,
    ctes: &mut Vec<Cte>,
) -> Result<(), SqlError> {
    let stages = stats.iter().map(|s| s.stage).max().unwrap_or(0);
    for stage in 1..=stages {
        let of_stage: Vec<&stats::Stat<'_>> = stats.iter().filter(|s| s.stage == stage).collect();
        let (items, aliases) = stats_stage(&writer(program, d, computed, None), &of_stage)?;
        computed.extend(aliases);
        ctes.push((format!("_sm_stats{stage}"), extend(d, ctes, &items)));
    }
    Ok(())
}

/// One CTE per dependency level of segments and tiers blocks.
fn level_ctes(
    program: &Program,
    d: Dialect,
    computed: &HashMap<usize, String>,
    ctes: &mut Vec<Cte>,
) -> Result<(), SqlError> {
    let scope = writer(program, d, computed, None);
    for (level, items) in levels(program).iter().enumerate() {
        let mut columns = Vec::new();
        for item in items {
            let (name, sql) = derived(program, &scope, *item)?;
            columns.push(format!("{sql} AS {}", d.ident(&name)));
        }
        ctes.push((format!("_sm_level{}", level + 1), extend(d, ctes, &columns)));
    }
    Ok(())
}

/// A writer over the columns computed so far.
fn writer<'a>(
    program: &'a Program,
    dialect: Dialect,
    computed: &'a HashMap<usize, String>,
    events: Option<EventsId>,
) -> Writer<'a> {
    Writer {
        program,
        dialect,
        computed,
        events,
    }
}

/// The select-list items of one stage of statistics, each distinct statistic once;
/// and the statistics written again, pointed at the first one's column.
fn stats_stage(
    writer: &Writer<'_>,
    stage: &[&stats::Stat<'_>],
) -> Result<(Vec<String>, expr::Aliases), SqlError> {
    let d = writer.dialect;
    let mut items = Vec::new();
    let mut first: HashMap<String, String> = HashMap::new();
    let mut aliases = Vec::new();
    for stat in stage {
        let columns = stats::columns(writer, stat)?;
        let sql: Vec<&str> = columns.iter().map(|(sql, _)| sql.as_str()).collect();
        let key = sql.join("\n");
        if let Some(column) = first.get(&key) {
            aliases.push((expr::address(stat.expr), column.clone()));
            continue;
        }
        first.insert(key, stat.column.clone());
        items.extend(
            columns
                .iter()
                .map(|(sql, name)| format!("{sql} AS {}", d.ident(name))),
        );
    }
    Ok((items, aliases))
}

/// The segments and tiers blocks by dependency level: level 0 refers to no other,
/// level n only to levels below n. One CTE per level keeps the query shallow
/// (Spark's analyzer gives up on a chain of a hundred CTEs).
fn levels(program: &Program) -> Vec<Vec<Derived>> {
    let mut level_of: HashMap<Derived, usize> = HashMap::new();
    let mut levels: Vec<Vec<Derived>> = Vec::new();
    for item in &program.order {
        let level = program
            .conditions(*item)
            .iter()
            .flat_map(|c| c.references())
            .filter_map(|r| level_of.get(&r).map(|l| l + 1))
            .max()
            .unwrap_or(0);
        level_of.insert(*item, level);
        if levels.len() <= level {
            levels.resize(level + 1, Vec::new());
        }
        if let Some(items) = levels.get_mut(level) {
            items.push(*item);
        }
    }
    levels
}

/// Every condition of every segment and tiers block.
fn conditions(program: &Program) -> Vec<&Expr> {
    program
        .order
        .iter()
        .flat_map(|item| program.conditions(*item))
        .collect()
}

fn check_names(program: &Program, options: &SqlOptions) -> Result<(), SqlError> {
    if let Some(unknown) = options.segments.iter().flatten().find(|n| {
        program.segment_named(n).is_none() && !program.tiers.iter().any(|t| &t.name == *n)
    }) {
        return Err(SqlError::UnknownSegment(unknown.clone()));
    }
    if let Some(unknown) = options
        .tables
        .events
        .keys()
        .find(|n| !program.events.iter().any(|t| &t.name == *n))
    {
        return Err(SqlError::UnknownEvents(unknown.clone()));
    }
    Ok(())
}

fn params(options: &SqlOptions) -> String {
    let d = options.dialect;
    let as_of = match options.as_of {
        AsOf::Date(date) => d.date(date),
        AsOf::Parameter => format!("CAST({} AS DATE)", d.as_of_parameter()),
    };
    format!("SELECT {as_of} AS {}", d.ident(AS_OF))
}

/// The customer table, the as-of date and every aggregate.
fn base(
    program: &Program,
    writer: &Writer<'_>,
    aggs: &[events::Agg<'_>],
    tables_used: &[EventsId],
    options: &SqlOptions,
) -> String {
    let d = writer.dialect;
    let customers = d.ident("_sm_customers");
    let mut items = vec![
        format!("{customers}.*"),
        format!("{}.{}", d.ident(PARAMS), d.ident(AS_OF)),
    ];
    for field in program.schema.fields.iter().filter(|f| f.ty == Type::Float) {
        let value = writer.column(&field.name, &field.ty);
        items.push(format!(
            "{value} AS {}",
            d.ident(&expr::float_column(&field.name))
        ));
    }
    for agg in aggs {
        items.push(format!(
            "{} AS {}",
            events::joined(writer, agg),
            d.ident(&agg.column)
        ));
    }
    let table = options
        .tables
        .customers
        .as_deref()
        .unwrap_or(&program.schema.name);
    let key = d.ident(&program.schema.field(program.schema.key).name);
    let mut sql = format!(
        "SELECT {}\n  FROM {} AS {customers} CROSS JOIN {}",
        items.join(",\n    "),
        d.table(table),
        d.ident(PARAMS)
    );
    for table in tables_used {
        let name = d.ident(&events::cte_name(*table));
        sql.push_str(&format!(
            "\n  LEFT JOIN {name} ON {name}.{} = {customers}.{key}",
            d.ident("_sm_key")
        ));
    }
    sql
}

/// A segment's membership or a tiers block's label: (column name, SQL).
fn derived(
    program: &Program,
    writer: &Writer<'_>,
    item: Derived,
) -> Result<(String, String), SqlError> {
    match item {
        Derived::Segment(id) => {
            let segment = program.segment(id);
            Ok((segment.name.clone(), writer.criterion(&segment.condition)?))
        }
        Derived::Tiers(id) => {
            let block = program.tier_block(id);
            let mut sql = String::from("CASE");
            let mut otherwise = "NULL".to_string();
            for tier in &block.tiers {
                let label = writer.dialect.string(&tier.name);
                match &tier.condition {
                    Some(condition) => {
                        sql.push_str(&format!(
                            " WHEN {} THEN {label}",
                            writer.criterion(condition)?
                        ));
                    }
                    None => {
                        otherwise = label;
                        break;
                    }
                }
            }
            if sql == "CASE" {
                return Ok((block.name.clone(), otherwise));
            }
            sql.push_str(&format!(" ELSE {otherwise} END"));
            Ok((block.name.clone(), sql))
        }
    }
}

/// `SELECT *, items… FROM <previous CTE>`.
fn extend(d: Dialect, ctes: &[Cte], items: &[String]) -> String {
    let previous = ctes.last().map_or("_sm_base", |(name, _)| name.as_str());
    format!(
        "SELECT *,\n    {}\n  FROM {}",
        items.join(",\n    "),
        d.ident(previous)
    )
}

/// The whole query: the CTEs, then the output columns.
fn assemble(program: &Program, options: &SqlOptions, ctes: &[Cte]) -> String {
    let d = options.dialect;
    let mut columns = vec![d.ident(&program.schema.field(program.schema.key).name)];
    for segment in &program.segments {
        let chosen = match &options.segments {
            None => !segment.paused,
            Some(names) => names.contains(&segment.name),
        };
        if chosen {
            columns.push(d.ident(&segment.name));
        }
    }
    // as `eval --segment` writes: only the tiers blocks named, when names are given
    columns.extend(
        program
            .tiers
            .iter()
            .filter(|t| {
                options
                    .segments
                    .as_ref()
                    .is_none_or(|names| names.contains(&t.name))
            })
            .map(|t| d.ident(&t.name)),
    );
    let mut sql = String::from("WITH\n");
    for (i, (name, body)) in ctes.iter().enumerate() {
        let comma = if i + 1 < ctes.len() { "," } else { "" };
        sql.push_str(&format!("{} AS (\n  {body}\n){comma}\n", d.ident(name)));
    }
    let last = ctes.last().map_or(PARAMS, |(name, _)| name.as_str());
    sql.push_str(&format!(
        "SELECT {}\nFROM {}\n",
        columns.join(", "),
        d.ident(last)
    ));
    sql
}
