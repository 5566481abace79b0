//! Aggregates with KQL semantics of their own: `make_set` and `make_list`
//! (values collected into a dynamic array), `min`/`max` of reals and
//! `percentile`.
//!
//! Nulls are skipped (but see `Collector::keeps_nulls`); an array-valued
//! dynamic input contributes its elements to `make_set` (kql-semantics.md
//! §7). The result of an empty group is `[]`.
//! Partial states travel between partitions as JSON array text.

use std::collections::HashSet;
use std::sync::Arc;

use calypso_syntax::KqlType;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use datafusion::prelude::Expr;
use serde_json::Value;

use super::text::json_value;

/// What a collection keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Collect {
    /// `make_list`: every non-null value.
    List,
    /// `make_list_with_nulls`: every value.
    ListWithNulls,
    /// `make_set`: distinct non-null values; arrays contribute elements.
    Set,
    /// `make_bag`: the properties of every bag, merged (the first value of
    /// a repeated key wins); anything but a bag is skipped.
    Bag,
}

/// `make_set(x)`, `make_list(x)` or `make_bag(x)` over values of type `input`.
///
/// FIXME: `make_list` after a `sort` should keep the sorted order (Kusto
/// does, conformance case r1-aggregation-0044); partitions reach the
/// accumulator in any order. The fix is an ORDER BY on the aggregate from
/// the serialized input's keys (`Plan::serial_order`).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct MakeCollection {
    collect: Collect,
    input: KqlType,
    /// At most this many values (the default is Kusto's 1,048,576).
    limit: u64,
    signature: Signature,
}

impl MakeCollection {
    /// The aggregate call on `arg`, keeping at most `limit` values.
    pub(crate) fn call(collect: Collect, input: KqlType, limit: Option<u64>, arg: Expr) -> Expr {
        let udaf = MakeCollection {
            collect,
            input,
            limit: limit.unwrap_or(1 << 20),
            signature: Signature::any(1, Volatility::Immutable),
        };
        AggregateUDF::new_from_impl(udaf).call(vec![arg])
    }
}

impl AggregateUDFImpl for MakeCollection {
    fn name(&self) -> &str {
        match self.collect {
            Collect::List => "make_list",
            Collect::ListWithNulls => "make_list_with_nulls",
            Collect::Set => "make_set",
            Collect::Bag => "make_bag",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Collector {
            collect: self.collect,
            bag: serde_json::Map::new(),
            input: self.input,
            limit: self.limit,
            items: Vec::new(),
            seen: HashSet::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(format!("{}_items", args.name), DataType::Utf8, true))])
    }
}

#[derive(Debug)]
struct Collector {
    collect: Collect,
    /// `make_bag`'s properties.
    bag: serde_json::Map<String, Value>,
    input: KqlType,
    limit: u64,
    items: Vec<Value>,
    /// The JSON text of every item, for `make_set`'s distinctness.
    seen: HashSet<String>,
}

impl Collector {
    /// `make_list_with_nulls` keeps nulls; so does `make_list` of a dynamic,
    /// whose null is a value of its own (measured: oracle case
    /// r2-aggregation-0005 gives `[{"x":1},null,{"y":2}]`).
    fn keeps_nulls(&self) -> bool {
        match self.collect {
            Collect::ListWithNulls => true,
            Collect::List => self.input == KqlType::Dynamic,
            Collect::Set | Collect::Bag => false,
        }
    }

    fn push(&mut self, value: Value) {
        if self.items.len() as u64 >= self.limit || (value.is_null() && !self.keeps_nulls()) {
            return;
        }
        if self.collect == Collect::Bag {
            if let Value::Object(properties) = value {
                for (key, v) in properties {
                    if self.bag.len() as u64 >= self.limit {
                        break;
                    }
                    self.bag.entry(key).or_insert(v);
                }
            }
            return;
        }
        if self.collect == Collect::Set && !self.seen.insert(value.to_string()) {
            return;
        }
        self.items.push(value);
    }
}

impl Accumulator for Collector {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let array = &values[0];
        for row in 0..array.len() {
            match json_value(array.as_ref(), row, self.input) {
                Value::Array(items)
                    if self.collect == Collect::Set && self.input == KqlType::Dynamic =>
                {
                    items.into_iter().for_each(|v| self.push(v));
                }
                value => self.push(value),
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let value = match self.collect {
            Collect::Bag => Value::Object(self.bag.clone()),
            _ => Value::Array(self.items.clone()),
        };
        Ok(ScalarValue::Utf8(Some(value.to_string())))
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.seen.iter().map(|s| s.len() * 2 + 32).sum::<usize>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = states[0].as_string::<i32>();
        for row in 0..states.len() {
            if states.is_null(row) {
                continue;
            }
            match serde_json::from_str(states.value(row)) {
                Ok(Value::Array(items)) => items.into_iter().for_each(|v| self.push(v)),
                Ok(bag @ Value::Object(_)) => self.push(bag),
                _ => {}
            }
        }
        Ok(())
    }
}

/// `min(x)` or `max(x)` of reals as Kusto computes them: a NaN anywhere in
/// the group makes the result NaN, infinities are ordinary values, and an
/// all-null group is null. (DataFusion's grouped `min` starts from
/// `f64::MAX` and so returns it for a group of `+inf`.)
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct RealExtreme {
    max: bool,
    signature: Signature,
}

impl RealExtreme {
    /// The aggregate call on `arg` (a `real`).
    pub(crate) fn call(max: bool, arg: Expr) -> Expr {
        let udaf = RealExtreme { max, signature: Signature::any(1, Volatility::Immutable) };
        AggregateUDF::new_from_impl(udaf).call(vec![arg])
    }
}

impl AggregateUDFImpl for RealExtreme {
    fn name(&self) -> &str {
        if self.max { "kql_max_real" } else { "kql_min_real" }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Extreme { max: self.max, best: None }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(format!("{}_best", args.name), DataType::Float64, true))])
    }
}

