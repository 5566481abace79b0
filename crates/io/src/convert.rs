//! From source values to typed Arrow columns, whatever the file format.
//!
//! A loader reduces each value it reads to a [`Cell`]: what kind of value the
//! file held (a JSON string, number, object, …) and its text. A
//! [`ColumnBuilder`] turns cells into one KQL type's Arrow array; a value that
//! does not fit the type becomes null and is reported by the caller. [`infer`]
//! picks a type for a column that no schema names, from the kinds and texts
//! of its cells.

use std::borrow::Cow;
use std::sync::Arc;

use calypso_syntax::KqlType;
use calypso_syntax::literal::{
    format_datetime, format_timespan, looks_like_iso_datetime, parse_datetime, parse_timespan,
};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, DurationNanosecondBuilder, Float64Builder,
    Int32Builder, Int64Builder, StringBuilder, TimestampNanosecondBuilder,
};
use datafusion::arrow::datatypes::{
    DurationNanosecondType, Float64Type, Int32Type, Int64Type, TimestampNanosecondType,
};
use serde_json::Value;

/// What kind of value a file held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Absent or `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number without fraction or exponent that fits an `i64`.
    Int,
    /// Any other number.
    Real,
    /// A string.
    Str,
    /// An array or an object, as compact JSON text.
    Json,
}

/// One value: its kind and its text (a string's own characters, a number's
/// digits, compact JSON for arrays and objects).
#[derive(Clone, Debug)]
pub(crate) struct Cell<'a> {
    pub(crate) kind: Kind,
    pub(crate) text: Cow<'a, str>,
}

impl<'a> Cell<'a> {
    pub(crate) const NULL: Cell<'static> = Cell { kind: Kind::Null, text: Cow::Borrowed("") };

    /// A JSON value as a cell; strings are borrowed.
    pub(crate) fn from_json(value: &'a Value) -> Self {
        let (kind, text) = match value {
            Value::Null => return Cell::NULL,
            Value::Bool(b) => (Kind::Bool, Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Number(n) if n.is_i64() => (Kind::Int, Cow::Owned(n.to_string())),
            Value::Number(n) => (Kind::Real, Cow::Owned(n.to_string())),
            Value::String(s) => (Kind::Str, Cow::Borrowed(s.as_str())),
            Value::Array(_) | Value::Object(_) => (Kind::Json, Cow::Owned(value.to_string())),
        };
        Cell { kind, text }
    }

    /// The value as it would be written in JSON, for reports.
    pub(crate) fn to_json_text(&self) -> String {
        match self.kind {
            Kind::Null => "null".to_owned(),
            Kind::Str => Value::String(self.text.to_string()).to_string(),
            _ => self.text.to_string(),
        }
    }
}

/// The KQL type one cell suggests, for columns no schema names.
fn suggested_type(cell: &Cell) -> Option<KqlType> {
    Some(match cell.kind {
        Kind::Null => return None,
        Kind::Bool => KqlType::Bool,
        Kind::Int => KqlType::Long,
        Kind::Real => KqlType::Real,
        Kind::Str if looks_like_iso_datetime(&cell.text) => KqlType::Datetime,
        Kind::Str => KqlType::String,
        Kind::Json => KqlType::Dynamic,
    })
}

/// The running type of an unnamed column after seeing `cell`.
pub(crate) fn infer(so_far: Option<KqlType>, cell: &Cell) -> Option<KqlType> {
    let Some(this) = suggested_type(cell) else { return so_far };
    Some(match so_far {
        None => this,
        Some(ty) => unify(ty, this),
    })
}

/// The running type of an unnamed column of a text format (CSV), where every
/// value is text. Only what text cannot mean otherwise is typed: JSON arrays
/// and objects are `dynamic`, ISO 8601 instants `datetime`. Numbers and
/// booleans stay `string`, so that a column of result codes such as `"0"` and
/// `"50126"` still compares with `"0"` as it does in Sentinel, where such
/// columns are strings.
pub(crate) fn infer_text(so_far: Option<KqlType>, cell: &Cell) -> Option<KqlType> {
    let this = match cell.kind {
        Kind::Null => return so_far,
        _ if is_json_container(&cell.text) => KqlType::Dynamic,
        _ if looks_like_iso_datetime(&cell.text) => KqlType::Datetime,
        _ => KqlType::String,
    };
    // Any mixture (JSON in some rows, not in others) is text.
    Some(match so_far {
        Some(ty) if ty != this => KqlType::String,
        _ => this,
    })
}

fn is_json_container(text: &str) -> bool {
    let text = text.trim();
    (text.starts_with('{') || text.starts_with('['))
        && matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(_) | Value::Array(_)))
}

