//! The sample customers with their event history, streamed: each batch of
//! customers comes first, then their orders and e-mail events in batches of
//! about [`EVENT_BATCH_ROWS`] rows (a customer's events are never split), so
//! memory stays bounded whatever the row count. Each customer's events are drawn from a stream of their own (seed,
//! row, table), so they depend neither on the batch size nor on which tables
//! are asked for, and the customer rows are the ones [`super::generate`] gives.

use std::collections::VecDeque;

use arrow::record_batch::RecordBatch;

use super::customer::Customer;
use super::events::EventColumns;
use super::rng::Rng;
use super::{Generator, customer_id, email, orders};

/// Rows per event batch: a batch is given out once it has this many.
pub const EVENT_BATCH_ROWS: usize = 64 * 1024;
/// Which random stream each event table draws from.
const ORDERS_STREAM: u64 = 1;
const EMAIL_STREAM: u64 = 2;

/// The event tables to generate along with the customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    /// One row per order ([`super::orders_schema`]).
    pub orders: bool,
    /// One row per e-mail sent, opened or clicked ([`super::email_events_schema`]).
    pub email_events: bool,
}

/// One batch of one of the sample's tables.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleBatch {
    /// Customers, in row order.
    Customers(RecordBatch),
    /// Orders of customers already given, grouped by customer, in time order.
    Orders(RecordBatch),
    /// E-mail events of customers already given, grouped by customer, in time order.
    EmailEvents(RecordBatch),
}

/// `rows` sample customers in batches of `batch_rows` (at least 1), drawn from
/// `seed`, and the event tables `history` asks for. Deterministic: the same
/// seed gives the same rows in every table.
pub fn generate_with_history(
    rows: usize,
    seed: u64,
    batch_rows: usize,
    history: History,
) -> impl Iterator<Item = SampleBatch> {
    let mut stream = Stream {
        generator: Generator::new(seed),
        rows,
        batch_rows: batch_rows.max(1),
        drawn: 0,
        pending: Vec::new(),
        first: 0,
        cursor: 0,
        orders: history.orders.then(EventColumns::orders),
        email: history.email_events.then(EventColumns::email_events),
        ready: VecDeque::new(),
        id: String::with_capacity(16),
    };
    std::iter::from_fn(move || stream.next())
}

/// Where the stream stands.
struct Stream {
    generator: Generator,
    rows: usize,
    batch_rows: usize,
    /// Customers drawn so far.
    drawn: usize,
    /// The last batch of customers, whose events are being generated.
    pending: Vec<Customer>,
    /// The row of `pending[0]`.
    first: usize,
    /// The next customer of `pending` to generate events for.
    cursor: usize,
    orders: Option<EventColumns>,
    email: Option<EventColumns>,
    /// Full batches not given out yet.
    ready: VecDeque<SampleBatch>,
    id: String,
}

impl Stream {
    fn next(&mut self) -> Option<SampleBatch> {
        loop {
            if let Some(batch) = self.ready.pop_front() {
                return Some(batch);
            }
            if self.cursor < self.pending.len() {
                self.events_until_a_batch_is_full();
            } else if self.drawn < self.rows {
                return self.customers();
            } else if !self.flush() {
                return None;
            }
        }
    }

    /// The next batch of customers; their events come next.
    fn customers(&mut self) -> Option<SampleBatch> {
        let n = self.batch_rows.min(self.rows - self.drawn);
        let customers = self.generator.draw(n);
        let batch = self.generator.record_batch(self.drawn, &customers)?;
        self.pending = customers;
        self.first = self.drawn;
        self.cursor = 0;
        self.drawn += n;
        Some(SampleBatch::Customers(batch))
    }

