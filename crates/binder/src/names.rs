//! Kusto's names for unnamed output columns (kql-semantics.md §3.22).

use calypso_syntax::ast::{Expr, ExprKind, Literal};

/// Functions whose result takes the name of their first argument.
const PASS_THROUGH: [&str; 17] = [
    "tostring",
    "toint",
    "tolong",
    "todouble",
    "toreal",
    "bin",
    "floor",
    "ceiling",
    "round",
    "abs",
    "sqrt",
    "log",
    "log10",
    "log2",
    "exp",
    "exp2",
    "startofday",
];

/// Whether `func`'s result takes the name of its first argument.
pub(crate) fn passes_name(func: &str) -> bool {
    PASS_THROUGH.contains(&func)
}

/// The name an unnamed scalar expression gets, or `None` when Kusto would
/// number it (`Column1`, …).
pub(crate) fn expr_name(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Name(ident) => Some(ident.name.clone()),
        ExprKind::Member { .. } | ExprKind::Index { .. } => path_name(expr),
        ExprKind::Call { func, args } if PASS_THROUGH.contains(&func.name.as_str()) => {
            args.first().and_then(expr_name)
        }
        _ => None,
    }
}

/// `d.a.b` and `d["a"]["b"]` are named `d_a_b`.
fn path_name(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Name(ident) => Some(ident.name.clone()),
        ExprKind::Member { base, name } => Some(format!("{}_{}", path_name(base)?, name.name)),
        ExprKind::Index { base, index } => match &index.kind {
            ExprKind::Literal(Literal::String(key)) => Some(format!("{}_{key}", path_name(base)?)),
            ExprKind::Literal(Literal::Long(i)) => Some(format!("{}_{i}", path_name(base)?)),
            _ => None,
        },
        _ => None,
    }
}

/// A percentage as a percentile's name ends with it: `95`, `99_5`.
pub(crate) fn percent_suffix(p: f64) -> String {
    if p.fract() == 0.0 { format!("{}", p as i64) } else { p.to_string().replace('.', "_") }
}

/// The name of an unnamed aggregate: `count_`, `dcount_X`, `set_X`, ….
pub(crate) fn aggregate_name(func: &str, args: &[Expr]) -> String {
    let prefix = match func {
        "make_set" | "make_set_if" | "makeset" => "set",
        "make_list" | "make_list_if" | "makelist" | "make_list_with_nulls" => "list",
        "make_bag" | "make_bag_if" => "bag",
        // `percentile(x, 95)` is `percentile_x_95`; `99.5` is `99_5`.
        "percentile" | "percentiles" => {
            let x = args.first().and_then(expr_name).unwrap_or_default();
            let p = match args.get(1).map(|a| &a.kind) {
                Some(ExprKind::Literal(Literal::Long(n))) => percent_suffix(*n as f64),
                Some(ExprKind::Literal(Literal::Real(r))) => percent_suffix(*r),
                _ => String::new(),
            };
            return format!("percentile_{x}_{p}");
        }
        // `take_any(x)` is named `x` itself.
        "take_any" => {
            return args.first().and_then(expr_name).unwrap_or_else(|| "take_any_".into());
        }
        other => other,
    };
    let suffix = match func {
        // `countif(p)`: a predicate names nothing, but a bare (bool) column
        // does (`countif(b)` is `countif_b`: kql-semantics.md §3.22, oracle
        // r2-aggregation-0027); `count(y)` is `count_y` (the documentation's
        // summarize example).
        "countif" => match args.first().map(|a| &a.kind) {
            Some(ExprKind::Name(name)) => name.name.clone(),
            _ => String::new(),
        },
        _ => args.first().and_then(expr_name).unwrap_or_default(),
    };
    format!("{prefix}_{suffix}")
}

/// Gives out names that do not clash: a taken name gets the smallest free
/// numeric suffix (`k` → `k1`, or `k2` when `k1` is taken too), and unnamed
/// items are `Column1`, `Column2`, ….
#[derive(Default)]
pub(crate) struct NameSet {
    taken: Vec<String>,
    next_column: usize,
}

impl NameSet {
    /// A set already holding `names`.
    pub(crate) fn with(names: impl IntoIterator<Item = String>) -> Self {
        NameSet { taken: names.into_iter().collect(), next_column: 0 }
    }

    /// Whether `name` is taken.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.taken.iter().any(|t| t == name)
    }

    /// Takes `name`, or `name` with the smallest free suffix.
    pub(crate) fn unique(&mut self, name: &str) -> String {
        let mut candidate = name.to_owned();
        let mut n = 1;
        while self.contains(&candidate) {
            candidate = format!("{name}{n}");
            n += 1;
        }
        self.taken.push(candidate.clone());
        candidate
    }

    /// The next `ColumnN` name that is free.
    pub(crate) fn next_unnamed(&mut self) -> String {
        loop {
            self.next_column += 1;
            let name = format!("Column{}", self.next_column);
            if !self.contains(&name) {
                self.taken.push(name.clone());
                return name;
            }
        }
    }
}
