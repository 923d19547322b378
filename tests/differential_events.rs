//! Differential test for event aggregates: the vectorised engine
//! (`plan::compile` + `eval::run_with_events`) and the row-by-row reference
//! interpreter (`eval::reference::evaluate_with_events`) must agree on every row.
//!
//! Each case is built from one seed, as `.seg` source text plus in-memory data:
//!
//! - a customer table (key `string` or `int`, 0–40 rows, keys unique except for a
//!   rare duplicate) with a few plain fields;
//! - one or two event tables (time `date` or `timestamp`, the `time` line anywhere
//!   in the block; numeric, enum, string and bool fields) with 0–200 events whose
//!   keys mostly match a customer, sometimes match none (near misses such as `C1`
//!   for `c1`) or are missing, and whose times cluster on the window edges of the
//!   case's windows (`as_of − N`, one day either side, month-end clamping), the
//!   as-of date and the day after, the first and last microsecond of a day,
//!   dates before 1970 and missing times; values include missing, zero, `-0.0`,
//!   NaN, ±inf and ints near `i64::MAX` (sum overflow);
//! - several segments and sometimes a tiers block whose conditions use every
//!   aggregate function, with and without a `where` filter over the event's fields
//!   and a `within last N <unit>` window, compared with literals, tested with
//!   `is missing` and date tests, combined with customer-field criteria, used in
//!   arithmetic, `in top/bottom P%`, `quintile`/`decile`/`percentile`, and segment
//!   and tier references. Aggregates are often written again, verbatim (the engine
//!   shares them) or with one part changed (it must not share those).
//!
//! The engine runs with batch sizes 1, 7 and 1000 and once without the key option;
//! the events left out (missing time or unmatched key) are checked too. A failure
//! prints the seed, the `.seg` text and the data in the CSV dialect of
//! `tests/eval/` (so it can become a fixture), and the differing rows. Rerun one
//! seed with `SEGMINT_EVENTS_SEED=<seed>`; run more cases with
//! `SEGMINT_EVENTS_CASES=<n>`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::compute::concat_batches;
use arrow::datatypes::Int32Type;
use arrow::util::display::array_value_to_string;
use chrono::{DateTime, NaiveDate, SecondsFormat};

use segmint::check::{self, ir};
use segmint::data::BatchSource;
use segmint::diagnostic::Diagnostics;
use segmint::eval::{self, MemorySource, RunOptions, reference};
use segmint::plan::{self, PlanOptions, dates};
use segmint::source::Sources;
use segmint::syntax;

mod support;
use support::Rng;

const DAY: i64 = 86_400_000_000;
const BATCH_SIZES: [usize; 4] = [1, 7, 1000, 8192];
const CASES: u64 = 300;

// ───────────────────────────── randomness ─────────────────────────────

// ───────────────────────────── data ─────────────────────────────

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Int,
    Float,
    Enum,
    Str,
    Bool,
    Date,
    Timestamp,
}

impl Ty {
    fn decl(self) -> &'static str {
        match self {
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Enum => r#"enum("a", "b", "c")"#,
            Ty::Str => "string",
            Ty::Bool => "bool",
            Ty::Date => "date",
            Ty::Timestamp => "timestamp",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Missing,
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// days since 1970-01-01
    Day(i32),
    /// microseconds since the epoch
    Micros(i64),
}

impl Cell {
    /// The cell in the CSV dialect of `tests/eval/` (empty = missing, `""` = empty).
    fn csv(&self) -> String {
        match self {
            Cell::Missing => String::new(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => format!("{f:?}"),
            Cell::Str(s) if s.is_empty() => "\"\"".into(),
            Cell::Str(s) => s.clone(),
            Cell::Bool(b) => b.to_string(),
            Cell::Day(d) => show_day(*d),
            Cell::Micros(us) => show_micros(*us),
        }
    }
}

fn show_day(d: i32) -> String {
    dates::date_of_days(d).map_or_else(|| format!("day{d}"), |d| d.to_string())
}

fn show_micros(us: i64) -> String {
    DateTime::from_timestamp_micros(us).map_or_else(
        || format!("us{us}"),
        |t| t.to_rfc3339_opts(SecondsFormat::Micros, true),
    )
}

/// One column of a table, with the way it is declared and stored.
#[derive(Clone, Debug)]
struct Column {
    name: String,
    ty: Ty,
    nullable: bool,
    /// strings stored dictionary-encoded
    dict: bool,
    cells: Vec<Cell>,
}

impl Column {
    fn decl(&self) -> String {
        format!(
            "{}: {}{}",
            self.name,
            self.ty.decl(),
            if self.nullable { "?" } else { "" }
        )
    }

    fn array(&self) -> ArrayRef {
        let cells = &self.cells;
        match self.ty {
            Ty::Int => Arc::new(
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect::<Int64Array>(),
            ),
            Ty::Float => Arc::new(
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Float(f) => Some(*f),
                        _ => None,
                    })
                    .collect::<Float64Array>(),
            ),
            Ty::Enum | Ty::Str => {
                let values = cells.iter().map(|c| match c {
                    Cell::Str(s) => Some(s.as_str()),
                    _ => None,
                });
                if self.dict {
                    Arc::new(values.collect::<DictionaryArray<Int32Type>>())
                } else {
                    Arc::new(values.collect::<StringArray>())
                }
            }
            Ty::Bool => Arc::new(
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Bool(b) => Some(*b),
                        _ => None,
                    })
                    .collect::<BooleanArray>(),
            ),
            Ty::Date => Arc::new(
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Day(d) => Some(*d),
                        _ => None,
                    })
                    .collect::<Date32Array>(),
            ),
            Ty::Timestamp => Arc::new(
                cells
                    .iter()
                    .map(|c| match c {
                        Cell::Micros(us) => Some(*us),
                        _ => None,
                    })
                    .collect::<TimestampMicrosecondArray>(),
            ),
        }
    }
}

/// A source over `columns`, laid out as `schema` (columns found by name).
fn source_of(schema: &ir::Schema, columns: &[&Column], rows: usize, batch: usize) -> MemorySource {
    let mut source = MemorySource::new(rows, batch);
    for (i, field) in schema.fields.iter().enumerate() {
        let column = columns
            .iter()
            .find(|c| c.name == field.name)
            .unwrap_or_else(|| panic!("no data for field `{}`", field.name));
        source = source.with_column(ir::FieldId(i as u32), column.array());
    }
    source
}

fn csv_of(columns: &[&Column]) -> String {
    let rows = columns.first().map_or(0, |c| c.cells.len());
    let mut out = columns
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for row in 0..rows {
        let cells: Vec<String> = columns.iter().map(|c| c.cells[row].csv()).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

struct EventTable {
    name: String,
    /// the key column (named as the `key` line says)
    key: Column,
    /// `key id: string` rather than `key id`
    typed_key: bool,
    /// index of the time column in `fields`
    time: usize,
    /// where the `time` line is written among the fields
    time_line_at: usize,
    fields: Vec<Column>,
}

impl EventTable {
    fn columns(&self) -> Vec<&Column> {
        std::iter::once(&self.key).chain(&self.fields).collect()
    }

    fn rows(&self) -> usize {
        self.key.cells.len()
    }

    fn text(&self, key_ty: Ty) -> String {
        let mut lines = vec![if self.typed_key {
            format!("  key {}: {}", self.key.name, key_ty.decl())
        } else {
            format!("  key {}", self.key.name)
        }];
        let mut fields: Vec<String> = self
            .fields
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.time)
            .map(|(_, f)| format!("  {}", f.decl()))
            .collect();
        let time = &self.fields[self.time];
        fields.insert(
            self.time_line_at.min(fields.len()),
            format!("  time {}", time.decl()),
        );
        lines.extend(fields);
        format!("events {} {{\n{}\n}}\n", self.name, lines.join("\n"))
    }

    fn time_ty(&self) -> Ty {
        self.fields[self.time].ty
    }

    fn numeric_fields(&self) -> Vec<usize> {
        (0..self.fields.len())
            .filter(|i| matches!(self.fields[*i].ty, Ty::Int | Ty::Float))
            .collect()
    }
}

// ───────────────────────────── the case ─────────────────────────────

struct Case {
    seed: u64,
    as_of: NaiveDate,
    text: String,
    customers: Vec<Column>,
    tables: Vec<EventTable>,
    /// `--segment` names, or every non-paused segment
    selected: Option<Vec<String>>,
    /// the tables the output items use (segments followed through references)
    used_tables: BTreeSet<usize>,
    stats: Stats,
}

impl Case {
    fn customer_source(&self, program: &ir::Program, batch: usize) -> MemorySource {
        let columns: Vec<&Column> = self.customers.iter().collect();
        source_of(
            &program.schema,
            &columns,
            self.customers[0].cells.len(),
            batch,
        )
    }

    fn event_sources(&self, program: &ir::Program, batch: usize) -> Vec<MemorySource> {
        program
            .events
            .iter()
            .map(|table| {
                let ours = self.tables.iter().find(|t| t.name == table.name).unwrap();
                let schema = reference::event_schema(program, table);
                source_of(&schema, &ours.columns(), ours.rows(), batch)
            })
            .collect()
    }

    /// Everything needed to reproduce the case, as fixture files.
    fn repro(&self) -> String {
        let mut out = format!(
            "seed {} (rerun: SEGMINT_EVENTS_SEED={} cargo test --test differential_events)\n",
            self.seed, self.seed
        );
        if let Some(names) = &self.selected {
            let _ = writeln!(out, "selected segments: {}", names.join(", "));
        }
        let _ = writeln!(
            out,
            "----- segments.seg\n// as_of: {}\n{}",
            self.as_of, self.text
        );
        let customers: Vec<&Column> = self.customers.iter().collect();
        let _ = writeln!(out, "----- data.csv\n{}", csv_of(&customers));
        for t in &self.tables {
            let _ = writeln!(out, "----- {}.csv\n{}", t.name, csv_of(&t.columns()));
        }
        out
    }
}

/// What the generator produced over a run, to check it covers what it should.
#[derive(Default, Debug, Clone)]
struct Stats {
    functions: [usize; 8],
    filters: usize,
    windows: usize,
    window_units: [usize; 4],
    reused: usize,
    mutated: usize,
    arithmetic: usize,
    percentiles: usize,
    ranks: usize,
    tiers: usize,
    customer_criteria: usize,
    time_tests: usize,
    filter_kinds: BTreeSet<&'static str>,
    int_keys: usize,
    date_tables: usize,
    duplicate_keys: usize,
}

const FUNCTIONS: [&str; 8] = [
    "count", "sum", "avg", "min", "max", "first", "last", "exists",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Numeric,
    Time,
    Exists,
}

#[derive(Clone, Debug, PartialEq)]
struct Agg {
    table: usize,
    /// index into `FUNCTIONS`
    function: usize,
    field: Option<usize>,
    /// the filter text, and whether it ends in a bare value (a following
    /// `within` would bind to it, so it is written `(…) = true` before a window)
    filter: Option<(String, bool)>,
    window: Option<String>,
}

impl Agg {
    fn kind(&self) -> Kind {
        match self.function {
            5 | 6 => Kind::Time,
            7 => Kind::Exists,
            _ => Kind::Numeric,
        }
    }
}

/// A value's type in generated text.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum V {
    Int,
    Float,
    Date,
    Timestamp,
}

