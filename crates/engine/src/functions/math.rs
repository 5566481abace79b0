//! Numeric helpers.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::Result;

/// Whether each real is NaN (null stays null).
pub(crate) fn is_nan(args: &[ArrayRef]) -> Result<ArrayRef> {
    let values = cast(&args[0], &DataType::Float64)?;
    let values = values.as_primitive::<Float64Type>();
    Ok(Arc::new(values.iter().map(|v| v.map(f64::is_nan)).collect::<BooleanArray>()))
}
