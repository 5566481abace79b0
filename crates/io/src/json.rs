//! JSON lines, as Log Analytics exports them: one object per line.
//!
//! FIXME: each file is read whole and decoded on one thread through
//! `serde_json::Value`; streaming, parallel decoding of only the referenced
//! columns is the loaders' next step.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use calypso_syntax::KqlType;
use calypso_syntax::literal::{looks_like_iso_datetime, parse_datetime, parse_timespan};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, DurationNanosecondBuilder, Float64Builder, Int32Builder,
    Int64Builder, PrimitiveBuilder, StringBuilder, TimestampNanosecondBuilder,
};
use datafusion::arrow::datatypes::{ArrowPrimitiveType, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use miette::NamedSource;

use crate::error::BadJson;
use serde_json::{Map, Value};

use crate::{
    Catalog, ColumnSchema, ConversionIssue, LoadError, LoadReport, SchemaOrigin, Table, field,
};

/// How to treat unreadable input.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Skip lines that are not JSON objects (counted in the report) instead
    /// of failing.
    pub skip_bad_rows: bool,
}

/// A row: the file it came from, its line, and its fields.
struct Row {
    file: usize,
    line: usize,
    fields: Map<String, Value>,
}

/// Loads one table from JSON-lines files.
pub fn load_json_lines(
    name: &str,
    files: &[PathBuf],
    catalog: &Catalog,
    options: LoadOptions,
) -> Result<Table, LoadError> {
    let mut report = LoadReport::default();
    let mut rows = Vec::new();
    for (file_idx, path) in files.iter().enumerate() {
        read_file(path, file_idx, options, &mut rows, &mut report)?;
    }
    if rows.is_empty() {
        let path = files.first().cloned().unwrap_or_default();
        return Err(LoadError::Empty { path });
    }

    let (columns, origin) = schema_for(name, &rows, catalog);
    report.schema_origin = origin;
    report.rows = rows.len();

    if let Some(col) = columns.iter().find(|c| c.ty == KqlType::Decimal) {
        return Err(LoadError::UnsupportedType {
            table: name.to_owned(),
            column: col.name.clone(),
            ty: col.ty,
        });
    }
    let mut arrays = Vec::with_capacity(columns.len());
    for col in &columns {
        let mut issue: Option<ConversionIssue> = None;
        arrays.push(build_column(col, &rows, files, &mut issue));
        report.conversions.extend(issue);
    }
    let fields: Vec<_> = columns.iter().map(|c| field(&c.name, c.ty)).collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| LoadError::Internal { table: name.to_owned(), reason: e.to_string() })?;
    Ok(Table { name: name.to_owned(), columns, batches: vec![batch], report })
}

fn read_file(
    path: &Path,
    file_idx: usize,
    options: LoadOptions,
    rows: &mut Vec<Row>,
    report: &mut LoadReport,
) -> Result<(), LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::Unreadable { path: path.to_owned(), reason: e.to_string() })?;
    let mut line_start = 0;
    for (idx, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let start = line_start;
        line_start += raw.len() + 1;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<Value>(line);
        let failure = match parsed {
            Ok(Value::Object(fields)) => {
                rows.push(Row { file: file_idx, line: idx + 1, fields });
                continue;
            }
            Ok(_) => (1, "expected a JSON object".to_owned()),
            Err(e) => (e.column().max(1), without_position(&e.to_string())),
        };
        if options.skip_bad_rows {
            report.skipped.push((path.display().to_string(), idx + 1, failure.1));
            continue;
        }
        let (column, message) = failure;
        let offset = line.char_indices().nth(column - 1).map_or(line.len(), |(i, _)| i);
        return Err(LoadError::BadJson(Box::new(BadJson {
            path: path.to_owned(),
            line: idx + 1,
            column,
            message,
            src: NamedSource::new(path.display().to_string(), text.clone()),
            span: (start + offset, 0).into(),
        })));
    }
    Ok(())
}

/// serde_json's message without its " at line 1 column 7" (which counts
/// within the line, not the file).
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_owned(),
        None => message.to_owned(),
    }
}

/// The columns of the table: the catalog's (by table name, then by the
/// `Type` column) followed by any other keys the rows have, inferred.
fn schema_for(name: &str, rows: &[Row], catalog: &Catalog) -> (Vec<ColumnSchema>, SchemaOrigin) {
    let type_value = rows[0].fields.get("Type").and_then(Value::as_str).unwrap_or_default();
    let (mut columns, origin) = if let Some(cols) = catalog.table(name) {
        (cols.to_vec(), SchemaOrigin::Catalog(name.to_owned()))
    } else if let Some(cols) = catalog.table(type_value) {
        (cols.to_vec(), SchemaOrigin::TypeColumn(type_value.to_owned()))
    } else {
        (Vec::new(), SchemaOrigin::Inferred)
    };
    let mut extra: Vec<String> = Vec::new();
    for row in rows {
        for key in row.fields.keys() {
            if !columns.iter().any(|c| &c.name == key) && !extra.contains(key) {
                extra.push(key.clone());
            }
        }
    }
    for key in extra {
        let ty = infer(rows.iter().filter_map(|r| r.fields.get(&key)));
        columns.push(ColumnSchema { name: key, ty });
    }
    (columns, origin)
}

