//! `segmint sql [PATHS] --dialect D [--table NAME] [--events NAME=TABLE]… [--as-of DATE |
//! --as-of-parameter] [--segment NAME]…`: prints one query that returns the
//! membership table `segmint eval` writes, for a warehouse or cluster.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::{Context, ExitStatus, RunError};
use crate::sql::{self, AsOf, Dialect, SqlOptions, Tables};

/// Arguments of `segmint sql`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    /// The SQL engine to write for.
    #[arg(long, value_enum)]
    dialect: Dialect,
    /// The customer table (default: the schema's name); dots separate schema and table.
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
    /// An event table's table name in the warehouse (repeatable; default: its name).
    #[arg(long = "events", value_name = "NAME=TABLE", value_parser = parse_events_arg)]
    events: Vec<(String, String)>,
    /// Relative dates count from this day (default: `as_of` from segmint.toml, else today in UTC).
    #[arg(long, value_name = "DATE", value_parser = super::parse_date_arg)]
    as_of: Option<NaiveDate>,
    /// Read the as-of date from a query parameter bound when the query runs
    /// (`$as_of` DuckDB/Snowflake, `:'as_of'` psql, `:as_of` Spark, `@as_of` BigQuery).
    #[arg(long, conflicts_with = "as_of")]
    as_of_parameter: bool,
    /// Output only this segment or tiers block (repeatable; default: every non-paused
    /// segment and every tiers block), as `eval --segment` does.
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
}

/// `NAME=TABLE`.
fn parse_events_arg(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, table)) if !name.is_empty() && !table.is_empty() => {
            Ok((name.to_string(), table.to_string()))
        }
        _ => Err(format!(
            "`{text}` is not NAME=TABLE (e.g. orders=shop.orders)"
        )),
    }
}

/// Runs `segmint sql`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let (config, compiled) = super::compile(&args.paths, context)?;
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    let as_of = if args.as_of_parameter {
        AsOf::Parameter
    } else {
        AsOf::Date(super::as_of(args.as_of, &config))
    };
    let options = SqlOptions {
        dialect: args.dialect,
        as_of,
        tables: Tables {
            customers: args.table,
            events: args.events.into_iter().collect(),
        },
        segments: (!args.segments.is_empty()).then_some(args.segments),
    };
    let query = sql::render(&program, &options)?;
    write!(context.stdout, "{query}")?;
    Ok(ExitStatus::Success)
}
