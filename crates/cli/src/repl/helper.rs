//! What rustyline asks of the REPL: when input is complete, completions,
//! and colours.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use calypso_engine::Session;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::commands::COMMANDS;
use super::input::is_complete;

/// Words highlighted as keywords: operators and the words inside them.
const KEYWORDS: [&str; 40] = [
    "let",
    "set",
    "declare",
    "query_parameters",
    "by",
    "on",
    "kind",
    "with",
    "and",
    "or",
    "not",
    "in",
    "has",
    "has_cs",
    "has_any",
    "has_all",
    "contains",
    "contains_cs",
    "startswith",
    "endswith",
    "matches",
    "regex",
    "between",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "to",
    "step",
    "from",
    "of",
    "true",
    "false",
    "view",
    "print",
    "datatable",
    "materialize",
    "toscalar",
    "bagexpand",
];

/// The REPL's rustyline helper.
pub(crate) struct KqlHelper {
    session: Rc<RefCell<Session>>,
    files: FilenameCompleter,
    /// Colours, unless `NO_COLOR` is set (no-color.org).
    colour: bool,
}

impl KqlHelper {
    pub(crate) fn new(session: Rc<RefCell<Session>>) -> Self {
        let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        KqlHelper { session, files: FilenameCompleter::new(), colour }
    }
}

impl Helper for KqlHelper {}

impl Validator for KqlHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if is_complete(ctx.input()) {
            ValidationResult::Valid(None)
        } else {
            ValidationResult::Incomplete
        })
    }
}

impl Hinter for KqlHelper {
    type Hint = String;
}

impl Completer for KqlHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        if let Some(rest) = before.strip_prefix('.') {
            if !rest.contains(char::is_whitespace) {
                let names = COMMANDS.iter().map(|(n, _, _)| *n);
                return Ok((0, matching(before, names.map(|n| (n.to_owned(), format!("{n} "))))));
            }
            let command = before.split_whitespace().next().unwrap_or_default();
            if matches!(command, ".load" | ".read" | ".output") {
                return self.files.complete(line, pos, ctx);
            }
            let start = word_start(before, false);
            let word = &before[start..];
            let options: Vec<String> = match command {
                ".schema" => self.session.borrow().tables().map(|t| t.name.clone()).collect(),
                ".format" => ["table", "csv", "json", "jsonl"].map(String::from).to_vec(),
                ".timer" => ["on", "off"].map(String::from).to_vec(),
                ".now" => vec!["off".to_owned()],
                _ => Vec::new(),
            };
            return Ok((start, matching(word, options.into_iter().map(|o| (o.clone(), o)))));
        }
        Ok(self.complete_query(before))
    }
}

impl KqlHelper {
    /// Completions inside a query: operators after `|`, tables where a
    /// statement starts, else the columns flowing into the current operator
    /// and the functions.
    fn complete_query(&self, before: &str) -> (usize, Vec<Pair>) {
        let after_pipe = before[..word_start(before, true)].trim_end().ends_with('|');
        if after_pipe {
            let start = word_start(before, true);
            // The parser's own list; `sort` and `order` come with their `by`.
            let ops = calypso_syntax::operator_names().iter().map(|&o| match o {
                "order" | "sort" => (format!("{o} by"), format!("{o} by ")),
                _ => (o.to_owned(), format!("{o} ")),
            });
            return (start, matching(&before[start..], ops));
        }
        let start = word_start(before, false);
        let word = &before[start..];
        let head = before[..start].trim_end();
        let session = self.session.borrow();
        let statement_start = head.rfind(';').map_or(0, |i| i + 1);
        let mut options: Vec<(String, String)> = Vec::new();
        if head[statement_start..].trim().is_empty() || head.ends_with('(') {
            options.extend(session.tables().map(|t| (t.name.clone(), t.name.clone())));
            options.extend(
                ["let", "print", "range", "datatable", "union"]
                    .map(|k| (k.to_owned(), format!("{k} "))),
            );
            return (start, matching(word, options.into_iter()));
        }
        if let Some(pipe) = head[statement_start..].rfind('|') {
            let input = &before[..statement_start + pipe];
            if let Some(columns) = session.result_columns(input) {
                options.extend(
                    columns.into_iter().map(|c| (format!("{} ({})", c.name, c.ty), c.name)),
                );
            }
        }
        options.extend(
            calypso_binder::function_names()
                .into_iter()
                .map(|f| (format!("{f}()"), format!("{f}("))),
        );
        (start, matching(word, options.into_iter()))
    }
}

