//! The reference interpreter: [`ir::Program`] evaluated one row at a time over
//! plain [`Value`]s, written to be obviously right rather than fast. It is the
//! oracle the vectorised engine is tested against (`tests/differential.rs`,
//! `tests/criteria.rs`), and shares nothing with it except the as-of date
//! arithmetic (`plan::dates`) and the exact share test (`plan::Fraction`).
//!
//! Population statistics are counted naively over every row, and each event
//! aggregate by walking every event of its table for every customer row.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, RecordBatch, StringArray,
};
use arrow::compute::{cast, concat};
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use chrono::{Datelike, NaiveDate};

use super::EvalError;
use crate::check::ir::{
    self, ArithOp, CmpOp, Direction, Expr, ExprKind, FieldId, Function, Literal, RankScore,
    SegmentId, Side, StringOp, Type,
};
use crate::data::BatchSource;
use crate::data::canonical_type;
use crate::plan::{Fraction, PlanOptions, dates};
use crate::syntax::ast::AggregateFn;

/// One cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// No value.
    Missing,
    /// A bool (also every criterion's result).
    Bool(bool),
    /// An int.
    Int(i64),
    /// A float (never NaN, never `-0.0`).
    Float(f64),
    /// A string or enum value.
    Str(String),
    /// A date, days since 1970-01-01.
    Date(i32),
    /// An instant, microseconds since the epoch (UTC).
    Timestamp(i64),
    /// A `list<string>` (items may be missing).
    ListStr(Vec<Option<String>>),
    /// A `list<int>`.
    ListInt(Vec<Option<i64>>),
}

/// The membership table of `program` over `source`, as one batch, with the same
/// columns as the vectorised engine's output.
pub fn evaluate(
    program: &ir::Program,
    options: &PlanOptions,
    source: &dyn BatchSource,
) -> Result<RecordBatch, EvalError> {
    evaluate_with_events(program, options, source, &[])
}

/// [`evaluate`], with one source per event table (indexed like
/// [`ir::Program::events`]; each holds the columns of [`event_schema`]).
pub fn evaluate_with_events(
    program: &ir::Program,
    options: &PlanOptions,
    source: &dyn BatchSource,
    events: &[Option<&dyn BatchSource>],
) -> Result<RecordBatch, EvalError> {
    let outputs = select(program, options)?;
    let fields: Vec<FieldId> = (0..program.schema.fields.len())
        .map(|i| FieldId(i as u32))
        .collect();
    let raw = read_columns(source, &fields)?;
    let rows = to_rows(program, &raw)?;
    let mut interp = Interp {
        program,
        as_of: options.as_of,
        rows: &rows,
        population: HashMap::new(),
        regexes: HashMap::new(),
        events: read_event_tables(program, events)?,
        current: None,
    };
    let schema = output_schema(program, options, &outputs);
    let key = canonical(&raw, program, program.schema.key)?;
    let mut columns = vec![key];
    for output in &outputs {
        columns.push(interp.output(*output)?);
    }
    for field in &options.carry {
        columns.push(canonical(&raw, program, *field)?);
    }
    for measure in &options.measures {
        columns.push(interp.measure(measure)?);
    }
    Ok(RecordBatch::try_new(schema, columns)?)
}

#[derive(Clone, Copy)]
enum Out {
    Segment(SegmentId),
    Tiers(ir::TierId),
}

fn select(program: &ir::Program, options: &PlanOptions) -> Result<Vec<Out>, EvalError> {
    let mut out = Vec::new();
    for (i, segment) in program.segments.iter().enumerate() {
        let chosen = match &options.segments {
            None => !segment.paused,
            Some(names) => names.contains(&segment.name),
        };
        if chosen {
            out.push(Out::Segment(SegmentId(i as u32)));
        }
    }
    if let Some(unknown) = options.segments.iter().flatten().find(|n| {
        program.segment_named(n).is_none() && !program.tiers.iter().any(|t| t.name == **n)
    }) {
        return Err(EvalError::Output(format!("unknown segment `{unknown}`")));
    }
    let named = |name: &String| options.segments.as_ref().is_none_or(|n| n.contains(name));
    out.extend(
        (0..program.tiers.len())
            .filter(|i| named(&program.tiers[*i].name))
            .map(|i| Out::Tiers(ir::TierId(i as u32))),
    );
    Ok(out)
}

