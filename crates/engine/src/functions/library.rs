//! Kernels of the scalar function library, one for each signature in
//! `calypso_binder::library::LIBRARY`.
//!
//! A kernel gets the argument arrays (constants expanded to the batch), the
//! arguments' KQL types and the result's, and returns the result array.
//! Each follows kql-semantics.md §6; the section is cited where the rule is
//! not obvious.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use calypso_syntax::KqlType;
use calypso_syntax::literal::{NANOS_PER_TICK, parse_datetime, parse_timespan};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Timelike, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, DurationNanosecondArray, Float64Array, Int32Array,
    Int64Array, StringArray, TimestampNanosecondArray,
};
use datafusion::arrow::compute::{cast, kernels::zip::zip};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::Expr;
use serde_json::Value;

use super::text::{json_value, text};
use super::{RegexCache, arrays, net, series};

/// A library kernel: arguments, their KQL types, the result's KQL type.
type Kernel = fn(&[ArrayRef], &[KqlType], KqlType) -> Result<ArrayRef>;

/// The kernel of library function `name`.
pub(crate) fn kernel(name: &str) -> Option<Kernel> {
    Some(match name {
        "abs" => abs,
        "bin_at" => bin_at,
        "ipv4_compare" => net::ipv4_compare,
        "ipv4_is_match" => net::ipv4_is_match,
        "ipv4_netmask_suffix" => net::ipv4_netmask_suffix,
        "parse_ipv4" => net::parse_ipv4,
        "ceiling" => ceiling,
        "exp" => |a, _, _| real_map(a, f64::exp),
        // Outside their domain (`asin(2)`) the results are NaN, and so null.
        "acos" => |a, _, _| real_map(a, f64::acos),
        "asin" => |a, _, _| real_map(a, f64::asin),
        "atan" => |a, _, _| real_map(a, f64::atan),
        "atan2" => |a, _, _| {
            let (y, x) = (reals(&a[0])?, reals(&a[1])?);
            Ok(Arc::new(
                y.iter().zip(x.iter()).map(|(y, x)| Some(y?.atan2(x?))).collect::<Float64Array>(),
            ))
        },
        "cos" => |a, _, _| real_map(a, f64::cos),
        "cot" => |a, _, _| real_map(a, |v| 1.0 / v.tan()),
        "degrees" => |a, _, _| real_map(a, f64::to_degrees),
        "radians" => |a, _, _| real_map(a, f64::to_radians),
        "sin" => |a, _, _| real_map(a, f64::sin),
        "tan" => |a, _, _| real_map(a, f64::tan),
        "binary_and" => |a, _, _| long_pair(a, |x, y| x & y),
        "binary_or" => |a, _, _| long_pair(a, |x, y| x | y),
        "binary_xor" => |a, _, _| long_pair(a, |x, y| x ^ y),
        "binary_not" => |a, _, _| {
            Ok(Arc::new(longs(&a[0])?.iter().map(|v| v.map(|v| !v)).collect::<Int64Array>()))
        },
        "bitset_count_ones" => |a, _, _| {
            let ones = |v: i64| i64::from(v.count_ones());
            Ok(Arc::new(longs(&a[0])?.iter().map(|v| v.map(ones)).collect::<Int64Array>()))
        },
        "exp10" => |a, _, _| real_map(a, |v| 10f64.powf(v)),
        "exp2" => |a, _, _| real_map(a, f64::exp2),
        "isfinite" => |a, _, _| {
            Ok(Arc::new(
                reals(&a[0])?.iter().map(|v| v.map(f64::is_finite)).collect::<BooleanArray>(),
            ))
        },
        "isinf" => |a, _, _| {
            Ok(Arc::new(
                reals(&a[0])?.iter().map(|v| v.map(f64::is_infinite)).collect::<BooleanArray>(),
            ))
        },
        "log" => |a, _, _| real_map(a, |v| if v < 0.0 { f64::NAN } else { v.ln() }),
        "log10" => |a, _, _| real_map(a, |v| if v < 0.0 { f64::NAN } else { v.log10() }),
        "log2" => |a, _, _| real_map(a, |v| if v < 0.0 { f64::NAN } else { v.log2() }),
        "pow" => |a, _, _| {
            let (x, y) = (reals(&a[0])?, reals(&a[1])?);
            Ok(Arc::new(
                x.iter().zip(y.iter()).map(|(x, y)| Some(x?.powf(y?))).collect::<Float64Array>(),
            ))
        },
        "range" => arrays::range,
        "set_has_element" => arrays::set_has_element,
        "sign" => sign,
        // The square root of a negative number is NaN, not null (oracle
        // r2-null-and-edge-0015), unlike `log`'s.
        "sqrt" => |a, _, _| {
            Ok(Arc::new(reals(&a[0])?.iter().map(|v| v.map(f64::sqrt)).collect::<Float64Array>()))
        },
        "strcmp" => |a, _, _| {
            let (x, y) = (strings(&a[0])?, strings(&a[1])?);
            rows_long(a, |r| Some(x.value(r).cmp(y.value(r)) as i64))
        },
        "weekofyear" => |a, _, _| date_part(a, |d| i64::from(d.iso_week().week())),
        "array_concat" => arrays::array_concat,
        "array_index_of" => arrays::array_index_of,
        "bag_merge" => arrays::bag_merge,
        "bag_remove_keys" => arrays::bag_remove_keys,
        "datetime_part" => datetime_part,
        "extract_all" => extract_all,
        "max_of" => |a, _, r| extreme_of(a, r, true),
        "min_of" => |a, _, r| extreme_of(a, r, false),
        "replace_regex" => replace_regex,
        "strrep" => strrep,
        "url_decode" => url_decode,
        "week_of_year" => |a, _, _| date_part(a, |d| i64::from(d.iso_week().week())),
        "zip" => arrays::zip,
        "array_slice" => arrays::array_slice,
        "array_reverse" => arrays::array_reverse,
        "array_rotate_left" => |a, _, _| arrays::array_rotate(a, 1),
        "array_rotate_right" => |a, _, _| arrays::array_rotate(a, -1),
        "array_shift_left" => |a, t, _| arrays::array_shift(a, t, 1),
        "array_shift_right" => |a, t, _| arrays::array_shift(a, t, -1),
        "array_split" => arrays::array_split,
        "array_sum" => arrays::array_sum,
        "array_iff" | "array_iif" => series::array_iff,
        "series_add" => |a, t, _| series::arithmetic(a, t, i64::wrapping_add, |x, y| x + y),
        "series_subtract" => |a, t, _| series::arithmetic(a, t, i64::wrapping_sub, |x, y| x - y),
        "series_multiply" => |a, t, _| series::arithmetic(a, t, i64::wrapping_mul, |x, y| x * y),
        "series_divide" => |a, t, _| series::real_arithmetic(a, t, |x, y| x / y),
        "series_pow" => |a, t, _| series::real_arithmetic(a, t, f64::powf),
        "series_greater" => |a, t, _| series::comparison(a, t, |o| o.is_gt()),
        "series_greater_equals" => |a, t, _| series::comparison(a, t, |o| o.is_ge()),
        "series_less" => |a, t, _| series::comparison(a, t, |o| o.is_lt()),
        "series_less_equals" => |a, t, _| series::comparison(a, t, |o| o.is_le()),
        "series_equals" => |a, t, _| series::comparison(a, t, |o| o.is_eq()),
        "series_not_equals" => |a, t, _| series::comparison(a, t, |o| o.is_ne()),
        "series_fill_forward" => |a, t, _| series::fill_direction(a, t, true),
        "series_fill_backward" => |a, t, _| series::fill_direction(a, t, false),
        "series_fill_const" => series::fill_const,
        "series_iir" => series::iir,
        "series_stats" => series::stats_min,
        "series_stats_dynamic" => series::stats_dynamic,
        "series_fit_line" => series::fit_line_rsquare,
        "series_fit_line_dynamic" => series::fit_line_dynamic,
        "bag_has_key" => arrays::bag_has_key,
        "unixtime_microseconds_todatetime" => |a, t, _| unixtime(a, t, 1_000),
        "unixtime_milliseconds_todatetime" => |a, t, _| unixtime(a, t, 1_000_000),
        "unixtime_nanoseconds_todatetime" => |a, t, _| unixtime(a, t, 1),
        "unixtime_seconds_todatetime" => |a, t, _| unixtime(a, t, 1_000_000_000),
        "array_sort_asc" => arrays::array_sort_asc,
        "array_sort_desc" => arrays::array_sort_desc,
        "bag_keys" => arrays::bag_keys,
        "dynamic_to_json" => arrays::dynamic_to_json,
        "base64_decode_tostring" | "base64_decodestring" => base64_decode,
        "base64_decode_toarray" => base64_bytes,
        "isascii" => |a, _, _| {
            let texts = strings(&a[0])?;
            Ok(Arc::new(texts.iter().map(|t| t.map(str::is_ascii)).collect::<BooleanArray>()))
        },
        "make_string" => make_string,
        "translate" => translate,
        "extract_json" | "extractjson" => |a, _, _| {
            let texts: Vec<ArrayRef> = a
                .iter()
                .map(|x| cast(x, &DataType::Utf8).map_err(Into::into))
                .collect::<Result<_>>()?;
            super::dynamic::extract_json(&texts)
        },
        "tohex" => tohex,
        "parse_path" => parse_path,
        "base64_encode_tostring" => base64_encode,
        "countof" => countof,
        "format_datetime" => format_datetime,
        "format_timespan" => format_timespan,
        "indexof" => indexof,
        "has_any_ipv4" => |a, t, _| net::has_ipv4(a, t, false),
        "has_any_ipv4_prefix" => |a, t, _| net::has_ipv4(a, t, true),
        "has_ipv4" => |a, t, _| net::has_ipv4(a, t, false),
        "has_ipv4_prefix" => |a, t, _| net::has_ipv4(a, t, true),
        "ipv4_is_in_range" => net::ipv4_is_in_range,
        "ipv4_is_private" => net::ipv4_is_private,
        "isnan" => |a, _, _| {
            Ok(Arc::new(reals(&a[0])?.iter().map(|v| v.map(f64::is_nan)).collect::<BooleanArray>()))
        },
        "make_datetime" => make_datetime,
        "make_timespan" => make_timespan,
        "monthofyear" => |a, _, _| date_part(a, |d| i64::from(d.month())),
        "reverse" => {
            |a, t, _| rows_string(a, |r| text(a[0].as_ref(), r, t[0]).chars().rev().collect())
        }
        "round" => round,
        "set_intersect" => arrays::set_intersect,
        "set_union" => arrays::set_union,
        "strcat_array" => arrays::strcat_array,
        "trim" => |a, _, _| trim(a, true, true),
        "trim_end" => |a, _, _| trim(a, false, true),
        "trim_start" => |a, _, _| trim(a, true, false),
        "bag_pack" | "pack" => bag_pack,
        "bin" | "floor" => bin,
        "coalesce" => coalesce,
        "datetime_add" => datetime_add,
        "dayofmonth" => |a, _, _| date_part(a, |d| i64::from(d.day())),
        "dayofweek" => day_of_week,
        "dayofyear" => |a, _, _| date_part(a, |d| i64::from(d.ordinal())),
        "endofday" => |a, _, _| period_edge(a, Period::Day, true),
        "endofmonth" => |a, _, _| period_edge(a, Period::Month, true),
        "endofweek" => |a, _, _| period_edge(a, Period::Week, true),
        "endofyear" => |a, _, _| period_edge(a, Period::Year, true),
        "extract" => extract,
        "getmonth" => |a, _, _| date_part(a, |d| i64::from(d.month())),
        "gettype" => gettype,
        "hash_md5" => |a, t, _| digest::<md5::Md5>(a, t),
        "hash_sha1" => |a, t, _| digest::<sha1::Sha1>(a, t),
        "hash_sha256" => |a, t, _| digest::<sha2::Sha256>(a, t),
        "getyear" => |a, _, _| date_part(a, |d| i64::from(d.year())),
        "hourofday" => |a, _, _| date_part(a, |d| i64::from(d.hour())),
        "pack_array" => pack_array,
        "parse_json" | "parsejson" | "todynamic" => to_dynamic,
        "replace_string" => replace_string,
        "split" => split,
        "startofday" => |a, _, _| period_edge(a, Period::Day, false),
        "startofmonth" => |a, _, _| period_edge(a, Period::Month, false),
        "startofweek" => |a, _, _| period_edge(a, Period::Week, false),
        "startofyear" => |a, _, _| period_edge(a, Period::Year, false),
        "strcat" => strcat,
        "strcat_delim" => strcat_delim,
        "string_size" => {
            |a, t, _| rows_long(a, |r| Some(text(a[0].as_ref(), r, t[0]).len() as i64))
        }
        "substring" => substring,
        "tobool" | "toboolean" => to_bool,
        "todatetime" => to_datetime,
        "todouble" | "toreal" => to_double,
        "toint" => to_int,
        "tolong" => to_long,
        "totimespan" => to_timespan,
        _ => return None,
    })
}

