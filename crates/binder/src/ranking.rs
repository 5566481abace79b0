//! The leading values of a column: `top-hitters` (the most frequent, or
//! those with the largest sums), `sample-distinct` (some distinct values)
//! and `top-nested` (the top values of a column, then the top values of the
//! next column within each of those, and so on).
//!
//! For `top-nested`, level k groups the input by the first k columns and aggregates; an inner
//! join with level k-1's result on the first k-1 columns keeps the groups
//! the levels above chose (null keys match, as they group together), and a
//! limit within each of those groups keeps the top N.

use calypso_syntax::Span;
use calypso_syntax::ast::{self, Assignment, Ident, TopNestedLevel};

use crate::bind::Binder;
use crate::names::{NameSet, expr_name};
use crate::plan::{Expr, ExprKind, JoinKind, Plan, PlanKind, SortKey, Value};
use crate::{BindError, Column};

impl Binder<'_> {
    /// `top-hitters N of Expr [by Weight]`: `summarize approximate_count_Expr
    /// = count() by Expr | top N by approximate_count_Expr`, or with a
    /// weight `approximate_sum_Weight = sum(Weight)`. Kusto estimates; on
    /// the sizes measured its counts are exact, and Calypso's always are.
    pub(crate) fn top_hitters(
        &mut self,
        input: Plan,
        count: &ast::Expr,
        of: &ast::Expr,
        by: Option<&ast::Expr>,
        span: Span,
    ) -> Result<Plan, BindError> {
        let call = |name: &str, args: Vec<ast::Expr>| ast::Expr {
            kind: ast::ExprKind::Call { func: Ident { name: name.to_owned(), span }, args },
            span,
        };
        let (name, aggregate) = match by {
            None => {
                let of_name = expr_name(of).unwrap_or_default();
                (format!("approximate_count_{of_name}"), call("count", Vec::new()))
            }
            Some(weight) => {
                let weight_name = expr_name(weight).unwrap_or_default();
                (format!("approximate_sum_{weight_name}"), call("sum", vec![weight.clone()]))
            }
        };
        let item = Assignment {
            name: Some(Ident { name, span }),
            more_names: Vec::new(),
            expr: aggregate,
        };
        let key = Assignment { name: None, more_names: Vec::new(), expr: of.clone() };
        let grouped = self.summarize(input, &[item], &[key], span)?;
        let counted = grouped.schema.last().expect("the aggregation").clone();
        self.first_by(grouped, counted, false, count, span)
    }

    /// `sample-distinct N of Expr`: N distinct values. Kusto picks them at
    /// random; Calypso gives the N smallest, so that a run can be repeated.
    pub(crate) fn sample_distinct(
        &mut self,
        input: Plan,
        count: &ast::Expr,
        of: &ast::Expr,
        span: Span,
    ) -> Result<Plan, BindError> {
        let key = Assignment { name: None, more_names: Vec::new(), expr: of.clone() };
        let distinct = self.summarize(input, &[], &[key], span)?;
        let column = distinct.schema[0].clone();
        self.first_by(distinct, column, true, count, span)
    }

    /// The first `count` rows of `plan` sorted by `column` (nulls with the
    /// smallest values, as KQL sorts).
    fn first_by(
        &mut self,
        plan: Plan,
        column: Column,
        ascending: bool,
        count: &ast::Expr,
        span: Span,
    ) -> Result<Plan, BindError> {
        let key = SortKey {
            expr: Expr { kind: ExprKind::Column(column.name), ty: column.ty, span },
            ascending,
            nulls_first: ascending,
        };
        let schema = plan.schema.clone();
        let kind = PlanKind::Sort { input: Box::new(plan), keys: vec![key] };
        self.take(Plan { kind, schema, span }, count, span)
    }

    /// `top-nested [N] of Expr by Aggregation [asc|desc], ...`.
    pub(crate) fn top_nested(
        &mut self,
        input: Plan,
        levels: &[TopNestedLevel],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut names = NameSet::default();
        // Each level's `of` and aggregation items, named as they come out.
        let mut by: Vec<Assignment> = Vec::new();
        let mut result: Option<Plan> = None;
        for level in levels {
            if let Some(others) = &level.others {
                return Err(BindError::unsupported("`top-nested ... with others`", others.span));
            }
            let of_name = match (&level.of.name, expr_name(&level.of.expr)) {
                (Some(name), _) => name.name.clone(),
                (None, Some(name)) => name,
                (None, None) => names.next_unnamed(),
            };
            let of_name = names.unique(&of_name);
            let agg_name = match &level.by.name {
                Some(name) => name.name.clone(),
                None => format!("aggregated_{of_name}"),
            };
            let agg_name = names.unique(&agg_name);
            let named = |name: &str, item: &Assignment| Assignment {
                name: Some(Ident { name: name.to_owned(), span: item.expr.span }),
                more_names: Vec::new(),
                expr: item.expr.clone(),
            };
            by.push(named(&of_name, &level.of));
            let aggregate = named(&agg_name, &level.by);
            let grouped = self.summarize(input.clone(), &[aggregate], &by, span)?;

            // Within the groups the levels above kept.
            let outer: Vec<String> = by[..by.len() - 1]
                .iter()
                .filter_map(|b| b.name.as_ref().map(|n| n.name.clone()))
                .collect();
            let joined = match result.take() {
                None => grouped,
                Some(above) => join_level(above, grouped, &outer, span),
            };
            let agg = joined.schema.last().expect("a level has its aggregation").clone();
            let key = SortKey {
                expr: Expr { kind: ExprKind::Column(agg.name), ty: agg.ty, span },
                ascending: level.ascending.unwrap_or(false),
                nulls_first: level.ascending.unwrap_or(false),
            };
            let schema = joined.schema.clone();
            let mut ranked = Plan {
                kind: PlanKind::Sort { input: Box::new(joined), keys: vec![key] },
                schema,
                span,
            };
            if let Some(count) = &level.count {
                let count = self.level_count(count)?;
                let schema = ranked.schema.clone();
                let kind = PlanKind::Limit { input: Box::new(ranked), count, per: outer };
                ranked = Plan { kind, schema, span };
            }
            result = Some(ranked);
        }
        result.ok_or_else(|| BindError::invalid("`top-nested` needs a level", span, "no level"))
    }

    fn level_count(&mut self, count: &ast::Expr) -> Result<u64, BindError> {
        let bound = self.scalar(count, &[])?;
        match bound.kind {
            ExprKind::Literal(Value::Long(n)) if n >= 0 => Ok(n as u64),
            ExprKind::Literal(Value::Int(n)) if n >= 0 => Ok(n as u64),
            _ => Err(BindError::types(
                "the count of a `top-nested` level must be a constant, non-negative long",
                count.span,
                bound.ty.to_string(),
            )),
        }
    }
}

