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
//!
//! Output stays bounded whatever the input: at most [`MAX_PER_FILE`] diagnostics are
//! drawn per file (then one note says how many more there are), and a line longer
//! than [`MAX_LINE`] bytes is drawn as a window around the span (see [`View`]), with
//! control characters shown as `?`, so a 5 MB one-line file never floods the terminal.

use std::collections::HashMap;
use std::io::{self, Write};
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::termcolor::Ansi;
use codespan_reporting::term::{self, Config, Styles, StylesWriter};

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile, Sources, Span};

mod view;

use view::Views;

/// The most diagnostics drawn for one file; the rest are counted in one note.
pub const MAX_PER_FILE: usize = 50;

/// Lines longer than this (in bytes) are drawn as a window around the span.
pub const MAX_LINE: usize = 200;

/// Writes the diagnostics, each followed by a blank line: at most [`MAX_PER_FILE`] per
/// file, then a note per file that had more.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    colour: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut drawn: HashMap<FileId, usize> = HashMap::new();
    let mut hidden: Vec<(FileId, usize)> = Vec::new();
    for diagnostic in diagnostics {
        let file = diagnostic.primary.span.file;
        let count = drawn.entry(file).or_insert(0);
        if *count >= MAX_PER_FILE {
            match hidden.iter_mut().find(|(id, _)| *id == file) {
                Some((_, n)) => *n += 1,
                None => hidden.push((file, 1)),
            }
            continue;
        }
        *count += 1;
        render_one(diagnostic, sources, colour, out)?;
    }
    for (file, count) in hidden {
        let path = sources.get(file).map(|f| f.path.display().to_string());
        let noun = if count == 1 {
            "diagnostic"
        } else {
            "diagnostics"
        };
        writeln!(
            out,
            "note: {count} more {noun} in {} not shown (the first {MAX_PER_FILE} are above; `segmint check --format json` lists all)\n",
            path.unwrap_or_default()
        )?;
    }
    Ok(())
}

/// Draws one diagnostic, through a [`View`] when a labelled line is too long or holds
/// a control character.
fn render_one(
    diagnostic: &Diagnostic,
    sources: &Sources,
    colour: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    if needs_view(diagnostic, sources) {
        let views = Views::new(diagnostic, sources);
        let drawn = to_codespan(diagnostic, |label| views.range(label));
        emit(&views, &drawn, colour, out)
    } else {
        let drawn = to_codespan(diagnostic, |label| {
            let file = sources.get(label.span.file)?;
            Some(safe_range(file, label.span))
        });
        emit(&SourceFiles(sources), &drawn, colour, out)
    }
}

fn emit<'a, F>(
    files: &'a F,
    drawn: &cs::Diagnostic<FileId>,
    colour: bool,
    out: &mut dyn Write,
) -> io::Result<()>
where
    F: Files<'a, FileId = FileId>,
{
    let config = Config::default();
    let result = if colour {
        let styles = Styles::default();
        let mut writer = StylesWriter::new(Ansi::new(&mut *out), &styles);
        term::emit_to_write_style(&mut writer, &config, files, drawn)
    } else {
        term::emit_to_io_write(&mut *out, &config, files, drawn)
    };
    result.map_err(into_io)
}

/// Whether a line the diagnostic draws is longer than [`MAX_LINE`] or holds a
/// character that would garble the terminal.
fn needs_view(diagnostic: &Diagnostic, sources: &Sources) -> bool {
    labels(diagnostic).any(|label| {
        let Some(file) = sources.get(label.span.file) else {
            return false;
        };
        let range = safe_range(file, label.span);
        let (first, _) = line_bounds(file, range.start);
        let (_, last) = line_bounds(file, range.end);
        file.text
            .get(first..last)
            .unwrap_or("")
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .any(|line| line.len() > MAX_LINE || line.chars().any(|c| garbles(c) || c == '\r'))
    })
}

/// The primary label, then the secondary ones.
fn labels(diagnostic: &Diagnostic) -> impl Iterator<Item = &Label> {
    std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary)
}