#[derive(Debug)]
struct Extreme {
    max: bool,
    /// The extreme so far; NaN once a NaN was seen.
    best: Option<f64>,
}

impl Extreme {
    fn push(&mut self, v: f64) {
        self.best = Some(match self.best {
            None => v,
            Some(b) if b.is_nan() || v.is_nan() => f64::NAN,
            Some(b) if self.max => b.max(v),
            Some(b) => b.min(v),
        });
    }

    fn push_all(&mut self, array: &ArrayRef) -> Result<()> {
        let array = datafusion::arrow::compute::cast(array, &DataType::Float64)?;
        array
            .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
            .iter()
            .flatten()
            .for_each(|v| self.push(v));
        Ok(())
    }
}

impl Accumulator for Extreme {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.push_all(&values[0])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.best))
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.push_all(&states[0])
    }
}

/// `percentile(x, p)`: the nearest rank, the smallest value with at least
/// `p`% of the group's values at or below it (kql-semantics.md §7; Kusto's
/// t-digest is exact on the small groups measured, and Calypso is exact on
/// all). Nulls are skipped; a group of nulls gives null. Numbers, datetimes
/// and timespans are ranked as the 64-bit integers or reals they are stored
/// as, and the result has the input's type.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Percentile {
    /// `p`'s bits, so that the aggregate can be hashed.
    p: u64,
    signature: Signature,
}

impl Percentile {
    /// The aggregate call on `arg` for the percentage `p` (0 to 100).
    pub(crate) fn call(p: f64, arg: Expr) -> Expr {
        let udaf =
            Percentile { p: p.to_bits(), signature: Signature::any(1, Volatility::Immutable) };
        AggregateUDF::new_from_impl(udaf).call(vec![arg])
    }
}

/// The type a percentile ranks values of `input` as.
fn rank_type(input: &DataType) -> DataType {
    if input.is_floating() { DataType::Float64 } else { DataType::Int64 }
}

impl AggregateUDFImpl for Percentile {
    fn name(&self) -> &str {
        "percentile"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(args[0].clone())
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let output = args.return_field.data_type().clone();
        Ok(Box::new(Ranks {
            p: f64::from_bits(self.p),
            rank_type: rank_type(&output),
            output,
            ints: Vec::new(),
            floats: Vec::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let item = Field::new_list_field(rank_type(args.return_field.data_type()), true);
        Ok(vec![Arc::new(Field::new_list(format!("{}_values", args.name), item, true))])
    }
}

#[derive(Debug)]
struct Ranks {
    p: f64,
    /// Int64 or Float64: which of `ints` and `floats` holds the values.
    rank_type: DataType,
    output: DataType,
    ints: Vec<i64>,
    floats: Vec<f64>,
}

impl Ranks {
    fn push_all(&mut self, array: &ArrayRef) -> Result<()> {
        use datafusion::arrow::datatypes::{Float64Type, Int64Type};
        let array = datafusion::arrow::compute::cast(array, &self.rank_type)?;
        if self.rank_type == DataType::Float64 {
            self.floats.extend(array.as_primitive::<Float64Type>().iter().flatten());
        } else {
            self.ints.extend(array.as_primitive::<Int64Type>().iter().flatten());
        }
        Ok(())
    }

    /// The 0-based position of the nearest rank among `n` values.
    fn position(&self, n: usize) -> usize {
        let rank = (self.p / 100.0 * n as f64).ceil() as usize;
        rank.clamp(1, n) - 1
    }
}

impl Accumulator for Ranks {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.push_all(&values[0])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let ranked = if self.rank_type == DataType::Float64 {
            match self.floats.len() {
                0 => ScalarValue::Float64(None),
                n => {
                    let at = self.position(n);
                    let (_, v, _) = self.floats.select_nth_unstable_by(at, f64::total_cmp);
                    ScalarValue::Float64(Some(*v))
                }
            }
        } else {
            match self.ints.len() {
                0 => ScalarValue::Int64(None),
                n => {
                    let at = self.position(n);
                    ScalarValue::Int64(Some(*self.ints.select_nth_unstable(at).1))
                }
            }
        };
        ranked.cast_to(&self.output)
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.ints.capacity() * 8 + self.floats.capacity() * 8
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        use datafusion::arrow::array::{Float64Array, Int64Array};
        let values: ArrayRef = if self.rank_type == DataType::Float64 {
            Arc::new(Float64Array::from(self.floats.clone()))
        } else {
            Arc::new(Int64Array::from(self.ints.clone()))
        };
        let list =
            datafusion::common::utils::SingleRowListArrayBuilder::new(values).build_list_scalar();
        Ok(vec![list])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0].as_list::<i32>();
        for row in 0..lists.len() {
            if !lists.is_null(row) {
                self.push_all(&lists.value(row))?;
            }
        }
        Ok(())
    }
}
