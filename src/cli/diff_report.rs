//! How a [`Report`] of `segmint diff` is printed: aligned tables, a compact
//! markdown pull-request comment, or one JSON object. Only segments and tiers
//! blocks that changed (definition or members) are listed in text; JSON has all.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use super::diff::DiffFormat;
use super::output::{Align, Table, percent};
use crate::diff::{CriterionChange, Moves, Report, SchemaChange, SegmentDiff, Status};

/// What the report compares.
pub(super) struct Heading {
    /// The base revision, folder or earlier snapshot.
    pub against: String,
    /// The as-of date of the head run.
    pub as_of: NaiveDate,
    /// Customers evaluated.
    pub rows: u64,
}

/// Prints `report` in `format`.
pub(super) fn write(
    report: &Report,
    heading: &Heading,
    format: DiffFormat,
    max_change: Option<f64>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        DiffFormat::Json => write_json(report, heading, max_change, out),
        DiffFormat::Human => write_text(report, heading, max_change, false, out),
        DiffFormat::Markdown => write_text(report, heading, max_change, true, out),
    }
}

fn write_text(
    report: &Report,
    heading: &Heading,
    max_change: Option<f64>,
    markdown: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let customers = super::output::counted(heading.rows, "customer");
    if markdown {
        writeln!(
            out,
            "### segmint diff against `{}`\n\n{customers} as of {}\n",
            heading.against, heading.as_of
        )?;
    } else {
        writeln!(
            out,
            "{customers} as of {}, compared with {}\n",
            heading.as_of, heading.against
        )?;
    }
    let shown: Vec<&SegmentDiff> = report
        .segments
        .iter()
        .filter(|s| s.status != Status::Unchanged || s.moves.moved())
        .collect();
    let table_out = |table: &Table, out: &mut dyn Write| {
        if markdown {
            table.write_markdown(out)
        } else {
            table.write_text(out)
        }
    };
    if shown.is_empty() {
        writeln!(out, "No segment changes its members.")?;
    } else {
        table_out(&segment_table(&shown), out)?;
    }
    let quiet = report.segments.len() - shown.len();
    if quiet > 0 && !shown.is_empty() {
        writeln!(
            out,
            "\n{} unchanged",
            super::output::counted(quiet as u64, "segment")
        )?;
    }
    for tiers in report
        .tiers
        .iter()
        .filter(|t| t.status != Status::Unchanged || t.labels.iter().any(|l| l.moves.moved()))
    {
        writeln!(out)?;
        let title = format!("tiers {} ({})", tiers.name, status_word(tiers.status));
        let mut table = changes_table(&title, false);
        for label in &tiers.labels {
            table.row(moves_row(&label.label, None, &label.moves, &label.criteria));
        }
        table_out(&table, out)?;
    }
    write_failures(report, markdown, out)?;
    write_schema_changes(report, markdown, out)?;
    write_new_warnings(report, markdown, out)?;
    if let Some(share) = max_change {
        let over = report.over(share);
        if !over.is_empty() {
            let names: Vec<String> = over
                .iter()
                .map(|s| format!("{} ({})", s.name, relative(&s.moves)))
                .collect();
            writeln!(
                out,
                "\n{} changed by more than {}: {}",
                super::output::counted(over.len() as u64, "segment"),
                number_percent(share),
                names.join(", ")
            )?;
        }
    }
    Ok(())
}

fn segment_table(shown: &[&SegmentDiff]) -> Table {
    let mut table = changes_table("segment", true);
    for s in shown {
        let mut row = moves_row(&s.name, Some(s.status), &s.moves, &s.criteria);
        if let (Some(words), false) = (row.last_mut(), s.through.is_empty()) {
            let names: Vec<String> = s.through.iter().map(|n| format!("`{n}`")).collect();
            *words = format!("through {}", names.join(", "));
        }
        table.row(row);
    }
    table
}

/// The columns of a changes table; tier labels have no status of their own.
fn changes_table(first: &str, status: bool) -> Table {
    let status = if status { Some("status") } else { None };
    let headers = [first].into_iter().chain(status).chain([
        "before",
        "after",
        "change",
        "entered",
        "exited",
        "what changed",
    ]);
    let mut align = vec![Align::Left; 1 + status.iter().count()];
    align.extend([Align::Right; 5]);
    align.push(Align::Left);
    Table::new(headers).aligned(&align)
}

