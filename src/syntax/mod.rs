//! Source text → [`ast::File`].
//!
//! The grammar lives in `grammar/segmint.pest`; [`parser`] turns pest pairs into
//! the typed AST in one place, and [`error`] turns pest errors into diagnostics in
//! plain words. This phase never resolves names or checks types.

pub mod ast;
mod error;
mod parser;

use crate::diagnostic::Diagnostics;
use crate::source::SourceFile;

/// Parses one file. Syntax errors go to `diagnostics`; the returned file then holds
/// whatever could be parsed (possibly nothing).
pub fn parse(file: &SourceFile, diagnostics: &mut Diagnostics) -> ast::File {
    parser::parse_file(file, diagnostics)
}
