//! Parquet: metadata once at open, then row groups streamed batch by batch,
//! reading only the requested columns.
//!
//! String columns whose pages are all dictionary-encoded are read as
//! `Dictionary(Int32, Utf8)` (through a schema hint), so evaluation compares a
//! column's few distinct values instead of every row.
//!
//! Decoding (zstd and Parquet's encodings) is most of the cost of a run, so it
//! uses every core: each thread decodes a share of the columns, all in step
//! ([`ParallelColumns`]); a single column with several row groups is split by
//! row group instead ([`ParallelGroups`]). Either way the batches come out in
//! file order with the same rows as a sequential read, and each thread may run
//! only a bounded number of batches ahead ([`QUEUED`]; a row group of the single
//! column), so memory stays bounded whatever the row count.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema as ArrowSchema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::basic::Encoding;
use parquet::file::metadata::ParquetMetaData;

use super::{Column, RawBatch, RawBatches, match_columns, pick, projection, read_error};
use crate::check::ir::Type;
use crate::data::{BATCH_ROWS, DataError, coerce};

/// An open Parquet file: its metadata (with dictionary hints) and where each
/// schema field's column is.
pub(crate) struct ParquetSource {
    metadata: ArrowReaderMetadata,
}

impl ParquetSource {
    /// Reads the footer and checks the columns against the schema.
    pub(crate) fn open(path: &Path, columns: &[Column]) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|e| read_error(path, e))?;
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| corrupt(path, e))?;
        let schema = metadata.schema();
        let file_columns: Vec<(String, DataType)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect();
        let file_index = match_columns(path, &file_columns, columns, coerce::accepts)?;
        let metadata = with_dictionary_hints(metadata, columns, &file_index);
        Ok(ParquetSource { metadata })
    }

    /// Rows in the file, from the footer.
    pub(crate) fn row_count(&self) -> u64 {
        let rows = self.metadata.metadata().file_metadata().num_rows();
        u64::try_from(rows).unwrap_or_default()
    }

    /// Streams the wanted columns, in the order asked for. With several row
    /// groups and several cores, row groups are decoded in parallel (see
    /// [`ParallelGroups`]); the batches still come out in file order.
    pub(crate) fn batches<'a>(
        &'a self,
        path: &'a Path,
        wanted: &[&Column],
    ) -> Result<RawBatches<'a>, DataError> {
        let indices = self.indices(wanted);
        let (roots, positions) = projection(&indices);
        let metadata = self.metadata.metadata();
        let groups = metadata.num_row_groups();
        let job = Job {
            metadata: self.metadata.clone(),
            path: path.to_path_buf(),
            roots,
            positions,
        };
        let shares = column_shares(metadata, &job.roots, decode_workers(usize::MAX));
        if shares.len() > 1 {
            return Ok(Box::new(ParallelColumns::start(job, shares)));
        }
        let workers = decode_workers(groups);
        if workers > 1 {
            // one column (the population pass): a thread may decode a whole row
            // group ahead, which for one column is cheap
            let largest = metadata
                .row_groups()
                .iter()
                .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
                .max()
                .unwrap_or(0);
            let queued = largest.div_ceil(BATCH_ROWS) + 1;
            return Ok(Box::new(ParallelGroups::start(
                job, groups, workers, queued,
            )));
        }
        let Job {
            roots, positions, ..
        } = job;
        let file = File::open(path).map_err(|e| read_error(path, e))?;
        let mask = ProjectionMask::roots(self.metadata.parquet_schema(), roots);
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| corrupt(path, e))?;
        Ok(Box::new(reader.map(move |batch| {
            let batch = batch.map_err(|e| corrupt(path, e))?;
            Ok((pick(&batch, &positions), batch.num_rows()))
        })))
    }

    fn indices(&self, wanted: &[&Column]) -> Vec<usize> {
        let schema = self.metadata.schema();
        wanted
            .iter()
            .filter_map(|c| schema.fields().iter().position(|f| *f.name() == c.name))
            .collect()
    }
}

