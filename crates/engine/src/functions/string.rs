//! String operators (`has`, `contains`, `startswith`, … and `has_any`) and
//! the simple string functions.
//!
//! Terms follow kql-semantics.md §4.5: maximal runs of alphanumeric
//! characters (non-ASCII letters included, `_` a separator); `has` matches a
//! whole term case-insensitively, checking a boundary only at an edge where
//! the searched-for text itself has a term character.

use std::sync::Arc;

use calypso_syntax::ast::{StrOp, StrOpKind};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::arrays;

fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Which edges of a match must fall on term boundaries.
#[derive(Clone, Copy)]
struct Edges {
    left: bool,
    right: bool,
}

/// Whether `needle` occurs in `haystack` with the boundaries `edges` asks
/// for, at edges where the needle has a term character.
fn find_with_edges(haystack: &str, needle: &str, case_sensitive: bool, edges: Edges) -> bool {
    if needle.is_empty() {
        return true;
    }
    if !case_sensitive && !needle.is_ascii() {
        return find_with_edges(&haystack.to_lowercase(), &needle.to_lowercase(), true, edges);
    }
    let check_left = edges.left && needle.chars().next().is_some_and(is_term_char);
    let check_right = edges.right && needle.chars().next_back().is_some_and(is_term_char);
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.len() > h.len() {
        return false;
    }
    (0..=h.len() - n.len()).any(|i| {
        let window = &h[i..i + n.len()];
        let equal = if case_sensitive { window == n } else { window.eq_ignore_ascii_case(n) };
        // A match of an ASCII (or exact) needle starts and ends on char boundaries.
        equal
            && haystack.is_char_boundary(i)
            && haystack.is_char_boundary(i + n.len())
            && (!check_left || !haystack[..i].chars().next_back().is_some_and(is_term_char))
            && (!check_right || !haystack[i + n.len()..].chars().next().is_some_and(is_term_char))
    })
}

/// `haystack has needle`.
pub(crate) fn has(haystack: &str, needle: &str, case_sensitive: bool) -> bool {
    find_with_edges(haystack, needle, case_sensitive, Edges { left: true, right: true })
}

fn starts_with(h: &str, n: &str, cs: bool) -> bool {
    if cs {
        h.starts_with(n)
    } else if n.is_ascii() {
        h.len() >= n.len() && h.as_bytes()[..n.len()].eq_ignore_ascii_case(n.as_bytes())
    } else {
        h.to_lowercase().starts_with(&n.to_lowercase())
    }
}

fn ends_with(h: &str, n: &str, cs: bool) -> bool {
    if cs {
        h.ends_with(n)
    } else if n.is_ascii() {
        h.len() >= n.len() && h.as_bytes()[h.len() - n.len()..].eq_ignore_ascii_case(n.as_bytes())
    } else {
        h.to_lowercase().ends_with(&n.to_lowercase())
    }
}

/// Evaluates a string operator on one pair of values.
pub(crate) fn eval_str_op(op: StrOp, h: &str, n: &str) -> bool {
    let cs = op.case_sensitive;
    let found = match op.kind {
        StrOpKind::Has => has(h, n, cs),
        StrOpKind::HasPrefix => find_with_edges(h, n, cs, Edges { left: true, right: false }),
        StrOpKind::HasSuffix => find_with_edges(h, n, cs, Edges { left: false, right: true }),
        StrOpKind::Contains => find_with_edges(h, n, cs, Edges { left: false, right: false }),
        StrOpKind::StartsWith => starts_with(h, n, cs),
        StrOpKind::EndsWith => ends_with(h, n, cs),
        StrOpKind::MatchesRegex => unreachable!("`matches regex` is evaluated by `regex_matches`"),
    };
    found != op.negated
}

/// A string operator as a UDF: `(string, string) -> bool`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct StrOpUdf {
    op: StrOp,
    name: String,
    signature: Signature,
}

