//! The bound plan: what the binder hands to the engine.
//!
//! Names are resolved, types known and output columns named; the plan says
//! nothing about how it will run. Each node keeps the span of the syntax that
//! produced it so that execution errors can still point at the text.

use calypso_syntax::ast::StrOp;
use calypso_syntax::{KqlType, Span};

use crate::Column;

/// A tabular plan node and its output schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// What the node does.
    pub kind: PlanKind,
    /// The output columns, in order; names are unique.
    pub schema: Vec<Column>,
    /// The syntax it came from.
    pub span: Span,
}

/// The kinds of plan node.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanKind {
    /// Every row of a loaded table.
    Scan {
        /// The table name.
        table: String,
    },
    /// Rows whose predicate is true (false and null drop the row).
    Filter {
        /// The input.
        input: Box<Plan>,
        /// A `bool` expression.
        predicate: Expr,
    },
    /// One expression per output column, in schema order.
    Project {
        /// The input.
        input: Box<Plan>,
        /// The expressions, one per `schema` column.
        exprs: Vec<Expr>,
    },
    /// Groups by `keys`; the output is the keys, then the aggregates.
    Aggregate {
        /// The input.
        input: Box<Plan>,
        /// Grouping expressions.
        keys: Vec<Expr>,
        /// Aggregate calls.
        aggregates: Vec<AggregateCall>,
    },
    /// A join on equal keys (null keys match null keys).
    Join {
        /// The left input.
        left: Box<Plan>,
        /// The right input, with its own column names.
        right: Box<Plan>,
        /// The join kind.
        kind: JoinKind,
        /// Pairs of (left column, right column) names that must be equal.
        keys: Vec<(String, String)>,
    },
    /// Rows ordered by the keys.
    Sort {
        /// The input.
        input: Box<Plan>,
        /// The keys, most significant first.
        keys: Vec<SortKey>,
    },
    /// The first `count` rows, or with `per`, the first `count` rows of
    /// each group of rows that share those columns' values (`top-nested`'s
    /// inner levels; `mv-apply` runs its subquery on each row's elements).
    Limit {
        /// The input.
        input: Box<Plan>,
        /// How many rows at most.
        count: u64,
        /// The columns whose groups are limited one by one; none for all
        /// rows at once.
        per: Vec<String>,
    },
    /// Rows written in the query (`datatable`, `print`): one expression per
    /// schema column in each row.
    Values {
        /// The rows.
        rows: Vec<Vec<Expr>>,
    },
    /// `make-series`: the input's rows (an aggregate by the keys, then the
    /// bin, then one column an aggregation) laid out as one array an
    /// aggregation and group, with the axis's array last.
    MakeSeries {
        /// The aggregated bins.
        input: Box<Plan>,
        /// How the bins are laid out.
        series: Series,
    },
    /// `union`: every leg's rows, each leg projected to the union's schema.
    Union {
        /// The legs and their projections, one expression per column.
        legs: Vec<(Plan, Vec<Expr>)>,
    },
    /// `serialize`: the input, whose row order now counts (window
    /// functions may follow).
    Serialize {
        /// The input.
        input: Box<Plan>,
    },
    /// `mv-expand`: one row per element of the targets' arrays or bags.
    MvExpand {
        /// The input.
        input: Box<Plan>,
        /// What to expand and how.
        expand: Expand,
    },
    /// `range`: from `from` to `to` inclusive, by `step`; one column.
    Range {
        /// The first value.
        from: Expr,
        /// The last value, inclusive.
        to: Expr,
        /// The step (a timespan for datetimes and timespans).
        step: Expr,
    },
}

/// The window functions of serialized input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowFunc {
    /// `row_number([start])`.
    RowNumber,
    /// `prev(x[, offset[, default]])`.
    Prev,
    /// `next(x[, offset[, default]])`.
    Next,
    /// `row_cumsum(x[, restart])`.
    RowCumsum,
    /// `row_rank_dense(x)`: 1, then one more at each row whose `x` differs
    /// from the previous row's.
    RowRankDense,
    /// `row_rank_min(x)`: the row number of the first row of the current
    /// run of equal `x`.
    RowRankMin,
    /// A number unique to each row, in no order that counts: what
    /// `mv-apply` tells its input's rows apart by. Not callable from KQL.
    RowId,
}

