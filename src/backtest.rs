//! `segmint backtest`, the parts that are not the engine: the series of as-of
//! dates, what changed between two dates (customers entering and leaving each
//! segment and tier), and which segments read customer-table fields (a
//! snapshot, so not faithful history).
//!
//! The engine side is [`crate::eval::Series`]; each date's membership batches go
//! through a [`crate::stats::Counter`] (sizes, overlaps, lift means) and a
//! [`Changes`] (entered/exited), and [`crate::expect::measure`] gives the
//! expectations' values.

use std::collections::BTreeSet;

use arrow::array::{Array, AsArray, BooleanBufferBuilder, RecordBatch};
use arrow::buffer::BooleanBuffer;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

use crate::check::ir::{Derived, ExprKind, Program, SegmentId};
use crate::expect::Outcome;

/// Most dates a series may have.
pub const MAX_DATES: usize = 10_000;

/// The step between two as-of dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    /// Every day.
    Day,
    /// Every 7 days.
    Week,
    /// Every calendar month.
    Month,
    /// Every 3 calendar months.
    Quarter,
}

/// Why a series of dates cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SeriesError {
    /// `--from` is after `--to`.
    #[error("--from {from} is after --to {to}: the series would be empty")]
    Empty {
        /// `--from`.
        from: NaiveDate,
        /// `--to`.
        to: NaiveDate,
    },
    /// More than [`MAX_DATES`] dates.
    #[error(
        "--from {from} --to {to} --every {every} gives more than {MAX_DATES} dates; choose a shorter period or a longer step"
    )]
    TooLong {
        /// `--from`.
        from: NaiveDate,
        /// `--to`.
        to: NaiveDate,
        /// The step, as written.
        every: &'static str,
    },
}

impl Every {
    /// The step as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Every::Day => "day",
            Every::Week => "week",
            Every::Month => "month",
            Every::Quarter => "quarter",
        }
    }
}

/// The as-of dates from `from` to `to` (both included when the step lands on
/// `to`), one `every` apart. Months and quarters count from `from` by calendar
/// months, clamped to the month's end (`2026-01-31` → `2026-02-28` →
/// `2026-03-31`); when `from` is a month's last day, every date is its month's
/// last day (`2025-06-30` → `2025-07-31`).
pub fn dates(from: NaiveDate, to: NaiveDate, every: Every) -> Result<Vec<NaiveDate>, SeriesError> {
    if from > to {
        return Err(SeriesError::Empty { from, to });
    }
    let month_ends = is_month_end(from);
    let mut out = Vec::new();
    for step in 0u32.. {
        let date = match every {
            Every::Day => from.checked_add_days(Days::new(u64::from(step))),
            Every::Week => from.checked_add_days(Days::new(7 * u64::from(step))),
            Every::Month => add_months(from, step, month_ends),
            Every::Quarter => add_months(from, step.saturating_mul(3), month_ends),
        };
        let Some(date) = date.filter(|d| *d <= to) else {
            break;
        };
        if out.len() == MAX_DATES {
            return Err(SeriesError::TooLong {
                from,
                to,
                every: every.as_str(),
            });
        }
        out.push(date);
    }
    Ok(out)
}

fn add_months(from: NaiveDate, months: u32, month_ends: bool) -> Option<NaiveDate> {
    let date = from.checked_add_months(Months::new(months))?;
    if month_ends {
        last_day_of_month(date)
    } else {
        Some(date)
    }
}

fn is_month_end(date: NaiveDate) -> bool {
    date.succ_opt()
        .is_none_or(|next| next.month() != date.month())
}

fn last_day_of_month(date: NaiveDate) -> Option<NaiveDate> {
    let first = date.with_day(1)?;
    first.checked_add_months(Months::new(1))?.pred_opt()
}

/// One as-of date of a backtest.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The as-of date.
    pub as_of: NaiveDate,
    /// Customers in the input.
    pub rows: u64,
    /// Each reported segment.
    pub segments: Vec<Change>,
    /// Each label of each tiers block (customers in no tier as label `None`).
    pub tiers: Vec<Change>,
    /// Each expectation of the reported segments, measured at this date.
    pub expectations: Vec<Outcome>,
}

