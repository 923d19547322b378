//! No input may panic or hang: `syntax::parse` and `check::check` must return on
//! anything, from an empty file to 10,000 nested parentheses, and on every
//! truncation, byte flip and token deletion of the real fixtures; `segmint fmt`
//! formats whatever of those parses, stably.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may fail loudly

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use proptest::prelude::*;
use segmint::diagnostic::{Code, Diagnostics};
use segmint::source::Sources;
use segmint::syntax;

/// Parses and checks `text` as one file; returns the syntax diagnostics.
fn run(text: &str) -> Diagnostics {
    let mut sources = Sources::new();
    let id = sources.add("fuzz.seg", text);
    let file = sources.get(id).unwrap();
    let mut diagnostics = Diagnostics::new();
    let parsed = syntax::parse(file, &mut diagnostics);
    let mut checked = diagnostics.clone();
    let _ = segmint::check::check(std::slice::from_ref(&parsed), &mut checked);
    formats_stably(text);
    diagnostics
}

/// `segmint fmt` on the same text: a syntax error is reported, anything that parses
/// is formatted (never "unstable"), and formatting the result changes nothing.
fn formats_stably(text: &str) {
    use segmint::fmt::{FormatError, format};
    match format(text) {
        Ok(once) => assert_eq!(
            format(&once).ok().as_deref(),
            Some(once.as_str()),
            "{text:?}"
        ),
        Err(FormatError::Syntax(_)) => {}
        Err(FormatError::Unstable(reason)) => panic!("fmt: {reason}: {text:?}"),
    }
}

fn codes(diagnostics: &Diagnostics) -> Vec<Code> {
    diagnostics.iter().map(|d| d.code).collect()
}

/// Every `.seg` under a folder, recursively.
fn seg_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            seg_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "seg") {
            out.push(path);
        }
    }
}

/// The texts of the syntax fixtures and of `segments/`, read once.
fn corpus() -> &'static [String] {
    static CORPUS: LazyLock<Vec<String>> = LazyLock::new(read_corpus);
    &CORPUS
}

fn read_corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    seg_files(&root.join("tests/syntax"), &mut paths);
    seg_files(&root.join("segments"), &mut paths);
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    assert!(!texts.is_empty(), "no fixtures found");
    texts
}

/// A deterministic stream of pseudo-random numbers (xorshift), so failures replay.
fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Characters that matter to the grammar, plus some that never do.
const ALPHABET: &[char] = &[
    'a', 'e', 'n', 'o', 'r', 's', 't', 'w', 'x', 'A', 'Z', '0', '1', '9', '_', ' ', '\n', '\t',
    '(', ')', '[', ']', '{', '}', '"', '\\', '/', '<', '>', '=', '!', '%', '.', ',', ':', '?', '-',
    '+', '*', 'T', 'é', '€', '\u{feff}',
];

// ───────────────────────────── explicit cases ─────────────────────────────

#[test]
fn empty_file_parses_to_nothing() {
    let mut sources = Sources::new();
    let id = sources.add("empty.seg", "");
    let mut diagnostics = Diagnostics::new();
    let parsed = syntax::parse(sources.get(id).unwrap(), &mut diagnostics);
    assert!(parsed.items.is_empty());
    assert!(diagnostics.is_empty());
    run("");
}

#[test]
fn random_text_of_100_kb_returns() {
    let mut seed = 0x5eed_u64;
    let text: String = (0..100_000)
        .map(|_| ALPHABET[(xorshift(&mut seed) % ALPHABET.len() as u64) as usize])
        .collect();
    let diagnostics = run(&text);
    assert!(codes(&diagnostics).contains(&Code::SyntaxError));
}

