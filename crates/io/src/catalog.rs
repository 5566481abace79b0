//! Table schemas: the built-in Sentinel catalog and `--schemas` overrides.

use std::collections::HashMap;
use std::path::Path;

use calypso_syntax::KqlType;

use crate::{ColumnSchema, LoadError};

/// The built-in schemas, generated from `shared/schemas/tables` (see
/// `catalog/README.md` for their sources and licences).
const BUILTIN_TSV: &str = include_str!("../catalog/tables.tsv");

/// Column names and types of known tables.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    tables: HashMap<String, Vec<ColumnSchema>>,
}

/// The built-in catalog of Log Analytics and Sentinel tables.
pub fn builtin() -> Catalog {
    let mut tables = HashMap::new();
    for line in BUILTIN_TSV.lines() {
        let mut fields = line.split('\t');
        let Some(name) = fields.next() else { continue };
        let columns = fields
            .filter_map(|f| {
                let (col, ty) = f.rsplit_once(':')?;
                Some(ColumnSchema { name: col.to_owned(), ty: KqlType::from_name(ty)? })
            })
            .collect();
        tables.insert(name.to_owned(), columns);
    }
    Catalog { tables }
}

impl Catalog {
    /// The columns of `table`, if the catalog knows it.
    pub fn table(&self, table: &str) -> Option<&[ColumnSchema]> {
        self.tables.get(table).map(Vec::as_slice)
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
}
