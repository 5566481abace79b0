//! The printer: an AST back to KQL text.
//!
//! The text is canonical rather than faithful: one spelling for each
//! construct (`sort`, `take`, `mv-expand`), parentheses only where precedence
//! needs them, names quoted only when they would not read back as names.
//! What it guarantees is the round trip: parsing the printed text gives the
//! same tree, spans aside (`tests/roundtrip.rs` holds it over the corpus).

use std::fmt::Write as _;

use crate::ast::{
    Assignment, BinaryOp, ColumnDecl, DistinctItems, DynamicLiteral, Expr, ExprKind, FnParam,
    FunctionDef, Ident, JoinCondition, Literal, MakeSeries, NamedValue, Operator, OperatorKind,
    Param, ParamType, ParsePart, Script, SearchArgs, SortKey, Statement, StatementKind, UnaryOp,
};

/// The tree's debug form with every span blanked: what a round trip
/// through [`script`] and the parser must keep (the printed text has
/// positions of its own).
pub fn shape(tree: &Script) -> String {
    let debug = format!("{tree:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        let close = rest[at..].find('}').expect("a span's debug form closes");
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Prints a whole script, one statement after another.
pub fn script(script: &Script) -> String {
    let mut p = Printer::default();
    p.statements(&script.statements);
    p.out
}

/// Prints one expression.
pub fn expr(expr: &Expr) -> String {
    let mut p = Printer::default();
    p.expr(expr, Prec::Pipeline);
    p.out
}

/// How tightly the context binds: an expression looser than its context is
/// parenthesised. Loosest first (kql-semantics.md §1.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    /// Anywhere a whole pipeline may stand: `let`, a call's argument, `(...)`.
    Pipeline,
    /// A scalar expression that is not a pipeline: a `where` predicate, an
    /// `extend` item.
    Expr,
    Or,
    And,
    Compare,
    Add,
    Mul,
    Unary,
    /// Before `.`, `[` or `(`; the right side of a `join`.
    Postfix,
}

#[derive(Default)]
struct Printer {
    out: String,
    indent: usize,
}

impl Printer {
    fn put(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
    }

    /// Items printed by `each`, separated by `sep`.
    fn list<T>(&mut self, items: &[T], sep: &str, mut each: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.put(sep);
            }
            each(self, item);
        }
    }

    /// Statements, each after the `;` that ends the one before, on a line of
    /// its own.
    fn statements(&mut self, statements: &[Statement]) {
        for (i, statement) in statements.iter().enumerate() {
            if i > 0 {
                self.put(";");
                self.newline();
            }
            self.statement(statement);
        }
    }

    fn statement(&mut self, statement: &Statement) {
        match &statement.kind {
            StatementKind::Let { name, value } => {
                self.put("let ");
                self.name(name);
                self.put(" = ");
                self.expr(value, Prec::Pipeline);
            }
            StatementKind::Query(expr) => self.expr(expr, Prec::Pipeline),
            StatementKind::DeclareQueryParameters(params) => {
                self.put("declare query_parameters(");
                self.list(params, ", ", Self::fn_param);
                self.put(")");
            }
            StatementKind::Set { name, value } => {
                self.put("set ");
                self.put(&name.name);
                if let Some(value) = value {
                    self.put(" = ");
                    self.expr(value, Prec::Expr);
                }
            }
        }
    }

    fn expr(&mut self, expr: &Expr, context: Prec) {
        let own = precedence(&expr.kind);
        // `find`'s text is kept as written; when its brackets do not balance
        // it ran to the end of the query, where nothing follows it and a
        // `)` would join its text.
        let open_text = matches!(&expr.kind, ExprKind::Find { text } if !balanced(text));
        let paren = own < context && !open_text;
        if paren {
            self.put("(");
        }
        self.expr_kind(&expr.kind);
        if paren {
            self.put(")");
        }
    }

    fn expr_kind(&mut self, kind: &ExprKind) {
        match kind {
            ExprKind::Literal(lit) => self.literal(lit),
            ExprKind::Name(name) => self.name(name),
            ExprKind::Star => self.put("*"),
            ExprKind::Call { func, args } => {
                self.put(&func.name);
                self.put("(");
                self.items(args);
                self.put(")");
            }
            ExprKind::Member { base, name } => {
                self.expr(base, Prec::Postfix);
                if is_plain_name(&name.name) {
                    self.put(".");
                    self.put(&name.name);
                } else {
                    // Touching the base, `['key']` is a member access.
                    self.quoted(&name.name);
                }
            }
            ExprKind::Index { base, index } => {
                self.expr(base, Prec::Postfix);
                // `["k"]` would read back as a member access.
                let string = matches!(index.kind, ExprKind::Literal(Literal::String(_)));
                self.put(if string { "[ " } else { "[" });
                self.expr(index, Prec::Expr);
                self.put("]");
            }
            ExprKind::Unary { op, operand } => {
                self.put(match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Plus => "+",
                });
                self.expr(operand, Prec::Unary);
            }
            ExprKind::Binary { op, lhs, rhs, .. } => {
                // Left-associative: an operand as loose as the operator
                // needs parentheses on the right only.
                let own = binary_precedence(*op);
                self.expr(lhs, own);
                self.put(" ");
                self.put(&binary_spelling(*op));
                self.put(" ");
                self.expr(rhs, next(own));
            }
            ExprKind::In { lhs, negated, case_insensitive, list } => {
                self.expr(lhs, Prec::Compare);
                self.put(if *negated { " !in" } else { " in" });
                if *case_insensitive {
                    self.put("~");
                }
                self.put(" (");
                self.items(list);
                self.put(")");
            }
            ExprKind::HasAny { lhs, all, list } => {
                self.expr(lhs, Prec::Compare);
                self.put(if *all { " has_all (" } else { " has_any (" });
                self.items(list);
                self.put(")");
            }
            ExprKind::Between { lhs, negated, low, high } => {
                self.expr(lhs, Prec::Compare);
                self.put(if *negated { " !between (" } else { " between (" });
                self.expr(low, Prec::Add);
                self.put(" .. ");
                self.expr(high, Prec::Add);
                self.put(")");
            }
            ExprKind::NamedArg { name, value } => {
                self.put(&name.name);
                self.put(" = ");
                self.expr(value, Prec::Pipeline);
            }
            ExprKind::TablePattern(pattern) => self.pattern(pattern),
            ExprKind::Function(def) => self.function(def),
            ExprKind::Datatable { columns, values } => {
                self.put("datatable");
                self.column_decls(columns);
                self.put(" [");
                self.list(values, ", ", |p, v| p.expr(v, Prec::Expr));
                self.put("]");
            }
            ExprKind::ExternalData { columns, urls, props } => {
                self.put("externaldata");
                self.column_decls(columns);
                self.put(" [");
                self.list(urls, ", ", |p, v| p.expr(v, Prec::Expr));
                self.put("]");
                if !props.is_empty() {
                    self.put(" with ");
                    self.named_values(props);
                }
            }
            ExprKind::Print(items) => {
                self.put("print ");
                self.assignments(items);
            }
            ExprKind::Range { name, from, to, step } => {
                self.put("range ");
                self.name(name);
                self.put(" from ");
                self.expr(from, Prec::Expr);
                self.put(" to ");
                self.expr(to, Prec::Expr);
                self.put(" step ");
                self.expr(step, Prec::Expr);
            }
            ExprKind::Union { params, legs } => {
                self.put("union");
                self.params(params);
                self.put(" ");
                self.list(legs, ", ", |p, leg| p.expr(leg, Prec::Postfix));
            }
            ExprKind::Search(args) => self.search(args),
            ExprKind::Find { text } => {
                self.put("find ");
                self.put(text);
            }
            ExprKind::Pipe { input, op } => {
                self.expr(input, Prec::Pipeline);
                self.newline();
                self.put("| ");
                self.operator(op);
            }
        }
    }

    /// A comma-separated list of pipelines (a call's arguments, an `in`
    /// list). A pipeline or source that reads on through commas (its last
    /// operator takes a list) is parenthesised unless it comes last.
    fn items(&mut self, items: &[Expr]) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.put(", ");
            }
            let last = i + 1 == items.len();
            let (name, value) = match &item.kind {
                ExprKind::NamedArg { name, value } => (Some(name), &**value),
                _ => (None, item),
            };
            if let Some(name) = name {
                self.put(&name.name);
                self.put(" = ");
            }
            let context = if !last && reads_through_commas(&value.kind) {
                Prec::Postfix
            } else {
                Prec::Pipeline
            };
            self.expr(value, context);
        }
    }

    fn literal(&mut self, lit: &Literal) {
        match lit {
            Literal::Bool(b) => self.put(if *b { "true" } else { "false" }),
            Literal::Long(v) => {
                let _ = write!(self.out, "{v}");
            }
            Literal::Real(v) if v.is_infinite() => {
                // A literal too large for a real reads as infinity; so does
                // this one.
                self.put(if *v > 0.0 { "1e999" } else { "-1e999" });
            }
            Literal::Real(v) => {
                // `{:?}` is the shortest text that reads back as the same
                // number, and always has a `.` or an exponent.
                let _ = write!(self.out, "{v:?}");
            }
            Literal::String(s) => self.string(s),
            Literal::Timespan(nanos) => self.timespan(*nanos),
            Literal::Typed { ty, raw } => {
                let _ = write!(self.out, "{ty}({raw})");
            }
            Literal::Dynamic(value) => {
                self.put("dynamic(");
                self.dynamic(value);
                self.put(")");
            }
        }
    }

    /// A timespan in the largest unit that holds it exactly.
    fn timespan(&mut self, nanos: i64) {
        const UNITS: [(&str, i64); 8] = [
            ("d", 86_400_000_000_000),
            ("h", 3_600_000_000_000),
            ("m", 60_000_000_000),
            ("s", 1_000_000_000),
            ("ms", 1_000_000),
            ("micros", 1_000),
            ("tick", 100),
            ("nanos", 1),
        ];
        let (unit, size) = UNITS
            .iter()
            .copied()
            .find(|&(_, size)| nanos % size == 0 && nanos != 0)
            .unwrap_or(("s", 1_000_000_000));
        let _ = write!(self.out, "{}{unit}", nanos / size);
    }

    fn dynamic(&mut self, value: &DynamicLiteral) {
        match value {
            DynamicLiteral::Null => self.put("null"),
            DynamicLiteral::Scalar(lit) => self.literal(lit),
            DynamicLiteral::Array(items) => {
                self.put("[");
                self.list(items, ", ", Self::dynamic);
                self.put("]");
            }
            DynamicLiteral::Bag(entries) => {
                self.put("{");
                self.list(entries, ", ", |p, (key, value)| {
                    p.string(key);
                    p.put(": ");
                    p.dynamic(value);
                });
                self.put("}");
            }
        }
    }

    /// A string literal, with every character the lexer would not read back
    /// as itself escaped.
    fn string(&mut self, s: &str) {
        self.out.push('"');
        escape_into(&mut self.out, s);
        self.out.push('"');
    }

    /// `['name']`.
    fn quoted(&mut self, name: &str) {
        self.put("[\"");
        escape_into(&mut self.out, name);
        self.put("\"]");
    }

    fn name(&mut self, name: &Ident) {
        if is_plain_name(&name.name) {
            self.put(&name.name);
        } else {
            self.quoted(&name.name);
        }
    }

    /// A column name or a pattern with `*` (`project-away`, `union T*`).
    fn pattern(&mut self, pattern: &Ident) {
        let plain = pattern.name.chars().all(|c| c == '*' || c == '_' || c.is_alphanumeric())
            && !pattern.name.starts_with(|c: char| c.is_ascii_digit());
        if plain && (pattern.name.contains('*') || is_plain_name(&pattern.name)) {
            self.put(&pattern.name);
        } else {
            self.quoted(&pattern.name);
        }
    }

    fn function(&mut self, def: &FunctionDef) {
        if def.view {
            self.put("view ");
        }
        self.put("(");
        self.list(&def.params, ", ", Self::fn_param);
        self.put(") {");
        self.indent += 1;
        self.newline();
        self.statements(&def.body);
        self.indent -= 1;
        self.newline();
        self.put("}");
    }

    fn fn_param(&mut self, param: &FnParam) {
        self.name(&param.name);
        self.put(":");
        match &param.ty {
            ParamType::Scalar(ty) => self.put(ty.name()),
            ParamType::Tabular { columns, open } => {
                self.put("(");
                if *open {
                    self.put("*");
                    if !columns.is_empty() {
                        self.put(", ");
                    }
                }
                self.list(columns, ", ", Self::column_decl);
                self.put(")");
            }
        }
        if let Some(default) = &param.default {
            self.put(" = ");
            self.expr(default, Prec::Expr);
        }
    }

    fn column_decls(&mut self, columns: &[ColumnDecl]) {
        self.put("(");
        self.list(columns, ", ", Self::column_decl);
        self.put(")");
    }

    fn column_decl(&mut self, column: &ColumnDecl) {
        self.name(&column.name);
        self.put(":");
        self.put(column.ty.name());
    }

    fn named_values(&mut self, values: &[NamedValue]) {
        self.put("(");
        self.list(values, ", ", |p, v| {
            p.put(&v.name.name);
            p.put(" = ");
            p.expr(&v.value, Prec::Expr);
        });
        self.put(")");
    }

    /// ` name=value ...`, each with a leading space.
    fn params(&mut self, params: &[Param]) {
        for param in params {
            self.put(" ");
            self.put(&param.name.name);
            self.put("=");
            let value = &param.value.name;
            let word = is_plain_name(value) || value.parse::<i64>().is_ok_and(|n| n >= 0);
            if word {
                self.put(value);
            } else {
                self.string(value);
            }
        }
    }

    fn assignments(&mut self, items: &[Assignment]) {
        self.list(items, ", ", Self::assignment);
    }

    fn assignment(&mut self, item: &Assignment) {
        if let Some(name) = &item.name {
            if item.more_names.is_empty() {
                self.name(name);
            } else {
                self.put("(");
                self.name(name);
                for more in &item.more_names {
                    self.put(", ");
                    self.name(more);
                }
                self.put(")");
            }
            self.put(" = ");
        }
        self.expr(&item.expr, Prec::Expr);
    }

    fn sort_key(&mut self, key: &SortKey) {
        self.expr(&key.expr, Prec::Expr);
        match key.ascending {
            Some(true) => self.put(" asc"),
            Some(false) => self.put(" desc"),
            None => {}
        }
        match key.nulls_first {
            Some(true) => self.put(" nulls first"),
            Some(false) => self.put(" nulls last"),
            None => {}
        }
    }

    fn join_conditions(&mut self, on: &[JoinCondition]) {
        self.list(on, ", ", |p, cond| match cond {
            JoinCondition::Same(column) => p.name(column),
            JoinCondition::Pair { left, right } => {
                p.put("$left");
                p.member(left);
                p.put(" == $right");
                p.member(right);
            }
        });
    }

    /// `.name`, or `['name']` when the name needs quoting.
    fn member(&mut self, name: &Ident) {
        if is_plain_name(&name.name) {
            self.put(".");
            self.put(&name.name);
        } else {
            self.quoted(&name.name);
        }
    }

    fn search(&mut self, args: &SearchArgs) {
        self.put("search");
        self.params(&args.params);
        if let Some(tables) = &args.tables {
            self.put(" in (");
            self.list(tables, ", ", |p, t| p.expr(t, Prec::Postfix));
            self.put(")");
        }
        self.put(" ");
        self.expr(&args.predicate, Prec::Expr);
    }

    fn operator(&mut self, op: &Operator) {
        match &op.kind {
            OperatorKind::Where { name, predicate } => {
                self.put("where ");
                if let Some(name) = name {
                    self.name(name);
                    self.put(" = ");
                }
                self.expr(predicate, Prec::Expr);
            }
            OperatorKind::Project(items) => {
                self.put("project ");
                self.assignments(items);
            }
            OperatorKind::Extend(items) => {
                self.put("extend ");
                self.assignments(items);
            }
            OperatorKind::Summarize { params, aggregates, by } => {
                self.put("summarize");
                self.params(params);
                if !aggregates.is_empty() {
                    self.put(" ");
                    self.assignments(aggregates);
                }
                if !by.is_empty() {
                    self.put(" by ");
                    self.assignments(by);
                }
            }
            OperatorKind::Join { params, right, on } => {
                self.put("join");
                self.params(params);
                self.put(" ");
                self.side(right);
                self.put(" on ");
                self.join_conditions(on);
            }
            OperatorKind::Lookup { params, right, on } => {
                self.put("lookup");
                self.params(params);
                self.put(" ");
                self.side(right);
                self.put(" on ");
                self.join_conditions(on);
            }
            OperatorKind::Sort(keys) => {
                self.put("sort by ");
                self.list(keys, ", ", Self::sort_key);
            }
            OperatorKind::Take(count) => {
                self.put("take ");
                self.expr(count, Prec::Expr);
            }
            OperatorKind::Count => self.put("count"),
            OperatorKind::Distinct(DistinctItems::All) => self.put("distinct *"),
            OperatorKind::Distinct(DistinctItems::Items(items)) => {
                self.put("distinct ");
                self.assignments(items);
            }
            OperatorKind::ProjectAway(names) => {
                self.put("project-away ");
                self.list(names, ", ", Self::pattern);
            }
            OperatorKind::ProjectKeep(names) => {
                self.put("project-keep ");
                self.list(names, ", ", Self::pattern);
            }
            OperatorKind::ProjectRename(items) => {
                self.put("project-rename ");
                self.assignments(items);
            }
            OperatorKind::ProjectReorder(items) => {
                self.put("project-reorder ");
                self.list(items, ", ", |p, (name, order)| {
                    p.pattern(name);
                    if let Some(order) = order {
                        p.put(" ");
                        p.put(&order.name);
                    }
                });
            }
            OperatorKind::Top { count, key } => {
                self.put("top ");
                self.expr(count, Prec::Expr);
                self.put(" by ");
                self.sort_key(key);
            }
            OperatorKind::TopNested(levels) => {
                self.list(levels, ", ", |p, level| {
                    p.put("top-nested ");
                    if let Some(count) = &level.count {
                        p.expr(count, Prec::Expr);
                        p.put(" ");
                    }
                    p.put("of ");
                    p.assignment(&level.of);
                    if let Some(others) = &level.others {
                        p.put(" with others = ");
                        p.expr(others, Prec::Expr);
                    }
                    p.put(" by ");
                    p.assignment(&level.by);
                    match level.ascending {
                        Some(true) => p.put(" asc"),
                        Some(false) => p.put(" desc"),
                        None => {}
                    }
                });
            }
            OperatorKind::TopHitters { count, of, by } => {
                self.put("top-hitters ");
                self.expr(count, Prec::Expr);
                self.put(" of ");
                self.expr(of, Prec::Expr);
                if let Some(by) = by {
                    self.put(" by ");
                    self.expr(by, Prec::Expr);
                }
            }
            OperatorKind::Sample(count) => {
                self.put("sample ");
                self.expr(count, Prec::Expr);
            }
            OperatorKind::SampleDistinct { count, of } => {
                self.put("sample-distinct ");
                self.expr(count, Prec::Expr);
                self.put(" of ");
                self.expr(of, Prec::Expr);
            }
            OperatorKind::MvExpand { params, items, limit } => {
                self.put("mv-expand");
                self.params(params);
                self.put(" ");
                self.expand_items(items, limit.as_ref());
            }
            OperatorKind::MvApply { params, items, limit, subquery } => {
                self.put("mv-apply");
                self.params(params);
                self.put(" ");
                self.expand_items(items, limit.as_ref());
                self.put(" on (");
                self.indent += 1;
                for (i, op) in subquery.iter().enumerate() {
                    self.newline();
                    if i > 0 {
                        self.put("| ");
                    }
                    self.operator(op);
                }
                self.indent -= 1;
                self.newline();
                self.put(")");
            }
            OperatorKind::Parse { filter, params, source, pattern } => {
                self.put(if *filter { "parse-where" } else { "parse" });
                self.params(params);
                self.put(" ");
                self.expr(source, Prec::Expr);
                self.put(" with");
                for part in pattern {
                    self.put(" ");
                    match part {
                        ParsePart::Star => self.put("*"),
                        ParsePart::Text(text) => self.string(text),
                        ParsePart::Column(name, ty) => {
                            self.name(name);
                            if let Some(ty) = ty {
                                self.put(":");
                                self.put(ty.name());
                            }
                        }
                    }
                }
            }
            OperatorKind::ParseKv { source, columns, props } => {
                self.put("parse-kv ");
                self.expr(source, Prec::Expr);
                self.put(" as ");
                self.column_decls(columns);
                if !props.is_empty() {
                    self.put(" with ");
                    self.named_values(props);
                }
            }
            OperatorKind::MakeSeries(series) => self.make_series(series),
            OperatorKind::Evaluate { params, call } => {
                self.put("evaluate");
                self.params(params);
                self.put(" ");
                self.expr(call, Prec::Postfix);
            }
            OperatorKind::Invoke(call) => {
                self.put("invoke ");
                self.expr(call, Prec::Postfix);
            }
            OperatorKind::Render { chart, props } => {
                self.put("render ");
                self.put(&chart.name);
                if let Some(props) = props {
                    self.put(" ");
                    self.put(props);
                }
            }
            OperatorKind::As { params, name } => {
                self.put("as");
                self.params(params);
                self.put(" ");
                self.name(name);
            }
            OperatorKind::Serialize(items) => {
                self.put("serialize");
                if !items.is_empty() {
                    self.put(" ");
                    self.assignments(items);
                }
            }
            OperatorKind::GetSchema => self.put("getschema"),
            OperatorKind::Union { params, legs } => {
                self.put("union");
                self.params(params);
                self.put(" ");
                self.list(legs, ", ", |p, leg| p.expr(leg, Prec::Postfix));
            }
            OperatorKind::Search(args) => self.search(args),
            OperatorKind::Other { name, text } => {
                self.put(name);
                if !text.is_empty() {
                    self.put(" ");
                    self.put(text);
                }
            }
        }
    }

    /// The right side of `join` or `lookup`: a name, a call or `(query)`.
    fn side(&mut self, right: &Expr) {
        if matches!(right.kind, ExprKind::Pipe { .. }) {
            self.put("(");
            self.indent += 1;
            self.newline();
            self.expr(right, Prec::Pipeline);
            self.indent -= 1;
            self.newline();
            self.put(")");
        } else {
            self.expr(right, Prec::Postfix);
        }
    }

    fn expand_items(&mut self, items: &[crate::ast::ExpandItem], limit: Option<&Expr>) {
        self.list(items, ", ", |p, item| {
            p.assignment(&item.item);
            if let Some(ty) = item.to_type {
                p.put(" to typeof(");
                p.put(ty.name());
                p.put(")");
            }
        });
        if let Some(limit) = limit {
            self.put(" limit ");
            self.expr(limit, Prec::Expr);
        }
    }

    fn make_series(&mut self, series: &MakeSeries) {
        self.put("make-series");
        self.params(&series.params);
        self.put(" ");
        self.list(&series.aggregates, ", ", |p, (agg, default)| {
            p.assignment(agg);
            if let Some(default) = default {
                p.put(" default = ");
                p.expr(default, Prec::Expr);
            }
        });
        self.put(" on ");
        self.expr(&series.on, Prec::Postfix);
        if let Some(from) = &series.from {
            self.put(" from ");
            self.expr(from, Prec::Expr);
        }
        if let Some(to) = &series.to {
            self.put(" to ");
            self.expr(to, Prec::Expr);
        }
        self.put(" step ");
        self.expr(&series.step, Prec::Expr);
        if !series.by.is_empty() {
            self.put(" by ");
            self.assignments(&series.by);
        }
    }
}