/// A call of library function `name` on `args`.
pub(crate) fn call(
    name: &'static str,
    arg_types: Vec<KqlType>,
    result: KqlType,
    args: Vec<Expr>,
) -> std::result::Result<Expr, crate::QueryError> {
    let kernel = kernel(name)
        .ok_or_else(|| crate::QueryError::internal(format!("no kernel for `{name}`")))?;
    let udf = LibUdf {
        name,
        arg_types,
        result,
        kernel,
        signature: Signature::variadic_any(Volatility::Immutable),
    };
    Ok(ScalarUDF::new_from_impl(udf).call(args))
}

#[derive(Debug)]
struct LibUdf {
    name: &'static str,
    arg_types: Vec<KqlType>,
    result: KqlType,
    kernel: Kernel,
    signature: Signature,
}

impl PartialEq for LibUdf {
    fn eq(&self, other: &Self) -> bool {
        (self.name, &self.arg_types, self.result) == (other.name, &other.arg_types, other.result)
    }
}

impl Eq for LibUdf {}

impl Hash for LibUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.name, &self.arg_types, self.result).hash(state);
    }
}

impl ScalarUDFImpl for LibUdf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(calypso_io::arrow_type(self.result))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        Ok(ColumnarValue::Array((self.kernel)(&arrays, &self.arg_types, self.result)?))
    }
}

// Reading arguments.

fn longs(a: &ArrayRef) -> Result<Int64Array> {
    Ok(cast(a, &DataType::Int64)?.as_primitive::<Int64Type>().clone())
}

fn reals(a: &ArrayRef) -> Result<Float64Array> {
    Ok(cast(a, &DataType::Float64)?.as_primitive::<Float64Type>().clone())
}

fn strings(a: &ArrayRef) -> Result<StringArray> {
    Ok(cast(a, &DataType::Utf8)?.as_string::<i32>().clone())
}

fn rows(args: &[ArrayRef]) -> usize {
    args.first().map_or(1, |a| a.len())
}

fn rows_long(args: &[ArrayRef], f: impl Fn(usize) -> Option<i64>) -> Result<ArrayRef> {
    Ok(Arc::new((0..rows(args)).map(f).collect::<Int64Array>()))
}

fn rows_string(args: &[ArrayRef], f: impl Fn(usize) -> String) -> Result<ArrayRef> {
    Ok(Arc::new((0..rows(args)).map(|r| Some(f(r))).collect::<StringArray>()))
}

fn datetimes(values: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(values.collect::<TimestampNanosecondArray>().with_timezone("UTC"))
}

fn dynamic(values: impl Iterator<Item = Option<Value>>) -> ArrayRef {
    Arc::new(values.map(|v| v.map(|v| v.to_string())).collect::<StringArray>())
}

