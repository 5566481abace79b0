//! Table schemas: the built-in Sentinel catalog and `--schemas` overrides.

use std::collections::HashMap;
use std::path::Path;

use calypso_syntax::KqlType;

use crate::{ColumnSchema, LoadError};

/// The built-in schemas, generated from `shared/schemas/tables` (see
/// `catalog/README.md` for their sources and licences).
const BUILTIN_TSV: &str = include_str!("../catalog/tables.tsv");

/// Sentinel's functions that return tables: `_GetWatchlist` and the ASIM
/// stubs of `shared/schemas/functions` (same README).
const FUNCTIONS_TSV: &str = include_str!("../catalog/functions.tsv");

/// Column names and types of known tables, and of the tables that known
/// Sentinel functions return.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    tables: HashMap<String, Vec<ColumnSchema>>,
    functions: HashMap<String, FunctionSchema>,
}

/// A Sentinel function that returns a table (`_GetWatchlist('alias')`,
/// an ASIM parser), as far as a query can be checked against it.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionSchema {
    /// The parameters' names, in order.
    pub params: Vec<String>,
    /// How many leading parameters must be given.
    pub required: usize,
    /// The columns it returns.
    pub columns: Vec<ColumnSchema>,
    /// Whether it returns further columns that only the workspace knows
    /// (a watchlist's own).
    pub open: bool,
}

fn column(field: &str) -> Option<ColumnSchema> {
    let (col, ty) = field.rsplit_once(':')?;
    Some(ColumnSchema { name: col.to_owned(), ty: KqlType::from_name(ty)? })
}

fn function_line(line: &str) -> Option<(String, FunctionSchema)> {
    let mut fields = line.split('\t');
    let name = fields.next()?.to_owned();
    let params: Vec<&str> = fields.next()?.split_whitespace().collect();
    let required = params.iter().take_while(|p| p.ends_with(":required")).count();
    let params = params.iter().filter_map(|p| Some(p.split(':').next()?.to_owned())).collect();
    let (mut columns, mut open) = (Vec::new(), false);
    for field in fields {
        match field {
            "*" => open = true,
            f => columns.push(column(f)?),
        }
    }
    Some((name, FunctionSchema { params, required, columns, open }))
}

/// The built-in catalog of Log Analytics and Sentinel tables.
pub fn builtin() -> Catalog {
    let mut tables = HashMap::new();
    for line in BUILTIN_TSV.lines() {
        let mut fields = line.split('\t');
        let Some(name) = fields.next() else { continue };
        tables.insert(name.to_owned(), fields.filter_map(column).collect());
    }
    let functions = FUNCTIONS_TSV.lines().filter_map(function_line).collect();
    Catalog { tables, functions }
}

impl Catalog {
    /// The columns of `table`, if the catalog knows it.
    pub fn table(&self, table: &str) -> Option<&[ColumnSchema]> {
        self.tables.get(table).map(Vec::as_slice)
    }

    /// The Sentinel function `name` that returns a table, if the catalog
    /// knows it.
    pub fn function(&self, name: &str) -> Option<&FunctionSchema> {
        self.functions.get(name)
    }

    /// The names of the tables the catalog knows.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    /// How many tables the catalog knows.
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    /// Whether the catalog knows no table.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Adds or replaces the tables described by the JSON files in `dir`
    /// (`{"table": ..., "columns": [{"name", "type"}]}`, as in `shared/schemas`).
    pub fn add_schema_dir(&mut self, dir: &Path) -> Result<(), LoadError> {
        let unreadable = |e: std::io::Error| LoadError::Unreadable {
            path: dir.to_owned(),
            reason: e.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(unreadable)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let (name, columns) = read_schema_file(&path)?;
            self.tables.insert(name, columns);
        }
        Ok(())
    }
}

fn read_schema_file(path: &Path) -> Result<(String, Vec<ColumnSchema>), LoadError> {
    let bad = |reason: String| LoadError::BadSchema { path: path.to_owned(), reason };
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::Unreadable { path: path.to_owned(), reason: e.to_string() })?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let name = json["table"].as_str().ok_or_else(|| bad("no \"table\" name".to_owned()))?;
    let columns =
        json["columns"].as_array().ok_or_else(|| bad("no \"columns\" array".to_owned()))?;
    let mut out = Vec::new();
    for col in columns {
        let col_name =
            col["name"].as_str().ok_or_else(|| bad("a column without a name".to_owned()))?;
        let ty_name = col["type"].as_str().unwrap_or_default();
        let ty = KqlType::from_name(ty_name)
            .ok_or_else(|| bad(format!("column `{col_name}` has unknown type `{ty_name}`")))?;
        out.push(ColumnSchema { name: col_name.to_owned(), ty });
    }
    Ok((name.to_owned(), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_the_required_tables() {
        let catalog = builtin();
        assert_eq!(catalog.len(), 1077);
        for (table, n) in [
            ("SigninLogs", 96),
            ("AADNonInteractiveUserSignInLogs", 86),
            ("SecurityEvent", 237),
            ("Syslog", 21),
        ] {
            assert_eq!(catalog.table(table).map(<[_]>::len), Some(n), "{table}");
        }
        let signin = catalog.table("SigninLogs").unwrap();
        let ty = |c: &str| signin.iter().find(|x| x.name == c).map(|x| x.ty);
        assert_eq!(ty("ResultType"), Some(KqlType::String));
        assert_eq!(ty("TimeGenerated"), Some(KqlType::Datetime));
        assert_eq!(ty("DeviceDetail"), Some(KqlType::Dynamic));
    }

    #[test]
    fn builtin_has_sentinels_table_functions() {
        let catalog = builtin();
        let watchlist = catalog.function("_GetWatchlist").unwrap();
        assert_eq!((watchlist.params.len(), watchlist.required, watchlist.open), (2, 1, true));
        let names: Vec<&str> = watchlist.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["_DTItemId", "LastUpdatedTimeUTC", "SearchKey"]);
        let dns = catalog.function("_Im_Dns").unwrap();
        assert_eq!(
            (dns.params.len(), dns.required, dns.open, dns.columns.len()),
            (8, 0, false, 108)
        );
        assert_eq!(catalog.function("_ASIM_GetSourceBySourceType").unwrap().required, 1);
        assert!(catalog.function("_Im_Nothing").is_none());
    }
}
