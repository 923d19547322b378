//! Reading a customer table: a path and an `ir::Schema` in, canonical batches out.
//!
//! [`DataFile::open`] picks the format by extension and checks, before any work,
//! that every schema field has a column of a compatible type (errors name the file,
//! the column and both types). [`DataFile`] then serves batches of just the columns
//! asked for, normalised by `coerce`, as often as asked (population statistics read
//! twice). Each format lives in its own file and hands back raw columns; this module
//! normalises them and keeps the per-column warnings.

mod csv;
pub mod input;
mod ipc;
mod json;
mod json_record;
mod many;
mod parquet;
pub mod stdin;
mod warnings;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::{DataType, Field, Schema as ArrowSchema};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};

use super::keys::{Duplicates, FirstRowWins};
use super::{BatchIter, BatchSource, DataError, Format, coerce};
use crate::check::ir::{self, FieldId};
use warnings::{ColumnTally, Warnings};

/// One schema field as the readers need it.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    /// Name in the file.
    pub name: String,
    /// Its segmint type.
    pub ty: ir::Type,
    /// Whether missing values are expected.
    pub nullable: bool,
}

/// Raw columns of one batch, in the order asked for, plus the row count (which a
/// batch of zero columns cannot carry itself).
pub(crate) type RawBatch = (Vec<ArrayRef>, usize);

/// What each format's reader yields.
pub(crate) type RawBatches<'a> = Box<dyn Iterator<Item = Result<RawBatch, DataError>> + Send + 'a>;

/// The format-specific part of an open file.
enum Reader {
    Parquet(parquet::ParquetSource),
    Csv(csv::CsvSource),
    Arrow(ipc::IpcSource),
    JsonLines(json::JsonSource),
    /// A folder or glob of files ([`many`]).
    Many(Vec<many::Part>),
}

/// An input data file checked against a schema; a [`BatchSource`].
pub struct DataFile {
    /// The file read (a temporary copy for standard input).
    source: PathBuf,
    columns: Vec<Column>,
    /// The key field, when a row without a key is an error (see
    /// [`DataError::MissingKey`]): always for a customer table, never for an
    /// event table (an event without a key is left out and counted).
    key: Option<FieldId>,
    reader: Reader,
    warnings: Mutex<Warnings>,
    /// The as-of date dates and timestamps are checked against, if any.
    as_of: Option<NaiveDate>,
    /// Duplicated keys whose later rows every pass leaves out
    /// ([`DataFile::keep_first_rows`]).
    first_wins: Option<Arc<Duplicates>>,
    /// The name in messages: `path`, or `standard input` for `-`.
    shown: PathBuf,
    /// The copy of standard input that `path` is (`--data -`).
    spool: Option<stdin::Spool>,
}

impl DataFile {
    /// Opens `path` (format by extension) and checks that every field of `schema`
    /// has a compatible column. Reads metadata (Parquet, Arrow), the header (CSV)
    /// or the first 1,000 lines (JSON lines); no data is decoded yet.
    /// `-` is standard input ([`stdin`]).
    pub fn open(path: &Path, schema: &ir::Schema) -> Result<DataFile, DataError> {
        if path.as_os_str() == "-" {
            return DataFile::open_stdin(schema);
        }
        if many::is_many(path) {
            let parts = many::open(path, schema)?;
            return Ok(DataFile::with_reader(path, schema, Reader::Many(parts)));
        }
        let format = Format::from_path(path).ok_or_else(|| DataError::UnknownFormat {
            path: path.to_path_buf(),
        })?;
        check_is_file(path)?;
        if input::Compressed::of(path).is_some()
            && matches!(format, Format::Parquet | Format::Arrow)
        {
            return Err(DataError::Corrupt {
                path: path.to_path_buf(),
                format: format.name(),
                reason: "a compressed Parquet or Arrow file is not read; these formats compress inside the file".into(),
            });
        }
        let columns = columns_of(schema);
        let reader = match format {
            Format::Parquet => Reader::Parquet(parquet::ParquetSource::open(path, &columns)?),
            Format::Csv => Reader::Csv(csv::CsvSource::open(path, &columns)?),
            Format::Arrow => Reader::Arrow(ipc::IpcSource::open(path, &columns)?),
            Format::JsonLines => Reader::JsonLines(json::JsonSource::open(path, &columns)?),
        };
        Ok(DataFile::with_reader(path, schema, reader))
    }

