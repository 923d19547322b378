//! Membership statistics for `segmint stats`: takes membership batches (the table
//! `eval` writes: key, one boolean column per segment, one string column per tiers
//! block, then carried fields), gives member counts and shares per segment and per
//! tier label, the pairwise overlap matrix, and per-segment breakdowns by a field.
//!
//! Counting is done batch by batch, so the table is never held whole.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, StringArray};
use arrow::buffer::BooleanBuffer;
use arrow::compute::kernels::cast::cast;
use arrow::datatypes::{DataType, Float64Type};
use arrow::record_batch::RecordBatch;
use serde::Serialize;

use crate::check::ir::{FieldId, Program, Type};
use crate::eval::definite;
use crate::plan::{OutputKind, Plan};

/// Which membership column holds what.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Segment name and its boolean column's index.
    pub segments: Vec<(String, usize)>,
    /// Tiers blocks: name, string column index, labels in tier order.
    pub tiers: Vec<TiersColumn>,
    /// The `--by` column, if any.
    pub by: Option<ByColumn>,
    /// Whether to count pairwise overlaps.
    pub overlap: bool,
    /// `Float64` measure columns (`expect lift(…)`) to average, over all rows and
    /// over each segment's members.
    pub measures: Vec<usize>,
}

/// A tiers block's column.
#[derive(Clone, Debug)]
pub struct TiersColumn {
    /// The tiers block's name.
    pub name: String,
    /// Index of its string column.
    pub column: usize,
    /// Its labels, in tier order.
    pub labels: Vec<String>,
}

/// The column segments are broken down by.
#[derive(Clone, Debug)]
pub struct ByColumn {
    /// The field or tiers block name.
    pub name: String,
    /// Index of its column (any type that casts to text: strings, enums, bools).
    pub column: usize,
    /// The values in their declared order (enum values, tier labels), shown even
    /// when nobody has them; `None` for free text, listed most frequent first.
    pub values: Option<Vec<String>>,
}

/// What segments are broken down by (`stats --by NAME`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum By {
    /// A schema field, carried into the membership table.
    Field(FieldId),
    /// A tiers block (already an output column).
    Tiers(String),
    /// A segment: its members and the others (an output column).
    Segment(String),
}

impl Layout {
    /// The layout of the membership batches of `plan`: its outputs, then the
    /// carried field of `by` (if a field), then the measures.
    pub fn of_plan(program: &Program, plan: &Plan, overlap: bool, by: Option<&By>) -> Layout {
        let mut layout = Layout {
            overlap,
            ..Layout::default()
        };
        for (i, output) in plan.outputs().iter().enumerate() {
            let column = i + 1;
            match output.kind {
                OutputKind::Segment(_) => layout.segments.push((output.name.clone(), column)),
                OutputKind::Tiers(id) => layout.tiers.push(TiersColumn {
                    name: output.name.clone(),
                    column,
                    labels: program
                        .tier_block(id)
                        .tiers
                        .iter()
                        .map(|t| t.name.clone())
                        .collect(),
                }),
            }
        }
        layout.by = by.and_then(|by| layout.by_column(program, plan, by));
        let first_measure = 1 + plan.outputs().len() + plan.carry().len();
        layout.measures = (0..plan.measures().len())
            .map(|i| first_measure + i)
            .collect();
        layout
    }

    fn by_column(&self, program: &Program, plan: &Plan, by: &By) -> Option<ByColumn> {
        match by {
            By::Tiers(name) => self
                .tiers
                .iter()
                .find(|t| &t.name == name)
                .map(|t| ByColumn {
                    name: name.clone(),
                    column: t.column,
                    values: Some(t.labels.clone()),
                }),
            By::Segment(name) => self
                .segments
                .iter()
                .find(|(segment, _)| segment == name)
                .map(|(_, column)| ByColumn {
                    name: name.clone(),
                    column: *column,
                    values: Some(vec!["true".into(), "false".into()]),
                }),
            By::Field(id) => {
                let field = program.schema.field(*id);
                let values = match &field.ty {
                    Type::Enum(values) => Some(values.to_vec()),
                    Type::Bool => Some(vec!["true".into(), "false".into()]),
                    _ => None,
                };
                Some(ByColumn {
                    name: field.name.clone(),
                    column: 1 + plan.outputs().len(),
                    values,
                })
            }
        }
    }
}

