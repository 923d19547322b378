//! Why a segment has the members it has: the criteria funnel over the data, and one
//! customer's trace (`segmint explain NAME --data FILE [--customer KEY]`).
//!
//! A segment's criteria are the parts of its top-level `and` (a condition that is
//! not an `and` is one criterion). [`Probe::new`] adds to the program one hidden
//! segment per criterion, whose members are the customers the criterion holds for,
//! and lists what a run must output: those segments, the segment itself, the
//! segments the criteria refer to, the customer fields they read (carried) and the
//! values they compute (measures: aggregates, function calls, arithmetic, scores).
//! The engine evaluates all of it in one scan like any other run (shared
//! sub-expressions are computed once); [`FunnelCounter`] and [`TraceFinder`] read
//! the membership batches it gives.
//!
//! - the funnel: for each criterion in order, how many customers hold it alone, how
//!   many hold it and every criterion before it (remain), and how many the criterion
//!   removes from those the criteria before it left;
//! - the trace: for one customer, each criterion's result and the values it read.

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::compute::kernels::boolean::and;
use arrow::datatypes::{Float64Type, TimestampMicrosecondType};
use arrow::util::display::array_value_to_string;
use chrono::NaiveDate;
use serde::Serialize;

use crate::check::ir::{
    self, Derived, Expr, ExprKind, FieldId, Function, Program, SegmentId, Type, format_timestamp,
};
use crate::eval::EvalError;
use crate::source::Span;

/// What to evaluate to explain one segment.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The program with one hidden segment per criterion.
    pub program: Program,
    /// The explained segment.
    pub segment: SegmentId,
    /// Its criteria, in the order written.
    pub criteria: Vec<Criterion>,
    /// The values the criteria read, in the order met.
    pub inputs: Vec<Input>,
}

/// One criterion of the explained segment.
#[derive(Clone, Debug)]
pub struct Criterion {
    /// Where it is written.
    pub span: Span,
    /// The hidden segment holding its members (a name no user segment can have).
    pub output: String,
    /// The indexes in [`Probe::inputs`] of the values it reads.
    pub inputs: Vec<usize>,
}

/// A value a criterion reads, and where a run puts it.
#[derive(Clone, Debug)]
pub struct Input {
    /// Where it is written.
    pub span: Span,
    /// Its type as written (a date is measured as days before the as-of date).
    pub ty: Type,
    /// Where its value comes from.
    pub source: InputSource,
}

/// Where an input's value is in the membership batches.
#[derive(Clone, Debug)]
pub enum InputSource {
    /// A carried customer field (column named after it).
    Field(FieldId, String),
    /// A segment's membership column.
    Segment(String),
    /// A tiers block's label column.
    Tiers(String),
    /// A measure (`measure N`) of the expression; dates are measured as
    /// `days_since`.
    Measure(usize, Box<Expr>),
}

impl Probe {
    /// The probe for the segment named `name`, or `None` when there is none.
    pub fn new(program: &Program, name: &str) -> Option<Probe> {
        let segment = program.segment_named(name)?;
        let condition = program.segment(segment).condition.clone();
        let parts = match condition.kind {
            ExprKind::And(parts) => parts,
            _ => vec![condition],
        };
        let mut probe = Probe {
            program: program.clone(),
            segment,
            criteria: Vec::new(),
            inputs: Vec::new(),
        };
        let mut measures = 0;
        for (i, part) in parts.into_iter().enumerate() {
            let mut inputs = Vec::new();
            probe.collect_inputs(&part, &mut inputs, &mut measures);
            let output = format!("#{name} criterion {}", i + 1);
            let id = SegmentId(probe.program.segments.len() as u32);
            let base = probe.program.segment(segment);
            let hidden = ir::Segment {
                name: output.clone(),
                span: base.span,
                doc: None,
                condition: part.clone(),
                expects: Vec::new(),
                owner: None,
                paused: true,
                allows: Vec::new(),
            };
            probe.program.segments.push(hidden);
            probe.program.order.push(Derived::Segment(id));
            probe.criteria.push(Criterion {
                span: part.span,
                output,
                inputs,
            });
        }
        Some(probe)
    }

