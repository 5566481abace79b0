//! The lexer: query text to tokens, with nom.
//!
//! Tokens carry spans and decoded values (string escapes resolved, timespan
//! literals converted to nanoseconds). Typed literals whose parentheses hold
//! raw text — `datetime(2024-01-01 10:00)`, `timespan(1.02:03:04)`,
//! `long(null)` — are one token each, because their contents do not follow
//! the token rules. Comments and white space are dropped.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::satisfy;
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser};

use crate::{KqlType, Span, SyntaxError};

/// A token and its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of token.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// An identifier or keyword; its text is the span's.
    Ident(String),
    /// `['name']` or `["name"]`: a quoted identifier.
    QuotedIdent(String),
    /// A string literal, decoded.
    String(String),
    /// An integer literal.
    Long(i64),
    /// `9223372036854775808`: too large for a long, but after a `-` among a
    /// `datatable`'s values or in a `dynamic` literal it is the smallest
    /// long, which has no other spelling.
    LongMinMagnitude,
    /// A real literal.
    Real(f64),
    /// A timespan literal, in nanoseconds.
    Timespan(i64),
    /// A typed literal with raw contents: `datetime(...)`, `long(null)`, ….
    Typed(KqlType, String),
    /// Punctuation or an operator symbol.
    Punct(&'static str),
    /// The end of the text.
    Eof,
}

impl TokenKind {
    /// The token described for an error message ("`|`", "identifier `foo`").
    pub fn describe(&self) -> String {
        match self {
            TokenKind::Ident(name) => format!("`{name}`"),
            TokenKind::QuotedIdent(name) => format!("identifier `['{name}']`"),
            TokenKind::String(_) => "a string literal".to_owned(),
            TokenKind::Long(_) | TokenKind::LongMinMagnitude | TokenKind::Real(_) => {
                "a number".to_owned()
            }
            TokenKind::Timespan(_) => "a timespan literal".to_owned(),
            TokenKind::Typed(ty, _) => format!("a {ty} literal"),
            TokenKind::Punct(p) => format!("`{p}`"),
            TokenKind::Eof => crate::error::END_OF_QUERY.to_owned(),
        }
    }
}

/// Punctuation, longest first so that `==` wins over `=`.
const PUNCTS: [&str; 29] = [
    "==", "!=", "<>", "<=", ">=", "=~", "!~", "..", "=>", "|", "(", ")", "[", "]", "{", "}", ",",
    ";", ":", ".", "=", "<", ">", "+", "-", "*", "/", "%", "!",
];

