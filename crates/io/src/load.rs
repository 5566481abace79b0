//! JSON lines, as Log Analytics exports them: one object per line.
//!
//! A file is read in chunks of whole lines. The chunks are parsed in
//! parallel, one per core, and each becomes one Arrow batch, so memory holds
//! the batches and a few chunks of text, never a decoded tree of the whole
//! file. Columns the schema names are converted as rows are read; other keys
//! keep each value's kind and text until every row has been seen, when their
//! type is inferred and they are converted too.
//!
//! FIXME: every column is decoded, not only those the query reads, and each
//! line goes through a `serde_json::Value`; decoding only the referenced
//! columns straight into builders is the next step for large dumps.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use calypso_syntax::KqlType;
use datafusion::arrow::array::{ArrayRef, StringArray, StringBuilder};
use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::{Map, Value};

use crate::convert::{Cell, ColumnBuilder, Kind, infer};
use crate::error::{BadJson, LineSource};
use crate::{
    Catalog, ColumnSchema, ConversionIssue, LoadError, LoadReport, SchemaOrigin, Table, field,
};

/// About how much text one chunk, and so one batch, holds.
const CHUNK_BYTES: usize = 8 << 20;

/// How many skipped rows a report names (all are counted).
const SKIPPED_EXAMPLES: usize = 5;

/// How to treat unreadable input.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Skip lines that are not JSON objects (counted in the report) instead
    /// of failing.
    pub skip_bad_rows: bool,
}

/// Loads one table from JSON-lines files.
pub fn load_json_lines(
    name: &str,
    files: &[PathBuf],
    catalog: &Catalog,
    options: LoadOptions,
) -> Result<Table, LoadError> {
    let (known, origin) = known_columns(name, files, catalog)?;
    if let Some(col) = known.iter().find(|c| c.ty == KqlType::Decimal) {
        return Err(LoadError::UnsupportedType {
            table: name.to_owned(),
            column: col.name.clone(),
            ty: col.ty,
        });
    }
    let index: HashMap<&str, usize> =
        known.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
    let ctx = ChunkCtx { known: &known, index: &index, skip_bad_rows: options.skip_bad_rows };

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut parsed = Vec::new();
    for path in files {
        let mut reader = ChunkReader::open(path)?;
        loop {
            let mut chunks = Vec::with_capacity(threads);
            while chunks.len() < threads {
                match reader.next_chunk()? {
                    Some(chunk) => chunks.push(chunk),
                    None => break,
                }
            }
            if chunks.is_empty() {
                break;
            }
            let results = std::thread::scope(|scope| {
                let handles: Vec<_> =
                    chunks.iter().map(|chunk| scope.spawn(|| ctx.parse(path, chunk))).collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a chunk parser does not panic"))
                    .collect::<Vec<_>>()
            });
            for res in results {
                parsed.push(res?);
            }
        }
    }
    finish(name, files, known, origin, parsed)
}

/// The columns a schema names for the table, and where they came from: the
/// catalog by table name, else by the first row's `Type` value.
fn known_columns(
    name: &str,
    files: &[PathBuf],
    catalog: &Catalog,
) -> Result<(Vec<ColumnSchema>, SchemaOrigin), LoadError> {
    if let Some(cols) = catalog.table(name) {
        return Ok((cols.to_vec(), SchemaOrigin::Catalog(name.to_owned())));
    }
    if let Some(type_value) = first_type_value(files)?
        && let Some(cols) = catalog.table(&type_value)
    {
        return Ok((cols.to_vec(), SchemaOrigin::TypeColumn(type_value)));
    }
    Ok((Vec::new(), SchemaOrigin::Inferred))
}

/// The `Type` of the first row that is a JSON object.
fn first_type_value(files: &[PathBuf]) -> Result<Option<String>, LoadError> {
    for path in files {
        let file = File::open(path).map_err(|e| unreadable(path, e))?;
        for line in BufReader::new(file).split(b'\n') {
            let line = line.map_err(|e| unreadable(path, e))?;
            if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&line) {
                return Ok(fields.get("Type").and_then(Value::as_str).map(str::to_owned));
            }
        }
    }
    Ok(None)
}

/// Whole lines of a file, read a chunk at a time.
struct ChunkReader<'a> {
    path: &'a Path,
    reader: BufReader<File>,
    next_line: usize,
}

/// Lines `first_line..` of a file, each ending in `\n` but perhaps the last.
struct Chunk {
    data: Vec<u8>,
    first_line: usize,
}

impl<'a> ChunkReader<'a> {
    fn open(path: &'a Path) -> Result<Self, LoadError> {
        let file = File::open(path).map_err(|e| unreadable(path, e))?;
        Ok(ChunkReader { path, reader: BufReader::with_capacity(1 << 20, file), next_line: 1 })
    }

