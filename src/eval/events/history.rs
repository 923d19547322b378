//! Event aggregates at a series of as-of dates, from one scan per event table
//! (`segmint backtest`).
//!
//! The plans of a series come from one program compiled at ascending dates, so
//! their aggregates differ only in their time ranges (and, rarely, in how
//! identical aggregates were merged, or in a filter with a relative date). The
//! scan keeps the events some date needs, grouped by customer (each customer's
//! events contiguous, sorted by time); then each date computes every aggregate
//! customer by customer, with the customer's state in a small buffer
//! ([`accumulate::grouped`]): a cursor per customer moves to the date, the
//! events it passes are added to the base state (so the aggregates without a
//! window add each event once over the series), and each window is read from
//! the cursor backwards. Events older than every window and every cut-off are
//! not kept: the scan adds them to the base state ([`States`]) directly.
//!
//! A float `sum`/`avg` without a window adds those old events first, then the
//! customer's kept events in time order (equal times in file order): the same
//! order as `eval` when the event file is in time order (the usual export),
//! else the sum may differ (docs/backtest.md).
//!
//! Memory: the kept events (time, measures, filter bits: about 17 bytes each),
//! one base state and a cursor per customer; no per-date state beyond one
//! date's outputs (whose memory the next date reuses). The kept events live in
//! [`ReservedVec`]s and are grouped where they are, so that the memory freed
//! along the way goes back to the system rather than to the allocator's free
//! lists (where ~50 MB stayed when they were grouped into new vectors).

use std::sync::Arc;

use arrow::array::BooleanBufferBuilder;
use arrow::array::{Array, ArrayRef, Float64Array, Int64Array};
use arrow::buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
use arrow::error::ArrowError;

use super::accumulate::{self, Carried, Cursors, EventBlock, Input, Lane, PARALLEL_EVENTS, States};
use super::index::{CustomerIndex, NO_ROW};
use super::reserved::ReservedVec;
use super::scan::locate;
use super::{Aggregated, Step};
use crate::check::ir::{self, Type};
use crate::data::BatchSource;
use crate::eval::exec::{Exec, closure, position, positions};
use crate::eval::{EvalError, Population};
use crate::plan::{Aggregate, NodeId, Plan, TimeRange};
use crate::syntax::ast::AggregateFn;

/// The events of every table a series of plans reads, grouped by customer.
pub(crate) struct History {
    tables: Vec<TableHistory>,
    /// Per event table of the program: events left out.
    left_out: Vec<u64>,
    /// Aggregates per plan (by date), for [`History::at`].
    aggregates_per_date: Vec<usize>,
    /// The previous date's arrays, given back ([`History::recycle`]): their
    /// memory is written over rather than allocated, zeroed and faulted in anew.
    spare: Vec<ArrayRef>,
}

/// One event table's kept events and what each date computes from them.
struct TableHistory {
    grouped: Vec<GroupedBlock>,
    /// The distinct things aggregated ([`LaneKey`]).
    keys: Vec<LaneKey>,
    /// Per date: each aggregate of that date's plan over this table, as
    /// (aggregate id in the plan, lane key, range).
    per_date: Vec<Vec<(usize, usize, TimeRange)>>,
    /// The lanes without a window: their state up to the last date asked for
    /// (the events not kept were added during the scan).
    base: Option<Base>,
    /// Per customer row, its first kept event after the last date asked for
    /// (local to its block): where each date's windows end, so they are found
    /// from there backwards, reading only the events near them.
    next: Vec<u32>,
}

/// A table as read, before its kept events are grouped.
struct TableScan {
    kept: Kept,
    keys: Vec<LaneKey>,
    per_date: Vec<Vec<(usize, usize, TimeRange)>>,
    base: Option<(States, Vec<usize>)>,
    /// Per stored measure: whether it is an int column.
    int: Vec<bool>,
    masks: usize,
}

/// The carried state of the lanes without a window.
struct Base {
    states: States,
    /// The lane key of each of its aggregates.
    keys: Vec<usize>,
}

