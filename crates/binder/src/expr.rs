//! Scalar expressions and aggregate calls: resolution and typing.

use calypso_syntax::ast::{self, ExprKind as A, UnaryOp};
use calypso_syntax::literal::parse_datetime;
use calypso_syntax::{KqlType, Span};

use crate::bind::{Binder, LetValue};
use crate::literal::literal_value;
use crate::plan::{AggregateCall, AggregateFunc, BinaryOp, Expr, ExprKind, ScalarFunc, Value};
use crate::{BindError, BindWarning, Column};

const AGGREGATES: [&str; 33] = [
    "count",
    "countif",
    "dcount",
    "dcountif",
    "min",
    "minif",
    "max",
    "maxif",
    "sum",
    "sumif",
    "avg",
    "avgif",
    "make_set",
    "make_set_if",
    "makeset",
    "make_list",
    "make_list_if",
    "makelist",
    "make_list_with_nulls",
    "count_distinct",
    "count_distinctif",
    "make_bag",
    "make_bag_if",
    "take_any",
    "any",
    "arg_max",
    "arg_min",
    "stdev",
    "stdevp",
    "variance",
    "variancep",
    "percentile",
    "percentiles",
];

/// KQL functions that Calypso knows but does not run yet: refused by name
/// rather than reported as unknown.
const KNOWN_UNSUPPORTED: [&str; 4] = ["parse_url", "parse_urlquery", "hash", "url_encode"];

/// The window function `name` calls, if it is one.
fn window_func(name: &str) -> Option<crate::plan::WindowFunc> {
    use crate::plan::WindowFunc as W;
    Some(match name {
        "row_number" => W::RowNumber,
        "prev" => W::Prev,
        "next" => W::Next,
        "row_cumsum" => W::RowCumsum,
        "row_rank_dense" => W::RowRankDense,
        "row_rank_min" => W::RowRankMin,
        _ => return None,
    })
}

/// Kusto's aggregates that Calypso does not run yet: refused by name in
/// `summarize` rather than reported as not being aggregates.
const UNSUPPORTED_AGGREGATES: [&str; 17] = [
    // The deprecated spellings of `arg_max`/`arg_min`, whose output names
    // differ in ways not measured.
    "argmax",
    "argmin",
    "percentiles_array",
    "percentilew",
    "percentilesw",
    "percentilesw_array",
    "tdigest",
    "tdigest_merge",
    "merge_tdigest",
    "hll",
    "hll_if",
    "hll_merge",
    "binary_all_and",
    "binary_all_or",
    "binary_all_xor",
    "buildschema",
    "take_anyif",
];

/// Whether `name` is an aggregate function.
pub(crate) fn is_aggregate_name(name: &str) -> bool {
    AGGREGATES.contains(&name)
}

/// Whether `name` is one of Kusto's aggregates that Calypso refuses.
pub(crate) fn is_unsupported_aggregate(name: &str) -> bool {
    UNSUPPORTED_AGGREGATES.contains(&name)
}

/// The aggregates Calypso runs, for "did you mean".
pub(crate) fn aggregate_names() -> impl Iterator<Item = &'static str> {
    AGGREGATES.iter().copied()
}

/// Every function and aggregate Calypso runs, for completion.
pub fn function_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = SUPPORTED_FUNCTIONS
        .iter()
        .copied()
        .chain(crate::library::LIBRARY.iter().map(|s| s.name))
        .chain(AGGREGATES.iter().copied())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// A "did you mean" line for `name` among `candidates`.
pub(crate) fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    calypso_syntax::closest(name, candidates).map(|best| format!("did you mean `{best}`?"))
}

/// The name a "did you mean" line (from [`suggest`]) suggests.
pub fn suggested_name(help: Option<&str>) -> Option<&str> {
    help?.strip_prefix("did you mean `")?.strip_suffix("`?")
}

