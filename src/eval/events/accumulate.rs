//! Typed accumulators: one aggregate's running state for every customer row, in
//! flat arrays indexed by row. Memory is rows × (one or two values), whatever the
//! number of events.
//!
//! Events arrive in file order and each customer's state is updated in that
//! order, so float sums add in the same order as the reference interpreter's and
//! give the same bits. The spec's rules: `count` of none is 0, `sum` of none is
//! 0, `avg`/`min`/`max`/`first`/`last` of none are missing; missing measures are
//! skipped (NaN is missing, `-0.0` is `0.0`); an int `sum` is exact (added in
//! 128 bits) and missing when the total does not fit in 64 bits, never wrapped.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int64Array,
    TimestampMicrosecondArray,
};
use arrow::buffer::{BooleanBuffer, NullBuffer};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::error::ArrowError;

use super::scan::Selection;
use crate::check::ir::Type;
use crate::plan::Aggregate;
use crate::syntax::ast::AggregateFn;

/// One aggregate's state for every customer row.
pub(crate) enum Accumulator {
    Count(Vec<i64>),
    Exists(Vec<bool>),
    SumInt(Vec<i128>),
    SumFloat(Vec<f64>),
    Avg {
        sums: Vec<f64>,
        counts: Vec<u64>,
    },
    /// `min`/`max` of ints, `first`/`last` (days or instants).
    ExtremeInt {
        values: Vec<i64>,
        seen: Vec<bool>,
        max: bool,
        ty: Type,
    },
    /// `min`/`max` of floats.
    ExtremeFloat {
        values: Vec<f64>,
        seen: Vec<bool>,
        max: bool,
    },
}

