//! A lexical pass over the raw text, before pest runs.
//!
//! It finds what the grammar deliberately ignores or cannot bound safely:
//! - `//` comments (kept for `segmint fmt`) and `///` doc blocks (attached by position
//!   to the block, field or tier that directly follows them);
//! - where top-level blocks start, so that one broken block does not hide the others
//!   (each chunk is parsed on its own);
//! - bracket nesting deeper than [`MAX_NESTING`], which would exhaust the stack of a
//!   recursive-descent parser (10,000 `(` must give a clean error, not a crash).
//!
//! Strings never span lines (the grammar says so too), so a line start is always
//! outside a string and the scan stays in step with the grammar.

use std::collections::HashMap;

/// The deepest `(`/`[` nesting accepted.
pub(super) const MAX_NESTING: usize = 100;

/// One `///` block: consecutive doc lines with only whitespace between them.
#[derive(Debug)]
pub(super) struct DocBlock {
    /// Each line's byte range (including `///`).
    pub lines: Vec<(usize, usize)>,
    /// The text: markers and one following space stripped, lines joined with `\n`.
    pub text: String,
}

/// One top-level chunk of the file.
#[derive(Debug)]
pub(super) struct Chunk {
    /// Byte range of the chunk.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// Offset of the first bracket nested deeper than [`MAX_NESTING`].
    pub too_deep: Option<usize>,
}

/// What the scan found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Byte ranges of plain `//` comments.
    pub comments: Vec<(usize, usize)>,
    /// Doc blocks, keyed by the offset of the first token after them.
    pub docs: HashMap<usize, DocBlock>,
    /// The top-level chunks, in order, covering the whole text.
    pub chunks: Vec<Chunk>,
}

/// Block keywords that start a chunk when they begin a line and a name follows.
const BLOCK_KEYWORDS: [&str; 4] = ["schema", "segment", "tiers", "events"];

/// Scans `text`.
pub(super) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut out = Scan::default();
    let mut doc_lines: Vec<(usize, usize)> = Vec::new();
    let mut chunk = Chunk {
        start: 0,
        end: text.len(),
        too_deep: None,
    };
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        if line_start {
            line_start = false;
            if let Some(at) = block_start(text, i)
                && at > chunk.start
            {
                chunk.end = at;
                out.chunks.push(chunk);
                chunk = Chunk {
                    start: at,
                    end: text.len(),
                    too_deep: None,
                };
                depth = 0;
            }
        }
        let b = bytes.get(i).copied().unwrap_or(b'\n');
        if in_string {
            match b {
                b'\\' if bytes.get(i + 1).is_some_and(|&n| n != b'\n') => i += 1,
                b'"' => in_string = false,
                b'\n' => {
                    in_string = false;
                    line_start = true;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text
                    .get(i..)
                    .and_then(|s| s.find('\n'))
                    .map_or(text.len(), |n| i + n);
                let line = text.get(i..end).unwrap_or("");
                if line.starts_with("///") && !line.starts_with("////") {
                    if !doc_lines
                        .last()
                        .is_some_and(|&(_, prev_end)| only_space(text, prev_end, i))
                    {
                        flush_docs(text, &mut doc_lines, &mut out);
                    }
                    doc_lines.push((i, end));
                } else {
                    out.comments.push((i, end));
                }
                i = end;
                continue;
            }
            b'(' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING && chunk.too_deep.is_none() {
                    chunk.too_deep = Some(i);
                }
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            b'\n' => line_start = true,
            _ => {}
        }
        if !b.is_ascii_whitespace() && b != b'/' {
            // A token other than a comment ends a doc block.
            flush_docs(text, &mut doc_lines, &mut out);
        }
        i += 1;
    }
    flush_docs(text, &mut doc_lines, &mut out);
    out.chunks.push(chunk);
    out
}

/// Whether only whitespace lies between `from` and `to`.
fn only_space(text: &str, from: usize, to: usize) -> bool {
    text.get(from..to)
        .is_some_and(|s| s.chars().all(|c| c.is_whitespace() || c == '\u{feff}'))
}

/// Ends the current doc block, keyed by the offset of the next token.
fn flush_docs(text: &str, lines: &mut Vec<(usize, usize)>, out: &mut Scan) {
    let Some(&(_, last_end)) = lines.last() else {
        return;
    };
    let rest = text.get(last_end..).unwrap_or("");
    let skipped = rest.len()
        - rest
            .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .len();
    let text_lines: Vec<&str> = lines
        .iter()
        .map(|&(s, e)| {
            let line = text.get(s..e).unwrap_or("");
            let body = line.strip_prefix("///").unwrap_or(line);
            let body = body.strip_prefix(' ').unwrap_or(body);
            body.trim_end()
        })
        .collect();
    out.docs.insert(
        last_end + skipped,
        DocBlock {
            lines: std::mem::take(lines),
            text: text_lines.join("\n"),
        },
    );
}

/// If the line starting at `at` begins with a block keyword followed by a name, the
/// keyword's offset. Such a line can never continue a valid block: no rule lets a
/// keyword be followed by a bare name inside a block.
fn block_start(text: &str, at: usize) -> Option<usize> {
    let line = text.get(at..)?;
    let trimmed = line.trim_start_matches([' ', '\t', '\u{feff}']);
    let keyword_at = at + (line.len() - trimmed.len());
    let keyword = BLOCK_KEYWORDS.iter().find(|k| trimmed.starts_with(**k))?;
    let after = trimmed.get(keyword.len()..)?;
    let name = after.trim_start_matches([' ', '\t']);
    let has_gap = name.len() < after.len();
    (has_gap && name.starts_with(|c: char| c.is_ascii_alphabetic())).then_some(keyword_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_start_at_block_keywords_on_line_starts() {
        let text = "schema s { a: int }\nsegment x {\n  where a > 1\n}\n  tiers t { a: otherwise }";
        let scan = scan(text);
        let starts: Vec<usize> = scan.chunks.iter().map(|c| c.start).collect();
        assert_eq!(starts, vec![0, 20, 50]);
        assert_eq!(scan.chunks.last().map(|c| c.end), Some(text.len()));
    }

    #[test]
    fn a_field_named_like_a_keyword_does_not_split() {
        let scan = scan("schema s {\n  events: int\n  segment: string\n}");
        assert_eq!(scan.chunks.len(), 1);
    }

    #[test]
    fn comments_inside_strings_are_text() {
        let scan = scan("owner \"a // b\" // real\n");
        assert_eq!(scan.comments, vec![(15, 22)]);
    }

    #[test]
    fn doc_blocks_are_keyed_by_the_next_token() {
        let text = "/// one\n  /// two\n\nsegment a {}";
        let scan = scan(text);
        let doc = scan.docs.get(&19).expect("doc before `segment`");
        assert_eq!(doc.text, "one\ntwo");
        assert!(scan.comments.is_empty());
    }

    #[test]
    fn a_plain_comment_splits_doc_blocks() {
        let scan = scan("/// one\n// plain\n/// two\nx");
        assert_eq!(scan.docs.len(), 2);
        assert_eq!(scan.comments.len(), 1);
    }

    #[test]
    fn deep_nesting_is_found_outside_strings() {
        let deep = "(".repeat(MAX_NESTING + 1);
        assert!(scan(&deep).chunks[0].too_deep.is_some());
        let quoted = format!("\"{deep}\"");
        assert!(scan(&quoted).chunks[0].too_deep.is_none());
    }
}
