//! Population statistics: the whole-table pass behind `in top|bottom P%`,
//! `quintile`, `decile` and `percentile` (language.md, "Population statistics").
//!
//! For every ranked value the pass keeps the present values, sorted (memory: one
//! value per row for just those columns). Then, with n present values:
//! - `x in top P%` ⇔ count(> x) / n < P/100. That set of x is closed upwards, so it
//!   is `x >= t` for the smallest population value t that qualifies: one vectorised
//!   comparison per batch. `bottom` mirrors it (`x <= t`).
//! - `quintile`/`decile`/`percentile` count(< x) by binary search per row.
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
    DataType, Date32Type, Float64Type, Int32Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use arrow::error::ArrowError;

use super::EvalError;
use super::exec::{Exec, closure, positions};
use super::kernels::{compare_scalar, unexpected};
use super::operand::{Operand, constant};
use crate::check::ir::{CmpOp, RankScore, Side};
use crate::data::BatchSource;
use crate::plan::{Fraction, Node, NodeId, Plan, StatId};

type Result<T> = std::result::Result<T, ArrowError>;

/// The sorted present values of every statistic a plan uses.
#[derive(Debug, Default)]
pub struct Population {
    stats: Vec<Option<Sorted>>,
}

/// Sorted present values, by kind.
#[derive(Debug)]
enum Sorted {
    /// ints, dates (days) and instants (µs); `kind` rebuilds scalars of the right type
    Int {
        values: Vec<i64>,
        kind: IntKind,
    },
    Float(Vec<f64>),
    Str(Vec<String>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum IntKind {
    Int,
    Date,
    Timestamp,
}

impl Population {
    /// No statistics (for plans without population criteria).
    pub fn empty() -> Population {
        Population::default()
    }

    /// Reads `source` once per statistic level (once in practice), reading only the
    /// columns the ranked values need. Does nothing when the plan has no statistics.
    pub fn compute(
        plan: &Plan,
        source: &dyn BatchSource,
    ) -> std::result::Result<Population, EvalError> {
        let mut population = Population {
            stats: (0..plan.stats().len()).map(|_| None).collect(),
        };
        let max_level = plan.stats().iter().map(|s| s.level).max().unwrap_or(0);
        for level in 1..=max_level {
            population.compute_level(plan, source, level)?;
        }
        Ok(population)
    }

    fn compute_level(
        &mut self,
        plan: &Plan,
        source: &dyn BatchSource,
        level: u32,
    ) -> std::result::Result<(), EvalError> {
        let stats: Vec<(usize, NodeId)> = plan
            .stats()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.level == level)
            .map(|(i, s)| (i, s.value))
            .collect();
        let roots: Vec<NodeId> = stats.iter().map(|(_, v)| *v).collect();
        let needed = closure(plan, &roots);
        let columns = needed_columns(plan, &needed);
        let at = positions(&columns);
        let mut collected: Vec<Collector> = stats.iter().map(|_| Collector::default()).collect();
        for batch in source.batches(&columns)? {
            let batch = batch?;
            let exec = Exec::run(plan, self, &batch, &at, &needed)?;
            for ((_, value), collector) in stats.iter().zip(collected.iter_mut()) {
                collector.push(&exec.operand(*value)?, batch.num_rows())?;
            }
        }
        for ((i, _), collector) in stats.iter().zip(collected) {
            if let Some(slot) = self.stats.get_mut(*i) {
                *slot = collector.finish();
            }
        }
        Ok(())
    }

    fn sorted(&self, stat: StatId) -> Result<&Sorted> {
        self.stats
            .get(stat.0 as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| {
                ArrowError::InvalidArgumentError(format!("population #{} was not computed", stat.0))
            })
    }

    /// `x in top|bottom P%` for each row.
    pub(crate) fn in_share(
        &self,
        stat: StatId,
        side: Side,
        share: Fraction,
        value: &Operand,
        len: usize,
    ) -> Result<BooleanBuffer> {
        let Some(threshold) = self.sorted(stat)?.threshold(side, share) else {
            return Ok(constant(false, len));
        };
        let op = match side {
            Side::Top => CmpOp::GtEq,
            Side::Bottom => CmpOp::LtEq,
        };
        compare_scalar(op, value, &threshold, len)
    }

    /// `quintile(x)`, `decile(x)` (ints) or `percentile(x)` (a float) for each row.
    pub(crate) fn rank(&self, stat: StatId, score: RankScore, value: &Operand) -> Result<Operand> {
        let sorted = self.sorted(stat)?;
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
            (Sorted::Str(values), DataType::Utf8) => {
                let a = array.as_string::<i32>();
                ranks::<str, _, _, _>(
                    a.len(),
                    |i| a.is_valid(i).then(|| a.value(i)),
                    values.as_slice(),
                    score,
                )
            }
            (Sorted::Str(values), DataType::Dictionary(key, _)) if **key == DataType::Int32 => {
                let dict = array.as_dictionary::<Int32Type>();
                let strings = dict
                    .values()
                    .as_string_opt::<i32>()
                    .ok_or_else(|| unexpected("rank", dict.values().data_type()))?;
                let on_values = ranks::<str, _, _, _>(
                    strings.len(),
                    |i| strings.is_valid(i).then(|| strings.value(i)),
                    values.as_slice(),
                    score,
                );
                take(&on_values, dict.keys(), None)?
            }
            (_, other) => return Err(unexpected("rank", other)),
        };
        Ok(value.with(ranked))
    }
}

