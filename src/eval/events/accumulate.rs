//! Typed accumulators: every aggregate of one event table, for every customer
//! row, in one row-major table of 64-bit words ([`States`]). Memory is rows ×
//! (a few words per aggregate), whatever the number of events.
//!
//! Row-major because events arrive in no useful order and the customer table is
//! larger than the caches: an event's customer record lies within one 64-byte
//! cache line (records of up to 8 words never straddle two) and holds the
//! state of every aggregate over the table, and each event updates all of them
//! at once ([`States::update`]), so seven aggregates cost one cache miss per
//! event, not seven.
//!
//! Each customer's state is updated in file order, so float sums add in the
//! same order as the reference interpreter's and give the same bits. The
//! spec's rules: `count` of none is 0, `sum` of none is 0, `avg`/`min`/`max`/
//! `first`/`last` of none are missing; missing measures are skipped (NaN is
//! missing, `-0.0` is `0.0`); an int `sum` is exact (added in 128 bits) and
//! missing when the total does not fit in 64 bits, never wrapped.

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array};
use arrow::buffer::BooleanBuffer;
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::error::ArrowError;

use super::index::{CustomerIndex, NO_ROW};
use super::output::{Output, Slots, splits_at_words};
use super::words::Words;
use crate::check::ir::Type;
use crate::plan::Aggregate;
use crate::syntax::ast::AggregateFn;

/// What an event feeds an aggregate besides being counted, resolved per batch.
#[derive(Clone, Copy)]
pub(crate) enum Input<'a> {
    /// Nothing (`count`, `exists`).
    None,
    /// An int column (`sum`, `avg`, `min`, `max`).
    Int(&'a Int64Array),
    /// A float column (NaN is missing).
    Float(&'a Float64Array),
    /// The event's time (`first`, `last`).
    Time,
}

impl<'a> Input<'a> {
    /// The input for an aggregated column of canonical type.
    pub(crate) fn measure(column: &'a ArrayRef) -> Result<Input<'a>, ArrowError> {
        match column.data_type() {
            DataType::Int64 => Ok(Input::Int(column.as_primitive::<Int64Type>())),
            DataType::Float64 => Ok(Input::Float(column.as_primitive::<Float64Type>())),
            other => Err(ArrowError::InvalidArgumentError(format!(
                "an aggregate over a column of type {other}"
            ))),
        }
    }

    /// Event `i`'s value as an int (ints, times), `None` when missing.
    #[inline(always)]
    fn int(self, i: usize, time: i64) -> Option<i64> {
        match self {
            Input::Int(ints) => ints.is_valid(i).then(|| ints.value(i)),
            Input::Time => Some(time),
            Input::Float(_) | Input::None => None,
        }
    }

    /// Event `i`'s value as a float (ints converted; NaN is missing, `-0.0` is
    /// `0.0`), `None` when missing.
    #[inline(always)]
    fn float(self, i: usize) -> Option<f64> {
        match self {
            Input::Float(floats) => present_float(floats, i),
            Input::Int(ints) => ints.is_valid(i).then(|| ints.value(i) as f64),
            Input::Time | Input::None => None,
        }
    }
}

/// One aggregate's view of a batch: which events it counts and what it reads.
pub(crate) struct Lane<'a> {
    /// Events count when their time lies in this range.
    pub(crate) range: crate::plan::TimeRange,
    /// ... and when they pass this filter.
    pub(crate) filter: Option<&'a BooleanBuffer>,
    /// What it aggregates.
    pub(crate) input: Input<'a>,
}

/// How one aggregate keeps its state in a customer's record.
#[derive(Clone, Debug)]
pub(super) enum Kind {
    /// `count`: one word.
    Count,
    /// `exists`: one flag.
    Exists,
    /// `sum` of ints: two words (an `i128`, low word first).
    SumInt,
    /// `sum` of floats: one word (`f64` bits).
    SumFloat,
    /// `avg`: the float sum and the count, two words.
    Avg,
    /// `min`/`max` of ints, `first`/`last` (days or µs): one word and a flag.
    ExtremeInt { max: bool, ty: Type },
    /// `min`/`max` of floats: one word (`f64` bits) and a flag.
    ExtremeFloat { max: bool },
}

/// One aggregate's place in the records.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    pub(super) kind: Kind,
    /// Its first word in a record.
    pub(super) word: usize,
    /// Its flag: word and bit mask (for `exists` and the extremes).
    pub(super) flag: (usize, u64),
}

