//! The sorted present values behind `in top|bottom P%`, `quintile`, `decile` and
//! `percentile` (language.md, "Population statistics"), and the per-row tests
//! and scores computed from them.
//!
//! For every ranked value the pass keeps the present values, sorted (memory: one
//! value per row for just those columns). Then, with n present values:
//! - `x in top P%` ⇔ count(> x) / n < P/100. That set of x is closed upwards, so it
//!   is `x >= t` for the smallest population value t that qualifies: one vectorised
//!   comparison per batch. `bottom` mirrors it (`x <= t`).
//! - `quintile`/`decile`/`percentile` count(< x) by binary search per row.
//!
//! When a ranked value is only used by `top|bottom P%`, t is found by selection
//! at its sorted position (linear time, no sort) and the values are dropped
//! before the main pass; only rank scores keep the sorted values.
//!
//! The `< P/100` tests are exact integer arithmetic ([`Fraction`]). Ties share a
//! result by construction. Floats: NaN is missing (never ranked). Dates and
//! timestamps order by time, strings by code point.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Float64Array, Int64Array, Scalar, StringArray,
    TimestampMicrosecondArray,
};
use arrow::buffer::BooleanBuffer;
use arrow::compute::take;
use arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use arrow::error::ArrowError;
use rayon::slice::ParallelSliceMut;

use super::scores::ranks;
use crate::check::ir::{CmpOp, RankScore, Side};
use crate::eval::kernels::{compare_scalar, on_strings, unexpected};
use crate::eval::operand::{Operand, constant};
use crate::plan::Fraction;

type Result<T> = std::result::Result<T, ArrowError>;

/// Sorted present values, by kind.
#[derive(Debug)]
pub(super) enum Sorted {
    /// ints, dates (days) and instants (µs); `kind` rebuilds scalars of the right type
    Int {
        values: Vec<i64>,
        kind: IntKind,
    },
    Float(Vec<f64>),
    Str(Vec<String>),
    /// Only `top|bottom P%` use the statistic: just their boundary values,
    /// found by selection (linear time) instead of a sort, and the values dropped.
    Thresholds {
        /// Whether the population had no present value.
        empty: bool,
        /// Each (side, share) the plan asks for, with its boundary value.
        at: Vec<(Side, Fraction, Option<Scalar<ArrayRef>>)>,
    },
}

/// How a plan uses one statistic.
pub(super) struct Uses {
    /// `quintile`/`decile`/`percentile` need every value, sorted.
    pub(super) rank: bool,
    /// The `top|bottom P%` criteria on it.
    pub(super) shares: Vec<(Side, Fraction)>,
}

/// The sorted position of the `top|bottom P%` boundary among `n` values: the
/// counts that qualify are those `c` with `c / n < P`, i.e. `c <= c_max`; top
/// takes the smallest value with at most `c_max` values above it, bottom the
/// largest with at most `c_max` below. `None` when nothing qualifies.
fn boundary_position(n: usize, side: Side, share: Fraction) -> Option<usize> {
    let limit = u128::from(share.num) * n as u128;
    if n == 0 || limit == 0 {
        return None;
    }
    let c_max = usize::try_from((limit - 1) / u128::from(share.den.max(1))).unwrap_or(usize::MAX);
    let c = c_max.min(n - 1);
    Some(match side {
        Side::Top => n - 1 - c,
        Side::Bottom => c,
    })
}

/// The boundary value, by selection (reorders `values`).
fn select_boundary<T: Clone>(
    values: &mut [T],
    side: Side,
    share: Fraction,
    order: impl FnMut(&T, &T) -> std::cmp::Ordering,
) -> Option<T> {
    let position = boundary_position(values.len(), side, share)?;
    if position >= values.len() {
        return None;
    }
    let (_, value, _) = values.select_nth_unstable_by(position, order);
    Some(value.clone())
}

fn int_scalar(kind: IntKind, t: i64) -> Option<Scalar<ArrayRef>> {
    let array: ArrayRef = match kind {
        IntKind::Int => Arc::new(Int64Array::from(vec![t])),
        IntKind::Date => Arc::new(Date32Array::from(vec![i32::try_from(t).ok()?])),
        IntKind::Timestamp => Arc::new(TimestampMicrosecondArray::from(vec![t])),
    };
    Some(Scalar::new(array))
}

