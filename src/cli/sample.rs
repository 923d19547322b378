//! `segmint sample --rows N --output FILE [--orders FILE] [--email-events FILE]
//! [--seed S]`: writes the generated sample customer table (the schema of
//! `segments/schema.seg`) and, when asked, the customers' orders and e-mail
//! events (the tables of `segments/events.seg`), each in the format of its
//! file's extension. The same seed always gives the same rows. Batches are
//! written as they are generated, so memory stays bounded.

use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;

use super::progress::Progress;
use super::{Context, ExitStatus, RunError};
use crate::data::OutputWriter;
use crate::data::sample::{
    History, SampleBatch, email_events_schema, generate_with_history, orders_schema, sample_schema,
};

/// Customer rows per generated batch.
const BATCH_ROWS: usize = 64 * 1024;

/// Arguments of `segmint sample`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many customers to generate.
    #[arg(long, value_name = "N")]
    rows: usize,
    /// The customer table to write (.csv, .parquet, .arrow, .jsonl).
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    /// Also write the customers' orders to FILE.
    #[arg(long, value_name = "FILE")]
    orders: Option<PathBuf>,
    /// Also write the customers' e-mail events (sent, open, click) to FILE.
    #[arg(long = "email-events", value_name = "FILE")]
    email_events: Option<PathBuf>,
    /// Seed of the generator.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
}

/// One output file and the rows written to it.
struct Output {
    writer: OutputWriter,
    path: PathBuf,
    rows: u64,
}

impl Output {
    fn create(path: &Path, schema: SchemaRef) -> Result<Output, RunError> {
        Ok(Output {
            writer: OutputWriter::create(path, schema)?,
            path: path.to_path_buf(),
            rows: 0,
        })
    }

    fn write(&mut self, batch: &arrow::record_batch::RecordBatch) -> Result<(), RunError> {
        self.writer.write(batch)?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }
}

/// Runs `segmint sample`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    check_distinct(&args)?;
    let mut customers = Output::create(&args.output, sample_schema())?;
    let create = |path: &Option<PathBuf>, schema: fn() -> SchemaRef| {
        path.as_deref()
            .map(|p| Output::create(p, schema()))
            .transpose()
    };
    let mut orders = create(&args.orders, orders_schema)?;
    let mut email_events = create(&args.email_events, email_events_schema)?;
    let history = History {
        orders: orders.is_some(),
        email_events: email_events.is_some(),
    };
    let interactive = context.terminal.stderr_interactive;
    let mut progress = Progress::of(
        interactive,
        "generating".into(),
        "customers",
        Some(args.rows as u64),
    );
    for batch in generate_with_history(args.rows, args.seed, BATCH_ROWS, history) {
        match (&batch, orders.as_mut(), email_events.as_mut()) {
            (SampleBatch::Customers(b), _, _) => {
                customers.write(b)?;
                progress.advance(b.num_rows(), context.stderr);
            }
            (SampleBatch::Orders(b), Some(out), _) => out.write(b)?,
            (SampleBatch::EmailEvents(b), _, Some(out)) => out.write(b)?,
            _ => {}
        }
    }
    progress.finish(context.stderr);
    for (output, noun) in [
        (Some(customers), "row"),
        (orders, "order"),
        (email_events, "e-mail event"),
    ] {
        let Some(output) = output else { continue };
        output.writer.finish()?;
        writeln!(
            context.stderr,
            "wrote {} to {}",
            super::output::counted(output.rows, noun),
            super::shown(&output.path)
        )?;
    }
    Ok(ExitStatus::Success)
}

/// Two outputs on one path would overwrite each other.
fn check_distinct(args: &Args) -> Result<(), RunError> {
    let paths = [
        Some(&args.output),
        args.orders.as_ref(),
        args.email_events.as_ref(),
    ];
    let paths: Vec<&PathBuf> = paths.into_iter().flatten().collect();
    for (i, path) in paths.iter().enumerate() {
        if paths[..i].contains(path) {
            return Err(RunError::Usage(format!(
                "two outputs are the same file: {}",
                super::shown(path)
            )));
        }
    }
    Ok(())
}
