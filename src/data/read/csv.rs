//! CSV: a header row, then cells parsed by the schema's types (never inferred).
//!
//! Cells go straight into canonical Arrow builders, so a malformed value is
//! reported with the 1-based line of its record (the csv parser tracks lines, so
//! quoted newlines do not throw the count off). Conventions (docs/data.md): an
//! empty cell is missing; a list cell is `vip|newsletter` and an empty list cell
//! is an empty list; dates are `YYYY-MM-DD`; timestamps RFC 3339.

use std::io::BufRead;
use std::path::Path;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder,
    StringBuilder, StringDictionaryBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Int32Type};
use std::sync::Arc;

use super::{Column, RawBatch, RawBatches, match_columns, read_error};
use crate::check::ir::Type;
use crate::data::{BATCH_ROWS, DataError, text};

/// An open CSV file: where each schema field's column is.
pub(crate) struct CsvSource {
    header: Vec<String>,
}

impl CsvSource {
    /// Reads the header row and checks that every schema field is in it.
    pub(crate) fn open(path: &Path, columns: &[Column]) -> Result<Self, DataError> {
        let mut reader = csv_reader(path)?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, e))?
            .iter()
            .map(str::to_owned)
            .collect();
        if header.is_empty() || header == [""] {
            return Err(DataError::BadRecord {
                path: path.to_path_buf(),
                line: 1,
                reason: "the file is empty; a CSV file needs a header row with the column names"
                    .into(),
            });
        }
        // Every column is text, so any column can hold any type; values are
        // checked as they are read.
        let file_columns: Vec<(String, DataType)> = header
            .iter()
            .map(|name| (name.clone(), DataType::Utf8))
            .collect();
        match_columns(path, &file_columns, columns, |_, _| true)?;
        Ok(CsvSource { header })
    }

    /// Streams the wanted columns, in the order asked for.
    pub(crate) fn batches<'a>(
        &'a self,
        path: &'a Path,
        wanted: &[&Column],
    ) -> Result<RawBatches<'a>, DataError> {
        let cells: Vec<Cells> = wanted
            .iter()
            .filter_map(|c| {
                let index = self.header.iter().position(|h| *h == c.name)?;
                Some(Cells {
                    index,
                    name: c.name.clone(),
                    ty: c.ty.clone(),
                    builder: Builder::new(&c.ty),
                })
            })
            .collect();
        Ok(Box::new(CsvBatches {
            path,
            reader: csv_reader(path)?,
            record: csv::ByteRecord::new(),
            cells,
            finished: false,
        }))
    }
}

fn csv_reader(path: &Path) -> Result<csv::Reader<Box<dyn BufRead + Send>>, DataError> {
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(super::input::open_text(path)?))
}

fn csv_error(path: &Path, e: csv::Error) -> DataError {
    let line = e.position().map(csv::Position::line).unwrap_or(1);
    match e.into_kind() {
        csv::ErrorKind::Io(source) => read_error(path, source),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => DataError::BadRecord {
            path: path.to_path_buf(),
            line,
            reason: format!("the record has {len} fields but the header has {expected_len}"),
        },
        csv::ErrorKind::Utf8 { .. } => DataError::BadRecord {
            path: path.to_path_buf(),
            line,
            reason: "the text is not valid UTF-8".into(),
        },
        other => DataError::Corrupt {
            path: path.to_path_buf(),
            format: "CSV",
            reason: format!("{other:?}"),
        },
    }
}

/// One wanted column: where it is in a record and what it is being built into.
struct Cells {
    index: usize,
    name: String,
    ty: Type,
    builder: Builder,
}

/// Reads records into the builders, `BATCH_ROWS` at a time.
struct CsvBatches<'a> {
    path: &'a Path,
    reader: csv::Reader<Box<dyn BufRead + Send>>,
    record: csv::ByteRecord,
    cells: Vec<Cells>,
    finished: bool,
}

impl Iterator for CsvBatches<'_> {
    type Item = Result<RawBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let mut rows = 0;
        while rows < BATCH_ROWS {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => {
                    self.finished = true;
                    break;
                }
                Err(e) => {
                    self.finished = true;
                    return Some(Err(csv_error(self.path, e)));
                }
            }
            if let Err(e) = self.push_record() {
                self.finished = true;
                return Some(Err(e));
            }
            rows += 1;
        }
        if rows == 0 {
            return None;
        }
        let arrays = self.cells.iter_mut().map(|c| c.builder.finish()).collect();
        Some(Ok((arrays, rows)))
    }
}

