//! One sample customer's orders. The orders up to the as-of date agree with the
//! customer row: `orders_count` of them, the earliest at `first_order_at`, the
//! latest at `last_order_at`, amounts that add up to `lifetime_value` to the
//! cent. The orders after it (until [`HORIZON_END`]) follow how recently and how
//! often the customer bought: recent, frequent buyers keep buying; customers
//! quiet for several of their usual gaps have mostly stopped.

use super::customer::{AS_OF_END, Customer, IN_WORKS, MICROS_PER_DAY, REJECTED};
use super::rng::Rng;

/// `channel` values, in declaration order.
pub(crate) const CHANNELS: &[&str] = &["web", "app", "store"];
/// The last microsecond of 2026-12-31: the sample's future ends there.
pub(crate) const HORIZON_END: i64 = (20_818 + 1) * MICROS_PER_DAY - 1;
/// A customer's orders past this many are not generated (a whale's future).
const MAX_FUTURE_ORDERS: usize = 400;

/// One order: when, how much (in cents) and where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Order {
    pub at: i64,
    pub cents: i64,
    pub channel: usize,
}

/// The customer's orders in time order: the past ones, then the future ones.
pub(crate) fn orders(customer: &Customer, rng: &mut Rng) -> Vec<Order> {
    let favourite = rng.weighted(if customer.app_installed {
        &[35, 55, 10]
    } else {
        &[75, 10, 15]
    });
    let channel = |rng: &mut Rng| {
        if rng.chance(0.75) {
            favourite
        } else {
            rng.weighted(&[50, 35, 15])
        }
    };
    let times = past_times(customer, rng);
    let total = (customer.lifetime_value * 100.0).round() as i64;
    let cents = split_cents(rng, total, times.len());
    let mut out: Vec<Order> = times
        .into_iter()
        .zip(cents)
        .map(|(at, cents)| Order {
            at,
            cents,
            channel: channel(rng),
        })
        .collect();
    for (at, cents) in future(customer, rng) {
        let channel = channel(rng);
        out.push(Order { at, cents, channel });
    }
    out
}

/// `orders_count` times: the first and last order, the others in between.
fn past_times(customer: &Customer, rng: &mut Rng) -> Vec<i64> {
    let (Some(first), Some(last)) = (customer.first_order_at, customer.last_order_at) else {
        return Vec::new();
    };
    let n = customer.orders_count.max(1) as usize;
    if n == 1 {
        return vec![first];
    }
    let seconds = (last - first).max(0) / 1_000_000;
    let mut times: Vec<i64> = (0..n - 2)
        .map(|_| first + rng.between(0, seconds) * 1_000_000)
        .collect();
    times.push(first);
    times.push(last.max(first));
    times.sort_unstable();
    times
}

/// `total` cents split into `n` amounts that add up to it exactly (at least a
/// cent each when there is enough), around an even split.
fn split_cents(rng: &mut Rng, total: i64, n: usize) -> Vec<i64> {
    if n == 0 {
        return Vec::new();
    }
    let floor = i64::from(total >= n as i64);
    let rest = total - floor * n as i64;
    let weights: Vec<f64> = (0..n).map(|_| (0.35 * rng.normal()).exp()).collect();
    let sum: f64 = weights.iter().sum();
    let mut cents: Vec<i64> = weights
        .iter()
        .map(|w| floor + (rest as f64 * w / sum).floor() as i64)
        .collect();
    let short = total - cents.iter().sum::<i64>();
    for i in 0..short.max(0) as usize {
        if let Some(c) = cents.get_mut(i % n) {
            *c += 1;
        }
    }
    cents
}

/// Orders after the as-of date: (time, cents), in time order.
fn future(customer: &Customer, rng: &mut Rng) -> Vec<(i64, i64)> {
    let Some(outlook) = outlook(customer, rng) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut at = AS_OF_END;
    while out.len() < MAX_FUTURE_ORDERS {
        let wait = rng.exponential(outlook.gap_days * MICROS_PER_DAY as f64) as i64;
        at = at.saturating_add(wait.max(1_000_000));
        if at > HORIZON_END {
            break;
        }
        let at = at - at % 1_000_000;
        let cents = (outlook.basket_cents * (0.3 * rng.normal()).exp()).round() as i64;
        out.push((at.max(AS_OF_END + 1), cents.max(1)));
    }
    out
}

/// How a customer who still buys goes on buying.
struct Outlook {
    /// Mean days between orders.
    gap_days: f64,
    /// Mean order value in cents.
    basket_cents: f64,
}

/// `None` when the customer buys nothing more: leads mostly, and buyers who
/// have been quiet for several of their usual gaps between orders.
fn outlook(customer: &Customer, rng: &mut Rng) -> Option<Outlook> {
    let (Some(first), Some(last)) = (customer.first_order_at, customer.last_order_at) else {
        let converts = match customer.status {
            IN_WORKS => 0.12,
            REJECTED => 0.01,
            _ => 0.0,
        };
        return rng.chance(converts).then(|| Outlook {
            gap_days: 90.0,
            basket_cents: (5_500.0_f64.ln() + 0.6 * rng.normal()).exp(),
        });
    };
    let n = customer.orders_count.max(1) as f64;
    let day = MICROS_PER_DAY as f64;
    let gap_days = if n >= 2.0 {
        ((last - first) as f64 / day).max(30.0) / (n - 1.0)
    } else {
        365.0
    };
    let quiet_days = (AS_OF_END - last) as f64 / day;
    let still_buying = (-(quiet_days / (2.0 * gap_days)).powi(2)).exp();
    if !rng.chance(still_buying) {
        return None;
    }
    Some(Outlook {
        gap_days: gap_days * (0.3 * rng.normal()).exp(),
        basket_cents: customer.lifetime_value * 100.0 / n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_cents_adds_up_exactly() {
        let mut rng = Rng::new(3);
        for (total, n) in [(12_047, 4), (5, 3), (2, 5), (0, 1), (1_234_567, 206)] {
            let cents = split_cents(&mut rng, total, n);
            assert_eq!(cents.len(), n);
            assert_eq!(cents.iter().sum::<i64>(), total);
            assert!(cents.iter().all(|c| *c >= i64::from(total >= n as i64)));
        }
    }
}
