//! `segmint sql`: the generated query of the example library (`segments/`) for
//! every dialect, and the command's output and exit codes (snapshots record the
//! exit code, stdout and stderr). Whether the queries give the right rows is
//! `tests/sql_engines.rs`.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

const DIALECTS: [&str; 5] = ["duckdb", "postgres", "spark", "bigquery", "snowflake"];

/// `segmint ARGS` in `dir`.
fn segmint(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segmint"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    command
}

#[test]
fn example_library_per_dialect() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dialect in DIALECTS {
        let out = segmint(repo, &["sql", "--dialect", dialect])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let query = String::from_utf8(out.stdout).unwrap();
        insta::assert_snapshot!(format!("example_library_{dialect}"), query);
    }
}

const SEGMENTS: &str = r#"schema customers {
  key id: string
  email: string?
  last_order_at: timestamp?
  tags: list<string>
}

events orders {
  key id
  time placed_at: timestamp
  amount: float
}

segment recent {
  where last_order_at within last 1 month and tags has "vip"
}

segment gmail {
  where email matches "@gmail\\.com$"
}

segment spenders {
  where sum(orders.amount within last 90 days) in top 10%
}
"#;

/// A folder holding `segments.seg` (the text above plus `extra`).
fn project(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("segments.seg"),
        format!("{SEGMENTS}{extra}"),
    )
    .unwrap();
    dir
}

#[test]
fn as_of_parameter_per_dialect() {
    let dir = project("");
    let mut all = String::new();
    for dialect in DIALECTS {
        let args = [
            "sql",
            "segments.seg",
            "--dialect",
            dialect,
            "--as-of-parameter",
        ];
        let out = segmint(dir.path(), &args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let query = String::from_utf8(out.stdout).unwrap();
        let params = query.lines().nth(2).unwrap();
        all.push_str(&format!("{dialect}: {}\n", params.trim()));
    }
    insta::assert_snapshot!(all);
}

/// Snapshots `segmint sql segments.seg ARGS` over the project plus `extra` as `name`.
fn snapshot(name: &str, extra: &str, args: &[&str]) {
    let dir = project(extra);
    let mut argv = vec!["sql", "segments.seg"];
    argv.extend(args);
    assert_cmd_snapshot!(name, segmint(dir.path(), &argv));
}

#[test]
fn table_names_and_segment_selection() {
    let args = [
        "--dialect",
        "spark",
        "--as-of",
        "2024-03-31",
        "--table",
        "crm.cust`omers; drop",
        "--events",
        "orders=shop.order items",
        "--segment",
        "spenders",
    ];
    snapshot("table_names_and_segment_selection", "", &args);
}

#[test]
fn regex_an_engine_cannot_express_exits_2() {
    let word = "segment word {\n  where email matches \"\\\\bvip\\\\b\"\n}\n";
    let args = ["--dialect", "postgres"];
    snapshot("regex_an_engine_cannot_express_exits_2", word, &args);
}

#[test]
fn unknown_segment_exits_2() {
    let args = ["--dialect", "duckdb", "--segment", "nope"];
    snapshot("unknown_segment_exits_2", "", &args);
}

#[test]
fn unknown_events_table_exits_2() {
    let args = ["--dialect", "duckdb", "--events", "visits=v"];
    snapshot("unknown_events_table_exits_2", "", &args);
}

#[test]
fn missing_dialect_exits_2() {
    snapshot("missing_dialect_exits_2", "", &[]);
}

#[test]
fn as_of_and_as_of_parameter_conflict_exits_2() {
    let args = [
        "--dialect",
        "duckdb",
        "--as-of",
        "2024-03-31",
        "--as-of-parameter",
    ];
    snapshot("as_of_and_as_of_parameter_conflict_exits_2", "", &args);
}

#[test]
fn segments_that_do_not_compile_exit_1() {
    let broken = "segment broken {\n  where agee > 3\n}\n";
    snapshot(
        "segments_that_do_not_compile_exit_1",
        broken,
        &["--dialect", "duckdb"],
    );
}

#[test]
fn help() {
    let dir = project("");
    assert_cmd_snapshot!(segmint(dir.path(), &["sql", "--help"]));
}
