//! The three diagnostic renderers on a small, fixed set of diagnostics: an error
//! with help, an error with a secondary label in another file, and a warning.

#![allow(clippy::unwrap_used)]

use segmint::diagnostic::render::{self, Format};
use segmint::diagnostic::{Code, Diagnostic};
use segmint::source::{Sources, Span};

const LIFECYCLE: &str = "\
/// Recently active.
segment active {
  where agee > 30
    and country = \"DE\"
}
";

const VALUE: &str = "segment active {\n  where orders_count >= 1\n}\n\nsegment éclair {\n  where country in []\n}\n";

fn fixture() -> (Sources, Vec<Diagnostic>) {
    let mut sources = Sources::new();
    let lifecycle = sources.add("segments/lifecycle.seg", LIFECYCLE);
    let value = sources.add("segments/value.seg", VALUE);
    // The span of `word` where it first appears inside `context`.
    let at = |file, text: &str, context: &str, word: &str| {
        let start = text.find(context).unwrap() + context.find(word).unwrap();
        Span::new(file, start, start + word.len())
    };
    let diagnostics = vec![
        Diagnostic::new(
            Code::UnknownField,
            at(lifecycle, LIFECYCLE, "agee", "agee"),
            "unknown field `agee`",
        )
        .with_help("did you mean `age`?"),
        Diagnostic::new(
            Code::DuplicateName,
            at(value, VALUE, "segment active", "active"),
            "segment `active` is defined twice",
        )
        .with_label("defined again here")
        .with_secondary(
            at(lifecycle, LIFECYCLE, "segment active", "active"),
            "first defined here",
        ),
        Diagnostic::new(
            Code::EmptyInList,
            at(value, VALUE, "[]", "[]"),
            "`in []` never matches, so this criterion is always false",
        )
        .with_help("list at least one value, or remove the criterion"),
    ];
    (sources, diagnostics)
}

fn rendered(format: Format) -> String {
    let (sources, diagnostics) = fixture();
    let mut out = Vec::new();
    render::render(format, &diagnostics, &sources, false, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn human_shows_snippets_labels_and_help() {
    insta::assert_snapshot!(rendered(Format::Human));
}

#[test]
fn json_has_exactly_the_documented_fields() {
    let text = rendered(Format::Json);
    insta::assert_snapshot!(text);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = &value["diagnostics"][0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "severity",
        "code",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "help",
    ];
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);
}

#[test]
fn github_writes_one_escaped_annotation_per_diagnostic() {
    insta::assert_snapshot!(rendered(Format::Github));
}

#[test]
fn columns_count_characters_not_bytes() {
    // `x` follows the two-byte `é`: character column 24, byte column 25.
    let mut sources = Sources::new();
    let id = sources.add("a.seg", "segment éclair { where x }\n");
    let start = "segment éclair { where ".len();
    let diagnostic = Diagnostic::new(
        Code::UnknownField,
        Span::new(id, start, start + 1),
        "unknown field `x`",
    );
    let mut out = Vec::new();
    render::render(Format::Json, &[diagnostic], &sources, false, &mut out).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["diagnostics"][0]["column"], 24);
    assert_eq!(value["diagnostics"][0]["end_column"], 25);
}