fn expr(kind: ExprKind, ty: KqlType, span: Span) -> Expr {
    Expr { kind, ty, span }
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl Binder<'_> {
    /// Binds a scalar expression against the input `columns`.
    pub(crate) fn scalar(&mut self, e: &ast::Expr, columns: &[Column]) -> Result<Expr, BindError> {
        let span = e.span;
        match &e.kind {
            A::Literal(lit) => {
                let (value, ty) = literal_value(lit, span)?;
                Ok(expr(ExprKind::Literal(value), ty, span))
            }
            A::Name(ident) => self.name(ident, columns),
            A::Star => Err(BindError::invalid("`*` is not a value", span, "not allowed here")),
            A::Call { func, args } => self.call(func, args, columns, span),
            A::Member { base, name } => {
                let key = expr(
                    ExprKind::Literal(Value::String(name.name.clone())),
                    KqlType::String,
                    name.span,
                );
                self.dynamic_get(base, key, columns, span)
            }
            A::Index { base, index } => {
                let key = self.scalar(index, columns)?;
                if !matches!(key.ty, KqlType::Long | KqlType::Int | KqlType::String) {
                    return Err(BindError::types(
                        format!("an index must be a long or a string, not {}", key.ty),
                        index.span,
                        key.ty.to_string(),
                    ));
                }
                self.dynamic_get(base, key, columns, span)
            }
            A::Unary { op, operand } => {
                let operand = self.scalar(operand, columns)?;
                let valid = operand.ty.is_numeric() || operand.ty == KqlType::Timespan;
                if !valid {
                    return Err(BindError::types(
                        format!("unary `-` is not defined for {}", operand.ty),
                        span,
                        operand.ty.to_string(),
                    ));
                }
                Ok(match op {
                    UnaryOp::Plus => operand,
                    // An int is negated as a long: `-i` of int's minimum is
                    // 2147483648 (oracle r2-type-casts-coercion-0038).
                    UnaryOp::Neg => {
                        let ty =
                            if operand.ty == KqlType::Int { KqlType::Long } else { operand.ty };
                        expr(ExprKind::Negate(boxed(operand)), ty, span)
                    }
                })
            }
            A::Binary { op: ast::BinaryOp::Str(str_op), op_span, lhs, rhs }
                if matches!(lhs.kind, A::Star) =>
            {
                self.reads_schema = true;
                self.any_column(*str_op, *op_span, rhs, columns, span)
            }
            A::Binary { op, op_span, lhs, rhs } => {
                let lhs = self.scalar(lhs, columns)?;
                let rhs = self.scalar(rhs, columns)?;
                self.binary(*op, *op_span, lhs, rhs, span)
            }
            A::In { lhs, negated, case_insensitive, list } => {
                let lhs = self.scalar(lhs, columns)?;
                let mut items = Vec::new();
                for item in list {
                    // A table in the list stands for its first column's values.
                    let bound = if self.is_tabular(item) {
                        self.subquery(item, false)?
                    } else {
                        self.scalar(item, columns)?
                    };
                    if matches!(bound.kind, ExprKind::Subquery { .. }) {
                        // A column of arrays (`summarize make_set(x)`) stands
                        // for their elements: membership, as with a dynamic
                        // array (kql-semantics.md §4).
                        let compatible = bound.ty == lhs.ty
                            || (bound.ty.is_numeric() && lhs.ty.is_numeric())
                            || lhs.ty == KqlType::Dynamic
                            || bound.ty == KqlType::Dynamic;
                        if !compatible {
                            return Err(BindError::types(
                                format!("cannot look for a {} among {} values", lhs.ty, bound.ty),
                                item.span,
                                bound.ty.to_string(),
                            ));
                        }
                        items.push(bound);
                        continue;
                    }
                    items.push(self.comparable(BinaryOp::Eq, &lhs, bound, item.span)?);
                }
                let kind = ExprKind::In {
                    lhs: boxed(lhs),
                    list: items,
                    negated: *negated,
                    case_insensitive: *case_insensitive,
                };
                Ok(expr(kind, KqlType::Bool, span))
            }
            A::HasAny { lhs, all, list } => {
                let lhs = self.scalar(lhs, columns)?;
                let lhs = self.text_operand(lhs, "has_any")?;
                let mut terms = Vec::new();
                let mut tables = Vec::new();
                for item in list {
                    if self.is_tabular(item) {
                        tables.push(self.subquery(item, false)?);
                        continue;
                    }
                    let bound = self.scalar(item, columns)?;
                    collect_terms(&bound, &mut terms)?;
                }
                Ok(expr(
                    ExprKind::HasAny { lhs: boxed(lhs), terms, tables, all: *all },
                    KqlType::Bool,
                    span,
                ))
            }
            A::Between { lhs, negated, low, high } => {
                self.between(lhs, *negated, low, high, columns, span)
            }
            A::Pipe { .. }
            | A::Datatable { .. }
            | A::Print(_)
            | A::Range { .. }
            | A::Union { .. }
            | A::Search(_)
            | A::Find { .. }
            | A::ExternalData { .. } => Err(BindError::unsupported(
                "a tabular expression used as a scalar (toscalar())",
                span,
            )),
            A::NamedArg { name, .. } => Err(BindError::unsupported(
                format!("named arguments (`{} = ...`)", name.name),
                span,
            )),
            A::TablePattern(_) => {
                Err(BindError::invalid("a table pattern is not a value", span, "not allowed here"))
            }
            A::Function(_) => Err(BindError::invalid(
                "a function can only be bound with `let`",
                span,
                "not in a `let`",
            )),
        }
    }

    /// `* has x`: some column's text matches; `* !has x`: none does.
    fn any_column(
        &mut self,
        op: ast::StrOp,
        op_span: Span,
        rhs: &ast::Expr,
        columns: &[Column],
        span: Span,
    ) -> Result<Expr, BindError> {
        let positive = ast::StrOp { negated: false, ..op };
        let mut any: Option<Expr> = None;
        for col in columns {
            let value = expr(ExprKind::Column(col.name.clone()), col.ty, span);
            let text = if col.ty == KqlType::String {
                value
            } else {
                expr(
                    ExprKind::Call { func: ScalarFunc::ToString, args: vec![value] },
                    KqlType::String,
                    span,
                )
            };
            let rhs = self.scalar(rhs, columns)?;
            let test = self.binary(ast::BinaryOp::Str(positive), op_span, text, rhs, span)?;
            any = Some(match any {
                None => test,
                Some(acc) => {
                    let kind =
                        ExprKind::Binary { op: BinaryOp::Or, lhs: boxed(acc), rhs: boxed(test) };
                    expr(kind, KqlType::Bool, span)
                }
            });
        }
        let any =
            any.unwrap_or_else(|| expr(ExprKind::Literal(Value::Bool(false)), KqlType::Bool, span));
        Ok(if op.negated { expr(ExprKind::Not(boxed(any)), KqlType::Bool, span) } else { any })
    }

    fn name(&mut self, ident: &ast::Ident, columns: &[Column]) -> Result<Expr, BindError> {
        // A user function's parameters win over columns (§2.2).
        if let Some((_, value)) = self.params.iter().rev().find(|(n, _)| *n == ident.name) {
            return Ok(value.clone());
        }
        // A column of the input shadows a scalar `let` of the same name.
        if let Some(col) = columns.iter().find(|c| c.name == ident.name) {
            return Ok(expr(ExprKind::Column(col.name.clone()), col.ty, ident.span));
        }
        match self.lookup_let(&ident.name) {
            Some(LetValue::Scalar(value)) => return Ok(value.clone()),
            Some(LetValue::Tabular(_) | LetValue::Function(_)) => {
                return Err(BindError::invalid(
                    format!(
                        "`{}` is a table or a function, but a scalar is expected here",
                        ident.name
                    ),
                    ident.span,
                    "tabular `let`",
                ));
            }
            None => {}
        }
        if ident.name == "$left" || ident.name == "$right" {
            return Err(BindError::invalid(
                format!("`{}` is only valid in the `on` clause of a join", ident.name),
                ident.span,
                "not valid here",
            ));
        }
        let scalar_lets = self.lets.iter().filter_map(|(n, v)| match v {
            LetValue::Scalar(_) => Some(n.as_str()),
            LetValue::Tabular(_) | LetValue::Function(_) => None,
        });
        let candidates = columns.iter().map(|c| c.name.as_str()).chain(scalar_lets);
        let help = suggest(&ident.name, candidates);
        Err(BindError::unknown_column(&ident.name, ident.span, columns, help))
    }

    fn dynamic_get(
        &mut self,
        base: &ast::Expr,
        key: Expr,
        columns: &[Column],
        span: Span,
    ) -> Result<Expr, BindError> {
        let base = self.scalar(base, columns)?;
        if base.ty != KqlType::Dynamic {
            return Err(BindError::types(
                format!("member access needs a dynamic value, but this is a {}", base.ty),
                base.span,
                base.ty.to_string(),
            ));
        }
        let kind = ExprKind::Call { func: ScalarFunc::DynamicGet, args: vec![base, key] };
        Ok(expr(kind, KqlType::Dynamic, span))
    }

    /// A string operand; a dynamic one is compared through its text form.
    fn text_operand(&self, e: Expr, op: &str) -> Result<Expr, BindError> {
        match e.ty {
            KqlType::String => Ok(e),
            KqlType::Dynamic => {
                let span = e.span;
                Ok(expr(
                    ExprKind::Call { func: ScalarFunc::ToString, args: vec![e] },
                    KqlType::String,
                    span,
                ))
            }
            ty => Err(BindError::TypeMismatch {
                message: format!("`{op}` needs a string operand, but this is a {ty}"),
                span: e.span,
                label: ty.to_string(),
                help: Some("convert it with tostring()".to_owned()),
            }),
        }
    }

    fn binary(
        &mut self,
        op: ast::BinaryOp,
        op_span: Span,
        lhs: Expr,
        rhs: Expr,
        span: Span,
    ) -> Result<Expr, BindError> {
        use ast::BinaryOp as B;
        let op = match op {
            B::Str(str_op) => {
                let lhs = self.text_operand(lhs, &str_op.spelling())?;
                // A dynamic on the right is taken as its text, except by the
                // `has` family, which Kusto refuses (kql-semantics.md §4.2).
                let spelling = str_op.spelling();
                let has_family = spelling.trim_start_matches('!').starts_with("has");
                let rhs = if rhs.ty == KqlType::Dynamic && !has_family {
                    let span = rhs.span;
                    self.func(ScalarFunc::ToString, vec![rhs], KqlType::String, span)?
                } else {
                    rhs
                };
                if rhs.ty != KqlType::String {
                    return Err(BindError::types(
                        format!(
                            "`{}` needs a string on its right, but this is a {}",
                            str_op.spelling(),
                            rhs.ty
                        ),
                        rhs.span,
                        rhs.ty.to_string(),
                    ));
                }
                let kind = ExprKind::StrOp { op: str_op, lhs: boxed(lhs), rhs: boxed(rhs) };
                return Ok(expr(kind, KqlType::Bool, span));
            }
            B::And | B::Or => {
                for side in [&lhs, &rhs] {
                    if side.ty != KqlType::Bool {
                        return Err(BindError::types(
                            format!("`and`/`or` need bool operands, but this is a {}", side.ty),
                            side.span,
                            side.ty.to_string(),
                        ));
                    }
                }
                let op = if op == B::And { BinaryOp::And } else { BinaryOp::Or };
                return Ok(expr(
                    ExprKind::Binary { op, lhs: boxed(lhs), rhs: boxed(rhs) },
                    KqlType::Bool,
                    span,
                ));
            }
            B::Add => BinaryOp::Add,
            B::Sub => BinaryOp::Sub,
            B::Mul => BinaryOp::Mul,
            B::Div => BinaryOp::Div,
            B::Mod => BinaryOp::Mod,
            B::Eq => BinaryOp::Eq,
            B::Ne => BinaryOp::Ne,
            B::Lt => BinaryOp::Lt,
            B::Le => BinaryOp::Le,
            B::Gt => BinaryOp::Gt,
            B::Ge => BinaryOp::Ge,
            B::EqCi => BinaryOp::EqCi,
            B::NeCi => BinaryOp::NeCi,
        };
        if matches!(
            op,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
        ) {
            let ty = arithmetic_type(op, lhs.ty, rhs.ty).ok_or_else(|| {
                BindError::types(
                    format!("`{}` is not defined for {} and {}", op_symbol(op), lhs.ty, rhs.ty),
                    op_span,
                    format!("{} {} {}", lhs.ty, op_symbol(op), rhs.ty),
                )
            })?;
            return Ok(expr(ExprKind::Binary { op, lhs: boxed(lhs), rhs: boxed(rhs) }, ty, span));
        }
        if matches!(op, BinaryOp::EqCi | BinaryOp::NeCi) {
            let lhs = self.text_operand(lhs, "=~")?;
            let rhs = self.text_operand(rhs, "=~")?;
            return Ok(expr(
                ExprKind::Binary { op, lhs: boxed(lhs), rhs: boxed(rhs) },
                KqlType::Bool,
                span,
            ));
        }
        if lhs.ty == KqlType::Dynamic && rhs.ty == KqlType::Dynamic {
            return self.dynamic_equals(op, op_span, lhs, rhs, span);
        }
        let rhs = self.comparable(op, &lhs, rhs, op_span)?;
        let lhs = self.comparable(op, &rhs, lhs, op_span)?;
        Ok(expr(ExprKind::Binary { op, lhs: boxed(lhs), rhs: boxed(rhs) }, KqlType::Bool, span))
    }

    /// Checks that `value` can be compared with `other`, converting a string
    /// literal to `other`'s type where Kusto does (`datetime_col == "2024-01-01"`).
    fn comparable(
        &self,
        op: BinaryOp,
        other: &Expr,
        value: Expr,
        span: Span,
    ) -> Result<Expr, BindError> {
        let (a, b) = (other.ty, value.ty);
        let is_null_literal = matches!(value.kind, ExprKind::Literal(Value::Null));
        if a == b || (a.is_numeric() && b.is_numeric()) || is_null_literal {
            return Ok(value);
        }
        let equality = matches!(op, BinaryOp::Eq | BinaryOp::Ne);
        // A dynamic compared for equality with a string is compared by its
        // text: a dynamic holding 'x' equals 'x', a dynamic null equals ''
        // (kql-semantics.md §4.2). The dynamic side becomes that text; the
        // string side stays as it is.
        let text_equality =
            matches!(op, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::EqCi | BinaryOp::NeCi);
        if text_equality && a == KqlType::String && b == KqlType::Dynamic {
            let span = value.span;
            return self.func(ScalarFunc::ToString, vec![value], KqlType::String, span);
        }
        if text_equality && a == KqlType::Dynamic && b == KqlType::String {
            return Ok(value);
        }
        if let (true, ExprKind::Literal(Value::String(text))) = (equality, &value.kind)
            && let Some(converted) = convert_string_literal(text, a)
        {
            return Ok(expr(ExprKind::Literal(converted), a, value.span));
        }
        if b == KqlType::Dynamic || a == KqlType::Dynamic {
            return Err(BindError::unsupported(
                format!(
                    "comparing a dynamic value with a {}",
                    if a == KqlType::Dynamic { b } else { a }
                ),
                span,
            ));
        }
        Err(BindError::TypeMismatch {
            message: format!("cannot compare values of types {a} and {b}"),
            span,
            label: format!("{a} vs {b}"),
            help: Some(
                "convert one side, e.g. with todatetime(), tolong() or tostring()".to_owned(),
            ),
        })
    }

    fn dynamic_equals(
        &mut self,
        op: BinaryOp,
        op_span: Span,
        lhs: Expr,
        rhs: Expr,
        span: Span,
    ) -> Result<Expr, BindError> {
        let negated = match op {
            BinaryOp::Eq => false,
            BinaryOp::Ne => true,
            _ => {
                return Err(BindError::types(
                    "dynamic values cannot be ordered",
                    op_span,
                    "dynamic vs dynamic",
                ));
            }
        };
        let help = dynamic_rewrite(&rhs, negated);
        if self.options.strict {
            return Err(BindError::DynamicComparison { span, help });
        }
        self.warnings.push(BindWarning::DynamicComparison { span, help });
        let kind = ExprKind::DynamicEquals { lhs: boxed(lhs), rhs: boxed(rhs), negated };
        Ok(expr(kind, KqlType::Bool, span))
    }

    fn between(
        &mut self,
        value: &ast::Expr,
        negated: bool,
        low: &ast::Expr,
        high: &ast::Expr,
        columns: &[Column],
        span: Span,
    ) -> Result<Expr, BindError> {
        let value = self.scalar(value, columns)?;
        let low = self.scalar(low, columns)?;
        let mut high = self.scalar(high, columns)?;
        if matches!(value.ty, KqlType::String | KqlType::Dynamic | KqlType::Guid) {
            return Err(BindError::types(
                format!("`between` is not defined for {}", value.ty),
                value.span,
                value.ty.to_string(),
            ));
        }
        // `t between (start .. 3d)` means up to `start + 3d`.
        if value.ty == KqlType::Datetime
            && low.ty == KqlType::Datetime
            && high.ty == KqlType::Timespan
        {
            let hspan = high.span;
            let kind =
                ExprKind::Binary { op: BinaryOp::Add, lhs: boxed(low.clone()), rhs: boxed(high) };
            high = expr(kind, KqlType::Datetime, hspan);
        }
        let low = self.comparable(BinaryOp::Le, &value, low, span)?;
        let high = self.comparable(BinaryOp::Le, &value, high, span)?;
        let kind =
            ExprKind::Between { value: boxed(value), low: boxed(low), high: boxed(high), negated };
        Ok(expr(kind, KqlType::Bool, span))
    }

    fn call(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        columns: &[Column],
        span: Span,
    ) -> Result<Expr, BindError> {
        let name = func.name.as_str();
        if is_aggregate_name(name) {
            return Err(BindError::invalid(
                format!("the aggregate `{name}` can only be used in `summarize`"),
                func.span,
                "aggregate outside summarize",
            ));
        }
        if let Some(window) = window_func(name) {
            return self.window(window, func, args, columns, span);
        }
        if name == "toscalar" {
            if args.len() != 1 {
                return Err(BindError::invalid(
                    "`toscalar` takes one expression",
                    span,
                    "one argument expected",
                ));
            }
            if self.is_tabular(&args[0]) {
                return self.subquery(&args[0], true);
            }
            // A scalar is evaluated once, so it cannot read the row's columns.
            return self.scalar(&args[0], &[]);
        }
        if name == "replace" && args.len() == 3 && self.user_function(name).is_none() {
            // The deprecated `replace(regex, rewrite, text)` is
            // `replace_regex(text, regex, rewrite)`.
            let renamed = ast::Ident { name: "replace_regex".to_owned(), span: func.span };
            let reordered = [args[2].clone(), args[0].clone(), args[1].clone()];
            return self.call(&renamed, &reordered, columns, span);
        }
        if let Some(def) = self.user_function(name) {
            return match self.call_function(&def, func, args, None, columns, span)? {
                crate::functions::Called::Scalar(e) => Ok(e),
                crate::functions::Called::Tabular(_) => Err(BindError::unsupported(
                    format!("`{name}` returns a table: using it as a value (toscalar())"),
                    span,
                )),
            };
        }
        if matches!(name, "extract_json" | "extractjson") && args.len() == 3 {
            return self.extract_json_as(name, args, columns, span);
        }
        if let Some(sig) = crate::library::lookup(name) {
            return self.library_call(sig, args, columns, span);
        }
        let arity = |n: usize, expected: &str| -> Result<(), BindError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(BindError::ArgumentCount {
                    func: name.to_owned(),
                    expected: expected.to_owned(),
                    found: args.len(),
                    span,
                })
            }
        };
        match name {
            "now" => {
                let now = expr(ExprKind::Now, KqlType::Datetime, span);
                match args {
                    [] => Ok(now),
                    [offset] => {
                        let offset = self.typed_arg(name, offset, columns, &[KqlType::Timespan])?;
                        let kind = ExprKind::Binary {
                            op: BinaryOp::Add,
                            lhs: boxed(now),
                            rhs: boxed(offset),
                        };
                        Ok(expr(kind, KqlType::Datetime, span))
                    }
                    _ => Err(BindError::ArgumentCount {
                        func: name.to_owned(),
                        expected: "0 or 1 arguments".to_owned(),
                        found: args.len(),
                        span,
                    }),
                }
            }
            "ago" => {
                arity(1, "1 argument")?;
                let offset = self.typed_arg(name, &args[0], columns, &[KqlType::Timespan])?;
                let now = expr(ExprKind::Now, KqlType::Datetime, span);
                let kind =
                    ExprKind::Binary { op: BinaryOp::Sub, lhs: boxed(now), rhs: boxed(offset) };
                Ok(expr(kind, KqlType::Datetime, span))
            }
            "datetime_diff" => {
                arity(3, "3 arguments")?;
                let period = self.typed_arg(name, &args[0], columns, &[KqlType::String])?;
                // Kusto types the week count `real` (measured) and the others `long`.
                let mut ty = KqlType::Long;
                match &period.kind {
                    ExprKind::Literal(Value::String(p))
                        if DIFF_PERIODS.contains(&p.to_lowercase().as_str()) =>
                    {
                        if p.eq_ignore_ascii_case("week") {
                            ty = KqlType::Real;
                        }
                    }
                    _ => {
                        return Err(BindError::Invalid {
                            message: "the period of `datetime_diff` must be a constant period name"
                                .to_owned(),
                            span: args[0].span,
                            label: "not a period".to_owned(),
                            help: Some(format!("periods: {}", DIFF_PERIODS.join(", "))),
                        });
                    }
                }
                let a = self.typed_arg(name, &args[1], columns, &[KqlType::Datetime])?;
                let b = self.typed_arg(name, &args[2], columns, &[KqlType::Datetime])?;
                self.func(ScalarFunc::DatetimeDiff, vec![period, a, b], ty, span)
            }
            "set_difference" => {
                if args.len() < 2 {
                    return Err(BindError::ArgumentCount {
                        func: name.to_owned(),
                        expected: "at least 2 arguments".to_owned(),
                        found: args.len(),
                        span,
                    });
                }
                let args = args
                    .iter()
                    .map(|a| self.typed_arg(name, a, columns, &[KqlType::Dynamic]))
                    .collect::<Result<_, _>>()?;
                self.func(ScalarFunc::SetDifference, args, KqlType::Dynamic, span)
            }
            // `arraylength` is the deprecated spelling.
            "array_length" | "arraylength" => {
                arity(1, "1 argument")?;
                let a = self.typed_arg(name, &args[0], columns, &[KqlType::Dynamic])?;
                self.func(ScalarFunc::ArrayLength, vec![a], KqlType::Long, span)
            }
            // `notempty` and `notnull` are the deprecated spellings.
            "isempty" | "isnotempty" | "notempty" | "isnull" | "isnotnull" | "notnull" => {
                arity(1, "1 argument")?;
                let a = self.scalar(&args[0], columns)?;
                let func = match name {
                    "isempty" => ScalarFunc::IsEmpty,
                    "isnotempty" | "notempty" => ScalarFunc::IsNotEmpty,
                    "isnull" => ScalarFunc::IsNull,
                    _ => ScalarFunc::IsNotNull,
                };
                self.func(func, vec![a], KqlType::Bool, span)
            }
            "tolower" | "toupper" | "strlen" => {
                arity(1, "1 argument")?;
                let a = self.scalar(&args[0], columns)?;
                let a = self.text_operand(a, name)?;
                let (func, ty) = match name {
                    "tolower" => (ScalarFunc::ToLower, KqlType::String),
                    "toupper" => (ScalarFunc::ToUpper, KqlType::String),
                    _ => (ScalarFunc::Strlen, KqlType::Long),
                };
                self.func(func, vec![a], ty, span)
            }
            "tostring" => {
                arity(1, "1 argument")?;
                let a = self.scalar(&args[0], columns)?;
                if a.ty == KqlType::String {
                    return Ok(a);
                }
                self.func(ScalarFunc::ToString, vec![a], KqlType::String, span)
            }
            "not" => {
                arity(1, "1 argument")?;
                let a = self.typed_arg(name, &args[0], columns, &[KqlType::Bool])?;
                Ok(expr(ExprKind::Not(boxed(a)), KqlType::Bool, span))
            }
            "iff" | "iif" => {
                arity(3, "3 arguments")?;
                let cond = self.typed_arg(name, &args[0], columns, &[KqlType::Bool])?;
                let then = self.scalar(&args[1], columns)?;
                let otherwise = self.scalar(&args[2], columns)?;
                let ty = branch_type(&then, &otherwise).ok_or_else(|| {
                    BindError::types(
                        format!(
                            "the branches of `{name}` have different types: {} and {}",
                            then.ty, otherwise.ty
                        ),
                        args[1].span.to(args[2].span),
                        format!("{} vs {}", then.ty, otherwise.ty),
                    )
                })?;
                self.func(ScalarFunc::Iff, vec![cond, then, otherwise], ty, span)
            }
            "case" => {
                if args.len() < 3 || args.len().is_multiple_of(2) {
                    return Err(BindError::ArgumentCount {
                        func: name.to_owned(),
                        expected: "predicate and value pairs, then a default".to_owned(),
                        found: args.len(),
                        span,
                    });
                }
                let mut bound = Vec::new();
                let mut ty: Option<Expr> = None;
                for (i, arg) in args.iter().enumerate() {
                    let is_value = i % 2 == 1 || i == args.len() - 1;
                    if !is_value {
                        bound.push(self.typed_arg(name, arg, columns, &[KqlType::Bool])?);
                        continue;
                    }
                    let value = self.scalar(arg, columns)?;
                    if let Some(prev) = &ty {
                        let common = branch_type(prev, &value).ok_or_else(|| {
                            BindError::types(
                                format!(
                                    "the values of `case` have different types: {} and {}",
                                    prev.ty, value.ty
                                ),
                                arg.span,
                                value.ty.to_string(),
                            )
                        })?;
                        ty = Some(Expr { ty: common, ..value.clone() });
                    } else {
                        ty = Some(value.clone());
                    }
                    bound.push(value);
                }
                let ty = ty.map_or(KqlType::String, |e| e.ty);
                self.func(ScalarFunc::Case, bound, ty, span)
            }
            "column_ifexists" | "columnifexists" => {
                self.reads_schema = true;
                arity(2, "2 arguments")?;
                let ast::ExprKind::Literal(ast::Literal::String(column)) = &args[0].kind else {
                    return Err(BindError::invalid(
                        format!("the column name of `{name}` must be a string literal"),
                        args[0].span,
                        "not a string literal",
                    ));
                };
                match columns.iter().find(|c| &c.name == column) {
                    Some(c) => Ok(expr(ExprKind::Column(c.name.clone()), c.ty, span)),
                    None => self.scalar(&args[1], columns),
                }
            }
            _ if KNOWN_UNSUPPORTED.contains(&name)
                || crate::kusto_names::KUSTO_FUNCTIONS.binary_search(&name).is_ok() =>
            {
                Err(BindError::unsupported(format!("the function `{name}()`"), func.span))
            }
            _ => {
                let known = SUPPORTED_FUNCTIONS
                    .iter()
                    .chain(crate::library::LIBRARY.iter().map(|s| &s.name))
                    .chain(KNOWN_UNSUPPORTED.iter())
                    .chain(AGGREGATES.iter())
                    .copied();
                Err(BindError::UnknownFunction {
                    name: name.to_owned(),
                    span: func.span,
                    help: suggest(name, known),
                })
            }
        }
    }

    /// `row_number`, `prev`, `next`, `row_cumsum`: only over serialized
    /// input, as Kusto requires.
    fn window(
        &mut self,
        window: crate::plan::WindowFunc,
        func: &ast::Ident,
        args: &[ast::Expr],
        columns: &[Column],
        span: Span,
    ) -> Result<Expr, BindError> {
        use crate::plan::WindowFunc as W;
        let name = func.name.as_str();
        if !self.input_serialized {
            return Err(BindError::Invalid {
                message: format!("`{name}` needs serialized input"),
                span,
                label: "the rows have no order here".to_owned(),
                help: Some("sort the rows first, or add `| serialize`".to_owned()),
            });
        }
        let (min, max) = match window {
            W::RowNumber | W::RowId => (0, 2),
            W::Prev | W::Next => (1, 3),
            W::RowCumsum => (1, 2),
            W::RowRankDense | W::RowRankMin => (1, 1),
        };
        if matches!(window, W::RowRankDense | W::RowRankMin) && args.len() == 2 {
            return Err(BindError::unsupported(
                format!("the restart argument of `{name}`"),
                args[1].span,
            ));
        }
        if args.len() < min || args.len() > max {
            return Err(BindError::ArgumentCount {
                func: name.to_owned(),
                expected: format!("{min} to {max} arguments"),
                found: args.len(),
                span,
            });
        }
        let mut bound = Vec::new();
        for (i, arg) in args.iter().enumerate() {
            // `row_cumsum(x, restart)`, `row_number(start, restart)`: the
            // restart predicate is a row's expression and may itself use
            // `prev()` (the usual `g != prev(g)`); the lowering computes
            // those first.
            if matches!(window, W::RowCumsum | W::RowNumber) && i == 1 {
                let restart = self.scalar(arg, columns)?;
                if restart.ty != KqlType::Bool {
                    return Err(BindError::types(
                        format!("the restart predicate of `{name}` must be a bool"),
                        arg.span,
                        restart.ty.to_string(),
                    ));
                }
                let mut nested_restart = false;
                restart.for_each_window(&mut |w| {
                    if let ExprKind::Window { args, .. } = &w.kind {
                        args.iter().for_each(|a| a.for_each_window(&mut |_| nested_restart = true));
                    }
                });
                if nested_restart {
                    return Err(BindError::unsupported(
                        format!("window functions nested twice in `{name}`"),
                        arg.span,
                    ));
                }
                bound.push(restart);
                continue;
            }
            let value = if i == 0 && window != W::RowNumber {
                self.scalar(arg, columns)?
            } else {
                // Offsets, starts and defaults are constants.
                let mut value = self.scalar(arg, &[])?;
                if let ExprKind::Negate(inner) = &value.kind
                    && let ExprKind::Literal(v) = &inner.kind
                {
                    let negated = match v {
                        Value::Long(n) => Some(Value::Long(-n)),
                        Value::Int(n) => Some(Value::Int(-n)),
                        Value::Real(n) => Some(Value::Real(-n)),
                        _ => None,
                    };
                    if let Some(v) = negated {
                        value = expr(ExprKind::Literal(v), value.ty, value.span);
                    }
                }
                if !matches!(value.kind, ExprKind::Literal(_)) {
                    return Err(BindError::unsupported(
                        format!("a non-constant argument of `{name}`"),
                        arg.span,
                    ));
                }
                value
            };
            let mut nested = false;
            value.for_each_window(&mut |_| nested = true);
            if nested {
                return Err(BindError::unsupported(
                    format!("a window function inside `{name}`"),
                    arg.span,
                ));
            }
            bound.push(value);
        }
        let ty = match window {
            W::RowNumber | W::RowId | W::RowRankDense | W::RowRankMin => KqlType::Long,
            W::Prev | W::Next => bound[0].ty,
            W::RowCumsum if bound[0].ty.is_numeric() => {
                if bound[0].ty == KqlType::Real {
                    KqlType::Real
                } else {
                    KqlType::Long
                }
            }
            W::RowCumsum => {
                return Err(BindError::types(
                    "`row_cumsum` sums numbers",
                    args[0].span,
                    bound[0].ty.to_string(),
                ));
            }
        };
        self.subqueries += 1;
        Ok(expr(ExprKind::Window { id: self.subqueries, func: window, args: bound }, ty, span))
    }

    /// A call of a library function: arity and types from its signature.
    /// `extract_json(path, text, typeof(T))`: the extracted text converted
    /// as `toT()` converts it.
    fn extract_json_as(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        columns: &[Column],
        span: Span,
    ) -> Result<Expr, BindError> {
        let ty = match &args[2].kind {
            A::Call { func, args: inner } if func.name == "typeof" => match inner.as_slice() {
                [ast::Expr { kind: A::Name(t), .. }] => KqlType::from_name(&t.name),
                _ => None,
            },
            _ => None,
        };
        let Some(ty) = ty else {
            return Err(BindError::types(
                format!("the third argument of `{name}` is a type, such as `typeof(long)`"),
                args[2].span,
                "not a type",
            ));
        };
        let sig = crate::library::lookup("extract_json").expect("in the library");
        let text = self.library_call(sig, &args[..2], columns, span)?;
        let convert = match ty {
            KqlType::String => return Ok(text),
            KqlType::Long => "tolong",
            KqlType::Int => "toint",
            KqlType::Real => "todouble",
            KqlType::Bool => "tobool",
            KqlType::Datetime => "todatetime",
            KqlType::Timespan => "totimespan",
            KqlType::Dynamic => "todynamic",
            other => {
                return Err(BindError::unsupported(format!("`{name}` to {other}"), args[2].span));
            }
        };
        let sig = crate::library::lookup(convert).expect("in the library");
        let result = (sig.result)(&[KqlType::String]).unwrap_or(ty);
        self.func(ScalarFunc::Library(sig.name), vec![text], result, span)
    }

    fn library_call(
        &mut self,
        sig: &'static crate::library::Signature,
        args: &[ast::Expr],
        columns: &[Column],
        span: Span,
    ) -> Result<Expr, BindError> {
        let (min, max) = sig.arity;
        if args.len() < min || args.len() > max {
            let expected = match (min, max) {
                (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                (a, b) => format!("{a} to {b} arguments"),
            };
            return Err(BindError::ArgumentCount {
                func: sig.name.to_owned(),
                expected,
                found: args.len(),
                span,
            });
        }
        let bound = args.iter().map(|a| self.scalar(a, columns)).collect::<Result<Vec<_>, _>>()?;
        let types: Vec<KqlType> = bound.iter().map(|e| e.ty).collect();
        let ty = (sig.result)(&types).map_err(|message| {
            BindError::types(format!("`{}`: {message}", sig.name), span, "these arguments")
        })?;
        self.func(ScalarFunc::Library(sig.name), bound, ty, span)
    }

    fn func(
        &self,
        func: ScalarFunc,
        args: Vec<Expr>,
        ty: KqlType,
        span: Span,
    ) -> Result<Expr, BindError> {
        Ok(expr(ExprKind::Call { func, args }, ty, span))
    }

    /// An argument that must have one of `types` (ints count as longs).
    fn typed_arg(
        &mut self,
        func: &str,
        arg: &ast::Expr,
        columns: &[Column],
        types: &[KqlType],
    ) -> Result<Expr, BindError> {
        let bound = self.scalar(arg, columns)?;
        let is_null = matches!(bound.kind, ExprKind::Literal(Value::Null));
        if types.contains(&bound.ty) || is_null {
            return Ok(bound);
        }
        let wanted: Vec<_> = types.iter().map(|t| t.name()).collect();
        Err(BindError::types(
            format!("`{func}` expects {} here, but this is a {}", wanted.join(" or "), bound.ty),
            arg.span,
            bound.ty.to_string(),
        ))
    }

    /// Binds an aggregate call in `summarize`. The `_if` forms are their
    /// base aggregate over the rows where the predicate is true; `makeset`
    /// and `makelist` are `make_set` and `make_list` with their legacy limit
    /// of 128 values; `any` is `take_any`.
    pub(crate) fn aggregate(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        columns: &[Column],
        span: Span,
    ) -> Result<AggregateCall, BindError> {
        let name = func.name.as_str();
        if matches!(name, "percentile" | "percentiles") {
            let mut calls = self.percentiles(func, args, columns, span)?;
            if calls.len() > 1 {
                return Err(BindError::unsupported(
                    "several percentiles inside a larger expression",
                    span,
                ));
            }
            return Ok(calls.remove(0).1);
        }
        let (base, filtered, legacy_limit) = match name {
            "countif" => ("count", true, None),
            "makeset" => ("make_set", false, Some(128)),
            "makelist" => ("make_list", false, Some(128)),
            "make_set_if" => ("make_set", true, None),
            "make_bag_if" => ("make_bag", true, None),
            "make_list_if" => ("make_list", true, None),
            "any" => ("take_any", false, None),
            // Calypso's `dcount` is exact, which is what `count_distinct` promises.
            "count_distinct" => ("dcount", false, None),
            "count_distinctif" => ("dcount", true, None),
            "sumif" | "avgif" | "minif" | "maxif" | "dcountif" => {
                (&name[..name.len() - 2], true, None)
            }
            other => (other, false, None),
        };
        let arg_count = |expected: &str| BindError::ArgumentCount {
            func: name.to_owned(),
            expected: expected.to_owned(),
            found: args.len(),
            span,
        };
        // `count(x)` counts rows, as the docs' example shows.
        let n_values = match base {
            "count" if !filtered && args.len() <= 1 => args.len(),
            "count" => 0,
            _ => 1,
        };
        if args.len() < n_values + usize::from(filtered) {
            return Err(arg_count(if filtered { "a value and a predicate" } else { "1 argument" }));
        }
        let values = &args[..n_values];
        let mut rest = &args[n_values..];
        let filter = if filtered {
            let predicate = self.typed_arg(name, &rest[0], columns, &[KqlType::Bool])?;
            rest = &rest[1..];
            Some(predicate)
        } else {
            None
        };
        let limit = match (base, rest) {
            ("make_set" | "make_list" | "make_bag", [max]) => Some(self.constant_count(name, max)?),
            ("make_set" | "make_list" | "make_bag", []) => legacy_limit,
            // The accuracy of `dcount`: Calypso counts exactly.
            ("dcount", [accuracy]) => {
                self.constant_count(name, accuracy)?;
                None
            }
            (_, []) => None,
            (_, [extra, ..]) => {
                let least = n_values + usize::from(filtered);
                let most = least
                    + usize::from(matches!(base, "make_set" | "make_list" | "make_bag" | "dcount"));
                let expected = match (least, most) {
                    (0, 0) => "no arguments".to_owned(),
                    (1, 1) => "1 argument".to_owned(),
                    (l, m) if l == m => format!("{l} arguments"),
                    (l, m) => format!("{l} to {m} arguments"),
                };
                return Err(BindError::ArgumentCount {
                    func: name.to_owned(),
                    expected,
                    found: args.len(),
                    span: extra.span,
                });
            }
        };

        if base == "count" {
            let call = AggregateCall {
                func: AggregateFunc::Count,
                args: vec![],
                ty: KqlType::Long,
                span,
                filter,
                limit,
            };
            return Ok(call);
        }
        let arg = self.scalar(&values[0], columns)?;
        let ty = arg.ty;
        let type_error = |what: &str| {
            Err(BindError::types(
                format!("`{name}` is not defined for {what}"),
                values[0].span,
                ty.to_string(),
            ))
        };
        let (func, result) = match base {
            "dcount" => (AggregateFunc::DCount, KqlType::Long),
            "min" | "max" if ty == KqlType::Dynamic => return type_error("dynamic"),
            "min" => (AggregateFunc::Min, ty),
            "max" => (AggregateFunc::Max, ty),
            "sum" => match ty {
                KqlType::Int | KqlType::Long => (AggregateFunc::Sum, KqlType::Long),
                KqlType::Real | KqlType::Timespan => (AggregateFunc::Sum, ty),
                _ => return type_error(ty.name()),
            },
            "avg" if ty.is_numeric() => (AggregateFunc::Avg, KqlType::Real),
            "stdev" | "variance" | "stdevp" | "variancep" if ty.is_numeric() => {
                let func = match base {
                    "stdev" => AggregateFunc::Stdev,
                    "variance" => AggregateFunc::Variance,
                    "stdevp" => AggregateFunc::StdevP,
                    _ => AggregateFunc::VarianceP,
                };
                (func, KqlType::Real)
            }
            "avg" | "stdev" | "variance" | "stdevp" | "variancep" => return type_error(ty.name()),
            "make_set" => (AggregateFunc::MakeSet, KqlType::Dynamic),
            "make_list" => (AggregateFunc::MakeList, KqlType::Dynamic),
            "make_list_with_nulls" => (AggregateFunc::MakeListWithNulls, KqlType::Dynamic),
            "make_bag" if ty == KqlType::Dynamic => (AggregateFunc::MakeBag, KqlType::Dynamic),
            "make_bag" => return type_error(ty.name()),
            "take_any" => (AggregateFunc::TakeAny, ty),
            _ => {
                return Err(BindError::unsupported(format!("the aggregate `{name}()`"), func.span));
            }
        };
        Ok(AggregateCall { func, args: vec![arg], ty: result, span, filter, limit })
    }

    /// `percentile(x, p)` or `percentiles(x, p1, ...)`: one call per
    /// percentage, each with its name's suffix (`50`, `99_5`).
    pub(crate) fn percentiles(
        &mut self,
        func: &ast::Ident,
        args: &[ast::Expr],
        columns: &[Column],
        span: Span,
    ) -> Result<Vec<(String, AggregateCall)>, BindError> {
        let name = func.name.as_str();
        let several = name == "percentiles";
        let (value, percentages) = match args {
            [value, p] => (value, std::slice::from_ref(p)),
            [value, ps @ ..] if several && !ps.is_empty() => (value, ps),
            _ => {
                return Err(BindError::ArgumentCount {
                    func: name.to_owned(),
                    expected: if several {
                        "a value and at least one percentage".to_owned()
                    } else {
                        "2 arguments".to_owned()
                    },
                    found: args.len(),
                    span,
                });
            }
        };
        let x = self.scalar(value, columns)?;
        if !(x.ty.is_numeric() || matches!(x.ty, KqlType::Datetime | KqlType::Timespan)) {
            return Err(BindError::types(
                format!("`{name}` is not defined for {}", x.ty.name()),
                value.span,
                x.ty.to_string(),
            ));
        }
        let mut calls = Vec::new();
        for p in percentages {
            let bound = self.scalar(p, &[])?;
            let percent = match bound.kind {
                ExprKind::Literal(Value::Long(n)) => n as f64,
                ExprKind::Literal(Value::Int(n)) => f64::from(n),
                ExprKind::Literal(Value::Real(r)) => r,
                _ => f64::NAN,
            };
            if !(0.0..=100.0).contains(&percent) {
                return Err(BindError::types(
                    format!("the percentage of `{name}` must be a constant from 0 to 100"),
                    p.span,
                    bound.ty.to_string(),
                ));
            }
            let suffix = crate::names::percent_suffix(percent);
            let call = AggregateCall {
                func: AggregateFunc::Percentile,
                args: vec![
                    x.clone(),
                    expr(ExprKind::Literal(Value::Real(percent)), KqlType::Real, p.span),
                ],
                ty: x.ty,
                span,
                filter: None,
                limit: None,
            };
            calls.push((suffix, call));
        }
        Ok(calls)
    }

    /// A constant, non-negative count (`make_set(x, 100)`).
    fn constant_count(&mut self, func: &str, arg: &ast::Expr) -> Result<u64, BindError> {
        let bound = self.scalar(arg, &[])?;
        match bound.kind {
            ExprKind::Literal(Value::Long(n)) if n >= 0 => Ok(n as u64),
            ExprKind::Literal(Value::Int(n)) if n >= 0 => Ok(n as u64),
            _ => Err(BindError::types(
                format!("this argument of `{func}` must be a constant, non-negative long"),
                arg.span,
                bound.ty.to_string(),
            )),
        }
    }
}

