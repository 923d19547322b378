//! One sample customer, drawn so that the fields hang together: orders follow
//! the status, order times follow the signup date, value follows the orders,
//! tags follow value and activity.

use super::rng::Rng;
use super::tables::*;

/// The sample's as-of date, 2026-06-30, as days since 1970-01-01.
pub(crate) const AS_OF_DAY: i32 = 20_634;
pub(crate) const MICROS_PER_DAY: i64 = 86_400_000_000;
/// The last microsecond of the as-of date: nothing happens after it.
pub(crate) const AS_OF_END: i64 = (AS_OF_DAY as i64 + 1) * MICROS_PER_DAY - 1;

/// Indices into [`STATUSES`].
pub(crate) const IN_WORKS: usize = 0;
pub(crate) const REJECTED: usize = 1;
const POOR: usize = 2;
const ONE_TIME: usize = 3;
const OCCASIONAL: usize = 4;
const REGULAR: usize = 5;

/// Bits of [`Customer::tags`], in the order they are written.
pub(crate) const TAGS: &[&str] = &[
    TAG_VIP,
    TAG_NEWSLETTER,
    TAG_WHOLESALE,
    TAG_CHURN_RISK,
    TAG_BETA,
];

/// How the e-mail address is spelled (built into text by the caller).
pub(crate) struct Email {
    /// Index into the names table, or `None` for a `user123` address.
    pub name: Option<usize>,
    /// A lowercase letter (`a` + n) after the dot.
    pub initial: u8,
    /// The number after the initial.
    pub number: u32,
    /// Index into [`EMAIL_DOMAINS`].
    pub domain: usize,
    /// A data-quality defect: the `@` is missing.
    pub malformed: bool,
}

/// One row of the sample, as indices and numbers (no text yet).
pub(crate) struct Customer {
    pub email: Option<Email>,
    pub first_name: Option<usize>,
    pub country: usize,
    pub city: Option<usize>,
    pub age: Option<i64>,
    pub gender: usize,
    pub signup_date: i32,
    pub status: usize,
    pub rejection_reason: Option<usize>,
    pub lead_source: usize,
    pub device: usize,
    pub os: Option<usize>,
    pub app_installed: bool,
    pub orders_count: i64,
    pub first_order_at: Option<i64>,
    pub last_order_at: Option<i64>,
    pub lifetime_value: f64,
    pub avg_order_value: Option<f64>,
    pub email_opens_90d: i64,
    pub page_clicks_30d: i64,
    pub sessions_to_purchase: Option<i64>,
    /// Bit i set = `TAGS[i]`.
    pub tags: u8,
    /// Bit i set = `INTERESTS[i]`.
    pub interests: u16,
    pub newsletter_opt_in: bool,
    pub last_seen_at: Option<i64>,
}

impl Customer {
    /// Whether marketing e-mail reaches the customer: an address with an `@`.
    pub(crate) fn usable_email(&self) -> bool {
        self.email.as_ref().is_some_and(|e| !e.malformed)
    }
}

/// Lookup tables derived once per run from [`super::tables`].
pub(crate) struct Tables {
    /// Female, male, then neutral names.
    pub names: Vec<&'static str>,
    /// Every country's cities, in country order.
    pub cities: Vec<&'static str>,
    /// Where each country's cities start in `cities`.
    pub city_offsets: Vec<usize>,
    country_weights: Vec<u32>,
    domain_weights: Vec<u32>,
}

impl Tables {
    /// Builds the tables.
    pub(crate) fn new() -> Tables {
        let mut city_offsets = Vec::with_capacity(COUNTRIES.len());
        let mut cities = Vec::new();
        for (_, _, country_cities) in COUNTRIES {
            city_offsets.push(cities.len());
            cities.extend_from_slice(country_cities);
        }
        Tables {
            names: FEMALE_NAMES
                .iter()
                .chain(MALE_NAMES)
                .chain(NEUTRAL_NAMES)
                .copied()
                .collect(),
            cities,
            city_offsets,
            country_weights: COUNTRIES.iter().map(|c| c.1).collect(),
            domain_weights: EMAIL_DOMAINS.iter().map(|d| d.1).collect(),
        }
    }
}