fn moves_row(
    name: &str,
    status: Option<Status>,
    moves: &Moves,
    criteria: &[CriterionChange],
) -> Vec<String> {
    let words: Vec<String> = criteria.iter().map(ToString::to_string).collect();
    let status = status.map(|s| status_word(s).to_string());
    let cells = [
        moves.before.to_string(),
        moves.after.to_string(),
        format!("{} ({})", signed(moves), relative(moves)),
        moves.entered.to_string(),
        moves.exited.to_string(),
        words.join("; "),
    ];
    std::iter::once(name.to_string())
        .chain(status)
        .chain(cells)
        .collect()
}

fn signed(moves: &Moves) -> String {
    let delta = moves.after as i64 - moves.before as i64;
    if delta > 0 {
        format!("+{delta}")
    } else {
        delta.to_string()
    }
}

/// `+12.5%`, `-3.0%`, `new` (from nobody), `0.0%`.
fn relative(moves: &Moves) -> String {
    match moves.relative() {
        Some(r) if r > 0.0 => format!("+{:.1}%", r * 100.0),
        Some(r) => format!("{:.1}%", r * 100.0),
        None if moves.after > 0 => "new".into(),
        None => "-".into(),
    }
}

fn number_percent(share: f64) -> String {
    let text = format!("{:.2}", share * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Paused => "paused",
        Status::Unpaused => "unpaused",
        Status::Changed => "changed",
        Status::Unchanged => "same rules",
        Status::NotCompared => "not compared",
    }
}

fn write_failures(report: &Report, markdown: bool, out: &mut dyn Write) -> io::Result<()> {
    if report.newly_failing.is_empty() {
        return Ok(());
    }
    let title = if markdown {
        "**Expectations newly failing**"
    } else {
        "expectations newly failing:"
    };
    writeln!(out, "\n{title}")?;
    for failure in &report.newly_failing {
        let measured = failure.measured.map_or_else(
            || "not measured".to_string(),
            |m| format!("{} of {} ({})", m.count, m.of, percent(m.count, m.of)),
        );
        writeln!(
            out,
            "- {}: `{}`, measured {measured}",
            failure.segment, failure.expect
        )?;
    }
    Ok(())
}

fn write_schema_changes(report: &Report, markdown: bool, out: &mut dyn Write) -> io::Result<()> {
    if report.schema_changes.is_empty() {
        return Ok(());
    }
    let title = if markdown {
        "**Schema changes** (base items reading these are not compared)"
    } else {
        "schema changes (base items reading these are not compared):"
    };
    writeln!(out, "\n{title}")?;
    for change in &report.schema_changes {
        writeln!(out, "- {}: {}", change.field, schema_change_words(change))?;
    }
    Ok(())
}

fn write_new_warnings(report: &Report, markdown: bool, out: &mut dyn Write) -> io::Result<()> {
    if report.new_warnings.is_empty() {
        return Ok(());
    }
    let title = if markdown {
        "**New warnings**"
    } else {
        "new warnings:"
    };
    writeln!(out, "\n{title}")?;
    for warning in &report.new_warnings {
        writeln!(
            out,
            "- `{}` {}: {}",
            warning.at, warning.code, warning.message
        )?;
    }
    Ok(())
}

/// `int in the base, string now`, `removed (was int)`, `added`.
pub(super) fn schema_change_words(change: &SchemaChange) -> String {
    match (&change.base, &change.head) {
        (Some(b), Some(h)) => format!("{b} in the base, {h} now"),
        (Some(b), None) => format!("gone (was {b})"),
        (None, Some(h)) => format!("new ({h})"),
        (None, None) => "changed".into(),
    }
}

fn write_json(
    report: &Report,
    heading: &Heading,
    max_change: Option<f64>,
    out: &mut dyn Write,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Json<'a> {
        against: &'a str,
        as_of: String,
        rows: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        max_change: Option<f64>,
        over_max_change: Vec<&'a str>,
        #[serde(flatten)]
        report: &'a Report,
    }
    let over = max_change.map(|s| report.over(s)).unwrap_or_default();
    let json = Json {
        against: &heading.against,
        as_of: heading.as_of.to_string(),
        rows: heading.rows,
        max_change,
        over_max_change: over.iter().map(|s| s.name.as_str()).collect(),
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}