    fn next_chunk(&mut self) -> Result<Option<Chunk>, LoadError> {
        let first_line = self.next_line;
        let mut data = Vec::with_capacity(CHUNK_BYTES + (64 << 10));
        while data.len() < CHUNK_BYTES {
            let n =
                self.reader.read_until(b'\n', &mut data).map_err(|e| unreadable(self.path, e))?;
            if n == 0 {
                break;
            }
            self.next_line += 1;
        }
        Ok((!data.is_empty()).then_some(Chunk { data, first_line }))
    }
}

/// What parsing a chunk needs to know.
struct ChunkCtx<'a> {
    known: &'a [ColumnSchema],
    index: &'a HashMap<&'a str, usize>,
    skip_bad_rows: bool,
}

/// One chunk, parsed.
struct Parsed {
    file: String,
    rows: usize,
    /// The line number of each row.
    lines: Vec<usize>,
    /// One array per known column.
    known: Vec<ArrayRef>,
    /// Conversion failures per known column.
    failures: Vec<Option<Failure>>,
    /// Keys no schema names, in the order first seen.
    extras: Vec<(String, RawColumn)>,
    /// Unreadable lines: line number and reason.
    skipped: Vec<(usize, String)>,
}

/// The first value of a column that did not convert, and how many did not.
#[derive(Clone)]
struct Failure {
    count: usize,
    example: String,
    line: usize,
}

/// Values of a key no schema names, kept until its type is known.
struct RawColumn {
    kinds: Vec<Kind>,
    text: StringBuilder,
    ty: Option<KqlType>,
}

impl RawColumn {
    fn with_nulls(rows: usize) -> Self {
        let mut col = RawColumn { kinds: Vec::new(), text: StringBuilder::new(), ty: None };
        for _ in 0..rows {
            col.push(&Cell::NULL);
        }
        col
    }

    fn push(&mut self, cell: &Cell) {
        self.ty = infer(self.ty, cell);
        self.kinds.push(cell.kind);
        self.text.append_value(&cell.text);
    }
}

impl ChunkCtx<'_> {
    fn parse(&self, path: &Path, chunk: &Chunk) -> Result<Parsed, LoadError> {
        let mut builders: Vec<ColumnBuilder> =
            self.known.iter().map(|c| ColumnBuilder::new(c.ty)).collect();
        let mut failures: Vec<Option<Failure>> = vec![None; self.known.len()];
        let mut extras: Vec<(String, RawColumn)> = Vec::new();
        let mut extra_index: HashMap<String, usize> = HashMap::new();
        let mut skipped = Vec::new();
        let mut lines = Vec::new();
        let mut rows = 0;

        for (i, raw) in chunk.data.split(|&b| b == b'\n').enumerate() {
            let line_no = chunk.first_line + i;
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let fields = match object(line) {
                Ok(fields) => fields,
                Err((_, message)) if self.skip_bad_rows => {
                    skipped.push((line_no, message));
                    continue;
                }
                Err((column, message)) => {
                    return Err(bad_json(path, line_no, column, message, line));
                }
            };

            let mut slots: Vec<Option<&Value>> = vec![None; self.known.len()];
            for (key, value) in &fields {
                if let Some(&idx) = self.index.get(key.as_str()) {
                    slots[idx] = Some(value);
                    continue;
                }
                let idx = *extra_index.entry(key.clone()).or_insert_with(|| {
                    extras.push((key.clone(), RawColumn::with_nulls(rows)));
                    extras.len() - 1
                });
                extras[idx].1.push(&Cell::from_json(value));
            }
            for (idx, builder) in builders.iter_mut().enumerate() {
                let cell = slots[idx].map_or(Cell::NULL, Cell::from_json);
                if !builder.append(&cell) {
                    let failure = failures[idx].get_or_insert_with(|| Failure {
                        count: 0,
                        example: cell.to_json_text(),
                        line: line_no,
                    });
                    failure.count += 1;
                }
            }
            rows += 1;
            lines.push(line_no);
            // Keys this row lacks are missing values.
            for (_, col) in &mut extras {
                if col.kinds.len() < rows {
                    col.push(&Cell::NULL);
                }
            }
        }
        Ok(Parsed {
            file: path.display().to_string(),
            rows,
            lines,
            known: builders.into_iter().map(ColumnBuilder::finish).collect(),
            failures,
            extras,
            skipped,
        })
    }
}

/// A line as a JSON object, or the (1-based) column and reason it is not.
fn object(line: &[u8]) -> Result<Map<String, Value>, (usize, String)> {
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err((1, "expected a JSON object".to_owned())),
        Err(e) => Err((e.column().max(1), without_position(&e.to_string()))),
    }
}

fn bad_json(path: &Path, line: usize, column: usize, message: String, text: &[u8]) -> LoadError {
    let text = String::from_utf8_lossy(text).into_owned();
    let offset = text.char_indices().nth(column - 1).map_or(text.len(), |(i, _)| i);
    LoadError::BadJson(Box::new(BadJson {
        path: path.to_owned(),
        line,
        column,
        message,
        src: LineSource::new(path.display().to_string(), text, line),
        span: (offset, 0).into(),
    }))
}

