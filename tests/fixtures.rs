//! `segmint test --fixtures DIR`: example customers with expected memberships, and
//! criteria coverage.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use support::{segmint_in, temp_project};

mod support;

const SCHEMA: &str = "schema customers {\n  key customer_id: string\n  country: string\n  lifetime_value: float\n}\n";

const SEGMENTS: &str = "segment german_big {\n  where country = \"DE\"\n    and lifetime_value in top 50%\n}\n\nsegment french {\n  where country = \"FR\"\n}\n";

// `x in top 50%` ⇔ fewer than half of the rows are greater than x. Over the
// production rows (10, 10, 500, 400) no German customer is in the top half; over the
// fixture rows (500, 10, 10, 400) f1 is: population statistics use the fixture rows.
const DATA: &str = "customer_id,country,lifetime_value\np1,DE,10\np2,DE,10\np3,FR,500\np4,FR,400\n";

const FIXTURE_CUSTOMERS: &str =
    "customer_id,country,lifetime_value\nf1,DE,500\nf2,DE,10\nf3,FR,10\nf4,FR,400\n";

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(expected: &str) -> Project {
        let dir = temp_project(&[
            (
                "segmint.toml",
                "segments = [\"segments\"]\ndata = \"customers.csv\"\nas_of = \"2026-06-30\"\n",
            ),
            ("segments/schema.seg", SCHEMA),
            ("segments/segments.seg", SEGMENTS),
            ("customers.csv", DATA),
            ("fixtures/customers.csv", FIXTURE_CUSTOMERS),
            ("fixtures/expected.csv", expected),
        ]);
        Project { dir }
    }

    fn test(&self, extra: &[&str]) -> Command {
        let mut args = vec!["test", "--fixtures", "fixtures"];
        args.extend_from_slice(extra);
        segmint_in(self.dir.path(), &args)
    }
}

#[test]
fn expected_memberships_pass_and_population_statistics_use_the_fixture_rows() {
    // f1 is in the top 50% of the fixture rows; f2 (10: two of four rows are
    // greater) is not. Coverage: every criterion is both true and false.
    let project =
        Project::new("customer_id,german_big,french\nf1,true,false\nf2,false,\nf3,no,yes\n");
    assert_cmd_snapshot!(project.test(&[]));
}

#[test]
fn a_wrong_expectation_fails_with_exit_1_and_names_its_line() {
    let project = Project::new("customer_id,german_big\nf1,false\nf9,true\n");
    assert_cmd_snapshot!(project.test(&[]));
}

#[test]
fn uncovered_criteria_are_listed() {
    // Only German fixtures that spend the same: `country = "DE"` is never false and
    // `lifetime_value in top 50%` is true for both (a tie at the top).
    let project = Project::new("customer_id,french\nf1,false\n");
    std::fs::write(
        project.dir.path().join("fixtures/customers.csv"),
        "customer_id,country,lifetime_value\nf1,DE,5\nf2,DE,5\n",
    )
    .unwrap();
    assert_cmd_snapshot!(project.test(&[]));
}

#[test]
fn json_holds_the_fixtures_and_the_coverage() {
    let project = Project::new("customer_id,german_big\nf1,true\n");
    assert_cmd_snapshot!(project.test(&["--format", "json"]));
}

#[test]
fn an_unknown_segment_in_expected_csv_exits_2() {
    let project = Project::new("customer_id,german_bgi\nf1,true\n");
    assert_cmd_snapshot!(project.test(&[]));
}

#[test]
fn a_bad_cell_exits_2_naming_line_and_column() {
    let project = Project::new("customer_id,german_big\nf1,maybe\n");
    assert_cmd_snapshot!(project.test(&[]));
}

#[test]
fn the_example_library_fixtures_pass() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_segmint"))
        .args([
            // no --fixtures: `fixtures` of the repository's segmint.toml
            "test", "--format", "json",
        ])
        .current_dir(&root)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let fixtures = &report["fixtures"];
    assert_eq!(fixtures["failed"], 0, "{fixtures:#}");
    assert!(fixtures["passed"].as_u64().unwrap() >= 40);
    assert!(fixtures["covered"].as_u64().unwrap() >= 80);
}
