//! One streaming pass over an event table, updating every aggregate over it.
//!
//! Per batch: the key column becomes customer rows ([`CustomerIndex::lookup`]),
//! the time column becomes one `i64` per event in its own unit (days or µs, as
//! the plan's [`TimeRange`]s are), the filters are evaluated as masks by the
//! same executor as segment criteria, then each aggregate walks the events that
//! have a customer, a time in its range and pass its filter. Only the columns
//! the aggregates need are read.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::buffer::BooleanBuffer;
use arrow::datatypes::{DataType, Date32Type, TimeUnit, TimestampMicrosecondType};
use arrow::error::ArrowError;

use super::Step;
use super::accumulate::{Accumulator, Input};
use super::index::{CustomerIndex, NO_ROW};
use crate::check::ir::FieldId;
use crate::data::BatchSource;
use crate::eval::exec::{Exec, closure, position, positions};
use crate::eval::{EvalError, Population};
use crate::plan::{Aggregate, EventScan, NodeId, TimeRange};
use crate::syntax::ast::AggregateFn;

/// The events of one batch that one aggregate counts.
pub(crate) struct Selection<'a> {
    /// Each event's first customer row ([`NO_ROW`]: left out).
    rows: &'a [u32],
    /// Each event's time (meaningless where the row is [`NO_ROW`]).
    times: &'a [i64],
    range: TimeRange,
    filter: Option<&'a BooleanBuffer>,
    index: &'a CustomerIndex,
}

impl Selection<'_> {
    /// Calls `visit(event, customer row)` for each counted event, in file order
    /// (an event whose key several customer rows share visits each of them).
    #[inline]
    pub(crate) fn each(&self, mut visit: impl FnMut(usize, usize)) {
        for (i, (&row, &time)) in self.rows.iter().zip(self.times).enumerate() {
            if row == NO_ROW || !self.range.contains(time) {
                continue;
            }
            if let Some(filter) = self.filter
                && !filter.value(i)
            {
                continue;
            }
            self.index.each_row(row, |r| visit(i, r));
        }
    }
}

/// Reads `source` once and updates `accumulators` (the aggregates of this scan,
/// in the same order as `aggregates`). Gives the events left out: missing time,
/// or a key that matches no customer.
pub(crate) fn run(
    scan: &EventScan,
    source: &dyn BatchSource,
    index: &CustomerIndex,
    aggregates: &[&Aggregate],
    accumulators: &mut [Accumulator],
    on_step: &mut dyn FnMut(Step<'_>),
) -> Result<u64, EvalError> {
    let columns = scan.columns(aggregates.iter().copied());
    let at = positions(&columns);
    let mut filters: Vec<NodeId> = aggregates.iter().filter_map(|a| a.filter).collect();
    filters.sort();
    filters.dedup();
    let needed = closure(&scan.filters, &filters);
    let no_statistics = Population::default();

    on_step(Step::Started {
        what: scan.name(),
        total: source.row_count(),
    });
    let mut left_out = 0u64;
    let mut rows = Vec::new();
    let mut times = Vec::new();
    for batch in source.batches(&columns)? {
        let batch = batch?;
        let key = batch.column(position(&at, &batch, scan.schema.key)?);
        index.lookup(key, &mut rows)?;
        let time = batch.column(position(&at, &batch, scan.time)?);
        read_times(time, &mut times, &mut rows)?;
        left_out += rows.iter().filter(|r| **r == NO_ROW).count() as u64;

        let masks = if filters.is_empty() {
            Vec::new()
        } else {
            let exec = Exec::run(&scan.filters, &no_statistics, &batch, 0, &at, &needed)?;
            filters
                .iter()
                .map(|f| exec.mask(*f))
                .collect::<Result<Vec<_>, _>>()?
        };
        for (aggregate, accumulator) in aggregates.iter().zip(accumulators.iter_mut()) {
            let filter = match aggregate.filter {
                Some(node) => filters.binary_search(&node).ok().and_then(|i| masks.get(i)),
                None => None,
            };
            let selection = Selection {
                rows: &rows,
                times: &times,
                range: aggregate.range,
                filter,
                index,
            };
            let input = input(aggregate, &batch, &at, &times)?;
            accumulator.update(&selection, input)?;
        }
        on_step(Step::Rows(batch.num_rows()));
    }
    on_step(Step::Finished);
    Ok(left_out)
}

/// What `aggregate` reads per event besides counting it.
fn input<'a>(
    aggregate: &Aggregate,
    batch: &'a RecordBatch,
    at: &[Option<usize>],
    times: &'a [i64],
) -> Result<Input<'a>, ArrowError> {
    Ok(match (aggregate.function, aggregate.measure) {
        (AggregateFn::First | AggregateFn::Last, _) => Input::Times(times),
        (_, Some(measure)) => Input::Measure(measure_column(batch, at, measure)?),
        (_, None) => Input::None,
    })
}

fn measure_column<'a>(
    batch: &'a RecordBatch,
    at: &[Option<usize>],
    measure: FieldId,
) -> Result<&'a ArrayRef, ArrowError> {
    Ok(batch.column(position(at, batch, measure)?))
}

/// Each event's time as `i64` (days for a date column, µs for a timestamp);
/// an event without a time gets [`NO_ROW`] as its row: it is left out.
fn read_times(time: &ArrayRef, out: &mut Vec<i64>, rows: &mut [u32]) -> Result<(), ArrowError> {
    out.clear();
    match time.data_type() {
        DataType::Date32 => out.extend(
            time.as_primitive::<Date32Type>()
                .values()
                .iter()
                .map(|d| i64::from(*d)),
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            out.extend_from_slice(time.as_primitive::<TimestampMicrosecondType>().values());
        }
        other => {
            return Err(ArrowError::InvalidArgumentError(format!(
                "an event time column of type {other}"
            )));
        }
    }
    if let Some(nulls) = time.nulls() {
        for (row, valid) in rows.iter_mut().zip(nulls.iter()) {
            if !valid {
                *row = NO_ROW;
            }
        }
    }
    Ok(())
}
