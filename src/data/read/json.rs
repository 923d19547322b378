//! JSON lines: one object per line, decoded by arrow-json with a schema built from
//! the segmint schema (never inferred for reading).
//!
//! The file is fed to the decoder line by line, so every error names the file's
//! real 1-based line (blank lines counted). Every line is checked value by value
//! ([`json_record`]) before the decoder sees it: arrow-json on its own reads `5` as
//! `"5"` for a string column and `"5"` as 5 for an int one, and one rule for line 1
//! and line 1,000,001 is worth the second parse. At open, the first 1,000 records
//! are read to find the columns: a schema field whose key appears in none of them
//! is missing (an error unless the field is nullable: exporters often leave out null
//! values). A file with no records is zero rows. Dates (`"2024-01-31"`) and
//! timestamps (RFC 3339 strings) are decoded as strings and parsed with the same
//! rules as CSV.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Date32Builder, Int64Builder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema as ArrowSchema};
use arrow::json::ReaderBuilder;
use arrow::json::reader::Decoder;

use super::json_record::{self, bad_record};
use super::{Column, RawBatch, RawBatches, read_error};
use crate::check::ir::Type;
use crate::data::{BATCH_ROWS, DataError, coerce, text};

/// Records read at open to check columns and types.
const SAMPLE_LINES: usize = 1_000;

/// An open JSON lines file: the schema's columns, which every line is checked
/// against whichever of them a pass reads (the schema decides the decoding).
pub(crate) struct JsonSource {
    columns: Vec<Column>,
}

impl JsonSource {
    /// Checks the first records against the schema, value by value.
    pub(crate) fn open(path: &Path, columns: &[Column]) -> Result<Self, DataError> {
        let mut lines = Lines::open(path)?;
        let mut keys = BTreeSet::new();
        let mut records = 0;
        while records < SAMPLE_LINES {
            let Some((line, bytes)) = lines.next_line(path)? else {
                break;
            };
            if let Some(object) = json_record::parse_and_check(path, line, bytes, columns)? {
                keys.extend(object.keys().cloned());
                records += 1;
            }
        }
        if records > 0 {
            check_present(path, columns, &keys)?;
        }
        Ok(JsonSource {
            columns: columns.to_vec(),
        })
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
        let decoder = ReaderBuilder::new(Arc::new(ArrowSchema::new(fields)))
            .with_batch_size(BATCH_ROWS)
            .with_coerce_primitive(true)
            .build_decoder()
            .map_err(|e| corrupt(path, e))?;
        Ok(Box::new(JsonBatches {
            path,
            lines: Lines::open(path)?,
            decoder,
            columns: distinct.into_iter().cloned().collect(),
            checked: &self.columns,
            positions,
            done: false,
        }))
    }
}

/// A schema field whose key is in none of the sampled records: nullable fields are
/// all missing, others are a missing column.
fn check_present(
    path: &Path,
    columns: &[Column],
    keys: &BTreeSet<String>,
) -> Result<(), DataError> {
    match columns
        .iter()
        .find(|c| !c.nullable && !keys.contains(&c.name))
    {
        None => Ok(()),
        Some(column) => Err(DataError::MissingColumn {
            path: path.to_path_buf(),
            column: column.name.clone(),
            schema_type: column.ty.describe(),
            available: keys.iter().cloned().collect(),
        }),
    }
}

/// The file's lines, numbered from 1, read into one reused buffer.
struct Lines {
    reader: Box<dyn BufRead + Send>,
    buffer: Vec<u8>,
    number: u64,
}

impl Lines {
    fn open(path: &Path) -> Result<Lines, DataError> {
        Ok(Lines {
            reader: super::input::open_text(path)?,
            buffer: Vec::new(),
            number: 0,
        })
    }

    /// The next line (with its line break) and its number; a byte order mark
    /// before the first line is dropped.
    fn next_line(&mut self, path: &Path) -> Result<Option<(u64, &[u8])>, DataError> {
        self.buffer.clear();
        let read = self
            .reader
            .read_until(b'\n', &mut self.buffer)
            .map_err(|e| read_error(path, e))?;
        if read == 0 {
            return Ok(None);
        }
        self.number += 1;
        if self.number == 1 && self.buffer.starts_with(b"\xEF\xBB\xBF") {
            self.buffer.drain(..3);
        }
        Ok(Some((self.number, &self.buffer)))
    }
}

/// The iterator behind [`JsonSource::batches`].
struct JsonBatches<'a> {
    path: &'a Path,
    lines: Lines,
    decoder: Decoder,
    /// The distinct wanted columns, as decoded.
    columns: Vec<Column>,
    /// Every schema column: each line is checked against all of them.
    checked: &'a [Column],
    /// For each wanted column, its place in `columns`.
    positions: Vec<usize>,
    done: bool,
}

