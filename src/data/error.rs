//! [`DataError`]: every way reading or writing a data file can fail, as data.
//!
//! Each variant renders as one sentence that starts with the file involved, so the
//! CLI can print it as is (exit code 2).

use std::path::PathBuf;

/// Why a data file could not be read or written (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The input file does not exist.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// The extension is not one of the accepted formats.
    #[error("{}: unknown data format; the file name must end in one of {}", path.display(), crate::data::Format::EXTENSIONS_LIST)]
    UnknownFormat {
        /// The path as given.
        path: PathBuf,
    },
    /// An operating-system error while opening, reading or writing.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What we were doing (`cannot read the file`, `cannot write the file`).
        action: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid file of its format (corrupt, truncated, wrong content).
    #[error("{}: not a valid {format} file ({reason})", path.display())]
    Corrupt {
        /// The file involved.
        path: PathBuf,
        /// `Parquet`, `CSV`, `Arrow IPC`, `JSON lines`.
        format: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// A schema field has no column in the file.
    #[error("{}: column `{column}` ({schema_type}) is missing; the file has: {}", path.display(), available.join(", "))]
    MissingColumn {
        /// The file involved.
        path: PathBuf,
        /// The schema field's name.
        column: String,
        /// The schema type as written (`int`, `enum("a", "b")`).
        schema_type: String,
        /// The file's columns, in file order.
        available: Vec<String>,
    },
    /// A column's data type cannot hold the schema type without a silent cast.
    #[error("{}: column `{column}` is {data_type} in the data but `{schema_type}` in the schema", path.display())]
    TypeMismatch {
        /// The file involved.
        path: PathBuf,
        /// The column.
        column: String,
        /// The data's type in plain words (`float64`, `timestamp[ms, UTC]`).
        data_type: String,
        /// The schema type as written.
        schema_type: String,
    },
    /// A text value (CSV cell, JSON string) that does not parse as its schema type.
    #[error("{}: line {line}, column `{column}`: {value:?} is not {expected}", path.display())]
    BadValue {
        /// The file involved.
        path: PathBuf,
        /// 1-based line number of the record.
        line: u64,
        /// The column.
        column: String,
        /// The offending text.
        value: String,
        /// What was expected, e.g. `a date (expected YYYY-MM-DD)`.
        expected: String,
    },
    /// A JSON lines value that does not fit its column's type, shown as JSON text.
    #[error("{}: line {line}, column `{column}`: {value} {problem}", path.display())]
    BadJsonValue {
        /// The file involved.
        path: PathBuf,
        /// 1-based line number in the file (blank lines counted).
        line: u64,
        /// The column.
        column: String,
        /// The value as JSON text (`2.5`, `"abc"`), shortened when long.
        value: String,
        /// What is wrong, a clause after the value (`is not an integer`).
        problem: String,
    },
    /// A row without a value in the key column: the key identifies the customer in
    /// every output, so a row without one cannot be reported.
    #[error("{}: row {row} has no value in the key column `{column}`; every row needs a key, since it identifies the customer in every output", path.display())]
    MissingKey {
        /// The file involved.
        path: PathBuf,
        /// 1-based row number (data rows: a CSV header and blank JSON lines do not count).
        row: u64,
        /// The key column.
        column: String,
    },
    /// A value that parses but does not fit (an unsigned integer beyond 64-bit signed).
    #[error("{}: column `{column}` {reason}", path.display())]
    OutOfRange {
        /// The file involved.
        path: PathBuf,
        /// The column.
        column: String,
        /// What went wrong, a clause after the column (`holds a value …`).
        reason: String,
    },
    /// A structural problem at a given line (wrong field count, missing header).
    #[error("{}: line {line}: {reason}", path.display())]
    BadRecord {
        /// The file involved.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The folder an output should go to does not exist.
    #[error("{}: the output folder `{}` does not exist", path.display(), folder.display())]
    OutputFolderMissing {
        /// The output path as given.
        path: PathBuf,
        /// Its parent folder.
        folder: PathBuf,
    },
    /// A customer key on more than one row (the first few named).
    #[error("{}: {duplicates} in the key column `{column}`; each customer must have one row (pass --allow-duplicate-keys to keep the first row of each, or run `segmint audit` for a full report)", path.display())]
    DuplicateKeys {
        /// The file as given.
        path: PathBuf,
        /// The key column.
        column: String,
        /// [`crate::data::Duplicates::describe`].
        duplicates: String,
    },
    /// A folder or pattern (`--data 'exports/*.parquet'`) that gives no data file.
    #[error("{}: {reason}", path.display())]
    NoFiles {
        /// The folder or pattern as given.
        path: PathBuf,
        /// Why (`no data files match`, a bad pattern).
        reason: String,
    },
    /// Keys that cannot be compared (a column type the checker rules out for keys).
    #[error("cannot compare keys: {reason}")]
    KeyColumn {
        /// What went wrong.
        reason: String,
    },
    /// The encoder refused a batch (e.g. a type the format cannot store).
    #[error("{}: cannot write {format}: {reason}", path.display())]
    Write {
        /// The output path as given.
        path: PathBuf,
        /// The output format.
        format: &'static str,
        /// What the encoder said.
        reason: String,
    },
}

impl DataError {
    /// The same error naming `to` where it named `from` (standard input is read
    /// from a temporary copy, but users piped it in).
    pub(crate) fn renamed(mut self, from: &std::path::Path, to: &std::path::Path) -> DataError {
        if let Some(path) = self.path_mut()
            && path == from
        {
            *path = to.to_path_buf();
        }
        self
    }

    fn path_mut(&mut self) -> Option<&mut PathBuf> {
        match self {
            DataError::NotFound { path }
            | DataError::UnknownFormat { path }
            | DataError::Io { path, .. }
            | DataError::Corrupt { path, .. }
            | DataError::MissingColumn { path, .. }
            | DataError::TypeMismatch { path, .. }
            | DataError::BadValue { path, .. }
            | DataError::BadJsonValue { path, .. }
            | DataError::MissingKey { path, .. }
            | DataError::OutOfRange { path, .. }
            | DataError::BadRecord { path, .. }
            | DataError::OutputFolderMissing { path, .. }
            | DataError::DuplicateKeys { path, .. }
            | DataError::NoFiles { path, .. }
            | DataError::Write { path, .. } => Some(path),
            DataError::KeyColumn { .. } => None,
        }
    }
}
