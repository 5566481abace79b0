//! When typed text is a whole query.
//!
//! A query runs when the line just finished is empty and the parser finds
//! the text complete, or when it ends in `;`. So a detection pasted over
//! many lines runs as one query, and `SigninLogs` followed by Enter waits
//! for more instead of running half a query. A dot command is one line.

use calypso_syntax::SyntaxError;

/// Whether `text`, whose last line is the one just finished, is ready to run.
pub(crate) fn is_complete(text: &str) -> bool {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.ends_with(';') {
        return true;
    }
    if trimmed.starts_with('.') && !trimmed.contains('\n') {
        return true;
    }
    let last_line = text.rsplit('\n').next().unwrap_or_default();
    if !last_line.trim().is_empty() {
        return false;
    }
    match calypso_syntax::parse(trimmed) {
        Ok(_) => true,
        // Broken before its end: run it, so that the error shows. Broken
        // only at its end (an open bracket, a trailing `|`): wait for more.
        Err(e) => !(e.span().start >= trimmed.len() || is_unterminated(&e)),
    }
}

fn is_unterminated(e: &SyntaxError) -> bool {
    matches!(e, SyntaxError::UnterminatedString { .. })
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
    }
}