/// The state of every aggregate over one event table, row-major: record `r` is
/// words `r * stride..(r + 1) * stride`, flag words first. The stride is a
/// power of two up to 8 words, or a multiple of 8, so in a page-aligned table
/// a record of up to 8 words lies within one cache line.
pub(crate) struct States {
    words: Words,
    stride: usize,
    rows: usize,
    layouts: Vec<Layout>,
}

impl States {
    /// Fresh state (all zero: no events) for `aggregates` over `rows` customers.
    pub(crate) fn new(aggregates: &[&Aggregate], rows: usize) -> States {
        States::with_stride(aggregates, rows, Stride::CacheLine)
    }

    /// Like [`States::new`], records packed without padding: for a state
    /// that lives long next to other large data (a backtest's base state),
    /// where memory counts more than a record never straddling two lines.
    pub(crate) fn packed(aggregates: &[&Aggregate], rows: usize) -> States {
        States::with_stride(aggregates, rows, Stride::Exact)
    }

    fn with_stride(aggregates: &[&Aggregate], rows: usize, stride: Stride) -> States {
        let (layouts, stride) = layouts_of(aggregates, stride);
        States {
            words: Words::zeroed(rows.saturating_mul(stride)),
            stride,
            rows,
            layouts,
        }
    }

    /// Adds one batch: `rows[i]` is event `i`'s first customer row ([`NO_ROW`]:
    /// left out), `times[i]` its time, `lanes[k]` what aggregate `k` (as given to
    /// [`States::new`]) counts and reads. Events are taken in order, and each
    /// event updates every aggregate of its customer's record before the next.
    pub(crate) fn update(
        &mut self,
        index: &CustomerIndex,
        rows: &[u32],
        times: &[i64],
        lanes: &[Lane<'_>],
    ) {
        let batch = Batch {
            index,
            rows,
            times,
            lanes,
            layouts: &self.layouts,
            stride: self.stride,
        };
        // two threads, each owning half of the customer records (a multiple of
        // 8 rows, so the halves split at a line); each walks every event and
        // updates its own customers, so each customer still sees its events in
        // file order
        let half = (self.rows / 2) & !7;
        if rows.len() < PARALLEL_EVENTS || half == 0 {
            batch.apply_to(self.words.as_mut_slice(), 0..self.rows);
            return;
        }
        let (first, second) = self.words.as_mut_slice().split_at_mut(half * self.stride);
        rayon::join(
            || batch.apply_to(first, 0..half),
            || batch.apply_to(second, half..self.rows),
        );
    }

    /// Each aggregate's value for every customer row (in the order given to
    /// [`States::new`]), as an Arrow array of the aggregate's canonical type.
    ///
    /// The records are read from the last row backwards, [`FINISH_ROWS`] at a
    /// time, and a heap table shrinks behind the reading while the outputs
    /// (zeroed on allocation, so not yet resident) fill. A mapped table (on huge
    /// pages, [`Words`]) is freed whole at the end; the index, freed before
    /// this, was as large, so the scan stays the peak.
    pub(crate) fn finish(mut self) -> Vec<ArrayRef> {
        let rows = self.rows;
        let mut outputs: Vec<Output> = self
            .layouts
            .iter()
            .map(|layout| Output::new(&layout.kind, rows))
            .collect();
        let mut slots: Vec<Slots<'_>> = outputs.iter_mut().map(Output::slots).collect();
        let stride = self.stride;
        let mut end = rows;
        while end > 0 {
            let start = end.saturating_sub(FINISH_ROWS);
            // a run of records that stays in the cache while each column reads it
            for first in (start..end).step_by(RUN_ROWS) {
                let last = (first + RUN_ROWS).min(end);
                let words = self.words.as_slice();
                let records = words.get(first * stride..last * stride).unwrap_or_default();
                for (layout, output) in self.layouts.iter().zip(slots.iter_mut()) {
                    output.set_rows(first, layout, records, stride);
                }
            }
            self.words.truncate(start * stride);
            end = start;
        }
        drop(slots);
        outputs.into_iter().map(Output::into_array).collect()
    }
}

/// How a record's length is rounded.
#[derive(Clone, Copy)]
enum Stride {
    /// A power of two up to 8 words, else a multiple of 8: a record of up to
    /// 8 words lies within one cache line.
    CacheLine,
    /// The words the record needs.
    Exact,
}

/// Where each of `aggregates` keeps its state in a record, and the record's
/// stride in words (flag words first).
fn layouts_of(aggregates: &[&Aggregate], rounding: Stride) -> (Vec<Layout>, usize) {
    let kinds: Vec<Kind> = aggregates.iter().map(|a| kind_of(a)).collect();
    let flags = kinds.iter().filter(|k| needs_flag(k)).count();
    let mut word = flags.div_ceil(64);
    let mut flag = 0usize;
    let mut layouts = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let at = (flag / 64, 1u64 << (flag % 64));
        if needs_flag(&kind) {
            flag += 1;
        }
        let words = words_of(&kind);
        layouts.push(Layout {
            kind,
            word,
            flag: at,
        });
        word += words;
    }
    let stride = match rounding {
        Stride::Exact => word.max(1),
        Stride::CacheLine if word <= 8 => word.max(1).next_power_of_two(),
        Stride::CacheLine => word.div_ceil(8) * 8,
    };
    (layouts, stride)
}