/// How many threads decode a file of `groups` row groups: the decoding share of
/// the threads ([`crate::threads::budget`]), at most one per row group, at most
/// [`MAX_DECODERS`]; at most one means the calling thread decodes.
fn decode_workers(groups: usize) -> usize {
    let threads = crate::threads::budget().decoders;
    threads.min(groups).min(MAX_DECODERS)
}

/// Decoding threads past this buy nothing but memory (each holds a row group's
/// column chunks and a few batches).
const MAX_DECODERS: usize = 8;

/// Batches a decoding thread may have ready ahead of the consumer. Together with
/// the number of threads this bounds memory: at most `workers × (QUEUED + 1)`
/// batches are decoded and not yet taken.
const QUEUED: usize = 2;

/// What a decoding thread needs, owned (the threads outlive the borrow of the
/// source: they stop when the iterator is dropped).
#[derive(Clone)]
struct Job {
    metadata: ArrowReaderMetadata,
    path: PathBuf,
    roots: Vec<usize>,
    positions: Vec<usize>,
}

/// What a decoding thread sends: a batch, or the end of its current row group.
enum Message {
    Batch(Result<RawBatch, DataError>),
    EndOfGroup,
}

/// Row groups decoded by `workers` threads, thread `w` taking groups `w`,
/// `w + workers`, …, each sending its batches through its own bounded channel.
/// The iterator reads the channels in row-group order, so batches come out in
/// file order. Used for a single column (the population pass): a thread that is
/// a row group ahead must be able to queue that whole row group, which is cheap
/// for one column and not for twenty (those are split by column instead).
struct ParallelGroups {
    receivers: Vec<Receiver<Message>>,
    groups: usize,
    group: usize,
    done: bool,
    path: PathBuf,
}

impl ParallelGroups {
    fn start(job: Job, groups: usize, workers: usize, queued: usize) -> ParallelGroups {
        let receivers = (0..workers)
            .map(|worker| {
                let (sender, receiver) = sync_channel(queued);
                let job = job.clone();
                std::thread::spawn(move || decode_groups(&job, worker, workers, groups, &sender));
                receiver
            })
            .collect();
        ParallelGroups {
            receivers,
            groups,
            group: 0,
            done: false,
            path: job.path,
        }
    }
}

impl Iterator for ParallelGroups {
    type Item = Result<RawBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done && self.group < self.groups {
            let receiver = self.receivers.get(self.group % self.receivers.len())?;
            match receiver.recv() {
                Ok(Message::Batch(batch)) => {
                    self.done = batch.is_err();
                    return Some(batch);
                }
                Ok(Message::EndOfGroup) => self.group += 1,
                Err(_) => {
                    self.done = true;
                    return Some(Err(corrupt(&self.path, "a decoding thread stopped")));
                }
            }
        }
        None
    }
}

/// One decoding thread: its row groups in order, each batch sent as it is
/// decoded. Stops at the first error, or when the consumer has gone away.
fn decode_groups(
    job: &Job,
    worker: usize,
    workers: usize,
    groups: usize,
    sender: &SyncSender<Message>,
) {
    for group in (worker..groups).step_by(workers) {
        let reader = match group_reader(job, group) {
            Ok(reader) => reader,
            Err(e) => {
                let _ = sender.send(Message::Batch(Err(e)));
                return;
            }
        };
        for batch in reader {
            let batch = batch
                .map(|b| (pick(&b, &job.positions), b.num_rows()))
                .map_err(|e| corrupt(&job.path, e));
            let failed = batch.is_err();
            if sender.send(Message::Batch(batch)).is_err() || failed {
                return;
            }
        }
        if sender.send(Message::EndOfGroup).is_err() {
            return;
        }
    }
}

