//! Data warnings: values outside an enum, missing values in a field not marked `?`.
//!
//! Neither stops a run. Enum values outside the list are kept as they are (a
//! segment testing `status = "vip"` would not compile, so they simply match no
//! enum test); missing values in a non-nullable field are treated as missing.
//! Counts are tallied per pass and kept from the first complete pass only, so a
//! second pass (population statistics) does not double them.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int32Type;

use super::Column;
use crate::check::ir::{FieldId, Type};

/// What one pass saw in one column.
#[derive(Clone, Debug, Default)]
pub(crate) struct ColumnTally {
    outside: u64,
    example: Option<String>,
    missing: u64,
}

impl ColumnTally {
    /// Counts a canonical batch column.
    pub(crate) fn add(&mut self, column: &Column, array: &dyn Array) {
        if !column.nullable {
            self.missing += array.null_count() as u64;
        }
        if let Type::Enum(values) = &column.ty {
            self.add_outside(values, array);
        }
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
    pub(crate) fn messages(&self, path: &Path, columns: &[Column]) -> Vec<String> {
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

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