/// Where the word ending at the cursor starts; operator names may hold `-`.
fn word_start(before: &str, operator: bool) -> usize {
    before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || (operator && c == '-')))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// The options that start with `word` (ignoring case), by display text.
fn matching(word: &str, options: impl Iterator<Item = (String, String)>) -> Vec<Pair> {
    let lower = word.to_lowercase();
    let mut pairs: Vec<Pair> = options
        .filter(|(_, replacement)| replacement.to_lowercase().starts_with(&lower))
        .map(|(display, replacement)| Pair { display, replacement })
        .collect();
    pairs.sort_by(|a, b| a.display.cmp(&b.display));
    pairs.dedup_by(|a, b| a.replacement == b.replacement);
    pairs
}

impl Highlighter for KqlHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        if !self.colour || line.starts_with('.') {
            return Cow::Borrowed(line);
        }
        Cow::Owned(paint(line, pos))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.colour
    }
}

const KEYWORD: &str = "\x1b[1;34m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[33m";
const COMMENT: &str = "\x1b[90m";
const PIPE: &str = "\x1b[1;36m";
const BRACKET: &str = "\x1b[1;4m";
const RESET: &str = "\x1b[0m";

/// The kind of each piece of `line`, by byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Keyword,
    Str,
    Number,
    Comment,
    Pipe,
    Bracket,
    Other,
}

/// Splits a line into coloured pieces; tolerant of unfinished text.
pub(crate) fn pieces(line: &str) -> Vec<(usize, usize, Piece)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let piece = if line[i..].starts_with("//") {
            i = line[i..].find('\n').map_or(bytes.len(), |n| i + n);
            Piece::Comment
        } else if b == b'"'
            || b == b'\''
            || (matches!(b, b'@' | b'h' | b'H') && matches!(bytes.get(i + 1), Some(b'"' | b'\'')))
        {
            let verbatim = b == b'@';
            if b != b'"' && b != b'\'' {
                i += 1;
            }
            let quote = bytes[i];
            i += 1;
            while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' && !verbatim { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
            Piece::Str
        } else if b.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            Piece::Number
        } else if b.is_ascii_alphabetic() || b == b'_' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
            {
                i += 1;
            }
            // `project-away` is one word; `a-b` is not.
            let mut word = &line[start..i];
            while word.ends_with('-') || (word.contains('-') && !is_keyword(word)) {
                let cut = word.rfind('-').expect("a hyphen");
                word = &word[..cut];
            }
            i = start + word.len();
            if is_keyword(word) { Piece::Keyword } else { Piece::Other }
        } else if b == b'|' {
            i += 1;
            Piece::Pipe
        } else if matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}') {
            i += 1;
            Piece::Bracket
        } else {
            i += line[i..].chars().next().map_or(1, char::len_utf8);
            Piece::Other
        };
        out.push((start, i, piece));
    }
    out
}

fn is_keyword(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    calypso_syntax::operator_names().contains(&lower.as_str())
        || KEYWORDS.contains(&lower.as_str())
        || word == "!has"
}

/// The bracket matching the one at or just before the cursor, with it.
fn matching_bracket(
    pieces: &[(usize, usize, Piece)],
    line: &str,
    pos: usize,
) -> Option<(usize, usize)> {
    let brackets: Vec<usize> =
        pieces.iter().filter(|p| p.2 == Piece::Bracket).map(|p| p.0).collect();
    let at = *brackets.iter().find(|&&b| b == pos || b + 1 == pos)?;
    let open = |c: u8| matches!(c, b'(' | b'[' | b'{');
    let pair = |c: u8| match c {
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        b')' => b'(',
        b']' => b'[',
        _ => b'{',
    };
    let bytes = line.as_bytes();
    let (c, want) = (bytes[at], pair(bytes[at]));
    let mut depth = 0;
    let ordered: Box<dyn Iterator<Item = &usize>> = if open(c) {
        Box::new(brackets.iter().filter(move |&&b| b > at))
    } else {
        Box::new(brackets.iter().rev().filter(move |&&b| b < at))
    };
    for &b in ordered {
        if bytes[b] == c {
            depth += 1;
        } else if bytes[b] == want {
            if depth == 0 {
                return Some((at, b));
            }
            depth -= 1;
        }
    }
    None
}