/// Windows: text and the duration it means (for the edge days).
const WINDOWS: &[(&str, u32, u8)] = &[
    ("0 days", 0, 0),
    ("1 day", 1, 0),
    ("2 days", 2, 0),
    ("7 days", 7, 0),
    ("30 days", 30, 0),
    ("90 days", 90, 0),
    ("365 days", 365, 0),
    ("1 week", 1, 1),
    ("2 weeks", 2, 1),
    ("1 month", 1, 2),
    ("2 months", 2, 2),
    ("3 months", 3, 2),
    ("12 months", 12, 2),
    ("1 year", 1, 3),
    ("2 years", 2, 3),
    ("0 months", 0, 2),
];

fn duration(amount: u32, unit: u8) -> ir::Duration {
    let unit = match unit {
        0 => ir::DurationUnit::Day,
        1 => ir::DurationUnit::Week,
        2 => ir::DurationUnit::Month,
        _ => ir::DurationUnit::Year,
    };
    ir::Duration { amount, unit }
}

const AS_OFS: &[&str] = &[
    "2024-03-31",
    "2024-03-31",
    "2024-02-29",
    "2024-03-01",
    "2023-03-31",
    "2024-05-31",
    "2024-12-31",
    "2024-01-01",
    "1970-01-01",
    "1969-12-31",
    "2000-02-29",
    "1900-03-31",
];

const STR_KEYS: &[&str] = &["", "C1", "c1 ", "é", "x y", "c01"];
const INT_KEYS: &[i64] = &[-3, -1, 1 << 40, i64::MAX, i64::MIN];
const STRINGS: &[&str] = &["", "a", "ab", "abc", "B", "é", "x@gmail.com", "gmail"];
const SMALL_INTS: &[i64] = &[0, 1, -1, 2, 3, 5, 10, 100, -50, 1000];
const BIG_INTS: &[i64] = &[i64::MAX, i64::MIN, i64::MAX - 1, 1 << 62, -(1 << 62)];
const PLAIN_FLOATS: &[f64] = &[0.0, -0.0, 0.5, 1.5, -2.25, 100.5, 100.0, 3.0, 0.25, 7.75];
const ODD_FLOATS: &[f64] = &[f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e308, -1e308];

struct Builder {
    rng: Rng,
    as_of: NaiveDate,
    as_of_day: i32,
    /// days worth hitting: the as-of date, its neighbours, the case's window edges
    edges: Vec<i32>,
    /// the windows this case mostly uses (indexes into `WINDOWS`)
    windows: Vec<usize>,
    tables: Vec<EventTable>,
    /// aggregates written so far (for rewriting them, verbatim or changed)
    aggs: Vec<Agg>,
    /// segments defined so far (a segment may refer to earlier ones)
    segments: usize,
    /// tables used by each segment so far, and by the tiers block
    segment_tables: Vec<BTreeSet<usize>>,
    tier_tables: BTreeSet<usize>,
    /// the tiers block's labels (when there is one and references are allowed)
    tiers: Option<Vec<&'static str>>,
    /// tables used by the item being generated
    current: BTreeSet<usize>,
    stats: Stats,
}

impl Builder {
    fn day(&mut self) -> i32 {
        let a = self.as_of_day;
        match self.rng.below(100) {
            0..=44 => *self.rng.pick(&self.edges),
            45..=84 => a + 3 - self.rng.below(800) as i32,
            85..=89 => a + 1 + self.rng.below(40) as i32,
            _ => *self.rng.pick(&[-719_162, -1, 0, 1, -366, a - 36_500]),
        }
    }

    fn micros(&mut self) -> i64 {
        let day = i64::from(self.day());
        let within = *self
            .rng
            .pick(&[0, 1, 43_200_000_000, DAY - 1, DAY - 1, 3_600_000_000]);
        day * DAY + within
    }

    fn date_literal(&mut self) -> String {
        let d = self.day().clamp(-719_162, 2_932_896);
        show_day(d)
    }

    fn timestamp_literal(&mut self) -> String {
        let us = self.micros();
        match DateTime::from_timestamp_micros(us) {
            Some(t) if self.rng.chance(20) => {
                // the same instant written with an offset
                let zone = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
                t.with_timezone(&zone)
                    .to_rfc3339_opts(SecondsFormat::Micros, false)
            }
            Some(t) if self.rng.chance(50) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
            _ => show_micros(us),
        }
    }

    fn window(&mut self) -> String {
        let i = if self.rng.chance(80) {
            *self.rng.pick(&self.windows)
        } else {
            self.rng.below(WINDOWS.len())
        };
        self.stats.window_units[WINDOWS[i].2 as usize] += 1;
        if self.rng.chance(3) {
            return "1000000000 days".into(); // beyond the calendar: saturates
        }
        WINDOWS[i].0.to_string()
    }

    /// `N <unit>` → `N <other unit>`, or the same span written another way
    /// (`7 days` ↔ `1 week`, `12 months` ↔ `1 year`, `1 day` ↔ `1 days`).
    fn sibling_window(&mut self, window: &str) -> String {
        let (amount, unit) = window.split_once(' ').unwrap();
        let unit = unit.trim_end_matches('s');
        let same = match (amount, unit) {
            ("7", "day") => Some("1 week"),
            ("1", "week") => Some("7 days"),
            ("14", "day") => Some("2 weeks"),
            ("2", "week") => Some("14 days"),
            ("12", "month") => Some("1 year"),
            ("1", "year") => Some("12 months"),
            ("0", _) => Some(*self.rng.pick(&["0 days", "0 weeks", "0 months", "0 years"])),
            _ => None,
        };
        if let Some(same) = same
            && self.rng.chance(30)
        {
            return same.to_string();
        }
        if self.rng.chance(15) {
            // singular and plural are the same unit
            let plural = if window.ends_with('s') { "" } else { "s" };
            return format!("{amount} {unit}{plural}");
        }
        let other = self.rng.pick(&["day", "week", "month", "year"]);
        format!("{amount} {other}s")
    }

    fn cell(&mut self, ty: Ty, missing: u64, big: bool) -> Cell {
        if self.rng.chance(missing) {
            return Cell::Missing;
        }
        match ty {
            Ty::Int if big && self.rng.chance(15) => Cell::Int(*self.rng.pick(BIG_INTS)),
            Ty::Int => Cell::Int(*self.rng.pick(SMALL_INTS)),
            Ty::Float if big && self.rng.chance(10) => Cell::Float(*self.rng.pick(ODD_FLOATS)),
            Ty::Float => Cell::Float(*self.rng.pick(PLAIN_FLOATS)),
            Ty::Enum => Cell::Str(self.rng.pick(&["a", "b", "c"]).to_string()),
            Ty::Str => Cell::Str(self.rng.pick(STRINGS).to_string()),
            Ty::Bool => Cell::Bool(self.rng.chance(50)),
            Ty::Date => Cell::Day(self.day()),
            Ty::Timestamp => Cell::Micros(self.micros()),
        }
    }

    // ─────────── aggregates ───────────