/// What an aggregate computes, apart from its time range.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct LaneKey {
    function: AggregateFn,
    /// Index into the stored measures.
    measure: Option<usize>,
    /// Index into the stored filter masks.
    mask: Option<usize>,
    ty: Type,
}

/// The kept events of one block of customer rows, grouped by row and sorted
/// by time: local row `k`'s are `offsets[k]..offsets[k + 1]`.
struct GroupedBlock {
    first_row: usize,
    offsets: Vec<u32>,
    times: ReservedVec<i64>,
    measures: Vec<ArrayRef>,
    masks: Vec<BooleanBuffer>,
}

/// Kept events in file order while the file is read, by block of customer
/// rows (an event of a duplicated key in the block of each of its rows).
struct Kept {
    blocks: Vec<Block>,
    /// Events a block is expected to hold at most (twice its share of the
    /// table's rows): each block's vectors are reserved that large up front,
    /// as address space ([`ReservedVec`]): only what is written is resident,
    /// and no vector is copied as it grows.
    expected: usize,
}

/// Twice a block's share of an event table's rows (at most all of them): room
/// for skew that costs address space only ([`ReservedVec`]).
fn expected_per_block(events: Option<u64>, customers: usize) -> usize {
    let blocks = customers.div_ceil(BLOCK_ROWS).max(1) as u64;
    events.map_or(0, |e| usize::try_from((e / blocks * 2).min(e)).unwrap_or(0))
}

/// Rows per block (a power of two): a block is grouped on its own, so grouping
/// needs little memory beyond the events, and its rows fit a `u16`.
const BLOCK_BITS: u32 = 16;
const BLOCK_ROWS: usize = 1 << BLOCK_BITS;

#[derive(Default)]
struct Block {
    /// Each event's row within the block.
    rows: ReservedVec<u16>,
    times: ReservedVec<i64>,
    /// Per measure: raw values (an `i64`, or an `f64`'s bits) and validity
    /// (a bit per event).
    measures: Vec<(ReservedVec<u64>, BooleanBufferBuilder)>,
    /// Per filter: a bit per event.
    masks: Vec<BooleanBufferBuilder>,
}

impl Block {
    /// Room for `events` events of `measures` measures and `masks` filters.
    fn reserve(&mut self, events: usize, measures: usize, masks: usize) {
        self.rows = ReservedVec::with_capacity(events);
        self.times = ReservedVec::with_capacity(events);
        self.measures = (0..measures)
            .map(|_| {
                (
                    ReservedVec::with_capacity(events),
                    BooleanBufferBuilder::new(events),
                )
            })
            .collect();
        self.masks = (0..masks)
            .map(|_| BooleanBufferBuilder::new(events))
            .collect();
    }
}

