//! IPv4 library kernels (kql-semantics.md §6.6): addresses and prefixes as
//! text; text that is not an address gives null. The `has_ipv4` family
//! finds addresses inside free text.

use std::net::Ipv4Addr;
use std::sync::Arc;

use calypso_syntax::KqlType;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Result;
use serde_json::Value;

use super::text::{json_value, text};

/// `a.b.c.d` or `a.b.c.d/n` as (address, prefix length).
fn address(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    let (ip, prefix) = match text.split_once('/') {
        Some((ip, p)) => (ip, p.trim().parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (text, 32),
    };
    let ip: Ipv4Addr = ip.trim().parse().ok()?;
    Some((u32::from(ip), prefix))
}

fn mask(prefix: u32) -> u32 {
    if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) }
}

/// `ipv4_is_private(ip)`: in 10/8, 172.16/12 or 192.168/16.
pub(crate) fn ipv4_is_private(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let ips = args[0].as_string::<i32>();
    const PRIVATE: [(u32, u32); 3] = [(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16)];
    let out = (0..ips.len()).map(|r| {
        let (ip, _) = address(ips.value(r))?;
        Some(PRIVATE.iter().any(|&(net, p)| ip & mask(p) == net))
    });
    Ok(Arc::new(out.collect::<BooleanArray>()))
}

/// `ipv4_is_in_range(ip, range)`: the range's host bits are ignored.
pub(crate) fn ipv4_is_in_range(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let (ips, ranges) = (args[0].as_string::<i32>(), args[1].as_string::<i32>());
    let out = (0..ips.len()).map(|r| {
        if ips.is_null(r) || ranges.is_null(r) {
            return None;
        }
        let (ip, _) = address(ips.value(r))?;
        let (net, prefix) = address(ranges.value(r))?;
        Some(ip & mask(prefix) == net & mask(prefix))
    });
    Ok(Arc::new(out.collect::<BooleanArray>()))
}

/// The addresses written in `text`, as Kusto's `has_ipv4` sees them: a run
/// of digits and dots with a non-alphanumeric character (or the text's
/// edge) on each side, less any dots at its ends, that is a valid address
/// in itself. `05:04:54127.0.0.1` holds none (the run is `54127.0.0.1`),
/// and neither does `127.0.0.256`.
fn addresses_in(text: &str) -> impl Iterator<Item = &str> {
    let is_run = |c: char| c.is_ascii_digit() || c == '.';
    text.split(move |c: char| !is_run(c) && !c.is_alphanumeric())
        .filter(move |word| word.chars().all(is_run))
        .map(|word| word.trim_matches('.'))
        .filter(|word| word.parse::<Ipv4Addr>().is_ok())
}

/// Whether `prefix` is a whole address or one to three octets followed by a
/// dot (`10.`, `10.1.`, `10.1.2.`): the prefixes `has_ipv4_prefix` takes.
fn valid_prefix(prefix: &str) -> bool {
    match prefix.strip_suffix('.') {
        Some(octets) => {
            let parts: Vec<&str> = octets.split('.').collect();
            parts.len() <= 3
                && parts.iter().all(|p| format!("{p}.0.0.0").parse::<Ipv4Addr>().is_ok())
        }
        None => prefix.parse::<Ipv4Addr>().is_ok(),
    }
}

/// `has_ipv4(text, ip)`, `has_any_ipv4(text, ip, ...)` and their `_prefix`
/// forms: whether an address in the text is one of the searched addresses
/// (or starts with one of the prefixes). Searched values that are not valid
/// addresses or prefixes match nothing; each may be a string or an array of
/// strings. Never null: a null text holds no address.
pub(crate) fn has_ipv4(args: &[ArrayRef], types: &[KqlType], prefix: bool) -> Result<ArrayRef> {
    // The searched values are nearly always the same list on every row:
    // they are read again only when their text changes from the row before.
    let searched: Vec<ArrayRef> =
        args[1..].iter().map(|a| cast(a, &DataType::Utf8)).collect::<Result<_, _>>()?;
    let searched: Vec<_> = searched.iter().map(|a| a.as_string::<i32>()).collect();
    let key = |r: usize| -> Vec<Option<&str>> {
        searched.iter().map(|a| (!a.is_null(r)).then(|| a.value(r))).collect()
    };
    let mut last: Option<(Vec<Option<&str>>, Vec<String>)> = None;
    let mut out = Vec::with_capacity(args[0].len());
    for r in 0..args[0].len() {
        let row_key = key(r);
        if last.as_ref().is_none_or(|(k, _)| *k != row_key) {
            let wanted = wanted_addresses(args, types, r, prefix);
            last = Some((row_key, wanted));
        }
        let wanted = &last.as_ref().expect("set above").1;
        if wanted.is_empty() {
            out.push(Some(false));
            continue;
        }
        let source = text(args[0].as_ref(), r, types[0]);
        let found = addresses_in(&source).any(|ip| {
            wanted.iter().any(|w| if prefix { ip.starts_with(w.as_str()) } else { ip == w })
        });
        out.push(Some(found));
    }
    Ok(Arc::new(BooleanArray::from(out)))
}