/// Draws one customer.
pub(crate) fn draw(rng: &mut Rng, tables: &Tables) -> Customer {
    let gender = rng.weighted(GENDER_WEIGHTS);
    let first_name = (!rng.chance(0.03)).then(|| first_name(rng, gender));
    let country = rng.weighted(&tables.country_weights);
    let city = (!rng.chance(0.04)).then(|| city(rng, country, &tables.city_offsets));
    let lead_source = rng.weighted(LEAD_WEIGHTS);
    let device = rng.weighted(DEVICE_WEIGHTS);
    let status = rng.weighted(STATUS_WEIGHTS);
    let signup_date = signup(rng, status);
    let orders_count = orders(rng, status);
    let (first_order_at, last_order_at) = order_times(rng, status, orders_count, signup_date);
    let lifetime_value = lifetime_value(rng, status, orders_count);
    let newsletter_opt_in = rng.chance(if lead_source == 4 { 0.75 } else { 0.4 });
    let email = (!rng.chance(0.08)).then(|| email(rng, first_name, &tables.domain_weights));
    let usable_email = email.as_ref().is_some_and(|e| !e.malformed);
    let email_opens_90d = if usable_email {
        rng.exponential(if newsletter_opt_in { 6.0 } else { 0.8 }) as i64
    } else {
        0
    };
    let last_seen_at = last_seen(rng, signup_date, last_order_at);
    Customer {
        email,
        first_name,
        country,
        city,
        age: age(rng),
        gender,
        signup_date,
        status,
        rejection_reason: rejection_reason(rng, status),
        lead_source,
        device,
        os: os(rng, device),
        app_installed: rng.chance(if device == 0 { 0.12 } else { 0.5 }),
        orders_count,
        first_order_at,
        last_order_at,
        lifetime_value,
        avg_order_value: (orders_count > 0).then(|| cents(lifetime_value / orders_count as f64)),
        email_opens_90d,
        page_clicks_30d: rng.exponential(clicks_mean(status)) as i64,
        sessions_to_purchase: (orders_count > 0 && !rng.chance(0.05))
            .then(|| 1 + rng.exponential(2.5) as i64),
        tags: tags(
            rng,
            status,
            lifetime_value,
            newsletter_opt_in,
            last_order_at,
        ),
        interests: interests(rng),
        newsletter_opt_in,
        last_seen_at,
    }
}

fn first_name(rng: &mut Rng, gender: usize) -> usize {
    let (female, male, neutral) = (FEMALE_NAMES.len(), MALE_NAMES.len(), NEUTRAL_NAMES.len());
    let neutral_at = female + male;
    match gender {
        0 if !rng.chance(0.05) => rng.below(female as u64) as usize,
        1 if !rng.chance(0.05) => female + rng.below(male as u64) as usize,
        0 | 1 => neutral_at + rng.below(neutral as u64) as usize,
        _ => rng.below((neutral_at + neutral) as u64) as usize,
    }
}

fn city(rng: &mut Rng, country: usize, offsets: &[usize]) -> usize {
    let count = COUNTRIES.get(country).map_or(1, |c| c.2.len()) as u64;
    // The first cities are the big ones: take the smaller of two draws.
    let pick = rng.below(count).min(rng.below(count));
    offsets.get(country).copied().unwrap_or(0) + pick as usize
}

fn email(rng: &mut Rng, first_name: Option<usize>, domain_weights: &[u32]) -> Email {
    Email {
        name: first_name.filter(|_| !rng.chance(0.1)),
        initial: rng.below(26) as u8,
        number: rng.below(10_000) as u32,
        domain: rng.weighted(domain_weights),
        malformed: rng.chance(0.012),
    }
}

fn age(rng: &mut Rng) -> Option<i64> {
    if rng.chance(0.15) {
        return None;
    }
    if rng.chance(0.006) {
        return Some([-1, 0, 130][rng.below(3) as usize]);
    }
    Some(((38.0 + 13.0 * rng.normal()).round() as i64).clamp(16, 95))
}

/// Leads in the works signed up recently; everyone else over six years, more of
/// them recently (the business grew).
fn signup(rng: &mut Rng, status: usize) -> i32 {
    if status == IN_WORKS {
        return AS_OF_DAY - rng.below(120) as i32;
    }
    // Regulars have been around for a while.
    let at_least = match status {
        REGULAR => 120.0,
        OCCASIONAL => 30.0,
        _ => 0.0,
    };
    AS_OF_DAY - (at_least + (2_200.0 - at_least) * rng.unit().powf(1.6)) as i32
}

fn orders(rng: &mut Rng, status: usize) -> i64 {
    match status {
        IN_WORKS | REJECTED => 0,
        POOR => rng.between(1, 2),
        ONE_TIME => 1,
        OCCASIONAL => rng.between(2, 5),
        _ => (6 + rng.exponential(9.0) as i64 + if rng.chance(0.01) { 200 } else { 0 }).min(500),
    }
}