/// A reader of one row group's projected columns.
fn group_reader(job: &Job, group: usize) -> Result<ParquetRecordBatchReader, DataError> {
    let file = File::open(&job.path).map_err(|e| read_error(&job.path, e))?;
    let mask = ProjectionMask::roots(job.metadata.parquet_schema(), job.roots.iter().copied());
    ParquetRecordBatchReaderBuilder::new_with_metadata(file, job.metadata.clone())
        .with_projection(mask)
        .with_row_groups(vec![group])
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| corrupt(&job.path, e))
}

/// A column chunk's decoding work, in "bytes": its decompressed bytes plus a
/// per-row cost (level and dictionary-index decoding), much higher for lists
/// (repetition levels, offsets). Fitted on the benchmark's columns: a unique
/// string column, a small list, timestamps, floats, ints, bools, enums.
fn decode_cost(uncompressed: i64, rows: i64, repeated: bool) -> i64 {
    let per_row = if repeated { 10 } else { 2 };
    uncompressed.saturating_add(rows.saturating_mul(per_row))
}

/// The projected columns (`roots`, ascending) split into at most `workers`
/// shares of about equal decoding work ([`decode_cost`]; largest first, each to the lightest
/// share), each share ascending. Empty shares are dropped, so one column gives
/// one share.
fn column_shares(metadata: &ParquetMetaData, roots: &[usize], workers: usize) -> Vec<Vec<usize>> {
    let descr = metadata.file_metadata().schema_descr();
    let mut sizes = vec![0i64; roots.len()];
    for group in metadata.row_groups() {
        for (leaf, chunk) in group.columns().iter().enumerate() {
            let root = descr.get_column_root_idx(leaf);
            if let Ok(i) = roots.binary_search(&root)
                && let Some(size) = sizes.get_mut(i)
            {
                let repeated = descr.column(leaf).max_rep_level() > 0;
                *size += decode_cost(chunk.uncompressed_size(), group.num_rows(), repeated);
            }
        }
    }
    let mut order: Vec<usize> = (0..roots.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(sizes.get(*i).copied().unwrap_or(0)));
    let mut shares: Vec<(i64, Vec<usize>)> = vec![(0, Vec::new()); workers.max(1)];
    for i in order {
        if let Some(lightest) = shares.iter_mut().min_by_key(|(load, _)| *load) {
            lightest.0 += sizes.get(i).copied().unwrap_or(0);
            lightest.1.extend(roots.get(i));
        }
    }
    let mut shares: Vec<Vec<usize>> = shares
        .into_iter()
        .map(|(_, mut share)| {
            share.sort_unstable();
            share
        })
        .filter(|share| !share.is_empty())
        .collect();
    shares.sort();
    shares
}

/// One file read by several threads at once, each decoding a share of the
/// columns over every row group (for files with fewer row groups than cores).
/// Every thread reads the same rows with the same batch size, so their batches
/// line up; the iterator joins them column-wise, in file order.
struct ParallelColumns {
    receivers: Vec<Receiver<Result<RecordBatch, DataError>>>,
    /// For each projected column (ascending), which share and which column in it.
    sources: Vec<(usize, usize)>,
    positions: Vec<usize>,
    done: bool,
    path: PathBuf,
}

impl ParallelColumns {
    fn start(job: Job, shares: Vec<Vec<usize>>) -> ParallelColumns {
        let sources = job
            .roots
            .iter()
            .map(|root| {
                shares
                    .iter()
                    .enumerate()
                    .find_map(|(s, share)| share.binary_search(root).ok().map(|c| (s, c)))
                    .unwrap_or((0, 0))
            })
            .collect();
        let receivers = shares
            .into_iter()
            .map(|share| {
                let (sender, receiver) = sync_channel(QUEUED);
                let job = job.clone();
                std::thread::spawn(move || decode_columns(&job, share, &sender));
                receiver
            })
            .collect();
        ParallelColumns {
            receivers,
            sources,
            positions: job.positions,
            done: false,
            path: job.path,
        }
    }

