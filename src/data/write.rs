//! Writing outputs: record batches in, a CSV, Parquet (zstd by default), Arrow IPC
//! file or JSON lines file out, chosen by extension; or the same bytes handed back
//! for standard output ([`OutputWriter::to_stream`], Arrow as the IPC stream format).
//!
//! A file goes to a securely created temporary file next to the output (the
//! `tempfile` crate), renamed over it by [`OutputWriter::finish`]. On an error, or
//! when the writer is dropped without `finish`, the temporary file is removed: an
//! output appears whole or not at all. Zero rows still give a valid file (a header
//! row for CSV, an empty file for JSON lines).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::ipc::writer::{FileWriter, StreamWriter};
use arrow::json::LineDelimitedWriter;
use arrow::record_batch::RecordBatch;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use tempfile::NamedTempFile;

use super::{DataError, Format, text};

mod bool_chunk;
mod page_codec;
mod parquet_output;

use parquet_output::ParquetOutput;

/// Timestamps are UTC instants: written with a `Z` (zones are dropped first,
/// see [`text_ready`]).
const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.fZ";

/// The compression of Parquet outputs (`--compression`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParquetCompression {
    /// zstd at its default level: small files (the default).
    #[default]
    Zstd,
    /// snappy: what most tools write; cheaper to produce, larger.
    Snappy,
    /// lz4 (the raw LZ4 codec of current Parquet).
    Lz4,
    /// No compression.
    None,
}

impl ParquetCompression {
    /// The names `--compression` takes.
    pub const NAMES: [&'static str; 4] = ["zstd", "snappy", "lz4", "none"];

    /// The value for one of [`ParquetCompression::NAMES`].
    pub fn from_name(name: &str) -> Option<ParquetCompression> {
        match name {
            "zstd" => Some(ParquetCompression::Zstd),
            "snappy" => Some(ParquetCompression::Snappy),
            "lz4" => Some(ParquetCompression::Lz4),
            "none" => Some(ParquetCompression::None),
            _ => None,
        }
    }

    fn codec(self) -> Compression {
        match self {
            ParquetCompression::Zstd => Compression::ZSTD(ZstdLevel::default()),
            ParquetCompression::Snappy => Compression::SNAPPY,
            ParquetCompression::Lz4 => Compression::LZ4_RAW,
            ParquetCompression::None => Compression::UNCOMPRESSED,
        }
    }
}

/// How a Parquet output is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParquetOptions {
    /// The codec of every page.
    pub compression: ParquetCompression,
    /// The first column is the customer key, one value per row (checked by the
    /// caller): it is not dictionary-encoded, which for unique values only costs
    /// (arrow-rs interns each value until the dictionary outgrows its page).
    pub key_first: bool,
}

/// What an output is written to.
type Sink = Box<dyn Write + Send>;

/// An output being written; see the module docs for the guarantees.
pub struct OutputWriter {
    encoder: Option<Encoder>,
    /// The temporary file (`None` for a stream).
    temp: Option<NamedTempFile>,
    /// The bytes written to a stream and not yet taken.
    stream: Option<SharedBuffer>,
    path: PathBuf,
    format: Format,
    schema: SchemaRef,
    wrote_batch: bool,
}

/// The format-specific writer.
enum Encoder {
    Csv(arrow::csv::Writer<BufWriter<Sink>>),
    Parquet(Box<ParquetOutput>),
    Arrow(FileWriter<BufWriter<Sink>>),
    ArrowStream(StreamWriter<BufWriter<Sink>>),
    JsonLines(LineDelimitedWriter<BufWriter<Sink>>),
}