    /// The segments and tiers blocks a run must output: the explained segment,
    /// the hidden ones and those the criteria refer to.
    pub fn outputs(&self) -> Vec<String> {
        let mut names = vec![self.program.segment(self.segment).name.clone()];
        names.extend(self.criteria.iter().map(|c| c.output.clone()));
        for input in &self.inputs {
            if let InputSource::Segment(name) | InputSource::Tiers(name) = &input.source
                && !names.contains(name)
            {
                names.push(name.clone());
            }
        }
        names
    }

    /// The customer fields a run must carry.
    pub fn carry(&self) -> Vec<FieldId> {
        let mut fields = Vec::new();
        for input in &self.inputs {
            if let InputSource::Field(id, _) = input.source
                && !fields.contains(&id)
            {
                fields.push(id);
            }
        }
        fields
    }

    /// The values a run must measure, in `measure N` order.
    pub fn measures(&self) -> Vec<Expr> {
        let mut measures = Vec::new();
        for input in &self.inputs {
            if let InputSource::Measure(_, expr) = &input.source {
                measures.push(measured(expr));
            }
        }
        measures
    }

    /// The values read by `expr`, outermost first; each is recorded once.
    fn collect_inputs(&mut self, expr: &Expr, out: &mut Vec<usize>, measures: &mut usize) {
        let source = match &expr.kind {
            ExprKind::Field(id) => Some(InputSource::Field(
                *id,
                self.program.schema.field(*id).name.clone(),
            )),
            ExprKind::SegmentRef(id) => {
                Some(InputSource::Segment(self.program.segment(*id).name.clone()))
            }
            ExprKind::TierRef(id) => Some(InputSource::Tiers(
                self.program.tier_block(*id).name.clone(),
            )),
            ExprKind::Aggregate(_)
            | ExprKind::Call { .. }
            | ExprKind::Rank { .. }
            | ExprKind::Arith { .. }
                if measurable(&expr.ty) =>
            {
                Some(InputSource::Measure(*measures, Box::new(expr.clone())))
            }
            _ => None,
        };
        if let Some(source) = source {
            let known = self
                .inputs
                .iter()
                .position(|i| same_value(i, &source, expr.span));
            let index = match known {
                Some(index) => index,
                None => {
                    if let InputSource::Measure(..) = source {
                        *measures += 1;
                    }
                    self.inputs.push(Input {
                        span: expr.span,
                        ty: expr.ty.clone(),
                        source,
                    });
                    self.inputs.len() - 1
                }
            };
            if !out.contains(&index) {
                out.push(index);
            }
        }
        // An aggregate's filter reads event fields, not customer values.
        if matches!(expr.kind, ExprKind::Aggregate(_)) {
            return;
        }
        for child in expr.children() {
            self.collect_inputs(child, out, measures);
        }
    }
}

/// The expression measured for a value: a date as days before the as-of date (a
/// measure is a number).
fn measured(expr: &Expr) -> Expr {
    if expr.ty == Type::Date {
        Expr {
            kind: ExprKind::Call {
                function: Function::DaysSince,
                arg: Box::new(expr.clone()),
            },
            ty: Type::Int,
            span: expr.span,
        }
    } else {
        expr.clone()
    }
}

/// Whether `input` already records the value `source` read at `span`: the same
/// field, segment or tiers block, or the same expression (a measure where it is
/// written).
fn same_value(input: &Input, source: &InputSource, span: Span) -> bool {
    match (&input.source, source) {
        (InputSource::Field(a, _), InputSource::Field(b, _)) => a == b,
        (InputSource::Segment(a), InputSource::Segment(b))
        | (InputSource::Tiers(a), InputSource::Tiers(b)) => a == b,
        (InputSource::Measure(..), InputSource::Measure(..)) => input.span == span,
        _ => false,
    }
}

/// Whether a value can be a measure (a number per customer).
fn measurable(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Int | Type::Float | Type::Bool | Type::Date | Type::Timestamp
    )
}

