//! `segmint init DIR --data FILE [--events NAME=FILE]…`: a new project folder from
//! a team's own export: `segmint.toml` pointing at the data, and
//! `segments/schema.seg` with the schema (and `events` blocks) inferred from it.

use std::path::{Component, Path, PathBuf};

use super::schema::{events_block, schema_block};
use super::{Context, ExitStatus, RunError};
use crate::data::infer;
use crate::project::FILE_NAME;

/// Arguments of `segmint init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project folder to create (or an empty one).
    dir: PathBuf,
    /// The customer table to infer the schema from.
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// An event table to infer an `events` block from (repeatable).
    #[arg(long = "events", value_name = "NAME=FILE", value_parser = super::input::parse_events_arg)]
    events: Vec<(String, PathBuf)>,
}

/// Runs `segmint init`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let toml_path = args.dir.join(FILE_NAME);
    let schema_path = args.dir.join("segments").join("schema.seg");
    for existing in [&toml_path, &schema_path] {
        if existing.exists() {
            return Err(RunError::Usage(format!(
                "{} already exists: `segmint init` only starts new projects",
                super::shown(existing)
            )));
        }
    }
    let mut text = schema_block(&infer::profile(&args.data)?, &args.data);
    for (name, path) in &args.events {
        text.push('\n');
        text.push_str(&events_block(&infer::profile(path)?, path, name));
    }
    let segments = args.dir.join("segments");
    std::fs::create_dir_all(&segments).map_err(|e| io_error(&segments, e))?;
    let mut toml = format!(
        "# segmint project file: `segmint check`, `eval`, `stats` and `test` run from here.\nsegments = [\"segments\"]\ndata = {:?}\n",
        relative(&args.data, &args.dir)
    );
    if !args.events.is_empty() {
        toml.push_str("\n[events]\n");
        for (name, path) in &args.events {
            toml.push_str(&format!("{name} = {:?}\n", relative(path, &args.dir)));
        }
    }
    std::fs::write(&schema_path, text).map_err(|e| io_error(&schema_path, e))?;
    std::fs::write(&toml_path, toml).map_err(|e| io_error(&toml_path, e))?;
    writeln!(
        context.stderr,
        "wrote {} and {}; check the schema, then run `segmint check` in {}",
        super::shown(&toml_path),
        super::shown(&schema_path),
        super::shown(&args.dir)
    )?;
    Ok(ExitStatus::Success)
}

fn io_error(path: &Path, error: std::io::Error) -> RunError {
    RunError::Usage(format!("{}: {error}", super::shown(path)))
}

/// `file` as seen from `dir` (both as given, relative to the current folder):
/// `../data/customers.csv` for `data/customers.csv` from `shop`. Absolute paths,
/// and paths that cannot be related, stay as they are.
fn relative(file: &Path, dir: &Path) -> String {
    let shown = || file.to_string_lossy().replace('\\', "/");
    let (Ok(file_abs), Ok(dir_abs)) = (std::fs::canonicalize(file), std::fs::canonicalize(dir))
    else {
        return shown();
    };
    if file.is_absolute() {
        return shown();
    }
    let a: Vec<Component> = file_abs.components().collect();
    let b: Vec<Component> = dir_abs.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        a.iter()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}
