//! What the main pass needs from the whole input before it starts: the event
//! aggregates (one value per customer row, from [`crate::eval::events`]) and the
//! population statistics behind `in top|bottom P%`, `quintile`, `decile` and
//! `percentile` ([`sorted`]).
//!
//! Statistics come in levels: a ranked value that uses another statistic
//! (`quintile(x) in top 20%`) is collected after it. Each level is one pass over
//! the customer table reading only the columns its ranked values need;
//! aggregates come first, since a ranked value may be one (`sum(orders.amount) in
//! top 10%`).

mod scores;
mod sorted;
mod ties;

use arrow::array::{Array, ArrayRef};
use arrow::buffer::BooleanBuffer;
use arrow::error::ArrowError;

use super::EvalError;
use super::events::{self, Step};
use super::exec::{Exec, closure, positions};
use super::operand::Operand;
use crate::check::ir::{FieldId, RankScore, Side};
use crate::data::BatchSource;
use crate::plan::{AggregateId, Fraction, Node, NodeId, Plan, StatId};
use sorted::{Collector, Sorted, Uses};
pub use ties::UnevenScores;

type Result<T> = std::result::Result<T, ArrowError>;

/// The whole-input results a plan's main pass reads.
#[derive(Debug, Default)]
pub struct Population {
    /// The sorted values (or thresholds) of each statistic, by [`StatId`].
    stats: Vec<Option<Sorted>>,
    /// Each event aggregate's value for every customer row, by [`AggregateId`].
    aggregates: Vec<ArrayRef>,
    /// Per event table (by `EventsId`): events left out (missing time, or no such customer).
    left_out: Vec<u64>,
}

impl Population {
    /// Reads `source` once per statistic level (once in practice), reading only the
    /// columns the ranked values need. Does nothing when the plan has no statistics.
    pub fn compute(
        plan: &Plan,
        source: &dyn BatchSource,
    ) -> std::result::Result<Population, EvalError> {
        Population::compute_with_events(plan, source, &[])
    }

    /// [`Population::compute`], with one source per event table (indexed like
    /// [`crate::check::ir::Program::events`]): every event aggregate is computed
    /// first, for every customer row, in one scan per event table.
    pub fn compute_with_events(
        plan: &Plan,
        source: &dyn BatchSource,
        events: &[Option<&dyn BatchSource>],
    ) -> std::result::Result<Population, EvalError> {
        Population::compute_observed(plan, source, events, &mut |_| {})
    }

