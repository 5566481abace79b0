//! Lowering bound scalar expressions to DataFusion expressions with KQL
//! semantics: null rules of §4.1, integer division and modulo of §4.3,
//! datetime arithmetic in nanoseconds, and the function library.

use calypso_binder::plan::{BinaryOp, Expr, ExprKind, ScalarFunc, Value};
use calypso_io::arrow_type;
use calypso_syntax::KqlType;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Operator, binary_expr, cast, lit, when};
use datafusion::prelude::{Expr as DfExpr, abs, coalesce, ident};

use crate::QueryError;
use crate::functions::{KqlUdf, call, datetime, dynamic, library, math, string, text};

/// What lowering needs besides the expression: the query's instant and the
/// values of its subqueries, evaluated before.
pub(crate) struct Ctx {
    /// `now()`, nanoseconds since the Unix epoch.
    pub(crate) now: i64,
    /// Each subquery's first-column values, by id.
    pub(crate) subqueries: std::collections::HashMap<usize, Vec<ScalarValue>>,
}

impl Ctx {
    pub(crate) fn expr(&self, e: &Expr) -> Result<DfExpr, QueryError> {
        Ok(match &e.kind {
            ExprKind::Column(name) => ident(name),
            ExprKind::Literal(value) => literal(value, e.ty),
            ExprKind::Now => datetime_lit(Some(self.now)),
            ExprKind::Negate(inner) => {
                let x = self.expr(inner)?;
                match inner.ty {
                    KqlType::Timespan => {
                        cast(-cast(x, DataType::Int64), arrow_type(KqlType::Timespan))
                    }
                    KqlType::Int => -cast(x, DataType::Int64),
                    _ => -x,
                }
            }
            ExprKind::Not(inner) => !self.expr(inner)?,
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.ty)?,
            ExprKind::StrOp { op, lhs, rhs } => {
                call(string::StrOpUdf::new(*op), vec![self.expr(lhs)?, self.expr(rhs)?])
            }
            ExprKind::HasAny { lhs, terms, tables, all } => {
                // A table's values are terms too, as their text.
                let mut terms = terms.clone();
                for table in tables {
                    let ExprKind::Subquery { id, .. } = &table.kind else { continue };
                    terms.extend(self.subquery(*id)?.iter().filter(|v| !v.is_null()).map(
                        |v| match v {
                            ScalarValue::Utf8(Some(s)) => s.clone(),
                            other => other.to_string(),
                        },
                    ));
                }
                call(string::HasAnyUdf::new(terms, *all), vec![self.expr(lhs)?])
            }
            ExprKind::In { lhs, list, negated, case_insensitive } => {
                let fold = |x: DfExpr| {
                    if *case_insensitive {
                        KqlUdf::call("tolower", DataType::Utf8, string::to_lower, vec![x])
                    } else {
                        x
                    }
                };
                // A subquery of arrays is flattened to its elements, which
                // take the operand's type.
                let flattened = |item: &Expr| {
                    matches!(item.kind, ExprKind::Subquery { .. })
                        && item.ty == KqlType::Dynamic
                        && lhs.ty != KqlType::Dynamic
                };
                let common = list
                    .iter()
                    .filter(|item| !flattened(item))
                    .fold(lhs.ty, |acc, item| common_type(acc, item.ty));
                let value = fold(self.typed(lhs, common)?);
                let mut items = Vec::new();
                for item in list {
                    if let (true, ExprKind::Subquery { id, .. }) = (flattened(item), &item.kind) {
                        for v in self.subquery(*id)? {
                            let ScalarValue::Utf8(Some(json)) = v else { continue };
                            for element in array_elements(json) {
                                items.push(fold(cast(lit(element), arrow_type(common))));
                            }
                        }
                        continue;
                    }
                    if let ExprKind::Subquery { id, .. } = &item.kind {
                        // A table's column: its values, evaluated before.
                        let values = self.subquery(*id)?;
                        items.extend(
                            values
                                .iter()
                                .filter(|v| !v.is_null())
                                .map(|v| fold(cast(lit(v.clone()), arrow_type(common)))),
                        );
                        continue;
                    }
                    items.push(fold(self.typed(item, common)?));
                }
                if items.is_empty() {
                    return Ok(lit(*negated));
                }
                // A null operand is not in any list: `in` is false, `!in` true.
                coalesce(vec![value.in_list(items, *negated), lit(*negated)])
            }
            ExprKind::Between { value, low, high, negated } => {
                let common = common_type(common_type(value.ty, low.ty), high.ty);
                let (v, lo, hi) = (
                    self.typed(value, common)?,
                    self.typed(low, common)?,
                    self.typed(high, common)?,
                );
                let inside = v.clone().gt_eq(lo.clone()).and(v.clone().lt_eq(hi.clone()));
                let inside = if *negated { !inside } else { inside };
                // Null when any side is null, whatever the other comparison says.
                when(v.is_null().or(lo.is_null()).or(hi.is_null()), lit(ScalarValue::Boolean(None)))
                    .otherwise(inside)?
            }
            ExprKind::DynamicEquals { lhs, rhs, negated } => {
                let eq = KqlUdf::call(
                    "dynamic_equals",
                    DataType::Boolean,
                    dynamic::dynamic_equals,
                    vec![self.expr(lhs)?, self.expr(rhs)?],
                );
                if *negated { !eq } else { eq }
            }
            ExprKind::Call { func, args } => self.call(*func, args, e.ty)?,
            ExprKind::Window {
                id,
                func:
                    calypso_binder::plan::WindowFunc::RowNumber
                    | calypso_binder::plan::WindowFunc::RowId,
                args,
                ..
            } => {
                let start = match args.first().map(|a| &a.kind) {
                    Some(ExprKind::Literal(Value::Long(n))) => *n,
                    Some(ExprKind::Literal(Value::Int(n))) => i64::from(*n),
                    _ => 1,
                };
                // With a restart predicate, the number within its segment.
                let number =
                    if args.len() == 2 { format!("__w{id}") } else { "__rowidx".to_owned() };
                cast(ident(number), DataType::Int64) + lit(start - 1)
            }
            ExprKind::Window { id, .. } => ident(format!("__w{id}")),
            ExprKind::Subquery { id, scalar: true, .. } => match self.subquery(*id)?.first() {
                Some(first) => cast(lit(first.clone()), arrow_type(e.ty)),
                None => literal(&Value::Null, e.ty),
            },
            ExprKind::Subquery { .. } => {
                return Err(QueryError::internal("a table's column used as a single value"));
            }
            ExprKind::KeyValue { text, format, key } => {
                crate::functions::parse::key_value(format, key, e.ty, self.expr(text)?)
            }
            ExprKind::Parse { text, pattern, group } => {
                crate::functions::parse::call(pattern, *group, e.ty, self.expr(text)?)
            }
        })
    }

    /// The values of subquery `id`.
    fn subquery(&self, id: usize) -> Result<&Vec<ScalarValue>, QueryError> {
        self.subqueries
            .get(&id)
            .ok_or_else(|| QueryError::internal(format!("subquery {id} was not evaluated")))
    }

    /// `e` cast to the Arrow type of `ty` when its own differs.
    fn typed(&self, e: &Expr, ty: KqlType) -> Result<DfExpr, QueryError> {
        let x = self.expr(e)?;
        Ok(if e.ty == ty { x } else { cast(x, arrow_type(ty)) })
    }

    fn binary(
        &self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        result: KqlType,
    ) -> Result<DfExpr, QueryError> {
        use KqlType::*;
        let (lt, rt) = (lhs.ty, rhs.ty);
        let int64 = |x: DfExpr| cast(x, DataType::Int64);
        let float = |x: DfExpr| cast(x, DataType::Float64);
        Ok(match op {
            BinaryOp::And => self.expr(lhs)?.and(self.expr(rhs)?),
            BinaryOp::Or => self.expr(lhs)?.or(self.expr(rhs)?),
            BinaryOp::EqCi | BinaryOp::NeCi => {
                let lower = |x| KqlUdf::call("tolower", DataType::Utf8, string::to_lower, vec![x]);
                let eq = lower(self.expr(lhs)?).eq(lower(self.expr(rhs)?));
                if op == BinaryOp::EqCi { eq } else { !eq }
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => self.comparison(op, lhs, rhs)?,
            BinaryOp::Mod if result == Timespan => {
                // `1d % 5h` is 4h (oracle r2-type-casts-coercion-0017); by a
                // zero timespan it is null, not an error.
                let (a, b) = (int64(self.expr(lhs)?), int64(self.expr(rhs)?));
                let raw = when(b.clone().eq(lit(0i64)), lit(ScalarValue::Int64(None)))
                    .otherwise(a % b)?;
                cast(raw, arrow_type(result))
            }
            _ if matches!((lt, rt), (Datetime | Timespan, _) | (_, Datetime | Timespan)) => {
                // Datetime and timespan arithmetic runs on nanosecond counts.
                let (a, b) = (self.expr(lhs)?, self.expr(rhs)?);
                let (a, b) = match (lt, rt) {
                    (Timespan, Real) | (Real, Timespan) => (float(a), float(b)),
                    _ => (int64(a), int64(b)),
                };
                let raw = binary_expr(a, df_op(op), b);
                match result {
                    Real => float(raw),
                    _ => cast(int64(raw), arrow_type(result)),
                }
            }
            BinaryOp::Div if result == Long => {
                // Integer division truncates; by zero it is null, not an error.
                let (a, b) = (int64(self.expr(lhs)?), int64(self.expr(rhs)?));
                when(b.clone().eq(lit(0i64)), lit(ScalarValue::Int64(None))).otherwise(a / b)?
            }
            BinaryOp::Mod if result == Real => {
                // Never negative, for reals too: `-5.5 % 2.0` is 0.5.
                let (a, b) = (float(self.expr(lhs)?), float(self.expr(rhs)?));
                let m = abs(b);
                (a % m.clone() + m.clone()) % m
            }
            BinaryOp::Mod if result == Long => {
                // Kusto's modulo is never negative.
                let (a, b) = (int64(self.expr(lhs)?), int64(self.expr(rhs)?));
                let m = abs(b.clone());
                when(b.eq(lit(0i64)), lit(ScalarValue::Int64(None)))
                    .otherwise((a % m.clone() + m.clone()) % m)?
            }
            _ => {
                let target = arrow_type(result);
                binary_expr(
                    cast(self.expr(lhs)?, target.clone()),
                    df_op(op),
                    cast(self.expr(rhs)?, target),
                )
            }
        })
    }

    /// `==`, `!=` and ordering. With exactly one null operand `==` is false and
    /// `!=` true (kql-semantics.md §4.1); ordering with a null is null.
    fn comparison(&self, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Result<DfExpr, QueryError> {
        let common = common_type(lhs.ty, rhs.ty);
        let (a, b) = (self.typed(lhs, common)?, self.typed(rhs, common)?);
        let raw = binary_expr(a.clone(), df_op(op), b.clone());
        let res = if !matches!(op, BinaryOp::Eq | BinaryOp::Ne) || common == KqlType::String {
            raw
        } else {
            let one_null = lit(op == BinaryOp::Ne);
            let both_null = a.clone().is_null().and(b.clone().is_null());
            when(both_null, lit(ScalarValue::Boolean(None)))
                .when(a.clone().is_null().or(b.clone().is_null()), one_null)
                .otherwise(raw)?
        };
        if common != KqlType::Real {
            return Ok(res);
        }
        // NaN equals nothing and orders against nothing: only `!=` holds.
        let is_nan = |x: DfExpr| KqlUdf::call("isnan", DataType::Boolean, math::is_nan, vec![x]);
        Ok(when(is_nan(a).or(is_nan(b)).is_true(), lit(op == BinaryOp::Ne)).otherwise(res)?)
    }

    fn call(&self, func: ScalarFunc, args: &[Expr], ty: KqlType) -> Result<DfExpr, QueryError> {
        let lowered = args.iter().map(|a| self.expr(a)).collect::<Result<Vec<_>, _>>()?;
        let out = arrow_type(ty);
        Ok(match func {
            ScalarFunc::DatetimeDiff => cast(
                KqlUdf::call("datetime_diff", DataType::Int64, datetime::datetime_diff, lowered),
                out,
            ),
            ScalarFunc::SetDifference => {
                KqlUdf::call("set_difference", out, dynamic::set_difference, lowered)
            }
            ScalarFunc::ArrayLength => {
                KqlUdf::call("array_length", out, dynamic::array_length, lowered)
            }
            ScalarFunc::DynamicGet => {
                KqlUdf::call("dynamic_get", out, dynamic::dynamic_get, lowered)
            }
            ScalarFunc::ToLower => KqlUdf::call("tolower", out, string::to_lower, lowered),
            ScalarFunc::ToUpper => KqlUdf::call("toupper", out, string::to_upper, lowered),
            ScalarFunc::Strlen => KqlUdf::call("strlen", out, string::strlen, lowered),
            ScalarFunc::ToString => {
                KqlUdf::call("tostring", out, text::to_string_kernel(args[0].ty), lowered)
            }
            ScalarFunc::IsEmpty | ScalarFunc::IsNotEmpty => {
                let x = lowered.into_iter().next().expect("one argument");
                let empty = match args[0].ty {
                    KqlType::String => x.eq(lit("")),
                    // `dynamic('')` and `dynamic(null)` are empty; `dynamic([])` is not.
                    KqlType::Dynamic => {
                        x.clone().is_null().or(x.clone().eq(lit("\"\""))).or(x.eq(lit("null")))
                    }
                    _ => x.is_null(),
                };
                if func == ScalarFunc::IsEmpty { empty } else { !empty }
            }
            ScalarFunc::IsNull | ScalarFunc::IsNotNull => {
                let x = lowered.into_iter().next().expect("one argument");
                // Strings are never null; a dynamic JSON `null` is
                // (oracle r1-null-and-edge-0044, r1-dynamic-json-0021).
                let null = match args[0].ty {
                    KqlType::String => lit(false),
                    KqlType::Dynamic => x.clone().is_null().or(x.eq(lit("null"))),
                    _ => x.is_null(),
                };
                if func == ScalarFunc::IsNull { null } else { !null }
            }
            ScalarFunc::Library(name) => {
                library::call(name, args.iter().map(|a| a.ty).collect(), ty, lowered)?
            }
            ScalarFunc::Case => {
                // Pairs of (predicate, value), then the default.
                let (default, pairs) = args.split_last().expect("case has a default");
                let mut chain: Option<
                    datafusion::logical_expr::conditional_expressions::CaseBuilder,
                > = None;
                for pair in pairs.chunks(2) {
                    let (cond, value) = (self.expr(&pair[0])?.is_true(), self.typed(&pair[1], ty)?);
                    chain = Some(match chain {
                        None => when(cond, value),
                        Some(mut c) => c.when(cond, value),
                    });
                }
                let mut chain = chain.expect("case has a pair");
                chain.otherwise(self.typed(default, ty)?)?
            }
            ScalarFunc::Iff => {
                let cond = self.expr(&args[0])?;
                let (then, otherwise) = (self.typed(&args[1], ty)?, self.typed(&args[2], ty)?);
                when(cond.is_true(), then).otherwise(otherwise)?
            }
        })
    }
}

/// The type two operands are compared or combined in.
fn common_type(a: KqlType, b: KqlType) -> KqlType {
    use KqlType::*;
    match (a, b) {
        (x, y) if x == y => x,
        (Real, y) | (y, Real) if y.is_numeric() => Real,
        (Int | Long, Int | Long) => Long,
        (x, _) => x,
    }
}

fn df_op(op: BinaryOp) -> Operator {
    match op {
        BinaryOp::Add => Operator::Plus,
        BinaryOp::Sub => Operator::Minus,
        BinaryOp::Mul => Operator::Multiply,
        BinaryOp::Div => Operator::Divide,
        BinaryOp::Mod => Operator::Modulo,
        BinaryOp::Eq => Operator::Eq,
        BinaryOp::Ne => Operator::NotEq,
        BinaryOp::Lt => Operator::Lt,
        BinaryOp::Le => Operator::LtEq,
        BinaryOp::Gt => Operator::Gt,
        BinaryOp::Ge => Operator::GtEq,
        BinaryOp::And => Operator::And,
        BinaryOp::Or => Operator::Or,
        BinaryOp::EqCi | BinaryOp::NeCi => unreachable!("lowered through tolower"),
    }
}

fn datetime_lit(ns: Option<i64>) -> DfExpr {
    lit(ScalarValue::TimestampNanosecond(ns, Some("UTC".into())))
}

/// A constant of KQL type `ty`.
pub(crate) fn literal(value: &Value, ty: KqlType) -> DfExpr {
    match value {
        Value::Null => lit(ScalarValue::try_from(&arrow_type(ty)).unwrap_or(ScalarValue::Null)),
        Value::Bool(b) => lit(*b),
        Value::Int(v) => lit(*v),
        Value::Long(v) => lit(*v),
        Value::Real(v) => lit(*v),
        Value::String(s) => lit(s.as_str()),
        Value::Datetime(ns) => datetime_lit(Some(*ns)),
        Value::Timespan(ns) => lit(ScalarValue::DurationNanosecond(Some(*ns))),
        Value::Dynamic(json) => lit(json.to_string()),
    }
}

/// The elements of a dynamic value as scalars: an array's elements, or the
/// value itself; strings as text, numbers and bools as themselves, nested
/// values as their JSON text. Nulls are in no list and are left out.
fn array_elements(json: &str) -> Vec<ScalarValue> {
    let scalar = |v: serde_json::Value| match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(ScalarValue::Utf8(Some(s))),
        serde_json::Value::Bool(b) => Some(ScalarValue::Boolean(Some(b))),
        serde_json::Value::Number(n) => Some(match n.as_i64() {
            Some(i) => ScalarValue::Int64(Some(i)),
            None => ScalarValue::Float64(n.as_f64()),
        }),
        other => Some(ScalarValue::Utf8(Some(other.to_string()))),
    };
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Array(items)) => items.into_iter().filter_map(scalar).collect(),
        Ok(other) => scalar(other).into_iter().collect(),
        Err(_) => Vec::new(),
    }
}