impl Plan {
    /// Whether the rows come in an order that counts (kql-semantics.md §3):
    /// `sort`, `top`, `serialize` and `range` give one; row-wise operators
    /// keep it.
    pub fn is_serialized(&self) -> bool {
        match &self.kind {
            PlanKind::Sort { .. } | PlanKind::Serialize { .. } | PlanKind::Range { .. } => true,
            PlanKind::Filter { input, .. }
            | PlanKind::Project { input, .. }
            | PlanKind::Limit { input, .. } => input.is_serialized(),
            _ => false,
        }
    }

    /// The keys that order this plan's rows, when they come from a `sort`
    /// (or `top`) below row-wise operators that keep the key columns.
    pub fn serial_order(&self) -> Option<Vec<SortKey>> {
        match &self.kind {
            PlanKind::Sort { keys, .. } => keys
                .iter()
                .all(|k| matches!(k.expr.kind, ExprKind::Column(_)))
                .then(|| keys.clone()),
            PlanKind::Filter { input, .. }
            | PlanKind::Limit { input, .. }
            | PlanKind::Serialize { input } => input.serial_order(),
            PlanKind::Project { input, exprs } => {
                let keys = input.serial_order()?;
                let kept = keys.iter().all(|k| {
                    exprs.iter().zip(&self.schema).any(|(e, c)| {
                        e.kind == k.expr.kind && k.expr.kind == ExprKind::Column(c.name.clone())
                    })
                });
                kept.then_some(keys)
            }
            _ => None,
        }
    }

    /// The keys that order this plan's rows for a limit within groups: a
    /// `sort` below row filters keeps any key; above projections only
    /// column keys survive ([`Plan::serial_order`]).
    pub fn limit_order(&self) -> Option<Vec<SortKey>> {
        match &self.kind {
            PlanKind::Sort { keys, .. } => Some(keys.clone()),
            PlanKind::Filter { input, .. }
            | PlanKind::Serialize { input }
            | PlanKind::Limit { input, .. } => input.limit_order(),
            _ => self.serial_order(),
        }
    }

    /// Whether an expression of this node holds a window function.
    pub fn has_window(exprs: &[Expr]) -> bool {
        let mut found = false;
        for e in exprs {
            e.for_each_window(&mut |_| found = true);
        }
        found
    }
}

impl Expr {
    /// Calls `f` on every window function in the expression.
    pub fn for_each_window(&self, f: &mut dyn FnMut(&Expr)) {
        if matches!(self.kind, ExprKind::Window { .. }) {
            f(self);
            return;
        }
        self.children().into_iter().for_each(|c| c.for_each_window(f));
    }
}

/// The delimiters of `parse-kv`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KvFormat {
    /// Between pairs.
    pub pair: String,
    /// Between a key and its value.
    pub kv: String,
    /// Quotes around values that may hold delimiters.
    pub quote: Option<char>,
}

/// A `parse` pattern as a regular expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParsePattern {
    /// The regular expression, one capture group per extracted column.
    pub regex: String,
    /// The columns' types, in group order.
    pub types: Vec<KqlType>,
    /// How failures null the row's columns.
    pub mode: ParseMode,
}

/// `parse kind=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParseMode {
    /// A row that does not match or convert gets null in every column.
    Simple,
    /// Only the column that does not convert is null.
    Relaxed,
    /// The constants are regular expressions; otherwise as `Simple`.
    Regex,
}

