//! Scalar expressions and the pipelines that contain them.
//!
//! Precedence, loosest first (kql-semantics.md §1.8): `or`, `and`, the
//! comparison and string operators, `+ -`, `* / %`, unary `-`, then access
//! (`.`, `[]`) and calls.

use super::{Parser, adjacent};
use crate::ast::{
    BinaryOp, DynamicLiteral, Expr, ExprKind, Ident, Literal, StrOp, StrOpKind, UnaryOp,
};
use crate::lexer::TokenKind;
use crate::{Span, SyntaxError};

impl Parser<'_> {
    /// An expression optionally followed by `| operator` steps.
    pub(super) fn pipeline(&mut self) -> Result<Expr, SyntaxError> {
        let mut expr = self.expr()?;
        while self.at_punct("|") {
            self.bump();
            let op = self.operator()?;
            let span = expr.span.to(op.span);
            expr = Expr { kind: ExprKind::Pipe { input: Box::new(expr), op: Box::new(op) }, span };
        }
        Ok(expr)
    }

    /// A full scalar expression.
    pub(super) fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let res = self.or_expr();
        self.leave();
        res
    }

    fn or_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut lhs = self.and_expr()?;
        while self.at_keyword("or") {
            let op_span = self.bump().span;
            let rhs = self.and_expr()?;
            lhs = binary(BinaryOp::Or, op_span, lhs, rhs);
        }
        Ok(lhs)
    }

    fn and_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut lhs = self.comparison()?;
        while self.at_keyword("and") {
            let op_span = self.bump().span;
            let rhs = self.comparison()?;
            lhs = binary(BinaryOp::And, op_span, lhs, rhs);
        }
        Ok(lhs)
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        let mut lhs = self.additive()?;
        while let Some(op) = self.comparison_op() {
            lhs = match op {
                CmpOp::Binary(op, op_span) => {
                    let rhs = self.additive()?;
                    binary(op, op_span, lhs, rhs)
                }
                CmpOp::In { negated, case_insensitive } => {
                    let (list, close) = self.paren_list("`(` after `in`")?;
                    let span = lhs.span.to(close);
                    let kind = ExprKind::In { lhs: Box::new(lhs), negated, case_insensitive, list };
                    Expr { kind, span }
                }
                CmpOp::HasAny { all } => {
                    let (list, close) = self.paren_list("`(` after `has_any`")?;
                    let span = lhs.span.to(close);
                    Expr { kind: ExprKind::HasAny { lhs: Box::new(lhs), all, list }, span }
                }
                CmpOp::Between { negated } => self.between(lhs, negated)?,
            };
        }
        Ok(lhs)
    }

    /// Consumes a comparison-level operator if one is next.
    fn comparison_op(&mut self) -> Option<CmpOp> {
        let token = self.peek().clone();
        let symbol = match token.kind {
            TokenKind::Punct("==") => Some(BinaryOp::Eq),
            TokenKind::Punct("!=" | "<>") => Some(BinaryOp::Ne),
            TokenKind::Punct("<") => Some(BinaryOp::Lt),
            TokenKind::Punct("<=") => Some(BinaryOp::Le),
            TokenKind::Punct(">") => Some(BinaryOp::Gt),
            TokenKind::Punct(">=") => Some(BinaryOp::Ge),
            TokenKind::Punct("=~") => Some(BinaryOp::EqCi),
            TokenKind::Punct("!~") => Some(BinaryOp::NeCi),
            // `Col:"x"` is `Col has "x"` (Kusto's grammar; used by `search`).
            TokenKind::Punct(":") => Some(BinaryOp::Str(StrOp {
                kind: StrOpKind::Has,
                negated: false,
                case_sensitive: false,
            })),
            _ => None,
        };
        if let Some(op) = symbol {
            self.bump();
            return Some(CmpOp::Binary(op, token.span));
        }

        // `!has`, `!in~`, `!between`: a `!` touching a word.
        let (negated, word, word_span) = match (&token.kind, self.peek_kind(1)) {
            (TokenKind::Punct("!"), TokenKind::Ident(w))
                if adjacent(token.span, self.tokens[self.pos + 1].span) =>
            {
                (true, w.clone(), self.tokens[self.pos + 1].span)
            }
            (TokenKind::Ident(w), _) => (false, w.clone(), token.span),
            _ => return None,
        };
        let op = keyword_op(&word, negated)?;
        if negated {
            self.bump();
        }
        self.bump();
        let mut span = token.span.to(word_span);
        let op = match op {
            CmpOp::In { negated, .. } if self.at_punct("~") && adjacent(span, self.peek().span) => {
                self.bump();
                CmpOp::In { negated, case_insensitive: true }
            }
            CmpOp::Binary(BinaryOp::Str(StrOp { kind: StrOpKind::MatchesRegex, .. }), _) => {
                // `matches` must be followed by `regex`.
                if !self.at_keyword("regex") {
                    return None;
                }
                span = span.to(self.bump().span);
                CmpOp::Binary(
                    BinaryOp::Str(StrOp {
                        kind: StrOpKind::MatchesRegex,
                        negated: false,
                        case_sensitive: true,
                    }),
                    span,
                )
            }
            CmpOp::Binary(op, _) => CmpOp::Binary(op, span),
            other => other,
        };
        Some(op)
    }

    fn between(&mut self, lhs: Expr, negated: bool) -> Result<Expr, SyntaxError> {
        self.expect_punct("(", "`(` after `between`")?;
        let low = self.additive()?;
        self.expect_punct("..", "`..` between the bounds")?;
        let high = self.additive()?;
        let close = self.expect_punct(")", "`)` closing `between`")?;
        let span = lhs.span.to(close);
        let kind = ExprKind::Between {
            lhs: Box::new(lhs),
            negated,
            low: Box::new(low),
            high: Box::new(high),
        };
        Ok(Expr { kind, span })
    }

    /// `( item, ... )` where items may be pipelines; returns the items and the
    /// span of the closing parenthesis.
    fn paren_list(&mut self, expected: &str) -> Result<(Vec<Expr>, Span), SyntaxError> {
        self.expect_punct("(", expected)?;
        let mut items = Vec::new();
        if !self.at_punct(")") {
            loop {
                items.push(self.pipeline()?);
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        let close = self.expect_punct(")", "`,` or `)`")?;
        Ok((items, close))
    }

    fn additive(&mut self) -> Result<Expr, SyntaxError> {
        let mut lhs = self.multiplicative()?;
        loop {
            let op = match self.peek().kind {
                TokenKind::Punct("+") => BinaryOp::Add,
                TokenKind::Punct("-") => BinaryOp::Sub,
                _ => return Ok(lhs),
            };
            let op_span = self.bump().span;
            let rhs = self.multiplicative()?;
            lhs = binary(op, op_span, lhs, rhs);
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, SyntaxError> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek().kind {
                TokenKind::Punct("*") => BinaryOp::Mul,
                TokenKind::Punct("/") => BinaryOp::Div,
                TokenKind::Punct("%") => BinaryOp::Mod,
                _ => return Ok(lhs),
            };
            let op_span = self.bump().span;
            let rhs = self.unary()?;
            lhs = binary(op, op_span, lhs, rhs);
        }
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        let op = match self.peek().kind {
            TokenKind::Punct("-") => UnaryOp::Neg,
            TokenKind::Punct("+") => UnaryOp::Plus,
            _ => return self.postfix(),
        };
        let start = self.bump().span;
        self.enter()?;
        let operand = self.unary();
        self.leave();
        let operand = operand?;
        let span = start.to(operand.span);
        Ok(Expr { kind: ExprKind::Unary { op, operand: Box::new(operand) }, span })
    }

    /// A primary expression with its member accesses, indexes and calls, but
    /// no operators: a `join`'s right side, an `evaluate` plugin call.
    pub(super) fn postfix_expr(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let res = self.postfix();
        self.leave();
        res
    }

    fn postfix(&mut self) -> Result<Expr, SyntaxError> {
        let mut expr = self.primary()?;
        loop {
            if self.at_punct(".") && self.peek_kind(1) == &TokenKind::Punct("[") {
                // `d.[0]` is `d[0]`.
                self.bump();
            } else if self.at_punct(".") {
                self.bump();
                let name = self.ident("a member name after `.`")?;
                let span = expr.span.to(name.span);
                expr = Expr { kind: ExprKind::Member { base: Box::new(expr), name }, span };
            } else if self.at_punct("[") {
                self.bump();
                let index = self.expr()?;
                let close = self.expect_punct("]", "`]` closing the index")?;
                let span = expr.span.to(close);
                expr = Expr {
                    kind: ExprKind::Index { base: Box::new(expr), index: Box::new(index) },
                    span,
                };
            } else if let TokenKind::QuotedIdent(name) = &self.peek().kind {
                // `d['key']` lexes as a quoted name straight after the base.
                if !adjacent(expr.span, self.peek().span) {
                    return Ok(expr);
                }
                let name = Ident { name: name.clone(), span: self.peek().span };
                self.bump();
                let span = expr.span.to(name.span);
                expr = Expr { kind: ExprKind::Member { base: Box::new(expr), name }, span };
            } else {
                return Ok(expr);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let token = self.peek().clone();
        let literal = |lit: Literal| Ok(Expr { kind: ExprKind::Literal(lit), span: token.span });
        if let Some(source) = self.source() {
            return source;
        }
        if self.at_function() {
            return self.function();
        }
        match token.kind {
            // `where * has "x"`: every column.
            TokenKind::Punct("*") => {
                self.bump();
                Ok(Expr { kind: ExprKind::Star, span: token.span })
            }
            TokenKind::Long(v) => {
                self.bump();
                literal(Literal::Long(v))
            }
            TokenKind::LongMinMagnitude => Err(SyntaxError::InvalidNumber {
                text: "9223372036854775808".to_owned(),
                span: token.span,
                reason: "too large for a long".to_owned(),
            }),
            TokenKind::Real(v) => {
                self.bump();
                literal(Literal::Real(v))
            }
            TokenKind::Timespan(v) => {
                self.bump();
                literal(Literal::Timespan(v))
            }
            TokenKind::Typed(ty, raw) => {
                self.bump();
                literal(Literal::Typed { ty, raw })
            }
            TokenKind::String(_) => self.string_literal(),
            TokenKind::Punct("(") => {
                self.bump();
                self.enter()?;
                let inner = self.pipeline();
                self.leave();
                let mut inner = inner?;
                let close = self.expect_punct(")", "`)`")?;
                inner.span = token.span.to(close);
                Ok(inner)
            }
            TokenKind::Ident(ref word) if is_bool_word(word).is_some() => {
                self.bump();
                literal(Literal::Bool(is_bool_word(word).unwrap_or_default()))
            }
            TokenKind::Ident(ref word)
                if word == "dynamic" && self.peek_kind(1) == &TokenKind::Punct("(") =>
            {
                self.bump();
                self.bump();
                let value = self.dynamic_value()?;
                let close = self.expect_punct(")", "`)` closing `dynamic(`")?;
                Ok(Expr {
                    kind: ExprKind::Literal(Literal::Dynamic(value)),
                    span: token.span.to(close),
                })
            }
            TokenKind::Ident(_) | TokenKind::QuotedIdent(_) => {
                let name = self.ident("an expression")?;
                if self.at_punct("(") && matches!(token.kind, TokenKind::Ident(_)) {
                    return self.call(name);
                }
                Ok(Expr { span: name.span, kind: ExprKind::Name(name) })
            }
            _ => Err(self.unexpected("an expression", None)),
        }
    }

    /// Adjacent string literals join into one (`"a" 'b'` is `"ab"`).
    pub(super) fn string_literal(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.peek().span;
        let mut value = String::new();
        let mut end = start;
        while let TokenKind::String(part) = &self.peek().kind {
            value.push_str(part);
            end = self.bump().span;
        }
        Ok(Expr { kind: ExprKind::Literal(Literal::String(value)), span: start.to(end) })
    }

    fn call(&mut self, func: Ident) -> Result<Expr, SyntaxError> {
        self.bump();
        let mut args = Vec::new();
        if !self.at_punct(")") {
            loop {
                let named = matches!(self.peek().kind, TokenKind::Ident(_))
                    && self.peek_kind(1) == &TokenKind::Punct("=");
                if named {
                    let name = self.ident("a parameter name")?;
                    self.bump();
                    let value = self.pipeline()?;
                    let span = name.span.to(value.span);
                    let kind = ExprKind::NamedArg { name, value: Box::new(value) };
                    args.push(Expr { kind, span });
                } else {
                    args.push(self.pipeline()?);
                }
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        let close = self.expect_punct(")", "`,` or `)` in the argument list")?;
        let span = func.span.to(close);
        Ok(Expr { kind: ExprKind::Call { func, args }, span })
    }

    /// The value inside `dynamic(...)`: JSON-like, with KQL literals.
    fn dynamic_value(&mut self) -> Result<DynamicLiteral, SyntaxError> {
        self.enter()?;
        let res = self.dynamic_value_inner();
        self.leave();
        res
    }

    fn dynamic_value_inner(&mut self) -> Result<DynamicLiteral, SyntaxError> {
        let token = self.peek().clone();
        let scalar = |lit: Literal| Ok(DynamicLiteral::Scalar(Box::new(lit)));
        match token.kind {
            TokenKind::Punct("[") => {
                self.bump();
                let mut items = Vec::new();
                while !self.at_punct("]") {
                    items.push(self.dynamic_value()?);
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                self.expect_punct("]", "`,` or `]` in the array")?;
                Ok(DynamicLiteral::Array(items))
            }
            TokenKind::Punct("{") => {
                self.bump();
                let mut entries = Vec::new();
                while !self.at_punct("}") {
                    let key = match &self.peek().kind {
                        TokenKind::String(key) | TokenKind::Ident(key) => key.clone(),
                        _ => return Err(self.unexpected("a property name", None)),
                    };
                    self.bump();
                    self.expect_punct(":", "`:` after the property name")?;
                    entries.push((key, self.dynamic_value()?));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                self.expect_punct("}", "`,` or `}` in the property bag")?;
                Ok(DynamicLiteral::Bag(entries))
            }
            TokenKind::Ident(ref w) if w == "null" => {
                self.bump();
                Ok(DynamicLiteral::Null)
            }
            // `['a']` lexes as a quoted name; inside `dynamic(...)` it is an array.
            TokenKind::QuotedIdent(ref name) => {
                self.bump();
                Ok(DynamicLiteral::Array(vec![DynamicLiteral::Scalar(Box::new(Literal::String(name.clone())))]))
            }
            TokenKind::Punct("-") => {
                self.bump();
                match self.peek().kind {
                    TokenKind::Long(v) => {
                        self.bump();
                        scalar(Literal::Long(-v))
                    }
                    TokenKind::LongMinMagnitude => {
                        self.bump();
                        scalar(Literal::Long(i64::MIN))
                    }
                    TokenKind::Real(v) => {
                        self.bump();
                        scalar(Literal::Real(-v))
                    }
                    TokenKind::Timespan(v) => {
                        self.bump();
                        scalar(Literal::Timespan(-v))
                    }
                    _ => Err(self.unexpected("a number after `-`", None)),
                }
            }
            _ => match self.primary()?.kind {
                ExprKind::Literal(lit) => scalar(lit),
                _ => Err(SyntaxError::UnexpectedToken {
                    expected: "a literal inside `dynamic(...)`".to_owned(),
                    found: token.kind.describe(),
                    span: token.span,
                    help: Some("`dynamic(...)` holds only literals; use `pack_array()` or `bag_pack()` for computed values".to_owned()),
                }),
            },
        }
    }
}

pub(super) enum CmpOp {
    Binary(BinaryOp, Span),
    In { negated: bool, case_insensitive: bool },
    HasAny { all: bool },
    Between { negated: bool },
}

/// The comparison-level operator spelled by a word, `!`-prefixed or not.
pub(super) fn keyword_op(word: &str, negated: bool) -> Option<CmpOp> {
    let (base, case_sensitive) = match word.strip_suffix("_cs") {
        Some(base) => (base, true),
        None => (word, false),
    };
    let kind = match base {
        "has" => StrOpKind::Has,
        "hasprefix" => StrOpKind::HasPrefix,
        "hassuffix" => StrOpKind::HasSuffix,
        "contains" => StrOpKind::Contains,
        "startswith" => StrOpKind::StartsWith,
        "endswith" => StrOpKind::EndsWith,
        "matches" if !negated && !case_sensitive => StrOpKind::MatchesRegex,
        _ if case_sensitive => return None,
        "in" => return Some(CmpOp::In { negated, case_insensitive: false }),
        "between" => return Some(CmpOp::Between { negated }),
        "has_any" if !negated => return Some(CmpOp::HasAny { all: false }),
        "has_all" if !negated => return Some(CmpOp::HasAny { all: true }),
        _ => return None,
    };
    Some(CmpOp::Binary(BinaryOp::Str(StrOp { kind, negated, case_sensitive }), Span::default()))
}

fn is_bool_word(word: &str) -> Option<bool> {
    match word {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn binary(op: BinaryOp, op_span: Span, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr { kind: ExprKind::Binary { op, op_span, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span }
}
