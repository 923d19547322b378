//! `segmint diff [PATHS] --base REV|FOLDER [--data FILE] [--max-change PCT]
//! [--members FILE] [--format human|json|markdown]`: the current segments against
//! a base version, in one scan of the data ([`crate::diff::RuleDiff`]).
//!
//! `segmint diff [PATHS] --before-data OLD [--data NEW] [--output FILE]` (or
//! `--before-as-of DATE [--as-of DATE]`): the same segments over two snapshots;
//! writes the entered/exited events ([`crate::diff::snapshots`]).

use std::path::PathBuf;

use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;

use super::diff_report::{self, Heading};
use super::input::{Input, execute};
use super::{Context, ExitStatus, RunError};
use crate::check::ir::{ExpectKind, Program};
use crate::data::OutputWriter;
use crate::diff::{MoveCounter, RuleDiff, Version, members, snapshots};
use crate::eval::EvalError;
use crate::expect;
use crate::project::{Compiled, base};
use crate::run::{Run, Selection};
use crate::stats::{Counter, Layout};

/// Arguments of `segmint diff`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  segmint diff --base main --max-change 10 --format markdown\n  segmint diff --before-data last_week.parquet --data today.parquet --output changes.csv"
)]
pub struct Args {
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    input: Input,
    /// The version to compare with: a folder of .seg files, or a git revision
    /// (branch, tag, commit) whose .seg files and segmint.toml are read through git.
    #[arg(long, value_name = "REV|FOLDER", conflicts_with_all = ["before_data", "before_as_of"])]
    base: Option<String>,
    /// The earlier data snapshot (same rules, two snapshots matched by key).
    #[arg(long, value_name = "FILE", conflicts_with = "before_as_of")]
    before_data: Option<PathBuf>,
    /// The earlier as-of date over the same data (same rules, two dates).
    #[arg(long, value_name = "DATE", value_parser = super::parse_date_arg)]
    before_as_of: Option<NaiveDate>,
    /// Exit 1 when a segment's size changes by more than this share of its size
    /// before (`10` or `10%`).
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    max_change: Option<f64>,
    /// With --base: write the customers who changed (key, segment, before, after).
    #[arg(long, value_name = "FILE", requires = "base")]
    members: Option<PathBuf>,
    /// With --before-data or --before-as-of: write the entered/exited events
    /// (key, segment, change) here (.csv, .jsonl, .parquet, .arrow).
    #[arg(long, value_name = "FILE", conflicts_with = "base")]
    output: Option<PathBuf>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
}

/// `--format` of `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum DiffFormat {
    /// Aligned tables.
    Human,
    /// One JSON object.
    Json,
    /// A compact pull-request comment.
    Markdown,
}

/// `10`, `10%` or `2.5` → a share (0.1, 0.025).
fn parse_percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%');
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p / 100.0),
        _ => Err(format!("`{text}` is not a percentage (e.g. 10 or 10%)")),
    }
}

/// Runs `segmint diff`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    if args.base.is_none() && args.before_data.is_none() && args.before_as_of.is_none() {
        return Err(RunError::Usage(
            "diff compares two versions: pass `--base REV|FOLDER` (rules), `--before-data FILE` (data snapshots) or `--before-as-of DATE`".into(),
        ));
    }
    let (config, compiled) = super::compile(&args.paths, context)?;
    let sources = compiled.sources.clone();
    let head_diagnostics = compiled.diagnostics.clone();
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    match &args.base {
        Some(rev) => {
            let base = base::compile_base(rev, &args.paths, &config, &context.cwd)?;
            let warnings =
                crate::diff::new_warnings(&base.diagnostics, &head_diagnostics, &sources);
            let Some(base) = base_or_report(base, rev, context)? else {
                return Err(RunError::Usage(format!(
                    "the base version ({rev}) does not compile, so there is nothing to compare with"
                )));
            };
            let head = Version { program, sources };
            rules(&args, &config, (base, head, warnings), context)
        }
        None => data(&args, &config, &program, context),
    }
}

/// The base version, or `None` after printing why it does not compile.
fn base_or_report(
    compiled: Compiled,
    rev: &str,
    context: &mut Context<'_>,
) -> Result<Option<Version>, RunError> {
    if let Some(program) = compiled.program {
        return Ok(Some(Version {
            program,
            sources: compiled.sources,
        }));
    }
    writeln!(context.stderr, "the base version ({rev}):")?;
    super::render_errors(&compiled, context)?;
    Ok(None)
}