impl Plan {
    /// Calls `f` on every expression of this plan and the plans below it.
    pub fn for_each_expr(&self, f: &mut dyn FnMut(&Expr)) {
        match &self.kind {
            PlanKind::Scan { .. } => {}
            PlanKind::Filter { input, predicate } => {
                f(predicate);
                input.for_each_expr(f);
            }
            PlanKind::Project { input, exprs } => {
                exprs.iter().for_each(&mut *f);
                input.for_each_expr(f);
            }
            PlanKind::Aggregate { input, keys, aggregates } => {
                keys.iter().for_each(&mut *f);
                for a in aggregates {
                    a.args.iter().for_each(&mut *f);
                    a.filter.iter().for_each(&mut *f);
                }
                input.for_each_expr(f);
            }
            PlanKind::Join { left, right, .. } => {
                left.for_each_expr(f);
                right.for_each_expr(f);
            }
            PlanKind::Sort { input, keys } => {
                keys.iter().for_each(|k| f(&k.expr));
                input.for_each_expr(f);
            }
            PlanKind::Limit { input, .. } | PlanKind::Serialize { input } => input.for_each_expr(f),
            PlanKind::Values { rows } => rows.iter().flatten().for_each(&mut *f),
            PlanKind::Range { from, to, step } => [from, to, step].into_iter().for_each(&mut *f),
            PlanKind::MvExpand { input, expand } => {
                expand.targets.iter().for_each(|t| f(&t.expr));
                input.for_each_expr(f);
            }
            PlanKind::Union { legs } => {
                for (leg, exprs) in legs {
                    exprs.iter().for_each(&mut *f);
                    leg.for_each_expr(f);
                }
            }
            PlanKind::MakeSeries { input, series } => {
                [&series.start, &series.step, &series.end].into_iter().for_each(&mut *f);
                input.for_each_expr(f);
            }
        }
    }

    /// Every `ago(t)` (or `now() - t`) of the plan and its subqueries with
    /// a constant `t`: where it is written and how far back it reaches, in
    /// nanoseconds.
    pub fn lookbacks(&self) -> Vec<(Span, i64)> {
        let mut found = Vec::new();
        let mut visit = |e: &Expr| {
            e.walk(&mut |x| found.extend(x.lookback().map(|t| (x.span, t))));
        };
        self.for_each_expr(&mut visit);
        for (_, plan, _) in self.subqueries() {
            plan.for_each_expr(&mut visit);
        }
        found
    }

    /// The tables this plan reads, subqueries included, each once, sorted.
    pub fn tables(&self) -> Vec<String> {
        let mut found = Vec::new();
        self.collect_tables(&mut found);
        for (_, plan, _) in self.subqueries() {
            plan.collect_tables(&mut found);
        }
        found.sort();
        found.dedup();
        found
    }

    fn collect_tables(&self, found: &mut Vec<String>) {
        match &self.kind {
            PlanKind::Scan { table } => found.push(table.clone()),
            PlanKind::Filter { input, .. }
            | PlanKind::Project { input, .. }
            | PlanKind::Aggregate { input, .. }
            | PlanKind::Sort { input, .. }
            | PlanKind::Limit { input, .. }
            | PlanKind::Serialize { input }
            | PlanKind::MvExpand { input, .. }
            | PlanKind::MakeSeries { input, .. } => input.collect_tables(found),
            PlanKind::Join { left, right, .. } => {
                left.collect_tables(found);
                right.collect_tables(found);
            }
            PlanKind::Union { legs } => legs.iter().for_each(|(leg, _)| leg.collect_tables(found)),
            PlanKind::Values { .. } | PlanKind::Range { .. } => {}
        }
    }

    /// Every subquery in this plan, outer before inner: (id, plan, scalar).
    pub fn subqueries(&self) -> Vec<(usize, Plan, bool)> {
        let mut found = Vec::new();
        self.for_each_expr(&mut |e| {
            e.for_each_subquery(&mut |s| {
                if let ExprKind::Subquery { plan, id, scalar } = &s.kind {
                    found.push((*id, (**plan).clone(), *scalar));
                }
            })
        });
        found
    }
}

/// How `make-series` lays its bins out.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// How many group keys lead the input's columns (the bin follows them).
    pub keys: usize,
    /// Per aggregation, what an empty bin holds, and the aggregation's type.
    pub defaults: Vec<(Value, KqlType)>,
    /// The first bin: `from`, or the axis's minimum.
    pub start: Expr,
    /// The width of a bin.
    pub step: Expr,
    /// Where the axis ends: `to` (exclusive), or the axis's maximum.
    pub end: Expr,
    /// Whether `end` is the maximum, whose bin is included.
    pub end_inclusive: bool,
    /// The axis's type.
    pub axis: KqlType,
}

/// The arguments of `mv-expand`.
#[derive(Clone, Debug, PartialEq)]
pub struct Expand {
    /// The expanded values, in parallel (the shorter padded with null).
    pub targets: Vec<ExpandTarget>,
    /// `with_itemindex=`: the column of each element's 0-based position.
    pub index: Option<String>,
    /// `bagexpansion=array`: a bag's properties as `[key, value]` pairs
    /// rather than one-property bags.
    pub bags_as_arrays: bool,
    /// `limit N`: at most N elements of each row.
    pub limit: Option<u64>,
}

