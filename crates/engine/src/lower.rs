//! Lowering a bound plan to a DataFusion logical plan.
//!
//! Every node's output columns carry exactly the names of its bound schema,
//! unqualified and unique, so parents refer to them by name alone.

use std::collections::HashMap;
use std::sync::Arc;

use calypso_binder::plan::{AggregateCall, AggregateFunc, JoinKind, Plan, PlanKind};
use calypso_syntax::KqlType;
use datafusion::catalog::TableProvider;
use datafusion::common::{JoinType, NullEquality};
use datafusion::datasource::provider_as_source;
use datafusion::functions_aggregate::expr_fn::{
    avg, count, count_distinct, first_value, max, min, stddev, stddev_pop, sum, var_pop, var_sample,
};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{
    ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, SortExpr, cast, lit,
};
use datafusion::prelude::{Expr as DfExpr, coalesce, ident};

use crate::QueryError;
use crate::functions::aggregate::{Collect, MakeCollection, Percentile, RealExtreme};
use crate::scalar::Ctx;

pub(crate) struct Lowerer<'a> {
    pub(crate) ctx: Ctx,
    pub(crate) tables: &'a HashMap<String, Arc<dyn TableProvider>>,
    /// Runs the small plans that `range` needs to know its bounds.
    pub(crate) runtime: &'a tokio::runtime::Runtime,
    /// A counter for the aliases that keep join sides apart.
    pub(crate) next_alias: usize,
}

pub(crate) type Result<T> = std::result::Result<T, QueryError>;

