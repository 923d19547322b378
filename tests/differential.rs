//! Differential test: the vectorised engine (`plan::compile` + `eval::run`) and the
//! row-by-row reference interpreter (`eval::reference`) must agree on every row.
//!
//! Each case is built from one seed: a random schema (every type, nullable or
//! not, strings plain or dictionary-encoded), random rows drawn from small value
//! domains (so ties, empty strings/lists, NaN, -0.0, overflow and missing values
//! are common), and random well-typed segments and a tiers block, generated as
//! `ir::Expr` directly. The engine runs with several batch sizes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array, Int64Builder,
    ListBuilder, StringArray, StringBuilder, TimestampMicrosecondArray,
};
use arrow::compute::concat_batches;
use arrow::datatypes::Int32Type;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use proptest::prelude::*;

use segmint::check::ir::{
    self, ArithOp, CmpOp, DateTarget, Direction, Duration, DurationUnit, Expr, ExprKind, FieldId,
    Function, Literal, Program, RankScore, SegmentId, Side, StringOp, TierId, Type,
};
use segmint::eval::{self, MemorySource, reference};
use segmint::plan::{self, PlanOptions};
use segmint::source::{FileId, Span};

mod support;
use support::Rng;

const AS_OF: (i32, u32, u32) = (2024, 3, 31);

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap()
}

fn span() -> Span {
    Span::new(FileId(0), 0, 0)
}

fn expr(kind: ExprKind, ty: Type) -> Expr {
    Expr {
        kind,
        ty,
        span: span(),
    }
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

const STRINGS: &[&str] = &["", "a", "ab", "B", "é", "a b", "gmail", "x@gmail.com"];
const ENUM: &[&str] = &["new", "active", "lapsed"];
const INTS: &[i64] = &[-3, -1, 0, 1, 2, 5, 100, i64::MAX, i64::MIN];
const FLOATS: &[f64] = &[-1.5, 0.0, -0.0, 0.5, 2.0, 100.25, f64::NAN, f64::INFINITY];

fn enum_type() -> Type {
    Type::Enum(
        ENUM.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into(),
    )
}

fn all_types() -> Vec<Type> {
    vec![
        Type::Bool,
        Type::Int,
        Type::Float,
        Type::String,
        enum_type(),
        Type::Date,
        Type::Timestamp,
        Type::ListString,
        Type::ListInt,
    ]
}

/// A random day near the as-of date (±100 days), sometimes far away.
fn random_day(rng: &mut Rng) -> i32 {
    let base = 19_813; // 2024-03-31
    if rng.chance(15) {
        return *rng.pick(&[-1, 0, 1, -719_162, 2_932_896]);
    }
    base + rng.below(200) as i32 - 100
}

fn random_instant(rng: &mut Rng) -> i64 {
    let day = i64::from(random_day(rng));
    let within = *rng.pick(&[0, 1, 43_200_000_000, 86_399_999_999]);
    day * 86_400_000_000 + within
}

fn random_literal(rng: &mut Rng, ty: &Type) -> Literal {
    match ty {
        Type::Bool => Literal::Bool(rng.chance(50)),
        Type::Int => Literal::Int(*rng.pick(&INTS[..7])),
        Type::Float => Literal::Float(*rng.pick(&FLOATS[..6])),
        Type::String => Literal::String(rng.pick(STRINGS).to_string()),
        Type::Enum(values) => Literal::String(values[rng.below(values.len())].clone()),
        Type::Date => Literal::Date(
            plan::dates::date_of_days(random_day(rng).clamp(-700_000, 700_000)).unwrap(),
        ),
        Type::Timestamp => Literal::Timestamp(random_instant(rng)),
        Type::ListString | Type::ListInt => Literal::Bool(true),
    }
}

fn column(rng: &mut Rng, ty: &Type, nullable: bool, rows: usize) -> ArrayRef {
    let null = |rng: &mut Rng| nullable && rng.chance(25);
    match ty {
        Type::Bool => Arc::new(
            (0..rows)
                .map(|_| (!null(rng)).then(|| rng.chance(50)))
                .collect::<BooleanArray>(),
        ),
        Type::Int => Arc::new(
            (0..rows)
                .map(|_| (!null(rng)).then(|| *rng.pick(INTS)))
                .collect::<Int64Array>(),
        ),
        Type::Float => Arc::new(
            (0..rows)
                .map(|_| (!null(rng)).then(|| *rng.pick(FLOATS)))
                .collect::<Float64Array>(),
        ),
        Type::String | Type::Enum(_) => {
            let domain: Vec<String> = match ty {
                Type::Enum(values) => values.to_vec(),
                _ => STRINGS.iter().map(|s| s.to_string()).collect(),
            };
            let values: Vec<Option<String>> = (0..rows)
                .map(|_| (!null(rng)).then(|| rng.pick(&domain).clone()))
                .collect();
            if rng.chance(50) {
                Arc::new(
                    values
                        .iter()
                        .map(|v| v.as_deref())
                        .collect::<DictionaryArray<Int32Type>>(),
                )
            } else {
                Arc::new(values.iter().map(|v| v.as_deref()).collect::<StringArray>())
            }
        }
        Type::Date => Arc::new(
            (0..rows)
                .map(|_| (!null(rng)).then(|| random_day(rng)))
                .collect::<Date32Array>(),
        ),
        Type::Timestamp => Arc::new(
            (0..rows)
                .map(|_| (!null(rng)).then(|| random_instant(rng)))
                .collect::<TimestampMicrosecondArray>(),
        ),
        Type::ListString => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for _ in 0..rows {
                if null(rng) {
                    b.append(false);
                    continue;
                }
                for _ in 0..rng.below(4) {
                    if rng.chance(10) {
                        b.values().append_null();
                    } else {
                        b.values().append_value(rng.pick(&STRINGS[..4]));
                    }
                }
                b.append(true);
            }
            Arc::new(b.finish())
        }
        Type::ListInt => {
            let mut b = ListBuilder::new(Int64Builder::new());
            for _ in 0..rows {
                if null(rng) {
                    b.append(false);
                    continue;
                }
                for _ in 0..rng.below(4) {
                    if rng.chance(10) {
                        b.values().append_null();
                    } else {
                        b.values().append_value(*rng.pick(&INTS[..4]));
                    }
                }
                b.append(true);
            }
            Arc::new(b.finish())
        }
    }
}