/// One expanded value: the output column it fills (in place when it names an
/// input column) and the type its elements are converted to.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpandTarget {
    /// The output column.
    pub name: String,
    /// The dynamic value expanded.
    pub expr: Expr,
    /// `to typeof(T)`.
    pub to: Option<KqlType>,
}

/// The nine join kinds of KQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    /// Left deduplicated on the keys, then inner: KQL's default.
    InnerUnique,
    /// Every matching pair.
    Inner,
    /// Matches plus unmatched left rows.
    LeftOuter,
    /// Matches plus unmatched right rows.
    RightOuter,
    /// Matches plus unmatched rows of both sides.
    FullOuter,
    /// Left rows with a match.
    LeftSemi,
    /// Left rows without a match.
    LeftAnti,
    /// Right rows with a match.
    RightSemi,
    /// Right rows without a match.
    RightAnti,
}

impl JoinKind {
    /// The kind spelled by `kind=...`.
    pub fn from_name(name: &str) -> Option<JoinKind> {
        Some(match name {
            "innerunique" => JoinKind::InnerUnique,
            "inner" => JoinKind::Inner,
            "leftouter" => JoinKind::LeftOuter,
            "rightouter" => JoinKind::RightOuter,
            "fullouter" | "outer" => JoinKind::FullOuter,
            "leftsemi" => JoinKind::LeftSemi,
            "leftanti" | "anti" | "leftantisemi" => JoinKind::LeftAnti,
            "rightsemi" => JoinKind::RightSemi,
            "rightanti" | "rightantisemi" => JoinKind::RightAnti,
            _ => return None,
        })
    }

    /// Whether the output has the left side's columns.
    pub fn keeps_left(self) -> bool {
        !matches!(self, JoinKind::RightSemi | JoinKind::RightAnti)
    }

    /// Whether the output has the right side's columns.
    pub fn keeps_right(self) -> bool {
        !matches!(self, JoinKind::LeftSemi | JoinKind::LeftAnti)
    }
}

/// A sort key with its direction and null placement resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    /// The sorted expression.
    pub expr: Expr,
    /// Ascending order.
    pub ascending: bool,
    /// Nulls before other values.
    pub nulls_first: bool,
}

/// An aggregate function applied to arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateCall {
    /// The function.
    pub func: AggregateFunc,
    /// Its arguments.
    pub args: Vec<Expr>,
    /// The result type.
    pub ty: KqlType,
    /// The call's text.
    pub span: Span,
    /// Only the rows where this is true count (the `_if` forms).
    pub filter: Option<Expr>,
    /// At most this many values (`make_set`, `make_list`).
    pub limit: Option<u64>,
}

/// The aggregate functions Calypso runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggregateFunc {
    /// `count()`: rows.
    Count,
    /// `dcount(x)`: distinct non-null values.
    DCount,
    /// `min(x)`.
    Min,
    /// `max(x)`.
    Max,
    /// `sum(x)`.
    Sum,
    /// `avg(x)`.
    Avg,
    /// `make_set(x)`: distinct non-null values as a dynamic array.
    MakeSet,
    /// `make_list(x)`: non-null values as a dynamic array.
    MakeList,
    /// `make_list_with_nulls(x)`: every value, nulls included.
    MakeListWithNulls,
    /// `make_bag(x)`: the properties of the bags, merged.
    MakeBag,
    /// `take_any(x)`: any value, a non-empty one where there is one.
    TakeAny,
    /// `arg_max(e, c)`: `c` of a row where `e` is largest (args `[e, c]`).
    ArgMax,
    /// `arg_min(e, c)`: `c` of a row where `e` is smallest.
    ArgMin,
    /// `stdev(x)`: sample standard deviation.
    Stdev,
    /// `variance(x)`: sample variance.
    Variance,
    /// `stdevp(x)`: population standard deviation.
    StdevP,
    /// `variancep(x)`: population variance.
    VarianceP,
    /// `percentile(x, p)`: the nearest rank (args `[x, p]`, `p` a real
    /// constant from 0 to 100).
    Percentile,
}

/// A typed scalar expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Its KQL type.
    pub ty: KqlType,
    /// The syntax it came from.
    pub span: Span,
}

