//! `--data -`: a table piped in on standard input.
//!
//! Every pass must be able to start again from the first row (population
//! statistics read the table twice), and a pipe can be read once, so standard input
//! is copied whole into a securely created temporary file first. Its format is told
//! by its first bytes: the Arrow IPC stream or file format, Parquet, gzip or zstd
//! (then CSV or JSON lines inside), a `{` (JSON lines), else CSV. Binary data that
//! is none of these is refused before any parsing. Messages name the input
//! `standard input`.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::read_error;
use crate::data::DataError;

/// How standard input is named in messages.
pub const SHOWN: &str = "standard input";

/// Bytes looked at to tell the format.
const SNIFF: usize = 4096;

/// The spooled copy: removed with its folder when dropped.
#[derive(Debug)]
pub(crate) struct Spool {
    _dir: tempfile::TempDir,
    /// The copy, named so its extension gives the format.
    pub file: PathBuf,
}

/// Copies standard input into a temporary file named after the format found.
pub(crate) fn spool() -> Result<Spool, DataError> {
    let shown = Path::new(SHOWN);
    let dir = tempfile::Builder::new()
        .prefix("segmint-stdin.")
        .tempdir()
        .map_err(|e| read_error(shown, e))?;
    let raw = dir.path().join("input");
    let mut out = std::fs::File::create(&raw).map_err(|e| read_error(shown, e))?;
    std::io::copy(&mut std::io::stdin().lock(), &mut out).map_err(|e| read_error(shown, e))?;
    drop(out);
    let mut head = Vec::with_capacity(SNIFF);
    std::fs::File::open(&raw)
        .and_then(|f| f.take(SNIFF as u64).read_to_end(&mut head))
        .map_err(|e| read_error(shown, e))?;
    let name = file_name(&head).ok_or_else(|| DataError::Corrupt {
        path: shown.to_path_buf(),
        format: "CSV, JSON lines or Arrow IPC",
        reason: "it holds binary data".into(),
    })?;
    let file = dir.path().join(name);
    std::fs::rename(&raw, &file).map_err(|e| read_error(shown, e))?;
    Ok(Spool { _dir: dir, file })
}

/// A file name whose extensions say the format of data starting with `head`;
/// `None` for binary data of no known format.
fn file_name(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xFF, 0xFF, 0xFF]) || head.starts_with(b"ARROW1") {
        return Some("input.arrow");
    }
    if head.starts_with(b"PAR1") {
        return Some("input.parquet");
    }
    // Compressed text: decompress the start to tell JSON lines from CSV.
    if head.starts_with(&[0x1F, 0x8B]) {
        return Some(
            if compressed_json(flate2::read::MultiGzDecoder::new(head)) {
                "input.jsonl.gz"
            } else {
                "input.csv.gz"
            },
        );
    }
    if head.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        let json = zstd::stream::read::Decoder::new(head).is_ok_and(compressed_json);
        return Some(if json {
            "input.jsonl.zst"
        } else {
            "input.csv.zst"
        });
    }
    text_format(head)
}

fn compressed_json(mut reader: impl Read) -> bool {
    let mut start = [0u8; 64];
    let n = reader.read(&mut start).unwrap_or(0);
    start
        .get(..n)
        .is_some_and(|s| s.trim_ascii_start().starts_with(b"{"))
}

/// JSON lines when the first non-blank byte is `{`, CSV for other text, `None`
/// for binary data (a NUL byte, or not UTF-8 apart from a character cut at the end).
fn text_format(head: &[u8]) -> Option<&'static str> {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    if text.contains('\0') {
        return None;
    }
    let start = text.trim_start_matches('\u{feff}').trim_start();
    Some(if start.starts_with('{') {
        "input.jsonl"
    } else {
        "input.csv"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_first_bytes() {
        assert_eq!(file_name(b"id,age\n1,2\n"), Some("input.csv"));
        assert_eq!(file_name(b"\n {\"id\": 1}\n"), Some("input.jsonl"));
        assert_eq!(
            file_name(&[0xFF, 0xFF, 0xFF, 0xFF, 0x10]),
            Some("input.arrow")
        );
        assert_eq!(file_name(b"PAR1...."), Some("input.parquet"));
        assert_eq!(file_name(&[0x00, 0x9F, 0x92, 0x96, 0xC3]), None);
        assert_eq!(file_name(&[0xC3, 0x28, 0x41]), None);
    }
}