impl Lowerer<'_> {
    /// Lowers `plan`; its output is a relation of its own name. (DataFusion 55
    /// merges chains of projections whose aliases reuse their input's names
    /// wrongly: `extend x = x + 1 | extend x = x + 1 | extend x = x + 1` added
    /// 2. A subquery alias after each operator keeps every step whole.)
    pub(crate) fn plan(&mut self, plan: &Plan) -> Result<LogicalPlan> {
        let lowered = self.operator(plan)?;
        self.next_alias += 1;
        Ok(LogicalPlanBuilder::from(lowered).alias(format!("__op{}", self.next_alias))?.build()?)
    }

    fn operator(&mut self, plan: &Plan) -> Result<LogicalPlan> {
        let built = match &plan.kind {
            PlanKind::Scan { table } => {
                let provider = self
                    .tables
                    .get(table)
                    .ok_or_else(|| QueryError::internal(format!("table `{table}` vanished")))?;
                // Bare: a KQL name is case-sensitive and must not be
                // normalised as a SQL identifier is.
                LogicalPlanBuilder::scan(
                    datafusion::common::TableReference::bare(table.as_str()),
                    provider_as_source(provider.clone()),
                    None,
                )?
            }
            PlanKind::Filter { input, predicate } => {
                LogicalPlanBuilder::from(self.plan(input)?).filter(self.ctx.expr(predicate)?)?
            }
            PlanKind::Serialize { input } => return self.plan(input),
            PlanKind::Project { input, exprs } if Plan::has_window(exprs) => {
                return self.project_windows(plan, input, exprs);
            }
            PlanKind::Project { input, exprs } => {
                let items = exprs
                    .iter()
                    .zip(&plan.schema)
                    .map(|(e, col)| Ok(self.ctx.expr(e)?.alias(&col.name)))
                    .collect::<Result<Vec<_>>>()?;
                LogicalPlanBuilder::from(self.plan(input)?).project(items)?
            }
            PlanKind::Aggregate { input, keys, aggregates } => {
                return self.aggregate(plan, input, keys, aggregates);
            }
            PlanKind::Join { left, right, kind, keys } => {
                return self.join(plan, left, right, *kind, keys);
            }
            PlanKind::Sort { input, keys } => {
                let keys = keys
                    .iter()
                    .map(|k| Ok(SortExpr::new(self.ctx.expr(&k.expr)?, k.ascending, k.nulls_first)))
                    .collect::<Result<Vec<_>>>()?;
                LogicalPlanBuilder::from(self.plan(input)?).sort(keys)?
            }
            PlanKind::Limit { input, count, per } if per.is_empty() => {
                LogicalPlanBuilder::from(self.plan(input)?).limit(0, Some(*count as usize))?
            }
            PlanKind::Limit { input, count, per } => {
                // The first rows of each group, in the order a `sort` below
                // gave them.
                let order = input
                    .limit_order()
                    .unwrap_or_default()
                    .iter()
                    .map(|k| Ok(SortExpr::new(self.ctx.expr(&k.expr)?, k.ascending, k.nulls_first)))
                    .collect::<Result<Vec<_>>>()?;
                let rank = row_number().partition_by(per.iter().map(ident).collect());
                let rank = if order.is_empty() { rank } else { rank.order_by(order) };
                let rank = rank.build()?.alias("__calypso_rn");
                let columns: Vec<_> = plan.schema.iter().map(|c| ident(&c.name)).collect();
                LogicalPlanBuilder::from(self.plan(input)?)
                    .window(vec![rank])?
                    .filter(ident("__calypso_rn").lt_eq(lit(*count)))?
                    .project(columns)?
            }
            PlanKind::Values { rows } => return self.values(plan, rows),
            PlanKind::MakeSeries { input, series } => return self.make_series(plan, input, series),
            PlanKind::MvExpand { input, expand } => return self.mv_expand(plan, input, expand),
            PlanKind::Union { legs } => {
                let mut lowered = Vec::new();
                for (leg, exprs) in legs {
                    let items = exprs
                        .iter()
                        .zip(&plan.schema)
                        .map(|(e, col)| {
                            let typed = cast(self.ctx.expr(e)?, calypso_io::arrow_type(col.ty));
                            Ok(typed.alias(&col.name))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    lowered
                        .push(LogicalPlanBuilder::from(self.plan(leg)?).project(items)?.build()?);
                }
                let mut legs = lowered.into_iter();
                let first =
                    legs.next().ok_or_else(|| QueryError::internal("a union with no leg"))?;
                legs.try_fold(LogicalPlanBuilder::from(first), |acc, leg| acc.union(leg))?
            }
            PlanKind::Range { from, to, step } => return self.range(plan, from, to, step),
        };
        Ok(built.build()?)
    }

    fn aggregate(
        &mut self,
        plan: &Plan,
        input: &Plan,
        keys: &[calypso_binder::plan::Expr],
        aggregates: &[AggregateCall],
    ) -> Result<LogicalPlan> {
        let names: Vec<&str> = plan.schema.iter().map(|c| c.name.as_str()).collect();
        let (key_names, agg_names) = names.split_at(keys.len());
        let group = keys
            .iter()
            .zip(key_names)
            .map(|(k, name)| Ok(self.ctx.expr(k)?.alias(*name)))
            .collect::<Result<Vec<_>>>()?;
        let aggs = aggregates
            .iter()
            .zip(agg_names)
            .map(|(a, name)| Ok(self.aggregate_call(a)?.alias(*name)))
            .collect::<Result<Vec<_>>>()?;
        // Kusto's results for empty groups: `sum` 0 and `avg` NaN where
        // DataFusion gives null.
        let fixups = key_names
            .iter()
            .map(|name| ident(*name))
            .chain(aggregates.iter().zip(agg_names).map(|(a, name)| {
                let col = ident(*name);
                match a.func {
                    AggregateFunc::Sum => {
                        coalesce(vec![col, crate::scalar::literal(&zero(a.ty), a.ty)]).alias(*name)
                    }
                    AggregateFunc::Avg => coalesce(vec![col, lit(f64::NAN)]).alias(*name),
                    AggregateFunc::Stdev
                    | AggregateFunc::Variance
                    | AggregateFunc::StdevP
                    | AggregateFunc::VarianceP => coalesce(vec![col, lit(0.0)]).alias(*name),
                    AggregateFunc::TakeAny | AggregateFunc::ArgMax | AggregateFunc::ArgMin
                        if a.ty == KqlType::String =>
                    {
                        coalesce(vec![col, lit("")]).alias(*name)
                    }
                    _ => col,
                }
            }))
            .collect::<Vec<_>>();
        Ok(LogicalPlanBuilder::from(self.plan(input)?)
            .aggregate(group, aggs)?
            .project(fixups)?
            .build()?)
    }

    fn aggregate_call(&self, a: &AggregateCall) -> Result<DfExpr> {
        let arg = |i: usize| self.ctx.expr(&a.args[i]);
        let float = |e| cast(e, datafusion::arrow::datatypes::DataType::Float64);
        let mut filter = a.filter.as_ref().map(|f| self.ctx.expr(f)).transpose()?;
        let call = match a.func {
            AggregateFunc::Count => count(lit(1i64)),
            AggregateFunc::DCount => count_distinct(arg(0)?),
            AggregateFunc::Min if a.ty == KqlType::Real => RealExtreme::call(false, arg(0)?),
            AggregateFunc::Max if a.ty == KqlType::Real => RealExtreme::call(true, arg(0)?),
            AggregateFunc::Min => min(arg(0)?),
            AggregateFunc::Max => max(arg(0)?),
            AggregateFunc::Sum => sum(cast(arg(0)?, calypso_io::arrow_type(a.ty))),
            // Kusto averages integers through their (wrapping) long sum.
            AggregateFunc::Avg if matches!(a.args[0].ty, KqlType::Long | KqlType::Int) => {
                let total = sum(cast(arg(0)?, datafusion::arrow::datatypes::DataType::Int64));
                let n = count(arg(0)?);
                return Ok(
                    float(with_filter(total, filter.clone())?) / float(with_filter(n, filter)?)
                );
            }
            AggregateFunc::Avg => avg(float(arg(0)?)),
            AggregateFunc::Stdev => stddev(float(arg(0)?)),
            AggregateFunc::Variance => var_sample(float(arg(0)?)),
            AggregateFunc::StdevP => stddev_pop(float(arg(0)?)),
            AggregateFunc::VarianceP => var_pop(float(arg(0)?)),
            AggregateFunc::MakeSet => {
                MakeCollection::call(Collect::Set, a.args[0].ty, a.limit, arg(0)?)
            }
            AggregateFunc::MakeList => {
                MakeCollection::call(Collect::List, a.args[0].ty, a.limit, arg(0)?)
            }
            AggregateFunc::MakeListWithNulls => {
                MakeCollection::call(Collect::ListWithNulls, a.args[0].ty, a.limit, arg(0)?)
            }
            AggregateFunc::MakeBag => {
                MakeCollection::call(Collect::Bag, a.args[0].ty, a.limit, arg(0)?)
            }
            AggregateFunc::TakeAny => {
                // Any value, but a non-empty one where the group has one.
                let x = arg(0)?;
                let present = if a.ty == KqlType::String {
                    x.clone().not_eq(lit(""))
                } else {
                    x.clone().is_not_null()
                };
                filter = Some(match filter {
                    Some(f) => f.and(present),
                    None => present,
                });
                first_value(x, vec![])
            }
            AggregateFunc::Percentile => {
                let p = match &a.args[1].kind {
                    calypso_binder::plan::ExprKind::Literal(calypso_binder::plan::Value::Real(
                        p,
                    )) => *p,
                    _ => {
                        return Err(QueryError::internal(
                            "a percentile's percentage is not a constant",
                        ));
                    }
                };
                Percentile::call(p, arg(0)?)
            }
            AggregateFunc::ArgMax | AggregateFunc::ArgMin => {
                // The value from a row where the first argument is extreme;
                // rows where it is null lose to any other.
                let ascending = a.func == AggregateFunc::ArgMin;
                first_value(arg(1)?, vec![SortExpr::new(arg(0)?, ascending, false)])
            }
        };
        with_filter(call, filter)
    }

    fn join(
        &mut self,
        plan: &Plan,
        left: &Plan,
        right: &Plan,
        kind: JoinKind,
        keys: &[(String, String)],
    ) -> Result<LogicalPlan> {
        self.next_alias += 1;
        let n = self.next_alias;
        let left_keys: Vec<String> = keys.iter().map(|(l, _)| l.clone()).collect();

        let mut left_plan = self.plan(left)?;
        if kind == JoinKind::InnerUnique {
            left_plan = dedupe(left_plan, left, &left_keys)?;
        }

        // The right side's columns take their output names before the join,
        // so that every name is unique.
        let right_names: Vec<String> = if kind.keeps_left() && kind.keeps_right() {
            plan.schema[left.schema.len()..].iter().map(|c| c.name.clone()).collect()
        } else {
            right.schema.iter().map(|c| c.name.clone()).collect()
        };
        let renamed: Vec<DfExpr> = right
            .schema
            .iter()
            .zip(&right_names)
            .map(|(c, new)| ident(&c.name).alias(new))
            .collect();
        let right_plan = LogicalPlanBuilder::from(self.plan(right)?)
            .project(renamed)?
            .alias(format!("__r{n}"))?
            .build()?;
        let right_keys: Vec<String> = keys
            .iter()
            .map(|(_, r)| {
                let idx = right
                    .schema
                    .iter()
                    .position(|c| &c.name == r)
                    .expect("the binder checked the key");
                right_names[idx].clone()
            })
            .collect();

        let join_type = match kind {
            JoinKind::InnerUnique | JoinKind::Inner => JoinType::Inner,
            JoinKind::LeftOuter => JoinType::Left,
            JoinKind::RightOuter => JoinType::Right,
            JoinKind::FullOuter => JoinType::Full,
            JoinKind::LeftSemi => JoinType::LeftSemi,
            JoinKind::LeftAnti => JoinType::LeftAnti,
            JoinKind::RightSemi => JoinType::RightSemi,
            JoinKind::RightAnti => JoinType::RightAnti,
        };
        let left_cols: Vec<_> =
            left_keys.iter().map(datafusion::common::Column::from_name).collect();
        let right_cols: Vec<_> =
            right_keys.iter().map(datafusion::common::Column::from_name).collect();
        let joined = LogicalPlanBuilder::from(left_plan).alias(format!("__l{n}"))?.join_detailed(
            right_plan,
            join_type,
            (left_cols, right_cols),
            None,
            NullEquality::NullEqualsNull,
        )?;

        // Outer joins pad strings with "" (strings are never null), others with null.
        let pad_left = matches!(kind, JoinKind::RightOuter | JoinKind::FullOuter);
        let pad_right = matches!(kind, JoinKind::LeftOuter | JoinKind::FullOuter);
        let left_len = if kind.keeps_left() { left.schema.len() } else { 0 };
        let output = plan
            .schema
            .iter()
            .enumerate()
            .map(|(i, col)| {
                let padded = if i < left_len { pad_left } else { pad_right };
                if padded && col.ty == KqlType::String {
                    coalesce(vec![ident(&col.name), lit("")]).alias(&col.name)
                } else {
                    ident(&col.name)
                }
            })
            .collect::<Vec<_>>();
        Ok(joined.project(output)?.build()?)
    }
}

impl Lowerer<'_> {
    /// Rows written in the query, as VALUES.
    fn values(&self, plan: &Plan, rows: &[Vec<calypso_binder::plan::Expr>]) -> Result<LogicalPlan> {
        let typed = |e: DfExpr, ty: KqlType| cast(e, calypso_io::arrow_type(ty));
        let named = |exprs: Vec<DfExpr>| -> Vec<DfExpr> {
            exprs
                .into_iter()
                .zip(&plan.schema)
                .map(|(e, c)| typed(e, c.ty).alias(&c.name))
                .collect()
        };
        match rows {
            [] => {
                let nulls = plan
                    .schema
                    .iter()
                    .map(|c| crate::scalar::literal(&calypso_binder::plan::Value::Null, c.ty))
                    .collect();
                Ok(LogicalPlanBuilder::empty(false).project(named(nulls))?.build()?)
            }
            _ => {
                let df_rows = rows
                    .iter()
                    .map(|row| {
                        row.iter()
                            .zip(&plan.schema)
                            .map(|(e, c)| Ok(typed(self.ctx.expr(e)?, c.ty)))
                            .collect::<Result<Vec<_>>>()
                    })
                    .collect::<Result<Vec<_>>>()?;
                let values = LogicalPlanBuilder::values(df_rows)?.build()?;
                // VALUES names its columns itself.
                let columns: Vec<DfExpr> = values
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| {
                        datafusion::prelude::col(datafusion::common::Column::from_name(f.name()))
                    })
                    .collect();
                Ok(LogicalPlanBuilder::from(values).project(named(columns))?.build()?)
            }
        }
    }

    /// `mv-expand`: each target becomes a list of its elements' JSON texts,
    /// DataFusion unnests the lists together (in parallel, the shorter
    /// padded with null; a null keeps one row, an empty list drops it, as
    /// in Kusto), and the elements are converted to their target types.
    fn mv_expand(
        &mut self,
        plan: &Plan,
        input: &Plan,
        expand: &calypso_binder::plan::Expand,
    ) -> Result<LogicalPlan> {
        use crate::functions::{KqlUdf, expand as mv};
        let mut items: Vec<DfExpr> = input.schema.iter().map(|c| ident(&c.name)).collect();
        let mut lists = Vec::new();
        let mut elements = Vec::new();
        for (i, target) in expand.targets.iter().enumerate() {
            let name = format!("__mv{i}");
            let limit = expand.limit.map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
            let args = vec![self.ctx.expr(&target.expr)?, lit(expand.bags_as_arrays), lit(limit)];
            let list = KqlUdf::call("mv_elements", mv::element_list_type(), mv::elements, args);
            elements.push(list.clone());
            items.push(list.alias(&name));
            lists.push(name);
        }
        if expand.index.is_some() {
            let positions =
                KqlUdf::call("mv_positions", mv::position_list_type(), mv::positions, elements);
            items.push(positions.alias("__mvidx"));
            lists.push("__mvidx".to_owned());
        }
        let columns = lists.iter().map(datafusion::common::Column::from_name).collect();
        let unnested = LogicalPlanBuilder::from(self.plan_builder_input(items, input)?)
            .unnest_columns_with_options(columns, datafusion::common::UnnestOptions::default())?;

        let index_at = expand.index.as_ref().map(|_| plan.schema.len() - 1);
        let output = plan
            .schema
            .iter()
            .enumerate()
            .map(|(at, col)| {
                if Some(at) == index_at {
                    return Ok(ident("__mvidx").alias(&col.name));
                }
                let Some(i) = expand.targets.iter().position(|t| t.name == col.name) else {
                    return Ok(ident(&col.name));
                };
                let element = ident(format!("__mv{i}"));
                let value = match expand.targets[i].to {
                    None | Some(KqlType::Dynamic) => element,
                    Some(ty) => convert_dynamic(element, ty)?,
                };
                Ok(value.alias(&col.name))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(unnested.project(output)?.build()?)
    }

    /// `input` lowered, then projected to `items`.
    fn plan_builder_input(&mut self, items: Vec<DfExpr>, input: &Plan) -> Result<LogicalPlan> {
        Ok(LogicalPlanBuilder::from(self.plan(input)?).project(items)?.build()?)
    }

    /// A projection with window functions: the serialized input gets its
    /// row numbers (`__rowidx`, in arrival order), each `prev`/`next`/
    /// `row_cumsum` becomes a window ordered by them, and the projection
    /// reads those columns.
    fn project_windows(
        &mut self,
        plan: &Plan,
        input: &Plan,
        exprs: &[calypso_binder::plan::Expr],
    ) -> Result<LogicalPlan> {
        use calypso_binder::plan::{ExprKind as K, WindowFunc as W};
        use datafusion::logical_expr::when;
        // Number the rows in the order a `sort` below gave them (DataFusion
        // keeps no order that nothing asks for), or else as they come.
        let serial: Vec<SortExpr> = input
            .serial_order()
            .unwrap_or_default()
            .iter()
            .map(|k| Ok(SortExpr::new(self.ctx.expr(&k.expr)?, k.ascending, k.nulls_first)))
            .collect::<Result<_>>()?;
        let number =
            if serial.is_empty() { row_number() } else { row_number().order_by(serial).build()? };
        let number = number.alias("__rowidx");
        let numbered = LogicalPlanBuilder::from(self.plan(input)?).window(vec![number])?.build()?;
        let mut windows = Vec::new();
        for e in exprs {
            e.for_each_window(&mut |w| windows.push(w.clone()));
        }
        let order = vec![SortExpr::new(ident("__rowidx"), true, false)];
        // `row_cumsum(x, restart)`: the windows inside the restart predicates
        // (`prev(g)`) first, then each predicate's running count of restarts
        // (`__seg{id}`), then the sums, one per segment.
        let mut inner = Vec::new();
        let mut segments = Vec::new();
        // Ranks compare each row's term with the previous row's: `__lag{id}`.
        let mut lags = Vec::new();
        for w in &windows {
            if let K::Window { id, func: W::RowRankDense | W::RowRankMin, args } = &w.kind {
                let previous = datafusion::functions_window::expr_fn::lag(
                    self.ctx.expr(&args[0])?,
                    Some(1),
                    None,
                );
                lags.push(previous.order_by(order.clone()).build()?.alias(format!("__lag{id}")));
            }
        }
        for w in &windows {
            if let K::Window { id, func: W::RowCumsum | W::RowNumber, args } = &w.kind
                && let Some(restart) = args.get(1)
            {
                restart.for_each_window(&mut |x| inner.push(x.clone()));
                let flag = when(self.ctx.expr(restart)?, lit(1i64)).otherwise(lit(0i64))?;
                let count = DfExpr::from(datafusion::logical_expr::expr::WindowFunction::new(
                    datafusion::functions_aggregate::sum::sum_udaf(),
                    vec![flag],
                ));
                segments.push(count.order_by(order.clone()).build()?.alias(format!("__seg{id}")));
            }
        }
        let (mut inner_exprs, _) = self.window_exprs(&inner, &order)?;
        inner_exprs.extend(lags);
        let numbered = if inner_exprs.is_empty() {
            numbered
        } else {
            LogicalPlanBuilder::from(numbered).window(inner_exprs)?.build()?
        };
        let numbered = if segments.is_empty() {
            numbered
        } else {
            LogicalPlanBuilder::from(numbered).window(segments)?.build()?
        };
        let (window_exprs, partitioned) = self.window_exprs(&windows, &order)?;
        let mut windowed = if window_exprs.is_empty() {
            numbered
        } else {
            LogicalPlanBuilder::from(numbered).window(window_exprs)?.build()?
        };
        // Each restarting sum has its own partitioning: a layer of its own,
        // as DataFusion plans one ordering per window node.
        for sum in partitioned {
            windowed = LogicalPlanBuilder::from(windowed).window(vec![sum])?.build()?;
        }
        let items = exprs
            .iter()
            .zip(&plan.schema)
            .map(|(e, col)| Ok(self.ctx.expr(e)?.alias(&col.name)))
            .collect::<Result<Vec<_>>>()?;
        Ok(LogicalPlanBuilder::from(windowed).project(items)?.build()?)
    }

    /// The DataFusion window expressions of `windows`, ordered by the row
    /// numbers, each named `__w{id}` for the projection to read: those over
    /// all rows, then the restarting sums, each partitioned by its segments.
    fn window_exprs(
        &mut self,
        windows: &[calypso_binder::plan::Expr],
        order: &[SortExpr],
    ) -> Result<(Vec<DfExpr>, Vec<DfExpr>)> {
        use calypso_binder::plan::{ExprKind as K, WindowFunc as W};
        use datafusion::functions_window::expr_fn::{lag, lead};
        let (mut window_exprs, mut partitioned) = (Vec::new(), Vec::new());
        for w in windows {
            let K::Window { id, func, args } = &w.kind else { continue };
            let constant = |i: usize| -> Option<datafusion::common::ScalarValue> {
                let arg = args.get(i)?;
                match crate::scalar::literal(
                    match &arg.kind {
                        K::Literal(v) => v,
                        _ => return None,
                    },
                    arg.ty,
                ) {
                    DfExpr::Literal(value, _) => Some(value),
                    _ => None,
                }
            };
            let offset = || {
                constant(1).and_then(|v| match v {
                    datafusion::common::ScalarValue::Int64(n) => n,
                    datafusion::common::ScalarValue::Int32(n) => n.map(i64::from),
                    _ => None,
                })
            };
            // A string has no null: before the first row (after the last),
            // `prev`/`next` of a string are "" (oracle r3-window-series-scan-0035).
            let default = match constant(2) {
                Some(v) => Some(v.cast_to(&calypso_io::arrow_type(w.ty))?),
                None if w.ty == KqlType::String => {
                    Some(datafusion::common::ScalarValue::Utf8(Some(String::new())))
                }
                None => None,
            };
            let value = match func {
                W::RowNumber if args.len() == 2 => {
                    // Restarting: numbered within its segment.
                    let segment = ident(format!("__seg{id}"));
                    let built = row_number()
                        .partition_by(vec![segment])
                        .order_by(order.to_vec())
                        .build()?;
                    partitioned.push(built.alias(format!("__w{id}")));
                    continue;
                }
                W::RowNumber | W::RowId => continue,
                W::RowRankDense | W::RowRankMin => {
                    // A new run starts at the first row and wherever the term
                    // differs from the previous row's (nulls equal nulls).
                    let term = self.ctx.expr(&args[0])?;
                    let starts =
                        ident("__rowidx").eq(lit(1u64)).or(datafusion::logical_expr::binary_expr(
                            term,
                            datafusion::logical_expr::Operator::IsDistinctFrom,
                            ident(format!("__lag{id}")),
                        ));
                    let (agg, value) = if *func == W::RowRankDense {
                        (
                            datafusion::functions_aggregate::sum::sum_udaf(),
                            datafusion::logical_expr::when(starts, lit(1i64))
                                .otherwise(lit(0i64))?,
                        )
                    } else {
                        let at =
                            cast(ident("__rowidx"), datafusion::arrow::datatypes::DataType::Int64);
                        let null = lit(datafusion::common::ScalarValue::Int64(None));
                        (
                            datafusion::functions_aggregate::min_max::max_udaf(),
                            datafusion::logical_expr::when(starts, at).otherwise(null)?,
                        )
                    };
                    DfExpr::from(datafusion::logical_expr::expr::WindowFunction::new(
                        agg,
                        vec![value],
                    ))
                }
                W::Prev => lag(self.ctx.expr(&args[0])?, Some(offset().unwrap_or(1)), default),
                W::Next => lead(self.ctx.expr(&args[0])?, Some(offset().unwrap_or(1)), default),
                W::RowCumsum => {
                    let x = cast(self.ctx.expr(&args[0])?, calypso_io::arrow_type(w.ty));
                    let sum = DfExpr::from(datafusion::logical_expr::expr::WindowFunction::new(
                        datafusion::functions_aggregate::sum::sum_udaf(),
                        vec![x],
                    ));
                    if args.len() == 2 {
                        let segment = ident(format!("__seg{id}"));
                        let built =
                            sum.partition_by(vec![segment]).order_by(order.to_vec()).build()?;
                        partitioned.push(built.alias(format!("__w{id}")));
                        continue;
                    }
                    sum
                }
            };
            window_exprs.push(value.order_by(order.to_vec()).build()?.alias(format!("__w{id}")));
        }
        Ok((window_exprs, partitioned))
    }

    /// `range`: the bounds are evaluated first, then the rows are made.
    fn range(
        &mut self,
        plan: &Plan,
        from: &calypso_binder::plan::Expr,
        to: &calypso_binder::plan::Expr,
        step: &calypso_binder::plan::Expr,
    ) -> Result<LogicalPlan> {
        let bounds = LogicalPlanBuilder::empty(true)
            .project(vec![
                self.ctx.expr(from)?.alias("from"),
                self.ctx.expr(to)?.alias("to"),
                self.ctx.expr(step)?.alias("step"),
            ])?
            .build()?;
        let ctx = datafusion::prelude::SessionContext::new();
        let batches = self
            .runtime
            .block_on(async { ctx.execute_logical_plan(bounds).await?.collect().await })?;
        let batch =
            batches.first().ok_or_else(|| QueryError::internal("range bounds gave no row"))?;
        let column = &plan.schema[0];
        let array = crate::functions::range::values(
            column.ty,
            batch.column(0),
            batch.column(1),
            batch.column(2),
            plan.span,
        )?;
        let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(vec![calypso_io::field(
            &column.name,
            column.ty,
        )]));
        let batch =
            datafusion::arrow::record_batch::RecordBatch::try_new(schema.clone(), vec![array])
                .map_err(|e| QueryError::internal(e.to_string()))?;
        let table = datafusion::datasource::MemTable::try_new(schema, vec![vec![batch]])?;
        self.next_alias += 1;
        Ok(LogicalPlanBuilder::scan(
            format!("__range{}", self.next_alias),
            provider_as_source(Arc::new(table)),
            None,
        )?
        .build()?)
    }
}

