//! `segmint stats [PATHS] --data FILE [--as-of DATE] [--overlap] [--by FIELD]
//! [--format table|json|markdown]`: member count and share per segment and per tier,
//! optionally the pairwise overlap matrix and a breakdown of each segment by a field.
//!
//! The counting is [`crate::stats`]; this file resolves `--by`, runs the plan and
//! prints.

use std::path::PathBuf;

use super::counts;
use super::input::Input;
use super::{Context, ExitStatus, RunError};
use crate::check::ir::{Program, Type};
use crate::diagnostic::did_you_mean_far;
use crate::run::{Run, Selection};
use crate::stats::{By, Layout};

/// Arguments of `segmint stats`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    input: Input,
    /// Add the pairwise overlap matrix (customers in both segments).
    #[arg(long)]
    overlap: bool,
    /// Break each segment down by the values of this field (an enum, string or bool
    /// field), a tiers block, or another segment.
    #[arg(long, value_name = "FIELD")]
    by: Option<String>,
    /// Count only this segment or tiers block (repeatable; default: every segment
    /// that is not paused, and every tiers block).
    #[arg(long = "segment", value_name = "NAME")]
    segments: Vec<String>,
    /// How to print the numbers.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    format: StatsFormat,
}

/// `--format` of `stats`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum StatsFormat {
    /// Aligned columns.
    Table,
    /// One JSON object.
    Json,
    /// GitHub-flavoured markdown tables.
    Markdown,
}

/// Runs `segmint stats`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let (config, compiled) = super::compile(&args.paths, context)?;
    let Some(program) = super::program_or_report(compiled, context)? else {
        return Ok(ExitStatus::Failure);
    };
    let by = args
        .by
        .as_deref()
        .map(|name| resolve_by(&program, name))
        .transpose()?;
    let carry = match &by {
        Some(By::Field(id)) => vec![*id],
        _ => Vec::new(),
    };
    let mut selected = args.segments.clone();
    if let (Some(By::Tiers(name) | By::Segment(name)), false) = (&by, selected.is_empty()) {
        selected.push(name.clone());
    }
    let mut options =
        args.input
            .options(&program, &config, Selection::named_or_default(&selected))?;
    options.carry = carry;
    options.key = false;
    let run = Run::open(&program, &options)?;
    let layout = Layout::of_plan(&program, &run.plan, args.overlap, by.as_ref());
    let stats = super::input::count(&run, layout, context)?;
    let as_of = run.plan.as_of();
    match args.format {
        StatsFormat::Table => counts::write_table(&stats, as_of, context.stdout)?,
        StatsFormat::Markdown => counts::write_markdown(&stats, as_of, context.stdout)?,
        StatsFormat::Json => counts::write_json(&stats, as_of, context.stdout)?,
    }
    Ok(ExitStatus::Success)
}

/// `--by NAME`: a tiers block, or a field of a type with few distinct values.
fn resolve_by(program: &Program, name: &str) -> Result<By, RunError> {
    if program.tiers.iter().any(|t| t.name == name) {
        return Ok(By::Tiers(name.to_owned()));
    }
    if program.segment_named(name).is_some() {
        return Ok(By::Segment(name.to_owned()));
    }
    let Some(id) = program.schema.lookup(name) else {
        let fields = program.schema.fields.iter().map(|f| f.name.as_str());
        let names = fields
            .chain(program.tiers.iter().map(|t| t.name.as_str()))
            .chain(program.segments.iter().map(|s| s.name.as_str()));
        let help = did_you_mean_far(name, names)
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        return Err(RunError::Usage(format!(
            "--by: no field, tiers block or segment named `{name}`{help}"
        )));
    };
    match program.schema.field(id).ty {
        Type::Enum(_) | Type::String | Type::Bool => Ok(By::Field(id)),
        ref other => Err(RunError::Usage(format!(
            "--by: `{name}` is {}; use an enum, string or bool field, a tiers block or a segment",
            other.describe()
        ))),
    }
}