impl History {
    /// Scans each event table that `plans` read once. `plans` are one program
    /// compiled at ascending as-of dates.
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
        let rows = index.rows();
        let mut tables_read: Vec<ir::EventsId> =
            plans.iter().flat_map(|p| p.event_tables()).collect();
        tables_read.sort();
        tables_read.dedup();
        let slots = tables_read.iter().map(|t| t.0 as usize + 1).max();
        let mut left_out = vec![0; slots.unwrap_or(0)];
        let mut scans = Vec::with_capacity(tables_read.len());
        for table in tables_read {
            let Some(source) = events.get(table.0 as usize).copied().flatten() else {
                return Err(EvalError::Output(format!(
                    "no data for events table #{}",
                    table.0
                )));
            };
            let (scanned, dropped) = TableScan::read(plans, table, source, &index, on_step)?;
            if let Some(slot) = left_out.get_mut(table.0 as usize) {
                *slot = dropped;
            }
            scans.push(scanned);
        }
        // the index is no longer needed: free it before the events are grouped
        drop(index);
        let tables = scans.into_iter().map(|t| t.group(rows)).collect();
        Ok(History {
            tables,
            left_out,
            aggregates_per_date: plans.iter().map(|p| p.aggregates().len()).collect(),
            spare: Vec::new(),
        })
    }

    /// Gives back a date's aggregate arrays once nothing else holds them; the
    /// next date fills its columns in their memory.
    pub(crate) fn recycle(&mut self, arrays: Vec<ArrayRef>) {
        self.spare = arrays;
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
        let mut spare = std::mem::take(&mut self.spare);
        for table in &mut self.tables {
            for (id, array) in table.at(date, &mut spare)? {
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

impl TableScan {
    fn read(
        plans: &[Plan],
        table: ir::EventsId,
        source: &dyn BatchSource,
        index: &CustomerIndex,
        on_step: &mut dyn FnMut(Step<'_>),
    ) -> Result<(TableScan, u64), EvalError> {
        let lanes = Lanes::of(plans, table)?;
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
        let base_keys = lanes.cut_off_keys();
        let mut base = (!base_keys.is_empty()).then(|| {
            let specs: Vec<Aggregate> = base_keys
                .iter()
                .filter_map(|k| lanes.keys.get(*k))
                .map(spec_of)
                .collect();
            let refs: Vec<&Aggregate> = specs.iter().collect();
            States::packed(&refs, index.rows())
        });
        let base_lane_keys: Vec<&LaneKey> = base_keys
            .iter()
            .filter_map(|k| lanes.keys.get(*k))
            .collect();
        let keep = lanes.kept_times(base.is_some());
        let mut kept = Kept::new(
            index.rows(),
            expected_per_block(source.row_count(), index.rows()),
        );

        on_step(Step::Started {
            what: scan.name(),
            unit: "events",
            total: source.row_count(),
        });
        let mut left_out = 0u64;
        let mut rows = Vec::new();
        let mut times = Vec::new();
        let mut old = Vec::new();
        for batch in source.batches(&columns)? {
            let batch = batch?;
            left_out += locate(scan, &at, &batch, index, &mut rows, &mut times)?;

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
            if let Some(base) = base.as_mut() {
                old.clear();
                old.extend(
                    rows.iter().zip(&times).map(
                        |(row, time)| {
                            if *time < keep.from { *row } else { NO_ROW }
                        },
                    ),
                );
                let batch_lanes = lanes_of(&base_lane_keys, &measures, &masks, None)?;
                base.update(index, &old, &times, &batch_lanes);
            }
            kept.add(index, &keep, &rows, &times, &measures, &masks)?;
            on_step(Step::Rows(batch.num_rows()));
        }
        on_step(Step::Finished);
        let int = (0..lanes.measures.len())
            .map(|m| lanes.measure_is_int(m))
            .collect();
        let masks = lanes.masks.len();
        Ok((
            TableScan {
                kept,
                keys: lanes.keys,
                per_date: lanes.per_date,
                base: base.map(|states| (states, base_keys)),
                int,
                masks,
            },
            left_out,
        ))
    }

    /// Groups the kept events, block by block.
    fn group(self, rows: usize) -> TableHistory {
        let grouped = self.kept.group(rows, &self.int, self.masks);
        let mut next = Vec::with_capacity(rows);
        for block in &grouped {
            next.extend_from_slice(
                block
                    .offsets
                    .get(..block.offsets.len().saturating_sub(1))
                    .unwrap_or_default(),
            );
        }
        TableHistory {
            grouped,
            keys: self.keys,
            per_date: self.per_date,
            base: self.base.map(|(states, keys)| Base { states, keys }),
            next,
        }
    }
}

impl TableHistory {
    /// This table's aggregates at `date`, as (aggregate id in that date's plan,
    /// values). Dates must come in ascending order: the base moves forward.
    fn at(
        &mut self,
        date: usize,
        spare: &mut Vec<ArrayRef>,
    ) -> Result<Vec<(usize, ArrayRef)>, EvalError> {
        let Some(wanted) = self.per_date.get(date) else {
            return Ok(Vec::new());
        };
        // every window of a date ends at its as-of date, or later (`within
        // next`): the earliest end is the as-of date, the cut-off of the lanes
        // without a window
        let Some(upto) = wanted.iter().map(|(_, _, range)| range.to).min() else {
            return Ok(Vec::new());
        };
        let keys: Vec<&LaneKey> = wanted
            .iter()
            .filter_map(|(_, key, _)| self.keys.get(*key))
            .collect();
        let specs: Vec<Aggregate> = keys.iter().map(|k| spec_of(k)).collect();
        let refs: Vec<&Aggregate> = specs.iter().collect();
        let ranges: Vec<TimeRange> = wanted.iter().map(|(_, _, r)| *r).collect();
        let blocks = event_blocks(&self.grouped, &keys, Some(&ranges))?;
        let carried_keys: Vec<&LaneKey> = self
            .base
            .as_ref()
            .map(|base| base.keys.iter().filter_map(|k| self.keys.get(*k)).collect())
            .unwrap_or_default();
        let carried_blocks = event_blocks(&self.grouped, &carried_keys, None)?;
        let carried = self.base.as_mut().map(|base| Carried {
            slots: wanted
                .iter()
                .map(|(_, key, range)| {
                    (range.from == i64::MIN)
                        .then(|| base.keys.iter().position(|k| k == key))
                        .flatten()
                })
                .collect(),
            states: &mut base.states,
            blocks: &carried_blocks,
        });
        let cursors = Cursors {
            next: &mut self.next,
            upto,
        };
        let values = accumulate::grouped(&refs, &blocks, carried, cursors, spare);
        Ok(wanted.iter().map(|(id, _, _)| *id).zip(values).collect())
    }
}

/// The grouped blocks as the accumulators read them, with `keys`' lanes.
fn event_blocks<'a>(
    grouped: &'a [GroupedBlock],
    keys: &[&LaneKey],
    ranges: Option<&[TimeRange]>,
) -> Result<Vec<EventBlock<'a>>, ArrowError> {
    grouped
        .iter()
        .map(|block| {
            Ok(EventBlock {
                first_row: block.first_row,
                offsets: &block.offsets,
                times: block.times.as_slice(),
                lanes: lanes_of(keys, &block.measures, &block.masks, ranges)?,
            })
        })
        .collect()
}

impl Kept {
    /// No events yet, for `customers` rows.
    fn new(customers: usize, expected: usize) -> Kept {
        Kept {
            blocks: (0..customers.div_ceil(BLOCK_ROWS))
                .map(|_| Block::default())
                .collect(),
            expected,
        }
    }

    /// Appends one batch's kept events (with a customer, in `keep`) to the
    /// blocks of their customer rows: a large batch on two threads, each
    /// walking every event and filling half of the blocks, as
    /// [`States::update`] splits the records (the scan's other steps leave a
    /// core idle).
    fn add(
        &mut self,
        index: &CustomerIndex,
        keep: &TimeRange,
        rows: &[u32],
        times: &[i64],
        measures: &[ArrayRef],
        masks: &[BooleanBuffer],
    ) -> Result<(), ArrowError> {
        let inputs = measures
            .iter()
            .map(Input::measure)
            .collect::<Result<Vec<_>, _>>()?;
        let batch = KeptBatch {
            index,
            keep,
            rows,
            times,
            inputs: &inputs,
            masks,
            expected: self.expected,
        };
        let half = self.blocks.len() / 2;
        if rows.len() < PARALLEL_EVENTS || half == 0 {
            return batch.add_to(&mut self.blocks, 0);
        }
        let (low, high) = self.blocks.split_at_mut(half);
        let (a, b) = rayon::join(|| batch.add_to(low, 0), || batch.add_to(high, half));
        a.and(b)
    }

    /// Groups each block's events by row and sorts each row's by time, block
    /// by block, in place; the two halves of the blocks on two threads.
    /// `int[m]`: whether measure `m` is an int column.
    fn group(self, rows: usize, int: &[bool], masks: usize) -> Vec<GroupedBlock> {
        let mut blocks = self.blocks;
        blocks.resize_with(rows.div_ceil(BLOCK_ROWS), Block::default);
        let high = blocks.split_off(blocks.len() / 2);
        let half = blocks.len();
        let group_all = |blocks: Vec<Block>, first: usize| -> Vec<GroupedBlock> {
            let largest = blocks.iter().map(|b| b.rows.len()).max().unwrap_or(0);
            let mut regroup = Regroup::new(largest);
            blocks
                .into_iter()
                .enumerate()
                .map(|(b, block)| {
                    let first_row = (first + b) * BLOCK_ROWS;
                    let block_rows = BLOCK_ROWS.min(rows.saturating_sub(first_row));
                    group_block(block, first_row, block_rows, int, masks, &mut regroup)
                })
                .collect()
        };
        let (mut low, high) = rayon::join(|| group_all(blocks, 0), || group_all(high, half));
        low.extend(high);
        low
    }
}

/// One batch's events on their way to the blocks.
struct KeptBatch<'a> {
    index: &'a CustomerIndex,
    keep: &'a TimeRange,
    rows: &'a [u32],
    times: &'a [i64],
    inputs: &'a [Input<'a>],
    masks: &'a [BooleanBuffer],
    expected: usize,
}