/// First order soon after signup; the last one recent for regulars.
fn order_times(
    rng: &mut Rng,
    status: usize,
    orders: i64,
    signup: i32,
) -> (Option<i64>, Option<i64>) {
    if orders == 0 {
        return (None, None);
    }
    let span = i64::from(AS_OF_DAY - signup);
    let first_day = i64::from(signup) + (span as f64 * rng.unit().powi(2)) as i64;
    let first = first_day * MICROS_PER_DAY + time_of_day(rng);
    if orders == 1 {
        return (Some(first), Some(first));
    }
    let room = i64::from(AS_OF_DAY) - first_day;
    let days_ago = match status {
        REGULAR if rng.chance(0.15) => rng.exponential(150.0) as i64,
        REGULAR => rng.exponential(20.0) as i64,
        _ => (room as f64 * (1.0 - rng.unit().sqrt())) as i64,
    };
    let last_day = i64::from(AS_OF_DAY) - days_ago.min(room);
    let last = (last_day * MICROS_PER_DAY + time_of_day(rng)).max(first);
    (Some(first), Some(last.min(AS_OF_END)))
}

pub(crate) fn time_of_day(rng: &mut Rng) -> i64 {
    rng.between(0, 86_399) * 1_000_000
}

/// Orders times a log-normal order value: heavy-tailed, 0 without orders.
fn lifetime_value(rng: &mut Rng, status: usize, orders: i64) -> f64 {
    if orders == 0 {
        return 0.0;
    }
    let median = if status == POOR { 18.0_f64 } else { 55.0 };
    let order_value = (median.ln() + 0.6 * rng.normal()).exp();
    cents(order_value * orders as f64)
}

fn cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Rejected leads say why (mostly); a few leads back in the works still carry
/// an old reason (a data-quality case).
fn rejection_reason(rng: &mut Rng, status: usize) -> Option<usize> {
    let has_reason = match status {
        REJECTED => rng.chance(0.95),
        IN_WORKS => rng.chance(0.01),
        _ => false,
    };
    has_reason.then(|| rng.weighted(REJECTION_WEIGHTS))
}

fn os(rng: &mut Rng, device: usize) -> Option<usize> {
    if rng.chance(0.05) {
        return None;
    }
    // ios, android, windows, macos, linux, other
    let weights: &[u32] = match device {
        0 => &[0, 0, 65, 28, 5, 2],
        1 => &[45, 55, 0, 0, 0, 0],
        _ => &[60, 40, 0, 0, 0, 0],
    };
    Some(rng.weighted(weights))
}

fn clicks_mean(status: usize) -> f64 {
    match status {
        REGULAR => 22.0,
        OCCASIONAL => 9.0,
        IN_WORKS => 6.0,
        ONE_TIME => 3.0,
        POOR => 2.0,
        _ => 1.0,
    }
}

fn tags(rng: &mut Rng, status: usize, value: f64, opt_in: bool, last_order: Option<i64>) -> u8 {
    let quiet = last_order.is_some_and(|t| t < (i64::from(AS_OF_DAY) - 90) * MICROS_PER_DAY);
    let flags = [
        value >= 2_500.0 && rng.chance(0.95),
        opt_in && rng.chance(0.8),
        rng.chance(0.02),
        matches!(status, REGULAR | OCCASIONAL) && quiet,
        rng.chance(0.03),
    ];
    flags
        .iter()
        .enumerate()
        .fold(0, |bits, (i, on)| if *on { bits | (1 << i) } else { bits })
}

fn interests(rng: &mut Rng) -> u16 {
    let count = rng.weighted(&[35, 30, 20, 10, 5]);
    let mut bits = 0u16;
    for _ in 0..count {
        bits |= 1 << rng.below(INTERESTS.len() as u64);
    }
    bits
}

fn last_seen(rng: &mut Rng, signup: i32, last_order: Option<i64>) -> Option<i64> {
    if rng.chance(0.06) {
        return None;
    }
    const SECONDS_PER_DAY: f64 = 86_400.0;
    let seen = match last_order {
        Some(t) => {
            let after = t + rng.exponential(20.0 * SECONDS_PER_DAY) as i64 * 1_000_000;
            if after <= AS_OF_END {
                after
            } else {
                // Seen in the last days before the as-of date, never before the order.
                (AS_OF_END - rng.exponential(2.0 * SECONDS_PER_DAY) as i64 * 1_000_000).max(t)
            }
        }
        None => {
            let span = i64::from(AS_OF_DAY - signup);
            (i64::from(signup) + rng.between(0, span)) * MICROS_PER_DAY + time_of_day(rng)
        }
    };
    Some(seen.min(AS_OF_END))
}