    fn agg(&mut self, kind: Kind) -> String {
        let same_kind: Vec<usize> = (0..self.aggs.len())
            .filter(|i| self.aggs[*i].kind() == kind)
            .collect();
        let agg = if !same_kind.is_empty() && self.rng.chance(30) {
            self.stats.reused += 1;
            self.aggs[*self.rng.pick(&same_kind)].clone()
        } else if !same_kind.is_empty() && self.rng.chance(20) {
            self.stats.mutated += 1;
            let mut agg = self.aggs[*self.rng.pick(&same_kind)].clone();
            match self.rng.below(3) {
                0 => {
                    agg.window = match agg.window.take() {
                        // the same number of another unit, or the same span written
                        // another way: only the latter may be shared
                        Some(w) if self.rng.chance(70) => Some(self.sibling_window(&w)),
                        Some(_) if self.rng.chance(50) => None,
                        _ => Some(self.window()),
                    }
                }
                1 => {
                    agg.filter = (agg.filter.is_none() || self.rng.chance(50))
                        .then(|| self.filter(agg.table, 2))
                }
                _ => {
                    agg.function = match kind {
                        Kind::Numeric => *self.rng.pick(&[0, 1, 2, 3, 4]),
                        Kind::Time => *self.rng.pick(&[5, 6]),
                        Kind::Exists => 7,
                    };
                    agg.field = self.field_for(agg.table, agg.function);
                }
            }
            agg
        } else {
            self.fresh_agg(kind)
        };
        self.current.insert(agg.table);
        self.stats.functions[agg.function] += 1;
        self.stats.filters += usize::from(agg.filter.is_some());
        self.stats.windows += usize::from(agg.window.is_some());
        let text = self.render(&agg);
        self.aggs.push(agg);
        text
    }

    fn field_for(&mut self, table: usize, function: usize) -> Option<usize> {
        (1..=4)
            .contains(&function)
            .then(|| *self.rng.pick(&self.tables[table].numeric_fields()))
    }

    fn fresh_agg(&mut self, kind: Kind) -> Agg {
        let table = self.rng.below(self.tables.len());
        let function = match kind {
            Kind::Numeric => *self.rng.pick(&[0, 0, 1, 1, 2, 3, 4]),
            Kind::Time => *self.rng.pick(&[5, 6]),
            Kind::Exists => 7,
        };
        let field = self.field_for(table, function);
        let filter = self.rng.chance(50).then(|| self.filter(table, 2));
        let window = self.rng.chance(50).then(|| self.window());
        Agg {
            table,
            function,
            field,
            filter,
            window,
        }
    }

    fn render(&self, agg: &Agg) -> String {
        let t = &self.tables[agg.table];
        let mut s = format!("{}({}", FUNCTIONS[agg.function], t.name);
        if let Some(f) = agg.field {
            let _ = write!(s, ".{}", t.fields[f].name);
        }
        if let Some((filter, bare)) = &agg.filter {
            if *bare && agg.window.is_some() {
                let _ = write!(s, " where ({filter}) = true");
            } else {
                let _ = write!(s, " where {filter}");
            }
        }
        if let Some(w) = &agg.window {
            let _ = write!(s, " within last {w}");
        }
        s.push(')');
        s
    }

    /// The type of an aggregate's value.
    fn agg_type(&self, text_kind: Kind, agg: &Agg) -> V {
        let t = &self.tables[agg.table];
        match (text_kind, agg.function) {
            (Kind::Time, _) if t.time_ty() == Ty::Date => V::Date,
            (Kind::Time, _) => V::Timestamp,
            (_, 1 | 3 | 4) if t.fields[agg.field.unwrap()].ty == Ty::Int => V::Int,
            (_, 0) => V::Int,
            _ => V::Float,
        }
    }

    /// A filter over the event fields of `table`: (text, ends in a bare value).
    fn filter(&mut self, table: usize, depth: u32) -> (String, bool) {
        match self.rng.below(if depth == 0 { 10 } else { 13 }) {
            10 => {
                let (a, _) = self.filter(table, depth - 1);
                let (b, bare) = self.filter(table, depth - 1);
                self.stats.filter_kinds.insert("and");
                (format!("{a} and {b}"), bare)
            }
            11 => {
                let (a, _) = self.filter(table, depth - 1);
                let (b, _) = self.filter(table, depth - 1);
                self.stats.filter_kinds.insert("or");
                (format!("({a} or {b})"), true)
            }
            12 => {
                let (a, _) = self.filter(table, depth - 1);
                self.stats.filter_kinds.insert("not");
                (format!("not ({a})"), true)
            }
            _ => self.filter_predicate(table),
        }
    }

    fn filter_predicate(&mut self, table: usize) -> (String, bool) {
        let t = &self.tables[table];
        let i = self.rng.below(t.fields.len());
        let (name, ty) = (t.fields[i].name.clone(), t.fields[i].ty);
        let op = *self.rng.pick(&["=", "!=", "<", "<=", ">", ">="]);
        if self.rng.chance(7) {
            self.stats.filter_kinds.insert("is missing");
            let word = if self.rng.chance(50) {
                "missing"
            } else {
                "present"
            };
            return (format!("{name} is {word}"), false);
        }
        let text = match ty {
            Ty::Int => match self.rng.below(6) {
                0 => {
                    self.stats.filter_kinds.insert("in");
                    let not = if self.rng.chance(40) { "not " } else { "" };
                    format!("{name} {not}in [0, 1, -1, 100]")
                }
                1 => format!("{name} between -1 and {}", self.rng.pick(&[0, 3, 100])),
                2 => format!("{name} * 2 {op} {}", self.rng.pick(&[0, 4, 200])),
                3 => format!("-{name} {op} -2"),
                _ => format!("{name} {op} {}", self.rng.pick(&[0, 1, 3, 100, -50])),
            },
            Ty::Float => match self.rng.below(4) {
                0 => format!("{name} between 0 and 100.5"),
                1 => format!("{name} / 2 {op} 0.75"),
                _ => format!(
                    "{name} {op} {}",
                    self.rng.pick(&["0", "0.5", "100.5", "-2.25"])
                ),
            },
            Ty::Enum => {
                if self.rng.chance(40) {
                    self.stats.filter_kinds.insert("in");
                    let not = if self.rng.chance(40) { "not " } else { "" };
                    format!("{name} {not}in [\"a\", \"c\"]")
                } else {
                    let op = if self.rng.chance(60) { "=" } else { "!=" };
                    format!("{name} {op} \"{}\"", self.rng.pick(&["a", "b", "c"]))
                }
            }
            Ty::Str => {
                self.stats.filter_kinds.insert("string test");
                match self.rng.below(7) {
                    0 => format!("{name} contains \"{}\"", self.rng.pick(&["a", "gmail", ""])),
                    1 => format!("{name} starts with \"{}\"", self.rng.pick(&["a", "é", "x"])),
                    2 => format!("{name} ends with \"{}\"", self.rng.pick(&["b", "com", ""])),
                    3 => format!(
                        "{name} matches \"{}\"",
                        self.rng.pick(&["^a", "b$", "^$", "a|B"])
                    ),
                    4 => format!("lower({name}) = \"b\""),
                    5 => format!("length({name}) {op} 2"),
                    _ => format!("{name} {op} \"{}\"", self.rng.pick(STRINGS)),
                }
            }
            Ty::Bool => {
                self.stats.filter_kinds.insert("bool");
                return match self.rng.below(3) {
                    0 => (name, true),
                    1 => (format!("not {name}"), true),
                    _ => (format!("{name} = {}", self.rng.chance(50)), false),
                };
            }
            Ty::Date | Ty::Timestamp => {
                self.stats.filter_kinds.insert("time");
                match self.rng.below(7) {
                    0 => format!("{name} within last {}", self.window()),
                    1 => format!("{name} before {}", self.date_literal()),
                    2 => format!("{name} after {} ago", self.window()),
                    3 => format!("days_since({name}) {op} {}", self.rng.pick(&[0, 1, 7, 30])),
                    4 => format!("year({name}) {op} {}", self.as_of_year()),
                    5 if ty == Ty::Timestamp => {
                        format!("{name} {op} {}", self.timestamp_literal())
                    }
                    _ => format!("{name} {op} {}", self.date_literal()),
                }
            }
        };
        self.stats.filter_kinds.insert("comparison");
        (text, false)
    }

    fn as_of_year(&mut self) -> i64 {
        use chrono::Datelike;
        i64::from(self.as_of.year()) - self.rng.below(2) as i64
    }

    // ─────────── customer-level expressions ───────────

    /// A numeric value: (text, is int).
    fn num(&mut self, depth: u32) -> (String, V) {
        let r = self.rng.below(100);
        match r {
            55..=64 => {
                if self.rng.chance(50) {
                    ("age".into(), V::Int)
                } else {
                    ("score".into(), V::Float)
                }
            }
            65..=84 if depth > 0 => {
                self.stats.arithmetic += 1;
                let (a, ta) = self.num(depth - 1);
                let (b, tb) = self.num(depth - 1);
                let op = *self.rng.pick(&["+", "-", "*", "/", "/"]);
                let ty = if ta == V::Int && tb == V::Int && op != "/" {
                    V::Int
                } else {
                    V::Float
                };
                (format!("({a} {op} {b})"), ty)
            }
            85..=89 if depth > 0 => {
                let (a, ta) = self.num(depth - 1);
                (format!("-({a})"), ta)
            }
            90..=94 if depth > 0 => {
                self.stats.ranks += 1;
                let (x, _) = self.ranked(depth - 1);
                let f = *self.rng.pick(&["quintile", "decile"]);
                (format!("{f}({x})"), V::Int)
            }
            95..=99 => {
                let lit = *self.rng.pick(&["1", "2", "0.5", "100"]);
                let ty = if lit.contains('.') { V::Float } else { V::Int };
                (lit.to_string(), ty)
            }
            _ => self.agg_value(Kind::Numeric),
        }
    }