/// `line` with ANSI colours: the display width is unchanged.
pub(crate) fn paint(line: &str, pos: usize) -> String {
    let pieces = pieces(line);
    let pair = matching_bracket(&pieces, line, pos);
    let mut out = String::with_capacity(line.len() * 2);
    for &(start, end, piece) in &pieces {
        let text = &line[start..end];
        let style = match piece {
            Piece::Bracket if pair.is_some_and(|(a, b)| start == a || start == b) => BRACKET,
            Piece::Keyword => KEYWORD,
            Piece::Str => STRING,
            Piece::Number => NUMBER,
            Piece::Comment => COMMENT,
            Piece::Pipe => PIPE,
            Piece::Bracket | Piece::Other => "",
        };
        if style.is_empty() {
            out.push_str(text);
        } else {
            out.push_str(style);
            out.push_str(text);
            out.push_str(RESET);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<(&str, Piece)> {
        pieces(line)
            .into_iter()
            .filter(|p| !line[p.0..p.1].trim().is_empty())
            .map(|(s, e, k)| (&line[s..e], k))
            .collect()
    }

    #[test]
    fn pieces_of_a_query() {
        use Piece::*;
        assert_eq!(
            kinds("T | project-away a-b, 'x|y' // c"),
            [
                ("T", Other),
                ("|", Pipe),
                ("project-away", Keyword),
                ("a", Other),
                ("-", Other),
                ("b", Other),
                (",", Other),
                ("'x|y'", Str),
                ("// c", Comment)
            ]
        );
        assert_eq!(
            kinds("ago(1d)"),
            [("ago", Other), ("(", Bracket), ("1d", Number), (")", Bracket)]
        );
        // Unfinished text is still coloured.
        assert_eq!(kinds("@'c:\\"), [("@'c:\\", Str)]);
    }

    #[test]
    fn the_bracket_matching_the_cursor_is_marked() {
        let line = "f(a, (b))";
        let pieces = pieces(line);
        assert_eq!(matching_bracket(&pieces, line, 1), Some((1, 8)));
        assert_eq!(matching_bracket(&pieces, line, 9), Some((8, 1)));
        assert_eq!(matching_bracket(&pieces, line, 6), Some((5, 7)));
        assert_eq!(matching_bracket(&pieces, line, 3), None);
        let painted = paint(line, 1);
        assert!(painted.starts_with("f\x1b[1;4m(\x1b[0m"), "{painted:?}");
        assert!(painted.ends_with("\x1b[1;4m)\x1b[0m"), "{painted:?}");
    }

    #[test]
    fn word_boundaries() {
        assert_eq!(word_start("T | project-aw", true), 4);
        assert_eq!(word_start("T | project-aw", false), 12);
        assert_eq!(word_start("x", false), 0);
    }
}

#[cfg(test)]
mod completion_tests {
    use super::*;

    fn helper() -> (KqlHelper, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Logons.jsonl");
        std::fs::write(
            &path,
            "{\"Account\":\"a\",\"Count\":1,\"When\":\"2026-12-03T10:00:00Z\"}\n",
        )
        .unwrap();
        let mut session = Session::new();
        let source = calypso_io::TableSource { name: "Logons".into(), files: vec![path] };
        session.load(&source, calypso_io::LoadOptions::default()).unwrap();
        (KqlHelper::new(Rc::new(RefCell::new(session))), dir)
    }

    fn replacements(helper: &KqlHelper, before: &str) -> (usize, Vec<String>) {
        let (start, pairs) = helper.complete_query(before);
        (start, pairs.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn operators_after_a_pipe() {
        let (helper, _dir) = helper();
        let (start, options) = replacements(&helper, "Logons | proj");
        assert_eq!(start, 9);
        assert_eq!(
            options,
            ["project ", "project-away ", "project-keep ", "project-rename ", "project-reorder "]
        );
    }

    #[test]
    fn tables_where_a_statement_starts() {
        let (helper, _dir) = helper();
        assert_eq!(replacements(&helper, "Log").1, ["Logons"]);
        assert_eq!(replacements(&helper, "let x = 1;\nLo").1, ["Logons"]);
    }

    #[test]
    fn columns_of_the_input_to_the_current_operator() {
        let (helper, _dir) = helper();
        // The columns flowing in, after the projection that renamed one.
        let (start, options) =
            replacements(&helper, "Logons | project Who = Account, When | where W");
        assert_eq!(start, 45);
        assert_eq!(options, ["When", "Who", "week_of_year(", "weekofyear("]);
        // Functions too, with their parenthesis.
        assert!(
            replacements(&helper, "Logons | extend s = strl").1.contains(&"strlen(".to_owned())
        );
    }
}
