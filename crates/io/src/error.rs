//! Load errors, each with the file and, where there is one, the line.

use std::path::PathBuf;

use miette::{Diagnostic, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use thiserror::Error;

/// Why data could not be loaded.
#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    /// A file or folder that cannot be read.
    #[error("cannot read `{}`: {reason}", path.display())]
    #[diagnostic(code(kql::io::unreadable))]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },

    /// A file that cannot be written.
    #[error("cannot write `{}`: {reason}", path.display())]
    #[diagnostic(code(kql::io::unwritable))]
    Unwritable {
        /// The path.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },

    /// A record that cannot be read: a line that is not a JSON object, a
    /// CSV row with the wrong number of fields.
    #[error(transparent)]
    #[diagnostic(transparent)]
    BadRecord(Box<BadRecord>),

    /// A file with no rows.
    #[error("`{}` holds no rows", path.display())]
    #[diagnostic(code(kql::io::empty), help("a table needs at least one row to know its columns"))]
    Empty {
        /// The file.
        path: PathBuf,
    },

    /// A format Calypso does not read.
    #[error("cannot tell the format of `{}`", path.display())]
    #[diagnostic(
        code(kql::io::unknown_format),
        help(
            "Calypso reads JSON (.json, .jsonl, .ndjson), CSV (.csv) and Parquet (.parquet), \
             each perhaps compressed (.gz, .zst)"
        )
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },

    /// A Parquet file that cannot be read.
    #[error("cannot read the Parquet file `{}`: {reason}", path.display())]
    #[diagnostic(code(kql::io::bad_parquet))]
    BadParquet {
        /// The file.
        path: PathBuf,
        /// The Parquet reader's reason.
        reason: String,
    },

    /// A Parquet column of a type no KQL type stores, or that does not fit
    /// the type the schema gives the column.
    #[error("column `{column}` of the Parquet file `{}` has type {found}, {expected}", path.display())]
    #[diagnostic(
        code(kql::io::parquet_type),
        help("write the column as string, int64, int32, double, boolean, timestamp or duration")
    )]
    ParquetType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its Arrow type.
        found: String,
        /// What was expected of it.
        expected: String,
    },

    /// A `--table` argument not of the form `NAME=PATH`.
    #[error("`{arg}` is not of the form NAME=PATH")]
    #[diagnostic(code(kql::io::bad_table_arg))]
    BadTableArg {
        /// The argument.
        arg: String,
    },

    /// A `--table` glob pattern that is malformed or matches nothing.
    #[error("the pattern `{pattern}` cannot be used: {reason}")]
    #[diagnostic(code(kql::io::bad_pattern))]
    BadPattern {
        /// The pattern.
        pattern: String,
        /// What is wrong.
        reason: String,
    },

    /// A schema file that cannot be used.
    #[error("bad schema file `{}`: {reason}", path.display())]
    #[diagnostic(code(kql::io::bad_schema))]
    BadSchema {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A column type the loaders cannot store yet.
    #[error("column `{column}` of `{table}` has type {ty}, which Calypso cannot load yet")]
    #[diagnostic(code(kql::io::unsupported_type))]
    UnsupportedType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type.
        ty: calypso_syntax::KqlType,
    },

    /// Arrow refused the data (a bug: please report it).
    #[error("internal error building `{table}`: {reason}")]
    #[diagnostic(code(kql::io::internal))]
    Internal {
        /// The table.
        table: String,
        /// Arrow's message.
        reason: String,
    },
}

/// A record that cannot be read, with the line it is on.
#[derive(Debug, Error, Diagnostic)]
#[error("{}:{line}:{column}: {message}", path.display())]
#[diagnostic(code(kql::io::bad_record))]
pub struct BadRecord {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The line's text.
    #[source_code]
    pub src: LineSource,
    /// Where in the line.
    #[label("here")]
    pub span: SourceSpan,
    /// What the user can do.
    #[help]
    pub help: Option<String>,
}

impl BadRecord {
    /// The help for a record that `--skip-bad-rows` can skip.
    pub(crate) const SKIPPABLE: &str =
        "fix the record, or pass --skip-bad-rows to read on and count the skipped rows";
}

/// One line of a file, shown under its file name with its real line number,
/// so that an error in a large file holds the line and not the file.
#[derive(Debug)]
pub struct LineSource {
    name: String,
    text: String,
    line: usize,
}

impl LineSource {
    /// Line `line` (1-based) of the file `name`, whose text is `text`.
    pub fn new(name: String, text: String, line: usize) -> Self {
        LineSource { name, text, line }
    }
}

impl SourceCode for LineSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.line - 1,
            inner.column(),
            inner.line_count(),
        )))
    }
}
