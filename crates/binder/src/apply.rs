//! `mv-apply`: a subquery run on each row's expanded elements
//! (kql-semantics.md §3.18).
//!
//! Rather than one subquery per row, the binder runs the subquery once over
//! every row's elements together and keeps the rows apart by a number given
//! to each input row: `summarize` groups by it as well, `sort` sorts by it
//! first and `take`/`top` count within it. The input's columns that are not
//! expanded ride along under hidden names, so each output row still gets
//! its source row's values where the subquery dropped them.

use calypso_syntax::ast::{self, ExpandItem, Param};
use calypso_syntax::{KqlType, Span};

use crate::bind::Binder;
use crate::plan::{
    AggregateCall, AggregateFunc, Expr, ExprKind, Plan, PlanKind, SortKey, WindowFunc,
};
use crate::{BindError, Column};

impl Binder<'_> {
    /// `mv-apply [with_itemindex=I] Items [limit N] on (Subquery)`.
    pub(crate) fn mv_apply(
        &mut self,
        input: Plan,
        params: &[Param],
        items: &[ExpandItem],
        limit: Option<&ast::Expr>,
        subquery: &[ast::Operator],
        span: Span,
    ) -> Result<Plan, BindError> {
        // The subquery is bound against the elements as the user sees them.
        let elements = self.mv_expand(input.clone(), params, items, limit, span)?;
        let mut body = elements.clone();
        for op in subquery {
            body = self.operator(body, op)?;
        }

        self.subqueries += 1;
        let id = self.subqueries;
        let PlanKind::MvExpand { expand, .. } = &elements.kind else {
            unreachable!("mv_expand makes an MvExpand node")
        };
        let carried: Vec<(&Column, String)> = input
            .schema
            .iter()
            .filter(|c| !expand.targets.iter().any(|t| t.name == c.name))
            .enumerate()
            .map(|(k, c)| (c, format!("__calypso_mv{id}_{k}")))
            .collect();
        let row = format!("__calypso_mv{id}_row");
        let mut hidden: Vec<Column> =
            carried.iter().map(|(c, name)| Column::new(name.clone(), c.ty)).collect();
        hidden.push(Column::new(row.clone(), KqlType::Long));

        // The input, its carried columns again under their hidden names, and
        // the row numbers.
        let mut exprs: Vec<Expr> = input.schema.iter().map(|c| column(c, span)).collect();
        exprs.extend(carried.iter().map(|(c, _)| column(c, span)));
        let number = ExprKind::Window { id, func: WindowFunc::RowId, args: vec![] };
        exprs.push(Expr { kind: number, ty: KqlType::Long, span });
        let mut schema = input.schema.clone();
        schema.extend(hidden.iter().cloned());
        let numbered = Plan {
            kind: PlanKind::Project { input: Box::new(input.clone()), exprs },
            schema,
            span,
        };

        // Kusto appends the source row's columns that the subquery's output
        // lacks before the subquery's own.
        let mut schema = Vec::new();
        let mut exprs = Vec::new();
        for (c, name) in &carried {
            if !body.schema.iter().any(|b| b.name == c.name) {
                schema.push((*c).clone());
                exprs.push(column(&Column::new(name.clone(), c.ty), span));
            }
        }
        for c in &body.schema {
            schema.push(c.clone());
            exprs.push(column(c, span));
        }
        let partitioned = Partition { elements: &elements, numbered, hidden: &hidden, row: &row }
            .rewrite(body)?;
        Ok(Plan { kind: PlanKind::Project { input: Box::new(partitioned), exprs }, schema, span })
    }
}

/// Rewrites a subquery bound over all elements at once so that it treats
/// each input row's elements apart.
struct Partition<'a> {
    /// The expansion the subquery was bound over.
    elements: &'a Plan,
    /// The input with its hidden columns, which replaces the expansion's.
    numbered: Plan,
    /// The hidden columns: the carried ones, then the row number.
    hidden: &'a [Column],
    /// The row number's column.
    row: &'a str,
}

