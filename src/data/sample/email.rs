//! One sample customer's e-mail events from [`HISTORY_START`] to the end of
//! 2026: what was sent (a welcome e-mail at signup, the newsletter every
//! other Tuesday when `newsletter_opt_in`, an account e-mail every eight weeks
//! to everyone), opens and clicks. Exactly `email_opens_90d` opens fall in the 90
//! days up to the as-of date (`within last 90 days`: 2026-04-01 to 2026-06-30);
//! customers without a usable address get nothing.

use super::customer::{AS_OF_DAY, AS_OF_END, Customer, MICROS_PER_DAY, time_of_day};
use super::orders::HORIZON_END;
use super::rng::Rng;

/// `kind` values, in declaration order.
pub(crate) const KINDS: &[&str] = &["sent", "open", "click"];
const SENT: usize = 0;
const OPEN: usize = 1;
const CLICK: usize = 2;
/// 2024-07-01, as days since 1970-01-01: e-mail history starts there.
pub(crate) const HISTORY_START: i32 = 19_905;
/// The first day of the 90-day window (`as_of − 90 ≤ date ≤ as_of`).
const WINDOW_START: i64 = (AS_OF_DAY as i64 - 90) * MICROS_PER_DAY;
const SECOND: i64 = 1_000_000;
const HOUR: i64 = 3_600 * SECOND;

/// The customer's e-mail events as (time, index into [`KINDS`]), in time order.
pub(crate) fn email_events(customer: &Customer, rng: &mut Rng) -> Vec<(i64, usize)> {
    if !customer.usable_email() {
        return Vec::new();
    }
    let mut sends = sends(customer, rng);
    let mut events: Vec<(i64, usize)> = Vec::with_capacity(sends.len() * 2);
    window_opens(customer, rng, &mut sends, &mut events);
    other_opens(customer, rng, &sends, &mut events);
    let clicks_per_open = if customer.newsletter_opt_in {
        0.15
    } else {
        0.06
    };
    let clicks: Vec<(i64, usize)> = events
        .iter()
        .filter_map(|(open, _)| {
            let clicked = rng.chance(clicks_per_open);
            let at = open + SECOND + rng.exponential(90.0) as i64 * SECOND;
            (clicked && at <= HORIZON_END).then_some((at, CLICK))
        })
        .collect();
    events.extend(clicks);
    events.extend(sends.into_iter().map(|at| (at, SENT)));
    events.sort_unstable();
    events
}

/// Send times, in time order.
fn sends(customer: &Customer, rng: &mut Rng) -> Vec<i64> {
    let signup = customer.signup_date;
    let mut out = Vec::new();
    if signup >= HISTORY_START {
        out.push(i64::from(signup) * MICROS_PER_DAY + time_of_day(rng));
    }
    let last_day = (HORIZON_END / MICROS_PER_DAY) as i32;
    let jitter = rng.between(0, 1_799) * SECOND;
    for day in (signup + 1).max(HISTORY_START)..=last_day {
        let start = i64::from(day) * MICROS_PER_DAY;
        // Every other Tuesday (1970-01-01 was a Thursday).
        if customer.newsletter_opt_in && day.rem_euclid(14) == 5 {
            out.push(start + 9 * HOUR + jitter);
        }
        // Every eighth Thursday.
        if day.rem_euclid(56) == 0 {
            out.push(start + 14 * HOUR + jitter);
        }
    }
    out
}

/// Exactly `email_opens_90d` opens of e-mails sent in the window, before the
/// end of the as-of date.
fn window_opens(
    customer: &Customer,
    rng: &mut Rng,
    sends: &mut Vec<i64>,
    events: &mut Vec<(i64, usize)>,
) {
    let in_window = |t: &i64| (WINDOW_START..=AS_OF_END).contains(t);
    if customer.email_opens_90d > 0 && !sends.iter().any(in_window) {
        sends.push(WINDOW_START + 10 * HOUR);
        sends.sort_unstable();
    }
    let candidates: Vec<i64> = sends.iter().copied().filter(in_window).collect();
    for _ in 0..customer.email_opens_90d {
        let pick = rng.below(candidates.len() as u64) as usize;
        let Some(&sent) = candidates.get(pick) else {
            return;
        };
        let mut open = sent + SECOND + rng.exponential(6.0 * 3_600.0) as i64 * SECOND;
        if open > AS_OF_END {
            open = sent + rng.between(0, (AS_OF_END - sent) / SECOND) * SECOND;
        }
        events.push((open, OPEN));
    }
}

/// Opens of the e-mails sent before or after the window, at the rate the
/// customer opens in the window: none of them lands in the window.
fn other_opens(customer: &Customer, rng: &mut Rng, sends: &[i64], events: &mut Vec<(i64, usize)>) {
    let in_window = sends
        .iter()
        .filter(|t| (WINDOW_START..=AS_OF_END).contains(*t))
        .count();
    let rate = customer.email_opens_90d as f64 / in_window.max(1) as f64;
    let rate = (rate * (0.3 * rng.normal()).exp()).clamp(0.02, 0.9);
    for &sent in sends {
        if (WINDOW_START..=AS_OF_END).contains(&sent) || !rng.chance(rate) {
            continue;
        }
        let mut at = sent;
        loop {
            at += SECOND + rng.exponential(6.0 * 3_600.0) as i64 * SECOND;
            let lands_in_window = sent < WINDOW_START && at >= WINDOW_START;
            if lands_in_window || at > HORIZON_END {
                break;
            }
            events.push((at, OPEN));
            if !rng.chance(0.2) {
                break;
            }
        }
    }
}
