//! A folder or a glob of data files read as one table (`--data exports/`,
//! `--data 'exports/*.parquet'`), with hive-style `key=value` folders as columns.
//!
//! Takes a path that is a folder or holds `*`, `?` or `[`, gives the files in path
//! order, each opened with the schema (so a file whose columns differ is an error
//! naming that file, before any work). A folder `country=DE` on the way to a file
//! gives every row of that file the value `DE` for the schema field `country`,
//! parsed by the field's type as CSV cells are; such a field need not be a column
//! of the files. Hidden files and files starting with `_` (`_SUCCESS`) are skipped.

use std::path::{Path, PathBuf};

use arrow::array::ArrayRef;

use super::csv::Builder;
use super::{Column, DataFile, RawBatch, RawBatches};
use crate::check::ir::{self, FieldId};
use crate::data::{BatchSource, DataError, Format};

/// One file of the table and the values its folders give.
pub(crate) struct Part {
    file: DataFile,
    /// Per schema field: the value of a `key=value` folder, if any.
    hive: Vec<Option<String>>,
}

/// Whether `path` names several files: a folder, or a glob pattern.
pub(crate) fn is_many(path: &Path) -> bool {
    path.is_dir() || path.to_string_lossy().contains(['*', '?', '['])
}

/// Lists and opens the files of `path`.
pub(crate) fn open(path: &Path, schema: &ir::Schema) -> Result<Vec<Part>, DataError> {
    let (root, files) = list(path)?;
    files
        .iter()
        .map(|file| open_part(&root, file, schema))
        .collect()
}

/// The folder the files hang from (where `key=value` folders start), and the files.
fn list(path: &Path) -> Result<(PathBuf, Vec<PathBuf>), DataError> {
    let text = path.to_string_lossy();
    let (root, matcher) = if path.is_dir() {
        (path.to_path_buf(), None)
    } else {
        let cut = text.find(['*', '?', '[']).unwrap_or(text.len());
        let root = match text.get(..cut).and_then(|t| t.rfind('/')) {
            Some(slash) => PathBuf::from(&text[..slash.max(1)]),
            None => PathBuf::from("."),
        };
        let glob = globset::GlobBuilder::new(&text)
            .literal_separator(true)
            .build()
            .map_err(|e| no_files(path, &format!("not a valid pattern: {e}")))?
            .compile_matcher();
        (root, Some(glob))
    };
    let mut files = Vec::new();
    walk(&root, &mut files).map_err(|e| super::read_error(&root, e))?;
    files.retain(|f| Format::from_path(f).is_some());
    if let Some(glob) = &matcher {
        files.retain(|f| glob.is_match(strip_dot(f, path)));
    }
    files.sort();
    if files.is_empty() {
        return Err(no_files(
            path,
            &format!(
                "no data files match (looked for {})",
                Format::EXTENSIONS_LIST
            ),
        ));
    }
    Ok((root, files))
}

/// `./a/b` as `a/b` when the pattern was written without `./`.
fn strip_dot<'a>(file: &'a Path, pattern: &Path) -> &'a Path {
    if pattern.starts_with(".") {
        file
    } else {
        file.strip_prefix(".").unwrap_or(file)
    }
}

fn walk(folder: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n.starts_with('.') || n.starts_with('_')) {
            continue;
        }
        if path.is_dir() {
            walk(&path, found)?;
        } else {
            found.push(path);
        }
    }
    Ok(())
}

fn no_files(path: &Path, reason: &str) -> DataError {
    DataError::NoFiles {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Opens one file with the schema minus the fields its folders give.
fn open_part(root: &Path, file: &Path, schema: &ir::Schema) -> Result<Part, DataError> {
    let folders = file
        .parent()
        .and_then(|p| p.strip_prefix(root).ok())
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let mut hive: Vec<Option<String>> = vec![None; schema.fields.len()];
    for component in folders.components() {
        let text = component.as_os_str().to_string_lossy();
        if let Some((key, value)) = text.split_once('=')
            && let Some(id) = schema.lookup(key)
            && let Some(slot) = hive.get_mut(id.0 as usize)
        {
            *slot = Some(value.to_owned());
        }
    }
    let mut own = schema.clone();
    let kept: Vec<ir::Field> = schema
        .fields
        .iter()
        .zip(&hive)
        .filter(|(_, h)| h.is_none())
        .map(|(f, _)| f.clone())
        .collect();
    own.key = kept
        .iter()
        .position(|f| f.name == schema.field(schema.key).name)
        .map_or(FieldId(0), |i| FieldId(i as u32));
    own.fields = kept;
    // The whole table's key is checked on the combined batches.
    let mut part = DataFile::open(file, &own)?;
    part.allow_missing_keys();
    Ok(Part { file: part, hive })
}

impl Part {
    /// Rows in the file, when known without reading.
    pub(crate) fn row_count(&self) -> Option<u64> {
        self.file.row_count()
    }
}

/// The raw batches of every part in turn, the wanted columns in order.
pub(crate) fn batches<'a>(
    parts: &'a [Part],
    schema_names: &'a [Column],
    wanted: &[&Column],
) -> Result<RawBatches<'a>, DataError> {
    let wanted: Vec<Column> = wanted.iter().map(|c| (*c).clone()).collect();
    // One file open at a time: each is started only when the one before is done.
    Ok(Box::new(parts.iter().flat_map(
        move |part| match part_batches(part, schema_names, wanted.clone()) {
            Ok(batches) => batches,
            Err(e) => Box::new(std::iter::once(Err(e))),
        },
    )))
}

fn part_batches<'a>(
    part: &'a Part,
    schema: &[Column],
    wanted: Vec<Column>,
) -> Result<RawBatches<'a>, DataError> {
    let hive_of = |c: &Column| {
        schema
            .iter()
            .position(|s| s.name == c.name)
            .and_then(|i| part.hive.get(i).cloned().flatten())
    };
    let own_ids: Vec<FieldId> = wanted
        .iter()
        .filter(|c| hive_of(c).is_none())
        .filter_map(|c| {
            part.file
                .columns
                .iter()
                .position(|o| o.name == c.name)
                .map(|i| FieldId(i as u32))
        })
        .collect();
    let hive: Vec<Option<String>> = wanted.iter().map(hive_of).collect();
    let path = part.file.source.clone();
    let inner = part.file.batches(&own_ids)?;
    Ok(Box::new(inner.map(move |batch| {
        let batch = batch?;
        let rows = batch.num_rows();
        let mut own = batch.columns().iter();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(wanted.len());
        for (column, value) in wanted.iter().zip(&hive) {
            match value {
                Some(value) => arrays.push(constant(&path, column, value, rows)?),
                None => {
                    if let Some(array) = own.next() {
                        arrays.push(array.clone());
                    }
                }
            }
        }
        Ok::<RawBatch, DataError>((arrays, rows))
    })))
}

/// `rows` copies of a folder's value, parsed by the column's type.
fn constant(path: &Path, column: &Column, value: &str, rows: usize) -> Result<ArrayRef, DataError> {
    let mut builder = Builder::new(&column.ty);
    for _ in 0..rows {
        builder.push(value).map_err(|bad| DataError::OutOfRange {
            path: path.to_path_buf(),
            column: column.name.clone(),
            reason: format!(
                "has the folder value {bad:?}, which is not {}",
                crate::data::text::expected(&column.ty)
            ),
        })?;
    }
    Ok(builder.finish())
}
