//! `segmint fmt`: one canonical layout for `.seg` files.
//!
//! [`format`] parses a file, lays it out ([`layout`]) as a [`doc::Doc`] and prints it
//! ([`doc::print`]). Comments and doc comments are kept where they were written and
//! literals exactly as written, so formatting never changes what a file means. That
//! is not only intended but checked on every call: the result is parsed again and
//! must give the same syntax tree (spans aside) and the same comments, else the file
//! is reported and left as it was. [`files`] applies this to files on disk
//! (`--check`, `--diff`, writing whole files).

mod doc;
pub mod files;
mod layout;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::Sources;
use crate::syntax::{self, ast};

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The file does not parse; the diagnostics say why (their spans point into the
    /// file as given).
    Syntax(Vec<Diagnostic>),
    /// The layout would have changed the file's meaning or lost a comment: a bug in
    /// the formatter, reported rather than written.
    Unstable(String),
}

/// The canonical layout of a `.seg` file's text.
pub fn format(text: &str) -> Result<String, FormatError> {
    let (file, diagnostics) = parse(text);
    if diagnostics.has_errors() {
        return Err(FormatError::Syntax(diagnostics.into_vec()));
    }
    let doc = layout::Layout::new(text, &file).file(&file);
    let formatted = doc::print(&doc);
    verify(&file, &formatted)?;
    Ok(formatted)
}

fn parse(text: &str) -> (ast::File, Diagnostics) {
    let mut sources = Sources::new();
    let id = sources.add("<fmt>", text);
    let mut diagnostics = Diagnostics::new();
    let file = match sources.get(id) {
        Some(source) => syntax::parse(source, &mut diagnostics),
        None => ast::File {
            file: id,
            items: Vec::new(),
            comments: Vec::new(),
        },
    };
    (file, diagnostics)
}

/// The formatted text must parse to the same tree with the same comments.
fn verify(original: &ast::File, formatted: &str) -> Result<(), FormatError> {
    let (again, diagnostics) = parse(formatted);
    if diagnostics.has_errors() {
        return Err(FormatError::Unstable(
            "the formatted text would not parse".into(),
        ));
    }
    if shape(original) != shape(&again) {
        return Err(FormatError::Unstable(
            "the formatted text would mean something else".into(),
        ));
    }
    let comments = |f: &ast::File| -> Vec<String> {
        f.comments
            .iter()
            .map(|c| c.text.trim_end().to_owned())
            .collect()
    };
    if comments(original) != comments(&again) {
        return Err(FormatError::Unstable(
            "the formatted text would lose or move a comment out of order".into(),
        ));
    }
    Ok(())
}

/// The syntax tree of a file without positions, for comparing two layouts of it.
/// Items are compared in source order.
pub fn shape(file: &ast::File) -> String {
    without_spans(&format!("{:?}", file.items))
}

/// Removes every `Span { … }` from a `Debug` rendering.
pub fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find("Span {") {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at..).unwrap_or("");
        let end = after.find('}').map_or(after.len(), |e| e + 1);
        out.push_str("Span");
        rest = after.get(end..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