// Text (§6.3).

/// `hash_md5(v)` and its kin: the lowercase hex digest of the UTF-8 of the
/// value's text form; the hash of `""` (and of null) is `""` (§6.3).
fn digest<D: sha2::Digest>(args: &[ArrayRef], types: &[KqlType]) -> Result<ArrayRef> {
    use std::fmt::Write;
    rows_string(args, |r| {
        let value = text(args[0].as_ref(), r, types[0]);
        if value.is_empty() {
            return String::new();
        }
        D::digest(value.as_bytes()).iter().fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
    })
}

fn strcat(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    rows_string(args, |r| args.iter().zip(types).map(|(a, t)| text(a.as_ref(), r, *t)).collect())
}

fn strcat_delim(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    rows_string(args, |r| {
        let delim = text(args[0].as_ref(), r, types[0]);
        let parts: Vec<String> =
            args[1..].iter().zip(&types[1..]).map(|(a, t)| text(a.as_ref(), r, *t)).collect();
        parts.join(&delim)
    })
}

/// `substring(s, start[, len])`: by characters; a negative start counts from
/// the end, and one that reaches before the beginning gives `""`.
fn substring(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let starts = longs(&args[1])?;
    let lens = args.get(2).map(longs).transpose()?;
    rows_string(args, |r| {
        let chars: Vec<char> = text(args[0].as_ref(), r, types[0]).chars().collect();
        let n = chars.len() as i64;
        if starts.is_null(r) || lens.as_ref().is_some_and(|l| l.is_null(r)) {
            return String::new();
        }
        let start = match starts.value(r) {
            s if s < 0 && n + s < 0 => return String::new(),
            s if s < 0 => n + s,
            s => s,
        };
        if start >= n {
            return String::new();
        }
        let len = lens.as_ref().map_or(n - start, |l| l.value(r));
        if len <= 0 {
            return String::new();
        }
        let end = start.saturating_add(len).min(n);
        chars[start as usize..end as usize].iter().collect()
    })
}

/// `split(s, delim[, index])`: an array of strings; with an index, an array
/// of the one part (§6.3).
fn split(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let delims = strings(&args[1])?;
    let index = args.get(2).map(longs).transpose()?;
    Ok(dynamic((0..rows(args)).map(|r| {
        let s = text(args[0].as_ref(), r, types[0]);
        let parts: Vec<Value> =
            s.split(delims.value(r)).map(|p| Value::String(p.to_owned())).collect();
        Some(match &index {
            None => Value::Array(parts),
            Some(i) if i.is_null(r) => return None,
            Some(i) => {
                // An index past the parts is null (oracle r1-string-ops-0021).
                let picked = usize::try_from(i.value(r)).ok().and_then(|i| parts.get(i).cloned());
                Value::Array(vec![picked?])
            }
        })
    })))
}

fn replace_string(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (text, lookup, rewrite) = (strings(&args[0])?, strings(&args[1])?, strings(&args[2])?);
    rows_string(args, |r| {
        let (t, l) = (text.value(r), lookup.value(r));
        if l.is_empty() { t.to_owned() } else { t.replace(l, rewrite.value(r)) }
    })
}

/// `extract(regex, group, text)`: the group of the first match, `""` when
/// nothing matches (§6.3). The regex is compiled once per distinct pattern.
fn extract(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (patterns, groups, texts) = (strings(&args[0])?, longs(&args[1])?, strings(&args[2])?);
    let mut cache = RegexCache::new("extract");
    let mut out = Vec::with_capacity(texts.len());
    for r in 0..texts.len() {
        let pattern = patterns.value(r);
        let re = cache.get(pattern)?;
        let group = usize::try_from(groups.value(r)).ok();
        let found = re
            .captures(texts.value(r))
            .and_then(|c| group.and_then(|g| c.get(g)))
            .map_or("", |m| m.as_str());
        out.push(Some(found.to_owned()));
    }
    Ok(Arc::new(StringArray::from(out)))
}

/// `trim(regex, s)` and its one-sided forms: one match of the regex removed
/// at each end, not a run of them (`trim(" ", "  a  ")` is `" a "`; the
/// oracle measured it); a pattern such as `\s+` takes the whole run.
fn trim(args: &[ArrayRef], start: bool, end: bool) -> Result<ArrayRef> {
    let (patterns, texts) = (strings(&args[0])?, strings(&args[1])?);
    let (mut leading, mut trailing) = (RegexCache::new("trim"), RegexCache::new("trim"));
    let mut out = Vec::with_capacity(texts.len());
    for r in 0..texts.len() {
        let pattern = patterns.value(r);
        let mut t = texts.value(r);
        if start {
            let re = leading.get(&format!("^(?:{pattern})"))?;
            t = re.find(t).map_or(t, |m| &t[m.end()..]);
        }
        if end {
            let re = trailing.get(&format!("(?:{pattern})$"))?;
            t = re.find(t).map_or(t, |m| &t[..m.start()]);
        }
        out.push(Some(t.to_owned()));
    }
    Ok(Arc::new(StringArray::from(out)))
}

/// `indexof(s, lookup[, start])`: the 0-based character position of the
/// first occurrence at or after `start`, or -1.
fn indexof(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let lookups = strings(&args[1])?;
    let starts = args.get(2).map(longs).transpose()?;
    rows_long(args, |r| {
        let chars: Vec<char> = text(args[0].as_ref(), r, types[0]).chars().collect();
        let needle: Vec<char> = lookups.value(r).chars().collect();
        // Looking for nothing is null (oracle r2-null-and-edge-0036).
        if needle.is_empty() {
            return None;
        }
        let start = match &starts {
            Some(s) if s.is_null(r) => return None,
            Some(s) => usize::try_from(s.value(r)).ok()?,
            None => 0,
        };
        if start > chars.len() {
            return Some(-1);
        }
        let found = (start..=chars.len().saturating_sub(needle.len()))
            .find(|&i| chars.len() >= i + needle.len() && chars[i..i + needle.len()] == needle[..]);
        Some(found.map_or(-1, |i| i as i64))
    })
}

/// `countof(s, search[, 'normal'|'regex'])`: overlapping occurrences of
/// text, or non-overlapping matches of a regex (§6.3).
fn countof(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (texts, searches) = (strings(&args[0])?, strings(&args[1])?);
    let kinds = args.get(2).map(strings).transpose()?;
    let mut cache = RegexCache::new("countof");
    let mut out = Vec::with_capacity(texts.len());
    for r in 0..texts.len() {
        let (t, n) = (texts.value(r), searches.value(r));
        let regex = kinds.as_ref().is_some_and(|k| k.value(r).eq_ignore_ascii_case("regex"));
        let count = if n.is_empty() {
            0
        } else if regex {
            cache.get(n)?.find_iter(t).count()
        } else {
            (0..t.len()).filter(|&i| t.is_char_boundary(i) && t[i..].starts_with(n)).count()
        };
        out.push(Some(count as i64));
    }
    Ok(Arc::new(Int64Array::from(out)))
}

fn base64_encode(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    use base64::Engine as _;
    let texts = strings(&args[0])?;
    rows_string(args, |r| base64::engine::general_purpose::STANDARD.encode(texts.value(r)))
}

/// `replace_regex(text, regex, rewrite)`: every match replaced; `\\1` in the
/// rewrite is the first group.
fn replace_regex(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (texts, patterns, rewrites) = (strings(&args[0])?, strings(&args[1])?, strings(&args[2])?);
    let group = regex::Regex::new(r"\\(\d)").expect("a valid regex");
    let mut cache = RegexCache::new("replace_regex");
    let mut out = Vec::with_capacity(texts.len());
    for r in 0..texts.len() {
        let pattern = patterns.value(r);
        // `\1` is Kusto's group reference; `$` is literal text there.
        let rewrite =
            group.replace_all(&rewrites.value(r).replace('$', "$$"), "$${$1}").into_owned();
        out.push(Some(
            cache.get(pattern)?.replace_all(texts.value(r), rewrite.as_str()).into_owned(),
        ));
    }
    Ok(Arc::new(StringArray::from(out)))
}

