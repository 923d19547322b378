//! `segmint audit [PATHS] --data FILE [--events NAME=FILE]… [--format human|json|markdown]`:
//! a data-quality report driven by the schema ([`crate::audit`]); exit 1 when a
//! finding is an error.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use super::input::Input;
use super::output::{Align, Table, counted, percent};
use super::progress::Progress;
use super::{Context, ExitStatus, RunError};
use crate::audit::{self, Finding, Report, Severity, TableReport};
use crate::check::ir::{EventTable, Program};
use crate::data::DataFile;
use crate::project::Config;

/// Arguments of `segmint audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Segment files or folders, for the schema (default: `segments` from segmint.toml).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    input: Input,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
    format: AuditFormat,
}

/// `--format` of `audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum AuditFormat {
    /// Findings, one block each, and a summary line.
    Human,
    /// One JSON object.
    Json,
    /// GitHub-flavoured markdown tables.
    Markdown,
}

/// Runs `segmint audit`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let (config, compiled) = super::compile(&args.paths, context)?;
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    let as_of = super::as_of(args.input.as_of, &config);
    let path = super::data_path_as_of(args.input.data.clone(), &config, as_of)?;
    let mut data = DataFile::open(&path, &program.schema)?;
    data.allow_missing_keys();
    let events = open_events(&program, &config, &args.input)?;
    let interactive = context.terminal.stderr_interactive;
    let mut progress = Progress::of(interactive, "auditing".into(), "rows", None);
    let stderr = &mut *context.stderr;
    let report = audit::audit(&program, &data, &events, as_of, &mut |rows| {
        progress.advance(rows, stderr)
    });
    progress.finish(context.stderr);
    let report = report?;
    match args.format {
        AuditFormat::Human => write_human(&report, context.stdout)?,
        AuditFormat::Markdown => write_markdown(&report, context.stdout)?,
        AuditFormat::Json => write_json(&report, context.stdout)?,
    }
    Ok(if report.count(Severity::Error) > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// The event tables that have a file: `--events NAME=FILE`, else `[events]` in
/// segmint.toml. Tables without one are not audited.
fn open_events<'p>(
    program: &'p Program,
    config: &Config,
    input: &Input,
) -> Result<Vec<(&'p EventTable, DataFile)>, RunError> {
    for (name, _) in &input.events {
        if !program.events.iter().any(|t| t.name == *name) {
            let names = program.events.iter().map(|t| t.name.as_str());
            let hint = crate::diagnostic::did_you_mean(name, names)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            return Err(RunError::Usage(format!(
                "--events {name}=…: no events table `{name}` in the segments{hint}"
            )));
        }
    }
    let mut files = Vec::new();
    for table in &program.events {
        let given = input
            .events
            .iter()
            .rev()
            .find(|(name, _)| *name == table.name)
            .map(|(_, path)| path.clone())
            .or_else(|| config.events.get(&table.name).cloned());
        if let Some(path) = given {
            let schema = program.event_schema(table);
            files.push((table, DataFile::open_events(&path, &schema)?));
        }
    }
    Ok(files)
}

fn write_human(report: &Report, out: &mut dyn Write) -> Result<(), RunError> {
    for table in &report.tables {
        let file = super::shown(&table.file);
        for finding in &table.findings {
            let severity = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let column = finding
                .column
                .as_ref()
                .map(|c| format!(" column `{c}`:"))
                .unwrap_or_default();
            writeln!(
                out,
                "{severity}[{}]: {file}:{column} {}",
                finding.check, finding.message
            )?;
            if !finding.examples.is_empty() {
                writeln!(out, "  = e.g. {}", finding.examples.join(", "))?;
            }
            if let Some(help) = &finding.help {
                writeln!(out, "  = help: {help}")?;
            }
        }
        write_missing(table, out)?;
    }
    writeln!(out, "{}", summary(report))?;
    Ok(())
}

/// The missing values per field, as an aligned table.
fn write_missing(table: &TableReport, out: &mut dyn Write) -> Result<(), RunError> {
    if table.missing.is_empty() {
        return Ok(());
    }
    writeln!(out, "missing values in {}:", super::shown(&table.file))?;
    let mut rows = Table::new(["field", "missing", "share"]);
    for m in &table.missing {
        let name = if m.nullable {
            format!("{}?", m.field)
        } else {
            m.field.clone()
        };
        rows.row([name, m.missing.to_string(), percent(m.missing, table.rows)]);
    }
    rows.write_text(out)?;
    Ok(())
}

/// `audited customers.parquet (5000 rows), orders.parquet (…): 1 error, 2 warnings`.
fn summary(report: &Report) -> String {
    let tables: Vec<String> = report
        .tables
        .iter()
        .map(|t| format!("{} ({})", super::shown(&t.file), counted(t.rows, "row")))
        .collect();
    let errors = report.count(Severity::Error) as u64;
    let warnings = report.count(Severity::Warning) as u64;
    format!(
        "audited {} as of {}: {}, {}",
        tables.join(", "),
        report.as_of,
        counted(errors, "error"),
        counted(warnings, "warning")
    )
}

fn write_markdown(report: &Report, out: &mut dyn Write) -> Result<(), RunError> {
    for table in &report.tables {
        writeln!(
            out,
            "### `{}` ({})\n",
            super::shown(&table.file),
            counted(table.rows, "row")
        )?;
        if table.findings.is_empty() {
            writeln!(out, "No findings.\n")?;
        } else {
            let mut rows =
                Table::new(["severity", "check", "column", "count", "finding"]).aligned(&[
                    Align::Left,
                    Align::Left,
                    Align::Left,
                    Align::Right,
                    Align::Left,
                ]);
            for f in &table.findings {
                rows.row(markdown_row(f));
            }
            rows.write_markdown(out)?;
            writeln!(out)?;
        }
    }
    writeln!(out, "{}", summary(report))?;
    Ok(())
}

fn markdown_row(f: &Finding) -> [String; 5] {
    let severity = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut finding = f.message.clone();
    if !f.examples.is_empty() {
        finding.push_str(&format!(" (e.g. {})", f.examples.join(", ")));
    }
    [
        severity.to_string(),
        format!("`{}`", f.check),
        f.column
            .as_ref()
            .map(|c| format!("`{c}`"))
            .unwrap_or_default(),
        f.count.to_string(),
        finding.replace('|', "\\|"),
    ]
}

/// `{"as_of": …, "tables": […], "errors": n, "warnings": n}`.
fn write_json(report: &Report, out: &mut dyn Write) -> Result<(), RunError> {
    #[derive(Serialize)]
    struct Json<'a> {
        #[serde(flatten)]
        report: &'a Report,
        errors: usize,
        warnings: usize,
    }
    let json = Json {
        report,
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
    };
    serde_json::to_writer_pretty(&mut *out, &json).map_err(std::io::Error::other)?;
    writeln!(out)?;
    Ok(())
}
