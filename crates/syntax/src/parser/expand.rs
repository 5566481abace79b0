//! Operators with a grammar of their own: `mv-expand`, `mv-apply`, `parse`,
//! `parse-where`, `parse-kv`, `make-series` and `top-nested`.

use super::Parser;
use crate::ast::{
    ColumnDecl, ExpandItem, MakeSeries, NamedValue, Operator, OperatorKind, ParsePart,
    TopNestedLevel,
};
use crate::lexer::TokenKind;
use crate::{KqlType, SyntaxError};

impl Parser<'_> {
    pub(super) fn mv_expand(&mut self) -> Result<OperatorKind, SyntaxError> {
        let params = self.params(&["bagexpansion", "with_itemindex", "kind"])?;
        let items = self.expand_items()?;
        let limit = self.limit()?;
        Ok(OperatorKind::MvExpand { params, items, limit })
    }

    pub(super) fn mv_apply(&mut self) -> Result<OperatorKind, SyntaxError> {
        let params = self.params(&["with_itemindex"])?;
        let items = self.expand_items()?;
        let limit = self.limit()?;
        self.expect_keyword("on")?;
        self.expect_punct("(", "`(` opening the subquery of `mv-apply`")?;
        let subquery = self.operators_until_close()?;
        Ok(OperatorKind::MvApply { params, items, limit, subquery })
    }

    /// `op | op | ...` up to a `)`, which is consumed.
    pub(super) fn operators_until_close(&mut self) -> Result<Vec<Operator>, SyntaxError> {
        self.enter()?;
        let mut ops = Vec::new();
        let res = loop {
            // A leading `|` is tolerated, as Kusto does.
            if ops.is_empty() {
                self.eat_punct("|");
            }
            match self.operator() {
                Ok(op) => ops.push(op),
                Err(e) => break Err(e),
            }
            if self.eat_punct(")") {
                break Ok(ops);
            }
            if let Err(e) = self.expect_punct("|", "`|` or `)` in the subquery") {
                break Err(e);
            }
        };
        self.leave();
        res
    }

    fn expand_items(&mut self) -> Result<Vec<ExpandItem>, SyntaxError> {
        let mut items = Vec::new();
        loop {
            let item = self.assignment()?;
            let to_type = if self.eat_keyword("to") {
                self.expect_keyword("typeof")?;
                self.expect_punct("(", "`(` after `typeof`")?;
                let ty = self.type_name()?;
                self.expect_punct(")", "`)` closing `typeof(`")?;
                Some(ty)
            } else {
                None
            };
            items.push(ExpandItem { item, to_type });
            if !self.eat_punct(",") {
                return Ok(items);
            }
        }
    }

    fn limit(&mut self) -> Result<Option<crate::ast::Expr>, SyntaxError> {
        if self.eat_keyword("limit") { Ok(Some(self.expr()?)) } else { Ok(None) }
    }

    /// A scalar type name: `string`, `long`, `datetime`, ….
    pub(super) fn type_name(&mut self) -> Result<KqlType, SyntaxError> {
        if let TokenKind::Ident(word) = &self.peek().kind
            && let Some(ty) = KqlType::from_name(word)
        {
            self.bump();
            return Ok(ty);
        }
        Err(self.unexpected(
            "a type name",
            Some("types are bool, int, long, real, decimal, string, datetime, timespan, guid, dynamic".to_owned()),
        ))
    }

    pub(super) fn parse_op(&mut self, filter: bool) -> Result<OperatorKind, SyntaxError> {
        let params = self.params(&["kind", "flags"])?;
        let source = self.expr()?;
        self.expect_keyword("with")?;
        let mut pattern = Vec::new();
        loop {
            let part = match &self.peek().kind {
                TokenKind::Punct("*") => {
                    self.bump();
                    ParsePart::Star
                }
                TokenKind::String(_) => match self.string_literal()?.kind {
                    crate::ast::ExprKind::Literal(crate::ast::Literal::String(s)) => {
                        ParsePart::Text(s)
                    }
                    _ => unreachable!("string_literal returns a string"),
                },
                TokenKind::Ident(_) | TokenKind::QuotedIdent(_) => {
                    let name = self.new_name("a column name")?;
                    let ty = if self.eat_punct(":") { Some(self.type_name()?) } else { None };
                    ParsePart::Column(name, ty)
                }
                _ => break,
            };
            pattern.push(part);
        }
        if pattern.is_empty() {
            return Err(self.unexpected("a pattern after `with`", None));
        }
        Ok(OperatorKind::Parse { filter, params, source, pattern })
    }

    pub(super) fn parse_kv(&mut self) -> Result<OperatorKind, SyntaxError> {
        let source = self.expr()?;
        self.expect_keyword("as")?;
        let columns = self.column_decls()?;
        let props = if self.eat_keyword("with") { self.named_values()? } else { Vec::new() };
        Ok(OperatorKind::ParseKv { source, columns, props })
    }

    /// `(Col:type, ...)`.
    pub(super) fn column_decls(&mut self) -> Result<Vec<ColumnDecl>, SyntaxError> {
        self.expect_punct("(", "`(` opening the column list")?;
        let mut columns = Vec::new();
        if !self.at_punct(")") {
            loop {
                let name = self.ident("a column name")?;
                self.expect_punct(":", "`:` and a type after the column name")?;
                let ty = self.type_name()?;
                columns.push(ColumnDecl { name, ty });
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        self.expect_punct(")", "`,` or `)` in the column list")?;
        Ok(columns)
    }

    /// `(name = value, ...)`.
    pub(super) fn named_values(&mut self) -> Result<Vec<NamedValue>, SyntaxError> {
        self.expect_punct("(", "`(` opening the properties")?;
        let mut values = Vec::new();
        if !self.at_punct(")") {
            loop {
                let name = self.ident("a property name")?;
                self.expect_punct("=", "`=` after the property name")?;
                values.push(NamedValue { name, value: self.expr()? });
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        self.expect_punct(")", "`,` or `)` in the properties")?;
        Ok(values)
    }

    pub(super) fn make_series(&mut self) -> Result<OperatorKind, SyntaxError> {
        let params = self.params(&["kind"])?;
        let mut aggregates = Vec::new();
        loop {
            let agg = self.assignment()?;
            let default =
                if self.at_keyword("default") && self.peek_kind(1) == &TokenKind::Punct("=") {
                    self.bump();
                    self.bump();
                    Some(self.expr()?)
                } else {
                    None
                };
            aggregates.push((agg, default));
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_keyword("on")?;
        // The axis is a column: `on T in range(...)` is not the `in` operator.
        let on = self.postfix_expr()?;
        let (from, to, step) = if self.eat_keyword("in") {
            // `in range(from, to, step)`.
            self.expect_keyword("range")?;
            self.expect_punct("(", "`(` after `range`")?;
            let from = self.expr()?;
            self.expect_punct(",", "`,` after the start")?;
            let to = self.expr()?;
            self.expect_punct(",", "`,` after the end")?;
            let step = self.expr()?;
            self.expect_punct(")", "`)` closing `range(`")?;
            (Some(from), Some(to), step)
        } else {
            let from = if self.eat_keyword("from") { Some(self.expr()?) } else { None };
            let to = if self.eat_keyword("to") { Some(self.expr()?) } else { None };
            self.expect_keyword("step")?;
            (from, to, self.expr()?)
        };
        let by = if self.eat_keyword("by") { self.assignments()? } else { Vec::new() };
        Ok(OperatorKind::MakeSeries(Box::new(MakeSeries {
            params,
            aggregates,
            on,
            from,
            to,
            step,
            by,
        })))
    }

    pub(super) fn top_nested(&mut self) -> Result<OperatorKind, SyntaxError> {
        let mut levels = Vec::new();
        loop {
            let count = if self.at_keyword("of") { None } else { Some(self.expr()?) };
            self.expect_keyword("of")?;
            let of = self.assignment()?;
            let others = if self.eat_keyword("with") {
                self.expect_keyword("others")?;
                self.expect_punct("=", "`=` after `others`")?;
                Some(self.expr()?)
            } else {
                None
            };
            self.expect_keyword("by")?;
            let by = self.assignment()?;
            let ascending = self.direction();
            levels.push(TopNestedLevel { count, of, others, by, ascending });
            if !self.eat_punct(",") {
                return Ok(OperatorKind::TopNested(levels));
            }
            // Each further level repeats the operator's name.
            let name = self.operator_name_here();
            if name.as_deref() != Some("top-nested") {
                return Err(self.unexpected("`top-nested` after `,`", None));
            }
        }
    }

    /// Consumes `top-nested` (an identifier, `-`, an identifier) if next.
    fn operator_name_here(&mut self) -> Option<String> {
        let is_top = matches!(&self.peek().kind, TokenKind::Ident(w) if w == "top")
            && self.peek_kind(1) == &TokenKind::Punct("-")
            && matches!(self.peek_kind(2), TokenKind::Ident(w) if w == "nested");
        if !is_top {
            return None;
        }
        self.bump();
        self.bump();
        self.bump();
        Some("top-nested".to_owned())
    }
}