/// Everything `segmint stats` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// Input rows.
    pub rows: u64,
    /// One entry per segment, in output order.
    pub segments: Vec<Count>,
    /// One entry per tiers block.
    pub tiers: Vec<TierStats>,
    /// Pairwise overlap counts, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap: Option<Overlap>,
    /// Per-segment breakdowns, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Breakdown>,
    /// Per measure column of the layout: its mean over all rows and over each
    /// segment's members.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<MeasureMeans>,
}

/// The sum and number of the present values of a measure over some rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Mean {
    /// Sum of the present values.
    pub sum: f64,
    /// How many values were present (missing ones are left out).
    pub count: u64,
}

impl Mean {
    /// The mean, `None` when no value was present.
    pub fn value(self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

/// A measure averaged over every row and over each segment's members.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasureMeans {
    /// Over every row.
    pub all: Mean,
    /// Over each segment's members, in output order.
    pub members: Vec<Mean>,
}

/// A named count and its share.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Count {
    /// Segment name, tier label or field value; `None` for a missing value.
    pub name: Option<String>,
    /// How many rows.
    pub count: u64,
    /// `count` over the relevant total (all rows, or a segment's members);
    /// `None` when that total is zero.
    pub share: Option<f64>,
}

/// Counts per label of one tiers block (shares of all rows).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierStats {
    /// The tiers block.
    pub name: String,
    /// Per label in tier order; customers in no tier last, as `None`, when there are any.
    pub labels: Vec<Count>,
}

/// `counts[i][j]`: rows in both segment `i` and segment `j` (the diagonal is the size).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overlap {
    /// Segment names, in output order.
    pub segments: Vec<String>,
    /// The symmetric matrix.
    pub counts: Vec<Vec<u64>>,
}

impl Overlap {
    /// The other segments sharing members with segment `i`, largest overlap first
    /// (ties in output order), as (index, count); segments sharing nobody are left out.
    pub fn partners(&self, i: usize) -> Vec<(usize, u64)> {
        let Some(row) = self.counts.get(i) else {
            return Vec::new();
        };
        let mut partners: Vec<(usize, u64)> = row
            .iter()
            .copied()
            .enumerate()
            .filter(|&(j, count)| j != i && count > 0)
            .collect();
        partners.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        partners
    }

    /// Segment `i`'s size (the diagonal).
    pub fn size(&self, i: usize) -> u64 {
        self.counts
            .get(i)
            .and_then(|row| row.get(i))
            .copied()
            .unwrap_or(0)
    }
}

/// Each segment's members split by the values of one field (shares of the segment).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Breakdown {
    /// The field or tiers block.
    pub field: String,
    /// One entry per segment, in output order.
    pub segments: Vec<SegmentBreakdown>,
}

/// One segment's split.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentBreakdown {
    /// The segment.
    pub name: String,
    /// Per value; missing values last, as `None`, when there are any.
    pub values: Vec<Count>,
}

/// A membership batch that does not have the columns the layout names.
#[derive(Debug, thiserror::Error)]
#[error("membership column {column} is missing or not {expected}")]
pub struct LayoutError {
    column: usize,
    expected: &'static str,
}

/// Accumulates [`Stats`] over batches.
#[derive(Debug)]
pub struct Counter {
    layout: Layout,
    rows: u64,
    segments: Vec<u64>,
    tiers: Vec<HashMap<Option<String>, u64>>,
    overlap: Vec<Vec<u64>>,
    by: Vec<HashMap<Option<String>, u64>>,
    measures: Vec<MeasureMeans>,
}