impl Iterator for JsonBatches<'_> {
    type Item = Result<RawBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.next_batch();
        self.done = !matches!(result, Ok(Some(_)));
        result.transpose()
    }
}

impl JsonBatches<'_> {
    /// Feeds lines until a batch is full or the file ends; `None` at the end.
    fn next_batch(&mut self) -> Result<Option<RawBatch>, DataError> {
        let path = self.path;
        let mut span: Option<(u64, u64)> = None;
        while self.decoder.len() < BATCH_ROWS {
            let Some((line, bytes)) = self.lines.next_line(path)? else {
                break;
            };
            json_record::parse_and_check(path, line, bytes, self.checked)?;
            let before = self.decoder.len();
            if let Err(reason) = feed(&mut self.decoder, bytes) {
                return Err(line_error(path, line, bytes, &self.columns, reason));
            }
            if self.decoder.len() > before {
                span = Some((span.map_or(line, |(first, _)| first), line));
            }
        }
        let Some((first, last)) = span else {
            return Ok(None);
        };
        self.decode(first)
            .map_err(|e| self.explain(first, last, e))
            .map(Some)
    }

    /// The buffered records as raw columns; `first` is the first record's line.
    fn decode(&mut self, first: u64) -> Result<RawBatch, DataError> {
        let path = self.path;
        let Some(batch) = self.decoder.flush().map_err(|e| corrupt(path, e))? else {
            return Ok((Vec::new(), 0));
        };
        let mut arrays = Vec::with_capacity(self.positions.len());
        for &p in &self.positions {
            let (Some(array), Some(column)) = (batch.columns().get(p), self.columns.get(p)) else {
                continue;
            };
            arrays.push(parse_text_column(path, column, array, first)?);
        }
        Ok((arrays, batch.num_rows()))
    }

    /// A batch failed: checks its lines again to name the line and the value; keeps
    /// the decoder's own error if that finds nothing.
    fn explain(&self, first: u64, last: u64, error: DataError) -> DataError {
        match find_problem(self.path, &self.columns, first, last) {
            Some(found) => found,
            None => error,
        }
    }
}

/// Gives one line to the decoder, which must take exactly one whole record (or
/// nothing, for a blank line).
fn feed(decoder: &mut Decoder, bytes: &[u8]) -> Result<(), String> {
    let before = decoder.len();
    let used = decoder.decode(bytes).map_err(reason)?;
    let rest = bytes.get(used..).unwrap_or_default();
    if decoder.has_partial_record() {
        return Err("the JSON object does not end on this line".into());
    }
    if decoder.len() > before + 1 || !rest.trim_ascii().is_empty() {
        return Err("holds more than one JSON value; JSON lines has one object per line".into());
    }
    Ok(())
}

/// The error for a line the decoder refused: serde_json's view of the line when it
/// has one (it says where), else the decoder's reason.
fn line_error(
    path: &Path,
    line: u64,
    bytes: &[u8],
    columns: &[Column],
    reason: String,
) -> DataError {
    match json_record::parse_and_check(path, line, bytes, columns) {
        Err(e) => e,
        Ok(_) => bad_record(path, line, reason),
    }
}

/// Reads lines `first..=last` again and gives the first problem found in them.
fn find_problem(path: &Path, columns: &[Column], first: u64, last: u64) -> Option<DataError> {
    let mut lines = Lines::open(path).ok()?;
    while let Ok(Some((line, bytes))) = lines.next_line(path) {
        if line > last {
            break;
        }
        if line >= first
            && let Err(e) = json_record::parse_and_check(path, line, bytes, columns)
        {
            return Some(e);
        }
    }
    None
}

/// What arrow-json decodes each type as: dates and timestamps as strings (parsed
/// here), ints too (arrow-json would truncate `3.5` to 3 silently; the numbers
/// reach us as their JSON text), everything else as its canonical type.
fn decode_type(ty: &Type) -> DataType {
    match ty {
        Type::Date | Type::Timestamp | Type::Int => DataType::Utf8,
        other => coerce::canonical_type(other),
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

/// The decoder's message without its error-kind prefix.
fn reason(e: arrow::error::ArrowError) -> String {
    match e {
        arrow::error::ArrowError::JsonError(m) | arrow::error::ArrowError::ParseError(m) => m,
        other => other.to_string(),
    }
}

fn corrupt(path: &Path, e: arrow::error::ArrowError) -> DataError {
    DataError::Corrupt {
        path: path.to_path_buf(),
        format: "JSON lines",
        reason: reason(e),
    }
}
