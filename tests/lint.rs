//! One fixture per lint in `tests/lint/`, each with cases that warn and cases that
//! do not, checked against `segments/schema.seg`. The snapshot shows the source next
//! to the lint diagnostics (`----- SOURCE` / `----- DIAGNOSTICS`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may fail loudly

mod support;

use segmint::diagnostic::{Code, Diagnostics, Severity};
use segmint::lint::{self, LintConfig};

const SCHEMA: &str = include_str!("../segments/schema.seg");

/// Compiles `text` with the example schema; asserts it checks clean and returns
/// the sources and the lint diagnostics.
fn lint_text(name: &str, text: &str, config: &LintConfig) -> (support::Compiled, Diagnostics) {
    let compiled = support::compile_files(&[("schema.seg", SCHEMA), (name, text)]);
    assert!(
        compiled.diagnostics.is_empty(),
        "{name} should check clean before linting:\n{}",
        support::rendered(&compiled)
    );
    let program = compiled.program.as_ref().expect("a program");
    let mut warnings = Diagnostics::new();
    lint::run(program, &compiled.sources, config, &mut warnings);
    (compiled, warnings)
}

fn snapshot_text(compiled: &support::Compiled, warnings: &Diagnostics) -> String {
    let file = compiled.sources.iter().nth(1).expect("the fixture");
    support::source_and_diagnostics(file, &compiled.sources, warnings)
}

#[test]
fn lint_fixtures() {
    insta::glob!("lint/*.seg", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (compiled, warnings) = lint_text(&name, &text, &LintConfig::default());
        let lint_name = name.trim_end_matches(".seg");
        for d in warnings.iter() {
            assert_eq!(d.severity(), Severity::Warning);
            assert_eq!(
                d.code.as_str(),
                lint_name,
                "{name} should only show its own lint"
            );
        }
        assert!(!warnings.is_empty(), "{name} should have a case that warns");
        insta::assert_snapshot!(snapshot_text(&compiled, &warnings));
    });
}

#[test]
fn max_criteria_is_configurable() {
    let text = std::fs::read_to_string("tests/lint/too_many_criteria.seg").unwrap();
    let config = LintConfig { max_criteria: 4 };
    let (compiled, warnings) = lint_text("too_many_criteria.seg", &text, &config);
    insta::assert_snapshot!(support::render_diagnostics(&compiled.sources, &warnings));
    let none = LintConfig { max_criteria: 5 };
    let (_, warnings) = lint_text("too_many_criteria.seg", &text, &none);
    assert!(warnings.is_empty(), "five criteria are within a max of 5");
}

#[test]
fn allow_silences_only_its_own_segment() {
    let segment = |name: &str, allow: &str| {
        format!(
            "segment {name} {{\n  where country = \"DE\" and age >= 30 and orders_count > 2 and newsletter_opt_in\n  {allow}\n}}\n"
        )
    };
    let text = segment("loud", "") + &segment("quiet", "allow too_many_criteria");
    let (compiled, warnings) = lint_text("allow.seg", &text, &LintConfig::default());
    let codes: Vec<Code> = warnings.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::TooManyCriteria]);
    insta::assert_snapshot!(support::render_diagnostics(&compiled.sources, &warnings), @r"
    warning[too_many_criteria] allow.seg:1:9-1:13: segment `loud` has 4 criteria (max 3)
      help: split it into segments that refer to each other, or add `allow too_many_criteria` to `loud`
    ");
}

#[test]
fn count_criteria_matches_the_spec() {
    let cases = [
        ("age > 30", 1),
        ("not (age > 30)", 1),
        ("((age > 30))", 1),
        ("age between 18 and 30", 1),
        ("lifetime_value in top 20%", 1),
        ("newsletter_opt_in", 1),
        (
            "age > 30 and (country = \"DE\" or not newsletter_opt_in)",
            3,
        ),
        ("tags has any [\"a\", \"b\"] and interests is empty", 2),
        (
            "quintile(lifetime_value) >= 4 and last_order_at within last 30 days",
            2,
        ),
    ];
    for (condition, expected) in cases {
        let text = format!("segment s {{\n  where {condition}\n}}\n");
        let compiled = support::compile_files(&[("schema.seg", SCHEMA), ("s.seg", &text)]);
        let program = compiled
            .program
            .as_ref()
            .unwrap_or_else(|| panic!("`{condition}`:\n{}", support::rendered(&compiled)));
        let id = program.segment_named("s").unwrap();
        let count = lint::count_criteria(&program.segment(id).condition);
        assert_eq!(count, expected, "`{condition}`");
    }
}
