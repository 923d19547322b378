//! The data arguments every data command shares (`--data`, `--as-of`, `--events`),
//! turned into [`run::Options`] with `segmint.toml`'s defaults; and the glue that
//! runs a [`Run`] with a progress display and prints its warnings.

use std::path::PathBuf;

use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;

use super::progress::Progress;
use super::{Context, RunError};
use crate::check::ir::Program;
use crate::data::BatchSource;
use crate::eval::{EvalError, Summary};
use crate::project::Config;
use crate::run::{self, Run, Selection};
use crate::stats::{Counter, Layout, Stats};

/// The data a command reads and the date it is read at.
#[derive(Clone, Debug, clap::Args)]
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

impl Input {
    /// The run options: the as-of date and data file from the arguments or
    /// `segmint.toml`, every event file (arguments over `[events]`), `select`.
    pub(super) fn options(
        &self,
        program: &Program,
        config: &Config,
        select: Selection,
    ) -> Result<run::Options, RunError> {
        run::check_event_names(program, self.events.iter().map(|(n, _)| n.as_str()))?;
        let as_of = super::as_of(self.as_of, config);
        let data = super::data_path_as_of(self.data.clone(), config, as_of)?;
        let mut events = config.events.clone();
        events.extend(self.events.iter().cloned());
        Ok(run::Options::new(as_of, data)
            .with_events(events)
            .select(select))
    }
}

/// Runs `run` with a progress display on stderr, then prints its warnings there.
pub(super) fn execute(
    run: &Run,
    context: &mut Context<'_>,
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), EvalError>,
) -> Result<Summary, RunError> {
    let stderr = &mut *context.stderr;
    let interactive = context.terminal.stderr_interactive;
    let mut rows = Progress::new(interactive, run.data.row_count());
    let mut scan: Option<Progress> = None;
    let ran = run.execute(
        &mut |step| match step {
            run::Step::Scan(crate::eval::Step::Started { what, unit, total }) => {
                let doing = format!("reading {what}");
                scan = Some(Progress::of(interactive, doing, unit, total));
            }
            run::Step::Scan(crate::eval::Step::Rows(n)) => {
                if let Some(progress) = scan.as_mut() {
                    progress.advance(n, stderr);
                }
            }
            run::Step::Scan(crate::eval::Step::Finished) => {
                if let Some(mut progress) = scan.take() {
                    progress.finish(stderr);
                }
            }
            run::Step::Evaluated(n) => rows.advance(n, stderr),
        },
        sink,
    );
    rows.finish(stderr);
    let ran = ran?;
    for warning in &ran.warnings {
        writeln!(context.stderr, "warning: {warning}")?;
    }
    Ok(ran.summary)
}

/// Runs `run` and counts its membership batches as `layout` says.
pub(super) fn count(
    run: &Run,
    layout: Layout,
    context: &mut Context<'_>,
) -> Result<Stats, RunError> {
    let mut counter = Counter::new(layout);
    execute(run, context, &mut |batch| {
        counter
            .add(&batch)
            .map_err(|e| EvalError::Output(e.to_string()))
    })?;
    Ok(counter.finish())
}