    fn with_reader(path: &Path, schema: &ir::Schema, reader: Reader) -> DataFile {
        DataFile {
            source: path.to_path_buf(),
            columns: columns_of(schema),
            key: Some(schema.key),
            reader,
            warnings: Mutex::new(Warnings::default()),
            as_of: None,
            first_wins: None,
            shown: path.to_path_buf(),
            spool: None,
        }
    }

    fn open_stdin(schema: &ir::Schema) -> Result<DataFile, DataError> {
        let spool = stdin::spool()?;
        let shown = Path::new(stdin::SHOWN);
        let mut file =
            DataFile::open(&spool.file, schema).map_err(|e| e.renamed(&spool.file, shown))?;
        file.shown = shown.to_path_buf();
        file.spool = Some(spool);
        Ok(file)
    }

    /// [`DataFile::open`] for an event table ([`ir::Program::event_schema`]):
    /// rows without a key are allowed (the engine leaves them out and counts them).
    pub fn open_events(path: &Path, schema: &ir::Schema) -> Result<DataFile, DataError> {
        let mut file = DataFile::open(path, schema)?;
        file.key = None;
        Ok(file)
    }

    /// Rows without a key are no longer an error (an audit counts them instead).
    pub fn allow_missing_keys(&mut self) {
        self.key = None;
    }

    /// Warns (see [`DataFile::warnings`]) about date and timestamp values after
    /// `as_of` in the columns read: a customer table is a snapshot, and one newer
    /// than the as-of date mixes two dates. Not for event tables, whose later
    /// events are simply invisible.
    pub fn check_as_of(&mut self, as_of: NaiveDate) {
        self.as_of = Some(as_of);
    }

    /// From now on, every pass keeps only the first row of each key in
    /// `duplicates` (`--allow-duplicate-keys`): population statistics, counts and
    /// outputs all see each customer once. The key column is read for it.
    pub fn keep_first_rows(&mut self, duplicates: Duplicates) {
        if !duplicates.is_empty() {
            self.first_wins = Some(Arc::new(duplicates));
        }
    }

    /// The file as given to [`DataFile::open`].
    pub fn path(&self) -> &Path {
        &self.shown
    }

    /// Warnings found while reading, one sentence each, in schema order: values
    /// outside an enum, missing values in a field not marked `?`, dates after the
    /// as-of date ([`DataFile::check_as_of`]). A column counts
    /// once its first complete pass is done, however many passes follow.
    pub fn warnings(&self) -> Vec<String> {
        match self.warnings.lock() {
            Ok(w) => w.messages(&self.shown, &self.columns, self.as_of),
            Err(poisoned) => poisoned
                .into_inner()
                .messages(&self.shown, &self.columns, self.as_of),
        }
    }

    /// The name of a schema field's column (empty for an id outside the schema).
    pub fn column_name(&self, id: FieldId) -> &str {
        self.column(id).map_or("", |c| c.name.as_str())
    }

    fn column(&self, id: FieldId) -> Result<&Column, DataError> {
        self.columns
            .get(id.0 as usize)
            .ok_or_else(|| DataError::OutOfRange {
                path: self.source.clone(),
                column: format!("#{}", id.0),
                reason: "is not in the schema".into(),
            })
    }

    fn raw_batches(&self, wanted: &[&Column]) -> Result<RawBatches<'_>, DataError> {
        let path = self.source.as_path();
        match &self.reader {
            Reader::Parquet(source) => source.batches(path, wanted),
            Reader::Csv(source) => source.batches(path, wanted),
            Reader::Arrow(source) => source.batches(path, wanted),
            Reader::JsonLines(source) => source.batches(path, wanted),
            Reader::Many(parts) => many::batches(parts, &self.columns, wanted),
        }
    }
}

