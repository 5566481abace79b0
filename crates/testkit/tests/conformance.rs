//! Conformance with Kusto: both suites of `shared/conformance/`, read in
//! place, with pass counts that may only go up.
//!
//! `CALYPSO_CONFORMANCE_REPORT=1` rewrites `docs/conformance.md`: the rates
//! per family and every failing case with its reason.

use std::fmt::Write as _;
use std::path::PathBuf;

use calypso_testkit::conformance::{Outcome, Report, Suite, load_docs, load_oracle};

/// The fewest cases of each suite that must pass. Raise them as Calypso
/// learns; never lower them. Each is 3 below the count measured when it was
/// set (`docs/conformance.md` has the current count): a few cases pick an
/// arbitrary row (`take_any`, ties of `arg_max`, `take` without `sort`), and
/// which one DataFusion's partitions give may differ from run to run.
const ORACLE_FLOOR: usize = 817;
const DOCS_FLOOR: usize = 197;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
}

#[test]
fn conformance_pass_counts_hold() {
    let mut cases = load_oracle(&shared().join("kusto-oracle.jsonl"));
    cases.extend(load_docs(&shared().join("cases.jsonl")));
    let report = Report::run(cases);

    let (oracle, oracle_total) = report.rate(|c| c.suite == Suite::Oracle);
    let (docs, docs_total) = report.rate(|c| c.suite == Suite::Docs);
    if std::env::var_os("CALYPSO_CONFORMANCE_REPORT").is_some() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/conformance.md");
        std::fs::write(path, markdown(&report)).expect("docs/conformance.md can be written");
    }
    assert!(oracle >= ORACLE_FLOOR, "oracle: {oracle}/{oracle_total} is below {ORACLE_FLOOR}");
    assert!(docs >= DOCS_FLOOR, "docs: {docs}/{docs_total} is below {DOCS_FLOOR}");
}

fn percent(passed: usize, total: usize) -> String {
    format!("{:.1}%", 100.0 * passed as f64 / total.max(1) as f64)
}

fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let (o, ot) = report.rate(|c| c.suite == Suite::Oracle);
    let (d, dt) = report.rate(|c| c.suite == Suite::Docs);
    let refused = |suite| {
        report
            .results
            .iter()
            .filter(|(c, r)| c.suite == suite && *r == Outcome::PassRefused)
            .count()
    };
    let _ = writeln!(
        out,
        "# Conformance with Kusto\n\n\
         Calypso's answers to the Kusto-answered queries of `../shared/conformance/`, compared as\n\
         `KUSTO-ORACLE.md` prescribes. Written by\n\n\
         ```sh\nCALYPSO_CONFORMANCE_REPORT=1 cargo test -p calypso-testkit --test conformance\n```\n\n\
         | suite | passed | rate |\n| --- | --- | --- |\n\
         | `kusto-oracle.jsonl` (Kusto engine) | {o} / {ot} | {} |\n\
         | `cases.jsonl` (documentation examples) | {d} / {dt} | {} |\n\n\
         A case Kusto rejects passes when Calypso rejects it too; of those passes, {} (oracle) and\n\
         {} (docs) are Calypso refusing something it does not support yet rather than finding the\n\
         error Kusto found.\n",
        percent(o, ot),
        percent(d, dt),
        refused(Suite::Oracle),
        refused(Suite::Docs),
    );
    let mut families: Vec<&str> = report
        .results
        .iter()
        .filter(|(c, _)| c.suite == Suite::Oracle)
        .map(|(c, _)| c.family.as_str())
        .collect();
    families.sort();
    families.dedup();
    let _ = writeln!(out, "## Oracle families\n\n| family | passed | rate |\n| --- | --- | --- |");
    for family in families {
        let (p, t) = report.rate(|c| c.suite == Suite::Oracle && c.family == family);
        let _ = writeln!(out, "| {family} | {p} / {t} | {} |", percent(p, t));
    }
    for (suite, title) in [(Suite::Oracle, "oracle"), (Suite::Docs, "documentation")] {
        let _ = writeln!(out, "\n## Failing {title} cases\n");
        for (case, outcome) in &report.results {
            if let (true, Outcome::Fail(reason)) = (case.suite == suite, outcome) {
                let _ = writeln!(out, "- `{}`: {}", case.id, reason.replace('\n', " "));
            }
        }
    }
    out
}
