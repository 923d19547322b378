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
//! ```
//!
//! `eval::reference` is a row-by-row interpreter of `ir::Program`, the oracle the
//! vectorised engine is tested against.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod data;
pub mod diagnostic;
pub mod eval;
pub mod expect;
pub mod lint;
pub mod plan;
pub mod project;
pub mod source;
pub mod stats;
pub mod syntax;
