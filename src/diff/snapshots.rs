//! The same rules over two data snapshots (or two as-of dates): the before run's
//! membership is kept in memory, indexed by key; the after run is matched to it
//! batch by batch. Customers only in the after snapshot are compared with
//! "member of nothing", those only in the before snapshot likewise at the end.
//! A key seen twice in one snapshot stops the comparison: counting it twice
//! would be wrong and picking one silently worse.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, UInt32Array, new_null_array,
};
use arrow::compute::{cast, concat_batches, take, take_record_batch};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::error::ArrowError;

use super::count::{MoveCounter, SegmentColumns, TiersColumns};
use crate::plan::{OutputKind, Plan};

/// Keys that appear more than once in one snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKeys {
    /// How many keys repeat.
    pub count: usize,
    /// The first few, as text.
    pub examples: Vec<String>,
}

impl std::fmt::Display for DuplicateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let noun = if self.count == 1 {
            "key appears"
        } else {
            "keys appear"
        };
        write!(
            f,
            "{} {noun} more than once ({}{}); each customer must be one row",
            self.count,
            self.examples.join(", "),
            if self.count > self.examples.len() {
                ", …"
            } else {
                ""
            }
        )
    }
}

const EXAMPLES: usize = 5;

/// A counter comparing every output of `plan` with itself across snapshots.
pub fn counter(plan: &Plan) -> MoveCounter {
    let mut segments = Vec::new();
    let mut tiers = Vec::new();
    for (i, output) in plan.outputs().iter().enumerate() {
        match output.kind {
            OutputKind::Segment(_) => segments.push(SegmentColumns {
                name: output.name.clone(),
                base: Some(i + 1),
                head: Some(i + 1),
            }),
            OutputKind::Tiers(id) => tiers.push(TiersColumns {
                name: output.name.clone(),
                base: Some(i + 1),
                head: Some(i + 1),
                labels: plan.tier_labels(id).to_vec(),
            }),
        }
    }
    MoveCounter::new(segments, tiers)
}

/// The before snapshot's membership, whole, with its keys indexed.
pub struct Before {
    batch: RecordBatch,
    by_key: bool,
    index: HashMap<String, u32>,
    matched: Vec<bool>,
    seen_after: HashSet<String>,
    duplicates_after: Vec<String>,
    duplicate_after_count: usize,
}

impl Before {
    /// Keeps `batches` (membership batches of the before run, key first).
    /// With `by_key`, rows are found by key and repeated keys are an error;
    /// without, rows are matched by position (one file at two dates).
    pub fn new(
        schema: SchemaRef,
        batches: &[RecordBatch],
        by_key: bool,
    ) -> Result<Result<Before, DuplicateKeys>, ArrowError> {
        let batch = concat_batches(&schema, batches)?;
        let mut index = HashMap::new();
        let mut repeated: Vec<String> = Vec::new();
        let mut count = 0;
        if by_key {
            let keys = key_text(batch.column(0))?;
            for (row, key) in keys.iter().enumerate() {
                let Some(key) = key else { continue };
                if index.insert(key.to_string(), row as u32).is_some() {
                    count += 1;
                    if repeated.len() < EXAMPLES && !repeated.iter().any(|r| r == key) {
                        repeated.push(key.to_string());
                    }
                }
            }
        }
        if count > 0 {
            return Ok(Err(DuplicateKeys {
                count,
                examples: repeated,
            }));
        }
        Ok(Ok(Before {
            matched: vec![false; batch.num_rows()],
            batch,
            by_key,
            index,
            seen_after: HashSet::new(),
            duplicates_after: Vec::new(),
            duplicate_after_count: 0,
        }))
    }

    /// The before rows matching `after`'s rows (by key, or at `offset` by
    /// position), as a batch aligned with it; rows with no match are members
    /// of nothing.
    pub fn aligned(
        &mut self,
        after: &RecordBatch,
        offset: usize,
    ) -> Result<RecordBatch, ArrowError> {
        let rows = after.num_rows();
        let indices: UInt32Array = if !self.by_key {
            (offset..offset + rows)
                .map(|r| (r < self.batch.num_rows()).then_some(r as u32))
                .collect()
        } else {
            let keys = key_text(after.column(0))?;
            keys.iter()
                .map(|key| {
                    let key = key?;
                    if !self.seen_after.insert(key.to_string()) {
                        self.duplicate_after_count += 1;
                        if self.duplicates_after.len() < EXAMPLES {
                            self.duplicates_after.push(key.to_string());
                        }
                    }
                    self.index.get(key).copied()
                })
                .collect()
        };
        for i in indices.iter().flatten() {
            self.matched[i as usize] = true;
        }
        // the key is the after row's (a before row may be missing)
        let mut columns = vec![after.column(0).clone()];
        for column in self.batch.columns().iter().skip(1) {
            columns.push(nulls_as_nobody(&take(column.as_ref(), &indices, None)?));
        }
        RecordBatch::try_new(self.batch.schema(), columns)
    }

    /// Keys repeated in the after snapshot, if any.
    pub fn after_duplicates(&self) -> Option<DuplicateKeys> {
        (self.duplicate_after_count > 0).then(|| DuplicateKeys {
            count: self.duplicate_after_count,
            examples: self.duplicates_after.clone(),
        })
    }

    /// The before rows no after row matched (customers gone), and a batch of
    /// "members of nothing" aligned with them.
    pub fn unmatched(&self) -> Result<(RecordBatch, RecordBatch), ArrowError> {
        let indices = UInt32Array::from_iter_values(
            (0..self.batch.num_rows())
                .filter(|r| !self.matched[*r])
                .map(|r| r as u32),
        );
        let gone = take_record_batch(&self.batch, &indices)?;
        let rows = gone.num_rows();
        let columns: Vec<ArrayRef> = gone
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| match c.data_type() {
                DataType::Boolean if i > 0 => {
                    Arc::new(BooleanArray::from(vec![false; rows])) as ArrayRef
                }
                _ if i == 0 => c.clone(),
                other => new_null_array(other, rows),
            })
            .collect();
        let nobody = RecordBatch::try_new(gone.schema(), columns)?;
        Ok((gone, nobody))
    }
}

/// A boolean that came out missing (no before row) reads as "not a member".
fn nulls_as_nobody(column: &ArrayRef) -> ArrayRef {
    match column.as_boolean_opt() {
        Some(b) if b.null_count() > 0 => {
            Arc::new(BooleanArray::new(crate::eval::definite(b), None))
        }
        _ => column.clone(),
    }
}

/// The key column as text (for matching keys of any type).
fn key_text(key: &ArrayRef) -> Result<StringArray, ArrowError> {
    let text = cast(key, &DataType::Utf8)?;
    Ok(text.as_string::<i32>().clone())
}
