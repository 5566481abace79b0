//! JSON as Log Analytics and Azure Monitor export it: JSON lines (one object
//! a line), a JSON array of objects, or an object whose `records` member is
//! that array (`{"records": [...]}`, as diagnostic settings write).
//!
//! A file is read in chunks of whole records, about [`CHUNK_BYTES`] each, on
//! one thread while one worker a core parses the chunks already read
//! ([`pipeline`]); each chunk becomes one Arrow batch.
//! Memory holds the batches and a few chunks of text, never a decoded tree of
//! the whole file. Arrays are cut into records by a scanner that follows
//! strings and nesting, so they stream like JSON lines.
//!
//! When the load asks for some columns only ([`crate::LoadOptions::columns`]),
//! the others are neither converted nor kept. FIXME: each record still goes
//! through a `serde_json::Value` (every member is parsed, the unwanted ones
//! dropped); decoding the wanted members straight into builders, and
//! filtering as the file is read, are the next steps for large dumps.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use serde_json::{Map, Value};

use crate::LoadError;
use crate::convert::Cell;
use crate::error::{BadRecord, LineSource};
use crate::file::{line_text, open_counted, unreadable};
use crate::load::{CHUNK_BYTES, Inference, Parsed, RowCtx, Rows, pipeline};

/// Reads every record of a JSON file into `out`, a batch per chunk.
pub(crate) fn read(path: &Path, ctx: &RowCtx, out: &mut Vec<Parsed>) -> Result<(), LoadError> {
    let mut chunks = Chunks::open(path, ctx.progress.clone())?;
    out.extend(pipeline(|| chunks.next_chunk(), |chunk| parse_chunk(path, ctx, chunk))?);
    Ok(())
}

/// The `Type` of the file's first record, the table Log Analytics exports
/// name in every row.
pub(crate) fn first_type(path: &Path) -> Result<Option<String>, LoadError> {
    let mut chunks = Chunks::open(path, None)?;
    while let Some(chunk) = chunks.next_chunk()? {
        for (_, _, text) in chunk.records() {
            if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(text) {
                return Ok(fields.get("Type").and_then(Value::as_str).map(str::to_owned));
            }
        }
    }
    Ok(None)
}

/// Whole records of a file, read a chunk at a time.
enum Chunks<'a> {
    Lines { path: &'a Path, reader: Box<dyn BufRead + Send>, next_line: usize },
    Array(ArrayScanner<'a>),
}

/// Some records of a file.
struct Chunk {
    data: Vec<u8>,
    layout: ChunkLayout,
}

enum ChunkLayout {
    /// Lines `first_line..`, each ending in `\n` but perhaps the last.
    Lines { first_line: usize },
    /// Array elements: byte ranges of `data`, with the line and column each
    /// starts at.
    Elements(Vec<Element>),
}

struct Element {
    start: usize,
    end: usize,
    line: usize,
    column: usize,
}

impl Chunk {
    /// Each non-blank record: its line, its column and its text.
    fn records(&self) -> Box<dyn Iterator<Item = (usize, usize, &[u8])> + '_> {
        match &self.layout {
            ChunkLayout::Lines { first_line } => {
                // Line ends found with memchr, a word at a time, rather than
                // a byte at a time.
                let data = &self.data[..];
                let mut start = 0;
                let mut line = *first_line;
                let lines = std::iter::from_fn(move || {
                    if start >= data.len() {
                        return None;
                    }
                    let end =
                        memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |n| start + n);
                    let raw = &data[start..end];
                    let at = line;
                    (start, line) = (end + 1, line + 1);
                    Some((at, 1, raw.strip_suffix(b"\r").unwrap_or(raw)))
                });
                Box::new(lines.filter(|(_, _, line)| !line.iter().all(u8::is_ascii_whitespace)))
            }
            ChunkLayout::Elements(elements) => {
                Box::new(elements.iter().map(|e| (e.line, e.column, &self.data[e.start..e.end])))
            }
        }
    }
}

