//! Where a table output goes: a file (format by extension, whole or not at all) or,
//! for `--output -`, standard output in the `--format` asked for; and the
//! compression of Parquet outputs (`--compression`).

use std::io::{self, Write};
use std::path::Path;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use super::{Context, RunError};
use crate::data::{Format, OutputWriter, ParquetCompression, ParquetOptions};
use crate::eval::{EvalError, Summary};
use crate::run::Run;

/// Output flags shared by commands that write a table.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SinkArgs {
    /// With `--output -`: the format written to standard output (a file's format
    /// follows its extension).
    #[arg(long = "format", value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<Format>,
    /// Compression of a Parquet output: zstd (smallest), snappy (what most tools
    /// write; fastest to produce), lz4, none.
    #[arg(long, value_name = "CODEC", value_parser = parse_compression, default_value = "zstd")]
    pub compression: ParquetCompression,
}

/// Whether `path` means standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How an output path is named in messages (`wrote 6 rows to standard output`).
pub fn shown(path: &Path) -> String {
    if is_stdout(path) {
        "standard output".into()
    } else {
        super::shown(path)
    }
}

/// The writer for `path` (`-`: standard output, `--format` required). The
/// tables written here start with the customer key, whose values the commands
/// check are unique.
pub fn create(path: &Path, args: &SinkArgs, schema: SchemaRef) -> Result<OutputWriter, RunError> {
    let options = ParquetOptions {
        compression: args.compression,
        key_first: true,
    };
    if !is_stdout(path) {
        if let Some(format) = args.format
            && Format::from_path(path) != Some(format)
        {
            return Err(RunError::Usage(format!(
                "--format {}: the format of an output file follows its extension; --format is for `--output -`",
                format_name(format)
            )));
        }
        return Ok(OutputWriter::create_with(path, schema, options)?);
    }
    let Some(format) = args.format else {
        return Err(RunError::Usage(
            "--output - writes to standard output: name the format with --format csv|jsonl|arrow|parquet"
                .into(),
        ));
    };
    Ok(OutputWriter::to_stream(
        Path::new("standard output"),
        format,
        schema,
        options,
    )?)
}

/// Runs `run`, writing what `rows` makes of each membership batch to `writer`;
/// an output to standard output is passed on as it is encoded. The writer is
/// not finished, so a caller can still refuse the output (duplicate keys);
/// [`finish`] writes the rest.
pub fn stream(
    run: &Run,
    context: &mut Context<'_>,
    writer: &mut OutputWriter,
    rows: &mut dyn FnMut(RecordBatch) -> Result<RecordBatch, EvalError>,
) -> Result<Summary, RunError> {
    let mut nowhere = io::sink();
    let (mut inner, stdout) = split(context, &mut nowhere);
    let mut closed: Option<io::Error> = None;
    let summary = super::input::execute(run, &mut inner, &mut |batch| {
        writer.write(&rows(batch)?)?;
        stdout.write_all(&writer.take_bytes()).map_err(|e| {
            let message = format!("cannot write to standard output: {e}");
            closed = Some(e);
            EvalError::Output(message)
        })
    });
    // A reader that stopped early (`| head`) is not an error.
    match (summary, closed) {
        (Err(_), Some(e)) => Err(RunError::Output(e)),
        (summary, _) => summary,
    }
}

/// Finishes `writer`; an output to standard output gets its last bytes.
pub fn finish(writer: OutputWriter, context: &mut Context<'_>) -> Result<(), RunError> {
    let rest = writer.finish()?;
    context.stdout.write_all(&rest)?;
    Ok(())
}

/// A context whose standard output is thrown away, and the real standard output
/// apart, so a pass can report on stderr while its sink writes to stdout.
fn split<'c>(
    context: &'c mut Context<'_>,
    nowhere: &'c mut io::Sink,
) -> (Context<'c>, &'c mut dyn Write) {
    let inner = Context {
        cwd: context.cwd.clone(),
        stdout: nowhere,
        stderr: &mut *context.stderr,
        terminal: context.terminal,
    };
    (inner, &mut *context.stdout)
}

fn parse_format(text: &str) -> Result<Format, String> {
    match text {
        "csv" => Ok(Format::Csv),
        "jsonl" | "ndjson" => Ok(Format::JsonLines),
        "arrow" => Ok(Format::Arrow),
        "parquet" => Ok(Format::Parquet),
        _ => Err(format!("`{text}` is not one of csv, jsonl, arrow, parquet")),
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Csv => "csv",
        Format::JsonLines => "jsonl",
        Format::Arrow => "arrow",
        Format::Parquet => "parquet",
    }
}

fn parse_compression(text: &str) -> Result<ParquetCompression, String> {
    ParquetCompression::from_name(text).ok_or_else(|| {
        format!(
            "`{text}` is not one of {}",
            ParquetCompression::NAMES.join(", ")
        )
    })
}
