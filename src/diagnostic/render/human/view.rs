//! Files as drawn for one diagnostic: every line longer than [`MAX_LINE`] is cut to a
//! window around the span on it (`…` marks what was cut), and control characters are
//! replaced by `?` byte for byte.
//!
//! codespan-reporting prints whole lines and has no option to cut them, so the
//! renderer hands it this copy instead, with label ranges moved into it. Line numbers
//! are kept (no line is dropped) and [`Files::column_number`] maps back to the
//! original text, so the `file:line:col` header stays exact.

use std::ops::Range;

use codespan_reporting::files::{self, Files};

use super::{MAX_LINE, garbles, safe_range};
use crate::diagnostic::{Diagnostic, Label};
use crate::source::{FileId, SourceFile, Sources};

/// Bytes shown before the span start on a cut line.
const LEAD: usize = 60;
/// Bytes shown in all on a cut line.
const WIDTH: usize = 160;
/// Marks text cut from a long line.
const CUT: &str = "…";

/// One line of a [`View`].
struct Line {
    /// Where the line starts in the original text.
    start: usize,
    /// The original bytes shown (the whole line, without its break, when not cut).
    kept: Range<usize>,
    /// Whether the line was cut.
    cut: bool,
    /// Where the line starts in the view.
    view_start: usize,
    /// Bytes of the `…` before the kept text (0 when the line starts the window).
    prefix: usize,
}

/// One file as drawn.
struct View<'a> {
    file: &'a SourceFile,
    text: String,
    lines: Vec<Line>,
}

/// The views of every file a diagnostic points into.
pub(super) struct Views<'a> {
    sources: &'a Sources,
    views: Vec<(FileId, View<'a>)>,
}

impl<'a> Views<'a> {
    /// Views of the files the diagnostic's labels point into, each long line cut
    /// around the first label on it.
    pub fn new(diagnostic: &Diagnostic, sources: &'a Sources) -> Self {
        let mut views: Vec<(FileId, View<'a>)> = Vec::new();
        for label in super::labels(diagnostic) {
            let id = label.span.file;
            if views.iter().any(|(seen, _)| *seen == id) {
                continue;
            }
            if let Some(file) = sources.get(id) {
                let focus: Vec<usize> = super::labels(diagnostic)
                    .filter(|l| l.span.file == id)
                    .flat_map(|l| [l.span.start as usize, l.span.end as usize])
                    .collect();
                views.push((id, View::new(file, &focus)));
            }
        }
        Views { sources, views }
    }

    /// The label's range in its view (on character boundaries), if the file is known.
    pub fn range(&self, label: &Label) -> Option<Range<usize>> {
        let view = self.view(label.span.file).ok()?;
        let range = safe_range(view.file, label.span);
        Some(view.to_view(range.start)..view.to_view(range.end))
    }

    fn view(&self, id: FileId) -> Result<&View<'a>, files::Error> {
        self.views
            .iter()
            .find(|(seen, _)| *seen == id)
            .map(|(_, view)| view)
            .ok_or(files::Error::FileMissing)
    }
}

impl<'a> View<'a> {
    /// The file with long lines cut; on each, the window starts a little before the
    /// first `focus` offset that falls on it.
    fn new(file: &'a SourceFile, focus: &[usize]) -> Self {
        let source = file.text.as_str();
        let starts = file.line_starts();
        let mut text = String::new();
        let mut lines = Vec::with_capacity(starts.len());
        for (i, &start) in starts.iter().enumerate() {
            let next = starts.get(i + 1).copied().unwrap_or(source.len());
            let whole = source.get(start..next).unwrap_or("");
            let end = start + whole.trim_end_matches(['\n', '\r']).len();
            let cut = end - start > MAX_LINE;
            let kept = if cut {
                let at = focus.iter().copied().find(|&f| (start..=end).contains(&f));
                window(source, start, end, at.unwrap_or(start))
            } else {
                start..end
            };
            let prefix = if kept.start > start { CUT.len() } else { 0 };
            let view_start = text.len();
            if prefix > 0 {
                text.push_str(CUT);
            }
            text.extend(source.get(kept.clone()).unwrap_or("").chars().map(visible));
            if kept.end < end {
                text.push_str(CUT);
            }
            text.push_str(source.get(end..next).unwrap_or(""));
            lines.push(Line {
                start,
                kept,
                cut,
                view_start,
                prefix,
            });
        }
        View { file, text, lines }
    }

    /// The line (index) holding an original offset.
    fn line_of(&self, offset: usize) -> Option<&Line> {
        let starts = self.file.line_starts();
        let index = starts.partition_point(|&s| s <= offset).saturating_sub(1);
        self.lines.get(index)
    }

    /// An original offset moved into the view (clamped to the window on a cut line).
    fn to_view(&self, offset: usize) -> usize {
        match self.line_of(offset) {
            Some(line) if line.cut => {
                let clamped = offset.clamp(line.kept.start, line.kept.end);
                line.view_start + line.prefix + (clamped - line.kept.start)
            }
            Some(line) => line.view_start + (offset - line.start),
            None => self.text.len(),
        }
    }

    /// A view offset on line `index` moved back to the original text.
    fn to_original(&self, index: usize, offset: usize) -> usize {
        match self.lines.get(index) {
            Some(line) if line.cut => {
                let into = offset.saturating_sub(line.view_start + line.prefix);
                (line.kept.start + into).min(line.kept.end)
            }
            Some(line) => line.start + offset.saturating_sub(line.view_start),
            None => self.file.text.len(),
        }
    }
}

/// The window of a long line: from [`LEAD`] bytes before `at`, [`WIDTH`] bytes long,
/// within `start..end` and on character boundaries.
fn window(text: &str, start: usize, end: usize, at: usize) -> Range<usize> {
    let mut from = at.saturating_sub(LEAD).max(start);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (from + WIDTH).min(end);
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    from..to
}

/// A character as drawn: control characters become `?` (as many as their bytes, so
/// offsets within the line stay put).
fn visible(c: char) -> char {
    if garbles(c) || c == '\r' { '?' } else { c }
}

impl<'a> Files<'a> for Views<'a> {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, files::Error> {
        Ok(self.sources.path(id).display().to_string())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.view(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let view = self.view(id)?;
        Ok(view
            .lines
            .partition_point(|line| line.view_start <= byte_index)
            .saturating_sub(1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let view = self.view(id)?;
        let line = view
            .lines
            .get(line_index)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: view.lines.len().saturating_sub(1),
            })?;
        let end = view
            .lines
            .get(line_index + 1)
            .map_or(view.text.len(), |next| next.view_start);
        Ok(line.view_start..end)
    }

    fn column_number(
        &'a self,
        id: FileId,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, files::Error> {
        let view = self.view(id)?;
        let original = view.to_original(line_index, byte_index);
        let offset = u32::try_from(original).unwrap_or(u32::MAX);
        Ok(view.file.line_col(offset).1)
    }
}
