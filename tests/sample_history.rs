//! The committed sample history agrees with the committed customers at the
//! sample's as-of date (2026-06-30), checked twice: by reading the Parquet files
//! directly, and by segments over the event aggregates run through `segmint`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may fail loudly

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type, TimestampMicrosecondType};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const DAY: i64 = 86_400_000_000;
/// 2026-06-30 as days since 1970-01-01.
const AS_OF_DAY: i64 = 20_634;
const CUSTOMERS: usize = 5_000;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("segments/sample")
        .join(name)
}

fn read(name: &str) -> Vec<RecordBatch> {
    let file = File::open(sample(name)).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    reader.map(Result::unwrap).collect()
}

/// A column as plain strings.
fn strings(batch: &RecordBatch, name: &str) -> Vec<String> {
    let column = cast(batch.column_by_name(name).unwrap(), &DataType::Utf8).unwrap();
    let column = column.as_string::<i32>();
    (0..column.len())
        .map(|i| column.value(i).to_owned())
        .collect()
}

fn times(batch: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    let column = batch.column_by_name(name).unwrap();
    let column = column.as_primitive::<TimestampMicrosecondType>();
    (0..column.len())
        .map(|i| column.is_valid(i).then(|| column.value(i)))
        .collect()
}

/// What the customer table says, by customer id.
#[derive(Debug, Default, PartialEq)]
struct Facts {
    orders: i64,
    first: Option<i64>,
    last: Option<i64>,
    cents: i64,
    opens_90d: i64,
}

fn customer_facts() -> HashMap<String, (Facts, f64)> {
    let mut out = HashMap::new();
    for batch in read("customers.parquet") {
        let ids = strings(&batch, "customer_id");
        let orders = batch.column_by_name("orders_count").unwrap();
        let orders = orders.as_primitive::<Int64Type>();
        let opens = batch.column_by_name("email_opens_90d").unwrap();
        let opens = opens.as_primitive::<Int64Type>();
        let value = batch.column_by_name("lifetime_value").unwrap();
        let value = value.as_primitive::<Float64Type>();
        let (first, last) = (
            times(&batch, "first_order_at"),
            times(&batch, "last_order_at"),
        );
        for (i, id) in ids.into_iter().enumerate() {
            let facts = Facts {
                orders: orders.value(i),
                first: first[i],
                last: last[i],
                cents: (value.value(i) * 100.0).round() as i64,
                opens_90d: opens.value(i),
            };
            out.insert(id, (facts, value.value(i)));
        }
    }
    out
}

/// The same facts, counted from the event files up to the as-of date; and the
/// float sum of the amounts.
fn event_facts() -> (HashMap<String, (Facts, f64)>, usize, usize) {
    let as_of_end = (AS_OF_DAY + 1) * DAY - 1;
    let mut out: HashMap<String, (Facts, f64)> = HashMap::new();
    let (mut orders, mut email_events) = (0, 0);
    for batch in read("orders.parquet") {
        orders += batch.num_rows();
        let amount = batch.column_by_name("amount").unwrap();
        let amount = amount.as_primitive::<Float64Type>();
        let placed = times(&batch, "placed_at");
        for (i, id) in strings(&batch, "customer_id").into_iter().enumerate() {
            let at = placed[i].unwrap();
            if at > as_of_end {
                continue;
            }
            let (facts, sum) = out.entry(id).or_default();
            facts.orders += 1;
            facts.first = Some(facts.first.map_or(at, |f| f.min(at)));
            facts.last = Some(facts.last.map_or(at, |l| l.max(at)));
            facts.cents += (amount.value(i) * 100.0).round() as i64;
            *sum += amount.value(i);
        }
    }
    let window = (AS_OF_DAY - 90) * DAY..=as_of_end;
    for batch in read("email_events.parquet") {
        email_events += batch.num_rows();
        let at = times(&batch, "at");
        let kinds = strings(&batch, "kind");
        for (i, id) in strings(&batch, "customer_id").into_iter().enumerate() {
            if kinds[i] == "open" && window.contains(&at[i].unwrap()) {
                out.entry(id).or_default().0.opens_90d += 1;
            }
        }
    }
    (out, orders, email_events)
}

#[test]
fn the_event_files_agree_with_every_customer() {
    let customers = customer_facts();
    let (events, orders, email_events) = event_facts();
    assert_eq!(customers.len(), CUSTOMERS);
    assert!(events.keys().all(|id| customers.contains_key(id)));
    for (id, (facts, value)) in &customers {
        let (seen, sum) = events.get(id).map_or((Facts::default(), 0.0), |(f, s)| {
            (
                Facts {
                    orders: f.orders,
                    first: f.first,
                    last: f.last,
                    cents: f.cents,
                    opens_90d: f.opens_90d,
                },
                *s,
            )
        });
        assert_eq!(&seen, facts, "{id}");
        assert!((sum - value).abs() < 1e-6, "{id}: {sum} vs {value}");
    }
    // Ten or more events per customer, and a future to measure outcomes on.
    assert!(orders > 4 * CUSTOMERS && email_events > 10 * CUSTOMERS);
    let past: i64 = customers.values().map(|(f, _)| f.orders).sum();
    assert!(orders as i64 > past);
}

/// Segments that hold exactly when the event aggregates agree with the
/// customer row.
const AGREEMENT: &str = r#"
segment orders_agree {
  where count(orders) = orders_count
    and sum(orders.amount) - lifetime_value < 0.000001
    and lifetime_value - sum(orders.amount) < 0.000001
}

segment times_agree {
  where (orders_count = 0 and first(orders) is missing and last(orders) is missing)
    or (first(orders) = first_order_at and last(orders) = last_order_at)
}

segment opens_agree {
  where count(email_events where kind = "open" within last 90 days) = email_opens_90d
}
"#;

#[test]
fn segmint_finds_every_customer_in_agreement() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("agreement.seg"), AGREEMENT).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_segmint"))
        .current_dir(dir.path())
        .arg("stats")
        .arg(root.join("segments/schema.seg"))
        .arg(root.join("segments/events.seg"))
        .arg(dir.path().join("agreement.seg"))
        .arg("--data")
        .arg(sample("customers.parquet"))
        .arg("--events")
        .arg(format!("orders={}", sample("orders.parquet").display()))
        .arg("--events")
        .arg(format!(
            "email_events={}",
            sample("email_events.parquet").display()
        ))
        .args(["--as-of", "2026-06-30"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for segment in ["orders_agree", "times_agree", "opens_agree"] {
        let members = stdout
            .lines()
            .find_map(|l| l.strip_prefix(segment))
            .and_then(|rest| rest.split_whitespace().next());
        assert_eq!(members, Some("5000"), "{segment}:\n{stdout}");
    }
}