impl Counter {
    /// An empty count for batches laid out as `layout`.
    pub fn new(layout: Layout) -> Counter {
        let n = layout.segments.len();
        Counter {
            rows: 0,
            segments: vec![0; n],
            tiers: vec![HashMap::new(); layout.tiers.len()],
            overlap: if layout.overlap {
                vec![vec![0; n]; n]
            } else {
                Vec::new()
            },
            by: if layout.by.is_some() {
                vec![HashMap::new(); n]
            } else {
                Vec::new()
            },
            measures: vec![
                MeasureMeans {
                    all: Mean::default(),
                    members: vec![Mean::default(); n],
                };
                layout.measures.len()
            ],
            layout,
        }
    }

    /// Counts one batch.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), LayoutError> {
        self.rows += batch.num_rows() as u64;
        let masks = self
            .layout
            .segments
            .iter()
            .map(|(_, column)| boolean(batch, *column))
            .collect::<Result<Vec<_>, _>>()?;
        for (count, mask) in self.segments.iter_mut().zip(&masks) {
            *count += mask.true_count() as u64;
        }
        for (counts, tiers) in self.tiers.iter_mut().zip(&self.layout.tiers) {
            let labels = text(batch, tiers.column)?;
            tally(counts, &labels, None);
        }
        self.add_overlap(&masks);
        if let Some(by) = &self.layout.by {
            let values = text(batch, by.column)?;
            for (counts, mask) in self.by.iter_mut().zip(&masks) {
                tally(counts, &values, Some(mask));
            }
        }
        for (means, column) in self.measures.iter_mut().zip(&self.layout.measures) {
            let values = batch
                .columns()
                .get(*column)
                .and_then(|c| c.as_primitive_opt::<Float64Type>())
                .ok_or(LayoutError {
                    column: *column,
                    expected: "a float column",
                })?;
            add_values(&mut means.all, values, None);
            for (mean, mask) in means.members.iter_mut().zip(&masks) {
                add_values(mean, values, Some(&definite(mask)));
            }
        }
        Ok(())
    }

    /// Counts rows in both of each pair, on the bitmaps (the matrix is symmetric).
    fn add_overlap(&mut self, masks: &[BooleanArray]) {
        if !self.layout.overlap {
            return;
        }
        let bits: Vec<BooleanBuffer> = masks.iter().map(definite).collect();
        for (i, a) in bits.iter().enumerate() {
            for (j, b) in bits.iter().enumerate().skip(i) {
                let both = (a & b).count_set_bits() as u64;
                self.add_cell(i, j, both);
                if i != j {
                    self.add_cell(j, i, both);
                }
            }
        }
    }

    fn add_cell(&mut self, row: usize, column: usize, count: u64) {
        if let Some(cell) = self.overlap.get_mut(row).and_then(|r| r.get_mut(column)) {
            *cell += count;
        }
    }

    /// The totals.
    pub fn finish(self) -> Stats {
        let rows = self.rows;
        let names: Vec<String> = self
            .layout
            .segments
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        let segments = names
            .iter()
            .zip(&self.segments)
            .map(|(name, count)| count_of(Some(name.clone()), *count, rows))
            .collect();
        let tiers = self
            .layout
            .tiers
            .iter()
            .zip(&self.tiers)
            .map(|(t, counts)| TierStats {
                name: t.name.clone(),
                labels: ordered(counts, Some(&t.labels), rows),
            })
            .collect();
        let overlap = self.layout.overlap.then(|| Overlap {
            segments: names.clone(),
            counts: self.overlap.clone(),
        });
        let by = self.layout.by.as_ref().map(|by| Breakdown {
            field: by.name.clone(),
            segments: names
                .iter()
                .zip(&self.by)
                .zip(&self.segments)
                .map(|((name, counts), total)| SegmentBreakdown {
                    name: name.clone(),
                    values: ordered(counts, by.values.as_deref(), *total),
                })
                .collect(),
        });
        Stats {
            rows,
            segments,
            tiers,
            overlap,
            by,
            measures: self.measures,
        }
    }
}