    /// [`Population::compute_with_events`], reporting the event scans' progress
    /// to `on_step`.
    pub fn compute_observed(
        plan: &Plan,
        source: &dyn BatchSource,
        events: &[Option<&dyn BatchSource>],
        on_step: &mut dyn FnMut(Step<'_>),
    ) -> std::result::Result<Population, EvalError> {
        let aggregated = events::compute(plan, source, events, on_step)?;
        Population::with_aggregated(plan, source, aggregated, on_step)
    }

    /// The population once the aggregates are computed: the statistics, one
    /// pass per level over `source`, each reported to `on_step`.
    pub(crate) fn with_aggregated(
        plan: &Plan,
        source: &dyn BatchSource,
        aggregated: events::Aggregated,
        on_step: &mut dyn FnMut(Step<'_>),
    ) -> std::result::Result<Population, EvalError> {
        let mut population = Population {
            stats: (0..plan.stats().len()).map(|_| None).collect(),
            aggregates: aggregated.values,
            left_out: aggregated.left_out,
        };
        let max_level = plan.stats().iter().map(|s| s.level).max().unwrap_or(0);
        for level in 1..=max_level {
            population.compute_level(plan, source, level, on_step)?;
        }
        Ok(population)
    }

    /// Each event aggregate's values for every customer row, by [`AggregateId`]
    /// (the population is done with).
    pub(crate) fn into_aggregates(self) -> Vec<ArrayRef> {
        self.aggregates
    }

    /// Events left out of every aggregate, per event table (indexed like
    /// [`crate::check::ir::Program::events`]; empty without aggregates).
    pub fn events_left_out(&self) -> &[u64] {
        &self.left_out
    }

    /// The quintiles and deciles of `plan` whose scores ties make uneven (a score
    /// with nobody, or with at least twice its share), once per expression.
    pub fn uneven_scores(&self, plan: &Plan) -> Vec<UnevenScores> {
        let mut seen = Vec::new();
        let mut found = Vec::new();
        for node in plan.nodes() {
            let Node::Rank { score, value, stat } = node else {
                continue;
            };
            if seen.contains(&(*stat, *score)) {
                continue;
            }
            seen.push((*stat, *score));
            let Ok(sorted) = self.sorted(*stat) else {
                continue;
            };
            let expression = format!("{}({})", score.as_str(), plan.value_text(*value));
            found.extend(ties::uneven(sorted, *score, expression));
        }
        found
    }

    /// Rows `offset..offset + len` of an aggregate.
    pub(crate) fn aggregate(&self, id: AggregateId, offset: usize, len: usize) -> Result<ArrayRef> {
        let whole = self.aggregates.get(id.0 as usize).ok_or_else(|| {
            ArrowError::InvalidArgumentError(format!("aggregate #{} was not computed", id.0))
        })?;
        if offset + len > whole.len() {
            return Err(ArrowError::InvalidArgumentError(format!(
                "aggregate #{}: rows {offset}..{} of {}",
                id.0,
                offset + len,
                whole.len()
            )));
        }
        Ok(whole.slice(offset, len))
    }

    fn compute_level(
        &mut self,
        plan: &Plan,
        source: &dyn BatchSource,
        level: u32,
        on_step: &mut dyn FnMut(Step<'_>),
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
        // the row count, when the source knows it, sizes each collector once (a
        // doubling vector would briefly hold 1.5× the values while it grows)
        let rows = source
            .row_count()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut collected: Vec<Collector> =
            stats.iter().map(|_| Collector::expecting(rows)).collect();
        let mut offset = 0;
        on_step(Step::Started {
            what: "customers for population statistics",
            unit: "customers",
            total: source.row_count(),
        });
        for batch in source.batches(&columns)? {
            let batch = batch?;
            let exec = Exec::run(plan, self, &batch, offset, &at, &needed)?;
            offset += batch.num_rows();
            on_step(Step::Rows(batch.num_rows()));
            for ((_, value), collector) in stats.iter().zip(collected.iter_mut()) {
                collector.push(&exec.operand(*value)?, batch.num_rows())?;
            }
        }
        on_step(Step::Finished);
        for ((i, _), collector) in stats.iter().zip(collected) {
            if let Some(slot) = self.stats.get_mut(*i) {
                *slot = Some(collector.finish(&uses(plan, StatId(*i as u32))));
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
        self.sorted(stat)?.in_share(side, share, value, len)
    }

    /// `quintile(x)`, `decile(x)` (ints) or `percentile(x)` (a float) for each row.
    pub(crate) fn rank(&self, stat: StatId, score: RankScore, value: &Operand) -> Result<Operand> {
        self.sorted(stat)?.rank(score, value)
    }
}

/// How the plan uses statistic `id`: rank scores need every value sorted; shares
/// only their thresholds.
fn uses(plan: &Plan, id: StatId) -> Uses {
    let mut uses = Uses {
        rank: false,
        shares: Vec::new(),
    };
    for node in plan.nodes() {
        match node {
            Node::Rank { stat, .. } if *stat == id => uses.rank = true,
            Node::Percentile {
                stat, side, share, ..
            } if *stat == id && !uses.shares.contains(&(*side, *share)) => {
                uses.shares.push((*side, *share));
            }
            _ => {}
        }
    }
    uses
}

/// Every column the needed nodes read, in schema order; just the key when they
/// read none (a batch needs a column to carry its row count). The key is not
/// read otherwise: decoding a unique string key would cost this pass more than
/// the ranked column itself.
fn needed_columns(plan: &Plan, needed: &[bool]) -> Vec<FieldId> {
    let mut fields: Vec<_> = plan
        .nodes()
        .iter()
        .zip(needed)
        .filter_map(|(node, n)| match node {
            Node::Column(f) if *n => Some(*f),
            _ => None,
        })
        .collect();
    fields.sort();
    fields.dedup();
    if fields.is_empty() {
        fields.push(plan.schema().key);
    }
    fields
}
