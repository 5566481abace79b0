//! Semantic diagnostics: unknown names, type errors, refusals.

use calypso_syntax::Span;
use miette::Diagnostic;
use thiserror::Error;

/// An error found while binding a query.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum BindError {
    /// A table that is neither loaded nor bound by `let`.
    #[error("unknown table `{name}`")]
    #[diagnostic(code(kql::bind::unknown_table))]
    UnknownTable {
        /// The name as written.
        name: String,
        /// Where.
        #[label("no table or tabular `let` of this name")]
        span: Span,
        /// "did you mean" and what is loaded.
        #[help]
        help: Option<String>,
    },

    /// A name that is no column of the input and no scalar `let`.
    #[error("unknown column `{name}`")]
    #[diagnostic(code(kql::bind::unknown_column))]
    UnknownColumn {
        /// The name as written.
        name: String,
        /// Where.
        #[label("not a column of the input")]
        span: Span,
        /// "did you mean".
        #[help]
        help: Option<String>,
    },

    /// A name that is no known column of an input that has columns only
    /// the workspace knows (a watchlist's): `check` cannot judge it.
    #[error(
        "`{name}` is not a known column of `{source_call}`, whose other columns only the workspace knows"
    )]
    #[diagnostic(
        code(kql::bind::open_columns),
        help(
            "these columns are defined in the workspace (a watchlist's, an Azure resource type's), which Calypso cannot see"
        )
    )]
    OpenColumns {
        /// The name as written.
        name: String,
        /// The call the columns come from (`_GetWatchlist('VIP')`).
        source_call: String,
        /// Where.
        #[label("not checked")]
        span: Span,
    },

    /// An error in the body of a workspace function (`--functions`), found
    /// where the query calls it.
    #[error("in the function `{func}`: {inner}")]
    #[diagnostic(
        code(kql::bind::in_function),
        help("the error is in the function's definition (the file given with --functions)")
    )]
    InFunction {
        /// The function called.
        func: String,
        /// The call.
        #[label("called here")]
        span: Span,
        /// The error in its body.
        inner: Box<BindError>,
    },

    /// A function KQL does not have, or Calypso does not know of.
    #[error("unknown function `{name}`")]
    #[diagnostic(code(kql::bind::unknown_function))]
    UnknownFunction {
        /// The name as written.
        name: String,
        /// Where.
        #[label("no such function")]
        span: Span,
        /// "did you mean".
        #[help]
        help: Option<String>,
    },

    /// Operand or argument types that KQL refuses.
    #[error("{message}")]
    #[diagnostic(code(kql::bind::type_mismatch))]
    TypeMismatch {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The types involved.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A function called with the wrong number of arguments.
    #[error("`{func}` takes {expected}, but {found} were given")]
    #[diagnostic(code(kql::bind::argument_count))]
    ArgumentCount {
        /// The function.
        func: String,
        /// The accepted count, in words.
        expected: String,
        /// The count given.
        found: usize,
        /// Where.
        #[label("wrong number of arguments")]
        span: Span,
    },

    /// A construct that is valid KQL but that Calypso does not run yet.
    #[error("{what} is not supported yet")]
    #[diagnostic(
        code(kql::bind::not_supported),
        help("see docs/supported.md for what Calypso runs")
    )]
    NotSupported {
        /// The construct, by name.
        what: String,
        /// Where.
        #[label("not supported")]
        span: Span,
    },

    /// Anything else that makes the query invalid.
    #[error("{message}")]
    #[diagnostic(code(kql::bind::invalid))]
    Invalid {
        /// What is wrong.
        message: String,
        /// Where.
        #[label("{label}")]
        span: Span,
        /// The label text.
        label: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// `a == b` on two dynamic values, which Kusto rejects; an error only in
    /// strict mode (design.md §3).
    #[error("Kusto cannot compare two dynamic values without an explicit cast")]
    #[diagnostic(code(kql::bind::dynamic_comparison))]
    DynamicComparison {
        /// The comparison.
        #[label("both sides are dynamic")]
        span: Span,
        /// The portable rewrite.
        #[help]
        help: String,
    },
}

impl BindError {
    /// A type error with a label.
    pub(crate) fn types(message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        BindError::TypeMismatch { message: message.into(), span, label: label.into(), help: None }
    }

    /// The error inside any workspace functions it was found in.
    pub fn innermost(&self) -> &BindError {
        match self {
            BindError::InFunction { inner, .. } => inner.innermost(),
            other => other,
        }
    }

    /// An unknown column, or one the input's unknown columns may hold.
    pub(crate) fn unknown_column(
        name: &str,
        span: Span,
        columns: &[crate::Column],
        help: Option<String>,
    ) -> Self {
        let open = columns.iter().find_map(crate::Column::unknown_columns_of);
        // A typo of a known column is one whatever else the input may hold.
        let typo = crate::suggested_name(help.as_deref())
            .is_some_and(|known| calypso_syntax::is_typo(name, known));
        match open {
            Some(call) if !typo => {
                BindError::OpenColumns { name: name.to_owned(), source_call: call.to_owned(), span }
            }
            _ => BindError::UnknownColumn { name: name.to_owned(), span, help },
        }
    }

    /// A refusal of an unsupported construct.
    pub(crate) fn unsupported(what: impl Into<String>, span: Span) -> Self {
        BindError::NotSupported { what: what.into(), span }
    }

    /// Any other invalid construct.
    pub(crate) fn invalid(
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        BindError::Invalid { message: message.into(), span, label: label.into(), help: None }
    }
}

/// A construct that runs but deserves the user's attention.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum BindWarning {
    /// `a == b` on two dynamic values: Calypso compares them structurally, but
    /// the rule would fail once deployed to Sentinel.
    #[error("comparing two dynamic values: Kusto rejects this, Calypso compares them as JSON")]
    #[diagnostic(code(kql::bind::dynamic_comparison), severity(Warning))]
    DynamicComparison {
        /// The comparison.
        #[label("both sides are dynamic")]
        span: Span,
        /// The portable rewrite.
        #[help]
        help: String,
    },
    /// `render`: a chart in Kusto's clients, nothing in the result.
    #[error("`render` draws a chart in Kusto's clients; Calypso returns the table unchanged")]
    #[diagnostic(code(kql::bind::render_ignored), severity(Warning))]
    RenderIgnored {
        /// The operator.
        #[label("ignored")]
        span: Span,
    },
    /// `where Name = Predicate`: Kusto reads the `=` as naming the predicate,
    /// not as a comparison, and filters by the predicate alone.
    #[error("`{name} = ...` in `where` names the predicate; it does not compare `{name}`")]
    #[diagnostic(code(kql::bind::named_predicate), severity(Warning))]
    NamedPredicate {
        /// The name written before `=`.
        name: String,
        /// The name and the predicate.
        #[label("Kusto filters by the right-hand side alone")]
        span: Span,
        /// The likely intent.
        #[help]
        help: String,
    },
    /// A `set` statement: request options do not change results here.
    #[error("`set {name}` is a request option; Calypso ignores it")]
    #[diagnostic(code(kql::bind::set_ignored), severity(Warning))]
    SetIgnored {
        /// The option.
        name: String,
        /// The statement.
        #[label("ignored")]
        span: Span,
    },
}
