//! The semantics table: `tests/eval/criteria.csv`, one criterion per line, each
//! evaluated over a one-row table by the vectorised engine and by the reference
//! interpreter; both must give the expected result.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "eval/common.rs"]
mod common;

use chrono::NaiveDate;
use segmint::plan::PlanOptions;

/// The fixed schema and the named segments and tiers the table refers to.
const SCHEMA: &str = r#"
schema customers {
  key id: string
  age: int?
  score: float?
  name: string?
  email: string?
  status: enum("new", "active", "lapsed")?
  signup_date: date?
  last_order_at: timestamp?
  tags: list<string>?
  codes: list<int>?
  opt_in: bool?
  orders_count: int?
  big: int?
}

segment adults {
  where age >= 18
}

segment opted_in {
  where opt_in
  paused
}

tiers level {
  high: score >= 100
  low: score < 10
}
"#;

struct Row {
    line: usize,
    criterion: String,
    data: serde_json::Value,
    expected: bool,
}

fn table() -> (NaiveDate, Vec<Row>) {
    let text = include_str!("eval/criteria.csv");
    let mut as_of = None;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(date) = line.strip_prefix("# as_of = ") {
            as_of = Some(date.trim().parse().unwrap());
        }
        if line.starts_with('#') || line.trim().is_empty() || line.starts_with("criterion;") {
            continue;
        }
        let parts: Vec<&str> = line.rsplitn(3, ';').collect();
        let [expected, data, criterion] = parts[..] else {
            panic!("line {}: want 3 fields", i + 1)
        };
        rows.push(Row {
            line: i + 1,
            criterion: criterion.to_string(),
            data: serde_json::from_str(data).unwrap_or_else(|e| panic!("line {}: {e}", i + 1)),
            expected: expected
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("line {}: expected true/false", i + 1)),
        });
    }
    (as_of.expect("the file starts with `# as_of = DATE`"), rows)
}

#[test]
fn criteria_table() {
    let (as_of, rows) = table();
    assert!(rows.len() > 150, "the table lost rows");
    let mut failures = Vec::new();
    for row in &rows {
        let segment = format!("segment t {{\n  where {}\n}}\n", row.criterion);
        let program = common::compile(&[("schema.seg", SCHEMA), ("t.seg", &segment)]);
        let mut data = row.data.clone();
        data["id"] = serde_json::json!("c1");
        let data = serde_json::json!([data]);
        let source = common::from_json(&program, data.as_array().unwrap(), 1);
        let options = PlanOptions {
            segments: Some(vec!["t".into()]),
            ..PlanOptions::new(as_of)
        };
        let engine = common::engine(&program, &options, &source);
        let oracle = common::oracle(&program, &options, &source);
        let got = |batch: &arrow::array::RecordBatch| {
            batch.column_by_name("t").and_then(|c| {
                c.as_any()
                    .downcast_ref::<arrow::array::BooleanArray>()
                    .map(|b| b.value(0))
            })
        };
        let (e, o) = (got(&engine), got(&oracle));
        if e != Some(row.expected) || o != Some(row.expected) {
            failures.push(format!(
                "line {}: `{}` on {} — expected {}, engine {:?}, reference {:?}",
                row.line, row.criterion, row.data, row.expected, e, o
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows fail:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