impl KeptBatch<'_> {
    /// Appends the kept events whose customer row falls in `blocks` (the
    /// blocks from number `first` on).
    fn add_to(&self, blocks: &mut [Block], first: usize) -> Result<(), ArrowError> {
        let inputs = self.inputs;
        let mut result = Ok(());
        for (i, (&row, &time)) in self.rows.iter().zip(self.times).enumerate() {
            if row == NO_ROW || !self.keep.contains(time) {
                continue;
            }
            self.index.each_row(row, |r| {
                let Some(block) = (r >> BLOCK_BITS)
                    .checked_sub(first)
                    .and_then(|b| blocks.get_mut(b))
                else {
                    return;
                };
                if block.rows.capacity() == 0 && self.expected > 0 {
                    block.reserve(self.expected, inputs.len(), self.masks.len());
                }
                if block.measures.len() < inputs.len() {
                    block.measures = inputs
                        .iter()
                        .map(|_| (ReservedVec::default(), BooleanBufferBuilder::new(0)))
                        .collect();
                }
                if block.masks.len() < self.masks.len() {
                    block.masks = self
                        .masks
                        .iter()
                        .map(|_| BooleanBufferBuilder::new(0))
                        .collect();
                }
                block.rows.push((r & (BLOCK_ROWS - 1)) as u16);
                block.times.push(time);
                for ((values, valid), input) in block.measures.iter_mut().zip(inputs) {
                    let (value, present) = match input {
                        Input::Int(ints) => (ints.value(i) as u64, ints.is_valid(i)),
                        Input::Float(floats) => (floats.value(i).to_bits(), floats.is_valid(i)),
                        Input::None | Input::Time => {
                            result = Err(missing("measure"));
                            (0, false)
                        }
                    };
                    values.push(value);
                    valid.append(present);
                }
                for (bits, mask) in block.masks.iter_mut().zip(self.masks) {
                    bits.append(mask.value(i));
                }
            });
        }
        result
    }
}

