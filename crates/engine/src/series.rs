//! `make-series`: the bins are aggregated by DataFusion first, then laid out
//! here into one array an aggregation and group (kql-semantics.md §3.21).

use std::collections::HashMap;
use std::sync::Arc;

use calypso_binder::plan::{Plan, Series, Value};
use calypso_syntax::KqlType;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, DurationNanosecondArray, RecordBatch, StringArray,
    TimestampNanosecondArray, new_empty_array,
};
use datafusion::arrow::compute::interleave;
use datafusion::arrow::datatypes::{
    DataType, DurationNanosecondType, Float64Type, Int32Type, Int64Type, Schema,
    TimestampNanosecondType,
};
use datafusion::datasource::{MemTable, provider_as_source};
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use serde_json::Value as Json;

use crate::QueryError;
use crate::functions::text::json_value;
use crate::lower::{Lowerer, Result};

/// The most bins one series may have, as in Kusto.
const MAX_BINS: i128 = 1 << 20;

/// A position on the axis: exact nanoseconds (or integers) for datetimes,
/// timespans and whole numbers, a real for reals.
#[derive(Clone, Copy, Debug)]
enum Point {
    Whole(i128),
    Real(f64),
}

impl Lowerer<'_> {
    pub(crate) fn make_series(
        &mut self,
        plan: &Plan,
        input: &Plan,
        series: &Series,
    ) -> Result<LogicalPlan> {
        let bounds = LogicalPlanBuilder::empty(true)
            .project(vec![
                self.ctx.expr(&series.start)?.alias("start"),
                self.ctx.expr(&series.step)?.alias("step"),
                self.ctx.expr(&series.end)?.alias("end"),
            ])?
            .build()?;
        let grouped = self.plan(input)?;
        let ctx = crate::context();
        let (bounds, groups) = self.runtime.block_on(async {
            let bounds = ctx.execute_logical_plan(bounds).await?.collect().await?;
            let groups = ctx.execute_logical_plan(grouped).await?.collect().await?;
            Ok::<_, datafusion::error::DataFusionError>((bounds, groups))
        })?;
        let bounds = bounds.first().ok_or_else(|| QueryError::internal("no series bounds"))?;
        let whole = series.axis != KqlType::Real;
        let bound = |i: usize| point(bounds.column(i).as_ref(), 0, whole);
        let (Some(start), Some(step), Some(end)) = (bound(0), bound(1), bound(2)) else {
            // No rows, so no minimum or maximum: no series either.
            return self.series_table(plan, Vec::new());
        };
        let bins = bin_count(start, step, end, series.end_inclusive, plan)?;
        if bins == 0 {
            return self.series_table(plan, Vec::new());
        }

        // Each group's bins, in the order the groups first appear.
        let (keys, aggregates) = (series.keys, series.defaults.len());
        let mut group_of: HashMap<String, usize> = HashMap::new();
        let mut first_rows: Vec<(usize, usize)> = Vec::new();
        let mut cells: Vec<Vec<Vec<Option<Json>>>> = Vec::new();
        for (b, batch) in groups.iter().enumerate() {
            for row in 0..batch.num_rows() {
                let Some(bin) = point(batch.column(keys).as_ref(), row, whole) else { continue };
                let Some(index) = bin_index(start, step, bin).filter(|&i| i < bins) else {
                    continue;
                };
                let identity: String = (0..keys)
                    .map(|k| json_value(batch.column(k), row, plan.schema[k].ty).to_string())
                    .collect::<Vec<_>>()
                    .join("\u{1}");
                let group = *group_of.entry(identity).or_insert_with(|| {
                    first_rows.push((b, row));
                    cells.push(vec![vec![None; bins]; aggregates]);
                    cells.len() - 1
                });
                for (a, (_, ty)) in series.defaults.iter().enumerate() {
                    let value = json_value(batch.column(keys + 1 + a), row, *ty);
                    cells[group][a][index] = Some(value);
                }
            }
        }

        let mut columns: Vec<ArrayRef> = Vec::new();
        for k in 0..keys {
            let arrays: Vec<&dyn Array> = groups.iter().map(|b| b.column(k).as_ref()).collect();
            columns.push(if arrays.is_empty() {
                new_empty_array(&calypso_io::arrow_type(plan.schema[k].ty))
            } else {
                interleave(&arrays, &first_rows).map_err(|e| QueryError::internal(e.to_string()))?
            });
        }
        for (a, (default, ty)) in series.defaults.iter().enumerate() {
            let empty = default_json(default, *ty);
            let texts = cells.iter().map(|group| {
                let values = group[a].iter().map(|c| c.clone().unwrap_or_else(|| empty.clone()));
                Some(Json::Array(values.collect()).to_string())
            });
            columns.push(Arc::new(StringArray::from_iter(texts)));
        }
        let axis = axis_values(start, step, bins, series.axis).to_string();
        columns.push(Arc::new(StringArray::from_iter(cells.iter().map(|_| Some(axis.clone())))));
        self.series_table(plan, columns)
    }

    /// The series as a table of the plan's schema (no rows when `columns`
    /// is empty).
    fn series_table(&mut self, plan: &Plan, columns: Vec<ArrayRef>) -> Result<LogicalPlan> {
        let schema = Arc::new(Schema::new(
            plan.schema.iter().map(|c| calypso_io::field(&c.name, c.ty)).collect::<Vec<_>>(),
        ));
        let batch = if columns.is_empty() {
            RecordBatch::new_empty(schema.clone())
        } else {
            RecordBatch::try_new(schema.clone(), columns)
                .map_err(|e| QueryError::internal(e.to_string()))?
        };
        let table = MemTable::try_new(schema, vec![vec![batch]])?;
        self.next_alias += 1;
        Ok(LogicalPlanBuilder::scan(
            format!("__series{}", self.next_alias),
            provider_as_source(Arc::new(table)),
            None,
        )?
        .build()?)
    }
}