    fn agg_value(&mut self, kind: Kind) -> (String, V) {
        let text = self.agg(kind);
        let agg = self.aggs.last().unwrap().clone();
        let ty = self.agg_type(kind, &agg);
        (text, ty)
    }

    /// A value that can be ranked: numeric, or a time.
    fn ranked(&mut self, depth: u32) -> (String, V) {
        if self.rng.chance(25) {
            self.agg_value(Kind::Time)
        } else {
            self.num(depth)
        }
    }

    fn number_literal(&mut self, ty: V) -> String {
        if ty == V::Int || self.rng.chance(50) {
            self.rng
                .pick(&["0", "1", "2", "3", "5", "100", "-1"])
                .to_string()
        } else {
            self.rng
                .pick(&["0.5", "100.5", "2.5", "-1.5", "0.0", "1.75"])
                .to_string()
        }
    }

    fn time_test(&mut self, t: &str, ty: V) -> String {
        self.stats.time_tests += 1;
        let op = *self.rng.pick(&["=", "!=", "<", "<=", ">", ">="]);
        match self.rng.below(10) {
            0 => format!("{t} within last {}", self.window()),
            1 => format!("{t} before {}", self.date_literal()),
            2 => format!("{t} after {}", self.date_literal()),
            3 => format!("{t} before {} ago", self.window()),
            4 => format!("{t} after {} ago", self.window()),
            5 => format!("{t} {op} {}", self.timestamp_literal()),
            6 => format!(
                "days_since({t}) {op} {}",
                self.rng.pick(&[0, 1, 7, 30, 365])
            ),
            7 => {
                if self.rng.chance(50) {
                    format!("year({t}) {op} {}", self.as_of_year())
                } else {
                    format!("month({t}) {op} {}", 1 + self.rng.below(12))
                }
            }
            8 => {
                let (u, _) = self.agg_value(Kind::Time);
                format!("{t} {op} {u}")
            }
            _ if ty == V::Date || self.rng.chance(50) => {
                format!("{t} {op} {}", self.date_literal())
            }
            _ => format!("{t} {op} {}", self.timestamp_literal()),
        }
    }

    fn criterion(&mut self, depth: u32) -> String {
        let bound = if depth == 0 { 12 } else { 15 };
        match self.rng.below(bound) {
            0..=2 => {
                let (x, ty) = self.num(depth.min(2));
                let op = *self.rng.pick(&["=", "!=", "<", "<=", ">", ">="]);
                let lit = self.number_literal(ty);
                format!("{x} {op} {lit}")
            }
            3 => {
                let kind = if self.rng.chance(30) {
                    Kind::Time
                } else {
                    Kind::Numeric
                };
                let (x, _) = self.agg_value(kind);
                let word = if self.rng.chance(60) {
                    "missing"
                } else {
                    "present"
                };
                format!("{x} is {word}")
            }
            4 => {
                let x = self.agg(Kind::Exists);
                match self.rng.below(3) {
                    0 => format!("not {x}"),
                    1 => format!("{x} = {}", self.rng.chance(50)),
                    _ => x,
                }
            }
            5 | 6 => {
                let (t, ty) = self.agg_value(Kind::Time);
                self.time_test(&t, ty)
            }
            7 => {
                let (x, ty) = self.num(depth.min(1));
                let lo = self.number_literal(ty);
                let hi = self.rng.pick(&["3", "100", "200.5"]).to_string();
                let not = if self.rng.chance(30) { "not " } else { "" };
                format!("{x} {not}between {lo} and {hi}")
            }
            8 => {
                let (x, ty) = self.num(depth.min(1));
                if ty == V::Int {
                    let not = if self.rng.chance(30) { "not " } else { "" };
                    format!("{x} {not}in [0, 1, 2, 100]")
                } else {
                    format!("{x} > 0")
                }
            }
            9 => {
                self.stats.percentiles += 1;
                let (x, _) = self.ranked(depth.min(1));
                let side = *self.rng.pick(&["top", "bottom"]);
                let p = *self.rng.pick(&["10", "20", "25", "50", "33.3", "100"]);
                format!("{x} in {side} {p}%")
            }
            10 => {
                self.stats.ranks += 1;
                let (x, _) = self.ranked(depth.min(1));
                match self.rng.below(3) {
                    0 => format!("quintile({x}) >= {}", 1 + self.rng.below(5)),
                    1 => format!("decile({x}) = {}", 1 + self.rng.below(10)),
                    _ => format!("percentile({x}) < {}", self.rng.pick(&["50", "20.5", "90"])),
                }
            }
            11 => {
                self.stats.customer_criteria += 1;
                self.customer_criterion()
            }
            12 => {
                let n = 2 + self.rng.below(2);
                let items: Vec<String> = (0..n).map(|_| self.criterion(depth - 1)).collect();
                format!("({})", items.join(" and "))
            }
            13 => {
                let n = 2 + self.rng.below(2);
                let items: Vec<String> = (0..n).map(|_| self.criterion(depth - 1)).collect();
                format!("({})", items.join(" or "))
            }
            _ => format!("not ({})", self.criterion(depth - 1)),
        }
    }

    fn customer_criterion(&mut self) -> String {
        let reference = self.segments > 0 && self.rng.chance(30);
        if reference {
            let s = self.rng.below(self.segments);
            self.current.extend(self.segment_tables[s].clone());
            return format!("s{s}");
        }
        if let Some(labels) = self.tiers.clone()
            && self.rng.chance(30)
        {
            self.current.extend(self.tier_tables.clone());
            return match self.rng.below(3) {
                0 => format!("tier = \"{}\"", self.rng.pick(&labels)),
                1 => "tier is missing".into(),
                _ => format!("tier in [\"{}\"]", self.rng.pick(&labels)),
            };
        }
        match self.rng.below(6) {
            0 => format!("age >= {}", self.rng.pick(&[18, 30, 65])),
            1 => "age is missing".into(),
            2 => format!("score > {}", self.rng.pick(&["0.5", "0", "10"])),
            3 => "vip".into(),
            4 => format!("country = \"{}\"", self.rng.pick(&["de", "fr"])),
            _ => "country in [\"de\", \"uk\"]".into(),
        }
    }
}

fn build(seed: u64) -> Case {
    build_sized(seed, false)
}