/// A character that must not reach the terminal raw: a control character other than
/// tab and line breaks (an escape could recolour or move the cursor).
fn garbles(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The byte range of the line holding `offset`, without its line break.
fn line_bounds(file: &SourceFile, offset: usize) -> (usize, usize) {
    let starts = file.line_starts();
    let line = starts.partition_point(|&s| s <= offset).max(1);
    let start = starts.get(line - 1).copied().unwrap_or(0);
    let end = starts.get(line).copied().unwrap_or(file.text.len());
    let text = file.text.get(start..end).unwrap_or("");
    (start, start + text.trim_end_matches(['\n', '\r']).len())
}

/// The codespan form of one diagnostic, each label at the range `range` gives for it.
/// Labels whose file is unknown (no range) are dropped, so the header still prints.
fn to_codespan(
    diagnostic: &Diagnostic,
    range: impl Fn(&Label) -> Option<Range<usize>>,
) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity() {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let primary = label(cs::LabelStyle::Primary, &diagnostic.primary, &range);
    let secondary = diagnostic
        .secondary
        .iter()
        .filter_map(|l| label(cs::LabelStyle::Secondary, l, &range));
    let notes = diagnostic.help.iter().map(|help| format!("help: {help}"));
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message)
        .with_labels_iter(primary.into_iter().chain(secondary))
        .with_notes_iter(notes)
}

fn label(
    style: cs::LabelStyle,
    label: &Label,
    range: &impl Fn(&Label) -> Option<Range<usize>>,
) -> Option<cs::Label<FileId>> {
    let drawn = cs::Label::new(style, label.span.file, range(label)?);
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

    fn plain(diagnostics: &[Diagnostic], sources: &Sources) -> String {
        let mut out = Vec::new();
        render(diagnostics, sources, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_long_line_is_drawn_as_a_window_around_the_span() {
        let mut sources = Sources::new();
        let line = format!("{}where agee > 3{}", "x".repeat(5_000), "y".repeat(5_000));
        let id = sources.add("long.seg", format!("segment a {{\n{line}\n}}\n"));
        let start = 12 + 5_006;
        let diagnostics = [Diagnostic::new(
            Code::UnknownField,
            Span::new(id, start, start + 4),
            "unknown field `agee`",
        )];
        let text = plain(&diagnostics, &sources);
        assert!(text.len() < 1_000, "{text}");
        assert!(text.contains("long.seg:2:5007"), "{text}");
        let drawn = text.lines().find(|l| l.starts_with("2 │")).unwrap();
        let caret = text.lines().find(|l| l.contains('^')).unwrap();
        let at = caret.chars().position(|c| c == '^').unwrap();
        let under: String = drawn.chars().skip(at).take(4).collect();
        assert_eq!(under, "agee", "{text}");
        assert!(drawn.contains("…xxx") && drawn.ends_with("yyy…"), "{drawn}");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let mut sources = Sources::new();
        let id = sources.add("c.seg", "where age \u{1b}[31m> 3\n");
        let diagnostics = [Diagnostic::new(
            Code::SyntaxError,
            Span::new(id, 10, 11),
            "x",
        )];
        let text = plain(&diagnostics, &sources);
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.contains("where age ?[31m> 3"), "{text}");
        assert!(text.contains("c.seg:1:11"), "{text}");
    }

    #[test]
    fn at_most_fifty_diagnostics_per_file_then_one_note() {
        let mut sources = Sources::new();
        let a = sources.add("a.seg", "x\n");
        let b = sources.add("b.seg", "y\n");
        let mut diagnostics: Vec<Diagnostic> = (0..MAX_PER_FILE + 7)
            .map(|_| Diagnostic::new(Code::SyntaxError, Span::new(a, 0, 1), "in a"))
            .collect();
        diagnostics.push(Diagnostic::new(
            Code::SyntaxError,
            Span::new(b, 0, 1),
            "in b",
        ));
        let text = plain(&diagnostics, &sources);
        assert_eq!(
            text.matches("error[syntax_error]: in a").count(),
            MAX_PER_FILE
        );
        assert_eq!(text.matches("error[syntax_error]: in b").count(), 1);
        assert!(
            text.ends_with("note: 7 more diagnostics in a.seg not shown (the first 50 are above; `segmint check --format json` lists all)\n\n"),
            "{text}"
        );
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
