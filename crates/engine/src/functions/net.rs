//! IPv4 library kernels (kql-semantics.md §6.6): addresses and prefixes as
//! text; text that is not an address gives null.

use std::net::Ipv4Addr;
use std::sync::Arc;

use calypso_syntax::KqlType;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::common::Result;

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
}
