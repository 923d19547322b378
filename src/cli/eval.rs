//! `segmint eval [PATHS] --data FILE [--as-of DATE] [--segment NAME]… [--output FILE]`:
//! evaluates the segments over a data file. With `--output`, writes the membership
//! table (format by extension, whole or not at all); without, prints member counts.
//!
//! Running is [`crate::run`]; this file picks the outputs and the writer.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;

use super::input::Input;
use super::{Context, ExitStatus, RunError, counts};
use crate::run::{Run, Selection};
use crate::stats::Layout;

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

/// Runs `segmint eval`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let (config, compiled) = super::compile(&args.paths, context)?;
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    let select = Selection::named_or_default(&args.segments);
    let mut options = args.input.options(&program, &config, select)?;
    // a count never shows the key, among the most expensive columns to decode
    options.key = args.keys_only || args.output.is_some();
    let mut run = Run::open(&program, &options)?;
    let key = program.schema.key;
    if args.keys_only || args.unique.allow_duplicate_keys {
        super::unique::check_before(args.unique, &mut run.data, key, context)?;
    }
    if args.keys_only {
        return super::keys::write(
            &program,
            &run,
            &args.segments,
            args.output.as_deref(),
            &args.sink,
            context,
        );
    }
    match &args.output {
        Some(path) => {
            let schema = with_as_of(run.plan.membership_schema(), run.plan.as_of());
            let mut writer = super::sink::create(path, &args.sink, schema)?;
            let mut watch = super::unique::Watch::default();
            let summary = super::sink::stream(&run, context, &mut writer, &mut |batch| {
                watch.add(&batch)?;
                Ok(batch)
            })?;
            watch.finish(&run.data, key)?;
            super::sink::finish(writer, context)?;
            let rows = super::output::counted(summary.rows, "row");
            writeln!(
                context.stderr,
                "wrote {rows} to {}",
                super::sink::shown(path)
            )?;
        }
        None => {
            let layout = Layout::of_plan(&program, &run.plan, false, None);
            let stats = super::input::count(&run, layout, context)?;
            counts::write_table(&stats, run.plan.as_of(), context.stdout)?;
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