impl CsvBatches<'_> {
    fn push_record(&mut self) -> Result<(), DataError> {
        let line = self.record.position().map(csv::Position::line).unwrap_or(0);
        for cell in &mut self.cells {
            let bytes = self.record.get(cell.index).unwrap_or_default();
            let bad = |value: String, expected: &str| DataError::BadValue {
                path: self.path.to_path_buf(),
                line,
                column: cell.name.clone(),
                value,
                expected: expected.to_owned(),
            };
            let text = std::str::from_utf8(bytes).map_err(|_| {
                bad(
                    String::from_utf8_lossy(bytes).into_owned(),
                    "valid UTF-8 text",
                )
            })?;
            cell.builder
                .push(text)
                .map_err(|item| bad(item.to_owned(), text::expected(&cell.ty)))?;
        }
        Ok(())
    }
}

/// A canonical Arrow builder for one segmint type.
pub(crate) enum Builder {
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    String(StringBuilder),
    Enum(StringDictionaryBuilder<Int32Type>),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
    ListString(ListBuilder<StringBuilder>),
    ListInt(ListBuilder<Int64Builder>),
}

impl Builder {
    pub(crate) fn new(ty: &Type) -> Builder {
        match ty {
            Type::Bool => Builder::Bool(BooleanBuilder::new()),
            Type::Int => Builder::Int(Int64Builder::new()),
            Type::Float => Builder::Float(Float64Builder::new()),
            Type::String => Builder::String(StringBuilder::new()),
            Type::Enum(_) => Builder::Enum(StringDictionaryBuilder::new()),
            Type::Date => Builder::Date(Date32Builder::new()),
            Type::Timestamp => Builder::Timestamp(TimestampMicrosecondBuilder::new()),
            Type::ListString => Builder::ListString(ListBuilder::new(StringBuilder::new())),
            Type::ListInt => Builder::ListInt(ListBuilder::new(Int64Builder::new())),
        }
    }

    /// Appends one cell. An empty cell is missing (an empty list for lists).
    /// On a malformed value, gives back the offending text (a list's item).
    pub(crate) fn push<'t>(&mut self, text: &'t str) -> Result<(), &'t str> {
        if text.is_empty() {
            self.push_empty();
            return Ok(());
        }
        match self {
            Builder::Bool(b) => b.append_value(text::parse_bool(text).ok_or(text)?),
            Builder::Int(b) => b.append_value(text::parse_int(text).ok_or(text)?),
            Builder::Float(b) => b.append_value(text::parse_float(text).ok_or(text)?),
            Builder::String(b) => b.append_value(text),
            Builder::Enum(b) => {
                b.append(text).map_err(|_| text)?;
            }
            Builder::Date(b) => b.append_value(text::parse_date(text).ok_or(text)?),
            Builder::Timestamp(b) => b.append_value(text::parse_timestamp(text).ok_or(text)?),
            Builder::ListString(b) => {
                for item in text.split(text::LIST_SEPARATOR) {
                    b.values().append_value(item);
                }
                b.append(true);
            }
            Builder::ListInt(b) => {
                for item in text.split(text::LIST_SEPARATOR) {
                    let value = text::parse_int(item).ok_or(item)?;
                    b.values().append_value(value);
                }
                b.append(true);
            }
        }
        Ok(())
    }

    fn push_empty(&mut self) {
        match self {
            Builder::Bool(b) => b.append_null(),
            Builder::Int(b) => b.append_null(),
            Builder::Float(b) => b.append_null(),
            Builder::String(b) => b.append_null(),
            Builder::Enum(b) => b.append_null(),
            Builder::Date(b) => b.append_null(),
            Builder::Timestamp(b) => b.append_null(),
            Builder::ListString(b) => b.append(true),
            Builder::ListInt(b) => b.append(true),
        }
    }

    pub(crate) fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::String(b) => Arc::new(b.finish()),
            Builder::Enum(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Timestamp(b) => Arc::new(b.finish()),
            Builder::ListString(b) => Arc::new(b.finish()),
            Builder::ListInt(b) => Arc::new(b.finish()),
        }
    }
}