/// How tightly an expression binds. Sources that read to the end of their
/// operator (`print`, `range`, `union`, ...) and pipelines stand alone only
/// where a pipeline may.
fn precedence(kind: &ExprKind) -> Prec {
    match kind {
        ExprKind::Pipe { .. }
        | ExprKind::Print(_)
        | ExprKind::Range { .. }
        | ExprKind::Union { .. }
        | ExprKind::Search(_)
        | ExprKind::Find { .. }
        | ExprKind::NamedArg { .. } => Prec::Pipeline,
        ExprKind::Binary { op, .. } => binary_precedence(*op),
        ExprKind::In { .. } | ExprKind::HasAny { .. } | ExprKind::Between { .. } => Prec::Compare,
        ExprKind::Unary { .. } => Prec::Unary,
        _ => Prec::Postfix,
    }
}

/// Whether a list item of this kind would take the commas after it as its
/// own: a pipeline (its last operator may take a list), `print`, `union`,
/// `find`.
fn reads_through_commas(kind: &ExprKind) -> bool {
    matches!(
        kind,
        ExprKind::Pipe { .. } | ExprKind::Print(_) | ExprKind::Union { .. } | ExprKind::Find { .. }
    )
}

fn binary_precedence(op: BinaryOp) -> Prec {
    match op {
        BinaryOp::Or => Prec::Or,
        BinaryOp::And => Prec::And,
        BinaryOp::Add | BinaryOp::Sub => Prec::Add,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => Prec::Mul,
        _ => Prec::Compare,
    }
}

