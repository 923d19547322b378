//! The pest parser generated from `grammar/segmint.pest`.
//!
//! Kept in its own module so that [`super::parser`] (pairs → AST) and
//! [`super::error`] (pest errors → plain words) share one `Rule` enum.

// The generated `Rule` enum carries the grammar's `///` docs.
#![allow(missing_docs)]

use pest_derive::Parser;

/// The segment language's pest parser.
#[derive(Parser)]
#[grammar = "../grammar/segmint.pest"]
pub(super) struct SegmintParser;
