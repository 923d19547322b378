//! `segmint stats [PATHS] --data FILE [--as-of DATE] [--overlap] [--by FIELD]
//! [--format table|json|markdown]`: member count and share per segment and per tier,
//! optionally the pairwise overlap matrix and a breakdown of each segment by a field.
//!
//! The counting is [`crate::stats`]; this file resolves `--by`, runs the plan and
//! prints.

use std::io::{self, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use super::eval::{Input, Prepared, Wanted, execute, prepare};
use super::output::{Table, percent};
use super::overlap;
use super::{Context, ExitStatus, RunError};
use crate::check::ir::{FieldId, Program, Type};
use crate::diagnostic::did_you_mean_far;
use crate::eval::EvalError;
use crate::plan::{OutputKind, Plan};
use crate::stats::{Breakdown, ByColumn, Count, Counter, Layout, Overlap, Stats, TiersColumn};

/// Arguments of `segmint stats`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    input: Input,
    /// Add the pairwise overlap matrix (customers in both segments).
    #[arg(long)]
    overlap: bool,
    /// Break each segment down by the values of this field (an enum, string or bool
    /// field), a tiers block, or another segment.
    #[arg(long, value_name = "FIELD")]
    by: Option<String>,
    /// Count only this segment or tiers block (repeatable; default: every segment
    /// that is not paused, and every tiers block).
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// How to print the numbers.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    format: StatsFormat,
}

/// `--format` of `stats`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum StatsFormat {
    /// Aligned columns.
    Table,
    /// One JSON object.
    Json,
    /// GitHub-flavoured markdown tables.
    Markdown,
}

/// What `--by` names.
pub(crate) enum By {
    /// A schema field, carried into the membership table.
    Field(FieldId),
    /// A tiers block (already an output column).
    Tiers(String),
    /// A segment: its members and the others (an output column).
    Segment(String),
}

/// Runs `segmint stats`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let (config, compiled) = super::compile(&args.paths, context)?;
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    let by = args
        .by
        .as_deref()
        .map(|name| resolve_by(&program, name))
        .transpose()?;
    let carry = match &by {
        Some(By::Field(id)) => vec![*id],
        _ => Vec::new(),
    };
    let mut selected = args.segments.clone();
    if let (Some(By::Tiers(name) | By::Segment(name)), false) = (&by, selected.is_empty()) {
        selected.push(name.clone());
    }
    let wanted = Wanted {
        segments: selected.clone(),
        carry,
        ..Wanted::default()
    };
    let prepared = prepare(&program, &config, &args.input, wanted)?;
    let as_of = prepared.plan.as_of();
    let counter = counter(&program, &prepared.plan, args.overlap, by.as_ref());
    let mut stats = count(prepared, counter, context)?;
    super::eval::only_asked_tiers(&mut stats, &selected);
    match args.format {
        StatsFormat::Table => write_table(&stats, as_of, context.stdout)?,
        StatsFormat::Markdown => write_markdown(&stats, as_of, context.stdout)?,
        StatsFormat::Json => write_json(&stats, as_of, context.stdout)?,
    }
    Ok(ExitStatus::Success)
}

/// `--by NAME`: a tiers block, or a field of a type with few distinct values.
fn resolve_by(program: &Program, name: &str) -> Result<By, RunError> {
    if program.tiers.iter().any(|t| t.name == name) {
        return Ok(By::Tiers(name.to_owned()));
    }
    if program.segment_named(name).is_some() {
        return Ok(By::Segment(name.to_owned()));
    }
    let Some(id) = program.schema.lookup(name) else {
        let fields = program.schema.fields.iter().map(|f| f.name.as_str());
        let names = fields
            .chain(program.tiers.iter().map(|t| t.name.as_str()))
            .chain(program.segments.iter().map(|s| s.name.as_str()));
        let help = did_you_mean_far(name, names)
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        return Err(RunError::Usage(format!(
            "--by: no field, tiers block or segment named `{name}`{help}"
        )));
    };
    match program.schema.field(id).ty {
        Type::Enum(_) | Type::String | Type::Bool => Ok(By::Field(id)),
        ref other => Err(RunError::Usage(format!(
            "--by: `{name}` is {}; use an enum, string or bool field, a tiers block or a segment",
            other.describe()
        ))),
    }
}

/// Runs the plan and counts its membership batches. The key column is not read:
/// a count never shows it, and it is among the most expensive columns to decode.
pub(super) fn count(
    mut prepared: Prepared,
    mut counter: Counter,
    context: &mut Context<'_>,
) -> Result<Stats, RunError> {
    prepared.key = false;
    execute(&prepared, context, &mut |batch| {
        counter
            .add(&batch)
            .map_err(|e| EvalError::Output(e.to_string()))
    })?;
    Ok(counter.finish())
}

/// A counter for the membership batches of `plan`.
pub(crate) fn counter(program: &Program, plan: &Plan, overlap: bool, by: Option<&By>) -> Counter {
    let mut layout = Layout {
        overlap,
        ..Layout::default()
    };
    for (i, output) in plan.outputs().iter().enumerate() {
        let column = i + 1;
        match output.kind {
            OutputKind::Segment(_) => layout.segments.push((output.name.clone(), column)),
            OutputKind::Tiers(id) => layout.tiers.push(TiersColumn {
                name: output.name.clone(),
                column,
                labels: program
                    .tier_block(id)
                    .tiers
                    .iter()
                    .map(|t| t.name.clone())
                    .collect(),
            }),
        }
    }
    layout.by = by.and_then(|by| by_column(program, plan, &layout, by));
    let first_measure = 1 + plan.outputs().len() + plan.carry().len();
    layout.measures = (0..plan.measures().len())
        .map(|i| first_measure + i)
        .collect();
    Counter::new(layout)
}

