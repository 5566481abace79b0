//! Every query of `shared/corpus/` should parse: this test measures how many
//! do, per corpus file, and fails when a file's rate drops below its floor.
//!
//! The floors only ever go up. The records that fail must be exactly those
//! `docs/corpus.md` lists with the reason each is not valid KQL.
//! `CALYPSO_CORPUS_REPORT=path` writes every failing record (file, id, error,
//! the text at the error) to `path`, to keep that page.

use std::fmt::Write as _;
use std::path::PathBuf;

use calypso_syntax::parse;
use serde_json::Value;

/// The lowest parse rate each corpus file may have, in percent.
const FLOORS: [(&str, f64); 2] =
    [("azure-sentinel-hunting.jsonl", 98.7), ("reprise99.jsonl", 99.2)];

/// The ids `docs/corpus.md` lists as not parsing.
fn documented_failures() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/corpus.md");
    let text = std::fs::read_to_string(path).expect("docs/corpus.md exists");
    let mut ids: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split("` | `").nth(1)?.split('`').next())
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

#[test]
#[expect(clippy::print_stdout, reason = "the rates are the test's report")]
fn corpus_parse_rates_hold() {
    let mut report = String::new();
    let mut below = Vec::new();
    let mut failed = Vec::new();
    for (file, floor) in FLOORS {
        let path = corpus_dir().join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let (mut total, mut ok) = (0usize, 0usize);
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let record: Value = serde_json::from_str(line).expect("corpus records are JSON");
            let query = record["query"].as_str().expect("every record has a query");
            total += 1;
            match parse(query) {
                Ok(_) => ok += 1,
                Err(e) => {
                    failed.push(record["id"].as_str().unwrap_or("?").to_owned());
                    let at = miette::Diagnostic::labels(&e)
                        .and_then(|mut l| l.next())
                        .map(|l| l.offset())
                        .unwrap_or(0);
                    let context: String = query[at.min(query.len())..].chars().take(60).collect();
                    let _ = writeln!(
                        report,
                        "{}\t{}\t{e}\t{:?}",
                        file,
                        record["id"].as_str().unwrap_or("?"),
                        context
                    );
                }
            }
        }
        let rate = 100.0 * ok as f64 / total as f64;
        println!("{file}: {ok}/{total} parse ({rate:.2}%)");
        if rate < floor {
            below.push(format!("{file}: {rate:.2}% is below the floor of {floor}%"));
        }
    }
    if let Ok(path) = std::env::var("CALYPSO_CORPUS_REPORT") {
        std::fs::write(&path, &report).expect("the report can be written");
    }
    assert!(below.is_empty(), "{}", below.join("\n"));
    failed.sort();
    assert_eq!(failed, documented_failures(), "docs/corpus.md must list exactly the failures");
}
