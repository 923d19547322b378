//! Event aggregates at a series of as-of dates, from one scan per event table
//! (`segmint backtest`).
//!
//! The plans of a series come from one program compiled at each date, so their
//! aggregates differ only in their time ranges (and, rarely, in how identical
//! aggregates were merged, or in a filter with a relative date). Every range is
//! whole days, so the ends of all ranges cut time into a few *buckets*
//! ([`Buckets`]), and each (date, aggregate) range is a run of consecutive
//! buckets. The scan stores each event once, in its bucket (in file order);
//! then, date by date:
//! - aggregates without a window (only the as-of cut-off) live in one
//!   [`States`] per table that is carried from date to date: each date adds the
//!   buckets between the previous cut-off and its own, so every event is added
//!   once over the whole series;
//! - aggregates with a window (`within last|next`) start from zero at each
//!   date and add the buckets of their window.
//!
//! A customer's events are added bucket by bucket, so a float `sum` adds them
//! in time-bucket order and, within a bucket, in file order: the same order as
//! `eval` when the file is in time order (the usual export), which may differ
//! in the last bit otherwise (docs/backtest.md).
//!
//! Memory is the events kept (key row, time, measures, filter bits: about 20
//! bytes an event) plus one evaluation's state.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanBufferBuilder, Float64Array, Int64Array};
use arrow::buffer::{BooleanBuffer, NullBuffer};
use arrow::datatypes::DataType;
use arrow::error::ArrowError;

use super::accumulate::{Input, Lane, States};
use super::index::{CustomerIndex, NO_ROW};
use super::scan::{lookup, read_times};
use super::{Aggregated, Step};
use crate::check::ir::{self, Type};
use crate::data::BatchSource;
use crate::eval::exec::{Exec, closure, position, positions};
use crate::eval::{EvalError, Population};
use crate::plan::{Aggregate, NodeId, Plan, TimeRange};
use crate::syntax::ast::AggregateFn;

/// The events of every table a series of plans reads, bucketed, and the
/// carried state of the aggregates without a window.
pub(crate) struct History {
    index: CustomerIndex,
    tables: Vec<TableHistory>,
    /// Per event table of the program: events left out.
    left_out: Vec<u64>,
    /// Aggregates per plan (by date), for [`History::at`].
    aggregates_per_date: Vec<usize>,
}

/// One event table's events and lanes.
struct TableHistory {
    buckets: Buckets,
    stored: Vec<Bucket>,
    /// The distinct things aggregated ([`LaneKey`]), with or without a window.
    keys: Vec<LaneKey>,
    /// Per date: each aggregate of that date's plan over this table, as
    /// (aggregate id in the plan, lane key, range).
    per_date: Vec<Vec<(usize, usize, TimeRange)>>,
    /// The lanes without a window, carried from date to date.
    carried: Option<Carried>,
}

/// What an aggregate computes, apart from its time range.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct LaneKey {
    function: AggregateFn,
    /// Index into [`TableHistory`]'s stored measures.
    measure: Option<usize>,
    /// Index into the stored filter masks.
    mask: Option<usize>,
    ty: Type,
}

/// The state of the lanes without a window: all of them count events up to the
/// current date's cut-off.
struct Carried {
    /// Lane keys in the state's order.
    keys: Vec<usize>,
    states: States,
    /// Buckets already added.
    added: usize,
}

impl Carried {
    /// A state for every lane without a window over the series, if any.
    fn of(lanes: &Lanes<'_>, rows: usize) -> Option<Carried> {
        let mut keys: Vec<usize> = lanes
            .per_date
            .iter()
            .flatten()
            .filter(|(_, _, range)| range.from == i64::MIN)
            .map(|(_, key, _)| *key)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.is_empty() {
            return None;
        }
        let specs: Vec<Aggregate> = keys
            .iter()
            .filter_map(|k| lanes.keys.get(*k))
            .map(spec_of)
            .collect();
        let refs: Vec<&Aggregate> = specs.iter().collect();
        Some(Carried {
            keys,
            states: States::new(&refs, rows),
            added: 0,
        })
    }
}

