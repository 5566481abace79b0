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
}

/// The tables a query may read.
pub trait Catalog {
    /// The columns of table `name`, if there is such a table.
    fn table(&self, name: &str) -> Option<Vec<Column>>;

    /// Every table name, for "did you mean" suggestions.
    fn table_names(&self) -> Vec<String>;
}
