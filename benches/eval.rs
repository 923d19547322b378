//! Criterion benches for the vectorised engine: one 64k-row batch through a plan
//! of ten segments and a tiers block, and the population pre-pass over 1M rows;
//! and for the front end (`check/library.rs`): checking 1,000 segments in 100 files.
//! Data is generated in memory (a fixed-seed generator), so the benches measure
//! evaluation only, not file reading.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench setup fails loudly

#[path = "check/library.rs"]
mod check_library;

use std::hint::black_box;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int64Array, ListBuilder, StringArray,
    StringBuilder, TimestampMicrosecondArray,
};
use arrow::datatypes::Int32Type;
use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};

use segmint::check::{self, ir};
use segmint::data::BatchSource;
use segmint::diagnostic::Diagnostics;
use segmint::eval::{MemorySource, Population};
use segmint::plan::{self, PlanOptions};
use segmint::source::Sources;

const SEGMENTS: &str = r#"
schema customers {
  key customer_id: string
  email: string?
  country: string
  age: int?
  status: enum("in_works", "rejected", "poor", "one_time", "occasional", "regular")
  orders_count: int
  last_order_at: timestamp?
  lifetime_value: float
  tags: list<string>
  newsletter_opt_in: bool
}

segment champions {
  where last_order_at within last 30 days and orders_count >= 4 and lifetime_value in top 20%
}
segment loyal {
  where orders_count >= 4 and status in ["regular", "occasional"]
}
segment at_risk {
  where orders_count >= 4 and not (last_order_at within last 90 days)
}
segment dach {
  where country in ["DE", "AT", "CH"]
}
segment gmail_subscribers {
  where newsletter_opt_in and email contains "@gmail."
}
segment young_dach {
  where dach and age between 18 and 29
}
segment vip_tagged {
  where tags has any ["vip", "press"]
}
segment high_value_per_order {
  where lifetime_value / orders_count > 150
}
segment lapsed {
  where last_order_at before 1 year ago or last_order_at is missing
}
segment bottom_spenders {
  where lifetime_value in bottom 10% and orders_count >= 1
}

tiers value_tier {
  platinum: lifetime_value >= 10000
  gold: lifetime_value >= 2000
  silver: otherwise
}
"#;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn program() -> ir::Program {
    let mut sources = Sources::new();
    let id = sources.add("bench.seg", SEGMENTS);
    let mut diagnostics = Diagnostics::new();
    let file = segmint::syntax::parse(sources.get(id).unwrap(), &mut diagnostics);
    check::check(&[file], &mut diagnostics).expect("the bench segments compile")
}

fn source(program: &ir::Program, rows: usize, batch_size: usize) -> MemorySource {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let as_of_micros = 1_711_843_200_000_000i64; // 2024-03-31T00:00:00Z
    let countries = ["DE", "AT", "CH", "FR", "NL", "US"];
    let statuses = [
        "in_works",
        "rejected",
        "poor",
        "one_time",
        "occasional",
        "regular",
    ];
    let mut columns: Vec<ArrayRef> = Vec::new();
    for field in &program.schema.fields {
        let column: ArrayRef = match field.name.as_str() {
            "customer_id" => Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("c{i}")),
            )),
            "email" => Arc::new(StringArray::from_iter((0..rows).map(|i| {
                let domain = ["gmail.com", "web.de", "example.org"][rng.below(3) as usize];
                (rng.below(10) > 0).then(|| format!("user{i}@{domain}"))
            }))),
            "country" => Arc::new(DictionaryArray::<Int32Type>::from_iter(
                (0..rows).map(|_| Some(countries[rng.below(6) as usize])),
            )),
            "age" => Arc::new(Int64Array::from_iter(
                (0..rows).map(|_| (rng.below(10) > 0).then(|| 16 + rng.below(60) as i64)),
            )),
            "status" => Arc::new(DictionaryArray::<Int32Type>::from_iter(
                (0..rows).map(|_| Some(statuses[rng.below(6) as usize])),
            )),
            "orders_count" => Arc::new(Int64Array::from_iter_values(
                (0..rows).map(|_| rng.below(12) as i64),
            )),
            "last_order_at" => {
                Arc::new(TimestampMicrosecondArray::from_iter((0..rows).map(|_| {
                    (rng.below(10) > 1)
                        .then(|| as_of_micros - rng.below(500 * 86_400_000_000) as i64)
                })))
            }
            "lifetime_value" => Arc::new(Float64Array::from_iter_values(
                (0..rows).map(|_| rng.below(2_000_000) as f64 / 100.0),
            )),
            "tags" => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for _ in 0..rows {
                    for _ in 0..rng.below(3) {
                        b.values()
                            .append_value(["vip", "press", "b2b", "test"][rng.below(4) as usize]);
                    }
                    b.append(true);
                }
                Arc::new(b.finish())
            }
            "newsletter_opt_in" => Arc::new(BooleanArray::from_iter(
                (0..rows).map(|_| Some(rng.below(2) == 0)),
            )),
            other => panic!("no generator for {other}"),
        };
        columns.push(column);
    }
    columns
        .into_iter()
        .enumerate()
        .fold(MemorySource::new(rows, batch_size), |s, (i, c)| {
            s.with_column(ir::FieldId(i as u32), c)
        })
}

fn benches(c: &mut Criterion) {
    let program = program();
    let as_of = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
    let plan = plan::compile(&program, &PlanOptions::new(as_of)).unwrap();

    let rows = 65_536;
    let small = source(&program, rows, rows);
    let population = Population::compute(&plan, &small).unwrap();
    let batch = small
        .batches(plan.columns())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    c.bench_function(
        "evaluate one 64k-row batch (10 segments, 1 tiers block)",
        |b| b.iter(|| black_box(plan.evaluate(black_box(&batch), &population).unwrap())),
    );

    let mut group = c.benchmark_group("one segment, one 64k-row batch");
    let names = program.segments.iter().map(|s| vec![s.name.clone()]);
    for names in std::iter::once(Vec::new()).chain(names) {
        let label = names
            .first()
            .map_or("(tiers only)".to_string(), Clone::clone);
        let options = PlanOptions {
            segments: Some(names),
            ..PlanOptions::new(as_of)
        };
        let plan = plan::compile(&program, &options).unwrap();
        let batch = small
            .batches(plan.columns())
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        group.bench_function(label, |b| {
            b.iter(|| black_box(plan.evaluate(black_box(&batch), &population).unwrap()))
        });
    }
    group.finish();

    let large = source(&program, 1_000_000, 65_536);
    let mut group = c.benchmark_group("population");
    group.sample_size(10);
    group.bench_function("pre-pass over 1M rows (1 ranked value)", |b| {
        b.iter(|| black_box(Population::compute(&plan, &large).unwrap()))
    });
    group.finish();
}

criterion_group!(eval_benches, benches, check_library::benches);
criterion_main!(eval_benches);
