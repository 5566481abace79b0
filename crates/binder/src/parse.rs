//! `parse` and `parse-where`: columns extracted from text by a pattern
//! (kql-semantics.md §3.19).
//!
//! The pattern becomes one regular expression, anchored at the start: a
//! string constant matches itself (in `kind=regex`, it is regex text), `*`
//! skips as little as it can, a string column captures as little as it can
//! (in `kind=regex`, as much as it can: measured on Kusto), a number column
//! only a number, and the last element, when it is a column, takes the rest.
//! Captured text is converted to the column's type. In the default `simple` mode a row that
//! does not match, or whose typed column does not convert, gets null (`""`
//! for strings) in every extracted column; `relaxed` nulls only the column
//! that does not convert.

use calypso_syntax::ast::{self, Param, ParsePart};
use calypso_syntax::{KqlType, Span};

use crate::bind::Binder;
use crate::plan::{Expr, ExprKind, KvFormat, ParseMode, ParsePattern, Plan, PlanKind, ScalarFunc};
use crate::{BindError, Column};

impl Binder<'_> {
    pub(crate) fn parse_op(
        &mut self,
        input: Plan,
        filter: bool,
        params: &[Param],
        source: &ast::Expr,
        parts: &[ParsePart],
        span: Span,
    ) -> Result<Plan, BindError> {
        let mut mode = ParseMode::Simple;
        let mut flags = String::new();
        for param in params {
            match (param.name.name.as_str(), param.value.name.as_str()) {
                ("kind", "simple") => mode = ParseMode::Simple,
                ("kind", "relaxed") => mode = ParseMode::Relaxed,
                ("kind", "regex") => mode = ParseMode::Regex,
                ("flags", value) => flags = value.to_owned(),
                (name, value) => {
                    return Err(BindError::unsupported(
                        format!("the `parse` parameter `{name}={value}`"),
                        param.name.span.to(param.value.span),
                    ));
                }
            }
        }
        if !flags.is_empty()
            && (mode != ParseMode::Regex || !flags.chars().all(|c| "imsU".contains(c)))
        {
            return Err(BindError::unsupported(format!("`flags={flags}` here"), span));
        }

        let text = self.parsed_text(source, &input.schema)?;
        let mut regex = if flags.is_empty() { "^".to_owned() } else { format!("(?{flags})^") };
        let mut columns: Vec<(String, KqlType)> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            match part {
                ParsePart::Star => regex.push_str(".*?"),
                ParsePart::Text(t) if mode == ParseMode::Regex => {
                    regex.push_str(&format!("(?:{t})"))
                }
                ParsePart::Text(t) => regex.push_str(&regex::escape(t)),
                ParsePart::Column(name, ty) => {
                    if i > 0 && matches!(parts[i - 1], ParsePart::Column(..)) {
                        return Err(BindError::invalid(
                            "two columns of a `parse` pattern need text between them",
                            name.span,
                            "directly after another column",
                        ));
                    }
                    if *ty == Some(KqlType::Decimal) {
                        return Err(BindError::unsupported("`decimal` columns", name.span));
                    }
                    let ty = ty.unwrap_or(KqlType::String);
                    regex.push_str(capture(mode, ty, last));
                    columns.push((name.name.clone(), ty));
                }
            }
        }
        if let Err(e) = regex::Regex::new(&regex) {
            return Err(BindError::invalid(
                format!("the `parse` pattern is not a valid regular expression: {e}"),
                span,
                "this pattern",
            ));
        }
        let pattern = ParsePattern { regex, types: columns.iter().map(|c| c.1).collect(), mode };
        let extract = |group: Option<usize>, ty: KqlType| Expr {
            kind: ExprKind::Parse { text: Box::new(text.clone()), pattern: pattern.clone(), group },
            ty,
            span,
        };

        let input = if filter {
            let schema = input.schema.clone();
            let predicate = extract(None, KqlType::Bool);
            Plan { kind: PlanKind::Filter { input: Box::new(input), predicate }, schema, span }
        } else {
            input
        };
        let values = columns
            .into_iter()
            .enumerate()
            .map(|(group, (name, ty))| (name, extract(Some(group), ty)))
            .collect();
        Ok(with_columns(input, values, span))
    }

    /// The text a `parse` or `parse-kv` reads, as a string.
    fn parsed_text(&mut self, source: &ast::Expr, schema: &[Column]) -> Result<Expr, BindError> {
        let text = self.scalar(source, schema)?;
        if text.ty == KqlType::String {
            return Ok(text);
        }
        let span = text.span;
        Ok(Expr {
            kind: ExprKind::Call { func: ScalarFunc::ToString, args: vec![text] },
            ty: KqlType::String,
            span,
        })
    }
}

