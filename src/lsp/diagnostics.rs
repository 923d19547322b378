//! segmint diagnostics as LSP diagnostics: the same code, message and help as
//! `segmint check` (help on a `help:` line of the message, since the protocol has
//! no field for it), secondary places as related information.

use std::collections::HashMap;

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range,
    Uri,
};

use super::position::LineIndex;
use super::uri;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{FileId, Sources};

/// The name shown as the diagnostics' source.
pub const SOURCE: &str = "segmint";

/// Every file's diagnostics, by URI: files of the project without any are present
/// with an empty list, so that fixed problems disappear from the editor.
pub fn by_file(
    diagnostics: &[Diagnostic],
    sources: &Sources,
) -> HashMap<Uri, Vec<lsp_types::Diagnostic>> {
    let indexes: HashMap<FileId, LineIndex<'_>> = sources
        .iter()
        .map(|f| (f.id, LineIndex::new(&f.text)))
        .collect();
    let uris: HashMap<FileId, Uri> = sources
        .iter()
        .filter_map(|f| Some((f.id, uri::from_path(&f.path)?)))
        .collect();
    let mut out: HashMap<Uri, Vec<lsp_types::Diagnostic>> =
        uris.values().map(|u| (u.clone(), Vec::new())).collect();
    for diagnostic in diagnostics {
        let file = diagnostic.primary.span.file;
        let (Some(uri), Some(index)) = (uris.get(&file), indexes.get(&file)) else {
            continue;
        };
        let converted = convert(diagnostic, index, &|id| {
            Some((uris.get(&id)?.clone(), indexes.get(&id)?))
        });
        out.entry(uri.clone()).or_default().push(converted);
    }
    out
}

type Place<'a, 'b> = dyn Fn(FileId) -> Option<(Uri, &'a LineIndex<'b>)> + 'a;

fn convert(
    diagnostic: &Diagnostic,
    index: &LineIndex<'_>,
    place: &Place<'_, '_>,
) -> lsp_types::Diagnostic {
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .secondary
        .iter()
        .filter_map(|label| {
            let (uri, index) = place(label.span.file)?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, index.range(label.span)),
                message: label.text.clone().unwrap_or_default(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: index.range(diagnostic.primary.span),
        severity: Some(severity(diagnostic.severity())),
        code: Some(NumberOrString::String(diagnostic.code.as_str().into())),
        source: Some(SOURCE.into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
    }
}

/// A diagnostic on one line of `segmint.toml` (a bad setting, an unreadable data
/// file); `text` is the file's text, for the line's length.
pub fn on_config(text: &str, line: u32, message: &str, code: &str) -> lsp_types::Diagnostic {
    let length = text
        .lines()
        .nth(line as usize)
        .map_or(0, |l| l.encode_utf16().count());
    let length = u32::try_from(length).unwrap_or(0);
    lsp_types::Diagnostic {
        range: Range::new(Position::new(line, 0), Position::new(line, length)),
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String(code.into())),
        source: Some(SOURCE.into()),
        message: message.into(),
        ..lsp_types::Diagnostic::default()
    }
}
