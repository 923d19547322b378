//! segmint: customer segments as code.
//!
//! The pipeline, one folder per phase:
//!
//! ```text
//! paths ──project──▶ Sources (.seg files)
//! SourceFile ──syntax::parse──▶ ast::File            (+ syntax diagnostics)
//! &[ast::File] ──check::check──▶ ir::Program         (+ name/type/literal diagnostics)
//! &ir::Program ──lint::run──▶ warnings
//! ir::Program + as-of ──plan::compile──▶ Plan        (shared sub-expressions, needed columns)
//! data file ──data::read──▶ RecordBatches            (normalised to canonical Arrow types)
//! Plan + batches ──eval──▶ Membership               (one boolean column per segment)
//! Membership ──data::write──▶ csv / parquet / arrow / jsonl
//! two Programs ──diff::combine──▶ one Program        (both rule versions, one scan)
//! ```
//!
//! `eval::reference` is a row-by-row interpreter of `ir::Program`, the oracle the
//! vectorised engine is tested against.
//!
//! # Example
//!
//! Check a schema and a segment from text, then evaluate it over columns in memory:
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{AsArray, Int64Array, StringArray};
//! use segmint::{check, diagnostic::Diagnostics, eval, plan, source::Sources, syntax};
//!
//! let mut sources = Sources::new();
//! let id = sources.add(
//!     "example.seg",
//!     "schema customers { key id: string  orders_count: int }\n\
//!      segment repeat_buyers { where orders_count >= 2 }",
//! );
//! let mut diagnostics = Diagnostics::new();
//! let file = syntax::parse(sources.get(id).unwrap(), &mut diagnostics);
//! let program = check::check(&[file], &mut diagnostics).expect("no errors");
//!
//! let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
//! let plan = plan::compile(&program, &plan::PlanOptions::new(as_of)).unwrap();
//! let key = program.schema.key;
//! let orders = program.schema.lookup("orders_count").unwrap();
//! let data = eval::MemorySource::new(3, 1024)
//!     .with_column(key, Arc::new(StringArray::from(vec!["a", "b", "c"])))
//!     .with_column(orders, Arc::new(Int64Array::from(vec![Some(1), Some(5), None])));
//!
//! let mut members = Vec::new();
//! eval::run(&plan, &data, &mut |batch| {
//!     members.extend(batch.column(1).as_boolean().iter().map(|m| m == Some(true)));
//!     Ok(())
//! })
//! .unwrap();
//! // `c` has no order count: a criterion about a missing value is false.
//! assert_eq!(members, [false, true, false]);
//! ```

//!
//! # Running a project over data
//!
//! [`run`] does what `segmint eval` does: open the data and the event files the
//! plan reads, compute the population pre-pass, and hand membership batches to a
//! sink. Here, the members of one segment of the example library:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use segmint::{project, run};
//! let config = project::Config::discover(std::path::Path::new("."))?;
//! let program = project::compile(&[], &config)?.program.expect("the example library checks");
//! let options = run::Options::new(
//!     chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
//!     "segments/sample/customers.parquet".into(),
//! )
//! .with_events(config.events.clone())
//! .select(run::Selection::Named(vec!["champions".into()]));
//! let mut members = 0;
//! run::run(&program, &options, &mut |batch| {
//!     let column = arrow::array::AsArray::as_boolean(batch.column(1));
//!     members += column.true_count();
//!     Ok(())
//! })?;
//! assert!(members > 0);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod backtest;
pub mod chart;
pub mod check;
pub mod cli;
pub mod data;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod expect;
pub mod fixtures;
pub mod fmt;
pub mod funnel;
pub mod lint;
pub mod lsp;
pub mod number;
pub mod plan;
pub mod project;
pub mod run;
pub mod source;
pub mod sql;
pub mod stats;
pub mod syntax;
pub mod threads;
