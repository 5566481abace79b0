//! Opening a data file: its format from its name, its compression from its
//! first bytes.
//!
//! A name such as `SigninLogs.jsonl.gz` says the format (`.jsonl`) and the
//! compression (`.gz`); the compression is believed only when the content's
//! magic number agrees, so a `.gz` file that is plain text still reads, and a
//! compressed file without the suffix is still decompressed.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::LoadError;

/// How a file's records are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// JSON lines, a JSON array of objects, or `{"records": [...]}`.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

impl Format {
    /// The format a file name says, after any `.gz` or `.zst` suffix.
    pub(crate) fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = ["gz", "gzip", "zst", "zstd"]
            .iter()
            .find_map(|ext| name.strip_suffix(&format!(".{ext}")))
            .unwrap_or(&name);
        let ext = name.rsplit_once('.')?.1;
        match ext {
            "json" | "jsonl" | "ndjson" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }

    /// The format of a file a table is made of, or an error naming the file.
    pub(crate) fn require(path: &Path) -> Result<Format, LoadError> {
        Format::of(path).ok_or_else(|| LoadError::UnknownFormat { path: path.to_owned() })
    }
}

/// A file's text, decompressed as it is read.
pub(crate) fn open_text(path: &Path) -> Result<Box<dyn BufRead + Send>, LoadError> {
    open_counted(path, None)
}

/// A file's text, decompressed as it is read; the bytes read from the file
/// are added to `progress`.
pub(crate) fn open_counted(
    path: &Path,
    progress: Option<Arc<AtomicU64>>,
) -> Result<Box<dyn BufRead + Send>, LoadError> {
    let file = File::open(path).map_err(|e| unreadable(path, e))?;
    let file = Counting { inner: file, progress };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let head = reader.fill_buf().map_err(|e| unreadable(path, e))?;
    Ok(if head.starts_with(GZIP_MAGIC) {
        // Multi-member: `cat a.gz b.gz` is a valid gzip stream of both.
        Box::new(BufReader::with_capacity(1 << 20, flate2::bufread::MultiGzDecoder::new(reader)))
    } else if head.starts_with(ZSTD_MAGIC) {
        let decoder =
            zstd::stream::read::Decoder::with_buffer(reader).map_err(|e| unreadable(path, e))?;
        Box::new(BufReader::with_capacity(1 << 20, decoder))
    } else {
        Box::new(reader)
    })
}

/// A reader that adds what it reads to a counter.
struct Counting<R> {
    inner: R,
    progress: Option<Arc<AtomicU64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(progress) = &self.progress {
            progress.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Line `line` (1-based) of a file, read again for an error message; empty
/// when it cannot be read.
pub(crate) fn line_text(path: &Path, line: usize) -> String {
    let Ok(reader) = open_text(path) else { return String::new() };
    reader
        .split(b'\n')
        .nth(line.saturating_sub(1))
        .and_then(Result::ok)
        .map(|l| String::from_utf8_lossy(&l).trim_end_matches('\r').to_owned())
        .unwrap_or_default()
}

/// Whether a file starts with a compression magic number.
pub(crate) fn is_compressed(path: &Path) -> Result<bool, LoadError> {
    let mut head = [0u8; 4];
    let mut file = File::open(path).map_err(|e| unreadable(path, e))?;
    let n = read_up_to(&mut file, &mut head).map_err(|e| unreadable(path, e))?;
    Ok(head[..n].starts_with(GZIP_MAGIC) || head[..n].starts_with(ZSTD_MAGIC))
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The error for a file that cannot be read, with the system's reason.
pub(crate) fn unreadable(path: &Path, e: std::io::Error) -> LoadError {
    LoadError::Unreadable { path: path.to_owned(), reason: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_comes_from_the_name_under_any_compression_suffix() {
        let of = |name: &str| Format::of(Path::new(name));
        assert_eq!(of("a/SigninLogs.jsonl"), Some(Format::Json));
        assert_eq!(of("PT1H.json"), Some(Format::Json));
        assert_eq!(of("x.NDJSON.GZ"), Some(Format::Json));
        assert_eq!(of("export.csv.zst"), Some(Format::Csv));
        assert_eq!(of("t.parquet"), Some(Format::Parquet));
        assert_eq!(of("notes.txt"), None);
        assert_eq!(of("archive.gz"), None);
        assert_eq!(of("README"), None);
    }
}
