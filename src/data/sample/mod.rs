//! A deterministic sample customer table for demos, tests and benchmarks.
//!
//! Takes a row count, a seed and a batch size; gives record batches of a
//! realistic CRM customer table whose schema matches `segments/schema.seg`
//! (see [`sample_schema`]), as of 2026-06-30. The same seed always gives the same
//! rows, whatever the batch size, on every machine. Low-cardinality text columns
//! are dictionary-encoded, so ten million rows take seconds in a release build.
//!
//! [`generate_with_history`] also gives the customers' event history, batch by
//! batch: an orders table that agrees with each customer row at the as-of date
//! and goes on after it, and an e-mail events table (see [`orders_schema`] and
//! [`email_events_schema`]).

mod customer;
mod email;
mod events;
mod history;
mod orders;
mod rng;
mod tables;

pub use events::{email_events_schema, orders_schema};
pub use history::{History, SampleBatch, generate_with_history};

use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int32Array, Int64Array,
    ListBuilder, StringArray, StringBuilder, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;

use customer::{Customer, TAGS, Tables};
use rng::Rng;
use tables::*;

/// The sample's as-of date (`--as-of` for segments over the sample).
pub const SAMPLE_AS_OF: &str = "2026-06-30";

/// The Arrow schema of the sample table: the fields of `segments/schema.seg`, in
/// order. Enums and low-cardinality strings are `Dictionary(Int32, Utf8)`;
/// timestamps are microseconds in UTC.
pub fn sample_schema() -> SchemaRef {
    let dict = || DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let timestamp = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let list = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Utf8, false),
        Field::new("email", DataType::Utf8, true),
        Field::new("first_name", dict(), true),
        Field::new("country", dict(), false),
        Field::new("city", dict(), true),
        Field::new("age", DataType::Int64, true),
        Field::new("gender", dict(), false),
        Field::new("signup_date", DataType::Date32, false),
        Field::new("status", dict(), false),
        Field::new("rejection_reason", dict(), true),
        Field::new("lead_source", dict(), false),
        Field::new("device", dict(), false),
        Field::new("os", dict(), true),
        Field::new("app_installed", DataType::Boolean, false),
        Field::new("orders_count", DataType::Int64, false),
        Field::new("first_order_at", timestamp.clone(), true),
        Field::new("last_order_at", timestamp.clone(), true),
        Field::new("lifetime_value", DataType::Float64, false),
        Field::new("avg_order_value", DataType::Float64, true),
        Field::new("email_opens_90d", DataType::Int64, false),
        Field::new("page_clicks_30d", DataType::Int64, false),
        Field::new("sessions_to_purchase", DataType::Int64, true),
        Field::new("tags", list.clone(), false),
        Field::new("interests", list, false),
        Field::new("newsletter_opt_in", DataType::Boolean, false),
        Field::new("last_seen_at", timestamp, true),
    ]))
}

/// `rows` sample customers in batches of `batch_rows` (at least 1), drawn from
/// `seed`. Deterministic: the same seed gives the same rows.
pub fn generate(rows: usize, seed: u64, batch_rows: usize) -> impl Iterator<Item = RecordBatch> {
    let batch_rows = batch_rows.max(1);
    let mut generator = Generator::new(seed);
    let mut done = 0usize;
    std::iter::from_fn(move || {
        if done >= rows {
            return None;
        }
        let n = batch_rows.min(rows - done);
        let batch = generator.batch(done, n);
        done += n;
        batch
    })
}

/// The random stream and the lookup tables, kept across batches.
struct Generator {
    seed: u64,
    rng: Rng,
    tables: Tables,
    schema: SchemaRef,
    values: Values,
}

/// The dictionary values of each dictionary column, built once.
struct Values {
    names: ArrayRef,
    countries: ArrayRef,
    cities: ArrayRef,
    genders: ArrayRef,
    statuses: ArrayRef,
    reasons: ArrayRef,
    leads: ArrayRef,
    devices: ArrayRef,
    oses: ArrayRef,
}

