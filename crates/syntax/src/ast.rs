//! The abstract syntax tree of a KQL query.
//!
//! The tree is faithful to the text: it keeps spellings that later stages
//! interpret (the raw text of `datetime(...)`, the join kind as written) and
//! leaves every question of meaning — is `X` a column, a `let` or a table? — to
//! the binder. Every node carries the [`Span`] of the text it came from.

use crate::{KqlType, Span};

/// A whole query text: statements separated by `;`.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// The statements in source order.
    pub statements: Vec<Statement>,
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// What the statement is.
    pub kind: StatementKind,
    /// The statement's text, without the trailing `;`.
    pub span: Span,
}

/// The kinds of statement.
#[derive(Clone, Debug, PartialEq)]
pub enum StatementKind {
    /// `let Name = Expr` — binds a scalar or a tabular expression.
    Let {
        /// The bound name.
        name: Ident,
        /// The bound expression.
        value: Expr,
    },
    /// A query expression whose result is returned.
    Query(Expr),
    /// `declare query_parameters(name:type [= default], ...)`.
    DeclareQueryParameters(Vec<FnParam>),
    /// `set name [= value]`: a request option.
    Set {
        /// The option's name (`query_now`, `notruncation`).
        name: Ident,
        /// Its value, when given.
        value: Option<Expr>,
    },
}

/// A name as written, with its span. Quoted names (`['a b']`) hold the
/// unquoted text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// An expression: scalar or tabular. KQL's grammar does not separate the two
/// (a bare name may be a column, a scalar `let` or a table), so neither does
/// the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// The expression's text.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal value.
    Literal(Literal),
    /// A bare name: a column, a `let`, a table, `$left`/`$right`.
    Name(Ident),
    /// `*`, allowed only as a function argument (`count(*)`, `arg_max(x, *)`).
    Star,
    /// `f(args)`.
    Call {
        /// The function name.
        func: Ident,
        /// The arguments in order.
        args: Vec<Expr>,
    },
    /// `base.name` (also `base['name']`, normalised to this form).
    Member {
        /// The value accessed.
        base: Box<Expr>,
        /// The member name.
        name: Ident,
    },
    /// `base[index]`.
    Index {
        /// The value indexed.
        base: Box<Expr>,
        /// The index expression.
        index: Box<Expr>,
    },
    /// A prefix operator.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Its operand.
        operand: Box<Expr>,
    },
    /// An infix operator.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Where the operator itself was written.
        op_span: Span,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
    },
    /// `x in (a, b)`, `x !in (...)`, `x in~ (...)`, `x !in~ (...)`.
    In {
        /// The tested value.
        lhs: Box<Expr>,
        /// `!in`.
        negated: bool,
        /// `in~`: compare ignoring case.
        case_insensitive: bool,
        /// The values listed.
        list: Vec<Expr>,
    },
    /// `x has_any (...)` or `x has_all (...)`.
    HasAny {
        /// The searched text.
        lhs: Box<Expr>,
        /// `has_all` rather than `has_any`.
        all: bool,
        /// The terms listed.
        list: Vec<Expr>,
    },
    /// `x between (low .. high)` or `x !between (...)`.
    Between {
        /// The tested value.
        lhs: Box<Expr>,
        /// `!between`.
        negated: bool,
        /// The lower bound, inclusive.
        low: Box<Expr>,
        /// The upper bound, inclusive.
        high: Box<Expr>,
    },
    /// `name = value` as a function argument (`f(1, c=7)`,
    /// `bag_unpack(d, columnsConflict='keep_source')`).
    NamedArg {
        /// The parameter named.
        name: Ident,
        /// The value passed.
        value: Box<Expr>,
    },
    /// A table name with `*` wildcards (`union Device*`, `union *`).
    TablePattern(Ident),
    /// A user function: `(params) { body }`, or `view (params) { body }`.
    Function(Box<FunctionDef>),
    /// `datatable(Col:type, ...) [v, ...]`.
    Datatable {
        /// The declared columns.
        columns: Vec<ColumnDecl>,
        /// The values, row after row.
        values: Vec<Expr>,
    },
    /// `externaldata(Col:type, ...) [url, ...] [with (name=value, ...)]`.
    ExternalData {
        /// The declared columns.
        columns: Vec<ColumnDecl>,
        /// The storage addresses.
        urls: Vec<Expr>,
        /// The `with` properties.
        props: Vec<NamedValue>,
    },
    /// `print item, ...`: one row.
    Print(Vec<Assignment>),
    /// `range Col from a to b step s`.
    Range {
        /// The column produced.
        name: Ident,
        /// The first value.
        from: Box<Expr>,
        /// The last value, inclusive.
        to: Box<Expr>,
        /// The step.
        step: Box<Expr>,
    },
    /// `union [params] legs` used as a source.
    Union {
        /// `kind=`, `withsource=`, `isfuzzy=`, hints.
        params: Vec<Param>,
        /// The tables: names, patterns, `(queries)`.
        legs: Vec<Expr>,
    },
    /// `search [params] [in (tables)] predicate` used as a source.
    Search(Box<SearchArgs>),
    /// `find [params] [in (tables)] where predicate [project ...]` (kept as
    /// written: Calypso does not run it).
    Find {
        /// The text after `find`, as written.
        text: String,
    },
    /// `input | operator`: a tabular operator applied to a tabular input.
    Pipe {
        /// The tabular input.
        input: Box<Expr>,
        /// The operator applied.
        op: Box<Operator>,
    },
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `+x`.
    Plus,
}

