//! Differential test of `segmint sql` against real engines: the same segments and
//! data through `segmint eval --output` and through the generated SQL must give
//! the same membership table, row for row.
//!
//! Cases: every fixture folder of `tests/eval/` and `tests/sql/` (`segments.seg`
//! with a `// as_of: DATE` line, `data.csv`, `<events>.csv`; optional header lines
//! `// segments: a, b`, `// table: NAME`, `// events: NAME=TABLE`), plus the
//! sample project (`segments/` over `segments/sample/customers.parquet`). Each
//! case's tables are written as Parquet (timestamps with a UTC zone in every other
//! case, without a zone in the rest); `segmint eval` reads those files and
//! `tests/sql/engines.py` loads them into the engine under the case's table names
//! and runs the query twice: with the as-of date written in and bound as the
//! query parameter.
//!
//! Engines: DuckDB (the `duckdb` Python package; `SEGMINT_PYTHON` names the
//! interpreter, default `python3`), PostgreSQL (`psql` and the connection string in
//! `SEGMINT_PG`), Spark (only when `SEGMINT_SPARK=1`, with `pyspark` installed; see
//! `scripts/verify-spark.sh`), and BigQuery and Snowflake by proxy: their queries
//! translated to DuckDB by `sqlglot` and run there. A missing engine skips with a message, and fails
//! the test when `CI=true`. `SEGMINT_SQL_KEEP=DIR` keeps the cases in DIR.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

#[path = "eval/common.rs"]
mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use segmint::check::ir;
use segmint::data::BatchSource;
use segmint::eval::MemorySource;

const DIALECTS: [&str; 5] = ["duckdb", "postgres", "spark", "bigquery", "snowflake"];