struct Gen<'a> {
    rng: &'a mut Rng,
    schema: &'a ir::Schema,
    segments: usize,
    tiers: Option<Type>,
}

impl Gen<'_> {
    fn fields_of(&self, ty: &Type) -> Vec<FieldId> {
        self.schema
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| f.ty == *ty && *i != self.schema.key.0 as usize)
            .map(|(i, _)| FieldId(i as u32))
            .collect()
    }

    fn field(&mut self, ty: &Type) -> Option<Expr> {
        let fields = self.fields_of(ty);
        if fields.is_empty() {
            return None;
        }
        let f = fields[self.rng.below(fields.len())];
        Some(expr(ExprKind::Field(f), ty.clone()))
    }

    fn literal(&mut self, ty: &Type) -> Expr {
        expr(ExprKind::Literal(random_literal(self.rng, ty)), ty.clone())
    }

    /// A value of `ty`: mostly fields, sometimes computed.
    fn value(&mut self, ty: &Type, depth: u32) -> Expr {
        let computed = depth > 0 && self.rng.chance(60);
        if computed && let Some(e) = self.computed(ty, depth - 1) {
            return e;
        }
        match self.field(ty) {
            Some(e) if !self.rng.chance(10) => e,
            _ => match ty {
                Type::ListString | Type::ListInt => {
                    self.field(ty).unwrap_or_else(|| self.literal(&Type::Int))
                }
                _ => self.literal(ty),
            },
        }
    }

    fn computed(&mut self, ty: &Type, depth: u32) -> Option<Expr> {
        let choice = self.rng.below(6);
        Some(match (ty, choice) {
            (Type::Int, 0) => {
                let op = *self.rng.pick(&[ArithOp::Add, ArithOp::Sub, ArithOp::Mul]);
                expr(
                    ExprKind::Arith {
                        left: boxed(self.value(&Type::Int, depth)),
                        op,
                        right: boxed(self.value(&Type::Int, depth)),
                    },
                    Type::Int,
                )
            }
            (Type::Int, 1) => expr(
                ExprKind::Neg(boxed(self.value(&Type::Int, depth))),
                Type::Int,
            ),
            (Type::Int, 2) => {
                let (function, arg_ty) = self
                    .rng
                    .pick(&[
                        (Function::LengthString, Type::String),
                        (Function::LengthList, Type::ListString),
                        (Function::LengthList, Type::ListInt),
                        (Function::DaysSince, Type::Date),
                        (Function::Year, Type::Date),
                        (Function::Month, Type::Date),
                    ])
                    .clone();
                let arg = self.value(&arg_ty, depth);
                if arg.ty != arg_ty {
                    return None;
                }
                expr(
                    ExprKind::Call {
                        function,
                        arg: boxed(arg),
                    },
                    Type::Int,
                )
            }
            (Type::Int, 3) => {
                let score = *self.rng.pick(&[RankScore::Quintile, RankScore::Decile]);
                let value = self.ranked(depth)?;
                expr(
                    ExprKind::Rank {
                        score,
                        value: boxed(value),
                    },
                    Type::Int,
                )
            }
            (Type::Float, 0) => {
                let op = *self
                    .rng
                    .pick(&[ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div]);
                expr(
                    ExprKind::Arith {
                        left: boxed(self.value(&Type::Float, depth)),
                        op,
                        right: boxed(self.value(&Type::Float, depth)),
                    },
                    Type::Float,
                )
            }
            (Type::Float, 1) => expr(
                ExprKind::Arith {
                    left: boxed(self.value(&Type::Int, depth)),
                    op: ArithOp::Div,
                    right: boxed(self.value(&Type::Int, depth)),
                },
                Type::Float,
            ),
            (Type::Float, 2 | 5) => expr(
                ExprKind::ToFloat(boxed(self.value(&Type::Int, depth))),
                Type::Float,
            ),
            (Type::Float, 3) => {
                let value = self.ranked(depth)?;
                expr(
                    ExprKind::Rank {
                        score: RankScore::Percentile,
                        value: boxed(value),
                    },
                    Type::Float,
                )
            }
            (Type::Float, 4) => expr(
                ExprKind::Neg(boxed(self.value(&Type::Float, depth))),
                Type::Float,
            ),
            (Type::String, 0 | 1) => {
                let function = *self.rng.pick(&[Function::Lower, Function::Upper]);
                expr(
                    ExprKind::Call {
                        function,
                        arg: boxed(self.value(&Type::String, depth)),
                    },
                    Type::String,
                )
            }
            (Type::Date, 0 | 1) => expr(
                ExprKind::DateOf(boxed(self.value(&Type::Timestamp, depth))),
                Type::Date,
            ),
            (Type::Enum(_), _) if self.tiers.as_ref() == Some(ty) && self.segments > 0 => {
                expr(ExprKind::TierRef(TierId(0)), ty.clone())
            }
            _ => return None,
        })
    }

    /// A value that can be ranked: numeric, date, timestamp or string.
    fn ranked(&mut self, depth: u32) -> Option<Expr> {
        let ty = self
            .rng
            .pick(&[
                Type::Int,
                Type::Float,
                Type::Date,
                Type::Timestamp,
                Type::String,
            ])
            .clone();
        let value = self.value(&ty, depth);
        (value.ty == ty).then_some(value)
    }

    fn criterion(&mut self, depth: u32) -> Expr {
        loop {
            if let Some(e) = self.try_criterion(depth) {
                return e;
            }
        }
    }

    fn try_criterion(&mut self, depth: u32) -> Option<Expr> {
        let bool_ty = Type::Bool;
        let kind = match self.rng.below(if depth == 0 { 15 } else { 18 }) {
            14 => {
                let value = self.ranked(depth)?;
                let score = *self.rng.pick(&[
                    RankScore::Quintile,
                    RankScore::Decile,
                    RankScore::Percentile,
                ]);
                let ty = if score == RankScore::Percentile {
                    Type::Float
                } else {
                    Type::Int
                };
                let rank = expr(
                    ExprKind::Rank {
                        score,
                        value: boxed(value),
                    },
                    ty.clone(),
                );
                let op = *self.rng.pick(&[CmpOp::Eq, CmpOp::LtEq, CmpOp::Gt]);
                let bound = match score {
                    RankScore::Percentile => {
                        Literal::Float(*self.rng.pick(&[0.0, 20.0, 50.0, 75.0]))
                    }
                    _ => Literal::Int(self.rng.below(6) as i64),
                };
                ExprKind::Compare {
                    left: boxed(rank),
                    op,
                    right: boxed(expr(ExprKind::Literal(bound), ty)),
                }
            }
            0 => {
                let ty = self
                    .rng
                    .pick(&[
                        Type::Int,
                        Type::Float,
                        Type::String,
                        Type::Date,
                        Type::Timestamp,
                        Type::Bool,
                    ])
                    .clone();
                let op = *self.rng.pick(&[
                    CmpOp::Eq,
                    CmpOp::NotEq,
                    CmpOp::Lt,
                    CmpOp::LtEq,
                    CmpOp::Gt,
                    CmpOp::GtEq,
                ]);
                let (left, right) = (self.value(&ty, depth), self.value(&ty, depth));
                ExprKind::Compare {
                    left: boxed(left),
                    op,
                    right: boxed(right),
                }
            }
            1 => {
                let ty = enum_type();
                let op = *self.rng.pick(&[CmpOp::Eq, CmpOp::NotEq]);
                let left = self.value(&ty, depth);
                ExprKind::Compare {
                    left: boxed(left),
                    op,
                    right: boxed(self.literal(&ty)),
                }
            }
            2 => {
                let ty = self
                    .rng
                    .pick(&[
                        Type::Int,
                        Type::Float,
                        Type::String,
                        enum_type(),
                        Type::Date,
                    ])
                    .clone();
                let value = self.value(&ty, depth);
                let items = (0..self.rng.below(4))
                    .map(|_| random_literal(self.rng, &ty))
                    .collect();
                ExprKind::InList {
                    value: boxed(value),
                    items,
                    negated: self.rng.chance(50),
                }
            }
            3 => {
                let ty = self
                    .rng
                    .pick(&[Type::Int, Type::Float, Type::String, Type::Date])
                    .clone();
                let (value, low, high) = (
                    self.value(&ty, depth),
                    self.value(&ty, depth),
                    self.value(&ty, depth),
                );
                ExprKind::Between {
                    value: boxed(value),
                    low: boxed(low),
                    high: boxed(high),
                    negated: self.rng.chance(50),
                }
            }
            4 => {
                let ty = self.rng.pick(&all_types()).clone();
                let value = self.value(&ty, depth);
                ExprKind::IsMissing {
                    value: boxed(value),
                    negated: self.rng.chance(50),
                }
            }
            5 => {
                let ty = self.rng.pick(&[Type::String, enum_type()]).clone();
                let value = self.value(&ty, depth);
                let op = *self.rng.pick(&[
                    StringOp::Contains,
                    StringOp::StartsWith,
                    StringOp::EndsWith,
                    StringOp::Matches,
                ]);
                let pattern = if op == StringOp::Matches {
                    self.rng
                        .pick(&["gmail", "^a", "b$", "^$", "é|B", "^a.*"])
                        .to_string()
                } else {
                    self.rng
                        .pick(&["", "a", "b", "é", "ne", "gmail"])
                        .to_string()
                };
                ExprKind::StringTest {
                    value: boxed(value),
                    op,
                    pattern,
                }
            }
            6 => {
                let ty = self.rng.pick(&[Type::ListString, Type::ListInt]).clone();
                let list = self.field(&ty)?;
                let item_ty = if ty == Type::ListString {
                    Type::String
                } else {
                    Type::Int
                };
                let items = (0..self.rng.below(3) + usize::from(self.rng.chance(80)))
                    .map(|_| match &item_ty {
                        Type::String => Literal::String(self.rng.pick(&STRINGS[..4]).to_string()),
                        _ => Literal::Int(*self.rng.pick(&INTS[..4])),
                    })
                    .collect();
                ExprKind::Has {
                    list: boxed(list),
                    all: self.rng.chance(50),
                    items,
                }
            }
            7 => {
                let ty = self.rng.pick(&[Type::ListString, Type::ListInt]).clone();
                ExprKind::IsEmpty {
                    value: boxed(self.field(&ty)?),
                    negated: self.rng.chance(50),
                }
            }
            8 => {
                let value = self.date_value(depth);
                let direction = if self.rng.chance(80) {
                    Direction::Last
                } else {
                    Direction::Next
                };
                ExprKind::Within {
                    value: boxed(value),
                    direction,
                    duration: self.duration(),
                }
            }
            9 => {
                let timestamp = self.rng.chance(40);
                let (value, target) = if timestamp {
                    (
                        self.value(&Type::Timestamp, depth),
                        DateTarget::Timestamp(random_instant(self.rng)),
                    )
                } else if self.rng.chance(50) {
                    let Literal::Date(d) = random_literal(self.rng, &Type::Date) else {
                        return None;
                    };
                    (self.date_value(depth), DateTarget::Date(d))
                } else {
                    (self.date_value(depth), DateTarget::Ago(self.duration()))
                };
                ExprKind::DateCompare {
                    value: boxed(value),
                    before: self.rng.chance(50),
                    target,
                }
            }
            10 => {
                let value = self.ranked(depth)?;
                let side = *self.rng.pick(&[Side::Top, Side::Bottom]);
                let fraction = *self.rng.pick(&[0.1, 0.2, 0.25, 0.5, 0.333, 0.07, 1.0]);
                ExprKind::Percentile {
                    value: boxed(value),
                    side,
                    fraction,
                }
            }
            11 if self.segments > 0 => {
                ExprKind::SegmentRef(SegmentId(self.rng.below(self.segments) as u32))
            }
            12 => return self.field(&bool_ty),
            13 => {
                let ty = self.tiers.clone()?;
                if self.segments == 0 {
                    return None;
                }
                let op = *self.rng.pick(&[CmpOp::Eq, CmpOp::NotEq]);
                let Type::Enum(labels) = &ty else { return None };
                let label = labels[self.rng.below(labels.len())].clone();
                ExprKind::Compare {
                    left: boxed(expr(ExprKind::TierRef(TierId(0)), ty.clone())),
                    op,
                    right: boxed(expr(ExprKind::Literal(Literal::String(label)), ty.clone())),
                }
            }
            15 => ExprKind::Not(boxed(self.criterion(depth - 1))),
            16 => ExprKind::And(
                (0..2 + self.rng.below(2))
                    .map(|_| self.criterion(depth - 1))
                    .collect(),
            ),
            17 => ExprKind::Or(
                (0..2 + self.rng.below(2))
                    .map(|_| self.criterion(depth - 1))
                    .collect(),
            ),
            _ => return None,
        };
        Some(expr(kind, bool_ty))
    }

    /// A date, or a timestamp's UTC date (the checker's `DateOf`).
    fn date_value(&mut self, depth: u32) -> Expr {
        if self.rng.chance(50) {
            let ts = self.value(&Type::Timestamp, depth);
            if ts.ty == Type::Timestamp {
                return expr(ExprKind::DateOf(boxed(ts)), Type::Date);
            }
        }
        self.value(&Type::Date, depth)
    }

    fn duration(&mut self) -> Duration {
        let unit = *self.rng.pick(&[
            DurationUnit::Day,
            DurationUnit::Week,
            DurationUnit::Month,
            DurationUnit::Year,
        ]);
        let amount = *self.rng.pick(&[0, 1, 2, 30, 90]);
        Duration { amount, unit }
    }
}