/// `extract_all(regex, [groups,] text)`: every match; with one group (or
/// one selected) a flat array, with several an array per match; no match
/// is null (§6.3).
fn extract_all(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let patterns = strings(&args[0])?;
    let texts = strings(&args[args.len() - 1])?;
    let selections = (args.len() == 3).then(|| (args[1].clone(), types[1]));
    let mut cache = RegexCache::new("extract_all");
    let mut out = Vec::with_capacity(texts.len());
    for r in 0..texts.len() {
        let pattern = patterns.value(r);
        let re = cache.get(pattern)?;
        let n_groups = re.captures_len() - 1;
        let mut groups: Vec<usize> = match &selections {
            Some((a, t)) => match json_value(a.as_ref(), r, *t) {
                Value::Array(items) => {
                    items.iter().filter_map(|v| v.as_u64()).map(|g| g as usize).collect()
                }
                _ => Vec::new(),
            },
            None => Vec::new(),
        };
        groups.retain(|g| *g >= 1 && *g <= n_groups);
        if groups.is_empty() {
            groups = (1..=n_groups.max(1)).collect();
        }
        let text = |m: Option<regex::Match>| Value::String(m.map_or("", |m| m.as_str()).to_owned());
        let matches: Vec<Value> = re
            .captures_iter(texts.value(r))
            .map(|c| {
                if n_groups == 0 {
                    return text(c.get(0));
                }
                match groups.as_slice() {
                    [g] => text(c.get(*g)),
                    many => Value::Array(many.iter().map(|g| text(c.get(*g))).collect()),
                }
            })
            .collect();
        out.push((!matches.is_empty()).then(|| Value::Array(matches).to_string()));
    }
    Ok(Arc::new(StringArray::from(out)))
}

/// `strrep(s, n[, delimiter])`.
fn strrep(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let counts = longs(&args[1])?;
    let delims = args.get(2).map(strings).transpose()?;
    rows_string(args, |r| {
        let n = if counts.is_null(r) { 0 } else { counts.value(r).clamp(0, 1 << 16) as usize };
        let delim = delims.as_ref().map_or("", |d| d.value(r));
        vec![text(args[0].as_ref(), r, types[0]); n].join(delim)
    })
}

/// `url_decode(s)`: percent escapes decoded; `""` when the result is not
/// UTF-8.
fn url_decode(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let texts = strings(&args[0])?;
    rows_string(args, |r| {
        percent_encoding::percent_decode_str(texts.value(r))
            .decode_utf8()
            .map(|s| s.into_owned())
            .unwrap_or_default()
    })
}

/// `max_of(a, b, ...)` / `min_of`: the extreme of the non-null arguments;
/// null when all are null.
fn extreme_of(args: &[ArrayRef], result: KqlType, max: bool) -> Result<ArrayRef> {
    let target = calypso_io::arrow_type(result);
    let arrays = args.iter().map(|a| cast(a, &target)).collect::<Result<Vec<_>, _>>()?;
    let null = ScalarValue::try_from(&target)?;
    let mut out = Vec::with_capacity(rows(args));
    for r in 0..rows(args) {
        let mut best: Option<ScalarValue> = None;
        for a in &arrays {
            let v = ScalarValue::try_from_array(a, r)?;
            if v.is_null() {
                continue;
            }
            let better = match &best {
                None => true,
                Some(b) => {
                    let order = v.partial_cmp(b);
                    if max {
                        order == Some(std::cmp::Ordering::Greater)
                    } else {
                        order == Some(std::cmp::Ordering::Less)
                    }
                }
            };
            if better {
                best = Some(v);
            }
        }
        out.push(best.unwrap_or_else(|| null.clone()));
    }
    ScalarValue::iter_to_array(out)
}

/// `datetime_part(part, dt)` (§6.1: `week_of_year` is the ISO week).
fn datetime_part(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (parts, values) = (strings(&args[0])?, longs(&args[1])?);
    rows_long(args, |r| {
        if values.is_null(r) {
            return None;
        }
        let ns = values.value(r);
        let d = instant(ns);
        let fraction = ns.rem_euclid(1_000_000_000);
        Some(match parts.value(r).to_ascii_lowercase().as_str() {
            "year" => i64::from(d.year()),
            "quarter" => i64::from((d.month() - 1) / 3 + 1),
            "month" => i64::from(d.month()),
            "week_of_year" => i64::from(d.iso_week().week()),
            "day" => i64::from(d.day()),
            "dayofyear" => i64::from(d.ordinal()),
            "hour" => i64::from(d.hour()),
            "minute" => i64::from(d.minute()),
            "second" => i64::from(d.second()),
            "millisecond" => fraction / 1_000_000,
            "microsecond" => fraction / 1_000,
            "nanosecond" => fraction,
            _ => return None,
        })
    })
}

/// `base64_decode_tostring(s)`: the UTF-8 text the base64 encodes; `""`
/// when it is not base64 or not UTF-8.
fn base64_decode(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    use base64::Engine as _;
    let texts = strings(&args[0])?;
    rows_string(args, |r| {
        base64::engine::general_purpose::STANDARD
            .decode(texts.value(r).trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default()
    })
}

/// `base64_decode_toarray(s)`: the decoded bytes as an array of longs; text
/// that is not base64 gives `[]`.
fn base64_bytes(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    use base64::Engine as _;
    let texts = strings(&args[0])?;
    rows_string(args, |r| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(texts.value(r).trim())
            .unwrap_or_default();
        Value::Array(bytes.into_iter().map(Value::from).collect()).to_string()
    })
}

/// `make_string(c, ...)`: the characters of the code points given, each
/// argument a long or an array of them; `""` when one is not a valid code
/// point (a string is never null).
fn make_string(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let text = |r: usize| -> Option<String> {
        let mut text = String::new();
        for (a, ty) in args.iter().zip(types) {
            let codes = match json_value(a.as_ref(), r, *ty) {
                Value::Array(items) => items,
                single => vec![single],
            };
            for code in codes {
                let c = code.as_i64().and_then(|c| u32::try_from(c).ok());
                text.push(char::from_u32(c?)?);
            }
        }
        Some(text)
    };
    rows_string(args, |r| text(r).unwrap_or_default())
}

/// `parse_path(p)`: a bag of the path's `Scheme`, `RootPath`,
/// `DirectoryPath`, `DirectoryName`, `Filename`, `Extension` and
/// `AlternateDataStreamName`, `""` where a part is absent (the
/// documentation's five examples: drive, relative, `file://` with an
/// alternate data stream, a share, a Unix path). Either slash separates.
fn parse_path(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let paths = strings(&args[0])?;
    rows_string(args, |r| {
        let path = if paths.is_null(r) { "" } else { paths.value(r) };
        let (scheme, rest) = match path.split_once("://") {
            Some((scheme, rest))
                if scheme.len() > 1 && scheme.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                (scheme, rest)
            }
            _ => ("", path),
        };
        // A long path's `\\?\` prefix names no directory.
        let rest = rest.strip_prefix(r"\\?\").unwrap_or(rest);
        let bytes = rest.as_bytes();
        let root = if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
            &rest[..2]
        } else {
            ""
        };
        let (directory, file) = match rest.rfind(['/', '\\']) {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None if root.is_empty() => ("", rest),
            None => (root, &rest[2..]),
        };
        let directory_name =
            directory.rfind(['/', '\\']).map_or(directory, |at| &directory[at + 1..]);
        let directory_name = if directory_name == root { "" } else { directory_name };
        let (filename, stream) = file.split_once(':').unwrap_or((file, ""));
        let extension = filename.rsplit_once('.').map_or("", |(_, ext)| ext);
        let mut bag = serde_json::Map::new();
        for (key, value) in [
            ("Scheme", scheme),
            ("RootPath", root),
            ("DirectoryPath", directory),
            ("DirectoryName", directory_name),
            ("Filename", filename),
            ("Extension", extension),
            ("AlternateDataStreamName", stream),
        ] {
            bag.insert(key.to_owned(), Value::String(value.to_owned()));
        }
        Value::Object(bag).to_string()
    })
}