fn by_column(program: &Program, plan: &Plan, layout: &Layout, by: &By) -> Option<ByColumn> {
    match by {
        By::Tiers(name) => layout
            .tiers
            .iter()
            .find(|t| &t.name == name)
            .map(|t| ByColumn {
                name: name.clone(),
                column: t.column,
                values: Some(t.labels.clone()),
            }),
        By::Segment(name) => layout
            .segments
            .iter()
            .find(|(segment, _)| segment == name)
            .map(|(_, column)| ByColumn {
                name: name.clone(),
                column: *column,
                values: Some(vec!["true".into(), "false".into()]),
            }),
        By::Field(id) => {
            let field = program.schema.field(*id);
            let values = match &field.ty {
                Type::Enum(values) => Some(values.to_vec()),
                Type::Bool => Some(vec!["true".into(), "false".into()]),
                _ => None,
            };
            Some(ByColumn {
                name: field.name.clone(),
                column: 1 + plan.outputs().len(),
                values,
            })
        }
    }
}

fn label(count: &Count) -> String {
    count.name.clone().unwrap_or_else(|| "(missing)".into())
}

/// Every table of the report, in order: segments, each tiers block, overlap, breakdowns.
/// `overlap_table` prints the overlap matrix (it differs between text and markdown).
fn tables(stats: &Stats, overlap_table: fn(&Overlap) -> Table) -> Vec<Table> {
    let mut tables = Vec::new();
    tables.push(count_table(
        ["segment", "members", "share"],
        &stats.segments,
        stats.rows,
    ));
    for tiers in &stats.tiers {
        let headers = [tiers.name.as_str(), "customers", "share"];
        tables.push(count_table(headers, &tiers.labels, stats.rows));
    }
    if let Some(overlap) = &stats.overlap {
        tables.push(overlap_table(overlap));
    }
    if let Some(by) = &stats.by {
        match cross_table(by, &stats.segments) {
            Some(table) => tables.push(table),
            None => tables.extend(by_tables(by, &stats.segments)),
        }
    }
    tables
}

/// The most values a cross table has columns for; a field with more (free text
/// such as cities) gets one table per segment, values down the side.
const MAX_CROSS_COLUMNS: usize = 12;

/// One table per segment: its members per value.
fn by_tables(by: &Breakdown, sizes: &[Count]) -> Vec<Table> {
    by.segments
        .iter()
        .zip(sizes)
        .map(|(segment, size)| {
            let title = format!("{} by {}", segment.name, by.field);
            let headers = [title.as_str(), "members", "share"];
            count_table(headers, &segment.values, size.count)
        })
        .collect()
}

/// `--by`: one table, a row per segment and a column per value, each cell the
/// members with that value and their share of the segment; `None` when there
/// are too many values for columns.
fn cross_table(by: &Breakdown, sizes: &[Count]) -> Option<Table> {
    let mut values: Vec<Option<String>> = Vec::new();
    for count in by.segments.iter().flat_map(|s| &s.values) {
        if !values.contains(&count.name) {
            values.push(count.name.clone());
        }
        if values.len() > MAX_CROSS_COLUMNS {
            return None;
        }
    }
    let corner = format!("segment × {}", by.field);
    let mut headers = vec![corner];
    headers.extend(
        values
            .iter()
            .map(|v| v.clone().unwrap_or_else(|| "(missing)".into())),
    );
    headers.push("members".into());
    let mut table = Table::new(headers);
    for (segment, size) in by.segments.iter().zip(sizes) {
        let mut row = vec![segment.name.clone()];
        for value in &values {
            let count = segment
                .values
                .iter()
                .find(|c| &c.name == value)
                .map_or(0, |c| c.count);
            row.push(format!("{count} ({})", percent(count, size.count)));
        }
        row.push(size.count.to_string());
        table.row(row);
    }
    Some(table)
}

/// A table of counts, each with its share of `total`.
fn count_table(headers: [&str; 3], counts: &[Count], total: u64) -> Table {
    let mut table = Table::new(headers);
    for count in counts {
        table.row([
            label(count),
            count.count.to_string(),
            percent(count.count, total),
        ]);
    }
    table
}

fn headline(stats: &Stats, as_of: NaiveDate) -> String {
    let noun = if stats.rows == 1 {
        "customer"
    } else {
        "customers"
    };
    format!("{} {noun} as of {as_of}", stats.rows)
}

/// Aligned text tables separated by blank lines.
pub(super) fn write_table(stats: &Stats, as_of: NaiveDate, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", headline(stats, as_of))?;
    for table in tables(stats, overlap::largest_table) {
        writeln!(out)?;
        table.write_text(out)?;
    }
    if stats.overlap.as_ref().is_some_and(overlap::leaves_some_out) {
        writeln!(
            out,
            "\nevery pair of segments: `segmint stats --overlap --format markdown` (or json)"
        )?;
    }
    Ok(())
}

fn write_markdown(stats: &Stats, as_of: NaiveDate, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", headline(stats, as_of))?;
    for table in tables(stats, overlap::matrix_table) {
        writeln!(out)?;
        table.write_markdown(out)?;
    }
    Ok(())
}

/// `{"as_of": …, "rows": …, "segments": […], "tiers": […], "overlap"?: …, "by"?: …}`.
fn write_json(stats: &Stats, as_of: NaiveDate, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Report<'a> {
        as_of: String,
        #[serde(flatten)]
        stats: &'a Stats,
    }
    let report = Report {
        as_of: as_of.to_string(),
        stats,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}
