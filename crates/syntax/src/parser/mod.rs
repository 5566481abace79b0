//! The parser: tokens to AST, by recursive descent.
//!
//! nom does the lexing (`crate::lexer`); the grammar is a hand-written
//! recursive descent over the token list, split by construct: statements here,
//! scalar expressions in `expr`, tabular operators in `ops` and `expand`,
//! sources and user functions in `sources`. Each rule reports what it
//! expected at the exact token where the text went wrong.

mod expand;
mod expr;
mod ops;
mod sources;

pub use ops::operator_names;

use crate::ast::{Expr, ExprKind, FunctionDef, Ident, Script, Statement, StatementKind};
use crate::lexer::{Token, TokenKind, tokenize};
use crate::{Span, SyntaxError};

/// Expression nesting beyond this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// Parses a whole query text.
pub fn parse(src: &str) -> Result<Script, SyntaxError> {
    let tokens = tokenize(src)?;
    let mut parser = Parser { src, tokens, pos: 0, depth: 0 };
    let statements = parser.statements(false)?;
    Ok(Script { statements })
}

/// Parses a whole query text, reporting every broken statement: after an
/// error the parser skips to the next `;` outside brackets and goes on. The
/// script holds the statements that parsed.
pub fn parse_recovering(src: &str) -> (Script, Vec<SyntaxError>) {
    let tokens = match tokenize(src) {
        Ok(tokens) => tokens,
        Err(e) => return (Script { statements: Vec::new() }, vec![e]),
    };
    let mut parser = Parser { src, tokens, pos: 0, depth: 0 };
    let (mut statements, mut errors) = (Vec::new(), Vec::new());
    loop {
        while parser.eat_punct(";") {}
        if parser.at_eof() {
            return (Script { statements }, errors);
        }
        parser.depth = 0;
        match parser.statement() {
            Ok(statement) if parser.at_eof() || parser.at_punct(";") => statements.push(statement),
            Ok(_) => {
                errors.push(parser.unexpected("`;` or `|`", parser.stray_hint()));
                parser.skip_statement();
            }
            Err(e) => {
                errors.push(e);
                parser.skip_statement();
            }
        }
    }
}

/// Parses a file of function definitions, as a workspace keeps them:
/// `let f = (params) { body };` statements, and the management commands
/// `.create function`, `.create-or-alter function` and `.alter function`
/// (`[ifnotexists] [with (properties)] f(params) { body }`). Each function
/// comes with its name.
pub fn parse_functions(src: &str) -> Result<Vec<(Ident, FunctionDef)>, SyntaxError> {
    let tokens = tokenize(src)?;
    let mut parser = Parser { src, tokens, pos: 0, depth: 0 };
    let mut functions = Vec::new();
    loop {
        while parser.eat_punct(";") {}
        if parser.at_eof() {
            return Ok(functions);
        }
        let (name, value) = if parser.eat_keyword("let") {
            let name = parser.new_name("a name after `let`")?;
            parser.expect_punct("=", "`=` after the name of the `let`")?;
            (name, parser.expr()?)
        } else if parser.eat_punct(".") {
            parser.function_command()?
        } else {
            return Err(parser.unexpected("`let` or `.create function`", None));
        };
        match value.kind {
            ExprKind::Function(def) => functions.push((name, *def)),
            _ => {
                return Err(SyntaxError::UnexpectedToken {
                    expected: "a function, `(params) { body }`".to_owned(),
                    found: format!("a value for `{}`", name.name),
                    span: value.span,
                    help: Some("a functions file holds only functions".to_owned()),
                });
            }
        }
    }
}