/// Words of state besides the flag.
fn words_of(kind: &Kind) -> usize {
    match kind {
        Kind::Exists => 0,
        Kind::SumInt | Kind::Avg => 2,
        _ => 1,
    }
}

/// The state of the aggregates without a window, carried from date to date
/// (`segmint backtest`): a grouped computation first adds each customer's
/// events since the previous date to it (so each event is added once over a
/// series), then takes those aggregates from it (`slots[k]`: the aggregate of
/// `states` that aggregate `k` is; such an aggregate reads no events itself).
pub(crate) struct Carried<'a> {
    /// The state.
    pub(crate) states: &'a mut States,
    /// The blocks' events as the carried aggregates read them (one per block
    /// of the computation, in the same order).
    pub(crate) blocks: &'a [EventBlock<'a>],
    /// Per aggregate of the grouped computation, its slot in `states`.
    pub(crate) slots: Vec<Option<usize>>,
}

/// Where each customer stands in a series: `next[row]` is its first event
/// (local to its block) after the previous date; a computation moves it past
/// the events up to `upto`, the as-of date's last instant, where every window
/// of the date ends (or, `within next`, starts).
pub(crate) struct Cursors<'a> {
    pub(crate) next: &'a mut [u32],
    pub(crate) upto: i64,
}

/// What every block of a grouped computation shares.
struct Context<'a> {
    layouts: &'a [Layout],
    stride: usize,
    carried: Option<CarriedShape<'a>>,
    upto: i64,
}

/// The carried state's layouts, record stride, and slots ([`Carried::slots`]).
#[derive(Clone, Copy)]
struct CarriedShape<'a> {
    layouts: &'a [Layout],
    stride: usize,
    slots: &'a [Option<usize>],
}

/// One block's share of a grouped computation: its events, its customers'
/// cursors and, with a carried state, the carried aggregates' view of its
/// events and its customers' carried records.
struct Part<'a, 'e> {
    block: &'a EventBlock<'e>,
    cursors: &'a mut [u32],
    carried: Option<(&'a EventBlock<'e>, &'a mut [u64])>,
}

/// The events of a run of customer rows (`first_row..first_row + rows`),
/// grouped by row and sorted by time: local row `k`'s events are
/// `offsets[k]..offsets[k + 1]` of `times` and of the lanes' inputs and filters.
pub(crate) struct EventBlock<'a> {
    /// The block's first customer row.
    pub(crate) first_row: usize,
    /// One more than the block's rows.
    pub(crate) offsets: &'a [u32],
    /// Each event's time (days or µs), sorted within each row.
    pub(crate) times: &'a [i64],
    /// What each aggregate reads from these events (their ranges are used
    /// for the date's own aggregates, not for the [`Carried`] ones).
    pub(crate) lanes: Vec<Lane<'a>>,
}