/// The key column and every column the needed nodes read, in schema order.
fn needed_columns(plan: &Plan, needed: &[bool]) -> Vec<crate::check::ir::FieldId> {
    let key = plan.schema().key;
    let mut fields: Vec<_> = plan
        .nodes()
        .iter()
        .zip(needed)
        .filter_map(|(node, n)| match node {
            Node::Column(f) if *n && *f != key => Some(*f),
            _ => None,
        })
        .collect();
    fields.sort();
    fields.dedup();
    fields.insert(0, key);
    fields
}

/// count(v < x) over sorted values.
fn count_below<T: PartialOrd + ?Sized, S: std::borrow::Borrow<T>>(sorted: &[S], x: &T) -> usize {
    sorted.partition_point(|v| v.borrow() < x)
}

/// count(v > x) over sorted values.
fn count_above<T: PartialOrd + ?Sized, S: std::borrow::Borrow<T>>(sorted: &[S], x: &T) -> usize {
    sorted.len() - sorted.partition_point(|v| v.borrow() <= x)
}

/// The rank score of a value with `below` population values under it, of `n`.
fn score_of(score: RankScore, below: usize, n: usize) -> ScoreValue {
    let (below, n) = (below as u128, n as u128);
    match score {
        RankScore::Quintile => ScoreValue::Int(1 + (5 * below / n) as i64),
        RankScore::Decile => ScoreValue::Int(1 + (10 * below / n) as i64),
        RankScore::Percentile => ScoreValue::Float(100.0 * below as f64 / n as f64),
    }
}

enum ScoreValue {
    Int(i64),
    Float(f64),
}

/// Scores for `len` rows (`get` gives each row's value, `None` when missing).
fn ranks<
    T: PartialOrd + ?Sized,
    S: std::borrow::Borrow<T>,
    G: Fn(usize) -> Option<R>,
    R: std::borrow::Borrow<T>,
>(
    len: usize,
    get: G,
    sorted: &[S],
    score: RankScore,
) -> ArrayRef {
    let n = sorted.len();
    let scores = (0..len).map(|i| {
        let x = get(i)?;
        (n > 0).then(|| score_of(score, count_below(sorted, x.borrow()), n))
    });
    match score {
        RankScore::Percentile => Arc::new(
            scores
                .map(|s| match s {
                    Some(ScoreValue::Float(f)) => Some(f),
                    _ => None,
                })
                .collect::<Float64Array>(),
        ),
        _ => Arc::new(
            scores
                .map(|s| match s {
                    Some(ScoreValue::Int(v)) => Some(v),
                    _ => None,
                })
                .collect::<Int64Array>(),
        ),
    }
}

impl Sorted {
    fn is_empty(&self) -> bool {
        match self {
            Sorted::Int { values, .. } => values.is_empty(),
            Sorted::Float(values) => values.is_empty(),
            Sorted::Str(values) => values.is_empty(),
        }
    }

    /// The boundary value of `top|bottom P%`, as a scalar; `None` when no value
    /// qualifies (no present values, or P = 0).
    fn threshold(&self, side: Side, share: Fraction) -> Option<Scalar<ArrayRef>> {
        match self {
            Sorted::Int { values, kind } => {
                let t = *threshold_of(values.as_slice(), side, share)?;
                let array: ArrayRef = match kind {
                    IntKind::Int => Arc::new(Int64Array::from(vec![t])),
                    IntKind::Date => Arc::new(Date32Array::from(vec![i32::try_from(t).ok()?])),
                    IntKind::Timestamp => Arc::new(TimestampMicrosecondArray::from(vec![t])),
                };
                Some(Scalar::new(array))
            }
            Sorted::Float(values) => {
                let t = *threshold_of(values.as_slice(), side, share)?;
                Some(Scalar::new(
                    Arc::new(Float64Array::from(vec![t])) as ArrayRef
                ))
            }
            Sorted::Str(values) => {
                let t = threshold_of(values.as_slice(), side, share)?;
                Some(Scalar::new(
                    Arc::new(StringArray::from(vec![t.as_str()])) as ArrayRef
                ))
            }
        }
    }
}

/// Top: the smallest value v with count(> v)/n < P; bottom: the largest value v
/// with count(< v)/n < P. Binary search over positions (both tests are monotone).
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

/// Present values gathered over the batches.
#[derive(Default)]
struct Collector {
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
    /// Adds a batch's values (a scalar counts once per row).
    fn push(&mut self, value: &Operand, rows: usize) -> Result<()> {
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
        match kind {
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

    fn finish(mut self) -> Option<Sorted> {
        Some(match self.kind {
            None => Sorted::Int {
                values: Vec::new(),
                kind: IntKind::Int,
            },
            Some(Kind::Int(kind)) => {
                self.ints.sort_unstable();
                Sorted::Int {
                    values: self.ints,
                    kind,
                }
            }
            Some(Kind::Float) => {
                self.floats.sort_unstable_by(f64::total_cmp);
                Sorted::Float(self.floats)
            }
            Some(Kind::Str) => {
                self.strings.sort_unstable();
                Sorted::Str(self.strings)
            }
        })
    }
}
