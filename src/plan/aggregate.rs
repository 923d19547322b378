//! Event aggregates as the engine computes them: one [`EventScan`] per event
//! table the plan reads, and the [`Aggregate`]s updated during that scan.
//!
//! Everything the language says about an aggregate is resolved here, when the
//! plan is compiled, so the scan decides nothing per row but "is this event's
//! time inside the range, does it pass the filter":
//! - the as-of cut-off and `within last|next N unit` become one inclusive
//!   [`TimeRange`] in the time column's own unit (days for a `date`,
//!   microseconds for a `timestamp`), so a timestamp is never converted to a
//!   date per event;
//! - the `where` filter is a criterion node of the scan's own arena
//!   ([`EventScan::filters`], a [`Plan`] over the event table's columns),
//!   evaluated per batch with the same kernels as segment criteria;
//! - identical aggregates written in several segments are one [`Aggregate`].

use super::Plan;
use super::dates::{self, MICROS_PER_DAY};
use super::node::NodeId;
use crate::check::ir::{self, Direction, Type};
use crate::syntax::ast::AggregateFn;

/// Index of an aggregate in [`Plan::aggregates`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AggregateId(pub u32);

/// Index of a scan in [`Plan::scans`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScanId(pub u32);

/// One aggregate over one event table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Aggregate {
    /// The scan (event table) it is computed in.
    pub scan: ScanId,
    /// The function.
    pub function: AggregateFn,
    /// The aggregated column of the scan's schema (`sum`, `avg`, `min`, `max`).
    pub measure: Option<ir::FieldId>,
    /// A criterion node of [`EventScan::filters`]: events failing it are skipped.
    pub filter: Option<NodeId>,
    /// Events count only when their time lies in this range.
    pub range: TimeRange,
    /// The result type (`count` → int, `first` of a timestamp → timestamp, …).
    pub ty: Type,
}

/// An inclusive range of event times, in the time column's unit: days since
/// 1970-01-01 for a `date`, microseconds since the epoch for a `timestamp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeRange {
    /// The earliest time that counts.
    pub from: i64,
    /// The latest time that counts.
    pub to: i64,
}

impl TimeRange {
    /// The events an aggregate sees at `as_of`: those up to the end of the as-of
    /// day, and within the window when there is one (whole UTC days, spec
    /// "Events"). `timestamp` says whether times are instants (µs) or days.
    pub fn resolve(
        as_of: chrono::NaiveDate,
        window: Option<(Direction, ir::Duration)>,
        timestamp: bool,
    ) -> TimeRange {
        let as_of_day = dates::days_of(as_of);
        let (first_day, last_day) = match window {
            None => (None, as_of_day),
            Some((Direction::Last, duration)) => {
                (Some(dates::days_ago(as_of, duration)), as_of_day)
            }
            Some((Direction::Next, duration)) => (
                Some(as_of_day.saturating_add(1)),
                dates::days_ahead(as_of, duration),
            ),
        };
        if timestamp {
            TimeRange {
                from: first_day.map_or(i64::MIN, start_of_day),
                to: end_of_day(last_day),
            }
        } else {
            TimeRange {
                from: first_day.map_or(i64::MIN, i64::from),
                to: i64::from(last_day),
            }
        }
    }

    /// Whether `time` lies in the range.
    pub fn contains(self, time: i64) -> bool {
        self.from <= time && time <= self.to
    }
}

/// The first microsecond of a UTC day (saturating: a day before the first
/// representable instant starts before every instant).
fn start_of_day(day: i32) -> i64 {
    i64::from(day)
        .checked_mul(MICROS_PER_DAY)
        .unwrap_or(if day < 0 { i64::MIN } else { i64::MAX })
}

/// The last microsecond of a UTC day (saturating likewise).
fn end_of_day(day: i32) -> i64 {
    (i64::from(day) + 1)
        .checked_mul(MICROS_PER_DAY)
        .map_or(if day < 0 { i64::MIN } else { i64::MAX }, |next| next - 1)
}

/// One event table read by the plan.
#[derive(Debug)]
pub struct EventScan {
    /// The table, in the program.
    pub table: ir::EventsId,
    /// The columns of the table's file: the key (column 0), then its fields
    /// ([`ir::Program::event_schema`]).
    pub schema: ir::Schema,
    /// The time column.
    pub time: ir::FieldId,
    /// Whether the time column holds instants (µs) rather than dates (days).
    pub timestamp: bool,
    /// The aggregates' filters, compiled over [`EventScan::schema`]: a plan
    /// without outputs whose nodes the scan evaluates per batch.
    pub filters: Plan,
}

impl EventScan {
    /// The table's name (`events orders`).
    pub fn name(&self) -> &str {
        &self.schema.name
    }

    /// The columns to read, each once, ascending: the key, the time, the measures
    /// of `aggregates` and the columns the filters read.
    pub fn columns<'a>(&self, aggregates: impl Iterator<Item = &'a Aggregate>) -> Vec<ir::FieldId> {
        let mut columns = vec![self.schema.key, self.time];
        columns.extend(aggregates.filter_map(|a| a.measure));
        columns.extend(self.filters.columns().iter().copied());
        columns.sort();
        columns.dedup();
        columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::ir::{Duration, DurationUnit};

    fn as_of() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2024, 3, 31).unwrap_or_default()
    }

    #[test]
    fn a_date_window_is_whole_days_up_to_as_of() {
        let month = Duration {
            amount: 1,
            unit: DurationUnit::Month,
        };
        let range = TimeRange::resolve(as_of(), Some((Direction::Last, month)), false);
        let feb_29 = i64::from(dates::days_of(
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default(),
        ));
        assert_eq!(range.from, feb_29);
        assert_eq!(range.to, feb_29 + 31);
    }

    #[test]
    fn a_timestamp_range_covers_the_as_of_day_to_its_last_microsecond() {
        let range = TimeRange::resolve(as_of(), None, true);
        let end = (i64::from(dates::days_of(as_of())) + 1) * MICROS_PER_DAY - 1;
        assert_eq!((range.from, range.to), (i64::MIN, end));
        assert!(range.contains(end));
        assert!(!range.contains(end + 1));
    }

    #[test]
    fn a_future_window_starts_the_day_after_as_of() {
        let week = Duration {
            amount: 1,
            unit: DurationUnit::Week,
        };
        let range = TimeRange::resolve(as_of(), Some((Direction::Next, week)), false);
        let day = i64::from(dates::days_of(as_of()));
        assert_eq!((range.from, range.to), (day + 1, day + 7));
    }

    #[test]
    fn extreme_days_saturate_instead_of_overflowing() {
        assert_eq!(start_of_day(i32::MIN), i64::MIN);
        assert_eq!(end_of_day(i32::MAX), i64::MAX);
        assert_eq!(end_of_day(-1), -1);
        assert_eq!(start_of_day(1), MICROS_PER_DAY);
    }
}
