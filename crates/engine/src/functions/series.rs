//! The `series_*` functions over dynamic arrays of numbers (what
//! `make-series` makes), and `array_iff`.
//!
//! Element-wise functions take two arrays, or an array and a number that
//! stands for every element; an element that is not a number, or that the
//! shorter array lacks, gives null. Two longs give a long where the
//! operation keeps integers (`series_add`, `series_subtract`,
//! `series_multiply`); anything else a real.

use std::sync::Arc;

use calypso_syntax::KqlType;
use datafusion::arrow::array::{ArrayRef, Float64Array, StringArray};
use datafusion::common::Result;
use serde_json::{Map, Value, json};

use super::text::{json_value, real_value as real};

/// A series element that is a number.
#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Real(f64),
}

impl Num {
    fn of(v: &Value) -> Option<Num> {
        match v {
            Value::Number(n) => Some(match n.as_i64() {
                Some(i) => Num::Int(i),
                None => Num::Real(n.as_f64()?),
            }),
            _ => None,
        }
    }

    fn real(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Real(r) => r,
        }
    }
}

fn rows(args: &[ArrayRef]) -> usize {
    args.first().map_or(1, |a| a.len())
}

fn value(args: &[ArrayRef], types: &[KqlType], i: usize, row: usize) -> Value {
    json_value(args[i].as_ref(), row, types[i])
}

fn dynamic(values: impl Iterator<Item = Option<Value>>) -> ArrayRef {
    Arc::new(values.map(|v| v.map(|v| v.to_string())).collect::<StringArray>())
}

/// An argument of an element-wise function: an array, or one value for
/// every element.
enum Operand {
    Array(Vec<Value>),
    Scalar(Value),
}

impl Operand {
    fn of(v: Value) -> Operand {
        match v {
            Value::Array(items) => Operand::Array(items),
            other => Operand::Scalar(other),
        }
    }

    fn len(&self) -> Option<usize> {
        match self {
            Operand::Array(items) => Some(items.len()),
            Operand::Scalar(_) => None,
        }
    }

    fn at(&self, i: usize) -> Option<Num> {
        match self {
            Operand::Array(items) => items.get(i).and_then(Num::of),
            Operand::Scalar(v) => Num::of(v),
        }
    }
}

/// Applies `f` to the elements of two series; null where either is not a
/// number, and for a row where neither argument is an array.
fn elementwise(
    args: &[ArrayRef],
    types: &[KqlType],
    f: impl Fn(Num, Num) -> Value,
) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let a = Operand::of(value(args, types, 0, r));
        let b = Operand::of(value(args, types, 1, r));
        let n = match (a.len(), b.len()) {
            (None, None) => return None,
            (x, y) => x.unwrap_or(0).max(y.unwrap_or(0)),
        };
        let items = (0..n)
            .map(|i| match (a.at(i), b.at(i)) {
                (Some(x), Some(y)) => f(x, y),
                _ => Value::Null,
            })
            .collect();
        Some(Value::Array(items))
    })))
}

/// `series_add`, `series_subtract`, `series_multiply`: longs stay longs
/// (wrapping, as long arithmetic does), anything else is real.
pub(crate) fn arithmetic(
    args: &[ArrayRef],
    types: &[KqlType],
    ints: fn(i64, i64) -> i64,
    reals: fn(f64, f64) -> f64,
) -> Result<ArrayRef> {
    elementwise(args, types, |a, b| match (a, b) {
        (Num::Int(x), Num::Int(y)) => json!(ints(x, y)),
        (x, y) => real(reals(x.real(), y.real())),
    })
}

/// `series_divide`, `series_pow`: always real, so `2 / 0` is infinity.
pub(crate) fn real_arithmetic(
    args: &[ArrayRef],
    types: &[KqlType],
    f: fn(f64, f64) -> f64,
) -> Result<ArrayRef> {
    elementwise(args, types, |a, b| real(f(a.real(), b.real())))
}

/// `series_greater`, `series_less`, …: booleans.
pub(crate) fn comparison(
    args: &[ArrayRef],
    types: &[KqlType],
    test: fn(std::cmp::Ordering) -> bool,
) -> Result<ArrayRef> {
    elementwise(args, types, |a, b| {
        let order = match (a, b) {
            (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
            (x, y) => x.real().partial_cmp(&y.real()),
        };
        order.map_or(Value::Null, |o| Value::Bool(test(o)))
    })
}

/// `series_fill_forward(s[, missing])` and `series_fill_backward`: each
/// missing element (null, or equal to `missing`) takes the last present
/// value before it (after it); missing elements at the edge stay.
pub(crate) fn fill_direction(
    args: &[ArrayRef],
    types: &[KqlType],
    forward: bool,
) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let Value::Array(mut items) = value(args, types, 0, r) else { return None };
        let missing = if args.len() > 1 { value(args, types, 1, r) } else { Value::Null };
        let mut last: Option<Value> = None;
        let mut fill = |item: &mut Value| {
            if same(item, &missing) {
                if let Some(v) = &last {
                    *item = v.clone();
                }
            } else {
                last = Some(item.clone());
            }
        };
        if forward {
            items.iter_mut().for_each(&mut fill);
        } else {
            items.iter_mut().rev().for_each(&mut fill);
        }
        Some(Value::Array(items))
    })))
}