impl EventBlock<'_> {
    fn rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

/// Every aggregate of `aggregates` for every customer row at one date of a
/// series, block by block (the blocks cover the rows in order): moves the
/// cursors to the date, adds the events they pass to the carried state, and
/// reads each window from the cursors ([`grouped_block`]). Blocks are computed
/// in parallel. The columns are written into `spare`'s memory where an array
/// there fits.
pub(crate) fn grouped(
    aggregates: &[&Aggregate],
    blocks: &[EventBlock<'_>],
    carried: Option<Carried<'_>>,
    cursors: Cursors<'_>,
    spare: &mut Vec<ArrayRef>,
) -> Vec<ArrayRef> {
    let (layouts, stride) = layouts_of(aggregates, Stride::CacheLine);
    let sizes: Vec<usize> = blocks.iter().map(EventBlock::rows).collect();
    let rows = sizes.iter().sum();
    // whole columns allocated once, each block writing its own rows of them
    let outputs: Vec<Output> = layouts
        .iter()
        .map(|l| Output::reusing(&l.kind, rows, spare))
        .collect();
    let mut parts: Vec<Part<'_, '_>> = split_by_block(cursors.next, &sizes, 1)
        .into_iter()
        .zip(blocks)
        .map(|(cursors, block)| Part {
            block,
            cursors,
            carried: None,
        })
        .collect();
    let mut context = Context {
        layouts: &layouts,
        stride,
        carried: None,
        upto: cursors.upto,
    };
    let Some(carried) = carried else {
        return run_parts(&context, parts, outputs, &sizes);
    };
    let States {
        words,
        stride: carried_stride,
        layouts: carried_layouts,
        ..
    } = carried.states;
    let records = split_by_block(words.as_mut_slice(), &sizes, *carried_stride);
    for ((part, records), events) in parts.iter_mut().zip(records).zip(carried.blocks) {
        part.carried = Some((events, records));
    }
    context.carried = Some(CarriedShape {
        layouts: carried_layouts,
        stride: *carried_stride,
        slots: &carried.slots,
    });
    run_parts(&context, parts, outputs, &sizes)
}

/// Computes every part into `outputs`, blocks in parallel (one after another
/// when their rows do not split the output bits at words).
fn run_parts(
    context: &Context<'_>,
    parts: Vec<Part<'_, '_>>,
    mut outputs: Vec<Output>,
    sizes: &[usize],
) -> Vec<ArrayRef> {
    use rayon::prelude::*;
    if splits_at_words(sizes) {
        let mut per_block: Vec<Vec<Slots<'_>>> = sizes.iter().map(|_| Vec::new()).collect();
        for output in &mut outputs {
            for (slots, block) in output.split(sizes).into_iter().zip(per_block.iter_mut()) {
                block.push(slots);
            }
        }
        parts
            .into_par_iter()
            .zip(per_block.into_par_iter())
            .for_each(|(part, mut slots)| grouped_block(context, part, (&mut slots, 0)));
    } else {
        let mut whole: Vec<Slots<'_>> = outputs.iter_mut().map(Output::slots).collect();
        for part in parts {
            let first = part.block.first_row;
            grouped_block(context, part, (&mut whole, first));
        }
    }
    outputs.into_iter().map(Output::into_array).collect()
}

/// `values` (`per_row` values a row, rows from 0) cut at the blocks' rows
/// (`sizes`: the blocks cover the rows in order).
fn split_by_block<'a, T>(values: &'a mut [T], sizes: &[usize], per_row: usize) -> Vec<&'a mut [T]> {
    let mut rest = values;
    let mut out = Vec::with_capacity(sizes.len());
    for size in sizes {
        let take = (size * per_row).min(rest.len());
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(take);
        out.push(head);
        rest = tail;
    }
    out
}

