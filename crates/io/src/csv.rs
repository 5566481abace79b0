//! CSV with a header row, as the Log Analytics portal exports query results.
//!
//! The portal names a datetime column `TimeGenerated [UTC]` and writes its
//! values in the en-US display form, `12/3/2026, 10:00:00.000 AM`; the
//! suffix is dropped from the name and the values are read as UTC instants.
//! ISO 8601 values are read too. An empty field is a missing value: `""` in a
//! string column, null in any other. Columns that no schema names are typed
//! conservatively ([`crate::convert::infer_text`]): numbers stay text.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use ::csv::{ErrorKind, StringRecord};

use crate::LoadError;
use crate::convert::{Cell, Kind};
use crate::error::{BadRecord, LineSource};
use crate::file::{line_text, open_counted, unreadable};
use crate::load::{CHUNK_BYTES, Inference, Parsed, RowCtx, Rows, pipeline};

/// The suffix the portal gives datetime columns.
const UTC_SUFFIX: &str = " [UTC]";

/// Reads every row of a CSV file into `out`, a batch per chunk.
pub(crate) fn read(path: &Path, ctx: &RowCtx, out: &mut Vec<Parsed>) -> Result<(), LoadError> {
    let mut reader = reader(path, ctx.progress.clone())?;
    let header = Header::read(path, &mut reader)?;
    let mut rows = reader.into_records();
    // Records are split from the text on this thread, a chunk at a time,
    // while the workers convert the chunks already read.
    let next_chunk = || {
        let mut chunk: Vec<(usize, Result<StringRecord, String>)> = Vec::new();
        let mut bytes = 0;
        while bytes < CHUNK_BYTES {
            let Some(record) = rows.next() else { break };
            match record {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    bytes += record.as_slice().len();
                    chunk.push((line, Ok(record)));
                }
                Err(e) => {
                    let (line, reason) = describe(&e);
                    if !ctx.skip_bad_rows || line == 0 {
                        return Err(bad_csv(path, line, reason));
                    }
                    chunk.push((line, Err(reason)));
                }
            }
        }
        Ok((!chunk.is_empty()).then_some(chunk))
    };
    out.extend(pipeline(next_chunk, |chunk| parse_chunk(path, ctx, &header, chunk))?);
    Ok(())
}

/// The `Type` of the first row, when the file has that column.
pub(crate) fn first_type(path: &Path) -> Result<Option<String>, LoadError> {
    let mut reader = reader(path, None)?;
    let header = Header::read(path, &mut reader)?;
    let Some(idx) = header.names.iter().position(|n| n == "Type") else { return Ok(None) };
    let mut record = StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Ok(record.get(idx).filter(|t| !t.is_empty()).map(str::to_owned)),
        _ => Ok(None),
    }
}

fn reader(
    path: &Path,
    progress: Option<Arc<AtomicU64>>,
) -> Result<::csv::Reader<Box<dyn std::io::BufRead + Send>>, LoadError> {
    // Flexible, so that a row of the wrong length reaches `parse_chunk`,
    // which reports it (or counts it) rather than padding it.
    Ok(::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(open_counted(path, progress)?))
}

/// The column names, and which hold the portal's datetimes.
struct Header {
    names: Vec<String>,
    utc: Vec<bool>,
}

impl Header {
    fn read(
        path: &Path,
        reader: &mut ::csv::Reader<Box<dyn std::io::BufRead + Send>>,
    ) -> Result<Header, LoadError> {
        let record = reader.headers().map_err(|e| bad_csv(path, 1, describe(&e).1))?;
        if record.is_empty() {
            return Err(LoadError::Empty { path: path.to_owned() });
        }
        let mut header = Header { names: Vec::new(), utc: Vec::new() };
        for name in record {
            let name = name.trim();
            match name.strip_suffix(UTC_SUFFIX) {
                Some(stem) => {
                    header.names.push(stem.to_owned());
                    header.utc.push(true);
                }
                None => {
                    header.names.push(name.to_owned());
                    header.utc.push(false);
                }
            }
        }
        Ok(header)
    }
}