fn output_schema(program: &ir::Program, options: &PlanOptions, outputs: &[Out]) -> Arc<Schema> {
    let field_of = |id: FieldId| {
        let f = program.schema.field(id);
        Field::new(&f.name, canonical_type(&f.ty), true)
    };
    let mut fields = vec![field_of(program.schema.key)];
    for out in outputs {
        fields.push(match out {
            Out::Segment(id) => Field::new(&program.segment(*id).name, DataType::Boolean, false),
            Out::Tiers(id) => Field::new(&program.tier_block(*id).name, DataType::Utf8, true),
        });
    }
    fields.extend(options.carry.iter().map(|id| field_of(*id)));
    fields.extend(
        (0..options.measures.len())
            .map(|i| Field::new(format!("measure {i}"), DataType::Float64, true)),
    );
    Arc::new(Schema::new(fields))
}

/// Every column, whole (batches concatenated).
fn read_columns(source: &dyn BatchSource, fields: &[FieldId]) -> Result<Vec<ArrayRef>, EvalError> {
    let mut parts: Vec<Vec<ArrayRef>> = vec![Vec::new(); fields.len()];
    for batch in source.batches(fields)? {
        let batch = batch?;
        for (i, column) in batch.columns().iter().enumerate() {
            if let Some(part) = parts.get_mut(i) {
                part.push(Arc::clone(column));
            }
        }
    }
    let mut whole = Vec::new();
    for part in parts {
        let refs: Vec<&dyn Array> = part.iter().map(|a| a.as_ref()).collect();
        whole.push(if refs.is_empty() {
            arrow::array::new_empty_array(&DataType::Null)
        } else {
            concat(&refs)?
        });
    }
    Ok(whole)
}

fn canonical(
    raw: &[ArrayRef],
    program: &ir::Program,
    field: FieldId,
) -> Result<ArrayRef, EvalError> {
    let target = canonical_type(&program.schema.field(field).ty);
    let column = raw
        .get(field.0 as usize)
        .ok_or_else(|| EvalError::Output(format!("no column for field #{}", field.0)))?;
    if column.data_type() == &DataType::Null {
        return Ok(arrow::array::new_empty_array(&target));
    }
    Ok(cast(column, &target)?)
}

/// Row-major values.
fn to_rows(program: &ir::Program, raw: &[ArrayRef]) -> Result<Vec<Vec<Value>>, EvalError> {
    let mut columns = Vec::new();
    for (field, array) in program.schema.fields.iter().zip(raw) {
        columns.push(column_values(&field.ty, array)?);
    }
    let n = columns.first().map_or(0, Vec::len);
    Ok((0..n)
        .map(|row| {
            columns
                .iter()
                .map(|c| c.get(row).cloned().unwrap_or(Value::Missing))
                .collect()
        })
        .collect())
}

fn column_values(ty: &Type, array: &ArrayRef) -> Result<Vec<Value>, EvalError> {
    if array.data_type() == &DataType::Null {
        return Ok(vec![Value::Missing; array.len()]);
    }
    let array = cast(array, &canonical_type(ty))?;
    let n = array.len();
    let cell = |i: usize| -> Value {
        if array.is_null(i) {
            return Value::Missing;
        }
        match ty {
            Type::Bool => Value::Bool(array.as_boolean().value(i)),
            Type::Int => Value::Int(array.as_primitive::<Int64Type>().value(i)),
            Type::Float => float(array.as_primitive::<Float64Type>().value(i)),
            Type::String | Type::Enum(_) => {
                Value::Str(array.as_string::<i32>().value(i).to_string())
            }
            Type::Date => Value::Date(
                array
                    .as_primitive::<arrow::datatypes::Date32Type>()
                    .value(i),
            ),
            Type::Timestamp => Value::Timestamp(
                array
                    .as_primitive::<arrow::datatypes::TimestampMicrosecondType>()
                    .value(i),
            ),
            Type::ListString => {
                let items = array.as_list::<i32>().value(i);
                Value::ListStr(
                    items
                        .as_string::<i32>()
                        .iter()
                        .map(|s| s.map(str::to_string))
                        .collect(),
                )
            }
            Type::ListInt => {
                let items = array.as_list::<i32>().value(i);
                Value::ListInt(items.as_primitive::<Int64Type>().iter().collect())
            }
        }
    };
    Ok((0..n).map(cell).collect())
}

