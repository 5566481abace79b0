//! Tables written in the query: `datatable`, `print` and `range`.

use calypso_syntax::ast::{self, Assignment, ColumnDecl};
use calypso_syntax::{KqlType, Span};

use crate::bind::Binder;
use crate::names::NameSet;
use crate::plan::{Expr, ExprKind, Plan, PlanKind, Value};
use crate::{BindError, Column};

impl Binder<'_> {
    /// `datatable(Col:type, ...) [v, ...]`: the values fill the rows in
    /// order; each must be a literal of its column's type (kql-semantics.md
    /// §3.32).
    pub(crate) fn datatable(
        &mut self,
        columns: &[ColumnDecl],
        values: &[ast::Expr],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut names = NameSet::default();
        let mut schema = Vec::new();
        for decl in columns {
            if names.contains(&decl.name.name) {
                return Err(BindError::invalid(
                    format!("column `{}` is declared twice", decl.name.name),
                    decl.name.span,
                    "declared again here",
                ));
            }
            if decl.ty == KqlType::Decimal {
                return Err(BindError::unsupported("`decimal` columns", decl.name.span));
            }
            names.unique(&decl.name.name);
            schema.push(Column::new(decl.name.name.clone(), decl.ty));
        }
        if schema.is_empty() {
            return Err(BindError::invalid("a datatable needs a column", span, "no columns"));
        }
        if !values.len().is_multiple_of(schema.len()) {
            return Err(BindError::invalid(
                format!("{} values do not fill rows of {} columns", values.len(), schema.len()),
                span,
                "the values must fill whole rows",
            ));
        }
        let mut rows = Vec::new();
        for chunk in values.chunks(schema.len()) {
            let row = chunk
                .iter()
                .zip(&schema)
                .map(|(value, col)| self.datatable_value(value, col.ty))
                .collect::<Result<Vec<_>, _>>()?;
            rows.push(row);
        }
        Ok(Plan { kind: PlanKind::Values { rows }, schema, span })
    }

    /// One datatable value as a constant of type `ty`.
    fn datatable_value(&mut self, value: &ast::Expr, ty: KqlType) -> Result<Expr, BindError> {
        let bound = self.scalar(value, &[])?;
        let constant = match bound.kind {
            ExprKind::Literal(v) => v,
            ExprKind::Negate(inner) => match inner.kind {
                ExprKind::Literal(Value::Long(n)) => Value::Long(n.wrapping_neg()),
                ExprKind::Literal(Value::Int(n)) => Value::Int(n.wrapping_neg()),
                ExprKind::Literal(Value::Real(n)) => Value::Real(-n),
                ExprKind::Literal(Value::Timespan(n)) => Value::Timespan(-n),
                _ => return Err(not_a_literal(value.span)),
            },
            _ => return Err(not_a_literal(value.span)),
        };
        let converted = match (constant, ty) {
            (Value::Null, _) => Value::Null,
            (v @ Value::Bool(_), KqlType::Bool)
            | (v @ Value::Long(_), KqlType::Long)
            | (v @ Value::Real(_), KqlType::Real)
            | (v @ Value::String(_), KqlType::String | KqlType::Guid)
            | (v @ Value::Datetime(_), KqlType::Datetime)
            | (v @ Value::Timespan(_), KqlType::Timespan)
            | (v @ Value::Dynamic(_), KqlType::Dynamic) => v,
            (Value::Int(n), KqlType::Int) => Value::Int(n),
            (Value::Int(n), KqlType::Long) => Value::Long(n.into()),
            (Value::Long(n), KqlType::Int) => match i32::try_from(n) {
                Ok(n) => Value::Int(n),
                Err(_) => return Err(mismatch(value.span, bound.ty, ty)),
            },
            (Value::Long(n), KqlType::Real) => Value::Real(n as f64),
            (Value::Int(n), KqlType::Real) => Value::Real(n.into()),
            (Value::Real(n), KqlType::Long) if n.fract() == 0.0 => Value::Long(n as i64),
            _ => return Err(mismatch(value.span, bound.ty, ty)),
        };
        Ok(Expr { kind: ExprKind::Literal(converted), ty, span: value.span })
    }

    /// `print item, ...`: one row; unnamed items are `print_<position>`.
    pub(crate) fn print(&mut self, items: &[Assignment], span: Span) -> Result<Plan, BindError> {
        let mut names = NameSet::default();
        let mut schema = Vec::new();
        let mut row = Vec::new();
        for (pos, item) in items.iter().enumerate() {
            let bound = self.scalar(&item.expr, &[])?;
            let name = match &item.name {
                Some(ident) if names.contains(&ident.name) => {
                    return Err(BindError::invalid(
                        format!("column `{}` is named twice", ident.name),
                        ident.span,
                        "named again here",
                    ));
                }
                Some(ident) => names.unique(&ident.name),
                None => names.unique(&format!("print_{pos}")),
            };
            schema.push(Column::new(name, bound.ty));
            row.push(bound);
        }
        Ok(Plan { kind: PlanKind::Values { rows: vec![row] }, schema, span })
    }

    /// `range Col from a to b step s`: `a`, `a + s`, … up to `b` inclusive.
    pub(crate) fn range(
        &mut self,
        name: &ast::Ident,
        from: &ast::Expr,
        to: &ast::Expr,
        step: &ast::Expr,
        span: Span,
    ) -> Result<Plan, BindError> {
        let (from_b, to_b, step_b) =
            (self.scalar(from, &[])?, self.scalar(to, &[])?, self.scalar(step, &[])?);
        let ty = match (from_b.ty, to_b.ty) {
            (a, b) if a == b => a,
            (a, b) if a.is_numeric() && b.is_numeric() => {
                if a == KqlType::Real || b == KqlType::Real { KqlType::Real } else { KqlType::Long }
            }
            (a, b) => {
                return Err(BindError::types(
                    format!("`range` bounds of types {a} and {b} do not match"),
                    span,
                    "bounds of different types",
                ));
            }
        };
        let ty = match ty {
            KqlType::Int => KqlType::Long,
            // A fractional step makes a range of reals.
            KqlType::Long if step_b.ty == KqlType::Real => KqlType::Real,
            other => other,
        };
        let step_ok = match ty {
            KqlType::Long | KqlType::Real => step_b.ty.is_numeric(),
            KqlType::Datetime | KqlType::Timespan => step_b.ty == KqlType::Timespan,
            _ => false,
        };
        if !step_ok {
            return Err(BindError::types(
                format!("a `range` of {ty} cannot step by {}", step_b.ty),
                step.span,
                step_b.ty.to_string(),
            ));
        }
        let kind = PlanKind::Range { from: from_b, to: to_b, step: step_b };
        Ok(Plan { kind, schema: vec![Column::new(name.name.clone(), ty)], span })
    }
}

