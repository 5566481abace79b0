//! Apache Parquet, such as `calypso convert` writes.
//!
//! A column's KQL type is the one recorded in its field metadata (Calypso's
//! own files keep it), else the catalog's, else the one its Arrow type
//! stores. Values whose Parquet type differs from the catalog's are
//! converted as text values would be, and failures are counted. Nested types
//! (lists, structs, maps) and decimals are refused by name.
//!
//! When the load asks for some columns only ([`crate::LoadOptions::columns`]),
//! the others are not decoded (a projection mask). FIXME: row groups are not
//! yet pruned on the query's time filter; every row is read.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use calypso_syntax::KqlType;
use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::convert::{Cell, ColumnBuilder, typed_cells};
use crate::file::{Format, is_compressed, unreadable};
use crate::load::{Extra, Failure, Parsed, RowCtx};
use crate::{ColumnSchema, KQL_TYPE_KEY, LoadError, arrow_type};

/// Rows per batch read.
const BATCH_ROWS: usize = 64 * 1024;

/// Reads every row group of a Parquet file into `out`, a batch at a time.
pub(crate) fn read(path: &Path, ctx: &RowCtx, out: &mut Vec<Parsed>) -> Result<(), LoadError> {
    let mut first_row = 1;
    let only = ctx.only_known.then(|| ctx.known.iter().map(|c| c.name.as_str()).collect());
    for batch in batches(path, only)? {
        let batch = batch.map_err(|e| bad_parquet(path, e))?;
        let rows = batch.num_rows();
        out.push(parse_batch(path, ctx, &batch, first_row)?);
        first_row += rows;
    }
    if let Some(progress) = &ctx.progress {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        progress.fetch_add(size, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(())
}

/// The `Type` of the first row, when the file has that column.
pub(crate) fn first_type(path: &Path) -> Result<Option<String>, LoadError> {
    let Some(batch) = batches(path, Some(vec!["Type"]))?.next() else { return Ok(None) };
    let batch = batch.map_err(|e| bad_parquet(path, e))?;
    let Some(column) = batch.column_by_name("Type") else { return Ok(None) };
    let Ok(text) = cast(column, &DataType::Utf8) else { return Ok(None) };
    let text = text.as_any().downcast_ref::<datafusion::arrow::array::StringArray>();
    Ok(text.and_then(|t| t.iter().flatten().next()).map(str::to_owned))
}

/// The file's rows in batches: every column, or only the top-level columns
/// named in `only` (the others are not decoded).
fn batches(
    path: &Path,
    only: Option<Vec<&str>>,
) -> Result<datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReader, LoadError> {
    if is_compressed(path)? {
        return Err(bad_parquet(
            path,
            "the file is compressed as a whole; Parquet compresses inside the file, so \
             decompress it first",
        ));
    }
    let file = File::open(path).map_err(|e| unreadable(path, e))?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| {
            let b = b.with_batch_size(BATCH_ROWS);
            match only {
                Some(names) => {
                    let mask = ProjectionMask::columns(b.parquet_schema(), names);
                    b.with_projection(mask).build()
                }
                None => b.build(),
            }
        })
        .map_err(|e| bad_parquet(path, e))
}

fn parse_batch(
    path: &Path,
    ctx: &RowCtx,
    batch: &RecordBatch,
    first_row: usize,
) -> Result<Parsed, LoadError> {
    let rows = batch.num_rows();
    let lines: Vec<usize> = (first_row..first_row + rows).collect();
    let mut known: Vec<Option<ArrayRef>> = vec![None; ctx.known.len()];
    let mut failures: Vec<Option<Failure>> = vec![None; ctx.known.len()];
    let mut extras = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let idx = ctx.index.get(field.name().as_str());
        if idx.is_none() && ctx.only_known {
            continue;
        }
        let (array, ty) = kql_column(path, field, column)?;
        match idx {
            Some(&idx) => {
                let want = ctx.known[idx].ty;
                known[idx] = Some(if ty == want {
                    array
                } else {
                    let mut builder = ColumnBuilder::new(want);
                    for (cell, line) in typed_cells(&array, ty).iter().zip(&lines) {
                        if !builder.append(cell) {
                            Failure::note(&mut failures[idx], cell, *line);
                        }
                    }
                    builder.finish()
                });
            }
            None => extras.push((field.name().clone(), Extra::Typed(array, ty))),
        }
    }
    let known = known
        .into_iter()
        .zip(ctx.known)
        .map(|(array, col)| {
            array.unwrap_or_else(|| {
                let mut builder = ColumnBuilder::new(col.ty);
                for _ in 0..rows {
                    builder.append(&Cell::NULL);
                }
                builder.finish()
            })
        })
        .collect();
    Ok(Parsed {
        file: path.display().to_string(),
        rows,
        lines,
        known,
        failures,
        extras,
        skipped: Vec::new(),
    })
}

