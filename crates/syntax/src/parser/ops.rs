//! Tabular operators: the steps after `|`.
//!
//! This file dispatches on the operator's name and holds the operators whose
//! arguments are lists of expressions or names; `expand.rs` has the ones with
//! a grammar of their own (`mv-expand`, `parse`, `make-series`, …) and
//! `sources.rs` the tabular sources that may also follow a `|` (`union`,
//! `search`).

use super::Parser;
use crate::ast::{
    Assignment, BinaryOp, DistinctItems, Expr, ExprKind, Ident, JoinCondition, Operator,
    OperatorKind, Param, SortKey,
};
use crate::lexer::TokenKind;
use crate::{Span, SyntaxError};

/// Every tabular operator name, for the "missing `|`" hint, "did you
/// mean" and the REPL's completion.
const OPERATOR_NAMES: [&str; 44] = [
    "as",
    "consume",
    "count",
    "distinct",
    "evaluate",
    "extend",
    "facet",
    "filter",
    "find",
    "fork",
    "getschema",
    "invoke",
    "join",
    "limit",
    "lookup",
    "make-series",
    "mv-apply",
    "mv-expand",
    "mvapply",
    "mvexpand",
    "order",
    "parse",
    "parse-kv",
    "parse-where",
    "partition",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "reduce",
    "render",
    "sample",
    "sample-distinct",
    "scan",
    "search",
    "serialize",
    "sort",
    "summarize",
    "take",
    "top",
    "top-nested",
    "union",
    "where",
];

/// Operators that are parsed only to be refused: their arguments are kept as
/// written.
const OPAQUE: [&str; 9] = [
    "consume",
    "facet",
    "fork",
    "partition",
    "reduce",
    "scan",
    "make-graph",
    "graph-match",
    "top-hitters",
];

/// Whether `word` names a tabular operator (for the "missing `|`" hint).
pub(super) fn is_operator_name(word: &str) -> bool {
    OPERATOR_NAMES.contains(&word)
}

/// The names of the tabular operators, sorted.
pub fn operator_names() -> &'static [&'static str] {
    &OPERATOR_NAMES
}