/// `tohex(n[, width])`: lowercase hexadecimal, a negative number as its 64
/// bits; zero-padded to `width` digits (`tohex(-256, 8)` stays 16 digits).
fn tohex(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let values = longs(&args[0])?;
    let widths = if args.len() > 1 { Some(longs(&args[1])?) } else { None };
    Ok(Arc::new(
        (0..values.len())
            .map(|r| {
                if values.is_null(r) {
                    return None;
                }
                let width = widths.as_ref().map_or(0, |w| w.value(r).clamp(0, 64) as usize);
                Some(format!("{:0width$x}", values.value(r)))
            })
            .collect::<StringArray>(),
    ))
}

/// `translate(search, replacement, source)`: each character of `source`
/// found in `search` becomes the character at the same place in
/// `replacement`, or its last when it is shorter, or nothing when it is
/// empty (the documentation's three examples).
fn translate(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (search, replacement, source) =
        (strings(&args[0])?, strings(&args[1])?, strings(&args[2])?);
    rows_string(args, |r| {
        let from: Vec<char> = search.value(r).chars().collect();
        let to: Vec<char> = replacement.value(r).chars().collect();
        source
            .value(r)
            .chars()
            .filter_map(|c| match from.iter().position(|f| *f == c) {
                None => Some(c),
                Some(i) => to.get(i).or(to.last()).copied(),
            })
            .collect()
    })
}

/// `format_datetime(dt, format)` with .NET's custom format letters
/// (§6.1): d dd, f…fffffff, F…FFFFFFF, h hh, H HH, m mm, M MM, s ss, y yy
/// yyyy, tt; any other character is copied.
fn format_datetime(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (values, formats) = (longs(&args[0])?, strings(&args[1])?);
    // Letters other than the format's are an error, as in Kusto (`zzz`, `K`).
    if let Some(bad) = formats
        .iter()
        .flatten()
        .flat_map(str::chars)
        .find(|c| c.is_ascii_alphabetic() && !"dfFhHmMsyt".contains(*c))
    {
        return Err(DataFusionError::Execution(format!(
            "`format_datetime`: `{bad}` is not a format specifier; use d, f, F, h, H, m, M, s, y, tt and the delimiters space / - : , . _ [ ]"
        )));
    }
    rows_string(args, |r| {
        if values.is_null(r) {
            return String::new();
        }
        let ns = values.value(r);
        let at = instant(ns);
        let ticks = ns.rem_euclid(1_000_000_000) / NANOS_PER_TICK;
        let format: Vec<char> = formats.value(r).chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < format.len() {
            let c = format[i];
            let run = format[i..].iter().take_while(|&&x| x == c).count();
            // A day, month or time field is one or two letters; a longer run
            // is several fields (`dddd` is `dd` twice, `ddd` is `dd` then
            // `d`: oracle r3-datetime-timespan-0041).
            let run = if "dHhmMs".contains(c) { run.min(2) } else { run };
            i += run;
            let two = |v: u32, n: usize| if n >= 2 { format!("{v:02}") } else { v.to_string() };
            match c {
                'd' => out.push_str(&two(at.day(), run)),
                'H' => out.push_str(&two(at.hour(), run)),
                'h' => out.push_str(&two((at.hour() + 11) % 12 + 1, run)),
                'm' => out.push_str(&two(at.minute(), run)),
                'M' => out.push_str(&two(at.month(), run)),
                's' => out.push_str(&two(at.second(), run)),
                'y' if run >= 4 => out.push_str(&format!("{:04}", at.year())),
                'y' => out.push_str(&two(at.year().rem_euclid(100) as u32, run)),
                't' => out.push_str(if at.hour() < 12 { "AM" } else { "PM" }),
                'f' | 'F' => {
                    let digits = format!("{ticks:07}");
                    let part = &digits[..run.min(7)];
                    if c == 'F' {
                        out.push_str(part.trim_end_matches('0'));
                    } else {
                        out.push_str(part);
                    }
                }
                other => (0..run).for_each(|_| out.push(other)),
            }
        }
        out
    })
}

/// `format_timespan(span, format)`: `d`… days padded to the run's length,
/// `h`/`hh`, `m`/`mm`, `s`/`ss`, `f`… and `F`… the fraction's digits (`F`
/// without trailing zeros); a negative span is its magnitude after `-`.
/// Other letters and characters that are not delimiters are an error.
fn format_timespan(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (values, formats) = (longs(&args[0])?, strings(&args[1])?);
    if let Some(bad) =
        formats.iter().flatten().flat_map(str::chars).find(|c| !"dhHmsfF /-:,._[]".contains(*c))
    {
        return Err(DataFusionError::Execution(format!(
            "`format_timespan`: `{bad}` is not a format specifier; use d, f, F, h, H, m, s and the delimiters space / - : , . _ [ ]"
        )));
    }
    rows_string(args, |r| {
        if values.is_null(r) || formats.is_null(r) {
            return String::new();
        }
        let ns = values.value(r);
        let ticks = ns.unsigned_abs() / NANOS_PER_TICK as u64;
        let seconds = ticks / 10_000_000;
        let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
        let fraction = format!("{:07}", ticks % 10_000_000);
        let format: Vec<char> = formats.value(r).chars().collect();
        let mut out = String::from(if ns < 0 { "-" } else { "" });
        let mut i = 0;
        while i < format.len() {
            let c = format[i];
            let run = format[i..].iter().take_while(|&&x| x == c).count();
            i += run;
            let padded = |v: u64, width: usize| format!("{v:0width$}");
            match c {
                'd' => out.push_str(&padded(days, run)),
                'h' | 'H' => out.push_str(&padded(hours, run.min(2))),
                'm' => out.push_str(&padded(minutes, run.min(2))),
                's' => out.push_str(&padded(seconds % 60, run.min(2))),
                'f' => out.push_str(&fraction[..run.min(7)]),
                'F' => out.push_str(fraction[..run.min(7)].trim_end_matches('0')),
                other => (0..run).for_each(|_| out.push(other)),
            }
        }
        out
    })
}

/// `unixtime_*_todatetime(n)`: `n` units of `unit` nanoseconds after the
/// Unix epoch, truncated to ticks; null when out of range.
fn unixtime(args: &[ArrayRef], types: &[KqlType], unit: i64) -> Result<ArrayRef> {
    let out: Vec<Option<i64>> = if types[0] == KqlType::Real {
        let values = reals(&args[0])?;
        values
            .iter()
            .map(|v| {
                let ticks = (v? * unit as f64 / NANOS_PER_TICK as f64).trunc();
                (ticks.is_finite() && ticks.abs() < (i64::MAX / NANOS_PER_TICK) as f64)
                    .then(|| ticks as i64 * NANOS_PER_TICK)
            })
            .collect()
    } else {
        let values = longs(&args[0])?;
        values
            .iter()
            .map(|v| {
                let nanos = v?.checked_mul(unit)?;
                Some(nanos - nanos % NANOS_PER_TICK)
            })
            .collect()
    };
    Ok(datetimes(out.into_iter()))
}

/// `make_datetime(year, month, day[, hour, minute, second])`; null for a
/// date that does not exist.
fn make_datetime(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let parts: Vec<Int64Array> =
        args[..args.len().min(5)].iter().map(longs).collect::<Result<_>>()?;
    let seconds = args.get(5).map(reals).transpose()?;
    let out = (0..rows(args)).map(|r| {
        let part = |i: usize| parts.get(i).map_or(Some(0), |p| (!p.is_null(r)).then(|| p.value(r)));
        let (y, mo, d, h, mi) = (part(0)?, part(1)?, part(2)?, part(3)?, part(4)?);
        let s = match &seconds {
            Some(s) if s.is_null(r) => return None,
            Some(s) => s.value(r),
            None => 0.0,
        };
        let date = NaiveDate::from_ymd_opt(
            i32::try_from(y).ok()?,
            u32::try_from(mo).ok()?,
            u32::try_from(d).ok()?,
        )?;
        let midnight = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt()?;
        let within = (h * 3600 + mi * 60) as f64 * 1e9 + s * 1e9;
        let ticks = (within / NANOS_PER_TICK as f64).round() as i64;
        midnight.checked_add(ticks * NANOS_PER_TICK)
    });
    Ok(datetimes(out))
}