/// serde_json's message without its " at line 1 column 7" (which counts
/// within the line, not the file).
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_owned(),
        None => message.to_owned(),
    }
}

/// The table from its parsed chunks: the known columns, then the other keys
/// in the order first seen, typed by inference.
fn finish(
    name: &str,
    files: &[PathBuf],
    known: Vec<ColumnSchema>,
    origin: SchemaOrigin,
    parsed: Vec<Parsed>,
) -> Result<Table, LoadError> {
    let mut report = LoadReport { schema_origin: origin, ..LoadReport::default() };
    let mut extra_types: Vec<(String, Option<KqlType>)> = Vec::new();
    for chunk in &parsed {
        report.rows += chunk.rows;
        for (line, reason) in &chunk.skipped {
            report.skipped += 1;
            if report.first_skipped.len() < SKIPPED_EXAMPLES {
                report.first_skipped.push((chunk.file.clone(), *line, reason.clone()));
            }
        }
        for (key, col) in &chunk.extras {
            match extra_types.iter_mut().find(|(k, _)| k == key) {
                Some((_, ty)) => *ty = merge(*ty, col.ty),
                None => extra_types.push((key.clone(), col.ty)),
            }
        }
    }
    if report.rows == 0 {
        let path = files.first().cloned().unwrap_or_default();
        return Err(LoadError::Empty { path });
    }

    let mut columns = known;
    let n_known = columns.len();
    columns.extend(
        extra_types
            .into_iter()
            .map(|(name, ty)| ColumnSchema { name, ty: ty.unwrap_or(KqlType::String) }),
    );
    let schema =
        Arc::new(Schema::new(columns.iter().map(|c| field(&c.name, c.ty)).collect::<Vec<_>>()));

    let mut failures: Vec<Option<(String, Failure)>> = vec![None; columns.len()];
    let mut batches = Vec::new();
    for chunk in parsed.into_iter().filter(|c| c.rows > 0) {
        let mut arrays = chunk.known;
        for (idx, failure) in chunk.failures.into_iter().enumerate() {
            note_failure(&mut failures[idx], &chunk.file, failure);
        }
        let mut extras: HashMap<String, RawColumn> = chunk.extras.into_iter().collect();
        for (offset, col) in columns[n_known..].iter().enumerate() {
            let raw = extras.remove(&col.name);
            let (array, failure) = convert_raw(col.ty, raw, &chunk.lines);
            note_failure(&mut failures[n_known + offset], &chunk.file, failure);
            arrays.push(array);
        }
        let batch = RecordBatch::try_new(schema.clone(), arrays)
            .map_err(|e| LoadError::Internal { table: name.to_owned(), reason: e.to_string() })?;
        batches.push(batch);
    }
    report.conversions = columns
        .iter()
        .zip(failures)
        .filter_map(|(col, failure)| {
            let (file, f) = failure?;
            Some(ConversionIssue {
                column: col.name.clone(),
                ty: col.ty,
                count: f.count,
                example: f.example,
                location: (file, f.line),
            })
        })
        .collect();
    Ok(Table { name: name.to_owned(), columns, batches, report })
}

fn merge(a: Option<KqlType>, b: Option<KqlType>) -> Option<KqlType> {
    match (a, b) {
        (Some(a), Some(b)) => Some(crate::convert::unify(a, b)),
        (a, b) => a.or(b),
    }
}

/// Adds one chunk's failures to a column's running total; the first example
/// in file order is kept.
fn note_failure(total: &mut Option<(String, Failure)>, file: &str, failure: Option<Failure>) {
    let Some(failure) = failure else { return };
    match total {
        Some((_, t)) => t.count += failure.count,
        None => *total = Some((file.to_owned(), failure)),
    }
}

/// A key's kept values converted to `ty` (all null when this chunk lacks
/// it); `lines` are the rows' line numbers.
fn convert_raw(
    ty: KqlType,
    raw: Option<RawColumn>,
    lines: &[usize],
) -> (ArrayRef, Option<Failure>) {
    let mut builder = ColumnBuilder::new(ty);
    let Some(mut raw) = raw else {
        for _ in lines {
            builder.append(&Cell::NULL);
        }
        return (builder.finish(), None);
    };
    let mut failure: Option<Failure> = None;
    let text: StringArray = raw.text.finish();
    for (i, kind) in raw.kinds.iter().enumerate() {
        let cell = Cell { kind: *kind, text: Cow::Borrowed(text.value(i)) };
        if !builder.append(&cell) {
            let f = failure.get_or_insert_with(|| Failure {
                count: 0,
                example: cell.to_json_text(),
                line: lines[i],
            });
            f.count += 1;
        }
    }
    (builder.finish(), failure)
}

fn unreadable(path: &Path, e: std::io::Error) -> LoadError {
    LoadError::Unreadable { path: path.to_owned(), reason: e.to_string() }
}