    /// The shares' batches joined into the projected columns, then picked.
    fn join(&self, parts: &[RecordBatch]) -> Result<RawBatch, DataError> {
        let rows = parts.first().map_or(0, RecordBatch::num_rows);
        if parts.iter().any(|p| p.num_rows() != rows) {
            return Err(corrupt(&self.path, "column readers went out of step"));
        }
        let columns: Vec<ArrayRef> = self
            .sources
            .iter()
            .filter_map(|(s, c)| parts.get(*s).and_then(|p| p.columns().get(*c)).cloned())
            .collect();
        let picked = self
            .positions
            .iter()
            .filter_map(|p| columns.get(*p).cloned())
            .collect();
        Ok((picked, rows))
    }
}

impl Iterator for ParallelColumns {
    type Item = Result<RawBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut parts = Vec::with_capacity(self.receivers.len());
        let mut ended = 0;
        for receiver in &self.receivers {
            match receiver.recv() {
                Ok(Ok(batch)) => parts.push(batch),
                Ok(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Err(_) => ended += 1,
            }
        }
        if ended == self.receivers.len() {
            self.done = true;
            return None;
        }
        if ended > 0 {
            // one share ended (or its thread died) before the others
            self.done = true;
            return Some(Err(corrupt(&self.path, "a decoding thread stopped early")));
        }
        let batch = self.join(&parts);
        self.done = batch.is_err();
        Some(batch)
    }
}

/// One column-share thread: every row group, its columns only.
fn decode_columns(
    job: &Job,
    share: Vec<usize>,
    sender: &SyncSender<Result<RecordBatch, DataError>>,
) {
    let reader = File::open(&job.path)
        .map_err(|e| read_error(&job.path, e))
        .and_then(|file| {
            let mask = ProjectionMask::roots(job.metadata.parquet_schema(), share);
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, job.metadata.clone())
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| corrupt(&job.path, e))
        });
    let reader = match reader {
        Ok(reader) => reader,
        Err(e) => {
            let _ = sender.send(Err(e));
            return;
        }
    };
    for batch in reader {
        let batch = batch.map_err(|e| corrupt(&job.path, e));
        let failed = batch.is_err();
        if sender.send(batch).is_err() || failed {
            return;
        }
    }
}

/// Asks for `Dictionary(Int32, Utf8)` on every string/enum column that is
/// dictionary-encoded in every row group. Leaves the metadata as it was if the
/// hint is refused.
fn with_dictionary_hints(
    metadata: ArrowReaderMetadata,
    columns: &[Column],
    file_index: &[usize],
) -> ArrowReaderMetadata {
    let schema = metadata.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut changed = false;
    for (column, &index) in columns.iter().zip(file_index) {
        let is_string = matches!(column.ty, Type::String | Type::Enum(_));
        let Some(field) = fields.get_mut(index) else {
            continue;
        };
        let plain = matches!(
            field.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        );
        if is_string && plain && all_dictionary_encoded(metadata.metadata(), index) {
            *field = field.clone().with_data_type(coerce::string_dictionary());
            changed = true;
        }
    }
    if !changed {
        return metadata;
    }
    let hint = Arc::new(ArrowSchema::new_with_metadata(
        fields,
        schema.metadata().clone(),
    ));
    let options = ArrowReaderOptions::new().with_schema(hint);
    ArrowReaderMetadata::try_new(Arc::clone(metadata.metadata()), options).unwrap_or(metadata)
}

/// Whether the leaf of top-level column `root` has only dictionary-encoded data
/// pages in every row group (the test the parquet crate documents).
fn all_dictionary_encoded(metadata: &ParquetMetaData, root: usize) -> bool {
    let descr = metadata.file_metadata().schema_descr();
    let leaves: Vec<usize> = (0..descr.num_columns())
        .filter(|&leaf| descr.get_column_root_idx(leaf) == root)
        .collect();
    let [leaf] = leaves.as_slice() else {
        return false;
    };
    metadata.num_row_groups() > 0
        && metadata.row_groups().iter().all(|rg| {
            let chunk = rg.column(*leaf);
            chunk.dictionary_page_offset().is_some()
                && chunk.page_encoding_stats_mask().is_some_and(|mask| {
                    mask.is_only(Encoding::PLAIN_DICTIONARY)
                        || mask.is_only(Encoding::RLE_DICTIONARY)
                })
        })
}