/// Row `row` of an axis-typed (or step) column as a point; `None` for null.
fn point(array: &dyn Array, row: usize, whole: bool) -> Option<Point> {
    if array.is_null(row) {
        return None;
    }
    let value = match array.data_type() {
        DataType::Timestamp(..) => {
            Point::Whole(i128::from(array.as_primitive::<TimestampNanosecondType>().value(row)))
        }
        DataType::Duration(_) => {
            Point::Whole(i128::from(array.as_primitive::<DurationNanosecondType>().value(row)))
        }
        DataType::Int64 => Point::Whole(i128::from(array.as_primitive::<Int64Type>().value(row))),
        DataType::Int32 => Point::Whole(i128::from(array.as_primitive::<Int32Type>().value(row))),
        DataType::Float64 => Point::Real(array.as_primitive::<Float64Type>().value(row)),
        _ => return None,
    };
    Some(match (value, whole) {
        // A whole-number axis with a fractional step: reals throughout.
        (Point::Whole(v), false) => Point::Real(v as f64),
        (v, _) => v,
    })
}

fn as_real(p: Point) -> f64 {
    match p {
        Point::Whole(v) => v as f64,
        Point::Real(v) => v,
    }
}

/// How many bins run from `start` by `step` to `end` (its bin included when
/// `inclusive`, else the bins starting before it).
fn bin_count(start: Point, step: Point, end: Point, inclusive: bool, plan: &Plan) -> Result<usize> {
    let count = match (start, step, end) {
        (Point::Whole(s), Point::Whole(st), Point::Whole(e)) if st > 0 => {
            let span = e - s;
            match (inclusive, span < 0) {
                (_, true) => 0,
                (true, false) => span / st + 1,
                (false, false) => (span + st - 1) / st,
            }
        }
        _ => {
            let (s, st, e) = (as_real(start), as_real(step), as_real(end));
            if st.is_nan() || st <= 0.0 {
                0
            } else if inclusive {
                ((e - s) / st).floor() as i128 + 1
            } else {
                ((e - s) / st).ceil() as i128
            }
        }
    };
    if as_real(step) <= 0.0 {
        return Err(QueryError::Bind(calypso_binder::BindError::Invalid {
            message: "the step of `make-series` must be positive".to_owned(),
            span: plan.span,
            label: "here".to_owned(),
            help: None,
        }));
    }
    if count > MAX_BINS {
        return Err(QueryError::Bind(calypso_binder::BindError::Invalid {
            message: format!(
                "`make-series` would make {count} bins; at most {MAX_BINS} are allowed"
            ),
            span: plan.span,
            label: "too many bins".to_owned(),
            help: Some("use a larger step or a shorter range".to_owned()),
        }));
    }
    Ok(count.max(0) as usize)
}

/// The position of the bin that starts at `bin`.
fn bin_index(start: Point, step: Point, bin: Point) -> Option<usize> {
    let index = match (start, step, bin) {
        (Point::Whole(s), Point::Whole(st), Point::Whole(b)) => (b - s) / st,
        _ => ((as_real(bin) - as_real(start)) / as_real(step)).round() as i128,
    };
    usize::try_from(index).ok()
}

/// The axis's values, as the array of its column.
fn axis_values(start: Point, step: Point, bins: usize, ty: KqlType) -> Json {
    let values = (0..bins).map(|i| match (start, step) {
        (Point::Whole(s), Point::Whole(st)) => Point::Whole(s + st * i as i128),
        _ => Point::Real(as_real(start) + as_real(step) * i as f64),
    });
    let items = values.map(|p| match (ty, p) {
        (KqlType::Datetime, Point::Whole(v)) => {
            json_value(&TimestampNanosecondArray::from(vec![v as i64]).with_timezone("UTC"), 0, ty)
        }
        (KqlType::Timespan, Point::Whole(v)) => {
            json_value(&DurationNanosecondArray::from(vec![v as i64]), 0, ty)
        }
        (KqlType::Real, p) => Json::from(as_real(p)),
        (_, Point::Whole(v)) => Json::from(v as i64),
        (_, Point::Real(v)) => Json::from(v),
    });
    Json::Array(items.collect())
}

/// What an empty bin holds: the default, as a value of the aggregation's
/// type (`default = 0` of an `avg` is `0.0`).
fn default_json(default: &Value, ty: KqlType) -> Json {
    match (default, ty) {
        (Value::Null, _) => Json::Null,
        (Value::Long(v), KqlType::Real) => Json::from(*v as f64),
        (Value::Int(v), KqlType::Real) => Json::from(f64::from(*v)),
        (Value::Bool(v), _) => Json::from(*v),
        (Value::Int(v), _) => Json::from(*v),
        (Value::Long(v), _) => Json::from(*v),
        (Value::Real(v), _) => Json::from(*v),
        (Value::String(v), _) => Json::from(v.clone()),
        (Value::Datetime(v), _) => json_value(
            &TimestampNanosecondArray::from(vec![*v]).with_timezone("UTC"),
            0,
            KqlType::Datetime,
        ),
        (Value::Timespan(v), _) => {
            json_value(&DurationNanosecondArray::from(vec![*v]), 0, KqlType::Timespan)
        }
        (Value::Dynamic(v), _) => v.clone(),
    }
}
