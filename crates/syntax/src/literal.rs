//! The text forms of datetime and timespan values.
//!
//! KQL accepts the same datetime text in `datetime(...)` literals, in
//! `todatetime()` and in ingested data, so the parsing lives here where the
//! binder and the loaders both reach it. Values are nanoseconds: since the
//! Unix epoch for datetimes, signed durations for timespans, truncated to
//! Kusto's 100 ns tick.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Nanoseconds in one Kusto tick.
pub const NANOS_PER_TICK: i64 = 100;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

/// Parses a datetime as KQL writes it: ISO 8601 with `T` or a space, with or
/// without seconds, fraction and offset (`Z`, `+02:00`), or a bare date.
/// Returns nanoseconds since the Unix epoch, or `None` when the text is not a
/// datetime or lies outside what a 64-bit nanosecond count can hold
/// (years 1677–2262).
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    let text =
        text.strip_prefix(['"', '\'']).and_then(|t| t.strip_suffix(['"', '\''])).unwrap_or(text);
    if text.contains(',')
        && let Some(ns) = comma_datetime(text)
    {
        return Some(ns);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return truncate_to_tick(dt.timestamp_nanos_opt()?);
    }
    if let Ok(dt) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return truncate_to_tick(dt.timestamp_nanos_opt()?);
    }
    let naive = text.strip_suffix('Z').unwrap_or(text);
    const FORMATS: [&str; 6] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M",
    ];
    for format in FORMATS {
        if let Ok(dt) = NaiveDateTime::parse_from_str(naive, format) {
            return truncate_to_tick(dt.and_utc().timestamp_nanos_opt()?);
        }
    }
    for format in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(date) = NaiveDate::parse_from_str(naive, format) {
            return truncate_to_tick(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt()?);
        }
    }
    other_datetime(text)
}

/// The other forms `todatetime` reads (kql-semantics.md §1.5): month first
/// (`12/02/2022` is December 2), `2 Dec 2022`, `Dec 2, 2022`, RFC 822
/// (`Fri, 02 Dec 2022 13:45:56 GMT`) and `20221202`.
fn other_datetime(text: &str) -> Option<i64> {
    if let Ok(dt) = DateTime::parse_from_rfc2822(text) {
        return truncate_to_tick(dt.timestamp_nanos_opt()?);
    }
    const WITH_TIME: [&str; 6] = [
        "%m/%d/%Y %H:%M:%S%.f",
        "%m/%d/%Y %H:%M",
        "%m-%d-%Y %H:%M:%S%.f",
        "%m.%d.%Y %H:%M:%S%.f",
        "%d %b %Y %H:%M:%S%.f",
        "%b %d, %Y %H:%M:%S%.f",
    ];
    for format in WITH_TIME {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return truncate_to_tick(dt.and_utc().timestamp_nanos_opt()?);
        }
    }
    const DATES: [&str; 6] =
        ["%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%d %b %Y", "%b %d, %Y", "%Y%m%d"];
    for format in DATES {
        if let Ok(date) = NaiveDate::parse_from_str(text, format) {
            return truncate_to_tick(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt()?);
        }
    }
    None
}

/// `datetime(2025, 6, 14)` and `datetime(2025, 6, 14, 10, 30, 0)`.
fn comma_datetime(text: &str) -> Option<i64> {
    let parts: Vec<u32> = text.split(',').map(|p| p.trim().parse().ok()).collect::<Option<_>>()?;
    let (date, time) = match parts.as_slice() {
        [y, m, d] => ((*y, *m, *d), (0, 0, 0)),
        [y, m, d, hh, mm, ss] => ((*y, *m, *d), (*hh, *mm, *ss)),
        _ => return None,
    };
    let year = i32::try_from(date.0).ok()?;
    let dt = NaiveDate::from_ymd_opt(year, date.1, date.2)?.and_hms_opt(time.0, time.1, time.2)?;
    dt.and_utc().timestamp_nanos_opt()
}

/// Whether `text` starts with a bare GUID (`8-4-4-4-12` hex digits) that is
/// not followed by a name character.
pub fn starts_with_guid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 36
        && bytes[..36].iter().enumerate().all(|(i, b)| {
            if [8, 13, 18, 23].contains(&i) { *b == b'-' } else { b.is_ascii_hexdigit() }
        })
        && !bytes.get(36).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// The canonical text of a datetime: `2026-12-03T10:15:30.1234567Z`, always