#[test]
fn ten_thousand_nested_parentheses_are_too_deeply_nested() {
    let text = format!(
        "segment a {{ where {}vip{} }}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let diagnostics = run(&text);
    assert_eq!(codes(&diagnostics), vec![Code::TooDeeplyNested]);
}

#[test]
fn ten_thousand_unclosed_brackets_are_too_deeply_nested() {
    let text = format!("segment a {{ where {}", "(".repeat(10_000));
    let diagnostics = run(&text);
    assert_eq!(codes(&diagnostics), vec![Code::TooDeeplyNested]);
}

/// The nesting limit protects the parser but does not hide an earlier mistake: the
/// first error reported is where the text first stops being the language.
#[test]
fn an_error_before_deep_nesting_is_reported_where_it_is() {
    let cases = [
        ("[".repeat(10_000), 0),
        (
            format!("segment a {{ where vip and and {}", "(".repeat(10_000)),
            26,
        ),
        (format!("segment a {{ where €\n{}", "(".repeat(10_000)), 18),
    ];
    for (text, at) in cases {
        let diagnostics = run(&text);
        assert_eq!(codes(&diagnostics), vec![Code::SyntaxError], "{text:.40}");
        let first = diagnostics.iter().next().unwrap();
        assert_eq!(first.primary.span.start, at, "{text:.40}");
    }
}

/// 100 kB of random bytes (read as text the way files are, invalid UTF-8 replaced):
/// the first diagnostic is on line 1, not at the first deep bracket far below.
#[test]
fn random_bytes_report_their_first_error_on_line_one() {
    let mut seed = 0xb17e5_u64;
    let bytes: Vec<u8> = (0..100_000).map(|_| xorshift(&mut seed) as u8).collect();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let diagnostics = run(&text);
    let first = diagnostics.iter().next().unwrap();
    let line_end = text.find('\n').unwrap_or(text.len());
    assert!(
        (first.primary.span.start as usize) <= line_end,
        "{:?} at {}",
        first.code,
        first.primary.span.start
    );
}

#[test]
fn the_deepest_allowed_nesting_parses_and_checks() {
    let depth = 100;
    let text = format!(
        "schema c {{ key id: int  vip: bool }}\nsegment a {{ where {}vip{} }}",
        "(not ".repeat(depth),
        ")".repeat(depth)
    );
    let diagnostics = run(&text);
    assert!(!codes(&diagnostics).contains(&Code::TooDeeplyNested));
    assert!(!codes(&diagnostics).contains(&Code::SyntaxError));
}

#[test]
fn long_chains_without_brackets_are_too_deeply_nested() {
    for chain in [
        "not ".repeat(10_000) + "vip",
        "- ".repeat(10_000) + "1 > 0",
        "1".to_owned() + &" + 1".repeat(10_000) + " > 0",
    ] {
        let diagnostics = run(&format!("segment a {{ where {chain} }}"));
        assert_eq!(
            codes(&diagnostics),
            vec![Code::TooDeeplyNested],
            "{}",
            &chain[..10]
        );
    }
}

#[test]
fn a_one_megabyte_line_returns() {
    let criteria = " and orders_count > 1".repeat(1_000_000 / 21);
    let text = format!(
        "schema c {{ key id: int  orders_count: int }} segment a {{ where orders_count > 1{criteria} }}"
    );
    assert!(text.len() >= 1_000_000);
    let diagnostics = run(&text);
    assert!(!codes(&diagnostics).contains(&Code::SyntaxError));
}

#[test]
fn human_output_stays_small_for_huge_garbage() {
    // One 2 MB line of garbage, and 5,000 broken blocks: the human output is capped.
    let one_line = "@".repeat(2_000_000);
    let many_blocks = "segment a { where }\n".repeat(5_000);
    for text in [one_line, many_blocks] {
        let mut sources = Sources::new();
        let id = sources.add("garbage.seg", text.as_str());
        let mut diagnostics = Diagnostics::new();
        let _ = syntax::parse(sources.get(id).unwrap(), &mut diagnostics);
        assert!(!diagnostics.is_empty());
        let all: Vec<_> = diagnostics.iter().cloned().collect();
        let mut out = Vec::new();
        segmint::diagnostic::render::human::render(&all, &sources, false, &mut out).unwrap();
        assert!(out.len() < 50_000, "{} bytes of output", out.len());
    }
}

#[test]
fn every_truncation_of_every_fixture_returns() {
    for text in corpus() {
        // Every character boundary of small files; 120 evenly spaced cuts of large ones.
        let cuts: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
        let step = (cuts.len() / 120).max(1);
        for &at in cuts.iter().step_by(step) {
            run(&text[..at]);
        }
    }
}

// ───────────────────────────── generated cases ─────────────────────────────

/// A fixture mutated in one of three ways.
#[derive(Debug, Clone)]
enum Mutation {
    /// Keep the first `n` characters.
    Truncate(usize),
    /// Replace the character at `n` with `c`.
    Replace(usize, char),
    /// Delete the `n`th whitespace-separated token.
    DeleteToken(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), proptest::sample::select(ALPHABET))
            .prop_map(|(n, c)| Mutation::Replace(n, c)),
        any::<usize>().prop_map(Mutation::DeleteToken),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_owned();
    for m in mutations {
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            break;
        }
        text = match *m {
            Mutation::Truncate(n) => chars[..n % chars.len()].iter().collect(),
            Mutation::Replace(n, c) => {
                let mut chars = chars;
                let at = n % chars.len();
                chars[at] = c;
                chars.into_iter().collect()
            }
            Mutation::DeleteToken(n) => {
                let tokens: Vec<&str> = text.split_inclusive(char::is_whitespace).collect();
                let at = n % tokens.len();
                tokens
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != at)
                    .map(|(_, t)| *t)
                    .collect()
            }
        };
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        run(&text);
    }

    #[test]
    fn grammar_shaped_text_never_panics(text in "[a-z (){}\\[\\]\"<>=!%.,:?0-9\n_-]{0,300}") {
        run(&text);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        index in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let text = &corpus()[index % corpus().len()];
        run(&apply(text, &mutations));
    }
}
