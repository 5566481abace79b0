//! Name resolution, KQL typing and output naming.
//!
//! [`bind`] takes a parsed [`Script`] and a [`Catalog`] and produces a
//! [`Bound`] query: a typed [`plan::Plan`] whose columns carry Kusto's output
//! names, plus the warnings worth showing. It follows Kusto's rules from
//! kql-semantics.md: `let` scoping, a column shadowing a scalar `let`, items
//! of one operator seeing only its input, the naming of unnamed columns and
//! join clashes. The binder knows nothing of Arrow or of how the plan runs.

mod apply;
mod bind;
mod catalog;
mod error;
mod expand;
mod expr;
mod functions;
mod kusto_names;
pub mod library;
mod literal;
mod names;
mod parse;
pub mod plan;
mod ranking;
mod reshape;
mod search;
mod series;
mod sources;
mod summarize;
mod union;
mod workspace;

use calypso_syntax::ast::Script;

pub use catalog::{Catalog, Column, FunctionTable};
pub use error::{BindError, BindWarning};
pub use expr::{function_names, suggested_name};
pub use kusto_names::KUSTO_FUNCTIONS;

/// How strictly to follow Kusto where it rejects what Calypso could run.
#[derive(Clone, Copy, Debug, Default)]
pub struct BindOptions {
    /// Refuse what Kusto refuses (e.g. comparing two dynamic values) instead
    /// of running it with a warning.
    pub strict: bool,
}

/// A bound query: the plan of its result and the warnings found on the way.
#[derive(Clone, Debug)]
pub struct Bound {
    /// The plan of the last tabular statement.
    pub plan: plan::Plan,
    /// Constructs that run but deserve attention.
    pub warnings: Vec<BindWarning>,
    /// Whether the result depends on which columns a table has beyond those
    /// the query names (`*`, name patterns, `search`, `union`, `getschema`,
    /// `column_ifexists`): such a query needs every column loaded.
    pub reads_schema: bool,
}

/// Binds a script against a catalog.
pub fn bind(
    script: &Script,
    catalog: &dyn Catalog,
    options: BindOptions,
) -> Result<Bound, BindError> {
    bind::Binder::new(catalog, options).script(script)
}