/// A float value: NaN is missing, `-0.0` is `0.0` (docs/decisions.md).
fn float(v: f64) -> Value {
    if v.is_nan() {
        Value::Missing
    } else if v == 0.0 {
        Value::Float(0.0)
    } else {
        Value::Float(v)
    }
}

struct Interp<'a> {
    program: &'a ir::Program,
    as_of: NaiveDate,
    rows: &'a [Vec<Value>],
    /// every row's value of a ranked expression, by the expression's address
    population: HashMap<usize, Vec<Value>>,
    regexes: HashMap<String, regex::Regex>,
    /// every event table's rows (`None`: no data given)
    events: Vec<Option<Vec<EventRow>>>,
    /// the event row an aggregate's filter is looking at: (table, row)
    current: Option<(usize, usize)>,
}

/// One event: its customer key and its fields (indexed by `EventFieldId`).
#[derive(Clone, Debug)]
struct EventRow {
    key: Value,
    fields: Vec<Value>,
}

/// The schema an event table's file is read with ([`ir::Program::event_schema`]).
pub fn event_schema(program: &ir::Program, table: &ir::EventTable) -> ir::Schema {
    program.event_schema(table)
}

fn read_event_tables(
    program: &ir::Program,
    events: &[Option<&dyn BatchSource>],
) -> Result<Vec<Option<Vec<EventRow>>>, EvalError> {
    let mut tables = Vec::new();
    for (i, table) in program.events.iter().enumerate() {
        tables.push(match events.get(i).copied().flatten() {
            Some(source) => Some(read_events(program, table, source)?),
            None => None,
        });
    }
    Ok(tables)
}

/// Every row of an event table's source, as values.
fn read_events(
    program: &ir::Program,
    table: &ir::EventTable,
    source: &dyn BatchSource,
) -> Result<Vec<EventRow>, EvalError> {
    let schema = event_schema(program, table);
    let ids: Vec<FieldId> = (0..schema.fields.len())
        .map(|i| FieldId(i as u32))
        .collect();
    let raw = read_columns(source, &ids)?;
    let mut columns = Vec::new();
    for (field, array) in schema.fields.iter().zip(&raw) {
        columns.push(column_values(&field.ty, array)?);
    }
    let n = columns.first().map_or(0, Vec::len);
    Ok((0..n)
        .map(|row| {
            let mut values = columns
                .iter()
                .map(|c| c.get(row).cloned().unwrap_or(Value::Missing));
            let key = values.next().unwrap_or(Value::Missing);
            EventRow {
                key,
                fields: values.collect(),
            }
        })
        .collect())
}

/// An aggregate's running state over the events that pass its filter.
struct Acc {
    function: AggregateFn,
    count: u64,
    /// Exact: 2^64 events of 64-bit values cannot leave 128 bits.
    int_sum: i128,
    float_sum: f64,
    floats: bool,
    best: Value,
}

impl Acc {
    fn new(function: AggregateFn) -> Acc {
        Acc {
            function,
            count: 0,
            int_sum: 0,
            float_sum: 0.0,
            floats: false,
            best: Value::Missing,
        }
    }

    /// One passing event's value (its field, or its time for `first`/`last`).
    fn add(&mut self, v: Value) {
        if v == Value::Missing {
            return;
        }
        self.count += 1;
        match &v {
            Value::Int(i) => {
                self.int_sum += i128::from(*i);
                self.float_sum += *i as f64;
            }
            Value::Float(f) => {
                self.floats = true;
                self.float_sum += f;
            }
            _ => {}
        }
        let want = match self.function {
            AggregateFn::Min | AggregateFn::First => Ordering::Less,
            AggregateFn::Max | AggregateFn::Last => Ordering::Greater,
            _ => return,
        };
        if self.best == Value::Missing || compare(&v, &self.best) == Some(want) {
            self.best = v;
        }
    }