impl StrOpUdf {
    pub(crate) fn new(op: StrOp) -> Self {
        StrOpUdf { op, name: op.spelling(), signature: Signature::any(2, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for StrOpUdf {
    fn name(&self) -> &str {
        &self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = arrays(&args)?;
        let (h, n) = (arrays[0].as_string::<i32>(), arrays[1].as_string::<i32>());
        if self.op.kind == StrOpKind::MatchesRegex {
            return Ok(ColumnarValue::Array(Arc::new(regex_matches(h, n)?)));
        }
        let out: BooleanArray = (0..h.len())
            .map(|i| {
                (h.is_valid(i) && n.is_valid(i))
                    .then(|| eval_str_op(self.op, h.value(i), n.value(i)))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `text matches regex pattern`: RE2 syntax (the `regex` crate, as
/// kql-semantics.md §4.6 says), a match anywhere; each distinct pattern is
/// compiled once. An invalid pattern, lookaround included, is an error, as
/// in Kusto.
fn regex_matches(texts: &StringArray, patterns: &StringArray) -> Result<BooleanArray> {
    let mut cache = super::RegexCache::new("matches regex");
    let mut out = Vec::with_capacity(texts.len());
    for i in 0..texts.len() {
        if texts.is_null(i) || patterns.is_null(i) {
            out.push(None);
            continue;
        }
        out.push(Some(cache.get(patterns.value(i))?.is_match(texts.value(i))));
    }
    Ok(BooleanArray::from(out))
}

/// `has_any` / `has_all` with constant terms.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct HasAnyUdf {
    terms: Vec<String>,
    all: bool,
    signature: Signature,
}

impl HasAnyUdf {
    pub(crate) fn new(terms: Vec<String>, all: bool) -> Self {
        HasAnyUdf { terms, all, signature: Signature::any(1, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for HasAnyUdf {
    fn name(&self) -> &str {
        if self.all { "has_all" } else { "has_any" }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = arrays(&args)?;
        let h = arrays[0].as_string::<i32>();
        let test = |text: &str| {
            if self.all {
                self.terms.iter().all(|t| has(text, t, false))
            } else {
                self.terms.iter().any(|t| has(text, t, false))
            }
        };
        let out: BooleanArray =
            (0..h.len()).map(|i| Some(h.is_valid(i) && test(h.value(i)))).collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `tolower(s)`.
pub(crate) fn to_lower(args: &[ArrayRef]) -> Result<ArrayRef> {
    let s = args[0].as_string::<i32>();
    Ok(Arc::new(s.iter().map(|v| v.map(str::to_lowercase)).collect::<StringArray>()))
}

/// `toupper(s)`.
pub(crate) fn to_upper(args: &[ArrayRef]) -> Result<ArrayRef> {
    let s = args[0].as_string::<i32>();
    Ok(Arc::new(s.iter().map(|v| v.map(str::to_uppercase)).collect::<StringArray>()))
}

/// `strlen(s)`: code points.
pub(crate) fn strlen(args: &[ArrayRef]) -> Result<ArrayRef> {
    let s = args[0].as_string::<i32>();
    Ok(Arc::new(s.iter().map(|v| v.map(|v| v.chars().count() as i64)).collect::<Int64Array>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(kind: StrOpKind) -> StrOp {
        StrOp { kind, negated: false, case_sensitive: false }
    }

    #[test]
    fn has_matches_whole_terms_only() {
        // Measured cases of kql-semantics.md §4.5.
        assert!(has("North America", "america", false));
        assert!(!has("North America", "amer", false));
        assert!(has("a_b", "a", false));
        assert!(has("a-b", "a", false));
        assert!(has("a.b", "a", false));
        assert!(!has("ab", "a", false));
        assert!(!has("a1", "a", false));
        assert!(!has("éa", "a", false));
        assert!(!has("KustoExplorerQueryRun", "Explorer", false));
        assert!(has("a b", "a", false));
        assert!(has("x a-b y", "a-b", false));
        assert!(!has("x ab y", "a-b", false));
        assert!(!has("x a_b y", "a-b", false));
        assert!(has("a b", "a ", false));
        assert!(!has("xa b", "a ", false));
        assert!(has("x a-b y", " a", false));
        assert!(!has("x ab y", " a", false));
        assert!(has("a b", " ", false));
        assert!(has("anything", "", false));
        assert!(!has("", "x", false));
    }

    #[test]
    fn has_ignores_case_unless_cs() {
        assert!(has("mfa_required", "MFA", false));
        assert!(!has("MFAService", "MFA", false));
        assert!(!has("PhoneAppNotifications", "PhoneAppNotification", false));
        assert!(has(
            "{\"authenticationMethod\":\"PhoneAppNotification\"}",
            "phoneappnotification",
            false
        ));
        assert!(!has("ABC def", "abc", true));
        assert!(has("ÉCOLE x", "école", false));
    }

    #[test]
    fn other_string_operators() {
        assert!(eval_str_op(op(StrOpKind::Contains), "FabriKam", "BRik"));
        assert!(eval_str_op(op(StrOpKind::StartsWith), "Fabrikam", "fab"));
        assert!(eval_str_op(op(StrOpKind::EndsWith), "Fabrikam", "KAM"));
        assert!(eval_str_op(op(StrOpKind::HasPrefix), "North America", "ame"));
        assert!(eval_str_op(op(StrOpKind::HasSuffix), "North America", "ica"));
        assert!(eval_str_op(op(StrOpKind::HasPrefix), "x-error", "err"));
        assert!(!eval_str_op(op(StrOpKind::HasPrefix), "err or", "r o"));
        let not_contains_cs =
            StrOp { kind: StrOpKind::Contains, negated: true, case_sensitive: true };
        assert!(eval_str_op(not_contains_cs, "Fabrikam", "Kam"));
    }
}
