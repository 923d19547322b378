//! The event-aggregate engine: every aggregate of a plan, for every customer row,
//! from one streaming scan per event table.
//!
//! 1. [`CustomerIndex`]: the customer key column, read once, hashed by type.
//! 2. Per event table ([`scan::run`]): batches of just the needed columns; each
//!    event's key looked up once, its time read once, the filters evaluated as
//!    masks by the plan executor, every aggregate over the table updated in the
//!    same pass ([`States`]: one row-major record of words per customer).
//! 3. Each accumulator becomes one Arrow array over all customer rows, which the
//!    main pass slices per batch ([`crate::plan::Node::Aggregate`]).
//!
//! Memory is customers × distinct aggregates, never events. Nothing here shares
//! per-row code with [`crate::eval::reference`], which stays an independent oracle.

mod accumulate;
mod history;
mod index;
mod output;
mod reserved;
mod scan;
mod words;

use arrow::array::ArrayRef;

use crate::data::BatchSource;
use crate::eval::EvalError;
use crate::plan::{Aggregate, Plan, ScanId};
use accumulate::States;
pub(crate) use history::History;
use index::CustomerIndex;

/// What a long pass reports as it goes, for progress displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// A pass over a table starts (an event table, or the customers for
    /// population statistics); `total` is its row count when known.
    Started {
        /// What is read (the event table's name).
        what: &'a str,
        /// What its rows are called (`events`, `customers`).
        unit: &'static str,
        /// Rows in the table, when the file says so without reading it.
        total: Option<u64>,
    },
    /// This many more rows were read.
    Rows(usize),
    /// The pass ended.
    Finished,
}

/// Every aggregate's values, and the events each table left out.
#[derive(Debug, Default)]
pub(crate) struct Aggregated {
    /// One array over all customer rows per [`Plan::aggregates`] entry.
    pub(crate) values: Vec<ArrayRef>,
    /// Per event table of the program (by `EventsId`): events with a missing
    /// time or a key matching no customer.
    pub(crate) left_out: Vec<u64>,
}

/// Computes every aggregate of `plan` (nothing when it has none). `events` holds
/// one source per event table of the program, by `EventsId`.
pub(crate) fn compute(
    plan: &Plan,
    customers: &dyn BatchSource,
    events: &[Option<&dyn BatchSource>],
    on_step: &mut dyn FnMut(Step<'_>),
) -> Result<Aggregated, EvalError> {
    if plan.aggregates().is_empty() {
        return Ok(Aggregated::default());
    }
    let index = CustomerIndex::build(plan, customers)?;
    let mut values: Vec<Option<ArrayRef>> = vec![None; plan.aggregates().len()];
    let tables = plan.scans().iter().map(|s| s.table.0 as usize + 1).max();
    let mut left_out = vec![0; tables.unwrap_or(0)];
    let mut scanned = Vec::with_capacity(plan.scans().len());
    for (i, scan) in plan.scans().iter().enumerate() {
        let Some(source) = events.get(scan.table.0 as usize).copied().flatten() else {
            return Err(EvalError::Output(format!(
                "no data for events table `{}`",
                scan.name()
            )));
        };
        let id = ScanId(i as u32);
        let (ids, specs): (Vec<usize>, Vec<&Aggregate>) = plan
            .aggregates()
            .iter()
            .enumerate()
            .filter(|(_, a)| a.scan == id)
            .unzip();
        let mut states = States::new(&specs, index.rows());
        let dropped = scan::run(scan, source, &index, &specs, &mut states, on_step)?;
        if let Some(slot) = left_out.get_mut(scan.table.0 as usize) {
            *slot = dropped;
        }
        scanned.push((ids, states));
    }
    // the index is no longer needed: free it before the results take its place
    drop(index);
    for (ids, states) in scanned {
        for (a, array) in ids.into_iter().zip(states.finish()) {
            if let Some(slot) = values.get_mut(a) {
                *slot = Some(array);
            }
        }
    }
    let values = values
        .into_iter()
        .map(|v| v.ok_or_else(|| EvalError::Output("an aggregate was not computed".into())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Aggregated { values, left_out })
}
