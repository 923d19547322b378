//! `segmint test [PATHS] --data FILE [--as-of DATE] [--format human|json|markdown|junit]`:
//! checks every `expect` line against the data and reports each with its measured
//! value; exit 1 if any fails.
//!
//! Every segment is evaluated, paused ones too (their expectations and the segments
//! they name still count), with the overlap matrix; [`crate::expect`] measures.

use std::io::{self, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use super::input::Input;
use super::output::{Align, Table, percent};
use super::{Context, ExitStatus, RunError};
use crate::diagnostic::render::Location;
use crate::expect::{self, Kind, Lift, Measured, Outcome};
use crate::run::{Run, Selection};
use crate::source::Sources;
use crate::stats::Layout;

/// Arguments of `segmint test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    input: Input,
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    #[command(flatten)]
    unique: super::unique::KeyArgs,
    /// A fixtures folder: example customers and the segments they are expected in
    /// (see docs/fixtures.md); also reports criteria coverage (default: `fixtures`
    /// from segmint.toml).
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
}

/// `--format` of `test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum TestFormat {
    /// An aligned table and a summary line.
    Human,
    /// One JSON object.
    Json,
    /// A GitHub-flavoured markdown table and a summary line.
    Markdown,
    /// JUnit XML, for CI systems that show test results (one test case per expectation).
    Junit,
}

/// Runs `segmint test`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let (config, compiled) = super::compile(&args.paths, context)?;
    let sources = compiled.sources.clone();
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    let mut options = args
        .input
        .options(&program, &config, Selection::every_segment(&program))?;
    options.measures = expect::lift_measures(&program, &|_| true);
    options.key = false;
    let mut run = Run::open(&program, &options)?;
    let key = program.schema.key;
    super::unique::check_before(args.unique, &mut run.data, key, context)?;
    let as_of = run.plan.as_of();
    let layout = Layout::of_plan(&program, &run.plan, true, None);
    let stats = super::input::count(&run, layout, context)?;
    let outcomes = expect::measure(&program, &stats);
    let mut report = Report::new(&outcomes, &sources, stats.rows, as_of);
    report.mark_paused(&program);
    if let Some(dir) = args.fixtures.as_ref().or(config.fixtures.as_ref()) {
        let run = super::fixtures::run(&program, &sources, &config, dir, &args.input, context)?;
        report.failed += run.failed;
        report.fixtures = Some(run);
    }
    match args.format {
        TestFormat::Human => report.write_text(context.stdout, false)?,
        TestFormat::Markdown => report.write_text(context.stdout, true)?,
        TestFormat::Json => report.write_json(context.stdout)?,
        TestFormat::Junit => report.write_junit(context.stdout)?,
    }
    if report.not_measured > 0 {
        writeln!(
            context.stderr,
            "warning: {} not measured",
            expectations(report.not_measured)
        )?;
    }
    Ok(if report.failed > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

fn expectations(n: usize) -> String {
    if n == 1 {
        "1 expectation".into()
    } else {
        format!("{n} expectations")
    }
}

/// The results, ready to print.
#[derive(Serialize)]
struct Report {
    as_of: String,
    rows: u64,
    passed: usize,
    failed: usize,
    not_measured: usize,
    expectations: Vec<Line>,
    /// `--fixtures`: expected memberships and criteria coverage.
    #[serde(skip_serializing_if = "Option::is_none")]
    fixtures: Option<crate::fixtures::FixtureReport>,
}

/// One expectation in the report (also one date's in `backtest`'s).
#[derive(Serialize)]
pub(super) struct Line {
    pub(super) segment: String,
    kind: Kind,
    /// The `expect` line as written, on one line.
    pub(super) expect: String,
    file: String,
    line: usize,
    pub(super) passed: Option<bool>,
    pub(super) measured: Option<Measured>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) lift: Option<Lift>,
    /// The segment is `paused`: measured, but left out of outputs.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    paused: bool,
}

impl Report {
    fn new(outcomes: &[Outcome], sources: &Sources, rows: u64, as_of: NaiveDate) -> Report {
        let lines: Vec<Line> = outcomes.iter().map(|o| Line::new(o, sources)).collect();
        let count = |p: Option<bool>| lines.iter().filter(|l| l.passed == p).count();
        Report {
            as_of: as_of.to_string(),
            rows,
            passed: count(Some(true)),
            failed: count(Some(false)),
            not_measured: count(None),
            expectations: lines,
            fixtures: None,
        }
    }

