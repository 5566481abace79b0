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
    /// `where Predicate` (also `filter`).
    Where(Expr),
    /// `project Item, ...`.
    Project(Vec<Assignment>),
    /// `extend Item, ...`.
    Extend(Vec<Assignment>),
    /// `summarize Aggregates [by Keys]`.
    Summarize {
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
}

/// `[Name =] Expr` in `project`, `extend`, `summarize` and `distinct`.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The output name, when given.
    pub name: Option<Ident>,
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
