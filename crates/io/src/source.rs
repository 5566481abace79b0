//! From command-line paths to tables: a file is a table named by its stem, a
//! folder contributes each file as a table and each sub-folder as one table
//! of all its files (design.md §4).

use std::path::{Path, PathBuf};

use crate::LoadError;

/// The files that make up one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSource {
    /// The table name.
    pub name: String,
    /// Its files, in name order.
    pub files: Vec<PathBuf>,
}

/// Resolves `-d PATH` and `--table NAME=PATH` arguments into table sources.
pub fn resolve_sources(data: &[PathBuf], tables: &[String]) -> Result<Vec<TableSource>, LoadError> {
    let mut sources = Vec::new();
    for path in data {
        let meta = std::fs::metadata(path).map_err(|e| unreadable(path, e))?;
        if meta.is_dir() {
            for entry in sorted_entries(path)? {
                if entry.is_dir() {
                    let files = data_files(&entry)?;
                    if !files.is_empty() {
                        sources.push(TableSource { name: stem(&entry), files });
                    }
                } else if is_data_file(&entry) {
                    sources.push(TableSource { name: stem(&entry), files: vec![entry] });
                }
            }
        } else {
            sources.push(TableSource { name: stem(path), files: vec![path.clone()] });
        }
    }
    for arg in tables {
        let (name, path) =
            arg.split_once('=').ok_or_else(|| LoadError::BadTableArg { arg: arg.clone() })?;
        let path = PathBuf::from(path);
        let meta = std::fs::metadata(&path).map_err(|e| unreadable(&path, e))?;
        let files = if meta.is_dir() { data_files(&path)? } else { vec![path] };
        sources.retain(|s: &TableSource| s.name != name);
        sources.push(TableSource { name: name.to_owned(), files });
    }
    Ok(sources)
}

/// The table name a file or folder stands for: its name up to the first `.`.
fn stem(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.split('.').next().unwrap_or_default().to_owned()
}

fn is_data_file(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    [".json", ".jsonl", ".ndjson"].iter().any(|ext| name.ends_with(ext))
}

/// Every data file below `dir`, at any depth, in path order.
fn data_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    for entry in sorted_entries(dir)? {
        if entry.is_dir() {
            files.extend(data_files(&entry)?);
        } else if is_data_file(&entry) {
            files.push(entry);
        }
    }
    Ok(files)
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| unreadable(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

fn unreadable(path: &Path, e: std::io::Error) -> LoadError {
    LoadError::Unreadable { path: path.to_owned(), reason: e.to_string() }
}