/// Infix operators other than the list forms (`in`, `has_any`, `between`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or`.
    Or,
    /// `and`.
    And,
    /// `==`.
    Eq,
    /// `!=` (also `<>`).
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `=~`: equal ignoring case.
    EqCi,
    /// `!~`: not equal ignoring case.
    NeCi,
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
    /// A string operator such as `has`, `!contains_cs`, `matches regex`.
    Str(StrOp),
}

/// A string operator: its family, whether it is negated (`!has`) and whether it
/// is case-sensitive (`has_cs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StrOp {
    /// The operator family.
    pub kind: StrOpKind,
    /// Written with a leading `!`.
    pub negated: bool,
    /// Written with the `_cs` suffix (always true for `matches regex`).
    pub case_sensitive: bool,
}

/// String operator families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrOpKind {
    /// `has`: the right side is a whole term of the left.
    Has,
    /// `hasprefix`: the right side starts a term.
    HasPrefix,
    /// `hassuffix`: the right side ends a term.
    HasSuffix,
    /// `contains`: substring.
    Contains,
    /// `startswith`: prefix of the whole string.
    StartsWith,
    /// `endswith`: suffix of the whole string.
    EndsWith,
    /// `matches regex`.
    MatchesRegex,
}

impl StrOp {
    /// The operator as written in KQL (`!has_cs`, `matches regex`).
    pub fn spelling(self) -> String {
        let base = match self.kind {
            StrOpKind::Has => "has",
            StrOpKind::HasPrefix => "hasprefix",
            StrOpKind::HasSuffix => "hassuffix",
            StrOpKind::Contains => "contains",
            StrOpKind::StartsWith => "startswith",
            StrOpKind::EndsWith => "endswith",
            StrOpKind::MatchesRegex => return "matches regex".to_owned(),
        };
        let bang = if self.negated { "!" } else { "" };
        let cs = if self.case_sensitive { "_cs" } else { "" };
        format!("{bang}{base}{cs}")
    }
}

/// A literal value as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal (`12`, `0x1F`): a `long`.
    Long(i64),
    /// A real literal (`1.5`, `1e3`).
    Real(f64),
    /// A string literal, escapes decoded, adjacent literals joined.
    String(String),
    /// A timespan literal such as `30min`, in nanoseconds.
    Timespan(i64),
    /// A typed literal `type(raw)` (`datetime(2024-01-01)`, `long(null)`,
    /// `timespan(1.02:03:04)`): the binder interprets the raw text.
    Typed {
        /// The type named.
        ty: KqlType,
        /// The text between the parentheses, trimmed.
        raw: String,
    },
    /// `dynamic(...)`.
    Dynamic(DynamicLiteral),
}

/// The value inside `dynamic(...)`.
#[derive(Clone, Debug, PartialEq)]
pub enum DynamicLiteral {
    /// `null`.
    Null,
    /// A scalar literal (number, string, bool, typed literal).
    Scalar(Box<Literal>),
    /// `[a, b, ...]`.
    Array(Vec<DynamicLiteral>),
    /// `{"k": v, ...}`, keys in written order.
    Bag(Vec<(String, DynamicLiteral)>),
}

