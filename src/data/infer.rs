//! `schema infer`: a data file in, a profile of each column out: its segmint type,
//! whether values are missing, its few distinct values (for an enum) and whether
//! every value is unique (for the key).
//!
//! The file is read without a schema: Parquet and Arrow files carry theirs; CSV and
//! JSON lines are inferred by arrow from their values. Text that reads as dates or
//! timestamps everywhere (`2024-01-31`, `2024-01-31T10:00:00Z`) is taken as such,
//! and CSV text with `|` in it as a list (`vip|newsletter`, as segmint writes lists).

use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type, Schema};
use arrow::error::ArrowError;

use super::{DataError, Format};
use crate::check::ir::Type;

/// The most distinct values a text column may have to be proposed as an enum.
pub const MAX_ENUM_VALUES: usize = 12;

/// What a data file holds, column by column.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// Rows read.
    pub rows: u64,
    /// One per column, in file order.
    pub columns: Vec<ColumnProfile>,
}

/// One column of a [`Profile`].
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnProfile {
    /// The column's name in the file.
    pub name: String,
    /// Its segmint type (an `enum` of the distinct values, sorted, for a text
    /// column with at most [`MAX_ENUM_VALUES`] values that repeat), or the name of
    /// an Arrow type segmint does not read.
    pub ty: Result<Type, String>,
    /// Rows without a value.
    pub missing: u64,
    /// Whether no present value repeats (text and int columns).
    pub unique: bool,
}

/// The segmint type of an Arrow type, or the Arrow type's name when segmint does
/// not read it.
fn type_of(data_type: &DataType) -> Result<Type, String> {
    let unsupported = || Err(data_type.to_string());
    match data_type {
        DataType::Boolean => Ok(Type::Bool),
        t if t.is_integer() => Ok(Type::Int),
        DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => Ok(Type::Float),
        // a column with no value at all (an empty CSV column): text, all missing
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
            Ok(Type::String)
        }
        DataType::Dictionary(_, value) => match type_of(value) {
            Ok(Type::String) => Ok(Type::String),
            _ => unsupported(),
        },
        DataType::Date32 | DataType::Date64 => Ok(Type::Date),
        DataType::Timestamp(..) => Ok(Type::Timestamp),
        DataType::List(item) | DataType::LargeList(item) => match type_of(item.data_type()) {
            Ok(Type::String) => Ok(Type::ListString),
            Ok(Type::Int) => Ok(Type::ListInt),
            _ => unsupported(),
        },
        _ => unsupported(),
    }
}