    fn write_text(&self, out: &mut dyn Write, markdown: bool) -> io::Result<()> {
        let noun = if self.rows == 1 {
            "customer"
        } else {
            "customers"
        };
        writeln!(out, "{} {noun} as of {}\n", self.rows, self.as_of)?;
        let mut table = Table::new(["result", "segment", "expectation", "measured", "at"])
            .aligned(&[Align::Left; 5]);
        for line in &self.expectations {
            let paused = if line.paused { " (paused)" } else { "" };
            table.row([
                result(line.passed),
                format!("{}{paused}", line.segment),
                line.expect.clone(),
                shown(line),
                format!("{}:{}", line.file, line.line),
            ]);
        }
        if markdown {
            table.write_markdown(out)?;
        } else {
            table.write_text(out)?;
        }
        let failed = self.failed - self.fixtures.as_ref().map_or(0, |f| f.failed);
        writeln!(
            out,
            "\n{} passed, {failed} failed, {} not measured",
            self.passed, self.not_measured
        )?;
        match &self.fixtures {
            Some(fixtures) => super::fixtures::write_text(fixtures, out, markdown),
            None => Ok(()),
        }
    }

    /// Marks the lines of paused segments (measured all the same).
    fn mark_paused(&mut self, program: &crate::check::ir::Program) {
        for line in &mut self.expectations {
            line.paused = program
                .segment_named(&line.segment)
                .is_some_and(|id| program.segment(id).paused);
        }
    }

    /// `<testsuites>` with one `<testsuite>` per segment and one `<testcase>`
    /// per expectation: a `<failure>` when it fails, `<skipped>` when not measured.
    fn write_junit(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="segmint test" tests="{}" failures="{}" skipped="{}">"#,
            self.expectations.len(),
            self.failed,
            self.not_measured
        )?;
        let mut segments: Vec<&str> = Vec::new();
        for line in &self.expectations {
            if !segments.contains(&line.segment.as_str()) {
                segments.push(&line.segment);
            }
        }
        for segment in segments {
            let lines: Vec<&Line> = self
                .expectations
                .iter()
                .filter(|l| l.segment == segment)
                .collect();
            let count = |p: Option<bool>| lines.iter().filter(|l| l.passed == p).count();
            writeln!(
                out,
                r#"  <testsuite name="{}" tests="{}" failures="{}" skipped="{}">"#,
                xml(segment),
                lines.len(),
                count(Some(false)),
                count(None)
            )?;
            for line in lines {
                let head = format!(
                    r#"    <testcase classname="{}" name="expect {}" file="{}" line="{}""#,
                    xml(segment),
                    xml(&line.expect),
                    xml(&line.file),
                    line.line
                );
                let measured = xml(&shown(line));
                match line.passed {
                    Some(true) => writeln!(out, "{head}/>")?,
                    Some(false) => writeln!(
                        out,
                        "{head}>\n      <failure message=\"measured {measured}\"/>\n    </testcase>"
                    )?,
                    None => writeln!(
                        out,
                        "{head}>\n      <skipped message=\"{measured}\"/>\n    </testcase>"
                    )?,
                }
            }
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }

    fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}

impl Line {
    pub(super) fn new(outcome: &Outcome, sources: &Sources) -> Line {
        let at = Location::of(sources, outcome.span);
        let text = sources
            .get(outcome.span.file)
            .map_or("", |f| f.slice(outcome.span));
        Line {
            segment: outcome.segment.clone(),
            kind: outcome.kind,
            expect: text.split_whitespace().collect::<Vec<_>>().join(" "),
            file: at.file,
            line: at.line,
            passed: outcome.passed,
            measured: outcome.measured,
            lift: outcome.lift,
            paused: false,
        }
    }
}

/// Text escaped for an XML attribute.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\n', "&#10;")
}

fn result(passed: Option<bool>) -> String {
    match passed {
        Some(true) => "pass",
        Some(false) => "FAIL",
        None => "skip",
    }
    .into()
}

/// The measured value in words: `2 of 6 (33.3%)`, `2 in both`,
/// `lift 2.41 (members 532.1, everyone 220.5)`.
/// The measured value in words (`12 of 400 (3.0%)`, `lift 2.41 (…)`).
pub(super) fn shown(line: &Line) -> String {
    if let Some(lift) = &line.lift {
        return shown_lift(lift);
    }
    let Some(m) = line.measured else {
        return "not measured".into();
    };
    match line.kind {
        Kind::Overlap if m.of == 0 => "the segment has no members".into(),
        Kind::Disjoint => format!("{} in both", m.count),
        Kind::Overlap => format!(
            "{} of {} members ({})",
            m.count,
            m.of,
            percent(m.count, m.of)
        ),
        Kind::Size | Kind::Lift => format!("{} of {} ({})", m.count, m.of, percent(m.count, m.of)),
    }
}

/// `lift 2.41 (members 532.1, everyone 220.5)`, or why there is no lift.
pub(super) fn shown_lift(lift: &Lift) -> String {
    let mean = |m: Option<f64>| m.map_or("-".to_string(), number);
    let means = format!(
        "members {}, everyone {}",
        mean(lift.members_mean),
        mean(lift.population_mean)
    );
    match (lift.value, lift.missing_reason()) {
        (Some(value), _) => format!("lift {} ({means})", number(value)),
        (None, Some(reason)) => format!("no lift: {reason} ({means})"),
        (None, None) => format!("no lift ({means})"),
    }
}

/// A number with up to 2 decimals and thousands left as they are (`2.41`, `1532.1`).
pub(super) fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}
