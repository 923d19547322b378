//! `segmint eval --segment NAME --keys-only [--output FILE]`: the keys of one
//! segment's members, one per line on standard output (to paste into a CRM or a
//! mailing tool), or as a one-column table in the output's format (`--output -`
//! with `--format`: that table on standard output).

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::util::display::{ArrayFormatter, FormatOptions};

use super::input::execute;
use super::sink::SinkArgs;
use super::{Context, ExitStatus, RunError};
use crate::check::ir::Program;
use crate::eval::EvalError;
use crate::run::Run;

/// Writes the member keys of the one segment named in `segments`.
pub(super) fn write(
    program: &Program,
    run: &Run,
    segments: &[String],
    output: Option<&Path>,
    sink: &SinkArgs,
    context: &mut Context<'_>,
) -> Result<ExitStatus, RunError> {
    let [name] = segments else {
        return Err(RunError::Usage(
            "--keys-only lists the members of one segment: name it with one `--segment NAME`"
                .into(),
        ));
    };
    if program.segment_named(name).is_none() {
        return Err(RunError::Usage(format!(
            "--keys-only: `{name}` is a tiers block; name a segment"
        )));
    }
    let members = |batch: &RecordBatch| -> Result<RecordBatch, EvalError> {
        let mask = batch
            .column(1)
            .as_boolean_opt()
            .cloned()
            .unwrap_or_else(|| BooleanArray::from(vec![false; batch.num_rows()]));
        Ok(filter_record_batch(&batch.project(&[0])?, &mask)?)
    };
    match output {
        Some(path) => {
            let key = run
                .plan
                .membership_schema()
                .project(&[0])
                .map_err(EvalError::from)?;
            let mut writer = super::sink::create(path, sink, Arc::new(key))?;
            let mut count = 0;
            super::sink::stream(run, context, &mut writer, &mut |batch| {
                let keys = members(&batch)?;
                count += keys.num_rows() as u64;
                Ok(keys)
            })?;
            super::sink::finish(writer, context)?;
            let keys = super::output::counted(count, "key");
            writeln!(
                context.stderr,
                "wrote {keys} to {}",
                super::sink::shown(path)
            )?;
        }
        None => {
            let mut lines = Vec::new();
            execute(run, context, &mut |batch| {
                let keys = members(&batch)?;
                let column = keys.column(0);
                let formatter =
                    ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())?;
                for row in 0..column.len() {
                    lines.push(formatter.value(row).to_string());
                }
                Ok(())
            })?;
            for line in lines {
                writeln!(context.stdout, "{line}")?;
            }
        }
    }
    Ok(ExitStatus::Success)
}