impl BatchSource for DataFile {
    fn batches(&self, columns: &[FieldId]) -> Result<BatchIter<'_>, DataError> {
        let batches = match (&self.first_wins, self.key) {
            (Some(duplicates), Some(key)) => self.first_rows(columns, key, duplicates),
            _ => self.normalised(columns),
        };
        if self.spool.is_none() {
            return batches;
        }
        let rename = |e: DataError| e.renamed(&self.source, &self.shown);
        Ok(Box::new(
            batches.map_err(rename)?.map(move |b| b.map_err(rename)),
        ))
    }

    fn row_count(&self) -> Option<u64> {
        match &self.reader {
            Reader::Parquet(source) => Some(source.row_count()),
            Reader::Many(parts) => parts.iter().map(|p| p.row_count()).sum(),
            _ => None,
        }
    }
}

impl DataFile {
    /// [`BatchSource::batches`] without the later rows of duplicated keys: reads
    /// the key too when it is not asked for, and drops it again after filtering.
    fn first_rows(
        &self,
        columns: &[FieldId],
        key: FieldId,
        duplicates: &Duplicates,
    ) -> Result<BatchIter<'_>, DataError> {
        let mut read = columns.to_vec();
        let at = match columns.iter().position(|c| *c == key) {
            Some(at) => at,
            None => {
                read.push(key);
                columns.len()
            }
        };
        let keep: Vec<usize> = (0..columns.len()).collect();
        let mut filter = FirstRowWins::new(duplicates, at);
        let path = self.source.clone();
        Ok(Box::new(self.normalised(&read)?.map(move |batch| {
            let batch = filter.filter(batch?)?;
            batch.project(&keep).map_err(|e| DataError::Corrupt {
                path: path.clone(),
                format: "data",
                reason: e.to_string(),
            })
        })))
    }

    fn normalised(&self, columns: &[FieldId]) -> Result<BatchIter<'_>, DataError> {
        let wanted = columns
            .iter()
            .map(|id| self.column(*id))
            .collect::<Result<Vec<_>, _>>()?;
        let raw = self.raw_batches(&wanted)?;
        Ok(Box::new(Normalised {
            file: self,
            raw,
            fields: columns.to_vec(),
            tallies: vec![ColumnTally::default(); columns.len()],
            rows_before: 0,
            done: false,
        }))
    }
}

/// The iterator behind [`DataFile::batches`]: normalises each raw batch, tallies
/// warnings, and hands the tallies to the file when the pass completes.
struct Normalised<'a> {
    file: &'a DataFile,
    raw: RawBatches<'a>,
    fields: Vec<FieldId>,
    tallies: Vec<ColumnTally>,
    /// Rows in the batches already handed out, to number rows in errors.
    rows_before: u64,
    done: bool,
}

impl Iterator for Normalised<'_> {
    type Item = Result<RecordBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.raw.next() {
            Some(Ok(raw)) => {
                let batch = self.normalise(raw);
                self.done = batch.is_err();
                Some(batch)
            }
            Some(Err(e)) => {
                self.done = true;
                Some(Err(e))
            }
            None => {
                self.done = true;
                self.commit();
                None
            }
        }
    }
}

impl Normalised<'_> {
    fn normalise(&mut self, (arrays, rows): RawBatch) -> Result<RecordBatch, DataError> {
        let mut fields = Vec::with_capacity(arrays.len());
        let mut columns = Vec::with_capacity(arrays.len());
        for ((array, id), tally) in arrays.iter().zip(&self.fields).zip(&mut self.tallies) {
            let column = self.file.column(*id)?;
            let array =
                coerce::normalise(array, &column.ty).map_err(|reason| DataError::OutOfRange {
                    path: self.file.source.clone(),
                    column: column.name.clone(),
                    reason,
                })?;
            if Some(*id) == self.file.key {
                check_key(self.file, self.rows_before, column, array.as_ref())?;
            }
            let as_of = self.file.as_of.map(crate::plan::dates::days_of);
            tally.add(column, array.as_ref(), as_of);
            fields.push(Field::new(&column.name, array.data_type().clone(), true));
            columns.push(array);
        }
        self.rows_before += rows as u64;
        let schema = Arc::new(ArrowSchema::new(fields));
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(schema, columns, &options).map_err(|e| {
            DataError::Corrupt {
                path: self.file.source.clone(),
                format: "data",
                reason: e.to_string(),
            }
        })
    }

    /// Hands the column tallies (values outside an enum, missing values in fields not
    /// marked `?`) to the file's warnings once the whole file has been read.
    fn commit(&mut self) {
        let tallies = std::mem::take(&mut self.tallies);
        let mut warnings = match self.file.warnings.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        for (id, tally) in self.fields.iter().zip(tallies) {
            warnings.commit(*id, tally);
        }
    }
}

