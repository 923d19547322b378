//! The compression of pages that segmint encodes itself ([`super::bool_chunk`]):
//! the same codecs, with the same framing and levels, as arrow-rs's writer uses
//! for the other columns of the file (its codecs are private to it).

use bytes::Bytes;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;

/// A page compressor for one output file.
pub(super) enum PageCodec {
    None,
    Snappy(Box<snap::raw::Encoder>),
    Zstd(Box<zstd::bulk::Compressor<'static>>),
    Lz4Raw,
}

impl std::fmt::Debug for PageCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PageCodec::None => "PageCodec::None",
            PageCodec::Snappy(_) => "PageCodec::Snappy",
            PageCodec::Zstd(_) => "PageCodec::Zstd",
            PageCodec::Lz4Raw => "PageCodec::Lz4Raw",
        })
    }
}

impl PageCodec {
    /// A compressor for `compression`, or `None` for a codec this module does not
    /// write (the caller then leaves the column to arrow-rs).
    pub fn new(compression: Compression) -> Option<PageCodec> {
        Some(match compression {
            Compression::UNCOMPRESSED => PageCodec::None,
            Compression::SNAPPY => PageCodec::Snappy(Box::new(snap::raw::Encoder::new())),
            Compression::ZSTD(level) if level == ZstdLevel::default() => {
                let compressor = zstd::bulk::Compressor::new(level.compression_level()).ok()?;
                PageCodec::Zstd(Box::new(compressor))
            }
            Compression::LZ4_RAW => PageCodec::Lz4Raw,
            _ => return None,
        })
    }

    /// The codec as the column chunk's metadata names it.
    pub fn compression(&self) -> Compression {
        match self {
            PageCodec::None => Compression::UNCOMPRESSED,
            PageCodec::Snappy(_) => Compression::SNAPPY,
            PageCodec::Zstd(_) => Compression::ZSTD(ZstdLevel::default()),
            PageCodec::Lz4Raw => Compression::LZ4_RAW,
        }
    }

    /// `values` compressed.
    pub fn compress(&mut self, values: &[u8]) -> Result<Bytes, ParquetError> {
        let external = |e: Box<dyn std::error::Error + Send + Sync>| ParquetError::External(e);
        let compressed = match self {
            PageCodec::None => values.to_vec(),
            PageCodec::Snappy(encoder) => encoder
                .compress_vec(values)
                .map_err(|e| external(Box::new(e)))?,
            PageCodec::Zstd(compressor) => compressor
                .compress(values)
                .map_err(|e| external(Box::new(e)))?,
            PageCodec::Lz4Raw => lz4_flex::block::compress(values),
        };
        Ok(Bytes::from(compressed))
    }
}
