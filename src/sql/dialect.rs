//! The handful of places where SQL engines differ: quoting, literal syntax, type
//! names, date arithmetic, list and string functions. Everything else in `sql/`
//! writes SQL that every dialect shares.

use chrono::NaiveDate;

use crate::check::ir::{Duration, DurationUnit};

/// A SQL engine `segmint sql` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Dialect {
    /// DuckDB (verified on 2.0).
    Duckdb,
    /// PostgreSQL (14 or later; verified on 15).
    Postgres,
    /// Spark SQL (3.4 or later; verified on 4.3), also Databricks.
    Spark,
    /// Google BigQuery (GoogleSQL; not verified on the engine).
    Bigquery,
    /// Snowflake (not verified on the engine).
    Snowflake,
}

impl Dialect {
    /// The dialect's name as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Duckdb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
            Dialect::Bigquery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// A quoted identifier: never breaks out of its quotes, keywords are safe.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Duckdb | Dialect::Postgres | Dialect::Snowflake => {
                format!("\"{}\"", name.replace('"', "\"\""))
            }
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::Bigquery => format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`")),
        }
    }

    /// A table name: dots separate catalog, schema and table, each part quoted.
    pub fn table(self, name: &str) -> String {
        let parts: Vec<String> = name.split('.').map(|part| self.ident(part)).collect();
        parts.join(".")
    }

    /// A string literal holding exactly `text`.
    pub fn string(self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 2);
        out.push('\'');
        for c in text.chars() {
            match (self, c) {
                (Dialect::Duckdb | Dialect::Postgres, '\'') => out.push_str("''"),
                (Dialect::Duckdb | Dialect::Postgres, c) => out.push(c),
                (Dialect::Snowflake, '\'') => out.push_str("''"),
                (_, '\\') => out.push_str("\\\\"),
                (_, '\'') => out.push_str("\\'"),
                // Spark substitutes `${…}` in the query text before parsing it.
                (Dialect::Spark, '$') => out.push_str("\\u0024"),
                (Dialect::Bigquery, '\n') => out.push_str("\\n"),
                (Dialect::Bigquery, '\r') => out.push_str("\\r"),
                (_, c) => out.push(c),
            }
        }
        out.push('\'');
        out
    }

    /// The 64-bit float type.
    pub fn double(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::Bigquery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// The 64-bit integer type.
    pub fn bigint(self) -> &'static str {
        match self {
            Dialect::Bigquery => "INT64",
            _ => "BIGINT",
        }
    }

    /// An exact integer type wide enough for the sum or product of two 64-bit ints.
    pub fn wide_int(self) -> &'static str {
        match self {
            Dialect::Bigquery => "BIGNUMERIC",
            _ => "DECIMAL(38, 0)",
        }
    }

    /// An exact integer result (of type [`Dialect::wide_int`]) as a 64-bit int, NULL
    /// when it does not fit: integer overflow gives a missing value, never an error
    /// or a wrapped number.
    pub fn checked_int(self, wide: &str) -> String {
        format!(
            "CASE WHEN {wide} BETWEEN {} AND {} THEN CAST({wide} AS {}) END",
            i64::MIN,
            i64::MAX,
            self.bigint()
        )
    }

    /// A float as segmint reads it: NaN is a missing value, `-0.0` is `0.0`.
    pub fn float_value(self, value: &str) -> String {
        let nan = match self {
            Dialect::Duckdb | Dialect::Spark => format!("isnan({value})"),
            Dialect::Bigquery => format!("IS_NAN({value})"),
            Dialect::Postgres | Dialect::Snowflake => {
                format!("{value} = CAST('NaN' AS {})", self.double())
            }
        };
        format!("CASE WHEN {nan} THEN NULL ELSE {value} + 0.0 END")
    }

    /// A date literal.
    pub fn date(self, date: NaiveDate) -> String {
        format!("DATE '{}'", date.format("%Y-%m-%d"))
    }

    /// The query parameter that holds the as-of date, as the engine's clients bind it.
    pub fn as_of_parameter(self) -> &'static str {
        match self {
            Dialect::Duckdb | Dialect::Snowflake => "$as_of",
            Dialect::Postgres => ":'as_of'",
            Dialect::Spark => ":as_of",
            Dialect::Bigquery => "@as_of",
        }
    }

    /// A timestamp column as microseconds since the epoch (a 64-bit integer), the
    /// same for columns with and without a time zone (the latter read as UTC).
    pub fn micros(self, value: &str) -> String {
        match self {
            Dialect::Duckdb => format!("epoch_us({value})"),
            Dialect::Postgres => format!("CAST(EXTRACT(EPOCH FROM {value}) * 1000000 AS BIGINT)"),
            Dialect::Spark => format!("unix_micros({value})"),
            Dialect::Bigquery => format!("UNIX_MICROS({value})"),
            Dialect::Snowflake => format!("DATE_PART(EPOCH_MICROSECOND, {value})"),
        }
    }

    /// The UTC calendar date of an instant given in microseconds since the epoch.
    pub fn date_of_micros(self, micros: &str) -> String {
        match self {
            Dialect::Duckdb => format!("CAST(make_timestamp({micros}) AS DATE)"),
            Dialect::Postgres => {
                format!("(DATE '1970-01-01' + CAST(floor({micros} / 86400000000.0) AS INTEGER))")
            }
            Dialect::Spark => {
                format!("date_from_unix_date(CAST(floor({micros} / 86400000000) AS INT))")
            }
            Dialect::Bigquery => format!("DATE(TIMESTAMP_MICROS({micros}))"),
            Dialect::Snowflake => format!("TO_DATE(TO_TIMESTAMP_NTZ({micros}, 6))"),
        }
    }

    /// `date ± duration`: days and weeks by days; months and years by calendar
    /// months in one step, clamped to the month's last day.
    pub fn shift(self, date: &str, duration: Duration, forward: bool) -> String {
        let (months, n) = match duration.unit {
            DurationUnit::Day => (false, u64::from(duration.amount)),
            DurationUnit::Week => (false, u64::from(duration.amount) * 7),
            DurationUnit::Month => (true, u64::from(duration.amount)),
            DurationUnit::Year => (true, u64::from(duration.amount) * 12),
        };
        let sign = if forward { "+" } else { "-" };
        let signed = if forward {
            format!("{n}")
        } else {
            format!("-{n}")
        };
        match (self, months) {
            (Dialect::Duckdb | Dialect::Postgres, false) => format!("({date} {sign} {n})"),
            (Dialect::Duckdb, true) => format!("CAST({date} {sign} INTERVAL {n} MONTH AS DATE)"),
            (Dialect::Postgres, true) => {
                format!("CAST({date} {sign} INTERVAL '{n} months' AS DATE)")
            }
            (Dialect::Spark, false) if forward => format!("date_add({date}, {n})"),
            (Dialect::Spark, false) => format!("date_sub({date}, {n})"),
            (Dialect::Spark, true) => format!("add_months({date}, {signed})"),
            (Dialect::Bigquery, _) => {
                let function = if forward { "DATE_ADD" } else { "DATE_SUB" };
                let unit = if months { "MONTH" } else { "DAY" };
                format!("{function}({date}, INTERVAL {n} {unit})")
            }
            (Dialect::Snowflake, _) => {
                let unit = if months { "month" } else { "day" };
                format!("DATEADD({unit}, {signed}, {date})")
            }
        }
    }

    /// Whole days from `from` to `to` (an int).
    pub fn days_between(self, from: &str, to: &str) -> String {
        match self {
            Dialect::Duckdb => format!("date_diff('day', {from}, {to})"),
            Dialect::Postgres => format!("CAST({to} - {from} AS BIGINT)"),
            Dialect::Spark => format!("CAST(datediff({to}, {from}) AS BIGINT)"),
            Dialect::Bigquery => format!("DATE_DIFF({to}, {from}, DAY)"),
            Dialect::Snowflake => format!("DATEDIFF(day, {from}, {to})"),
        }
    }

    /// Integer division of two non-negative ints, rounding down.
    pub fn int_div(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Duckdb => format!("({a} // {b})"),
            Dialect::Postgres => format!("({a} / {b})"),
            Dialect::Spark => format!("({a} div {b})"),
            Dialect::Bigquery => format!("DIV({a}, {b})"),
            Dialect::Snowflake => format!("FLOOR({a} / {b})"),
        }
    }

    /// A string operand of an ordering comparison: code point order, no locale.
    pub fn binary_order(self, value: String) -> String {
        match self {
            Dialect::Postgres => format!("({value} COLLATE \"C\")"),
            _ => value,
        }
    }

    /// Whether `pattern` (already translated by `sql::regex`) is found in `value`.
    pub fn regex_search(self, value: &str, pattern: &str) -> String {
        let pattern = self.string(pattern);
        match self {
            Dialect::Duckdb => format!("regexp_matches({value}, {pattern})"),
            Dialect::Postgres => format!("({value} ~ {pattern})"),
            Dialect::Spark => format!("({value} RLIKE {pattern})"),
            Dialect::Bigquery => format!("REGEXP_CONTAINS({value}, {pattern})"),
            Dialect::Snowflake => format!("(REGEXP_INSTR({value}, {pattern}) > 0)"),
        }
    }

    /// Whether `needle` occurs in `value`.
    pub fn contains(self, value: &str, needle: &str) -> String {
        match self {
            Dialect::Bigquery => format!("(STRPOS({value}, {needle}) > 0)"),
            _ => format!("(POSITION({needle} IN {value}) > 0)"),
        }
    }

    /// Characters (code points) of a string.
    pub fn char_length(self, value: &str) -> String {
        match self {
            Dialect::Duckdb | Dialect::Snowflake => format!("LENGTH({value})"),
            _ => format!("CHAR_LENGTH({value})"),
        }
    }

    /// Whether a list holds `item` (missing when the list is missing).
    pub fn list_contains(self, list: &str, item: &str) -> String {
        match self {
            Dialect::Duckdb => format!("list_contains({list}, {item})"),
            Dialect::Postgres => format!("({item} = ANY({list}))"),
            Dialect::Spark => format!("array_contains({list}, {item})"),
            Dialect::Bigquery => format!("({item} IN UNNEST({list}))"),
            Dialect::Snowflake => format!("ARRAY_CONTAINS(CAST({item} AS VARIANT), {list})"),
        }
    }

    /// Items of a list (missing when the list is missing).
    pub fn list_length(self, list: &str) -> String {
        match self {
            Dialect::Duckdb => format!("len({list})"),
            Dialect::Postgres => format!("cardinality({list})"),
            Dialect::Spark => format!("CASE WHEN {list} IS NULL THEN NULL ELSE size({list}) END"),
            Dialect::Bigquery => format!("ARRAY_LENGTH({list})"),
            Dialect::Snowflake => format!("ARRAY_SIZE({list})"),
        }
    }

    /// A part (`YEAR`, `MONTH`) of a date, as a 64-bit int.
    pub fn extract(self, part: &str, date: &str) -> String {
        format!("CAST(EXTRACT({part} FROM {date}) AS {})", self.bigint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_never_break_out_of_their_quotes() {
        let name = "we\"ird `name\\ select";
        assert_eq!(
            Dialect::Postgres.ident(name),
            "\"we\"\"ird `name\\ select\""
        );
        assert_eq!(Dialect::Spark.ident(name), "`we\"ird ``name\\ select`");
        assert_eq!(
            Dialect::Bigquery.ident(name),
            "`we\"ird \\`name\\\\ select`"
        );
        assert_eq!(
            Dialect::Duckdb.table("main.my table"),
            "\"main\".\"my table\""
        );
    }

    #[test]
    fn string_literals_escape_per_dialect() {
        let text = "it's a \\ ${x}";
        assert_eq!(Dialect::Duckdb.string(text), "'it''s a \\ ${x}'");
        assert_eq!(Dialect::Spark.string(text), "'it\\'s a \\\\ \\u0024{x}'");
        assert_eq!(Dialect::Bigquery.string("a\nb'"), "'a\\nb\\''");
        assert_eq!(Dialect::Snowflake.string(text), "'it''s a \\\\ ${x}'");
    }

    #[test]
    fn months_step_in_one_calendar_step() {
        let three_months = Duration {
            amount: 3,
            unit: DurationUnit::Month,
        };
        assert_eq!(
            Dialect::Postgres.shift("d", three_months, false),
            "CAST(d - INTERVAL '3 months' AS DATE)"
        );
        let year = Duration {
            amount: 1,
            unit: DurationUnit::Year,
        };
        assert_eq!(Dialect::Spark.shift("d", year, false), "add_months(d, -12)");
    }
}