/// The valid addresses (or prefixes) among the searched values of row `r`.
fn wanted_addresses(args: &[ArrayRef], types: &[KqlType], r: usize, prefix: bool) -> Vec<String> {
    let mut wanted: Vec<String> = Vec::new();
    for (array, ty) in args[1..].iter().zip(&types[1..]) {
        match json_value(array.as_ref(), r, *ty) {
            Value::String(s) => wanted.push(s),
            Value::Array(items) => {
                wanted.extend(items.into_iter().filter_map(|v| v.as_str().map(str::to_owned)))
            }
            _ => {}
        }
    }
    wanted.retain(|w| if prefix { valid_prefix(w) } else { w.parse::<Ipv4Addr>().is_ok() });
    wanted
}

/// `parse_ipv4(ip)`: the address as a long, a `/n` suffix masking its host
/// bits; null when it is not an address (leading zeros included).
pub(crate) fn parse_ipv4(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let ips = strings(&args[0])?;
    let out = (0..ips.len()).map(|r| {
        if ips.is_null(r) {
            return None;
        }
        let (ip, prefix) = address(ips.value(r))?;
        Some(i64::from(ip & mask(prefix)))
    });
    Ok(Arc::new(out.collect::<Int64Array>()))
}

/// `ipv4_netmask_suffix(ip)`: the `/n` of an address, 32 without one.
pub(crate) fn ipv4_netmask_suffix(
    args: &[ArrayRef],
    _: &[KqlType],
    _: KqlType,
) -> Result<ArrayRef> {
    let ips = strings(&args[0])?;
    let out = (0..ips.len()).map(|r| {
        if ips.is_null(r) { None } else { address(ips.value(r)).map(|(_, p)| i64::from(p)) }
    });
    Ok(Arc::new(out.collect::<Int64Array>()))
}

/// `ipv4_compare(a, b[, prefix])`: -1, 0 or 1, comparing the bits both
/// sides' prefixes (and the optional prefix argument) cover.
pub(crate) fn ipv4_compare(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let out = compared(args)?.map(|o| o.map(|o| o as i64));
    Ok(Arc::new(out.collect::<Int64Array>()))
}

/// `ipv4_is_match(a, b[, prefix])`: whether `ipv4_compare` is 0.
pub(crate) fn ipv4_is_match(args: &[ArrayRef], _: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    let out = compared(args)?.map(|o| o.map(|o| o == std::cmp::Ordering::Equal));
    Ok(Arc::new(out.collect::<BooleanArray>()))
}

fn compared(args: &[ArrayRef]) -> Result<impl Iterator<Item = Option<std::cmp::Ordering>>> {
    let (a, b) = (strings(&args[0])?, strings(&args[1])?);
    let prefix = match args.get(2) {
        Some(p) => Some(cast(p, &DataType::Int64)?.as_primitive::<Int64Type>().clone()),
        None => None,
    };
    Ok((0..a.len()).map(move |r| {
        if a.is_null(r) || b.is_null(r) {
            return None;
        }
        let (x, px) = address(a.value(r))?;
        let (y, py) = address(b.value(r))?;
        let mut bits = px.min(py);
        if let Some(prefix) = &prefix {
            if prefix.is_null(r) {
                return None;
            }
            let p = u32::try_from(prefix.value(r)).ok().filter(|p| *p <= 32)?;
            bits = bits.min(p);
        }
        Some((x & mask(bits)).cmp(&(y & mask(bits))))
    }))
}

fn strings(a: &ArrayRef) -> Result<datafusion::arrow::array::StringArray> {
    Ok(cast(a, &DataType::Utf8)?.as_string::<i32>().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_prefixes() {
        assert_eq!(address("10.1.2.3"), Some((0x0A01_0203, 32)));
        assert_eq!(address(" 192.168.1.255/24 "), Some((0xC0A8_01FF, 24)));
        assert_eq!(address("10.1.2"), None);
        assert_eq!(address("10.1.2.3/33"), None);
        assert_eq!(mask(0), 0);
        assert_eq!(mask(12), 0xFFF0_0000);
    }

    #[test]
    fn addresses_in_text_must_stand_apart() {
        let found = |t| addresses_in(t).collect::<Vec<_>>();
        assert_eq!(
            found("from: 192.168.1.1, 10.1.1.115 and 10.1.1.201."),
            ["192.168.1.1", "10.1.1.115", "10.1.1.201"]
        );
        assert_eq!(found("05:04:54 127.0.0.1 GET"), ["127.0.0.1"]);
        assert!(found("05:04:54127.0.0.1 GET").is_empty());
        assert!(found("127.0.0.256 x1.2.3.4 1.2.3.4y 1.2.3.4.5 01.2.3.4").is_empty());
        assert_eq!(found("[10.1.2.3]:443"), ["10.1.2.3"]);
    }

    #[test]
    fn prefixes_end_with_a_dot_or_are_whole_addresses() {
        for good in ["10.", "10.1.", "10.1.2.", "10.1.2.3", "255.255.255."] {
            assert!(valid_prefix(good), "{good}");
        }
        for bad in ["10", "10.1", "10.1.2.3.", "256.", "10..", ".", ""] {
            assert!(!valid_prefix(bad), "{bad}");
        }
    }
}