/// seven fractional digits, as `tostring()` and Kusto's results write it.
pub fn format_datetime(nanos: i64) -> String {
    let dt = DateTime::from_timestamp_nanos(nanos);
    let ticks = nanos.rem_euclid(NANOS_PER_SECOND) / NANOS_PER_TICK;
    format!("{}.{ticks:07}Z", dt.format("%Y-%m-%dT%H:%M:%S"))
}

/// The canonical text of a timespan: `[-][d.]hh:mm:ss[.fffffff]`
/// (`00:30:00`, `1.02:03:04.5000000`, `-12:00:00`).
pub fn format_timespan(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let ticks = (nanos / NANOS_PER_TICK).unsigned_abs();
    let per_second = (NANOS_PER_SECOND / NANOS_PER_TICK) as u64;
    let (seconds, fraction) = (ticks / per_second, ticks % per_second);
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (h, m, s) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
    let days = if days > 0 { format!("{days}.") } else { String::new() };
    let fraction = if fraction > 0 { format!(".{fraction:07}") } else { String::new() };
    format!("{sign}{days}{h:02}:{m:02}:{s:02}{fraction}")
}

/// Whether `text` is an ISO 8601 datetime with a `T`, the form Log Analytics
/// exports: the test for inferring a datetime column from strings.
pub fn looks_like_iso_datetime(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 16
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && parse_datetime(text).is_some()
}

/// Parses the contents of `timespan(...)`: `1.02:03:04.5`, `10:00`,
/// `-1.00:00:00`, a plain number of days (`2`), or a number with a unit
/// (`15 seconds`, `30min`). Returns nanoseconds.
pub fn parse_timespan(text: &str) -> Option<i64> {
    let text = text.trim();
    let text =
        text.strip_prefix(['"', '\'']).and_then(|t| t.strip_suffix(['"', '\''])).unwrap_or(text);
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    let nanos = if body.contains(':') {
        clock_timespan(body)?
    } else if let Ok(days) = body.parse::<f64>() {
        finite_nanos(days * NANOS_PER_DAY as f64)?
    } else {
        unit_timespan(body)?
    };
    Some(if negative { -nanos } else { nanos })
}

/// `[d.]hh:mm[:ss[.fffffff]]`.
fn clock_timespan(text: &str) -> Option<i64> {
    let (days, clock) = match text.split_once(':') {
        Some((head, _)) if head.contains('.') => {
            let (days, _) = head.split_once('.')?;
            (days.parse::<i64>().ok()?, &text[days.len() + 1..])
        }
        _ => (0, text),
    };
    let mut parts = clock.split(':');
    let hours: i64 = parts.next()?.parse().ok()?;
    let minutes: i64 = parts.next()?.parse().ok()?;
    let seconds = match parts.next() {
        Some(s) => seconds_with_fraction(s)?,
        None => 0,
    };
    if parts.next().is_some() || minutes >= 60 {
        return None;
    }
    let whole = (days * 24 + hours) * 3_600 + minutes * 60;
    whole.checked_mul(NANOS_PER_SECOND)?.checked_add(seconds)
}

fn seconds_with_fraction(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let whole: i64 = whole.parse().ok()?;
    if whole >= 60 || !fraction.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 9 {
        return None;
    }
    let mut frac_nanos = 0i64;
    for (i, digit) in fraction.bytes().enumerate() {
        frac_nanos += i64::from(digit - b'0') * 10i64.pow(8 - i as u32);
    }
    Some(whole * NANOS_PER_SECOND + frac_nanos - frac_nanos % NANOS_PER_TICK)
}

/// `15 seconds`, `30min`, `1.5 h`.
fn unit_timespan(text: &str) -> Option<i64> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let amount: f64 = text[..split].parse().ok()?;
    let unit = crate::lexer::timespan_unit(text[split..].trim())?;
    finite_nanos(amount * unit as f64)
}

