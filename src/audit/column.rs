//! What one pass learns about one column: missing values, values outside an enum,
//! stray spaces, case variants, dates out of range, negative counts or amounts.
//!
//! Takes canonical batches of one schema field, gives [`Finding`]s. Memory stays
//! bounded: distinct values are kept only for enum fields' strays (at most
//! [`MAX_STRAYS`]) and for strings while they look enum-like (at most
//! [`MAX_LEVELS`] distinct values).

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
};

use super::{Finding, Severity};
use crate::check::ir::{Field, Type};

/// Distinct stray values counted per enum field; past this they are only counted.
const MAX_STRAYS: usize = 1_000;
/// A string field with at most this many distinct values is "enum-like" and its
/// values are compared for case variants.
const MAX_LEVELS: usize = 64;
/// Values named in a finding.
const SHOWN: usize = 5;
/// Days from 1970-01-01 to 1900-01-01: dates before it are implausible.
const LOWEST_DAY: i32 = -25_567;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Word parts of a field name that say it counts or sums something.
const COUNT_WORDS: [&str; 14] = [
    "count", "amount", "total", "value", "price", "revenue", "spend", "orders", "qty", "quantity",
    "visits", "opens", "clicks", "balance",
];

/// The tally of one column.
#[derive(Debug, Default)]
pub(super) struct ColumnAudit {
    missing: u64,
    strays: HashMap<String, u64>,
    strays_total: u64,
    spaced: u64,
    spaced_example: Option<String>,
    /// Distinct values of a string field while there are at most [`MAX_LEVELS`].
    levels: Option<HashMap<String, u64>>,
    after_as_of: u64,
    latest: Option<i64>,
    too_early: u64,
    earliest: Option<i64>,
    negative: u64,
}

impl ColumnAudit {
    pub(super) fn new(field: &Field) -> ColumnAudit {
        ColumnAudit {
            levels: matches!(field.ty, Type::String).then(HashMap::new),
            ..ColumnAudit::default()
        }
    }

    /// Rows without a value.
    pub(super) fn missing(&self) -> u64 {
        self.missing
    }

    /// Adds one batch's column; `as_of` is in days since 1970-01-01 (`None`: no
    /// date is too late, as in event tables).
    pub(super) fn add(&mut self, field: &Field, array: &ArrayRef, as_of: Option<i32>) {
        self.missing += array.null_count() as u64;
        match &field.ty {
            Type::String | Type::Enum(_) => self.add_strings(field, array),
            Type::Date => {
                if let Some(days) = array.as_primitive_opt::<Date32Type>() {
                    for day in days.iter().flatten() {
                        let last = as_of.map_or(i64::MAX, i64::from);
                        self.add_day(i64::from(day), last, i64::from(LOWEST_DAY));
                    }
                }
            }
            Type::Timestamp => {
                if let Some(times) = array.as_primitive_opt::<TimestampMicrosecondType>() {
                    let end = as_of.map_or(i64::MAX, |d| {
                        (i64::from(d) + 1).saturating_mul(MICROS_PER_DAY) - 1
                    });
                    let lowest = i64::from(LOWEST_DAY) * MICROS_PER_DAY;
                    for t in times.iter().flatten() {
                        self.add_day(t, end, lowest);
                    }
                }
            }
            Type::Int | Type::Float if counts_something(&field.name) => self.add_numbers(array),
            _ => {}
        }
    }

    fn add_day(&mut self, value: i64, last: i64, lowest: i64) {
        if value > last {
            self.after_as_of += 1;
            self.latest = self.latest.max(Some(value));
        }
        if value < lowest {
            self.too_early += 1;
            self.earliest = Some(self.earliest.map_or(value, |e| e.min(value)));
        }
    }

    fn add_numbers(&mut self, array: &ArrayRef) {
        if let Some(ints) = array.as_primitive_opt::<Int64Type>() {
            self.negative += ints.iter().flatten().filter(|v| *v < 0).count() as u64;
        } else if let Some(floats) = array.as_primitive_opt::<Float64Type>() {
            self.negative += floats.iter().flatten().filter(|v| *v < 0.0).count() as u64;
        }
    }

