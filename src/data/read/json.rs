//! JSON lines: one object per line, decoded by arrow-json with a schema built from
//! the segmint schema (never inferred for reading).
//!
//! Dates (`"2024-01-31"`) and timestamps (RFC 3339 strings) are decoded as strings
//! and parsed here with the same rules as CSV, so a malformed one is reported
//! with its line (counted as records: blank lines are assumed absent). Lists are
//! JSON arrays. Column presence and types are checked at open against the first
//! 1,000 lines.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Date32Builder, Int64Builder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema as ArrowSchema};
use arrow::json::ReaderBuilder;
use arrow::json::reader::infer_json_schema;

use super::{Column, RawBatches, match_columns, read_error};
use crate::check::ir::Type;
use crate::data::{BATCH_ROWS, DataError, coerce, text};

/// Lines read at open to check columns and types.
const SAMPLE_LINES: usize = 1_000;

/// An open JSON lines file (nothing to keep: the schema decides the decoding).
pub(crate) struct JsonSource;

impl JsonSource {
    /// Infers the types of the first lines and checks them against the schema.
    pub(crate) fn open(path: &Path, columns: &[Column]) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|e| read_error(path, e))?;
        let (inferred, _) = infer_json_schema(BufReader::new(file), Some(SAMPLE_LINES))
            .map_err(|e| corrupt(path, e))?;
        let mut file_columns: Vec<(String, DataType)> = inferred
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect();
        file_columns.sort_by(|a, b| a.0.cmp(&b.0));
        match_columns(path, &file_columns, columns, json_accepts)?;
        Ok(JsonSource)
    }

    /// Streams the wanted columns, in the order asked for.
    pub(crate) fn batches<'a>(
        &'a self,
        path: &'a Path,
        wanted: &[&Column],
    ) -> Result<RawBatches<'a>, DataError> {
        let mut distinct: Vec<&Column> = Vec::new();
        for column in wanted {
            if !distinct.iter().any(|c| c.name == column.name) {
                distinct.push(column);
            }
        }
        let fields: Vec<Field> = distinct
            .iter()
            .map(|c| Field::new(&c.name, decode_type(&c.ty), true))
            .collect();
        let positions: Vec<usize> = wanted
            .iter()
            .filter_map(|w| distinct.iter().position(|c| c.name == w.name))
            .collect();
        let columns: Vec<Column> = distinct.into_iter().cloned().collect();
        let file = File::open(path).map_err(|e| read_error(path, e))?;
        let reader = ReaderBuilder::new(Arc::new(ArrowSchema::new(fields)))
            .with_batch_size(BATCH_ROWS)
            .with_coerce_primitive(true)
            .build(BufReader::with_capacity(1 << 20, file))
            .map_err(|e| corrupt(path, e))?;
        let mut first_line: u64 = 1;
        Ok(Box::new(reader.map(move |batch| {
            let batch = batch.map_err(|e| corrupt(path, e))?;
            let rows = batch.num_rows();
            let mut arrays = Vec::with_capacity(positions.len());
            for &p in &positions {
                let (Some(array), Some(column)) = (batch.columns().get(p), columns.get(p)) else {
                    continue;
                };
                arrays.push(parse_text_column(path, column, array, first_line)?);
            }
            first_line += rows as u64;
            Ok((arrays, rows))
        })))
    }
}

/// What arrow-json decodes each type as: dates and timestamps as strings (parsed
/// here), ints too (arrow-json would truncate `3.5` to 3 silently; the numbers
/// reach us as their JSON text), everything else as its canonical type.
fn decode_type(ty: &Type) -> DataType {
    match ty {
        Type::Date | Type::Timestamp | Type::Int => DataType::Utf8,
        other => coerce::canonical(other),
    }
}

/// JSON has no date type and one number type: strings may hold dates and
/// timestamps, whole numbers may be floats.
fn json_accepts(ty: &Type, data: &DataType) -> bool {
    match (ty, data) {
        (Type::Date | Type::Timestamp, DataType::Utf8) => true,
        (Type::Float, DataType::Int64) => true,
        _ => coerce::accepts(ty, data),
    }
}

/// Parses an int, date or timestamp column decoded as strings; other columns pass.
fn parse_text_column(
    path: &Path,
    column: &Column,
    array: &ArrayRef,
    first_line: u64,
) -> Result<ArrayRef, DataError> {
    let Some(strings) = array.as_string_opt::<i32>() else {
        return Ok(Arc::clone(array));
    };
    let bad = |row: usize, value: &str| DataError::BadValue {
        path: path.to_path_buf(),
        line: first_line + row as u64,
        column: column.name.clone(),
        value: value.to_owned(),
        expected: text::expected(&column.ty).to_owned(),
    };
    match column.ty {
        Type::Int => {
            let mut out = Int64Builder::with_capacity(strings.len());
            for (row, value) in strings.iter().enumerate() {
                match value {
                    None => out.append_null(),
                    Some(v) => out.append_value(text::parse_int(v).ok_or_else(|| bad(row, v))?),
                }
            }
            Ok(Arc::new(out.finish()))
        }
        Type::Date => {
            let mut out = Date32Builder::with_capacity(strings.len());
            for (row, value) in strings.iter().enumerate() {
                match value {
                    None => out.append_null(),
                    Some(v) => out.append_value(text::parse_date(v).ok_or_else(|| bad(row, v))?),
                }
            }
            Ok(Arc::new(out.finish()))
        }
        Type::Timestamp => {
            let mut out = TimestampMicrosecondBuilder::with_capacity(strings.len());
            for (row, value) in strings.iter().enumerate() {
                match value {
                    None => out.append_null(),
                    Some(v) => {
                        out.append_value(text::parse_timestamp(v).ok_or_else(|| bad(row, v))?)
                    }
                }
            }
            Ok(Arc::new(out.finish()))
        }
        _ => Ok(Arc::clone(array)),
    }
}

fn corrupt(path: &Path, e: arrow::error::ArrowError) -> DataError {
    let reason = match e {
        arrow::error::ArrowError::JsonError(m) | arrow::error::ArrowError::ParseError(m) => m,
        other => other.to_string(),
    };
    DataError::Corrupt {
        path: path.to_path_buf(),
        format: "JSON lines",
        reason,
    }
}
