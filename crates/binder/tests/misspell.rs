//! Misspell one table, column or function name in a query that binds
//! cleanly, and the binder must say so, suggesting the right name: the
//! promise `calypso check` makes (issue 6 asks for 97% of cases).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use calypso_binder::{BindError, BindOptions, Catalog, Column, function_names};
use calypso_syntax::lexer::{TokenKind, tokenize};

/// The built-in catalog, as the binder sees it.
struct Builtin(calypso_io::Catalog);

impl Catalog for Builtin {
    fn table(&self, name: &str) -> Option<Vec<Column>> {
        let columns = self.0.table(name)?;
        Some(columns.iter().map(|c| Column::new(c.name.clone(), c.ty)).collect())
    }

    fn table_names(&self) -> Vec<String> {
        self.0.names().map(str::to_owned).collect()
    }
}

/// Whether the text parses and binds; the bind error when it only parses.
fn bind(catalog: &Builtin, text: &str) -> Option<Result<(), BindError>> {
    let script = calypso_syntax::parse(text).ok()?;
    Some(calypso_binder::bind(&script, catalog, BindOptions { strict: true }).map(|_| ()))
}

/// A typo a person makes, chosen by `seed`: two letters swapped, a letter
/// dropped or a letter doubled, never the first letter.
fn typo(name: &str, seed: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    let i = 1 + seed % (chars.len() - 2);
    let mut out = chars.clone();
    match seed % 3 {
        0 => out.swap(i, i + 1),
        1 => {
            out.remove(i);
        }
        _ => out.insert(i, chars[i]),
    }
    out.into_iter().collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Table,
    Column,
    Function,
}

#[test]
fn misspelt_names_are_caught_with_the_right_suggestion() {
    let catalog = Builtin(calypso_io::builtin());
    let tables: HashSet<String> = catalog.table_names().into_iter().collect();
    // `dynamic(...)` and the other type names are literals, not calls.
    let functions: HashSet<&str> = function_names()
        .into_iter()
        .filter(|name| calypso_syntax::KqlType::from_name(name).is_none())
        .collect();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");

    let mut tried: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut caught: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut misses = Vec::new();
    for file in ["azure-sentinel-hunting.jsonl", "reprise99.jsonl"] {
        let text = std::fs::read_to_string(corpus.join(file)).expect("the corpus is readable");
        for (n, line) in text.lines().enumerate() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let query = record["query"].as_str().unwrap();
            if !matches!(bind(&catalog, query), Some(Ok(()))) {
                continue;
            }
            let Ok(tokens) = tokenize(query) else { continue };
            // The columns of the tables the query reads.
            let columns: HashSet<String> = tokens
                .iter()
                .filter_map(|t| match &t.kind {
                    TokenKind::Ident(name) if tables.contains(name) => catalog.table(name),
                    _ => None,
                })
                .flatten()
                .map(|c| c.name)
                .collect();
            let mut candidates = Vec::new();
            for (i, token) in tokens.iter().enumerate() {
                let TokenKind::Ident(name) = &token.kind else { continue };
                let called =
                    matches!(tokens.get(i + 1).map(|t| &t.kind), Some(TokenKind::Punct("(")));
                let kind = if tables.contains(name) {
                    Kind::Table
                } else if called && functions.contains(name.as_str()) {
                    Kind::Function
                } else if columns.contains(name) && !called {
                    Kind::Column
                } else {
                    continue;
                };
                if name.chars().count() >= 4 {
                    candidates.push((kind, name.clone(), token.span));
                }
            }
            // One name a query, its kind taking turns.
            let wanted = [Kind::Column, Kind::Table, Kind::Function][n % 3];
            let Some((kind, name, span)) =
                candidates.iter().find(|c| c.0 == wanted).or_else(|| candidates.first()).cloned()
            else {
                continue;
            };
            let wrong = typo(&name, n);
            if tables.contains(&wrong)
                || functions.contains(wrong.as_str())
                || columns.contains(&wrong)
            {
                continue;
            }
            let mutated = format!("{}{}{}", &query[..span.start], wrong, &query[span.end..]);
            *tried.entry(kind).or_default() += 1;
            let expected = format!("did you mean `{name}`?");
            let ok = match bind(&catalog, &mutated) {
                Some(Err(
                    BindError::UnknownTable { help, .. }
                    | BindError::UnknownColumn { help, .. }
                    | BindError::UnknownFunction { help, .. },
                )) => help.as_deref() == Some(expected.as_str()),
                _ => false,
            };
            if ok {
                *caught.entry(kind).or_default() += 1;
            } else {
                misses.push(format!("{file}:{}: {kind:?} `{name}` -> `{wrong}`", n + 1));
            }
        }
    }
    let total: usize = tried.values().sum();
    let hits: usize = caught.values().sum();
    let rate = hits as f64 / total as f64;
    let summary = format!(
        "misspellings caught: {hits} of {total} ({:.1}%); caught {caught:?} of {tried:?}; missed:\n  {}",
        rate * 100.0,
        misses.join("\n  ")
    );
    assert!(total > 900, "too few queries were mutated: {summary}");
    assert!(rate >= 0.97, "{summary}");
    // The figures docs/check.md gives.
    assert_eq!((hits, total), (1191, 1195), "{summary}");
}
