//! [`Plan`] + [`BatchSource`] → membership batches.
//!
//! [`run`] first computes what the plan needs from the whole input
//! ([`Population::compute`]: event aggregates in one scan per event table, then
//! population statistics in a pass reading only the ranked values' columns; each
//! skipped when there is none), then evaluates each batch ([`Plan::evaluate`]; on several
//! cores in parallel, in input order: `pipeline`) and hands the
//! membership batch to a sink: the key column (its canonical type, unchanged), one
//! non-null boolean column per output segment, one nullable string column per tiers
//! block (missing when no tier matched), then the carried columns.
//! [`Plan::membership_schema`] gives that schema before any data is read.
//!
//! [`reference`] is a deliberately simple row-by-row interpreter of the same
//! program: the oracle the vectorised engine is tested against.

mod events;
mod exec;
mod kernels;
mod memory;
mod operand;
mod pipeline;
mod population;
pub mod reference;
mod series;
mod values;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, new_null_array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;

use crate::check::ir;
use crate::data::{BatchSource, DataError, canonical_type};
use crate::plan::{Node, OutputKind, Plan};

pub use events::Step;
pub(crate) use kernels::definite;
pub use memory::MemorySource;
pub use population::{Population, UnevenScores};
pub use series::Series;

/// Why evaluation stopped (exit code 2: the data could not be evaluated).
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Reading the data failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A batch did not hold what the plan needs (a bug in a source, or in segmint).
    #[error("evaluation failed: {0}")]
    Arrow(#[from] ArrowError),
    /// The sink refused a batch (e.g. the output file could not be written).
    #[error("{0}")]
    Output(String),
}

/// What a run saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Input rows.
    pub rows: u64,
}

/// Evaluates `plan` over every batch of `source`, passing each membership batch
/// to `sink` in input order. Zero input rows give no batches (the schema is
/// [`Plan::membership_schema`]).
///
/// With more than one core, batches are evaluated by worker threads while this
/// thread reads the source and feeds the sink (see [`pipeline`]); the batches the
/// sink sees, and their order, are the same as with one thread.
pub fn run(
    plan: &Plan,
    source: &dyn BatchSource,
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
) -> Result<Summary, EvalError> {
    run_with(plan, source, RunOptions::default(), sink)
}

/// How [`run_with`] runs.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Read the key column and copy it to the membership batches (the default).
    /// Off for callers that only count members: the key column of each
    /// membership batch is then all missing and, unless a segment reads the key
    /// itself, the key is never decoded (for a unique string key, a good share
    /// of the decoding work).
    pub key: bool,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions { key: true }
    }
}

/// [`run`], with options.
pub fn run_with(
    plan: &Plan,
    source: &dyn BatchSource,
    options: RunOptions,
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
) -> Result<Summary, EvalError> {
    run_with_events(plan, source, &[], options, sink)
}

/// [`run_with`], with one source per event table (indexed like
/// [`ir::Program::events`]; `None` for a table with no data, an error only
/// when the plan's aggregates read it).
pub fn run_with_events(
    plan: &Plan,
    source: &dyn BatchSource,
    events: &[Option<&dyn BatchSource>],
    options: RunOptions,
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
) -> Result<Summary, EvalError> {
    let population = Population::compute_with_events(plan, source, events)?;
    run_prepared(plan, source, &population, options, sink)
}

/// [`run_with`] once the population pre-pass is done.
pub fn run_prepared(
    plan: &Plan,
    source: &dyn BatchSource,
    population: &Population,
    options: RunOptions,
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
) -> Result<Summary, EvalError> {
    let prepared = Prepared::new(plan, options);
    let mut summary = Summary::default();
    let mut deliver = |membership: RecordBatch| {
        summary.rows += membership.num_rows() as u64;
        sink(membership)
    };
    let batches = source.batches(&prepared.columns)?;
    let evaluate =
        |batch: &RecordBatch, offset: usize| prepared.evaluate(plan, batch, offset, population);
    let workers = pipeline::workers();
    if workers > 0 {
        pipeline::run(batches, workers, &evaluate, &mut deliver)?;
    } else {
        let mut offset = 0;
        for batch in batches {
            let batch = batch?;
            let rows = batch.num_rows();
            deliver(evaluate(&batch, offset)?)?;
            offset += rows;
        }
    }
    Ok(summary)
}

/// What every batch of one run shares: the columns read, where each field sits
/// in the batch, the nodes the outputs need, the membership schema.
pub(crate) struct Prepared {
    columns: Vec<ir::FieldId>,
    positions: Vec<Option<usize>>,
    needed: Vec<bool>,
    schema: SchemaRef,
}