impl<'a> Chunks<'a> {
    /// Opens a file and looks at its first bytes to tell lines from arrays.
    fn open(path: &'a Path, progress: Option<Arc<AtomicU64>>) -> Result<Self, LoadError> {
        let mut reader = open_counted(path, progress)?;
        let head = reader.fill_buf().map_err(|e| unreadable(path, e))?;
        let bom = if head.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
        let head = &head[bom..];
        let skip = head.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let array_prefix = match head.get(skip) {
            Some(b'[') => Some(skip + 1),
            Some(b'{') => records_prefix(&head[skip..]).map(|n| skip + n),
            _ => None,
        };
        let array = array_prefix.map(|prefix| {
            let newlines = head[..prefix].iter().filter(|&&b| b == b'\n').count();
            let line_start = head[..prefix].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            (prefix, head[skip] == b'{', 1 + newlines, 1 + prefix - line_start)
        });
        Ok(match array {
            Some((prefix, wrapped, line, column)) => {
                reader.consume(bom + prefix);
                Chunks::Array(ArrayScanner {
                    path,
                    reader,
                    wrapped,
                    line,
                    column,
                    state: ScanState::First,
                })
            }
            None => {
                reader.consume(bom);
                Chunks::Lines { path, reader, next_line: 1 }
            }
        })
    }

    fn next_chunk(&mut self) -> Result<Option<Chunk>, LoadError> {
        match self {
            Chunks::Lines { path, reader, next_line } => {
                let first_line = *next_line;
                let mut data = Vec::with_capacity(CHUNK_BYTES + (64 << 10));
                while data.len() < CHUNK_BYTES {
                    let n = reader.read_until(b'\n', &mut data).map_err(|e| unreadable(path, e))?;
                    if n == 0 {
                        break;
                    }
                    *next_line += 1;
                }
                Ok((!data.is_empty())
                    .then_some(Chunk { data, layout: ChunkLayout::Lines { first_line } }))
            }
            Chunks::Array(scanner) => scanner.next_chunk(),
        }
    }
}

/// The length of `{ "records" : [` at the start of `text`, if it starts so.
fn records_prefix(text: &[u8]) -> Option<usize> {
    let mut i = 1;
    let skip_ws = |i: &mut usize| {
        while text.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    i += text[i..].strip_prefix(b"\"records\"").map(|_| 9)?;
    skip_ws(&mut i);
    i += text[i..].strip_prefix(b":").map(|_| 1)?;
    skip_ws(&mut i);
    i += text[i..].strip_prefix(b"[").map(|_| 1)?;
    Some(i)
}

/// Where an array scanner stands between elements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ScanState {
    /// After `[`: an element or `]`.
    First,
    /// After `,`: an element.
    Next,
    /// After an element: `,` or `]`.
    After,
    /// After the closing `]` and what follows it.
    Done,
}

/// Cuts a JSON array into its elements as the text streams in.
struct ArrayScanner<'a> {
    path: &'a Path,
    reader: Box<dyn BufRead + Send>,
    /// Inside `{"records": [...]}`: a `}` must follow the `]`.
    wrapped: bool,
    line: usize,
    column: usize,
    state: ScanState,
}