/// One block's events grouped by row (file order kept), then each row's sorted
/// by time.
///
/// The times and measures are moved within the vectors the scan filled
/// ([`Regroup`]): grouping allocates nothing the size of the events but each
/// event's new place (4 bytes) and its bits. (Grouping into new vectors left
/// ~50 MB of freed memory that the allocator kept from the system, at 10M events.)
fn group_block(
    block: Block,
    first_row: usize,
    rows: usize,
    int: &[bool],
    masks: usize,
    regroup: &mut Regroup,
) -> GroupedBlock {
    let Block {
        rows: event_rows,
        mut times,
        measures: block_measures,
        masks: block_masks,
    } = block;
    let events = event_rows.len();
    let offsets = offsets_of(event_rows.as_slice(), rows);
    places_of(event_rows.as_slice(), &offsets, &mut regroup.places);
    drop(event_rows);
    times.truncate(events);
    regroup.permute(bytemuck::cast_slice_mut(times.as_mut_slice()));
    let mut values: Vec<ReservedVec<u64>> = Vec::with_capacity(int.len());
    let mut valid: Vec<Vec<bool>> = Vec::with_capacity(int.len());
    let mut block_measures = block_measures.into_iter();
    for _ in int {
        let (mut v, ok) = match block_measures.next() {
            Some((v, ok)) => (v, Some(ok)),
            None => (ReservedVec::default(), None),
        };
        v.truncate(events);
        v.fill_to(events, 0);
        regroup.permute(v.as_mut_slice());
        values.push(v);
        valid.push(scattered_bits(ok.as_ref(), &regroup.places));
    }
    let mut bits: Vec<Vec<bool>> = (0..masks)
        .map(|k| scattered_bits(block_masks.get(k), &regroup.places))
        .collect();
    drop(block_masks);
    sort_by_time(
        &offsets,
        times.as_mut_slice(),
        &mut values,
        &mut valid,
        &mut bits,
    );
    let measures = values
        .into_iter()
        .zip(valid)
        .zip(int)
        .map(|((values, valid), int)| -> ArrayRef {
            let nulls = NullBuffer::new(BooleanBuffer::from(valid.as_slice()));
            let nulls = (nulls.null_count() > 0).then_some(nulls);
            // the same memory, its words read as ints or floats
            let words = values.into_buffer();
            if *int {
                Arc::new(Int64Array::new(ScalarBuffer::new(words, 0, events), nulls))
            } else {
                Arc::new(Float64Array::new(
                    ScalarBuffer::new(words, 0, events),
                    nulls,
                ))
            }
        })
        .collect();
    let masks = bits
        .into_iter()
        .map(|b| BooleanBuffer::from(b.as_slice()))
        .collect();
    GroupedBlock {
        first_row,
        offsets,
        times,
        measures,
        masks,
    }
}

