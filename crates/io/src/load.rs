//! One table from its files, whatever their formats.
//!
//! Each format reader ([`crate::json`], [`crate::csv`], [`crate::parquet`])
//! cuts its file into chunks and turns each chunk into a [`Parsed`] batch:
//! text formats push their records, cell by cell, into [`Rows`]; Parquet
//! hands over typed arrays. Columns the schema names are converted as rows
//! are read; other columns keep their values until every file has been seen,
//! when their type is inferred and they are converted too. Files of one table
//! may carry different columns: the table has the union, and a row lacks
//! what its file lacks (a missing string is `""`, anything else null).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use calypso_syntax::KqlType;
use datafusion::arrow::array::{Array, ArrayRef, StringArray, StringBuilder};
use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::RecordBatch;

use crate::convert::{Cell, ColumnBuilder, Kind, infer, infer_text, typed_cells};
use crate::file::Format;
use crate::{
    Catalog, ColumnSchema, ConversionIssue, LoadError, LoadReport, SchemaOrigin, Table, field,
};

/// About how much text one chunk, and so one batch, holds.
pub(crate) const CHUNK_BYTES: usize = 8 << 20;

/// How many skipped rows a report names (all are counted).
const SKIPPED_EXAMPLES: usize = 5;

/// How to treat unreadable input, and where to count progress.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Skip records that cannot be read (counted in the report) instead of
    /// failing.
    pub skip_bad_rows: bool,
    /// Counts the bytes read from the files (as stored, before
    /// decompression) as they are read, so that a caller can show progress.
    pub progress: Option<Arc<AtomicU64>>,
    /// Read only these columns, when the table's columns come from a schema
    /// (the catalog, `--schemas`, or the `Type` column): the others are
    /// neither decoded nor kept. A query that reads few of a table's columns
    /// needs only those in memory. Ignored for tables whose columns are
    /// inferred, since no name is known before the rows are read.
    pub columns: Option<Vec<String>>,
}

/// Loads one table from its files: JSON (lines, arrays, `{"records": […]}`),
/// CSV or Parquet, each perhaps compressed with gzip or zstd.
pub fn load_table(
    name: &str,
    files: &[PathBuf],
    catalog: &Catalog,
    options: LoadOptions,
) -> Result<Table, LoadError> {
    let formats = files.iter().map(|f| Format::require(f)).collect::<Result<Vec<_>, _>>()?;
    let (mut known, origin) = known_columns(name, files, &formats, catalog)?;
    let only_known = match &options.columns {
        Some(wanted) if origin != SchemaOrigin::Inferred => {
            let first = known.first().cloned();
            known.retain(|c| wanted.contains(&c.name));
            // Rows are counted by their cells: keep one column at least.
            if known.is_empty() {
                known.extend(first);
            }
            true
        }
        _ => false,
    };
    if let Some(col) = known.iter().find(|c| c.ty == KqlType::Decimal) {
        return Err(LoadError::UnsupportedType {
            table: name.to_owned(),
            column: col.name.clone(),
            ty: col.ty,
        });
    }
    let index: HashMap<&str, usize> =
        known.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
    let ctx = RowCtx {
        known: &known,
        index: &index,
        skip_bad_rows: options.skip_bad_rows,
        progress: options.progress,
        only_known,
    };

    let mut parsed = Vec::new();
    for (path, format) in files.iter().zip(formats) {
        match format {
            Format::Json => crate::json::read(path, &ctx, &mut parsed)?,
            Format::Csv => crate::csv::read(path, &ctx, &mut parsed)?,
            Format::Parquet => crate::parquet::read(path, &ctx, &mut parsed)?,
        }
    }
    finish(name, files, known, origin, parsed)
}

/// The columns a schema gives the table (the catalog by its name, else by the
/// first row's `Type`), before any row is read; `None` when its columns will
/// be inferred from the rows.
pub fn schema_columns(
    name: &str,
    files: &[PathBuf],
    catalog: &Catalog,
) -> Result<Option<Vec<ColumnSchema>>, LoadError> {
    let formats = files.iter().map(|f| Format::require(f)).collect::<Result<Vec<_>, _>>()?;
    let (known, origin) = known_columns(name, files, &formats, catalog)?;
    Ok((origin != SchemaOrigin::Inferred).then_some(known))
}