fn finite_nanos(nanos: f64) -> Option<i64> {
    (nanos.is_finite() && nanos.abs() <= i64::MAX as f64).then(|| nanos.round() as i64)
}

fn truncate_to_tick(nanos: i64) -> Option<i64> {
    Some(nanos - nanos.rem_euclid(NANOS_PER_TICK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes() {
        let base = parse_datetime("2026-12-03T10:15:30Z").unwrap();
        assert_eq!(base, 1_796_292_930 * NANOS_PER_SECOND);
        assert_eq!(parse_datetime("2026-12-03T10:15:30.1234567Z"), Some(base + 123_456_700));
        assert_eq!(parse_datetime("2026-12-03T10:15:30.123456789Z"), Some(base + 123_456_700));
        assert_eq!(parse_datetime("2026-12-03 10:15:30"), Some(base));
        assert_eq!(parse_datetime("2026-12-03T12:15:30+02:00"), Some(base));
        assert_eq!(parse_datetime("'2026-12-03T10:15:30Z'"), Some(base));
        assert_eq!(parse_datetime("2026-12-03"), Some(base - 36_930 * NANOS_PER_SECOND));
        assert_eq!(parse_datetime("not a date"), None);
        assert_eq!(parse_datetime("2026, 12, 3, 10, 15, 30"), Some(base));
        assert_eq!(parse_datetime("2026,12,3"), parse_datetime("2026-12-03"));
        assert!(starts_with_guid("74be27de-1e4e-49d9-b579-fe0b331d3642)"));
        assert!(!starts_with_guid("74be27de-1e4e-49d9-b579-fe0b331d3642x"));
        assert!(looks_like_iso_datetime("2026-12-03T10:15:30.1234567Z"));
        assert!(!looks_like_iso_datetime("2026-12-03"));
    }

    /// The forms kql-semantics.md §1.5 lists as measured on Kusto.
    #[test]
    fn todatetime_forms() {
        let dec2 = parse_datetime("2022-12-02");
        for text in
            ["12-02-2022", "12/02/2022", "12.02.2022", "2 Dec 2022", "Dec 2, 2022", "20221202"]
        {
            assert_eq!(parse_datetime(text), dec2, "{text}");
        }
        assert_eq!(parse_datetime("2/3/2022"), parse_datetime("2022-02-03"));
        assert_eq!(
            parse_datetime("Fri, 02 Dec 2022 13:45:56 GMT"),
            parse_datetime("2022-12-02T13:45:56Z")
        );
        assert_eq!(parse_datetime("02/17/2016 08:40:00"), parse_datetime("2016-02-17T08:40:00Z"));
        for bad in ["13-01-2022", "x12-02-2022", ""] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn canonical_text() {
        let t = parse_datetime("2026-12-03T10:15:30.1234567Z").unwrap();
        assert_eq!(format_datetime(t), "2026-12-03T10:15:30.1234567Z");
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(format_datetime(-100), "1969-12-31T23:59:59.9999999Z");
        let s = NANOS_PER_SECOND;
        assert_eq!(format_timespan(1_800 * s), "00:30:00");
        assert_eq!(format_timespan(93_784 * s + s / 2), "1.02:03:04.5000000");
        assert_eq!(format_timespan(-12 * 3_600 * s), "-12:00:00");
        assert_eq!(format_timespan(0), "00:00:00");
        assert_eq!(format_timespan(s / 1000), "00:00:00.0010000");
        assert_eq!(format_timespan(100 * 86_400 * s), "100.00:00:00");
    }

    #[test]
    fn timespans() {
        let s = NANOS_PER_SECOND;
        assert_eq!(parse_timespan("1.02:03:04"), Some(93_784 * s));
        assert_eq!(parse_timespan("10:00"), Some(36_000 * s));
        assert_eq!(parse_timespan("-1.00:00:00"), Some(-86_400 * s));
        assert_eq!(parse_timespan("00:00:00.5"), Some(s / 2));
        assert_eq!(parse_timespan("2"), Some(2 * 86_400 * s));
        assert_eq!(parse_timespan("15 seconds"), Some(15 * s));
        assert_eq!(parse_timespan("30min"), Some(1_800 * s));
        assert_eq!(parse_timespan("1:61"), None);
    }
}
