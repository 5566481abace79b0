//! KQL syntax: lexer, parser, AST and syntax diagnostics.
//!
//! This crate turns query text into an [`ast::Script`] and knows nothing of
//! tables, types of columns, Arrow or DataFusion: deciding what a name means
//! is the binder's job. Every node carries a [`Span`], and every error is a
//! [`SyntaxError`] that points at the text.
//!
//! ```
//! let script = calypso_syntax::parse("T | where x > 1 | count").unwrap();
//! assert_eq!(script.statements.len(), 1);
//! ```

pub mod ast;
mod error;
pub mod lexer;
pub mod literal;
mod parser;
pub mod print;
mod span;
mod suggest;
mod types;

pub use error::SyntaxError;
pub use parser::{operator_names, parse, parse_functions, parse_recovering};
pub use span::Span;
pub use suggest::{closest, is_typo};
pub use types::KqlType;