/// The type of a column the catalog does not know, from its values.
fn infer<'a>(values: impl Iterator<Item = &'a Value>) -> KqlType {
    let mut ty: Option<KqlType> = None;
    for value in values {
        let this = match value {
            Value::Null => continue,
            Value::Bool(_) => KqlType::Bool,
            Value::Number(n) if n.is_i64() => KqlType::Long,
            Value::Number(_) => KqlType::Real,
            Value::String(s) if looks_like_iso_datetime(s) => KqlType::Datetime,
            Value::String(_) => KqlType::String,
            Value::Array(_) | Value::Object(_) => KqlType::Dynamic,
        };
        ty = Some(match (ty, this) {
            (None, t) => t,
            (Some(a), b) if a == b => a,
            (Some(KqlType::Long | KqlType::Real), KqlType::Long | KqlType::Real) => KqlType::Real,
            (Some(KqlType::Dynamic), _) | (_, KqlType::Dynamic) => KqlType::Dynamic,
            // Mixed scalars (a datetime-looking string among others, numbers
            // and text) stay text, which loses nothing.
            _ => KqlType::String,
        });
    }
    ty.unwrap_or(KqlType::String)
}

fn build_column(
    col: &ColumnSchema,
    rows: &[Row],
    files: &[PathBuf],
    issue: &mut Option<ConversionIssue>,
) -> ArrayRef {
    let mut fail = |row: &Row, value: &Value| {
        let entry = issue.get_or_insert_with(|| ConversionIssue {
            column: col.name.clone(),
            ty: col.ty,
            count: 0,
            example: value.to_string(),
            location: (files[row.file].display().to_string(), row.line),
        });
        entry.count += 1;
    };
    let values = rows.iter().map(|r| (r, r.fields.get(&col.name).unwrap_or(&Value::Null)));
    match col.ty {
        KqlType::String | KqlType::Guid => {
            let mut b = StringBuilder::new();
            for (_, v) in values {
                match v {
                    Value::Null => b.append_value(""),
                    Value::String(s) if col.ty == KqlType::Guid => {
                        b.append_value(s.to_ascii_lowercase())
                    }
                    Value::String(s) => b.append_value(s),
                    other => b.append_value(other.to_string()),
                }
            }
            Arc::new(b.finish())
        }
        KqlType::Dynamic => {
            let mut b = StringBuilder::new();
            for (_, v) in values {
                match v {
                    Value::Null => b.append_null(),
                    // Exports write dynamic columns as JSON text; Kusto parses it.
                    Value::String(s) => match serde_json::from_str::<Value>(s) {
                        Ok(parsed @ (Value::Object(_) | Value::Array(_))) => {
                            b.append_value(parsed.to_string())
                        }
                        _ => b.append_value(v.to_string()),
                    },
                    other => b.append_value(other.to_string()),
                }
            }
            Arc::new(b.finish())
        }
        KqlType::Datetime => {
            primitive(TimestampNanosecondBuilder::new().with_timezone("UTC"), values, fail, |v| {
                match v {
                    Value::String(s) if s.is_empty() => Some(None),
                    Value::String(s) => parse_datetime(s).map(Some),
                    _ => None,
                }
            })
        }
        KqlType::Timespan => {
            primitive(DurationNanosecondBuilder::new(), values, fail, |v| match v {
                Value::String(s) => parse_timespan(s).map(Some),
                _ => None,
            })
        }
        KqlType::Long => primitive(Int64Builder::new(), values, fail, |v| to_i64(v).map(Some)),
        KqlType::Int => primitive(Int32Builder::new(), values, fail, |v| {
            to_i64(v).and_then(|n| i32::try_from(n).ok()).map(Some)
        }),
        // Decimal columns are refused before this point.
        KqlType::Real | KqlType::Decimal => {
            primitive(Float64Builder::new(), values, fail, |v| match v {
                Value::Number(n) => n.as_f64().map(Some),
                Value::String(s) => s.trim().parse::<f64>().ok().map(Some),
                _ => None,
            })
        }
        KqlType::Bool => {
            let mut b = BooleanBuilder::new();
            for (row, v) in values {
                let parsed = match v {
                    Value::Null => None,
                    Value::Bool(x) => Some(*x),
                    Value::Number(n) => n.as_i64().map(|n| n != 0),
                    Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        "" => None,
                        _ => {
                            fail(row, v);
                            None
                        }
                    },
                    _ => {
                        fail(row, v);
                        None
                    }
                };
                b.append_option(parsed);
            }
            Arc::new(b.finish())
        }
    }
}

/// Builds a primitive column: JSON null is null; `convert` gives
/// `Some(value)`, `Some(None)` for a value that means null, or `None` for a
/// value of the wrong kind, which is counted through `fail` and becomes null.
fn primitive<'a, T: ArrowPrimitiveType>(
    mut builder: PrimitiveBuilder<T>,
    values: impl Iterator<Item = (&'a Row, &'a Value)>,
    mut fail: impl FnMut(&Row, &Value),
    convert: impl Fn(&Value) -> Option<Option<T::Native>>,
) -> ArrayRef {
    for (row, v) in values {
        if v.is_null() {
            builder.append_null();
            continue;
        }
        match convert(v) {
            Some(value) => builder.append_option(value),
            None => {
                fail(row, v);
                builder.append_null();
            }
        }
    }
    Arc::new(builder.finish())
}

fn to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18).map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