/// `make_timespan(hour, minute[, second])` or `make_timespan(day, hour,
/// minute, second)`: null when a part is negative or out of its clock
/// range (hour 0–23, minute 0–59, second under 60), as Kusto answers
/// (measured: oracle r2-datetime-timespan-0027, r3-datetime-timespan-0012).
/// Seconds keep tick precision.
fn make_timespan(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    // The last argument is the (real) seconds, except in the two-part form.
    let whole = if args.len() == 2 { 2 } else { args.len() - 1 };
    let parts: Vec<Int64Array> = args[..whole].iter().map(longs).collect::<Result<_>>()?;
    let seconds = args.get(whole).map(reals).transpose()?;
    let out = (0..rows(args)).map(|r| {
        let part = |i: usize| (!parts[i].is_null(r)).then(|| parts[i].value(r));
        let (day, hour, minute) = match whole {
            3 => (part(0)?, part(1)?, part(2)?),
            _ => (0, part(0)?, part(1)?),
        };
        let second = match &seconds {
            Some(s) => (!s.is_null(r)).then(|| s.value(r))?,
            None => 0.0,
        };
        let valid = day >= 0
            && (0..24).contains(&hour)
            && (0..60).contains(&minute)
            && (0.0..60.0).contains(&second);
        if !valid {
            return None;
        }
        let ticks = (second * 1e7).round() as i64;
        let whole_seconds = day.checked_mul(86_400)?.checked_add(hour * 3_600 + minute * 60)?;
        whole_seconds.checked_mul(1_000_000_000)?.checked_add(ticks * NANOS_PER_TICK)
    });
    Ok(Arc::new(out.collect::<DurationNanosecondArray>()))
}

// Dynamic values (§6.5).

fn pack_array(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        Some(Value::Array(
            args.iter().zip(types).map(|(a, t)| json_value(a.as_ref(), r, *t)).collect(),
        ))
    })))
}

fn bag_pack(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let mut bag = serde_json::Map::new();
        for pair in args.chunks(2).zip(types.chunks(2)) {
            let ((k, v), (kt, vt)) = ((&pair.0[0], &pair.0[1]), (pair.1[0], pair.1[1]));
            bag.insert(text(k.as_ref(), r, kt), json_value(v.as_ref(), r, vt));
        }
        Some(Value::Object(bag))
    })))
}

/// `parse_json`/`todynamic`: JSON text to its value; text that is not JSON
/// is a dynamic string; `""` is null; a dynamic stays as it is (§5.5).
fn to_dynamic(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let a = args[0].as_ref();
    Ok(dynamic((0..a.len()).map(|r| match types[0] {
        KqlType::String if a.is_null(r) => None,
        KqlType::String => {
            let s = a.as_string::<i32>().value(r);
            if s.is_empty() {
                return None;
            }
            Some(serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_owned())))
        }
        ty => Some(json_value(a, r, ty)).filter(|v| !v.is_null()),
    })))
}

fn gettype(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    rows_string(args, |r| {
        if types[0] != KqlType::Dynamic {
            return types[0].name().to_owned();
        }
        match json_value(args[0].as_ref(), r, KqlType::Dynamic) {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(n) if n.is_i64() || n.is_u64() => "long",
            Value::Number(_) => "double",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "dictionary",
        }
        .to_owned()
    })
}

// Conversions (§6.2).

/// The value as a long, by Kusto's conversion rules; `None` for null.
fn long_of(a: &dyn Array, r: usize, ty: KqlType) -> Option<i64> {
    if a.is_null(r) {
        return None;
    }
    match ty {
        KqlType::Long | KqlType::Int | KqlType::Timespan | KqlType::Datetime => {
            let v =
                cast(&a.slice(r, 1), &DataType::Int64).ok()?.as_primitive::<Int64Type>().value(0);
            Some(match ty {
                KqlType::Timespan => v / NANOS_PER_TICK,
                // Ticks since 0001-01-01.
                KqlType::Datetime => v / NANOS_PER_TICK + TICKS_TO_UNIX_EPOCH,
                _ => v,
            })
        }
        KqlType::Real | KqlType::Decimal => {
            let v = a.as_primitive::<Float64Type>().value(r);
            // Saturating, as Kusto converts a column (oracle
            // r2-type-casts-coercion-0034; a constant folds to the minimum
            // instead, -0033).
            (!v.is_nan()).then_some(v as i64)
        }
        KqlType::Bool => Some(i64::from(a.as_boolean().value(r))),
        KqlType::String | KqlType::Guid => integer_text(a.as_string::<i32>().value(r)),
        KqlType::Dynamic => match json_value(a, r, ty) {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::Bool(b) => Some(i64::from(b)),
            Value::String(s) => integer_text(&s),
            _ => None,
        },
    }
}

/// 100 ns ticks from 0001-01-01 to 1970-01-01.
const TICKS_TO_UNIX_EPOCH: i64 = 621_355_968_000_000_000;

/// Integer syntax only, trimmed: `' 7 '`, `-3`, `+4`, `0x10`.
pub(crate) fn integer_text(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let value = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        // Hex is the 64 bits as written, unsigned (`0xFFFFFFFFFFFFFFFF` is
        // -1) and never after a sign (oracle r2-type-casts-coercion-0008).
        Some(_) if negative || s.starts_with('+') => return None,
        Some(hex) => u64::from_str_radix(hex, 16).ok()? as i64,
        // Parsed with its sign, so that the long minimum fits.
        None if digits.bytes().all(|b| b.is_ascii_digit()) && !digits.is_empty() => {
            return if negative { format!("-{digits}").parse().ok() } else { digits.parse().ok() };
        }
        None => return None,
    };
    Some(value)
}

fn real_of(a: &dyn Array, r: usize, ty: KqlType) -> Option<f64> {
    if a.is_null(r) {
        return None;
    }
    match ty {
        KqlType::Real | KqlType::Decimal => Some(a.as_primitive::<Float64Type>().value(r)),
        KqlType::String | KqlType::Guid => real_text(a.as_string::<i32>().value(r)),
        KqlType::Dynamic => match json_value(a, r, ty) {
            Value::Number(n) => n.as_f64(),
            Value::Bool(b) => Some(f64::from(u8::from(b))),
            Value::String(s) => real_text(&s),
            _ => None,
        },
        _ => long_of(a, r, ty).map(|v| v as f64),
    }
}

/// Real syntax, trimmed: `5.7`, `1e3`, `5.`; not hex.
pub(crate) fn real_text(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || s.contains(['x', 'X']) {
        return None;
    }
    s.parse().ok()
}

fn to_long(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    rows_long(args, |r| long_of(args[0].as_ref(), r, types[0]))
}

/// `toint`: a long wraps to 32 bits, a real saturates, text must fit.
fn to_int(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let a = args[0].as_ref();
    Ok(Arc::new(
        (0..a.len())
            .map(|r| match types[0] {
                KqlType::Real | KqlType::Decimal => {
                    real_of(a, r, types[0]).filter(|v| !v.is_nan()).map(|v| v as i32)
                }
                KqlType::String | KqlType::Guid => {
                    long_of(a, r, types[0]).and_then(|v| i32::try_from(v).ok())
                }
                // A real inside saturates as a real does; a long wraps.
                KqlType::Dynamic if !a.is_null(r) => match json_value(a, r, KqlType::Dynamic) {
                    Value::Number(n) if n.as_i64().is_none() => {
                        n.as_f64().filter(|v| !v.is_nan()).map(|v| v as i32)
                    }
                    _ => long_of(a, r, KqlType::Dynamic).map(|v| v as i32),
                },
                ty => long_of(a, r, ty).map(|v| v as i32),
            })
            .collect::<Int32Array>(),
    ))
}

