//! Diagnostics for people: the code, the message, the source line with the span
//! underlined, secondary labels, and help as a `= help:` note.
//!
//! ```text
//! error[unknown_field]: unknown field `agee`
//!   ┌─ segments/lifecycle.seg:3:9
//!   │
//! 3 │   where agee > 30
//!   │         ^^^^
//!   │
//!   = help: did you mean `age`?
//! ```
//!
//! Drawn by `codespan-reporting`. Colour (ANSI escapes) only when the caller asks,
//! which the CLI does when the stream is a terminal; tests never do.

use std::io::{self, Write};
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::termcolor::Ansi;
use codespan_reporting::term::{self, Config, Styles, StylesWriter};

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile, Sources, Span};

/// Writes every diagnostic, each followed by a blank line.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    colour: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let files = SourceFiles(sources);
    let config = Config::default();
    let styles = Styles::default();
    for diagnostic in diagnostics {
        let drawn = to_codespan(diagnostic, sources);
        let result = if colour {
            let mut writer = StylesWriter::new(Ansi::new(&mut *out), &styles);
            term::emit_to_write_style(&mut writer, &config, &files, &drawn)
        } else {
            term::emit_to_io_write(&mut *out, &config, &files, &drawn)
        };
        result.map_err(into_io)?;
    }
    Ok(())
}

/// The codespan form of one diagnostic. Labels whose file is unknown are dropped,
/// so the header still prints.
fn to_codespan(diagnostic: &Diagnostic, sources: &Sources) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity() {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let primary = label(cs::LabelStyle::Primary, &diagnostic.primary, sources);
    let secondary = diagnostic
        .secondary
        .iter()
        .filter_map(|l| label(cs::LabelStyle::Secondary, l, sources));
    let notes = diagnostic.help.iter().map(|help| format!("help: {help}"));
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message)
        .with_labels_iter(primary.into_iter().chain(secondary))
        .with_notes_iter(notes)
}

fn label(style: cs::LabelStyle, label: &Label, sources: &Sources) -> Option<cs::Label<FileId>> {
    let file = sources.get(label.span.file)?;
    let drawn = cs::Label::new(style, file.id, safe_range(file, label.span));
    Some(match &label.text {
        Some(text) => drawn.with_message(text),
        None => drawn,
    })
}

/// The span clamped to the text and widened to character boundaries, so a span
/// from a lossily decoded (non-UTF-8) file can never make the drawing fail.
fn safe_range(file: &SourceFile, span: Span) -> Range<usize> {
    let text = &file.text;
    let mut start = (span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

fn into_io(error: files::Error) -> io::Error {
    match error {
        files::Error::Io(error) => error,
        other => io::Error::other(other.to_string()),
    }
}

/// [`Sources`] as codespan's file database.
struct SourceFiles<'a>(&'a Sources);

impl SourceFiles<'_> {
    fn file(&self, id: FileId) -> Result<&SourceFile, files::Error> {
        self.0.get(id).ok_or(files::Error::FileMissing)
    }
}

impl<'a> Files<'a> for SourceFiles<'a> {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, files::Error> {
        Ok(self.file(id)?.path.display().to_string())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let starts = self.file(id)?.line_starts();
        Ok(starts
            .partition_point(|&s| s <= byte_index)
            .saturating_sub(1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let file = self.file(id)?;
        let starts = file.line_starts();
        let start = starts
            .get(line_index)
            .copied()
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: starts.len().saturating_sub(1),
            })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn safe_range_stays_on_character_boundaries() {
        let mut sources = Sources::new();
        let id = sources.add("a.seg", "aé");
        let file = sources.get(id).unwrap();
        assert_eq!(safe_range(file, Span::new(id, 2, 2)), 1..3);
        assert_eq!(safe_range(file, Span::new(id, 0, 2)), 0..3);
        assert_eq!(safe_range(file, Span::new(id, 9, 12)), 3..3);
    }

    #[test]
    fn colour_adds_escapes_and_plain_has_none() {
        let mut sources = Sources::new();
        let id = sources.add("a.seg", "where agee > 3\n");
        let diagnostics = [Diagnostic::new(
            Code::UnknownField,
            Span::new(id, 6, 10),
            "unknown field `agee`",
        )];
        let mut plain = Vec::new();
        render(&diagnostics, &sources, false, &mut plain).unwrap();
        let mut coloured = Vec::new();
        render(&diagnostics, &sources, true, &mut coloured).unwrap();
        assert!(!plain.contains(&0x1b));
        assert!(coloured.contains(&0x1b));
    }
}
