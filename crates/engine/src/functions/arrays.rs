//! Library kernels over dynamic arrays and property bags (kql-semantics.md
//! §6.5). Arguments arrive as JSON text; a value that is not an array (or
//! bag) where one is needed gives null.

use std::sync::Arc;

use calypso_syntax::KqlType;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Result;
use serde_json::Value;

use super::text::{dynamic_text, json_value};

fn rows(args: &[ArrayRef]) -> usize {
    args.first().map_or(1, |a| a.len())
}

fn value(args: &[ArrayRef], i: usize, row: usize) -> Value {
    json_value(args[i].as_ref(), row, KqlType::Dynamic)
}

fn dynamic(values: impl Iterator<Item = Option<Value>>) -> ArrayRef {
    Arc::new(values.map(|v| v.map(|v| v.to_string())).collect::<StringArray>())
}

fn longs(a: &ArrayRef) -> Result<Int64Array> {
    Ok(cast(a, &DataType::Int64)?.as_primitive::<Int64Type>().clone())
}

/// `array_concat(a, b, ...)`: an argument that is not an array (a bag, a
/// null) adds nothing (oracle r1-dynamic-json-0042, t1-dynamic-json-0006).
pub(crate) fn array_concat(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let mut out = Vec::new();
        for i in 0..args.len() {
            if let Value::Array(items) = value(args, i, r) {
                out.extend(items);
            }
        }
        Some(Value::Array(out))
    })))
}

/// `array_slice(a, start, end)`: inclusive; negative indexes count from
/// the end.
pub(crate) fn array_slice(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (starts, ends) = (longs(&args[1])?, longs(&args[2])?);
    Ok(dynamic((0..rows(args)).map(|r| {
        let Value::Array(items) = value(args, 0, r) else { return None };
        if starts.is_null(r) || ends.is_null(r) {
            return None;
        }
        let n = items.len() as i64;
        let at = |i: i64| if i < 0 { n + i } else { i };
        let (start, end) = (at(starts.value(r)).max(0), at(ends.value(r)).min(n - 1));
        let slice =
            if start > end { Vec::new() } else { items[start as usize..=end as usize].to_vec() };
        Some(Value::Array(slice))
    })))
}

/// The order `array_sort_asc` uses: numbers by value, then strings,
/// others by their text; nulls are placed by the caller.
fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => dynamic_text(a).cmp(&dynamic_text(b)),
    }
}

fn sort(args: &[ArrayRef], descending: bool) -> ArrayRef {
    dynamic((0..rows(args)).map(|r| {
        let Value::Array(items) = value(args, 0, r) else { return None };
        let (mut present, nulls): (Vec<Value>, Vec<Value>) =
            items.into_iter().partition(|v| !v.is_null());
        present.sort_by(|a, b| if descending { compare(b, a) } else { compare(a, b) });
        present.extend(nulls);
        Some(Value::Array(present))
    }))
}

/// `array_sort_asc(a)`: nulls last.
pub(crate) fn array_sort_asc(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(sort(args, false))
}

/// `array_sort_desc(a)`: nulls last.
pub(crate) fn array_sort_desc(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(sort(args, true))
}

/// `bag_keys(bag)`: the keys, in the bag's order; null for a non-bag.
pub(crate) fn bag_keys(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| match value(args, 0, r) {
        Value::Object(bag) => Some(Value::Array(bag.keys().cloned().map(Value::String).collect())),
        _ => None,
    })))
}

