//! Golden tests: syntax errors rendered as a user sees them (80 columns, no
//! colour), one file each in `tests/golden/`. `UPDATE_GOLDEN=1 cargo test`
//! rewrites them; review the diff.

use std::path::Path;

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, Report};

/// The common mistakes, each with the text that makes it.
const CASES: [(&str, &str); 9] = [
    ("missing_pipe", "SigninLogs\n| where ResultType == \"0\" project UserPrincipalName"),
    ("assign_for_compare", "SigninLogs | where UserType == \"Guest\" and ResultType = \"0\""),
    ("unclosed_string", "SigninLogs | where UserPrincipalName == 'alice"),
    ("unclosed_bracket", "SigninLogs\n| where (ResultType == \"0\""),
    ("trailing_pipe", "SigninLogs\n| where ResultType == \"0\"\n|"),
    ("mustache_placeholder", "SigninLogs | where TimeGenerated > todatetime({{StartTimeISO}})"),
    ("angle_placeholder", "_GetWatchlist(<Your Watchlist Name>) | project SearchKey"),
    ("unknown_operator", "SigninLogs | wher ResultType == \"0\""),
    ("blank_line_between_queries", "SigninLogs | take 1\n\nAuditLogs | take 1"),
];

fn render(name: &str, text: &str) -> String {
    let errors = calypso_syntax::parse_recovering(text).1;
    assert!(!errors.is_empty(), "{name} parses");
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(80);
    let mut out = String::new();
    for e in errors {
        let report =
            Report::new(e).with_source_code(NamedSource::new("query.kql", text.to_owned()));
        handler.render_report(&mut out, report.as_ref()).unwrap();
    }
    out
}

#[test]
fn rendered_diagnostics_match_the_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for (name, text) in CASES {
        let rendered = render(name, text);
        let path = dir.join(format!("{name}.txt"));
        if update {
            std::fs::write(&path, &rendered).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_default();
        if golden != rendered {
            stale.push(format!("{name}:\n--- golden\n{golden}\n--- now\n{rendered}"));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn every_broken_statement_is_reported() {
    let text = "let a = SigninLogs | wher x;\nlet b = 1 +;\nprint ok = 1;\nT | take";
    let (script, errors) = calypso_syntax::parse_recovering(text);
    let at: Vec<&str> = errors.iter().map(|e| &text[e.span().start..e.span().end]).collect();
    assert_eq!(at, ["wher", ";", "take"]);
    // The statement between them parsed.
    assert_eq!(script.statements.len(), 1);
}