/// A prepared case: its folder and what `case.json` says.
struct Case {
    name: String,
    dir: PathBuf,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn segmint(cwd: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_segmint"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "segmint {args:?} failed in {}:\n{}",
        cwd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn header(seg: &str, key: &str) -> Vec<String> {
    let prefix = format!("// {key}: ");
    seg.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .map(|v| v.trim().to_string())
        .collect()
}

/// Every column of `source` as one batch, named after `schema`'s fields.
fn batch(schema: &ir::Schema, source: &MemorySource, zoned: bool) -> RecordBatch {
    let ids: Vec<ir::FieldId> = (0..schema.fields.len())
        .map(|i| ir::FieldId(i as u32))
        .collect();
    let mut columns: Vec<Vec<ArrayRef>> = vec![Vec::new(); ids.len()];
    for b in source.batches(&ids).unwrap() {
        for (i, c) in b.unwrap().columns().iter().enumerate() {
            columns[i].push(Arc::clone(c));
        }
    }
    let mut fields = Vec::new();
    let mut arrays = Vec::new();
    for (field, parts) in schema.fields.iter().zip(columns) {
        let ty = segmint::data::canonical_type(&field.ty);
        let refs: Vec<&dyn arrow::array::Array> = parts.iter().map(|a| a.as_ref()).collect();
        let mut array = if refs.is_empty() {
            arrow::array::new_empty_array(&ty)
        } else {
            arrow::compute::concat(&refs).unwrap()
        };
        if zoned && matches!(array.data_type(), DataType::Timestamp(_, _)) {
            let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()));
            array = cast(&array, &utc).unwrap();
        }
        fields.push(Field::new(&field.name, array.data_type().clone(), true));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
}

fn write_parquet(path: &Path, batch: &RecordBatch) {
    let file = fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// `segmint sql` for every dialect, with the date written in and as a parameter.
fn queries(dir: &Path, args: &[String]) -> serde_json::Value {
    let mut list = Vec::new();
    for dialect in DIALECTS {
        for parameter in [false, true] {
            let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
            argv.extend(["--dialect", dialect]);
            if parameter {
                argv.retain(|a| !a.starts_with("--as-of="));
                argv.push("--as-of-parameter");
            }
            let suffix = if parameter { "-param" } else { "" };
            let file = format!("{dialect}{suffix}.sql");
            fs::write(dir.join(&file), segmint(dir, &argv)).unwrap();
            list.push(serde_json::json!({
                "engine": dialect, "file": file, "parameter": parameter,
                "output": format!("{dialect}{suffix}.csv"),
            }));
        }
    }
    serde_json::Value::Array(list)
}

/// A fixture folder as a case in `root`.
fn fixture_case(fixture: &Path, root: &Path, zoned: bool) -> Case {
    let name = format!(
        "{}-{}",
        fixture
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy(),
        fixture.file_name().unwrap().to_string_lossy()
    );
    let dir = root.join(&name);
    fs::create_dir_all(&dir).unwrap();
    let seg = fs::read_to_string(fixture.join("segments.seg")).unwrap();
    fs::write(dir.join("segments.seg"), &seg).unwrap();
    let program = common::compile(&[("segments.seg", &seg)]);
    let csv = fs::read_to_string(fixture.join("data.csv")).unwrap();
    write_parquet(
        &dir.join("customers.parquet"),
        &batch(
            &program.schema,
            &common::from_csv(&program, &csv, 1 << 20),
            zoned,
        ),
    );
    let as_of = header(&seg, "as_of")
        .pop()
        .expect("a `// as_of: DATE` line");
    let table = header(&seg, "table")
        .pop()
        .unwrap_or(program.schema.name.clone());
    let renamed: BTreeMap<String, String> = header(&seg, "events")
        .iter()
        .map(|e| {
            let (n, t) = e.split_once('=').unwrap();
            (n.to_string(), t.to_string())
        })
        .collect();
    let mut tables = serde_json::Map::new();
    tables.insert(table.clone(), "customers.parquet".into());
    let mut eval_args = vec![
        "eval".to_string(),
        "segments.seg".into(),
        "--data".into(),
        "customers.parquet".into(),
        format!("--as-of={as_of}"),
    ];
    let mut sql_args = vec![
        "sql".to_string(),
        "segments.seg".into(),
        format!("--as-of={as_of}"),
        format!("--table={table}"),
    ];
    for events in &program.events {
        let Ok(csv) = fs::read_to_string(fixture.join(format!("{}.csv", events.name))) else {
            continue;
        };
        let schema = program.event_schema(events);
        let file = format!("events_{}.parquet", events.name);
        write_parquet(
            &dir.join(&file),
            &batch(
                &schema,
                &common::from_csv_schema(&schema, &csv, 1 << 20),
                zoned,
            ),
        );
        eval_args.push(format!("--events={}={file}", events.name));
        let table = renamed.get(&events.name).unwrap_or(&events.name);
        sql_args.push(format!("--events={}={table}", events.name));
        tables.insert(table.clone(), file.into());
    }
    for segment in header(&seg, "segments").iter().flat_map(|s| s.split(',')) {
        eval_args.push(format!("--segment={}", segment.trim()));
        sql_args.push(format!("--segment={}", segment.trim()));
    }
    eval_args.push("--output=expected.csv".into());
    let argv: Vec<&str> = eval_args.iter().map(String::as_str).collect();
    segmint(&dir, &argv);
    let manifest = serde_json::json!({
        "tables": tables, "as_of": as_of, "queries": queries(&dir, &sql_args),
    });
    fs::write(dir.join("case.json"), manifest.to_string()).unwrap();
    Case { name, dir }
}

/// The sample project, run from the repository root with its segmint.toml.
fn sample_case(root: &Path) -> Case {
    let dir = root.join("sample-project");
    fs::create_dir_all(&dir).unwrap();
    let expected = dir.join("expected.csv");
    segmint(
        &repo(),
        &["eval", &format!("--output={}", expected.display())],
    );
    let mut list = Vec::new();
    for dialect in DIALECTS {
        for parameter in [false, true] {
            let mut argv = vec!["sql", "--dialect", dialect];
            if parameter {
                argv.push("--as-of-parameter");
            }
            let suffix = if parameter { "-param" } else { "" };
            let file = format!("{dialect}{suffix}.sql");
            fs::write(dir.join(&file), segmint(&repo(), &argv)).unwrap();
            list.push(serde_json::json!({
                "engine": dialect, "file": file, "parameter": parameter,
                "output": format!("{dialect}{suffix}.csv"),
            }));
        }
    }
    let sample = |file: &str| {
        repo()
            .join("segments/sample")
            .join(file)
            .to_string_lossy()
            .into_owned()
    };
    let manifest = serde_json::json!({
        "tables": {
            "customers": sample("customers.parquet"),
            "orders": sample("orders.parquet"),
            "email_events": sample("email_events.parquet"),
        },
        "as_of": "2026-06-30",
        "queries": list,
    });
    fs::write(dir.join("case.json"), manifest.to_string()).unwrap();
    Case {
        name: "sample-project".into(),
        dir,
    }
}

fn all_cases(root: &Path) -> Vec<Case> {
    let mut fixtures = Vec::new();
    for folder in ["tests/eval", "tests/sql"] {
        for entry in fs::read_dir(repo().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.join("segments.seg").is_file() {
                fixtures.push(path);
            }
        }
    }
    fixtures.sort();
    let mut cases: Vec<Case> = fixtures
        .iter()
        .enumerate()
        .map(|(i, f)| fixture_case(f, root, i % 2 == 0))
        .collect();
    cases.push(sample_case(root));
    cases
}

fn python() -> String {
    std::env::var("SEGMINT_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Why `engine` cannot run here, if it cannot.
fn missing(engine: &str) -> Option<String> {
    let module = match engine {
        "spark" => "pyspark",
        "transpiled" => "sqlglot, duckdb",
        _ => "duckdb",
    };
    let probe = Command::new(python())
        .args(["-c", &format!("import {module}")])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return Some(format!(
            "`{} -c 'import {module}'` fails (set SEGMINT_PYTHON or pip install {module})",
            python()
        ));
    }
    match engine {
        "postgres" if std::env::var_os("SEGMINT_PG").is_none() => {
            Some("SEGMINT_PG (a libpq connection string for psql) is not set".into())
        }
        "spark" if std::env::var_os("SEGMINT_SPARK").is_none() => {
            Some("SEGMINT_SPARK is not set (scripts/verify-spark.sh sets it)".into())
        }
        _ => None,
    }
}

/// The rows of a membership CSV, sorted, with the header first.
fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut all: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    if !all.is_empty() {
        all[1..].sort();
    }
    all
}

/// Whether `engine` runs query `q` of a case: `transpiled` runs the BigQuery and
/// Snowflake queries with the date written in (through sqlglot, on DuckDB).
fn runs_on(engine: &str, q: &serde_json::Value) -> bool {
    match engine {
        "transpiled" => {
            (q["engine"] == "bigquery" || q["engine"] == "snowflake") && q["parameter"] == false
        }
        _ => q["engine"] == engine,
    }
}

/// Compares every query of `engine`; returns the number of rows compared.
fn compare(engine: &str, cases: &[Case]) -> usize {
    let mut compared = 0;
    let mut failures = Vec::new();
    for case in cases {
        let expected = rows(&case.dir.join("expected.csv"));
        let manifest: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(case.dir.join("case.json")).unwrap()).unwrap();
        for q in manifest["queries"].as_array().unwrap() {
            if !runs_on(engine, q) {
                continue;
            }
            let actual = rows(&case.dir.join(q["output"].as_str().unwrap()));
            if actual == expected {
                compared += expected.len().saturating_sub(1);
                continue;
            }
            let differing: Vec<String> = actual
                .iter()
                .filter(|r| !expected.contains(r))
                .take(5)
                .map(|r| format!("  sql:  {}", r.join(",")))
                .chain(
                    expected
                        .iter()
                        .filter(|r| !actual.contains(r))
                        .take(5)
                        .map(|r| format!("  eval: {}", r.join(","))),
                )
                .collect();
            failures.push(format!(
                "{} {}: {} rows from SQL, {} from eval\n{}",
                case.name,
                q["file"].as_str().unwrap(),
                actual.len().saturating_sub(1),
                expected.len().saturating_sub(1),
                differing.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{engine} disagrees with segmint eval:\n{}",
        failures.join("\n")
    );
    compared
}

fn run_engine(engine: &str) {
    if let Some(reason) = missing(engine) {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!ci, "{engine} is required when CI=true: {reason}");
        eprintln!("SKIPPED: the {engine} differential test ({reason})");
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let root = std::env::var_os("SEGMINT_SQL_KEEP")
        .map(|d| PathBuf::from(d).join(engine))
        .unwrap_or_else(|| temp.path().to_path_buf());
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root).unwrap();
    let cases = all_cases(&root);
    let script = repo().join("tests/sql/engines.py");
    let out = Command::new(python())
        .arg(&script)
        .arg(engine)
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{engine}: engines.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let compared = compare(engine, &cases);
    eprintln!("{engine}: {compared} rows agree over {} cases", cases.len());
    assert!(compared > 0, "no rows compared");
}

#[test]
fn duckdb_agrees_with_eval() {
    run_engine("duckdb");
}

#[test]
fn postgres_agrees_with_eval() {
    run_engine("postgres");
}

/// BigQuery and Snowflake cannot be reached here: their queries are translated to
/// DuckDB by sqlglot and run there (docs/sql.md says what this does and does not show).
#[test]
fn bigquery_and_snowflake_through_sqlglot_agree_with_eval() {
    run_engine("transpiled");
}

#[test]
fn spark_agrees_with_eval() {
    if std::env::var_os("SEGMINT_SPARK").is_none() {
        eprintln!("SKIPPED: Spark runs only from scripts/verify-spark.sh (SEGMINT_SPARK=1)");
        return;
    }
    run_engine("spark");
}
