//! Log dumps in, Arrow tables with KQL types out.
//!
//! The loaders turn files (JSON lines, JSON arrays, Azure Monitor
//! `{"records": [...]}` exports, CSV and Parquet, any of them compressed
//! with gzip or zstd) into [`Table`]s whose columns
//! carry KQL types: from an explicit schema, from the built-in Sentinel
//! catalog (by table name or by the `Type` column exports carry), or inferred
//! from the data. Values that cannot be read are counted and reported, never
//! dropped in silence. This crate knows nothing of KQL queries.

mod catalog;
mod convert;
mod csv;
mod encoding;
mod error;
mod file;
mod json;
mod load;
mod parquet;
mod source;

use calypso_syntax::KqlType;
use datafusion::arrow::record_batch::RecordBatch;

pub use catalog::{Catalog, FunctionSchema, builtin};
pub use encoding::{KQL_TYPE_KEY, arrow_type, field};
pub use error::{BadRecord, LineSource, LoadError};
pub use load::{LoadOptions, load_table, schema_columns};
pub use parquet::{calypso_columns, row_count, write_parquet};
pub use source::{TableSource, data_files, resolve_sources, table_name};

/// A named, typed column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnSchema {
    /// The column name, case-sensitive.
    pub name: String,
    /// Its KQL type.
    pub ty: KqlType,
}

/// A loaded table: its KQL schema and its rows as Arrow batches.
#[derive(Clone, Debug)]
pub struct Table {
    /// The table name.
    pub name: String,
    /// The columns in order.
    pub columns: Vec<ColumnSchema>,
    /// The rows; each batch's schema matches `columns` (see [`field`]).
    pub batches: Vec<RecordBatch>,
    /// What happened while loading.
    pub report: LoadReport,
}

/// What a load read, skipped and could not convert.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadReport {
    /// Rows read.
    pub rows: usize,
    /// Rows skipped as unreadable (`--skip-bad-rows`).
    pub skipped: usize,
    /// The first few skipped rows: file, line, reason.
    pub first_skipped: Vec<(String, usize, String)>,
    /// Values that did not fit their column's type and became null.
    pub conversions: Vec<ConversionIssue>,
    /// Where the column types came from.
    pub schema_origin: SchemaOrigin,
}

/// Values of one column that could not be converted to its type.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversionIssue {
    /// The column.
    pub column: String,
    /// Its type.
    pub ty: KqlType,
    /// How many values became null.
    pub count: usize,
    /// The first such value, as text.
    pub example: String,
    /// File and line of the first such value.
    pub location: (String, usize),
}

/// Where a table's column types came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SchemaOrigin {
    /// The values themselves: JSON kinds, text, Parquet types.
    #[default]
    Inferred,
    /// The KQL types the files record (Parquet that Calypso wrote).
    Recorded,
    /// The catalog table named by the file name.
    Catalog(String),
    /// The catalog table named by the rows' `Type` column.
    TypeColumn(String),
}
