//! Diagnostics as one JSON object, for tools:
//! `{"diagnostics":[{"severity":…,"code":…,"message":…,"file":…,"line":…,"column":…,"end_line":…,"end_column":…,"help":…}]}`.
//!
//! The keys and their order are a public contract (docs/cli.md); `help` is `null`
//! when there is none. Secondary places (e.g. the first definition of a duplicate)
//! are appended to `help`, since the format has no field for them.

use std::io::{self, Write};

use serde::Serialize;

use super::Location;
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::source::Sources;

/// The whole document.
#[derive(Serialize)]
struct Document<'a> {
    diagnostics: Vec<Entry<'a>>,
}

/// One diagnostic; field order is the output order.
#[derive(Serialize)]
struct Entry<'a> {
    severity: Severity,
    code: Code,
    message: &'a str,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    help: Option<String>,
}

impl<'a> Entry<'a> {
    fn new(diagnostic: &'a Diagnostic, sources: &Sources) -> Self {
        let at = Location::of(sources, diagnostic.primary.span);
        Entry {
            severity: diagnostic.severity(),
            code: diagnostic.code,
            message: &diagnostic.message,
            file: at.file,
            line: at.line,
            column: at.column,
            end_line: at.end_line,
            end_column: at.end_column,
            help: super::help_with_places(diagnostic, sources),
        }
    }
}

/// Writes the document on one line, followed by a newline.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    let document = Document {
        diagnostics: diagnostics.iter().map(|d| Entry::new(d, sources)).collect(),
    };
    serde_json::to_writer(&mut *out, &document)?;
    writeln!(out)
}