const DIFF_PERIODS: [&str; 11] = [
    "year",
    "quarter",
    "month",
    "week",
    "day",
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
    "nanosecond",
];

const SUPPORTED_FUNCTIONS: [&str; 20] = [
    "now",
    "ago",
    "datetime_diff",
    "set_difference",
    "array_length",
    "arraylength",
    "isempty",
    "isnotempty",
    "isnull",
    "isnotnull",
    "notempty",
    "notnull",
    "tolower",
    "toupper",
    "strlen",
    "tostring",
    "not",
    "iff",
    "iif",
    "dynamic",
];

/// The result type of arithmetic, per kql-semantics.md §4.3.
fn arithmetic_type(op: BinaryOp, a: KqlType, b: KqlType) -> Option<KqlType> {
    use KqlType::*;
    Some(match (op, a, b) {
        (_, Real, x) | (_, x, Real) if x.is_numeric() => Real,
        (_, Int | Long, Int | Long) => Long,
        (BinaryOp::Sub, Datetime, Datetime) => Timespan,
        (BinaryOp::Add | BinaryOp::Sub, Datetime, Timespan) => Datetime,
        (BinaryOp::Add, Timespan, Datetime) => Datetime,
        (BinaryOp::Add | BinaryOp::Sub, Timespan, Timespan) => Timespan,
        (BinaryOp::Div, Timespan, Timespan) => Real,
        (BinaryOp::Mod, Timespan, Timespan) => Timespan,
        (BinaryOp::Mul, Timespan, x) | (BinaryOp::Mul, x, Timespan) if x.is_numeric() => Timespan,
        (BinaryOp::Div, Timespan, x) if x.is_numeric() => Timespan,
        _ => return None,
    })
}