/// Where each local row's events start once grouped: `offsets[k]..offsets[k + 1]`.
fn offsets_of(event_rows: &[u16], rows: usize) -> Vec<u32> {
    let mut offsets = vec![0u32; rows + 1];
    for &row in event_rows {
        if let Some(c) = offsets.get_mut(usize::from(row) + 1) {
            *c += 1;
        }
    }
    for k in 1..offsets.len() {
        let before = offsets.get(k - 1).copied().unwrap_or(0);
        if let Some(c) = offsets.get_mut(k) {
            *c += before;
        }
    }
    offsets
}

/// Each event's index once grouped (events of a row keep their file order).
fn places_of(event_rows: &[u16], offsets: &[u32], places: &mut Vec<u32>) {
    let mut cursor = offsets.to_vec();
    places.clear();
    places.extend(event_rows.iter().map(|&row| {
        cursor.get_mut(usize::from(row)).map_or(0, |s| {
            let at = *s;
            *s += 1;
            at
        })
    }));
}

/// Event `j`'s bit of `from` at `place[j]` (false where `from` is missing or
/// shorter).
fn scattered_bits(from: Option<&BooleanBufferBuilder>, place: &[u32]) -> Vec<bool> {
    let mut to = vec![false; place.len()];
    let Some(from) = from else { return to };
    for (j, &at) in place.iter().enumerate().take(from.len()) {
        if let Some(slot) = to.get_mut(at as usize) {
            *slot = from.get_bit(j);
        }
    }
    to
}

/// Moves values to their places within their own vector: scattered into a
/// scratch vector (independent writes, fast), then copied back in order. The
/// scratch is one vector for every column of every block a thread groups,
/// mapped ([`ReservedVec`]) so that its memory goes back to the system after.
struct Regroup {
    scratch: ReservedVec<u64>,
    /// Each event's place in the block being grouped.
    places: Vec<u32>,
}

impl Regroup {
    /// Scratch for blocks of up to `events` events.
    fn new(events: usize) -> Regroup {
        Regroup {
            scratch: ReservedVec::with_capacity(events),
            places: Vec::with_capacity(events),
        }
    }

    /// `values[place[j]] = old values[j]` for every `j` (`place`: [`Regroup::places`]).
    fn permute(&mut self, values: &mut [u64]) {
        self.scratch.resize_keeping(values.len());
        let (scratch, place) = (self.scratch.as_mut_slice(), &self.places);
        for (&at, &value) in place.iter().zip(values.iter()) {
            if let Some(slot) = scratch.get_mut(at as usize) {
                *slot = value;
            }
        }
        values.copy_from_slice(scratch);
    }
}

