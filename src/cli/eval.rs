//! `segmint eval [PATHS] --data FILE [--as-of DATE] [--segment NAME]… [--output FILE]`:
//! evaluates the segments over a data file. With `--output`, writes the membership
//! table (format by extension, whole or not at all); without, prints member counts.
//!
//! [`prepare`] and [`execute`] are shared with `segmint stats`.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;

use super::progress::Progress;
use super::{Context, ExitStatus, RunError};
use crate::check::ir::{Expr, FieldId, Program};
use crate::data::{BatchSource, DataFile};
use crate::eval::{self, EvalError};
use crate::plan::{self, Plan, PlanOptions};
use crate::project::Config;

/// Arguments of `segmint eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    input: Input,
    /// Output only this segment or tiers block (repeatable; default: every segment
    /// that is not paused, and every tiers block).
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// Write the membership table here (.csv, .parquet, .arrow, .jsonl; `-`:
    /// standard output, with --format).
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only the keys of the members of the one `--segment`: one per line on
    /// standard output, or a one-column table with `--output`.
    #[arg(long)]
    keys_only: bool,
    #[command(flatten)]
    unique: super::unique::KeyArgs,
    #[command(flatten)]
    sink: super::sink::SinkArgs,
}

/// The data a command reads and the date it is read at.
#[derive(Debug, clap::Args)]
pub struct Input {
    /// The customer table (default: `data` from segmint.toml).
    #[arg(long, value_name = "FILE")]
    pub(super) data: Option<PathBuf>,
    /// Relative dates count from this day (default: `as_of` from segmint.toml, else today in UTC).
    #[arg(long, value_name = "DATE", value_parser = super::parse_date_arg)]
    pub(super) as_of: Option<NaiveDate>,
    /// An event table's file (repeatable; default: `[events]` in segmint.toml).
    #[arg(long = "events", value_name = "NAME=FILE", value_parser = parse_events_arg)]
    pub(super) events: Vec<(String, PathBuf)>,
}

/// `NAME=FILE`.
pub(super) fn parse_events_arg(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_string(), PathBuf::from(path)))
        }
        _ => Err(format!(
            "`{text}` is not NAME=FILE (e.g. orders=segments/sample/orders.parquet)"
        )),
    }
}

/// A plan and the data file it runs over.
pub struct Prepared {
    /// The compiled plan.
    pub plan: Plan,
    /// The opened, schema-checked data file.
    pub data: DataFile,
    /// One opened file per event table of the program (`None`: not read by the plan).
    pub events: Vec<Option<DataFile>>,
    /// Whether the sink needs the key column (false: the key is not read and
    /// comes out all missing; for callers that only count).
    pub key: bool,
}

/// What a command wants from a run besides the defaults.
#[derive(Debug, Default)]
pub struct Wanted {
    /// The segments to output (`--segment`); empty: every non-paused one.
    pub segments: Vec<String>,
    /// Fields copied into the membership batches.
    pub carry: Vec<FieldId>,
    /// Per-customer measures computed after them (`expect lift(…)`).
    pub measures: Vec<Expr>,
}

/// Compiles the plan (outputs, carried fields and measures as `wanted`) and opens the data.
pub fn prepare(
    program: &Program,
    config: &Config,
    input: &Input,
    wanted: Wanted,
) -> Result<Prepared, RunError> {
    let options = PlanOptions {
        as_of: super::as_of(input.as_of, config),
        segments: (!wanted.segments.is_empty()).then_some(wanted.segments),
        carry: wanted.carry,
        measures: wanted.measures,
    };
    let plan = plan::compile(program, &options)?;
    let path = super::data_path_as_of(input.data.clone(), config, plan.as_of())?;
    let events = open_events(program, config, input, &plan)?;
    let mut data = DataFile::open(&path, &program.schema)?;
    data.check_as_of(plan.as_of());
    Ok(Prepared {
        plan,
        data,
        events,
        key: true,
    })
}

/// Opens the file of each event table the plan reads: `--events NAME=FILE`,
/// else `[events]` in segmint.toml.
fn open_events(
    program: &Program,
    config: &Config,
    input: &Input,
    plan: &Plan,
) -> Result<Vec<Option<DataFile>>, RunError> {
    let names: Vec<&str> = program.events.iter().map(|t| t.name.as_str()).collect();
    for (name, _) in &input.events {
        if !names.contains(&name.as_str()) {
            let mut message =
                format!("--events {name}=…: no events table `{name}` in the segments");
            if let Some(hint) = crate::diagnostic::did_you_mean(name, names.iter().copied()) {
                message.push_str(&format!("; {hint}"));
            }
            return Err(RunError::Usage(message));
        }
    }
    let used = plan.event_tables();
    let mut files = Vec::new();
    for (i, table) in program.events.iter().enumerate() {
        if !used.iter().any(|id| id.0 as usize == i) {
            files.push(None);
            continue;
        }
        let given = input
            .events
            .iter()
            .rev()
            .find(|(name, _)| *name == table.name)
            .map(|(_, path)| path.clone())
            .or_else(|| config.events.get(&table.name).cloned());
        let Some(path) = given else {
            return Err(RunError::Usage(format!(
                "the segments use events table `{0}` but no file was given: pass `--events {0}=FILE` or set `{0}` under [events] in segmint.toml",
                table.name
            )));
        };
        let schema = program.event_schema(table);
        files.push(Some(DataFile::open_events(&path, &schema)?));
    }
    Ok(files)
}

