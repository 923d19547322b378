//! Data-quality audit: a customer table (and its event tables) and the schema in,
//! a [`Report`] of findings out.
//!
//! One streaming pass per table reads every schema column and tallies, per column,
//! what [`column`] looks for; the customer keys are hashed (8 bytes a row, see
//! [`crate::data::keys`]) to find duplicates, and event keys are looked up among
//! those hashes to find events of no customer. The customer key column is read a
//! second time only to name duplicates. Nothing is stored per row but the hash.

mod column;

use std::path::PathBuf;

use arrow::array::{Array, RecordBatch};
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::check::ir::{EventTable, FieldId, Program, Schema};
use crate::data::keys::{self, KeyHashes, SortedKeys};
use crate::data::{BatchSource, DataError, DataFile};
use column::{ColumnAudit, counted};

/// How much a finding matters: an error makes `segmint audit` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The data contradicts the schema or counts someone twice.
    Error,
    /// Likely a mistake worth a look.
    Warning,
}

/// One finding about a table or one of its columns.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// A stable name for the kind of finding (`duplicate_keys`, `outside_enum`, …).
    pub check: &'static str,
    /// The column, when the finding is about one.
    pub column: Option<String>,
    /// How many rows or values it concerns.
    pub count: u64,
    /// One sentence, lowercase start.
    pub message: String,
    /// A few of the values involved, as shown to users.
    pub examples: Vec<String>,
    /// What to do about it.
    pub help: Option<String>,
}

/// Missing values in one field.
#[derive(Clone, Debug, Serialize)]
pub struct Missing {
    /// The column.
    pub field: String,
    /// Whether the schema marks it `?`.
    pub nullable: bool,
    /// How many rows have no value.
    pub missing: u64,
}

/// The audit of one file.
#[derive(Clone, Debug, Serialize)]
pub struct TableReport {
    /// `schema` or `events` block name.
    pub name: String,
    /// The file as given.
    pub file: PathBuf,
    /// Rows read.
    pub rows: u64,
    /// Missing values per field, for every field with any.
    pub missing: Vec<Missing>,
    /// What was found, errors first.
    pub findings: Vec<Finding>,
}

/// The whole audit.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Dates are checked against this day.
    #[serde(serialize_with = "iso_date")]
    pub as_of: NaiveDate,
    /// The customer table first, then each event table.
    pub tables: Vec<TableReport>,
}