/// A byte buffer the encoder writes into and the caller drains to standard output.
#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    fn take(&self) -> Vec<u8> {
        match self.0.lock() {
            Ok(mut bytes) => std::mem::take(&mut *bytes),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut bytes) => bytes.extend_from_slice(buf),
            Err(poisoned) => poisoned.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl OutputWriter {
    /// Starts writing `path` (format by extension) with batches of `schema`.
    /// Fails if the extension is unknown or the folder does not exist.
    pub fn create(path: &Path, schema: SchemaRef) -> Result<OutputWriter, DataError> {
        OutputWriter::create_with(path, schema, ParquetOptions::default())
    }

    /// [`OutputWriter::create`] with the options of a Parquet output.
    pub fn create_with(
        path: &Path,
        schema: SchemaRef,
        options: ParquetOptions,
    ) -> Result<OutputWriter, DataError> {
        let format = Format::from_path(path).ok_or_else(|| DataError::UnknownFormat {
            path: path.to_path_buf(),
        })?;
        if super::read::input::Compressed::of(path).is_some() {
            return Err(DataError::Write {
                path: path.to_path_buf(),
                format: format.name(),
                reason: "compressed text outputs are not written; write .parquet (see --compression) or compress the file afterwards".into(),
            });
        }
        let temp = temp_file_for(path)?;
        let file = temp.reopen().map_err(|e| write_io(path, e))?;
        let mut writer = OutputWriter {
            encoder: None,
            temp: Some(temp),
            stream: None,
            path: path.to_path_buf(),
            format,
            schema: Arc::clone(&schema),
            wrote_batch: false,
        };
        let encoder = writer.encoder_for(Box::new(file), &schema, options)?;
        writer.encoder = Some(encoder);
        Ok(writer)
    }

    /// An output whose bytes are handed back by [`OutputWriter::take_bytes`] and
    /// [`OutputWriter::finish`] (for standard output); `name` is shown in messages.
    pub fn to_stream(
        name: &Path,
        format: Format,
        schema: SchemaRef,
        options: ParquetOptions,
    ) -> Result<OutputWriter, DataError> {
        let buffer = SharedBuffer::default();
        let mut writer = OutputWriter {
            encoder: None,
            temp: None,
            stream: Some(buffer.clone()),
            path: name.to_path_buf(),
            format,
            schema: Arc::clone(&schema),
            wrote_batch: false,
        };
        let encoder = writer.encoder_for(Box::new(buffer), &schema, options)?;
        writer.encoder = Some(encoder);
        Ok(writer)
    }

    /// The bytes of a stream output written so far and not yet taken (empty for a
    /// file).
    pub fn take_bytes(&mut self) -> Vec<u8> {
        self.stream
            .as_ref()
            .map(SharedBuffer::take)
            .unwrap_or_default()
    }

    fn encoder_for(
        &self,
        file: Sink,
        schema: &SchemaRef,
        options: ParquetOptions,
    ) -> Result<Encoder, DataError> {
        let encoder = match self.format {
            Format::Csv => Encoder::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .with_timestamp_format(TIMESTAMP_FORMAT.into())
                    .build(BufWriter::new(file)),
            ),
            Format::Parquet => {
                let metadata: Vec<KeyValue> = schema
                    .metadata()
                    .iter()
                    .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                    .collect();
                let mut props = WriterProperties::builder()
                    .set_compression(options.compression.codec())
                    .set_key_value_metadata((!metadata.is_empty()).then_some(metadata));
                if let (true, Some(key)) = (options.key_first, schema.fields().first()) {
                    props = props.set_column_dictionary_enabled(
                        ColumnPath::from(key.name().as_str()),
                        false,
                    );
                }
                let props = props.build();
                let writer = ParquetOutput::try_new(file, Arc::clone(schema), props)
                    .map_err(|e| self.encode_error(e))?;
                Encoder::Parquet(Box::new(writer))
            }
            Format::Arrow if self.stream.is_some() => Encoder::ArrowStream(
                StreamWriter::try_new(BufWriter::new(file), &without_dictionaries(schema))
                    .map_err(|e| self.encode_error(e))?,
            ),
            Format::Arrow => Encoder::Arrow(
                FileWriter::try_new(BufWriter::new(file), &without_dictionaries(schema))
                    .map_err(|e| self.encode_error(e))?,
            ),
            Format::JsonLines => Encoder::JsonLines(
                arrow::json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .with_timestamp_format(TIMESTAMP_FORMAT.into())
                    .build(BufWriter::new(file)),
            ),
        };
        Ok(encoder)
    }

    /// Appends a batch. After an error the output is abandoned (the temporary file
    /// is removed) and further calls fail.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), DataError> {
        let result = self.write_inner(batch);
        if result.is_err() {
            self.encoder = None;
            self.temp = None;
        }
        result
    }

    fn write_inner(&mut self, batch: &RecordBatch) -> Result<(), DataError> {
        let format = self.format;
        if !same_columns(&batch.schema(), &self.schema) {
            return Err(DataError::Write {
                path: self.path.clone(),
                format: format.name(),
                reason: "a batch's columns differ from the output's columns".into(),
            });
        }
        // batches carry the output's columns; the output's metadata (the as-of
        // date) is the writer's
        let with_metadata = batch.clone().with_schema(Arc::clone(&self.schema));
        let batch = with_metadata.as_ref().unwrap_or(batch);
        let Some(encoder) = self.encoder.as_mut() else {
            return Err(self.abandoned());
        };
        let result = match encoder {
            Encoder::Csv(w) => text_ready(batch, true).and_then(|b| w.write(&b)),
            Encoder::Parquet(w) => w
                .write(batch)
                .map_err(|e| ArrowError::ExternalError(Box::new(e))),
            Encoder::Arrow(w) => unpack_dictionaries(batch).and_then(|b| w.write(&b)),
            Encoder::ArrowStream(w) => unpack_dictionaries(batch).and_then(|b| w.write(&b)),
            Encoder::JsonLines(w) => text_ready(batch, false).and_then(|b| w.write(&b)),
        };
        self.wrote_batch = true;
        result.map_err(|e| encode_error(&self.path, format, e))
    }

    /// Completes the file and moves it into place; gives the last bytes of a
    /// stream output (nothing for a file).
    pub fn finish(mut self) -> Result<Vec<u8>, DataError> {
        let result = self.finish_inner();
        if result.is_err() {
            self.encoder = None;
            self.temp = None;
        }
        result.map(|()| self.take_bytes())
    }

    fn finish_inner(&mut self) -> Result<(), DataError> {
        if !self.wrote_batch && self.format == Format::Csv {
            // The CSV writer writes its header with the first batch.
            self.write_inner(&RecordBatch::new_empty(Arc::clone(&self.schema)))?;
        }
        let Some(encoder) = self.encoder.take() else {
            return Err(self.abandoned());
        };
        let path = self.path.clone();
        let format = self.format;
        let fail = |e: ArrowError| encode_error(&path, format, e);
        let flushed = match encoder {
            Encoder::Csv(w) => w.into_inner().flush(),
            Encoder::Parquet(w) => {
                w.close()
                    .map_err(|e| fail(ArrowError::ExternalError(Box::new(e))))?;
                Ok(())
            }
            Encoder::Arrow(mut w) => {
                w.finish().map_err(fail)?;
                w.into_inner().map_err(fail)?.flush()
            }
            Encoder::ArrowStream(mut w) => {
                w.finish().map_err(fail)?;
                w.into_inner().map_err(fail)?.flush()
            }
            Encoder::JsonLines(mut w) => {
                w.finish().map_err(fail)?;
                w.into_inner().flush()
            }
        };
        flushed.map_err(|e| write_io(&self.path, e))?;
        if let Some(temp) = self.temp.take() {
            temp.persist(&self.path)
                .map_err(|e| write_io(&self.path, e.error))?;
        }
        Ok(())
    }

    fn abandoned(&self) -> DataError {
        DataError::Write {
            path: self.path.clone(),
            format: self.format.name(),
            reason: "an earlier error abandoned this output".into(),
        }
    }

    fn encode_error(&self, e: impl std::error::Error + Send + Sync + 'static) -> DataError {
        encode_error(
            &self.path,
            self.format,
            ArrowError::ExternalError(Box::new(e)),
        )
    }
}