impl Prepared {
    pub(crate) fn new(plan: &Plan, options: RunOptions) -> Prepared {
        let roots: Vec<_> = plan
            .outputs()
            .iter()
            .map(|o| o.node)
            .chain(plan.measures().iter().copied())
            .collect();
        let needed = exec::closure(plan, &roots);
        let key = plan.schema().key;
        let key_read = plan
            .nodes()
            .iter()
            .zip(&needed)
            .any(|(node, n)| *n && *node == Node::Column(key));
        // (a plan reading nothing else still reads the key: it carries the row count)
        let skip_key = !options.key
            && !key_read
            && !plan.carry().contains(&key)
            && plan.columns().iter().any(|f| *f != key);
        let columns: Vec<ir::FieldId> = plan
            .columns()
            .iter()
            .copied()
            .filter(|f| !(skip_key && *f == key))
            .collect();
        Prepared {
            positions: exec::positions(&columns),
            columns,
            needed,
            schema: plan.membership_schema(),
        }
    }

    pub(crate) fn evaluate(
        &self,
        plan: &Plan,
        batch: &RecordBatch,
        offset: usize,
        population: &Population,
    ) -> Result<RecordBatch, EvalError> {
        let exec = exec::Exec::run(
            plan,
            population,
            batch,
            offset,
            &self.positions,
            &self.needed,
        )?;
        let schema = &self.schema;
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        columns.push(self.passthrough(batch, plan.schema().key, 0)?);
        for output in plan.outputs() {
            columns.push(match output.kind {
                OutputKind::Segment(_) => {
                    Arc::new(BooleanArray::new(exec.mask(output.node)?, None))
                }
                OutputKind::Tiers(_) => {
                    let labels = exec.operand(output.node)?.array().clone();
                    if labels.data_type() == &DataType::Utf8 {
                        labels
                    } else {
                        cast(&labels, &DataType::Utf8)?
                    }
                }
            });
        }
        let first_carry = 1 + plan.outputs().len();
        for (i, id) in plan.carry().iter().enumerate() {
            columns.push(self.passthrough(batch, *id, first_carry + i)?);
        }
        for node in plan.measures() {
            columns.push(measure_column(&exec.operand(*node)?, batch.num_rows())?);
        }
        Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
    }

    /// A column copied to the output, cast to its canonical (non-dictionary)
    /// type; all missing when it was not read (the key, for counting runs).
    fn passthrough(
        &self,
        batch: &RecordBatch,
        id: ir::FieldId,
        at: usize,
    ) -> Result<ArrayRef, EvalError> {
        let target = self.schema.field(at).data_type();
        if !self.columns.contains(&id) {
            return Ok(new_null_array(target, batch.num_rows()));
        }
        let column = batch.column(exec::position(&self.positions, batch, id)?);
        if column.data_type() == target {
            Ok(Arc::clone(column))
        } else {
            Ok(cast(column, target)?)
        }
    }
}

/// A measure's values as one `Float64` entry per row (a constant repeated).
fn measure_column(operand: &operand::Operand, rows: usize) -> Result<ArrayRef, ArrowError> {
    let values = if operand.is_scalar() {
        let first = arrow::array::UInt32Array::from(vec![0u32; rows]);
        arrow::compute::take(operand.array().as_ref(), &first, None)?
    } else {
        Arc::clone(operand.array())
    };
    if values.data_type() == &DataType::Float64 {
        Ok(values)
    } else {
        cast(&values, &DataType::Float64)
    }
}

impl Plan {
    /// The membership table's schema: key, segments, tiers, carried fields, then
    /// the measures (`Float64`, missing where the measure is).
    /// Key and carried columns are marked nullable whatever the schema says, so a
    /// stray missing value in the data is written as such instead of failing.
    pub fn membership_schema(&self) -> SchemaRef {
        let schema = self.schema();
        let field_of = |id: ir::FieldId| {
            let field = schema.field(id);
            Field::new(&field.name, canonical_type(&field.ty), true)
        };
        let mut fields = vec![field_of(schema.key)];
        for output in self.outputs() {
            fields.push(match output.kind {
                OutputKind::Segment(_) => Field::new(&output.name, DataType::Boolean, false),
                OutputKind::Tiers(_) => Field::new(&output.name, DataType::Utf8, true),
            });
        }
        fields.extend(self.carry().iter().map(|id| field_of(*id)));
        fields.extend(
            (0..self.measures().len())
                .map(|i| Field::new(format!("measure {i}"), DataType::Float64, true)),
        );
        Arc::new(Schema::new(fields))
    }

    /// Evaluates one batch holding [`Plan::columns`] (in that order) into its
    /// membership batch.
    pub fn evaluate(
        &self,
        batch: &RecordBatch,
        population: &Population,
    ) -> Result<RecordBatch, EvalError> {
        Prepared::new(self, RunOptions::default()).evaluate(self, batch, 0, population)
    }
}
