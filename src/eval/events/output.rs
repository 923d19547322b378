//! An aggregate's result column while it is filled from customer records, and
//! its Arrow array when done.
//!
//! Validity (and `exists`' values) are written as bits straight into 64-bit
//! words, one bit per row: no per-row `bool` to pack afterwards. A column can
//! be cut into runs of rows that other threads fill, each run starting on a
//! word (a multiple of 64 rows) so no two runs share one.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, TimestampMicrosecondArray,
};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer};
use arrow::datatypes::{ArrowNativeType, DataType, TimeUnit};

use super::accumulate::{Kind, Layout, i128_of};
use crate::check::ir::Type;

/// One aggregate's result column while it is filled.
pub(super) struct Output {
    rows: usize,
    values: Values,
    /// A bit per row: the value is present (for `exists`: the value).
    bits: Vec<u64>,
}

/// The values of an [`Output`] (`exists` has none besides its bits).
enum Values {
    Int(Vec<i64>),
    Date(Vec<i32>),
    Timestamp(Vec<i64>),
    Float(Vec<f64>),
    Bool,
}

/// Bits per word of [`Output::bits`].
const WORD_BITS: usize = 64;

impl Output {
    /// Zeroed (and so not yet resident) columns for `rows` rows.
    pub(super) fn new(kind: &Kind, rows: usize) -> Output {
        Output::new_with(kind, rows, |_| None)
    }

    /// Columns for `rows` rows, the values' memory from `reuse` (given the
    /// Arrow type) when it has some, else zeroed.
    fn new_with(
        kind: &Kind,
        rows: usize,
        mut reuse: impl FnMut(&DataType) -> Option<Buffer>,
    ) -> Output {
        fn values<T: ArrowNativeType>(reused: Option<Buffer>, rows: usize) -> Vec<T> {
            reused
                .and_then(|b| b.into_vec::<T>().ok())
                .filter(|v| v.len() == rows)
                .unwrap_or_else(|| vec![T::default(); rows])
        }
        let values = match kind {
            Kind::Exists => Values::Bool,
            Kind::SumFloat | Kind::Avg | Kind::ExtremeFloat { .. } => {
                Values::Float(values(reuse(&DataType::Float64), rows))
            }
            Kind::ExtremeInt { ty: Type::Date, .. } => {
                Values::Date(values(reuse(&DataType::Date32), rows))
            }
            Kind::ExtremeInt {
                ty: Type::Timestamp,
                ..
            } => Values::Timestamp(values(
                reuse(&DataType::Timestamp(TimeUnit::Microsecond, None)),
                rows,
            )),
            Kind::Count | Kind::SumInt | Kind::ExtremeInt { .. } => {
                Values::Int(values(reuse(&DataType::Int64), rows))
            }
        };
        Output {
            rows,
            values,
            bits: vec![0; rows.div_ceil(WORD_BITS)],
        }
    }

    /// Like [`Output::new`], the values written into the memory of an array
    /// of `spare` of the same type and length when nothing else holds it (the
    /// previous date's column of a series): every row is written, so it needs
    /// no zeroing, and its pages are already resident.
    pub(super) fn reusing(kind: &Kind, rows: usize, spare: &mut Vec<ArrayRef>) -> Output {
        Output::new_with(kind, rows, |ty| take_values(spare, ty, rows))
    }

    /// The whole column as slots to write.
    pub(super) fn slots(&mut self) -> Slots<'_> {
        let bits = self.bits.as_mut_slice();
        let values = match &mut self.values {
            Values::Bool => SlotValues::Bool,
            Values::Int(v) | Values::Timestamp(v) => SlotValues::Int(v),
            Values::Date(v) => SlotValues::Date(v),
            Values::Float(v) => SlotValues::Float(v),
        };
        Slots { values, bits }
    }

    /// The column cut into consecutive runs of `sizes` rows, each writable on
    /// its own (by another thread). Every run but the last must be a multiple
    /// of 64 rows ([`splits_at_words`]), else a run's last bits land in the
    /// next run's first word.
    pub(super) fn split(&mut self, sizes: &[usize]) -> Vec<Slots<'_>> {
        let mut rest = self.slots();
        let mut out = Vec::with_capacity(sizes.len());
        for &size in sizes {
            let (head, tail) = rest.split_at(size);
            out.push(head);
            rest = tail;
        }
        out
    }

    pub(super) fn into_array(self) -> ArrayRef {
        let rows = self.rows;
        let bits = BooleanBuffer::new(Buffer::from_vec(self.bits), 0, rows);
        // a column without a missing value (a count, a sum) needs no bitmap
        let nulls = || {
            let nulls = NullBuffer::new(bits.clone());
            (nulls.null_count() > 0).then_some(nulls)
        };
        match self.values {
            Values::Bool => Arc::new(BooleanArray::new(bits, None)),
            Values::Int(v) => Arc::new(Int64Array::new(v.into(), nulls())),
            Values::Date(v) => Arc::new(Date32Array::new(v.into(), nulls())),
            Values::Timestamp(v) => Arc::new(TimestampMicrosecondArray::new(v.into(), nulls())),
            Values::Float(v) => Arc::new(Float64Array::new(v.into(), nulls())),
        }
    }
}

