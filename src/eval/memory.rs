//! [`MemorySource`]: a [`BatchSource`] over columns held in memory, sliced into
//! batches of a chosen size (tests use small sizes to cover multi-batch runs).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{Field, Schema};

use crate::check::ir::FieldId;
use crate::data::{BatchIter, BatchSource, DataError};

/// Whole canonical columns, by field, served in batches of `batch_size` rows.
#[derive(Clone, Debug)]
pub struct MemorySource {
    columns: HashMap<FieldId, ArrayRef>,
    rows: usize,
    batch_size: usize,
}

impl MemorySource {
    /// An empty table of `rows` rows, served `batch_size` rows at a time (at least 1).
    pub fn new(rows: usize, batch_size: usize) -> MemorySource {
        MemorySource {
            columns: HashMap::new(),
            rows,
            batch_size: batch_size.max(1),
        }
    }

    /// Adds (or replaces) a field's column; it must have `rows` entries.
    pub fn with_column(mut self, field: FieldId, column: ArrayRef) -> MemorySource {
        self.columns.insert(field, column);
        self
    }

    /// The same data, served in batches of another size.
    pub fn with_batch_size(mut self, batch_size: usize) -> MemorySource {
        self.batch_size = batch_size.max(1);
        self
    }

    fn batch(
        &self,
        columns: &[ArrayRef],
        offset: usize,
        len: usize,
    ) -> Result<RecordBatch, DataError> {
        let fields: Vec<Field> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true))
            .collect();
        let sliced = columns.iter().map(|c| c.slice(offset, len)).collect();
        let options = RecordBatchOptions::new().with_row_count(Some(len));
        RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), sliced, &options).map_err(
            |e| DataError::Corrupt {
                path: PathBuf::from("<memory>"),
                format: "in-memory",
                reason: e.to_string(),
            },
        )
    }
}

impl BatchSource for MemorySource {
    fn batches(&self, columns: &[FieldId]) -> Result<BatchIter<'_>, DataError> {
        let mut arrays = Vec::with_capacity(columns.len());
        for field in columns {
            match self.columns.get(field) {
                Some(array) if array.len() == self.rows => arrays.push(Arc::clone(array)),
                _ => {
                    return Err(DataError::MissingColumn {
                        path: PathBuf::from("<memory>"),
                        column: format!("field #{}", field.0),
                        schema_type: String::new(),
                        available: Vec::new(),
                    });
                }
            }
        }
        let starts = (0..self.rows).step_by(self.batch_size);
        let batches = starts.map(move |offset| {
            let len = self.batch_size.min(self.rows - offset);
            self.batch(&arrays, offset, len)
        });
        Ok(Box::new(batches))
    }

    fn row_count(&self) -> Option<u64> {
        Some(self.rows as u64)
    }
}
