//! Signatures of the scalar function library: how many arguments each
//! function takes and what it returns for the argument types.
//!
//! The engine holds a kernel for every name here (its
//! `functions::library`), and a test there checks that none is missing.
//! Functions whose binding is more than a signature (`iff`, `case`,
//! `column_ifexists`, `ago`, …) are bound in `expr.rs` instead.

use calypso_syntax::KqlType;

/// One library function.
#[derive(Debug)]
pub struct Signature {
    /// The name Kusto calls it by (aliases have entries of their own).
    pub name: &'static str,
    /// The fewest and most arguments.
    pub arity: (usize, usize),
    /// The result type for the argument types, or why they do not fit.
    pub result: fn(&[KqlType]) -> Result<KqlType, std::string::String>,
}

use KqlType::*;

const fn sig(
    name: &'static str,
    arity: (usize, usize),
    result: fn(&[KqlType]) -> Result<KqlType, std::string::String>,
) -> Signature {
    Signature { name, arity, result }
}

/// The library, in alphabetical order.
pub static LIBRARY: &[Signature] = &[
    sig("abs", (1, 1), |t| numeric_or_timespan(t[0])),
    sig("acos", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("array_concat", (1, 64), |t| dynamics(t).map(|_| Dynamic)),
    sig("array_iff", (3, 3), |t| dynamics(&t[..1]).map(|_| Dynamic)),
    sig("array_iif", (3, 3), |t| dynamics(&t[..1]).map(|_| Dynamic)),
    sig("array_index_of", (2, 2), |t| dynamics(&t[..1]).map(|_| Long)),
    sig("array_reverse", (1, 1), |t| dynamics(t).map(|_| Dynamic)),
    sig("array_rotate_left", (2, 2), |t| {
        dynamics(&t[..1]).and(all_of(&t[1..], &[Long])).map(|_| Dynamic)
    }),
    sig("array_rotate_right", (2, 2), |t| {
        dynamics(&t[..1]).and(all_of(&t[1..], &[Long])).map(|_| Dynamic)
    }),
    sig("array_shift_left", (2, 3), |t| {
        dynamics(&t[..1]).and(all_of(&t[1..2], &[Long])).map(|_| Dynamic)
    }),
    sig("array_shift_right", (2, 3), |t| {
        dynamics(&t[..1]).and(all_of(&t[1..2], &[Long])).map(|_| Dynamic)
    }),
    sig("array_slice", (3, 3), |t| {
        dynamics(&t[..1]).and(all_of(&t[1..], &[Long, Long])).map(|_| Dynamic)
    }),
    sig("array_sort_asc", (1, 1), |t| dynamics(t).map(|_| Dynamic)),
    sig("array_sort_desc", (1, 1), |t| dynamics(t).map(|_| Dynamic)),
    sig("array_split", (2, 2), |t| {
        dynamics(&t[..1])?;
        match t[1] {
            Long | Int | Dynamic => Ok(Dynamic),
            other => Err(format!("argument 2 must be a long or an array of them, not a {other}")),
        }
    }),
    sig("array_sum", (1, 1), |t| dynamics(t).map(|_| Real)),
    sig("asin", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("atan", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("atan2", (2, 2), |t| all_of(t, &[Real, Real]).map(|_| Real)),
    sig("bag_has_key", (2, 2), |t| dynamics(&t[..1]).and(all_of(&t[1..], &[String])).map(|_| Bool)),
    sig("bag_keys", (1, 1), |t| dynamics(t).map(|_| Dynamic)),
    sig("bag_merge", (2, 64), |t| dynamics(t).map(|_| Dynamic)),
    sig("bag_pack", (0, 64), pack),
    sig("bag_remove_keys", (2, 2), |t| dynamics(t).map(|_| Dynamic)),
    sig("base64_decode_toarray", (1, 1), |t| all_of(t, &[String]).map(|_| Dynamic)),
    sig("base64_decode_tostring", (1, 1), |t| all_of(t, &[String]).map(|_| String)),
    sig("base64_decodestring", (1, 1), |t| all_of(t, &[String]).map(|_| String)),
    sig("base64_encode_tostring", (1, 1), |t| all_of(t, &[String]).map(|_| String)),
    sig("bin", (2, 2), bin),
    sig("bin_at", (3, 3), |t| {
        bin(&t[..2]).and_then(|ty| {
            if t[2] == t[0] || (t[2].is_numeric() && t[0].is_numeric()) {
                Ok(ty)
            } else {
                Err(format!("the fixed point must be a {}", t[0]))
            }
        })
    }),
    sig("binary_and", (2, 2), |t| all_of(t, &[Long, Long]).map(|_| Long)),
    sig("binary_not", (1, 1), |t| all_of(t, &[Long]).map(|_| Long)),
    sig("binary_or", (2, 2), |t| all_of(t, &[Long, Long]).map(|_| Long)),
    sig("binary_xor", (2, 2), |t| all_of(t, &[Long, Long]).map(|_| Long)),
    sig("bitset_count_ones", (1, 1), |t| all_of(t, &[Long]).map(|_| Long)),
    sig("ceiling", (1, 1), |t| numeric_or_timespan(t[0])),
    sig("coalesce", (2, 64), common),
    sig("cos", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("cot", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("countof", (2, 3), |t| all_of(t, &[String, String, String]).map(|_| Long)),
    sig("datetime_add", (3, 3), |t| all_of(t, &[String, Long, Datetime]).map(|_| Datetime)),
    sig("datetime_part", (2, 2), |t| all_of(t, &[String, Datetime]).map(|_| Long)),
    sig("dayofmonth", (1, 1), |t| all_of(t, &[Datetime]).map(|_| Long)),
    sig("dayofweek", (1, 1), |t| all_of(t, &[Datetime]).map(|_| Timespan)),
    sig("dayofyear", (1, 1), |t| all_of(t, &[Datetime]).map(|_| Long)),
    sig("degrees", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("dynamic_to_json", (1, 1), |t| dynamics(t).map(|_| String)),
    sig("endofday", (1, 2), start_or_end),
    sig("endofmonth", (1, 2), start_or_end),
    sig("endofweek", (1, 2), start_or_end),
    sig("endofyear", (1, 2), start_or_end),
    sig("exp", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("exp10", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("exp2", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("extract", (3, 3), |t| all_of(t, &[String, Long, String]).map(|_| String)),
    sig("extract_all", (2, 3), |t| {
        match t.len() {
            2 => all_of(t, &[String, String]),
            _ => all_of(t, &[String, Dynamic, String]),
        }
        .map(|_| Dynamic)
    }),
    sig("extract_json", (2, 2), |t| all_of(&t[..1], &[String]).and(text_arg(t[1])).map(|_| String)),
    sig("extractjson", (2, 2), |t| all_of(&t[..1], &[String]).and(text_arg(t[1])).map(|_| String)),
    sig("floor", (2, 2), bin),
    sig("format_datetime", (2, 2), |t| all_of(t, &[Datetime, String]).map(|_| String)),
    sig("format_timespan", (2, 2), |t| all_of(t, &[Timespan, String]).map(|_| String)),
    sig("getmonth", (1, 1), |t| all_of(t, &[Datetime]).map(|_| Long)),
    sig("gettype", (1, 1), |_| Ok(String)),
    sig("getyear", (1, 1), |t| all_of(t, &[Datetime]).map(|_| Long)),
    sig("has_any_ipv4", (2, 64), ip_search),
    sig("has_any_ipv4_prefix", (2, 64), ip_search),
    sig("has_ipv4", (2, 2), |t| all_of(t, &[String, String]).map(|_| Bool)),
    sig("has_ipv4_prefix", (2, 2), |t| all_of(t, &[String, String]).map(|_| Bool)),
    sig("hash_md5", (1, 1), |_| Ok(String)),
    sig("hash_sha1", (1, 1), |_| Ok(String)),
    sig("hash_sha256", (1, 1), |_| Ok(String)),
    sig("hourofday", (1, 1), |t| all_of(t, &[Datetime]).map(|_| Long)),
    sig("indexof", (2, 3), |t| text_arg(t[0]).and(all_of(&t[1..], &[String, Long])).map(|_| Long)),
    sig("ipv4_compare", (2, 3), |t| all_of(t, &[String, String, Long]).map(|_| Long)),
    sig("ipv4_is_in_range", (2, 2), |t| all_of(t, &[String, String]).map(|_| Bool)),
    sig("ipv4_is_match", (2, 3), |t| all_of(t, &[String, String, Long]).map(|_| Bool)),
    sig("ipv4_is_private", (1, 1), |t| all_of(t, &[String]).map(|_| Bool)),
    sig("ipv4_netmask_suffix", (1, 1), |t| all_of(t, &[String]).map(|_| Long)),
    sig("isascii", (1, 1), |t| text_arg(t[0]).map(|_| Bool)),
    sig("isfinite", (1, 1), |t| all_of(t, &[Real]).map(|_| Bool)),
    sig("isinf", (1, 1), |t| all_of(t, &[Real]).map(|_| Bool)),
    sig("isnan", (1, 1), |t| all_of(t, &[Real]).map(|_| Bool)),
    sig("log", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("log10", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("log2", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("make_datetime", (3, 6), |t| {
        all_of(t, &[Long, Long, Long, Long, Long, Real]).map(|_| Datetime)
    }),
    sig("make_string", (1, 64), |t| {
        match t.iter().position(|ty| !matches!(ty, Int | Long | Dynamic)) {
            Some(i) => Err(format!(
                "argument {} must be a code point (a long) or an array of them, not a {}",
                i + 1,
                t[i]
            )),
            None => Ok(String),
        }
    }),
    sig("make_timespan", (2, 4), |t| {
        match t.len() {
            4 => all_of(t, &[Long, Long, Long, Real]),
            _ => all_of(t, &[Long, Long, Real]),
        }
        .map(|_| Timespan)
    }),
    sig("max_of", (2, 64), common),
    sig("min_of", (2, 64), common),
    sig("monthofyear", (1, 1), |t| all_of(t, &[Datetime]).map(|_| Long)),
    sig("pack", (0, 64), pack),
    sig("pack_array", (0, 64), |_| Ok(Dynamic)),
    sig("parse_ipv4", (1, 1), |t| all_of(t, &[String]).map(|_| Long)),
    sig("parse_json", (1, 1), |_| Ok(Dynamic)),
    sig("parse_path", (1, 1), |t| text_arg(t[0]).map(|_| Dynamic)),
    sig("parsejson", (1, 1), |_| Ok(Dynamic)),
    sig("pow", (2, 2), |t| all_of(t, &[Real, Real]).map(|_| Real)),
    sig("radians", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("range", (2, 3), |t| match (t[0], t[1]) {
        (Datetime, Datetime) | (Timespan, Timespan) | (Int | Long | Real, Int | Long | Real) => {
            Ok(Dynamic)
        }
        (a, b) => Err(format!("no range from a {a} to a {b}")),
    }),
    sig("replace_regex", (3, 3), |t| all_of(t, &[String, String, String]).map(|_| String)),
    sig("replace_string", (3, 3), |t| all_of(t, &[String, String, String]).map(|_| String)),
    sig("reverse", (1, 1), |t| text_arg(t[0]).map(|_| String)),
    sig("round", (1, 2), |t| {
        all_of(&t[1..], &[Long]).and(match t[0] {
            Int | Long => Ok(Long),
            Real => Ok(Real),
            other => Err(format!("argument 1 must be a number, not a {other}")),
        })
    }),
    sig("series_add", (2, 2), series_pair),
    sig("series_divide", (2, 2), series_pair),
    sig("series_equals", (2, 2), series_pair),
    sig("series_fill_backward", (1, 2), |t| dynamics(&t[..1]).map(|_| Dynamic)),
    sig("series_fill_const", (2, 3), |t| dynamics(&t[..1]).map(|_| Dynamic)),
    sig("series_fill_forward", (1, 2), |t| dynamics(&t[..1]).map(|_| Dynamic)),
    sig("series_fit_line", (1, 1), |t| dynamics(t).map(|_| Real)),
    sig("series_fit_line_dynamic", (1, 1), |t| dynamics(t).map(|_| Dynamic)),
    sig("series_greater", (2, 2), series_pair),
    sig("series_greater_equals", (2, 2), series_pair),
    sig("series_iir", (3, 3), |t| dynamics(t).map(|_| Dynamic)),
    sig("series_less", (2, 2), series_pair),
    sig("series_less_equals", (2, 2), series_pair),
    sig("series_multiply", (2, 2), series_pair),
    sig("series_not_equals", (2, 2), series_pair),
    sig("series_pow", (2, 2), series_pair),
    sig("series_stats", (1, 2), |t| dynamics(&t[..1]).and(all_of(&t[1..], &[Bool])).map(|_| Real)),
    sig("series_stats_dynamic", (1, 2), |t| {
        dynamics(&t[..1]).and(all_of(&t[1..], &[Bool])).map(|_| Dynamic)
    }),
    sig("series_subtract", (2, 2), series_pair),
    sig("set_has_element", (2, 2), |t| dynamics(&t[..1]).map(|_| Bool)),
    sig("set_intersect", (2, 64), |t| dynamics(t).map(|_| Dynamic)),
    sig("set_union", (2, 64), |t| dynamics(t).map(|_| Dynamic)),
    sig("sign", (1, 1), |t| {
        numeric_or_timespan(t[0]).map(|ty| if ty == Timespan { ty } else { Real })
    }),
    sig("sin", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("split", (2, 3), |t| text_arg(t[0]).and(all_of(&t[1..], &[String, Long])).map(|_| Dynamic)),
    sig("sqrt", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("startofday", (1, 2), start_or_end),
    sig("startofmonth", (1, 2), start_or_end),
    sig("startofweek", (1, 2), start_or_end),
    sig("startofyear", (1, 2), start_or_end),
    sig("strcat", (1, 64), |_| Ok(String)),
    sig("strcat_array", (2, 2), |t| {
        dynamics(&t[..1]).and(all_of(&t[1..], &[String])).map(|_| String)
    }),
    sig("strcat_delim", (2, 65), |t| all_of(&t[..1], &[String]).map(|_| String)),
    sig("strcmp", (2, 2), |t| all_of(t, &[String, String]).map(|_| Long)),
    sig("string_size", (1, 1), |t| text_arg(t[0]).map(|_| Long)),
    sig("strrep", (2, 3), |t| text_arg(t[0]).and(all_of(&t[1..], &[Long, String])).map(|_| String)),
    sig("substring", (2, 3), |t| {
        text_arg(t[0]).and(all_of(&t[1..], &[Long, Long])).map(|_| String)
    }),
    sig("tan", (1, 1), |t| all_of(t, &[Real]).map(|_| Real)),
    sig("tobool", (1, 1), |_| Ok(Bool)),
    sig("toboolean", (1, 1), |_| Ok(Bool)),
    sig("todatetime", (1, 1), |_| Ok(Datetime)),
    sig("todouble", (1, 1), |_| Ok(Real)),
    sig("todynamic", (1, 1), |_| Ok(Dynamic)),
    sig("tohex", (1, 2), |t| all_of(t, &[Long, Long]).map(|_| String)),
    sig("toint", (1, 1), |_| Ok(Int)),
    sig("tolong", (1, 1), |_| Ok(Long)),
    sig("toreal", (1, 1), |_| Ok(Real)),
    sig("totimespan", (1, 1), |_| Ok(Timespan)),
    sig("translate", (3, 3), |t| all_of(t, &[String, String, String]).map(|_| String)),
    sig("trim", (2, 2), |t| all_of(t, &[String, String]).map(|_| String)),
    sig("trim_end", (2, 2), |t| all_of(t, &[String, String]).map(|_| String)),
    sig("trim_start", (2, 2), |t| all_of(t, &[String, String]).map(|_| String)),
    sig("unixtime_microseconds_todatetime", (1, 1), |t| all_of(t, &[Real]).map(|_| Datetime)),
    sig("unixtime_milliseconds_todatetime", (1, 1), |t| all_of(t, &[Real]).map(|_| Datetime)),
    sig("unixtime_nanoseconds_todatetime", (1, 1), |t| all_of(t, &[Real]).map(|_| Datetime)),
    sig("unixtime_seconds_todatetime", (1, 1), |t| all_of(t, &[Real]).map(|_| Datetime)),
    sig("url_decode", (1, 1), |t| all_of(t, &[String]).map(|_| String)),
    sig("week_of_year", (1, 1), |t| all_of(t, &[Datetime]).map(|_| Long)),
    sig("weekofyear", (1, 1), |t| all_of(t, &[Datetime]).map(|_| Long)),
    sig("zip", (2, 64), |t| dynamics(t).map(|_| Dynamic)),
];

/// The signature of `name`, if the library has it.
pub fn lookup(name: &str) -> Option<&'static Signature> {
    LIBRARY.iter().find(|s| s.name == name)
}

/// Each argument must be of its position's type (ints count as longs).
fn all_of(types: &[KqlType], wanted: &[KqlType]) -> Result<(), std::string::String> {
    for (i, (&t, &w)) in types.iter().zip(wanted).enumerate() {
        let fits = t == w || (t == Int && w == Long) || (w == Real && t.is_numeric());
        if !fits {
            return Err(format!("argument {} must be a {w}, not a {t}", i + 1));
        }
    }
    Ok(())
}

/// `has_any_ipv4(text, ip, ...)`: the addresses as strings or arrays of them.
fn ip_search(t: &[KqlType]) -> Result<KqlType, std::string::String> {
    all_of(&t[..1], &[String])?;
    match t[1..].iter().position(|t| !matches!(t, String | Dynamic)) {
        Some(i) => {
            Err(format!("argument {} must be a string or an array, not a {}", i + 2, t[i + 1]))
        }
        None => Ok(Bool),
    }
}

/// Arguments that must all be dynamic (arrays or bags).
/// An element-wise series function's operands: arrays, or a number that
/// stands for every element (at least one must be an array).
fn series_pair(t: &[KqlType]) -> Result<KqlType, std::string::String> {
    for (i, ty) in t.iter().enumerate() {
        if *ty != Dynamic && !ty.is_numeric() {
            return Err(format!(
                "argument {} must be a dynamic array or a number, not a {ty}",
                i + 1
            ));
        }
    }
    if !t.contains(&Dynamic) {
        return Err("one argument must be a dynamic array".to_owned());
    }
    Ok(Dynamic)
}

fn dynamics(types: &[KqlType]) -> Result<(), std::string::String> {
    match types.iter().position(|t| *t != Dynamic) {
        Some(i) => Err(format!("argument {} must be dynamic, not a {}", i + 1, types[i])),
        None => Ok(()),
    }
}

/// Text functions also take a dynamic value, by its text (kql-semantics.md
/// §5.5).
fn text_arg(t: KqlType) -> Result<(), std::string::String> {
    match t {
        String | Dynamic => Ok(()),
        other => Err(format!("argument 1 must be a string, not a {other}")),
    }
}

fn numeric_or_timespan(t: KqlType) -> Result<KqlType, std::string::String> {
    match t {
        Int | Long => Ok(Long),
        Real | Timespan => Ok(t),
        other => Err(format!("expects a number or a timespan, not a {other}")),
    }
}

/// `bin(value, size)`: numbers by numbers, datetimes and timespans by
/// timespans (§6.1).
fn bin(t: &[KqlType]) -> Result<KqlType, std::string::String> {
    match (t[0], t[1]) {
        (Int | Long, Int | Long) => Ok(Long),
        (Int | Long | Real, Int | Long | Real) => Ok(Real),
        (Datetime, Timespan) => Ok(Datetime),
        (Timespan, Timespan) => Ok(Timespan),
        (v, s) => Err(format!("cannot bin a {v} by a {s}")),
    }
}

/// `startofday(dt [, offset])` and the like.
fn start_or_end(t: &[KqlType]) -> Result<KqlType, std::string::String> {
    all_of(t, &[Datetime, Long]).map(|_| Datetime)
}

/// `bag_pack(key, value, ...)`: keys are strings.
fn pack(t: &[KqlType]) -> Result<KqlType, std::string::String> {
    if !t.len().is_multiple_of(2) {
        return Err("takes keys and values in pairs".to_owned());
    }
    for (i, key) in t.iter().step_by(2).enumerate() {
        if *key != String {
            return Err(format!(
                "argument {} is a key and must be a string, not a {key}",
                2 * i + 1
            ));
        }
    }
    Ok(Dynamic)
}

/// One type for all arguments (`coalesce`): `int` and `long` mix; a
/// dynamic pairs with anything (§5.4).
fn common(t: &[KqlType]) -> Result<KqlType, std::string::String> {
    let mut ty = t[0];
    for &next in &t[1..] {
        ty = match (ty, next) {
            (a, b) if a == b => a,
            (Int | Long, Int | Long) => Long,
            (Dynamic, _) | (_, Dynamic) => Dynamic,
            (a, b) => return Err(format!("the arguments have different types: {a} and {b}")),
        };
    }
    Ok(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_is_sorted_and_unique() {
        let names: Vec<_> = LIBRARY.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn result_types_follow_the_arguments() {
        let result = |name: &str, args: &[KqlType]| (lookup(name).unwrap().result)(args);
        assert_eq!(result("bin", &[Long, Long]), Ok(Long));
        assert_eq!(result("bin", &[Real, Long]), Ok(Real));
        assert_eq!(result("bin", &[Datetime, Timespan]), Ok(Datetime));
        assert!(result("bin", &[Datetime, Long]).is_err());
        assert_eq!(result("coalesce", &[Int, Long]), Ok(Long));
        assert!(result("coalesce", &[Long, Real]).is_err());
        assert!(result("bag_pack", &[String]).is_err());
        assert!(result("substring", &[Long, Long]).is_err());
    }
}