/// The level above's rows joined with this level's groups on the columns
/// they share: the above's columns, then this level's column and
/// aggregation.
fn join_level(above: Plan, grouped: Plan, outer: &[String], span: Span) -> Plan {
    let keys = outer.iter().map(|k| (k.clone(), k.clone())).collect();
    // The right side's columns come out of the join under names of their own.
    let hidden: Vec<Column> = grouped
        .schema
        .iter()
        .enumerate()
        .map(|(i, c)| Column::new(format!("__calypso_tn{}_{i}", outer.len()), c.ty))
        .collect();
    let mut schema = above.schema.clone();
    schema.extend(hidden.iter().cloned());
    let added: Vec<Column> = grouped.schema[outer.len()..].to_vec();
    let join = PlanKind::Join {
        left: Box::new(above),
        right: Box::new(grouped),
        kind: JoinKind::Inner,
        keys,
    };
    let joined = Plan { kind: join, schema, span };
    let n_above = joined.schema.len() - hidden.len();
    let mut exprs: Vec<Expr> = joined.schema[..n_above]
        .iter()
        .map(|c| Expr { kind: ExprKind::Column(c.name.clone()), ty: c.ty, span })
        .collect();
    let mut schema = joined.schema[..n_above].to_vec();
    for (c, h) in added.iter().zip(&hidden[outer.len()..]) {
        exprs.push(Expr { kind: ExprKind::Column(h.name.clone()), ty: h.ty, span });
        schema.push(c.clone());
    }
    Plan { kind: PlanKind::Project { input: Box::new(joined), exprs }, schema, span }
}
