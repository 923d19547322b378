//! One streaming pass over an event table, updating every aggregate over it.
//!
//! Per batch: the key column becomes customer rows ([`CustomerIndex::lookup`]),
//! the time column becomes one `i64` per event in its own unit (days or µs, as
//! the plan's [`TimeRange`]s are), the filters are evaluated as masks by the
//! same executor as segment criteria, then each event with a customer updates
//! every aggregate whose time range and filter it passes ([`States::update`]).
//! Only the columns the aggregates need are read.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Date32Type, TimeUnit, TimestampMicrosecondType};
use arrow::error::ArrowError;

use super::Step;
use super::accumulate::{Input, Lane, States};
use super::index::{CustomerIndex, NO_ROW};
use crate::data::BatchSource;
use crate::eval::exec::{Exec, closure, position, positions};
use crate::eval::{EvalError, Population};
use crate::plan::{Aggregate, EventScan, NodeId};
use crate::syntax::ast::AggregateFn;

/// Reads `source` once and updates `states` (of `aggregates`, the aggregates
/// of this scan, in that order). Gives the events left out: missing time, or a
/// key that matches no customer.
pub(crate) fn run(
    scan: &EventScan,
    source: &dyn BatchSource,
    index: &CustomerIndex,
    aggregates: &[&Aggregate],
    states: &mut States,
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
        unit: "events",
        total: source.row_count(),
    });
    let mut left_out = 0u64;
    let mut rows = Vec::new();
    let mut times = Vec::new();
    for batch in source.batches(&columns)? {
        let batch = batch?;
        left_out += locate(scan, &at, &batch, index, &mut rows, &mut times)?;

        let masks = if filters.is_empty() {
            Vec::new()
        } else {
            let exec = Exec::run(&scan.filters, &no_statistics, &batch, 0, &at, &needed)?;
            filters
                .iter()
                .map(|f| exec.mask(*f))
                .collect::<Result<Vec<_>, _>>()?
        };
        let lanes = aggregates
            .iter()
            .map(|aggregate| {
                let filter = match aggregate.filter {
                    Some(node) => filters.binary_search(&node).ok().and_then(|i| masks.get(i)),
                    None => None,
                };
                Ok(Lane {
                    range: aggregate.range,
                    filter,
                    input: input(aggregate, &batch, &at)?,
                })
            })
            .collect::<Result<Vec<_>, ArrowError>>()?;
        states.update(index, &rows, &times, &lanes);
        on_step(Step::Rows(batch.num_rows()));
    }
    on_step(Step::Finished);
    Ok(left_out)
}

/// Events per half below which a batch's keys are looked up on one thread.
const SPLIT_AT: usize = 2 * 1024;

/// One batch's events located: `rows[i]` is event `i`'s first customer row
/// ([`NO_ROW`]: its key matches no customer, or it has no time) and `times[i]`
/// its time (see [`read_times`]). Gives how many are left out. `at` maps the
/// scan's fields to the batch's columns.
pub(super) fn locate(
    scan: &EventScan,
    at: &[Option<usize>],
    batch: &RecordBatch,
    index: &CustomerIndex,
    rows: &mut Vec<u32>,
    times: &mut Vec<i64>,
) -> Result<u64, EvalError> {
    let key = batch.column(position(at, batch, scan.schema.key)?);
    rows.clear();
    rows.resize(batch.num_rows(), NO_ROW);
    lookup(index, key, rows)?;
    let time = batch.column(position(at, batch, scan.time)?);
    read_times(time, times, rows)?;
    Ok(rows.iter().filter(|r| **r == NO_ROW).count() as u64)
}

/// [`CustomerIndex::lookup`], the two halves of a large batch on two threads:
/// a lookup waits on memory more than it computes, and the decoding threads
/// leave room.
fn lookup(index: &CustomerIndex, keys: &ArrayRef, rows: &mut [u32]) -> Result<(), ArrowError> {
    if rows.len() < 2 * SPLIT_AT {
        return index.lookup(keys, rows);
    }
    let half = rows.len() / 2;
    let (first, second) = rows.split_at_mut(half);
    let (a, b) = rayon::join(
        || index.lookup(&keys.slice(0, half), first),
        || index.lookup(&keys.slice(half, keys.len() - half), second),
    );
    a.and(b)
}

/// What `aggregate` reads per event besides counting it.
fn input<'a>(
    aggregate: &Aggregate,
    batch: &'a RecordBatch,
    at: &[Option<usize>],
) -> Result<Input<'a>, ArrowError> {
    Ok(match (aggregate.function, aggregate.measure) {
        (AggregateFn::First | AggregateFn::Last, _) => Input::Time,
        (_, Some(measure)) => Input::measure(batch.column(position(at, batch, measure)?))?,
        (_, None) => Input::None,
    })
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