/// A case; `large` ones have 16–40 customers and 4,096–6,095 events per table,
/// so a batch of 8,192 takes the engine's two-thread paths (lookups and
/// record updates split in halves).
fn build_sized(seed: u64, large: bool) -> Case {
    let mut rng = Rng::new(seed);
    let as_of: NaiveDate = if rng.chance(80) {
        rng.pick(AS_OFS).parse().unwrap()
    } else {
        dates::date_of_days(7_300 + rng.below(15_000) as i32).unwrap()
    };
    let as_of_day = dates::days_of(as_of);
    let mut windows: Vec<usize> = (0..3).map(|_| rng.below(WINDOWS.len())).collect();
    windows.dedup();
    let mut edges = vec![
        as_of_day,
        as_of_day,
        as_of_day - 1,
        as_of_day + 1,
        as_of_day + 2,
    ];
    for w in &windows {
        let (_, amount, unit) = WINDOWS[*w];
        let lo = dates::days_ago(as_of, duration(amount, unit));
        edges.extend([lo, lo, lo - 1, lo + 1]);
    }
    let mut b = Builder {
        rng,
        as_of,
        as_of_day,
        edges,
        windows,
        tables: Vec::new(),
        aggs: Vec::new(),
        segments: 0,
        segment_tables: Vec::new(),
        tier_tables: BTreeSet::new(),
        tiers: None,
        current: BTreeSet::new(),
        stats: Stats::default(),
    };

    // customers
    let key_ty = if b.rng.chance(50) { Ty::Str } else { Ty::Int };
    b.stats.int_keys += usize::from(key_ty == Ty::Int);
    let key_name = if b.rng.chance(50) {
        "id"
    } else {
        "customer_id"
    };
    let mut pool: Vec<Cell> = match key_ty {
        Ty::Str => (0..50)
            .map(|i| Cell::Str(format!("c{i}")))
            .chain(STR_KEYS.iter().map(|s| Cell::Str(s.to_string())))
            .collect(),
        _ => (-2..50)
            .map(Cell::Int)
            .chain(INT_KEYS.iter().map(|i| Cell::Int(*i)))
            .collect(),
    };
    // shuffle, then the first rows are the customers
    for i in (1..pool.len()).rev() {
        let j = b.rng.below(i + 1);
        pool.swap(i, j);
    }
    let rows = if large {
        16 + b.rng.below(25)
    } else if b.rng.chance(5) {
        0
    } else {
        b.rng.below(41)
    };
    let mut keys: Vec<Cell> = pool[..rows].to_vec();
    if rows >= 2 && b.rng.chance(8) {
        let from = b.rng.below(rows);
        let to = b.rng.below(rows);
        keys[to] = keys[from].clone();
        b.stats.duplicate_keys += usize::from(from != to);
    }
    let dict = b.rng.chance(30);
    let mut customers = vec![Column {
        name: key_name.into(),
        ty: key_ty,
        nullable: false,
        dict: dict && key_ty == Ty::Str,
        cells: keys.clone(),
    }];
    for (name, ty) in [
        ("age", Ty::Int),
        ("score", Ty::Float),
        ("country", Ty::Str),
        ("vip", Ty::Bool),
    ] {
        let cells = (0..rows)
            .map(|_| match ty {
                Ty::Str if !b.rng.chance(15) => {
                    Cell::Str(b.rng.pick(&["de", "fr", "uk"]).to_string())
                }
                Ty::Int if !b.rng.chance(15) => Cell::Int(b.rng.below(80) as i64),
                Ty::Str | Ty::Int => Cell::Missing,
                _ => b.cell(ty, 15, false),
            })
            .collect();
        customers.push(Column {
            name: name.into(),
            ty,
            nullable: true,
            dict: false,
            cells,
        });
    }

    // event tables
    let table_count = if b.rng.chance(35) { 2 } else { 1 };
    for t in 0..table_count {
        let name = ["orders", "visits"][t];
        let time_ty = if b.rng.chance(50) {
            Ty::Timestamp
        } else {
            Ty::Date
        };
        b.stats.date_tables += usize::from(time_ty == Ty::Date);
        let big = b.rng.chance(30);
        let mut specs: Vec<(&str, Ty)> =
            vec![("amount", if b.rng.chance(50) { Ty::Int } else { Ty::Float })];
        for spec in [
            ("qty", Ty::Int),
            ("price", Ty::Float),
            ("kind", Ty::Enum),
            ("note", Ty::Str),
            ("gift", Ty::Bool),
        ] {
            if b.rng.chance(50) {
                specs.push(spec);
            }
        }
        let time_name = *b.rng.pick(&["at", "placed_at", "day"]);
        let time = b.rng.below(specs.len() + 1);
        specs.insert(time, (time_name, time_ty));
        let n = if large {
            4096 + b.rng.below(2000)
        } else if b.rng.chance(8) {
            0
        } else {
            b.rng.below(201)
        };
        let missing_time = *b.rng.pick(&[0, 5, 10]);
        let event_keys: Vec<Cell> = (0..n)
            .map(|_| match b.rng.below(100) {
                0..=74 if rows > 0 => keys[b.rng.below(rows)].clone(),
                0..=89 => pool[b.rng.below(pool.len())].clone(),
                _ => Cell::Missing,
            })
            .collect();
        let fields: Vec<Column> = specs
            .iter()
            .enumerate()
            .map(|(i, (fname, ty))| {
                let missing = if i == time { missing_time } else { 15 };
                Column {
                    name: fname.to_string(),
                    ty: *ty,
                    nullable: b.rng.chance(60),
                    dict: b.rng.chance(40),
                    cells: (0..n).map(|_| b.cell(*ty, missing, big)).collect(),
                }
            })
            .collect();
        let key_column = if b.rng.chance(70) { key_name } else { "cid" };
        b.tables.push(EventTable {
            name: name.into(),
            key: Column {
                name: key_column.into(),
                ty: key_ty,
                nullable: true,
                dict: b.rng.chance(30) && key_ty == Ty::Str,
                cells: event_keys,
            },
            typed_key: b.rng.chance(40),
            time,
            time_line_at: b.rng.below(specs.len()),
            fields,
        });
    }

    // the program
    let mut text = format!(
        "schema customers {{\n  key {key_name}: {}\n{}\n}}\n\n",
        key_ty.decl(),
        customers[1..]
            .iter()
            .map(|c| {
                let decl = c.decl();
                if c.name == "country" {
                    decl.replace("string", r#"enum("de", "fr", "uk")"#)
                } else {
                    decl
                }
            })
            .map(|d| format!("  {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    for t in &b.tables {
        text.push_str(&t.text(key_ty));
        text.push('\n');
    }
    let labels = ["gold", "silver", "bronze"];
    let with_tiers = b.rng.chance(40);
    if with_tiers {
        b.stats.tiers += 1;
        let otherwise = b.rng.chance(50);
        let count = 2 + b.rng.below(2);
        text.push_str("tiers tier {\n");
        for (i, label) in labels[..count].iter().enumerate() {
            if otherwise && i == count - 1 {
                let _ = writeln!(text, "  {label}: otherwise");
            } else {
                let condition = b.criterion(1);
                let _ = writeln!(text, "  {label}: {condition}");
            }
        }
        text.push_str("}\n\n");
        b.tier_tables = std::mem::take(&mut b.current);
        b.tiers = Some(labels[..count].to_vec());
    }
    let segment_count = 3 + b.rng.below(5);
    let mut paused = Vec::new();
    for i in 0..segment_count {
        b.current.clear();
        let condition = b.criterion(2);
        let is_paused = b.rng.chance(8);
        paused.push(is_paused);
        let _ = writeln!(
            text,
            "segment s{i} {{\n  where {condition}{}\n}}\n",
            if is_paused { "\n  paused" } else { "" }
        );
        b.segment_tables.push(std::mem::take(&mut b.current));
        b.segments += 1;
    }
    let selected: Option<Vec<String>> = b.rng.chance(15).then(|| {
        (0..segment_count)
            .filter(|_| b.rng.chance(50))
            .map(|i| format!("s{i}"))
            .collect()
    });
    // a selection names segments only, so the tiers block is then evaluated only
    // when a selected segment refers to it
    let mut used_tables = match &selected {
        Some(_) => BTreeSet::new(),
        None => b.tier_tables.clone(),
    };
    for (i, (tables, paused)) in b.segment_tables.iter().zip(&paused).enumerate() {
        let output = match &selected {
            Some(names) => names.contains(&format!("s{i}")),
            None => !paused,
        };
        if output {
            used_tables.extend(tables.iter().copied());
        }
    }
    Case {
        seed,
        as_of,
        text,
        customers,

        tables: b.tables,
        selected,
        used_tables,
        stats: b.stats,
    }
}

// ───────────────────────────── running ─────────────────────────────

/// Parses and checks `.seg` text; panics with every diagnostic on failure.
fn compile(text: &str) -> Result<ir::Program, String> {
    let mut sources = Sources::new();
    let id = sources.add("segments.seg", text);
    let mut diagnostics = Diagnostics::new();
    let ast = syntax::parse(sources.get(id).unwrap(), &mut diagnostics);
    let program = check::check(&[ast], &mut diagnostics);
    match program {
        Some(p) if !diagnostics.has_errors() => Ok(p),
        _ => Err(diagnostics
            .iter()
            .map(|d| {
                let file = sources.get(d.primary.span.file).unwrap();
                let (line, col) = file.line_col(d.primary.span.start);
                format!("{line}:{col} {:?}: {}", d.code, d.message)
            })
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

fn engine(
    program: &ir::Program,
    options: &PlanOptions,
    customers: &MemorySource,
    events: &[MemorySource],
    key: bool,
) -> Result<RecordBatch, String> {
    let plan = plan::compile(program, options).map_err(|e| e.to_string())?;
    let refs: Vec<Option<&dyn BatchSource>> =
        events.iter().map(|e| Some(e as &dyn BatchSource)).collect();
    let mut batches = Vec::new();
    eval::run_with_events(&plan, customers, &refs, RunOptions { key }, &mut |b| {
        batches.push(b);
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    concat_batches(&plan.membership_schema(), &batches).map_err(|e| e.to_string())
}

fn cell_text(column: &ArrayRef, row: usize) -> String {
    if column.is_null(row) {
        "∅".into()
    } else {
        array_value_to_string(column, row).unwrap()
    }
}

/// The rows where two membership tables differ (`from`: first column compared).
fn differences(got: &RecordBatch, expected: &RecordBatch, from: usize) -> Vec<String> {
    let mut out = Vec::new();
    if got.schema() != expected.schema() {
        out.push(format!(
            "schemas differ:\nengine:    {:?}\nreference: {:?}",
            got.schema(),
            expected.schema()
        ));
        return out;
    }
    if got.num_rows() != expected.num_rows() {
        out.push(format!(
            "engine has {} rows, reference {}",
            got.num_rows(),
            expected.num_rows()
        ));
        return out;
    }
    let schema = expected.schema();
    let keys = expected.column(0);
    for c in from..expected.num_columns() {
        let (g, e) = (got.column(c), expected.column(c));
        if g.as_ref() == e.as_ref() {
            continue;
        }
        for row in 0..expected.num_rows() {
            let (gv, ev) = (cell_text(g, row), cell_text(e, row));
            if gv != ev || g.is_null(row) != e.is_null(row) {
                out.push(format!(
                    "row {row} (key {}), column `{}`: engine {gv}, reference {ev}",
                    cell_text(keys, row),
                    schema.field(c).name()
                ));
            }
        }
        if out.is_empty() {
            out.push(format!(
                "column `{}` differs in layout: engine {g:?}, reference {e:?}",
                schema.field(c).name()
            ));
        }
    }
    out
}

/// Events the engine must report as left out: missing time, or a key matching no customer.
fn expected_left_out(case: &Case) -> Vec<u64> {
    let keys: Vec<&Cell> = case.customers[0].cells.iter().collect();
    case.tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if !case.used_tables.contains(&i) {
                return 0;
            }
            (0..t.rows())
                .filter(|r| {
                    t.fields[t.time].cells[*r] == Cell::Missing
                        || t.key.cells[*r] == Cell::Missing
                        || !keys.contains(&&t.key.cells[*r])
                })
                .count() as u64
        })
        .collect()
}

fn check_case(case: &Case) {
    let fail = |what: String| -> ! { panic!("{what}\n\n{}", case.repro()) };
    let program = compile(&case.text).unwrap_or_else(|e| fail(format!("does not compile:\n{e}")));
    let options = PlanOptions {
        segments: case.selected.clone(),
        ..PlanOptions::new(case.as_of)
    };
    let customers = case.customer_source(&program, 1000);
    let events = case.event_sources(&program, 1000);
    let refs: Vec<Option<&dyn BatchSource>> =
        events.iter().map(|e| Some(e as &dyn BatchSource)).collect();
    let expected = reference::evaluate_with_events(&program, &options, &customers, &refs)
        .unwrap_or_else(|e| fail(format!("the reference fails: {e}")));
    let runs = BATCH_SIZES.iter().map(|b| (*b, true)).chain([(7, false)]);
    for (batch, key) in runs {
        let customers = case.customer_source(&program, batch);
        let events = case.event_sources(&program, batch);
        let got = engine(&program, &options, &customers, &events, key).unwrap_or_else(|e| {
            fail(format!(
                "the engine fails (batch size {batch}, key {key}): {e}"
            ))
        });
        let diffs = differences(&got, &expected, if key { 0 } else { 1 });
        if !diffs.is_empty() {
            let shown = diffs
                .iter()
                .take(30)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n");
            fail(format!(
                "engine and reference disagree (as-of {}, batch size {batch}, key {key}), {} cells:\n{shown}",
                case.as_of,
                diffs.len()
            ));
        }
    }
    let plan = plan::compile(&program, &options).unwrap();
    let population = eval::Population::compute_with_events(&plan, &customers, &refs)
        .unwrap_or_else(|e| fail(format!("the pre-pass fails: {e}")));
    // (the engine may give an empty list when the plan has no aggregates)
    let left_out: Vec<u64> = (0..case.tables.len())
        .map(|i| population.events_left_out().get(i).copied().unwrap_or(0))
        .collect();
    let want = expected_left_out(case);
    if left_out != want || population.events_left_out().len() > want.len() {
        fail(format!(
            "events left out: engine {left_out:?}, expected {want:?} (tables used: {:?})",
            case.used_tables
        ));
    }
}

/// Both tables have both members and non-members in some segment (the cases are
/// not trivially empty).
fn informative(case: &Case) -> bool {
    let Ok(program) = compile(&case.text) else {
        return false;
    };
    let options = PlanOptions {
        segments: case.selected.clone(),
        ..PlanOptions::new(case.as_of)
    };
    let customers = case.customer_source(&program, 1000);
    let events = case.event_sources(&program, 1000);
    let refs: Vec<Option<&dyn BatchSource>> =
        events.iter().map(|e| Some(e as &dyn BatchSource)).collect();
    let Ok(table) = reference::evaluate_with_events(&program, &options, &customers, &refs) else {
        return false;
    };
    (1..table.num_columns()).any(|c| {
        let column = table.column(c);
        let Some(bits) = column.as_any().downcast_ref::<BooleanArray>() else {
            return false;
        };
        bits.true_count() > 0 && bits.false_count() > 0
    })
}

fn seeds() -> Vec<u64> {
    if let Ok(seed) = std::env::var("SEGMINT_EVENTS_SEED") {
        return vec![seed.trim().parse().expect("SEGMINT_EVENTS_SEED is a u64")];
    }
    let cases = std::env::var("SEGMINT_EVENTS_CASES")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(CASES);
    let mut rng = Rng::new(0x5E6_317);
    (0..cases).map(|_| rng.next()).collect()
}

#[test]
fn engine_agrees_with_the_reference_on_event_aggregates() {
    for seed in seeds() {
        check_case(&build(seed));
    }
}

#[test]
fn engine_agrees_with_the_reference_on_large_batches() {
    let mut rng = Rng::new(0x1A_46E);
    for _ in 0..12 {
        check_case(&build_sized(rng.next(), true));
    }
}

#[test]
fn the_generator_covers_every_form() {
    let mut total = Stats::default();
    let mut informative_cases = 0;
    let seeds = seeds();
    if seeds.len() == 1 {
        return;
    }
    for seed in &seeds {
        let case = build(*seed);
        let s = &case.stats;
        for (t, n) in total.functions.iter_mut().zip(s.functions) {
            *t += n;
        }
        for (t, n) in total.window_units.iter_mut().zip(s.window_units) {
            *t += n;
        }
        total.filters += s.filters;
        total.windows += s.windows;
        total.reused += s.reused;
        total.mutated += s.mutated;
        total.arithmetic += s.arithmetic;
        total.percentiles += s.percentiles;
        total.ranks += s.ranks;
        total.tiers += s.tiers;
        total.customer_criteria += s.customer_criteria;
        total.time_tests += s.time_tests;
        total.int_keys += s.int_keys;
        total.date_tables += s.date_tables;
        total.duplicate_keys += s.duplicate_keys;
        total.filter_kinds.extend(s.filter_kinds.iter().copied());
        informative_cases += usize::from(informative(&case));
    }
    let n = seeds.len();
    for (f, count) in FUNCTIONS.iter().zip(total.functions) {
        assert!(
            count >= n / 3,
            "`{f}` written {count} times in {n} cases: {total:?}"
        );
    }
    for (unit, count) in ["day", "week", "month", "year"]
        .iter()
        .zip(total.window_units)
    {
        assert!(count >= n / 10, "windows in {unit}s: {count}: {total:?}");
    }
    for (what, count) in [
        ("filters", total.filters),
        ("windows", total.windows),
        ("aggregates written again", total.reused),
        ("aggregates changed", total.mutated),
        ("arithmetic", total.arithmetic),
        ("top/bottom", total.percentiles),
        ("quintile/decile/percentile", total.ranks),
        ("tiers blocks", total.tiers),
        ("customer criteria", total.customer_criteria),
        ("time tests", total.time_tests),
        ("int keys", total.int_keys),
        ("date time columns", total.date_tables),
    ] {
        assert!(count >= n / 5, "{what}: {count} in {n} cases: {total:?}");
    }
    assert!(total.duplicate_keys > 0, "no duplicate keys: {total:?}");
    for kind in [
        "and",
        "or",
        "not",
        "in",
        "is missing",
        "string test",
        "bool",
        "time",
    ] {
        assert!(
            total.filter_kinds.contains(kind),
            "no `{kind}` in filters: {total:?}"
        );
    }
    assert!(
        informative_cases * 10 >= n * 8,
        "only {informative_cases} of {n} cases have a segment with both members and non-members"
    );
}

// ───────────────────────────── fixed cases ─────────────────────────────

/// A source from CSV text (no quoting; empty = missing, `""` = empty string).
fn csv_source(schema: &ir::Schema, csv: &str, batch: usize) -> MemorySource {
    let mut lines = csv.lines().map(str::trim).filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut source = MemorySource::new(rows.len(), batch);
    for (i, field) in schema.fields.iter().enumerate() {
        let at = header.iter().position(|h| *h == field.name).unwrap();
        let cells: Vec<Option<&str>> = rows
            .iter()
            .map(|r| match r[at] {
                "" => None,
                "\"\"" => Some(""),
                s => Some(s),
            })
            .collect();
        let array: ArrayRef = match &field.ty {
            ir::Type::Int => Arc::new(
                cells
                    .iter()
                    .map(|c| c.map(|s| s.parse::<i64>().unwrap()))
                    .collect::<Int64Array>(),
            ),
            ir::Type::Float => Arc::new(
                cells
                    .iter()
                    .map(|c| c.map(|s| s.parse::<f64>().unwrap()))
                    .collect::<Float64Array>(),
            ),
            ir::Type::Bool => Arc::new(
                cells
                    .iter()
                    .map(|c| c.map(|s| s == "true"))
                    .collect::<BooleanArray>(),
            ),
            ir::Type::Date => Arc::new(
                cells
                    .iter()
                    .map(|c| c.map(|s| dates::days_of(s.parse().unwrap())))
                    .collect::<Date32Array>(),
            ),
            ir::Type::Timestamp => Arc::new(
                cells
                    .iter()
                    .map(|c| c.map(|s| DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()))
                    .collect::<TimestampMicrosecondArray>(),
            ),
            _ => Arc::new(cells.iter().copied().collect::<StringArray>()),
        };
        source = source.with_column(ir::FieldId(i as u32), array);
    }
    source
}

/// Runs a fixed case with both engines at every batch size, checks they agree,
/// and returns each output column's members (keys of rows where it holds, or
/// `key=label` for tiers).
fn fixed(text: &str, as_of: &str, customers: &str, events: &[&str]) -> Vec<(String, String)> {
    let program = compile(text).unwrap_or_else(|e| panic!("{e}"));
    let options = PlanOptions::new(as_of.parse().unwrap());
    let sources = |batch: usize| {
        let c = csv_source(&program.schema, customers, batch);
        let e: Vec<MemorySource> = program
            .events
            .iter()
            .zip(events)
            .map(|(t, csv)| csv_source(&reference::event_schema(&program, t), csv, batch))
            .collect();
        (c, e)
    };
    let (c, e) = sources(1000);
    let refs: Vec<Option<&dyn BatchSource>> =
        e.iter().map(|s| Some(s as &dyn BatchSource)).collect();
    let expected = reference::evaluate_with_events(&program, &options, &c, &refs).unwrap();
    for batch in BATCH_SIZES {
        let (c, e) = sources(batch);
        let got = engine(&program, &options, &c, &e, true).unwrap();
        let diffs = differences(&got, &expected, 0);
        assert!(
            diffs.is_empty(),
            "batch size {batch}:\n{}",
            diffs.join("\n")
        );
    }
    let schema = expected.schema();
    (1..expected.num_columns())
        .map(|c| {
            let column = expected.column(c);
            let members: Vec<String> = (0..expected.num_rows())
                .filter_map(|row| {
                    let key = cell_text(expected.column(0), row);
                    match column.as_any().downcast_ref::<BooleanArray>() {
                        Some(bits) => bits.value(row).then_some(key),
                        None => (!column.is_null(row))
                            .then(|| format!("{key}={}", cell_text(column, row))),
                    }
                })
                .collect();
            (schema.field(c).name().clone(), members.join(" "))
        })
        .collect()
}

fn assert_members(got: &[(String, String)], want: &[(&str, &str)]) {
    let got: Vec<(&str, &str)> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(got, want);
}

const SHOP: &str = r#"
schema customers {
  key id: string
  age: int?
}

events orders {
  key id
  amount: float?
  n: int?
  time at: timestamp
}

segment on_as_of { where count(orders within last 0 days) = 1 }
segment one_visible { where count(orders) = 1 }
segment week { where count(orders within last 7 days) >= 1 }
segment week_sum { where sum(orders.amount within last 7 days) = 2 }
segment eight_days_sum { where sum(orders.amount within last 8 days) = 6 }
segment last_instant { where last(orders) = 2024-03-31T23:59:59.999999Z }
segment last_after_second { where last(orders) > 2024-03-31T23:59:59Z }
segment last_on_day { where last(orders) = 2024-03-31 }
segment first_before { where first(orders) before 2024-03-24 }
segment sum_zero { where sum(orders.amount) = 0 }
segment avg_missing { where avg(orders.amount) is missing }
segment min_max_missing { where min(orders.amount) is missing and max(orders.amount) is missing }
segment n_sum_missing { where sum(orders.n) is missing }
segment n_sum_zero { where sum(orders.n) = 0 }
segment n_max_exact { where max(orders.n) - 9007199254740992 = 1 }
segment none { where not exists(orders) }
segment unmatched_seen { where sum(orders.amount) >= 16 }
segment first_is_last { where first(orders) = last(orders) }
"#;

// c1: an event at the last microsecond of the as-of date (counts), one at
//     midnight after it (invisible).
// c2: 2024-03-24 00:00 (7 days back: inside) and 2024-03-23 23:59:59.999999 (outside).
// c3: only an event without a time (left out).
// c4: an event with missing amount and n = 2^53 + 1.
// c5: n = i64::MAX and 1 (the int sum overflows), amounts missing, 2024-01-01.
// c6: no events. c9 and C1 match no customer.
const SHOP_CUSTOMERS: &str = "id,age\nc1,30\nc2,\nc3,40\nc4,20\nc5,50\nc6,60\n";
const SHOP_ORDERS: &str = "id,amount,n,at
c1,1.0,,2024-03-31T23:59:59.999999Z
c1,100.0,,2024-04-01T00:00:00Z
c2,2.0,,2024-03-24T00:00:00Z
c2,4.0,,2024-03-23T23:59:59.999999Z
c3,8.0,,
c4,,9007199254740993,2024-03-30T12:00:00Z
c5,,9223372036854775807,2024-01-01T00:00:00Z
c5,,1,2024-01-01T00:00:00Z
c9,16.0,,2024-03-30T00:00:00Z
C1,16.0,,2024-03-30T00:00:00Z
,16.0,,2024-03-30T00:00:00Z
";

#[test]
fn fixed_edges_of_time_windows_and_missing_values() {
    let members = fixed(SHOP, "2024-03-31", SHOP_CUSTOMERS, &[SHOP_ORDERS]);
    assert_members(
        &members,
        &[
            ("on_as_of", "c1"),
            ("one_visible", "c1 c4"),
            ("week", "c1 c2 c4"),
            ("week_sum", "c2"),
            ("eight_days_sum", "c2"),
            ("last_instant", "c1"),
            ("last_after_second", "c1"),
            ("last_on_day", "c1"),
            ("first_before", "c2 c5"),
            ("sum_zero", "c3 c4 c5 c6"),
            ("avg_missing", "c3 c4 c5 c6"),
            ("min_max_missing", "c3 c4 c5 c6"),
            ("n_sum_missing", "c5"),
            ("n_sum_zero", "c1 c2 c3 c6"),
            ("n_max_exact", "c4"),
            ("none", "c3 c6"),
            ("unmatched_seen", ""),
            ("first_is_last", "c1 c4 c5"),
        ],
    );
}

#[test]
fn fixed_events_left_out_are_counted() {
    let program = compile(SHOP).unwrap();
    let options = PlanOptions::new("2024-03-31".parse().unwrap());
    let plan = plan::compile(&program, &options).unwrap();
    let c = csv_source(&program.schema, SHOP_CUSTOMERS, 4);
    let e = csv_source(
        &reference::event_schema(&program, &program.events[0]),
        SHOP_ORDERS,
        4,
    );
    let population =
        eval::Population::compute_with_events(&plan, &c, &[Some(&e as &dyn BatchSource)]).unwrap();
    // c3's event without a time, c9, C1 and the event without a key (c1's
    // event after the as-of date is not left out: it is history later on)
    assert_eq!(population.events_left_out(), [4]);
}

const VISITS: &str = r#"
schema customers {
  key id: int
}

events visits {
  time day: date?
  key id: int
  pages: int
  ratio: float
}

segment month { where count(visits within last 1 month) >= 1 }
segment two_months { where count(visits within last 2 months) >= 1 }
segment last_day { where last(visits) = 1970-01-01 }
segment before_epoch { where first(visits) before 1970-01-01 }
segment first_ts { where first(visits) <= 1969-12-31T12:00:00Z }
segment days { where days_since(last(visits)) = 31 }
segment avg_exact { where avg(visits.pages) = 2.5 }
segment avg_ratio { where avg(visits.ratio) > 0.3 and avg(visits.ratio) < 0.4 }
segment big_sum { where sum(visits.pages) > 9223372036854775806 }
segment mixed { where sum(visits.pages) / count(visits) >= 2 and count(visits where pages > 1) = 1 }
segment top { where sum(visits.pages) in top 40% }
segment q2 { where quintile(count(visits)) = 2 }

tiers heavy {
  high: sum(visits.pages within last 1 year) >= 4
  some: exists(visits)
}
"#;

// As-of 1970-03-31: 1 month back is 1970-02-28 (clamped), 2 months 1970-01-31.
// 1: 1970-02-28 (edge of 1 month: inside) and 1970-02-27 → pages 2 and 3.
// 2: 1970-01-01 and 1969-12-31 (before the epoch) → pages 4 and missing.
// 3: 1970-01-31 (edge of 2 months) → pages 9223372036854775807.
// 4: only 1970-04-01 (after as-of: invisible) and a visit without a date.
// 5: duplicate customer rows with key 5, each sees both events (ratios 0.1 and 0.6).
const VISIT_CUSTOMERS: &str = "id\n1\n2\n3\n4\n5\n5\n";
const VISIT_EVENTS: &str = "id,day,pages,ratio
1,1970-02-28,2,
1,1970-02-27,3,
2,1970-01-01,4,
2,1969-12-31,,
3,1970-01-31,9223372036854775807,
4,1970-04-01,1,
4,,1,
5,1970-03-31,1,0.1
5,1970-03-30,1,0.6
7,1970-03-30,1,
";

#[test]
fn fixed_calendar_months_negative_epoch_and_duplicate_keys() {
    let members = fixed(VISITS, "1970-03-31", VISIT_CUSTOMERS, &[VISIT_EVENTS]);
    assert_members(
        &members,
        &[
            ("month", "1 5 5"),
            ("two_months", "1 3 5 5"),
            ("last_day", "2"),
            ("before_epoch", "2"),
            ("first_ts", "2"),
            ("days", "1"),
            ("avg_exact", "1"),
            ("avg_ratio", "5 5"),
            ("big_sum", "3"),
            ("mixed", "2 3"),
            ("top", "1 2 3"),
            ("q2", "1 2 5 5"),
            ("heavy", "1=high 2=high 3=high 5=some 5=some"),
        ],
    );
}

// ───────────────────── a series of dates (backtest) ─────────────────────

/// The case's program with one more segment whose `lift` expectations measure
/// future windows (`within next`) over every event table.
fn with_outcomes(case: &Case) -> String {
    let mut text = case.text.clone();
    let Some(first) = case.tables.first() else {
        return text;
    };
    let _ = writeln!(
        text,
        "\nsegment zz_outcomes {{\n  where count({0}) >= 1\n  expect lift(count({0} within next 30 days)) >= 1",
        first.name
    );
    for (i, table) in case.tables.iter().enumerate() {
        let _ = writeln!(
            text,
            "  expect lift(count({} within next {}) + count({0})) >= 1",
            table.name,
            WINDOWS[(case.seed as usize + i) % WINDOWS.len()].0
        );
    }
    text.push_str("}\n");
    text
}

/// A float sum depends on the order it adds in only when it overflows or rounds;
/// the generator's plain floats are exact binary fractions, so only `±1e308`
/// can, and ints beyond 2^53 (an `avg` of ints adds them as floats: `5 + 2^63`
/// rounds the 5 away). The series adds a customer's events in time order, not
/// file order (docs/backtest.md), so for it they become plain values.
fn without_overflowing_floats(case: &mut Case) {
    const EXACT: i64 = 1 << 53;
    for table in &mut case.tables {
        for column in &mut table.fields {
            for cell in &mut column.cells {
                match cell {
                    Cell::Float(f) if f.is_finite() && f.abs() > 1e300 => *cell = Cell::Float(2.5),
                    Cell::Int(i) if !(-EXACT..=EXACT).contains(i) => *cell = Cell::Int(7),
                    _ => {}
                }
            }
        }
    }
}

/// The as-of dates of a series around the case's date: a month end before it,
/// the day before, the date itself and ten days after.
fn series_dates(as_of: NaiveDate) -> Vec<NaiveDate> {
    let mut dates = vec![
        as_of - chrono::Months::new(2),
        as_of - chrono::Days::new(1),
        as_of,
        as_of + chrono::Days::new(10),
    ];
    dates.sort();
    dates.dedup();
    dates
}

fn check_series(case: &Case) {
    let fail = |what: String| -> ! { panic!("{what}\n\n{}", case.repro()) };
    let text = with_outcomes(case);
    let program = compile(&text).unwrap_or_else(|e| fail(format!("does not compile:\n{e}")));
    let measures = segmint::expect::lift_measures(&program, &|_| true);
    let dates = series_dates(case.as_of);
    let options: Vec<PlanOptions> = dates
        .iter()
        .map(|d| PlanOptions {
            segments: case.selected.clone(),
            measures: measures.clone(),
            ..PlanOptions::new(*d)
        })
        .collect();
    let plans: Vec<plan::Plan> = options
        .iter()
        .map(|o| plan::compile(&program, o).unwrap_or_else(|e| fail(format!("plan: {e}"))))
        .collect();
    // (without the key, a plan reading only aggregates runs over a stand-in of the customer table)
    for (batch, key) in [(7, true), (1000, true), (1000, false)] {
        let customers = case.customer_source(&program, batch);
        let events = case.event_sources(&program, batch);
        let refs: Vec<Option<&dyn BatchSource>> =
            events.iter().map(|e| Some(e as &dyn BatchSource)).collect();
        let mut series = eval::Series::start(&plans, &customers, &refs, &mut |_| {})
            .unwrap_or_else(|e| fail(format!("the series fails to start: {e}")));
        for (date, (options, plan)) in dates.iter().zip(options.iter().zip(&plans)) {
            let mut batches = Vec::new();
            series
                .next_date(RunOptions { key }, &mut |b| {
                    batches.push(b);
                    Ok(())
                })
                .unwrap_or_else(|e| fail(format!("the series fails at {date}: {e}")));
            let got = concat_batches(&plan.membership_schema(), &batches).unwrap();
            let expected = reference::evaluate_with_events(&program, options, &customers, &refs)
                .unwrap_or_else(|e| fail(format!("the reference fails: {e}")));
            let diffs = differences(&got, &expected, if key { 0 } else { 1 });
            if !diffs.is_empty() {
                let shown = diffs.iter().take(30).cloned().collect::<Vec<_>>();
                fail(format!(
                    "series and reference disagree at {date} (batch size {batch}, key {key}), {} cells:\n{}",
                    diffs.len(),
                    shown.join("\n")
                ));
            }
        }
        let left_out: Vec<u64> = (0..case.tables.len())
            .map(|i| series.events_left_out().get(i).copied().unwrap_or(0))
            .collect();
        let mut want = expected_left_out(case);
        // the outcome probes read every table
        for (i, table) in case.tables.iter().enumerate() {
            let keys: Vec<&Cell> = case.customers[0].cells.iter().collect();
            want[i] = (0..table.rows())
                .filter(|r| {
                    table.fields[table.time].cells[*r] == Cell::Missing
                        || table.key.cells[*r] == Cell::Missing
                        || !keys.contains(&&table.key.cells[*r])
                })
                .count() as u64;
        }
        if left_out != want {
            fail(format!(
                "events left out: series {left_out:?}, expected {want:?}"
            ));
        }
    }
}

#[test]
fn a_series_of_dates_agrees_with_the_reference_at_every_date() {
    let cases = std::env::var("SEGMINT_EVENTS_CASES")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(120u64);
    let mut rng = Rng::new(0xBAC_7E57);
    let seeds: Vec<u64> = match std::env::var("SEGMINT_EVENTS_SEED") {
        Ok(seed) => vec![seed.trim().parse().expect("SEGMINT_EVENTS_SEED is a u64")],
        Err(_) => (0..cases).map(|_| rng.next()).collect(),
    };
    for seed in seeds {
        let mut case = build(seed);
        without_overflowing_floats(&mut case);
        check_series(&case);
    }
}

#[test]
fn a_series_agrees_with_the_reference_on_large_cases() {
    let mut rng = Rng::new(0x5E_41E5);
    for _ in 0..4 {
        let mut case = build_sized(rng.next(), true);
        without_overflowing_floats(&mut case);
        check_series(&case);
    }
}

/// Column `name` of `schema`, laid out for a [`MemorySource`].
fn named_source(schema: &ir::Schema, rows: usize, columns: Vec<(&str, ArrayRef)>) -> MemorySource {
    let mut source = MemorySource::new(rows, 8192);
    for (i, field) in schema.fields.iter().enumerate() {
        let (_, column) = columns
            .iter()
            .find(|(name, _)| *name == field.name)
            .unwrap_or_else(|| panic!("no data for field `{}`", field.name));
        source = source.with_column(ir::FieldId(i as u32), Arc::clone(column));
    }
    source
}

/// A backtest keeps events in blocks of 65,536 customers, filled and grouped
/// on two threads (half of the blocks each): with 150,000 customers (three
/// blocks) and batches of 8,192 events, every date of a series must agree
/// with one evaluation at that date. (The random cases above have one block.)
#[test]
fn a_series_over_many_blocks_agrees_with_eval_at_every_date() {
    const CUSTOMERS: usize = 150_000;
    const EVENTS: usize = 400_000;
    let text = r#"
schema customers { key id: int }
events orders {
  key customer
  time at: timestamp
  amount: float?
  channel: enum("web", "app")
}
segment repeat_90d { where count(orders within last 90 days) >= 2 }
segment big_365d { where sum(orders.amount within last 365 days) > 150 }
segment app_30d { where exists(orders where channel = "app" within last 30 days) }
segment lapsed { where last(orders) before 40 days ago }
segment new_buyers { where first(orders) within last 60 days }
segment loyal { where avg(orders.amount) >= 50 and count(orders) >= 3 }
"#;
    let program = compile(text).unwrap();
    let mut rng = Rng::new(0xB10C5);
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..CUSTOMERS as i64));
    let customers = named_source(&program.schema, CUSTOMERS, vec![("id", ids)]);
    // events roughly in time order over two years, some customers with none,
    // a few keys matching no customer
    let start =
        dates::days_of(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()) as i64 * 86_400_000_000;
    let span = 730 * 86_400_000_000i64;
    let mut keys = Vec::with_capacity(EVENTS);
    let mut times = Vec::with_capacity(EVENTS);
    let mut amounts = Vec::with_capacity(EVENTS);
    let mut channels = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        keys.push((rng.below(CUSTOMERS * 4 / 5 + 10)) as i64);
        let jitter = rng.below(3 * 86_400) as i64 * 1_000_000;
        times.push(start + span / EVENTS as i64 * i as i64 - jitter);
        amounts.push((!rng.chance(5)).then(|| rng.below(20_000) as f64 / 100.0));
        channels.push(if rng.chance(30) { "app" } else { "web" });
    }
    let table = &program.events[0];
    let schema = reference::event_schema(&program, table);
    let orders = named_source(
        &schema,
        EVENTS,
        vec![
            ("customer", Arc::new(Int64Array::from(keys)) as ArrayRef),
            (
                "at",
                Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC")),
            ),
            ("amount", Arc::new(Float64Array::from(amounts))),
            ("channel", Arc::new(StringArray::from(channels))),
        ],
    );
    let dates: Vec<NaiveDate> = ["2025-01-31", "2025-06-30", "2025-07-15", "2025-12-31"]
        .iter()
        .map(|d| d.parse().unwrap())
        .collect();
    let options: Vec<PlanOptions> = dates.iter().map(|d| PlanOptions::new(*d)).collect();
    let plans: Vec<plan::Plan> = options
        .iter()
        .map(|o| plan::compile(&program, o).unwrap())
        .collect();
    let refs: Vec<Option<&dyn BatchSource>> = vec![Some(&orders)];
    let mut series = eval::Series::start(&plans, &customers, &refs, &mut |_| {}).unwrap();
    for (date, options) in dates.iter().zip(&options) {
        let mut batches = Vec::new();
        series
            .next_date(RunOptions { key: true }, &mut |b| {
                batches.push(b);
                Ok(())
            })
            .unwrap();
        let got = concat_batches(&plans[0].membership_schema(), &batches).unwrap();
        let expected = engine(
            &program,
            options,
            &customers,
            std::slice::from_ref(&orders),
            true,
        )
        .unwrap();
        let diffs = differences(&got, &expected, 0);
        assert!(
            diffs.is_empty(),
            "series and eval disagree at {date}, {} cells:\n{}",
            diffs.len(),
            diffs
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
        let members: usize = (1..got.num_columns())
            .map(|c| {
                got.column(c)
                    .as_any()
                    .downcast_ref::<BooleanArray>()
                    .unwrap()
                    .true_count()
            })
            .sum();
        assert!(members > 1000, "a meaningful series has members at {date}");
    }
}