/// The columns a schema names for the table, and where they came from: the
/// catalog by table name, else by the first row's `Type` value.
fn known_columns(
    name: &str,
    files: &[PathBuf],
    formats: &[Format],
    catalog: &Catalog,
) -> Result<(Vec<ColumnSchema>, SchemaOrigin), LoadError> {
    if let Some(cols) = catalog.table(name) {
        return Ok((cols.to_vec(), SchemaOrigin::Catalog(name.to_owned())));
    }
    for (path, format) in files.iter().zip(formats) {
        let type_value = match format {
            Format::Json => crate::json::first_type(path)?,
            Format::Csv => crate::csv::first_type(path)?,
            Format::Parquet => crate::parquet::first_type(path)?,
        };
        if let Some(type_value) = type_value {
            return Ok(match catalog.table(&type_value) {
                Some(cols) => (cols.to_vec(), SchemaOrigin::TypeColumn(type_value)),
                None => (Vec::new(), SchemaOrigin::Inferred),
            });
        }
    }
    Ok((Vec::new(), SchemaOrigin::Inferred))
}

/// What every chunk of a table needs to know.
pub(crate) struct RowCtx<'a> {
    /// The columns a schema names, in order.
    pub(crate) known: &'a [ColumnSchema],
    /// Their positions by name.
    pub(crate) index: &'a HashMap<&'a str, usize>,
    /// Count unreadable records instead of failing.
    pub(crate) skip_bad_rows: bool,
    /// Bytes read so far, for progress.
    pub(crate) progress: Option<Arc<AtomicU64>>,
    /// Drop every column but the known ones.
    pub(crate) only_known: bool,
}

impl RowCtx<'_> {
    /// The position of a known column: by comparing names when there are
    /// few (a query's columns; cheaper than hashing each member's name),
    /// else through the index.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        if self.known.len() <= 16 {
            self.known.iter().position(|c| c.name == name)
        } else {
            self.index.get(name).copied()
        }
    }
}

/// How the type of a column no schema names is guessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Inference {
    /// From the JSON kinds of its values.
    Json,
    /// From text alone (CSV), conservatively: see [`infer_text`].
    Text,
}

/// One chunk, parsed.
pub(crate) struct Parsed {
    pub(crate) file: String,
    pub(crate) rows: usize,
    /// Where each row came from: its line, or for Parquet its row number.
    pub(crate) lines: Vec<usize>,
    /// One array per known column.
    pub(crate) known: Vec<ArrayRef>,
    /// Conversion failures per known column.
    pub(crate) failures: Vec<Option<Failure>>,
    /// Columns no schema names, in the order first seen.
    pub(crate) extras: Vec<(String, Extra)>,
    /// Unreadable records: line number and reason.
    pub(crate) skipped: Vec<(usize, String)>,
}

/// The first value of a column that did not convert, and how many did not.
#[derive(Clone)]
pub(crate) struct Failure {
    pub(crate) count: usize,
    pub(crate) example: String,
    pub(crate) line: usize,
}

impl Failure {
    pub(crate) fn note(slot: &mut Option<Failure>, cell: &Cell, line: usize) {
        slot.get_or_insert_with(|| Failure { count: 0, example: cell.to_json_text(), line })
            .count += 1;
    }
}

/// The values of a column no schema names, kept until its type is known.
pub(crate) enum Extra {
    /// Text values with their kinds, and the type they suggest so far.
    Raw { kinds: Vec<Kind>, text: StringBuilder, ty: Option<KqlType> },
    /// A typed array (from Parquet).
    Typed(ArrayRef, KqlType),
}

impl Extra {
    fn raw_with_nulls(rows: usize) -> Self {
        let mut text = StringBuilder::new();
        for _ in 0..rows {
            text.append_value("");
        }
        Extra::Raw { kinds: vec![Kind::Null; rows], text, ty: None }
    }

    fn len(&self) -> usize {
        match self {
            Extra::Raw { kinds, .. } => kinds.len(),
            Extra::Typed(array, _) => array.len(),
        }
    }

    fn ty(&self) -> Option<KqlType> {
        match self {
            Extra::Raw { ty, .. } => *ty,
            Extra::Typed(_, ty) => Some(*ty),
        }
    }

    fn push(&mut self, cell: &Cell, inference: Inference) {
        let Extra::Raw { kinds, text, ty } = self else {
            unreachable!("typed columns come whole, never a value at a time")
        };
        *ty = match inference {
            Inference::Json => infer(*ty, cell),
            Inference::Text => infer_text(*ty, cell),
        };
        kinds.push(cell.kind);
        text.append_value(&cell.text);
    }
}

