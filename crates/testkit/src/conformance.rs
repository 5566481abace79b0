//! The conformance runner: Kusto's own answers, compared with Calypso's.
//!
//! Two suites live in `shared/conformance/`: `kusto-oracle.jsonl` (queries
//! run on the Kusto engine, answered or rejected) and `cases.jsonl` (worked
//! examples of the Kusto documentation). [`load_oracle`] and [`load_docs`]
//! read them in place into [`Case`]s; [`run`] runs one through a [`Session`]
//! and compares as `KUSTO-ORACLE.md` prescribes: column names and types,
//! row count, rows in order or as a multiset, reals within a tolerance,
//! dynamic values as JSON, set-like arrays in any order (as are arrays
//! whose element order a case's cautions call unspecified).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use calypso_engine::{QueryError, Session, json_value};
use serde_json::Value;

/// Which file a case comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    /// `kusto-oracle.jsonl`: results of the Kusto engine.
    Oracle,
    /// `cases.jsonl`: examples of the Kusto documentation.
    Docs,
}

/// One query and Kusto's answer to it.
#[derive(Clone, Debug)]
pub struct Case {
    /// The case's id.
    pub id: String,
    /// Its family (the oracle's category; `docs` for the documentation).
    pub family: String,
    /// Its suite.
    pub suite: Suite,
    /// The query text.
    pub query: String,
    /// What Kusto answered.
    pub expected: Expected,
    /// Whether Kusto guarantees the row order.
    pub ordered: bool,
    /// For ordered results, the output columns of the sort keys (`None`
    /// where a key is an expression or was projected away).
    pub order_columns: Vec<Option<String>>,
    /// The case's cautions say its arrays' element order is unspecified
    /// (a `make_list` over rows in no defined order).
    pub unordered_arrays: bool,
}

/// Kusto's answer.
#[derive(Clone, Debug)]
pub enum Expected {
    /// Kusto rejected the query.
    Rejected,
    /// Kusto returned a table.
    Table {
        /// Names and the type names allowed for each (empty: any type).
        columns: Vec<(String, Vec<String>)>,
        /// How many rows Kusto returned.
        row_count: usize,
        /// The rows recorded (all of them, or the first few).
        rows: Vec<Vec<Value>>,
        /// Whether `rows` holds every row.
        complete: bool,
    },
}

/// How a case went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Calypso answered as Kusto did.
    Pass,
    /// Kusto rejected the query and so did Calypso, because it does not
    /// support something in it (a pass, counted apart).
    PassRefused,
    /// Calypso answered otherwise; the reason in one line.
    Fail(String),
}

