//! Values written as text (CSV cells, JSON strings) read by the schema's types.
//!
//! Takes one cell's text and a segmint type, gives the canonical value or `None`
//! when the text is not a value of that type. Never infers a type: the schema says
//! what a column holds. Whitespace around numbers, bools, dates and timestamps is
//! ignored; strings are kept exactly as written.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use crate::check::ir::Type;

/// The separator of list items in a CSV cell (`vip|newsletter`).
pub(crate) const LIST_SEPARATOR: char = '|';

/// `true` / `false`, in any letter case (spreadsheets write `TRUE`).
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A 64-bit integer (`-12`, `+7`); `1.0` is not an integer.
pub(crate) fn parse_int(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// A finite number (`12.5`, `3`, `1e3`); `NaN` and `inf` are not accepted.
pub(crate) fn parse_float(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `YYYY-MM-DD`, exactly (no single-digit months), as days since 1970-01-01.
pub(crate) fn parse_date(text: &str) -> Option<i32> {
    let date = strict_date(text.trim())?;
    Some(days_since_epoch(date))
}

fn strict_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let year = text.get(0..4)?.parse().ok()?;
    let month = text.get(5..7)?.parse().ok()?;
    let day = text.get(8..10)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    // i32 holds ±5.8 million years; chrono dates are ±262,000 years.
    date.signed_duration_since(epoch).num_days() as i32
}

/// An instant as microseconds since the epoch (UTC). Accepts RFC 3339 with a `Z`
/// or an offset (`2024-01-31T10:00:00+01:00` is 09:00 UTC), a `T` or a space
/// between date and time; without an offset the time is read as UTC; a bare date
/// `YYYY-MM-DD` is midnight UTC. Digits beyond microseconds are truncated.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_micros());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    let date = strict_date(text)?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

/// What a value of `ty` looks like, completing "… is not …" in messages.
pub(crate) fn expected(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "a bool (expected true or false)",
        Type::Int | Type::ListInt => "an integer",
        Type::Float => "a number",
        Type::Date => "a date (expected YYYY-MM-DD)",
        Type::Timestamp => "a timestamp (expected RFC 3339, e.g. 2024-01-31T10:00:00Z)",
        Type::String | Type::Enum(_) | Type::ListString => "a string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("2024-1-05"), None);
        assert_eq!(parse_date("1969-12-31"), Some(-1));
    }

    #[test]
    fn timestamps_convert_offsets_to_utc() {
        let z = parse_timestamp("2024-01-31T10:00:00Z").unwrap();
        assert_eq!(parse_timestamp("2024-01-31T11:00:00+01:00"), Some(z));
        assert_eq!(parse_timestamp("2024-01-31 10:00:00"), Some(z));
        assert_eq!(parse_timestamp("2024-01-31T10:00:00.000000999Z"), Some(z));
        assert_eq!(parse_timestamp("2024-01-31"), Some(z - 10 * 3_600_000_000));
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn numbers_and_bools() {
        assert_eq!(parse_int(" 42 "), Some(42));
        assert_eq!(parse_int("1.0"), None);
        assert_eq!(parse_float("NaN"), None);
        assert_eq!(parse_float("2"), Some(2.0));
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("yes"), None);
    }
}