/// The boolean column named `name` of a membership batch.
fn flags<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b BooleanArray, EvalError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_boolean_opt())
        .ok_or_else(|| EvalError::Output(format!("the run did not output `{name}`")))
}

/// The criteria funnel of one segment.
#[derive(Clone, Debug, Serialize)]
pub struct Funnel {
    /// The segment.
    pub segment: String,
    /// Customers read.
    pub customers: u64,
    /// The segment's members.
    pub members: u64,
    /// One step per criterion, in order.
    pub steps: Vec<Step>,
}

/// One criterion of the funnel.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// The criterion as written.
    pub criterion: String,
    /// Customers the criterion alone holds for.
    pub alone: u64,
    /// Customers the criteria before it left that it leaves out.
    pub removes: u64,
    /// Customers all criteria up to this one hold for.
    pub remain: u64,
}

/// Counts the funnel over membership batches.
pub struct FunnelCounter<'p> {
    probe: &'p Probe,
    customers: u64,
    members: u64,
    alone: Vec<u64>,
    remain: Vec<u64>,
}

impl<'p> FunnelCounter<'p> {
    /// A counter for `probe`'s run.
    pub fn new(probe: &'p Probe) -> FunnelCounter<'p> {
        let n = probe.criteria.len();
        FunnelCounter {
            probe,
            customers: 0,
            members: 0,
            alone: vec![0; n],
            remain: vec![0; n],
        }
    }

    /// Counts one membership batch.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), EvalError> {
        self.customers += batch.num_rows() as u64;
        let name = &self.probe.program.segment(self.probe.segment).name;
        self.members += flags(batch, name)?.true_count() as u64;
        let mut so_far: Option<BooleanArray> = None;
        for (i, criterion) in self.probe.criteria.iter().enumerate() {
            let holds = flags(batch, &criterion.output)?;
            self.alone[i] += holds.true_count() as u64;
            let both = match &so_far {
                Some(before) => and(before, holds)?,
                None => holds.clone(),
            };
            self.remain[i] += both.true_count() as u64;
            so_far = Some(both);
        }
        Ok(())
    }

    /// The funnel; `text` gives the source text of a span.
    pub fn finish(self, text: &dyn Fn(Span) -> String) -> Funnel {
        let mut before = self.customers;
        let steps = self
            .probe
            .criteria
            .iter()
            .enumerate()
            .map(|(i, criterion)| {
                let remain = self.remain[i];
                let step = Step {
                    criterion: text(criterion.span),
                    alone: self.alone[i],
                    removes: before - remain.min(before),
                    remain,
                };
                before = remain;
                step
            })
            .collect();
        Funnel {
            segment: self.probe.program.segment(self.probe.segment).name.clone(),
            customers: self.customers,
            members: self.members,
            steps,
        }
    }
}

/// One customer's trace through a segment.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    /// The segment.
    pub segment: String,
    /// The customer's key.
    pub customer: String,
    /// Whether the customer is a member.
    pub member: bool,
    /// Each criterion, in order.
    pub criteria: Vec<CriterionTrace>,
    /// Rows with this key after the first (a key should be unique).
    pub duplicates: u64,
}

/// One criterion of a trace.
#[derive(Clone, Debug, Serialize)]
pub struct CriterionTrace {
    /// The criterion as written.
    pub criterion: String,
    /// Whether it holds for the customer.
    pub holds: bool,
    /// The values it read.
    pub values: Vec<Value>,
}

/// A value a criterion read.
#[derive(Clone, Debug, Serialize)]
pub struct Value {
    /// The expression as written.
    pub expression: String,
    /// Its value for the customer (`missing` when there is none).
    pub value: String,
}

/// Finds one customer in membership batches (the key column comes first).
pub struct TraceFinder<'p> {
    probe: &'p Probe,
    key: String,
    as_of: NaiveDate,
    found: Option<(bool, Vec<bool>, Vec<String>)>,
    duplicates: u64,
}