/// `dynamic_to_json(d)`: an array or bag as compact JSON with every bag's
/// keys sorted by name, at any depth; any other value as `tostring` writes
/// it.
pub(crate) fn dynamic_to_json(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(bag) => {
                let mut pairs: Vec<_> = bag.iter().collect();
                pairs.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(pairs.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let texts = (0..rows(args)).map(|r| {
        let value = value(args, 0, r);
        Some(match &value {
            Value::Array(_) | Value::Object(_) => sorted(&value).to_string(),
            other => dynamic_text(other),
        })
    });
    Ok(Arc::new(StringArray::from_iter(texts)))
}

/// Distinct values of the arrays, in order of first appearance; `keep`
/// says which to keep given how many arrays hold each.
fn set_op(args: &[ArrayRef], keep: impl Fn(usize, usize) -> bool) -> ArrayRef {
    dynamic((0..rows(args)).map(|r| {
        let arrays: Vec<Vec<Value>> = (0..args.len())
            .map(|i| match value(args, i, r) {
                Value::Array(items) => Some(items),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let mut out: Vec<Value> = Vec::new();
        for item in arrays.iter().flatten() {
            if out.contains(item) {
                continue;
            }
            let holders = arrays.iter().filter(|a| a.contains(item)).count();
            if keep(holders, arrays.len()) {
                out.push(item.clone());
            }
        }
        Some(Value::Array(out))
    }))
}

/// `set_union(a, b, ...)`.
pub(crate) fn set_union(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(set_op(args, |_, _| true))
}

/// `set_intersect(a, b, ...)`.
pub(crate) fn set_intersect(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(set_op(args, |holders, all| holders == all))
}

/// `strcat_array(a, delim)`: the elements' text forms joined.
pub(crate) fn strcat_array(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let delims = args[1].as_string::<i32>();
    Ok(Arc::new(
        (0..rows(args))
            .map(|r| match value(args, 0, r) {
                Value::Array(items) => {
                    let parts: Vec<String> = items.iter().map(dynamic_text).collect();
                    Some(parts.join(delims.value(r)))
                }
                _ => Some(String::new()),
            })
            .collect::<StringArray>(),
    ))
}

/// `array_reverse(a)`.
pub(crate) fn array_reverse(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| match value(args, 0, r) {
        Value::Array(mut items) => {
            items.reverse();
            Some(Value::Array(items))
        }
        _ => None,
    })))
}

/// `array_rotate_left(a, n)` (`direction` 1) and `array_rotate_right`
/// (-1): a negative count rotates the other way.
pub(crate) fn array_rotate(args: &[ArrayRef], direction: i64) -> Result<ArrayRef> {
    let counts = longs(&args[1])?;
    Ok(dynamic((0..rows(args)).map(|r| {
        let Value::Array(mut items) = value(args, 0, r) else { return None };
        if counts.is_null(r) {
            return None;
        }
        if !items.is_empty() {
            let by = counts.value(r).saturating_mul(direction).rem_euclid(items.len() as i64);
            items.rotate_left(by as usize);
        }
        Some(Value::Array(items))
    })))
}

/// `array_shift_left(a, n[, fill])` (`direction` 1) and
/// `array_shift_right` (-1): the elements move `n` places, and the places
/// left behind hold `fill` (null by default); a negative count shifts the
/// other way.
pub(crate) fn array_shift(
    args: &[ArrayRef],
    types: &[KqlType],
    direction: i64,
) -> Result<ArrayRef> {
    let counts = longs(&args[1])?;
    Ok(dynamic((0..rows(args)).map(|r| {
        let Value::Array(items) = value(args, 0, r) else { return None };
        if counts.is_null(r) {
            return None;
        }
        let fill = args.get(2).map_or(Value::Null, |f| json_value(f.as_ref(), r, types[2]));
        let n = items.len();
        let by = counts.value(r).saturating_mul(direction);
        let shift = usize::try_from(by.unsigned_abs()).unwrap_or(usize::MAX).min(n);
        let mut out = Vec::with_capacity(n);
        if by >= 0 {
            out.extend(items[shift..].iter().cloned());
            out.resize(n, fill);
        } else {
            out.resize(shift, fill);
            out.extend(items[..n - shift].iter().cloned());
        }
        Some(Value::Array(out))
    })))
}

/// `array_split(a, i)` or `array_split(a, [i, j, ...])`: the pieces before
/// each (zero-based) index; a negative index counts from the end.
pub(crate) fn array_split(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let Value::Array(items) = value(args, 0, r) else { return None };
        let n = items.len() as i64;
        let indexes: Vec<i64> = match json_value(args[1].as_ref(), r, types[1]) {
            Value::Number(i) => vec![i.as_i64()?],
            Value::Array(list) => list.iter().map(Value::as_i64).collect::<Option<_>>()?,
            _ => return None,
        };
        let mut pieces = Vec::new();
        let mut start = 0;
        for index in indexes {
            let at = if index < 0 { n + index } else { index }.clamp(start, n);
            pieces.push(Value::Array(items[start as usize..at as usize].to_vec()));
            start = at;
        }
        pieces.push(Value::Array(items[start as usize..].to_vec()));
        Some(Value::Array(pieces))
    })))
}

/// `array_sum(a)`: a real; nulls are skipped, and an empty array, or one
/// holding anything but numbers, gives null.
pub(crate) fn array_sum(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(Arc::new(
        (0..rows(args))
            .map(|r| {
                let Value::Array(items) = value(args, 0, r) else { return None };
                let mut numbers = items.iter().filter(|v| !v.is_null()).peekable();
                numbers.peek()?;
                numbers.map(Value::as_f64).sum::<Option<f64>>()
            })
            .collect::<Float64Array>(),
    ))
}

/// `bag_has_key(bag, key)`: the key may be a path `$.a.b` into nested bags.
pub(crate) fn bag_has_key(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let keys = args[1].as_string::<i32>();
    let mut out = Vec::with_capacity(rows(args));
    for r in 0..rows(args) {
        let bag = value(args, 0, r);
        if keys.is_null(r) || !bag.is_object() {
            out.push(None);
            continue;
        }
        let key = keys.value(r);
        let path: Vec<&str> = match key.strip_prefix('$') {
            Some("") => Vec::new(),
            Some(rest) => match rest.strip_prefix('.') {
                Some(names) if !names.contains(['[', ']', '*']) => names.split('.').collect(),
                _ => {
                    return Err(datafusion::common::DataFusionError::Execution(format!(
                        "`bag_has_key`: the path `{key}` is not supported; use `$.a.b`"
                    )));
                }
            },
            None => vec![key],
        };
        let mut at = &bag;
        let mut found = true;
        for name in path {
            match at.get(name) {
                Some(next) => at = next,
                None => {
                    found = false;
                    break;
                }
            }
        }
        out.push(Some(found));
    }
    Ok(Arc::new(BooleanArray::from(out)))
}

