//! The kernel of `parse`: one capture group of the pattern, converted to
//! its column's type (the binder's `parse.rs` builds the pattern).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use calypso_binder::plan::{ParseMode, ParsePattern};
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
        let null = ScalarValue::try_from(&calypso_io::arrow_type(self.ty))?;
        let empty = || match self.ty {
            KqlType::String => ScalarValue::Utf8(Some(String::new())),
            _ => null.clone(),
        };
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

/// Captured text as a value of `ty`; `None` when it does not convert.
fn convert(text: &str, ty: KqlType) -> Option<ScalarValue> {
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
