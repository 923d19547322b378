//! The command line: takes arguments and two output streams, gives an
//! [`ExitStatus`].
//!
//! One file per command; each is thin (arguments → library calls → a writer) and
//! writes only to the streams it is handed, so commands can run in-process in tests.
//! Exit codes (docs/cli.md): `0` success, `1` the segments or the data fail what was
//! asked, `2` the command could not run ([`RunError`]). Diagnostics are rendered
//! here, at the edge; colour only when the stream is a terminal.

mod audit;
mod backtest;
mod check;
mod counts;
mod diff;
mod diff_report;
mod eval;
pub(crate) mod explain;
mod fixtures;
mod fmt;
mod funnel;
mod generate;
mod global;
mod init;
mod input;
mod keys;
mod lsp;
pub mod output;
mod overlap;
mod progress;
mod sample;
mod schema;
mod sink;
mod sql;
mod stats;
mod test;
mod unique;
mod words;

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::check::ir::Program;
use crate::data::DataError;
use crate::diagnostic::render::{self, Format};
use crate::eval::EvalError;
use crate::plan::PlanError;
use crate::project::{self, Compiled, Config, ProjectError};

/// `segmint`: customer segments as code.
#[derive(Debug, Parser)]
#[command(
    name = "segmint",
    version,
    about = "Customer segments as code",
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: global::Global,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse, type-check and lint segment files.
    #[command(after_help = "Example:\n  segmint check segments/ --format github")]
    Check(check::Args),
    /// Show a segment's criteria, checked expression and compiled plan.
    #[command(after_help = "Example:\n  segmint explain champions")]
    Explain(explain::Args),
    /// Rewrite segment files in the canonical layout.
    Fmt(fmt::Args),
    /// Evaluate segments over a data file and write the membership table.
    #[command(
        after_help = "Example:\n  segmint eval --data customers.parquet --output members.parquet --compression snappy\n  segmint eval --segment champions --keys-only > champions.txt\n  segmint eval --output - --format csv | head"
    )]
    Eval(eval::Args),
    /// Count members per segment and tier, with overlaps and breakdowns.
    #[command(
        after_help = "Example:\n  segmint stats --data customers.parquet --overlap --format markdown"
    )]
    Stats(stats::Args),
    /// Report data-quality problems in the customer and event tables, by the schema.
    #[command(
        after_help = "Example:\n  segmint audit --data customers.csv.gz --events orders=orders.parquet --format json"
    )]
    Audit(audit::Args),
    /// Check every `expect` line against the data.
    #[command(after_help = "Example:\n  segmint test --data customers.parquet --format markdown")]
    Test(test::Args),
    /// Compare with a base version of the rules, or two data snapshots: who enters and exits.
    Diff(diff::Args),
    /// Evaluate segments and expectations at a series of past as-of dates.
    Backtest(backtest::Args),
    /// Write a generated sample customer table.
    #[command(
        after_help = "Example:\n  segmint sample --rows 100000 --output customers.parquet --orders orders.parquet"
    )]
    Sample(sample::Args),
    /// Print one SQL query that returns the membership table, for a warehouse or cluster.
    #[command(
        after_help = "Example:\n  segmint sql --dialect duckdb --table customers --segment champions"
    )]
    Sql(sql::Args),
    /// Infer a `schema` (or `events`) block from a data file.
    #[command(after_help = "Example:\n  segmint schema infer customers.csv > segments/schema.seg")]
    Schema(schema::Args),
    /// Start a project folder from a data export: segmint.toml and the inferred schema.
    #[command(after_help = "Example:\n  segmint init shop --data export/customers.csv")]
    Init(init::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Example:\n  segmint completions bash > ~/.local/share/bash-completion/completions/segmint"
    )]
    Completions(generate::CompletionArgs),
    /// Print the man page (roff), every command included.
    #[command(after_help = "Example:\n  segmint man > segmint.1 && man ./segmint.1")]
    Man,
    /// Run the language server on standard input and output (for editors).
    Lsp(lsp::Args),
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything asked for holds (exit code 0).
    Success,
    /// The segments or the data fail what was asked (exit code 1).
    Failure,
    /// The command could not run (exit code 2).
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

