//! Diagnostics as SARIF 2.1.0, the format code-scanning tools read (GitHub code
//! scanning, GitLab, Azure DevOps): one run of the `segmint` tool, one rule per
//! diagnostic code that occurs, one result per diagnostic with its region. The help
//! text (and secondary places) follow the message, since SARIF results have one
//! message.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::Location;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;

/// Writes the SARIF log, pretty-printed, followed by a newline.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut codes: Vec<&'static str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|code| {
            json!({
                "id": code,
                "shortDescription": { "text": code.replace('_', " ") },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics.iter().map(|d| result(d, sources)).collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "segmint",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn result(diagnostic: &Diagnostic, sources: &Sources) -> Value {
    let at = Location::of(sources, diagnostic.primary.span);
    let level = match diagnostic.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut text = diagnostic.message.clone();
    if let Some(help) = super::help_with_places(diagnostic, sources) {
        text.push_str(&format!("; {help}"));
    }
    json!({
        "ruleId": diagnostic.code.as_str(),
        "level": level,
        "message": { "text": text },
        "locations": [{ "physicalLocation": {
            "artifactLocation": { "uri": at.file.replace('\\', "/") },
            "region": {
                "startLine": at.line,
                "startColumn": at.column,
                "endLine": at.end_line,
                "endColumn": at.end_column,
            },
        }}],
    })
}