/// Local row `k`'s events: `offsets[k]..offsets[k + 1]`.
fn events_of(offsets: &[u32], k: usize) -> std::ops::Range<usize> {
    offsets.get(k).copied().unwrap_or(0) as usize..offsets.get(k + 1).copied().unwrap_or(0) as usize
}

/// One block's rows of every aggregate, written to `outputs.0` from row
/// `outputs.1` on. For each customer: its cursor moves to the date, the events
/// it passes are added to the carried state, then each aggregate copies its
/// state from there or folds the run of events in its range; the records of
/// [`RUN_ROWS`] customers are then written column by column. A range ending at
/// the date ends at the cursor and its start is found from there backwards, so
/// only the events in and near the window are read, not the customer's whole
/// history (events after the date, events older than every window): at a
/// series' early dates most of the kept events are still ahead.
fn grouped_block(context: &Context<'_>, part: Part<'_, '_>, outputs: (&mut [Slots<'_>], usize)) {
    let Part {
        block,
        cursors,
        mut carried,
    } = part;
    let (outputs, first_output) = outputs;
    let (layouts, stride) = (context.layouts, context.stride);
    let len = block.rows();
    let mut records = vec![0u64; RUN_ROWS * stride];
    for first in (0..len).step_by(RUN_ROWS) {
        let rows = first..(first + RUN_ROWS).min(len);
        let records = records.get_mut(..rows.len() * stride).unwrap_or_default();
        records.fill(0);
        for (record, k) in records.chunks_exact_mut(stride).zip(rows.clone()) {
            let events = events_of(block.offsets, k);
            let cursor = cursors.get_mut(k);
            let from = cursor
                .as_ref()
                .map_or(events.start, |c| **c as usize)
                .clamp(events.start, events.end);
            let upcoming = block.times.get(from..events.end).unwrap_or_default();
            let next = from + upcoming.partition_point(|t| *t <= context.upto);
            if let Some(cursor) = cursor {
                *cursor = next as u32;
            }
            let mut carried_record: &[u64] = &[];
            if let (Some((carried_events, words)), Some(shape)) =
                (carried.as_mut(), context.carried)
                && let Some(state) = words.get_mut(k * shape.stride..(k + 1) * shape.stride)
            {
                if next > from {
                    for (lane, layout) in carried_events.lanes.iter().zip(shape.layouts) {
                        add_events(state, layout, lane, from..next, carried_events.times);
                    }
                }
                carried_record = state;
            }
            for (a, (lane, layout)) in block.lanes.iter().zip(layouts).enumerate() {
                if let Some(shape) = context.carried
                    && let Some(Some(slot)) = shape.slots.get(a)
                {
                    if let Some(source) = shape.layouts.get(*slot) {
                        copy_state(carried_record, source, record, layout);
                    }
                    continue;
                }
                let to = if lane.range.to == context.upto {
                    next
                } else {
                    let times = block.times.get(events.clone()).unwrap_or_default();
                    events.start + times.partition_point(|t| *t <= lane.range.to)
                };
                let from = first_at_or_after(block.times, events.start..to, lane.range.from);
                add_events(record, layout, lane, from..to.max(from), block.times);
            }
        }
        for (layout, output) in layouts.iter().zip(outputs.iter_mut()) {
            output.set_rows(first_output + first, layout, records, stride);
        }
    }
}

/// The first index of `within` (a run of `times` sorted ascending) whose time
/// is at least `from`, searched from the end: steps of 1, 2, 4… back, then a
/// binary search in the last step, so a short window at the end of a long
/// run reads only the run's last events.
fn first_at_or_after(times: &[i64], within: std::ops::Range<usize>, from: i64) -> usize {
    let mut high = within.end;
    let mut step = 1;
    while high > within.start {
        let low = high.saturating_sub(step).max(within.start);
        match times.get(low) {
            Some(&time) if time < from => {
                let tail = times.get(low + 1..high).unwrap_or_default();
                return low + 1 + tail.partition_point(|t| *t < from);
            }
            _ => {
                high = low;
                step *= 2;
            }
        }
    }
    within.start
}