/// `array_index_of(a, v)`: the first position of `v`, -1 when absent, null
/// for a non-array.
pub(crate) fn array_index_of(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(Arc::new(
        (0..rows(args))
            .map(|r| {
                let Value::Array(items) = value(args, 0, r) else { return None };
                let wanted = json_value(args[1].as_ref(), r, types[1]);
                Some(items.iter().position(|v| *v == wanted).map_or(-1, |i| i as i64))
            })
            .collect::<Int64Array>(),
    ))
}

/// `bag_merge(b1, b2, ...)`: the leftmost bag's value wins a repeated key.
pub(crate) fn bag_merge(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let mut merged = serde_json::Map::new();
        for i in 0..args.len() {
            if let Value::Object(bag) = value(args, i, r) {
                for (k, v) in bag {
                    merged.entry(k).or_insert(v);
                }
            }
        }
        Some(Value::Object(merged))
    })))
}

/// `bag_remove_keys(bag, keys)`.
pub(crate) fn bag_remove_keys(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let Value::Object(mut bag) = value(args, 0, r) else { return None };
        if let Value::Array(keys) = value(args, 1, r) {
            for key in keys {
                bag.remove(&dynamic_text(&key));
            }
        }
        Some(Value::Object(bag))
    })))
}

/// `zip(a1, a2, ...)`: arrays of the elements at each position, the shorter
/// arrays padded with null.
pub(crate) fn zip(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let arrays: Vec<Vec<Value>> = (0..args.len())
            .map(|i| match value(args, i, r) {
                Value::Array(items) => Some(items),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let longest = arrays.iter().map(Vec::len).max().unwrap_or(0);
        Some(Value::Array(
            (0..longest)
                .map(|i| {
                    Value::Array(
                        arrays.iter().map(|a| a.get(i).cloned().unwrap_or(Value::Null)).collect(),
                    )
                })
                .collect(),
        ))
    })))
}

/// `set_has_element(a, v)`.
pub(crate) fn set_has_element(
    args: &[ArrayRef],
    types: &[KqlType],
    _: KqlType,
) -> Result<ArrayRef> {
    Ok(Arc::new(
        (0..rows(args))
            .map(|r| {
                let Value::Array(items) = value(args, 0, r) else { return None };
                Some(items.contains(&json_value(args[1].as_ref(), r, types[1])))
            })
            .collect::<BooleanArray>(),
    ))
}

/// `range(start, stop[, step])` as a dynamic array: inclusive of `stop`;
/// numbers, or datetimes and timespans stepping by a timespan (as text).
pub(crate) fn range(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    const MAX: usize = 1 << 20;
    Ok(dynamic((0..rows(args)).map(|r| {
        let v = |i: usize| json_value(args[i].as_ref(), r, types[i]);
        let (start, stop) = (v(0), v(1));
        let step = if args.len() > 2 { v(2) } else { Value::from(1) };
        let is_time = matches!(types[0], KqlType::Datetime | KqlType::Timespan);
        if is_time {
            let nanos =
                |i: usize| longs(&args[i]).ok().filter(|a| !a.is_null(r)).map(|a| a.value(r));
            let (a, b) = (nanos(0)?, nanos(1)?);
            let s = if args.len() > 2 { nanos(2)? } else { 86_400_000_000_000 };
            if s <= 0 {
                return None;
            }
            let items = (0..).map(|i| a + i * s).take_while(|x| *x <= b).take(MAX);
            let text = |ns: i64| match types[0] {
                KqlType::Datetime => Value::String(calypso_syntax::literal::format_datetime(ns)),
                _ => Value::String(calypso_syntax::literal::format_timespan(ns)),
            };
            return Some(Value::Array(items.map(text).collect()));
        }
        let all_integers = [&start, &stop, &step].iter().all(|x| x.is_i64());
        if all_integers {
            let (a, b, s) = (start.as_i64()?, stop.as_i64()?, step.as_i64()?);
            if s == 0 {
                return None;
            }
            let items =
                (0..).map(|i| a + i * s).take_while(|x| if s > 0 { *x <= b } else { *x >= b });
            return Some(Value::Array(items.take(MAX).map(Value::from).collect()));
        }
        let (a, b, s) = (start.as_f64()?, stop.as_f64()?, step.as_f64()?);
        if s == 0.0 {
            return None;
        }
        let items =
            (0..).map(|i| a + i as f64 * s).take_while(|x| if s > 0.0 { *x <= b } else { *x >= b });
        Some(Value::Array(items.take(MAX).map(Value::from).collect()))
    })))
}