/// `--base`: both versions in one scan.
fn rules(
    args: &Args,
    config: &crate::project::Config,
    (base, head, new_warnings): (Version, Version, Vec<crate::diff::NewWarning>),
    context: &mut Context<'_>,
) -> Result<ExitStatus, RunError> {
    let diff = RuleDiff::new(base, head);
    let program = &diff.combined.program;
    let mut options = args.input.options(program, config, diff.selection())?;
    options.key = args.members.is_some();
    options.measures = expect::lift_measures(program, &|_| true);
    let run = Run::open(program, &options)?;
    let mut moves = diff.counter(&run.plan);
    // expectations need segment sizes (overlaps when one names another), not tiers
    let measured = program.segments.iter().any(|s| !s.expects.is_empty());
    let mut layout = Layout::of_plan(program, &run.plan, needs_overlap(program), None);
    layout.tiers.clear();
    let mut counter = measured.then(|| Counter::new(layout));
    let mut writer = match &args.members {
        Some(path) => {
            let key = run.plan.membership_schema().field(0).clone();
            let schema = members::members_schema(&key);
            Some((OutputWriter::create(path, schema.clone())?, schema, 0u64))
        }
        None => None,
    };
    let summary = execute(&run, context, &mut |batch| {
        moves.add(&batch, &batch)?;
        if let Some((writer, schema, count)) = writer.as_mut() {
            let changed = members::members_batch(&moves, &batch, &batch, batch.column(0), schema)?;
            *count += changed.num_rows() as u64;
            writer.write(&changed)?;
        }
        match counter.as_mut() {
            Some(counter) => counter
                .add(&batch)
                .map_err(|e| EvalError::Output(e.to_string())),
            None => Ok(()),
        }
    })?;
    if let (Some((writer, _, count)), Some(path)) = (writer, &args.members) {
        super::finish_output(writer, count, "change", path, context)?;
    }
    let outcomes = counter
        .map(|c| expect::measure(program, &c.finish()))
        .unwrap_or_default();
    let mut report = diff.report(&moves, &outcomes);
    report.new_warnings = new_warnings;
    let heading = Heading {
        against: args.base.clone().unwrap_or_default(),
        as_of: run.plan.as_of(),
        rows: summary.rows,
    };
    diff_report::write(
        &report,
        &heading,
        args.format,
        args.max_change,
        context.stdout,
    )?;
    for change in &report.schema_changes {
        writeln!(
            context.stderr,
            "warning: {}: {}; base items reading it are not compared",
            change.field,
            diff_report::schema_change_words(change)
        )?;
    }
    Ok(status(&report, args.max_change))
}

/// Whether an expectation needs the overlap matrix.
fn needs_overlap(program: &Program) -> bool {
    program.segments.iter().any(|s| {
        s.expects
            .iter()
            .any(|e| matches!(e.kind, ExpectKind::Disjoint(_) | ExpectKind::Overlap(..)))
    })
}

fn status(report: &crate::diff::Report, max_change: Option<f64>) -> ExitStatus {
    match max_change {
        Some(share) if !report.over(share).is_empty() => ExitStatus::Failure,
        _ => ExitStatus::Success,
    }
}

/// `--before-data` / `--before-as-of`: one program, two runs matched by key
/// (or by position at two dates).
fn data(
    args: &Args,
    config: &crate::project::Config,
    program: &Program,
    context: &mut Context<'_>,
) -> Result<ExitStatus, RunError> {
    let after = args.input.options(program, config, Selection::Default)?;
    let mut before = after.clone();
    match (&args.before_data, args.before_as_of) {
        (Some(path), _) => before.data = path.clone(),
        (None, Some(date)) => before.as_of = date,
        (None, None) => {}
    }
    let by_key = args.before_data.is_some();
    let before_run = Run::open(program, &before)?;
    let after_run = Run::open(program, &after)?;
    if before_run.plan.membership_schema() != after_run.plan.membership_schema() {
        return Err(RunError::Usage(
            "the two snapshots give different membership tables".into(),
        ));
    }
    let schema = before_run.plan.membership_schema();
    let mut kept = Vec::new();
    execute(&before_run, context, &mut |batch| {
        kept.push(batch);
        Ok(())
    })?;
    let mut earlier = snapshots::Before::new(schema.clone(), &kept, by_key)
        .map_err(EvalError::from)?
        .map_err(|d| RunError::Usage(format!("{}: {d}", super::shown(&before.data))))?;
    drop(kept);
    let mut moves = snapshots::counter(&after_run.plan);
    let key = schema.field(0).clone();
    let events_schema = members::events_schema(&key);
    let mut writer = match &args.output {
        Some(path) => Some(OutputWriter::create(path, events_schema.clone())?),
        None => None,
    };
    let mut events = 0u64;
    let mut offset = 0;
    let mut emit = |base: &RecordBatch,
                    head: &RecordBatch,
                    moves: &mut MoveCounter,
                    writer: &mut Option<OutputWriter>|
     -> Result<(), EvalError> {
        moves.add(base, head)?;
        let batch = members::events_batch(moves, base, head, head.column(0), &events_schema)?;
        events += batch.num_rows() as u64;
        if let Some(writer) = writer.as_mut() {
            writer.write(&batch)?;
        }
        Ok(())
    };
    let summary = execute(&after_run, context, &mut |batch| {
        let base = earlier.aligned(&batch, offset)?;
        offset += batch.num_rows();
        emit(&base, &batch, &mut moves, &mut writer)
    })?;
    if let Some(duplicates) = earlier.after_duplicates() {
        return Err(RunError::Usage(format!(
            "{}: {duplicates}",
            super::shown(&after.data)
        )));
    }
    if by_key {
        let (gone, nobody) = earlier.unmatched().map_err(EvalError::from)?;
        emit(&gone, &nobody, &mut moves, &mut writer)?;
    }
    if let (Some(writer), Some(path)) = (writer, &args.output) {
        super::finish_output(writer, events, "event", path, context)?;
    }
    let against = match (&args.before_data, args.before_as_of) {
        (Some(path), _) => super::shown(path),
        (None, Some(date)) => format!("as of {date}"),
        (None, None) => String::new(),
    };
    let heading = Heading {
        against,
        as_of: after_run.plan.as_of(),
        rows: summary.rows,
    };
    let report = crate::diff::Report::of_moves(&moves);
    diff_report::write(
        &report,
        &heading,
        args.format,
        args.max_change,
        context.stdout,
    )?;
    Ok(status(&report, args.max_change))
}