fn encode_error(path: &Path, format: Format, e: ArrowError) -> DataError {
    let reason = match e {
        ArrowError::ExternalError(inner) => inner.to_string(),
        ArrowError::CsvError(m)
        | ArrowError::JsonError(m)
        | ArrowError::InvalidArgumentError(m) => m,
        other => other.to_string(),
    };
    DataError::Write {
        path: path.to_path_buf(),
        format: format.name(),
        reason,
    }
}

fn write_io(path: &Path, source: std::io::Error) -> DataError {
    DataError::Io {
        path: path.to_path_buf(),
        action: "cannot write the file",
        source,
    }
}

/// The IPC file format allows one dictionary per column for the whole file, but
/// batches (from CSV, or from different row groups) may each have their own: the
/// `.arrow` output stores plain strings instead.
fn without_dictionaries(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Dictionary(_, value) => f.as_ref().clone().with_data_type(*value.clone()),
            _ => f.as_ref().clone(),
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

/// The batch with dictionary columns cast to their value type.
fn unpack_dictionaries(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let schema = without_dictionaries(&batch.schema());
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| cast(c, f.data_type()))
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new_with_options(
        Arc::new(schema),
        columns,
        &arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
}

/// Same column names and types (nullability aside).
fn same_columns(a: &Schema, b: &Schema) -> bool {
    a.fields().len() == b.fields().len()
        && a.fields()
            .iter()
            .zip(b.fields())
            .all(|(x, y)| x.name() == y.name() && x.data_type() == y.data_type())
}

/// Prepares a batch for a text format. Timestamps lose their zone (the values are
/// UTC instants whatever the zone says, and are written with `Z`). For CSV,
/// which cannot hold nested values, lists become `a|b|c` (the convention the CSV
/// reader reads back) and dictionaries plain strings.
fn text_ready(batch: &RecordBatch, csv: bool) -> Result<RecordBatch, ArrowError> {
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let column = match column.data_type() {
            DataType::Timestamp(_, Some(_)) => without_zone(column),
            DataType::List(_) | DataType::LargeList(_) if csv => join_list(column)?,
            DataType::Dictionary(_, _) if csv => cast(column, &DataType::Utf8)?,
            _ => Arc::clone(column),
        };
        fields.push(Field::new(field.name(), column.data_type().clone(), true));
        columns.push(column);
    }
    RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
}

