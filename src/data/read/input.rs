//! Opening text inputs (CSV, JSON lines), decompressing `.gz` and `.zst` on the fly.
//!
//! Takes a path, gives a buffered byte stream. The compression is chosen by the
//! last extension (`customers.csv.gz`, `events.jsonl.zst`), the format by the one
//! before it ([`crate::data::Format::from_path`]). A truncated or corrupt
//! compressed file fails as a read error naming the file when the reader reaches
//! the damage, never with partial results.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::read_error;
use crate::data::DataError;

/// Read buffer size: large enough for sequential reads to be cheap.
const BUFFER: usize = 1 << 20;

/// How a text input is compressed, by its last extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compressed {
    /// `.gz`
    Gzip,
    /// `.zst`, `.zstd`
    Zstd,
}

impl Compressed {
    /// The compression a file name says, if any.
    pub fn of(path: &Path) -> Option<Compressed> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "gz" => Some(Compressed::Gzip),
            "zst" | "zstd" => Some(Compressed::Zstd),
            _ => None,
        }
    }
}

/// The file's bytes, decompressed when its name says so.
pub(crate) fn open_text(path: &Path) -> Result<Box<dyn BufRead + Send>, DataError> {
    let file = File::open(path).map_err(|e| read_error(path, e))?;
    Ok(match Compressed::of(path) {
        None => Box::new(BufReader::with_capacity(BUFFER, file)),
        Some(Compressed::Gzip) => Box::new(BufReader::with_capacity(
            BUFFER,
            flate2::read::MultiGzDecoder::new(BufReader::new(file)),
        )),
        Some(Compressed::Zstd) => {
            let decoder =
                zstd::stream::read::Decoder::new(file).map_err(|e| read_error(path, e))?;
            Box::new(BufReader::with_capacity(BUFFER, decoder))
        }
    })
}
