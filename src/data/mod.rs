//! Data files in and out: Parquet, CSV, Arrow IPC and JSON lines.
//!
//! Reading normalises every compatible Arrow type to one canonical type per
//! segmint type ([`coerce`]), so the engine sees only:
//!
//! | segmint type        | canonical Arrow type                                   |
//! |---------------------|--------------------------------------------------------|
//! | `bool`              | `Boolean`                                              |
//! | `int`               | `Int64`                                                |
//! | `float`             | `Float64`                                              |
//! | `string`, `enum`    | `Utf8`, or `Dictionary(Int32, Utf8)` when the file has dictionaries |
//! | `date`              | `Date32`                                               |
//! | `timestamp`         | `Timestamp(Microsecond, None)`, meaning UTC            |
//! | `list<string>`      | `List(Utf8)`                                           |
//! | `list<int>`         | `List(Int64)`                                          |
//!
//! A file that does not fit the schema fails in [`DataFile::open`], before any work.
//! Writers write to a temporary file and rename it, so outputs appear whole or not at all.

use std::path::Path;

mod coerce;
mod error;
pub mod infer;
pub mod keys;
mod read;
pub mod sample;
mod text;
mod write;

pub use coerce::canonical_type;
pub use error::DataError;
pub use keys::Duplicates;
pub use read::DataFile;
pub use read::input::Compressed;
pub use write::{OutputWriter, ParquetCompression, ParquetOptions, write_whole};

/// The file formats, chosen by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.parquet`
    Parquet,
    /// `.csv`
    Csv,
    /// `.arrow`, `.ipc`, `.feather` (file or stream format)
    Arrow,
    /// `.jsonl`, `.ndjson`
    JsonLines,
}

impl Format {
    /// The format for a path's extension, if it is one we know.
    /// A `.gz` or `.zst` after it is the compression of a text input
    /// (`customers.csv.gz` is CSV).
    pub fn from_path(path: &Path) -> Option<Format> {
        let path = match Compressed::of(path) {
            Some(_) => Path::new(path.file_stem()?),
            None => path,
        };
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" => Some(Format::Parquet),
            "csv" => Some(Format::Csv),
            "arrow" | "ipc" | "feather" => Some(Format::Arrow),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            _ => None,
        }
    }

    /// The accepted extensions, for messages.
    pub const EXTENSIONS_LIST: &'static str = ".parquet, .csv, .arrow, .ipc, .feather, .jsonl, .ndjson (.csv and .jsonl also with .gz or .zst)";

    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "Parquet",
            Format::Csv => "CSV",
            Format::Arrow => "Arrow IPC",
            Format::JsonLines => "JSON lines",
        }
    }
}

/// Rows per batch when reading and generating: big enough to amortise per-batch
/// work, small enough that memory does not grow with the file.
pub const BATCH_ROWS: usize = 64 * 1024;

/// A stream of record batches, already normalised to the canonical types.
pub type BatchIter<'a> =
    Box<dyn Iterator<Item = Result<arrow::record_batch::RecordBatch, DataError>> + Send + 'a>;

/// Something that can be read (and read again: population statistics need a first
/// pass) as canonical record batches holding just the requested columns.
pub trait BatchSource: Sync {
    /// Batches with exactly `columns`, in that order, of canonical types
    /// (see the table above). Each call starts from the first row.
    fn batches(&self, columns: &[crate::check::ir::FieldId]) -> Result<BatchIter<'_>, DataError>;

    /// The number of rows, when known without reading (for progress bars).
    fn row_count(&self) -> Option<u64> {
        None
    }
}
