//! From command-line paths to tables: a file is a table named by its stem, a
//! folder contributes each file as a table and each sub-folder as one table
//! of all its files (design.md §4).

use std::path::{Path, PathBuf};

use crate::LoadError;
use crate::file::unreadable;

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
                    let files = files_below(&entry)?;
                    if !files.is_empty() {
                        sources.push(TableSource { name: table_name(&entry), files });
                    }
                } else if is_data_file(&entry) {
                    sources.push(TableSource { name: table_name(&entry), files: vec![entry] });
                }
            }
        } else {
            sources.push(TableSource { name: table_name(path), files: vec![path.clone()] });
        }
    }
    for arg in tables {
        let (name, path) =
            arg.split_once('=').ok_or_else(|| LoadError::BadTableArg { arg: arg.clone() })?;
        let files = if is_pattern(path) { glob_files(path)? } else { data_files(Path::new(path))? };
        sources.retain(|s: &TableSource| s.name != name);
        sources.push(TableSource { name: name.to_owned(), files });
    }
    Ok(sources)
}

/// The files a path stands for: a data file itself, or every data file
/// below a folder, in path order.
pub fn data_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| unreadable(path, e))?;
    if meta.is_dir() { files_below(path) } else { Ok(vec![path.to_owned()]) }
}

/// Whether a `--table` path is a glob pattern.
fn is_pattern(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

/// The files a glob pattern matches (folders it matches contribute their
/// files), in path order; matching nothing is an error, not an empty table.
fn glob_files(pattern: &str) -> Result<Vec<PathBuf>, LoadError> {
    let bad = |reason: String| LoadError::BadPattern { pattern: pattern.to_owned(), reason };
    let paths = glob::glob(pattern).map_err(|e| bad(e.to_string()))?;
    let mut files = Vec::new();
    for path in paths {
        let path = path.map_err(|e| {
            let path = e.path().to_path_buf();
            unreadable(&path, e.into())
        })?;
        if path.is_dir() {
            files.extend(files_below(&path)?);
        } else if is_data_file(&path) {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(bad("it matches no data file".to_owned()));
    }
    files.sort();
    Ok(files)
}

/// The table name a file or folder stands for: its name up to the first `.`.
pub fn table_name(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.split('.').next().unwrap_or_default().to_owned()
}

fn is_data_file(path: &Path) -> bool {
    crate::file::Format::of(path).is_some()
}

/// Every data file below `dir`, at any depth, in path order.
fn files_below(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    for entry in sorted_entries(dir)? {
        if entry.is_dir() {
            files.extend(files_below(&entry)?);
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