fn parse_chunk(
    path: &Path,
    ctx: &RowCtx,
    header: &Header,
    chunk: &[(usize, Result<StringRecord, String>)],
) -> Result<Parsed, LoadError> {
    let mut rows = Rows::new(ctx, Inference::Text);
    for (line, record) in chunk {
        let record = match record {
            Ok(record) if record.len() == header.names.len() => record,
            Ok(record) => {
                let reason = format!(
                    "this row has {} but the header names {}",
                    count(record.len(), "field"),
                    count(header.names.len(), "column")
                );
                if !rows.skips_bad_rows() {
                    return Err(bad_csv(path, *line, reason));
                }
                rows.skip(*line, reason);
                continue;
            }
            Err(reason) => {
                rows.skip(*line, reason.clone());
                continue;
            }
        };
        let cells = header.names.iter().zip(&header.utc).zip(record).map(|((name, &utc), text)| {
            let text = match utc.then(|| portal_datetime(text)).flatten() {
                Some(iso) => Cow::Owned(iso),
                None => Cow::Borrowed(text),
            };
            let kind = if text.is_empty() { Kind::Null } else { Kind::Str };
            (name.as_str(), Cell { kind, text })
        });
        rows.push(*line, cells);
    }
    Ok(rows.finish(path))
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// The line of a CSV error and what is wrong.
fn describe(e: &::csv::Error) -> (usize, String) {
    let line = e.position().map_or(0, |p| p.line() as usize);
    let reason = match e.kind() {
        ErrorKind::Utf8 { .. } => "this row is not valid UTF-8".to_owned(),
        ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    (line, reason)
}

fn bad_csv(path: &Path, line: usize, message: String) -> LoadError {
    if line == 0 {
        return unreadable(path, std::io::Error::other(message));
    }
    let text = line_text(path, line);
    LoadError::BadRecord(Box::new(BadRecord {
        path: path.to_owned(),
        line,
        column: 1,
        message,
        src: LineSource::new(path.display().to_string(), text, line),
        span: (0, 0).into(),
        help: Some(BadRecord::SKIPPABLE.to_owned()),
    }))
}

/// `12/3/2026, 10:00:00.000 AM` (the portal's en-US form) as ISO 8601 UTC.
fn portal_datetime(text: &str) -> Option<String> {
    let (date, time) = text.trim().split_once(", ")?;
    let mut date = date.split('/');
    let (month, day, year): (u32, u32, i32) =
        (date.next()?.parse().ok()?, date.next()?.parse().ok()?, date.next()?.parse().ok()?);
    let (clock, meridiem) = time.trim().rsplit_once(' ')?;
    let mut clock = clock.split(':');
    let (hour, minute): (u32, u32) = (clock.next()?.parse().ok()?, clock.next()?.parse().ok()?);
    let seconds = clock.next()?;
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let second: u32 = whole.parse().ok()?;
    if !(1..=12).contains(&hour) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hour = match meridiem {
        "AM" => hour % 12,
        "PM" => hour % 12 + 12,
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
    let fraction = if fraction.is_empty() { String::new() } else { format!(".{fraction}") };
    Some(format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}Z"))
}

#[cfg(test)]
mod tests {
    use super::portal_datetime;

    #[test]
    fn portal_datetimes_read_as_iso() {
        let iso = |s| portal_datetime(s);
        assert_eq!(iso("12/3/2026, 10:00:00.000 AM").as_deref(), Some("2026-12-03T10:00:00.000Z"));
        assert_eq!(iso("1/2/2026, 12:05:09.5 AM").as_deref(), Some("2026-01-02T00:05:09.5Z"));
        assert_eq!(iso("1/2/2026, 12:05:09 PM").as_deref(), Some("2026-01-02T12:05:09Z"));
        assert_eq!(iso("11/30/2026, 11:59:59.999 PM").as_deref(), Some("2026-11-30T23:59:59.999Z"));
        assert_eq!(iso("2/30/2026, 1:00:00 AM"), None);
        assert_eq!(iso("2026-12-03T10:00:00Z"), None);
        assert_eq!(iso("12/3/2026, 13:00:00 PM"), None);
    }
}
