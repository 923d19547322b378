//! Shared by `tests/criteria.rs` and `tests/eval.rs`: compile `.seg` text, build
//! in-memory data from JSON rows or a tiny CSV dialect, run both engines, print
//! the membership table as CSV.
//!
//! The CSV dialect of the fixtures: comma-separated, no quoting; an empty cell is
//! a missing value; `""` is the empty string; lists are `a|b|c`, `[]` is the empty list.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, Int64Builder, ListBuilder,
    RecordBatch, StringArray, StringBuilder, TimestampMicrosecondArray,
};
use arrow::compute::concat_batches;
use arrow::util::display::array_value_to_string;
use chrono::{DateTime, NaiveDate};

use segmint::check::{self, ir};
use segmint::data::BatchSource;
use segmint::diagnostic::Diagnostics;
use segmint::eval::{self, MemorySource, reference};
use segmint::plan::{self, PlanOptions};
use segmint::source::Sources;
use segmint::syntax;

/// Parses and checks `.seg` files; panics with every diagnostic message on failure.
pub fn compile(files: &[(&str, &str)]) -> ir::Program {
    let mut sources = Sources::new();
    let ids: Vec<_> = files
        .iter()
        .map(|(path, text)| sources.add(*path, *text))
        .collect();
    let mut diagnostics = Diagnostics::new();
    let asts: Vec<_> = ids
        .iter()
        .map(|id| syntax::parse(sources.get(*id).unwrap(), &mut diagnostics))
        .collect();
    let program = check::check(&asts, &mut diagnostics);
    match program {
        Some(p) if !diagnostics.has_errors() => p,
        _ => {
            let messages: Vec<String> = diagnostics
                .iter()
                .map(|d| {
                    format!(
                        "{:?}: {} ({})",
                        d.code,
                        d.message,
                        sources
                            .get(d.primary.span.file)
                            .unwrap()
                            .slice(d.primary.span)
                    )
                })
                .collect();
            panic!(
                "does not compile:\n{}\n{}",
                messages.join("\n"),
                files.iter().map(|f| f.1).collect::<Vec<_>>().join("\n")
            );
        }
    }
}

