//! Counting what changed, batch by batch: per segment and per tier label, the
//! size before and after and how many entered and exited. Each side is a column
//! of the same membership batch (one scan: see [`super::combine`]) or of two
//! aligned batches (two data snapshots).

use arrow::array::{Array, AsArray, BooleanArray, StringArray};
use arrow::compute::kernels::boolean::and_not;
use arrow::compute::kernels::cmp::eq;
use arrow::error::ArrowError;
use serde::Serialize;

/// Where a segment is on each side: its boolean column, `None` when absent
/// (added, removed, not comparable) or paused (it outputs nobody).
#[derive(Clone, Debug)]
pub struct SegmentColumns {
    /// The segment's name.
    pub name: String,
    /// The base side's column.
    pub base: Option<usize>,
    /// The head side's column.
    pub head: Option<usize>,
}

/// Where a tiers block is on each side, and the labels counted.
#[derive(Clone, Debug)]
pub struct TiersColumns {
    /// The block's name.
    pub name: String,
    /// The base side's column.
    pub base: Option<usize>,
    /// The head side's column.
    pub head: Option<usize>,
    /// Every label of either version (head order, then base-only labels).
    pub labels: Vec<String>,
}

/// Before, after, entered, exited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Moves {
    /// Members before.
    pub before: u64,
    /// Members after.
    pub after: u64,
    /// Members after who were not before.
    pub entered: u64,
    /// Members before who are not after.
    pub exited: u64,
}

impl Moves {
    /// `after − before` as a share of `before`; `None` when `before` is 0 (then
    /// any member is an unbounded change).
    pub fn relative(&self) -> Option<f64> {
        (self.before > 0).then(|| (self.after as f64 - self.before as f64) / self.before as f64)
    }

    /// Whether anyone entered or exited.
    pub fn moved(&self) -> bool {
        self.entered > 0 || self.exited > 0
    }
}

/// Counts [`Moves`] for the segments and tier labels of a layout.
#[derive(Clone, Debug)]
pub struct MoveCounter {
    segments: Vec<SegmentColumns>,
    tiers: Vec<TiersColumns>,
    /// Per segment.
    pub segment_moves: Vec<Moves>,
    /// Per tiers block, per label.
    pub tier_moves: Vec<Vec<Moves>>,
}

impl MoveCounter {
    /// A counter for these columns, all counts zero.
    pub fn new(segments: Vec<SegmentColumns>, tiers: Vec<TiersColumns>) -> MoveCounter {
        MoveCounter {
            segment_moves: vec![Moves::default(); segments.len()],
            tier_moves: tiers
                .iter()
                .map(|t| vec![Moves::default(); t.labels.len()])
                .collect(),
            segments,
            tiers,
        }
    }

    /// The segments counted.
    pub fn segments(&self) -> &[SegmentColumns] {
        &self.segments
    }

    /// The tiers blocks counted.
    pub fn tiers(&self) -> &[TiersColumns] {
        &self.tiers
    }

    /// Counts one batch pair (the same batch twice for a one-scan diff): rows
    /// of `base` and `head` are the same customers, in the same order.
    pub fn add(
        &mut self,
        base: &arrow::record_batch::RecordBatch,
        head: &arrow::record_batch::RecordBatch,
    ) -> Result<(), ArrowError> {
        let rows = head.num_rows();
        for (columns, moves) in self.segments.iter().zip(&mut self.segment_moves) {
            let b = mask(base, columns.base, rows);
            let h = mask(head, columns.head, rows);
            moves.before += b.true_count() as u64;
            moves.after += h.true_count() as u64;
            moves.entered += and_not(&h, &b)?.true_count() as u64;
            moves.exited += and_not(&b, &h)?.true_count() as u64;
        }
        for (columns, moves) in self.tiers.iter().zip(&mut self.tier_moves) {
            for (label, moves) in columns.labels.iter().zip(moves.iter_mut()) {
                let b = has_label(base, columns.base, label, rows)?;
                let h = has_label(head, columns.head, label, rows)?;
                moves.before += b.true_count() as u64;
                moves.after += h.true_count() as u64;
                moves.entered += and_not(&h, &b)?.true_count() as u64;
                moves.exited += and_not(&b, &h)?.true_count() as u64;
            }
        }
        Ok(())
    }
}

/// A segment column, or nobody when absent.
pub fn mask(
    batch: &arrow::record_batch::RecordBatch,
    column: Option<usize>,
    rows: usize,
) -> BooleanArray {
    column
        .and_then(|c| batch.column(c).as_boolean_opt().cloned())
        .unwrap_or_else(|| BooleanArray::from(vec![false; rows]))
}

/// Whether each row of a tiers column has `label` (vectorised; missing: no).
fn has_label(
    batch: &arrow::record_batch::RecordBatch,
    column: Option<usize>,
    label: &str,
    rows: usize,
) -> Result<BooleanArray, ArrowError> {
    let Some(strings) = column.and_then(|c| batch.column(c).as_string_opt::<i32>()) else {
        return Ok(BooleanArray::from(vec![false; rows]));
    };
    let equal = eq(strings, &StringArray::new_scalar(label))?;
    Ok(BooleanArray::new(crate::eval::definite(&equal), None))
}

/// Per row, the index of its label in `labels` (`None`: no tier, or absent).
pub fn labels(
    batch: &arrow::record_batch::RecordBatch,
    column: Option<usize>,
    labels: &[String],
) -> Vec<Option<usize>> {
    let rows = batch.num_rows();
    let Some(strings) = column.and_then(|c| batch.column(c).as_string_opt::<i32>()) else {
        return vec![None; rows];
    };
    let strings: &StringArray = strings;
    (0..rows)
        .map(|row| {
            if strings.is_null(row) {
                return None;
            }
            let value = strings.value(row);
            labels.iter().position(|l| l == value)
        })
        .collect()
}
