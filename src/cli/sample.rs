//! `segmint sample --rows N --output FILE [--seed S]`: writes the generated sample
//! customer table (the schema of `segments/schema.seg`) in the format of FILE's
//! extension. The same seed always gives the same rows.

use std::path::PathBuf;

use super::{Context, ExitStatus, RunError};
use crate::data::OutputWriter;
use crate::data::sample::{generate, sample_schema};

/// Rows per generated batch.
const BATCH_ROWS: usize = 64 * 1024;

/// Arguments of `segmint sample`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many customers to generate.
    #[arg(long, value_name = "N")]
    rows: usize,
    /// The file to write (.csv, .parquet, .arrow, .jsonl).
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    /// Seed of the generator.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
}

/// Runs `segmint sample`.
pub fn run(args: Args, context: &mut Context<'_>) -> Result<ExitStatus, RunError> {
    let mut writer = OutputWriter::create(&args.output, sample_schema())?;
    for batch in generate(args.rows, args.seed, BATCH_ROWS) {
        writer.write(&batch)?;
    }
    writer.finish()?;
    writeln!(
        context.stderr,
        "wrote {} to {}",
        super::output::counted(args.rows as u64, "row"),
        super::shown(&args.output)
    )?;
    Ok(ExitStatus::Success)
}
