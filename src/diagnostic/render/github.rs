//! Diagnostics as GitHub Actions workflow commands, one per line:
//! `::error file=a.seg,line=3,col=9,endLine=3,endColumn=13,title=unknown_field::unknown field `agee``.
//!
//! GitHub shows these as annotations on the pull request. Help, when there is some,
//! follows the message on a second line. Escaping follows GitHub's toolkit
//! (`@actions/core` `command.ts`): `%`, CR and LF everywhere, plus `:` and `,` in
//! property values.

use std::io::{self, Write};

use super::Location;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;

/// Writes one workflow command per diagnostic.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    for diagnostic in diagnostics {
        writeln!(out, "{}", command(diagnostic, sources))?;
    }
    Ok(())
}

/// The workflow command for one diagnostic.
fn command(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let at = Location::of(sources, diagnostic.primary.span);
    let kind = match diagnostic.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let message = match super::help_with_places(diagnostic, sources) {
        Some(help) => format!("{}\nhelp: {help}", diagnostic.message),
        None => diagnostic.message.clone(),
    };
    format!(
        "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(&at.file),
        at.line,
        at.column,
        at.end_line,
        at.end_column,
        escape_property(diagnostic.code.as_str()),
        escape_data(&message),
    )
}

/// Escapes a command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=…`, `title=…`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("C:\\a,b%.seg"), "C%3A\\a%2Cb%25.seg");
    }
}
