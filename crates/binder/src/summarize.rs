//! `summarize` items that compute with aggregates (`round(avg(x), 2)`,
//! `count() * 2`): each aggregate becomes a hidden column of the grouping,
//! and the items are computed from those in a projection after it
//! (kql-semantics.md §3.8).

use calypso_syntax::Span;
use calypso_syntax::ast::{self, Assignment, ExprKind, Ident};

use crate::bind::Binder;
use crate::expr::is_aggregate_name;
use crate::names::{NameSet, aggregate_name, passes_name};
use crate::plan::{Expr, Plan, PlanKind};
use crate::{BindError, Column};

impl Binder<'_> {
    /// `summarize` where some item is more than one aggregate call.
    pub(crate) fn summarize_computed(
        &mut self,
        input: Plan,
        items: &[Assignment],
        by: &[Assignment],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut names = NameSet::default();
        let mut key_columns = Vec::new();
        let mut keys = Vec::new();
        for item in by {
            let key = self.group_key(item, &input.schema)?;
            let name = self.output_name(item, &mut names)?;
            key_columns.push(Column::new(name, key.ty));
            keys.push(key);
        }

        // The aggregates, lifted out of the items into hidden columns.
        let mut lifted: Vec<ast::Expr> = Vec::new();
        let rewritten: Vec<ast::Expr> = items.iter().map(|i| lift(&i.expr, &mut lifted)).collect();
        let mut calls = Vec::new();
        let mut hidden = Vec::new();
        for (n, call) in lifted.iter().enumerate() {
            let ExprKind::Call { func, args } = &call.kind else { unreachable!("lifted calls") };
            let bound = self.aggregate(func, args, &input.schema, call.span)?;
            hidden.push(Column::new(hidden_name(n), bound.ty));
            calls.push(bound);
        }
        let mut grouped_schema = key_columns.clone();
        grouped_schema.extend(hidden.iter().cloned());
        let grouped = Plan {
            kind: PlanKind::Aggregate { input: Box::new(input), keys, aggregates: calls },
            schema: grouped_schema,
            span,
        };

        // Keys pass through; each item is computed from the hidden columns
        // only (a bare column outside an aggregate is an error, §3.8).
        let column = |c: &Column| Expr {
            kind: crate::plan::ExprKind::Column(c.name.clone()),
            ty: c.ty,
            span,
        };
        let mut schema = key_columns.clone();
        let mut exprs: Vec<Expr> = key_columns.iter().map(column).collect();
        for (item, expr) in items.iter().zip(&rewritten) {
            let value = self.scalar(expr, &hidden).map_err(|e| match e {
                BindError::UnknownColumn { name, span, .. } => BindError::Invalid {
                    message: format!("`{name}` is used outside an aggregate in `summarize`"),
                    span,
                    label: "not inside an aggregate".to_owned(),
                    help: Some("aggregate it (e.g. `take_any(...)`), or group by it".to_owned()),
                },
                other => other,
            })?;
            let name = match (&item.name, aggregate_path_name(&item.expr)) {
                (Some(ident), _) => names.unique(&ident.name),
                (None, Some(name)) => names.unique(&name),
                (None, None) => names.next_unnamed(),
            };
            schema.push(Column::new(name, value.ty));
            exprs.push(value);
        }
        Ok(Plan { kind: PlanKind::Project { input: Box::new(grouped), exprs }, schema, span })
    }
}

fn hidden_name(n: usize) -> String {
    format!("__aggregate{n}")
}

/// `expr` with each aggregate call replaced by its hidden column.
fn lift(expr: &ast::Expr, lifted: &mut Vec<ast::Expr>) -> ast::Expr {
    let mut lift_box = |e: &ast::Expr| Box::new(lift(e, lifted));
    let kind = match &expr.kind {
        ExprKind::Call { func, .. } if is_aggregate_name(&func.name) => {
            lifted.push(expr.clone());
            let name = Ident { name: hidden_name(lifted.len() - 1), span: expr.span };
            return ast::Expr { kind: ExprKind::Name(name), span: expr.span };
        }
        ExprKind::Call { func, args } => ExprKind::Call {
            func: func.clone(),
            args: args.iter().map(|a| lift(a, lifted)).collect(),
        },
        ExprKind::Binary { op, op_span, lhs, rhs } => {
            ExprKind::Binary { op: *op, op_span: *op_span, lhs: lift_box(lhs), rhs: lift_box(rhs) }
        }
        ExprKind::Unary { op, operand } => ExprKind::Unary { op: *op, operand: lift_box(operand) },
        ExprKind::Member { base, name } => {
            ExprKind::Member { base: lift_box(base), name: name.clone() }
        }
        ExprKind::Index { base, index } => {
            ExprKind::Index { base: lift_box(base), index: lift_box(index) }
        }
        ExprKind::Between { lhs, negated, low, high } => ExprKind::Between {
            lhs: lift_box(lhs),
            negated: *negated,
            low: lift_box(low),
            high: lift_box(high),
        },
        ExprKind::In { lhs, negated, case_insensitive, list } => ExprKind::In {
            lhs: lift_box(lhs),
            negated: *negated,
            case_insensitive: *case_insensitive,
            list: list.iter().map(|e| lift(e, lifted)).collect(),
        },
        other => other.clone(),
    };
    ast::Expr { kind, span: expr.span }
}

/// The name of an unnamed item: an aggregate's name, followed down first
/// arguments of functions that pass names through (`round(sum(y), 2)` is
/// `sum_y`, §3.22); `None` for anything else.
fn aggregate_path_name(expr: &ast::Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Call { func, args } if is_aggregate_name(&func.name) => {
            Some(aggregate_name(&func.name, args))
        }
        ExprKind::Call { func, args } if passes_name(&func.name) => {
            args.first().and_then(aggregate_path_name)
        }
        _ => None,
    }
}

/// Whether an item needs this path: it holds an aggregate but is not one.
pub(crate) fn is_computed(expr: &ast::Expr) -> bool {
    let is_call_of_aggregate =
        matches!(&expr.kind, ExprKind::Call { func, .. } if is_aggregate_name(&func.name));
    !is_call_of_aggregate && contains_aggregate(expr)
}

fn contains_aggregate(expr: &ast::Expr) -> bool {
    let mut found = Vec::new();
    lift(expr, &mut found);
    !found.is_empty()
}
