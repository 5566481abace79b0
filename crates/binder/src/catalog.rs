//! What the binder needs to know about tables: their names and columns.
//!
//! The binder sees tables only through [`Catalog`]; the engine implements it
//! over the loaded data, `check` over the built-in schemas.

use calypso_syntax::KqlType;

/// A named, typed column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The column name, case-sensitive.
    pub name: String,
    /// Its KQL type.
    pub ty: KqlType,
}

impl Column {
    /// A column named `name` of type `ty`.
    pub fn new(name: impl Into<String>, ty: KqlType) -> Self {
        Column { name: name.into(), ty }
    }

    /// The column that stands, in a schema, for columns only the workspace
    /// knows, which come from `source` (`_GetWatchlist('VIP')`,
    /// `AzureDiagnostics`).
    pub fn unknown_columns(source: &str) -> Column {
        Column::new(format!("{OPEN_COLUMNS}{source}"), KqlType::Dynamic)
    }

    /// For the column that stands for columns only the workspace knows,
    /// the call they come from (`_GetWatchlist('VIP')`).
    pub fn unknown_columns_of(&self) -> Option<&str> {
        self.name.strip_prefix(OPEN_COLUMNS)
    }
}

/// A table that a function of the workspace returns (`_GetWatchlist`, an
/// ASIM parser), known by its columns only: `check` binds against it, and
/// nothing runs it.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionTable {
    /// The parameters' names, in order.
    pub params: Vec<String>,
    /// How many leading parameters must be given.
    pub required: usize,
    /// The columns it returns.
    pub columns: Vec<Column>,
    /// Whether it returns further columns that only the workspace knows.
    pub open: bool,
}

/// The name of the column that stands, in a table's schema, for columns
/// only the workspace knows (a watchlist's own); what follows it is the
/// call they come from. No KQL name can start with it.
pub(crate) const OPEN_COLUMNS: &str = "\u{0}columns of ";

/// The tables a query may read.
pub trait Catalog {
    /// The columns of table `name`, if there is such a table.
    fn table(&self, name: &str) -> Option<Vec<Column>>;

    /// Every table name, for "did you mean" suggestions.
    fn table_names(&self) -> Vec<String>;

    /// The table that function `name` of the workspace returns, if it is
    /// known.
    fn function_table(&self, _name: &str) -> Option<FunctionTable> {
        None
    }

    /// The definition of function `name` of the workspace (`--functions`),
    /// if there is one; a `let` of the query shadows it.
    fn function_definition(&self, _name: &str) -> Option<calypso_syntax::ast::FunctionDef> {
        None
    }
}