/// The values buffer of an array of `spare` of type `ty` and `rows` rows, taken
/// out of `spare`; `None` when there is none.
fn take_values(spare: &mut Vec<ArrayRef>, ty: &DataType, rows: usize) -> Option<Buffer> {
    let at = spare
        .iter()
        .position(|a| a.data_type() == ty && a.len() == rows && a.offset() == 0)?;
    let data = spare.swap_remove(at).to_data();
    // the array is dropped: the buffer is held only here (if nothing else kept it)
    data.buffers().first().cloned()
}

/// Whether runs of `sizes` rows start on words of the bits (every run but the
/// last a multiple of 64 rows), so [`Output::split`] can hand them to threads.
pub(super) fn splits_at_words(sizes: &[usize]) -> bool {
    let (_, init) = sizes.split_last().unwrap_or((&0, &[]));
    init.iter().all(|s| s % WORD_BITS == 0)
}

/// Rows of an [`Output`] to write: values, and bits from the first row's word on.
pub(super) struct Slots<'a> {
    values: SlotValues<'a>,
    bits: &'a mut [u64],
}

enum SlotValues<'a> {
    Bool,
    /// Ints and timestamps.
    Int(&'a mut [i64]),
    Date(&'a mut [i32]),
    Float(&'a mut [f64]),
}

impl<'a> Slots<'a> {
    /// The first `rows` rows (a multiple of 64 unless nothing follows) and the
    /// rest (fewer when there are fewer).
    fn split_at(self, rows: usize) -> (Slots<'a>, Slots<'a>) {
        fn cut<T>(values: &mut [T], at: usize) -> (&mut [T], &mut [T]) {
            values.split_at_mut(at.min(values.len()))
        }
        let (bits, rest_bits) = cut(self.bits, rows.div_ceil(WORD_BITS));
        let (values, rest) = match self.values {
            SlotValues::Bool => (SlotValues::Bool, SlotValues::Bool),
            SlotValues::Int(v) => {
                let (a, b) = cut(v, rows);
                (SlotValues::Int(a), SlotValues::Int(b))
            }
            SlotValues::Date(v) => {
                let (a, b) = cut(v, rows);
                (SlotValues::Date(a), SlotValues::Date(b))
            }
            SlotValues::Float(v) => {
                let (a, b) = cut(v, rows);
                (SlotValues::Float(a), SlotValues::Float(b))
            }
        };
        (
            Slots { values, bits },
            Slots {
                values: rest,
                bits: rest_bits,
            },
        )
    }

    /// Rows `first..` from consecutive records of `stride` words (`records`):
    /// the aggregate's kind is matched once for the run, not once per row.
    pub(super) fn set_rows(
        &mut self,
        first: usize,
        layout: &Layout,
        records: &[u64],
        stride: usize,
    ) {
        let Slots { values, bits } = self;
        let w = layout.word;
        let (flag_word, flag_bit) = layout.flag;
        let word = |record: &[u64], at: usize| record.get(at).copied().unwrap_or(0);
        let flagged = |record: &[u64]| word(record, flag_word) & flag_bit != 0;
        let mut mark = |row: usize, valid: bool| {
            if valid && let Some(bits) = bits.get_mut(row / WORD_BITS) {
                *bits |= 1 << (row % WORD_BITS);
            }
        };
        let rows = records
            .chunks_exact(stride.max(1))
            .enumerate()
            .map(|(j, r)| (first + j, r));
        match (values, &layout.kind) {
            (SlotValues::Bool, _) => rows.for_each(|(row, r)| mark(row, flagged(r))),
            (SlotValues::Int(values), Kind::Count) => rows.for_each(|(row, r)| {
                mark(row, store(values, row, word(r, w) as i64));
            }),
            (SlotValues::Int(values), Kind::SumInt) => rows.for_each(|(row, r)| {
                if let Ok(sum) = i64::try_from(i128_of(word(r, w), word(r, w + 1))) {
                    mark(row, store(values, row, sum));
                }
            }),
            (SlotValues::Int(values), Kind::ExtremeInt { .. }) => rows.for_each(|(row, r)| {
                mark(row, store(values, row, word(r, w) as i64) && flagged(r));
            }),
            (SlotValues::Date(values), Kind::ExtremeInt { .. }) => rows.for_each(|(row, r)| {
                let day = i32::try_from(word(r, w) as i64).unwrap_or_default();
                mark(row, store(values, row, day) && flagged(r));
            }),
            (SlotValues::Float(values), kind) => {
                let value = |r: &[u64]| match kind {
                    Kind::Avg => {
                        let count = word(r, w + 1);
                        (f64::from_bits(word(r, w)) / count.max(1) as f64, count > 0)
                    }
                    Kind::ExtremeFloat { .. } => (f64::from_bits(word(r, w)), flagged(r)),
                    _ => (f64::from_bits(word(r, w)), true),
                };
                rows.for_each(|(row, r)| {
                    let (value, valid) = value(r);
                    // NaN (`inf - inf`) is missing; `-0.0` is `0.0`
                    mark(
                        row,
                        store(values, row, value + 0.0) && valid && !value.is_nan(),
                    );
                });
            }
            _ => {}
        }
    }
}

/// Stores `value` at `row`; whether the row exists.
fn store<T>(values: &mut [T], row: usize, value: T) -> bool {
    match values.get_mut(row) {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}
