//! Tabular operators: the steps after `|`.

use super::Parser;
use crate::ast::{
    Assignment, BinaryOp, DistinctItems, Expr, ExprKind, Ident, JoinCondition, Operator,
    OperatorKind, Param, SortKey,
};
use crate::lexer::TokenKind;
use crate::{Span, SyntaxError};

/// Operators Calypso parses.
const SUPPORTED: [&str; 12] = [
    "where",
    "filter",
    "project",
    "extend",
    "summarize",
    "join",
    "sort",
    "order",
    "take",
    "limit",
    "count",
    "distinct",
];

/// Operators KQL has that Calypso refuses by name for now. (`mv-expand` and
/// the other hyphenated names are matched on their first word.)
const KNOWN_UNSUPPORTED: [&str; 26] = [
    "union",
    "lookup",
    "mv",
    "mvexpand",
    "mvapply",
    "parse",
    "make",
    "evaluate",
    "invoke",
    "render",
    "as",
    "serialize",
    "getschema",
    "search",
    "find",
    "scan",
    "sample",
    "top",
    "facet",
    "fork",
    "partition",
    "reduce",
    "range",
    "print",
    "consume",
    "externaldata",
];

/// Whether `word` names a tabular operator (for the "missing `|`" hint).
pub(super) fn is_operator_name(word: &str) -> bool {
    SUPPORTED.contains(&word) || KNOWN_UNSUPPORTED.contains(&word)
}

impl Parser {
    pub(super) fn operator(&mut self) -> Result<Operator, SyntaxError> {
        let keyword = self.peek().clone();
        let TokenKind::Ident(word) = &keyword.kind else {
            return Err(self.unexpected("a tabular operator after `|`", None));
        };
        if let Some(err) = self.hyphenated_operator(word, keyword.span) {
            return Err(err);
        }
        let kind = match word.as_str() {
            "where" | "filter" => {
                self.bump();
                OperatorKind::Where(self.expr()?)
            }
            "project" => {
                self.bump();
                OperatorKind::Project(self.assignments()?)
            }
            "extend" => {
                self.bump();
                OperatorKind::Extend(self.assignments()?)
            }
            "summarize" => {
                self.bump();
                self.summarize()?
            }
            "join" => {
                self.bump();
                self.join()?
            }
            "sort" | "order" => {
                self.bump();
                self.expect_keyword("by")?;
                OperatorKind::Sort(self.sort_keys()?)
            }
            "take" | "limit" => {
                self.bump();
                OperatorKind::Take(self.expr()?)
            }
            "count" => {
                self.bump();
                OperatorKind::Count
            }
            "distinct" => {
                self.bump();
                if self.eat_punct("*") {
                    OperatorKind::Distinct(DistinctItems::All)
                } else {
                    OperatorKind::Distinct(DistinctItems::Items(self.assignments()?))
                }
            }
            w if KNOWN_UNSUPPORTED.contains(&w) => {
                return Err(SyntaxError::UnsupportedOperator {
                    name: w.to_owned(),
                    span: keyword.span,
                });
            }
            _ => {
                return Err(self.unexpected(
                    "a tabular operator after `|`",
                    Some(format!("`{word}` is not a KQL tabular operator")),
                ));
            }
        };
        Ok(Operator { kind, span: keyword.span.to(self.prev_span()) })
    }

    /// `mv-expand`, `project-away`, `make-series`, …: refused by their full name.
    fn hyphenated_operator(&self, word: &str, span: Span) -> Option<SyntaxError> {
        let (TokenKind::Punct("-"), TokenKind::Ident(second)) =
            (self.peek_kind(1), self.peek_kind(2))
        else {
            return None;
        };
        let second_span = self.tokens[self.pos + 2].span;
        let name = format!("{word}-{second}");
        let known = matches!(
            name.as_str(),
            "mv-expand"
                | "mv-apply"
                | "project-away"
                | "project-keep"
                | "project-rename"
                | "project-reorder"
                | "make-series"
                | "parse-where"
                | "parse-kv"
                | "top-nested"
                | "top-hitters"
                | "sample-distinct"
                | "make-graph"
        );
        known.then(|| SyntaxError::UnsupportedOperator { name, span: span.to(second_span) })
    }

    /// `[Name =] Expr, ...`.
    fn assignments(&mut self) -> Result<Vec<Assignment>, SyntaxError> {
        let mut items = vec![self.assignment()?];
        while self.eat_punct(",") {
            items.push(self.assignment()?);
        }
        Ok(items)
    }

    fn assignment(&mut self) -> Result<Assignment, SyntaxError> {
        let named = matches!(self.peek().kind, TokenKind::Ident(_) | TokenKind::QuotedIdent(_))
            && self.peek_kind(1) == &TokenKind::Punct("=");
        let name = if named {
            let name = self.ident("a column name")?;
            self.bump();
            Some(name)
        } else {
            None
        };
        Ok(Assignment { name, expr: self.expr()? })
    }

