//! Source files and spans.
//!
//! A [`Span`] is a byte range in one file plus that file's [`FileId`]. Lines and
//! columns are worked out only when a diagnostic is printed, by [`SourceFile::line_col`]:
//! both are 1-based and columns count characters, not bytes.

use std::path::{Path, PathBuf};

/// Identifies one loaded source file within a [`Sources`] set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets; offsets beyond `u32::MAX` are clamped.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range as `usize`s, for slicing source text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One `.seg` file: its path as given by the user, its text, and where lines start.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The file's id in its [`Sources`] set.
    pub id: FileId,
    /// The path shown in diagnostics (relative, as found while walking).
    pub path: PathBuf,
    /// The file's text. For a file that is not valid UTF-8 this is the valid
    /// prefix followed by a lossy rendering of the rest (see [`Sources::add_bytes`]).
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(id: FileId, path: PathBuf, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            id,
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = (offset as usize).min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line, column + 1)
    }

    /// The text a span covers (empty if the span does not fit this file).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// Byte offsets where each line starts (the first is always 0).
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }
}

/// Every source file of one run; spans point into it by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

/// Where a file stopped being valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidUtf8 {
    /// Byte offset of the first invalid byte.
    pub offset: usize,
}

impl Sources {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file whose text is already a string.
    pub fn add(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files
            .push(SourceFile::new(id, path.into(), text.into()));
        id
    }

    /// Adds a file from raw bytes. A file that is not UTF-8 is still added (the valid
    /// prefix exactly, the rest lossily) so that a diagnostic can point into it; the
    /// offset of the first bad byte is returned alongside.
    pub fn add_bytes(
        &mut self,
        path: impl Into<PathBuf>,
        bytes: Vec<u8>,
    ) -> (FileId, Option<InvalidUtf8>) {
        match String::from_utf8(bytes) {
            Ok(text) => (self.add(path, text), None),
            Err(err) => {
                let offset = err.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
                (self.add(path, text), Some(InvalidUtf8 { offset }))
            }
        }
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// All files, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    /// The path of a file, for messages (`<unknown>` for a foreign id).
    pub fn path(&self, id: FileId) -> &Path {
        self.get(id)
            .map_or(Path::new("<unknown>"), |f| f.path.as_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_counts_characters() {
        let mut sources = Sources::new();
        let id = sources.add("a.seg", "ab\né x\n");
        let file = sources.get(id).unwrap();
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(3), (2, 1));
        // `x` is after a two-byte `é` and a space: byte 6, character column 3.
        assert_eq!(file.line_col(6), (2, 3));
        assert_eq!(file.line_col(1000), (3, 1));
    }

    #[test]
    fn invalid_utf8_keeps_the_valid_prefix() {
        let mut sources = Sources::new();
        let (id, bad) = sources.add_bytes("b.seg", b"ok\xffrest".to_vec());
        assert_eq!(bad, Some(InvalidUtf8 { offset: 2 }));
        assert!(sources.get(id).unwrap().text.starts_with("ok"));
    }
}
