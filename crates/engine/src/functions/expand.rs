//! The pieces of `mv-expand`: a dynamic value's elements as a list, and
//! their positions. DataFusion's unnest does the rest.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Builder, ListBuilder, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::Result;
use serde_json::Value;

/// The type of an element list: JSON texts.
pub(crate) fn element_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

/// The type of a position list.
pub(crate) fn position_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
}

/// `(value, bags_as_arrays, limit)`: an array's elements, a bag's
/// properties (as one-property bags, or `[key, value]` pairs), or a scalar
/// on its own, at most `limit` of them; null stays null.
pub(crate) fn elements(args: &[ArrayRef]) -> Result<ArrayRef> {
    let values = args[0].as_string::<i32>();
    let as_arrays = args[1].as_boolean().value(0);
    let limit =
        usize::try_from(args[2].as_primitive::<datafusion::arrow::datatypes::Int64Type>().value(0))
            .unwrap_or(usize::MAX);
    let mut out = ListBuilder::new(StringBuilder::new());
    for row in 0..values.len() {
        if values.is_null(row) {
            out.append_null();
            continue;
        }
        let parsed: Value = serde_json::from_str(values.value(row)).unwrap_or(Value::Null);
        let items: Vec<Value> = match parsed {
            Value::Null => {
                out.append_null();
                continue;
            }
            Value::Array(items) => items,
            Value::Object(bag) if as_arrays => {
                bag.into_iter().map(|(k, v)| Value::Array(vec![Value::String(k), v])).collect()
            }
            Value::Object(bag) => bag
                .into_iter()
                .map(|(k, v)| Value::Object(std::iter::once((k, v)).collect()))
                .collect(),
            scalar => vec![scalar],
        };
        for item in items.into_iter().take(limit) {
            out.values().append_value(item.to_string());
        }
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}

/// `0..n` for the longest of the element lists of each row (null when all
/// are null), for `with_itemindex`.
pub(crate) fn positions(args: &[ArrayRef]) -> Result<ArrayRef> {
    let lists: Vec<_> = args.iter().map(|a| a.as_list::<i32>()).collect();
    let rows = lists.first().map_or(0, |l| l.len());
    let mut out = ListBuilder::new(Int64Builder::new());
    for row in 0..rows {
        let longest = lists.iter().filter(|l| !l.is_null(row)).map(|l| l.value_length(row)).max();
        match longest {
            None => out.append_null(),
            Some(n) => {
                (0..i64::from(n)).for_each(|i| out.values().append_value(i));
                out.append(true);
            }
        }
    }
    Ok(Arc::new(out.finish()))
}
