//! Tabular sources that are not table names — `datatable`, `externaldata`,
//! `print`, `range`, `union`, `search`, `find` — and user functions,
//! `(params) { body }`.

use super::Parser;
use crate::SyntaxError;
use crate::ast::{Expr, ExprKind, FnParam, FunctionDef, Literal, Param, ParamType, SearchArgs};
use crate::lexer::TokenKind;

impl Parser<'_> {
    /// A source introduced by the keyword at the current token, if it is
    /// one; `None` leaves the position unchanged.
    pub(super) fn source(&mut self) -> Option<Result<Expr, SyntaxError>> {
        let TokenKind::Ident(word) = &self.peek().kind else { return None };
        let next = self.peek_kind(1).clone();
        let opens = next == TokenKind::Punct("(");
        let start = self.peek().span;
        let kind = match word.as_str() {
            "datatable" if opens => {
                self.bump();
                self.datatable()
            }
            "externaldata" if opens => {
                self.bump();
                self.external_data()
            }
            "print" if starts_expression(&next) => {
                self.bump();
                self.assignments().map(ExprKind::Print)
            }
            "range" if matches!(next, TokenKind::Ident(_)) => {
                self.bump();
                self.range()
            }
            "union" if starts_expression(&next) || next == TokenKind::Punct("*") => {
                self.bump();
                self.union_args().map(|(params, legs)| ExprKind::Union { params, legs })
            }
            "search"
                if starts_expression(&next)
                    || matches!(&next, TokenKind::Punct("*"))
                    || matches!(&next, TokenKind::Ident(w) if w == "in") =>
            {
                self.bump();
                self.search_args().map(|args| ExprKind::Search(Box::new(args)))
            }
            "find"
                if starts_expression(&next)
                    || matches!(&next, TokenKind::Ident(w) if w == "in" || w == "where") =>
            {
                self.bump();
                Ok(ExprKind::Find { text: self.raw_until_operator_end() })
            }
            _ => return None,
        };
        Some(kind.map(|kind| Expr { kind, span: start.to(self.prev_span()) }))
    }

    fn datatable(&mut self) -> Result<ExprKind, SyntaxError> {
        let columns = self.column_decls()?;
        let values = self.bracketed_values("`[` and the table's values")?;
        Ok(ExprKind::Datatable { columns, values })
    }

    fn external_data(&mut self) -> Result<ExprKind, SyntaxError> {
        let columns = self.column_decls()?;
        let urls = self.bracketed_values("`[` and the data's address")?;
        let props = if self.eat_keyword("with") { self.named_values()? } else { Vec::new() };
        Ok(ExprKind::ExternalData { columns, urls, props })
    }

    /// `[v, ...]`, a trailing comma allowed. (`['x']` lexes as a quoted name:
    /// here it is one string.)
    fn bracketed_values(&mut self, expected: &str) -> Result<Vec<Expr>, SyntaxError> {
        if let TokenKind::QuotedIdent(text) = &self.peek().kind {
            let value = Literal::String(text.clone());
            let span = self.bump().span;
            return Ok(vec![Expr { kind: ExprKind::Literal(value), span }]);
        }
        self.expect_punct("[", expected)?;
        let mut values = Vec::new();
        while !self.at_punct("]") {
            // The smallest long is a value here, as in `dynamic(...)`, but
            // not in an expression, where Kusto reads `-` and a number too
            // large for a long (measured: oracle r1-type-casts-coercion-0019
            // runs, r2-type-casts-coercion-0037 is rejected).
            if self.at_punct("-") && *self.peek_kind(1) == TokenKind::LongMinMagnitude {
                let start = self.bump().span;
                let span = start.to(self.bump().span);
                values.push(Expr { kind: ExprKind::Literal(Literal::Long(i64::MIN)), span });
            } else {
                values.push(self.expr()?);
            }
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_punct("]", "`,` or `]` in the values")?;
        Ok(values)
    }

    fn range(&mut self) -> Result<ExprKind, SyntaxError> {
        let name = self.ident("the column name after `range`")?;
        self.expect_keyword("from")?;
        let from = self.expr()?;
        self.expect_keyword("to")?;
        let to = self.expr()?;
        self.expect_keyword("step")?;
        let step = self.expr()?;
        Ok(ExprKind::Range { name, from: Box::new(from), to: Box::new(to), step: Box::new(step) })
    }

    /// `[params] leg, ...` of `union`.
    pub(super) fn union_args(&mut self) -> Result<(Vec<Param>, Vec<Expr>), SyntaxError> {
        let params = self.params(&["kind", "withsource", "isfuzzy"])?;
        let mut legs = vec![self.table_ref()?];
        while self.eat_punct(",") {
            legs.push(self.table_ref()?);
        }
        Ok((params, legs))
    }

    /// A table in `union` or `search in (...)`: a name, a pattern with `*`,
    /// a call such as `_GetWatchlist('x')`, or `(query)`.
    fn table_ref(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.pos;
        if matches!(
            self.peek().kind,
            TokenKind::Ident(_) | TokenKind::QuotedIdent(_) | TokenKind::Punct("*")
        ) {
            let name = self.name_pattern("a table")?;
            if name.name.contains('*') {
                return Ok(Expr { span: name.span, kind: ExprKind::TablePattern(name) });
            }
            self.pos = start;
        }
        self.postfix_expr()
    }

    /// `[params] [in (tables)] predicate` of `search`.
    pub(super) fn search_args(&mut self) -> Result<SearchArgs, SyntaxError> {
        let params = self.params(&["kind"])?;
        let tables = if self.eat_keyword("in") {
            self.expect_punct("(", "`(` and the tables to search")?;
            let mut tables = vec![self.table_ref()?];
            while self.eat_punct(",") {
                tables.push(self.table_ref()?);
            }
            self.expect_punct(")", "`,` or `)` after the tables")?;
            Some(tables)
        } else {
            None
        };
        Ok(SearchArgs { params, tables, predicate: self.expr()? })
    }

    /// Whether a user function starts here: `view (`, `()` then `{`, or `(`
    /// then `name:`.
    pub(super) fn at_function(&self) -> bool {
        let paren = |k: &TokenKind| k == &TokenKind::Punct("(");
        match &self.peek().kind {
            TokenKind::Ident(w) if w == "view" => paren(self.peek_kind(1)),
            TokenKind::Punct("(") => matches!(
                (self.peek_kind(1), self.peek_kind(2)),
                (TokenKind::Punct(")"), TokenKind::Punct("{"))
                    | (TokenKind::Ident(_) | TokenKind::QuotedIdent(_), TokenKind::Punct(":"))
            ),
            _ => false,
        }
    }

    /// `[view] (params) { statements }`.
    pub(super) fn function(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.peek().span;
        let view = self.eat_keyword("view");
        self.expect_punct("(", "`(` opening the parameters")?;
        let params = self.fn_params(")")?;
        self.expect_punct("{", "`{` opening the function's body")?;
        self.enter()?;
        let body = self.statements(true);
        self.leave();
        let body = body?;
        if body.is_empty() {
            return Err(self.unexpected("the function's body", None));
        }
        let close = self.expect_punct("}", "`}` closing the function's body")?;
        let def = FunctionDef { view, params, body };
        Ok(Expr { kind: ExprKind::Function(Box::new(def)), span: start.to(close) })
    }

    /// `name:type [= default], ...` up to `close`, which is consumed.
    pub(super) fn fn_params(&mut self, close: &str) -> Result<Vec<FnParam>, SyntaxError> {
        let mut params = Vec::new();
        if !self.at_punct(close) {
            loop {
                params.push(self.fn_param()?);
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        self.expect_punct(close, "`,` or the end of the parameters")?;
        Ok(params)
    }

    fn fn_param(&mut self) -> Result<FnParam, SyntaxError> {
        let name = self.ident("a parameter name")?;
        self.expect_punct(":", "`:` and the parameter's type")?;
        let ty = if self.at_punct("(") {
            self.tabular_param_type()?
        } else {
            ParamType::Scalar(self.type_name()?)
        };
        let default = if self.eat_punct("=") { Some(self.expr()?) } else { None };
        Ok(FnParam { name, ty, default })
    }

    /// `(*)`, `(Col:type, ...)` or `(*, Col:type, ...)`.
    fn tabular_param_type(&mut self) -> Result<ParamType, SyntaxError> {
        self.expect_punct("(", "`(`")?;
        let open = self.eat_punct("*");
        let mut columns = Vec::new();
        if !open || self.eat_punct(",") {
            while !self.at_punct(")") {
                let name = self.ident("a column name")?;
                self.expect_punct(":", "`:` and a type after the column name")?;
                columns.push(crate::ast::ColumnDecl { name, ty: self.type_name()? });
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        self.expect_punct(")", "`,` or `)` in the table's columns")?;
        Ok(ParamType::Tabular { columns, open })
    }
}

/// Whether a token can begin an expression (a source keyword followed by one
/// is the source, not a column of that name).
fn starts_expression(kind: &TokenKind) -> bool {
    match kind {
        TokenKind::Punct(p) => matches!(*p, "(" | "-" | "+" | "["),
        TokenKind::Ident(w) => {
            !matches!(w.as_str(), "and" | "or") && super::expr::keyword_op(w, false).is_none()
        }
        TokenKind::Eof => false,
        _ => true,
    }
}