/// `series_fill_const(s, c[, missing])`: each missing element becomes `c`.
pub(crate) fn fill_const(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let Value::Array(items) = value(args, types, 0, r) else { return None };
        let constant = value(args, types, 1, r);
        let missing = if args.len() > 2 { value(args, types, 2, r) } else { Value::Null };
        let filled =
            items.into_iter().map(|v| if same(&v, &missing) { constant.clone() } else { v });
        Some(Value::Array(filled.collect()))
    })))
}

/// Whether an element is the missing-value placeholder: numbers by value,
/// so that `0` matches `0.0`.
fn same(item: &Value, missing: &Value) -> bool {
    match (Num::of(item), Num::of(missing)) {
        (Some(a), Some(b)) => a.real() == b.real(),
        _ => item == missing,
    }
}

/// The elements of a series as reals; `None` when one is not a number.
fn reals(v: &Value) -> Option<Vec<f64>> {
    let Value::Array(items) = v else { return None };
    items.iter().map(|i| Num::of(i).map(Num::real)).collect()
}

/// `series_iir(x, b, a)`: `y[n] = (Σ b[i]·x[n-i] − Σ_{j≥1} a[j]·y[n-j]) / a[0]`.
/// A series holding anything but numbers gives null.
pub(crate) fn iir(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let x = reals(&value(args, types, 0, r))?;
        let b = reals(&value(args, types, 1, r))?;
        let a = reals(&value(args, types, 2, r))?;
        let a0 = *a.first()?;
        let mut y: Vec<f64> = Vec::with_capacity(x.len());
        for n in 0..x.len() {
            let forward: f64 =
                b.iter().enumerate().filter(|(i, _)| *i <= n).map(|(i, c)| c * x[n - i]).sum();
            let feedback: f64 = a
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(j, _)| *j <= n)
                .map(|(j, c)| c * y[n - j])
                .sum();
            y.push((forward - feedback) / a0);
        }
        Some(Value::Array(y.into_iter().map(real).collect()))
    })))
}

/// The statistics of a series of reals: min, its first index, max, its
/// first index, mean, sample variance and standard deviation, and sum.
struct Stats {
    min: (f64, usize),
    max: (f64, usize),
    avg: f64,
    variance: f64,
    sum: f64,
}

fn stats(values: &[f64]) -> Option<Stats> {
    let first = *values.first()?;
    let (mut min, mut max) = ((first, 0), (first, 0));
    for (i, &v) in values.iter().enumerate() {
        if v < min.0 {
            min = (v, i);
        }
        if v > max.0 {
            max = (v, i);
        }
    }
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let avg = sum / n;
    // Kusto's form, to its last digit (the documentation's example).
    let squares: f64 = values.iter().map(|v| v * v).sum();
    let variance = if values.len() > 1 { (n * squares - sum * sum) / (n * (n - 1.0)) } else { 0.0 };
    Some(Stats { min, max, avg, variance, sum })
}

/// The numbers of a series for the statistics: with `ignore_nonfinite`,
/// without nulls, NaNs and infinities; otherwise `None` when it has any.
fn finite_values(v: &Value, ignore_nonfinite: bool) -> Option<Vec<f64>> {
    let Value::Array(items) = v else { return None };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match Num::of(item).map(Num::real) {
            Some(x) if x.is_finite() => out.push(x),
            _ if ignore_nonfinite => {}
            _ => return None,
        }
    }
    Some(out)
}

fn ignore_nonfinite(args: &[ArrayRef], types: &[KqlType], row: usize) -> bool {
    args.len() > 1 && value(args, types, 1, row) == Value::Bool(true)
}