/// Reads the whole file (format by extension) and profiles every column.
pub fn profile(path: &Path) -> Result<Profile, DataError> {
    let format = Format::from_path(path).ok_or_else(|| DataError::UnknownFormat {
        path: path.to_path_buf(),
    })?;
    if !path.is_file() {
        return Err(DataError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let corrupt = |e: ArrowError| DataError::Corrupt {
        path: path.to_path_buf(),
        format: format.name(),
        reason: e.to_string(),
    };
    let (schema, batches) = read(path, format).map_err(corrupt)?;
    let mut tallies: Vec<Tally> = schema
        .fields()
        .iter()
        .map(|f| Tally::new(f.data_type(), format == Format::Csv))
        .collect();
    let mut rows = 0u64;
    for batch in batches {
        let batch = batch.map_err(corrupt)?;
        rows += batch.num_rows() as u64;
        for (tally, column) in tallies.iter_mut().zip(batch.columns()) {
            tally.add(column);
        }
    }
    let columns = schema
        .fields()
        .iter()
        .zip(tallies)
        .map(|(field, tally)| tally.finish(field.name()))
        .collect();
    Ok(Profile { rows, columns })
}

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>>;

/// The file's (or the inferred) schema and its batches.
fn read(path: &Path, format: Format) -> Result<(Arc<Schema>, Batches), ArrowError> {
    let file = File::open(path)?;
    match format {
        Format::Parquet => {
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
            let schema = Arc::clone(builder.schema());
            let reader = builder
                .build()
                .map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
            Ok((schema, Box::new(reader)))
        }
        // Text formats are opened twice (infer, then read), decompressed if need be.
        Format::Csv => {
            let csv = arrow::csv::reader::Format::default().with_header(true);
            let (schema, _) = csv.infer_schema(open_text(path)?, None)?;
            let schema = Arc::new(schema);
            let reader = arrow::csv::ReaderBuilder::new(Arc::clone(&schema))
                .with_format(csv)
                .build(open_text(path)?)?;
            Ok((schema, Box::new(reader)))
        }
        Format::JsonLines => {
            let (schema, _) = arrow::json::reader::infer_json_schema(open_text(path)?, None)?;
            let schema = Arc::new(schema);
            let reader =
                arrow::json::ReaderBuilder::new(Arc::clone(&schema)).build(open_text(path)?)?;
            Ok((schema, Box::new(reader)))
        }
        Format::Arrow => match arrow::ipc::reader::FileReader::try_new(file, None) {
            Ok(reader) => Ok((reader.schema(), Box::new(reader))),
            Err(_) => {
                let reader = arrow::ipc::reader::StreamReader::try_new(
                    BufReader::new(File::open(path)?),
                    None,
                )?;
                Ok((reader.schema(), Box::new(reader)))
            }
        },
    }
}

fn open_text(path: &Path) -> Result<Box<dyn std::io::BufRead + Send>, ArrowError> {
    super::read::input::open_text(path).map_err(|e| ArrowError::ExternalError(Box::new(e)))
}

/// What one column has shown so far.
struct Tally {
    ty: Result<Type, String>,
    missing: u64,
    present: u64,
    /// Distinct text values, until there are too many.
    distinct: Option<BTreeSet<String>>,
    /// Every value seen, while none repeats (text and ints).
    seen_text: Option<HashSet<String>>,
    seen_ints: Option<HashSet<i64>>,
    /// Whether every text value reads as a date / a timestamp.
    all_dates: bool,
    all_timestamps: bool,
    /// CSV writes lists as `a|b`: whether a value has a `|`, and whether every
    /// item is an int.
    csv_list: Option<(bool, bool)>,
}

impl Tally {
    fn new(data_type: &DataType, csv: bool) -> Tally {
        let ty = type_of(data_type);
        let text = ty == Ok(Type::String);
        Tally {
            csv_list: (csv && text).then_some((false, true)),
            distinct: text.then(BTreeSet::new),
            seen_text: text.then(HashSet::new),
            seen_ints: (ty == Ok(Type::Int)).then(HashSet::new),
            all_dates: text,
            all_timestamps: text,
            ty,
            missing: 0,
            present: 0,
        }
    }

    fn add(&mut self, column: &ArrayRef) {
        // (logical: a column of the Null type has no null buffer)
        let missing = column.logical_null_count();
        self.missing += missing as u64;
        self.present += (column.len() - missing) as u64;
        match self.ty {
            Ok(Type::String) => {
                if let Ok(text) = arrow::compute::cast(column, &DataType::Utf8) {
                    for value in text.as_string::<i32>().iter().flatten() {
                        self.add_text(value);
                    }
                }
            }
            Ok(Type::Int) => {
                if let Ok(ints) = arrow::compute::cast(column, &DataType::Int64) {
                    for value in ints.as_primitive::<Int64Type>().iter().flatten() {
                        if let Some(seen) = &mut self.seen_ints
                            && !seen.insert(value)
                        {
                            self.seen_ints = None;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn add_text(&mut self, value: &str) {
        if let Some(distinct) = &mut self.distinct
            && !distinct.contains(value)
        {
            if distinct.len() >= MAX_ENUM_VALUES {
                self.distinct = None;
            } else {
                distinct.insert(value.to_owned());
            }
        }
        if let Some(seen) = &mut self.seen_text
            && !seen.insert(value.to_owned())
        {
            self.seen_text = None;
        }
        if let Some((piped, ints)) = &mut self.csv_list {
            *piped = *piped || value.contains('|');
            *ints = *ints
                && value
                    .split('|')
                    .all(|item| item.trim().parse::<i64>().is_ok());
        }
        self.all_dates = self.all_dates && crate::project::parse_date(value).is_some();
        self.all_timestamps =
            self.all_timestamps && chrono::DateTime::parse_from_rfc3339(value).is_ok();
    }

    fn finish(self, name: &str) -> ColumnProfile {
        let text = self.ty == Ok(Type::String) && self.present > 0;
        let unique = match self.ty {
            Ok(Type::String) => self.seen_text.is_some(),
            Ok(Type::Int) => self.seen_ints.is_some(),
            _ => false,
        };
        let repeats = |n: usize| n > 0 && (n as u64) * 2 <= self.present;
        let ty = match (self.ty, self.distinct) {
            _ if text && self.csv_list == Some((true, true)) => Ok(Type::ListInt),
            _ if text && self.csv_list.is_some_and(|(piped, _)| piped) => Ok(Type::ListString),
            _ if text && self.all_dates => Ok(Type::Date),
            _ if text && self.all_timestamps => Ok(Type::Timestamp),
            (Ok(Type::String), Some(values)) if repeats(values.len()) => {
                Ok(Type::Enum(values.into_iter().collect()))
            }
            (ty, _) => ty,
        };
        // an empty CSV cell is an empty list, not a missing one
        let list = matches!(ty, Ok(Type::ListString | Type::ListInt));
        ColumnProfile {
            name: name.to_owned(),
            unique: unique && matches!(ty, Ok(Type::String | Type::Int)),
            ty,
            missing: if list { 0 } else { self.missing },
        }
    }
}