/// What an event feeds an accumulator besides being counted.
pub(crate) enum Input<'a> {
    /// Nothing (`count`, `exists`).
    None,
    /// The aggregated column.
    Measure(&'a ArrayRef),
    /// The event times, one per event (`first`, `last`).
    Times(&'a [i64]),
}

impl Accumulator {
    /// Fresh state for `rows` customers.
    pub(crate) fn new(aggregate: &Aggregate, rows: usize) -> Accumulator {
        let float_measure = aggregate.ty == Type::Float;
        match aggregate.function {
            AggregateFn::Count => Accumulator::Count(vec![0; rows]),
            AggregateFn::Exists => Accumulator::Exists(vec![false; rows]),
            AggregateFn::Sum if float_measure => Accumulator::SumFloat(vec![0.0; rows]),
            AggregateFn::Sum => Accumulator::SumInt(vec![0; rows]),
            AggregateFn::Avg => Accumulator::Avg {
                sums: vec![0.0; rows],
                counts: vec![0; rows],
            },
            AggregateFn::Min | AggregateFn::Max if float_measure => Accumulator::ExtremeFloat {
                values: vec![0.0; rows],
                seen: vec![false; rows],
                max: aggregate.function == AggregateFn::Max,
            },
            AggregateFn::Min | AggregateFn::Max | AggregateFn::First | AggregateFn::Last => {
                Accumulator::ExtremeInt {
                    values: vec![0; rows],
                    seen: vec![false; rows],
                    max: matches!(aggregate.function, AggregateFn::Max | AggregateFn::Last),
                    ty: aggregate.ty.clone(),
                }
            }
        }
    }

    /// Adds the selected events of one batch.
    pub(crate) fn update(
        &mut self,
        selected: &Selection<'_>,
        input: Input<'_>,
    ) -> Result<(), ArrowError> {
        match self {
            Accumulator::Count(counts) => selected.each(|_, row| {
                if let Some(c) = counts.get_mut(row) {
                    *c += 1;
                }
            }),
            Accumulator::Exists(seen) => selected.each(|_, row| {
                if let Some(s) = seen.get_mut(row) {
                    *s = true;
                }
            }),
            Accumulator::SumInt(sums) => {
                let ints = int_measure(&input)?;
                selected.each(|i, row| {
                    if ints.is_valid(i)
                        && let Some(sum) = sums.get_mut(row)
                    {
                        *sum += i128::from(ints.value(i));
                    }
                });
            }
            Accumulator::SumFloat(sums) => {
                let floats = float_measure(&input)?;
                selected.each(|i, row| {
                    if let Some(v) = present_float(floats, i)
                        && let Some(sum) = sums.get_mut(row)
                    {
                        *sum += v;
                    }
                });
            }
            Accumulator::Avg { sums, counts } => match &input {
                Input::Measure(m) if m.data_type() == &DataType::Int64 => {
                    let ints = m.as_primitive::<Int64Type>();
                    selected.each(|i, row| {
                        if ints.is_valid(i)
                            && let (Some(sum), Some(count)) =
                                (sums.get_mut(row), counts.get_mut(row))
                        {
                            *sum += ints.value(i) as f64;
                            *count += 1;
                        }
                    });
                }
                _ => {
                    let floats = float_measure(&input)?;
                    selected.each(|i, row| {
                        if let Some(v) = present_float(floats, i)
                            && let (Some(sum), Some(count)) =
                                (sums.get_mut(row), counts.get_mut(row))
                        {
                            *sum += v;
                            *count += 1;
                        }
                    });
                }
            },
            Accumulator::ExtremeInt {
                values, seen, max, ..
            } => {
                let max = *max;
                let mut take = |row: usize, v: i64| {
                    if let (Some(best), Some(seen)) = (values.get_mut(row), seen.get_mut(row)) {
                        if !*seen || (max && v > *best) || (!max && v < *best) {
                            *best = v;
                            *seen = true;
                        }
                    }
                };
                match input {
                    Input::Times(times) => selected.each(|i, row| {
                        if let Some(t) = times.get(i) {
                            take(row, *t);
                        }
                    }),
                    _ => {
                        let ints = int_measure(&input)?;
                        selected.each(|i, row| {
                            if ints.is_valid(i) {
                                take(row, ints.value(i));
                            }
                        });
                    }
                }
            }
            Accumulator::ExtremeFloat { values, seen, max } => {
                let max = *max;
                let floats = float_measure(&input)?;
                selected.each(|i, row| {
                    if let Some(v) = present_float(floats, i)
                        && let (Some(best), Some(seen)) = (values.get_mut(row), seen.get_mut(row))
                        && (!*seen || (max && v > *best) || (!max && v < *best))
                    {
                        *best = v;
                        *seen = true;
                    }
                });
            }
        }
        Ok(())
    }

    /// The aggregate's value for every customer row, as an Arrow array of the
    /// aggregate's canonical type (the vectors become its buffers, uncopied
    /// where the layout allows).
    pub(crate) fn finish(self) -> ArrayRef {
        match self {
            Accumulator::Count(counts) => Arc::new(Int64Array::from(counts)),
            Accumulator::Exists(seen) => Arc::new(BooleanArray::from(seen)),
            Accumulator::SumInt(sums) => Arc::new(
                sums.iter()
                    .map(|sum| i64::try_from(*sum).ok())
                    .collect::<Int64Array>(),
            ),
            Accumulator::SumFloat(sums) => floats(sums, None),
            Accumulator::Avg { sums, counts } => {
                let seen: Vec<bool> = counts.iter().map(|c| *c > 0).collect();
                let means = sums
                    .iter()
                    .zip(&counts)
                    .map(|(sum, count)| if *count > 0 { sum / *count as f64 } else { 0.0 })
                    .collect();
                floats(means, Some(seen))
            }
            Accumulator::ExtremeFloat { values, seen, .. } => floats(values, Some(seen)),
            Accumulator::ExtremeInt {
                values, seen, ty, ..
            } => {
                let nulls = nulls_of(&seen);
                match ty {
                    Type::Date => {
                        let days: Vec<i32> = values
                            .iter()
                            .map(|d| i32::try_from(*d).unwrap_or_default())
                            .collect();
                        Arc::new(Date32Array::new(days.into(), nulls))
                    }
                    Type::Timestamp => {
                        Arc::new(TimestampMicrosecondArray::new(values.into(), nulls))
                    }
                    _ => Arc::new(Int64Array::new(values.into(), nulls)),
                }
            }
        }
    }
}

/// A validity buffer from per-row flags; `None` when every row is valid.
fn nulls_of(valid: &[bool]) -> Option<NullBuffer> {
    let buffer = NullBuffer::new(BooleanBuffer::from(valid));
    (buffer.null_count() > 0).then_some(buffer)
}

/// A float result: missing where `seen` says no value, and where the arithmetic
/// gave NaN (`inf - inf`); `-0.0` becomes `0.0`.
fn floats(mut values: Vec<f64>, seen: Option<Vec<bool>>) -> ArrayRef {
    let mut valid = seen.unwrap_or_else(|| vec![true; values.len()]);
    for (value, valid) in values.iter_mut().zip(valid.iter_mut()) {
        if value.is_nan() {
            *valid = false;
        }
        *value += 0.0;
    }
    Arc::new(Float64Array::new(values.into(), nulls_of(&valid)))
}

/// A present float measure (NaN is missing), `-0.0` as `0.0`.
#[inline]
fn present_float(floats: &Float64Array, i: usize) -> Option<f64> {
    if floats.is_null(i) {
        return None;
    }
    let v = floats.value(i);
    (!v.is_nan()).then_some(v + 0.0)
}

fn int_measure<'a>(input: &Input<'a>) -> Result<&'a Int64Array, ArrowError> {
    match input {
        Input::Measure(m) if m.data_type() == &DataType::Int64 => Ok(m.as_primitive::<Int64Type>()),
        _ => Err(wrong_input("an int column")),
    }
}

fn float_measure<'a>(input: &Input<'a>) -> Result<&'a Float64Array, ArrowError> {
    match input {
        Input::Measure(m) if m.data_type() == &DataType::Float64 => {
            Ok(m.as_primitive::<Float64Type>())
        }
        _ => Err(wrong_input("a float column")),
    }
}

fn wrong_input(wanted: &str) -> ArrowError {
    ArrowError::InvalidArgumentError(format!("an aggregate expected {wanted} to aggregate"))
}
