//! As-of date arithmetic: relative dates resolved to fixed days.
//!
//! Dates are carried as days since 1970-01-01 (`i32`, Arrow's `Date32`), timestamps
//! as microseconds since the epoch (UTC). Calendar steps (months, years) go through
//! chrono, which clamps to the month's last day (2024-03-31 minus 1 month is
//! 2024-02-29). A step that leaves chrono's calendar saturates to the ends of the
//! `Date32` range, so `within last 10000000 days` still means "up to as-of".

use chrono::{Datelike, Months, NaiveDate};

use crate::check::ir::{Duration, DurationUnit};

/// Microseconds in a day.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Days since 1970-01-01 of a calendar date.
pub fn days_of(date: NaiveDate) -> i32 {
    // NaiveDate spans about ±262,000 years, well inside i32 days.
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
    i32::try_from((date - epoch).num_days()).unwrap_or(0)
}

/// The calendar date of a day number, if chrono can represent it.
pub fn date_of_days(days: i32) -> Option<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    epoch.checked_add_signed(chrono::TimeDelta::try_days(i64::from(days))?)
}

/// The UTC calendar date (days) of an instant in microseconds: floor division, so
/// one microsecond before midnight 1970-01-01 is 1969-12-31.
pub fn day_of_micros(micros: i64) -> i32 {
    // |i64::MAX / MICROS_PER_DAY| ≈ 1.07e8 fits in i32.
    i32::try_from(micros.div_euclid(MICROS_PER_DAY)).unwrap_or(i32::MAX)
}

/// `as_of − duration`, in days; saturates at `i32::MIN` when out of the calendar.
pub fn days_ago(as_of: NaiveDate, duration: Duration) -> i32 {
    step(as_of, duration, false).map_or(i32::MIN, days_of)
}

/// `as_of + duration`, in days; saturates at `i32::MAX` when out of the calendar.
pub fn days_ahead(as_of: NaiveDate, duration: Duration) -> i32 {
    step(as_of, duration, true).map_or(i32::MAX, days_of)
}

/// One calendar step of `duration` forwards or backwards.
fn step(as_of: NaiveDate, duration: Duration, forward: bool) -> Option<NaiveDate> {
    let n = duration.amount;
    match duration.unit {
        DurationUnit::Day => step_days(as_of, i64::from(n), forward),
        DurationUnit::Week => step_days(as_of, i64::from(n) * 7, forward),
        DurationUnit::Month => step_months(as_of, n, forward),
        DurationUnit::Year => step_months(as_of, n.checked_mul(12)?, forward),
    }
}

fn step_days(as_of: NaiveDate, days: i64, forward: bool) -> Option<NaiveDate> {
    let delta = chrono::TimeDelta::try_days(days)?;
    if forward {
        as_of.checked_add_signed(delta)
    } else {
        as_of.checked_sub_signed(delta)
    }
}

/// Months in one step, then clamp to the month's last day (chrono does the clamp).
fn step_months(as_of: NaiveDate, months: u32, forward: bool) -> Option<NaiveDate> {
    if forward {
        as_of.checked_add_months(Months::new(months))
    } else {
        as_of.checked_sub_months(Months::new(months))
    }
}

/// Year and month (1–12) of a day number, for every `i32` (proleptic Gregorian;
/// Howard Hinnant's `civil_from_days`, exact integer arithmetic, no failure).
pub fn year_month_of_days(days: i32) -> (i64, i64) {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

/// The as-of date as shown in `explain`.
pub fn show_days(days: i32) -> String {
    match date_of_days(days) {
        Some(d) if d.year() >= 0 => d.to_string(),
        _ => format!("day {days}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dur(amount: u32, unit: DurationUnit) -> Duration {
        Duration { amount, unit }
    }

    #[test]
    fn months_clamp_to_the_last_day() {
        let as_of = d("2024-03-31");
        let cases = [
            (1, DurationUnit::Month, "2024-02-29"),
            (2, DurationUnit::Month, "2024-01-31"),
            (1, DurationUnit::Year, "2023-03-31"),
            (30, DurationUnit::Day, "2024-03-01"),
            (2, DurationUnit::Week, "2024-03-17"),
        ];
        for (n, unit, want) in cases {
            assert_eq!(
                days_ago(as_of, dur(n, unit)),
                days_of(d(want)),
                "{n} {unit:?}"
            );
        }
        assert_eq!(
            days_ago(d("2024-02-29"), dur(1, DurationUnit::Year)),
            days_of(d("2023-02-28"))
        );
    }

    #[test]
    fn huge_steps_saturate() {
        assert_eq!(
            days_ago(d("2024-01-01"), dur(u32::MAX, DurationUnit::Year)),
            i32::MIN
        );
        assert_eq!(
            days_ahead(d("2024-01-01"), dur(u32::MAX, DurationUnit::Day)),
            i32::MAX
        );
    }

    #[test]
    fn utc_day_of_an_instant_floors() {
        assert_eq!(day_of_micros(0), 0);
        assert_eq!(day_of_micros(-1), -1);
        assert_eq!(day_of_micros(MICROS_PER_DAY - 1), 0);
        assert_eq!(day_of_micros(-MICROS_PER_DAY), -1);
        assert_eq!(day_of_micros(-MICROS_PER_DAY - 1), -2);
    }

    #[test]
    fn civil_dates_match_chrono() {
        for days in (-800_000..800_000).step_by(997) {
            let date = date_of_days(days).unwrap();
            assert_eq!(
                year_month_of_days(days),
                (i64::from(date.year()), i64::from(date.month()))
            );
        }
        let _ = year_month_of_days(i32::MIN);
        let _ = year_month_of_days(i32::MAX);
    }
}