struct Case {
    program: Program,
    source: MemorySource,
    rows: usize,
}

fn build(seed: u64) -> Case {
    let mut rng = Rng(seed | 1);
    let rows = rng.below(30);
    let mut fields = vec![ir::Field {
        name: "id".into(),
        ty: Type::String,
        nullable: false,
        doc: None,
        span: span(),
    }];
    let types = all_types();
    for i in 0..2 + rng.below(6) {
        let ty = rng.pick(&types).clone();
        fields.push(ir::Field {
            name: format!("f{i}"),
            ty,
            nullable: rng.chance(70),
            doc: None,
            span: span(),
        });
    }
    let schema = ir::Schema {
        name: "customers".into(),
        key: FieldId(0),
        fields,
        span: span(),
    };
    let mut source = MemorySource::new(rows, rows.max(1));
    let ids: ArrayRef = Arc::new(StringArray::from(
        (0..rows).map(|i| format!("c{i}")).collect::<Vec<_>>(),
    ));
    source = source.with_column(FieldId(0), ids);
    for (i, field) in schema.fields.iter().enumerate().skip(1) {
        source = source.with_column(
            FieldId(i as u32),
            column(&mut rng, &field.ty, field.nullable, rows),
        );
    }
    let labels: Vec<String> = ["gold", "silver", "bronze"][..1 + rng.below(3)]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let tier_ty = Type::Enum(labels.clone().into());
    let with_tiers = rng.chance(60);
    let mut tiers = Vec::new();
    if with_tiers {
        let mut g = Gen {
            rng: &mut rng,
            schema: &schema,
            segments: 0,
            tiers: None,
        };
        let otherwise = g.rng.chance(50);
        let tier_list = labels
            .iter()
            .enumerate()
            .map(|(i, name)| ir::Tier {
                name: name.clone(),
                span: span(),
                condition: if otherwise && i == labels.len() - 1 {
                    None
                } else {
                    Some(g.criterion(1))
                },
            })
            .collect();
        tiers.push(ir::TierBlock {
            name: "tier".into(),
            span: span(),
            doc: None,
            tiers: tier_list,
            ty: tier_ty.clone(),
        });
    }
    let mut segments = Vec::new();
    for i in 0..1 + rng.below(4) {
        let mut g = Gen {
            rng: &mut rng,
            schema: &schema,
            segments: i,
            tiers: with_tiers.then(|| tier_ty.clone()),
        };
        let condition = g.criterion(3);
        segments.push(ir::Segment {
            name: format!("s{i}"),
            span: span(),
            doc: None,
            condition,
            expects: Vec::new(),
            owner: None,
            paused: rng.chance(20),
            allows: Vec::new(),
        });
    }
    let mut order: Vec<ir::Derived> = (0..tiers.len())
        .map(|i| ir::Derived::Tiers(TierId(i as u32)))
        .collect();
    order.extend((0..segments.len()).map(|i| ir::Derived::Segment(SegmentId(i as u32))));
    let program = Program {
        schema,
        events: Vec::new(),
        segments,
        tiers,
        order,
    };
    Case {
        program,
        source,
        rows,
    }
}

