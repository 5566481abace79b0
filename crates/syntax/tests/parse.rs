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
            _ => None,
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
fn where_takes_a_name_before_a_single_equals() {
    // Kusto parses `where Name = Predicate` as a named predicate.
    let script = parse("T | where IsBillable = true").unwrap();
    let StatementKind::Query(e) = &script.statements[0].kind else { panic!() };
    let ExprKind::Pipe { op, .. } = &e.kind else { panic!() };
    let OperatorKind::Where { name: Some(name), predicate } = &op.kind else { panic!("{op:?}") };
    assert_eq!(name.name, "IsBillable");
    assert_eq!(predicate.kind, ExprKind::Literal(Literal::Bool(true)));
    // `==` is a comparison and names nothing.
    let script = parse("T | where IsBillable == true").unwrap();
    let StatementKind::Query(e) = &script.statements[0].kind else { panic!() };
    let ExprKind::Pipe { op, .. } = &e.kind else { panic!() };
    assert!(matches!(&op.kind, OperatorKind::Where { name: None, .. }), "{op:?}");
}

#[test]
fn the_smallest_long_is_a_literal_value_only() {
    // Among datatable values and in dynamic literals `-9223372036854775808`
    // is the smallest long; in an expression it is `-` and a number too
    // large for a long, which Kusto rejects.
    for src in ["datatable(l:long)[-9223372036854775808]", "print dynamic([-9223372036854775808])"]
    {
        let tree = tree(src);
        assert!(tree.contains("-9223372036854775808"), "{src}: {tree}");
    }
    for src in
        ["print -9223372036854775808", "print 9223372036854775808", "print -9223372036854775809"]
    {
        assert!(matches!(error(src), SyntaxError::InvalidNumber { .. }), "{src}");
    }
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
    // At the end of the text, the last token is marked: more was expected
    // after it.
    let src = "T | where x > ";
    let err = error(src);
    assert_eq!(&src[err.span().start..err.span().end], ">");
    assert_eq!(err.to_string(), "expected an expression, found the end of the query");
    assert!(err.is_at_end());
    assert!(!error("T | wher x").is_at_end());

    let src = "T | wher x";
    let err = error(src);
    assert_eq!(&src[err.span().start..err.span().end], "wher");

    let src = "T | where x == 1 project y";
    let SyntaxError::UnexpectedToken { help, span, .. } = error(src) else { panic!() };
    assert_eq!(&src[span.start..span.end], "project");
    assert_eq!(help.as_deref(), Some("a `|` is probably missing before `project`"));
}

/// The name of the last operator of the last statement.
fn last_operator(src: &str) -> String {
    let script = parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    let Some(StatementKind::Query(query)) = script.statements.last().map(|s| &s.kind) else {
        panic!("{src}: no query")
    };
    let ExprKind::Pipe { op, .. } = &query.kind else { panic!("{src}: no operator") };
    op.kind.name().to_owned()
}

#[test]
fn every_operator_parses_to_its_own_node() {
    let cases = [
        ("T | project-away a, b*, *_s", "project-away"),
        ("T | project-keep ['a b'], c*", "project-keep"),
        ("T | project-rename New = Old, B = A", "project-rename"),
        ("T | project-rename New = strcat(a, b)", "project-rename"),
        ("T | project-reorder b asc, a* granny-desc, c", "project-reorder"),
        ("T | top 10 by x desc nulls first", "top"),
        (
            "T | top-nested 3 of a with others = 0 by sum(x) desc, top-nested of b by max(y)",
            "top-nested",
        ),
        ("T | sample 10", "sample"),
        ("T | sample-distinct 5 of a", "sample-distinct"),
        (
            "T | mv-expand bagexpansion=array with_itemindex=i a, b = d.x to typeof(string) limit 10",
            "mv-expand",
        ),
        ("T | mvexpand x", "mv-expand"),
        ("T | mv-apply e = d to typeof(long) on (where e > 1 | summarize sum(e))", "mv-apply"),
        ("T | parse kind=regex flags=Ui Msg with * 'user ' User:string \" \" Port:long *", "parse"),
        ("T | parse-where Msg with 'a=' A ',' *", "parse-where"),
        (
            "T | parse-kv Msg as (a:string, b:long) with (pair_delimiter=',', kv_delimiter='=')",
            "parse-kv",
        ),
        (
            "T | make-series n = count() default = 0 on Time from ago(1d) to now() step 1h by k",
            "make-series",
        ),
        ("T | make-series avg(x) on Time in range(ago(1d), now(), 1h)", "make-series"),
        ("T | evaluate bag_unpack(d, columnsConflict='keep_source')", "evaluate"),
        ("T | evaluate hint.remote=auto ipv4_lookup(R, ip, net)", "evaluate"),
        ("T | invoke f(1)", "invoke"),
        ("T | render timechart with (title='x', ycolumns=a, b)", "render"),
        ("T | as hint.materialized=true X", "as"),
        ("T | serialize n = row_number()", "serialize"),
        ("T | serialize", "serialize"),
        ("T | getschema", "getschema"),
        ("T | union kind=outer withsource=Src isfuzzy=true U, Dev*, (V | take 1)", "union"),
        ("T | lookup kind=leftouter (U) on $left.a == $right.b", "lookup"),
        ("T | join kind=inner _GetWatchlist('w') on $left.a == $right.SearchKey", "join"),
        ("T | summarize hint.strategy=shuffle count() by a", "summarize"),
        ("T | search kind=case_sensitive \"x\"", "search"),
        ("T | facet by a, b", "facet"),
        ("T | where * has 'x' and d.[0] == 1", "where"),
    ];
    for (src, name) in cases {
        assert_eq!(last_operator(src), name, "{src}");
    }
}