    /// Strings are tallied once per distinct value of a dictionary (with its row
    /// count), else value by value.
    fn add_strings(&mut self, field: &Field, array: &ArrayRef) {
        let allowed = match &field.ty {
            Type::Enum(values) => Some(&values[..]),
            _ => None,
        };
        if let Some(dict) = array.as_dictionary_opt::<Int32Type>() {
            let Some(values) = dict.values().as_string_opt::<i32>() else {
                return;
            };
            let mut counts = vec![0u64; values.len()];
            for key in dict.keys().iter().flatten() {
                if let Some(n) = usize::try_from(key).ok().and_then(|k| counts.get_mut(k)) {
                    *n += 1;
                }
            }
            for (i, n) in counts.into_iter().enumerate() {
                if n > 0 && values.is_valid(i) {
                    self.add_value(values.value(i), n, allowed);
                }
            }
            return;
        }
        let plain;
        let array = if matches!(array.data_type(), DataType::Dictionary(_, _)) {
            match arrow::compute::cast(array, &DataType::Utf8) {
                Ok(cast) => {
                    plain = cast;
                    &plain
                }
                Err(_) => return,
            }
        } else {
            array
        };
        if let Some(strings) = array.as_string_opt::<i32>() {
            for value in strings.iter().flatten() {
                self.add_value(value, 1, allowed);
            }
        }
    }

    /// `n` rows holding `value`.
    fn add_value(&mut self, value: &str, n: u64, allowed: Option<&[String]>) {
        if value.trim() != value {
            self.spaced += n;
            if self.spaced_example.is_none() {
                self.spaced_example = Some(value.to_owned());
            }
        }
        if let Some(allowed) = allowed
            && !allowed.iter().any(|a| a == value)
        {
            self.add_stray(value, n);
        }
        self.add_level(value, n);
    }

    fn add_stray(&mut self, value: &str, n: u64) {
        self.strays_total += n;
        if let Some(count) = self.strays.get_mut(value) {
            *count += n;
        } else if self.strays.len() < MAX_STRAYS {
            self.strays.insert(value.to_owned(), n);
        }
    }

    fn add_level(&mut self, value: &str, n: u64) {
        let Some(levels) = self.levels.as_mut() else {
            return;
        };
        if let Some(count) = levels.get_mut(value) {
            *count += n;
        } else if levels.len() < MAX_LEVELS {
            levels.insert(value.to_owned(), n);
        } else {
            self.levels = None;
        }
    }

    /// The findings about this column; `key` for the key column (a missing key is
    /// an error whatever the schema says).
    pub(super) fn findings(&self, field: &Field, key: bool, out: &mut Vec<Finding>) {
        let column = Some(field.name.clone());
        let finding = |severity, check, count, message: String| Finding {
            severity,
            check,
            column: column.clone(),
            count,
            message,
            examples: Vec::new(),
            help: None,
        };
        if self.missing > 0 && (key || !field.nullable) {
            out.push(finding(
                Severity::Error,
                "missing_values",
                self.missing,
                format!(
                    "{} missing; the field is not marked `?`",
                    counted(self.missing, "value")
                ),
            ));
        }
        if self.strays_total > 0 {
            out.push(self.stray_finding(field));
        }
        if self.spaced > 0 {
            let mut f = finding(
                Severity::Warning,
                "stray_spaces",
                self.spaced,
                format!(
                    "{} with leading or trailing spaces",
                    counted(self.spaced, "value")
                ),
            );
            f.examples = self
                .spaced_example
                .iter()
                .map(|e| format!("{e:?}"))
                .collect();
            f.help = Some("trim the values where the data is exported".into());
            out.push(f);
        }
        if let Some(f) = self.case_variants(field) {
            out.push(f);
        }
        let is_date = field.ty == Type::Date;
        if self.after_as_of > 0 {
            let mut f = finding(
                Severity::Warning,
                "after_as_of",
                self.after_as_of,
                format!(
                    "{} after the as-of date",
                    counted(self.after_as_of, "value")
                ),
            );
            f.examples = self
                .latest
                .map(|v| show_time(v, is_date))
                .into_iter()
                .collect();
            f.help = Some("is the snapshot newer than `--as-of`?".into());
            out.push(f);
        }
        if self.too_early > 0 {
            let mut f = finding(
                Severity::Warning,
                "implausible_date",
                self.too_early,
                format!("{} before 1900-01-01", counted(self.too_early, "value")),
            );
            f.examples = self
                .earliest
                .map(|v| show_time(v, is_date))
                .into_iter()
                .collect();
            out.push(f);
        }
        if self.negative > 0 {
            out.push(finding(
                Severity::Warning,
                "negative_value",
                self.negative,
                format!(
                    "{} below zero in a field whose name says it counts or sums",
                    counted(self.negative, "value")
                ),
            ));
        }
    }

