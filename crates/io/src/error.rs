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

    /// A line that is not a JSON object.
    #[error(transparent)]
    #[diagnostic(transparent)]
    BadJson(Box<BadJson>),

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
        help("Calypso reads JSON lines (.json, .jsonl, .ndjson)")
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },

    /// A `--table` argument not of the form `NAME=PATH`.
    #[error("`{arg}` is not of the form NAME=PATH")]
    #[diagnostic(code(kql::io::bad_table_arg))]
    BadTableArg {
        /// The argument.
        arg: String,
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

/// A line of a JSON-lines file that is not a JSON object.
#[derive(Debug, Error, Diagnostic)]
#[error("{}:{line}:{column}: {message}", path.display())]
#[diagnostic(
    code(kql::io::bad_json),
    help("fix the line, or pass --skip-bad-rows to read on and count the skipped rows")
)]
pub struct BadJson {
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