/// The rows of one chunk of a text format, as they are read.
pub(crate) struct Rows<'a> {
    ctx: &'a RowCtx<'a>,
    inference: Inference,
    builders: Vec<ColumnBuilder>,
    failures: Vec<Option<Failure>>,
    extras: Vec<(String, Extra)>,
    extra_index: HashMap<String, usize>,
    skipped: Vec<(usize, String)>,
    lines: Vec<usize>,
}

impl<'a> Rows<'a> {
    pub(crate) fn new(ctx: &'a RowCtx<'a>, inference: Inference) -> Self {
        Rows {
            ctx,
            inference,
            builders: ctx.known.iter().map(|c| ColumnBuilder::new(c.ty)).collect(),
            failures: vec![None; ctx.known.len()],
            extras: Vec::new(),
            extra_index: HashMap::new(),
            skipped: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// Whether unreadable records are to be counted rather than fail the load.
    pub(crate) fn skips_bad_rows(&self) -> bool {
        self.ctx.skip_bad_rows
    }

    /// Counts an unreadable record.
    pub(crate) fn skip(&mut self, line: usize, reason: String) {
        self.skipped.push((line, reason));
    }

    /// Adds one row read at `line`; a column it lacks is a missing value.
    pub(crate) fn push<'c>(
        &mut self,
        line: usize,
        fields: impl IntoIterator<Item = (&'c str, Cell<'c>)>,
    ) {
        let rows = self.lines.len();
        let mut slots: Vec<Option<Cell<'c>>> = vec![None; self.ctx.known.len()];
        for (key, cell) in fields {
            if let Some(&idx) = self.ctx.index.get(key) {
                slots[idx] = Some(cell);
                continue;
            }
            if self.ctx.only_known {
                continue;
            }
            let idx = match self.extra_index.get(key) {
                Some(&idx) => idx,
                None => {
                    self.extras.push((key.to_owned(), Extra::raw_with_nulls(rows)));
                    self.extra_index.insert(key.to_owned(), self.extras.len() - 1);
                    self.extras.len() - 1
                }
            };
            let extra = &mut self.extras[idx].1;
            // A key twice in one record: the last value wins, as in Kusto's
            // JSON ingestion.
            if extra.len() > rows {
                continue;
            }
            extra.push(&cell, self.inference);
        }
        self.finish_row(line, slots);
    }

    /// A record given as the cells of known columns, by position: for
    /// readers that keep only the known columns and have found each
    /// member's column already.
    pub(crate) fn push_known<'c>(
        &mut self,
        line: usize,
        cells: impl IntoIterator<Item = (usize, Cell<'c>)>,
    ) {
        let mut slots: Vec<Option<Cell<'c>>> = vec![None; self.ctx.known.len()];
        for (idx, cell) in cells {
            slots[idx] = Some(cell);
        }
        self.finish_row(line, slots);
    }

    /// Appends a row's known cells (missing ones null) and pads the other
    /// columns this record lacks.
    fn finish_row(&mut self, line: usize, mut slots: Vec<Option<Cell<'_>>>) {
        let rows = self.lines.len();
        for (idx, builder) in self.builders.iter_mut().enumerate() {
            let cell = slots[idx].take().unwrap_or(Cell::NULL);
            if !builder.append(&cell) {
                Failure::note(&mut self.failures[idx], &cell, line);
            }
        }
        self.lines.push(line);
        for (_, extra) in &mut self.extras {
            if extra.len() == rows {
                extra.push(&Cell::NULL, self.inference);
            }
        }
    }

    /// The chunk, parsed.
    pub(crate) fn finish(self, path: &Path) -> Parsed {
        Parsed {
            file: path.display().to_string(),
            rows: self.lines.len(),
            lines: self.lines,
            known: self.builders.into_iter().map(ColumnBuilder::finish).collect(),
            failures: self.failures,
            extras: self.extras,
            skipped: self.skipped,
        }
    }
}

/// Reads chunks with `next` on this thread while one worker a core parses
/// them, so that reading and parsing overlap; the results in file order.
/// The first failure in file order is returned, a read's or a parse's; once
/// a chunk fails, no more are read.
pub(crate) fn pipeline<C: Send, T: Send>(
    mut next: impl FnMut() -> Result<Option<C>, LoadError>,
    parse: impl Fn(&C) -> Result<T, LoadError> + Sync,
) -> Result<Vec<T>, LoadError> {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    let failed = AtomicBool::new(false);
    // A few chunks wait at most: memory holds the text of about two a core.
    let (send, receive) = std::sync::mpsc::sync_channel::<(usize, C)>(threads());
    let receive = std::sync::Mutex::new(receive);
    let mut done: Vec<(usize, Result<T, LoadError>)> = Vec::new();
    let read = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads())
            .map(|_| {
                scope.spawn(|| {
                    let mut parsed = Vec::new();
                    loop {
                        let next =
                            receive.lock().map_err(|_| ()).and_then(|r| r.recv().map_err(|_| ()));
                        let Ok((seq, chunk)) = next else { return parsed };
                        let result = parse(&chunk);
                        if result.is_err() {
                            failed.store(true, Relaxed);
                        }
                        parsed.push((seq, result));
                    }
                })
            })
            .collect();
        let mut seq = 0;
        let read = loop {
            if failed.load(Relaxed) {
                break Ok(());
            }
            match next() {
                Ok(Some(chunk)) => {
                    if send.send((seq, chunk)).is_err() {
                        break Ok(());
                    }
                    seq += 1;
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        drop(send);
        for worker in workers {
            done.extend(worker.join().expect("a chunk parser does not panic"));
        }
        read
    });
    done.sort_by_key(|(seq, _)| *seq);
    let parsed = done.into_iter().map(|(_, r)| r).collect::<Result<Vec<_>, _>>()?;
    read.map(|()| parsed)
}

/// How many chunks to parse at once.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The table from its parsed chunks: the known columns, then the other
/// columns in the order first seen, typed by inference.
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
                Some((_, ty)) => *ty = merge(*ty, col.ty()),
                None => extra_types.push((key.clone(), col.ty())),
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
        let mut extras: HashMap<String, Extra> = chunk.extras.into_iter().collect();
        for (offset, col) in columns[n_known..].iter().enumerate() {
            let extra = extras.remove(&col.name);
            let (array, failure) = convert_extra(col.ty, extra, &chunk.lines);
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

/// A column's kept values converted to `ty` (all missing when this chunk
/// lacks the column); `lines` are the rows' origins.
fn convert_extra(
    ty: KqlType,
    extra: Option<Extra>,
    lines: &[usize],
) -> (ArrayRef, Option<Failure>) {
    let mut builder = ColumnBuilder::new(ty);
    let mut failure: Option<Failure> = None;
    match extra {
        None => {
            for _ in lines {
                builder.append(&Cell::NULL);
            }
        }
        Some(Extra::Typed(array, from)) if from == ty => return (array, None),
        Some(Extra::Typed(array, from)) => {
            for (i, cell) in typed_cells(&array, from).iter().enumerate() {
                if !builder.append(cell) {
                    Failure::note(&mut failure, cell, lines[i]);
                }
            }
        }
        Some(Extra::Raw { kinds, mut text, .. }) => {
            let text: StringArray = text.finish();
            for (i, kind) in kinds.iter().enumerate() {
                let cell = Cell { kind: *kind, text: Cow::Borrowed(text.value(i)) };
                if !builder.append(&cell) {
                    Failure::note(&mut failure, &cell, lines[i]);
                }
            }
        }
    }
    (builder.finish(), failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(at: usize) -> LoadError {
        LoadError::Internal { table: "T".to_owned(), reason: format!("chunk {at}") }
    }

    /// Chunks `0..n`, parsed to their squares, slowly for the early ones so
    /// that later ones finish first.
    fn run(n: usize, bad_parse: &[usize], bad_read: Option<usize>) -> Result<Vec<usize>, String> {
        let mut next = 0;
        let result = pipeline(
            || {
                if Some(next) == bad_read {
                    return Err(failure(next));
                }
                next += 1;
                Ok((next <= n).then_some(next - 1))
            },
            |&chunk: &usize| {
                std::thread::sleep(std::time::Duration::from_millis((n - chunk) as u64));
                if bad_parse.contains(&chunk) { Err(failure(chunk)) } else { Ok(chunk * chunk) }
            },
        );
        result.map_err(|e| e.to_string())
    }

    #[test]
    fn the_pipeline_keeps_file_order_and_reports_the_first_failure() {
        assert_eq!(run(40, &[], None).unwrap(), (0..40).map(|i| i * i).collect::<Vec<_>>());
        assert_eq!(run(0, &[], None).unwrap(), Vec::<usize>::new());
        let first = |e: Result<Vec<usize>, String>| e.unwrap_err();
        assert_eq!(first(run(40, &[7, 3, 30], None)), failure(3).to_string());
        // A parse failure before a read failure is the one reported; a read
        // failure with every chunk before it fine is.
        assert_eq!(first(run(40, &[2], Some(5))), failure(2).to_string());
        assert_eq!(first(run(40, &[], Some(5))), failure(5).to_string());
    }
}
