//! Source text → [`ast::File`].
//!
//! The grammar lives in `grammar/segmint.pest`. [`scan`] first splits the text into
//! top-level chunks (so one broken block does not hide the others), collects comments
//! and doc comments, and rejects bracket nesting too deep to parse safely; [`parser`]
//! and [`expr`] turn pest pairs into the typed AST; [`error`] turns pest errors into
//! diagnostics in plain words. This phase never resolves names or checks types.

pub mod ast;
mod error;
mod expr;
mod grammar;
mod misplaced;
mod parser;
mod scan;
mod slips;

use crate::diagnostic::Diagnostics;
use crate::source::SourceFile;

/// Parses one file. Syntax errors go to `diagnostics`; the returned file then holds
/// whatever could be parsed (possibly nothing).
pub fn parse(file: &SourceFile, diagnostics: &mut Diagnostics) -> ast::File {
    parser::parse_file(file, diagnostics)
}

/// Whether a word can never be a name (a keyword such as `where`, `and`, `key`):
/// a column so named cannot be declared.
pub fn is_reserved(word: &str) -> bool {
    error::RESERVED.contains(&word)
}