fn float_scalar(t: f64) -> Scalar<ArrayRef> {
    Scalar::new(Arc::new(Float64Array::from(vec![t])) as ArrayRef)
}

fn str_scalar(t: &str) -> Scalar<ArrayRef> {
    Scalar::new(Arc::new(StringArray::from(vec![t])) as ArrayRef)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum IntKind {
    Int,
    Date,
    Timestamp,
}

impl Sorted {
    fn is_empty(&self) -> bool {
        match self {
            Sorted::Int { values, .. } => values.is_empty(),
            Sorted::Float(values) => values.is_empty(),
            Sorted::Str(values) => values.is_empty(),
            Sorted::Thresholds { empty, .. } => *empty,
        }
    }

    /// The boundary value of `top|bottom P%`, as a scalar; `None` when no value
    /// qualifies (no present values, or P = 0).
    fn threshold(&self, side: Side, share: Fraction) -> Option<Scalar<ArrayRef>> {
        match self {
            Sorted::Int { values, kind } => {
                int_scalar(*kind, *sorted_boundary(values.as_slice(), side, share)?)
            }
            Sorted::Float(values) => Some(float_scalar(*sorted_boundary(
                values.as_slice(),
                side,
                share,
            )?)),
            Sorted::Str(values) => {
                Some(str_scalar(sorted_boundary(values.as_slice(), side, share)?))
            }
            Sorted::Thresholds { at, .. } => at
                .iter()
                .find(|(s, f, _)| *s == side && *f == share)
                .and_then(|(_, _, t)| t.clone()),
        }
    }

    /// `x in top|bottom P%` for each row.
    pub(super) fn in_share(
        &self,
        side: Side,
        share: Fraction,
        value: &Operand,
        len: usize,
    ) -> Result<BooleanBuffer> {
        let Some(threshold) = self.threshold(side, share) else {
            return Ok(constant(false, len));
        };
        let op = match side {
            Side::Top => CmpOp::GtEq,
            Side::Bottom => CmpOp::LtEq,
        };
        compare_scalar(op, value, &threshold, len)
    }

    /// `quintile(x)`, `decile(x)` (ints) or `percentile(x)` (a float) for each row.
    pub(super) fn rank(&self, score: RankScore, value: &Operand) -> Result<Operand> {
        let sorted = self;
        let array = value.array();
        if sorted.is_empty() {
            let none: ArrayRef = match score {
                RankScore::Percentile => Arc::new(Float64Array::new_null(array.len())),
                _ => Arc::new(Int64Array::new_null(array.len())),
            };
            return Ok(value.with(none));
        }
        let ranked = match (sorted, array.data_type()) {
            (Sorted::Int { values, .. }, DataType::Int64) => {
                let a = array.as_primitive::<Int64Type>();
                ranks(
                    a.len(),
                    |i| a.is_valid(i).then(|| a.value(i)),
                    values,
                    score,
                )
            }
            (Sorted::Int { values, .. }, DataType::Date32) => {
                let a = array.as_primitive::<Date32Type>();
                ranks(
                    a.len(),
                    |i| a.is_valid(i).then(|| i64::from(a.value(i))),
                    values,
                    score,
                )
            }
            (Sorted::Int { values, .. }, DataType::Timestamp(TimeUnit::Microsecond, _)) => {
                let a = array.as_primitive::<TimestampMicrosecondType>();
                ranks(
                    a.len(),
                    |i| a.is_valid(i).then(|| a.value(i)),
                    values,
                    score,
                )
            }
            (Sorted::Float(values), DataType::Float64) => {
                let a = array.as_primitive::<Float64Type>();
                ranks(
                    a.len(),
                    |i| a.is_valid(i).then(|| a.value(i)),
                    values,
                    score,
                )
            }
            (Sorted::Str(values), _) => on_strings(
                array,
                "rank",
                |strings| {
                    Ok(ranks::<str, _, _, _>(
                        strings.len(),
                        |i| strings.is_valid(i).then(|| strings.value(i)),
                        values.as_slice(),
                        score,
                    ))
                },
                |keys, on_values| take(&on_values, keys, None),
            )?,
            (_, other) => return Err(unexpected("rank", other)),
        };
        Ok(value.with(ranked))
    }
}

/// The `top|bottom P%` boundary value of sorted values ([`boundary_position`]).
fn sorted_boundary<T>(sorted: &[T], side: Side, share: Fraction) -> Option<&T> {
    sorted.get(boundary_position(sorted.len(), side, share)?)
}

/// Present values gathered over the batches.
#[derive(Default)]
pub(super) struct Collector {
    /// Rows expected (0: unknown), reserved on the first push.
    expected: usize,
    ints: Vec<i64>,
    floats: Vec<f64>,
    strings: Vec<String>,
    kind: Option<Kind>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int(IntKind),
    Float,
    Str,
}

impl Collector {
    /// An empty collector that reserves `rows` values on its first batch (0: unknown).
    pub(super) fn expecting(rows: usize) -> Collector {
        Collector {
            expected: rows,
            ..Collector::default()
        }
    }

    /// Adds a batch's values (a scalar counts once per row).
    pub(super) fn push(&mut self, value: &Operand, rows: usize) -> Result<()> {
        let array = value.array();
        let repeat = if value.is_scalar() { rows } else { 1 };
        let kind = match array.data_type() {
            DataType::Int64 => Kind::Int(IntKind::Int),
            DataType::Date32 => Kind::Int(IntKind::Date),
            DataType::Timestamp(TimeUnit::Microsecond, _) => Kind::Int(IntKind::Timestamp),
            DataType::Float64 => Kind::Float,
            DataType::Utf8 | DataType::Dictionary(_, _) => Kind::Str,
            other => return Err(unexpected("ranked value", other)),
        };
        self.kind = Some(kind);
        for _ in 0..repeat {
            self.push_values(array, kind)?;
        }
        Ok(())
    }

    fn push_values(&mut self, array: &ArrayRef, kind: Kind) -> Result<()> {
        let expected = std::mem::take(&mut self.expected);
        match kind {
            Kind::Int(_) => self.ints.reserve(expected),
            Kind::Float => self.floats.reserve(expected),
            Kind::Str => {}
        }
        match kind {
            // no missing values: copy the slice (most ranked columns are not `?`)
            Kind::Int(IntKind::Int) if array.null_count() == 0 => self
                .ints
                .extend_from_slice(array.as_primitive::<Int64Type>().values()),
            Kind::Float if array.null_count() == 0 => self.floats.extend(
                array
                    .as_primitive::<Float64Type>()
                    .values()
                    .iter()
                    .filter(|v| !v.is_nan()),
            ),
            Kind::Int(IntKind::Int) => self
                .ints
                .extend(array.as_primitive::<Int64Type>().iter().flatten()),
            Kind::Int(IntKind::Date) => self.ints.extend(
                array
                    .as_primitive::<Date32Type>()
                    .iter()
                    .flatten()
                    .map(i64::from),
            ),
            Kind::Int(IntKind::Timestamp) => self.ints.extend(
                array
                    .as_primitive::<TimestampMicrosecondType>()
                    .iter()
                    .flatten(),
            ),
            Kind::Float => self.floats.extend(
                array
                    .as_primitive::<Float64Type>()
                    .iter()
                    .flatten()
                    .filter(|v| !v.is_nan()),
            ),
            Kind::Str => {
                let strings = arrow::compute::cast(array, &DataType::Utf8)?;
                self.strings.extend(
                    strings
                        .as_string::<i32>()
                        .iter()
                        .flatten()
                        .map(str::to_string),
                );
            }
        }
        Ok(())
    }

    pub(super) fn finish(mut self, uses: &Uses) -> Sorted {
        if !uses.rank {
            return self.select(&uses.shares);
        }
        match self.kind {
            None => Sorted::Int {
                values: Vec::new(),
                kind: IntKind::Int,
            },
            Some(Kind::Int(kind)) => {
                self.ints.par_sort_unstable();
                Sorted::Int {
                    values: self.ints,
                    kind,
                }
            }
            Some(Kind::Float) => {
                self.floats.par_sort_unstable_by(f64::total_cmp);
                Sorted::Float(self.floats)
            }
            Some(Kind::Str) => {
                self.strings.par_sort_unstable();
                Sorted::Str(self.strings)
            }
        }
    }

    /// Just the `top|bottom P%` boundaries (no sort); the values are dropped.
    fn select(mut self, shares: &[(Side, Fraction)]) -> Sorted {
        let empty = match self.kind {
            None => true,
            Some(Kind::Int(_)) => self.ints.is_empty(),
            Some(Kind::Float) => self.floats.is_empty(),
            Some(Kind::Str) => self.strings.is_empty(),
        };
        let at = shares
            .iter()
            .map(|&(side, share)| {
                let t = match self.kind {
                    None => None,
                    Some(Kind::Int(kind)) => select_boundary(&mut self.ints, side, share, i64::cmp)
                        .and_then(|t| int_scalar(kind, t)),
                    Some(Kind::Float) => {
                        select_boundary(&mut self.floats, side, share, f64::total_cmp)
                            .map(float_scalar)
                    }
                    Some(Kind::Str) => select_boundary(&mut self.strings, side, share, String::cmp)
                        .map(|t| str_scalar(&t)),
                };
                (side, share, t)
            })
            .collect();
        Sorted::Thresholds { empty, at }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scores::count_below;
    use super::*;

    /// count(v > x) over sorted values.
    fn count_above<T: PartialOrd + ?Sized, S: std::borrow::Borrow<T>>(
        sorted: &[S],
        x: &T,
    ) -> usize {
        sorted.len() - sorted.partition_point(|v| v.borrow() <= x)
    }

    /// Top: the smallest value v with count(> v)/n < P; bottom: the largest value v
    /// with count(< v)/n < P. Binary search over positions (both tests are monotone):
    /// the definition, searched directly, as the oracle for [`boundary_position`].
    fn threshold_of<T: PartialOrd>(sorted: &[T], side: Side, share: Fraction) -> Option<&T> {
        let n = sorted.len() as u64;
        let qualifies = |i: usize| -> bool {
            let Some(v) = sorted.get(i) else { return false };
            match side {
                Side::Top => share.exceeds(count_above::<T, T>(sorted, v) as u64, n),
                Side::Bottom => share.exceeds(count_below::<T, T>(sorted, v) as u64, n),
            }
        };
        // top: qualifying positions are a suffix; bottom: a prefix
        let (mut lo, mut hi) = (0, sorted.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let go_left = match side {
                Side::Top => qualifies(mid),
                Side::Bottom => !qualifies(mid),
            };
            if go_left {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        match side {
            Side::Top => sorted.get(lo),
            Side::Bottom => lo.checked_sub(1).and_then(|i| sorted.get(i)),
        }
    }

    /// Selection, and indexing the sorted values, must find exactly the boundary
    /// the sorted binary search finds, with heavy ties, for both sides and
    /// shares from 0% to 100%.
    #[test]
    fn selection_agrees_with_the_sorted_search() {
        let mut seed: u64 = 7;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 33
        };
        let shares = [0.0, 0.001, 0.1, 0.2, 0.25, 0.333, 0.5, 0.9, 0.999, 1.0];
        for n in [0usize, 1, 2, 3, 5, 10, 17, 100, 1000] {
            for spread in [1u64, 3, 10, 1000] {
                let values: Vec<i64> = (0..n).map(|_| (next() % spread) as i64).collect();
                let mut sorted = values.clone();
                sorted.sort_unstable();
                for share in shares {
                    let share = Fraction::from_share(share);
                    for side in [Side::Top, Side::Bottom] {
                        let want = threshold_of(&sorted, side, share).copied();
                        let indexed = sorted_boundary(&sorted, side, share).copied();
                        assert_eq!(indexed, want, "n={n} spread={spread} {share:?} {side:?}");
                        let mut scratch = values.clone();
                        let got = select_boundary(&mut scratch, side, share, i64::cmp);
                        assert_eq!(got, want, "n={n} spread={spread} {share:?} {side:?}");
                    }
                }
            }
        }
    }
}