/// A segment's (or a tier label's) size at a date and the change since the
/// date before.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// The segment, or the tiers block.
    pub name: String,
    /// The tier label (`None` for a segment, or for customers in no tier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Members at this date.
    pub size: u64,
    /// `size` over all customers; `None` when there are none.
    pub share: Option<f64>,
    /// Customers in it now and not at the date before (`None` at the first date).
    pub entered: Option<u64>,
    /// Customers in it at the date before and not now.
    pub exited: Option<u64>,
}

/// Which membership columns [`Changes`] follows.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// Segment name and its boolean column.
    pub segments: Vec<(String, usize)>,
    /// Tiers block name, its string column and its labels in order.
    pub tiers: Vec<(String, usize, Vec<String>)>,
}

/// Customers entering and leaving each segment and tier label from one date to
/// the next: each date's membership, one bit (or one label) per customer row,
/// compared with the date before's.
#[derive(Debug)]
pub struct Changes {
    columns: Columns,
    /// Per segment: the date before's membership (one bit per row), and this
    /// date's so far.
    before: Vec<Option<BooleanBuffer>>,
    now: Vec<BooleanBufferBuilder>,
    /// Per tiers block: label index per row ([`NO_LABEL`]: none).
    labels_before: Vec<Vec<u16>>,
    labels_now: Vec<Vec<u16>>,
    /// Counts of this date: per segment (entered, exited); per block and label.
    segment_counts: Vec<(u64, u64)>,
    label_counts: Vec<Vec<(u64, u64)>>,
    dates: usize,
}

/// Customers (entered, exited) since the date before; `None` at the first date.
pub type Moved = Option<(u64, u64)>;

/// A row in no tier.
const NO_LABEL: u16 = u16::MAX;

impl Changes {
    /// Nothing seen yet.
    pub fn new(columns: Columns) -> Changes {
        let segments = columns.segments.len();
        let blocks = columns.tiers.len();
        Changes {
            before: vec![None; segments],
            now: (0..segments)
                .map(|_| BooleanBufferBuilder::new(0))
                .collect(),
            labels_before: vec![Vec::new(); blocks],
            labels_now: vec![Vec::new(); blocks],
            segment_counts: vec![(0, 0); segments],
            label_counts: columns
                .tiers
                .iter()
                .map(|(_, _, labels)| vec![(0, 0); labels.len() + 1])
                .collect(),
            columns,
            dates: 0,
        }
    }

    /// Adds the next membership batch of the current date (batches in input order).
    pub fn add(&mut self, batch: &RecordBatch) {
        for (i, (_, column)) in self.columns.segments.iter().enumerate() {
            let Some(mask) = batch
                .columns()
                .get(*column)
                .and_then(|c| c.as_boolean_opt())
            else {
                continue;
            };
            if let Some(now) = self.now.get_mut(i) {
                now.append_buffer(&crate::eval::definite(mask));
            }
        }
        for (b, (_, column, labels)) in self.columns.tiers.iter().enumerate() {
            let Some(text) = batch
                .columns()
                .get(*column)
                .and_then(|c| c.as_string_opt::<i32>())
            else {
                continue;
            };
            let (Some(now), Some(before), Some(counts)) = (
                self.labels_now.get_mut(b),
                self.labels_before.get(b),
                self.label_counts.get_mut(b),
            ) else {
                continue;
            };
            for i in 0..text.len() {
                let label = if text.is_valid(i) {
                    let value = text.value(i);
                    labels
                        .iter()
                        .position(|l| l == value)
                        .map_or(NO_LABEL, |p| p as u16)
                } else {
                    NO_LABEL
                };
                let was = before.get(now.len()).copied().unwrap_or(NO_LABEL);
                if label != was {
                    if let Some(c) = counts.get_mut(slot(label, labels.len())) {
                        c.0 += 1;
                    }
                    if let Some(c) = counts.get_mut(slot(was, labels.len())) {
                        c.1 += 1;
                    }
                }
                now.push(label);
            }
        }
    }

