//! How member counts ([`Stats`]) are printed: aligned text (`eval` without
//! `--output`, `stats`), markdown and JSON (`stats --format`).

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use super::output::{Table, percent};
use super::overlap;
use crate::stats::{Breakdown, Count, Overlap, Stats};

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

pub(super) fn write_markdown(
    stats: &Stats,
    as_of: NaiveDate,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{}", headline(stats, as_of))?;
    for table in tables(stats, overlap::matrix_table) {
        writeln!(out)?;
        table.write_markdown(out)?;
    }
    Ok(())
}

/// `{"as_of": …, "rows": …, "segments": […], "tiers": […], "overlap"?: …, "by"?: …}`.
pub(super) fn write_json(stats: &Stats, as_of: NaiveDate, out: &mut dyn Write) -> io::Result<()> {
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