fn corrupt(path: &Path, e: impl std::fmt::Display) -> DataError {
    DataError::Corrupt {
        path: path.to_path_buf(),
        format: "Parquet",
        reason: e
            .to_string()
            .trim_start_matches("Parquet error: ")
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BooleanArray, Int64Array, ListBuilder, StringArray, StringBuilder};
    use arrow::compute::concat;
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    const ROWS: usize = 3_500;

    /// A file of several row groups (1,000 rows each) with a unique string, a
    /// nullable int, a list and a bool.
    fn write_file(path: &Path) {
        let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
            (0..ROWS).map(|i| format!("c{i}")),
        ));
        let n: ArrayRef = Arc::new(Int64Array::from_iter(
            (0..ROWS).map(|i| (i % 7 != 0).then_some(i as i64)),
        ));
        let mut tags = ListBuilder::new(StringBuilder::new());
        for i in 0..ROWS {
            for k in 0..i % 3 {
                tags.values().append_value(format!("t{k}"));
            }
            tags.append(i % 11 != 0);
        }
        let tags: ArrayRef = Arc::new(tags.finish());
        let flag: ArrayRef = Arc::new(BooleanArray::from_iter((0..ROWS).map(|i| Some(i % 2 == 0))));
        let batch =
            RecordBatch::try_from_iter([("id", ids), ("n", n), ("tags", tags), ("flag", flag)])
                .unwrap();
        let file = File::create(path).unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(1_000))
            .build();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }

    fn columns() -> Vec<Column> {
        let column = |name: &str, ty: Type| Column {
            name: name.into(),
            ty,
            nullable: true,
        };
        vec![
            column("id", Type::String),
            column("n", Type::Int),
            column("tags", Type::ListString),
            column("flag", Type::Bool),
        ]
    }

    /// Each wanted column over the whole file, batches joined.
    fn read(source: &ParquetSource, path: &Path, wanted: &[&Column]) -> Vec<ArrayRef> {
        let batches: Vec<RawBatch> = source
            .batches(path, wanted)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(batches.iter().map(|(_, rows)| rows).sum::<usize>(), ROWS);
        (0..wanted.len())
            .map(|c| {
                let parts: Vec<&dyn arrow::array::Array> =
                    batches.iter().map(|(cols, _)| cols[c].as_ref()).collect();
                concat(&parts).unwrap()
            })
            .collect()
    }

    /// Whatever the split (by column, by row group, none), the rows are the
    /// file's rows in file order, in the order the columns were asked for.
    #[test]
    fn parallel_reads_give_the_rows_of_a_sequential_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.parquet");
        write_file(&path);
        let columns = columns();
        let source = ParquetSource::open(&path, &columns).unwrap();
        assert!(source.metadata.metadata().num_row_groups() > 2);
        let all: Vec<&Column> = columns.iter().collect();
        let reference = read(&source, &path, &all);
        // several columns, asked in another order and one twice (column split)
        let shuffled = [&columns[3], &columns[0], &columns[2], &columns[0]];
        let got = read(&source, &path, &shuffled);
        for (got, want) in got.iter().zip([3, 0, 2, 0]) {
            assert_eq!(got, &reference[want]);
        }
        // one column (split by row group)
        let got = read(&source, &path, &[&columns[1]]);
        assert_eq!(&got[0], &reference[1]);
        // and against a plain sequential reader
        let file = File::open(&path).unwrap();
        let plain: Vec<RecordBatch> = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let n: Vec<&dyn arrow::array::Array> = plain.iter().map(|b| b.column(1).as_ref()).collect();
        assert_eq!(&concat(&n).unwrap(), &reference[1]);
    }
}