    fn finish(&self) -> Value {
        match self.function {
            AggregateFn::Count => Value::Int(self.count as i64),
            AggregateFn::Exists => Value::Bool(self.count > 0),
            AggregateFn::Sum if self.floats => float(self.float_sum),
            AggregateFn::Sum => i64::try_from(self.int_sum).map_or(Value::Missing, Value::Int),
            AggregateFn::Avg if self.count == 0 => Value::Missing,
            AggregateFn::Avg => float(self.float_sum / self.count as f64),
            AggregateFn::Min | AggregateFn::Max | AggregateFn::First | AggregateFn::Last => {
                self.best.clone()
            }
        }
    }
}

type R<T> = Result<T, EvalError>;

impl Interp<'_> {
    fn output(&mut self, out: Out) -> R<ArrayRef> {
        let n = self.rows.len();
        Ok(match out {
            Out::Segment(id) => {
                let condition = &self.program.segment(id).condition;
                let mut bits = Vec::with_capacity(n);
                for row in 0..n {
                    bits.push(self.test(condition, row)?);
                }
                Arc::new(BooleanArray::from(bits))
            }
            Out::Tiers(id) => {
                let mut labels = Vec::with_capacity(n);
                for row in 0..n {
                    labels.push(self.tier(id, row)?);
                }
                Arc::new(StringArray::from(labels))
            }
        })
    }

    /// A numeric expression per row, as floats (missing stays missing).
    fn measure(&mut self, e: &Expr) -> R<ArrayRef> {
        let mut values = Vec::with_capacity(self.rows.len());
        for row in 0..self.rows.len() {
            values.push(match self.eval(e, row)? {
                Value::Int(i) => Some(i as f64),
                Value::Float(f) => Some(f),
                _ => None,
            });
        }
        Ok(Arc::new(Float64Array::from(values)))
    }

    fn tier(&mut self, id: ir::TierId, row: usize) -> R<Option<String>> {
        let block = self.program.tier_block(id);
        for tier in &block.tiers {
            let holds = match &tier.condition {
                None => true,
                Some(c) => self.test(c, row)?,
            };
            if holds {
                return Ok(Some(tier.name.clone()));
            }
        }
        Ok(None)
    }

    /// A criterion: true or false, never missing.
    fn test(&mut self, e: &Expr, row: usize) -> R<bool> {
        Ok(matches!(self.eval(e, row)?, Value::Bool(true)))
    }

    fn eval(&mut self, e: &Expr, row: usize) -> R<Value> {
        let b = |x: bool| Ok(Value::Bool(x));
        match &e.kind {
            ExprKind::Or(items) => {
                let mut any = false;
                for item in items {
                    any |= self.test(item, row)?;
                }
                b(any)
            }
            ExprKind::And(items) => {
                let mut all = true;
                for item in items {
                    all &= self.test(item, row)?;
                }
                b(all)
            }
            ExprKind::Not(inner) => b(!self.test(inner, row)?),
            ExprKind::Compare { left, op, right } => {
                let (l, r) = (self.eval(left, row)?, self.eval(right, row)?);
                b(compare(&l, &r).is_some_and(|o| holds(*op, o)))
            }
            ExprKind::InList {
                value,
                items,
                negated,
            } => {
                let v = self.eval(value, row)?;
                if v == Value::Missing {
                    return b(false);
                }
                let found = items
                    .iter()
                    .any(|l| compare(&v, &literal(l)) == Some(Ordering::Equal));
                b(found != *negated)
            }
            ExprKind::Between {
                value,
                low,
                high,
                negated,
            } => {
                let v = self.eval(value, row)?;
                let (lo, hi) = (self.eval(low, row)?, self.eval(high, row)?);
                match (compare(&v, &lo), compare(&v, &hi)) {
                    (Some(a), Some(z)) => {
                        b((a != Ordering::Less && z != Ordering::Greater) != *negated)
                    }
                    _ => b(false),
                }
            }
            ExprKind::IsMissing { value, negated } => {
                b((self.eval(value, row)? == Value::Missing) != *negated)
            }
            ExprKind::StringTest { value, op, pattern } => match self.eval(value, row)? {
                Value::Str(s) => b(self.string_test(&s, *op, pattern)?),
                _ => b(false),
            },
            ExprKind::Has { list, all, items } => {
                let list = self.eval(list, row)?;
                let contains = |item: &Literal| match (&list, item) {
                    (Value::ListStr(xs), Literal::String(s)) => {
                        xs.iter().any(|x| x.as_deref() == Some(s.as_str()))
                    }
                    (Value::ListInt(xs), Literal::Int(i)) => xs.contains(&Some(*i)),
                    _ => false,
                };
                let present = matches!(list, Value::ListStr(_) | Value::ListInt(_));
                let hit = if *all {
                    items.iter().all(contains)
                } else {
                    items.iter().any(contains)
                };
                b(present && hit)
            }
            ExprKind::IsEmpty { value, negated } => match self.eval(value, row)? {
                Value::ListStr(xs) => b(xs.is_empty() != *negated),
                Value::ListInt(xs) => b(xs.is_empty() != *negated),
                _ => b(false),
            },
            ExprKind::Within {
                value,
                direction,
                duration,
            } => {
                let Some(d) = day(&self.eval(value, row)?) else {
                    return b(false);
                };
                let as_of = dates::days_of(self.as_of);
                b(match direction {
                    Direction::Last => dates::days_ago(self.as_of, *duration) <= d && d <= as_of,
                    Direction::Next => as_of < d && d <= dates::days_ahead(self.as_of, *duration),
                })
            }
            ExprKind::DateCompare {
                value,
                before,
                target,
            } => {
                let v = self.eval(value, row)?;
                let t = match target {
                    ir::DateTarget::Date(d) => Value::Date(dates::days_of(*d)),
                    ir::DateTarget::Timestamp(t) => Value::Timestamp(*t),
                    ir::DateTarget::Ago(duration) => {
                        Value::Date(dates::days_ago(self.as_of, *duration))
                    }
                };
                let want = if *before {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                b(compare(&v, &t) == Some(want))
            }
            ExprKind::Percentile {
                value,
                side,
                fraction,
            } => {
                let x = self.eval(value, row)?;
                if x == Value::Missing {
                    return b(false);
                }
                let all = self.population_of(value)?;
                let present = all.iter().filter(|v| **v != Value::Missing);
                let n = present.clone().count() as u64;
                let beyond = match side {
                    Side::Top => present
                        .filter(|v| compare(v, &x) == Some(Ordering::Greater))
                        .count(),
                    Side::Bottom => present
                        .filter(|v| compare(v, &x) == Some(Ordering::Less))
                        .count(),
                };
                b(Fraction::from_share(*fraction).exceeds(beyond as u64, n))
            }
            ExprKind::SegmentRef(id) => {
                let condition = &self.program.segment(*id).condition;
                b(self.test(condition, row)?)
            }
            ExprKind::Field(f) => Ok(self
                .rows
                .get(row)
                .and_then(|r| r.get(f.0 as usize))
                .cloned()
                .unwrap_or(Value::Missing)),
            ExprKind::TierRef(id) => Ok(self.tier(*id, row)?.map_or(Value::Missing, Value::Str)),
            ExprKind::Literal(l) => Ok(literal(l)),
            ExprKind::Arith { left, op, right } => {
                let (l, r) = (self.eval(left, row)?, self.eval(right, row)?);
                Ok(arith(*op, &l, &r))
            }
            ExprKind::Neg(inner) => Ok(match self.eval(inner, row)? {
                Value::Int(i) => i.checked_neg().map_or(Value::Missing, Value::Int),
                Value::Float(f) => float(-f),
                _ => Value::Missing,
            }),
            ExprKind::Call { function, arg } => {
                let v = self.eval(arg, row)?;
                Ok(call(*function, &v, self.as_of))
            }
            ExprKind::Rank { score, value } => {
                let x = self.eval(value, row)?;
                if x == Value::Missing {
                    return Ok(Value::Missing);
                }
                let all = self.population_of(value)?;
                let present: Vec<&Value> = all.iter().filter(|v| **v != Value::Missing).collect();
                let n = present.len() as i64;
                let below = present
                    .iter()
                    .filter(|v| compare(v, &x) == Some(Ordering::Less))
                    .count() as i64;
                Ok(match score {
                    RankScore::Quintile => Value::Int(1 + 5 * below / n),
                    RankScore::Decile => Value::Int(1 + 10 * below / n),
                    RankScore::Percentile => Value::Float(100.0 * below as f64 / n as f64),
                })
            }
            ExprKind::DateOf(inner) => Ok(match self.eval(inner, row)? {
                Value::Timestamp(t) => Value::Date(utc_day(t)),
                other => other,
            }),
            ExprKind::ToFloat(inner) => Ok(match self.eval(inner, row)? {
                Value::Int(i) => Value::Float(i as f64),
                other => other,
            }),
            ExprKind::Aggregate(aggregate) => {
                let customer = self
                    .rows
                    .get(row)
                    .and_then(|r| r.get(self.program.schema.key.0 as usize))
                    .cloned()
                    .unwrap_or(Value::Missing);
                let t = aggregate.table.0 as usize;
                let mut acc = Acc::new(aggregate.function);
                let saved = self.current;
                for r in 0..self.event_rows(t)?.len() {
                    let matches = self
                        .event_rows(t)?
                        .get(r)
                        .is_some_and(|e| customer != Value::Missing && e.key == customer);
                    if matches && let Some(v) = self.contribution(aggregate, t, r)? {
                        acc.add(v);
                    }
                }
                self.current = saved;
                Ok(acc.finish())
            }
            ExprKind::EventField(f) => Ok(self
                .current
                .and_then(|(t, r)| {
                    self.events
                        .get(t)?
                        .as_ref()?
                        .get(r)?
                        .fields
                        .get(f.0 as usize)
                        .cloned()
                })
                .unwrap_or(Value::Missing)),
        }
    }

    fn event_rows(&self, table: usize) -> R<&[EventRow]> {
        match self.events.get(table) {
            Some(Some(rows)) => Ok(rows),
            _ => Err(EvalError::Output(format!(
                "no data for events table `{}`",
                self.program
                    .events
                    .get(table)
                    .map_or("?", |t| t.name.as_str())
            ))),
        }
    }

    /// What event `r` of table `t` adds to `aggregate`: `None` when it is left
    /// out (missing time, after as-of or outside the window, filtered out);
    /// else its field's value, its time (`first`/`last`) or `true` (`count`/`exists`).
    fn contribution(&mut self, aggregate: &ir::Aggregate, t: usize, r: usize) -> R<Option<Value>> {
        let time_field = self
            .program
            .events
            .get(t)
            .map_or(0, |table| table.time.0 as usize);
        let (time, field) = {
            let Some(event) = self.event_rows(t)?.get(r) else {
                return Ok(None);
            };
            let time = event
                .fields
                .get(time_field)
                .cloned()
                .unwrap_or(Value::Missing);
            let field = aggregate
                .field
                .and_then(|f| event.fields.get(f.0 as usize).cloned())
                .unwrap_or(Value::Missing);
            (time, field)
        };
        let Some(d) = day(&time) else {
            return Ok(None);
        };
        let as_of = dates::days_of(self.as_of);
        let visible = match aggregate.window {
            None => d <= as_of,
            Some((Direction::Last, duration)) => {
                dates::days_ago(self.as_of, duration) <= d && d <= as_of
            }
            Some((Direction::Next, duration)) => {
                as_of < d && d <= dates::days_ahead(self.as_of, duration)
            }
        };
        if !visible {
            return Ok(None);
        }
        if let Some(filter) = &aggregate.filter {
            let saved = self.current;
            self.current = Some((t, r));
            let passes = self.test(filter, 0);
            self.current = saved;
            if !passes? {
                return Ok(None);
            }
        }
        Ok(Some(match aggregate.function {
            AggregateFn::Count | AggregateFn::Exists => Value::Bool(true),
            AggregateFn::First | AggregateFn::Last => time,
            AggregateFn::Sum | AggregateFn::Avg | AggregateFn::Min | AggregateFn::Max => field,
        }))
    }

    /// Every row's value of `e` (computed once per expression).
    fn population_of(&mut self, e: &Expr) -> R<Vec<Value>> {
        let key = e as *const Expr as usize;
        if let Some(values) = self.population.get(&key) {
            return Ok(values.clone());
        }
        let mut values = Vec::with_capacity(self.rows.len());
        for row in 0..self.rows.len() {
            values.push(self.eval(e, row)?);
        }
        self.population.insert(key, values.clone());
        Ok(values)
    }

    fn string_test(&mut self, s: &str, op: StringOp, pattern: &str) -> R<bool> {
        Ok(match op {
            StringOp::Contains => s.contains(pattern),
            StringOp::StartsWith => s.starts_with(pattern),
            StringOp::EndsWith => s.ends_with(pattern),
            StringOp::Matches => {
                if !self.regexes.contains_key(pattern) {
                    let re =
                        regex::Regex::new(pattern).map_err(|e| EvalError::Output(e.to_string()))?;
                    self.regexes.insert(pattern.to_string(), re);
                }
                self.regexes.get(pattern).is_some_and(|re| re.is_match(s))
            }
        })
    }
}