/// A dynamic element converted to `ty`, as `to typeof(ty)` asks: a value that
/// does not convert is null.
fn convert_dynamic(element: DfExpr, ty: KqlType) -> Result<DfExpr> {
    use crate::functions::{KqlUdf, library, text};
    let name = match ty {
        KqlType::String | KqlType::Guid => {
            let kernel = text::to_string_kernel(KqlType::Dynamic);
            return Ok(KqlUdf::call(
                "tostring",
                datafusion::arrow::datatypes::DataType::Utf8,
                kernel,
                vec![element],
            ));
        }
        KqlType::Long => "tolong",
        KqlType::Int => "toint",
        KqlType::Real | KqlType::Decimal => "todouble",
        KqlType::Bool => "tobool",
        KqlType::Datetime => "todatetime",
        KqlType::Timespan => "totimespan",
        KqlType::Dynamic => return Ok(element),
    };
    library::call(name, vec![KqlType::Dynamic], ty, vec![element])
}

/// `call` over only the rows where `filter` is true.
fn with_filter(call: DfExpr, filter: Option<DfExpr>) -> Result<DfExpr> {
    Ok(match filter {
        Some(f) => call.filter(f.is_true()).build()?,
        None => call,
    })
}

/// One row per key of `plan`: Kusto's `innerunique` keeps one arbitrary
/// left row per join key.
fn dedupe(plan: LogicalPlan, bound: &Plan, keys: &[String]) -> Result<LogicalPlan> {
    let partition = keys.iter().map(ident).collect();
    let rank = row_number().partition_by(partition).build()?.alias("__calypso_rn");
    let columns: Vec<_> = bound.schema.iter().map(|c| ident(&c.name)).collect();
    Ok(LogicalPlanBuilder::from(plan)
        .window(vec![rank])?
        .filter(ident("__calypso_rn").eq(lit(1u64)))?
        .project(columns)?
        .build()?)
}

fn zero(ty: KqlType) -> calypso_binder::plan::Value {
    use calypso_binder::plan::Value;
    match ty {
        KqlType::Real => Value::Real(0.0),
        KqlType::Timespan => Value::Timespan(0),
        _ => Value::Long(0),
    }
}