pub(crate) struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    /// Statements separated by `;`, up to the end of the text or, in a
    /// function's body (`in_braces`), up to its `}`.
    fn statements(&mut self, in_braces: bool) -> Result<Vec<Statement>, SyntaxError> {
        let at_end = |p: &Self| p.at_eof() || (in_braces && p.at_punct("}"));
        let mut statements = Vec::new();
        loop {
            while self.eat_punct(";") {}
            if at_end(self) {
                return Ok(statements);
            }
            statements.push(self.statement()?);
            if !at_end(self) && !self.at_punct(";") {
                let expected = if in_braces { "`;`, `|` or `}`" } else { "`;` or `|`" };
                return Err(self.unexpected(expected, self.stray_hint()));
            }
        }
    }

    fn statement(&mut self) -> Result<Statement, SyntaxError> {
        let start = self.peek().span;
        if self.at_punct("|") {
            return Err(self.unexpected(
                "a query",
                Some(
                    "a query cannot start with `|`: this looks like part of a longer query"
                        .to_owned(),
                ),
            ));
        }
        let kind = if self.eat_keyword("let") {
            let name = self.new_name("a name after `let`")?;
            self.expect_punct("=", "`=` after the name of the `let`")?;
            StatementKind::Let { name, value: self.pipeline()? }
        } else if self.at_keyword("declare")
            && matches!(self.peek_kind(1), TokenKind::Ident(w) if w == "query_parameters")
        {
            self.bump();
            self.bump();
            self.expect_punct("(", "`(` opening the parameters")?;
            StatementKind::DeclareQueryParameters(self.fn_params(")")?)
        } else if self.at_keyword("set")
            && matches!(self.peek_kind(1), TokenKind::Ident(_))
            && matches!(self.peek_kind(2), TokenKind::Punct("=" | ";") | TokenKind::Eof)
        {
            self.bump();
            let name = self.ident("an option name after `set`")?;
            let value = if self.eat_punct("=") { Some(self.expr()?) } else { None };
            StatementKind::Set { name, value }
        } else {
            StatementKind::Query(self.pipeline()?)
        };
        Ok(Statement { kind, span: start.to(self.prev_span()) })
    }

    /// After the `.`: `create[-or-alter] function` or `alter function`,
    /// then `[ifnotexists] [with (...)] Name(params) { body }`.
    fn function_command(&mut self) -> Result<(Ident, Expr), SyntaxError> {
        let verb = self.ident("`create`, `create-or-alter` or `alter`")?;
        let known = match verb.name.as_str() {
            "create" if self.at_punct("-") => {
                self.bump();
                let or = self.ident("`or`")?;
                self.expect_punct("-", "`-alter`")?;
                let alter = self.ident("`alter`")?;
                or.name == "or" && alter.name == "alter"
            }
            "create" | "alter" => true,
            _ => false,
        };
        if !known {
            return Err(SyntaxError::UnexpectedToken {
                expected: "`create`, `create-or-alter` or `alter`".to_owned(),
                found: format!("`.{}`", verb.name),
                span: verb.span,
                help: Some("a functions file holds only functions".to_owned()),
            });
        }
        self.expect_keyword("function")?;
        self.eat_keyword("ifnotexists");
        if self.eat_keyword("with") {
            // The properties (`docstring`, `folder`, …) change nothing here.
            self.expect_punct("(", "`(` opening the properties")?;
            let mut open = 1;
            while open > 0 {
                if self.at_eof() {
                    return Err(self.unexpected("`)` closing the properties", None));
                }
                if self.at_punct("(") {
                    open += 1;
                } else if self.at_punct(")") {
                    open -= 1;
                }
                self.bump();
            }
        }
        let name = self.new_name("the function's name")?;
        Ok((name, self.function()?))
    }

    /// Skips to the `;` that ends the current statement, outside brackets
    /// opened from here.
    fn skip_statement(&mut self) {
        let mut depth = 0usize;
        while !self.at_eof() {
            match self.peek().kind {
                TokenKind::Punct("(" | "[" | "{") => depth += 1,
                TokenKind::Punct(")" | "]" | "}") => depth = depth.saturating_sub(1),
                TokenKind::Punct(";") if depth == 0 => return,
                _ => {}
            }
            self.bump();
        }
    }

    /// A hint for a token that cannot follow a complete expression.
    fn stray_hint(&self) -> Option<String> {
        if self.blank_line_before() {
            return Some(
                "a blank line separates two queries here: the Log Analytics editor runs the one \
                 under the cursor, but one text needs `;` between its statements"
                    .to_owned(),
            );
        }
        match &self.peek().kind {
            TokenKind::Ident(word) if ops::is_operator_name(word) => {
                Some(format!("a `|` is probably missing before `{word}`"))
            }
            TokenKind::Punct("=") => Some("use `==` to compare values".to_owned()),
            _ => None,
        }
    }

    /// Whether an empty line stands between the previous token and this one.
    fn blank_line_before(&self) -> bool {
        if self.pos == 0 {
            return false;
        }
        let gap = &self.src[self.prev_span().end..self.peek().span.start];
        // Comments may sit in the gap; a blank line is two line breaks with
        // only spaces between them.
        gap.lines().skip(1).any(|line| line.trim().is_empty()) && gap.matches('\n').count() >= 2
    }

    // Token helpers.

    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn peek_kind(&self, ahead: usize) -> &TokenKind {
        let idx = (self.pos + ahead).min(self.tokens.len() - 1);
        &self.tokens[idx].kind
    }

    fn bump(&mut self) -> Token {
        let token = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    /// The span of the token before the current one.
    fn prev_span(&self) -> Span {
        self.tokens[self.pos.saturating_sub(1)].span
    }

    fn at_eof(&self) -> bool {
        matches!(self.peek().kind, TokenKind::Eof)
    }

    fn at_punct(&self, punct: &str) -> bool {
        matches!(self.peek().kind, TokenKind::Punct(p) if p == punct)
    }

    fn eat_punct(&mut self, punct: &str) -> bool {
        let found = self.at_punct(punct);
        if found {
            self.bump();
        }
        found
    }

    fn expect_punct(&mut self, punct: &str, expected: &str) -> Result<Span, SyntaxError> {
        if self.at_punct(punct) {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(expected, None))
        }
    }

    fn at_keyword(&self, word: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Ident(w) if w == word)
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        let found = self.at_keyword(word);
        if found {
            self.bump();
        }
        found
    }

    fn expect_keyword(&mut self, word: &str) -> Result<Span, SyntaxError> {
        if self.at_keyword(word) {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(&format!("`{word}`"), None))
        }
    }

    /// A name being defined (`let Name`, `Name = ...`, a `parse` column):
    /// a plain identifier that is not one of Kusto's reserved words, or a
    /// quoted one.
    fn new_name(&mut self, expected: &str) -> Result<Ident, SyntaxError> {
        if let TokenKind::Ident(word) = &self.peek().kind
            && is_reserved(word)
        {
            let help =
                format!("`{word}` is a KQL keyword; quote it to use it as a name: ['{word}']");
            return Err(self.unexpected(expected, Some(help)));
        }
        self.ident(expected)
    }

    /// An identifier, plain or quoted.
    fn ident(&mut self, expected: &str) -> Result<Ident, SyntaxError> {
        match &self.peek().kind {
            TokenKind::Ident(name) | TokenKind::QuotedIdent(name) => {
                let name = name.clone();
                let span = self.bump().span;
                Ok(Ident { name, span })
            }
            _ => Err(self.unexpected(expected, None)),
        }
    }

    fn unexpected(&self, expected: &str, help: Option<String>) -> SyntaxError {
        let token = self.peek();
        let help = help.or_else(|| self.template_hint());
        // At the end of the text there is nothing to underline: point at the
        // last token, after which more was expected.
        let at_end = token.kind == TokenKind::Eof && self.pos > 0;
        let span = if at_end { self.prev_span() } else { token.span };
        let closing = ["`)`", "`]`", "`}`"].iter().any(|c| expected.contains(c));
        let help = match help {
            None if at_end && closing => {
                Some(format!("the query ends before {expected}: a bracket is left open"))
            }
            help => help,
        };
        SyntaxError::UnexpectedToken {
            expected: expected.to_owned(),
            found: token.kind.describe(),
            span,
            help,
        }
    }

    /// A hint for the template text a rule or hunting query carries before
    /// it is filled in: `{{StartTimeISO}}`, `<Your Watchlist Name>`.
    fn template_hint(&self) -> Option<String> {
        let rest = &self.src[self.peek().span.start..];
        if let Some(inside) = rest.strip_prefix("{{") {
            let name = inside.split("}}").next().unwrap_or_default();
            return Some(format!(
                "`{{{{{name}}}}}` is a Sentinel template placeholder: replace it with a value \
                 before running the query"
            ));
        }
        if let Some(inside) = rest.strip_prefix('<') {
            let inner = inside.split('>').next().unwrap_or_default();
            if !inner.is_empty() && inner.len() < 60 && inner.contains(' ') && !inner.contains('\n')
            {
                return Some(format!(
                    "`<{inner}>` is a template placeholder: replace it with a value, in quotes \
                     if it is text"
                ));
            }
        }
        None
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError::TooDeep { limit: MAX_DEPTH, span: self.peek().span });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }
}

/// Words Kusto refuses as names (measured: `extend has = ...`,
/// `extend first = ...`, `parse s with first:string ...` are rejected).
pub(crate) fn is_reserved(word: &str) -> bool {
    let base = word.strip_suffix("_cs").unwrap_or(word);
    matches!(
        base,
        "has"
            | "hasprefix"
            | "hassuffix"
            | "contains"
            | "startswith"
            | "endswith"
            | "matches"
            | "has_any"
            | "has_all"
            | "between"
            | "and"
            | "or"
            | "in"
            | "first"
            | "last"
    )
}

/// Whether two spans touch: `!` and `has` in `!has`, `in` and `~` in `in~`.
fn adjacent(first: Span, second: Span) -> bool {
    first.end == second.start
}
