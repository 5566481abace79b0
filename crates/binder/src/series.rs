//! `make-series`: aggregates by group and by bin of an axis, spread into
//! one array per aggregate (kql-semantics.md §3.21).
//!
//! The binder reduces it to an aggregate the engine already runs — the rows
//! between the bounds, grouped by the keys and by `bin_at(Axis, step,
//! start)` — and a [`Series`] that says how to lay the bins out: the first
//! bin, the step, how far the axis goes and what an empty bin holds. Bounds
//! left out are the axis's own minimum and maximum, as scalar subqueries.

use calypso_syntax::ast::{self, Assignment, BinaryOp, ExprKind as A, MakeSeries};
use calypso_syntax::{KqlType, Span};

use crate::bind::Binder;
use crate::names::NameSet;
use crate::plan::{Expr, ExprKind, Plan, PlanKind, Series, Value};
use crate::{BindError, Column};

impl Binder<'_> {
    /// `make-series Aggs on Axis [from a] [to b] step s [by Keys]`.
    pub(crate) fn make_series(
        &mut self,
        input: Plan,
        series: &MakeSeries,
        span: Span,
    ) -> Result<Plan, BindError> {
        if let Some(kind) = series.params.iter().find(|p| p.name.name == "kind") {
            return Err(BindError::unsupported(
                format!("`make-series kind={}`", kind.value.name),
                kind.name.span.to(kind.value.span),
            ));
        }
        let A::Name(axis_name) = &series.on.kind else {
            return Err(BindError::invalid(
                "`make-series` needs a column after `on`",
                series.on.span,
                "not a column",
            ));
        };
        let axis = self.scalar(&series.on, &input.schema)?;
        let step = self.scalar(&series.step, &[])?;
        let step_ok = match axis.ty {
            KqlType::Datetime | KqlType::Timespan => step.ty == KqlType::Timespan,
            KqlType::Long | KqlType::Int | KqlType::Real => step.ty.is_numeric(),
            _ => {
                return Err(BindError::types(
                    format!(
                        "`make-series` needs a datetime, timespan or number axis, not a {}",
                        axis.ty
                    ),
                    series.on.span,
                    format!("{}, not datetime", axis.ty),
                ));
            }
        };
        if !step_ok {
            return Err(BindError::types(
                format!("the step of a {} axis cannot be a {}", axis.ty, step.ty),
                series.step.span,
                step.ty.to_string(),
            ));
        }

        // The rows between the bounds given.
        let mut rows = input;
        for (bound, op) in [(&series.from, BinaryOp::Ge), (&series.to, BinaryOp::Lt)] {
            let Some(bound) = bound else { continue };
            let test = ast::Expr {
                kind: A::Binary {
                    op,
                    op_span: bound.span,
                    lhs: Box::new(series.on.clone()),
                    rhs: Box::new(bound.clone()),
                },
                span: bound.span,
            };
            let predicate = self.scalar(&test, &rows.schema)?;
            let schema = rows.schema.clone();
            rows =
                Plan { kind: PlanKind::Filter { input: Box::new(rows), predicate }, schema, span };
        }

        // The first bin, and how far the axis goes: the bounds given, else
        // the axis's own minimum and maximum.
        let start = match &series.from {
            Some(from) => self.constant_of(from, axis.ty)?,
            None => self.axis_extreme(&rows, &series.on, "min", axis.ty, span)?,
        };
        let (end, end_inclusive) = match &series.to {
            Some(to) => (self.constant_of(to, axis.ty)?, false),
            None => (self.axis_extreme(&rows, &series.on, "max", axis.ty, span)?, true),
        };

        let mut names = NameSet::default();
        let mut key_columns = Vec::new();
        let mut keys = Vec::new();
        for item in &series.by {
            let key = self.group_key(item, &rows.schema)?;
            let name = self.output_name(item, &mut names)?;
            key_columns.push(Column::new(name, key.ty));
            keys.push(key);
        }
        // The bin: `bin_at(Axis, step, start)`, the start being bound
        // separately when it is the axis's minimum.
        let call = ast::Expr {
            kind: A::Call {
                func: ast::Ident { name: "bin_at".to_owned(), span: series.on.span },
                args: vec![series.on.clone(), series.step.clone(), series.on.clone()],
            },
            span: series.on.span,
        };
        let mut bin = self.scalar(&call, &rows.schema)?;
        if let ExprKind::Call { args, .. } = &mut bin.kind {
            args[2] = start.clone();
        }
        keys.push(bin);

        let mut calls = Vec::new();
        let mut defaults = Vec::new();
        let mut columns = Vec::new();
        let mut hidden = key_columns.clone();
        hidden.push(Column::new("__bin", axis.ty));
        for (item, default) in &series.aggregates {
            let A::Call { func, args } = &item.expr.kind else {
                return Err(not_an_aggregate(item));
            };
            if !crate::expr::is_aggregate_name(&func.name) {
                return Err(not_an_aggregate(item));
            }
            let call = self.aggregate(func, args, &rows.schema, item.expr.span)?;
            let name = match &item.name {
                Some(ident) => names.unique(&ident.name),
                None => names.unique(&crate::names::aggregate_name(&func.name, args)),
            };
            let value = match default {
                Some(expr) => match self.scalar(expr, &[])?.kind {
                    ExprKind::Literal(value) => value,
                    ExprKind::Negate(inner) => match inner.kind {
                        ExprKind::Literal(Value::Long(v)) => Value::Long(-v),
                        ExprKind::Literal(Value::Int(v)) => Value::Int(-v),
                        ExprKind::Literal(Value::Real(v)) => Value::Real(-v),
                        _ => return Err(not_constant(expr)),
                    },
                    _ => {
                        return Err(BindError::invalid(
                            "the default of a series must be a constant",
                            expr.span,
                            "not a constant",
                        ));
                    }
                },
                // Kusto's default is 0.
                None if call.ty.is_numeric() => Value::Long(0),
                None => Value::Null,
            };
            hidden.push(Column::new(format!("__agg{}", calls.len()), call.ty));
            columns.push(Column::new(name, KqlType::Dynamic));
            defaults.push((value, call.ty));
            calls.push(call);
        }
        let grouped = Plan {
            kind: PlanKind::Aggregate { input: Box::new(rows), keys, aggregates: calls },
            schema: hidden,
            span,
        };

        let mut schema = key_columns;
        schema.extend(columns);
        schema.push(Column::new(names.unique(&axis_name.name), KqlType::Dynamic));
        let series = Series {
            keys: series.by.len(),
            defaults,
            start,
            step,
            end,
            end_inclusive,
            axis: axis.ty,
        };
        Ok(Plan { kind: PlanKind::MakeSeries { input: Box::new(grouped), series }, schema, span })
    }

    /// A bound of the axis, which must be a constant of the axis's type.
    fn constant_of(&mut self, expr: &ast::Expr, axis: KqlType) -> Result<Expr, BindError> {
        let value = self.scalar(expr, &[])?;
        let fits = value.ty == axis || (value.ty.is_numeric() && axis.is_numeric());
        if !fits {
            return Err(BindError::types(
                format!("a bound of a {axis} axis cannot be a {}", value.ty),
                expr.span,
                value.ty.to_string(),
            ));
        }
        Ok(value)
    }

    /// `toscalar(rows | summarize min(Axis))` (or `max`), bound.
    fn axis_extreme(
        &mut self,
        rows: &Plan,
        axis: &ast::Expr,
        func: &str,
        ty: KqlType,
        span: Span,
    ) -> Result<Expr, BindError> {
        let ident = ast::Ident { name: func.to_owned(), span: axis.span };
        let call = self.aggregate(&ident, std::slice::from_ref(axis), &rows.schema, axis.span)?;
        let plan = Plan {
            kind: PlanKind::Aggregate {
                input: Box::new(rows.clone()),
                keys: Vec::new(),
                aggregates: vec![call],
            },
            schema: vec![Column::new(func, ty)],
            span,
        };
        self.subqueries += 1;
        let kind = ExprKind::Subquery { plan: Box::new(plan), id: self.subqueries, scalar: true };
        Ok(Expr { kind, ty, span: axis.span })
    }
}

fn not_constant(expr: &ast::Expr) -> BindError {
    BindError::invalid("the default of a series must be a constant", expr.span, "not a constant")
}

fn not_an_aggregate(item: &Assignment) -> BindError {
    BindError::invalid(
        "each item of `make-series` is one aggregation, such as `count()` or `sum(x)`",
        item.expr.span,
        "not an aggregation",
    )
}