/// Reads `kusto-oracle.jsonl`.
pub fn load_oracle(path: &Path) -> Vec<Case> {
    read_lines(path)
        .map(|r| {
            let kusto = &r["kusto"];
            let expected = if kusto["ok"].as_bool() == Some(true) {
                Expected::Table {
                    columns: columns(&kusto["columns"]),
                    row_count: kusto["row_count"].as_u64().unwrap_or(0) as usize,
                    rows: rows(&kusto["rows"]),
                    complete: kusto["rows_complete"].as_bool().unwrap_or(true),
                }
            } else {
                Expected::Rejected
            };
            let order_columns = r["order_keys"]
                .as_array()
                .map(|keys| keys.iter().map(|k| k["column"].as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            let unordered_arrays = r["cautions"].as_array().is_some_and(|cautions| {
                cautions.iter().any(|c| c.as_str().is_some_and(|c| c.contains("element order")))
            });
            Case {
                id: text(&r["id"]),
                family: text(&r["family"]),
                suite: Suite::Oracle,
                query: text(&r["query"]),
                expected,
                ordered: r["ordered"].as_bool().unwrap_or(false),
                order_columns,
                unordered_arrays,
            }
        })
        .collect()
}

/// Reads the documentation's `cases.jsonl`.
pub fn load_docs(path: &Path) -> Vec<Case> {
    read_lines(path)
        .map(|r| {
            let rows = rows(&r["expected_rows"]);
            Case {
                id: text(&r["id"]),
                family: "docs".to_owned(),
                suite: Suite::Docs,
                query: text(&r["query"]),
                expected: Expected::Table {
                    columns: columns(&r["expected_columns"]),
                    row_count: rows.len(),
                    rows,
                    complete: true,
                },
                ordered: r["ordered"].as_bool().unwrap_or(false),
                order_columns: Vec::new(),
                unordered_arrays: false,
            }
        })
        .collect()
}

fn read_lines(path: &Path) -> impl Iterator<Item = Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let records: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("conformance records are JSON"))
        .collect();
    records.into_iter()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// `[{"name", "type"}]`; a type may list alternatives (`int|long`) or be
/// null (any type).
fn columns(v: &Value) -> Vec<(String, Vec<String>)> {
    v.as_array()
        .map(|cols| {
            cols.iter()
                .map(|c| {
                    let types = c["type"]
                        .as_str()
                        .map(|t| t.split('|').map(str::to_owned).collect())
                        .unwrap_or_default();
                    (text(&c["name"]), types)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn rows(v: &Value) -> Vec<Vec<Value>> {
    v.as_array()
        .map(|rows| rows.iter().map(|r| r.as_array().cloned().unwrap_or_default()).collect())
        .unwrap_or_default()
}

/// Runs `case` and compares the answer with Kusto's.
pub fn run(session: &Session, case: &Case) -> Outcome {
    let result = catch_unwind(AssertUnwindSafe(|| session.query(&case.query)));
    let result = match result {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            return Outcome::Fail(format!("panic: {}", first_line(&message)));
        }
    };
    match (&case.expected, result) {
        (Expected::Rejected, Err(QueryError::Bind(e))) if is_not_supported(&e) => {
            Outcome::PassRefused
        }
        (Expected::Rejected, Err(_)) => Outcome::Pass,
        (Expected::Rejected, Ok(_)) => Outcome::Fail("Kusto rejects this query".to_owned()),
        (Expected::Table { .. }, Err(e)) => {
            Outcome::Fail(format!("error: {}", first_line(&e.to_string())))
        }
        (Expected::Table { columns, row_count, rows, complete }, Ok(result)) => {
            let names: Vec<(String, String)> =
                result.columns.iter().map(|c| (c.name.clone(), c.ty.name().to_owned())).collect();
            if let Some(reason) = compare_columns(columns, &names) {
                return Outcome::Fail(reason);
            }
            let actual: Vec<Vec<Value>> = result
                .batches
                .iter()
                .flat_map(|batch| {
                    let columns = &result.columns;
                    (0..batch.num_rows()).map(move |row| {
                        columns
                            .iter()
                            .zip(batch.columns())
                            .map(|(c, a)| json_value(a.as_ref(), row, c.ty))
                            .collect()
                    })
                })
                .collect();
            if actual.len() != *row_count {
                return Outcome::Fail(format!(
                    "row count: Kusto {row_count}, Calypso {}",
                    actual.len()
                ));
            }
            let cmp = Comparer {
                suite: case.suite,
                set_like: case.unordered_arrays
                    || SET_FUNCTIONS.iter().any(|f| case.query.contains(f)),
            };
            match cmp.rows(case, rows, &actual, *complete, &names) {
                None => Outcome::Pass,
                Some(reason) => Outcome::Fail(reason),
            }
        }
    }
}

fn is_not_supported(e: &calypso_binder::BindError) -> bool {
    matches!(e, calypso_binder::BindError::NotSupported { .. })
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(160).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

/// Functions whose arrays are sets: their elements may come in any order.
const SET_FUNCTIONS: [&str; 8] = [
    "make_set",
    "makeset",
    "make_bag",
    "set_union",
    "set_intersect",
    "set_difference",
    "bag_keys",
    "bag_merge",
];

fn compare_columns(
    expected: &[(String, Vec<String>)],
    actual: &[(String, String)],
) -> Option<String> {
    let render = |cols: Vec<String>| cols.join(", ");
    let differs = expected.len() != actual.len()
        || expected.iter().zip(actual).any(|((en, et), (an, at))| {
            !same_name(en, an) || (!et.is_empty() && !et.iter().any(|t| t == at))
        });
    differs.then(|| {
        format!(
            "columns: Kusto ({}), Calypso ({})",
            render(expected.iter().map(|(n, t)| format!("{n}:{}", t.join("|"))).collect()),
            render(actual.iter().map(|(n, t)| format!("{n}:{t}")).collect())
        )
    })
}

/// Names are equal, except that a per-run GUID in Kusto's name is ignored.
fn same_name(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    let guid_at = expected.char_indices().find(|&(i, _)| {
        expected[i..].len() >= 32 && expected[i..i + 32].chars().all(|c| c.is_ascii_hexdigit())
    });
    guid_at.is_some_and(|(i, _)| actual.starts_with(&expected[..i]))
}

struct Comparer {
    suite: Suite,
    set_like: bool,
}

impl Comparer {
    fn rows(
        &self,
        case: &Case,
        expected: &[Vec<Value>],
        actual: &[Vec<Value>],
        complete: bool,
        names: &[(String, String)],
    ) -> Option<String> {
        let types: Vec<&str> = names.iter().map(|(_, t)| t.as_str()).collect();
        let row_eq = |e: &Vec<Value>, a: &Vec<Value>| {
            e.len() == a.len() && e.iter().zip(a).zip(&types).all(|((e, a), t)| self.cell(e, a, t))
        };
        if !complete {
            // Only the first rows are known.
            let head = &actual[..expected.len().min(actual.len())];
            let ok = if case.ordered {
                expected.iter().zip(head).all(|(e, a)| row_eq(e, a))
            } else {
                sub_multiset(expected, actual, &row_eq)
            };
            return (!ok).then(|| "the recorded rows are not among Calypso's".to_owned());
        }
        if case.ordered && expected.iter().zip(actual).all(|(e, a)| row_eq(e, a)) {
            return None;
        }
        if !sub_multiset(expected, actual, &row_eq) {
            let missing = expected.iter().find(|e| !actual.iter().any(|a| row_eq(e, a)));
            return Some(match missing {
                Some(row) => format!("Kusto's row {} is missing", Value::from(row.clone())),
                None => "rows repeat a different number of times".to_owned(),
            });
        }
        if !case.ordered {
            return None;
        }
        // Same rows, other order: fine where rows tie on every sort key.
        let keys: Option<Vec<usize>> = case
            .order_columns
            .iter()
            .map(|c| c.as_ref().and_then(|c| names.iter().position(|(n, _)| n == c)))
            .collect();
        match keys {
            Some(keys) if !keys.is_empty() => {
                let key_eq = |e: &Vec<Value>, a: &Vec<Value>| {
                    keys.iter().all(|&k| self.cell(&e[k], &a[k], types[k]))
                };
                let ok = expected.iter().zip(actual).all(|(e, a)| key_eq(e, a));
                (!ok).then(|| "rows in another order".to_owned())
            }
            // The keys cannot be seen: the multiset comparison stands.
            _ if self.suite == Suite::Oracle => None,
            _ => Some("rows in another order".to_owned()),
        }
    }

    /// One cell of type `ty`.
    fn cell(&self, expected: &Value, actual: &Value, ty: &str) -> bool {
        match (expected, actual) {
            (Value::Null, Value::Null) => true,
            _ if ty == "real" || ty == "decimal" => self.real(expected, actual),
            _ if ty == "timespan" => {
                let ticks =
                    |v: &Value| v.as_str().and_then(calypso_syntax::literal::parse_timespan);
                expected == actual
                    || (ticks(expected).is_some() && ticks(expected) == ticks(actual))
            }
            _ if ty == "dynamic" => self.json(expected, actual),
            (Value::Number(e), Value::Number(a)) => match (e.as_i64(), a.as_i64()) {
                (Some(e), Some(a)) => e == a,
                _ => e.as_f64() == a.as_f64(),
            },
            _ => expected == actual,
        }
    }

    fn real(&self, expected: &Value, actual: &Value) -> bool {
        let as_f64 = |v: &Value| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => match s.as_str() {
                "NaN" => Some(f64::NAN),
                "Infinity" => Some(f64::INFINITY),
                "-Infinity" => Some(f64::NEG_INFINITY),
                other => other.parse().ok(),
            },
            _ => None,
        };
        let (Some(e), Some(a)) = (as_f64(expected), as_f64(actual)) else { return false };
        if e.is_nan() || a.is_nan() {
            return e.is_nan() && a.is_nan();
        }
        if e == a {
            return true;
        }
        let relative = ((e - a) / e.abs().max(a.abs())).abs();
        match self.suite {
            Suite::Oracle => relative < 1e-9,
            // The documentation rounds: equal at the decimals it shows.
            Suite::Docs => {
                let shown = expected.to_string();
                let decimals = shown.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
                let scale = 10f64.powi(decimals);
                relative < 1e-6 || (a * scale).round() / scale == e
            }
        }
    }

    /// Dynamic values as JSON: objects in any key order, numbers by value,
    /// arrays in order unless the query builds sets.
    fn json(&self, expected: &Value, actual: &Value) -> bool {
        match (expected, actual) {
            (Value::Number(e), Value::Number(a)) => match (e.as_i64(), a.as_i64()) {
                (Some(e), Some(a)) => e == a,
                _ => e.as_f64() == a.as_f64(),
            },
            (Value::Object(e), Value::Object(a)) => {
                e.len() == a.len()
                    && e.iter().all(|(k, ev)| a.get(k).is_some_and(|av| self.json(ev, av)))
            }
            (Value::Array(e), Value::Array(a)) if self.set_like => {
                e.len() == a.len() && sub_multiset(e, a, &|x, y| self.json(x, y))
            }
            (Value::Array(e), Value::Array(a)) => {
                e.len() == a.len() && e.iter().zip(a).all(|(x, y)| self.json(x, y))
            }
            _ => expected == actual,
        }
    }
}

/// Whether every item of `expected` matches its own item of `actual`.
fn sub_multiset<T>(expected: &[T], actual: &[T], eq: &dyn Fn(&T, &T) -> bool) -> bool {
    let mut used = vec![false; actual.len()];
    expected.iter().all(|e| {
        let found = actual.iter().enumerate().position(|(i, a)| !used[i] && eq(e, a));
        found.map(|i| used[i] = true).is_some()
    })
}

/// The outcome of every case, for reports.
pub struct Report {
    /// (case, outcome) in file order.
    pub results: Vec<(Case, Outcome)>,
}

impl Report {
    /// Runs every case through one session.
    pub fn run(cases: Vec<Case>) -> Report {
        let session = Session::new();
        let results = cases
            .into_iter()
            .map(|case| {
                let outcome = run(&session, &case);
                (case, outcome)
            })
            .collect();
        Report { results }
    }

    /// (passed, total) over the cases `filter` keeps.
    pub fn rate(&self, filter: impl Fn(&Case) -> bool) -> (usize, usize) {
        let kept: Vec<_> = self.results.iter().filter(|(c, _)| filter(c)).collect();
        let passed = kept.iter().filter(|(_, o)| !matches!(o, Outcome::Fail(_))).count();
        (passed, kept.len())
    }
}