/// One cell of input, before typing.
pub enum Cell<'a> {
    Missing,
    Text(&'a str),
    Json(&'a serde_json::Value),
}

/// A column of `ty` from cells.
pub fn column(ty: &ir::Type, cells: &[Cell<'_>]) -> ArrayRef {
    use ir::Type;
    match ty {
        Type::Bool => Arc::new(
            cells
                .iter()
                .map(|c| text(c).map(|s| s == "true"))
                .collect::<BooleanArray>(),
        ),
        Type::Int => Arc::new(
            cells
                .iter()
                .map(|c| text(c).map(|s| s.parse::<i64>().unwrap()))
                .collect::<Int64Array>(),
        ),
        Type::Float => Arc::new(
            cells
                .iter()
                .map(|c| text(c).map(|s| s.parse::<f64>().unwrap()))
                .collect::<Float64Array>(),
        ),
        Type::String | Type::Enum(_) => Arc::new(cells.iter().map(text).collect::<StringArray>()),
        Type::Date => Arc::new(
            cells
                .iter()
                .map(|c| text(c).map(days))
                .collect::<Date32Array>(),
        ),
        Type::Timestamp => Arc::new(
            cells
                .iter()
                .map(|c| text(c).map(micros))
                .collect::<TimestampMicrosecondArray>(),
        ),
        Type::ListString => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for c in cells {
                match items(c) {
                    None => b.append(false),
                    Some(xs) => {
                        for x in xs {
                            b.values().append_value(x);
                        }
                        b.append(true);
                    }
                }
            }
            Arc::new(b.finish())
        }
        Type::ListInt => {
            let mut b = ListBuilder::new(Int64Builder::new());
            for c in cells {
                match items(c) {
                    None => b.append(false),
                    Some(xs) => {
                        for x in xs {
                            b.values().append_value(x.parse().unwrap());
                        }
                        b.append(true);
                    }
                }
            }
            Arc::new(b.finish())
        }
    }
}

fn text<'a>(cell: &'a Cell<'a>) -> Option<&'a str> {
    match cell {
        Cell::Missing => None,
        Cell::Text("\"\"") => Some(""),
        Cell::Text(s) => Some(s),
        Cell::Json(serde_json::Value::Null) => None,
        Cell::Json(serde_json::Value::String(s)) => Some(s.as_str()),
        Cell::Json(v) => Some(leak(v.to_string())),
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn items(cell: &Cell<'_>) -> Option<Vec<String>> {
    match cell {
        Cell::Missing | Cell::Json(serde_json::Value::Null) => None,
        Cell::Text("[]") => Some(Vec::new()),
        Cell::Text(s) => Some(s.split('|').map(str::to_string).collect()),
        Cell::Json(serde_json::Value::Array(xs)) => Some(
            xs.iter()
                .map(|x| match x {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        Cell::Json(other) => panic!("not a list: {other}"),
    }
}

pub fn days(s: &str) -> i32 {
    let date: NaiveDate = s.parse().unwrap_or_else(|_| panic!("bad date {s}"));
    plan::dates::days_of(date)
}

pub fn micros(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|_| panic!("bad timestamp {s}"))
        .timestamp_micros()
}

/// A one-table source from JSON objects (absent fields are missing).
pub fn from_json(
    program: &ir::Program,
    rows: &[serde_json::Value],
    batch_size: usize,
) -> MemorySource {
    let mut source = MemorySource::new(rows.len(), batch_size);
    for (i, field) in program.schema.fields.iter().enumerate() {
        let cells: Vec<Cell<'_>> = rows
            .iter()
            .map(|r| r.get(&field.name).map_or(Cell::Missing, Cell::Json))
            .collect();
        source = source.with_column(ir::FieldId(i as u32), column(&field.ty, &cells));
    }
    source
}

/// A source from the fixtures' CSV dialect (header = field names; fields absent
/// from the header are missing everywhere).
pub fn from_csv(program: &ir::Program, csv: &str, batch_size: usize) -> MemorySource {
    from_csv_schema(&program.schema, csv, batch_size)
}

/// One source per event table of `program`, from its CSV text (`None`: no data).
pub fn events_from_csv(
    program: &ir::Program,
    csvs: &[Option<String>],
    batch_size: usize,
) -> Vec<Option<MemorySource>> {
    program
        .events
        .iter()
        .zip(csvs)
        .map(|(table, csv)| {
            let schema = reference::event_schema(program, table);
            csv.as_ref()
                .map(|csv| from_csv_schema(&schema, csv, batch_size))
        })
        .collect()
}

/// The sources as the engine takes them.
pub fn source_refs(sources: &[Option<MemorySource>]) -> Vec<Option<&dyn BatchSource>> {
    sources
        .iter()
        .map(|s| s.as_ref().map(|s| s as &dyn BatchSource))
        .collect()
}

/// The engine's membership table, with event data.
pub fn engine_with_events(
    program: &ir::Program,
    options: &PlanOptions,
    source: &dyn BatchSource,
    events: &[Option<&dyn BatchSource>],
) -> RecordBatch {
    let plan = plan::compile(program, options).unwrap();
    let mut batches = Vec::new();
    eval::run_with_events(
        &plan,
        source,
        events,
        eval::RunOptions::default(),
        &mut |b| {
            batches.push(b);
            Ok(())
        },
    )
    .unwrap();
    concat_batches(&plan.membership_schema(), &batches).unwrap()
}

/// A source from CSV text, for a table of `schema`.
pub fn from_csv_schema(schema: &ir::Schema, csv: &str, batch_size: usize) -> MemorySource {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .collect();
    let rows: Vec<Vec<&str>> = lines
        .map(|l| l.split(',').map(str::trim).collect())
        .collect();
    let mut source = MemorySource::new(rows.len(), batch_size);
    for (i, field) in schema.fields.iter().enumerate() {
        let at = header.iter().position(|h| *h == field.name);
        let cells: Vec<Cell<'_>> = rows
            .iter()
            .map(|r| match at.and_then(|a| r.get(a)) {
                None | Some(&"") => Cell::Missing,
                Some(s) => Cell::Text(s),
            })
            .collect();
        source = source.with_column(ir::FieldId(i as u32), column(&field.ty, &cells));
    }
    source
}

/// The vectorised engine's membership table, in one batch.
pub fn engine(
    program: &ir::Program,
    options: &PlanOptions,
    source: &dyn BatchSource,
) -> RecordBatch {
    let plan = plan::compile(program, options).unwrap();
    let mut batches = Vec::new();
    eval::run(&plan, source, &mut |b| {
        batches.push(b);
        Ok(())
    })
    .unwrap();
    concat_batches(&plan.membership_schema(), &batches).unwrap()
}

/// The reference interpreter's membership table.
pub fn oracle(
    program: &ir::Program,
    options: &PlanOptions,
    source: &dyn BatchSource,
) -> RecordBatch {
    reference::evaluate(program, options, source).unwrap()
}

/// The table as CSV text: `true`/`false`, an empty cell for a missing value.
pub fn to_csv(batch: &RecordBatch) -> String {
    let schema = batch.schema();
    let mut out: Vec<String> = vec![
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(","),
    ];
    for row in 0..batch.num_rows() {
        let cells: Vec<String> = batch
            .columns()
            .iter()
            .map(|c| {
                if c.is_null(row) {
                    String::new()
                } else {
                    array_value_to_string(c, row).unwrap()
                }
            })
            .collect();
        out.push(cells.join(","));
    }
    out.join("\n") + "\n"
}

use arrow::array::Array as _;

/// The first `rows` rows of another source (keeps the naive reference fast).
pub struct Head<'a>(pub &'a dyn BatchSource, pub usize);

impl BatchSource for Head<'_> {
    fn batches(
        &self,
        columns: &[ir::FieldId],
    ) -> Result<segmint::data::BatchIter<'_>, segmint::data::DataError> {
        let mut left = self.1;
        let inner = self.0.batches(columns)?;
        Ok(Box::new(inner.map_while(move |batch| {
            if left == 0 {
                return None;
            }
            Some(batch.map(|b| {
                let take = left.min(b.num_rows());
                left -= take;
                b.slice(0, take)
            }))
        })))
    }
}
