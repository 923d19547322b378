//! Fixtures: example customers with the segments each is expected to be in (or
//! not), and criteria coverage (`segmint test --fixtures DIR`).
//!
//! A fixtures folder holds a customer table (`customers.csv`, `.jsonl`, `.parquet`
//! or `.arrow`, in the schema's columns), optionally one file per event table
//! (`orders.csv`, …) and `expected.csv`: the key column, then one column per
//! segment named in its header, each cell `true`/`false` (or `yes`/`no`, `1`/`0`;
//! empty: not checked). The segments are evaluated over the fixture rows like any
//! data, so population statistics (`in top 20%`, `quintile`) are computed over the
//! fixture rows, not over production data.
//!
//! Coverage: every criterion (a part of a segment's top-level `and`, see
//! [`crate::funnel`]) of every segment is evaluated over the fixture rows; a
//! criterion is covered when some fixture customer makes it true and another makes
//! it false, as the test runners of CEL and OPA report.

use std::collections::HashMap;
use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::util::display::array_value_to_string;
use serde::Serialize;

use crate::check::ir::Program;
use crate::eval::EvalError;
use crate::funnel::Probe;
use crate::source::Span;

/// The expected memberships of `expected.csv`.
#[derive(Clone, Debug)]
pub struct Expected {
    /// The segments named in the header, in order.
    pub segments: Vec<String>,
    /// One row per customer.
    pub rows: Vec<ExpectedRow>,
}

/// One row of `expected.csv`.
#[derive(Clone, Debug)]
pub struct ExpectedRow {
    /// The customer's key, as text.
    pub key: String,
    /// The line in the file (1-based; the header is line 1).
    pub line: usize,
    /// For each segment of [`Expected::segments`]: expected member or not, or not checked.
    pub members: Vec<Option<bool>>,
}

