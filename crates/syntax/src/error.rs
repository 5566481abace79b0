//! Syntax diagnostics.
//!
//! Each variant has a stable code, a label on the offending text and, where a
//! common mistake explains the error, a help line. nom's own error types never
//! leave this crate: the lexer turns them into these.

use miette::Diagnostic;
use thiserror::Error;

use crate::Span;

/// How an error names the end of the text it ran into.
pub(crate) const END_OF_QUERY: &str = "the end of the query";

/// A syntax error in a query text.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum SyntaxError {
    /// A token other than the ones the grammar allows here.
    #[error("expected {expected}, found {found}")]
    #[diagnostic(code(kql::syntax::unexpected_token))]
    UnexpectedToken {
        /// What the grammar allows, in words.
        expected: String,
        /// What was found, in words.
        found: String,
        /// Where.
        #[label("expected {expected}")]
        span: Span,
        /// A hint for a common mistake.
        #[help]
        help: Option<String>,
    },

    /// A string literal without its closing quote.
    #[error("unterminated string literal")]
    #[diagnostic(code(kql::syntax::unterminated_string))]
    UnterminatedString {
        /// From the opening quote to the end of the line.
        #[label("this string is never closed")]
        span: Span,
    },

    /// A backslash sequence KQL does not define.
    #[error("invalid escape sequence `{sequence}` in string literal")]
    #[diagnostic(
        code(kql::syntax::invalid_escape),
        help(
            "valid escapes are \\\\ \\' \\\" \\a \\b \\f \\n \\r \\t \\v \\uXXXX \\xHH; use @\"...\" for a verbatim string"
        )
    )]
    InvalidEscape {
        /// The sequence as written.
        sequence: String,
        /// Where.
        #[label("unknown escape")]
        span: Span,
    },

    /// A number that is not a valid literal (`12abc`, an overflowing integer).
    #[error("invalid numeric literal `{text}`")]
    #[diagnostic(code(kql::syntax::invalid_number))]
    InvalidNumber {
        /// The literal as written.
        text: String,
        /// Where.
        #[label("{reason}")]
        span: Span,
        /// Why it is invalid.
        reason: String,
    },

    /// A character that starts no token.
    #[error("unexpected character `{ch}`")]
    #[diagnostic(code(kql::syntax::unexpected_character))]
    UnexpectedCharacter {
        /// The character.
        ch: char,
        /// Where.
        #[label("not valid here")]
        span: Span,
        /// A hint for a common mistake.
        #[help]
        help: Option<String>,
    },

    /// A typed literal such as `datetime(` without its closing `)`.
    #[error("unterminated `{name}(...)` literal")]
    #[diagnostic(code(kql::syntax::unterminated_literal))]
    UnterminatedLiteral {
        /// The type name.
        name: String,
        /// From the type name to the end of the text.
        #[label("missing `)`")]
        span: Span,
    },

    /// A tabular operator KQL has but Calypso does not implement yet.
    #[error("the `{name}` operator is not supported yet")]
    #[diagnostic(
        code(kql::syntax::unsupported_operator),
        help("see docs/supported.md for the operators Calypso runs")
    )]
    UnsupportedOperator {
        /// The operator's name.
        name: String,
        /// Where.
        #[label("not supported")]
        span: Span,
    },

    /// Expressions nested deeper than the parser allows.
    #[error("expression nested too deeply")]
    #[diagnostic(
        code(kql::syntax::too_deep),
        help("the parser allows {limit} levels of nesting; split the expression with `let`")
    )]
    TooDeep {
        /// The nesting limit.
        limit: usize,
        /// Where the limit was reached.
        #[label("nesting limit reached here")]
        span: Span,
    },
}

impl SyntaxError {
    /// Whether the text ended where more was expected: more typing may
    /// complete it (an open bracket, a trailing `|`, an open string).
    pub fn is_at_end(&self) -> bool {
        match self {
            SyntaxError::UnexpectedToken { found, .. } => found == END_OF_QUERY,
            SyntaxError::UnterminatedString { .. } => true,
            _ => false,
        }
    }

    /// The span the error points at.
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::UnexpectedToken { span, .. }
            | SyntaxError::UnterminatedString { span }
            | SyntaxError::InvalidEscape { span, .. }
            | SyntaxError::InvalidNumber { span, .. }
            | SyntaxError::UnexpectedCharacter { span, .. }
            | SyntaxError::UnterminatedLiteral { span, .. }
            | SyntaxError::UnsupportedOperator { span, .. }
            | SyntaxError::TooDeep { span, .. } => *span,
        }
    }
}