impl ArrayScanner<'_> {
    fn next_chunk(&mut self) -> Result<Option<Chunk>, LoadError> {
        let mut data = Vec::new();
        let mut elements = Vec::new();
        while data.len() < CHUNK_BYTES {
            let start = data.len();
            let Some((line, column)) = self.next_element(&mut data)? else { break };
            elements.push(Element { start, end: data.len(), line, column });
        }
        Ok((!elements.is_empty())
            .then_some(Chunk { data, layout: ChunkLayout::Elements(elements) }))
    }

    /// Appends the next element's text to `data` and says where it starts;
    /// `None` at the end.
    fn next_element(&mut self, data: &mut Vec<u8>) -> Result<Option<(usize, usize)>, LoadError> {
        loop {
            if self.state == ScanState::Done {
                return Ok(None);
            }
            let Some(b) = self.peek()? else {
                return Err(self.error("the JSON array is not closed: expected `]`"));
            };
            match (self.state, b) {
                (_, b) if b.is_ascii_whitespace() => self.bump(b),
                (ScanState::First | ScanState::After, b']') => {
                    self.bump(b);
                    self.close()?;
                    self.state = ScanState::Done;
                }
                (ScanState::After, b',') => {
                    self.bump(b);
                    self.state = ScanState::Next;
                }
                (ScanState::After, _) => {
                    return Err(self.error("expected `,` or `]` after an array element"));
                }
                (ScanState::Next, b']') => {
                    return Err(self.error("expected a value after `,`"));
                }
                _ => {
                    let start = (self.line, self.column);
                    self.element(data)?;
                    self.state = ScanState::After;
                    return Ok(Some(start));
                }
            }
        }
    }

    /// Copies one element into `data`, following strings and nesting.
    fn element(&mut self, data: &mut Vec<u8>) -> Result<(), LoadError> {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        loop {
            let buf = self.reader.fill_buf().map_err(|e| unreadable(self.path, e))?;
            if buf.is_empty() {
                return Err(self.error("the file ends inside an array element"));
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if in_string {
                    match b {
                        _ if escaped => escaped = false,
                        b'\\' => escaped = true,
                        b'"' => in_string = false,
                        _ => {}
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' if depth > 0 => depth -= 1,
                        // A scalar element ends where a delimiter starts.
                        b',' | b']' | b'}' if depth == 0 => {
                            end = Some(i);
                            break;
                        }
                        b if b.is_ascii_whitespace() && depth == 0 => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                if depth == 0 && !in_string && matches!(b, b'}' | b']' | b'"') {
                    end = Some(i + 1);
                    break;
                }
            }
            let n = end.unwrap_or(buf.len());
            data.extend_from_slice(&buf[..n]);
            let newlines = buf[..n].iter().filter(|&&b| b == b'\n').count();
            match buf[..n].iter().rposition(|&b| b == b'\n') {
                Some(last) => {
                    self.line += newlines;
                    self.column = n - last;
                }
                None => self.column += n,
            }
            self.reader.consume(n);
            if end.is_some() {
                return Ok(());
            }
        }
    }

    /// After the closing `]`: the wrapper's `}`, then only whitespace.
    fn close(&mut self) -> Result<(), LoadError> {
        let mut closed = !self.wrapped;
        while let Some(b) = self.peek()? {
            match b {
                _ if b.is_ascii_whitespace() => self.bump(b),
                b'}' if !closed => {
                    self.bump(b);
                    closed = true;
                }
                _ if !closed => {
                    return Err(self.error("expected `}` to close the object holding `records`"));
                }
                _ => return Err(self.error("unexpected text after the end of the JSON array")),
            }
        }
        if closed {
            Ok(())
        } else {
            Err(self.error("expected `}` to close the object holding `records`"))
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, LoadError> {
        let buf = self.reader.fill_buf().map_err(|e| unreadable(self.path, e))?;
        Ok(buf.first().copied())
    }

    fn bump(&mut self, b: u8) {
        self.reader.consume(1);
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
    }

    /// A structural error at the scanner's position.
    fn error(&self, message: &str) -> LoadError {
        let text = line_text(self.path, self.line);
        // The array itself is broken: no record can be skipped past it.
        let help = "the file is not a valid JSON array; fix it where shown";
        bad_json(
            self.path,
            self.line,
            self.column,
            message.to_owned(),
            text.as_bytes(),
            self.column,
            Some(help),
        )
    }
}

fn parse_chunk(path: &Path, ctx: &RowCtx, chunk: &Chunk) -> Result<Parsed, LoadError> {
    let mut rows = Rows::new(ctx, Inference::Json);
    for (line, column, text) in chunk.records() {
        // Only some columns wanted: skip the other members unparsed. A
        // record that fails is read again the plain way, for its error.
        if ctx.only_known
            && let Ok(kept) = wanted_members(text, ctx)
        {
            rows.push_known(line, kept.iter().map(|(i, v)| (*i, Cell::from_json(v))));
            continue;
        }
        match object(text) {
            Ok(fields) => {
                rows.push(line, fields.iter().map(|(k, v)| (k.as_str(), Cell::from_json(v))))
            }
            Err((at_line, _, message)) if rows.skips_bad_rows() => {
                rows.skip(line + at_line - 1, message);
            }
            Err((at_line, at_column, message)) => {
                let line_no = line + at_line - 1;
                let skippable = Some(BadRecord::SKIPPABLE);
                return Err(if at_line == 1 && column == 1 {
                    bad_json(path, line_no, at_column, message, text, at_column, skippable)
                } else {
                    let at_column = if at_line == 1 { column + at_column - 1 } else { at_column };
                    let text = line_text(path, line_no);
                    bad_json(
                        path,
                        line_no,
                        at_column,
                        message,
                        text.as_bytes(),
                        at_column,
                        skippable,
                    )
                });
            }
        }
    }
    Ok(rows.finish(path))
}

/// The members of a record whose names are known columns, by column
/// position; the others are skipped without being built
/// ([`serde::de::IgnoredAny`]).
fn wanted_members(text: &[u8], ctx: &RowCtx) -> serde_json::Result<Vec<(usize, Value)>> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let kept = serde::de::DeserializeSeed::deserialize(Wanted { ctx }, &mut de)?;
    de.end()?;
    Ok(kept)
}

/// Reads an object, keeping the members [`wanted_members`] wants.
struct Wanted<'a, 'c> {
    ctx: &'a RowCtx<'c>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Wanted<'_, '_> {
    type Value = Vec<(usize, Value)>;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Wanted<'_, '_> {
    type Value = Vec<(usize, Value)>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut kept = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match self.ctx.position(&key.0) {
                Some(i) => kept.push((i, map.next_value::<Value>()?)),
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(kept)
    }
}

/// A member's name, borrowed from the text unless it had escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(s)))
            }

            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(s.to_owned())))
            }
        }
        de.deserialize_str(KeyVisitor)
    }
}