#[test]
fn sources_functions_and_statements() {
    let kinds = |src: &str| -> Vec<String> {
        let script = parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        script
            .statements
            .iter()
            .map(|s| match &s.kind {
                StatementKind::Let { value, .. } | StatementKind::Query(value) => {
                    let mut e = value;
                    while let ExprKind::Pipe { input, .. } = &e.kind {
                        e = input;
                    }
                    format!("{:?}", e.kind).split([' ', '(', '{']).next().unwrap().to_owned()
                }
                StatementKind::DeclareQueryParameters(_) => "Declare".to_owned(),
                StatementKind::Set { .. } => "Set".to_owned(),
            })
            .collect()
    };
    assert_eq!(kinds("datatable(a:string, b:long)['x', 1, 'y', -2,]"), ["Datatable"]);
    assert_eq!(kinds("datatable(a:string)['x'] | count"), ["Datatable"]);
    assert_eq!(
        kinds(
            "externaldata(a:string)[@'https://x/y.csv'] with (format='csv', ignoreFirstRecord=true)"
        ),
        ["ExternalData"]
    );
    assert_eq!(kinds("print a = 1, 'b'"), ["Print"]);
    assert_eq!(kinds("range i from 1 to 10 step 3"), ["Range"]);
    assert_eq!(kinds("union isfuzzy=true A, (B | take 1), C* | count"), ["Union"]);
    assert_eq!(kinds("search in (A, B*) 'x'"), ["Search"]);
    assert_eq!(kinds("find in (A) where x == 1"), ["Find"]);
    assert_eq!(
        kinds("let f = (a:long, T:(x:string), U:(*), b:string = 'd') { let c = a; T | take c };"),
        ["Function"]
    );
    assert_eq!(kinds("let g = view () { A }; g()"), ["Function", "Call"]);
    assert_eq!(
        kinds("declare query_parameters(n:long = 5, s:string); set notruncation; T | take n"),
        ["Declare", "Set", "Name"]
    );
    // Keywords that start sources stay names where a name is meant.
    assert_eq!(kinds("T | project print, range"), ["Name"]);
    assert_eq!(last_operator("T | where print has 'x'"), "where");
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

#[test]
fn hints_for_texts_that_hold_more_than_one_query() {
    let help = |src: &str| match error(src) {
        SyntaxError::UnexpectedToken { help, .. } => help.unwrap_or_default(),
        other => panic!("{other:?}"),
    };
    assert!(help("T\n| take 1\n\n// second\nU\n| take 2").contains("blank line"));
    assert!(help("| where x == 1").contains("cannot start with `|`"));
    assert!(help("T | | take 1").contains("one `|` too many"));
    // Without a blank line, the usual hint.
    assert!(help("T | take 1\nU").is_empty());
}

#[test]
fn reserved_words_are_not_names() {
    for src in [
        "T | extend has = 1",
        "T | extend first = 1",
        "let last = 1; T",
        "T | parse s with first:string ' ' x",
    ] {
        let SyntaxError::UnexpectedToken { help, .. } = error(src) else { panic!("{src}") };
        assert!(help.unwrap_or_default().contains("is a KQL keyword"), "{src}");
    }
    // Quoted, they are names; other keywords are names where unambiguous.
    for src in ["T | extend ['has'] = 1", "T | extend from = 1, order = 2", "let inner = T; inner"]
    {
        assert!(parse(src).is_ok(), "{src}");
    }
}

#[test]
fn functions_files_hold_lets_and_function_commands() {
    let text = r#"
let Failed = (t:timespan) { SigninLogs | where TimeGenerated > ago(t) and ResultType != "0" };
.create function with (docstring = "sign-ins (of a user)", folder = "Auth") ByUser(u:string) {
    SigninLogs | where UserPrincipalName == u
}
.create-or-alter function ifnotexists Double(x:long) { x * 2 }
.alter function Empty() { print n = 0 }
"#;
    let functions = calypso_syntax::parse_functions(text).unwrap();
    let names: Vec<&str> = functions.iter().map(|(n, _)| n.name.as_str()).collect();
    assert_eq!(names, ["Failed", "ByUser", "Double", "Empty"]);
    assert_eq!(functions[1].1.params[0].name.name, "u");
    assert_eq!(&text[functions[2].0.span.start..functions[2].0.span.end], "Double");
    for (bad, message) in [
        ("let x = 5;", "expected a function, `(params) { body }`, found a value for `x`"),
        (".drop function F", "expected `create`, `create-or-alter` or `alter`, found `.drop`"),
        ("SigninLogs | take 1", "expected `let` or `.create function`, found `SigninLogs`"),
    ] {
        let err = calypso_syntax::parse_functions(bad).unwrap_err();
        assert_eq!(err.to_string(), message, "{bad}");
    }
}