/// The input's columns with the extracted `values`: each takes the place of
/// a column of its name, or is added at the end.
fn with_columns(input: Plan, values: Vec<(String, Expr)>, span: Span) -> Plan {
    let mut schema = input.schema.clone();
    let mut exprs: Vec<Expr> = schema
        .iter()
        .map(|c| Expr { kind: ExprKind::Column(c.name.clone()), ty: c.ty, span })
        .collect();
    for (name, value) in values {
        match schema.iter().position(|c| c.name == name) {
            Some(at) => {
                schema[at].ty = value.ty;
                exprs[at] = value;
            }
            None => {
                schema.push(Column::new(name, value.ty));
                exprs.push(value);
            }
        }
    }
    Plan { kind: PlanKind::Project { input: Box::new(input), exprs }, schema, span }
}

/// The capture group of a column of type `ty`.
fn capture(mode: ParseMode, ty: KqlType, last: bool) -> &'static str {
    const INTEGER: &str = r"(-?\d+)";
    const REAL: &str = r"(-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)";
    match (mode, ty) {
        // Relaxed mode converts what it captured, and nulls only that column.
        (ParseMode::Relaxed, _) | (_, KqlType::String | KqlType::Dynamic) if last => "(.*)",
        (ParseMode::Regex, KqlType::String) => "(.*)",
        (ParseMode::Simple | ParseMode::Regex, KqlType::Long | KqlType::Int) => INTEGER,
        (ParseMode::Simple | ParseMode::Regex, KqlType::Real | KqlType::Decimal) => REAL,
        _ if last => "(.*)",
        _ => "(.*?)",
    }
}

impl Binder<'_> {
    /// `parse-kv Text as (Key:type, ...) with (pair_delimiter=..., kv_delimiter=...[, quote=...])`
    /// (kql-semantics.md §3.20): the first value of each key, trimmed; a
    /// missing key is null (`""` for strings).
    pub(crate) fn parse_kv(
        &mut self,
        input: Plan,
        source: &ast::Expr,
        columns: &[ast::ColumnDecl],
        props: &[ast::NamedValue],
        span: Span,
    ) -> Result<Plan, BindError> {
        let (mut pair, mut kv, mut quote) = (None, None, None);
        for prop in props {
            let value = match &prop.value.kind {
                ast::ExprKind::Literal(ast::Literal::String(v)) => v.clone(),
                _ => {
                    return Err(BindError::invalid(
                        "a `parse-kv` property is a string",
                        prop.value.span,
                        "not a string",
                    ));
                }
            };
            match prop.name.name.as_str() {
                "pair_delimiter" => pair = Some(value),
                "kv_delimiter" => kv = Some(value),
                "quote" if value.chars().count() == 1 => quote = value.chars().next(),
                other => {
                    return Err(BindError::unsupported(
                        format!("the `parse-kv` property `{other}`"),
                        prop.name.span,
                    ));
                }
            }
        }
        let (Some(pair), Some(kv)) = (pair, kv) else {
            return Err(BindError::unsupported(
                "`parse-kv` without both `pair_delimiter` and `kv_delimiter`",
                span,
            ));
        };
        if pair.is_empty() || kv.is_empty() {
            return Err(BindError::invalid(
                "`parse-kv` delimiters cannot be empty",
                span,
                "empty delimiter",
            ));
        }
        let text = self.parsed_text(source, &input.schema)?;
        let format = Box::new(KvFormat { pair, kv, quote });
        let mut values = Vec::with_capacity(columns.len());
        for decl in columns {
            if decl.ty == KqlType::Decimal {
                return Err(BindError::unsupported("`decimal` columns", decl.name.span));
            }
            let kind = ExprKind::KeyValue {
                text: Box::new(text.clone()),
                format: format.clone(),
                key: decl.name.name.clone(),
            };
            values.push((decl.name.name.clone(), Expr { kind, ty: decl.ty, span }));
        }
        Ok(with_columns(input, values, span))
    }
}
