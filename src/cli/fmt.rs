//! `segmint fmt [PATHS] [--check] [--diff]`: rewrite `.seg` files in the canonical
//! layout (docs/style.md). `--check` writes nothing and exits 1 naming the files
//! that would change; `--diff` prints what would change as a unified diff, writes
//! nothing and exits 1 when something would change (as `ruff format --diff`). A file that does not parse is reported and left untouched.

use std::path::PathBuf;

use super::{Context, ExitStatus, RunError, shown};
use crate::diagnostic::render::{self, Format};
use crate::fmt::FormatError;
use crate::fmt::files::{self, Outcome};
use crate::project::{self, Config};
use crate::source::Sources;

/// Arguments of `segmint fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Segment files or folders (default: `segments` from segmint.toml, else ./segments).
    paths: Vec<PathBuf>,
    /// Write nothing; exit 1 and name the files whose layout would change.
    #[arg(long)]
    check: bool,
    /// Write nothing; print a unified diff of what would change.
    #[arg(long)]
    diff: bool,
}

/// Runs `segmint fmt`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let config = Config::discover(&context.cwd)?;
    let paths = project::paths_or_default(&args.paths, &config);
    let found = project::segment_files(&paths)?;
    if found.is_empty() {
        return Err(project::ProjectError::NoSegmentFiles(paths).into());
    }
    let write = !args.check && !args.diff;
    let (mut changed, mut failed) = (0usize, 0usize);
    for path in &found {
        let outcome = files::format_file(path)
            .map_err(|e| RunError::Usage(format!("{}: cannot read file: {e}", shown(path))))?;
        match outcome {
            Outcome::Unchanged => {}
            Outcome::Changed {
                original,
                formatted,
            } => {
                changed += 1;
                if args.diff {
                    write!(
                        context.stdout,
                        "{}",
                        files::unified_diff(path, &original, &formatted)
                    )?;
                } else if args.check {
                    writeln!(context.stdout, "would reformat {}", shown(path))?;
                }
                if write {
                    files::write_whole(path, &formatted).map_err(RunError::Usage)?;
                    writeln!(context.stderr, "formatted {}", shown(path))?;
                }
            }
            Outcome::Failed { text, error } => {
                failed += 1;
                report_failure(path, text, error, context)?;
            }
        }
    }
    let noun = |n: usize| if n == 1 { "file" } else { "files" };
    let unchanged = found.len() - changed - failed;
    let verb = if write {
        "reformatted"
    } else {
        "would be reformatted"
    };
    let mut summary = format!("{changed} {} {verb}", noun(changed));
    if unchanged > 0 {
        summary.push_str(&format!(", {unchanged} already formatted"));
    }
    if failed > 0 {
        summary.push_str(&format!(", {failed} not formatted (see above)"));
    }
    writeln!(context.stderr, "{summary}")?;
    let fails = failed > 0 || (!write && changed > 0);
    Ok(if fails {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Prints why a file was left untouched: its syntax errors, or the formatter's own
/// failure to keep its meaning.
fn report_failure(
    path: &std::path::Path,
    text: String,
    error: FormatError,
    context: &mut Context<'_>,
) -> Result<(), RunError> {
    match error {
        FormatError::Syntax(diagnostics) => {
            let mut sources = Sources::new();
            sources.add(path, text);
            let colour = context.terminal.stderr_colour;
            render::render(
                Format::Human,
                &diagnostics,
                &sources,
                colour,
                context.stderr,
            )?;
            writeln!(
                context.stderr,
                "{}: not formatted: fix the errors above first (the file is unchanged)",
                shown(path)
            )?;
        }
        FormatError::Unstable(reason) => writeln!(
            context.stderr,
            "{}: not formatted: {reason}; the file is unchanged (please report this)",
            shown(path)
        )?,
    }
    Ok(())
}