/// The same instants without a zone (no shifting: Arrow stores UTC).
fn without_zone(column: &ArrayRef) -> ArrayRef {
    use arrow::datatypes::{
        TimeUnit, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    let none = None::<Arc<str>>;
    match column.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => Arc::new(
            column
                .as_primitive::<TimestampSecondType>()
                .clone()
                .with_timezone_opt(none),
        ),
        DataType::Timestamp(TimeUnit::Millisecond, _) => Arc::new(
            column
                .as_primitive::<TimestampMillisecondType>()
                .clone()
                .with_timezone_opt(none),
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => Arc::new(
            column
                .as_primitive::<TimestampMicrosecondType>()
                .clone()
                .with_timezone_opt(none),
        ),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => Arc::new(
            column
                .as_primitive::<TimestampNanosecondType>()
                .clone()
                .with_timezone_opt(none),
        ),
        _ => Arc::clone(column),
    }
}

/// Joins each list's items with `|` (items are cast to strings first).
fn join_list(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let as_list = cast(
        column,
        &DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
    )?;
    let list = as_list.as_list::<i32>();
    let mut out = StringBuilder::new();
    let mut cell = String::new();
    for row in 0..list.len() {
        if list.is_null(row) {
            out.append_null();
            continue;
        }
        cell.clear();
        let items = list.value(row);
        for (i, item) in items.as_string::<i32>().iter().enumerate() {
            if i > 0 {
                cell.push(text::LIST_SEPARATOR);
            }
            cell.push_str(item.unwrap_or_default());
        }
        out.append_value(&cell);
    }
    Ok(Arc::new(out.finish()))
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file in the
/// same folder, renamed over `path` once complete (reports, charts).
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    let mut temp = temp_file_for(path)?;
    temp.write_all(bytes).map_err(|e| write_io(path, e))?;
    temp.persist(path).map_err(|e| write_io(path, e.error))?;
    Ok(())
}

/// A securely created temporary file `.<name>.XXXXXX.tmp` in the output's folder
/// (same file system, so the rename is atomic), removed on drop.
fn temp_file_for(path: &Path) -> Result<NamedTempFile, DataError> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(DataError::OutputFolderMissing {
            path: path.to_path_buf(),
            folder,
        });
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&folder)
        .map_err(|e| write_io(path, e))
}