/// The values of a typed array of KQL type `ty` as cells, for converting
/// them to another type.
pub(crate) fn typed_cells(array: &dyn Array, ty: KqlType) -> Vec<Cell<'static>> {
    let cell = |kind, text: String| Cell { kind, text: Cow::Owned(text) };
    (0..array.len())
        .map(|i| {
            if array.is_null(i) {
                return Cell::NULL;
            }
            match ty {
                KqlType::String | KqlType::Guid => {
                    cell(Kind::Str, array.as_string::<i32>().value(i).to_owned())
                }
                KqlType::Dynamic => cell(Kind::Json, array.as_string::<i32>().value(i).to_owned()),
                KqlType::Bool => cell(Kind::Bool, array.as_boolean().value(i).to_string()),
                KqlType::Int => {
                    cell(Kind::Int, array.as_primitive::<Int32Type>().value(i).to_string())
                }
                KqlType::Long => {
                    cell(Kind::Int, array.as_primitive::<Int64Type>().value(i).to_string())
                }
                KqlType::Real | KqlType::Decimal => {
                    cell(Kind::Real, array.as_primitive::<Float64Type>().value(i).to_string())
                }
                KqlType::Datetime => cell(
                    Kind::Str,
                    format_datetime(array.as_primitive::<TimestampNanosecondType>().value(i)),
                ),
                KqlType::Timespan => cell(
                    Kind::Str,
                    format_timespan(array.as_primitive::<DurationNanosecondType>().value(i)),
                ),
            }
        })
        .collect()
}

/// The type of a column whose values suggest both `a` and `b`.
pub(crate) fn unify(a: KqlType, b: KqlType) -> KqlType {
    use KqlType::*;
    match (a, b) {
        (a, b) if a == b => a,
        (Long | Real, Long | Real) => Real,
        (Dynamic, _) | (_, Dynamic) => Dynamic,
        // Mixed scalars (a datetime-looking string among others, numbers and
        // text) stay text, which loses nothing.
        _ => String,
    }
}

/// Builds one column of one KQL type from cells.
pub(crate) enum ColumnBuilder {
    /// `string`, or `guid` (stored lower-case).
    Text {
        builder: StringBuilder,
        guid: bool,
    },
    /// `dynamic`, as compact JSON text.
    Dynamic(StringBuilder),
    Datetime(TimestampNanosecondBuilder),
    Timespan(DurationNanosecondBuilder),
    Long(Int64Builder),
    Int(Int32Builder),
    Real(Float64Builder),
    Bool(BooleanBuilder),
}

impl ColumnBuilder {
    /// A builder for `ty`. `decimal` is stored as `real` until it has a type
    /// of its own.
    pub(crate) fn new(ty: KqlType) -> Self {
        match ty {
            KqlType::String => ColumnBuilder::Text { builder: StringBuilder::new(), guid: false },
            KqlType::Guid => ColumnBuilder::Text { builder: StringBuilder::new(), guid: true },
            KqlType::Dynamic => ColumnBuilder::Dynamic(StringBuilder::new()),
            KqlType::Datetime => {
                ColumnBuilder::Datetime(TimestampNanosecondBuilder::new().with_timezone("UTC"))
            }
            KqlType::Timespan => ColumnBuilder::Timespan(DurationNanosecondBuilder::new()),
            KqlType::Long => ColumnBuilder::Long(Int64Builder::new()),
            KqlType::Int => ColumnBuilder::Int(Int32Builder::new()),
            KqlType::Real | KqlType::Decimal => ColumnBuilder::Real(Float64Builder::new()),
            KqlType::Bool => ColumnBuilder::Bool(BooleanBuilder::new()),
        }
    }