/// Adds the present values of `values` (of the rows in `rows`, or all) to `mean`.
fn add_values(mean: &mut Mean, values: &Float64Array, rows: Option<&BooleanBuffer>) {
    let present = |i: usize| values.is_valid(i) && !values.value(i).is_nan();
    let mut add = |i: usize| {
        if present(i) {
            mean.sum += values.value(i);
            mean.count += 1;
        }
    };
    match rows {
        Some(rows) => rows.set_indices().for_each(&mut add),
        None => (0..values.len()).for_each(&mut add),
    }
}

fn count_of(name: Option<String>, count: u64, total: u64) -> Count {
    Count {
        name,
        count,
        share: (total > 0).then(|| count as f64 / total as f64),
    }
}

/// Declared values first (zeros included), then other values most frequent first,
/// then missing values when there are any.
fn ordered(
    counts: &HashMap<Option<String>, u64>,
    declared: Option<&[String]>,
    total: u64,
) -> Vec<Count> {
    let declared = declared.unwrap_or(&[]);
    let mut out: Vec<Count> = declared
        .iter()
        .map(|v| {
            count_of(
                Some(v.clone()),
                counts.get(&Some(v.clone())).copied().unwrap_or(0),
                total,
            )
        })
        .collect();
    let mut others: Vec<(&String, u64)> = counts
        .iter()
        .filter_map(|(k, c)| k.as_ref().map(|k| (k, *c)))
        .filter(|(k, _)| !declared.contains(k))
        .collect();
    others.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    out.extend(
        others
            .into_iter()
            .map(|(k, c)| count_of(Some(k.clone()), c, total)),
    );
    if let Some(missing) = counts.get(&None).filter(|c| **c > 0) {
        out.push(count_of(None, *missing, total));
    }
    out
}

/// Adds each row's value (where `mask` holds, or every row) to `counts`.
///
/// Rows are first counted per batch under borrowed keys with a cheap hash, then
/// merged: one `String` per distinct value and batch instead of one per row (this
/// loop runs for every row of every tiers block, and it showed in profiles).
fn tally(
    counts: &mut HashMap<Option<String>, u64>,
    values: &StringArray,
    mask: Option<&BooleanArray>,
) {
    let mut batch: HashMap<Option<&str>, u64, BuildHasherDefault<Fnv1a>> = HashMap::default();
    for (row, value) in values.iter().enumerate() {
        if mask.is_none_or(|m| m.is_valid(row) && m.value(row)) {
            *batch.entry(value).or_insert(0) += 1;
        }
    }
    for (value, n) in batch {
        *counts.entry(value.map(str::to_owned)).or_insert(0) += n;
    }
}

/// FNV-1a: fast for the short labels counted here; collision attacks are no concern
/// for a count of the user's own data.
#[derive(Default)]
struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

fn boolean(batch: &RecordBatch, column: usize) -> Result<BooleanArray, LayoutError> {
    batch
        .columns()
        .get(column)
        .and_then(|c| c.as_boolean_opt())
        .cloned()
        .ok_or(LayoutError {
            column,
            expected: "boolean",
        })
}