/// The next tighter level, for the right operand of a left-associative
/// operator.
fn next(prec: Prec) -> Prec {
    match prec {
        Prec::Pipeline => Prec::Expr,
        Prec::Expr => Prec::Or,
        Prec::Or => Prec::And,
        Prec::And => Prec::Compare,
        Prec::Compare => Prec::Add,
        Prec::Add => Prec::Mul,
        Prec::Mul => Prec::Unary,
        Prec::Unary | Prec::Postfix => Prec::Postfix,
    }
}

fn binary_spelling(op: BinaryOp) -> String {
    let symbol = match op {
        BinaryOp::Or => "or",
        BinaryOp::And => "and",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::EqCi => "=~",
        BinaryOp::NeCi => "!~",
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
        BinaryOp::Str(op) => return op.spelling(),
    };
    symbol.to_owned()
}

/// Whether `name` reads back as the same name unquoted, wherever a name may
/// stand: an identifier that no rule of the grammar takes as a keyword.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return false };
    let shape = (first.is_alphabetic() || first == '_' || first == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_');
    shape && !KEYWORDS.contains(&name) && !is_string_operator(name)
}

/// Words the grammar reads as something other than a name somewhere.
const KEYWORDS: [&str; 36] = [
    "FALSE",
    "False",
    "TRUE",
    "True",
    "and",
    "asc",
    "between",
    "by",
    "datatable",
    "declare",
    "default",
    "desc",
    "dynamic",
    "externaldata",
    "false",
    "find",
    "first",
    "from",
    "in",
    "last",
    "let",
    "limit",
    "nulls",
    "of",
    "on",
    "or",
    "print",
    "range",
    "search",
    "set",
    "step",
    "to",
    "true",
    "union",
    "view",
    "with",
];

fn is_string_operator(word: &str) -> bool {
    crate::parser::is_reserved(word)
        || matches!(word.strip_suffix("_cs").unwrap_or(word), "has_any" | "has_all")
}

/// Whether the brackets of a text kept as written balance.
fn balanced(text: &str) -> bool {
    let Ok(tokens) = crate::lexer::tokenize(text) else { return false };
    let mut depth = 0i64;
    for token in tokens {
        match token.kind {
            crate::lexer::TokenKind::Punct("(" | "[" | "{") => depth += 1,
            crate::lexer::TokenKind::Punct(")" | "]" | "}") => depth -= 1,
            _ => {}
        }
    }
    depth == 0
}

/// `s` with `\`, quotes and control characters escaped.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}