/// The kinds of scalar expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A column of the input, by name.
    Column(String),
    /// A constant; `Value::Null` is a null of the expression's type.
    Literal(Value),
    /// The query's one instant (`now()`); the engine pins it.
    Now,
    /// A scalar function call.
    Call {
        /// The function.
        func: ScalarFunc,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// Arithmetic, comparison or logic on typed operands.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `-x`.
    Negate(Box<Expr>),
    /// `not(x)`.
    Not(Box<Expr>),
    /// A string operator (`has`, `contains`, …) on string operands.
    StrOp {
        /// The operator.
        op: StrOp,
        /// The searched text.
        lhs: Box<Expr>,
        /// The searched-for text.
        rhs: Box<Expr>,
    },
    /// `has_any` / `has_all` with constant terms.
    HasAny {
        /// The searched text.
        lhs: Box<Expr>,
        /// The terms.
        terms: Vec<String>,
        /// Tables whose first column's values are terms too (subqueries).
        tables: Vec<Expr>,
        /// `has_all`.
        all: bool,
    },
    /// `in` and its variants, against a list of expressions.
    In {
        /// The tested value.
        lhs: Box<Expr>,
        /// The values.
        list: Vec<Expr>,
        /// `!in`.
        negated: bool,
        /// `in~`.
        case_insensitive: bool,
    },
    /// `low <= value <= high`, or its negation; null when any side is null.
    Between {
        /// The tested value.
        value: Box<Expr>,
        /// The lower bound.
        low: Box<Expr>,
        /// The upper bound.
        high: Box<Expr>,
        /// `!between`.
        negated: bool,
    },
    /// The first column's values of a table (`x in (T)`), or with
    /// `scalar`, its first row's (`toscalar(T)`); the engine evaluates the
    /// table first.
    Subquery {
        /// The table.
        plan: Box<Plan>,
        /// Which subquery of the query this is.
        id: usize,
        /// `toscalar`: one value, null for an empty table.
        scalar: bool,
    },
    /// A window function over the serialized input (`row_number()`,
    /// `prev(x)`, `next(x)`, `row_cumsum(x)`).
    Window {
        /// Which window expression of the query this is.
        id: usize,
        /// The function.
        func: WindowFunc,
        /// Its arguments: the value (none for `row_number`), then constants.
        args: Vec<Expr>,
    },
    /// The value of `key` in text of `key=value` pairs (`parse-kv`),
    /// converted to the expression's type.
    KeyValue {
        /// The parsed text.
        text: Box<Expr>,
        /// How pairs and keys are delimited.
        format: Box<KvFormat>,
        /// The key.
        key: String,
    },
    /// A column extracted by `parse`: capture group `group` of the pattern,
    /// converted to the expression's type; with no group, whether the row
    /// parses (`parse-where`).
    Parse {
        /// The parsed text.
        text: Box<Expr>,
        /// The pattern.
        pattern: ParsePattern,
        /// The capture group (0-based over the pattern's columns).
        group: Option<usize>,
    },
    /// `==` / `!=` of two dynamic values, compared as JSON (design.md §3).
    DynamicEquals {
        /// The left value.
        lhs: Box<Expr>,
        /// The right value.
        rhs: Box<Expr>,
        /// `!=`.
        negated: bool,
    },
}

impl Expr {
    /// Calls `f` on the name of every column the expression reads.
    pub fn for_each_column(&self, f: &mut dyn FnMut(&str)) {
        match &self.kind {
            ExprKind::Column(name) => f(name),
            // A subquery reads its own table, and `has_any`'s are terms.
            ExprKind::HasAny { lhs, .. } => lhs.for_each_column(f),
            _ => self.children().into_iter().for_each(|c| c.for_each_column(f)),
        }
    }