/// Any column as text (strings, dictionaries, bools, numbers all cast).
fn text(batch: &RecordBatch, column: usize) -> Result<StringArray, LayoutError> {
    let error = || LayoutError {
        column,
        expected: "text",
    };
    let array: &ArrayRef = batch.columns().get(column).ok_or_else(error)?;
    let cast = cast(array, &DataType::Utf8).map_err(|_| error())?;
    cast.as_string_opt::<i32>().cloned().ok_or_else(error)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::StringArray;

    use super::*;

    fn batch() -> RecordBatch {
        let key: ArrayRef = Arc::new(StringArray::from(vec!["a", "b", "c", "d"]));
        let vip: ArrayRef = Arc::new(BooleanArray::from(vec![true, true, false, false]));
        let new: ArrayRef = Arc::new(BooleanArray::from(vec![false, true, true, false]));
        let tier: ArrayRef = Arc::new(StringArray::from(vec![
            Some("gold"),
            None,
            Some("gold"),
            Some("silver"),
        ]));
        let country: ArrayRef = Arc::new(StringArray::from(vec![
            Some("DE"),
            None,
            Some("FR"),
            Some("DE"),
        ]));
        RecordBatch::try_from_iter([
            ("key", key),
            ("vip", vip),
            ("new", new),
            ("tier", tier),
            ("country", country),
        ])
        .unwrap()
    }

    fn layout() -> Layout {
        Layout {
            segments: vec![("vip".into(), 1), ("new".into(), 2)],
            tiers: vec![TiersColumn {
                name: "tier".into(),
                column: 3,
                labels: vec!["platinum".into(), "gold".into(), "silver".into()],
            }],
            by: Some(ByColumn {
                name: "country".into(),
                column: 4,
                values: None,
            }),
            measures: Vec::new(),
            overlap: true,
        }
    }

    #[test]
    fn partners_are_largest_first_ties_in_order_without_self_or_zero() {
        let overlap = Overlap {
            segments: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            counts: vec![
                vec![9, 2, 5, 2],
                vec![2, 3, 0, 0],
                vec![5, 0, 5, 0],
                vec![2, 0, 0, 2],
            ],
        };
        assert_eq!(overlap.partners(0), vec![(2, 5), (1, 2), (3, 2)]);
        assert_eq!(overlap.partners(1), vec![(0, 2)]);
        assert_eq!(overlap.partners(7), vec![]);
        assert_eq!(overlap.size(0), 9);
        assert_eq!(overlap.size(7), 0);
    }

    #[test]
    fn counts_segments_tiers_overlaps_and_breakdowns_across_batches() {
        let mut counter = Counter::new(layout());
        counter.add(&batch()).unwrap();
        counter.add(&batch()).unwrap();
        let stats = counter.finish();
        assert_eq!(stats.rows, 8);
        assert_eq!(stats.segments[0], count_of(Some("vip".into()), 4, 8));
        let labels: Vec<_> = stats.tiers[0]
            .labels
            .iter()
            .map(|c| (c.name.clone(), c.count))
            .collect();
        assert_eq!(
            labels,
            vec![
                (Some("platinum".into()), 0),
                (Some("gold".into()), 4),
                (Some("silver".into()), 2),
                (None, 2)
            ]
        );
        let overlap = stats.overlap.unwrap();
        assert_eq!(overlap.counts, vec![vec![4, 2], vec![2, 4]]);
        assert_eq!(overlap.partners(0), vec![(1, 2)]);
        assert_eq!(overlap.size(1), 4);
        let vip_by_country: Vec<_> = stats.by.unwrap().segments[0]
            .values
            .iter()
            .map(|c| (c.name.clone(), c.count, c.share))
            .collect();
        assert_eq!(
            vip_by_country,
            vec![(Some("DE".into()), 2, Some(0.5)), (None, 2, Some(0.5))]
        );
    }

    #[test]
    fn an_empty_input_has_no_shares() {
        let stats = Counter::new(layout()).finish();
        assert_eq!(stats.rows, 0);
        assert_eq!(stats.segments[0].share, None);
    }

    #[test]
    fn a_wrong_column_is_an_error_not_a_panic() {
        let mut wrong = layout();
        wrong.segments[0].1 = 9;
        assert!(Counter::new(wrong).add(&batch()).is_err());
    }
}