fn op_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
        _ => "?",
    }
}

/// The common type of two `iff` branches (§5.4): equal types, int with long,
/// anything with a null literal or a dynamic.
fn branch_type(a: &Expr, b: &Expr) -> Option<KqlType> {
    let null = |e: &Expr| matches!(e.kind, ExprKind::Literal(Value::Null));
    match (a.ty, b.ty) {
        _ if null(b) => Some(a.ty),
        _ if null(a) => Some(b.ty),
        (x, y) if x == y => Some(x),
        (KqlType::Int | KqlType::Long, KqlType::Int | KqlType::Long) => Some(KqlType::Long),
        (KqlType::Dynamic, _) | (_, KqlType::Dynamic) => Some(KqlType::Dynamic),
        _ => None,
    }
}

/// The value of a string literal compared with a column of type `ty`.
fn convert_string_literal(text: &str, ty: KqlType) -> Option<Value> {
    Some(match ty {
        KqlType::Datetime => Value::Datetime(parse_datetime(text)?),
        KqlType::Timespan => Value::Timespan(calypso_syntax::literal::parse_timespan(text)?),
        KqlType::Long => Value::Long(text.trim().parse().ok()?),
        KqlType::Int => Value::Int(text.trim().parse().ok()?),
        KqlType::Real => Value::Real(text.trim().parse().ok()?),
        KqlType::Bool => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return None,
        },
        KqlType::Guid => Value::String(text.to_ascii_lowercase()),
        _ => return None,
    })
}