fn engine(case: &Case, batch_size: usize) -> RecordBatch {
    let options = PlanOptions::new(as_of());
    let plan = plan::compile(&case.program, &options).unwrap();
    let source = case.source.clone().with_batch_size(batch_size);
    let mut batches = Vec::new();
    let summary = eval::run(&plan, &source, &mut |b| {
        batches.push(b);
        Ok(())
    })
    .unwrap();
    assert_eq!(summary.rows as usize, case.rows);
    concat_batches(&plan.membership_schema(), &batches).unwrap()
}

fn check(seed: u64) {
    let case = build(seed);
    let options = PlanOptions::new(as_of());
    let expected = reference::evaluate(&case.program, &options, &case.source).unwrap();
    for batch_size in [1, 4, 1000] {
        let got = engine(&case, batch_size);
        assert_eq!(got.schema(), expected.schema(), "seed {seed}");
        for (i, (g, e)) in got.columns().iter().zip(expected.columns()).enumerate() {
            if g.as_ref() != e.as_ref() {
                let name = expected.schema().field(i).name().clone();
                panic!(
                    "seed {seed}, batch size {batch_size}, column `{name}` differs\nengine:    {g:?}\nreference: {e:?}\nprogram: {:#?}\ndata: {:?}",
                    case.program
                        .segments
                        .iter()
                        .map(|s| &s.condition)
                        .collect::<Vec<_>>(),
                    case.program
                        .schema
                        .fields
                        .iter()
                        .map(|f| (&f.name, &f.ty, f.nullable))
                        .collect::<Vec<_>>(),
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_reference(seed in any::<u64>()) {
        check(seed);
    }
}

#[test]
fn plans_share_identical_criteria_across_segments() {
    let case = build(42);
    let mut program = case.program.clone();
    let template = program.segments[0].clone();
    let criterion = expr(
        ExprKind::Compare {
            left: boxed(expr(ExprKind::Literal(Literal::Int(4)), Type::Int)),
            op: CmpOp::LtEq,
            right: boxed(expr(ExprKind::Literal(Literal::Int(5)), Type::Int)),
        },
        Type::Bool,
    );
    program.segments = (0..10)
        .map(|i| ir::Segment {
            name: format!("t{i}"),
            condition: criterion.clone(),
            paused: false,
            ..template.clone()
        })
        .collect();
    program.tiers.clear();
    let plan = plan::compile(&program, &PlanOptions::new(as_of())).unwrap();
    let roots: std::collections::HashSet<_> = plan.outputs().iter().map(|o| o.node).collect();
    assert_eq!(roots.len(), 1, "ten identical criteria are one node");
    assert_eq!(plan.nodes().len(), 3, "two literals and one comparison");
}

/// The expression forms a program uses, by name.
fn forms(e: &Expr, out: &mut std::collections::BTreeMap<&'static str, usize>) {
    let visit = |name: &'static str,
                 children: Vec<&Expr>,
                 out: &mut std::collections::BTreeMap<&'static str, usize>| {
        *out.entry(name).or_default() += 1;
        for c in children {
            forms(c, out);
        }
    };
    match &e.kind {
        ExprKind::Or(xs) => visit("or", xs.iter().collect(), out),
        ExprKind::And(xs) => visit("and", xs.iter().collect(), out),
        ExprKind::Not(x) => visit("not", vec![x], out),
        ExprKind::Compare { left, right, .. } => visit("compare", vec![left, right], out),
        ExprKind::InList { value, .. } => visit("in", vec![value], out),
        ExprKind::Between {
            value, low, high, ..
        } => visit("between", vec![value, low, high], out),
        ExprKind::IsMissing { value, .. } => visit("is missing", vec![value], out),
        ExprKind::StringTest { value, .. } => visit("string test", vec![value], out),
        ExprKind::Has { list, .. } => visit("has", vec![list], out),
        ExprKind::IsEmpty { value, .. } => visit("is empty", vec![value], out),
        ExprKind::Within { value, .. } => visit("within", vec![value], out),
        ExprKind::DateCompare { value, .. } => visit("before/after", vec![value], out),
        ExprKind::Percentile { value, .. } => visit("top/bottom", vec![value], out),
        ExprKind::SegmentRef(_) => visit("segment ref", vec![], out),
        ExprKind::Field(_) => visit("field", vec![], out),
        ExprKind::TierRef(_) => visit("tier ref", vec![], out),
        ExprKind::Literal(_) => visit("literal", vec![], out),
        ExprKind::Arith { left, right, .. } => visit("arith", vec![left, right], out),
        ExprKind::Neg(x) => visit("neg", vec![x], out),
        ExprKind::Call { arg, .. } => visit("call", vec![arg], out),
        ExprKind::Rank { value, .. } => visit("rank", vec![value], out),
        ExprKind::DateOf(x) => visit("date of", vec![x], out),
        ExprKind::ToFloat(x) => visit("to float", vec![x], out),
        ExprKind::Aggregate(_) | ExprKind::EventField(_) => visit("aggregate", vec![], out),
    }
}

#[test]
fn the_generator_covers_every_form() {
    let mut seen = std::collections::BTreeMap::new();
    let mut rng = Rng(7);
    for _ in 0..400 {
        let case = build(rng.next());
        for s in &case.program.segments {
            forms(&s.condition, &mut seen);
        }
    }
    let all = [
        "or",
        "and",
        "not",
        "compare",
        "in",
        "between",
        "is missing",
        "string test",
        "has",
        "is empty",
        "within",
        "before/after",
        "top/bottom",
        "segment ref",
        "field",
        "tier ref",
        "literal",
        "arith",
        "neg",
        "call",
        "rank",
        "date of",
        "to float",
    ];
    for form in all {
        assert!(
            seen.get(form).copied().unwrap_or(0) >= 20,
            "{form} appears in only {:?} of 400 cases: {seen:?}",
            seen.get(form)
        );
    }
}
