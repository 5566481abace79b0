//! Statements and tabular operators.

use calypso_syntax::ast::{self, Assignment, DistinctItems, ExprKind, OperatorKind, StatementKind};
use calypso_syntax::{KqlType, Span};

use crate::expr::{is_aggregate_name, is_unsupported_aggregate, suggest};
use crate::names::{NameSet, aggregate_name, expr_name};
use crate::plan::{AggregateCall, AggregateFunc, Expr, JoinKind, Plan, PlanKind, SortKey, Value};
use crate::{BindError, BindOptions, BindWarning, Bound, Catalog, Column};

/// What a `let` binds.
#[derive(Clone)]
pub(crate) enum LetValue {
    /// A scalar expression, inlined where it is used.
    Scalar(Expr),
    /// A tabular expression, planned once and copied where it is used.
    Tabular(Box<Plan>),
    /// A user function, expanded where it is called.
    Function(std::rc::Rc<ast::FunctionDef>),
}

pub(crate) struct Binder<'c> {
    pub(crate) catalog: &'c dyn Catalog,
    pub(crate) options: BindOptions,
    /// `let` bindings in order; later ones shadow earlier ones.
    pub(crate) lets: Vec<(String, LetValue)>,
    /// The scalar parameters of the user functions being expanded; they win
    /// over columns.
    pub(crate) params: Vec<(String, Expr)>,
    /// How deep user-function calls nest now.
    pub(crate) call_depth: usize,
    /// Subqueries and window expressions bound so far (their ids).
    pub(crate) subqueries: usize,
    /// Whether the input of the operator being bound is serialized.
    pub(crate) input_serialized: bool,
    /// How deep the question "does this function return a table?" nests
    /// (a function that calls itself would not end).
    pub(crate) probe_depth: std::cell::Cell<usize>,
    pub(crate) warnings: Vec<BindWarning>,
    /// Whether the result depends on which columns an input has beyond
    /// those the query names: `*`, name patterns, `search`, `union`,
    /// `getschema`, `column_ifexists`.
    pub(crate) reads_schema: bool,
}

impl<'c> Binder<'c> {
    pub(crate) fn new(catalog: &'c dyn Catalog, options: BindOptions) -> Self {
        Binder {
            catalog,
            options,
            lets: Vec::new(),
            params: Vec::new(),
            call_depth: 0,
            subqueries: 0,
            input_serialized: false,
            probe_depth: std::cell::Cell::new(0),
            warnings: Vec::new(),
            reads_schema: false,
        }
    }

    pub(crate) fn script(mut self, script: &ast::Script) -> Result<Bound, BindError> {
        let mut result = None;
        for statement in &script.statements {
            match &statement.kind {
                StatementKind::Let { .. } => self.statement_let(statement)?,
                StatementKind::Query(query) => {
                    // A bare unknown name is reported as an unknown table.
                    let unknown_name = matches!(&query.kind,
                        ExprKind::Name(n) if self.lookup_let(&n.name).is_none());
                    if !unknown_name && !self.is_tabular(query) {
                        return Err(BindError::invalid(
                            "a query statement must be tabular",
                            query.span,
                            "this is a scalar expression",
                        ));
                    }
                    // Names given by `as` last until the end of the statement.
                    let scope = self.lets.len();
                    result = Some(self.tabular(query)?);
                    self.lets.truncate(scope);
                }
                StatementKind::DeclareQueryParameters(_) => {
                    return Err(BindError::unsupported(
                        "query parameters (`declare query_parameters`)",
                        statement.span,
                    ));
                }
                // `query_now` would move `now()`: use --now instead.
                StatementKind::Set { name, .. } if name.name == "query_now" => {
                    return Err(BindError::unsupported(
                        "`set query_now` (pin the clock with --now)",
                        statement.span,
                    ));
                }
                StatementKind::Set { name, .. } => {
                    self.warnings.push(BindWarning::SetIgnored {
                        name: name.name.clone(),
                        span: statement.span,
                    });
                }
            }
        }
        let end =
            script.statements.last().map_or(Span::default(), |s| Span::new(s.span.end, s.span.end));
        let plan = result.ok_or_else(|| {
            BindError::invalid("the query has no tabular statement", end, "nothing to return")
        })?;
        Ok(Bound { plan, warnings: self.warnings, reads_schema: self.reads_schema })
    }

    /// The names of the loaded tables and tabular `let`s.
    pub(crate) fn tabular_names(&self) -> Vec<String> {
        let mut names = self.catalog.table_names();
        names.extend(self.lets.iter().filter_map(|(n, v)| match v {
            LetValue::Tabular(_) => Some(n.clone()),
            LetValue::Scalar(_) | LetValue::Function(_) => None,
        }));
        names
    }

    /// Binds a `let` statement into the scope.
    pub(crate) fn statement_let(&mut self, statement: &ast::Statement) -> Result<(), BindError> {
        let StatementKind::Let { name, value } = &statement.kind else {
            return Err(BindError::invalid("expected a `let`", statement.span, "not a let"));
        };
        let bound = match &value.kind {
            ExprKind::Function(def) => LetValue::Function(std::rc::Rc::new((**def).clone())),
            _ if self.is_tabular(value) => LetValue::Tabular(Box::new(self.tabular(value)?)),
            _ => LetValue::Scalar(self.scalar(value, &[])?),
        };
        self.lets.push((name.name.clone(), bound));
        Ok(())
    }