/// The terms of a `has_any` list item: constants only.
fn collect_terms(item: &Expr, terms: &mut Vec<String>) -> Result<(), BindError> {
    match &item.kind {
        ExprKind::Literal(Value::String(s)) => terms.push(s.clone()),
        ExprKind::Literal(Value::Long(v)) => terms.push(v.to_string()),
        ExprKind::Literal(Value::Int(v)) => terms.push(v.to_string()),
        ExprKind::Literal(Value::Dynamic(serde_json::Value::Array(items))) => {
            for v in items {
                match v {
                    serde_json::Value::String(s) => terms.push(s.clone()),
                    serde_json::Value::Null => {}
                    other => terms.push(other.to_string()),
                }
            }
        }
        // `let names = pack_array("a", "b")`: a constant array too.
        ExprKind::Call { func: ScalarFunc::Library("pack_array"), args } => {
            for arg in args {
                collect_terms(arg, terms)?;
            }
        }
        _ => return Err(BindError::unsupported("a non-constant `has_any` term", item.span)),
    }
    Ok(())
}

/// The portable form of a dynamic comparison, for the warning's help line.
fn dynamic_rewrite(rhs: &Expr, negated: bool) -> String {
    let empty_array = matches!(&rhs.kind, ExprKind::Literal(Value::Dynamic(serde_json::Value::Array(a))) if a.is_empty());
    if empty_array {
        let op = if negated { ">" } else { "==" };
        format!("write `array_length(...) {op} 0` to run the same test in Kusto")
    } else {
        "compare `tostring(...)` of both sides to run the same test in Kusto".to_owned()
    }
}