    /// Appends `cell`; false when it does not fit the type, in which case a
    /// null is appended instead. A missing string is `""`; for other types
    /// a missing value and an empty string are null.
    pub(crate) fn append(&mut self, cell: &Cell) -> bool {
        let text = cell.text.as_ref();
        let empty = cell.kind == Kind::Null || (cell.kind == Kind::Str && text.trim().is_empty());
        match self {
            ColumnBuilder::Text { builder, guid } => {
                match cell.kind {
                    Kind::Null => builder.append_value(""),
                    _ if *guid => builder.append_value(text.to_ascii_lowercase()),
                    _ => builder.append_value(text),
                }
                true
            }
            ColumnBuilder::Dynamic(builder) => {
                match cell.kind {
                    Kind::Null => builder.append_null(),
                    // Exports write dynamic columns as JSON text; Kusto parses it.
                    Kind::Str => match serde_json::from_str::<Value>(text) {
                        Ok(parsed @ (Value::Object(_) | Value::Array(_))) => {
                            builder.append_value(parsed.to_string())
                        }
                        _ => builder.append_value(Value::String(text.to_owned()).to_string()),
                    },
                    _ => builder.append_value(text),
                }
                true
            }
            ColumnBuilder::Datetime(builder) => {
                fill(builder, empty, (cell.kind == Kind::Str).then(|| parse_datetime(text)))
            }
            ColumnBuilder::Timespan(builder) => {
                fill(builder, empty, (cell.kind == Kind::Str).then(|| parse_timespan(text)))
            }
            ColumnBuilder::Long(builder) => fill(builder, empty, Some(to_i64(cell))),
            ColumnBuilder::Int(builder) => {
                fill(builder, empty, Some(to_i64(cell).and_then(|n| i32::try_from(n).ok())))
            }
            ColumnBuilder::Real(builder) => {
                let number = matches!(cell.kind, Kind::Int | Kind::Real | Kind::Str);
                fill(builder, empty, number.then(|| text.trim().parse::<f64>().ok()))
            }
            ColumnBuilder::Bool(builder) => {
                let value = match cell.kind {
                    Kind::Bool => Some(text == "true"),
                    Kind::Int | Kind::Real => text.parse::<f64>().ok().map(|n| n != 0.0),
                    Kind::Str => match text.trim().to_ascii_lowercase().as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    },
                    Kind::Null | Kind::Json => None,
                };
                if empty {
                    builder.append_null();
                    return true;
                }
                builder.append_option(value);
                value.is_some()
            }
        }
    }

    /// The finished array.
    pub(crate) fn finish(self) -> ArrayRef {
        match self {
            ColumnBuilder::Text { mut builder, .. } | ColumnBuilder::Dynamic(mut builder) => {
                Arc::new(builder.finish())
            }
            ColumnBuilder::Datetime(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Timespan(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Long(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Int(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Real(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Bool(mut b) => Arc::new(b.finish()),
        }
    }
}

/// Appends a converted primitive: null for an empty value, the value when
/// `converted` is `Some(Some(v))`, and null reported as a failure otherwise
/// (`None`: the wrong kind of value; `Some(None)`: text that does not parse).
fn fill<T: datafusion::arrow::datatypes::ArrowPrimitiveType>(
    builder: &mut datafusion::arrow::array::PrimitiveBuilder<T>,
    empty: bool,
    converted: Option<Option<T::Native>>,
) -> bool {
    if empty {
        builder.append_null();
        return true;
    }
    let value = converted.flatten();
    builder.append_option(value);
    value.is_some()
}

/// An integer from an integer, an integral real, or integer text.
fn to_i64(cell: &Cell) -> Option<i64> {
    let text = cell.text.trim();
    match cell.kind {
        Kind::Int | Kind::Str => text.parse().ok(),
        Kind::Real => text
            .parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
            .map(|f| f as i64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, Int64Array, StringArray};

    fn cell(kind: Kind, text: &str) -> Cell<'_> {
        Cell { kind, text: Cow::Borrowed(text) }
    }

    #[test]
    fn inference_widens_and_falls_back_to_text() {
        let ty = |cells: &[Cell]| cells.iter().fold(None, infer);
        assert_eq!(ty(&[cell(Kind::Int, "1"), cell(Kind::Real, "1.5")]), Some(KqlType::Real));
        assert_eq!(ty(&[cell(Kind::Str, "2026-12-03T10:00:00Z")]), Some(KqlType::Datetime));
        assert_eq!(
            ty(&[cell(Kind::Str, "2026-12-03T10:00:00Z"), cell(Kind::Str, "x")]),
            Some(KqlType::String)
        );
        assert_eq!(ty(&[Cell::NULL, cell(Kind::Json, "[1]")]), Some(KqlType::Dynamic));
        assert_eq!(ty(&[Cell::NULL]), None);
    }

    #[test]
    fn empty_values_are_null_except_for_strings() {
        let mut long = ColumnBuilder::new(KqlType::Long);
        assert!(long.append(&cell(Kind::Str, "")));
        assert!(long.append(&cell(Kind::Str, " 7 ")));
        assert!(long.append(&cell(Kind::Real, "3.0")));
        assert!(!long.append(&cell(Kind::Str, "x")));
        let long = long.finish();
        let long = long.as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(long.iter().collect::<Vec<_>>(), [None, Some(7), Some(3), None]);

        let mut text = ColumnBuilder::new(KqlType::String);
        text.append(&Cell::NULL);
        text.append(&cell(Kind::Int, "5"));
        let text = text.finish();
        let text = text.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!((text.value(0), text.is_null(0), text.value(1)), ("", false, "5"));
    }

    #[test]
    fn dynamic_columns_parse_json_text() {
        let mut dynamic = ColumnBuilder::new(KqlType::Dynamic);
        dynamic.append(&cell(Kind::Str, "[ {\"a\": 1} ]"));
        dynamic.append(&cell(Kind::Str, "plain"));
        dynamic.append(&Cell::NULL);
        let array = dynamic.finish();
        let array = array.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(array.value(0), "[{\"a\":1}]");
        assert_eq!(array.value(1), "\"plain\"");
        assert!(array.is_null(2));
    }
}
