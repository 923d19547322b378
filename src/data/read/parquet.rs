//! Parquet: metadata once at open, then row groups streamed batch by batch,
//! reading only the requested columns.
//!
//! String columns whose pages are all dictionary-encoded are read as
//! `Dictionary(Int32, Utf8)` (through a schema hint), so evaluation compares a
//! column's few distinct values instead of every row. Memory stays bounded by the
//! batch size, whatever the number of rows.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema as ArrowSchema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::Encoding;
use parquet::file::metadata::ParquetMetaData;

use super::{Column, RawBatches, match_columns, pick, projection, read_error};
use crate::check::ir::Type;
use crate::data::{BATCH_ROWS, DataError, coerce};

/// An open Parquet file: its metadata (with dictionary hints) and where each
/// schema field's column is.
pub(crate) struct ParquetSource {
    metadata: ArrowReaderMetadata,
}

impl ParquetSource {
    /// Reads the footer and checks the columns against the schema.
    pub(crate) fn open(path: &Path, columns: &[Column]) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|e| read_error(path, e))?;
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| corrupt(path, e))?;
        let schema = metadata.schema();
        let file_columns: Vec<(String, DataType)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect();
        let file_index = match_columns(path, &file_columns, columns, coerce::accepts)?;
        let metadata = with_dictionary_hints(metadata, columns, &file_index);
        Ok(ParquetSource { metadata })
    }

    /// Rows in the file, from the footer.
    pub(crate) fn row_count(&self) -> u64 {
        let rows = self.metadata.metadata().file_metadata().num_rows();
        u64::try_from(rows).unwrap_or_default()
    }

    /// Streams the wanted columns, in the order asked for.
    pub(crate) fn batches<'a>(
        &'a self,
        path: &'a Path,
        wanted: &[&Column],
    ) -> Result<RawBatches<'a>, DataError> {
        let indices = self.indices(wanted);
        let (roots, positions) = projection(&indices);
        let file = File::open(path).map_err(|e| read_error(path, e))?;
        let mask = ProjectionMask::roots(self.metadata.parquet_schema(), roots);
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| corrupt(path, e))?;
        Ok(Box::new(reader.map(move |batch| {
            let batch = batch.map_err(|e| corrupt(path, e))?;
            Ok((pick(&batch, &positions), batch.num_rows()))
        })))
    }

    fn indices(&self, wanted: &[&Column]) -> Vec<usize> {
        let schema = self.metadata.schema();
        wanted
            .iter()
            .filter_map(|c| schema.fields().iter().position(|f| *f.name() == c.name))
            .collect()
    }
}

/// Asks for `Dictionary(Int32, Utf8)` on every string/enum column that is
/// dictionary-encoded in every row group. Leaves the metadata as it was if the
/// hint is refused.
fn with_dictionary_hints(
    metadata: ArrowReaderMetadata,
    columns: &[Column],
    file_index: &[usize],
) -> ArrowReaderMetadata {
    let schema = metadata.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut changed = false;
    for (column, &index) in columns.iter().zip(file_index) {
        let is_string = matches!(column.ty, Type::String | Type::Enum(_));
        let Some(field) = fields.get_mut(index) else {
            continue;
        };
        let plain = matches!(
            field.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        );
        if is_string && plain && all_dictionary_encoded(metadata.metadata(), index) {
            *field = field.clone().with_data_type(coerce::string_dictionary());
            changed = true;
        }
    }
    if !changed {
        return metadata;
    }
    let hint = Arc::new(ArrowSchema::new_with_metadata(
        fields,
        schema.metadata().clone(),
    ));
    let options = ArrowReaderOptions::new().with_schema(hint);
    ArrowReaderMetadata::try_new(Arc::clone(metadata.metadata()), options).unwrap_or(metadata)
}

/// Whether the leaf of top-level column `root` has only dictionary-encoded data
/// pages in every row group (the test the parquet crate documents).
fn all_dictionary_encoded(metadata: &ParquetMetaData, root: usize) -> bool {
    let descr = metadata.file_metadata().schema_descr();
    let leaves: Vec<usize> = (0..descr.num_columns())
        .filter(|&leaf| descr.get_column_root_idx(leaf) == root)
        .collect();
    let [leaf] = leaves.as_slice() else {
        return false;
    };
    metadata.num_row_groups() > 0
        && metadata.row_groups().iter().all(|rg| {
            let chunk = rg.column(*leaf);
            chunk.dictionary_page_offset().is_some()
                && chunk.page_encoding_stats_mask().is_some_and(|mask| {
                    mask.is_only(Encoding::PLAIN_DICTIONARY)
                        || mask.is_only(Encoding::RLE_DICTIONARY)
                })
        })
}

fn corrupt(path: &Path, e: impl std::fmt::Display) -> DataError {
    DataError::Corrupt {
        path: path.to_path_buf(),
        format: "Parquet",
        reason: e
            .to_string()
            .trim_start_matches("Parquet error: ")
            .to_owned(),
    }
}
