//! Formatting files on disk: which would change, their diff, writing them whole.
//!
//! A file is written only when its layout changes, through a temporary file in the
//! same folder renamed over it, so an interrupted run never leaves half a file. A
//! file that cannot be read as UTF-8 or does not parse is reported and left alone.

use std::io;
use std::path::Path;

use super::{FormatError, format};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// What formatting one file found.
#[derive(Debug)]
pub enum Outcome {
    /// Already in the canonical layout.
    Unchanged,
    /// The layout changes.
    Changed {
        /// The text as read.
        original: String,
        /// The canonical layout.
        formatted: String,
    },
    /// Not formatted: the text (lossy for invalid UTF-8) and why.
    Failed {
        /// The text as read, for showing the diagnostics.
        text: String,
        /// Why.
        error: FormatError,
    },
}

/// Formats the file at `path` in memory.
pub fn format_file(path: &Path) -> io::Result<Outcome> {
    let bytes = std::fs::read(path)?;
    let original = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let span = Span::new(FileId(0), offset, offset + '\u{FFFD}'.len_utf8());
            let diagnostic = Diagnostic::new(
                Code::InvalidUtf8,
                span,
                format!("file is not valid UTF-8 (first bad byte at offset {offset})"),
            )
            .with_help("save the file as UTF-8");
            return Ok(Outcome::Failed {
                text,
                error: FormatError::Syntax(vec![diagnostic]),
            });
        }
    };
    Ok(match format(&original) {
        Ok(formatted) if formatted == original => Outcome::Unchanged,
        Ok(formatted) => Outcome::Changed {
            original,
            formatted,
        },
        Err(error) => Outcome::Failed {
            text: original,
            error,
        },
    })
}

/// Replaces the file at `path` by `text`, whole (see [`crate::data::write_whole`]),
/// keeping the file's permissions.
pub fn write_whole(path: &Path, text: &str) -> Result<(), String> {
    let permissions = std::fs::metadata(path).map(|m| m.permissions()).ok();
    crate::data::write_whole(path, text.as_bytes()).map_err(|e| e.to_string())?;
    if let Some(permissions) = permissions {
        std::fs::set_permissions(path, permissions).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A unified diff of `original` → `formatted`, with `path` in the headers.
pub fn unified_diff(path: &Path, original: &str, formatted: &str) -> String {
    let shown = path.display().to_string();
    similar::TextDiff::from_lines(original, formatted)
        .unified_diff()
        .context_radius(3)
        .header(&shown, &shown)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_whole_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.seg");
        std::fs::write(&path, "old").unwrap();
        write_whole(&path, "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_file_that_does_not_parse_is_not_formatted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.seg");
        std::fs::write(&path, "segment x {\n  where a >\n}\n").unwrap();
        assert!(matches!(
            format_file(&path).unwrap(),
            Outcome::Failed { .. }
        ));
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.seg");
        std::fs::write(&path, b"segment \xff").unwrap();
        let Outcome::Failed {
            error: FormatError::Syntax(diagnostics),
            ..
        } = format_file(&path).unwrap()
        else {
            panic!("expected a failure");
        };
        assert!(diagnostics[0].message.contains("offset 8"));
    }
}