    /// Ends the current date: its entered/exited counts per segment (in column
    /// order) and per tiers block and label (labels in order, then "no tier"),
    /// `None` for the first date. The next batches start the next date.
    pub fn finish_date(&mut self) -> (Vec<Moved>, Vec<Vec<Moved>>) {
        let first = self.dates == 0;
        self.dates += 1;
        for ((now, before), counts) in self
            .now
            .iter_mut()
            .zip(self.before.iter_mut())
            .zip(self.segment_counts.iter_mut())
        {
            let now = now.finish();
            if let Some(before) = before.as_ref().filter(|b| b.len() == now.len()) {
                let entered = (&now & &!before).count_set_bits() as u64;
                let exited = (before & &!&now).count_set_bits() as u64;
                *counts = (entered, exited);
            }
            *before = Some(now);
        }
        let segments = self
            .segment_counts
            .iter_mut()
            .map(|c| (!first).then_some(std::mem::take(c)))
            .collect();
        let tiers = self
            .label_counts
            .iter_mut()
            .map(|block| {
                block
                    .iter_mut()
                    .map(|c| (!first).then_some(std::mem::take(c)))
                    .collect()
            })
            .collect();
        for (before, now) in self
            .labels_before
            .iter_mut()
            .zip(self.labels_now.iter_mut())
        {
            std::mem::swap(before, now);
            now.clear();
        }
        (segments, tiers)
    }
}

/// A label's slot in a block's counts: its index, or the last slot for "no tier".
fn slot(label: u16, labels: usize) -> usize {
    if label == NO_LABEL {
        labels
    } else {
        usize::from(label)
    }
}

/// The customer-table fields (other than the key) that `segment`'s criteria
/// read, directly or through the segments and tiers blocks it refers to, in
/// schema order. The data file is one snapshot, so at other dates these are
/// not what they were then.
pub fn snapshot_fields(program: &Program, segment: SegmentId) -> Vec<String> {
    let mut fields = BTreeSet::new();
    let mut seen = std::collections::HashSet::new();
    let mut pending = vec![Derived::Segment(segment)];
    while let Some(item) = pending.pop() {
        if !seen.insert(item) {
            continue;
        }
        for condition in program.conditions(item) {
            let mut stack = vec![condition];
            while let Some(expr) = stack.pop() {
                if let ExprKind::Field(f) = &expr.kind
                    && *f != program.schema.key
                {
                    fields.insert(*f);
                }
                stack.extend(expr.children());
            }
            pending.extend(condition.references());
        }
    }
    fields
        .into_iter()
        .map(|f| program.schema.field(f).name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_clamp_to_the_month_end_and_follow_month_ends() {
        let from_31st = dates(d("2026-01-31"), d("2026-04-30"), Every::Month).unwrap();
        assert_eq!(
            from_31st,
            [
                d("2026-01-31"),
                d("2026-02-28"),
                d("2026-03-31"),
                d("2026-04-30")
            ]
        );
        let from_15th = dates(d("2026-01-15"), d("2026-03-14"), Every::Month).unwrap();
        assert_eq!(from_15th, [d("2026-01-15"), d("2026-02-15")]);
        let june_end = dates(d("2025-06-30"), d("2025-08-31"), Every::Month).unwrap();
        assert_eq!(
            june_end,
            [d("2025-06-30"), d("2025-07-31"), d("2025-08-31")]
        );
    }

    #[test]
    fn days_weeks_and_quarters() {
        assert_eq!(
            dates(d("2026-01-01"), d("2026-01-03"), Every::Day).unwrap(),
            [d("2026-01-01"), d("2026-01-02"), d("2026-01-03")]
        );
        assert_eq!(
            dates(d("2026-01-01"), d("2026-01-15"), Every::Week).unwrap(),
            [d("2026-01-01"), d("2026-01-08"), d("2026-01-15")]
        );
        assert_eq!(
            dates(d("2025-03-31"), d("2025-12-31"), Every::Quarter).unwrap(),
            [
                d("2025-03-31"),
                d("2025-06-30"),
                d("2025-09-30"),
                d("2025-12-31")
            ]
        );
        assert_eq!(
            dates(d("2026-01-01"), d("2026-01-01"), Every::Month).unwrap(),
            [d("2026-01-01")]
        );
    }

    #[test]
    fn bad_series_are_errors() {
        assert!(matches!(
            dates(d("2026-02-01"), d("2026-01-01"), Every::Day),
            Err(SeriesError::Empty { .. })
        ));
        assert!(matches!(
            dates(d("2000-01-01"), d("2030-01-01"), Every::Day),
            Err(SeriesError::TooLong { .. })
        ));
        assert_eq!(
            dates(d("2000-01-01"), d("2027-05-18"), Every::Day)
                .unwrap()
                .len(),
            MAX_DATES
        );
    }
}