/// Adds the events `events` (indices into the lane's columns and `times`, in
/// order) to one aggregate of `record` (one customer's words): what [`apply`]
/// does event by event, with the aggregate's kind and input resolved once for
/// the run, so a long run is a tight loop. The two hold the same rules; the
/// scan keeps `apply` because passing it single-event runs through here cost
/// `eval` 8–11% more CPU (measured), and the differential tests check both
/// paths against the reference interpreter.
fn add_events(
    record: &mut [u64],
    layout: &Layout,
    lane: &Lane<'_>,
    events: std::ops::Range<usize>,
    times: &[i64],
) {
    if events.is_empty() {
        return;
    }
    let passes = |i: usize| lane.filter.is_none_or(|f| f.value(i));
    let w = layout.word;
    let word = |record: &[u64], at: usize| record.get(at).copied().unwrap_or(0);
    let (flag, bit) = layout.flag;
    let seen = word(record, flag) & bit != 0;
    let set = |record: &mut [u64], at: usize, value: u64| {
        if let Some(slot) = record.get_mut(at) {
            *slot = value;
        }
    };
    match layout.kind {
        Kind::Count => {
            let n = match lane.filter {
                None => events.len(),
                Some(filter) => events.filter(|&i| filter.value(i)).count(),
            };
            set(record, w, word(record, w) + n as u64);
        }
        Kind::Exists => {
            if events.clone().any(passes) {
                set(record, flag, word(record, flag) | bit);
            }
        }
        Kind::SumFloat => {
            let mut sum = f64::from_bits(word(record, w));
            each_float(lane.input, events, passes, |v| sum += v);
            set(record, w, sum.to_bits());
        }
        Kind::Avg => {
            let (mut sum, mut count) = (f64::from_bits(word(record, w)), word(record, w + 1));
            each_float(lane.input, events, passes, |v| {
                sum += v;
                count += 1;
            });
            set(record, w, sum.to_bits());
            set(record, w + 1, count);
        }
        Kind::SumInt => {
            let mut sum = i128_of(word(record, w), word(record, w + 1));
            each_int(lane.input, events, times, passes, |v| sum += i128::from(v));
            set(record, w, sum as u64);
            set(record, w + 1, (sum >> 64) as u64);
        }
        Kind::ExtremeInt { max, .. } => {
            let (mut best, mut any) = (word(record, w) as i64, seen);
            each_int(lane.input, events, times, passes, |v| {
                if !any || (max && v > best) || (!max && v < best) {
                    best = v;
                }
                any = true;
            });
            if any {
                set(record, w, best as u64);
                set(record, flag, word(record, flag) | bit);
            }
        }
        Kind::ExtremeFloat { max } => {
            let (mut best, mut any) = (f64::from_bits(word(record, w)), seen);
            each_float(lane.input, events, passes, |v| {
                if !any || (max && v > best) || (!max && v < best) {
                    best = v;
                }
                any = true;
            });
            if any {
                set(record, w, best.to_bits());
                set(record, flag, word(record, flag) | bit);
            }
        }
    }
}

/// Each present value of `events` that passes, as a float (ints converted; NaN
/// is missing, `-0.0` is `0.0`), in order.
fn each_float(
    input: Input<'_>,
    events: std::ops::Range<usize>,
    passes: impl Fn(usize) -> bool,
    mut each: impl FnMut(f64),
) {
    match input {
        Input::Float(floats) => {
            let values = floats.values();
            let nulls = floats.nulls();
            for i in events {
                if !passes(i) || nulls.is_some_and(|n| n.is_null(i)) {
                    continue;
                }
                if let Some(&v) = values.get(i)
                    && !v.is_nan()
                {
                    each(v + 0.0);
                }
            }
        }
        Input::Int(_) => each_int(input, events, &[], passes, |v| each(v as f64)),
        Input::Time | Input::None => {}
    }
}

