//! Literals of the syntax tree as typed constant values.

use calypso_syntax::ast::{DynamicLiteral, Literal};
use calypso_syntax::literal::{parse_datetime, parse_timespan};
use calypso_syntax::{KqlType, Span};

use crate::BindError;
use crate::plan::Value;

/// The value and type of a literal.
pub(crate) fn literal_value(lit: &Literal, span: Span) -> Result<(Value, KqlType), BindError> {
    Ok(match lit {
        Literal::Bool(b) => (Value::Bool(*b), KqlType::Bool),
        Literal::Long(v) => (Value::Long(*v), KqlType::Long),
        Literal::Real(v) => (Value::Real(*v), KqlType::Real),
        Literal::String(s) => (Value::String(s.clone()), KqlType::String),
        Literal::Timespan(v) => (Value::Timespan(*v), KqlType::Timespan),
        Literal::Typed { ty, raw } => (typed_value(*ty, raw, span)?, *ty),
        Literal::Dynamic(d) => (Value::Dynamic(dynamic_json(d, span)?), KqlType::Dynamic),
    })
}

fn typed_value(ty: KqlType, raw: &str, span: Span) -> Result<Value, BindError> {
    if raw == "null" {
        return Ok(Value::Null);
    }
    let unquoted = raw.trim_matches(['"', '\'']);
    let bad = || {
        BindError::invalid(
            format!("`{raw}` is not a valid {ty} literal"),
            span,
            format!("not a {ty}"),
        )
    };
    Ok(match ty {
        KqlType::Datetime => Value::Datetime(parse_datetime(raw).ok_or_else(bad)?),
        KqlType::Timespan => Value::Timespan(parse_timespan(raw).ok_or_else(bad)?),
        KqlType::Long => Value::Long(unquoted.parse().map_err(|_| bad())?),
        KqlType::Int => Value::Int(unquoted.parse().map_err(|_| bad())?),
        KqlType::Real => Value::Real(match unquoted {
            "nan" => f64::NAN,
            "+inf" | "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            _ => unquoted.parse().map_err(|_| bad())?,
        }),
        KqlType::Bool => match unquoted.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad()),
        },
        KqlType::Guid => {
            let lower = unquoted.to_ascii_lowercase();
            let valid = lower.len() == 36
                && lower.char_indices().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() }
                });
            if !valid {
                return Err(bad());
            }
            Value::String(lower)
        }
        KqlType::Decimal => return Err(BindError::unsupported("the decimal type", span)),
        KqlType::String | KqlType::Dynamic => return Err(bad()),
    })
}

/// A `dynamic(...)` literal as JSON, storing typed literals as Kusto does:
/// datetimes as their canonical string, timespans as tick counts.
fn dynamic_json(d: &DynamicLiteral, span: Span) -> Result<serde_json::Value, BindError> {
    use serde_json::Value as J;
    Ok(match d {
        DynamicLiteral::Null => J::Null,
        DynamicLiteral::Array(items) => {
            J::Array(items.iter().map(|i| dynamic_json(i, span)).collect::<Result<_, _>>()?)
        }
        DynamicLiteral::Bag(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), dynamic_json(v, span)?)))
                .collect::<Result<_, BindError>>()?,
        ),
        DynamicLiteral::Scalar(lit) => match literal_value(lit, span)?.0 {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(b),
            Value::Int(v) => J::from(v),
            Value::Long(v) => J::from(v),
            Value::Real(v) => {
                serde_json::Number::from_f64(v).map_or(J::String("NaN".into()), J::Number)
            }
            Value::String(s) => J::String(s),
            Value::Timespan(ns) => J::from(ns / calypso_syntax::literal::NANOS_PER_TICK),
            Value::Datetime(ns) => J::String(calypso_syntax::literal::format_datetime(ns)),
            Value::Dynamic(v) => v,
        },
    })
}