/// Nanoseconds per timespan unit, by every spelling KQL accepts.
const TIMESPAN_UNITS: [(&str, i64); 34] = [
    ("d", 86_400_000_000_000),
    ("day", 86_400_000_000_000),
    ("days", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("hr", 3_600_000_000_000),
    ("hrs", 3_600_000_000_000),
    ("hour", 3_600_000_000_000),
    ("hours", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("min", 60_000_000_000),
    ("minute", 60_000_000_000),
    ("minutes", 60_000_000_000),
    ("s", 1_000_000_000),
    ("sec", 1_000_000_000),
    ("second", 1_000_000_000),
    ("seconds", 1_000_000_000),
    ("ms", 1_000_000),
    ("milli", 1_000_000),
    ("millis", 1_000_000),
    ("millisec", 1_000_000),
    ("millisecond", 1_000_000),
    ("milliseconds", 1_000_000),
    ("micro", 1_000),
    ("micros", 1_000),
    ("microsec", 1_000),
    ("microsecond", 1_000),
    ("microseconds", 1_000),
    ("nano", 1),
    ("nanos", 1),
    ("nanosec", 1),
    ("nanosecond", 1),
    ("nanoseconds", 1),
    ("tick", 100),
    ("ticks", 100),
];

/// Nanoseconds in one `unit` of a timespan literal (`min`, `h`, `tick`, …).
pub(crate) fn timespan_unit(unit: &str) -> Option<i64> {
    TIMESPAN_UNITS.iter().find(|(name, _)| *name == unit).map(|&(_, nanos)| nanos)
}

/// Turns a query text into tokens, ending with [`TokenKind::Eof`].
pub fn tokenize(src: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut lexer = Lexer { src, pos: 0, tokens: Vec::new() };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
}

impl<'a> Lexer<'a> {
    fn run(&mut self) -> Result<(), SyntaxError> {
        loop {
            self.skip_trivia();
            let rest = &self.src[self.pos..];
            let Some(ch) = rest.chars().next() else {
                let end = self.src.len();
                self.tokens.push(Token { kind: TokenKind::Eof, span: Span::new(end, end) });
                return Ok(());
            };
            match ch {
                '"' | '\'' => self.string(self.pos, self.pos, false)?,
                '@' if rest[1..].starts_with(['"', '\'']) => {
                    self.string(self.pos, self.pos + 1, true)?
                }
                '`' if rest.starts_with("```") => self.multiline(self.pos, "```")?,
                '~' if rest.starts_with("~~~") => self.multiline(self.pos, "~~~")?,
                _ if crate::literal::starts_with_guid(rest) => {
                    let start = self.pos;
                    self.pos += 36;
                    self.push(TokenKind::Typed(KqlType::Guid, rest[..36].to_owned()), start);
                }
                '0'..='9' => self.number()?,
                '[' if rest[1..].starts_with(['"', '\'']) => self.quoted_ident()?,
                c if is_ident_start(c) => self.ident()?,
                _ => self.punct(ch)?,
            }
        }
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token { kind, span: Span::new(start, self.pos) });
    }

    fn skip_trivia(&mut self) {
        loop {
            let rest = &self.src[self.pos..];
            let trimmed = rest.trim_start();
            let mut skipped = rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                skipped += trimmed.find('\n').unwrap_or(trimmed.len());
            }
            if skipped == 0 {
                return;
            }
            self.pos += skipped;
        }
    }

    fn ident(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        let (_, text) = identifier(&self.src[start..]).expect("caller checked the first char");
        self.pos += text.len();

        // `h"..."` and `h@'...'` are obfuscated strings: the same value.
        let rest = &self.src[self.pos..];
        if (text == "h" || text == "H") && rest.starts_with(['"', '\'']) {
            return self.string(start, self.pos, false);
        }
        if (text == "h" || text == "H")
            && rest.starts_with('@')
            && rest[1..].starts_with(['"', '\''])
        {
            return self.string(start, self.pos + 1, true);
        }
        if let Some(ty) = raw_literal_type(text) {
            let after = rest.trim_start();
            if after.starts_with('(') {
                let open = self.pos + (rest.len() - after.len());
                return self.typed_literal(start, open, ty, text);
            }
        }
        self.push(TokenKind::Ident(text.to_owned()), start);
        Ok(())
    }

    /// `type(raw)`: everything up to the matching `)` is the literal's text.
    fn typed_literal(
        &mut self,
        start: usize,
        open: usize,
        ty: KqlType,
        name: &str,
    ) -> Result<(), SyntaxError> {
        let body = &self.src[open + 1..];
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        for (i, c) in body.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '(') => depth += 1,
                (None, ')') if depth == 0 => {
                    let raw = body[..i].trim().to_owned();
                    self.pos = open + 1 + i + 1;
                    self.push(TokenKind::Typed(ty, raw), start);
                    return Ok(());
                }
                (None, ')') => depth -= 1,
                (None, '\n') => break,
                _ => {}
            }
        }
        Err(SyntaxError::UnterminatedLiteral {
            name: name.to_owned(),
            span: Span::new(start, open + 1),
        })
    }

    /// `['name']` is a quoted name; a `[` followed by anything else after the
    /// string (as in `dynamic(['a', 'b'])`) is plain punctuation.
    fn quoted_ident(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let TokenKind::String(name) = self.scan_string(self.pos, false)? else {
            unreachable!("scan_string returns strings")
        };
        let rest = &self.src[self.pos..];
        let trimmed = rest.trim_start();
        if !trimmed.starts_with(']') {
            self.pos = start + 1;
            self.push(TokenKind::Punct("["), start);
            return Ok(());
        }
        self.pos += rest.len() - trimmed.len() + 1;
        self.push(TokenKind::QuotedIdent(name), start);
        Ok(())
    }

    /// A string starting at `start` (its prefix, if any) whose quote is at `quote_at`.
    fn string(&mut self, start: usize, quote_at: usize, verbatim: bool) -> Result<(), SyntaxError> {
        let kind = self.scan_string(quote_at, verbatim)?;
        self.push(kind, start);
        Ok(())
    }

    fn scan_string(&mut self, quote_at: usize, verbatim: bool) -> Result<TokenKind, SyntaxError> {
        let quote = self.src[quote_at..].chars().next().expect("caller saw a quote");
        let body_start = quote_at + 1;
        let mut value = String::new();
        let mut chars = self.src[body_start..].char_indices().peekable();
        let unterminated =
            |end: usize| SyntaxError::UnterminatedString { span: Span::new(quote_at, end) };
        while let Some((i, c)) = chars.next() {
            let at = body_start + i;
            match c {
                '\n' => return Err(unterminated(at)),
                c if c == quote && verbatim && chars.peek().map(|&(_, n)| n) == Some(quote) => {
                    chars.next();
                    value.push(quote);
                }
                c if c == quote => {
                    self.pos = at + 1;
                    return Ok(TokenKind::String(value));
                }
                '\\' if !verbatim => {
                    let decoded = decode_escape(&self.src[at..]).map_err(|len| {
                        // The bad sequence ends on a whole character.
                        let rest = &self.src[at..];
                        let len = (len.min(rest.len())..=rest.len())
                            .find(|&n| rest.is_char_boundary(n))
                            .unwrap_or(rest.len());
                        SyntaxError::InvalidEscape {
                            sequence: self.src[at..at + len].to_owned(),
                            span: Span::new(at, at + len),
                        }
                    })?;
                    value.push(decoded.0);
                    // Skip the rest of the escape (its first char is `\`).
                    let end = at + decoded.1;
                    while chars.peek().is_some_and(|&(j, _)| body_start + j < end) {
                        chars.next();
                    }
                }
                c => value.push(c),
            }
        }
        Err(unterminated(self.src.len()))
    }

    fn multiline(&mut self, start: usize, fence: &str) -> Result<(), SyntaxError> {
        let body_start = start + fence.len();
        match self.src[body_start..].find(fence) {
            Some(len) => {
                let value = self.src[body_start..body_start + len].to_owned();
                self.pos = body_start + len + fence.len();
                self.push(TokenKind::String(value), start);
                Ok(())
            }
            None => Err(SyntaxError::UnterminatedString { span: Span::new(start, body_start) }),
        }
    }

    fn number(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos;
        let rest = &self.src[start..];
        let (_, text) = number_text(rest).expect("caller saw a digit");
        let (_, suffix) = identifier_tail(&rest[text.len()..]).unwrap_or(("", ""));
        self.pos += text.len() + suffix.len();
        let span = Span::new(start, self.pos);
        let invalid = |reason: &str| SyntaxError::InvalidNumber {
            text: rest[..text.len() + suffix.len()].to_owned(),
            span,
            reason: reason.to_owned(),
        };

        if !suffix.is_empty() {
            let Some(unit) = timespan_unit(suffix) else {
                return Err(invalid("unknown timespan unit; use d, h, m, s, ms, micro, tick, …"));
            };
            let amount: f64 = text.parse().map_err(|_| invalid("not a number"))?;
            let nanos = amount * unit as f64;
            if !nanos.is_finite() || nanos.abs() > i64::MAX as f64 {
                return Err(invalid("timespan out of range"));
            }
            self.push(TokenKind::Timespan(nanos.round() as i64), start);
            return Ok(());
        }
        let kind = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            TokenKind::Long(i64::from_str_radix(hex, 16).map_err(|_| invalid("out of range"))?)
        } else if text.contains(['.', 'e', 'E']) {
            TokenKind::Real(text.parse().map_err(|_| invalid("not a number"))?)
        } else if text == "9223372036854775808" {
            TokenKind::LongMinMagnitude
        } else {
            TokenKind::Long(text.parse().map_err(|_| invalid("too large for a long"))?)
        };
        self.push(kind, start);
        Ok(())
    }

    fn punct(&mut self, ch: char) -> Result<(), SyntaxError> {
        let start = self.pos;
        let rest = &self.src[start..];
        match PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            Some(p) => {
                self.pos += p.len();
                self.push(TokenKind::Punct(p), start);
                Ok(())
            }
            None if ch == '~' => {
                self.pos += 1;
                self.push(TokenKind::Punct("~"), start);
                Ok(())
            }
            None => Err(SyntaxError::UnexpectedCharacter {
                ch,
                span: Span::new(start, start + ch.len_utf8()),
                help: (ch == '&').then(|| "KQL writes logical and as `and`".to_owned()),
            }),
        }
    }
}

