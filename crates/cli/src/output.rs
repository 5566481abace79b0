//! Result rendering: a terminal table, CSV, JSON and JSON lines, with values
//! written as Kusto writes them (kql-semantics.md §8).

use std::io::{self, Write};

use calypso_engine::{QueryResult, json_value, text};
use calypso_syntax::KqlType;
use comfy_table::{ContentArrangement, Table, presets};
use datafusion::arrow::array::{Array, AsArray};
use serde_json::{Map, Value};

use crate::Format;

/// How much of a result a terminal shows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Rows shown.
    pub(crate) rows: usize,
    /// Characters shown of a cell; longer values end in `…`.
    pub(crate) chars: usize,
}

/// Writes `result` to `out` in `format`; a table is followed by its row count.
pub(crate) fn write(
    out: &mut impl Write,
    result: &QueryResult,
    format: Format,
    terminal: bool,
) -> io::Result<()> {
    write_limited(out, result, format, terminal, None)?;
    if format == Format::Table {
        let n = result.row_count();
        writeln!(out, "{n} row{}", if n == 1 { "" } else { "s" })?;
    }
    Ok(())
}

/// What a limited write left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Written {
    /// Rows written.
    pub(crate) rows: usize,
    /// Whether some value was cut short.
    pub(crate) elided: bool,
}

/// Writes `result` to `out` in `format`, a table within `limits`.
pub(crate) fn write_limited(
    out: &mut impl Write,
    result: &QueryResult,
    format: Format,
    terminal: bool,
    limits: Option<Limits>,
) -> io::Result<Written> {
    match format {
        Format::Table => return table(out, result, terminal, limits),
        Format::Csv => csv(out, result)?,
        Format::Json => {
            let rows: Vec<Value> = rows(result).map(Value::Object).collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for row in rows(result) {
                serde_json::to_writer(&mut *out, &Value::Object(row))?;
                writeln!(out)?;
            }
        }
    }
    Ok(Written { rows: result.row_count(), elided: false })
}

/// The rows as JSON objects, keys in column order.
fn rows(result: &QueryResult) -> impl Iterator<Item = Map<String, Value>> + '_ {
    result.batches.iter().flat_map(move |batch| {
        (0..batch.num_rows()).map(move |row| {
            result
                .columns
                .iter()
                .zip(batch.columns())
                .map(|(col, array)| (col.name.clone(), json_value(array.as_ref(), row, col.ty)))
                .collect()
        })
    })
}

/// A cell as text: Kusto's text form, but `true`/`false` for bools as result
/// sets show them, and nothing for null.
fn cell(array: &dyn Array, row: usize, ty: KqlType) -> String {
    match ty {
        _ if array.is_null(row) => String::new(),
        KqlType::Bool => array.as_boolean().value(row).to_string(),
        _ => text(array, row, ty),
    }
}

fn cells(result: &QueryResult) -> impl Iterator<Item = Vec<String>> + '_ {
    result.batches.iter().flat_map(move |batch| {
        (0..batch.num_rows()).map(move |row| {
            result
                .columns
                .iter()
                .zip(batch.columns())
                .map(|(c, a)| cell(a.as_ref(), row, c.ty))
                .collect()
        })
    })
}

fn table(
    out: &mut impl Write,
    result: &QueryResult,
    terminal: bool,
    limits: Option<Limits>,
) -> io::Result<Written> {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    // Fit the terminal, unless it reports no usable width (a pty nobody
    // sized): squeezing columns to nothing would help no one.
    let fits = terminal && t.width().is_some_and(|w| w >= 20);
    t.set_content_arrangement(if fits {
        ContentArrangement::Dynamic
    } else {
        ContentArrangement::Disabled
    });
    t.set_header(result.columns.iter().map(|c| c.name.as_str()));
    let max_rows = limits.map_or(usize::MAX, |l| l.rows);
    let mut written = Written::default();
    for row in cells(result).take(max_rows) {
        match limits {
            Some(l) => t.add_row(row.into_iter().map(|c| elide(c, l.chars, &mut written.elided))),
            None => t.add_row(row),
        };
        written.rows += 1;
    }
    writeln!(out, "{t}")?;
    Ok(written)
}

/// `text` cut to `chars` characters, the cut marked with `…`.
fn elide(text: String, chars: usize, elided: &mut bool) -> String {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => {
            *elided = true;
            format!("{}…", &text[..cut])
        }
        None => text,
    }
}

fn csv(out: &mut impl Write, result: &QueryResult) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(result.columns.iter().map(|c| c.name.as_str()))?;
    for row in cells(result) {
        w.write_record(&row)?;
    }
    w.flush()
}