fn strings(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let tables = Tables::new();
        let countries: Vec<&str> = COUNTRIES.iter().map(|c| c.0).collect();
        let values = Values {
            names: strings(&tables.names),
            countries: strings(&countries),
            cities: strings(&tables.cities),
            genders: strings(GENDERS),
            statuses: strings(STATUSES),
            reasons: strings(REJECTION_REASONS),
            leads: strings(LEAD_SOURCES),
            devices: strings(DEVICES),
            oses: strings(OSES),
        };
        Generator {
            seed,
            rng: Rng::new(seed),
            tables,
            schema: sample_schema(),
            values,
        }
    }

    /// Rows `first..first + n` (0-based) as one batch.
    fn batch(&mut self, first: usize, n: usize) -> Option<RecordBatch> {
        let customers = self.draw(n);
        self.record_batch(first, &customers)
    }

    /// The next `n` customers.
    fn draw(&mut self, n: usize) -> Vec<Customer> {
        (0..n)
            .map(|_| customer::draw(&mut self.rng, &self.tables))
            .collect()
    }

    /// `customers`, rows `first..`, as one batch.
    fn record_batch(&self, first: usize, customers: &[Customer]) -> Option<RecordBatch> {
        let columns = self.columns(first, customers);
        RecordBatch::try_new(Arc::clone(&self.schema), columns).ok()
    }

    fn columns(&self, first: usize, rows: &[Customer]) -> Vec<ArrayRef> {
        let v = &self.values;
        let dict = |values: &ArrayRef, key: &dyn Fn(&Customer) -> Option<usize>| -> ArrayRef {
            let keys: Int32Array = rows.iter().map(|c| key(c).map(|k| k as i32)).collect();
            Arc::new(DictionaryArray::<Int32Type>::new(keys, Arc::clone(values)))
        };
        let ints = |f: &dyn Fn(&Customer) -> Option<i64>| -> ArrayRef {
            Arc::new(rows.iter().map(f).collect::<Int64Array>())
        };
        let times = |f: &dyn Fn(&Customer) -> Option<i64>| -> ArrayRef {
            let array: TimestampMicrosecondArray = rows.iter().map(f).collect();
            Arc::new(array.with_timezone("UTC"))
        };
        let bools = |f: &dyn Fn(&Customer) -> bool| -> ArrayRef {
            Arc::new(rows.iter().map(|c| Some(f(c))).collect::<BooleanArray>())
        };
        vec![
            customer_ids(first, rows.len()),
            emails(rows, &self.tables.names),
            dict(&v.names, &|c| c.first_name),
            dict(&v.countries, &|c| Some(c.country)),
            dict(&v.cities, &|c| c.city),
            ints(&|c| c.age),
            dict(&v.genders, &|c| Some(c.gender)),
            Arc::new(
                rows.iter()
                    .map(|c| Some(c.signup_date))
                    .collect::<Date32Array>(),
            ),
            dict(&v.statuses, &|c| Some(c.status)),
            dict(&v.reasons, &|c| c.rejection_reason),
            dict(&v.leads, &|c| Some(c.lead_source)),
            dict(&v.devices, &|c| Some(c.device)),
            dict(&v.oses, &|c| c.os),
            bools(&|c| c.app_installed),
            ints(&|c| Some(c.orders_count)),
            times(&|c| c.first_order_at),
            times(&|c| c.last_order_at),
            Arc::new(
                rows.iter()
                    .map(|c| Some(c.lifetime_value))
                    .collect::<Float64Array>(),
            ),
            Arc::new(
                rows.iter()
                    .map(|c| c.avg_order_value)
                    .collect::<Float64Array>(),
            ),
            ints(&|c| Some(c.email_opens_90d)),
            ints(&|c| Some(c.page_clicks_30d)),
            ints(&|c| c.sessions_to_purchase),
            string_lists(rows, TAGS, |c| u16::from(c.tags)),
            string_lists(rows, INTERESTS, |c| c.interests),
            bools(&|c| c.newsletter_opt_in),
            times(&|c| c.last_seen_at),
        ]
    }
}

/// `C0000001`, `C0000002`, … (row numbers are 1-based; 7 digits, more if needed).
fn customer_ids(first: usize, n: usize) -> ArrayRef {
    let mut out = StringBuilder::with_capacity(n, n * 8);
    let mut id = String::with_capacity(16);
    for row in first..first + n {
        customer_id(&mut id, row);
        out.append_value(&id);
    }
    Arc::new(out.finish())
}

/// Writes the key of 0-based row `row` into `id`.
fn customer_id(id: &mut String, row: usize) {
    id.clear();
    let _ = write!(id, "C{:07}", row + 1);
}

/// `anna.k482@gmail.com`, `user9127@acme.com`; malformed ones lack the `@`.
fn emails(rows: &[Customer], names: &[&str]) -> ArrayRef {
    let mut out = StringBuilder::with_capacity(rows.len(), rows.len() * 22);
    let mut text = String::with_capacity(48);
    for email in rows.iter().map(|c| c.email.as_ref()) {
        let Some(e) = email else {
            out.append_null();
            continue;
        };
        text.clear();
        match e.name.and_then(|i| names.get(i)) {
            Some(name) => {
                text.extend(name.chars().flat_map(char::to_lowercase));
                text.push('.');
                text.push(char::from(b'a' + e.initial % 26));
            }
            None => text.push_str("user"),
        }
        let _ = write!(text, "{}", e.number);
        if !e.malformed {
            text.push('@');
        }
        text.push_str(EMAIL_DOMAINS.get(e.domain).map_or("example.com", |d| d.0));
        out.append_value(&text);
    }
    Arc::new(out.finish())
}

/// A list column from a bit set per row (bit i = `vocabulary[i]`).
fn string_lists(
    rows: &[Customer],
    vocabulary: &[&str],
    bits: impl Fn(&Customer) -> u16,
) -> ArrayRef {
    let mut out = ListBuilder::new(StringBuilder::new());
    for row in rows {
        let set = bits(row);
        for (i, word) in vocabulary.iter().enumerate() {
            if set & (1 << i) != 0 {
                out.values().append_value(word);
            }
        }
        out.append(true);
    }
    Arc::new(out.finish())
}