/// The cut points of time: every range start and every range end + 1, sorted.
/// Bucket `b` holds the times `t` with `b` cut points at or below `t`.
struct Buckets {
    cuts: Vec<i64>,
}

impl Buckets {
    fn new(ranges: impl Iterator<Item = TimeRange>) -> Buckets {
        let mut cuts = Vec::new();
        for range in ranges {
            if range.from != i64::MIN {
                cuts.push(range.from);
            }
            if let Some(after) = range.to.checked_add(1) {
                cuts.push(after);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        Buckets { cuts }
    }

    fn count(&self) -> usize {
        self.cuts.len() + 1
    }

    fn of(&self, time: i64) -> usize {
        self.cuts.partition_point(|c| *c <= time)
    }

    /// The buckets a range covers (its ends are cut points).
    fn covering(&self, range: TimeRange) -> std::ops::Range<usize> {
        let first = if range.from == i64::MIN {
            0
        } else {
            self.of(range.from)
        };
        first..self.of(range.to) + 1
    }
}

/// The events of one bucket, in file order, as the lanes read them.
#[derive(Default)]
struct Bucket {
    rows: Vec<u32>,
    times: Vec<i64>,
    measures: Vec<MeasureColumn>,
    masks: Vec<BooleanBufferBuilder>,
    /// Filled by [`Bucket::freeze`].
    frozen_measures: Vec<ArrayRef>,
    frozen_masks: Vec<BooleanBuffer>,
}

/// A stored measure column while it fills.
enum MeasureColumn {
    Int(Vec<i64>, BooleanBufferBuilder),
    Float(Vec<f64>, BooleanBufferBuilder),
}

impl Bucket {
    fn freeze(&mut self) {
        let nulls = |valid: &mut BooleanBufferBuilder| {
            let buffer = NullBuffer::new(valid.finish());
            (buffer.null_count() > 0).then_some(buffer)
        };
        self.frozen_measures = std::mem::take(&mut self.measures)
            .into_iter()
            .map(|m| -> ArrayRef {
                match m {
                    MeasureColumn::Int(values, mut valid) => {
                        Arc::new(Int64Array::new(values.into(), nulls(&mut valid)))
                    }
                    MeasureColumn::Float(values, mut valid) => {
                        Arc::new(Float64Array::new(values.into(), nulls(&mut valid)))
                    }
                }
            })
            .collect();
        self.frozen_masks = self.masks.iter_mut().map(|m| m.finish()).collect();
        self.masks.clear();
        self.rows.shrink_to_fit();
        self.times.shrink_to_fit();
    }
}

impl History {
    /// Scans each event table that `plans` read once, keeping its events in
    /// buckets. `plans` are one program compiled at ascending as-of dates.
    pub(crate) fn scan(
        plans: &[Plan],
        customers: &dyn BatchSource,
        events: &[Option<&dyn BatchSource>],
        on_step: &mut dyn FnMut(Step<'_>),
    ) -> Result<History, EvalError> {
        let Some(first) = plans.first() else {
            return Err(EvalError::Output("a series of no dates".into()));
        };
        let index = CustomerIndex::build(first, customers)?;
        let mut tables_read: Vec<ir::EventsId> =
            plans.iter().flat_map(|p| p.event_tables()).collect();
        tables_read.sort();
        tables_read.dedup();
        let slots = tables_read.iter().map(|t| t.0 as usize + 1).max();
        let mut left_out = vec![0; slots.unwrap_or(0)];
        let mut tables = Vec::with_capacity(tables_read.len());
        for table in tables_read {
            let Some(source) = events.get(table.0 as usize).copied().flatten() else {
                return Err(EvalError::Output(format!(
                    "no data for events table #{}",
                    table.0
                )));
            };
            let (history, dropped) = TableHistory::scan(plans, table, source, &index, on_step)?;
            if let Some(slot) = left_out.get_mut(table.0 as usize) {
                *slot = dropped;
            }
            tables.push(history);
        }
        Ok(History {
            index,
            tables,
            left_out,
            aggregates_per_date: plans.iter().map(|p| p.aggregates().len()).collect(),
        })
    }

    /// Events left out per event table of the program.
    pub(crate) fn left_out(&self) -> &[u64] {
        &self.left_out
    }

    /// Every aggregate of the plan of date `date` (an index into the plans
    /// given to [`History::scan`]). Dates must be asked for in ascending order.
    pub(crate) fn at(&mut self, date: usize) -> Result<Aggregated, EvalError> {
        let count = self.aggregates_per_date.get(date).copied().unwrap_or(0);
        let mut values: Vec<Option<ArrayRef>> = vec![None; count];
        for table in &mut self.tables {
            for (id, array) in table.at(date, &self.index)? {
                if let Some(slot) = values.get_mut(id) {
                    *slot = Some(array);
                }
            }
        }
        let values = values
            .into_iter()
            .map(|v| v.ok_or_else(|| EvalError::Output("an aggregate was not computed".into())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Aggregated {
            values,
            left_out: self.left_out.clone(),
        })
    }
}

impl TableHistory {
    fn scan(
        plans: &[Plan],
        table: ir::EventsId,
        source: &dyn BatchSource,
        index: &CustomerIndex,
        on_step: &mut dyn FnMut(Step<'_>),
    ) -> Result<(TableHistory, u64), EvalError> {
        let lanes = Lanes::of(plans, table)?;
        let buckets = Buckets::new(lanes.per_date.iter().flatten().map(|(_, _, r)| *r));
        let scan = lanes.scan;
        let columns = {
            let mut columns = vec![scan.schema.key, scan.time];
            columns.extend(lanes.measures.iter().copied());
            for (plan, _) in &lanes.variants {
                columns.extend(plan.columns().iter().copied());
            }
            columns.sort();
            columns.dedup();
            columns
        };
        let at = positions(&columns);
        let no_statistics = Population::default();
        let mut stored: Vec<Bucket> = (0..buckets.count()).map(|_| Bucket::default()).collect();
        let mut carried = Carried::of(&lanes, index.rows());
        let keep = lanes.kept_buckets(&buckets, carried.is_some());
        if let Some(carried) = carried.as_mut() {
            carried.added = keep.start;
        }
        let carried_keys: Vec<LaneKey> = carried
            .as_ref()
            .map(|c| {
                c.keys
                    .iter()
                    .filter_map(|k| lanes.keys.get(*k).cloned())
                    .collect()
            })
            .unwrap_or_default();

        on_step(Step::Started {
            what: scan.name(),
            total: source.row_count(),
        });
        let mut left_out = 0u64;
        let mut rows = Vec::new();
        let mut times = Vec::new();
        let mut early = Vec::new();
        for batch in source.batches(&columns)? {
            let batch = batch?;
            let key = batch.column(position(&at, &batch, scan.schema.key)?);
            rows.clear();
            rows.resize(batch.num_rows(), NO_ROW);
            lookup(index, key, &mut rows)?;
            let time = batch.column(position(&at, &batch, scan.time)?);
            read_times(time, &mut times, &mut rows)?;
            left_out += rows.iter().filter(|r| **r == NO_ROW).count() as u64;

            let execs = lanes
                .variants
                .iter()
                .map(|(plan, nodes)| {
                    let needed = closure(plan, nodes);
                    Exec::run(plan, &no_statistics, &batch, 0, &at, &needed)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let masks = lanes
                .masks
                .iter()
                .map(|(variant, node)| match execs.get(*variant) {
                    Some(exec) => exec.mask(*node),
                    None => Err(missing("filter")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let measures = lanes
                .measures
                .iter()
                .map(|m| Ok(Arc::clone(batch.column(position(&at, &batch, *m)?))))
                .collect::<Result<Vec<ArrayRef>, ArrowError>>()?;
            let bucket_of: Vec<usize> = times.iter().map(|t| buckets.of(*t)).collect();
            // events before every window and within every date's cut-off go
            // straight into the carried state: they are never needed again
            if let Some(carried) = carried.as_mut()
                && keep.start > 0
            {
                early.clear();
                early.extend(rows.iter().zip(&bucket_of).map(|(row, bucket)| {
                    if *bucket < keep.start { *row } else { NO_ROW }
                }));
                let keys: Vec<&LaneKey> = carried_keys.iter().collect();
                let batch_lanes = lanes_of(&keys, &measures, &masks)?;
                carried.states.update(index, &early, &times, &batch_lanes);
            }
            store(
                &mut stored,
                &keep,
                &bucket_of,
                &rows,
                &times,
                &measures,
                &masks,
            )?;
            on_step(Step::Rows(batch.num_rows()));
        }
        on_step(Step::Finished);
        for bucket in &mut stored {
            bucket.freeze();
        }
        Ok((
            TableHistory {
                buckets,
                stored,
                keys: lanes.keys,
                per_date: lanes.per_date,
                carried,
            },
            left_out,
        ))
    }

    /// This table's aggregates at `date`, as (aggregate id in that date's plan, values).
    fn at(
        &mut self,
        date: usize,
        index: &CustomerIndex,
    ) -> Result<Vec<(usize, ArrayRef)>, EvalError> {
        let Some(wanted) = self.per_date.get(date) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(wanted.len());
        // the carried lanes: add the buckets up to this date's cut-off
        let cut_off = wanted
            .iter()
            .find(|(_, _, range)| range.from == i64::MIN)
            .map(|(_, _, range)| *range);
        if let (Some(range), Some(carried)) = (cut_off, self.carried.as_mut()) {
            let upto = self.buckets.covering(range).end;
            let keys: Vec<&LaneKey> = carried
                .keys
                .iter()
                .filter_map(|k| self.keys.get(*k))
                .collect();
            for bucket in self.stored.get(carried.added..upto).unwrap_or_default() {
                apply(&mut carried.states, index, bucket, &keys)?;
            }
            carried.added = carried.added.max(upto);
            let values = carried.states.values();
            for (id, key, range) in wanted {
                if range.from != i64::MIN {
                    continue;
                }
                let slot = carried.keys.iter().position(|k| k == key);
                if let Some(array) = slot.and_then(|s| values.get(s)) {
                    out.push((*id, Arc::clone(array)));
                }
            }
        }
        // the windowed lanes: one fresh state per window
        let mut windows: HashMap<(i64, i64), Vec<(usize, usize)>> = HashMap::new();
        for (id, key, range) in wanted {
            if range.from != i64::MIN {
                windows
                    .entry((range.from, range.to))
                    .or_default()
                    .push((*id, *key));
            }
        }
        let mut windows: Vec<_> = windows.into_iter().collect();
        windows.sort_by_key(|(range, _)| *range);
        for ((from, to), members) in windows {
            let mut keys: Vec<usize> = members.iter().map(|(_, k)| *k).collect();
            keys.sort_unstable();
            keys.dedup();
            let specs: Vec<Aggregate> = keys
                .iter()
                .filter_map(|k| self.keys.get(*k))
                .map(spec_of)
                .collect();
            let refs: Vec<&Aggregate> = specs.iter().collect();
            let mut states = States::new(&refs, index.rows());
            let lane_keys: Vec<&LaneKey> = keys.iter().filter_map(|k| self.keys.get(*k)).collect();
            let covered = self.buckets.covering(TimeRange { from, to });
            for bucket in self.stored.get(covered).unwrap_or_default() {
                apply(&mut states, index, bucket, &lane_keys)?;
            }
            let values = states.finish();
            for (id, key) in members {
                let slot = keys.iter().position(|k| *k == key);
                if let Some(array) = slot.and_then(|s| values.get(s)) {
                    out.push((id, Arc::clone(array)));
                }
            }
        }
        Ok(out)
    }
}

/// Adds a bucket's events to `states` (whose aggregates are `keys`, in order).
fn apply(
    states: &mut States,
    index: &CustomerIndex,
    bucket: &Bucket,
    keys: &[&LaneKey],
) -> Result<(), EvalError> {
    if bucket.rows.is_empty() {
        return Ok(());
    }
    let lanes = lanes_of(keys, &bucket.frozen_measures, &bucket.frozen_masks)?;
    states.update(index, &bucket.rows, &bucket.times, &lanes);
    Ok(())
}

/// What each lane key reads from events whose stored measures and filter masks
/// are `measures` and `masks`. Buckets select the time range, so the lanes'
/// own range is everything.
fn lanes_of<'a>(
    keys: &[&LaneKey],
    measures: &'a [ArrayRef],
    masks: &'a [BooleanBuffer],
) -> Result<Vec<Lane<'a>>, ArrowError> {
    let everything = TimeRange {
        from: i64::MIN,
        to: i64::MAX,
    };
    keys.iter()
        .map(|key| {
            let input = match (key.function, key.measure) {
                (AggregateFn::First | AggregateFn::Last, _) => Input::Time,
                (_, Some(m)) => match measures.get(m) {
                    Some(column) => Input::measure(column)?,
                    None => return Err(missing("measure")),
                },
                (_, None) => Input::None,
            };
            let filter = match key.mask {
                Some(m) => Some(masks.get(m).ok_or_else(|| missing("filter"))?),
                None => None,
            };
            Ok(Lane {
                range: everything,
                filter,
                input,
            })
        })
        .collect()
}

fn missing(what: &str) -> ArrowError {
    ArrowError::InvalidArgumentError(format!("a stored {what} column went missing"))
}

/// An aggregate standing for a lane key (its range is not used: buckets select).
fn spec_of(key: &LaneKey) -> Aggregate {
    Aggregate {
        scan: crate::plan::ScanId(0),
        function: key.function,
        measure: None,
        filter: None,
        range: TimeRange {
            from: i64::MIN,
            to: i64::MAX,
        },
        ty: key.ty.clone(),
    }
}

/// Appends one batch's events (those with a customer, in a kept bucket) to
/// their buckets (`bucket_of[i]`: event `i`'s).
fn store(
    stored: &mut [Bucket],
    keep: &std::ops::Range<usize>,
    bucket_of: &[usize],
    rows: &[u32],
    times: &[i64],
    measures: &[ArrayRef],
    masks: &[BooleanBuffer],
) -> Result<(), ArrowError> {
    let inputs = measures
        .iter()
        .map(Input::measure)
        .collect::<Result<Vec<_>, _>>()?;
    for (i, ((&row, &time), &b)) in rows.iter().zip(times).zip(bucket_of).enumerate() {
        if row == NO_ROW || !keep.contains(&b) {
            continue;
        }
        let Some(bucket) = stored.get_mut(b) else {
            continue;
        };
        if bucket.measures.is_empty() && !measures.is_empty() {
            bucket.measures = measures
                .iter()
                .map(|m| match m.data_type() {
                    DataType::Int64 => MeasureColumn::Int(Vec::new(), BooleanBufferBuilder::new(0)),
                    _ => MeasureColumn::Float(Vec::new(), BooleanBufferBuilder::new(0)),
                })
                .collect();
        }
        if bucket.masks.len() < masks.len() {
            bucket.masks = masks.iter().map(|_| BooleanBufferBuilder::new(0)).collect();
        }
        bucket.rows.push(row);
        bucket.times.push(time);
        for (column, input) in bucket.measures.iter_mut().zip(&inputs) {
            match (column, input) {
                (MeasureColumn::Int(values, valid), Input::Int(ints)) => {
                    values.push(ints.value(i));
                    valid.append(ints.is_valid(i));
                }
                (MeasureColumn::Float(values, valid), Input::Float(floats)) => {
                    values.push(floats.value(i));
                    valid.append(floats.is_valid(i));
                }
                _ => return Err(missing("measure")),
            }
        }
        for (builder, mask) in bucket.masks.iter_mut().zip(masks) {
            builder.append(mask.value(i));
        }
    }
    Ok(())
}

/// The lanes of one event table over a series of plans.
struct Lanes<'p> {
    /// The table's scan in the first plan reading it (schema, time column).
    scan: &'p crate::plan::EventScan,
    /// Measure columns stored, each once.
    measures: Vec<ir::FieldId>,
    /// Distinct filter plans and the filter nodes stored from each; masks are
    /// stored in this order.
    variants: Vec<(&'p Plan, Vec<NodeId>)>,
    /// (variant, node) of each stored mask.
    masks: Vec<(usize, NodeId)>,
    keys: Vec<LaneKey>,
    per_date: Vec<Vec<(usize, usize, TimeRange)>>,
}

impl<'p> Lanes<'p> {
    fn of(plans: &'p [Plan], table: ir::EventsId) -> Result<Lanes<'p>, EvalError> {
        let scan = plans
            .iter()
            .flat_map(|p| p.scans())
            .find(|s| s.table == table)
            .ok_or_else(|| EvalError::Output("an event table with no scan".into()))?;
        let mut lanes = Lanes {
            scan,
            measures: Vec::new(),
            variants: Vec::new(),
            masks: Vec::new(),
            keys: Vec::new(),
            per_date: Vec::with_capacity(plans.len()),
        };
        for plan in plans {
            let mut wanted = Vec::new();
            let scan_id = plan.scans().iter().position(|s| s.table == table);
            if let Some(scan_id) = scan_id
                && let Some(scan) = plan.scans().get(scan_id)
            {
                let variant = lanes.variant(&scan.filters);
                for (id, aggregate) in plan.aggregates().iter().enumerate() {
                    if aggregate.scan.0 as usize != scan_id {
                        continue;
                    }
                    let key = lanes.key(aggregate, variant);
                    wanted.push((id, key, aggregate.range));
                }
            }
            lanes.per_date.push(wanted);
        }
        Ok(lanes)
    }

    /// The buckets kept after the scan. Before them: events no window of any
    /// date reaches and within every date's cut-off, added to the carried
    /// state as they are read (or, without carried lanes, not needed at all).
    /// After them: events after every range's end, never needed.
    fn kept_buckets(&self, buckets: &Buckets, carried: bool) -> std::ops::Range<usize> {
        let ranges = || self.per_date.iter().flatten().map(|(_, _, r)| *r);
        let first_window = ranges()
            .filter(|r| r.from != i64::MIN)
            .map(|r| buckets.covering(r).start)
            .min()
            .unwrap_or(usize::MAX);
        let first_cut_off = self
            .per_date
            .iter()
            .flatten()
            .map(|(_, _, r)| *r)
            .find(|r| r.from == i64::MIN)
            .map_or(usize::MAX, |r| buckets.covering(r).end);
        let start = if carried {
            first_window.min(first_cut_off)
        } else {
            first_window
        };
        let end = ranges().map(|r| buckets.covering(r).end).max().unwrap_or(0);
        start.min(end)..end
    }

    /// The index of `filters` among the distinct filter plans.
    fn variant(&mut self, filters: &'p Plan) -> usize {
        match self
            .variants
            .iter()
            .position(|(p, _)| p.same_arena(filters))
        {
            Some(i) => i,
            None => {
                self.variants.push((filters, Vec::new()));
                self.variants.len() - 1
            }
        }
    }

    fn key(&mut self, aggregate: &Aggregate, variant: usize) -> usize {
        let measure = aggregate.measure.map(|m| {
            self.measures
                .iter()
                .position(|x| *x == m)
                .unwrap_or_else(|| {
                    self.measures.push(m);
                    self.measures.len() - 1
                })
        });
        let mask = aggregate.filter.map(|node| {
            self.masks
                .iter()
                .position(|x| *x == (variant, node))
                .unwrap_or_else(|| {
                    self.masks.push((variant, node));
                    if let Some((_, nodes)) = self.variants.get_mut(variant) {
                        nodes.push(node);
                    }
                    self.masks.len() - 1
                })
        });
        let key = LaneKey {
            function: aggregate.function,
            measure,
            mask,
            ty: aggregate.ty.clone(),
        };
        self.keys.iter().position(|k| *k == key).unwrap_or_else(|| {
            self.keys.push(key);
            self.keys.len() - 1
        })
    }
}