/// A Parquet column as the Arrow array of its KQL type.
fn kql_column(
    path: &Path,
    field: &Arc<Field>,
    column: &ArrayRef,
) -> Result<(ArrayRef, KqlType), LoadError> {
    let refuse = |expected: &str| LoadError::ParquetType {
        path: path.to_owned(),
        column: field.name().clone(),
        found: field.data_type().to_string(),
        expected: expected.to_owned(),
    };
    let recorded = field.metadata().get(KQL_TYPE_KEY).and_then(|name| KqlType::from_name(name));
    let ty = match (recorded, field.data_type()) {
        (Some(KqlType::Decimal), _) => return Err(refuse("which Calypso cannot load yet")),
        (Some(ty), _) => ty,
        (None, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => KqlType::String,
        (None, DataType::Boolean) => KqlType::Bool,
        (None, DataType::Int8 | DataType::Int16 | DataType::Int32) => KqlType::Int,
        (None, DataType::UInt8 | DataType::UInt16) => KqlType::Int,
        (None, DataType::Int64 | DataType::UInt32 | DataType::UInt64) => KqlType::Long,
        (None, DataType::Float16 | DataType::Float32 | DataType::Float64) => KqlType::Real,
        (None, DataType::Timestamp(..) | DataType::Date32 | DataType::Date64) => KqlType::Datetime,
        (None, DataType::Duration(_)) => KqlType::Timespan,
        (None, _) => return Err(refuse("which no KQL type stores")),
    };
    let target = arrow_type(ty);
    let array = if column.data_type() == &target {
        column.clone()
    } else {
        let array = cast(column, &target)
            .map_err(|_| refuse(&format!("which does not convert to {}", ty.name())))?;
        // A cast that loses values (a u64 beyond i64) must not pass in silence.
        if array.null_count() != column.null_count() {
            return Err(refuse(&format!("some of whose values do not fit {}", ty.name())));
        }
        array
    };
    Ok((array, ty))
}

fn bad_parquet(path: &Path, e: impl std::fmt::Display) -> LoadError {
    LoadError::BadParquet { path: path.to_owned(), reason: e.to_string() }
}

/// Writes a loaded table as Parquet, each column's KQL type in its field
/// metadata, so that reading it back gives the same table without decoding
/// JSON again.
pub fn write_parquet(table: &crate::Table, path: &Path) -> Result<(), LoadError> {
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::basic::{Compression, ZstdLevel};
    use datafusion::parquet::file::properties::WriterProperties;

    let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(
        table.columns.iter().map(|c| crate::field(&c.name, c.ty)).collect::<Vec<_>>(),
    ));
    let file = File::create(path)
        .map_err(|e| LoadError::Unwritable { path: path.to_owned(), reason: e.to_string() })?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let write = || -> Result<(), datafusion::parquet::errors::ParquetError> {
        let mut writer = ArrowWriter::try_new(file, schema, Some(props))?;
        for batch in &table.batches {
            writer.write(batch)?;
        }
        writer.close()?;
        Ok(())
    };
    write().map_err(|e| bad_parquet(path, e))
}

/// The columns of Parquet files as Calypso writes them (`calypso convert`):
/// every field records its KQL type and stores it in the Arrow type Calypso
/// gives that type, and every file has the same columns. Such files need no
/// conversion and can be scanned where they lie. `None` for any other files,
/// which are loaded and converted.
pub fn calypso_columns(
    files: &[std::path::PathBuf],
) -> Result<Option<Vec<ColumnSchema>>, LoadError> {
    let mut columns: Option<Vec<ColumnSchema>> = None;
    for path in files {
        if Format::of(path) != Some(Format::Parquet) || is_compressed(path)? {
            return Ok(None);
        }
        let file = File::open(path).map_err(|e| unreadable(path, e))?;
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad_parquet(path, e))?;
        let mut these = Vec::new();
        for field in reader.schema().fields() {
            let recorded = field.metadata().get(KQL_TYPE_KEY).and_then(|n| KqlType::from_name(n));
            match recorded {
                Some(ty) if ty != KqlType::Decimal && field.data_type() == &arrow_type(ty) => {
                    these.push(ColumnSchema { name: field.name().clone(), ty });
                }
                _ => return Ok(None),
            }
        }
        match &columns {
            Some(first) if *first != these => return Ok(None),
            _ => columns = Some(these),
        }
    }
    Ok(columns)
}

/// How many rows Parquet files hold, from their footers.
pub fn row_count(files: &[std::path::PathBuf]) -> Result<usize, LoadError> {
    let mut rows = 0;
    for path in files {
        let file = File::open(path).map_err(|e| unreadable(path, e))?;
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad_parquet(path, e))?;
        rows += usize::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0);
    }
    Ok(rows)
}