/// Sorts each row's events by time (stably: equal times keep file order),
/// moving their measures and filter bits along. Rows already in order (the
/// usual export) are left as they are.
fn sort_by_time(
    offsets: &[u32],
    times: &mut [i64],
    values: &mut [ReservedVec<u64>],
    valid: &mut [Vec<bool>],
    bits: &mut [Vec<bool>],
) {
    let mut order: Vec<usize> = Vec::new();
    let mut scratch_times: Vec<i64> = Vec::new();
    let mut scratch_values: Vec<u64> = Vec::new();
    let mut scratch_bools: Vec<bool> = Vec::new();
    for pair in offsets.windows(2) {
        let (start, end) = (pair[0] as usize, pair[1] as usize);
        let Some(slice) = times.get(start..end) else {
            continue;
        };
        if slice.windows(2).all(|w| w[0] <= w[1]) {
            continue;
        }
        order.clear();
        order.extend(0..slice.len());
        order.sort_by_key(|&j| slice[j]);
        permute(&mut times[start..end], &order, &mut scratch_times);
        for column in values.iter_mut() {
            permute(
                &mut column.as_mut_slice()[start..end],
                &order,
                &mut scratch_values,
            );
        }
        for column in valid.iter_mut().chain(bits.iter_mut()) {
            permute(&mut column[start..end], &order, &mut scratch_bools);
        }
    }
}

/// `items[k] = old items[order[k]]`.
fn permute<T: Copy>(items: &mut [T], order: &[usize], scratch: &mut Vec<T>) {
    scratch.clear();
    scratch.extend(order.iter().filter_map(|&j| items.get(j).copied()));
    items.copy_from_slice(scratch);
}

/// What each lane key reads from events whose measures and filter masks are
/// `measures` and `masks`; each lane's range is `ranges[k]`, or everything.
fn lanes_of<'a>(
    keys: &[&LaneKey],
    measures: &'a [ArrayRef],
    masks: &'a [BooleanBuffer],
    ranges: Option<&[TimeRange]>,
) -> Result<Vec<Lane<'a>>, ArrowError> {
    let everything = TimeRange {
        from: i64::MIN,
        to: i64::MAX,
    };
    keys.iter()
        .enumerate()
        .map(|(k, key)| {
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
            let range = ranges.and_then(|r| r.get(k)).copied().unwrap_or(everything);
            Ok(Lane {
                range,
                filter,
                input,
            })
        })
        .collect()
}

fn missing(what: &str) -> ArrowError {
    ArrowError::InvalidArgumentError(format!("a stored {what} column went missing"))
}

/// An aggregate standing for a lane key (range, filter and measure are the
/// lanes' business).
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

    /// The times of events kept after the scan (inclusive). Before them:
    /// events no window of any date reaches and within every date's cut-off,
    /// added to the base state as they are read (without lanes that have no
    /// window, not needed at all). After them: events after every range, never
    /// needed.
    fn kept_times(&self, with_base: bool) -> TimeRange {
        let ranges = || self.per_date.iter().flatten().map(|(_, _, r)| *r);
        let first_window = ranges()
            .filter(|r| r.from != i64::MIN)
            .map(|r| r.from)
            .min()
            .unwrap_or(i64::MAX);
        let first_cut_off = ranges()
            .filter(|r| r.from == i64::MIN)
            .map(|r| r.to.saturating_add(1))
            .min()
            .unwrap_or(i64::MAX);
        let from = if with_base {
            first_window.min(first_cut_off)
        } else {
            first_window
        };
        let to = ranges().map(|r| r.to).max().unwrap_or(i64::MIN);
        TimeRange { from, to }
    }

    /// Whether stored measure `m` is an int column (else a float one).
    fn measure_is_int(&self, m: usize) -> bool {
        self.measures
            .get(m)
            .is_some_and(|f| self.scan.schema.field(*f).ty == Type::Int)
    }

    /// The lane keys without a window, over every date.
    fn cut_off_keys(&self) -> Vec<usize> {
        let mut keys: Vec<usize> = self
            .per_date
            .iter()
            .flatten()
            .filter(|(_, _, range)| range.from == i64::MIN)
            .map(|(_, key, _)| *key)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
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
