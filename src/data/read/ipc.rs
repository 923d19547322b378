//! Arrow IPC: the file format (`.arrow`), or the stream format when the file has
//! no IPC footer. Both read only the requested columns.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use arrow::datatypes::{DataType, SchemaRef};
use arrow::error::ArrowError;
use arrow::ipc::reader::{FileReaderBuilder, StreamReader};
use arrow::record_batch::RecordBatch;

use super::{Column, RawBatches, match_columns, pick, projection, read_error};
use crate::data::{DataError, coerce};

/// Which of the two IPC layouts the file uses.
#[derive(Clone, Copy)]
enum Layout {
    File,
    Stream,
}

/// An open Arrow IPC file.
pub(crate) struct IpcSource {
    layout: Layout,
    schema: SchemaRef,
}

impl IpcSource {
    /// Reads the schema (trying the file format, then the stream format) and
    /// checks the columns.
    pub(crate) fn open(path: &Path, columns: &[Column]) -> Result<Self, DataError> {
        let (layout, schema) = match FileReaderBuilder::new().build(open(path)?) {
            Ok(reader) => (Layout::File, reader.schema()),
            Err(file_error) => match StreamReader::try_new(open_buffered(path)?, None) {
                Ok(reader) => (Layout::Stream, reader.schema()),
                Err(_) => return Err(corrupt(path, file_error)),
            },
        };
        let file_columns: Vec<(String, DataType)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect();
        match_columns(path, &file_columns, columns, coerce::accepts)?;
        Ok(IpcSource { layout, schema })
    }

    /// Streams the wanted columns, in the order asked for.
    pub(crate) fn batches<'a>(
        &'a self,
        path: &'a Path,
        wanted: &[&Column],
    ) -> Result<RawBatches<'a>, DataError> {
        let indices: Vec<usize> = wanted
            .iter()
            .filter_map(|c| {
                self.schema
                    .fields()
                    .iter()
                    .position(|f| *f.name() == c.name)
            })
            .collect();
        let (roots, positions) = projection(&indices);
        let batches: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send> =
            match self.layout {
                Layout::File => Box::new(
                    FileReaderBuilder::new()
                        .with_projection(roots)
                        .build(open(path)?)
                        .map_err(|e| corrupt(path, e))?,
                ),
                Layout::Stream => Box::new(
                    StreamReader::try_new(open_buffered(path)?, Some(roots))
                        .map_err(|e| corrupt(path, e))?,
                ),
            };
        Ok(Box::new(batches.map(move |batch| {
            let batch = batch.map_err(|e| corrupt(path, e))?;
            Ok((pick(&batch, &positions), batch.num_rows()))
        })))
    }
}

fn open(path: &Path) -> Result<File, DataError> {
    File::open(path).map_err(|e| read_error(path, e))
}

fn open_buffered(path: &Path) -> Result<BufReader<File>, DataError> {
    open(path).map(BufReader::new)
}

fn corrupt(path: &Path, e: ArrowError) -> DataError {
    let reason = match e {
        ArrowError::ParseError(m)
        | ArrowError::IpcError(m)
        | ArrowError::InvalidArgumentError(m) => m,
        other => other.to_string(),
    };
    DataError::Corrupt {
        path: path.to_path_buf(),
        format: "Arrow IPC",
        reason,
    }
}
