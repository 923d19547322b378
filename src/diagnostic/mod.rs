//! Diagnostics: what the phases find, as data.
//!
//! Phases push [`Diagnostic`] values into a [`Diagnostics`] sink and never print.
//! Rendering (human, json, github) happens at the edge, in [`render`].

mod code;
pub mod render;
mod suggest;

pub use code::{Code, Severity};
pub use suggest::{closest, did_you_mean, did_you_mean_far};

use crate::source::Span;

/// A span with an optional short text shown under it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// What the label points at.
    pub span: Span,
    /// A few words shown next to the underline.
    pub text: Option<String>,
}

/// One problem found in the user's segment files.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The stable code; severity follows from it.
    pub code: Code,
    /// Plain words: lowercase start, no final period, user names in backticks.
    pub message: String,
    /// Where the problem is.
    pub primary: Label,
    /// Other places that explain it (e.g. the first definition of a duplicate).
    pub secondary: Vec<Label>,
    /// A suggestion, as a question or an imperative.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with a primary span and no labels or help.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            primary: Label { span, text: None },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// The severity of this diagnostic's code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Adds help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets help text only when there is some (e.g. a did-you-mean).
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Adds a short text under the primary span.
    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        self.primary.text = Some(text.into());
        self
    }

    /// Adds a secondary span with a short text.
    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            text: Some(text.into()),
        });
        self
    }
}

/// Where phases put what they find.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Adds a plain diagnostic and returns it for adding help or labels.
    pub fn report(
        &mut self,
        code: Code,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.0.push(Diagnostic::new(code, span, message));
        let last = self.0.len() - 1;
        &mut self.0[last]
    }

    /// Whether any error (not warning) was reported.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity() == Severity::Error)
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The diagnostics, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Adds every diagnostic of another sink.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Sorts by file, then position, then code, so output is stable across runs.
    pub fn sort(&mut self) {
        self.0.sort_by_key(|d| {
            (
                d.primary.span.file,
                d.primary.span.start,
                d.primary.span.end,
                d.code,
            )
        });
    }

    /// The diagnostics as a vector.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
