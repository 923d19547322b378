//! Literal values: the grammar accepts their shape, this module checks their value.
//!
//! Each validation has one code and one span: `2024-02-30` is `invalid_date`,
//! `2024-01-31T25:00:00Z` is `invalid_timestamp`, `99999999999999999999` is
//! `invalid_number`, `150%` is `invalid_percentage`, `"("` after `matches` is
//! `invalid_regex`. Functions here return `Err(Reported)` after pushing the diagnostic.

use chrono::{DateTime, NaiveDate};

use super::Reported;
use super::ir;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast;

/// An integer literal (`1_000`); `negative` folds a leading unary minus into it so
/// that `-9223372036854775808` fits.
pub(super) fn int(
    text: &str,
    negative: bool,
    span: Span,
    out: &mut Diagnostics,
) -> Result<i64, Reported> {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    let signed = if negative {
        format!("-{digits}")
    } else {
        digits
    };
    signed.parse::<i64>().map_err(|_| {
        let shown = if negative {
            format!("-{text}")
        } else {
            text.to_string()
        };
        report(
            out,
            Diagnostic::new(
                Code::InvalidNumber,
                span,
                format!("`{shown}` does not fit a 64-bit integer"),
            )
            .with_help("integers lie between -9223372036854775808 and 9223372036854775807"),
        )
    })
}

/// A float literal (`12.5`); must be finite.
pub(super) fn float(text: &str, span: Span, out: &mut Diagnostics) -> Result<f64, Reported> {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    match digits.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(report(
            out,
            Diagnostic::new(
                Code::InvalidNumber,
                span,
                format!("`{text}` is not a finite number"),
            ),
        )),
    }
}

/// A date literal (`2024-01-31`), which must be a calendar date.
pub(super) fn date(text: &str, span: Span, out: &mut Diagnostics) -> Result<NaiveDate, Reported> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        report(
            out,
            Diagnostic::new(
                Code::InvalidDate,
                span,
                format!("`{text}` is not a calendar date"),
            )
            .with_help(date_help(text)),
        )
    })
}

/// Explains why a `YYYY-MM-DD` text is no date (month out of range, or the month's last day).
fn date_help(text: &str) -> String {
    let mut parts = text.split('-').map(|p| p.parse::<u32>().ok());
    let (year, month) = match (parts.next().flatten(), parts.next().flatten()) {
        (Some(year), Some(month)) => (year, month),
        _ => return "write dates as YYYY-MM-DD".into(),
    };
    if !(1..=12).contains(&month) {
        return "months run from 01 to 12".into();
    }
    match last_day_of_month(year as i32, month) {
        Some(last) => format!("{year:04}-{month:02} has {last} days"),
        None => "write dates as YYYY-MM-DD".into(),
    }
}

/// The number of days in a month, if the year is representable.
fn last_day_of_month(year: i32, month: u32) -> Option<u32> {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let first_of_next = NaiveDate::from_ymd_opt(next_year, next_month, 1)?;
    first_of_next.pred_opt().map(|d| chrono::Datelike::day(&d))
}

/// A timestamp literal (RFC 3339, e.g. `2024-01-31T10:00:00Z`) as microseconds since the
/// epoch, UTC.
pub(super) fn timestamp(text: &str, span: Span, out: &mut Diagnostics) -> Result<i64, Reported> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_micros())
        .map_err(|_| {
            report(
                out,
                Diagnostic::new(
                    Code::InvalidTimestamp,
                    span,
                    format!("`{text}` is not a valid timestamp"),
                )
                .with_help("write timestamps as RFC 3339, e.g. `2024-01-31T10:00:00Z`"),
            )
        })
}

/// The UTC calendar date of a timestamp in microseconds.
pub(super) fn utc_date(micros: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_micros(micros).map(|t| t.date_naive())
}

/// A duration (`30 days`); the count must fit 32 bits.
pub(super) fn duration(
    duration: &ast::Duration,
    out: &mut Diagnostics,
) -> Result<ir::Duration, Reported> {
    let digits: String = duration.amount.chars().filter(|c| *c != '_').collect();
    match digits.parse::<u32>() {
        Ok(amount) => Ok(ir::Duration {
            amount,
            unit: duration.unit,
        }),
        Err(_) => Err(report(
            out,
            Diagnostic::new(
                Code::InvalidNumber,
                duration.span,
                format!("`{}` is too long a duration", duration.amount),
            )
            .with_help("durations count at most 4294967295 units"),
        )),
    }
}