/// The UTC calendar day of an instant, through chrono.
fn utc_day(t: i64) -> i32 {
    match chrono::DateTime::from_timestamp_micros(t) {
        Some(instant) => dates::days_of(instant.date_naive()),
        None => dates::day_of_micros(t),
    }
}

/// The day of a date or an instant.
fn day(v: &Value) -> Option<i32> {
    match v {
        Value::Date(d) => Some(*d),
        Value::Timestamp(t) => Some(utc_day(*t)),
        _ => None,
    }
}

/// Orders two present values of comparable types (`None` if either is missing).
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Float(x), Float(y)) => x.partial_cmp(y),
        (Int(x), Float(y)) => (*x as f64).partial_cmp(y),
        (Float(x), Int(y)) => x.partial_cmp(&(*y as f64)),
        (Str(x), Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Date(x), Date(y)) => Some(x.cmp(y)),
        (Timestamp(x), Timestamp(y)) => Some(x.cmp(y)),
        (Date(_), Timestamp(_)) | (Timestamp(_), Date(_)) => Some(day(a)?.cmp(&day(b)?)),
        _ => None,
    }
}

fn holds(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::NotEq => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::LtEq => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::GtEq => o != Ordering::Less,
    }
}

fn literal(l: &Literal) -> Value {
    match l {
        Literal::Bool(x) => Value::Bool(*x),
        Literal::Int(i) => Value::Int(*i),
        Literal::Float(f) => float(*f),
        Literal::String(s) => Value::Str(s.clone()),
        Literal::Date(d) => Value::Date(dates::days_of(*d)),
        Literal::Timestamp(t) => Value::Timestamp(*t),
    }
}

