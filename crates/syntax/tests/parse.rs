//! Parser tests: the reference detection, precedence, spans and diagnostics.

use calypso_syntax::ast::{BinaryOp, ExprKind, Literal, OperatorKind, StatementKind, StrOpKind};
use calypso_syntax::{SyntaxError, parse};

const MFA: &str = include_str!("../../../queries/mfa-fatigue.kql");

/// The query of the only statement, printed as a tree.
fn tree(src: &str) -> String {
    let script = parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    format!("{:?}", script.statements[0].kind)
}

fn error(src: &str) -> SyntaxError {
    parse(src).expect_err(src)
}

#[test]
fn reference_detection_parses() {
    let script = parse(MFA).unwrap();
    assert_eq!(script.statements.len(), 5);
    let names: Vec<_> = script
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Let { name, .. } => Some(name.name.as_str()),
            StatementKind::Query(_) => None,
        })
        .collect();
    assert_eq!(
        names,
        ["MfaFatigueWindow", "MfaPromptThreshold", "FailedMfaEvents", "SuccessfulMfaEvents"]
    );
    let StatementKind::Query(query) = &script.statements[4].kind else { panic!() };
    let ExprKind::Pipe { op, .. } = &query.kind else { panic!() };
    assert!(matches!(op.kind, OperatorKind::Sort(_)));
    assert_eq!(&MFA[op.span.start..op.span.end], "sort by FailCount desc");
}

#[test]
fn and_binds_tighter_than_or() {
    let script = parse("a or b and c").unwrap();
    let StatementKind::Query(e) = &script.statements[0].kind else { panic!() };
    let ExprKind::Binary { op: BinaryOp::Or, rhs, .. } = &e.kind else { panic!("{e:?}") };
    assert!(matches!(rhs.kind, ExprKind::Binary { op: BinaryOp::And, .. }));
}

#[test]
fn arithmetic_precedence() {
    let script = parse("1 + 2 * 3 > 6").unwrap();
    let StatementKind::Query(e) = &script.statements[0].kind else { panic!() };
    let ExprKind::Binary { op: BinaryOp::Gt, lhs, .. } = &e.kind else { panic!() };
    let ExprKind::Binary { op: BinaryOp::Add, rhs, .. } = &lhs.kind else { panic!() };
    assert!(matches!(rhs.kind, ExprKind::Binary { op: BinaryOp::Mul, .. }));
}

#[test]
fn string_operators() {
    for (src, kind, negated, cs) in [
        ("x has 'a'", StrOpKind::Has, false, false),
        ("x !has 'a'", StrOpKind::Has, true, false),
        ("x has_cs 'a'", StrOpKind::Has, false, true),
        ("x !contains 'a'", StrOpKind::Contains, true, false),
        ("x startswith 'a'", StrOpKind::StartsWith, false, false),
        ("x endswith_cs 'a'", StrOpKind::EndsWith, false, true),
        ("x matches regex 'a'", StrOpKind::MatchesRegex, false, true),
    ] {
        let script = parse(src).unwrap();
        let StatementKind::Query(e) = &script.statements[0].kind else { panic!() };
        let ExprKind::Binary { op: BinaryOp::Str(op), .. } = &e.kind else { panic!("{src}") };
        assert_eq!((op.kind, op.negated, op.case_sensitive), (kind, negated, cs), "{src}");
    }
}

#[test]
fn list_operators() {
    assert!(tree("x in ('a', 'b')").contains("In { lhs"));
    assert!(tree("x !in ('a')").contains("negated: true, case_insensitive: false"));
    assert!(tree("x in~ ('a')").contains("negated: false, case_insensitive: true"));
    assert!(tree("x !in~ ('a')").contains("negated: true, case_insensitive: true"));
    assert!(tree("x has_any ('a', 'b')").contains("all: false"));
    assert!(tree("x has_all ('a')").contains("all: true"));
    assert!(tree("t between (a .. a + 30min)").contains("Between"));
    assert!(tree("t !between (1 .. 2)").contains("negated: true"));
}

#[test]
fn literals() {
    assert!(
        tree("datetime(2024-01-01T10:00:00.1234567Z)")
            .contains("raw: \"2024-01-01T10:00:00.1234567Z\"")
    );
    assert!(tree("dynamic([1, 'a', {\"k\": null}])").contains("Array"));
    assert!(tree("dynamic({})").contains("Bag([])"));
    assert!(tree("dynamic(['a'])").contains("Array([Scalar(String(\"a\"))])"));
    assert!(tree("dynamic(['a', 'b'])").contains("Scalar(String(\"b\"))"));
    assert!(tree("long(null)").contains("ty: Long, raw: \"null\""));
    assert!(tree("'a' \"b\"").contains("String(\"ab\")"));
    assert!(tree("True").contains("Bool(true)"));
    let script = parse("30min").unwrap();
    let StatementKind::Query(e) = &script.statements[0].kind else { panic!() };
    assert_eq!(e.kind, ExprKind::Literal(Literal::Timespan(1_800_000_000_000)));
}

#[test]
fn access_and_join_conditions() {
    assert!(tree("d.a['b'][0]").contains("Index"));
    let t = tree("A | join kind=leftouter hint.strategy=shuffle (B) on $left.x == $right.y, z");
    assert!(t.contains("Pair { left: Ident { name: \"x\""), "{t}");
    assert!(t.contains("Same(Ident { name: \"z\""), "{t}");
    assert!(t.contains("name: \"hint.strategy\""), "{t}");
}

#[test]
fn sort_keys() {
    let t = tree("T | order by a asc nulls last, b");
    assert!(t.contains("ascending: Some(true), nulls_first: Some(false)"), "{t}");
    assert!(t.contains("ascending: None, nulls_first: None"), "{t}");
}

#[test]
fn trailing_semicolon_and_empty_statements() {
    assert_eq!(parse("let x = 1;; T;").unwrap().statements.len(), 2);
}

#[test]
fn errors_point_at_the_token() {
    let src = "T | where x > ";
    let err = error(src);
    assert_eq!(err.span().start, src.len());
    assert_eq!(err.to_string(), "expected an expression, found the end of the query");

    let src = "T | wher x";
    let err = error(src);
    assert_eq!(&src[err.span().start..err.span().end], "wher");

    let src = "T | where x == 1 project y";
    let SyntaxError::UnexpectedToken { help, span, .. } = error(src) else { panic!() };
    assert_eq!(&src[span.start..span.end], "project");
    assert_eq!(help.as_deref(), Some("a `|` is probably missing before `project`"));
}

#[test]
fn unsupported_operators_are_refused_by_name() {
    let src = "T | mv-expand x";
    let SyntaxError::UnsupportedOperator { name, span } = error(src) else { panic!() };
    assert_eq!(name, "mv-expand");
    assert_eq!(&src[span.start..span.end], "mv-expand");
    assert!(matches!(error("T | union U"), SyntaxError::UnsupportedOperator { .. }));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(matches!(error(&src), SyntaxError::TooDeep { .. }));
    let src = format!("{}1", "-".repeat(5000));
    assert!(matches!(error(&src), SyntaxError::TooDeep { .. }));
}

#[test]
fn summarize_items_are_not_parameters() {
    let t = tree("T | summarize kind = count(), FailCount = dcount(x) by k");
    assert!(t.contains("name: \"FailCount\""), "{t}");
    assert!(t.contains("name: \"dcount\""), "{t}");
    let t = tree("T | summarize hint.strategy=shuffle c = count() by k");
    assert!(t.contains("name: \"c\""), "{t}");
}
