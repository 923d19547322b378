//! Diagnostics as a compact pull-request comment: a summary line, then one
//! table row per diagnostic (severity, code, place, message and help). Pipes
//! and line breaks in messages are escaped so each stays one row.

use std::io::{self, Write};

use super::{Location, Summary};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;

/// Writes the heading, the summary and the table (no table when there is nothing).
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    summary: &Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "### segmint check\n\n{summary}")?;
    if diagnostics.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n| | code | where | message |")?;
    writeln!(out, "| --- | --- | --- | --- |")?;
    for diagnostic in diagnostics {
        let at = Location::of(sources, diagnostic.primary.span);
        let icon = match diagnostic.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = diagnostic.message.clone();
        if let Some(help) = super::help_with_places(diagnostic, sources) {
            message.push_str(&format!(" (help: {help})"));
        }
        writeln!(
            out,
            "| {icon} | `{}` | `{}:{}:{}` | {} |",
            diagnostic.code.as_str(),
            at.file,
            at.line,
            at.column,
            cell(&message)
        )?;
    }
    Ok(())
}

/// A table cell: `|` escaped, line breaks as spaces.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