    fn stray_finding(&self, field: &Field) -> Finding {
        let allowed: Vec<&str> = match &field.ty {
            Type::Enum(values) => values.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        let mut strays: Vec<(&String, &u64)> = self.strays.iter().collect();
        strays.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let examples = strays
            .iter()
            .take(SHOWN)
            .map(|(value, n)| {
                let hint = near_miss(value, &allowed)
                    .map(|a| format!(" (did you mean {a:?}?)"))
                    .unwrap_or_default();
                format!("{value:?} ×{n}{hint}")
            })
            .collect();
        Finding {
            severity: Severity::Error,
            check: "outside_enum",
            column: Some(field.name.clone()),
            count: self.strays_total,
            message: format!("{} outside the enum", counted(self.strays_total, "value")),
            examples,
            help: Some(format!("the enum allows: {}", allowed.join(", "))),
        }
    }

    /// Distinct values of an enum-like string field that differ only in case or
    /// surrounding spaces (`Ios`, `ios`, `iOS `).
    fn case_variants(&self, field: &Field) -> Option<Finding> {
        let levels = self.levels.as_ref()?;
        let mut groups: HashMap<String, Vec<(&String, u64)>> = HashMap::new();
        for (value, n) in levels {
            groups
                .entry(value.trim().to_lowercase())
                .or_default()
                .push((value, *n));
        }
        let mut variants: Vec<Vec<(&String, u64)>> =
            groups.into_values().filter(|g| g.len() > 1).collect();
        if variants.is_empty() {
            return None;
        }
        for group in &mut variants {
            group.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        }
        variants.sort_by(|a, b| a[0].0.cmp(b[0].0));
        let count = variants.iter().flatten().map(|(_, n)| n).sum();
        let examples = variants
            .iter()
            .take(SHOWN)
            .map(|group| {
                let shown: Vec<String> = group.iter().map(|(v, n)| format!("{v:?} ×{n}")).collect();
                shown.join(" / ")
            })
            .collect();
        Some(Finding {
            severity: Severity::Warning,
            check: "case_variants",
            column: Some(field.name.clone()),
            count,
            message: format!(
                "{} written in more than one way (letter case or spaces)",
                counted(variants.len() as u64, "value")
            ),
            examples,
            help: Some("pick one spelling, or declare the field as an enum".into()),
        })
    }
}

/// Whether a field name says it counts or sums something (`orders_count`,
/// `lifetime_value`, `n_visits`).
fn counts_something(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    COUNT_WORDS.iter().any(|w| name.contains(w)) || name.starts_with("n_")
}

/// An allowed value equal to `value` but for case and spaces, else the closest by
/// the usual did-you-mean rule.
fn near_miss<'a>(value: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let plain = value.trim().to_lowercase();
    allowed
        .iter()
        .copied()
        .find(|a| a.to_lowercase() == plain)
        .or_else(|| crate::diagnostic::closest(value, allowed.iter().copied()))
}

/// A day count or a timestamp in microseconds, as written in data files.
fn show_time(value: i64, is_date: bool) -> String {
    let micros = if is_date {
        value * MICROS_PER_DAY
    } else {
        value
    };
    match chrono::DateTime::from_timestamp_micros(micros) {
        Some(t) if is_date => t.date_naive().to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => value.to_string(),
    }
}

pub(super) fn counted(count: u64, noun: &str) -> String {
    let number = crate::number::thousands(count);
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{number} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_count_or_sum() {
        for name in ["orders_count", "lifetime_value", "n_visits", "total_spend"] {
            assert!(counts_something(name), "{name}");
        }
        for name in ["age", "score", "customer_id"] {
            assert!(!counts_something(name), "{name}");
        }
    }

    #[test]
    fn near_misses_prefer_case() {
        assert_eq!(near_miss("Ios", &["android", "ios"]), Some("ios"));
        assert_eq!(near_miss(" web", &["web", "app"]), Some("web"));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(counted(1_234_567, "row"), "1,234,567 rows");
        assert_eq!(counted(1, "row"), "1 row");
    }
}