/// The type of a typed literal whose parentheses hold raw text.
fn raw_literal_type(name: &str) -> Option<KqlType> {
    match name {
        "datetime" | "date" | "timespan" | "time" | "guid" | "int" | "long" | "real" | "double"
        | "bool" | "boolean" | "decimal" => KqlType::from_name(name),
        _ => None,
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn identifier(input: &str) -> IResult<&str, &str> {
    recognize((satisfy(is_ident_start), take_while(is_ident_char))).parse(input)
}

fn identifier_tail(input: &str) -> IResult<&str, &str> {
    take_while1(is_ident_char).parse(input)
}

/// `0x1F`, `12`, `1.5`, `1.`, `1e3`, `2.5e-3`; never the `..` of a range.
fn number_text(input: &str) -> IResult<&str, &str> {
    let digits = || take_while1(|c: char| c.is_ascii_digit());
    let hex =
        recognize((alt((tag("0x"), tag("0X"))), take_while1(|c: char| c.is_ascii_hexdigit())));
    let fraction = recognize((
        satisfy(|c| c == '.'),
        nom::combinator::not(satisfy(|c| c == '.')),
        take_while(|c: char| c.is_ascii_digit()),
    ));
    let exponent = recognize((
        alt((tag("e"), tag("E"))),
        opt(alt((tag("+"), tag("-")))),
        take_while1(|c: char| c.is_ascii_digit()),
    ));
    alt((hex, recognize((digits(), opt(fraction), opt(exponent))))).parse(input)
}

/// Decodes the escape at the start of `text` (which begins with `\`):
/// the character and the escape's length in bytes, or the length of the bad
/// sequence.
fn decode_escape(text: &str) -> Result<(char, usize), usize> {
    let mut chars = text.chars();
    chars.next();
    let Some(c) = chars.next() else { return Err(1) };
    let simple = match c {
        '\\' => Some('\\'),
        '\'' => Some('\''),
        '"' => Some('"'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        _ => None,
    };
    if let Some(decoded) = simple {
        return Ok((decoded, 2));
    }
    let (radix, len) = match c {
        'u' => (16, 4),
        'U' => (16, 8),
        'x' => (16, 2),
        '0'..='7' => (8, 3),
        _ => return Err(1 + c.len_utf8()),
    };
    let digits_at = if radix == 8 { 1 } else { 2 };
    let digits = text.get(digits_at..digits_at + len).ok_or(text.len().min(digits_at + len))?;
    u32::from_str_radix(digits, radix)
        .ok()
        .and_then(char::from_u32)
        .map(|ch| (ch, digits_at + len))
        .ok_or(digits_at + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn timespans_convert_to_nanoseconds() {
        let ns = |s: &str| match &kinds(s)[0] {
            TokenKind::Timespan(n) => *n,
            other => panic!("{other:?}"),
        };
        assert_eq!(ns("30min"), 30 * 60 * 1_000_000_000);
        assert_eq!(ns("24h"), 24 * 3_600 * 1_000_000_000);
        assert_eq!(ns("1d"), 86_400 * 1_000_000_000);
        assert_eq!(ns("100ms"), 100_000_000);
        assert_eq!(ns("1tick"), 100);
        assert_eq!(ns("1.5h"), 5_400 * 1_000_000_000);
    }

    #[test]
    fn numbers_and_ranges() {
        assert_eq!(kinds("0x1F")[0], TokenKind::Long(31));
        assert_eq!(kinds("1.")[0], TokenKind::Real(1.0));
        assert_eq!(kinds("1e3")[0], TokenKind::Real(1000.0));
        assert_eq!(
            kinds("1..10"),
            vec![TokenKind::Long(1), TokenKind::Punct(".."), TokenKind::Long(10), TokenKind::Eof]
        );
        assert!(matches!(tokenize("12abc"), Err(SyntaxError::InvalidNumber { .. })));
    }

    #[test]
    fn strings_of_every_kind() {
        let s = |src: &str| match &kinds(src)[0] {
            TokenKind::String(v) => v.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(s(r#""a\tb\"c""#), "a\tb\"c");
        assert_eq!(s(r"'it\'s'"), "it's");
        assert_eq!(s(r#"@"C:\dir""#), r"C:\dir");
        assert_eq!(s(r#"@"a""b""#), "a\"b");
        assert_eq!(s(r#"h"secret""#), "secret");
        assert_eq!(s(r#"h@'x\y'"#), r"x\y");
        assert_eq!(s("```a\nb```"), "a\nb");
        assert_eq!(s(r#""\u00e9""#), "é");
        assert!(matches!(tokenize(r#""\q""#), Err(SyntaxError::InvalidEscape { .. })));
        assert!(matches!(tokenize("\"abc"), Err(SyntaxError::UnterminatedString { .. })));
    }

    #[test]
    fn a_bad_escape_before_a_wide_character_is_reported_whole() {
        // Found by fuzzing: the octal escape's three digits would end inside
        // `Ց` (two bytes); the error now spans the whole character.
        for src in ["\"\\33Ց\"", "\"\\uAՑ\"", "\"\\xé\""] {
            match tokenize(src) {
                Err(SyntaxError::InvalidEscape { sequence, span }) => {
                    assert_eq!(&src[span.start..span.end], sequence, "{src}");
                }
                other => panic!("{src}: {other:?}"),
            }
        }
    }

    #[test]
    fn typed_literals_keep_raw_text() {
        assert_eq!(
            kinds("datetime(2024-01-01 10:00:00.1234567)")[0],
            TokenKind::Typed(KqlType::Datetime, "2024-01-01 10:00:00.1234567".into())
        );
        assert_eq!(kinds("long(null)")[0], TokenKind::Typed(KqlType::Long, "null".into()));
        assert!(matches!(tokenize("datetime(2024"), Err(SyntaxError::UnterminatedLiteral { .. })));
        assert_eq!(
            kinds("74BE27DE-1E4E-49D9-B579-FE0B331D3642")[0],
            TokenKind::Typed(KqlType::Guid, "74BE27DE-1E4E-49D9-B579-FE0B331D3642".into())
        );
    }

    #[test]
    fn comments_and_quoted_names() {
        assert_eq!(
            kinds("// note\n['my col'] // end"),
            vec![TokenKind::QuotedIdent("my col".into()), TokenKind::Eof]
        );
    }
}