fn to_double(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let a = args[0].as_ref();
    Ok(Arc::new((0..a.len()).map(|r| real_of(a, r, types[0])).collect::<Float64Array>()))
}

/// `tobool`: `true`/`false` in any case, integer text and numbers by
/// whether they are zero; anything else null.
fn to_bool(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let a = args[0].as_ref();
    let of_text = |s: &str| {
        let s = s.trim();
        match s.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => integer_text(s).filter(|_| !s.contains(['x', 'X'])).map(|v| v != 0),
        }
    };
    Ok(Arc::new(
        (0..a.len())
            .map(|r| {
                if a.is_null(r) {
                    return None;
                }
                match types[0] {
                    KqlType::Bool => Some(a.as_boolean().value(r)),
                    KqlType::String => of_text(a.as_string::<i32>().value(r)),
                    KqlType::Dynamic => match json_value(a, r, KqlType::Dynamic) {
                        Value::Bool(b) => Some(b),
                        Value::Number(n) => n.as_f64().map(|v| v != 0.0),
                        Value::String(s) => of_text(&s),
                        _ => None,
                    },
                    ty => real_of(a, r, ty).map(|v| v != 0.0),
                }
            })
            .collect::<BooleanArray>(),
    ))
}

fn to_datetime(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let a = args[0].as_ref();
    Ok(datetimes((0..a.len()).map(|r| match types[0] {
        _ if a.is_null(r) => None,
        KqlType::Datetime => long_of(a, r, KqlType::Long),
        KqlType::String => parse_datetime(a.as_string::<i32>().value(r)),
        KqlType::Dynamic => match json_value(a, r, KqlType::Dynamic) {
            Value::String(s) => parse_datetime(&s),
            _ => None,
        },
        _ => None,
    })))
}

fn to_timespan(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let a = args[0].as_ref();
    let values = (0..a.len()).map(|r| match types[0] {
        _ if a.is_null(r) => None,
        KqlType::Timespan => long_of(a, r, KqlType::Long),
        // A number is ticks (oracle r2-type-casts-coercion-0017).
        KqlType::Long | KqlType::Int => long_of(a, r, types[0])?.checked_mul(NANOS_PER_TICK),
        KqlType::String => parse_timespan(a.as_string::<i32>().value(r)),
        KqlType::Dynamic => match json_value(a, r, KqlType::Dynamic) {
            Value::String(s) => parse_timespan(&s),
            _ => None,
        },
        _ => None,
    });
    Ok(Arc::new(values.collect::<DurationNanosecondArray>()))
}

// Numbers, datetimes and timespans (§6.1).

fn abs(args: &[ArrayRef], types: &[KqlType], result: KqlType) -> Result<ArrayRef> {
    Ok(match (types[0], result) {
        (KqlType::Real, _) => {
            Arc::new(reals(&args[0])?.iter().map(|v| v.map(f64::abs)).collect::<Float64Array>())
        }
        (_, KqlType::Timespan) => Arc::new(
            longs(&args[0])?
                .iter()
                .map(|v| v.map(i64::wrapping_abs))
                .collect::<DurationNanosecondArray>(),
        ),
        _ => Arc::new(
            longs(&args[0])?.iter().map(|v| v.map(i64::wrapping_abs)).collect::<Int64Array>(),
        ),
    })
}

/// `bin(v, size)`: the largest multiple of `size` not above `v`; null for a
/// null or non-positive size. Datetimes count from 0001-01-01, Kusto's
/// tick zero, so that day bins start at midnight.
fn bin(args: &[ArrayRef], types: &[KqlType], result: KqlType) -> Result<ArrayRef> {
    if result == KqlType::Real {
        let (v, s) = (reals(&args[0])?, reals(&args[1])?);
        let out = v.iter().zip(s.iter()).map(|(v, s)| match (v, s) {
            (Some(v), Some(s)) if s > 0.0 => Some((v / s).floor() * s),
            _ => None,
        });
        return Ok(Arc::new(out.collect::<Float64Array>()));
    }
    let (v, s) = (longs(&args[0])?, longs(&args[1])?);
    let origin: i128 = if types[0] == KqlType::Datetime {
        i128::from(TICKS_TO_UNIX_EPOCH) * i128::from(NANOS_PER_TICK)
    } else {
        0
    };
    let out = v.iter().zip(s.iter()).map(|(v, s)| match (v, s) {
        (Some(v), Some(s)) if s > 0 => {
            let shifted = i128::from(v) + origin;
            i64::try_from(shifted - shifted.rem_euclid(i128::from(s)) - origin).ok()
        }
        _ => None,
    });
    Ok(match result {
        KqlType::Datetime => datetimes(out),
        KqlType::Timespan => Arc::new(out.collect::<DurationNanosecondArray>()),
        _ => Arc::new(out.collect::<Int64Array>()),
    })
}

/// A real function of one real; a NaN result (a logarithm or root of a
/// negative number) is null, as Kusto's documentation says.
/// A bitwise operation on two longs; null when either is.
fn long_pair(args: &[ArrayRef], f: impl Fn(i64, i64) -> i64) -> Result<ArrayRef> {
    let (x, y) = (longs(&args[0])?, longs(&args[1])?);
    Ok(Arc::new(x.iter().zip(y.iter()).map(|(x, y)| Some(f(x?, y?))).collect::<Int64Array>()))
}

fn real_map(args: &[ArrayRef], f: impl Fn(f64) -> f64) -> Result<ArrayRef> {
    let values = reals(&args[0])?;
    Ok(Arc::new(values.iter().map(|v| v.map(&f).filter(|r| !r.is_nan())).collect::<Float64Array>()))
}

/// `ceiling(x)`: the smallest integer not below `x` (integers as they are).
fn ceiling(args: &[ArrayRef], _: &[KqlType], result: KqlType) -> Result<ArrayRef> {
    Ok(match result {
        KqlType::Real => real_map(args, f64::ceil)?,
        _ => cast(&args[0], &calypso_io::arrow_type(result))?,
    })
}

/// `sign(x)`: -1, 0 or 1; a real for any number (oracle
/// r2-type-casts-coercion-0000), a timespan for a timespan.
fn sign(args: &[ArrayRef], _: &[KqlType], result: KqlType) -> Result<ArrayRef> {
    Ok(match result {
        KqlType::Real => Arc::new(
            reals(&args[0])?
                .iter()
                // sign(NaN) is 0 (oracle r2-type-casts-coercion-0012).
                .map(|v| v.map(|v| if v == 0.0 || v.is_nan() { 0.0 } else { v.signum() }))
                .collect::<Float64Array>(),
        ),
        _ => {
            let signs: Int64Array = longs(&args[0])?.iter().map(|v| v.map(i64::signum)).collect();
            cast(&(Arc::new(signs) as ArrayRef), &calypso_io::arrow_type(result))?
        }
    })
}