    /// The expressions directly inside this one (not inside subqueries).
    pub fn children(&self) -> Vec<&Expr> {
        let mut children: Vec<&Expr> = Vec::new();
        match &self.kind {
            ExprKind::Column(_)
            | ExprKind::Literal(_)
            | ExprKind::Now
            | ExprKind::Subquery { .. } => {}
            ExprKind::Call { args, .. } | ExprKind::Window { args, .. } => children.extend(args),
            ExprKind::Binary { lhs, rhs, .. }
            | ExprKind::StrOp { lhs, rhs, .. }
            | ExprKind::DynamicEquals { lhs, rhs, .. } => children.extend([&**lhs, &**rhs]),
            ExprKind::Negate(inner) | ExprKind::Not(inner) => children.push(inner),
            ExprKind::HasAny { lhs, tables, .. } => {
                children.push(lhs);
                children.extend(tables);
            }
            ExprKind::Parse { text, .. } | ExprKind::KeyValue { text, .. } => children.push(text),
            ExprKind::In { lhs, list, .. } => {
                children.push(lhs);
                children.extend(list);
            }
            ExprKind::Between { value, low, high, .. } => {
                children.extend([&**value, &**low, &**high])
            }
        }
        children
    }

    /// Calls `f` on every subquery in the expression, outer before inner.
    pub fn for_each_subquery(&self, f: &mut dyn FnMut(&Expr)) {
        if let ExprKind::Subquery { plan, .. } = &self.kind {
            f(self);
            plan.for_each_expr(&mut |e| e.for_each_subquery(f));
            return;
        }
        self.children().into_iter().for_each(|c| c.for_each_subquery(f));
    }

    /// How far before `now()` this expression reaches, when it is
    /// `ago(t)`, `now() - t` or `now(-t)` with a constant `t`: nanoseconds.
    pub fn lookback(&self) -> Option<i64> {
        let ExprKind::Binary { op, lhs, rhs } = &self.kind else { return None };
        if lhs.kind != ExprKind::Now {
            return None;
        }
        // `now(-14d)`: the offset may be a negated constant.
        let t = match &rhs.kind {
            ExprKind::Literal(Value::Timespan(t)) => *t,
            ExprKind::Negate(inner) => match inner.kind {
                ExprKind::Literal(Value::Timespan(t)) => t.checked_neg()?,
                _ => return None,
            },
            _ => return None,
        };
        match op {
            BinaryOp::Sub if t > 0 => Some(t),
            BinaryOp::Add if t < 0 => t.checked_neg(),
            _ => None,
        }
    }

    /// Calls `f` on this expression and every one inside it, subqueries
    /// aside.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        self.children().into_iter().for_each(|c| c.walk(f));
    }

    /// The conjuncts of `a and b and ...`.
    pub fn conjuncts(self) -> Vec<Expr> {
        match self.kind {
            ExprKind::Binary { op: BinaryOp::And, lhs, rhs } => {
                let mut parts = lhs.conjuncts();
                parts.extend(rhs.conjuncts());
                parts
            }
            _ => vec![self],
        }
    }
}

/// Binary operators after type resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Mod,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `=~`.
    EqCi,
    /// `!~`.
    NeCi,
    /// `and`.
    And,
    /// `or`.
    Or,
}

/// The scalar functions Calypso runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarFunc {
    /// `datetime_diff(period, a, b)`.
    DatetimeDiff,
    /// `set_difference(a, b, ...)`.
    SetDifference,
    /// `array_length(a)`.
    ArrayLength,
    /// `isempty(x)`.
    IsEmpty,
    /// `isnotempty(x)`.
    IsNotEmpty,
    /// `isnull(x)`.
    IsNull,
    /// `isnotnull(x)`.
    IsNotNull,
    /// `tolower(s)`.
    ToLower,
    /// `toupper(s)`.
    ToUpper,
    /// `strlen(s)`.
    Strlen,
    /// `iff(c, a, b)` (also `iif`).
    Iff,
    /// `d.key`, `d[i]`: a member of a dynamic value.
    DynamicGet,
    /// `tostring(x)`: Kusto's text form of any value.
    ToString,
    /// `case(p1, v1, ..., else)`: the value of the first true predicate.
    Case,
    /// A function of the library (`crate::library::LIBRARY`), by name.
    Library(&'static str),
}

/// A constant value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A null of the surrounding expression's type.
    Null,
    /// A `bool`.
    Bool(bool),
    /// An `int`.
    Int(i32),
    /// A `long`.
    Long(i64),
    /// A `real`.
    Real(f64),
    /// A `string` (also a `guid`, in canonical lower case).
    String(String),
    /// A `datetime`, nanoseconds since the Unix epoch.
    Datetime(i64),
    /// A `timespan`, nanoseconds.
    Timespan(i64),
    /// A `dynamic` value.
    Dynamic(serde_json::Value),
}
