//! Functions on dynamic values: member access, arrays and sets, equality.
//!
//! FIXME: dynamic values are JSON text (design.md §2), so every function here
//! parses its input per row; a typed representation is the planned fix.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Result;
use serde_json::Value;

fn parse(array: &dyn Array, row: usize) -> Option<Value> {
    if array.is_null(row) {
        return None;
    }
    let text = array.as_string::<i32>().value(row);
    Some(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
}

fn to_text(value: Option<Value>) -> Option<String> {
    value.filter(|v| !v.is_null()).map(|v| v.to_string())
}

/// `d.key`, `d["key"]`, `d[i]`, `d[-1]`: null when absent, never an error.
pub(crate) fn dynamic_get(args: &[ArrayRef]) -> Result<ArrayRef> {
    let (base, key) = (&args[0], &args[1]);
    let out: StringArray = (0..base.len())
        .map(|i| {
            let value = parse(base.as_ref(), i)?;
            if key.is_null(i) {
                return None;
            }
            let member = match key.data_type() {
                DataType::Utf8 => value.get(key.as_string::<i32>().value(i)).cloned(),
                DataType::Int64 => index(&value, key.as_primitive::<Int64Type>().value(i)),
                _ => None,
            };
            to_text(member)
        })
        .collect();
    Ok(Arc::new(out))
}

fn index(value: &Value, i: i64) -> Option<Value> {
    let items = value.as_array()?;
    let idx = if i < 0 { items.len() as i64 + i } else { i };
    usize::try_from(idx).ok().and_then(|idx| items.get(idx)).cloned()
}

/// `array_length(a)`: null for anything but an array.
pub(crate) fn array_length(args: &[ArrayRef]) -> Result<ArrayRef> {
    let a = &args[0];
    let out: Int64Array = (0..a.len())
        .map(|i| parse(a.as_ref(), i)?.as_array().map(|items| items.len() as i64))
        .collect();
    Ok(Arc::new(out))
}

/// `set_difference(a, b, ...)`: the distinct elements of `a` that are in none
/// of the others, in order of first appearance; null unless all are arrays.
pub(crate) fn set_difference(args: &[ArrayRef]) -> Result<ArrayRef> {
    let rows = args[0].len();
    let out: StringArray = (0..rows)
        .map(|i| {
            let first = parse(args[0].as_ref(), i)?;
            let first = first.as_array()?;
            let mut others = Vec::new();
            for arg in &args[1..] {
                others.extend(parse(arg.as_ref(), i)?.as_array()?.iter().cloned());
            }
            let mut result: Vec<Value> = Vec::new();
            for item in first {
                if !others.contains(item) && !result.contains(item) {
                    result.push(item.clone());
                }
            }
            Some(Value::Array(result).to_string())
        })
        .collect();
    Ok(Arc::new(out))
}

/// `a == b` on dynamics, structurally: null when both are null, false when
/// one is. (Kusto refuses the comparison; design.md §3.)
pub(crate) fn dynamic_equals(args: &[ArrayRef]) -> Result<ArrayRef> {
    let (a, b) = (&args[0], &args[1]);
    let out: BooleanArray = (0..a.len())
        .map(|i| match (parse(a.as_ref(), i), parse(b.as_ref(), i)) {
            (None, None) => None,
            (Some(x), Some(y)) => Some(x == y),
            _ => Some(false),
        })
        .collect();
    Ok(Arc::new(out))
}

/// One step of a JSONPath.
enum Step {
    Member(String),
    Index(i64),
}

/// `$`, then `.name`, `['name']`, `["name"]` and `[n]` steps: the JSONPath
/// that `extract_json` reads; `None` for anything else (wildcards, `..`,
/// filters).
fn json_path(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.trim().strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let name = &after[..end];
            if name.is_empty() || name == "*" || name.starts_with('.') {
                return None;
            }
            steps.push(Step::Member(name.to_owned()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inside = after[..end].trim();
            let quoted = inside
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inside.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
            steps.push(match quoted {
                Some(name) => Step::Member(name.to_owned()),
                None => Step::Index(inside.parse().ok()?),
            });
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

/// `extract_json(path, text)`: the element `path` names in the JSON
/// `text`, as text (a string as itself, anything else as JSON); `""` when
/// the text is not JSON or has no such element.
pub(crate) fn extract_json(args: &[ArrayRef]) -> Result<ArrayRef> {
    let (paths, texts) = (args[0].as_string::<i32>(), args[1].as_string::<i32>());
    let mut out = Vec::with_capacity(texts.len());
    for row in 0..texts.len() {
        if paths.is_null(row) || texts.is_null(row) {
            out.push(Some(String::new()));
            continue;
        }
        let path = paths.value(row);
        let Some(steps) = json_path(path) else {
            return Err(datafusion::common::DataFusionError::Execution(format!(
                "`extract_json`: the JSONPath `{path}` is not supported; use `$.a.b`, `$['a']` and `$.a[0]`"
            )));
        };
        let Ok(mut value) = serde_json::from_str::<Value>(texts.value(row)) else {
            out.push(Some(String::new()));
            continue;
        };
        let mut found = true;
        for step in &steps {
            let next = match step {
                Step::Member(name) => value.get(name).cloned(),
                Step::Index(i) => index(&value, *i),
            };
            match next {
                Some(v) => value = v,
                None => {
                    found = false;
                    break;
                }
            }
        }
        out.push(Some(match value {
            _ if !found => String::new(),
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        }));
    }
    Ok(Arc::new(out.into_iter().collect::<StringArray>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(values.to_vec()))
    }

    #[test]
    fn set_difference_keeps_first_appearance_order() {
        let a = strings(&[
            Some(r#"["1.1.1.1","2.2.2.2","1.1.1.1"]"#),
            Some("[1,2,3]"),
            None,
            Some("{}"),
        ]);
        let b = strings(&[Some(r#"["2.2.2.2"]"#), Some("[1,2,3]"), Some("[]"), Some("[]")]);
        let out = set_difference(&[a, b]).unwrap();
        let out = out.as_string::<i32>();
        assert_eq!(out.value(0), r#"["1.1.1.1"]"#);
        assert_eq!(out.value(1), "[]");
        assert!(out.is_null(2));
        assert!(out.is_null(3));
    }

    #[test]
    fn member_access_never_fails() {
        let base =
            strings(&[Some(r#"{"a":{"b":1}}"#), Some("[10,20,30]"), Some("[10,20,30]"), Some("5")]);
        let keys: ArrayRef = Arc::new(StringArray::from(vec!["a", "x", "x", "x"]));
        let out = dynamic_get(&[base.clone(), keys]).unwrap();
        assert_eq!(out.as_string::<i32>().value(0), r#"{"b":1}"#);
        assert!(out.is_null(1));
        let idx: ArrayRef = Arc::new(Int64Array::from(vec![0, -1, 7, 0]));
        let out = dynamic_get(&[base, idx]).unwrap();
        assert!(out.is_null(0));
        assert_eq!(out.as_string::<i32>().value(1), "30");
        assert!(out.is_null(2));
    }

    #[test]
    fn equality_is_structural() {
        let a = strings(&[Some("[]"), Some(r#"{"a":1,"b":2}"#), Some("[1]"), None, None]);
        let b = strings(&[Some("[]"), Some(r#"{"b":2,"a":1}"#), Some("[2]"), Some("[]"), None]);
        let out = dynamic_equals(&[a, b]).unwrap();
        let out = out.as_boolean();
        assert_eq!(
            (0..5).map(|i| out.is_valid(i).then(|| out.value(i))).collect::<Vec<_>>(),
            [Some(true), Some(true), Some(false), Some(false), None]
        );
    }
}
