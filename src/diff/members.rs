//! The customers who changed, as rows: `(key, segment, before, after)` for a
//! rule diff (`--members`), `(key, segment, change)` for a data diff's events.
//! The key keeps its type; `before`/`after` are `true`/`false` for a segment
//! and the tier label (empty: no tier) for a tiers block.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow::compute::take;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;

use super::count::{MoveCounter, labels, mask};

/// The schema of the members table.
pub fn members_schema(key: &Field) -> SchemaRef {
    Arc::new(Schema::new(vec![
        key.clone(),
        Field::new("segment", DataType::Utf8, false),
        Field::new("before", DataType::Utf8, true),
        Field::new("after", DataType::Utf8, true),
    ]))
}

/// The schema of the change events table.
pub fn events_schema(key: &Field) -> SchemaRef {
    Arc::new(Schema::new(vec![
        key.clone(),
        Field::new("segment", DataType::Utf8, false),
        Field::new("change", DataType::Utf8, false),
    ]))
}

/// One changed membership: row, segment (or tiers block) name, before, after.
struct Row {
    index: u32,
    /// A tiers block's label (else a segment's membership).
    tiers: bool,
    segment: String,
    before: Option<String>,
    after: Option<String>,
}

/// The changed rows of one batch pair, segment by segment (in the counter's
/// order), then tier block by tier block.
fn changed(counter: &MoveCounter, base: &RecordBatch, head: &RecordBatch) -> Vec<Row> {
    let rows = head.num_rows();
    let mut out = Vec::new();
    for columns in counter.segments() {
        let b = mask(base, columns.base, rows);
        let h = mask(head, columns.head, rows);
        for row in (0..rows).filter(|r| b.value(*r) != h.value(*r)) {
            out.push(Row {
                index: row as u32,
                tiers: false,
                segment: columns.name.clone(),
                before: Some(b.value(row).to_string()),
                after: Some(h.value(row).to_string()),
            });
        }
    }
    for columns in counter.tiers() {
        let b = labels(base, columns.base, &columns.labels);
        let h = labels(head, columns.head, &columns.labels);
        let label = |l: Option<usize>| l.map(|i| columns.labels[i].clone());
        for row in (0..rows).filter(|r| b[*r] != h[*r]) {
            out.push(Row {
                index: row as u32,
                tiers: true,
                segment: columns.name.clone(),
                before: label(b[row]),
                after: label(h[row]),
            });
        }
    }
    out
}

/// `(key, segment, before, after)` for every changed membership of a batch
/// pair; `key` is the key column of `head`'s rows.
pub fn members_batch(
    counter: &MoveCounter,
    base: &RecordBatch,
    head: &RecordBatch,
    key: &ArrayRef,
    schema: &SchemaRef,
) -> Result<RecordBatch, ArrowError> {
    let rows = changed(counter, base, head);
    let keys = take_keys(key, &rows)?;
    let segment = StringArray::from_iter_values(rows.iter().map(|r| r.segment.as_str()));
    let before: StringArray = rows.iter().map(|r| r.before.as_deref()).collect();
    let after: StringArray = rows.iter().map(|r| r.after.as_deref()).collect();
    RecordBatch::try_new(
        schema.clone(),
        vec![keys, Arc::new(segment), Arc::new(before), Arc::new(after)],
    )
}

/// `(key, segment, change)`: `entered`/`exited` for a segment; for a tiers
/// block, segment `block=label`, exited from the old label and entered into
/// the new one.
pub fn events_batch(
    counter: &MoveCounter,
    base: &RecordBatch,
    head: &RecordBatch,
    key: &ArrayRef,
    schema: &SchemaRef,
) -> Result<RecordBatch, ArrowError> {
    let mut events: Vec<(u32, String, &'static str)> = Vec::new();
    for row in changed(counter, base, head) {
        if !row.tiers {
            let change = if row.after.as_deref() == Some("true") {
                "entered"
            } else {
                "exited"
            };
            events.push((row.index, row.segment, change));
            continue;
        }
        if let Some(before) = row.before {
            events.push((row.index, format!("{}={before}", row.segment), "exited"));
        }
        if let Some(after) = row.after {
            events.push((row.index, format!("{}={after}", row.segment), "entered"));
        }
    }
    let indices = UInt32Array::from_iter_values(events.iter().map(|e| e.0));
    let keys = take(key.as_ref(), &indices, None)?;
    let segment = StringArray::from_iter_values(events.iter().map(|e| e.1.as_str()));
    let change = StringArray::from_iter_values(events.iter().map(|e| e.2));
    RecordBatch::try_new(
        schema.clone(),
        vec![keys, Arc::new(segment), Arc::new(change)],
    )
}

fn take_keys(key: &ArrayRef, rows: &[Row]) -> Result<ArrayRef, ArrowError> {
    let indices = UInt32Array::from_iter_values(rows.iter().map(|r| r.index));
    take(key.as_ref(), &indices, None)
}