/// `bin_at(v, size, fixed)`: bins of `size` aligned so that `fixed` starts
/// one (§6.1).
fn bin_at(args: &[ArrayRef], _: &[KqlType], result: KqlType) -> Result<ArrayRef> {
    if result == KqlType::Real {
        let (v, s, f) = (reals(&args[0])?, reals(&args[1])?, reals(&args[2])?);
        let out = (0..v.len()).map(|r| {
            match (v.is_null(r) || s.is_null(r) || f.is_null(r), s.value(r)) {
                (false, size) if size > 0.0 => {
                    Some(f.value(r) + ((v.value(r) - f.value(r)) / size).floor() * size)
                }
                _ => None,
            }
        });
        return Ok(Arc::new(out.collect::<Float64Array>()));
    }
    let (v, s, f) = (longs(&args[0])?, longs(&args[1])?, longs(&args[2])?);
    let out = (0..v.len()).map(|r| {
        if v.is_null(r) || s.is_null(r) || f.is_null(r) || s.value(r) <= 0 {
            return None;
        }
        let (v, size, fixed) =
            (i128::from(v.value(r)), i128::from(s.value(r)), i128::from(f.value(r)));
        i64::try_from(fixed + (v - fixed).div_euclid(size) * size).ok()
    });
    Ok(match result {
        KqlType::Datetime => datetimes(out),
        KqlType::Timespan => Arc::new(out.collect::<DurationNanosecondArray>()),
        _ => Arc::new(out.collect::<Int64Array>()),
    })
}

/// `round(x[, precision])`: to `precision` decimals (negative: tens,
/// hundreds, …), a tie away from zero after scaling (the oracle measured
/// `round(2.5)` = 3 and `round(-0.5)` = -1; the documentation's
/// `round(2.15, 1)` is 2.2, `round(21.5, -1)` is 20).
fn round(args: &[ArrayRef], _: &[KqlType], result: KqlType) -> Result<ArrayRef> {
    let precisions = args.get(1).map(longs).transpose()?;
    let values = reals(&args[0])?;
    let rounded = (0..values.len()).map(|r| {
        let p = match &precisions {
            Some(p) if p.is_null(r) => return None,
            Some(p) => p.value(r).clamp(-18, 18) as i32,
            None => 0,
        };
        let v = (!values.is_null(r)).then(|| values.value(r))?;
        Some(if p >= 0 {
            let scale = 10f64.powi(p);
            (v * scale).round() / scale
        } else {
            let scale = 10f64.powi(-p);
            (v / scale).round() * scale
        })
    });
    Ok(match result {
        KqlType::Real => Arc::new(rounded.collect::<Float64Array>()),
        _ => Arc::new(rounded.map(|v| v.map(|v| v as i64)).collect::<Int64Array>()),
    })
}

/// `coalesce(a, b, ...)`: the first argument that is neither null nor, for
/// strings, empty (§6.4).
fn coalesce(args: &[ArrayRef], _: &[KqlType], result: KqlType) -> Result<ArrayRef> {
    let target = calypso_io::arrow_type(result);
    let arrays = args.iter().map(|a| cast(a, &target)).collect::<Result<Vec<_>, _>>()?;
    let (last, rest) = arrays.split_last().expect("coalesce has two arguments or more");
    let mut out = last.clone();
    for a in rest.iter().rev() {
        let keep: BooleanArray = (0..a.len())
            .map(|r| {
                Some(
                    !a.is_null(r)
                        && (target != DataType::Utf8 || !a.as_string::<i32>().value(r).is_empty()),
                )
            })
            .collect();
        out = zip(&keep, a, &out)?;
    }
    Ok(out)
}

fn instant(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

fn date_part(args: &[ArrayRef], part: impl Fn(DateTime<Utc>) -> i64) -> Result<ArrayRef> {
    Ok(Arc::new(
        longs(&args[0])?.iter().map(|v| v.map(|ns| part(instant(ns)))).collect::<Int64Array>(),
    ))
}

/// `dayofweek`: the timespan since the last Sunday midnight.
fn day_of_week(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let day = 86_400 * 1_000_000_000_i64;
    let out = longs(&args[0])?
        .iter()
        .map(|v| v.map(|ns| i64::from(instant(ns).weekday().num_days_from_sunday()) * day))
        .collect::<DurationNanosecondArray>();
    Ok(Arc::new(out))
}

#[derive(Clone, Copy)]
enum Period {
    Day,
    Week,
    Month,
    Year,
}

/// `startofX(dt [, offset])` and `endofX(...)`: weeks start on Sunday; an
/// end is the last tick of its period.
fn period_edge(args: &[ArrayRef], period: Period, end: bool) -> Result<ArrayRef> {
    let offsets = args.get(1).map(longs).transpose()?;
    let values = longs(&args[0])?;
    let out = (0..values.len()).map(|r| {
        if values.is_null(r) || offsets.as_ref().is_some_and(|o| o.is_null(r)) {
            return None;
        }
        let offset = offsets.as_ref().map_or(0, |o| o.value(r));
        let date = instant(values.value(r)).date_naive();
        let start = |d: NaiveDate| -> Option<NaiveDate> {
            Some(match period {
                Period::Day => d,
                Period::Week => d - Duration::days(i64::from(d.weekday().num_days_from_sunday())),
                Period::Month => d.with_day(1)?,
                Period::Year => d.with_day(1)?.with_month(1)?,
            })
        };
        let shift = |d: NaiveDate, n: i64| -> Option<NaiveDate> {
            match period {
                Period::Day => d.checked_add_signed(Duration::days(n)),
                Period::Week => d.checked_add_signed(Duration::weeks(n)),
                Period::Month => add_months(d, n),
                Period::Year => add_months(d, n.checked_mul(12)?),
            }
        };
        let first = shift(start(date)?, offset)?;
        let edge = if end { shift(first, 1)? } else { first };
        let ns = edge.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt()?;
        Some(if end { ns - NANOS_PER_TICK } else { ns })
    });
    Ok(datetimes(out))
}

fn add_months(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    let months = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
    if n >= 0 { d.checked_add_months(months) } else { d.checked_sub_months(months) }
}

/// `datetime_add(period, amount, dt)`.
fn datetime_add(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (periods, amounts, values) = (strings(&args[0])?, longs(&args[1])?, longs(&args[2])?);
    let out = (0..values.len()).map(|r| {
        if amounts.is_null(r) || values.is_null(r) {
            return None;
        }
        let (n, ns) = (amounts.value(r), values.value(r));
        let unit: i64 = match periods.value(r).to_ascii_lowercase().as_str() {
            "year" => return months_later(ns, n.checked_mul(12)?),
            "quarter" => return months_later(ns, n.checked_mul(3)?),
            "month" => return months_later(ns, n),
            "week" => 7 * 86_400 * 1_000_000_000,
            "day" => 86_400 * 1_000_000_000,
            "hour" => 3_600 * 1_000_000_000,
            "minute" => 60 * 1_000_000_000,
            "second" => 1_000_000_000,
            "millisecond" => 1_000_000,
            "microsecond" => 1_000,
            "nanosecond" => 1,
            _ => return None,
        };
        ns.checked_add(n.checked_mul(unit)?)
    });
    Ok(datetimes(out))
}

fn months_later(ns: i64, n: i64) -> Option<i64> {
    let at = instant(ns).naive_utc();
    let date = add_months(at.date(), n)?;
    date.and_time(at.time()).and_utc().timestamp_nanos_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_library_signature_has_a_kernel() {
        for sig in calypso_binder::library::LIBRARY {
            assert!(kernel(sig.name).is_some(), "no kernel for `{}`", sig.name);
        }
    }

    #[test]
    fn integer_text_is_strict() {
        assert_eq!(integer_text(" 7 "), Some(7));
        assert_eq!(integer_text("-3"), Some(-3));
        assert_eq!(integer_text("+4"), Some(4));
        assert_eq!(integer_text("0x10"), Some(16));
        for bad in ["5.7", "1e3", "1,000", "", "5."] {
            assert_eq!(integer_text(bad), None, "{bad}");
        }
        assert_eq!(real_text("5."), Some(5.0));
        assert_eq!(real_text("1e3"), Some(1000.0));
        assert_eq!(real_text("0x10"), None);
    }
}

#[cfg(test)]
mod docs {
    #[test]
    fn docs_supported_lists_every_library_function() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/supported.md");
        let text = std::fs::read_to_string(path).expect("docs/supported.md exists");
        for sig in calypso_binder::library::LIBRARY {
            assert!(
                text.contains(&format!("`{}`", sig.name)),
                "docs/supported.md lacks `{}`",
                sig.name
            );
        }
    }
}