fn arith(op: ArithOp, l: &Value, r: &Value) -> Value {
    use Value::{Float, Int, Missing};
    match (l, r, op) {
        (Int(a), Int(b), ArithOp::Add) => a.checked_add(*b).map_or(Missing, Int),
        (Int(a), Int(b), ArithOp::Sub) => a.checked_sub(*b).map_or(Missing, Int),
        (Int(a), Int(b), ArithOp::Mul) => a.checked_mul(*b).map_or(Missing, Int),
        (Int(a), Int(b), ArithOp::Div) => divide(*a as f64, *b as f64),
        (Float(a), Float(b), _) => floats(op, *a, *b),
        (Int(a), Float(b), _) => floats(op, *a as f64, *b),
        (Float(a), Int(b), _) => floats(op, *a, *b as f64),
        _ => Missing,
    }
}

fn floats(op: ArithOp, a: f64, b: f64) -> Value {
    match op {
        ArithOp::Add => float(a + b),
        ArithOp::Sub => float(a - b),
        ArithOp::Mul => float(a * b),
        ArithOp::Div => divide(a, b),
    }
}

fn divide(a: f64, b: f64) -> Value {
    if b == 0.0 {
        Value::Missing
    } else {
        float(a / b)
    }
}

fn call(function: Function, v: &Value, as_of: NaiveDate) -> Value {
    let date = || day(v).and_then(dates::date_of_days);
    match (function, v) {
        (Function::Lower, Value::Str(s)) => Value::Str(s.to_lowercase()),
        (Function::Upper, Value::Str(s)) => Value::Str(s.to_uppercase()),
        (Function::LengthString, Value::Str(s)) => Value::Int(s.chars().count() as i64),
        (Function::LengthList, Value::ListStr(xs)) => Value::Int(xs.len() as i64),
        (Function::LengthList, Value::ListInt(xs)) => Value::Int(xs.len() as i64),
        (Function::DaysSince, _) => day(v).map_or(Value::Missing, |d| {
            Value::Int(i64::from(dates::days_of(as_of)) - i64::from(d))
        }),
        (Function::Year, _) => date().map_or(Value::Missing, |d| Value::Int(i64::from(d.year()))),
        (Function::Month, _) => date().map_or(Value::Missing, |d| Value::Int(i64::from(d.month()))),
        _ => Value::Missing,
    }
}
