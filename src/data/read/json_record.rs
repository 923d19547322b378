//! One JSON lines record checked against the schema, with the messages users see.
//!
//! Takes one line of the file and the schema's columns, gives the parsed object or
//! the first problem as a [`DataError`] naming the file's real 1-based line (blank
//! lines counted). The reader runs it on the first 1,000 records at open, and again
//! over a batch that failed later, because arrow-json's own errors carry no line.

use std::path::Path;

use serde_json::{Map, Number, Value};

use super::Column;
use crate::check::ir::Type;
use crate::data::{DataError, text};

/// A record: column name → JSON value.
pub(crate) type Object = Map<String, Value>;

/// Values longer than this (in characters) are shortened in messages.
const SHOWN_CHARS: usize = 60;

/// Parses one line: `None` for a blank line, the object otherwise.
pub(crate) fn parse_line(
    path: &Path,
    line: u64,
    bytes: &[u8],
) -> Result<Option<Object>, DataError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(bad_record(path, line, "is not valid UTF-8".into()));
    };
    let text = text.trim_end();
    if text.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(Some(object)),
        Ok(other) => Err(bad_record(
            path,
            line,
            format!(
                "expected a JSON object ({{\"column\": value, …}}), found {}",
                shown(&other)
            ),
        )),
        Err(e) => Err(bad_record(path, line, syntax_reason(&e))),
    }
}

/// Checks every schema column present in `object`; a missing key or `null` is a
/// missing value and always fits.
pub(crate) fn check(
    path: &Path,
    line: u64,
    object: &Object,
    columns: &[Column],
) -> Result<(), DataError> {
    for column in columns {
        let Some(value) = object.get(&column.name) else {
            continue;
        };
        if let Err(problem) = fits(&column.ty, value) {
            return Err(DataError::BadJsonValue {
                path: path.to_path_buf(),
                line,
                column: column.name.clone(),
                value: shown(value),
                problem,
            });
        }
    }
    Ok(())
}

/// Parses and checks one line (the open-time sample and error explanations).
pub(crate) fn parse_and_check(
    path: &Path,
    line: u64,
    bytes: &[u8],
    columns: &[Column],
) -> Result<Option<Object>, DataError> {
    let object = parse_line(path, line, bytes)?;
    if let Some(object) = &object {
        check(path, line, object, columns)?;
    }
    Ok(object)
}

/// `Ok` when `value` is a value of `ty` (or missing); else the problem as a clause.
fn fits(ty: &Type, value: &Value) -> Result<(), String> {
    match (ty, value) {
        (_, Value::Null) => Ok(()),
        (Type::Bool, Value::Bool(_)) => Ok(()),
        (Type::Int, Value::Number(n)) => int_fits(n),
        (Type::Float, Value::Number(_)) => Ok(()),
        (Type::String | Type::Enum(_), Value::String(_)) => Ok(()),
        (Type::Date, Value::String(s)) if text::parse_date(s).is_some() => Ok(()),
        (Type::Timestamp, Value::String(s)) if text::parse_timestamp(s).is_some() => Ok(()),
        (Type::ListString, Value::Array(items)) => items_fit(&Type::String, items),
        (Type::ListInt, Value::Array(items)) => items_fit(&Type::Int, items),
        _ => Err(format!("is not {}", expected(ty))),
    }
}

/// A whole number within 64-bit signed; a bigger one is named as out of range.
fn int_fits(n: &Number) -> Result<(), String> {
    const BEYOND: &str = "is beyond the range of `int` (64-bit signed)";
    if n.is_i64() {
        return Ok(());
    }
    if n.is_u64() {
        return Err(BEYOND.into());
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() >= 9.2e18 => Err(BEYOND.into()),
        _ => Err(format!("is not {}", text::expected(&Type::Int))),
    }
}

fn items_fit(item: &Type, items: &[Value]) -> Result<(), String> {
    for value in items {
        if let Err(problem) = fits(item, value) {
            return Err(format!("has an item {} that {problem}", shown(value)));
        }
    }
    Ok(())
}

fn expected(ty: &Type) -> &'static str {
    match ty {
        Type::ListString => "a list (a JSON array of strings)",
        Type::ListInt => "a list (a JSON array of integers)",
        other => text::expected(other),
    }
}

/// A value as JSON text, shortened when long.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= SHOWN_CHARS {
        return text;
    }
    let short: String = text.chars().take(SHOWN_CHARS - 1).collect();
    format!("{short}…")
}

/// serde_json's message without its `at line 1 column N` (the line is ours).
fn syntax_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    format!("not valid JSON: {message} (at column {})", e.column())
}

/// A problem with a whole line.
pub(crate) fn bad_record(path: &Path, line: u64, reason: String) -> DataError {
    DataError::BadRecord {
        path: path.to_path_buf(),
        line,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(ty: Type, json: &str) -> Option<String> {
        let value: Value = serde_json::from_str(json).ok()?;
        fits(&ty, &value).err()
    }

    #[test]
    fn values_fit_their_types() {
        let cases: [(Type, &str, Option<&str>); 12] = [
            (Type::Int, "3", None),
            (Type::Int, "2.5", Some("is not an integer")),
            (
                Type::Int,
                "9223372036854775808",
                Some("is beyond the range of `int` (64-bit signed)"),
            ),
            (Type::Int, "\"3\"", Some("is not an integer")),
            (Type::Float, "3", None),
            (
                Type::Date,
                "\"2024-02-30\"",
                Some("is not a date (expected YYYY-MM-DD)"),
            ),
            (Type::Date, "null", None),
            (
                Type::Bool,
                "1",
                Some("is not a bool (expected true or false)"),
            ),
            (Type::String, "5", Some("is not a string")),
            (Type::ListInt, "[1, 2]", None),
            (
                Type::ListInt,
                "[1, 2.5]",
                Some("has an item 2.5 that is not an integer"),
            ),
            (
                Type::ListString,
                "\"a\"",
                Some("is not a list (a JSON array of strings)"),
            ),
        ];
        for (ty, json, expected) in cases {
            assert_eq!(problem(ty, json).as_deref(), expected, "{json}");
        }
    }

    #[test]
    fn syntax_errors_drop_serde_line() {
        let e = parse_line(Path::new("f.jsonl"), 6, b"{\"id\":\"z\",\"n\":1,\n").err();
        let text = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.starts_with("f.jsonl: line 6: not valid JSON: "),
            "{text}"
        );
        assert!(!text.contains("line 1"), "{text}");
    }
}