/// `getschema`: one row a column, with .NET's type names (kql-semantics.md
/// §3.29, measured: bool is `System.SByte`).
pub(crate) fn schema_table(columns: &[Column], span: Span) -> Plan {
    let text = |s: &str| Expr {
        kind: ExprKind::Literal(Value::String(s.to_owned())),
        ty: KqlType::String,
        span,
    };
    let rows = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let data_type = match c.ty {
                KqlType::Bool => "System.SByte",
                KqlType::Int => "System.Int32",
                KqlType::Long => "System.Int64",
                KqlType::Real => "System.Double",
                KqlType::Decimal => "System.Data.SqlTypes.SqlDecimal",
                KqlType::String => "System.String",
                KqlType::Datetime => "System.DateTime",
                KqlType::Timespan => "System.TimeSpan",
                KqlType::Guid => "System.Guid",
                KqlType::Dynamic => "System.Object",
            };
            let ordinal =
                Expr { kind: ExprKind::Literal(Value::Long(i as i64)), ty: KqlType::Long, span };
            vec![text(&c.name), ordinal, text(data_type), text(c.ty.name())]
        })
        .collect();
    let schema = vec![
        Column::new("ColumnName", KqlType::String),
        Column::new("ColumnOrdinal", KqlType::Long),
        Column::new("DataType", KqlType::String),
        Column::new("ColumnType", KqlType::String),
    ];
    Plan { kind: PlanKind::Values { rows }, schema, span }
}

fn not_a_literal(span: Span) -> BindError {
    BindError::invalid(
        "datatable values must be literals",
        span,
        "not a literal; compute it with `extend` after the datatable",
    )
}

fn mismatch(span: Span, found: KqlType, expected: KqlType) -> BindError {
    BindError::types(
        format!("a {found} value in a column of type {expected}"),
        span,
        found.to_string(),
    )
}
