//! `union`: the rows of several tables, matched by column name
//! (kql-semantics.md §3.11).

use calypso_syntax::ast::{self, ExprKind, Param};
use calypso_syntax::{KqlType, Span};

use crate::bind::{Binder, LetValue};
use crate::plan::{Expr, Plan, PlanKind, Value};
use crate::reshape::glob;
use crate::{BindError, Column};

impl Binder<'_> {
    /// `[first |] union [params] legs`.
    pub(crate) fn union(
        &mut self,
        first: Option<Plan>,
        params: &[Param],
        legs: &[ast::Expr],
        span: Span,
    ) -> Result<Plan, BindError> {
        self.reads_schema = true;
        let (mut inner, mut source, mut fuzzy) = (false, None, false);
        for param in params {
            match (param.name.name.as_str(), param.value.name.as_str()) {
                ("kind", "outer") => inner = false,
                ("kind", "inner") => inner = true,
                ("withsource" | "with_source", name) => source = Some(name.to_owned()),
                ("isfuzzy", value) => fuzzy = value.eq_ignore_ascii_case("true"),
                (name, _) if name.starts_with("hint.") => {}
                (name, value) => {
                    return Err(BindError::unsupported(
                        format!("the `union` parameter `{name}={value}`"),
                        param.name.span.to(param.value.span),
                    ));
                }
            }
        }

        // Each leg with the label `withsource` gives it.
        let mut plans: Vec<(Plan, String)> = Vec::new();
        if let Some(first) = first {
            plans.push((first, "union_arg0".to_owned()));
        }
        for leg in legs {
            let position = plans.len();
            match &leg.kind {
                ExprKind::TablePattern(pattern) => {
                    let mut names: Vec<String> = self
                        .tabular_names()
                        .into_iter()
                        .filter(|n| glob(&pattern.name, n))
                        .collect();
                    names.sort();
                    if names.is_empty() {
                        return Err(BindError::invalid(
                            format!("no table matches `{}`", pattern.name),
                            pattern.span,
                            "matches nothing",
                        ));
                    }
                    for name in names {
                        let ident = ast::Ident { name: name.clone(), span: pattern.span };
                        plans.push((
                            self.tabular(&ast::Expr {
                                kind: ExprKind::Name(ident),
                                span: leg.span,
                            })?,
                            name,
                        ));
                    }
                }
                // The table's own name labels a bare table, also through a
                // `let A = Table` alias, and a view; any other tabular `let`
                // is `union_argN` (kql-semantics.md §3.11; oracle
                // r1-joins-lookup-union-0032, docs query-union-operator-2).
                ExprKind::Name(ident) => match self.tabular(leg) {
                    Ok(plan) => {
                        let label = match (self.lookup_let(&ident.name), &plan.kind) {
                            (Some(LetValue::Tabular(_)), PlanKind::Scan { table }) => table.clone(),
                            (Some(LetValue::Tabular(_)), _) => format!("union_arg{position}"),
                            _ => ident.name.clone(),
                        };
                        plans.push((plan, label));
                    }
                    Err(BindError::UnknownTable { .. }) if fuzzy => {}
                    Err(e) => return Err(e),
                },
                // `(... | as Name)` is labelled `Name` (kql-semantics.md §3.24).
                _ => {
                    let label = match &leg.kind {
                        ExprKind::Pipe { op, .. } => match &op.kind {
                            ast::OperatorKind::As { name, .. } => Some(name.name.clone()),
                            _ => None,
                        },
                        _ => None,
                    };
                    let label = label.unwrap_or_else(|| format!("union_arg{position}"));
                    plans.push((self.tabular(leg)?, label));
                }
            }
        }
        if plans.is_empty() {
            return Err(BindError::invalid("`union` found no table", span, "no legs"));
        }

        let columns = union_columns(&plans, inner);
        let mut schema: Vec<Column> =
            columns.iter().map(|(name, ty, _)| Column::new(name.clone(), *ty)).collect();
        let legs = plans
            .iter()
            .map(|(plan, label)| {
                let mut exprs: Vec<Expr> = columns
                    .iter()
                    .map(|(_, ty, source_name)| {
                        let found =
                            plan.schema.iter().find(|c| &c.name == source_name && c.ty == *ty);
                        match found {
                            Some(c) => Expr {
                                kind: crate::plan::ExprKind::Column(c.name.clone()),
                                ty: *ty,
                                span,
                            },
                            None => missing(*ty, span),
                        }
                    })
                    .collect();
                if source.is_some() {
                    let label = Value::String(label.clone());
                    exprs.insert(
                        0,
                        Expr {
                            kind: crate::plan::ExprKind::Literal(label),
                            ty: KqlType::String,
                            span,
                        },
                    );
                }
                (plan.clone(), exprs)
            })
            .collect();
        if let Some(name) = source {
            schema.insert(0, Column::new(name, KqlType::String));
        }
        Ok(Plan { kind: PlanKind::Union { legs }, schema, span })
    }
}

/// A missing value: `""` for strings, null otherwise.
fn missing(ty: KqlType, span: Span) -> Expr {
    let value = if ty == KqlType::String { Value::String(String::new()) } else { Value::Null };
    Expr { kind: crate::plan::ExprKind::Literal(value), ty, span }
}

/// The output columns as (name, type, the legs' column name): by first
/// appearance; a name with several types becomes `Name_type` for each;
/// with `inner`, only the names every leg has.
fn union_columns(plans: &[(Plan, String)], inner: bool) -> Vec<(String, KqlType, String)> {
    let mut seen: Vec<(String, Vec<KqlType>)> = Vec::new();
    for (plan, _) in plans {
        for col in &plan.schema {
            match seen.iter_mut().find(|(n, _)| *n == col.name) {
                Some((_, types)) if !types.contains(&col.ty) => types.push(col.ty),
                Some(_) => {}
                None => seen.push((col.name.clone(), vec![col.ty])),
            }
        }
    }
    let everywhere = |name: &str, ty: KqlType| {
        plans.iter().all(|(p, _)| p.schema.iter().any(|c| c.name == name && c.ty == ty))
    };
    let mut out = Vec::new();
    for (name, types) in seen {
        for &ty in &types {
            if inner && !everywhere(&name, ty) {
                continue;
            }
            let output =
                if types.len() > 1 { format!("{name}_{}", ty.name()) } else { name.clone() };
            out.push((output, ty, name.clone()));
        }
    }
    out
}
