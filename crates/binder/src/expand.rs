//! `mv-expand`: one row per element of a dynamic array or property bag
//! (kql-semantics.md §3.17).

use calypso_syntax::ast::{self, ExpandItem, Param};
use calypso_syntax::{KqlType, Span};

use crate::bind::Binder;
use crate::names::{NameSet, expr_name};
use crate::plan::{Expand, ExpandTarget, Plan, PlanKind};
use crate::{BindError, Column};

impl Binder<'_> {
    pub(crate) fn mv_expand(
        &mut self,
        input: Plan,
        params: &[Param],
        items: &[ExpandItem],
        limit: Option<&ast::Expr>,
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut bags_as_arrays = false;
        let mut index = None;
        for param in params {
            match (param.name.name.as_str(), param.value.name.as_str()) {
                ("bagexpansion" | "kind", "bag") => bags_as_arrays = false,
                ("bagexpansion" | "kind", "array") => bags_as_arrays = true,
                ("with_itemindex", name) => index = Some(name.to_owned()),
                (name, value) => {
                    return Err(BindError::unsupported(
                        format!("the `mv-expand` parameter `{name}={value}`"),
                        param.name.span.to(param.value.span),
                    ));
                }
            }
        }
        let limit = limit.map(|l| self.expand_limit(l)).transpose()?;

        let mut schema = input.schema.clone();
        let mut names = NameSet::with(schema.iter().map(|c| c.name.clone()));
        let mut targets = Vec::new();
        for item in items {
            let expr = self.scalar(&item.item.expr, &input.schema)?;
            if expr.ty != KqlType::Dynamic {
                return Err(BindError::types(
                    format!("`mv-expand` expands dynamic values, and this is a {}", expr.ty),
                    item.item.expr.span,
                    expr.ty.to_string(),
                ));
            }
            // A bare or computed expression over one column takes that
            // column's place; otherwise the item is appended.
            let name = match &item.item.name {
                Some(name) => name.name.clone(),
                None => match expr_name(&item.item.expr) {
                    Some(name) => name,
                    None => {
                        let mut read = Vec::new();
                        expr.for_each_column(&mut |c| {
                            if !read.iter().any(|r: &String| r == c) {
                                read.push(c.to_owned());
                            }
                        });
                        match read.as_slice() {
                            [only] => only.clone(),
                            _ => names.next_unnamed(),
                        }
                    }
                },
            };
            let ty = item.to_type.unwrap_or(KqlType::Dynamic);
            match schema.iter().position(|c| c.name == name) {
                Some(at) => schema[at].ty = ty,
                None => {
                    names.unique(&name);
                    schema.push(Column::new(name.clone(), ty));
                }
            }
            targets.push(ExpandTarget { name, expr, to: item.to_type });
        }
        if let Some(index) = &index {
            schema.push(Column::new(names.unique(index), KqlType::Long));
        }
        let expand = Expand { targets, index, bags_as_arrays, limit };
        Ok(Plan { kind: PlanKind::MvExpand { input: Box::new(input), expand }, schema, span })
    }

    fn expand_limit(&mut self, limit: &ast::Expr) -> Result<u64, BindError> {
        let bound = self.scalar(limit, &[])?;
        match bound.kind {
            crate::plan::ExprKind::Literal(crate::plan::Value::Long(n)) if n >= 0 => Ok(n as u64),
            _ => Err(BindError::types(
                "the `limit` of `mv-expand` must be a constant, non-negative long",
                limit.span,
                bound.ty.to_string(),
            )),
        }
    }
}