impl<'p> TraceFinder<'p> {
    /// A finder for the customer whose key, as text, is `key`.
    pub fn new(probe: &'p Probe, key: &str, as_of: NaiveDate) -> TraceFinder<'p> {
        TraceFinder {
            probe,
            key: key.to_owned(),
            as_of,
            found: None,
            duplicates: 0,
        }
    }

    /// Looks for the customer in one batch.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), EvalError> {
        let keys = batch.column(0);
        for row in 0..batch.num_rows() {
            if keys.is_null(row) || array_value_to_string(keys, row)? != self.key {
                continue;
            }
            if self.found.is_some() {
                self.duplicates += 1;
                continue;
            }
            let name = &self.probe.program.segment(self.probe.segment).name;
            let member = flags(batch, name)?.value(row);
            let holds = self
                .probe
                .criteria
                .iter()
                .map(|c| flags(batch, &c.output).map(|f| f.value(row)))
                .collect::<Result<Vec<_>, _>>()?;
            let values = self
                .probe
                .inputs
                .iter()
                .map(|input| self.value(batch, row, input))
                .collect::<Result<Vec<_>, _>>()?;
            self.found = Some((member, holds, values));
        }
        Ok(())
    }

    fn value(&self, batch: &RecordBatch, row: usize, input: &Input) -> Result<String, EvalError> {
        let name = match &input.source {
            InputSource::Field(_, name) | InputSource::Segment(name) | InputSource::Tiers(name) => {
                name.clone()
            }
            InputSource::Measure(i, _) => format!("measure {i}"),
        };
        let column = batch
            .column_by_name(&name)
            .ok_or_else(|| EvalError::Output(format!("the run did not output `{name}`")))?;
        if column.is_null(row) {
            return Ok("missing".into());
        }
        if let InputSource::Measure(..) = input.source
            && let Some(numbers) = column.as_primitive_opt::<Float64Type>()
        {
            return Ok(shown_measure(numbers.value(row), &input.ty, self.as_of));
        }
        if let Some(text) = column.as_string_opt::<i32>() {
            return Ok(format!("{:?}", text.value(row)));
        }
        if let Some(times) = column.as_primitive_opt::<TimestampMicrosecondType>() {
            return Ok(format_timestamp(times.value(row)));
        }
        if let Some(numbers) = column.as_primitive_opt::<Float64Type>() {
            return Ok(float(numbers.value(row)));
        }
        Ok(array_value_to_string(column, row)?)
    }

    /// The trace, or `None` when no customer has the key; `text` gives the source
    /// text of a span.
    pub fn finish(self, text: &dyn Fn(Span) -> String) -> Option<Trace> {
        let (member, holds, values) = self.found?;
        let criteria = self
            .probe
            .criteria
            .iter()
            .zip(holds)
            .map(|(criterion, holds)| CriterionTrace {
                criterion: text(criterion.span),
                holds,
                values: criterion
                    .inputs
                    .iter()
                    .filter_map(|&i| {
                        let input = self.probe.inputs.get(i)?;
                        Some(Value {
                            expression: text(input.span),
                            value: values.get(i)?.clone(),
                        })
                    })
                    .collect(),
            })
            .collect();
        Some(Trace {
            segment: self.probe.program.segment(self.probe.segment).name.clone(),
            customer: self.key,
            member,
            criteria,
            duplicates: self.duplicates,
        })
    }
}

/// A measured value in the type it was written with.
fn shown_measure(value: f64, ty: &Type, as_of: NaiveDate) -> String {
    match ty {
        Type::Bool => (value != 0.0).to_string(),
        Type::Int => format!("{}", value as i64),
        Type::Date => as_of
            .checked_sub_signed(chrono::Duration::days(value as i64))
            .map_or_else(|| "missing".into(), |d| d.to_string()),
        Type::Timestamp => format_timestamp(value as i64),
        _ => float(value),
    }
}

/// A float as people write it: at most six decimals, no trailing zeros (a sum of
/// amounts in cents shows `423.43`, not `423.42999999999995`).
fn float(value: f64) -> String {
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}