    /// Generates the pending customers' events until a table's batch is full
    /// or the customers are done.
    fn events_until_a_batch_is_full(&mut self) {
        let seed = self.generator.seed;
        while let Some(customer) = self.pending.get(self.cursor) {
            let row = self.first + self.cursor;
            self.cursor += 1;
            customer_id(&mut self.id, row);
            if let Some(columns) = self.orders.as_mut() {
                let mut rng = Rng::derived(seed, row as u64, ORDERS_STREAM);
                for order in orders::orders(customer, &mut rng) {
                    columns.push(&self.id, order.at, order.cents, order.channel);
                }
                if columns.len() >= EVENT_BATCH_ROWS {
                    self.ready.extend(columns.take().map(SampleBatch::Orders));
                }
            }
            if let Some(columns) = self.email.as_mut() {
                let mut rng = Rng::derived(seed, row as u64, EMAIL_STREAM);
                for (at, kind) in email::email_events(customer, &mut rng) {
                    columns.push(&self.id, at, 0, kind);
                }
                if columns.len() >= EVENT_BATCH_ROWS {
                    self.ready
                        .extend(columns.take().map(SampleBatch::EmailEvents));
                }
            }
            if !self.ready.is_empty() {
                return;
            }
        }
    }

    /// Queues the last, partly filled event batches; false when there are none.
    fn flush(&mut self) -> bool {
        if let Some(columns) = self.orders.as_mut().filter(|c| c.len() > 0) {
            self.ready.extend(columns.take().map(SampleBatch::Orders));
        }
        if let Some(columns) = self.email.as_mut().filter(|c| c.len() > 0) {
            self.ready
                .extend(columns.take().map(SampleBatch::EmailEvents));
        }
        !self.ready.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use arrow::compute::concat_batches;

    use super::super::customer::{AS_OF_DAY, AS_OF_END, MICROS_PER_DAY};
    use super::super::email::HISTORY_START;
    use super::super::orders::HORIZON_END;
    use super::super::{email_events_schema, generate, orders_schema, sample_schema};
    use super::*;

    const BOTH: History = History {
        orders: true,
        email_events: true,
    };

    /// Each table of `generate_with_history`, concatenated.
    fn tables(rows: usize, seed: u64, batch_rows: usize) -> [RecordBatch; 3] {
        let (mut customers, mut orders, mut email) = (Vec::new(), Vec::new(), Vec::new());
        for batch in generate_with_history(rows, seed, batch_rows, BOTH) {
            match batch {
                SampleBatch::Customers(b) => customers.push(b),
                SampleBatch::Orders(b) => orders.push(b),
                SampleBatch::EmailEvents(b) => email.push(b),
            }
        }
        [
            concat_batches(&sample_schema(), &customers).unwrap(),
            concat_batches(&orders_schema(), &orders).unwrap(),
            concat_batches(&email_events_schema(), &email).unwrap(),
        ]
    }

    #[test]
    fn history_is_deterministic_whatever_the_batch_size() {
        let a = tables(1_500, 5, 400);
        let b = tables(1_500, 5, 1_500);
        assert_eq!(a, b);
        assert_ne!(a[1], tables(1_500, 6, 400)[1]);
        let alone: Vec<RecordBatch> = generate(1_500, 5, 1_500).collect();
        assert_eq!(a[0], concat_batches(&sample_schema(), &alone).unwrap());
        assert!(a[1].num_rows() > 1_500 && a[2].num_rows() > 15_000);
    }

    #[test]
    fn only_the_tables_asked_for_are_generated() {
        let orders_only = History {
            orders: true,
            email_events: false,
        };
        let batches: Vec<SampleBatch> = generate_with_history(300, 1, 100, orders_only).collect();
        assert!(
            !batches
                .iter()
                .any(|b| matches!(b, SampleBatch::EmailEvents(_)))
        );
        assert!(batches.iter().any(|b| matches!(b, SampleBatch::Orders(_))));
        assert_eq!(generate_with_history(0, 1, 100, BOTH).count(), 0);
    }

    /// A customer, its orders and its e-mail events.
    type Row = (Customer, Vec<orders::Order>, Vec<(i64, usize)>);

    /// Customers and their generated events, drawn directly.
    fn history(rows: usize, seed: u64) -> Vec<Row> {
        let mut generator = Generator::new(seed);
        let customers = generator.draw(rows);
        customers
            .into_iter()
            .enumerate()
            .map(|(row, c)| {
                let o = orders::orders(&c, &mut Rng::derived(seed, row as u64, ORDERS_STREAM));
                let e = email::email_events(&c, &mut Rng::derived(seed, row as u64, EMAIL_STREAM));
                (c, o, e)
            })
            .collect()
    }

    #[test]
    fn orders_agree_with_the_customer_at_the_as_of_date() {
        for (c, orders, _) in history(5_000, 11) {
            let past: Vec<&orders::Order> = orders.iter().filter(|o| o.at <= AS_OF_END).collect();
            assert_eq!(past.len() as i64, c.orders_count);
            assert_eq!(past.first().map(|o| o.at), c.first_order_at);
            assert_eq!(past.iter().map(|o| o.at).max(), c.last_order_at);
            let cents: i64 = past.iter().map(|o| o.cents).sum();
            assert_eq!(cents, (c.lifetime_value * 100.0).round() as i64);
            assert!(orders.windows(2).all(|w| w[0].at <= w[1].at));
            assert!(orders.iter().all(|o| o.at <= HORIZON_END && o.cents > 0));
        }
    }

    #[test]
    fn email_opens_agree_with_the_customer_at_the_as_of_date() {
        let window = (i64::from(AS_OF_DAY) - 90) * MICROS_PER_DAY..=AS_OF_END;
        let start = i64::from(HISTORY_START) * MICROS_PER_DAY;
        for (c, _, events) in history(5_000, 12) {
            let opens = events
                .iter()
                .filter(|(at, kind)| *kind == 1 && window.contains(at))
                .count();
            assert_eq!(opens as i64, c.email_opens_90d);
            assert!(c.usable_email() || events.is_empty());
            let sends = events.iter().filter(|(_, kind)| *kind == 0).count();
            assert!(!c.newsletter_opt_in || !c.usable_email() || sends > 10);
            assert!(events.windows(2).all(|w| w[0] <= w[1]));
            assert!(
                events
                    .iter()
                    .all(|(at, _)| (start..=HORIZON_END).contains(at))
            );
        }
    }

    /// Mean spend in the 180 days after the as-of date of the customers `pick`
    /// chooses, over the mean of everyone.
    fn lift(all: &[Row], pick: impl Fn(&Customer) -> bool) -> f64 {
        let next = AS_OF_END..=AS_OF_END + 180 * MICROS_PER_DAY;
        let spend = |orders: &[orders::Order]| -> f64 {
            orders
                .iter()
                .filter(|o| next.contains(&o.at))
                .map(|o| o.cents as f64)
                .sum()
        };
        let mean = |rows: Vec<f64>| rows.iter().sum::<f64>() / rows.len().max(1) as f64;
        let members = mean(
            all.iter()
                .filter(|r| pick(&r.0))
                .map(|r| spend(&r.1))
                .collect(),
        );
        members / mean(all.iter().map(|r| spend(&r.1)).collect())
    }

    /// The value at which `share` of the customers have a higher one.
    fn top(all: &[Row], f: impl Fn(&Customer) -> f64, share: f64) -> f64 {
        let mut values: Vec<f64> = all.iter().map(|r| f(&r.0)).collect();
        values.sort_by(f64::total_cmp);
        values[((1.0 - share) * values.len() as f64) as usize]
    }

    #[test]
    fn recent_frequent_big_buyers_keep_buying_and_lapsed_ones_do_not() {
        let all = history(20_000, 1);
        let day = |t: Option<i64>| t.map_or(-1e9, |t| (t / MICROS_PER_DAY) as f64);
        let as_of = f64::from(AS_OF_DAY);
        let frequent = top(&all, |c| c.orders_count as f64, 0.4);
        let valuable = top(&all, |c| c.lifetime_value, 0.2);
        let champions = lift(&all, |c| {
            day(c.last_order_at) >= as_of - 30.0
                && c.orders_count as f64 >= frequent
                && c.lifetime_value >= valuable
        });
        let good_value = top(&all, |c| c.lifetime_value, 0.4);
        let at_risk = lift(&all, |c| {
            c.orders_count as f64 >= frequent
                && c.lifetime_value >= good_value
                && day(c.last_order_at) < as_of - 90.0
        });
        let lapsed = lift(&all, |c| {
            c.orders_count >= 1 && day(c.last_order_at) < as_of - 180.0
        });
        assert!(champions >= 2.0, "{champions}");
        assert!(at_risk < 1.0, "{at_risk}");
        assert!(lapsed < 0.5, "{lapsed}");
    }
}