/// Why a command could not run (exit code 2). Printed as one line, `error: …`.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Reading `segmint.toml` or the segment paths failed.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// Reading or writing a data file failed, or the data does not fit the schema.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The program could not be compiled for evaluation (e.g. an unknown `--segment`).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Evaluation stopped (unreadable data, an output that cannot be written).
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A run over data could not go on (an event file missing, data not fitting).
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    /// The segments cannot be written as SQL for the chosen engine.
    #[error(transparent)]
    Sql(#[from] crate::sql::SqlError),
    /// Arguments that clap accepts but that make no sense for this project.
    #[error("{0}")]
    Usage(String),
    /// Writing to standard output or error failed.
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
}

/// What a command may use from its surroundings.
pub struct Context<'a> {
    /// The folder `segmint.toml` is looked for from.
    pub cwd: PathBuf,
    /// Command output.
    pub stdout: &'a mut dyn Write,
    /// Diagnostics about the run, warnings, progress.
    pub stderr: &'a mut dyn Write,
    /// Whether each stream is a terminal (colour, progress).
    pub terminal: Terminal,
}

/// Which streams are terminals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Terminal {
    /// Standard output is a terminal and colour is not switched off.
    pub stdout_colour: bool,
    /// Standard error is a terminal and colour is not switched off.
    pub stderr_colour: bool,
    /// Standard error is a terminal (for progress bars).
    pub stderr_interactive: bool,
}

/// Parses `args` (program name first) and runs the command.
pub fn run(args: impl IntoIterator<Item = OsString>, context: &mut Context<'_>) -> ExitStatus {
    let started = std::time::Instant::now();
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => return clap_error(&error, context),
    };
    if let Err(message) = cli.global.apply_threads() {
        let _ = writeln!(context.stderr, "error: {message}");
        return ExitStatus::Error;
    }
    let global = cli.global.clone();
    let mut quiet;
    let mut context = Context {
        cwd: context.cwd.clone(),
        stdout: &mut *context.stdout,
        stderr: if global.quiet {
            quiet = global::Quiet::new(&mut *context.stderr);
            &mut quiet
        } else {
            &mut *context.stderr
        },
        terminal: global.terminal(context.terminal),
    };
    let status = run_command(cli.command, &mut context);
    global.report(started, context.stderr);
    let _ = context.stderr.flush();
    status
}

fn run_command(command: Command, context: &mut Context<'_>) -> ExitStatus {
    let outcome = match command {
        Command::Check(args) => check::run(args, context),
        Command::Explain(args) => explain::run(args, context),
        Command::Fmt(args) => fmt::run(args, context),
        Command::Eval(args) => eval::run(args, context),
        Command::Stats(args) => stats::run(args, context),
        Command::Audit(args) => audit::run(args, context),
        Command::Test(args) => test::run(args, context),
        Command::Diff(args) => diff::run(args, context),
        Command::Backtest(args) => backtest::run(args, context),
        Command::Sample(args) => sample::run(args, context),
        Command::Sql(args) => sql::run(args, context),
        Command::Schema(args) => schema::run(args, context),
        Command::Init(args) => init::run(args, context),
        Command::Completions(args) => generate::completions(args, context),
        Command::Man => generate::man(context),
        Command::Lsp(args) => lsp::run(args, context),
    };
    let outcome = outcome.and_then(|status| flush(context).map(|()| status));
    match outcome {
        Ok(status) => status,
        Err(RunError::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            ExitStatus::Success
        }
        Err(error) => {
            // If even stderr is gone there is nobody left to tell.
            let _ = writeln!(context.stderr, "error: {error}");
            ExitStatus::Error
        }
    }
}

fn flush(context: &mut Context<'_>) -> Result<(), RunError> {
    context.stdout.flush()?;
    context.stderr.flush()?;
    Ok(())
}