impl Report {
    /// Findings of the given severity, over all tables.
    pub fn count(&self, severity: Severity) -> usize {
        self.tables
            .iter()
            .flat_map(|t| &t.findings)
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Audits the customer table `data` (after [`DataFile::allow_missing_keys`], so
/// missing keys are counted, not fatal) and the event tables given, calling
/// `progress` with the rows of each batch read.
pub fn audit(
    program: &Program,
    data: &DataFile,
    events: &[(&EventTable, DataFile)],
    as_of: NaiveDate,
    progress: &mut dyn FnMut(usize),
) -> Result<Report, DataError> {
    let as_of_days = crate::plan::dates::days_of(as_of);
    let mut hashes = KeyHashes::default();
    let mut customers = scan(
        data,
        &program.schema,
        Some(as_of_days),
        progress,
        &mut |keys| hashes.add(keys),
    )?;
    // Event tables look their keys up in the sorted hashes; without them, keys
    // that ascend need no sort at all.
    let (candidates, sorted) = match events {
        [] => (hashes.candidates(), SortedKeys::default()),
        _ => {
            let sorted = hashes.sorted();
            (sorted.candidates(), sorted)
        }
    };
    let duplicates = keys::confirm(data, program.schema.key, &candidates)?;
    if !duplicates.is_empty() {
        customers
            .findings
            .insert(0, duplicate_finding(&program.schema, &duplicates));
    }
    let mut tables = vec![customers];
    for (table, file) in events {
        let schema = program.event_schema(table);
        tables.push(audit_events(table, &schema, file, &sorted, progress)?);
    }
    for table in &mut tables {
        table.findings.sort_by_key(|f| f.severity);
    }
    Ok(Report { as_of, tables })
}

/// One pass over every column of `file`; `on_keys` sees each batch's key column.
fn scan(
    file: &DataFile,
    schema: &Schema,
    as_of: Option<i32>,
    progress: &mut dyn FnMut(usize),
    on_keys: &mut dyn FnMut(&dyn Array) -> Result<(), DataError>,
) -> Result<TableReport, DataError> {
    let ids: Vec<FieldId> = (0..schema.fields.len() as u32).map(FieldId).collect();
    let mut audits: Vec<ColumnAudit> = schema.fields.iter().map(ColumnAudit::new).collect();
    let mut rows = 0u64;
    for batch in file.batches(&ids)? {
        let batch = batch?;
        add_batch(&mut audits, schema, &batch, as_of);
        on_keys(batch.column(schema.key.0 as usize).as_ref())?;
        rows += batch.num_rows() as u64;
        progress(batch.num_rows());
    }
    let mut findings = Vec::new();
    let mut missing = Vec::new();
    for (i, (field, audit)) in schema.fields.iter().zip(&audits).enumerate() {
        audit.findings(field, i == schema.key.0 as usize, &mut findings);
        if audit.missing() > 0 {
            missing.push(Missing {
                field: field.name.clone(),
                nullable: field.nullable,
                missing: audit.missing(),
            });
        }
    }
    Ok(TableReport {
        name: schema.name.clone(),
        file: file.path().to_path_buf(),
        rows,
        missing,
        findings,
    })
}

/// Tallies one batch, a column per thread.
fn add_batch(audits: &mut [ColumnAudit], schema: &Schema, batch: &RecordBatch, as_of: Option<i32>) {
    audits
        .par_iter_mut()
        .zip(schema.fields.par_iter())
        .zip(batch.columns().par_iter())
        .for_each(|((audit, field), array)| audit.add(field, array, as_of));
}

fn duplicate_finding(schema: &Schema, duplicates: &crate::data::Duplicates) -> Finding {
    Finding {
        severity: Severity::Error,
        check: "duplicate_keys",
        column: Some(schema.field(schema.key).name.clone()),
        count: duplicates.keys.len() as u64,
        message: duplicates.describe(),
        examples: Vec::new(),
        help: Some(format!(
            "{} beyond the first of each; commands that read the key stop unless --allow-duplicate-keys",
            counted(duplicates.extra_rows(), "row")
        )),
    }
}

/// An event table: its columns as above (no as-of check: later events are simply
/// not seen), events whose key is no customer's, and events without a time.
fn audit_events(
    table: &EventTable,
    schema: &Schema,
    file: &DataFile,
    customers: &SortedKeys,
    progress: &mut dyn FnMut(usize),
) -> Result<TableReport, DataError> {
    let mut orphans = 0u64;
    let mut examples: Vec<String> = Vec::new();
    let mut report = scan(file, schema, None, progress, &mut |keys| {
        keys::for_each_key(keys, |_, key| {
            if !customers.contains(key.hash()) {
                orphans += 1;
                if examples.len() < 5 {
                    examples.push(format!("{:?}", key.text()));
                }
            }
        })
    })?;
    report.findings.retain(|f| f.check != "missing_values");
    if orphans > 0 {
        report.findings.push(event_finding(
            "unknown_customer",
            &table.key,
            orphans,
            "whose key matches no customer",
            examples,
        ));
    }
    for m in &report.missing {
        let time = schema.field(FieldId(table.time.0 + 1));
        if m.field == time.name {
            report.findings.push(event_finding(
                "missing_time",
                &time.name,
                m.missing,
                "without a time",
                Vec::new(),
            ));
        } else if m.field == table.key {
            report.findings.push(event_finding(
                "missing_key",
                &table.key,
                m.missing,
                "without a customer key",
                Vec::new(),
            ));
        }
    }
    Ok(report)
}

fn event_finding(
    check: &'static str,
    column: &str,
    count: u64,
    what: &str,
    examples: Vec<String>,
) -> Finding {
    Finding {
        severity: Severity::Warning,
        check,
        column: Some(column.to_owned()),
        count,
        message: format!(
            "{} {what}; they are left out of every aggregate",
            counted(count, "event")
        ),
        examples,
        help: None,
    }
}

fn iso_date<S: serde::Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}