/// Each present value of `events` that passes, as an int (an int measure, or
/// the event's time), in order.
fn each_int(
    input: Input<'_>,
    events: std::ops::Range<usize>,
    times: &[i64],
    passes: impl Fn(usize) -> bool,
    mut each: impl FnMut(i64),
) {
    let values = match input {
        Input::Int(ints) => {
            let values = ints.values();
            for i in events {
                if passes(i)
                    && ints.is_valid(i)
                    && let Some(&v) = values.get(i)
                {
                    each(v);
                }
            }
            return;
        }
        Input::Time => times,
        Input::Float(_) | Input::None => return,
    };
    for i in events {
        if passes(i)
            && let Some(&v) = values.get(i)
        {
            each(v);
        }
    }
}

/// Copies one aggregate's state (its words and flag) between records of two layouts.
fn copy_state(from: &[u64], source: &Layout, to: &mut [u64], target: &Layout) {
    for k in 0..words_of(&source.kind) {
        if let (Some(value), Some(slot)) = (from.get(source.word + k), to.get_mut(target.word + k))
        {
            *slot = *value;
        }
    }
    if needs_flag(&source.kind)
        && from
            .get(source.flag.0)
            .is_some_and(|f| f & source.flag.1 != 0)
        && let Some(flags) = to.get_mut(target.flag.0)
    {
        *flags |= target.flag.1;
    }
}

/// Customer rows whose records are built (or read) together, each aggregate
/// then taking its turn over all of them: its kind is matched once per run, and
/// the run's records and events stay in the cache meanwhile.
const RUN_ROWS: usize = 256;

/// Rows finished between two shrinks of the state table.
const FINISH_ROWS: usize = 1 << 20;

/// Events whose records are brought into the cache together before they are
/// updated (64 KiB of records at most: well inside a core's own cache).
const WARM: usize = 1024;

/// Reads the first word of each event's record, so that the records are in the
/// cache when the events are applied. An update does a dozen dependent steps
/// per event and the processor cannot look far enough ahead to overlap the
/// cache misses of successive events; this loop does nothing but independent
/// loads, so dozens of misses are in flight at once (what a prefetch
/// instruction would do, without `unsafe`).
fn warm(words: &[u64], stride: usize, rows: &[u32], owned: &std::ops::Range<usize>) {
    let mut seen = 0u64;
    for &row in rows {
        let row = row as usize;
        if owned.contains(&row) {
            seen ^= words
                .get((row - owned.start) * stride)
                .copied()
                .unwrap_or(0);
        }
    }
    std::hint::black_box(seen);
}

/// Events per batch below which one thread updates all records (and, in a
/// backtest, fills all kept-event blocks).
pub(super) const PARALLEL_EVENTS: usize = 4096;

/// One batch of events, as [`States::update`] applies it.
struct Batch<'a> {
    index: &'a CustomerIndex,
    rows: &'a [u32],
    times: &'a [i64],
    lanes: &'a [Lane<'a>],
    layouts: &'a [Layout],
    stride: usize,
}

impl Batch<'_> {
    /// Applies the events of the customers in `owned` to their records,
    /// `words` holding exactly those records.
    fn apply_to(&self, words: &mut [u64], owned: std::ops::Range<usize>) {
        let stride = self.stride;
        let first = owned.start;
        for (c, chunk) in self.rows.chunks(WARM).enumerate() {
            warm(words, stride, chunk, &owned);
            let start = c * WARM;
            let times = self
                .times
                .get(start..start + chunk.len())
                .unwrap_or_default();
            for (j, (&row, &time)) in chunk.iter().zip(times).enumerate() {
                if row == NO_ROW {
                    continue;
                }
                let i = start + j;
                self.index.each_row(row, |r| {
                    if !owned.contains(&r) {
                        return;
                    }
                    let record = (r - first) * stride;
                    for (lane, layout) in self.lanes.iter().zip(self.layouts) {
                        if !lane.range.contains(time) {
                            continue;
                        }
                        if let Some(filter) = lane.filter
                            && !filter.value(i)
                        {
                            continue;
                        }
                        apply(words, record, layout, lane.input, i, time);
                    }
                });
            }
        }
    }
}