/// `--help` and `--version` go to stdout with exit 0; usage errors to stderr with exit 2.
fn clap_error(error: &clap::Error, context: &mut Context<'_>) -> ExitStatus {
    let (stream, colour): (&mut dyn Write, bool) = if error.use_stderr() {
        (&mut *context.stderr, context.terminal.stderr_colour)
    } else {
        (&mut *context.stdout, context.terminal.stdout_colour)
    };
    let rendered = error.render();
    let text = if colour {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    let _ = write!(stream, "{text}");
    if error.exit_code() == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    }
}

/// Reads `segmint.toml` (if any) and compiles the given paths or its defaults.
fn compile(paths: &[PathBuf], context: &Context<'_>) -> Result<(Config, Compiled), RunError> {
    let config = Config::discover(&context.cwd)?;
    let compiled = project::compile(paths, &config)?;
    Ok((config, compiled))
}

/// For commands that go on to use the program: errors are printed in full on stderr
/// (exit 1), warnings only counted (`segmint check` shows them).
fn program_or_report(
    compiled: Compiled,
    context: &mut Context<'_>,
) -> Result<Option<Program>, RunError> {
    if let Some(program) = compiled.program {
        let warnings = compiled.diagnostics.len();
        if warnings > 0 {
            let noun = if warnings == 1 { "warning" } else { "warnings" };
            let paths: String = compiled
                .given
                .iter()
                .map(|p| format!(" {}", shown(p)))
                .collect();
            writeln!(
                context.stderr,
                "warning: the segment files have {warnings} {noun}; run `segmint check{paths}` to see them"
            )?;
        }
        return Ok(Some(program));
    }
    render_errors(&compiled, context)?;
    let summary = render::Summary::new(compiled.sources.iter().count(), &compiled.diagnostics);
    writeln!(context.stderr, "{summary}")?;
    Ok(None)
}

/// Prints a project's diagnostics on stderr, for people.
fn render_errors(compiled: &Compiled, context: &mut Context<'_>) -> Result<(), RunError> {
    let colour = context.terminal.stderr_colour;
    render::render(
        Format::Human,
        &compiled.diagnostics,
        &compiled.sources,
        colour,
        context.stderr,
    )?;
    Ok(())
}

/// Finishes an output file and says on stderr how many `noun`s it holds.
fn finish_output(
    writer: crate::data::OutputWriter,
    count: u64,
    noun: &str,
    path: &Path,
    context: &mut Context<'_>,
) -> Result<(), RunError> {
    writer.finish()?;
    let counted = output::counted(count, noun);
    writeln!(context.stderr, "wrote {counted} to {}", shown(path))?;
    Ok(())
}

/// The data file: `--data`, else `data` in `segmint.toml`.
fn data_path(given: Option<PathBuf>, config: &Config) -> Result<PathBuf, RunError> {
    given.or_else(|| config.data.clone()).ok_or_else(|| {
        RunError::Usage(format!(
            "no data file: pass `--data FILE` or set `data` in {}",
            project::FILE_NAME
        ))
    })
}

/// [`data_path`] with `{as_of}` in it replaced by the as-of date (`YYYY-MM-DD`), so
/// that `data = "data/customers_{as_of}.parquet"` picks each day's snapshot.
pub(crate) fn data_path_as_of(
    given: Option<PathBuf>,
    config: &Config,
    as_of: NaiveDate,
) -> Result<PathBuf, RunError> {
    let path = data_path(given, config)?;
    let text = path.to_string_lossy();
    Ok(if text.contains("{as_of}") {
        PathBuf::from(text.replace("{as_of}", &as_of.to_string()))
    } else {
        path
    })
}

/// The as-of date: `--as-of`, else `as_of` in `segmint.toml`, else today in UTC.
pub(crate) fn as_of(given: Option<NaiveDate>, config: &Config) -> NaiveDate {
    given
        .or(config.as_of)
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// clap value parser for `YYYY-MM-DD`.
fn parse_date_arg(text: &str) -> Result<NaiveDate, String> {
    project::parse_date(text).ok_or_else(|| {
        format!("`{text}` is not a calendar date written YYYY-MM-DD (e.g. 2026-06-30)")
    })
}

/// Shown in messages about a path.
fn shown(path: &Path) -> String {
    path.display().to_string()
}