    pub(crate) fn lookup_let(&self, name: &str) -> Option<&LetValue> {
        self.lets.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Whether an expression denotes a table rather than a scalar.
    pub(crate) fn is_tabular(&self, expr: &ast::Expr) -> bool {
        match &expr.kind {
            ExprKind::Pipe { .. }
            | ExprKind::Datatable { .. }
            | ExprKind::ExternalData { .. }
            | ExprKind::Print(_)
            | ExprKind::Range { .. }
            | ExprKind::Union { .. }
            | ExprKind::Search(_)
            | ExprKind::Find { .. } => true,
            ExprKind::Name(ident) => match self.lookup_let(&ident.name) {
                Some(LetValue::Tabular(_)) => true,
                Some(LetValue::Function(def)) => def.params.is_empty() && self.returns_table(def),
                Some(LetValue::Scalar(_)) => false,
                None => {
                    self.catalog.table(&ident.name).is_some()
                        || self.catalog.function_table(&ident.name).is_some()
                        || self
                            .catalog
                            .function_definition(&ident.name)
                            .is_some_and(|def| def.params.is_empty() && self.returns_table(&def))
                }
            },
            ExprKind::Call { func, args } if func.name == "materialize" && args.len() == 1 => true,
            ExprKind::Call { func, .. } => match self.user_function(&func.name) {
                Some(def) => self.returns_table(&def),
                None => self.catalog.function_table(&func.name).is_some(),
            },
            _ => false,
        }
    }

    /// A table used as a value: its first column (`x in (T)`), or with
    /// `scalar` its first row's first value (`toscalar(T)`).
    pub(crate) fn subquery(&mut self, table: &ast::Expr, scalar: bool) -> Result<Expr, BindError> {
        let plan = self.tabular(table)?;
        let Some(first) = plan.schema.first() else {
            return Err(BindError::invalid("the table has no columns", table.span, "no columns"));
        };
        let ty = first.ty;
        self.subqueries += 1;
        let kind =
            crate::plan::ExprKind::Subquery { plan: Box::new(plan), id: self.subqueries, scalar };
        Ok(Expr { kind, ty, span: table.span })
    }

    /// A user function called without arguments where a table is named
    /// (`let v = view () { ... }; v | count`).
    fn named_function_call(&mut self, ident: &ast::Ident) -> Option<Result<Plan, BindError>> {
        let def = self.user_function(&ident.name)?;
        if !def.params.is_empty() || !self.returns_table(&def) {
            return None;
        }
        Some(match self.call_function(&def, ident, &[], None, &[], ident.span) {
            Ok(crate::functions::Called::Tabular(plan)) => Ok(*plan),
            Ok(crate::functions::Called::Scalar(_)) => {
                Err(BindError::invalid("a scalar, not a table", ident.span, "not a table"))
            }
            Err(e) => Err(e),
        })
    }

    pub(crate) fn tabular(&mut self, expr: &ast::Expr) -> Result<Plan, BindError> {
        match &expr.kind {
            ExprKind::Name(ident) => self.table(ident),
            ExprKind::Pipe { input, op } => {
                let input = self.tabular(input)?;
                self.operator(input, op)
            }
            ExprKind::Datatable { columns, values } => self.datatable(columns, values, expr.span),
            ExprKind::Print(items) => self.print(items, expr.span),
            ExprKind::Range { name, from, to, step } => self.range(name, from, to, step, expr.span),
            ExprKind::Union { params, legs } => self.union(None, params, legs, expr.span),
            ExprKind::Search(args) => self.search(None, args, expr.span),
            ExprKind::Find { .. } => Err(BindError::unsupported("`find`", expr.span)),
            ExprKind::ExternalData { .. } => Err(BindError::unsupported(
                "`externaldata` (Calypso never reaches the network; load the file with -d)",
                expr.span,
            )),
            ExprKind::Call { func, args } if func.name == "materialize" && args.len() == 1 => {
                self.tabular(&args[0])
            }
            ExprKind::Call { func, args } => match self.user_function(&func.name) {
                Some(def) => match self.call_function(&def, func, args, None, &[], expr.span)? {
                    crate::functions::Called::Tabular(plan) => Ok(*plan),
                    crate::functions::Called::Scalar(_) => Err(BindError::invalid(
                        format!("`{}` returns a scalar, not a table", func.name),
                        expr.span,
                        "not a table",
                    )),
                },
                None => match self.catalog.function_table(&func.name) {
                    Some(table) => self.workspace_function(func, args, table, expr.span),
                    None if func.name == "_GetWatchlist" => Err(BindError::unsupported(
                        "`_GetWatchlist` (a watchlist lives in the Sentinel workspace; load \
                         its rows with -d and read them by the table's name)",
                        expr.span,
                    )),
                    None => Err(BindError::unsupported(
                        format!("calling `{}` as a table", func.name),
                        expr.span,
                    )),
                },
            },
            _ => Err(BindError::invalid("expected a tabular expression", expr.span, "not a table")),
        }
    }

    fn table(&mut self, ident: &ast::Ident) -> Result<Plan, BindError> {
        if let Some(called) = self.named_function_call(ident) {
            return called;
        }
        match self.lookup_let(&ident.name) {
            Some(LetValue::Tabular(plan)) => return Ok(plan.as_ref().clone()),
            Some(LetValue::Scalar(_) | LetValue::Function(_)) => {
                return Err(BindError::invalid(
                    format!("`{}` is a scalar `let` or a function, not a table", ident.name),
                    ident.span,
                    "a table is expected here",
                ));
            }
            None => {}
        }
        if let Some(table) = self.catalog.function_table(&ident.name) {
            let func = ident.clone();
            return self.workspace_function(&func, &[], table, ident.span);
        }
        if let Some(columns) = self.catalog.table(&ident.name) {
            return Ok(Plan {
                kind: PlanKind::Scan { table: ident.name.clone() },
                schema: columns,
                span: ident.span,
            });
        }
        let mut candidates = self.catalog.table_names();
        candidates.extend(self.lets.iter().filter_map(|(n, v)| match v {
            LetValue::Tabular(_) => Some(n.clone()),
            LetValue::Scalar(_) | LetValue::Function(_) => None,
        }));
        let help = suggest(&ident.name, candidates.iter().map(String::as_str)).or_else(|| {
            let mut loaded = self.catalog.table_names();
            loaded.sort();
            Some(if loaded.is_empty() {
                "no tables are loaded; pass a data file or folder with -d".to_owned()
            } else {
                format!("loaded tables: {}", loaded.join(", "))
            })
        });
        Err(BindError::UnknownTable { name: ident.name.clone(), span: ident.span, help })
    }

    pub(crate) fn operator(&mut self, input: Plan, op: &ast::Operator) -> Result<Plan, BindError> {
        let saved = std::mem::replace(&mut self.input_serialized, input.is_serialized());
        let res = self.operator_inner(input, op);
        self.input_serialized = saved;
        res
    }

    fn operator_inner(&mut self, input: Plan, op: &ast::Operator) -> Result<Plan, BindError> {
        let span = op.span;
        if let Some(item) = tuple_assignment(&op.kind) {
            return Err(BindError::unsupported(
                "assigning several columns at once (`(A, B) = ...`)",
                item.name.as_ref().map_or(item.expr.span, |n| n.span.to(item.expr.span)),
            ));
        }
        match &op.kind {
            OperatorKind::Where { name, predicate } => {
                if let Some(name) = name {
                    self.warnings.push(BindWarning::NamedPredicate {
                        name: name.name.clone(),
                        span: name.span.to(predicate.span),
                        help: format!(
                            "to compare, write `{} == ...`; to keep every row, drop the `where`",
                            name.name
                        ),
                    });
                }
                self.filter(input, name.as_ref(), predicate, span)
            }
            OperatorKind::Project(items) => self.project(input, items, span),
            OperatorKind::Extend(items) => self.extend(input, items, span),
            // Hints never change results.
            OperatorKind::Summarize { aggregates, by, .. } => {
                self.summarize(input, aggregates, by, span)
            }
            OperatorKind::Join { params, right, on } => self.join(input, params, right, on, span),
            OperatorKind::Sort(keys) => self.sort(input, keys, span),
            OperatorKind::Take(count) => self.take(input, count, span),
            OperatorKind::Count => {
                let count = AggregateCall {
                    func: AggregateFunc::Count,
                    args: vec![],
                    ty: KqlType::Long,
                    span,
                    filter: None,
                    limit: None,
                };
                let schema = vec![Column::new("Count", KqlType::Long)];
                let kind = PlanKind::Aggregate {
                    input: Box::new(input),
                    keys: vec![],
                    aggregates: vec![count],
                };
                Ok(Plan { kind, schema, span })
            }
            OperatorKind::Distinct(items) => self.distinct(input, items, span),
            OperatorKind::Top { count, key } => self.top(input, count, key, span),
            OperatorKind::ParseKv { source, columns, props } => {
                self.parse_kv(input, source, columns, props, span)
            }
            // `as` names the piped table for `union withsource`; rows are unchanged.
            // `as T1` names the table so far; the rest of the query can
            // read it (oracle r2-nested-pipelines-let-cte-0002).
            OperatorKind::As { name, .. } => {
                self.lets.push((name.name.clone(), LetValue::Tabular(Box::new(input.clone()))));
                Ok(input)
            }
            // `sample N`: N arbitrary rows.
            OperatorKind::Sample(count) => self.take(input, count, span),
            OperatorKind::GetSchema => {
                self.reads_schema = true;
                Ok(crate::sources::schema_table(&input.schema, span))
            }
            OperatorKind::Search(args) => self.search(Some(input), args, span),
            OperatorKind::Invoke(call) => self.invoke(input, call, span),
            OperatorKind::Lookup { params, right, on } => {
                self.lookup(input, params, right, on, span)
            }
            OperatorKind::Parse { filter, params, source, pattern } => {
                self.parse_op(input, *filter, params, source, pattern, span)
            }
            OperatorKind::Union { params, legs } => self.union(Some(input), params, legs, span),
            OperatorKind::MvExpand { params, items, limit } => {
                self.mv_expand(input, params, items, limit.as_ref(), span)
            }
            OperatorKind::MvApply { params, items, limit, subquery } => {
                self.mv_apply(input, params, items, limit.as_ref(), subquery, span)
            }
            OperatorKind::ProjectAway(names) => self.project_away(input, names, span),
            OperatorKind::ProjectKeep(names) => self.project_keep(input, names, span),
            OperatorKind::ProjectRename(items) => self.project_rename(input, items, span),
            OperatorKind::ProjectReorder(items) => self.project_reorder(input, items, span),
            // Rows keep the order they have; `serialize x = ...` is `extend`.
            OperatorKind::Serialize(items) => {
                let schema = input.schema.clone();
                let serialized =
                    Plan { kind: PlanKind::Serialize { input: Box::new(input) }, schema, span };
                if items.is_empty() {
                    return Ok(serialized);
                }
                self.input_serialized = true;
                self.extend(serialized, items, span)
            }
            OperatorKind::Render { .. } => {
                self.warnings.push(BindWarning::RenderIgnored { span });
                Ok(input)
            }
            OperatorKind::MakeSeries(series) => self.make_series(input, series, span),
            OperatorKind::TopNested(levels) => self.top_nested(input, levels, span),
            OperatorKind::TopHitters { count, of, by } => {
                self.top_hitters(input, count, of, by.as_ref(), span)
            }
            OperatorKind::SampleDistinct { count, of } => {
                self.sample_distinct(input, count, of, span)
            }
            other => Err(BindError::unsupported(format!("the `{}` operator", other.name()), span)),
        }
    }

    fn filter(
        &mut self,
        input: Plan,
        name: Option<&ast::Ident>,
        pred: &ast::Expr,
        span: Span,
    ) -> Result<Plan, BindError> {
        let predicate = self.scalar(pred, &input.schema)?;
        if predicate.ty != KqlType::Bool {
            let mut e = BindError::types(
                format!("`where` needs a bool predicate, but this is a {}", predicate.ty),
                pred.span,
                format!("{}, not bool", predicate.ty),
            );
            if let (Some(name), BindError::TypeMismatch { help, .. }) = (name, &mut e) {
                *help = Some(format!(
                    "`=` is not a comparison: Kusto reads `{0} = ...` as a name for the \
                     predicate; to compare, write `{0} == ...`",
                    name.name
                ));
            }
            return Err(e);
        }
        Ok(push_into_innerunique(input, predicate, span))
    }

    fn project(
        &mut self,
        input: Plan,
        items: &[Assignment],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut names = NameSet::default();
        let mut schema = Vec::new();
        let mut exprs = Vec::new();
        for item in items {
            refuse_unnamed_tuple(item)?;
            let expr = self.scalar(&item.expr, &input.schema)?;
            let name = self.output_name(item, &mut names)?;
            schema.push(Column::new(name, expr.ty));
            exprs.push(expr);
        }
        Ok(Plan { kind: PlanKind::Project { input: Box::new(input), exprs }, schema, span })
    }

    /// The name of a `project`/`distinct`/`by` item, refusing duplicates.
    pub(crate) fn output_name(
        &self,
        item: &Assignment,
        names: &mut NameSet,
    ) -> Result<String, BindError> {
        let name = match (&item.name, expr_name(&item.expr)) {
            (Some(ident), _) => ident.name.clone(),
            (None, Some(name)) => name,
            (None, None) => return Ok(names.next_unnamed()),
        };
        if names.contains(&name) {
            let span = item.name.as_ref().map_or(item.expr.span, |n| n.span);
            return Err(BindError::invalid(
                format!("column `{name}` is produced twice"),
                span,
                "duplicate column name",
            ));
        }
        Ok(names.unique(&name))
    }

    pub(crate) fn extend(
        &mut self,
        input: Plan,
        items: &[Assignment],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut schema = input.schema.clone();
        let mut exprs: Vec<Expr> = input
            .schema
            .iter()
            .map(|c| Expr { kind: crate::plan::ExprKind::Column(c.name.clone()), ty: c.ty, span })
            .collect();
        let mut names = NameSet::with(input.schema.iter().map(|c| c.name.clone()));
        let mut assigned: Vec<String> = Vec::new();
        for item in items {
            refuse_unnamed_tuple(item)?;
            let expr = match self.scalar(&item.expr, &input.schema) {
                Ok(expr) => expr,
                // Kusto evaluates every item of one `extend` against its
                // input: an earlier item's column is not there yet.
                Err(BindError::UnknownColumn { name, span, .. }) if assigned.contains(&name) => {
                    return Err(BindError::UnknownColumn {
                        help: Some(format!(
                            "`{name}` is made by this same `extend`, whose items all read its \
                             input: compute it in an earlier `extend`"
                        )),
                        name,
                        span,
                    });
                }
                Err(e) => return Err(e),
            };
            let name = match (&item.name, expr_name(&item.expr)) {
                (Some(ident), _) => ident.name.clone(),
                (None, Some(name)) => name,
                (None, None) => names.next_unnamed(),
            };
            if assigned.contains(&name) {
                return Err(BindError::invalid(
                    format!("column `{name}` is assigned twice in one `extend`"),
                    item.name.as_ref().map_or(item.expr.span, |n| n.span),
                    "duplicate column name",
                ));
            }
            assigned.push(name.clone());
            // An existing column is replaced in place; a new one is appended.
            match schema.iter().position(|c| c.name == name) {
                Some(idx) => {
                    schema[idx].ty = expr.ty;
                    exprs[idx] = expr;
                }
                None => {
                    names.unique(&name);
                    schema.push(Column::new(name, expr.ty));
                    exprs.push(expr);
                }
            }
        }
        Ok(Plan { kind: PlanKind::Project { input: Box::new(input), exprs }, schema, span })
    }

    pub(crate) fn summarize(
        &mut self,
        input: Plan,
        aggregates: &[Assignment],
        by: &[Assignment],
        span: Span,
    ) -> Result<Plan, BindError> {
        let computed = aggregates.iter().any(|i| crate::summarize::is_computed(&i.expr));
        let arg_extreme = aggregates.iter().any(|i| {
            matches!(&i.expr.kind, ExprKind::Call { func, .. } if matches!(func.name.as_str(), "arg_max" | "arg_min"))
        });
        if computed && !arg_extreme {
            return self.summarize_computed(input, aggregates, by, span);
        }
        let mut names = NameSet::default();
        let mut schema = Vec::new();
        let mut keys = Vec::new();
        for item in by {
            let key = self.group_key(item, &input.schema)?;
            let name = self.output_name(item, &mut names)?;
            schema.push(Column::new(name, key.ty));
            keys.push(key);
        }
        let mut calls = Vec::new();
        for item in aggregates {
            if let ExprKind::Call { func, args } = &item.expr.kind
                && matches!(func.name.as_str(), "arg_max" | "arg_min")
            {
                let outputs = self.arg_extreme(item, func, args, &input.schema, by)?;
                for (name, call) in outputs {
                    schema.push(Column::new(names.unique(&name), call.ty));
                    calls.push(call);
                }
                continue;
            }
            // `percentiles(x, 50, 95)`: `percentile_x_50`, `percentile_x_95`.
            if let ExprKind::Call { func, args } = &item.expr.kind
                && matches!(func.name.as_str(), "percentile" | "percentiles")
            {
                let outputs = self.percentiles(func, args, &input.schema, item.expr.span)?;
                if let (Some(name), [_, _, ..]) = (&item.name, outputs.as_slice()) {
                    return Err(BindError::unsupported(
                        "one name for several percentiles",
                        name.span.to(item.expr.span),
                    ));
                }
                let x = args.first().and_then(expr_name).unwrap_or_default();
                for (suffix, call) in outputs {
                    let name = match &item.name {
                        Some(name) => name.name.clone(),
                        None => format!("percentile_{x}_{suffix}"),
                    };
                    schema.push(Column::new(names.unique(&name), call.ty));
                    calls.push(call);
                }
                continue;
            }
            let (call, default_name) = self.aggregate_item(item, &input.schema)?;
            let name = match &item.name {
                Some(ident) => ident.name.clone(),
                None => default_name,
            };
            schema.push(Column::new(names.unique(&name), call.ty));
            calls.push(call);
        }
        let kind = PlanKind::Aggregate { input: Box::new(input), keys, aggregates: calls };
        Ok(Plan { kind, schema, span })
    }

    /// `arg_max(E, c1, ...)` / `arg_min`: `E` (under the item's name, if
    /// given) and each listed column, from a row where `E` is largest
    /// (smallest); `*` lists every input column but `E` and the `by` keys
    /// (kql-semantics.md §3.22 rule 6).
    fn arg_extreme(
        &mut self,
        item: &Assignment,
        func: &ast::Ident,
        args: &[ast::Expr],
        columns: &[Column],
        by: &[Assignment],
    ) -> Result<Vec<(String, AggregateCall)>, BindError> {
        let span = item.expr.span;
        if args.len() < 2 {
            return Err(BindError::ArgumentCount {
                func: func.name.clone(),
                expected: "an expression and the columns to return".to_owned(),
                found: args.len(),
                span,
            });
        }
        let extreme = self.scalar(&args[0], columns)?;
        if extreme.ty == KqlType::Dynamic {
            return Err(BindError::types(
                format!("`{}` cannot order dynamic values", func.name),
                args[0].span,
                "dynamic",
            ));
        }
        let agg =
            if func.name == "arg_max" { AggregateFunc::ArgMax } else { AggregateFunc::ArgMin };
        let call = |value: Expr| AggregateCall {
            func: agg,
            ty: value.ty,
            args: vec![extreme.clone(), value],
            span,
            filter: None,
            limit: None,
        };
        let first = match (&item.name, expr_name(&args[0])) {
            (Some(name), _) => name.name.clone(),
            (None, Some(name)) => name,
            (None, None) => format!("{}_arg0", func.name.replace("arg_", "")),
        };
        let mut outputs = vec![(first, call(extreme.clone()))];
        let skipped: Vec<String> = by
            .iter()
            .flat_map(|b| b.name.iter().map(|n| n.name.clone()).chain(expr_name(&b.expr)))
            .chain(expr_name(&args[0]))
            .collect();
        for (i, arg) in args[1..].iter().enumerate() {
            if matches!(arg.kind, ExprKind::Star) {
                self.reads_schema = true;
                for col in columns.iter().filter(|c| !skipped.contains(&c.name)) {
                    let value = Expr {
                        kind: crate::plan::ExprKind::Column(col.name.clone()),
                        ty: col.ty,
                        span: arg.span,
                    };
                    outputs.push((col.name.clone(), call(value)));
                }
                continue;
            }
            let value = self.scalar(arg, columns)?;
            let name = expr_name(arg)
                .unwrap_or_else(|| format!("{}_arg{}", func.name.replace("arg_", ""), i + 1));
            outputs.push((name, call(value)));
        }
        Ok(outputs)
    }

    pub(crate) fn group_key(
        &mut self,
        item: &Assignment,
        columns: &[Column],
    ) -> Result<Expr, BindError> {
        if let ExprKind::Call { func, .. } = &item.expr.kind
            && is_aggregate_name(&func.name)
        {
            return Err(BindError::invalid(
                "an aggregate cannot be a grouping key",
                item.expr.span,
                "aggregate in `by`",
            ));
        }
        let key = self.scalar(&item.expr, columns)?;
        if key.ty == KqlType::Dynamic {
            return Err(BindError::TypeMismatch {
                message: "a dynamic value cannot be a grouping key".to_owned(),
                span: item.expr.span,
                label: "dynamic".to_owned(),
                help: Some("group by `tostring(...)` of the value instead".to_owned()),
            });
        }
        Ok(key)
    }

    fn aggregate_item(
        &mut self,
        item: &Assignment,
        columns: &[Column],
    ) -> Result<(AggregateCall, String), BindError> {
        let ExprKind::Call { func, args } = &item.expr.kind else {
            return Err(self.not_an_aggregate(&item.expr));
        };
        if is_unsupported_aggregate(&func.name) {
            return Err(BindError::unsupported(
                format!("the aggregate `{}()`", func.name),
                func.span,
            ));
        }
        if !is_aggregate_name(&func.name) {
            // A name that is no function at all is most likely a misspelt
            // aggregate: say which.
            let known =
                crate::kusto_names::KUSTO_FUNCTIONS.binary_search(&func.name.as_str()).is_ok()
                    || self.user_function(&func.name).is_some();
            if !known {
                return Err(BindError::UnknownFunction {
                    name: func.name.clone(),
                    span: func.span,
                    help: suggest(&func.name, crate::expr::aggregate_names()),
                });
            }
            return Err(self.not_an_aggregate(&item.expr));
        }
        let call = self.aggregate(func, args, columns, item.expr.span)?;
        Ok((call, aggregate_name(&func.name, args)))
    }

    fn not_an_aggregate(&self, expr: &ast::Expr) -> BindError {
        if contains_aggregate(expr) {
            return BindError::unsupported("an aggregate inside a larger expression", expr.span);
        }
        BindError::Invalid {
            message: "`summarize` needs an aggregate function here".to_owned(),
            span: expr.span,
            label: "not an aggregate".to_owned(),
            help: Some("use an aggregate such as count(), dcount(x), max(x), or move the expression after `by`".to_owned()),
        }
    }

    /// `T | invoke f(x)` is `f(T, x)`.
    fn invoke(&mut self, input: Plan, call: &ast::Expr, span: Span) -> Result<Plan, BindError> {
        let ExprKind::Call { func, args } = &call.kind else {
            return Err(BindError::invalid("`invoke` calls a function", call.span, "not a call"));
        };
        let Some(def) = self.user_function(&func.name) else {
            return Err(BindError::unsupported(format!("invoking `{}`", func.name), func.span));
        };
        match self.call_function(&def, func, args, Some(input), &[], span)? {
            crate::functions::Called::Tabular(plan) => Ok(*plan),
            crate::functions::Called::Scalar(_) => Err(BindError::invalid(
                format!("`{}` returns a scalar, not a table", func.name),
                span,
                "not a table",
            )),
        }
    }

    /// `lookup`: a `leftouter` (default) or `inner` join without the left
    /// side's deduplication, whose right key columns are dropped
    /// (kql-semantics.md §3.10).
    fn lookup(
        &mut self,
        left: Plan,
        params: &[ast::Param],
        right: &ast::Expr,
        on: &[ast::JoinCondition],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut join_params = Vec::new();
        let mut kind = "leftouter".to_owned();
        for param in params {
            match (param.name.name.as_str(), param.value.name.as_str()) {
                ("kind", k @ ("leftouter" | "inner")) => kind = k.to_owned(),
                ("kind", other) => {
                    return Err(BindError::invalid(
                        format!("`lookup` has no kind `{other}`"),
                        param.value.span,
                        "use leftouter or inner",
                    ));
                }
                _ => {
                    return Err(BindError::invalid(
                        format!("`lookup` takes no parameter `{}`", param.name.name),
                        param.name.span,
                        "not a lookup parameter",
                    ));
                }
            }
        }
        join_params.push(ast::Param {
            name: ast::Ident { name: "kind".to_owned(), span },
            value: ast::Ident { name: kind, span },
        });
        let left_len = left.schema.len();
        let joined = self.join(left, &join_params, right, on, span)?;
        let PlanKind::Join { right: right_plan, keys, .. } = &joined.kind else {
            return Err(BindError::invalid("`lookup` needs a join", span, "here"));
        };
        let dropped: Vec<usize> = keys
            .iter()
            .filter_map(|(_, r)| right_plan.schema.iter().position(|c| &c.name == r))
            .map(|i| left_len + i)
            .collect();
        let kept: Vec<Column> = joined
            .schema
            .iter()
            .enumerate()
            .filter(|(i, _)| !dropped.contains(i))
            .map(|(_, c)| c.clone())
            .collect();
        let exprs = kept
            .iter()
            .map(|c| Expr { kind: crate::plan::ExprKind::Column(c.name.clone()), ty: c.ty, span })
            .collect();
        Ok(Plan { kind: PlanKind::Project { input: Box::new(joined), exprs }, schema: kept, span })
    }

    fn join(
        &mut self,
        left: Plan,
        params: &[ast::Param],
        right: &ast::Expr,
        on: &[ast::JoinCondition],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut kind = JoinKind::InnerUnique;
        for param in params {
            match param.name.name.as_str() {
                "kind" => {
                    kind = JoinKind::from_name(&param.value.name).ok_or_else(|| BindError::Invalid {
                        message: format!("unknown join kind `{}`", param.value.name),
                        span: param.value.span,
                        label: "not a join kind".to_owned(),
                        help: Some("kinds: innerunique, inner, leftouter, rightouter, fullouter, leftsemi, rightsemi, leftanti, rightanti".to_owned()),
                    })?;
                }
                name if name.starts_with("hint.") => {}
                name => {
                    return Err(BindError::invalid(
                        format!("unknown join parameter `{name}`"),
                        param.name.span,
                        "not a join parameter",
                    ));
                }
            }
        }
        let right = self.tabular(right)?;

        let mut keys = Vec::new();
        for cond in on {
            let (l, r) = match cond {
                ast::JoinCondition::Same(col) => (col, col),
                ast::JoinCondition::Pair { left, right } => (left, right),
            };
            let lt = side_column(&left.schema, l, "left")?;
            let rt = side_column(&right.schema, r, "right")?;
            let compatible = lt == rt
                || (lt.is_numeric()
                    && rt.is_numeric()
                    && lt != KqlType::Real
                    && rt != KqlType::Real);
            if !compatible || lt == KqlType::Dynamic {
                return Err(BindError::types(
                    format!(
                        "join keys `{}` ({lt}) and `{}` ({rt}) cannot be compared",
                        l.name, r.name
                    ),
                    l.span.to(r.span),
                    format!("{lt} vs {rt}"),
                ));
            }
            keys.push((l.name.clone(), r.name.clone()));
        }

        let mut schema = Vec::new();
        if kind.keeps_left() {
            schema.extend(left.schema.iter().cloned());
        }
        if kind.keeps_right() {
            let mut names = NameSet::with(schema.iter().map(|c| c.name.clone()));
            for col in &right.schema {
                schema.push(Column::new(names.unique(&col.name), col.ty));
            }
        }
        let kind = PlanKind::Join { left: Box::new(left), right: Box::new(right), kind, keys };
        Ok(Plan { kind, schema, span })
    }

    pub(crate) fn sort(
        &mut self,
        input: Plan,
        keys: &[ast::SortKey],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut bound = Vec::new();
        for key in keys {
            let expr = self.scalar(&key.expr, &input.schema)?;
            if expr.ty == KqlType::Dynamic {
                return Err(BindError::TypeMismatch {
                    message: "cannot sort by a dynamic value".to_owned(),
                    span: key.expr.span,
                    label: "dynamic".to_owned(),
                    help: Some(
                        "sort by `tostring(...)` or a typed conversion of the value".to_owned(),
                    ),
                });
            }
            // KQL sorts descending by default, and null is the smallest value.
            let ascending = key.ascending.unwrap_or(false);
            let nulls_first = key.nulls_first.unwrap_or(ascending);
            bound.push(SortKey { expr, ascending, nulls_first });
        }
        let schema = input.schema.clone();
        Ok(Plan { kind: PlanKind::Sort { input: Box::new(input), keys: bound }, schema, span })
    }

    pub(crate) fn take(
        &mut self,
        input: Plan,
        count: &ast::Expr,
        span: Span,
    ) -> Result<Plan, BindError> {
        let bound = self.scalar(count, &[])?;
        let count = match bound.kind {
            crate::plan::ExprKind::Literal(Value::Long(n)) => n.max(0) as u64,
            crate::plan::ExprKind::Literal(Value::Int(n)) => n.max(0) as u64,
            _ => {
                return Err(BindError::types(
                    "the row count of `take` must be a constant long",
                    count.span,
                    format!("{}", bound.ty),
                ));
            }
        };
        let schema = input.schema.clone();
        Ok(Plan {
            kind: PlanKind::Limit { input: Box::new(input), count, per: Vec::new() },
            schema,
            span,
        })
    }

    fn distinct(
        &mut self,
        input: Plan,
        items: &DistinctItems,
        span: Span,
    ) -> Result<Plan, BindError> {
        let (keys, schema) = match items {
            DistinctItems::All => {
                self.reads_schema = true;
                let keys = input
                    .schema
                    .iter()
                    .map(|c| Expr {
                        kind: crate::plan::ExprKind::Column(c.name.clone()),
                        ty: c.ty,
                        span,
                    })
                    .collect();
                (keys, input.schema.clone())
            }
            DistinctItems::Items(items) => {
                let mut names = NameSet::default();
                let mut keys = Vec::new();
                let mut schema = Vec::new();
                for item in items {
                    let key = self.group_key(item, &input.schema)?;
                    schema.push(Column::new(self.output_name(item, &mut names)?, key.ty));
                    keys.push(key);
                }
                (keys, schema)
            }
        };
        if let Some(col) = schema.iter().find(|c| c.ty == KqlType::Dynamic) {
            return Err(BindError::types(
                format!("`distinct` cannot use the dynamic column `{}`", col.name),
                span,
                "dynamic",
            ));
        }
        let kind = PlanKind::Aggregate { input: Box::new(input), keys, aggregates: vec![] };
        Ok(Plan { kind, schema, span })
    }
}

/// The type of a join key column, or an error naming the side.
fn side_column(schema: &[Column], ident: &ast::Ident, side: &str) -> Result<KqlType, BindError> {
    match schema.iter().find(|c| c.name == ident.name) {
        Some(col) => Ok(col.ty),
        None => {
            let help = suggest(&ident.name, schema.iter().map(|c| c.name.as_str()))
                .or_else(|| Some(format!("the join's {side} side has no such column")));
            Err(BindError::unknown_column(&ident.name, ident.span, schema, help))
        }
    }
}

fn contains_aggregate(expr: &ast::Expr) -> bool {
    match &expr.kind {
        ExprKind::Call { func, args } => {
            is_aggregate_name(&func.name) || args.iter().any(contains_aggregate)
        }
        ExprKind::Binary { lhs, rhs, .. } => contains_aggregate(lhs) || contains_aggregate(rhs),
        ExprKind::Unary { operand, .. } => contains_aggregate(operand),
        _ => false,
    }
}

/// The first `(A, B) = ...` item of an operator, if it has one.
fn tuple_assignment(kind: &OperatorKind) -> Option<&Assignment> {
    let items: Vec<&Assignment> = match kind {
        OperatorKind::Project(items) | OperatorKind::Extend(items) => items.iter().collect(),
        OperatorKind::Summarize { aggregates, by, .. } => aggregates.iter().chain(by).collect(),
        OperatorKind::Distinct(DistinctItems::Items(items)) => items.iter().collect(),
        _ => Vec::new(),
    };
    items.into_iter().find(|item| !item.more_names.is_empty())
}

/// `input | where predicate`. After an `innerunique` join, the conjuncts that
/// read only left columns filter the left side before its deduplication, as
/// Kusto's optimizer does (kql-semantics.md §3.9: the documentation's example
/// returns the `val1.2` rows of `... | where value == "val1.2"`).
fn push_into_innerunique(input: Plan, predicate: Expr, span: Span) -> Plan {
    let filter = |input: Plan, predicate: Expr, span: Span| {
        let schema = input.schema.clone();
        Plan { kind: PlanKind::Filter { input: Box::new(input), predicate }, schema, span }
    };
    let Plan {
        kind: PlanKind::Join { left, right, kind: JoinKind::InnerUnique, keys },
        schema,
        span: join_span,
    } = input
    else {
        return filter(input, predicate, span);
    };
    let left_names: Vec<&str> = left.schema.iter().map(|c| c.name.as_str()).collect();
    let (mut pushed, mut kept) = (Vec::new(), Vec::new());
    for part in predicate.conjuncts() {
        let mut left_only = true;
        part.for_each_column(&mut |name| left_only &= left_names.contains(&name));
        if left_only { pushed.push(part) } else { kept.push(part) }
    }
    let and = |parts: Vec<Expr>| {
        parts.into_iter().reduce(|a, b| {
            let span = a.span.to(b.span);
            let kind = crate::plan::ExprKind::Binary {
                op: crate::plan::BinaryOp::And,
                lhs: Box::new(a),
                rhs: Box::new(b),
            };
            Expr { kind, ty: KqlType::Bool, span }
        })
    };
    let left = match and(pushed) {
        Some(p) => Box::new(filter(*left, p, span)),
        None => left,
    };
    let join = Plan {
        kind: PlanKind::Join { left, right, kind: JoinKind::InnerUnique, keys },
        schema,
        span: join_span,
    };
    match and(kept) {
        Some(rest) => filter(join, rest, span),
        None => join,
    }
}

/// `extend series_stats(s)` makes a column of each statistic in Kusto;
/// Calypso runs only the named form, which keeps the first.
fn refuse_unnamed_tuple(item: &Assignment) -> Result<(), BindError> {
    if let (None, ExprKind::Call { func, .. }) = (&item.name, &item.expr.kind)
        && matches!(func.name.as_str(), "series_stats" | "series_fit_line")
    {
        return Err(BindError::unsupported(
            format!(
                "`{}()` without a name (a column of each value; `x = {0}(...)` keeps the first, \
                 `{0}_dynamic()` gives them all)",
                func.name
            ),
            item.expr.span,
        ));
    }
    Ok(())
}
