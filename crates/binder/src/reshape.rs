//! Operators that choose, rename and order columns without computing new
//! values: `project-away`, `project-keep`, `project-rename`,
//! `project-reorder`; and `top`, which is `sort` then `take`.

use calypso_syntax::Span;
use calypso_syntax::ast::{self, Assignment, Ident};

use crate::bind::Binder;
use crate::expr::suggest;
use crate::plan::{Expr, ExprKind, Plan, PlanKind};
use crate::{BindError, Column};

impl Binder<'_> {
    /// `top N by Key` = `sort by Key | take N` (kql-semantics.md §3.13).
    pub(crate) fn top(
        &mut self,
        input: Plan,
        count: &ast::Expr,
        key: &ast::SortKey,
        span: Span,
    ) -> Result<Plan, BindError> {
        let sorted = self.sort(input, std::slice::from_ref(key), span)?;
        self.take(sorted, count, span)
    }

    /// Notes a pattern with `*`: what it matches depends on the input's
    /// columns.
    fn note_patterns<'a>(&mut self, mut patterns: impl Iterator<Item = &'a Ident>) {
        if patterns.any(|p| p.name.contains('*')) {
            self.reads_schema = true;
        }
    }

    /// `project-away`: the input without the named columns (§3.3).
    pub(crate) fn project_away(
        &mut self,
        input: Plan,
        patterns: &[Ident],
        span: Span,
    ) -> Result<Plan, BindError> {
        self.note_patterns(patterns.iter());
        let matched = matching_columns(&input.schema, patterns)?;
        let kept: Vec<usize> = (0..input.schema.len()).filter(|i| !matched.contains(i)).collect();
        Ok(select(input, &kept, span))
    }

    /// `project-keep`: only the named columns, in input order (§3.6).
    pub(crate) fn project_keep(
        &mut self,
        input: Plan,
        patterns: &[Ident],
        span: Span,
    ) -> Result<Plan, BindError> {
        self.note_patterns(patterns.iter());
        let mut kept = matching_columns(&input.schema, patterns)?;
        kept.sort_unstable();
        kept.dedup();
        Ok(select(input, &kept, span))
    }

    /// `project-reorder`: the listed columns first, in the order listed (a
    /// pattern's matches in input order, or sorted as asked), then the rest
    /// in input order (§3.5).
    pub(crate) fn project_reorder(
        &mut self,
        input: Plan,
        items: &[(Ident, Option<Ident>)],
        span: Span,
    ) -> Result<Plan, BindError> {
        self.note_patterns(items.iter().map(|(p, _)| p));
        let mut order: Vec<usize> = Vec::new();
        for (pattern, direction) in items {
            let mut found = matching_columns(&input.schema, std::slice::from_ref(pattern))?;
            let name = |i: &usize| input.schema[*i].name.clone();
            match direction.as_ref().map(|d| d.name.as_str()) {
                Some("asc") => found.sort_by_key(name),
                Some("desc") => found.sort_by_key(|i| std::cmp::Reverse(name(i))),
                Some("granny-asc") => found.sort_by(|a, b| granny(&name(a), &name(b))),
                Some("granny-desc") => found.sort_by(|a, b| granny(&name(b), &name(a))),
                _ => {}
            }
            order.extend(found.into_iter().filter(|i| !order.contains(i)).collect::<Vec<_>>());
        }
        let rest: Vec<usize> = (0..input.schema.len()).filter(|i| !order.contains(i)).collect();
        order.extend(rest);
        Ok(select(input, &order, span))
    }

    /// `project-rename New = Old, ...`: in place (§3.4).
    pub(crate) fn project_rename(
        &mut self,
        input: Plan,
        items: &[Assignment],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut schema = input.schema.clone();
        for item in items {
            let (Some(new), ast::ExprKind::Name(old)) = (&item.name, &item.expr.kind) else {
                return Err(BindError::invalid(
                    "`project-rename` takes `NewName = ExistingColumn`",
                    item.expr.span,
                    "not a column name",
                ));
            };
            let Some(idx) = input.schema.iter().position(|c| c.name == old.name) else {
                return Err(unknown_column(&input.schema, old));
            };
            if schema.iter().enumerate().any(|(i, c)| i != idx && c.name == new.name) {
                return Err(BindError::invalid(
                    format!("a column named `{}` already exists", new.name),
                    new.span,
                    "this name is taken",
                ));
            }
            schema[idx].name = new.name.clone();
        }
        let exprs = input.schema.iter().map(|c| column(c, span)).collect();
        Ok(Plan { kind: PlanKind::Project { input: Box::new(input), exprs }, schema, span })
    }
}

/// The input's columns at `indexes`, in that order.
fn select(input: Plan, indexes: &[usize], span: Span) -> Plan {
    let schema: Vec<Column> = indexes.iter().map(|&i| input.schema[i].clone()).collect();
    let exprs = schema.iter().map(|c| column(c, span)).collect();
    Plan { kind: PlanKind::Project { input: Box::new(input), exprs }, schema, span }
}

fn column(c: &Column, span: Span) -> Expr {
    Expr { kind: ExprKind::Column(c.name.clone()), ty: c.ty, span }
}

/// The positions of the columns the patterns name, in pattern order. A plain
/// name must exist; a pattern with `*` may match nothing.
fn matching_columns(schema: &[Column], patterns: &[Ident]) -> Result<Vec<usize>, BindError> {
    let mut found = Vec::new();
    for pattern in patterns {
        if !pattern.name.contains('*') {
            match schema.iter().position(|c| c.name == pattern.name) {
                Some(i) => found.push(i),
                None => return Err(unknown_column(schema, pattern)),
            }
            continue;
        }
        found.extend((0..schema.len()).filter(|&i| glob(&pattern.name, &schema[i].name)));
    }
    Ok(found)
}

fn unknown_column(schema: &[Column], name: &Ident) -> BindError {
    let help = suggest(&name.name, schema.iter().map(|c| c.name.as_str()));
    BindError::unknown_column(&name.name, name.span, schema, help)
}

/// Whether `name` matches `pattern`, where `*` stands for any text.
pub(crate) fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return pattern == name;
    }
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// "Granny" order: text compared ignoring case, with runs of digits compared
/// as numbers (`a2` before `a10`).
fn granny(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |s: &str| -> Vec<(String, u128)> {
        let mut out = Vec::new();
        let mut chars = s.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() {
                let mut n = String::new();
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(d);
                    chars.next();
                }
                out.push((String::new(), n.parse().unwrap_or(u128::MAX)));
            } else {
                out.push((c.to_lowercase().collect(), 0));
                chars.next();
            }
        }
        out
    };
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_kusto_wildcards() {
        assert!(glob("a*", "abc"));
        assert!(glob("*c", "abc"));
        assert!(glob("a*c", "abc"));
        assert!(glob("*", ""));
        assert!(glob("*b*", "abc"));
        assert!(!glob("a*c", "ab"));
        assert!(!glob("b*", "abc"));
        assert!(!glob("abc", "abcd"));
        assert!(glob("a*b*c", "a_b_c"));
        assert!(!glob("a*b*c", "acb"));
    }

    #[test]
    fn granny_order_compares_numbers_as_numbers() {
        let mut names = vec!["a10", "A2", "a1", "b"];
        names.sort_by(|a, b| granny(a, b));
        assert_eq!(names, ["a1", "A2", "a10", "b"]);
    }
}
