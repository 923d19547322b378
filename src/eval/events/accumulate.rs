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

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int64Array,
    TimestampMicrosecondArray,
};
use arrow::buffer::{BooleanBuffer, NullBuffer};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::error::ArrowError;

use super::index::{CustomerIndex, NO_ROW};
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
enum Kind {
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
struct Layout {
    kind: Kind,
    /// Its first word in a record.
    word: usize,
    /// Its flag: word and bit mask (for `exists` and the extremes).
    flag: (usize, u64),
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

    /// Row `row`'s record.
    fn record(&self, row: usize) -> &[u64] {
        let at = row * self.stride;
        self.words
            .as_slice()
            .get(at..at + self.stride)
            .unwrap_or_default()
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

    fn word(&self, row: usize, word: usize) -> u64 {
        let at = row * self.stride + word;
        self.words.as_slice().get(at).copied().unwrap_or(0)
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
        let mut end = rows;
        while end > 0 {
            let start = end.saturating_sub(FINISH_ROWS);
            for row in start..end {
                for (layout, output) in self.layouts.iter().zip(outputs.iter_mut()) {
                    output.set(row, layout, |w| self.word(row, w));
                }
            }
            self.words.truncate(start * self.stride);
            end = start;
        }
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

/// Where a grouped computation takes some aggregates from: a state kept up to
/// date elsewhere (`slots[k]`: the aggregate of `states` that aggregate `k`
/// is; such an aggregate reads no events here).
pub(crate) struct Start<'a> {
    /// The state.
    pub(crate) states: &'a States,
    /// Per aggregate of the grouped computation, its slot in `states`.
    pub(crate) slots: Vec<Option<usize>>,
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
    /// by [`grouped`], not by [`States::advance`]).
    pub(crate) lanes: Vec<Lane<'a>>,
}

impl EventBlock<'_> {
    fn rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

/// Every aggregate of `aggregates` for every customer row, block by block (the
/// blocks cover the rows in order). Each aggregate reads only the events of its
/// range (found by binary search), and each row's record is built in a small
/// buffer that stays in the cache. Blocks are computed in parallel.
pub(crate) fn grouped(
    aggregates: &[&Aggregate],
    blocks: &[EventBlock<'_>],
    start: Option<&Start<'_>>,
) -> Vec<ArrayRef> {
    use rayon::prelude::*;
    let (layouts, stride) = layouts_of(aggregates, Stride::CacheLine);
    let sizes: Vec<usize> = blocks.iter().map(EventBlock::rows).collect();
    let rows = sizes.iter().sum();
    // whole columns allocated once, each block writing its own rows of them
    let mut outputs: Vec<Output> = layouts.iter().map(|l| Output::new(&l.kind, rows)).collect();
    let mut per_block: Vec<Vec<Slots<'_>>> = blocks.iter().map(|_| Vec::new()).collect();
    for output in &mut outputs {
        for (slots, block) in output.split(&sizes).into_iter().zip(per_block.iter_mut()) {
            block.push(slots);
        }
    }
    blocks
        .par_iter()
        .zip(per_block.into_par_iter())
        .for_each(|(block, mut slots)| grouped_block(&layouts, stride, block, start, &mut slots));
    outputs.into_iter().map(Output::into_array).collect()
}

/// Local row `k`'s events: `offsets[k]..offsets[k + 1]`.
fn events_of(offsets: &[u32], k: usize) -> std::ops::Range<usize> {
    offsets.get(k).copied().unwrap_or(0) as usize..offsets.get(k + 1).copied().unwrap_or(0) as usize
}

fn grouped_block(
    layouts: &[Layout],
    stride: usize,
    block: &EventBlock<'_>,
    start: Option<&Start<'_>>,
    outputs: &mut [Slots<'_>],
) {
    let len = block.rows();
    let mut record = vec![0u64; stride];
    let no_slots = Vec::new();
    let slots = start.map_or(&no_slots, |s| &s.slots);
    for k in 0..len {
        let row = block.first_row + k;
        record.fill(0);
        let events = events_of(block.offsets, k);
        let row_times = block.times.get(events.clone()).unwrap_or_default();
        for (a, (lane, layout)) in block.lanes.iter().zip(layouts).enumerate() {
            if let (Some(start), Some(Some(slot))) = (start, slots.get(a)) {
                if let Some(source) = start.states.layouts.get(*slot) {
                    copy_state(start.states.record(row), source, &mut record, layout);
                }
                continue;
            }
            let from = row_times.partition_point(|t| *t < lane.range.from);
            // a plain count is the length of the range, found by a second search
            if matches!(layout.kind, Kind::Count) && lane.filter.is_none() {
                let to = row_times.partition_point(|t| *t <= lane.range.to);
                if let Some(count) = record.get_mut(layout.word) {
                    *count += to.saturating_sub(from) as u64;
                }
                continue;
            }
            let exists = matches!(layout.kind, Kind::Exists);
            for (j, &time) in row_times.iter().enumerate().skip(from) {
                if time > lane.range.to {
                    break;
                }
                let i = events.start + j;
                if let Some(filter) = lane.filter
                    && !filter.value(i)
                {
                    continue;
                }
                apply(&mut record, 0, layout, lane.input, i, time);
                if exists {
                    // one event is enough
                    break;
                }
            }
        }
        for (layout, output) in layouts.iter().zip(outputs.iter_mut()) {
            output.set(k, layout, |w| record.get(w).copied().unwrap_or(0));
        }
    }
}

impl States {
    /// Adds, for every customer row, its events from `next[row]` up to time
    /// `upto` (local indices into its block) to every aggregate (the blocks'
    /// lanes in the order given to [`States::new`]), and moves `next` past
    /// them. Over a series of ascending `upto`, each event is added once.
    /// Blocks are advanced in parallel.
    pub(crate) fn advance(&mut self, blocks: &[EventBlock<'_>], next: &mut [u32], upto: i64) {
        use rayon::prelude::*;
        let stride = self.stride;
        let layouts = &self.layouts;
        // split the records and cursors at the blocks' boundaries
        let mut words_rest = self.words.as_mut_slice();
        let mut next_rest = next;
        let mut work = Vec::with_capacity(blocks.len());
        let mut at = 0usize;
        for block in blocks {
            let skip = block.first_row.saturating_sub(at);
            let rows = block.rows();
            let (_, words_tail) = words_rest.split_at_mut((skip * stride).min(words_rest.len()));
            let (_, next_tail) = next_rest.split_at_mut(skip.min(next_rest.len()));
            let take = rows
                .min(next_tail.len())
                .min(words_tail.len() / stride.max(1));
            let (words, words_after) = words_tail.split_at_mut(take * stride);
            let (cursors, next_after) = next_tail.split_at_mut(take);
            work.push((block, words, cursors));
            words_rest = words_after;
            next_rest = next_after;
            at = block.first_row + take;
        }
        work.into_par_iter().for_each(|(block, words, cursors)| {
            for (k, cursor) in cursors.iter_mut().enumerate() {
                let end = events_of(block.offsets, k).end;
                let record = k * stride;
                let mut i = *cursor as usize;
                while i < end {
                    let Some(&time) = block.times.get(i) else {
                        break;
                    };
                    if time > upto {
                        break;
                    }
                    for (lane, layout) in block.lanes.iter().zip(layouts) {
                        if let Some(filter) = lane.filter
                            && !filter.value(i)
                        {
                            continue;
                        }
                        apply(words, record, layout, lane.input, i, time);
                    }
                    i += 1;
                }
                *cursor = i as u32;
            }
        });
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

/// Rows finished between two shrinks of the state table.
const FINISH_ROWS: usize = 1 << 20;

/// One aggregate's result column while it is filled.
enum Output {
    Int(Vec<i64>, Vec<bool>),
    Date(Vec<i32>, Vec<bool>),
    Timestamp(Vec<i64>, Vec<bool>),
    Float(Vec<f64>, Vec<bool>),
    Bool(Vec<bool>),
}

impl Output {
    /// Zeroed (and so not yet resident) columns for `rows` rows.
    fn new(kind: &Kind, rows: usize) -> Output {
        match kind {
            Kind::Exists => Output::Bool(vec![false; rows]),
            Kind::SumFloat | Kind::Avg | Kind::ExtremeFloat { .. } => {
                Output::Float(vec![0.0; rows], vec![false; rows])
            }
            Kind::ExtremeInt { ty: Type::Date, .. } => {
                Output::Date(vec![0; rows], vec![false; rows])
            }
            Kind::ExtremeInt {
                ty: Type::Timestamp,
                ..
            } => Output::Timestamp(vec![0; rows], vec![false; rows]),
            Kind::Count | Kind::SumInt | Kind::ExtremeInt { .. } => {
                Output::Int(vec![0; rows], vec![false; rows])
            }
        }
    }

    /// Row `row`'s value, from its record's words (`word(w)`).
    fn set(&mut self, row: usize, layout: &Layout, word: impl Fn(usize) -> u64) {
        self.slots().set(row, layout, word);
    }

    /// The whole column as slots to write.
    fn slots(&mut self) -> Slots<'_> {
        match self {
            Output::Bool(values) => Slots::Bool(values),
            Output::Int(values, ok) => Slots::Int(values, ok),
            Output::Timestamp(values, ok) => Slots::Int(values, ok),
            Output::Date(values, ok) => Slots::Date(values, ok),
            Output::Float(values, ok) => Slots::Float(values, ok),
        }
    }

    /// The column cut into consecutive runs of `sizes` rows, each writable on
    /// its own (by another thread).
    fn split(&mut self, sizes: &[usize]) -> Vec<Slots<'_>> {
        let mut rest = self.slots();
        let mut out = Vec::with_capacity(sizes.len());
        for &size in sizes {
            let (head, tail) = rest.split_at(size);
            out.push(head);
            rest = tail;
        }
        out
    }

    fn into_array(self) -> ArrayRef {
        match self {
            Output::Bool(values) => Arc::new(BooleanArray::from(values)),
            Output::Int(values, ok) => Arc::new(Int64Array::new(values.into(), nulls_of(&ok))),
            Output::Date(values, ok) => Arc::new(Date32Array::new(values.into(), nulls_of(&ok))),
            Output::Timestamp(values, ok) => {
                Arc::new(TimestampMicrosecondArray::new(values.into(), nulls_of(&ok)))
            }
            Output::Float(values, ok) => Arc::new(Float64Array::new(values.into(), nulls_of(&ok))),
        }
    }
}

/// Rows of an [`Output`] to write: its value and validity slices.
enum Slots<'a> {
    Bool(&'a mut [bool]),
    /// Ints and timestamps.
    Int(&'a mut [i64], &'a mut [bool]),
    Date(&'a mut [i32], &'a mut [bool]),
    Float(&'a mut [f64], &'a mut [bool]),
}

impl<'a> Slots<'a> {
    /// The first `rows` rows and the rest (fewer when there are fewer).
    fn split_at(self, rows: usize) -> (Slots<'a>, Slots<'a>) {
        fn cut<T>(values: &mut [T], rows: usize) -> (&mut [T], &mut [T]) {
            let at = rows.min(values.len());
            values.split_at_mut(at)
        }
        match self {
            Slots::Bool(v) => {
                let (a, b) = cut(v, rows);
                (Slots::Bool(a), Slots::Bool(b))
            }
            Slots::Int(v, ok) => {
                let ((a, b), (x, y)) = (cut(v, rows), cut(ok, rows));
                (Slots::Int(a, x), Slots::Int(b, y))
            }
            Slots::Date(v, ok) => {
                let ((a, b), (x, y)) = (cut(v, rows), cut(ok, rows));
                (Slots::Date(a, x), Slots::Date(b, y))
            }
            Slots::Float(v, ok) => {
                let ((a, b), (x, y)) = (cut(v, rows), cut(ok, rows));
                (Slots::Float(a, x), Slots::Float(b, y))
            }
        }
    }

    /// Row `row`'s value, from its record's words (`word(w)`).
    fn set(&mut self, row: usize, layout: &Layout, word: impl Fn(usize) -> u64) {
        let w = layout.word;
        let flagged = word(layout.flag.0) & layout.flag.1 != 0;
        let (value, valid): (Value, bool) = match layout.kind {
            Kind::Count => (Value::Int(word(w) as i64), true),
            Kind::Exists => (Value::Bool(flagged), true),
            Kind::SumInt => match i64::try_from(i128_of(word(w), word(w + 1))) {
                Ok(sum) => (Value::Int(sum), true),
                Err(_) => (Value::Int(0), false),
            },
            Kind::SumFloat => (Value::Float(f64::from_bits(word(w))), true),
            Kind::Avg => {
                let count = word(w + 1);
                let mean = f64::from_bits(word(w)) / count.max(1) as f64;
                (Value::Float(mean), count > 0)
            }
            Kind::ExtremeFloat { .. } => (Value::Float(f64::from_bits(word(w))), flagged),
            Kind::ExtremeInt { .. } => (Value::Int(word(w) as i64), flagged),
        };
        match (self, value) {
            (Slots::Bool(values), Value::Bool(b)) => store(values, row, b),
            (Slots::Float(values, ok), Value::Float(f)) => {
                // NaN (`inf - inf`) is missing; `-0.0` is `0.0`
                store(values, row, f + 0.0);
                store(ok, row, valid && !f.is_nan());
            }
            (Slots::Date(values, ok), Value::Int(v)) => {
                store(values, row, i32::try_from(v).unwrap_or_default());
                store(ok, row, valid);
            }
            (Slots::Int(values, ok), Value::Int(v)) => {
                store(values, row, v);
                store(ok, row, valid);
            }
            _ => {}
        }
    }
}

/// A value read from a record.
enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
}

fn store<T>(values: &mut [T], row: usize, value: T) {
    if let Some(slot) = values.get_mut(row) {
        *slot = value;
    }
}

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

/// Events per batch below which one thread updates all records.
const PARALLEL_EVENTS: usize = 4096;

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
fn i128_of(low: u64, high: u64) -> i128 {
    (i128::from(high as i64) << 64) | i128::from(low)
}

/// A validity buffer from per-row flags; `None` when every row is valid.
fn nulls_of(valid: &[bool]) -> Option<NullBuffer> {
    // a column without a missing value (a count, a sum) needs no bitmap: a
    // scan of the flags is cheaper than building one
    if valid.iter().all(|v| *v) {
        return None;
    }
    let buffer = NullBuffer::new(BooleanBuffer::from(valid));
    (buffer.null_count() > 0).then_some(buffer)
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
