//! The sample's event tables as Arrow: their schemas, and the columns of one
//! batch being filled (the key, the time, an amount for orders, and one enum).

use std::sync::Arc;

use arrow::array::{ArrayRef, DictionaryArray, Float64Array, Int32Array, StringBuilder};
use arrow::array::{StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;

use super::email::KINDS;
use super::orders::CHANNELS;

fn dict() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The orders table: `customer_id`, `placed_at` (UTC), `amount` (EUR, whole
/// cents), `channel` (`web`, `app`, `store`); see `segments/events.seg`.
pub fn orders_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Utf8, false),
        Field::new("placed_at", timestamp(), false),
        Field::new("amount", DataType::Float64, false),
        Field::new("channel", dict(), false),
    ]))
}

/// The e-mail events table: `customer_id`, `at` (UTC), `kind` (`sent`,
/// `open`, `click`); see `segments/events.seg`.
pub fn email_events_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Utf8, false),
        Field::new("at", timestamp(), false),
        Field::new("kind", dict(), false),
    ]))
}

/// The rows of one event batch being filled.
pub(crate) struct EventColumns {
    schema: SchemaRef,
    /// The enum's values (`CHANNELS` or `KINDS`).
    values: ArrayRef,
    ids: StringBuilder,
    times: Vec<i64>,
    /// Cents, for orders only.
    cents: Option<Vec<i64>>,
    kinds: Vec<i32>,
}

impl EventColumns {
    /// Empty order rows.
    pub(crate) fn orders() -> EventColumns {
        EventColumns::new(orders_schema(), CHANNELS, Some(Vec::new()))
    }

    /// Empty e-mail event rows.
    pub(crate) fn email_events() -> EventColumns {
        EventColumns::new(email_events_schema(), KINDS, None)
    }

    fn new(schema: SchemaRef, values: &[&str], cents: Option<Vec<i64>>) -> EventColumns {
        EventColumns {
            schema,
            values: Arc::new(StringArray::from(values.to_vec())),
            ids: StringBuilder::new(),
            times: Vec::new(),
            cents,
            kinds: Vec::new(),
        }
    }

    /// Rows so far.
    pub(crate) fn len(&self) -> usize {
        self.times.len()
    }

    /// Adds one row; `cents` is ignored for a table without an amount.
    pub(crate) fn push(&mut self, id: &str, at: i64, cents: i64, kind: usize) {
        self.ids.append_value(id);
        self.times.push(at);
        if let Some(c) = self.cents.as_mut() {
            c.push(cents);
        }
        self.kinds.push(kind as i32);
    }

    /// The rows so far as a batch; the columns start empty again.
    pub(crate) fn take(&mut self) -> Option<RecordBatch> {
        let times = TimestampMicrosecondArray::from(std::mem::take(&mut self.times));
        let kinds = Int32Array::from(std::mem::take(&mut self.kinds));
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.ids.finish()),
            Arc::new(times.with_timezone("UTC")),
        ];
        if let Some(cents) = self.cents.as_mut() {
            let amounts: Float64Array = cents.drain(..).map(|c| c as f64 / 100.0).collect();
            columns.push(Arc::new(amounts));
        }
        columns.push(Arc::new(DictionaryArray::<Int32Type>::new(
            kinds,
            Arc::clone(&self.values),
        )));
        RecordBatch::try_new(Arc::clone(&self.schema), columns).ok()
    }
}