/// `series_stats_dynamic(s[, ignore_nonfinite])`: a bag of `min`,
/// `min_idx`, `max`, `max_idx`, `avg`, `stdev`, `variance`, `sum`, `len`;
/// null for a series with a non-finite element (unless ignored) or none.
pub(crate) fn stats_dynamic(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let values = finite_values(&value(args, types, 0, r), ignore_nonfinite(args, types, r))?;
        let s = stats(&values)?;
        let mut bag = Map::new();
        bag.insert("min".into(), real(s.min.0));
        bag.insert("min_idx".into(), json!(s.min.1));
        bag.insert("max".into(), real(s.max.0));
        bag.insert("max_idx".into(), json!(s.max.1));
        bag.insert("avg".into(), real(s.avg));
        bag.insert("stdev".into(), real(s.variance.sqrt()));
        bag.insert("variance".into(), real(s.variance));
        bag.insert("sum".into(), real(s.sum));
        bag.insert("len".into(), json!(values.len()));
        Some(Value::Object(bag))
    })))
}

/// `x = series_stats(s)`: one name takes the first statistic, the minimum.
pub(crate) fn stats_min(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(Arc::new(
        (0..rows(args))
            .map(|r| {
                let values =
                    finite_values(&value(args, types, 0, r), ignore_nonfinite(args, types, r))?;
                stats(&values).map(|s| s.min.0)
            })
            .collect::<Float64Array>(),
    ))
}

/// A least-squares line through `(1, y[0]), (2, y[1]), …`.
struct Fit {
    rsquare: f64,
    slope: f64,
    variance: f64,
    rvariance: f64,
    interception: f64,
    line: Vec<f64>,
}

fn fit_line(y: &[f64]) -> Option<Fit> {
    if y.is_empty() {
        return None;
    }
    let n = y.len() as f64;
    let mean_x = (n + 1.0) / 2.0;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in y.iter().enumerate() {
        let dx = (i + 1) as f64 - mean_x;
        sxy += dx * (v - mean_y);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    let interception = mean_y - slope * mean_x;
    let line: Vec<f64> = (1..=y.len()).map(|x| slope * x as f64 + interception).collect();
    let total: f64 = y.iter().map(|v| (v - mean_y) * (v - mean_y)).sum();
    let residual: f64 = y.iter().zip(&line).map(|(v, f)| (v - f) * (v - f)).sum();
    let dof = (n - 1.0).max(1.0);
    Some(Fit {
        rsquare: 1.0 - residual / total,
        slope,
        variance: total / dof,
        rvariance: residual / dof,
        interception,
        line,
    })
}

/// `series_fit_line_dynamic(s)`: a bag of `rsquare`, `slope`, `variance`
/// (of the series), `rvariance` (of the residuals), `interception` and
/// `line_fit`, the line's values; x runs 1, 2, ….
pub(crate) fn fit_line_dynamic(
    args: &[ArrayRef],
    types: &[KqlType],
    _: KqlType,
) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let f = fit_line(&reals(&value(args, types, 0, r))?)?;
        let mut bag = Map::new();
        bag.insert("rsquare".into(), real(f.rsquare));
        bag.insert("slope".into(), real(f.slope));
        bag.insert("variance".into(), real(f.variance));
        bag.insert("rvariance".into(), real(f.rvariance));
        bag.insert("interception".into(), real(f.interception));
        bag.insert("line_fit".into(), Value::Array(f.line.into_iter().map(real).collect()));
        Some(Value::Object(bag))
    })))
}

/// `x = series_fit_line(s)`: one name takes the first value, `rsquare`.
pub(crate) fn fit_line_rsquare(
    args: &[ArrayRef],
    types: &[KqlType],
    _: KqlType,
) -> Result<ArrayRef> {
    Ok(Arc::new(
        (0..rows(args))
            .map(|r| fit_line(&reals(&value(args, types, 0, r))?).map(|f| f.rsquare))
            .collect::<Float64Array>(),
    ))
}

/// `array_iff(conditions, when_true, when_false)`: per element of
/// `conditions` (a bool, or a number: true unless 0), the element of
/// `when_true` or `when_false` (an array, or one value for all); null for a
/// condition that is neither.
pub(crate) fn array_iff(args: &[ArrayRef], types: &[KqlType], _: KqlType) -> Result<ArrayRef> {
    Ok(dynamic((0..rows(args)).map(|r| {
        let Value::Array(conditions) = value(args, types, 0, r) else { return None };
        let pick = |i: usize, v: &Value| match v {
            Value::Array(items) => items.get(i).cloned().unwrap_or(Value::Null),
            other => other.clone(),
        };
        let (yes, no) = (value(args, types, 1, r), value(args, types, 2, r));
        let items = conditions.iter().enumerate().map(|(i, c)| {
            let truth = match c {
                Value::Bool(b) => Some(*b),
                other => Num::of(other).map(|n| n.real() != 0.0),
            };
            match truth {
                Some(true) => pick(i, &yes),
                Some(false) => pick(i, &no),
                None => Value::Null,
            }
        });
        Some(Value::Array(items.collect()))
    })))
}