impl Partition<'_> {
    fn rewrite(&self, plan: Plan) -> Result<Plan, BindError> {
        // The subquery's leaf is the expansion it was bound over; only an
        // `mv-expand` node can be it, so only those are compared whole.
        let at_elements = matches!(plan.kind, PlanKind::MvExpand { .. }) && plan == *self.elements;
        let Plan { kind, mut schema, span } = plan;
        let kind = match kind {
            PlanKind::MvExpand { input, expand } => {
                let input = if at_elements { self.numbered.clone() } else { self.rewrite(*input)? };
                // The item index stays last.
                let at = schema.len() - usize::from(expand.index.is_some());
                schema.splice(at..at, self.hidden.iter().cloned());
                PlanKind::MvExpand { input: Box::new(input), expand }
            }
            PlanKind::Filter { input, predicate } => {
                let input = self.rewrite(*input)?;
                schema = input.schema.clone();
                PlanKind::Filter { input: Box::new(input), predicate }
            }
            PlanKind::Serialize { input } => {
                let input = self.rewrite(*input)?;
                schema = input.schema.clone();
                PlanKind::Serialize { input: Box::new(input) }
            }
            PlanKind::Sort { input, mut keys } => {
                let input = self.rewrite(*input)?;
                schema = input.schema.clone();
                let row = column(&Column::new(self.row, KqlType::Long), span);
                keys.insert(0, SortKey { expr: row, ascending: true, nulls_first: true });
                PlanKind::Sort { input: Box::new(input), keys }
            }
            PlanKind::Limit { input, count, mut per } => {
                // Counted within each row, in the order a `sort` gave: one by
                // an expression that a projection has since dropped cannot
                // be followed.
                if input.is_serialized() && input.limit_order().is_none() {
                    return Err(refuse(
                        "`take` after `sort` by an expression and a projection",
                        span,
                    ));
                }
                let input = self.rewrite(*input)?;
                schema = input.schema.clone();
                per.push(self.row.to_owned());
                PlanKind::Limit { input: Box::new(input), count, per }
            }
            PlanKind::Project { input, mut exprs } => {
                let mut user_window = None;
                for e in &exprs {
                    e.for_each_window(&mut |w| {
                        if !matches!(w.kind, ExprKind::Window { func: WindowFunc::RowId, .. }) {
                            user_window.get_or_insert(w.span);
                        }
                    });
                }
                if let Some(at) = user_window {
                    return Err(BindError::unsupported(
                        "a window function (`row_number`, `prev`, …) inside `mv-apply`",
                        at,
                    ));
                }
                let input = self.rewrite(*input)?;
                for h in self.hidden {
                    exprs.push(column(h, span));
                    schema.push(h.clone());
                }
                PlanKind::Project { input: Box::new(input), exprs }
            }
            PlanKind::Aggregate { input, mut keys, mut aggregates } => {
                let input = self.rewrite(*input)?;
                // Grouped by row as well; the carried columns are the same
                // on all of a row's elements, so any one of them will do.
                let (carried, row) = self.hidden.split_at(self.hidden.len() - 1);
                let at = keys.len();
                keys.push(column(&row[0], span));
                schema.insert(at, row[0].clone());
                for c in carried {
                    aggregates.push(AggregateCall {
                        func: AggregateFunc::TakeAny,
                        args: vec![column(c, span)],
                        ty: c.ty,
                        span,
                        filter: None,
                        limit: None,
                    });
                    schema.push(c.clone());
                }
                PlanKind::Aggregate { input: Box::new(input), keys, aggregates }
            }
            PlanKind::Join { .. } => return Err(refuse("`join`", span)),
            PlanKind::Union { .. } => return Err(refuse("`union`", span)),
            PlanKind::MakeSeries { .. } => return Err(refuse("`make-series`", span)),
            PlanKind::Scan { .. } | PlanKind::Values { .. } | PlanKind::Range { .. } => {
                return Err(refuse("a table of its own", span));
            }
        };
        Ok(Plan { kind, schema, span })
    }
}

fn refuse(what: &str, span: Span) -> BindError {
    BindError::unsupported(format!("{what} inside `mv-apply`"), span)
}

fn column(c: &Column, span: Span) -> Expr {
    Expr { kind: ExprKind::Column(c.name.clone()), ty: c.ty, span }
}
