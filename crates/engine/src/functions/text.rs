//! Values as Kusto writes them: the text form (`tostring`, table cells) and
//! the JSON form (dynamic arrays, `-f json`).
//!
//! kql-semantics.md §5.5, §6.2 and §8: datetimes with seven fractional digits,
//! timespans as `[d.]hh:mm:ss[.fffffff]`, `tostring(true)` is `True`, a
//! dynamic string's text is the string without quotes, null's text is `""`.

use std::sync::Arc;

use calypso_syntax::KqlType;
use calypso_syntax::literal::{format_datetime, format_timespan};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::{
    DurationNanosecondType, Float64Type, Int32Type, Int64Type, TimestampNanosecondType,
};
use datafusion::common::Result;
use serde_json::Value;

/// A real as Kusto prints it: shortest round-trip digits, `NaN`, `Infinity`.
pub fn format_real(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity".to_owned() } else { "-Infinity".to_owned() }
    } else {
        format!("{v}")
    }
}

/// A real as a dynamic value holds it: NaN and the infinities as text.
pub(crate) fn real_value(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or_else(|| Value::String(format_real(v)), Value::Number)
}

/// The JSON form of row `row` of `array`, whose KQL type is `ty`.
pub fn json_value(array: &dyn Array, row: usize, ty: KqlType) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match ty {
        KqlType::Bool => Value::Bool(array.as_boolean().value(row)),
        KqlType::Int => Value::from(array.as_primitive::<Int32Type>().value(row)),
        KqlType::Long => Value::from(array.as_primitive::<Int64Type>().value(row)),
        KqlType::Real => real_value(array.as_primitive::<Float64Type>().value(row)),
        KqlType::Datetime => Value::String(format_datetime(
            array.as_primitive::<TimestampNanosecondType>().value(row),
        )),
        KqlType::Timespan => Value::String(format_timespan(
            array.as_primitive::<DurationNanosecondType>().value(row),
        )),
        KqlType::String | KqlType::Guid => {
            Value::String(array.as_string::<i32>().value(row).to_owned())
        }
        KqlType::Dynamic => {
            let text = array.as_string::<i32>().value(row);
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
        }
        KqlType::Decimal => Value::String("<decimal>".to_owned()),
    }
}

/// The text form of a JSON (dynamic) value: strings unquoted, null empty,
/// everything else compact JSON.
pub fn dynamic_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `tostring` of row `row`: null is `""`, bools are `True`/`False`.
pub fn text(array: &dyn Array, row: usize, ty: KqlType) -> String {
    if array.is_null(row) {
        return String::new();
    }
    match ty {
        KqlType::Bool => if array.as_boolean().value(row) { "True" } else { "False" }.to_owned(),
        KqlType::Real => format_real(array.as_primitive::<Float64Type>().value(row)),
        KqlType::Dynamic => dynamic_text(&json_value(array, row, ty)),
        _ => dynamic_text(&json_value(array, row, ty)),
    }
}

/// A `tostring` kernel for inputs of type `ty`.
pub(crate) fn to_string_kernel(ty: KqlType) -> super::Kernel {
    macro_rules! kernel {
        ($ty:expr) => {{
            fn k(args: &[ArrayRef]) -> Result<ArrayRef> {
                let a = &args[0];
                Ok(Arc::new(
                    (0..a.len()).map(|i| Some(text(a.as_ref(), i, $ty))).collect::<StringArray>(),
                ))
            }
            k
        }};
    }
    match ty {
        KqlType::Bool => kernel!(KqlType::Bool),
        KqlType::Int => kernel!(KqlType::Int),
        KqlType::Long => kernel!(KqlType::Long),
        KqlType::Real => kernel!(KqlType::Real),
        KqlType::Decimal => kernel!(KqlType::Decimal),
        KqlType::String => kernel!(KqlType::String),
        KqlType::Datetime => kernel!(KqlType::Datetime),
        KqlType::Timespan => kernel!(KqlType::Timespan),
        KqlType::Guid => kernel!(KqlType::Guid),
        KqlType::Dynamic => kernel!(KqlType::Dynamic),
    }
}