/// Reads `expected.csv`. Errors name the file, line and column.
pub fn read_expected(path: &Path, program: &Program) -> Result<Expected, String> {
    let shown = path.display();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{shown}: {e}"))?;
    let header = reader
        .headers()
        .map_err(|e| format!("{shown}: {e}"))?
        .clone();
    let segments: Vec<String> = header.iter().skip(1).map(str::to_owned).collect();
    if segments.is_empty() {
        return Err(format!(
            "{shown}: the header names no segment: write the key column, then one column per segment"
        ));
    }
    for name in &segments {
        if program.segment_named(name).is_none() {
            let names = program.segments.iter().map(|s| s.name.as_str());
            let hint = crate::diagnostic::did_you_mean(name, names)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            return Err(format!("{shown}:1: `{name}` is not a segment{hint}"));
        }
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("{shown}:{line}: {e}"))?;
        let key = record.get(0).unwrap_or("").to_owned();
        let members = segments
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let cell = record.get(j + 1).unwrap_or("");
                member(cell).map_err(|()| {
                    format!("{shown}:{line}: `{cell}` under `{name}` is not true, false or empty")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(ExpectedRow { key, line, members });
    }
    Ok(Expected { segments, rows })
}

fn member(cell: &str) -> Result<Option<bool>, ()> {
    match cell.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "1" => Ok(Some(true)),
        "false" | "no" | "0" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// What a fixtures run must evaluate: every segment's criteria as hidden segments.
pub struct FixtureProbe {
    /// The program with every probe's hidden segments.
    pub program: Program,
    probes: Vec<Probe>,
}

impl FixtureProbe {
    /// Probes every segment of `program`.
    pub fn new(program: &Program) -> FixtureProbe {
        let mut current = program.clone();
        let mut probes = Vec::new();
        for segment in &program.segments {
            if let Some(probe) = Probe::new(&current, &segment.name) {
                current = probe.program.clone();
                probes.push(probe);
            }
        }
        FixtureProbe {
            program: current,
            probes,
        }
    }

    /// The segments and tiers blocks a run must output (every segment, every
    /// hidden one and every tiers block).
    pub fn outputs(&self) -> Vec<String> {
        let segments = self.program.segments.iter().map(|s| s.name.clone());
        let tiers = self.program.tiers.iter().map(|t| t.name.clone());
        segments.chain(tiers).collect()
    }
}

/// Collects what a fixtures run shows.
pub struct FixtureCollector<'p> {
    probe: &'p FixtureProbe,
    /// Key → membership of the segments of `expected`.
    found: HashMap<String, Vec<bool>>,
    expected: &'p Expected,
    /// Per probe, per criterion: (seen true, seen false).
    seen: Vec<Vec<(bool, bool)>>,
    rows: u64,
}

impl<'p> FixtureCollector<'p> {
    /// A collector for `probe`'s run checking `expected`.
    pub fn new(probe: &'p FixtureProbe, expected: &'p Expected) -> FixtureCollector<'p> {
        let seen = probe
            .probes
            .iter()
            .map(|p| vec![(false, false); p.criteria.len()])
            .collect();
        FixtureCollector {
            probe,
            found: HashMap::new(),
            expected,
            seen,
            rows: 0,
        }
    }

    /// Reads one membership batch (the key column first).
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), EvalError> {
        self.rows += batch.num_rows() as u64;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_boolean_opt())
                .ok_or_else(|| EvalError::Output(format!("the run did not output `{name}`")))
        };
        for (p, probe) in self.probe.probes.iter().enumerate() {
            for (c, criterion) in probe.criteria.iter().enumerate() {
                let flags = column(&criterion.output)?;
                let trues = flags.true_count();
                if let Some(seen) = self.seen.get_mut(p).and_then(|s| s.get_mut(c)) {
                    seen.0 |= trues > 0;
                    seen.1 |= trues < flags.len();
                }
            }
        }
        let wanted: Vec<&arrow::array::BooleanArray> = self
            .expected
            .segments
            .iter()
            .map(|name| column(name))
            .collect::<Result<_, _>>()?;
        let keys = batch.column(0);
        for row in 0..batch.num_rows() {
            if keys.is_null(row) {
                continue;
            }
            let key = array_value_to_string(keys, row)?;
            self.found
                .entry(key)
                .or_insert_with(|| wanted.iter().map(|f| f.value(row)).collect());
        }
        Ok(())
    }

    /// The report; `text` gives the source text of a span.
    pub fn finish(self, text: &dyn Fn(Span) -> String) -> FixtureReport {
        let mut checks = Vec::new();
        for row in &self.expected.rows {
            let actual = self.found.get(&row.key);
            for (i, expected) in row.members.iter().enumerate() {
                let Some(expected) = *expected else {
                    continue;
                };
                let actual = actual.and_then(|a| a.get(i).copied());
                checks.push(FixtureCheck {
                    customer: row.key.clone(),
                    segment: self.expected.segments.get(i).cloned().unwrap_or_default(),
                    line: row.line,
                    expected,
                    actual,
                    passed: actual == Some(expected),
                });
            }
        }
        let coverage: Vec<SegmentCoverage> = self
            .probe
            .probes
            .iter()
            .zip(&self.seen)
            .map(|(probe, seen)| SegmentCoverage {
                segment: probe.program.segment(probe.segment).name.clone(),
                criteria: probe
                    .criteria
                    .iter()
                    .zip(seen)
                    .map(|(criterion, &(seen_true, seen_false))| CriterionCoverage {
                        criterion: text(criterion.span),
                        seen_true,
                        seen_false,
                    })
                    .collect(),
            })
            .collect();
        let criteria = coverage.iter().flat_map(|s| &s.criteria);
        let total = criteria.clone().count();
        let covered = criteria.filter(|c| c.seen_true && c.seen_false).count();
        FixtureReport {
            customers: self.rows,
            passed: checks.iter().filter(|c| c.passed).count(),
            failed: checks.iter().filter(|c| !c.passed).count(),
            checks,
            covered,
            criteria: total,
            coverage,
        }
    }
}

/// What the fixtures showed.
#[derive(Clone, Debug, Serialize)]
pub struct FixtureReport {
    /// Fixture customers read.
    pub customers: u64,
    /// Memberships as expected.
    pub passed: usize,
    /// Memberships not as expected (or customers missing from the fixture table).
    pub failed: usize,
    /// Each expected membership.
    pub checks: Vec<FixtureCheck>,
    /// Criteria made both true and false.
    pub covered: usize,
    /// All criteria.
    pub criteria: usize,
    /// Per segment, per criterion.
    pub coverage: Vec<SegmentCoverage>,
}

/// One expected membership.
#[derive(Clone, Debug, Serialize)]
pub struct FixtureCheck {
    /// The customer's key.
    pub customer: String,
    /// The segment.
    pub segment: String,
    /// The line of `expected.csv`.
    pub line: usize,
    /// Expected member or not.
    pub expected: bool,
    /// Member or not (`None`: no such customer in the fixture table).
    pub actual: Option<bool>,
    /// Whether they agree.
    pub passed: bool,
}

/// The coverage of one segment's criteria.
#[derive(Clone, Debug, Serialize)]
pub struct SegmentCoverage {
    /// The segment.
    pub segment: String,
    /// Its criteria, in order.
    pub criteria: Vec<CriterionCoverage>,
}

/// Whether the fixtures made a criterion true and false.
#[derive(Clone, Debug, Serialize)]
pub struct CriterionCoverage {
    /// The criterion as written.
    pub criterion: String,
    /// Some fixture customer makes it true.
    pub seen_true: bool,
    /// Some fixture customer makes it false.
    pub seen_false: bool,
}