    fn summarize(&mut self) -> Result<OperatorKind, SyntaxError> {
        self.params(&[])?;
        let aggregates = if self.at_keyword("by") { Vec::new() } else { self.assignments()? };
        let by = if self.eat_keyword("by") { self.assignments()? } else { Vec::new() };
        if aggregates.is_empty() && by.is_empty() {
            return Err(self.unexpected("an aggregation or `by`", None));
        }
        Ok(OperatorKind::Summarize { aggregates, by })
    }

    /// `name=value` parameters such as `kind=inner` or `hint.strategy=shuffle`.
    /// `names` lists the plain parameters the operator takes; `hint.*` are
    /// always accepted.
    fn params(&mut self, names: &[&str]) -> Result<Vec<Param>, SyntaxError> {
        let mut params = Vec::new();
        loop {
            let is_param = match (&self.peek().kind, self.peek_kind(1)) {
                (TokenKind::Ident(w), TokenKind::Punct(".")) => w == "hint",
                (TokenKind::Ident(w), TokenKind::Punct("=")) => names.contains(&w.as_str()),
                _ => false,
            };
            if !is_param {
                return Ok(params);
            }
            let first = self.ident("a parameter name")?;
            let mut name = first.clone();
            while self.eat_punct(".") {
                let part = self.ident("a parameter name after `.`")?;
                name.name = format!("{}.{}", name.name, part.name);
                name.span = name.span.to(part.span);
            }
            self.expect_punct("=", "`=` after the parameter name")?;
            let value = match &self.peek().kind {
                TokenKind::Ident(v) | TokenKind::String(v) => v.clone(),
                TokenKind::Long(v) => v.to_string(),
                _ => return Err(self.unexpected("a parameter value", None)),
            };
            let span = self.bump().span;
            params.push(Param { name, value: Ident { name: value, span } });
        }
    }

    fn join(&mut self) -> Result<OperatorKind, SyntaxError> {
        let params = self.params(&["kind"])?;
        let right = if self.at_punct("(") {
            self.expr()?
        } else {
            let name = self.ident("the right side of the join: a table name or `(query)`")?;
            Expr { span: name.span, kind: ExprKind::Name(name) }
        };
        self.expect_keyword("on")?;
        let mut on = Vec::new();
        loop {
            let cond = self.comparison_for_join()?;
            flatten_and(cond, &mut on)?;
            if !self.eat_punct(",") {
                break;
            }
        }
        Ok(OperatorKind::Join { params, right: Box::new(right), on })
    }

    fn comparison_for_join(&mut self) -> Result<Expr, SyntaxError> {
        self.expr()
    }

    fn sort_keys(&mut self) -> Result<Vec<SortKey>, SyntaxError> {
        let mut keys = Vec::new();
        loop {
            let expr = self.expr()?;
            let ascending = if self.eat_keyword("asc") {
                Some(true)
            } else if self.eat_keyword("desc") {
                Some(false)
            } else {
                None
            };
            let nulls_first = if self.eat_keyword("nulls") {
                if self.eat_keyword("first") {
                    Some(true)
                } else if self.eat_keyword("last") {
                    Some(false)
                } else {
                    return Err(self.unexpected("`first` or `last` after `nulls`", None));
                }
            } else {
                None
            };
            keys.push(SortKey { expr, ascending, nulls_first });
            if !self.eat_punct(",") {
                return Ok(keys);
            }
        }
    }
}

/// Splits `a and b` join conditions and checks each one's shape.
fn flatten_and(cond: Expr, out: &mut Vec<JoinCondition>) -> Result<(), SyntaxError> {
    match cond.kind {
        ExprKind::Binary { op: BinaryOp::And, lhs, rhs, .. } => {
            flatten_and(*lhs, out)?;
            flatten_and(*rhs, out)
        }
        ExprKind::Name(ident) => {
            out.push(JoinCondition::Same(ident));
            Ok(())
        }
        ExprKind::Binary { op: BinaryOp::Eq, lhs, rhs, .. } => {
            match (side_column(&lhs), side_column(&rhs)) {
                (Some(("$left", left)), Some(("$right", right)))
                | (Some(("$right", right)), Some(("$left", left))) => {
                    out.push(JoinCondition::Pair { left, right });
                    Ok(())
                }
                _ => Err(bad_condition(cond.span)),
            }
        }
        _ => Err(bad_condition(cond.span)),
    }
}

/// `$left.Col` or `$right.Col` as (side, column).
fn side_column(expr: &Expr) -> Option<(&'static str, Ident)> {
    let ExprKind::Member { base, name } = &expr.kind else { return None };
    let ExprKind::Name(side) = &base.kind else { return None };
    let side = match side.name.as_str() {
        "$left" => "$left",
        "$right" => "$right",
        _ => return None,
    };
    Some((side, name.clone()))
}

fn bad_condition(span: Span) -> SyntaxError {
    SyntaxError::UnexpectedToken {
        expected: "a join condition".to_owned(),
        found: "an expression".to_owned(),
        span,
        help: Some("write `on Column` or `on $left.A == $right.B`".to_owned()),
    }
}
