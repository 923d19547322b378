//! `segmint backtest [PATHS] --data FILE [--events NAME=FILE]… --from DATE --to DATE
//! --every day|week|month|quarter [--segment NAME]… [--format table|csv|json|markdown]
//! [--output FILE] [--chart FILE.svg]`: the segments at a series of as-of dates, from
//! one pass over each event table ([`crate::eval::Series`]).
//!
//! Per date: each segment's and tier label's size and share, who entered and
//! exited since the date before ([`crate::backtest::Changes`]), and every
//! expectation of the reported segments, `lift` included. Exit 1 when an
//! expectation fails at some date, as `test` does.

use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use super::input::{Input, parse_events_arg};
use super::output::{Align, Table, percent};
use super::progress::Progress;
use super::test::{self, shown};
use super::{Context, ExitStatus, RunError};
use crate::backtest::{self, Change, Changes, Columns, Every, Point};
use crate::chart::{Chart, Line};
use crate::check::ir::{ExpectKind, Program};
use crate::data::{BatchSource, write_whole};
use crate::eval::{self, EvalError, RunOptions, Series};
use crate::expect::{self, Outcome};
use crate::plan::{self, OutputKind};
use crate::run::{Run, Selection};
use crate::source::Sources;
use crate::stats::{Counter, Layout};

/// Arguments of `segmint backtest`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  segmint backtest --from 2025-07-31 --to 2026-06-30 --every month --chart sizes.svg"
)]
pub struct Args {
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    /// The customer table (default: `data` from segmint.toml).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// An event table's file (repeatable; default: `[events]` in segmint.toml).
    #[arg(long = "events", value_name = "NAME=FILE", value_parser = parse_events_arg)]
    events: Vec<(String, PathBuf)>,
    /// The first as-of date.
    #[arg(long, value_name = "DATE", value_parser = super::parse_date_arg)]
    from: NaiveDate,
    /// The last as-of date (included when the series lands on it).
    #[arg(long, value_name = "DATE", value_parser = super::parse_date_arg)]
    to: NaiveDate,
    /// The step between two as-of dates.
    #[arg(long, value_enum)]
    every: Every,
    /// Report only this segment (repeatable; default: every non-paused segment).
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = BacktestFormat::Table)]
    format: BacktestFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also draw segment sizes over time into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
}

/// `--format` of `backtest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum BacktestFormat {
    /// Aligned tables: sizes per date, then expectations per date.
    Table,
    /// One row per date and segment, tier label or expectation.
    Csv,
    /// One JSON object.
    Json,
    /// Markdown tables and a Mermaid chart (for a pull-request comment).
    Markdown,
}

