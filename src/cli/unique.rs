//! `--allow-duplicate-keys`: a customer key on two rows is never counted twice.
//!
//! Commands that read the key (`eval --output`, `eval --keys-only`, `test`) stop
//! with exit 2 naming how many keys repeat and the first few. With the flag, the
//! first row of each key wins: the data file leaves the later rows out of every
//! pass ([`DataFile::keep_first_rows`]) and a warning says how many. Counting
//! commands that skip the key for speed (`eval` without `--output`, `stats`) do
//! not look; `segmint audit` does (docs/decisions.md).

use arrow::array::RecordBatch;

use super::{Context, RunError};
use crate::check::ir::FieldId;
use crate::data::keys::{self, KeyHashes};
use crate::data::{DataError, DataFile, Duplicates};

/// The flag, shared by the commands that read the key.
#[derive(Clone, Copy, Debug, Default, clap::Args)]
pub struct KeyArgs {
    /// Keep the first row of each customer key that occurs more than once (the
    /// later rows are left out and reported) instead of stopping with exit 2.
    #[arg(long)]
    pub allow_duplicate_keys: bool,
}

/// Reads the key column of `data` once (twice when there are duplicates) and either
/// stops or, with the flag, makes `data` keep the first row of each key.
pub fn check_before(
    args: KeyArgs,
    data: &mut DataFile,
    key: FieldId,
    context: &mut Context<'_>,
) -> Result<(), RunError> {
    let duplicates = keys::find_duplicates(data, key)?;
    settle(args, data, key, duplicates, context)
}

/// Errors, or warns and keeps the first rows, depending on the flag.
fn settle(
    args: KeyArgs,
    data: &mut DataFile,
    key: FieldId,
    duplicates: Duplicates,
    context: &mut Context<'_>,
) -> Result<(), RunError> {
    if duplicates.is_empty() {
        return Ok(());
    }
    if !args.allow_duplicate_keys {
        return Err(error(data, key, &duplicates).into());
    }
    let extra = super::output::counted(duplicates.extra_rows(), "later row");
    writeln!(
        context.stderr,
        "warning: {}: {}; the first row of each is kept and {extra} left out",
        super::shown(data.path()),
        duplicates.describe()
    )?;
    data.keep_first_rows(duplicates);
    Ok(())
}

fn error(data: &DataFile, key: FieldId, duplicates: &Duplicates) -> DataError {
    DataError::DuplicateKeys {
        path: data.path().to_path_buf(),
        column: data.column_name(key).to_owned(),
        duplicates: duplicates.describe(),
    }
}

/// The check folded into a pass that reads the key anyway (`eval --output`): each
/// membership batch's keys (column 0) are hashed as they go by; [`Watch::finish`]
/// reads the key column again only when two hashes agree.
#[derive(Debug, Default)]
pub struct Watch {
    hashes: KeyHashes,
}

impl Watch {
    /// Hashes the keys of one membership batch.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), DataError> {
        self.hashes.add(batch.column(0).as_ref())
    }

    /// The error naming the duplicated keys, if there are any.
    pub fn finish(self, data: &DataFile, key: FieldId) -> Result<(), DataError> {
        let duplicates = keys::confirm(data, key, &self.hashes.candidates())?;
        if duplicates.is_empty() {
            Ok(())
        } else {
            Err(error(data, key, &duplicates))
        }
    }
}