/// A missing key is an error naming the first row without one: the key is the
/// customer's identity in every output. (Duplicate keys are found by the commands
/// that read the key, with [`super::keys`].)
fn check_key(
    file: &DataFile,
    rows_before: u64,
    column: &Column,
    array: &dyn Array,
) -> Result<(), DataError> {
    if array.null_count() == 0 {
        return Ok(());
    }
    let first = (0..array.len()).find(|i| array.is_null(*i)).unwrap_or(0);
    Err(DataError::MissingKey {
        path: file.source.clone(),
        row: rows_before + first as u64 + 1,
        column: column.name.clone(),
    })
}

fn columns_of(schema: &ir::Schema) -> Vec<Column> {
    schema
        .fields
        .iter()
        .map(|f| Column {
            name: f.name.clone(),
            ty: f.ty.clone(),
            nullable: f.nullable,
        })
        .collect()
}

/// `NotFound` for a missing path, an I/O error for a folder.
fn check_is_file(path: &Path) -> Result<(), DataError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(read_error(path, std::io::Error::other("it is a folder"))),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(DataError::NotFound {
            path: path.to_path_buf(),
        }),
        Err(source) => Err(read_error(path, source)),
    }
}

/// An I/O error while reading `path`.
pub(crate) fn read_error(path: &Path, source: std::io::Error) -> DataError {
    DataError::Io {
        path: path.to_path_buf(),
        action: "cannot read the file",
        source,
    }
}

/// Matches schema fields to the file's columns by exact name and checks each type
/// with `accepts`. Gives, per schema field, the index of its column in the file.
pub(crate) fn match_columns(
    path: &Path,
    file_columns: &[(String, DataType)],
    schema: &[Column],
    accepts: impl Fn(&ir::Type, &DataType) -> bool,
) -> Result<Vec<usize>, DataError> {
    schema
        .iter()
        .map(|column| {
            let Some(index) = file_columns
                .iter()
                .position(|(name, _)| *name == column.name)
            else {
                return Err(DataError::MissingColumn {
                    path: path.to_path_buf(),
                    column: column.name.clone(),
                    schema_type: column.ty.describe(),
                    available: file_columns.iter().map(|(name, _)| name.clone()).collect(),
                });
            };
            let data_type = file_columns
                .get(index)
                .map(|(_, t)| t)
                .unwrap_or(&DataType::Null);
            if !accepts(&column.ty, data_type) {
                return Err(DataError::TypeMismatch {
                    path: path.to_path_buf(),
                    column: column.name.clone(),
                    data_type: coerce::describe(data_type),
                    schema_type: column.ty.describe(),
                });
            }
            Ok(index)
        })
        .collect()
}

/// The distinct file columns to read, ascending (the order projecting readers give
/// them back in), and for each wanted column its position in that list.
pub(crate) fn projection(indices: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut distinct = indices.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let positions = indices
        .iter()
        .map(|i| distinct.binary_search(i).unwrap_or_default())
        .collect();
    (distinct, positions)
}

/// Picks `positions` out of a projected batch's columns.
pub(crate) fn pick(batch: &RecordBatch, positions: &[usize]) -> Vec<ArrayRef> {
    positions
        .iter()
        .filter_map(|p| batch.columns().get(*p).cloned())
        .collect()
}
