//! One program at a series of as-of dates (`segmint backtest`): takes one
//! [`Plan`] per date (the same program compiled at ascending dates), gives each
//! date's membership batches.
//!
//! Event tables are read once for the whole series ([`History`]: events kept in
//! time buckets, aggregates without a window carried from date to date); the
//! customer table is read once per date, as one evaluation would.

use arrow::array::{RecordBatch, new_null_array};

use super::events::{Aggregated, History, Step};
use super::{EvalError, MemorySource, Population, RunOptions, Summary, run_prepared};
use crate::data::{BatchSource, canonical_type};
use crate::plan::{Node, Plan};

/// A series being evaluated, date by date, in order.
pub struct Series<'a> {
    plans: &'a [Plan],
    source: &'a dyn BatchSource,
    history: Option<History>,
    left_out: Vec<u64>,
    next: usize,
    /// For runs that only count (no key wanted) of plans that read nothing of
    /// the customer table but the key (every criterion an event aggregate): a
    /// stand-in holding the row count, so the file is not decoded at each date.
    counts_only: Option<MemorySource>,
}

impl<'a> Series<'a> {
    /// Reads every event table the plans use, once. `events` holds one source
    /// per event table of the program (indexed like
    /// [`crate::check::ir::Program::events`]).
    pub fn start(
        plans: &'a [Plan],
        source: &'a dyn BatchSource,
        events: &[Option<&dyn BatchSource>],
        on_step: &mut dyn FnMut(Step<'_>),
    ) -> Result<Series<'a>, EvalError> {
        let any_events = plans.iter().any(|p| !p.aggregates().is_empty());
        let history = if any_events {
            Some(History::scan(plans, source, events, on_step)?)
        } else {
            None
        };
        let left_out = history
            .as_ref()
            .map(History::left_out)
            .unwrap_or_default()
            .to_vec();
        Ok(Series {
            counts_only: counts_only(plans, source),
            plans,
            source,
            history,
            left_out,
            next: 0,
        })
    }

    /// Events left out per event table (missing time, or a key matching no
    /// customer), as [`Population::events_left_out`].
    pub fn events_left_out(&self) -> &[u64] {
        &self.left_out
    }

    /// Evaluates the next date's plan, passing its membership batches (in input
    /// order) to `sink`; `None` after the last date.
    pub fn next_date(
        &mut self,
        options: RunOptions,
        sink: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
    ) -> Result<Option<Summary>, EvalError> {
        let date = self.next;
        let Some(plan) = self.plans.get(date) else {
            return Ok(None);
        };
        self.next += 1;
        let aggregated = match self.history.as_mut() {
            Some(history) => history.at(date)?,
            None => Aggregated::default(),
        };
        let source: &dyn BatchSource = match &self.counts_only {
            Some(stand_in) if !options.key => stand_in,
            _ => self.source,
        };
        let population = Population::with_aggregated(plan, source, aggregated, &mut |_| {})?;
        let summary = run_prepared(plan, source, &population, options, sink)?;
        if let Some(history) = self.history.as_mut() {
            history.recycle(population.into_aggregates());
        }
        Ok(Some(summary))
    }
}

/// A stand-in for `source` when every plan reads only the key column and no
/// criterion reads the key itself: the row count and an all-missing key.
fn counts_only(plans: &[Plan], source: &dyn BatchSource) -> Option<MemorySource> {
    let first = plans.first()?;
    let key = first.schema().key;
    let only_key = plans.iter().all(|plan| {
        plan.columns() == [key]
            && plan.carry().is_empty()
            && !plan.nodes().contains(&Node::Column(key))
    });
    let rows = usize::try_from(source.row_count()?).ok()?;
    only_key.then(|| {
        let ty = canonical_type(&first.schema().field(key).ty);
        MemorySource::new(rows, COUNT_BATCH_ROWS).with_column(key, new_null_array(&ty, rows))
    })
}

/// Rows per batch of the stand-in source.
const COUNT_BATCH_ROWS: usize = 64 * 1024;