/// A tabular operator after `|`.
#[derive(Clone, Debug, PartialEq)]
pub struct Operator {
    /// What the operator is.
    pub kind: OperatorKind,
    /// The operator's text, from its keyword to its last token.
    pub span: Span,
}

/// The tabular operators.
#[derive(Clone, Debug, PartialEq)]
pub enum OperatorKind {
    /// `where Predicate` (also `filter`). Kusto also takes `where Name =
    /// Predicate`: the name is discarded and the rows are filtered by the
    /// predicate alone, so `where IsBillable = true` keeps every row.
    Where {
        /// The name written before a single `=`, when there is one.
        name: Option<Ident>,
        /// The predicate.
        predicate: Expr,
    },
    /// `project Item, ...`.
    Project(Vec<Assignment>),
    /// `extend Item, ...`.
    Extend(Vec<Assignment>),
    /// `summarize [hints] Aggregates [by Keys]`.
    Summarize {
        /// Hints such as `hint.strategy=shuffle`.
        params: Vec<Param>,
        /// The aggregate items.
        aggregates: Vec<Assignment>,
        /// The grouping items after `by`.
        by: Vec<Assignment>,
    },
    /// `join [kind=K] [hint.x=y] Right on Conditions`.
    Join {
        /// `name=value` parameters before the right side (`kind`, hints).
        params: Vec<Param>,
        /// The right side.
        right: Box<Expr>,
        /// The `on` conditions.
        on: Vec<JoinCondition>,
    },
    /// `sort by Key, ...` (also `order by`).
    Sort(Vec<SortKey>),
    /// `take N` (also `limit N`).
    Take(Expr),
    /// `count`.
    Count,
    /// `distinct Item, ...` or `distinct *`.
    Distinct(DistinctItems),
    /// `project-away Col, Pattern*, ...`.
    ProjectAway(Vec<Ident>),
    /// `project-keep Col, Pattern*, ...`.
    ProjectKeep(Vec<Ident>),
    /// `project-rename New = Old, ...`. Kusto's grammar takes any named
    /// expression here; only `Name = Column` is valid.
    ProjectRename(Vec<Assignment>),
    /// `project-reorder Col [asc|desc|granny-asc|granny-desc], ...`.
    ProjectReorder(Vec<(Ident, Option<Ident>)>),
    /// `top N by Key`.
    Top {
        /// How many rows.
        count: Expr,
        /// The one sort key.
        key: SortKey,
    },
    /// `top-nested N of Expr [with others = V] by Agg [asc|desc], ...`.
    TopNested(Vec<TopNestedLevel>),
    /// `top-hitters N of Expr [by Expr]`.
    TopHitters {
        /// How many values.
        count: Expr,
        /// The values counted.
        of: Expr,
        /// The weight summed, when given.
        by: Option<Expr>,
    },
    /// `sample N`.
    Sample(Expr),
    /// `sample-distinct N of Col`.
    SampleDistinct {
        /// How many values.
        count: Expr,
        /// The column sampled.
        of: Expr,
    },
    /// `mv-expand [params] Item, ... [limit N]` (also `mvexpand`).
    MvExpand {
        /// `bagexpansion=`, `with_itemindex=`, `kind=`.
        params: Vec<Param>,
        /// What to expand.
        items: Vec<ExpandItem>,
        /// `limit N`.
        limit: Option<Expr>,
    },
    /// `mv-apply [params] Item, ... [limit N] on (subquery)`.
    MvApply {
        /// `with_itemindex=`, hints.
        params: Vec<Param>,
        /// What to expand.
        items: Vec<ExpandItem>,
        /// `limit N`.
        limit: Option<Expr>,
        /// The operators run on each row's sub-table.
        subquery: Vec<Operator>,
    },
    /// `parse` and `parse-where`.
    Parse {
        /// `parse-where`: drop the rows that do not match.
        filter: bool,
        /// `kind=`, `flags=`.
        params: Vec<Param>,
        /// The parsed text.
        source: Expr,
        /// The pattern after `with`.
        pattern: Vec<ParsePart>,
    },
    /// `parse-kv Expr as (Col:type, ...) [with (name=value, ...)]`.
    ParseKv {
        /// The parsed text.
        source: Expr,
        /// The columns extracted.
        columns: Vec<ColumnDecl>,
        /// The `with` properties.
        props: Vec<NamedValue>,
    },
    /// `make-series ...`.
    MakeSeries(Box<MakeSeries>),
    /// `evaluate [params] plugin(args)`.
    Evaluate {
        /// Hints.
        params: Vec<Param>,
        /// The plugin call.
        call: Expr,
    },
    /// `invoke function(args)`.
    Invoke(Expr),
    /// `render Chart [with (props)]`: presentation only.
    Render {
        /// The chart kind.
        chart: Ident,
        /// The `with (...)` properties as written.
        props: Option<String>,
    },
    /// `as [params] Name`.
    As {
        /// Hints such as `hint.materialized=true`.
        params: Vec<Param>,
        /// The name given to the piped table.
        name: Ident,
    },
    /// `serialize [Item, ...]`.
    Serialize(Vec<Assignment>),
    /// `getschema`.
    GetSchema,
    /// `union [params] legs` after a `|`.
    Union {
        /// `kind=`, `withsource=`, `isfuzzy=`, hints.
        params: Vec<Param>,
        /// The other tables.
        legs: Vec<Expr>,
    },
    /// `lookup [kind=K] Right on Conditions`.
    Lookup {
        /// `kind=`, hints.
        params: Vec<Param>,
        /// The dimension table.
        right: Box<Expr>,
        /// The `on` conditions.
        on: Vec<JoinCondition>,
    },
    /// `search ...` after a `|`.
    Search(Box<SearchArgs>),
    /// An operator Calypso parses only to refuse it (`fork`, `facet`,
    /// `reduce`, `scan`, `partition`, ...), with its text as written.
    Other {
        /// The operator's name.
        name: String,
        /// Its arguments as written.
        text: String,
    },
}

