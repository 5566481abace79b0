//! Datetime functions: `datetime_diff`.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::datatypes::TimestampNanosecondType;
use datafusion::common::{Result, exec_err};

const NANOS: [(&str, i64); 7] = [
    ("day", 86_400_000_000_000),
    ("hour", 3_600_000_000_000),
    ("minute", 60_000_000_000),
    ("second", 1_000_000_000),
    ("millisecond", 1_000_000),
    ("microsecond", 1_000),
    ("nanosecond", 1),
];

/// `datetime_diff(period, a, b)`: how many `period` boundaries lie between
/// `b` and `a` (kql-semantics.md §6.1), so `minute(23:05:01, 23:00:59)` is 5.
pub(crate) fn datetime_diff(args: &[ArrayRef]) -> Result<ArrayRef> {
    let period = args[0].as_string::<i32>();
    let a = args[1].as_primitive::<TimestampNanosecondType>();
    let b = args[2].as_primitive::<TimestampNanosecondType>();
    let mut out = Vec::with_capacity(a.len());
    for i in 0..a.len() {
        if a.is_null(i) || b.is_null(i) || period.is_null(i) {
            out.push(None);
            continue;
        }
        out.push(Some(diff(&period.value(i).to_lowercase(), a.value(i), b.value(i))?));
    }
    Ok(Arc::new(Int64Array::from(out)))
}

fn diff(period: &str, a: i64, b: i64) -> Result<i64> {
    if let Some(&(_, unit)) = NANOS.iter().find(|(name, _)| *name == period) {
        return Ok(a.div_euclid(unit) - b.div_euclid(unit));
    }
    let (da, db) =
        (DateTime::<Utc>::from_timestamp_nanos(a), DateTime::<Utc>::from_timestamp_nanos(b));
    let months = |d: &DateTime<Utc>| i64::from(d.year()) * 12 + i64::from(d.month0());
    Ok(match period {
        "year" => i64::from(da.year() - db.year()),
        "quarter" => months(&da).div_euclid(3) - months(&db).div_euclid(3),
        "month" => months(&da) - months(&db),
        // Weeks start on Sunday; the Unix epoch was a Thursday.
        "week" => {
            let week = 7 * 86_400_000_000_000i64;
            let sunday_offset = 4 * 86_400_000_000_000i64;
            (a + sunday_offset).div_euclid(week) - (b + sunday_offset).div_euclid(week)
        }
        other => return exec_err!("unknown datetime_diff period `{other}`"),
    })
}

#[cfg(test)]
mod tests {
    use super::diff;
    use calypso_syntax::literal::parse_datetime;

    fn d(period: &str, a: &str, b: &str) -> i64 {
        diff(period, parse_datetime(a).unwrap(), parse_datetime(b).unwrap()).unwrap()
    }

    #[test]
    fn docs_examples() {
        // C:query-datetime-diff-function-1
        assert_eq!(d("year", "2017-01-01", "2000-12-31"), 17);
        assert_eq!(d("quarter", "2017-07-01", "2017-03-30"), 2);
        assert_eq!(d("month", "2017-01-01", "2015-12-30"), 13);
        assert_eq!(d("week", "2017-10-29 00:00", "2017-09-30 23:59"), 5);
        assert_eq!(d("day", "2017-10-29 00:00", "2017-09-30 23:59"), 29);
        assert_eq!(d("hour", "2017-10-31 01:00", "2017-10-30 23:59"), 2);
        assert_eq!(d("minute", "2017-10-30 23:05:01", "2017-10-30 23:00:59"), 5);
        assert_eq!(d("minute", "2017-10-30 23:00:59", "2017-10-30 23:05:01"), -5);
    }
}
