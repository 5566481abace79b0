//! `search`: rows of one or more tables where a predicate holds, with a
//! leading `$table` column naming the table (kql-semantics.md §3.27).
//!
//! A bare string in the predicate is a term looked for in every string
//! column (`has`; `"x*"`, `"*x"`, `"*x*"` are `hasprefix`, `hassuffix`,
//! `contains`); `Col:"x"` is `Col has "x"`; other expressions are ordinary
//! predicates. `kind=case_sensitive` makes the terms case-sensitive.

use calypso_syntax::ast::{self, BinaryOp, ExprKind, Literal, SearchArgs, StrOp, StrOpKind};
use calypso_syntax::{KqlType, Span};

use crate::bind::Binder;
use crate::plan::{Expr, Plan, PlanKind, Value};
use crate::{BindError, Column};

impl Binder<'_> {
    /// `[input |] search [kind=...] [in (tables)] predicate`.
    pub(crate) fn search(
        &mut self,
        input: Option<Plan>,
        args: &SearchArgs,
        span: Span,
    ) -> Result<Plan, BindError> {
        self.reads_schema = true;
        let mut case_sensitive = false;
        for param in &args.params {
            match (param.name.name.as_str(), param.value.name.as_str()) {
                ("kind", "case_sensitive") => case_sensitive = true,
                ("kind", "case_insensitive") => case_sensitive = false,
                (name, value) => {
                    return Err(BindError::unsupported(
                        format!("the `search` parameter `{name}={value}`"),
                        param.name.span.to(param.value.span),
                    ));
                }
            }
        }
        let mut sources: Vec<(Plan, String)> = Vec::new();
        if let Some(input) = input {
            sources.push((input, "search_arg0".to_owned()));
        }
        if let Some(tables) = &args.tables {
            for table in tables {
                let label = match &table.kind {
                    ExprKind::Name(n) => n.name.clone(),
                    _ => format!("search_arg{}", sources.len()),
                };
                sources.push((self.tabular(table)?, label));
            }
        }
        if sources.is_empty() {
            let mut names = self.catalog.table_names();
            names.sort();
            for name in names {
                let ident = ast::Ident { name: name.clone(), span };
                sources
                    .push((self.tabular(&ast::Expr { kind: ExprKind::Name(ident), span })?, name));
            }
        }
        if sources.len() != 1 {
            return Err(BindError::unsupported("`search` over several tables", span));
        }
        let (source, label) = sources.pop().expect("one source");
        let columns: Vec<(String, bool)> = source
            .schema
            .iter()
            .map(|c| (c.name.clone(), matches!(c.ty, KqlType::String | KqlType::Dynamic)))
            .collect();
        let predicate = searched(&args.predicate, case_sensitive, &columns, false);
        let predicate = self.scalar(&predicate, &source.schema)?;
        if predicate.ty != KqlType::Bool {
            return Err(BindError::types(
                "`search` needs a predicate",
                args.predicate.span,
                predicate.ty.to_string(),
            ));
        }
        let schema_in = source.schema.clone();
        let filtered = Plan {
            kind: PlanKind::Filter { input: Box::new(source), predicate },
            schema: schema_in.clone(),
            span,
        };
        let mut schema = vec![Column::new("$table", KqlType::String)];
        schema.extend(schema_in.iter().cloned());
        let mut exprs = vec![Expr {
            kind: crate::plan::ExprKind::Literal(Value::String(label)),
            ty: KqlType::String,
            span,
        }];
        exprs.extend(schema_in.iter().map(|c| Expr {
            kind: crate::plan::ExprKind::Column(c.name.clone()),
            ty: c.ty,
            span,
        }));
        Ok(Plan { kind: PlanKind::Project { input: Box::new(filtered), exprs }, schema, span })
    }
}

/// The predicate with its bare terms turned into searches of the columns.
/// A string term is looked for in every column, by its text (`search "3"`
/// finds an int 3: oracle r3-parse-search-0035); a bare number only in the
/// string columns (`search 42` skips a long 42: r2-parse-search-0040).
fn searched(
    predicate: &ast::Expr,
    case_sensitive: bool,
    columns: &[(String, bool)],
    text_only: bool,
) -> ast::Expr {
    let span = predicate.span;
    let rebuild = |kind| ast::Expr { kind, span };
    match &predicate.kind {
        ExprKind::Literal(Literal::String(term)) => {
            let (kind, text) = match (term.strip_prefix('*'), term.strip_suffix('*')) {
                (Some(rest), _) if rest.ends_with('*') && rest.len() > 1 => {
                    (StrOpKind::Contains, rest[..rest.len() - 1].to_owned())
                }
                (Some(rest), _) => (StrOpKind::HasSuffix, rest.to_owned()),
                (None, Some(rest)) => (StrOpKind::HasPrefix, rest.to_owned()),
                (None, None) => (StrOpKind::Has, term.clone()),
            };
            let op = StrOp { kind, negated: false, case_sensitive };
            let test = |(column, is_text): &(String, bool)| {
                let name = rebuild(ExprKind::Name(ast::Ident { name: column.clone(), span }));
                let lhs = if *is_text {
                    name
                } else {
                    rebuild(ExprKind::Call {
                        func: ast::Ident { name: "tostring".to_owned(), span },
                        args: vec![name],
                    })
                };
                rebuild(ExprKind::Binary {
                    op: BinaryOp::Str(op),
                    op_span: span,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rebuild(ExprKind::Literal(Literal::String(text.clone())))),
                })
            };
            let any =
                columns.iter().filter(|(_, is_text)| *is_text || !text_only).map(test).reduce(
                    |a, b| {
                        rebuild(ExprKind::Binary {
                            op: BinaryOp::Or,
                            op_span: span,
                            lhs: Box::new(a),
                            rhs: Box::new(b),
                        })
                    },
                );
            any.unwrap_or_else(|| rebuild(ExprKind::Literal(Literal::Bool(false))))
        }
        ExprKind::Binary { op: op @ (BinaryOp::And | BinaryOp::Or), op_span, lhs, rhs } => {
            rebuild(ExprKind::Binary {
                op: *op,
                op_span: *op_span,
                lhs: Box::new(searched(lhs, case_sensitive, columns, text_only)),
                rhs: Box::new(searched(rhs, case_sensitive, columns, text_only)),
            })
        }
        ExprKind::Call { func, args } if func.name == "not" && args.len() == 1 => {
            rebuild(ExprKind::Call {
                func: func.clone(),
                args: vec![searched(&args[0], case_sensitive, columns, text_only)],
            })
        }
        // A bare number is looked for as text, in the string columns.
        ExprKind::Literal(Literal::Long(n)) => searched(
            &rebuild(ExprKind::Literal(Literal::String(n.to_string()))),
            case_sensitive,
            columns,
            true,
        ),
        ExprKind::Literal(Literal::Real(n)) => searched(
            &rebuild(ExprKind::Literal(Literal::String(n.to_string()))),
            case_sensitive,
            columns,
            true,
        ),
        _ => predicate.clone(),
    }
}