impl OperatorKind {
    /// The operator's KQL name, for messages.
    pub fn name(&self) -> &str {
        match self {
            OperatorKind::Where { .. } => "where",
            OperatorKind::Project(_) => "project",
            OperatorKind::Extend(_) => "extend",
            OperatorKind::Summarize { .. } => "summarize",
            OperatorKind::Join { .. } => "join",
            OperatorKind::Sort(_) => "sort",
            OperatorKind::Take(_) => "take",
            OperatorKind::Count => "count",
            OperatorKind::Distinct(_) => "distinct",
            OperatorKind::ProjectAway(_) => "project-away",
            OperatorKind::ProjectKeep(_) => "project-keep",
            OperatorKind::ProjectRename(_) => "project-rename",
            OperatorKind::ProjectReorder(_) => "project-reorder",
            OperatorKind::Top { .. } => "top",
            OperatorKind::TopNested(_) => "top-nested",
            OperatorKind::TopHitters { .. } => "top-hitters",
            OperatorKind::Sample(_) => "sample",
            OperatorKind::SampleDistinct { .. } => "sample-distinct",
            OperatorKind::MvExpand { .. } => "mv-expand",
            OperatorKind::MvApply { .. } => "mv-apply",
            OperatorKind::Parse { filter: false, .. } => "parse",
            OperatorKind::Parse { filter: true, .. } => "parse-where",
            OperatorKind::ParseKv { .. } => "parse-kv",
            OperatorKind::MakeSeries(_) => "make-series",
            OperatorKind::Evaluate { .. } => "evaluate",
            OperatorKind::Invoke(_) => "invoke",
            OperatorKind::Render { .. } => "render",
            OperatorKind::As { .. } => "as",
            OperatorKind::Serialize(_) => "serialize",
            OperatorKind::GetSchema => "getschema",
            OperatorKind::Union { .. } => "union",
            OperatorKind::Lookup { .. } => "lookup",
            OperatorKind::Search(_) => "search",
            OperatorKind::Other { name, .. } => name,
        }
    }
}

/// A parameter of a user function or a query parameter: `name:type` with
/// an optional default, or a tabular `T:(Col:type, ...)` / `T:(*)`.
#[derive(Clone, Debug, PartialEq)]
pub struct FnParam {
    /// The parameter's name.
    pub name: Ident,
    /// Its type.
    pub ty: ParamType,
    /// The default value, when given.
    pub default: Option<Expr>,
}

