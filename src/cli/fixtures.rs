//! `segmint test --fixtures DIR`: runs the example customers of a fixtures folder
//! ([`crate::fixtures`]) and prints their expected memberships and the criteria
//! coverage.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::input::{Input, execute};
use super::output::{Align, Table};
use super::{Context, RunError};
use crate::check::ir::Program;
use crate::data::Format;
use crate::fixtures::{FixtureCollector, FixtureProbe, FixtureReport, read_expected};
use crate::project::Config;
use crate::run::{Run, Selection};
use crate::source::Sources;

/// Evaluates every segment over the fixture customers in `dir` at `input`'s as-of date.
pub fn run(
    program: &Program,
    sources: &Sources,
    config: &Config,
    dir: &Path,
    input: &Input,
    context: &mut Context<'_>,
) -> Result<FixtureReport, RunError> {
    let expected = read_expected(&dir.join("expected.csv"), program).map_err(RunError::Usage)?;
    let customers = table_file(dir, "customers").ok_or_else(|| {
        RunError::Usage(format!(
            "{}: no customers.csv, .jsonl, .parquet or .arrow (the fixture customers)",
            dir.display()
        ))
    })?;
    let events = program
        .events
        .iter()
        .filter_map(|t| table_file(dir, &t.name).map(|p| (t.name.clone(), p)))
        .collect();
    let fixture_input = Input {
        data: Some(customers),
        as_of: input.as_of,
        events,
    };
    let probe = FixtureProbe::new(program);
    let options =
        fixture_input.options(&probe.program, config, Selection::Named(probe.outputs()))?;
    let run = Run::open(&probe.program, &options)?;
    let mut collector = FixtureCollector::new(&probe, &expected);
    execute(&run, context, &mut |batch| collector.add(&batch))?;
    let text = |span: crate::source::Span| -> String {
        let written = sources.get(span.file).map_or("", |f| f.slice(span));
        written.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    Ok(collector.finish(&text))
}

/// `DIR/NAME.<csv|jsonl|ndjson|parquet|arrow|ipc|feather>`, the first that exists.
fn table_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [
        "csv", "jsonl", "ndjson", "parquet", "arrow", "ipc", "feather",
    ]
    .iter()
    .map(|ext| dir.join(format!("{name}.{ext}")))
    .find(|p| p.is_file() && Format::from_path(p).is_some())
}

/// The fixtures part of `segmint test`'s text output.
pub fn write_text(report: &FixtureReport, out: &mut dyn Write, markdown: bool) -> io::Result<()> {
    writeln!(out, "\nfixtures: {} customers\n", report.customers)?;
    let mut table = Table::new(["result", "customer", "segment", "expected", "actual", "at"])
        .aligned(&[Align::Left; 6]);
    let word = |m: bool| if m { "member" } else { "not a member" };
    for check in &report.checks {
        table.row([
            if check.passed { "pass" } else { "FAIL" }.to_string(),
            check.customer.clone(),
            check.segment.clone(),
            word(check.expected).to_string(),
            check
                .actual
                .map_or("no such customer".to_string(), |a| word(a).to_string()),
            format!("expected.csv:{}", check.line),
        ]);
    }
    write_table(&table, out, markdown)?;
    writeln!(out, "\n{} passed, {} failed", report.passed, report.failed)?;
    writeln!(
        out,
        "\ncoverage: {} of {} criteria were both true and false on the fixtures",
        report.covered, report.criteria
    )?;
    let mut gaps =
        Table::new(["segment", "criterion", "fixtures made it"]).aligned(&[Align::Left; 3]);
    for segment in &report.coverage {
        for (i, criterion) in segment.criteria.iter().enumerate() {
            let seen = match (criterion.seen_true, criterion.seen_false) {
                (true, true) => continue,
                (true, false) => "only true",
                (false, true) => "only false",
                (false, false) => "neither",
            };
            gaps.row([
                segment.segment.clone(),
                format!("{}. {}", i + 1, criterion.criterion),
                seen.to_string(),
            ]);
        }
    }
    if report.covered < report.criteria {
        writeln!(out)?;
        write_table(&gaps, out, markdown)?;
    }
    Ok(())
}

fn write_table(table: &Table, out: &mut dyn Write, markdown: bool) -> io::Result<()> {
    if markdown {
        table.write_markdown(out)
    } else {
        table.write_text(out)
    }
}