/// Runs `segmint backtest`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let dates = backtest::dates(args.from, args.to, args.every)
        .map_err(|e| RunError::Usage(e.to_string()))?;
    if args
        .chart
        .as_ref()
        .is_some_and(|p| p.extension().is_none_or(|e| e != "svg"))
    {
        return Err(RunError::Usage(
            "--chart: the chart is an SVG file; name it FILE.svg".into(),
        ));
    }
    let (config, compiled) = super::compile(&args.paths, context)?;
    let sources = compiled.sources.clone();
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    let reported = reported_segments(&program, &args.segments)?;
    let evaluated = with_expected_partners(&program, &reported);
    let measures = expect::lift_measures(&program, &|name| evaluated.contains(&name.to_string()));
    let input = Input {
        data: args.data.clone(),
        as_of: dates.first().copied(),
        events: args.events.clone(),
    };
    // every tiers block is reported, whichever segments are
    let mut selected = evaluated.clone();
    selected.extend(program.tiers.iter().map(|t| t.name.clone()));
    let mut options = input.options(&program, &config, Selection::Named(selected))?;
    options.measures = measures;
    let run = Run::open(&program, &options)?;
    let mut plans = vec![run.plan];
    for as_of in dates.iter().skip(1) {
        options.as_of = *as_of;
        plans.push(plan::compile(&program, &options.plan_options())?);
    }
    warn_about_snapshots(&program, &reported, context)?;
    let points = evaluate(&program, &plans, &run.data, &run.events, &reported, context)?;
    let report = Report::new(&points, &sources, args.every);

    let mut text = Vec::new();
    match args.format {
        BacktestFormat::Table => report.write_table(&mut text)?,
        BacktestFormat::Csv => report.write_csv(&mut text)?,
        BacktestFormat::Json => {
            serde_json::to_writer_pretty(&mut text, &report).map_err(std::io::Error::from)?;
            writeln!(text)?;
        }
        BacktestFormat::Markdown => report.write_markdown(&mut text)?,
    }
    if let Some(path) = &args.chart {
        write_whole(path, report.chart().svg().as_bytes())?;
        writeln!(context.stderr, "wrote the chart to {}", super::shown(path))?;
    }
    match &args.output {
        Some(path) => {
            write_whole(path, &text)?;
            writeln!(context.stderr, "wrote the report to {}", super::shown(path))?;
        }
        None => context.stdout.write_all(&text)?,
    }
    Ok(if report.failed > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// `--segment` names (checked), else every non-paused segment, in program order.
fn reported_segments(program: &Program, asked: &[String]) -> Result<Vec<String>, RunError> {
    if asked.is_empty() {
        return Ok(program
            .segments
            .iter()
            .filter(|s| !s.paused)
            .map(|s| s.name.clone())
            .collect());
    }
    for name in asked {
        if program.segment_named(name).is_none() {
            return Err(RunError::Plan(plan::PlanError::UnknownSegment {
                name: name.clone(),
                help: crate::diagnostic::did_you_mean(
                    name,
                    program.segments.iter().map(|s| s.name.as_str()),
                ),
            }));
        }
    }
    Ok(program
        .segments
        .iter()
        .filter(|s| asked.contains(&s.name))
        .map(|s| s.name.clone())
        .collect())
}

/// The reported segments and the segments their `disjoint from` / `overlap
/// with` expectations name, in program order.
fn with_expected_partners(program: &Program, reported: &[String]) -> Vec<String> {
    let mut names: Vec<String> = reported.to_vec();
    for segment in program
        .segments
        .iter()
        .filter(|s| reported.contains(&s.name))
    {
        for expect in &segment.expects {
            if let ExpectKind::Disjoint(other) | ExpectKind::Overlap(other, _) = &expect.kind {
                let name = &program.segment(*other).name;
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
    }
    program
        .segments
        .iter()
        .filter(|s| names.contains(&s.name))
        .map(|s| s.name.clone())
        .collect()
}

/// One warning naming the reported segments whose criteria read customer-table
/// fields: the data file is one snapshot, the same at every date.
fn warn_about_snapshots(
    program: &Program,
    reported: &[String],
    context: &mut Context<'_>,
) -> Result<(), RunError> {
    let mut read: Vec<String> = Vec::new();
    for name in reported {
        let Some(id) = program.segment_named(name) else {
            continue;
        };
        let fields = backtest::snapshot_fields(program, id);
        if !fields.is_empty() {
            read.push(format!("{name} ({})", fields.join(", ")));
        }
    }
    if !read.is_empty() {
        writeln!(
            context.stderr,
            "warning: customer-table fields are taken as the data file has them at every date, so these segments are not faithful history: {}; express facts that change over time as event aggregates (docs/backtest.md)",
            read.join(", ")
        )?;
    }
    Ok(())
}

/// Evaluates every date, with progress, and measures what the report needs.
fn evaluate(
    program: &Program,
    plans: &[plan::Plan],
    data: &crate::data::DataFile,
    event_files: &[Option<crate::data::DataFile>],
    reported: &[String],
    context: &mut Context<'_>,
) -> Result<Vec<Point>, RunError> {
    let interactive = context.terminal.stderr_interactive;
    let events: Vec<Option<&dyn BatchSource>> = event_files
        .iter()
        .map(|f| f.as_ref().map(|f| f as &dyn BatchSource))
        .collect();
    let stderr = &mut *context.stderr;
    let mut scan_progress: Option<Progress> = None;
    let mut series = Series::start(plans, data, &events, &mut |step| match step {
        eval::Step::Started { what, unit, total } => {
            scan_progress = Some(Progress::of(
                interactive,
                format!("reading {what}"),
                unit,
                total,
            ));
        }
        eval::Step::Rows(rows) => {
            if let Some(progress) = scan_progress.as_mut() {
                progress.advance(rows, stderr);
            }
        }
        eval::Step::Finished => {
            if let Some(mut progress) = scan_progress.take() {
                progress.finish(stderr);
            }
        }
    })?;
    let overlap = program.segments.iter().any(|s| {
        s.expects
            .iter()
            .any(|e| matches!(e.kind, ExpectKind::Disjoint(_) | ExpectKind::Overlap(..)))
    });
    let mut progress = Progress::of(
        interactive,
        "evaluating dates".into(),
        "dates",
        Some(plans.len() as u64),
    );
    let mut changes: Option<Changes> = None;
    let mut points = Vec::with_capacity(plans.len());
    for plan in plans {
        let mut counter = Counter::new(Layout::of_plan(program, plan, overlap, None));
        let tracker = changes.get_or_insert_with(|| Changes::new(columns(program, plan, reported)));
        let summary = series.next_date(RunOptions { key: false }, &mut |batch| {
            tracker.add(&batch);
            counter
                .add(&batch)
                .map_err(|e| EvalError::Output(e.to_string()))
        })?;
        if summary.is_none() {
            break;
        }
        let stats = counter.finish();
        let (segment_changes, tier_changes) = tracker.finish_date();
        let expectations: Vec<Outcome> = expect::measure(program, &stats)
            .into_iter()
            .filter(|o| reported.contains(&o.segment))
            .collect();
        points.push(point(
            plan,
            &stats,
            reported,
            segment_changes,
            tier_changes,
            expectations,
        ));
        progress.advance(1, context.stderr);
    }
    progress.finish(context.stderr);
    for warning in data.warnings() {
        writeln!(context.stderr, "warning: {warning}")?;
    }
    for (file, left_out) in event_files.iter().zip(series.events_left_out()) {
        if let Some(file) = file {
            for warning in file.warnings() {
                writeln!(context.stderr, "warning: {warning}")?;
            }
            if *left_out > 0 {
                let noun = if *left_out == 1 { "event" } else { "events" };
                writeln!(
                    context.stderr,
                    "warning: {}: {left_out} {noun} left out (missing time, or a key matching no customer)",
                    super::shown(file.path())
                )?;
            }
        }
    }
    Ok(points)
}

/// The membership columns [`Changes`] follows: the reported segments and every tiers block.
fn columns(program: &Program, plan: &plan::Plan, reported: &[String]) -> Columns {
    let mut columns = Columns::default();
    for (i, output) in plan.outputs().iter().enumerate() {
        match output.kind {
            OutputKind::Segment(_) if reported.contains(&output.name) => {
                columns.segments.push((output.name.clone(), i + 1));
            }
            OutputKind::Segment(_) => {}
            OutputKind::Tiers(id) => columns.tiers.push((
                output.name.clone(),
                i + 1,
                program
                    .tier_block(id)
                    .tiers
                    .iter()
                    .map(|t| t.name.clone())
                    .collect(),
            )),
        }
    }
    columns
}

/// One date's sizes, changes and expectations.
fn point(
    plan: &plan::Plan,
    stats: &crate::stats::Stats,
    reported: &[String],
    segment_changes: Vec<Option<(u64, u64)>>,
    tier_changes: Vec<Vec<Option<(u64, u64)>>>,
    expectations: Vec<Outcome>,
) -> Point {
    let rows = stats.rows;
    let segments = stats
        .segments
        .iter()
        .filter(|c| c.name.as_ref().is_some_and(|n| reported.contains(n)))
        .zip(segment_changes)
        .map(|(count, change)| Change {
            name: count.name.clone().unwrap_or_default(),
            label: None,
            size: count.count,
            share: count.share,
            entered: change.map(|c| c.0),
            exited: change.map(|c| c.1),
        })
        .collect();
    let mut tiers = Vec::new();
    for (block, changes) in stats.tiers.iter().zip(tier_changes) {
        let labels = plan
            .outputs()
            .iter()
            .find(|o| o.name == block.name)
            .and_then(|o| match o.kind {
                OutputKind::Tiers(id) => Some(plan.tier_labels(id).len()),
                OutputKind::Segment(_) => None,
            })
            .unwrap_or(0);
        for count in &block.labels {
            let slot = match &count.name {
                Some(label) => plan
                    .outputs()
                    .iter()
                    .find(|o| o.name == block.name)
                    .and_then(|o| match o.kind {
                        OutputKind::Tiers(id) => {
                            plan.tier_labels(id).iter().position(|l| l == label)
                        }
                        OutputKind::Segment(_) => None,
                    })
                    .unwrap_or(labels),
                None => labels,
            };
            let change = changes.get(slot).copied().flatten();
            tiers.push(Change {
                name: block.name.clone(),
                label: count.name.clone(),
                size: count.count,
                share: count.share,
                entered: change.map(|c| c.0),
                exited: change.map(|c| c.1),
            });
        }
    }
    Point {
        as_of: plan.as_of(),
        rows,
        segments,
        tiers,
        expectations,
    }
}

/// The report, ready to print.
#[derive(Serialize)]
struct Report {
    from: String,
    to: String,
    every: Every,
    dates: Vec<DateReport>,
    passed: usize,
    failed: usize,
}

#[derive(Serialize)]
struct DateReport {
    as_of: String,
    customers: u64,
    segments: Vec<Change>,
    tiers: Vec<Change>,
    expectations: Vec<test::Line>,
}

impl Report {
    fn new(points: &[Point], sources: &Sources, every: Every) -> Report {
        let dates: Vec<DateReport> = points
            .iter()
            .map(|p| DateReport {
                as_of: p.as_of.to_string(),
                customers: p.rows,
                segments: p.segments.clone(),
                tiers: p.tiers.clone(),
                expectations: p
                    .expectations
                    .iter()
                    .map(|o| test::Line::new(o, sources))
                    .collect(),
            })
            .collect();
        let count = |want: bool| {
            dates
                .iter()
                .flat_map(|d| &d.expectations)
                .filter(|e| e.passed == Some(want))
                .count()
        };
        Report {
            from: dates.first().map(|d| d.as_of.clone()).unwrap_or_default(),
            to: dates.last().map(|d| d.as_of.clone()).unwrap_or_default(),
            every,
            passed: count(true),
            failed: count(false),
            dates,
        }
    }

    fn headline(&self) -> String {
        let customers = self.dates.first().map_or(0, |d| d.customers);
        format!(
            "{} from {} to {} (every {}), {}",
            super::output::counted(self.dates.len() as u64, "date"),
            self.from,
            self.to,
            self.every.as_str(),
            super::output::counted(customers, "customer")
        )
    }

    fn sizes_table(&self) -> Table {
        let mut table = Table::new(["as of", "segment", "size", "share", "entered", "exited"])
            .aligned(&[
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ]);
        for date in &self.dates {
            let segments = date.segments.iter().map(|c| (c.name.clone(), c));
            let tiers = date.tiers.iter().map(|c| {
                let label = c.label.as_deref().unwrap_or("(no tier)");
                (format!("{}: {label}", c.name), c)
            });
            for (name, change) in segments.chain(tiers) {
                table.row([
                    date.as_of.clone(),
                    name,
                    change.size.to_string(),
                    percent(change.size, date.customers),
                    shown_count(change.entered),
                    shown_count(change.exited),
                ]);
            }
        }
        table
    }

    fn expectations_table(&self) -> Table {
        let mut table = Table::new(["as of", "result", "segment", "expectation", "measured"])
            .aligned(&[Align::Left; 5]);
        for date in &self.dates {
            for line in &date.expectations {
                table.row([
                    date.as_of.clone(),
                    match line.passed {
                        Some(true) => "pass".to_string(),
                        Some(false) => "FAIL".to_string(),
                        None => "skip".to_string(),
                    },
                    line.segment.clone(),
                    line.expect.clone(),
                    shown(line),
                ]);
            }
        }
        table
    }

    fn summary(&self) -> String {
        format!(
            "expectations: {} passed, {} failed over {}",
            self.passed,
            self.failed,
            super::output::counted(self.dates.len() as u64, "date")
        )
    }

    fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}\n", self.headline())?;
        self.sizes_table().write_text(out)?;
        if self.dates.iter().any(|d| !d.expectations.is_empty()) {
            writeln!(out)?;
            self.expectations_table().write_text(out)?;
        }
        writeln!(out, "\n{}", self.summary())
    }

    fn write_markdown(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "**Backtest**: {}\n", self.headline())?;
        self.pivot().write_markdown(out)?;
        writeln!(out)?;
        write!(out, "{}", self.chart().mermaid())?;
        if self.dates.iter().any(|d| !d.expectations.is_empty()) {
            writeln!(out)?;
            self.expectations_table().write_markdown(out)?;
        }
        writeln!(out, "\n{}", self.summary())
    }

    /// Dates down, segments across: sizes (compact, for markdown).
    fn pivot(&self) -> Table {
        let names: Vec<String> = self
            .dates
            .first()
            .map(|d| d.segments.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        let mut headers = vec!["as of".to_string()];
        headers.extend(names.iter().cloned());
        let mut align = vec![Align::Left];
        align.extend(names.iter().map(|_| Align::Right));
        let mut table = Table::new(headers).aligned(&align);
        for date in &self.dates {
            let mut row = vec![date.as_of.clone()];
            row.extend(
                date.segments
                    .iter()
                    .map(|c| format!("{} ({})", c.size, percent(c.size, date.customers))),
            );
            table.row(row);
        }
        table
    }

    fn write_csv(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut writer = csv::Writer::from_writer(out);
        let io = |e: csv::Error| std::io::Error::other(e.to_string());
        writer
            .write_record([
                "as_of",
                "kind",
                "name",
                "label",
                "size",
                "share",
                "entered",
                "exited",
                "expectation",
                "passed",
                "value",
            ])
            .map_err(io)?;
        let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        let share = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
        for date in &self.dates {
            for (kind, change) in date
                .segments
                .iter()
                .map(|c| ("segment", c))
                .chain(date.tiers.iter().map(|c| ("tier", c)))
            {
                writer
                    .write_record([
                        date.as_of.as_str(),
                        kind,
                        change.name.as_str(),
                        change.label.as_deref().unwrap_or(""),
                        &change.size.to_string(),
                        &share(change.share),
                        &opt(change.entered),
                        &opt(change.exited),
                        "",
                        "",
                        "",
                    ])
                    .map_err(io)?;
            }
            for line in &date.expectations {
                let value = match (&line.lift, &line.measured) {
                    (Some(lift), _) => lift.value.map(|v| format!("{v:.6}")).unwrap_or_default(),
                    (None, Some(m)) => m.count.to_string(),
                    (None, None) => String::new(),
                };
                let passed = line.passed.map(|p| p.to_string()).unwrap_or_default();
                writer
                    .write_record([
                        date.as_of.as_str(),
                        "expectation",
                        line.segment.as_str(),
                        "",
                        "",
                        "",
                        "",
                        "",
                        line.expect.as_str(),
                        passed.as_str(),
                        value.as_str(),
                    ])
                    .map_err(io)?;
            }
        }
        writer.flush()
    }

    /// Segment sizes over the dates, one line per reported segment.
    fn chart(&self) -> Chart {
        let names: Vec<String> = self
            .dates
            .first()
            .map(|d| d.segments.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        Chart {
            title: format!("Segment sizes, {} to {}", self.from, self.to),
            y_label: "customers".into(),
            labels: self.dates.iter().map(|d| d.as_of.clone()).collect(),
            lines: names
                .iter()
                .enumerate()
                .map(|(i, name)| Line {
                    name: name.clone(),
                    values: self
                        .dates
                        .iter()
                        .map(|d| d.segments.get(i).map_or(0, |c| c.size))
                        .collect(),
                })
                .collect(),
        }
    }
}

fn shown_count(count: Option<u64>) -> String {
    count.map_or("-".into(), |c| c.to_string())
}
