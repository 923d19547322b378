//! Diagnostic renderers: takes [`Diagnostic`]s plus the [`Sources`] they point into,
//! gives text for people ([`human`]), for tools ([`json`]) or for GitHub Actions
//! ([`github`]).
//!
//! This is the only place that turns byte spans into lines and columns for output.
//! Lines and columns are 1-based and columns count characters (see
//! [`SourceFile::line_col`](crate::source::SourceFile::line_col)); an end position
//! points just past the last character of the span. Nothing here decides *whether*
//! to use colour: the caller says so.

pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

use std::fmt;
use std::io::{self, Write};

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{Sources, Span};

/// The output formats for diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// Source snippets with underlines, for people.
    #[default]
    Human,
    /// One JSON object holding every diagnostic, for tools.
    Json,
    /// GitHub Actions workflow commands (`::error file=…::…`).
    Github,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Writes `diagnostics` in `format`. `colour` matters only for [`Format::Human`].
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    colour: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(diagnostics, sources, colour, out),
        Format::Json => json::render(diagnostics, sources, out),
        Format::Github => github::render(diagnostics, sources, out),
        Format::Sarif => sarif::render(diagnostics, sources, out),
    }
}

/// The secondary places of a diagnostic as one line of text, e.g.
/// `first defined here: schema.seg:14:3`, for formats that print no source
/// (json, github): without it they would lose the other side of a duplicate or a cycle.
pub fn related_places(diagnostic: &Diagnostic, sources: &Sources) -> Option<String> {
    let places: Vec<String> = diagnostic
        .secondary
        .iter()
        .map(|label| {
            let at = Location::of(sources, label.span);
            let place = format!("{}:{}:{}", at.file, at.line, at.column);
            match &label.text {
                Some(text) => format!("{text}: {place}"),
                None => place,
            }
        })
        .collect();
    (!places.is_empty()).then(|| places.join("; "))
}

/// The help text followed by the related places, for formats that print no source.
pub fn help_with_places(diagnostic: &Diagnostic, sources: &Sources) -> Option<String> {
    match (
        diagnostic.help.as_deref(),
        related_places(diagnostic, sources),
    ) {
        (Some(help), Some(places)) => Some(format!("{help} (see {places})")),
        (Some(help), None) => Some(help.to_owned()),
        (None, Some(places)) => Some(format!("see {places}")),
        (None, None) => None,
    }
}

/// Where a span lies, in the terms users see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file's path as found while walking.
    pub file: String,
    /// 1-based line of the first character.
    pub line: usize,
    /// 1-based column (in characters) of the first character.
    pub column: usize,
    /// 1-based line of the end position.
    pub end_line: usize,
    /// 1-based column (in characters) just past the last character.
    pub end_column: usize,
}

impl Location {
    /// The location of `span`; a span into an unknown file is placed at 1:1.
    pub fn of(sources: &Sources, span: Span) -> Location {
        let file = sources.path(span.file).display().to_string();
        let Some(source) = sources.get(span.file) else {
            return Location {
                file,
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            };
        };
        let (line, column) = source.line_col(span.start);
        let (end_line, end_column) = source.line_col(span.end.max(span.start));
        Location {
            file,
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// The closing line of a run: how many files were read and what was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Summary {
    /// Number of `.seg` files read.
    pub files: usize,
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
}

impl Summary {
    /// Counts the errors and warnings among `diagnostics`.
    pub fn new(files: usize, diagnostics: &[Diagnostic]) -> Summary {
        let count = |s: Severity| diagnostics.iter().filter(|d| d.severity() == s).count();
        Summary {
            files,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
        }
    }
}

/// `3 files checked: 2 errors, 1 warning` or `1 file checked: no problems found`.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} checked: ", plural(self.files, "file"))?;
        match (self.errors, self.warnings) {
            (0, 0) => f.write_str("no problems found"),
            (e, 0) => f.write_str(&plural(e, "error")),
            (0, w) => f.write_str(&plural(w, "warning")),
            (e, w) => write!(f, "{}, {}", plural(e, "error"), plural(w, "warning")),
        }
    }
}

/// `1 file`, `2 files`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn summary_names_only_what_was_found() {
        let mut sources = Sources::new();
        let id = sources.add("a.seg", "x");
        let error = Diagnostic::new(Code::UnknownField, Span::new(id, 0, 1), "e");
        let warning = Diagnostic::new(Code::EmptyInList, Span::new(id, 0, 1), "w");
        let cases = [
            (vec![], "1 file checked: no problems found"),
            (vec![error.clone()], "1 file checked: 1 error"),
            (
                vec![warning.clone(), warning.clone()],
                "1 file checked: 2 warnings",
            ),
            (vec![error, warning], "1 file checked: 1 error, 1 warning"),
        ];
        for (diagnostics, expected) in cases {
            assert_eq!(Summary::new(1, &diagnostics).to_string(), expected);
        }
        assert_eq!(
            Summary::new(3, &[]).to_string(),
            "3 files checked: no problems found"
        );
    }

    #[test]
    fn location_is_one_based_with_exclusive_end() {
        let mut sources = Sources::new();
        let id = sources.add("a.seg", "ab\nécd\n");
        // `cd` on line 2: bytes 5..7 (after a two-byte `é`), columns 2..4.
        let location = Location::of(&sources, Span::new(id, 5, 7));
        assert_eq!((location.line, location.column), (2, 2));
        assert_eq!((location.end_line, location.end_column), (2, 4));
    }
}