/// A record as a JSON object, or the line and column within it (1-based)
/// and the reason it is not one.
fn object(text: &[u8]) -> Result<Map<String, Value>, (usize, usize, String)> {
    match serde_json::from_slice::<Value>(text) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err((1, 1, "expected a JSON object".to_owned())),
        Err(e) => Err((e.line().max(1), e.column().max(1), without_position(&e.to_string()))),
    }
}

/// The error for line `line` of a file, whose text is `text`, pointing at
/// character `at` (1-based) of it.
fn bad_json(
    path: &Path,
    line: usize,
    column: usize,
    message: String,
    text: &[u8],
    at: usize,
    help: Option<&str>,
) -> LoadError {
    let text = String::from_utf8_lossy(text).into_owned();
    let offset = text.char_indices().nth(at.saturating_sub(1)).map_or(text.len(), |(i, _)| i);
    LoadError::BadRecord(Box::new(BadRecord {
        path: path.to_owned(),
        line,
        column,
        message,
        src: LineSource::new(path.display().to_string(), text, line),
        span: (offset, 0).into(),
        help: help.map(str::to_owned),
    }))
}

/// serde_json's message without its " at line 1 column 7" (which counts
/// within the record, not the file).
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::records_prefix;

    #[test]
    fn the_records_wrapper_is_recognised_with_any_spacing() {
        assert_eq!(records_prefix(b"{\"records\":[{"), Some(12));
        assert_eq!(records_prefix(b"{ \"records\" :\n [ {"), Some(16));
        assert_eq!(records_prefix(b"{\"record\":[]}"), None);
        assert_eq!(records_prefix(b"{\"records\":{}}"), None);
        assert_eq!(records_prefix(b"{\"TimeGenerated\":\"x\"}"), None);
    }
}