/// The state word at `at` (a flat word index).
#[inline]
fn word_at(words: &mut [u64], at: usize) -> Option<&mut u64> {
    words.get_mut(at)
}

/// Adds event `i` (at `time`) to one aggregate of the record starting at word `record`.
#[inline]
fn apply(words: &mut [u64], record: usize, layout: &Layout, input: Input<'_>, i: usize, time: i64) {
    let w = record + layout.word;
    let flag = record + layout.flag.0;
    let bit = layout.flag.1;
    match layout.kind {
        Kind::Count => {
            if let Some(count) = word_at(words, w) {
                *count += 1;
            }
        }
        Kind::Exists => {
            if let Some(flags) = word_at(words, flag) {
                *flags |= bit;
            }
        }
        Kind::SumInt => {
            if let Some(v) = input.int(i, time) {
                let low = word_at(words, w).map_or(0, |x| *x);
                let high = word_at(words, w + 1).map_or(0, |x| *x);
                let sum = i128_of(low, high) + i128::from(v);
                if let Some(x) = word_at(words, w) {
                    *x = sum as u64;
                }
                if let Some(x) = word_at(words, w + 1) {
                    *x = (sum >> 64) as u64;
                }
            }
        }
        Kind::SumFloat => {
            if let Some(v) = input.float(i)
                && let Some(sum) = word_at(words, w)
            {
                *sum = (f64::from_bits(*sum) + v).to_bits();
            }
        }
        Kind::Avg => {
            if let Some(v) = input.float(i) {
                if let Some(sum) = word_at(words, w) {
                    *sum = (f64::from_bits(*sum) + v).to_bits();
                }
                if let Some(count) = word_at(words, w + 1) {
                    *count += 1;
                }
            }
        }
        Kind::ExtremeInt { max, .. } => {
            if let Some(v) = input.int(i, time) {
                let seen = word_at(words, flag).is_some_and(|f| *f & bit != 0);
                if let Some(best) = word_at(words, w) {
                    let current = *best as i64;
                    if !seen || (max && v > current) || (!max && v < current) {
                        *best = v as u64;
                    }
                }
                if let Some(flags) = word_at(words, flag) {
                    *flags |= bit;
                }
            }
        }
        Kind::ExtremeFloat { max } => {
            if let Some(v) = input.float(i) {
                let seen = word_at(words, flag).is_some_and(|f| *f & bit != 0);
                if let Some(best) = word_at(words, w) {
                    let current = f64::from_bits(*best);
                    if !seen || (max && v > current) || (!max && v < current) {
                        *best = v.to_bits();
                    }
                }
                if let Some(flags) = word_at(words, flag) {
                    *flags |= bit;
                }
            }
        }
    }
}

fn kind_of(aggregate: &Aggregate) -> Kind {
    let float_measure = aggregate.ty == Type::Float;
    match aggregate.function {
        AggregateFn::Count => Kind::Count,
        AggregateFn::Exists => Kind::Exists,
        AggregateFn::Sum if float_measure => Kind::SumFloat,
        AggregateFn::Sum => Kind::SumInt,
        AggregateFn::Avg => Kind::Avg,
        AggregateFn::Min | AggregateFn::Max if float_measure => Kind::ExtremeFloat {
            max: aggregate.function == AggregateFn::Max,
        },
        AggregateFn::Min | AggregateFn::Max | AggregateFn::First | AggregateFn::Last => {
            Kind::ExtremeInt {
                max: matches!(aggregate.function, AggregateFn::Max | AggregateFn::Last),
                ty: aggregate.ty.clone(),
            }
        }
    }
}

fn needs_flag(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Exists | Kind::ExtremeInt { .. } | Kind::ExtremeFloat { .. }
    )
}

/// An `i128` kept as two words.
pub(super) fn i128_of(low: u64, high: u64) -> i128 {
    (i128::from(high as i64) << 64) | i128::from(low)
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
