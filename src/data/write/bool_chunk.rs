//! Required boolean columns written straight from Arrow's bitmaps.
//!
//! Parquet's PLAIN encoding of booleans is their bits, least significant first,
//! and a required column's data page holds no definition levels: a page is the
//! column's bitmap, sliced at the page's first row. arrow-rs's writer unpacks
//! every value to a `bool` and packs it again, which at 10M rows and 19 segment
//! columns was a fifth of a materialise's CPU. A [`BoolChunk`] collects a row
//! group's bits and writes them as such pages, compressed with the file's codec,
//! with the metadata arrow-rs gives a boolean chunk: the encodings, chunk
//! statistics, and the page index (column index and offset index), following the
//! same writer properties (page row limit, statistics level, offset index).

use arrow::array::{Array, BooleanArray, BooleanBufferBuilder};
use arrow::buffer::BooleanBuffer;
use bytes::Bytes;
use parquet::basic::{BoundaryOrder, Encoding, EncodingMask, PageType, Type};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError;
use parquet::file::metadata::{
    ColumnChunkMetaData, ColumnIndexBuilder, OffsetIndexBuilder, PageEncodingStats,
};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use super::page_codec::PageCodec;

/// One row group's values of a required boolean column.
#[derive(Debug)]
pub(super) struct BoolChunk {
    bits: BooleanBufferBuilder,
}

/// An encoded chunk: its bytes (pages with their headers) and what the row group
/// writer needs to splice them into the file.
pub(super) struct EncodedChunk {
    pub bytes: Bytes,
    pub close: ColumnCloseResult,
}

/// A page's first row and row count, and how many of its values are true.
struct PageRows {
    start: usize,
    len: usize,
    trues: usize,
}

/// The smallest of `len` values of which `trues` are true (`false` unless all
/// are) and the largest.
fn min_max(trues: usize, len: usize) -> (bool, bool) {
    (trues == len, trues > 0)
}

impl BoolChunk {
    pub fn new(capacity: usize) -> BoolChunk {
        BoolChunk {
            bits: BooleanBufferBuilder::new(capacity),
        }
    }

    /// Appends a batch's values; a missing value is an error (the column is
    /// required), as arrow-rs's writer reports it.
    pub fn append(&mut self, values: &BooleanArray) -> Result<(), ParquetError> {
        if values.null_count() > 0 {
            return Err(ParquetError::General(
                "a required boolean column has missing values".into(),
            ));
        }
        self.bits.append_buffer(values.values());
        Ok(())
    }

    /// Writes the pages and describes them; `None` when no row was appended.
    pub fn finish(
        mut self,
        descr: ColumnDescPtr,
        props: &WriterProperties,
        codec: &mut PageCodec,
    ) -> Result<Option<EncodedChunk>, ParquetError> {
        let bits = self.bits.finish();
        if bits.is_empty() {
            return Ok(None);
        }
        let path = descr.path();
        let page_limit = props.column_data_page_row_count_limit(path).max(1);
        let pages: Vec<PageRows> = (0..bits.len())
            .step_by(page_limit)
            .map(|start| {
                let len = page_limit.min(bits.len() - start);
                let trues = bits.slice(start, len).count_set_bits();
                PageRows { start, len, trues }
            })
            .collect();
        let statistics = props.statistics_enabled(path);
        let page_index = statistics == EnabledStatistics::Page;
        let offset_index = page_index || !props.offset_index_disabled();

        let mut sink = TrackedWrite::new(Vec::new());
        let mut offsets = OffsetIndexBuilder::new();
        let (mut compressed, mut uncompressed) = (0u64, 0u64);
        {
            let mut writer = SerializedPageWriter::new(&mut sink);
            for page in &pages {
                let values = plain_values(&bits, page);
                let spec = writer.write_page(CompressedPage::new(
                    Page::DataPage {
                        buf: codec.compress(&values)?,
                        num_values: u32::try_from(page.len).map_err(too_long)?,
                        encoding: Encoding::PLAIN,
                        def_level_encoding: Encoding::RLE,
                        rep_level_encoding: Encoding::RLE,
                        statistics: None,
                    },
                    values.len(),
                ))?;
                offsets.append_row_count(page.len as i64);
                offsets.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
                compressed += spec.compressed_size as u64;
                uncompressed += spec.uncompressed_size as u64;
            }
            writer.close()?;
        }
        let bytes = Bytes::from(sink.into_inner()?);

        let rows = bits.len();
        let mut metadata = ColumnChunkMetaData::builder(descr.clone())
            .set_compression(codec.compression())
            .set_encodings_mask(EncodingMask::new_from_encodings(
                [Encoding::PLAIN, Encoding::RLE].iter(),
            ))
            .set_page_encoding_stats(vec![PageEncodingStats {
                page_type: PageType::DATA_PAGE,
                encoding: Encoding::PLAIN,
                count: i32::try_from(pages.len()).map_err(too_long)?,
            }])
            .set_total_compressed_size(compressed as i64)
            .set_total_uncompressed_size(uncompressed as i64)
            .set_num_values(rows as i64)
            .set_data_page_offset(0);
        if statistics != EnabledStatistics::None {
            let (min, max) = min_max(pages.iter().map(|page| page.trues).sum(), rows);
            metadata = metadata.set_statistics(Statistics::Boolean(
                ValueStatistics::new(Some(min), Some(max), None, Some(0), false)
                    .with_backwards_compatible_min_max(descr.sort_order().is_signed()),
            ));
        }
        Ok(Some(EncodedChunk {
            bytes,
            close: ColumnCloseResult {
                bytes_written: compressed,
                rows_written: rows as u64,
                metadata: metadata.build()?,
                bloom_filter: None,
                column_index: page_index.then(|| column_index(&pages)).transpose()?,
                offset_index: offset_index.then(|| offsets.build()),
            },
        }))
    }
}

/// The page's values, PLAIN-encoded: its bits from its first row, the unused
/// bits of the last byte zero.
fn plain_values(bits: &BooleanBuffer, page: &PageRows) -> Vec<u8> {
    let slice = bits.slice(page.start, page.len).sliced();
    let mut values = slice.as_slice()[..page.len.div_ceil(8)].to_vec();
    let tail = page.len % 8;
    if let (Some(last), true) = (values.last_mut(), tail != 0) {
        *last &= (1u8 << tail) - 1;
    }
    values
}

/// Each page's smallest and largest value, and the order they run in across
/// pages, as arrow-rs's column writer records them.
fn column_index(
    pages: &[PageRows],
) -> Result<parquet::file::page_index::column_index::ColumnIndexMetaData, ParquetError> {
    let mut index = ColumnIndexBuilder::new(Type::BOOLEAN);
    let (mut ascending, mut descending) = (true, true);
    let mut last: Option<(u8, u8)> = None;
    for page in pages {
        let (min, max) = min_max(page.trues, page.len);
        let (min, max) = (u8::from(min), u8::from(max));
        if let Some((last_min, last_max)) = last {
            ascending &= min >= last_min && max >= last_max;
            descending &= min <= last_min && max <= last_max;
        }
        last = Some((min, max));
        // PLAIN-encoded, as page statistics are: one byte, 0 or 1
        index.append(false, vec![min], vec![max], 0, None);
    }
    index.set_boundary_order(match (ascending, descending) {
        (true, _) => BoundaryOrder::ASCENDING,
        (false, true) => BoundaryOrder::DESCENDING,
        (false, false) => BoundaryOrder::UNORDERED,
    });
    index.build()
}

fn too_long(_: std::num::TryFromIntError) -> ParquetError {
    ParquetError::General("a column chunk has too many rows for one Parquet page".into())
}