impl Parser<'_> {
    pub(super) fn operator(&mut self) -> Result<Operator, SyntaxError> {
        let start = self.peek().span;
        let Some(name) = self.operator_name() else {
            let help = self.at_punct("|").then(|| "there is one `|` too many here".to_owned());
            return Err(self.unexpected("a tabular operator after `|`", help));
        };
        let kind = match name.as_str() {
            "where" | "filter" => {
                let name = if self.at_named() {
                    let name = self.ident("a name")?;
                    self.bump();
                    Some(name)
                } else {
                    None
                };
                OperatorKind::Where { name, predicate: self.expr()? }
            }
            "project" => OperatorKind::Project(self.assignments()?),
            "extend" => OperatorKind::Extend(self.assignments()?),
            "summarize" => self.summarize()?,
            "join" => self.join()?,
            "lookup" => self.lookup()?,
            "sort" | "order" => {
                self.expect_keyword("by")?;
                OperatorKind::Sort(self.sort_keys()?)
            }
            "top" => {
                let count = self.expr()?;
                self.expect_keyword("by")?;
                OperatorKind::Top { count, key: self.sort_key()? }
            }
            "take" | "limit" => OperatorKind::Take(self.expr()?),
            "sample" => OperatorKind::Sample(self.expr()?),
            "sample-distinct" => {
                let count = self.expr()?;
                self.expect_keyword("of")?;
                OperatorKind::SampleDistinct { count, of: self.expr()? }
            }
            "top-hitters" => {
                let count = self.expr()?;
                self.expect_keyword("of")?;
                let of = self.expr()?;
                let by = if self.eat_keyword("by") { Some(self.expr()?) } else { None };
                OperatorKind::TopHitters { count, of, by }
            }
            "count" => OperatorKind::Count,
            "distinct" => {
                if self.eat_punct("*") {
                    OperatorKind::Distinct(DistinctItems::All)
                } else {
                    OperatorKind::Distinct(DistinctItems::Items(self.assignments()?))
                }
            }
            "project-away" => OperatorKind::ProjectAway(self.name_patterns()?),
            "project-keep" => OperatorKind::ProjectKeep(self.name_patterns()?),
            "project-rename" => OperatorKind::ProjectRename(self.assignments()?),
            "project-reorder" => OperatorKind::ProjectReorder(self.reorder_items()?),
            "mv-expand" | "mvexpand" => self.mv_expand()?,
            "mv-apply" | "mvapply" => self.mv_apply()?,
            "parse" => self.parse_op(false)?,
            "parse-where" => self.parse_op(true)?,
            "parse-kv" => self.parse_kv()?,
            "make-series" => self.make_series()?,
            "top-nested" => self.top_nested()?,
            "evaluate" => {
                let params = self.params(&[])?;
                OperatorKind::Evaluate { params, call: self.postfix_expr()? }
            }
            "invoke" => OperatorKind::Invoke(self.postfix_expr()?),
            "render" => self.render()?,
            "as" => {
                let params = self.params(&[])?;
                OperatorKind::As { params, name: self.ident("a name after `as`")? }
            }
            "serialize" => {
                let items = if self.at_operator_end() { Vec::new() } else { self.assignments()? };
                OperatorKind::Serialize(items)
            }
            "getschema" => OperatorKind::GetSchema,
            "union" => {
                let (params, legs) = self.union_args()?;
                OperatorKind::Union { params, legs }
            }
            "search" => OperatorKind::Search(Box::new(self.search_args()?)),
            name if OPAQUE.contains(&name) => {
                OperatorKind::Other { name: name.to_owned(), text: self.raw_until_operator_end() }
            }
            other => {
                self.pos -= 1;
                let help = match crate::closest(other, OPERATOR_NAMES) {
                    Some(op) => {
                        format!("`{other}` is not a KQL tabular operator: did you mean `{op}`?")
                    }
                    None => format!("`{other}` is not a KQL tabular operator"),
                };
                return Err(self.unexpected("a tabular operator after `|`", Some(help)));
            }
        };
        Ok(Operator { kind, span: start.to(self.prev_span()) })
    }

    /// Consumes an operator's name, joining hyphenated names written without
    /// spaces (`mv-expand`, `project-away`).
    fn operator_name(&mut self) -> Option<String> {
        let TokenKind::Ident(word) = &self.peek().kind else { return None };
        let mut name = word.clone();
        let mut end = self.bump().span;
        while self.at_punct("-")
            && super::adjacent(end, self.peek().span)
            && matches!(self.peek_kind(1), TokenKind::Ident(_))
            && super::adjacent(self.peek().span, self.tokens[self.pos + 1].span)
        {
            let TokenKind::Ident(next) = self.peek_kind(1).clone() else { unreachable!() };
            self.bump();
            end = self.bump().span;
            name = format!("{name}-{next}");
        }
        Some(name)
    }

    /// `[Name =] Expr, ...`.
    pub(super) fn assignments(&mut self) -> Result<Vec<Assignment>, SyntaxError> {
        let mut items = vec![self.assignment()?];
        while self.eat_punct(",") {
            items.push(self.assignment()?);
        }
        Ok(items)
    }

    pub(super) fn assignment(&mut self) -> Result<Assignment, SyntaxError> {
        if self.at_tuple_assignment() {
            self.bump();
            let mut names = vec![self.ident("a column name")?];
            while self.eat_punct(",") {
                names.push(self.ident("a column name")?);
            }
            self.expect_punct(")", "`)` closing the names")?;
            self.expect_punct("=", "`=` after the names")?;
            let first = names.remove(0);
            return Ok(Assignment { name: Some(first), more_names: names, expr: self.expr()? });
        }
        let name = if self.at_named() {
            let name = self.new_name("a column name")?;
            self.bump();
            Some(name)
        } else {
            None
        };
        Ok(Assignment { name, more_names: Vec::new(), expr: self.expr()? })
    }

    /// Whether `Name =` starts here.
    fn at_named(&self) -> bool {
        matches!(self.peek().kind, TokenKind::Ident(_) | TokenKind::QuotedIdent(_))
            && self.peek_kind(1) == &TokenKind::Punct("=")
    }

    /// Whether `(Name, Name, ...) =` starts here.
    fn at_tuple_assignment(&self) -> bool {
        if !self.at_punct("(") {
            return false;
        }
        let mut ahead = 1;
        loop {
            if !matches!(self.peek_kind(ahead), TokenKind::Ident(_) | TokenKind::QuotedIdent(_)) {
                return false;
            }
            match self.peek_kind(ahead + 1) {
                TokenKind::Punct(",") => ahead += 2,
                TokenKind::Punct(")") => {
                    return self.peek_kind(ahead + 2) == &TokenKind::Punct("=");
                }
                _ => return false,
            }
        }
    }

    fn summarize(&mut self) -> Result<OperatorKind, SyntaxError> {
        let params = self.params(&[])?;
        let aggregates = if self.at_keyword("by") { Vec::new() } else { self.assignments()? };
        let by = if self.eat_keyword("by") { self.assignments()? } else { Vec::new() };
        if aggregates.is_empty() && by.is_empty() {
            return Err(self.unexpected("an aggregation or `by`", None));
        }
        Ok(OperatorKind::Summarize { params, aggregates, by })
    }

    /// `name=value` parameters such as `kind=inner` or `hint.strategy=shuffle`.
    /// `names` lists the plain parameters the operator takes; `hint.*` are
    /// always accepted.
    pub(super) fn params(&mut self, names: &[&str]) -> Result<Vec<Param>, SyntaxError> {
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
            let mut name = self.ident("a parameter name")?;
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
        let right = self.right_side("the right side of the join: a table name or `(query)`")?;
        self.expect_keyword("on")?;
        let on = self.join_conditions()?;
        Ok(OperatorKind::Join { params, right: Box::new(right), on })
    }

    fn lookup(&mut self) -> Result<OperatorKind, SyntaxError> {
        let params = self.params(&["kind"])?;
        let right = self.right_side("the table to look up: a table name or `(query)`")?;
        self.expect_keyword("on")?;
        let on = self.join_conditions()?;
        Ok(OperatorKind::Lookup { params, right: Box::new(right), on })
    }

    /// The right side of `join` or `lookup`: `(query)`, a name or a call.
    fn right_side(&mut self, expected: &str) -> Result<Expr, SyntaxError> {
        if self.at_punct("(")
            || matches!(self.peek().kind, TokenKind::Ident(_) | TokenKind::QuotedIdent(_))
        {
            self.postfix_expr()
        } else {
            Err(self.unexpected(expected, None))
        }
    }

    fn join_conditions(&mut self) -> Result<Vec<JoinCondition>, SyntaxError> {
        let mut on = Vec::new();
        loop {
            let cond = self.expr()?;
            flatten_and(cond, &mut on)?;
            if !self.eat_punct(",") {
                return Ok(on);
            }
        }
    }

    fn sort_keys(&mut self) -> Result<Vec<SortKey>, SyntaxError> {
        let mut keys = vec![self.sort_key()?];
        while self.eat_punct(",") {
            keys.push(self.sort_key()?);
        }
        Ok(keys)
    }

    fn sort_key(&mut self) -> Result<SortKey, SyntaxError> {
        let expr = self.expr()?;
        let ascending = self.direction();
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
        Ok(SortKey { expr, ascending, nulls_first })
    }

    /// `asc` or `desc`, if written.
    pub(super) fn direction(&mut self) -> Option<bool> {
        if self.eat_keyword("asc") {
            Some(true)
        } else if self.eat_keyword("desc") {
            Some(false)
        } else {
            None
        }
    }

    /// A column name or a pattern with `*` wildcards (`Col`, `Prefix*`,
    /// `*Id`, `['a b']`), written without spaces.
    pub(super) fn name_pattern(&mut self, expected: &str) -> Result<Ident, SyntaxError> {
        let start = self.peek().span;
        let mut name = String::new();
        let mut end = start;
        loop {
            let piece = match &self.peek().kind {
                TokenKind::Ident(w) | TokenKind::QuotedIdent(w) => w.clone(),
                TokenKind::Punct("*") => "*".to_owned(),
                _ => break,
            };
            if !name.is_empty() && !super::adjacent(end, self.peek().span) {
                break;
            }
            name.push_str(&piece);
            end = self.bump().span;
        }
        if name.is_empty() {
            return Err(self.unexpected(expected, None));
        }
        Ok(Ident { name, span: start.to(end) })
    }

    fn name_patterns(&mut self) -> Result<Vec<Ident>, SyntaxError> {
        let mut names = vec![self.name_pattern("a column name or pattern")?];
        while self.eat_punct(",") {
            names.push(self.name_pattern("a column name or pattern")?);
        }
        Ok(names)
    }

    fn reorder_items(&mut self) -> Result<Vec<(Ident, Option<Ident>)>, SyntaxError> {
        let mut items = Vec::new();
        loop {
            let name = self.name_pattern("a column name or pattern")?;
            let order = match &self.peek().kind {
                TokenKind::Ident(w) if matches!(w.as_str(), "asc" | "desc") => {
                    Some(self.ident("an order")?)
                }
                TokenKind::Ident(w) if w == "granny" => {
                    let order = self.name_pattern("`granny-asc` or `granny-desc`")?;
                    let start = order.span;
                    let full = if self.eat_punct("-") {
                        let dir = self.ident("`asc` or `desc` after `granny-`")?;
                        Ident { name: format!("granny-{}", dir.name), span: start.to(dir.span) }
                    } else {
                        order
                    };
                    Some(full)
                }
                _ => None,
            };
            items.push((name, order));
            if !self.eat_punct(",") {
                return Ok(items);
            }
        }
    }

    fn render(&mut self) -> Result<OperatorKind, SyntaxError> {
        let chart = self.ident("a chart kind after `render`")?;
        let props = if self.at_operator_end() { None } else { Some(self.raw_until_operator_end()) };
        Ok(OperatorKind::Render { chart, props })
    }

    /// Whether the current operator has no more arguments.
    pub(super) fn at_operator_end(&self) -> bool {
        self.at_eof() || self.at_punct("|") || self.at_punct(";") || self.at_punct(")")
    }

    /// The text of the tokens up to the end of the operator (a `|`, `;` or
    /// unmatched closing bracket at this level), consumed.
    pub(super) fn raw_until_operator_end(&mut self) -> String {
        let start = self.peek().span.start;
        let mut end = start;
        let mut depth = 0usize;
        loop {
            match &self.peek().kind {
                TokenKind::Eof => break,
                TokenKind::Punct("(" | "[" | "{") => depth += 1,
                TokenKind::Punct(")" | "]" | "}") if depth == 0 => break,
                TokenKind::Punct(")" | "]" | "}") => depth -= 1,
                TokenKind::Punct("|" | ";") if depth == 0 => break,
                _ => {}
            }
            end = self.bump().span.end;
        }
        self.src[start..end.max(start)].to_owned()
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
