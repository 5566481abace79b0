//! The kernels of `parse` (one capture group of the pattern, converted to
//! its column's type; the binder's `parse.rs` builds the pattern) and of
//! `parse-kv` (the value of one key).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use calypso_binder::plan::{KvFormat, ParseMode, ParsePattern};
use calypso_syntax::KqlType;
use calypso_syntax::literal::{parse_datetime, parse_timespan};
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::Expr;

use super::library::{integer_text, real_text};

/// Group `group` of `pattern` in `text` (or, with no group, whether the
/// row parses), as an expression of type `ty`.
pub(crate) fn call(pattern: &ParsePattern, group: Option<usize>, ty: KqlType, text: Expr) -> Expr {
    let udf = ParseUdf {
        pattern: pattern.clone(),
        group,
        ty,
        signature: Signature::any(1, Volatility::Immutable),
    };
    ScalarUDF::new_from_impl(udf).call(vec![text])
}

#[derive(Debug)]
struct ParseUdf {
    pattern: ParsePattern,
    group: Option<usize>,
    ty: KqlType,
    signature: Signature,
}

impl PartialEq for ParseUdf {
    fn eq(&self, other: &Self) -> bool {
        (&self.pattern, self.group, self.ty) == (&other.pattern, other.group, other.ty)
    }
}

impl Eq for ParseUdf {}

impl Hash for ParseUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (&self.pattern, self.group, self.ty).hash(state);
    }
}

impl ScalarUDFImpl for ParseUdf {
    fn name(&self) -> &str {
        "parse"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(calypso_io::arrow_type(self.ty))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let texts = arrays[0].as_string::<i32>();
        let re = regex::Regex::new(&self.pattern.regex)
            .map_err(|e| DataFusionError::Execution(format!("`parse`: {e}")))?;
        let missing = missing(self.ty)?;
        let empty = || missing.clone();
        let mut out = Vec::with_capacity(texts.len());
        for row in 0..texts.len() {
            let captures = (!texts.is_null(row)).then(|| re.captures(texts.value(row))).flatten();
            let Some(captures) = captures else {
                out.push(if self.group.is_none() {
                    ScalarValue::Boolean(Some(false))
                } else {
                    empty()
                });
                continue;
            };
            let converted: Vec<Option<ScalarValue>> = self
                .pattern
                .types
                .iter()
                .enumerate()
                .map(|(g, ty)| convert(captures.get(g + 1).map_or("", |m| m.as_str()), *ty))
                .collect();
            let all_converted = converted.iter().all(Option::is_some);
            let strict = self.pattern.mode != ParseMode::Relaxed;
            out.push(match self.group {
                None => ScalarValue::Boolean(Some(all_converted || !strict)),
                Some(_) if strict && !all_converted => empty(),
                Some(g) => converted[g].clone().unwrap_or_else(empty),
            });
        }
        let array: ArrayRef = ScalarValue::iter_to_array(out)?;
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// The value of a column that was not found: `""` for a string, null
/// otherwise.
fn missing(ty: KqlType) -> Result<ScalarValue> {
    Ok(match ty {
        KqlType::String => ScalarValue::Utf8(Some(String::new())),
        _ => ScalarValue::try_from(&calypso_io::arrow_type(ty))?,
    })
}

/// Captured text as a value of `ty`; `None` when it does not convert.
pub(crate) fn convert(text: &str, ty: KqlType) -> Option<ScalarValue> {
    Some(match ty {
        KqlType::String => ScalarValue::Utf8(Some(text.to_owned())),
        KqlType::Guid => ScalarValue::Utf8(Some(text.to_ascii_lowercase())),
        KqlType::Long => ScalarValue::Int64(Some(integer_text(text)?)),
        KqlType::Int => ScalarValue::Int32(Some(i32::try_from(integer_text(text)?).ok()?)),
        KqlType::Real | KqlType::Decimal => ScalarValue::Float64(Some(real_text(text)?)),
        KqlType::Bool => {
            ScalarValue::Boolean(Some(match text.trim().to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                other => integer_text(other)? != 0,
            }))
        }
        KqlType::Datetime => {
            ScalarValue::TimestampNanosecond(Some(parse_datetime(text)?), Some("UTC".into()))
        }
        KqlType::Timespan => ScalarValue::DurationNanosecond(Some(parse_timespan(text)?)),
        KqlType::Dynamic => {
            let value = serde_json::from_str::<serde_json::Value>(text)
                .unwrap_or_else(|_| serde_json::Value::String(text.to_owned()));
            ScalarValue::Utf8(Some(value.to_string()))
        }
    })
}

/// The value of `key` in `text` (`parse-kv`), as an expression of type `ty`.
///
/// FIXME: each declared key is a call of its own, so a row's text is split
/// into pairs once per key (and `parse` likewise matches its pattern once
/// per column). One call returning every column's value, unpacked by the
/// projection, would do the work once a row.
pub(crate) fn key_value(format: &KvFormat, key: &str, ty: KqlType, text: Expr) -> Expr {
    let udf = KeyValueUdf {
        format: format.clone(),
        key: key.to_owned(),
        ty,
        signature: Signature::any(1, Volatility::Immutable),
    };
    ScalarUDF::new_from_impl(udf).call(vec![text])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct KeyValueUdf {
    format: KvFormat,
    key: String,
    ty: KqlType,
    signature: Signature,
}

impl ScalarUDFImpl for KeyValueUdf {
    fn name(&self) -> &str {
        "parse_kv"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(calypso_io::arrow_type(self.ty))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let texts = arrays[0].as_string::<i32>();
        let around = regex::Regex::new(&format!(r"\s*{}\s*", regex::escape(&self.format.kv)))
            .map_err(|e| DataFusionError::Execution(format!("`parse-kv`: {e}")))?;
        let missing = missing(self.ty)?;
        let mut out = Vec::with_capacity(texts.len());
        for row in 0..texts.len() {
            let text = if texts.is_null(row) { "" } else { texts.value(row) };
            // Spaces around the key-value delimiter do not count.
            let text = around.replace_all(text, regex::NoExpand(&self.format.kv));
            let value = pairs(&text, &self.format)
                .find_map(|(k, v)| (k == self.key).then_some(v))
                .and_then(|v| convert(&v, self.ty))
                .unwrap_or_else(|| missing.clone());
            out.push(value);
        }
        Ok(ColumnarValue::Array(ScalarValue::iter_to_array(out)?))
    }
}

/// The (key, value) pairs of `text`, trimmed, quotes removed, in order.
fn pairs<'a>(text: &'a str, format: &'a KvFormat) -> impl Iterator<Item = (String, String)> + 'a {
    split_outside_quotes(text, &format.pair, format.quote).into_iter().filter_map(move |pair| {
        let (key, value) = pair.split_once(format.kv.as_str())?;
        let value = value.trim();
        let value = match format.quote {
            Some(q) if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) => {
                &value[q.len_utf8()..value.len() - q.len_utf8()]
            }
            _ => value,
        };
        Some((key.trim().to_owned(), value.to_owned()))
    })
}

/// `text` split at `delimiter`, except inside `quote`s.
fn split_outside_quotes<'a>(text: &'a str, delimiter: &str, quote: Option<char>) -> Vec<&'a str> {
    let Some(q) = quote else { return text.split(delimiter).collect() };
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with(q) {
            quoted = !quoted;
        } else if !quoted && rest.starts_with(delimiter) {
            parts.push(&text[start..i]);
            i += delimiter.len();
            start = i;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    parts.push(&text[start..]);
    parts
}
