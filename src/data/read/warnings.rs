//! Data warnings: values outside an enum, missing values in a field not marked `?`,
//! dates and timestamps after the as-of date (the snapshot is newer than the day
//! asked about).
//!
//! Neither stops a run. Enum values outside the list are kept as they are (a
//! segment testing `status = "vip"` would not compile, so they simply match no
//! enum test); missing values in a non-nullable field are treated as missing.
//! Counts are tallied per pass and kept from the first complete pass only, so a
//! second pass (population statistics) does not double them.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Date32Type, Int32Type, TimestampMicrosecondType};
use chrono::NaiveDate;

use super::Column;
use crate::check::ir::{FieldId, Type};

/// What one pass saw in one column.
#[derive(Clone, Debug, Default)]
pub(crate) struct ColumnTally {
    outside: u64,
    example: Option<String>,
    missing: u64,
    /// Values whose (UTC) date is after the as-of date, and the latest such date
    /// (days since the epoch).
    after_as_of: u64,
    latest: Option<i32>,
}

impl ColumnTally {
    /// Counts a canonical batch column; `as_of` (days since the epoch), when
    /// given, is the day dates and timestamps should not be after.
    pub(crate) fn add(&mut self, column: &Column, array: &dyn Array, as_of: Option<i32>) {
        if !column.nullable {
            self.missing += array.null_count() as u64;
        }
        if let Type::Enum(values) = &column.ty {
            self.add_outside(values, array);
        }
        if let Some(as_of) = as_of {
            self.add_after(array, as_of);
        }
    }

    /// Dates (or timestamps' UTC dates) after the as-of day.
    fn add_after(&mut self, array: &dyn Array, as_of: i32) {
        let days: Vec<i32> = if let Some(dates) = array.as_primitive_opt::<Date32Type>() {
            dates.iter().flatten().filter(|d| *d > as_of).collect()
        } else if let Some(times) = array.as_primitive_opt::<TimestampMicrosecondType>() {
            times
                .iter()
                .flatten()
                .map(crate::plan::dates::day_of_micros)
                .filter(|d| *d > as_of)
                .collect()
        } else {
            return;
        };
        self.after_as_of += days.len() as u64;
        self.latest = days.into_iter().chain(self.latest).max();
    }

    fn add_outside(&mut self, values: &[String], array: &dyn Array) {
        let known = |s: &str| values.iter().any(|v| v == s);
        if let Some(dict) = array.as_dictionary_opt::<Int32Type>() {
            let Some(strings) = dict.values().as_string_opt::<i32>() else {
                return;
            };
            let outside: Vec<bool> = strings
                .iter()
                .map(|s| s.is_some_and(|s| !known(s)))
                .collect();
            if !outside.contains(&true) {
                return;
            }
            for key in dict.keys().iter().flatten() {
                let index = usize::try_from(key).unwrap_or(usize::MAX);
                if outside.get(index).copied().unwrap_or(false) {
                    self.note(strings.value(index));
                }
            }
        } else if let Some(strings) = array.as_string_opt::<i32>() {
            for s in strings.iter().flatten() {
                if !known(s) {
                    self.note(s);
                }
            }
        }
    }

    fn note(&mut self, value: &str) {
        self.outside += 1;
        if self.example.is_none() {
            self.example = Some(value.to_owned());
        }
    }
}

/// The tallies of completed passes, per field.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    columns: BTreeMap<FieldId, ColumnTally>,
}

impl Warnings {
    /// Keeps a completed pass's tally unless the field already has one.
    pub(crate) fn commit(&mut self, id: FieldId, tally: ColumnTally) {
        self.columns.entry(id).or_insert(tally);
    }

    /// One sentence per finding, in schema order.
    pub(crate) fn messages(
        &self,
        path: &Path,
        columns: &[Column],
        as_of: Option<NaiveDate>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for (id, tally) in &self.columns {
            let Some(column) = columns.get(id.0 as usize) else {
                continue;
            };
            if tally.outside > 0 {
                out.push(format!(
                    "{}: column `{}` has {} outside its enum (e.g. {:?})",
                    path.display(),
                    column.name,
                    plural(tally.outside, "value"),
                    tally.example.as_deref().unwrap_or_default(),
                ));
            }
            if tally.after_as_of > 0 {
                out.push(after_as_of(path, column, tally, as_of));
            }
            if tally.missing > 0 {
                out.push(format!(
                    "{}: column `{}` is not marked `?` in the schema but has {}; they are treated as missing",
                    path.display(),
                    column.name,
                    plural(tally.missing, "missing value"),
                ));
            }
        }
        out
    }
}

/// `customers.parquet: column `last_order_at` has 12 values after the as-of date …`
fn after_as_of(
    path: &Path,
    column: &Column,
    tally: &ColumnTally,
    as_of: Option<NaiveDate>,
) -> String {
    let latest = tally
        .latest
        .and_then(crate::plan::dates::date_of_days)
        .map(|d| format!(" (up to {d})"))
        .unwrap_or_default();
    let as_of = as_of.map(|d| format!(" {d}")).unwrap_or_default();
    format!(
        "{}: column `{}` has {} after the as-of date{as_of}{latest}: the file is newer than the as-of date, so results mix two dates; use that day's file (`data` in segmint.toml can name it with `{{as_of}}`)",
        path.display(),
        column.name,
        plural(tally.after_as_of, "value"),
    )
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
