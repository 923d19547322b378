//! `segmint check [PATHS] [--format human|json|github] [--deny-warnings]`: parse,
//! type-check and lint; every diagnostic goes to stdout in the chosen format.

use std::path::PathBuf;

use super::{Context, ExitStatus, RunError};
use crate::diagnostic::render::{self, Format, Summary};

/// Arguments of `segmint check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Exit with code 1 when there are warnings.
    #[arg(long)]
    deny_warnings: bool,
}

/// `--format` of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    /// Source snippets with underlines.
    Human,
    /// One JSON object: `{"diagnostics": […]}`.
    Json,
    /// GitHub Actions annotations.
    Github,
}

impl From<CheckFormat> for Format {
    fn from(format: CheckFormat) -> Format {
        match format {
            CheckFormat::Human => Format::Human,
            CheckFormat::Json => Format::Json,
            CheckFormat::Github => Format::Github,
        }
    }
}

/// Runs `segmint check`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let (_, compiled) = super::compile(&args.paths, context)?;
    let diagnostics = &compiled.diagnostics;
    let colour = context.terminal.stdout_colour;
    render::render(
        args.format.into(),
        diagnostics,
        &compiled.sources,
        colour,
        context.stdout,
    )?;
    let summary = Summary::new(compiled.sources.iter().count(), diagnostics);
    if args.format == CheckFormat::Human {
        writeln!(context.stdout, "{summary}")?;
    }
    let fails = summary.errors > 0 || (args.deny_warnings && summary.warnings > 0);
    Ok(if fails {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