/// A percentage (`20%`, `12.5%`) as a fraction; must lie in (0, 100].
pub(super) fn percent(text: &str, span: Span, out: &mut Diagnostics) -> Result<f64, Reported> {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    match digits.parse::<f64>() {
        Ok(value) if value > 0.0 && value <= 100.0 => Ok(value / 100.0),
        _ => Err(report(
            out,
            Diagnostic::new(
                Code::InvalidPercentage,
                span,
                format!("`{text}%` is not a percentage in (0, 100]"),
            )
            .with_help("use a share above 0% and at most 100%"),
        )),
    }
}

/// A regular expression for `matches`; compiled once here to reject bad patterns.
pub(super) fn regex(pattern: &ast::StringLit, out: &mut Diagnostics) -> Result<(), Reported> {
    match regex::Regex::new(&pattern.value) {
        Ok(_) => Ok(()),
        Err(err) => Err(report(
            out,
            Diagnostic::new(
                Code::InvalidRegex,
                pattern.span,
                "invalid regular expression",
            )
            .with_help(regex_reason(&err)),
        )),
    }
}

/// The one-line reason from a `regex` error (its `Display` is a multi-line picture).
fn regex_reason(err: &regex::Error) -> String {
    let text = err.to_string();
    let reason = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .unwrap_or(
            text.lines()
                .last()
                .unwrap_or("the pattern does not compile"),
        );
    reason.trim().to_string()
}

/// Pushes a diagnostic and returns the marker that it was reported.
fn report(out: &mut Diagnostics, diagnostic: Diagnostic) -> Reported {
    out.push(diagnostic);
    Reported
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span::default()
    }

    #[test]
    fn ints_accept_underscores_and_reject_overflow() {
        let mut out = Diagnostics::new();
        assert_eq!(int("1_000", false, span(), &mut out), Ok(1000));
        assert_eq!(
            int("9223372036854775808", true, span(), &mut out),
            Ok(i64::MIN)
        );
        assert!(int("9223372036854775808", false, span(), &mut out).is_err());
        assert_eq!(
            out.iter().map(|d| d.code).collect::<Vec<_>>(),
            [Code::InvalidNumber]
        );
    }

    #[test]
    fn dates_must_be_calendar_dates() {
        let mut out = Diagnostics::new();
        assert!(date("2024-02-29", span(), &mut out).is_ok());
        assert!(date("2024-02-30", span(), &mut out).is_err());
        assert!(date("2023-13-01", span(), &mut out).is_err());
        let helps: Vec<_> = out.iter().filter_map(|d| d.help.clone()).collect();
        assert_eq!(helps, ["2024-02 has 29 days", "months run from 01 to 12"]);
    }

    #[test]
    fn timestamps_are_utc_microseconds() {
        let mut out = Diagnostics::new();
        assert_eq!(
            timestamp("1970-01-01T00:00:01.000001Z", span(), &mut out),
            Ok(1_000_001)
        );
        assert_eq!(
            timestamp("1970-01-01T01:00:00+01:00", span(), &mut out),
            Ok(0)
        );
        assert!(timestamp("2024-01-31T25:00:00Z", span(), &mut out).is_err());
        assert_eq!(utc_date(-1), NaiveDate::from_ymd_opt(1969, 12, 31));
    }

    #[test]
    fn percentages_lie_in_zero_to_hundred() {
        let mut out = Diagnostics::new();
        assert_eq!(percent("20", span(), &mut out), Ok(0.2));
        assert_eq!(percent("100", span(), &mut out), Ok(1.0));
        assert!(percent("0", span(), &mut out).is_err());
        assert!(percent("100.5", span(), &mut out).is_err());
    }

    #[test]
    fn regex_errors_name_the_reason() {
        let mut out = Diagnostics::new();
        let lit = ast::StringLit {
            value: "(".into(),
            span: span(),
        };
        assert!(regex(&lit, &mut out).is_err());
        let help = out.iter().next().and_then(|d| d.help.clone()).unwrap();
        assert_eq!(help, "unclosed group");
    }
}
