//! The documentation and the example library are tested:
//!
//! - every ```` ```seg ```` block in `docs/*.md` and `README.md` checks clean, compiled
//!   together with `segments/schema.seg` so it can use the example schema. A block that
//!   declares its own `schema` is compiled alone, and so is one preceded by
//!   `<!-- alone -->`. A block preceded by `<!-- expect: CODE -->` (optionally
//!   `<!-- expect: CODE; alone -->`) must give at least one diagnostic, all of `CODE`;
//! - every diagnostic code has a `## code` section in `docs/diagnostics.md`;
//! - `segments/` checks clean apart from the warnings it shows on purpose.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may fail loudly

mod support;

use std::path::{Path, PathBuf};

use segmint::diagnostic::{Code, Diagnostics};
use segmint::lint::{self, LintConfig};

const SCHEMA: &str = include_str!("../segments/schema.seg");

/// A ```seg block found in a markdown file.
struct Block {
    /// `docs/language.md:120` (the line of the opening fence).
    place: String,
    text: String,
    expect: Option<String>,
    alone: bool,
}

/// Checks `files` (all sharing one namespace) and lints them when they check; returns
/// every diagnostic, check and lint together, and the rendered text.
fn check_and_lint(files: &[(&str, &str)]) -> (Vec<Code>, String) {
    let compiled = support::compile_files(files);
    let mut all = Diagnostics::new();
    all.extend(compiled.diagnostics.clone());
    if let Some(program) = &compiled.program {
        lint::run(program, &compiled.sources, &LintConfig::default(), &mut all);
    }
    let codes = all.iter().map(|d| d.code).collect();
    (codes, support::render_diagnostics(&compiled.sources, &all))
}

fn markdown_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("docs")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    if Path::new("README.md").exists() {
        files.push(PathBuf::from("README.md"));
    }
    files
}

/// The ```seg blocks of one markdown file, with the marker comment before each.
fn seg_blocks(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "```seg" {
            i += 1;
            continue;
        }
        let marker = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .copied()
            .unwrap_or("");
        let (expect, alone) = parse_marker(marker);
        let body: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| l.trim() != "```")
            .copied()
            .collect();
        let text = body.join("\n") + "\n";
        let declares_schema = body.iter().any(|l| l.trim_start().starts_with("schema "));
        blocks.push(Block {
            place: format!("{}:{}", path.display(), i + 1),
            text,
            expect,
            alone: alone || declares_schema,
        });
        i += body.len() + 2;
    }
    blocks
}

/// `<!-- expect: CODE -->`, `<!-- expect: CODE; alone -->` or `<!-- alone -->`.
fn parse_marker(line: &str) -> (Option<String>, bool) {
    let Some(inner) = line
        .trim()
        .strip_prefix("<!--")
        .and_then(|rest| rest.strip_suffix("-->"))
    else {
        return (None, false);
    };
    let mut expect = None;
    let mut alone = false;
    for part in inner.split(';').map(str::trim) {
        if let Some(code) = part.strip_prefix("expect:") {
            expect = Some(code.trim().to_string());
        } else if part == "alone" {
            alone = true;
        }
    }
    (expect, alone)
}

#[test]
fn every_seg_block_in_the_docs_checks_as_stated() {
    let mut failures = Vec::new();
    let mut count = 0;
    for path in markdown_files() {
        for block in seg_blocks(&path) {
            count += 1;
            let files: Vec<(&str, &str)> = if block.alone {
                vec![("block.seg", block.text.as_str())]
            } else {
                vec![("schema.seg", SCHEMA), ("block.seg", block.text.as_str())]
            };
            let (codes, rendered) = check_and_lint(&files);
            let ok = match &block.expect {
                None => codes.is_empty(),
                Some(code) => !codes.is_empty() && codes.iter().all(|c| c.as_str() == code),
            };
            if !ok {
                let wanted = block.expect.as_deref().unwrap_or("no diagnostics");
                failures.push(format!(
                    "{} (wanted {wanted}):\n{}\n{rendered}",
                    block.place, block.text
                ));
            }
        }
    }
    assert!(
        count > 20,
        "expected many ```seg blocks in docs/, found {count}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_code_has_a_section_in_diagnostics_md() {
    let text = std::fs::read_to_string("docs/diagnostics.md").unwrap();
    let headings: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::trim)
        .collect();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|name| !headings.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/diagnostics.md lacks sections for {missing:?}"
    );
}

#[test]
fn every_code_with_a_seg_example_in_diagnostics_md_is_shown_by_one() {
    // Codes that no ```seg block can show (they need a file system or a huge input)
    // are documented with a ```text example instead.
    let unshowable = [Code::InvalidUtf8, Code::TooDeeplyNested];
    let shown: Vec<String> = seg_blocks(Path::new("docs/diagnostics.md"))
        .into_iter()
        .filter_map(|b| b.expect)
        .collect();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !unshowable.contains(c))
        .map(|c| c.as_str())
        .filter(|name| !shown.iter().any(|s| s == name))
        .collect();
    assert!(
        missing.is_empty(),
        "no `<!-- expect: … -->` example for {missing:?}"
    );
}

/// `.seg` files under a folder, recursively, in path order.
fn seg_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            seg_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "seg") {
            out.push(path);
        }
    }
}

#[test]
fn example_segments_check_clean_except_for_the_deliberate_warning() {
    let mut paths = Vec::new();
    seg_files(Path::new("segments"), &mut paths);
    let texts: Vec<(String, String)> = paths
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect();
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let compiled = support::compile_files(&files);
    assert!(
        compiled.diagnostics.is_empty(),
        "segments/ should check clean:\n{}",
        support::rendered(&compiled)
    );
    let program = compiled.program.as_ref().unwrap();
    let mut warnings = Diagnostics::new();
    lint::run(
        program,
        &compiled.sources,
        &LintConfig::default(),
        &mut warnings,
    );
    let found: Vec<(String, Code, String)> = warnings
        .iter()
        .map(|d| {
            let file = compiled.sources.get(d.primary.span.file).unwrap();
            let path = file.path.display().to_string();
            let enclosing = enclosing_segment(&file.text, d.primary.span.start as usize);
            (path, d.code, enclosing)
        })
        .collect();
    assert_eq!(
        found,
        [
            (Code::NotOverNullable, "not_recent_buyers"),
            (Code::MixedAndOr, "german_repeat_or_big_buyers"),
            (Code::UnreachableTier, "spend_rank"),
            (Code::ImpossibleScore, "sixth_quintile"),
        ]
        .map(|(code, name)| (
            "segments/deliberate_warnings.seg".to_string(),
            code,
            name.to_string()
        )),
        "{}",
        support::render_diagnostics(&compiled.sources, &warnings)
    );
    assert!(
        program.segments.len() >= 50,
        "the example library should stay rich"
    );
}

/// The name of the last `segment NAME` or `tiers NAME` before `offset`.
fn enclosing_segment(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    before
        .lines()
        .rev()
        .find_map(|l| {
            let l = l.trim_start();
            l.strip_prefix("segment ")
                .or_else(|| l.strip_prefix("tiers "))
        })
        .map(|rest| rest.trim_end_matches(['{', ' ']).to_string())
        .unwrap_or_default()
}
