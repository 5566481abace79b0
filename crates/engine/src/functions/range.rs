//! `range`: the values from one bound to another, inclusive, by a step.
//!
//! The bounds arrive evaluated (one row each). Integers, datetimes and
//! timespans step in exact integer arithmetic; reals are `from + i * step`,
//! so that rounding does not accumulate.

use std::sync::Arc;

use calypso_syntax::{KqlType, Span};
use datafusion::arrow::array::{
    Array, ArrayRef, DurationNanosecondArray, Float64Array, Int64Array, TimestampNanosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;

use crate::QueryError;

/// The most rows one `range` may make.
pub(crate) const MAX_ROWS: u64 = 100_000_000;

/// The values of a `range` of type `ty` between the bounds `from` and `to`.
pub(crate) fn values(
    ty: KqlType,
    from: &ArrayRef,
    to: &ArrayRef,
    step: &ArrayRef,
    span: Span,
) -> Result<ArrayRef, QueryError> {
    let as_i64 = |a: &ArrayRef| -> Result<Option<i64>, QueryError> {
        let a = cast(a, &DataType::Int64).map_err(|e| QueryError::internal(e.to_string()))?;
        let a = a.as_any().downcast_ref::<Int64Array>().expect("cast to Int64");
        Ok((!a.is_null(0)).then(|| a.value(0)))
    };
    if ty == KqlType::Real {
        let as_f64 = |a: &ArrayRef| -> Result<Option<f64>, QueryError> {
            let a = cast(a, &DataType::Float64).map_err(|e| QueryError::internal(e.to_string()))?;
            let a = a.as_any().downcast_ref::<Float64Array>().expect("cast to Float64");
            Ok((!a.is_null(0)).then(|| a.value(0)))
        };
        let (Some(from), Some(to), Some(step)) = (as_f64(from)?, as_f64(to)?, as_f64(step)?) else {
            return Ok(Arc::new(Float64Array::from(Vec::<f64>::new())));
        };
        if step == 0.0 || !step.is_finite() {
            return Err(bad_step(span));
        }
        let n = ((to - from) / step).floor();
        let n = if n.is_finite() && n >= 0.0 { n as u64 + 1 } else { 0 };
        check_size(n, span)?;
        return Ok(Arc::new(Float64Array::from_iter_values(
            (0..n).map(|i| from + i as f64 * step),
        )));
    }

    let (Some(from), Some(to), Some(step)) = (as_i64(from)?, as_i64(to)?, as_i64(step)?) else {
        return Ok(empty(ty));
    };
    if step == 0 {
        return Err(bad_step(span));
    }
    let span_len = i128::from(to) - i128::from(from);
    let n = if (span_len >= 0) == (step > 0) || span_len == 0 {
        (span_len / i128::from(step)) as u64 + 1
    } else {
        0
    };
    check_size(n, span)?;
    let values = (0..n as i64).map(|i| from + i * step);
    Ok(match ty {
        KqlType::Datetime => {
            Arc::new(TimestampNanosecondArray::from_iter_values(values).with_timezone("UTC"))
        }
        KqlType::Timespan => Arc::new(DurationNanosecondArray::from_iter_values(values)),
        _ => Arc::new(Int64Array::from_iter_values(values)),
    })
}

fn empty(ty: KqlType) -> ArrayRef {
    match ty {
        KqlType::Datetime => {
            Arc::new(TimestampNanosecondArray::from(Vec::<i64>::new()).with_timezone("UTC"))
        }
        KqlType::Timespan => Arc::new(DurationNanosecondArray::from(Vec::<i64>::new())),
        _ => Arc::new(Int64Array::from(Vec::<i64>::new())),
    }
}

fn check_size(n: u64, span: Span) -> Result<(), QueryError> {
    if n > MAX_ROWS {
        return Err(QueryError::Limit {
            message: format!("`range` would make {n} rows; at most {MAX_ROWS} are allowed"),
            span,
        });
    }
    Ok(())
}

fn bad_step(span: Span) -> QueryError {
    QueryError::Limit { message: "`range` needs a non-zero step".to_owned(), span }
}
