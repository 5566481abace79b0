//! When typed text is a whole query.
//!
//! A query runs when it ends in a query statement (not a `let`) and either
//! the line just finished is empty or the text ends in `;`. So a detection
//! pasted over many lines, `let` statements and all, runs as one query, and
//! `SigninLogs` followed by Enter waits for more instead of running half a
//! query. A dot command is one line.

use calypso_syntax::ast::StatementKind;

/// Whether `text`, whose last line is the one just finished, is ready to run.
pub(crate) fn is_complete(text: &str) -> bool {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return true;
    }
    if trimmed.starts_with('.') && !trimmed.contains('\n') {
        return true;
    }
    let last_line = text.rsplit('\n').next().unwrap_or_default();
    let ended = last_line.trim().is_empty() || trimmed.ends_with(';');
    match calypso_syntax::parse(trimmed) {
        // `let x = ...;` alone has nothing to show: wait for the query.
        Ok(script) => match script.statements.last().map(|s| &s.kind) {
            Some(StatementKind::Query(_)) => ended,
            Some(_) => false,
            None => last_line.trim().is_empty(),
        },
        // Broken only at its end (an open bracket, a trailing `|`): wait for
        // more. Broken before: run it when ended, so that the error shows.
        Err(e) if e.is_at_end() => false,
        Err(_) => ended,
    }
}

#[cfg(test)]
mod tests {
    use super::is_complete;

    #[test]
    fn a_query_runs_after_an_empty_line_or_a_semicolon() {
        // A finished line that is not empty waits for more.
        assert!(!is_complete("SigninLogs"));
        assert!(!is_complete("SigninLogs\n| where ResultType == \"0\""));
        // An empty line ends a complete query.
        assert!(is_complete("SigninLogs\n"));
        assert!(is_complete("SigninLogs\n| take 3\n"));
        // `;` ends it at once.
        assert!(is_complete("SigninLogs | take 3;"));
        // Dot commands are one line; nothing typed is nothing to do.
        assert!(is_complete(".tables"));
        assert!(is_complete("   "));
    }

    #[test]
    fn text_broken_only_at_its_end_waits_for_more() {
        assert!(!is_complete("SigninLogs |\n"));
        assert!(!is_complete("SigninLogs | where (a\n"));
        assert!(!is_complete("print 'abc\n"));
        // Broken in the middle: it runs, and the error is shown.
        assert!(is_complete("SigninLogs | whre x\n"));
        assert!(is_complete("SigninLogs | whre x;"));
    }

    #[test]
    fn let_statements_wait_for_their_query() {
        assert!(!is_complete("let n = 5;"));
        assert!(!is_complete("let n = 5;\n"));
        assert!(!is_complete("let n = 5;\nprint n"));
        assert!(is_complete("let n = 5;\nprint n\n"));
        assert!(is_complete("let n = 5; print n;"));
    }

    #[test]
    fn the_reference_detection_runs_only_when_whole() {
        let detection = include_str!("../../../../queries/mfa-fatigue.kql");
        let lines: Vec<&str> = detection.trim_end().lines().collect();
        for n in 1..=lines.len() {
            let typed = lines[..n].join("\n");
            assert!(!is_complete(&typed), "ran after line {n}: {}", lines[n - 1]);
        }
        assert!(is_complete(&format!("{}\n", lines.join("\n"))));
    }
}