/// Runs the plan, handing each membership batch to `sink`; then prints the data
/// file's warnings on stderr.
pub fn execute(
    prepared: &Prepared,
    context: &mut Context<'_>,
    sink: &mut dyn FnMut(arrow::record_batch::RecordBatch) -> Result<(), EvalError>,
) -> Result<eval::Summary, RunError> {
    let stderr = &mut *context.stderr;
    let mut progress = Progress::new(
        context.terminal.stderr_interactive,
        prepared.data.row_count(),
    );
    let options = eval::RunOptions { key: prepared.key };
    let events: Vec<Option<&dyn BatchSource>> = prepared
        .events
        .iter()
        .map(|f| f.as_ref().map(|f| f as &dyn BatchSource))
        .collect();
    let interactive = context.terminal.stderr_interactive;
    let mut scan_progress: Option<Progress> = None;
    let population =
        eval::Population::compute_observed(&prepared.plan, &prepared.data, &events, &mut |step| {
            match step {
                eval::Step::Started { what, unit, total } => {
                    let doing = format!("reading {what}");
                    scan_progress = Some(Progress::of(interactive, doing, unit, total));
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
            }
        })?;
    let result = eval::run_prepared(
        &prepared.plan,
        &prepared.data,
        &population,
        options,
        &mut |batch| {
            progress.advance(batch.num_rows(), stderr);
            sink(batch)
        },
    );
    progress.finish(stderr);
    let summary = result?;
    for warning in prepared.data.warnings() {
        writeln!(context.stderr, "warning: {warning}")?;
    }
    for (file, left_out) in prepared.events.iter().zip(population.events_left_out()) {
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
    for uneven in population.uneven_scores(&prepared.plan) {
        writeln!(context.stderr, "warning: {uneven}")?;
    }
    Ok(summary)
}

/// Runs `segmint eval`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let (config, compiled) = super::compile(&args.paths, context)?;
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    let wanted = Wanted {
        segments: args.segments.clone(),
        ..Wanted::default()
    };
    let mut prepared = prepare(&program, &config, &args.input, wanted)?;
    let key = program.schema.key;
    if args.keys_only || args.unique.allow_duplicate_keys {
        super::unique::check_before(args.unique, &mut prepared.data, key, context)?;
    }
    if args.keys_only {
        return super::keys::write(
            &program,
            &prepared,
            &args.segments,
            args.output.as_deref(),
            context,
        );
    }
    match &args.output {
        Some(path) => {
            let keep = asked_columns(&prepared.plan, &args.segments);
            let schema = prepared.plan.membership_schema();
            let schema = match &keep {
                Some(keep) => Arc::new(schema.project(keep).map_err(EvalError::from)?),
                None => schema,
            };
            let schema = with_as_of(schema, prepared.plan.as_of());
            let mut writer = super::sink::create(path, &args.sink, schema)?;
            let mut watch = super::unique::Watch::default();
            let mut nowhere = std::io::sink();
            let (mut inner, stdout) = super::sink::split(context, &mut nowhere);
            let mut closed: Option<std::io::Error> = None;
            let summary = execute(&prepared, &mut inner, &mut |batch| {
                watch.add(&batch)?;
                match &keep {
                    Some(keep) => writer.write(&batch.project(keep)?)?,
                    None => writer.write(&batch)?,
                }
                stdout.write_all(&writer.take_bytes()).map_err(|e| {
                    let message = format!("cannot write to standard output: {e}");
                    closed = Some(e);
                    EvalError::Output(message)
                })
            });
            // A reader that stopped early (`| head`) is not an error.
            let summary = match (summary, closed) {
                (Err(_), Some(e)) => return Err(RunError::Output(e)),
                (summary, _) => summary?,
            };
            watch.finish(&prepared.data, key)?;
            let rest = writer.finish()?;
            context.stdout.write_all(&rest)?;
            let rows = super::output::counted(summary.rows, "row");
            writeln!(
                context.stderr,
                "wrote {rows} to {}",
                super::sink::shown(path)
            )?;
        }
        None => {
            let as_of = prepared.plan.as_of();
            let counter = super::stats::counter(&program, &prepared.plan, false, None);
            let mut stats = super::stats::count(prepared, counter, context)?;
            only_asked_tiers(&mut stats, &args.segments);
            super::stats::write_table(&stats, as_of, context.stdout)?;
        }
    }
    Ok(ExitStatus::Success)
}

/// The key under which outputs record the as-of date they were evaluated at
/// (Parquet and Arrow key-value metadata).
pub const AS_OF_KEY: &str = "segmint.as_of";

/// The membership schema with the as-of date in its metadata.
fn with_as_of(
    schema: arrow::datatypes::SchemaRef,
    as_of: NaiveDate,
) -> arrow::datatypes::SchemaRef {
    let mut metadata = schema.metadata().clone();
    metadata.insert(AS_OF_KEY.to_string(), as_of.to_string());
    Arc::new(schema.as_ref().clone().with_metadata(metadata))
}

/// With `--segment`, the membership columns asked for: the key, then the named
/// segments and tiers blocks (every tiers block is evaluated; only the named ones
/// are written). `None` without `--segment`: every column.
fn asked_columns(plan: &Plan, asked: &[String]) -> Option<Vec<usize>> {
    if asked.is_empty() {
        return None;
    }
    let named = plan
        .outputs()
        .iter()
        .enumerate()
        .filter(|(_, output)| asked.contains(&output.name))
        .map(|(i, _)| i + 1);
    Some(std::iter::once(0).chain(named).collect())
}

/// With `--segment`, only the named tiers blocks are shown.
pub(super) fn only_asked_tiers(stats: &mut crate::stats::Stats, asked: &[String]) {
    if !asked.is_empty() {
        stats.tiers.retain(|tiers| asked.contains(&tiers.name));
    }
}
