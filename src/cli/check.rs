//! `segmint check [PATHS] [--format human|json|github|markdown|sarif] [--deny-warnings]`: parse,
//! type-check and lint; every diagnostic goes to stdout in the chosen format.
//! Files given inside the project's `segments` folders are checked with the rest
//! of the project (its schema, event tables, segments), and only they are reported on.

use std::path::PathBuf;

use super::{Context, ExitStatus, RunError};
use crate::diagnostic::render::{self, Format, Summary};
use crate::project::{self, Config};

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
    /// A summary and a table for a pull-request comment.
    Markdown,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

/// Runs `segmint check`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let config = Config::discover(&context.cwd)?;
    let compiled = project::compile_in_project(&args.paths, &config)?;
    let diagnostics = &compiled.diagnostics;
    let colour = context.terminal.stdout_colour;
    let checked = compiled.sources.iter().count() - compiled.context.len();
    let summary = Summary::new(checked, diagnostics);
    let sources = &compiled.sources;
    let out = &mut *context.stdout;
    match args.format {
        CheckFormat::Human => {
            render::render(Format::Human, diagnostics, sources, colour, out)?;
            writeln!(out, "{summary}")?;
        }
        CheckFormat::Json => render::render(Format::Json, diagnostics, sources, colour, out)?,
        CheckFormat::Github => render::render(Format::Github, diagnostics, sources, colour, out)?,
        CheckFormat::Sarif => render::render(Format::Sarif, diagnostics, sources, colour, out)?,
        CheckFormat::Markdown => render::markdown::render(diagnostics, sources, &summary, out)?,
    }
    let fails = summary.errors > 0 || (args.deny_warnings && summary.warnings > 0);
    Ok(if fails {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