/// The type of a function parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamType {
    /// A scalar type.
    Scalar(KqlType),
    /// A table with at least these columns (`(*)` is empty and open).
    Tabular {
        /// The columns required.
        columns: Vec<ColumnDecl>,
        /// Written with `*`: other columns are allowed.
        open: bool,
    },
}

/// `(params) { body }`: a user function.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionDef {
    /// Written with `view`.
    pub view: bool,
    /// The parameters.
    pub params: Vec<FnParam>,
    /// The body's statements; the last is its value.
    pub body: Vec<Statement>,
}

/// `Col:type` in `datatable`, `externaldata`, `parse-kv` and tabular
/// parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDecl {
    /// The column's name.
    pub name: Ident,
    /// Its type.
    pub ty: KqlType,
}

/// `name = value` in a `with (...)` property list.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedValue {
    /// The property's name.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
}

/// One expanded item of `mv-expand` or `mv-apply`: `[Name =] Expr [to
/// typeof(T)]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpandItem {
    /// The expression and its name.
    pub item: Assignment,
    /// The type the values are cast to.
    pub to_type: Option<KqlType>,
}

/// A piece of a `parse` pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum ParsePart {
    /// `*`: skip any text.
    Star,
    /// A string constant to match.
    Text(String),
    /// A column to extract, with its type when given.
    Column(Ident, Option<KqlType>),
}

/// One level of `top-nested`.
#[derive(Clone, Debug, PartialEq)]
pub struct TopNestedLevel {
    /// How many values at this level (none: all).
    pub count: Option<Expr>,
    /// The grouped expression, with its name.
    pub of: Assignment,
    /// `with others = V`.
    pub others: Option<Expr>,
    /// The aggregation that ranks, with its name.
    pub by: Assignment,
    /// `asc` (true) or `desc` (false), when written.
    pub ascending: Option<bool>,
}

/// `make-series [params] Aggs on Axis (from a to b step s | in range(a, b, s)) [by Keys]`.
#[derive(Clone, Debug, PartialEq)]
pub struct MakeSeries {
    /// `kind=nonempty`, hints.
    pub params: Vec<Param>,
    /// The aggregations, each with an optional `default = V`.
    pub aggregates: Vec<(Assignment, Option<Expr>)>,
    /// The axis column.
    pub on: Expr,
    /// The axis start.
    pub from: Option<Expr>,
    /// The axis end, exclusive.
    pub to: Option<Expr>,
    /// The bin size.
    pub step: Expr,
    /// The grouping keys.
    pub by: Vec<Assignment>,
}

/// The arguments of `search`.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchArgs {
    /// `kind=case_sensitive`, hints.
    pub params: Vec<Param>,
    /// `in (T, ...)`.
    pub tables: Option<Vec<Expr>>,
    /// The predicate.
    pub predicate: Expr,
}

/// `[Name =] Expr` in `project`, `extend`, `summarize` and `distinct`; also
/// `(A, B) = Expr` for functions that return several columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The output name, when given (the first of a tuple).
    pub name: Option<Ident>,
    /// The further names of a tuple assignment `(A, B, C) = f(x)`.
    pub more_names: Vec<Ident>,
    /// The expression.
    pub expr: Expr,
}

/// `name=value` before an operator's main arguments (`kind=inner`,
/// `hint.strategy=shuffle`).
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The parameter name (`kind`, `hint.strategy`).
    pub name: Ident,
    /// The value as written.
    pub value: Ident,
}

/// One `join ... on` condition.
#[derive(Clone, Debug, PartialEq)]
pub enum JoinCondition {
    /// `on Col`: the same column on both sides.
    Same(Ident),
    /// `on $left.A == $right.B` (either order in the text).
    Pair {
        /// The left side's column.
        left: Ident,
        /// The right side's column.
        right: Ident,
    },
}

/// A sort key: `Expr [asc|desc] [nulls first|last]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    /// The sorted expression.
    pub expr: Expr,
    /// `Some(true)` for `asc`, `Some(false)` for `desc`, `None` when absent.
    pub ascending: Option<bool>,
    /// `Some(true)` for `nulls first`, `Some(false)` for `nulls last`.
    pub nulls_first: Option<bool>,
}

/// The arguments of `distinct`.
#[derive(Clone, Debug, PartialEq)]
pub enum DistinctItems {
    /// `distinct *`.
    All,
    /// `distinct A, B = f(C)`.
    Items(Vec<Assignment>),
}
