//! KQL semantics through the whole pipeline, on small tables written here.
//! Each case cites the rule of kql-semantics.md it checks.

use calypso_engine::{Session, json_value};
use calypso_io::{LoadOptions, TableSource};
use serde_json::{Value, json};

/// A session with the tables given as (name, JSON lines).
fn session(tables: &[(&str, &str)]) -> Session {
    let dir =
        std::env::temp_dir().join(format!("calypso-sem-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut session = Session::new();
    session.set_now(calypso_syntax::literal::parse_datetime("2026-12-03T12:00:00Z"));
    for (name, rows) in tables {
        let path = dir.join(format!("{name}.jsonl"));
        std::fs::write(&path, rows).unwrap();
        let source = TableSource { name: (*name).to_owned(), files: vec![path] };
        session.load(&source, LoadOptions::default()).unwrap();
    }
    std::fs::remove_dir_all(dir).unwrap();
    session
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The result as (column names, rows of JSON values).
fn run(session: &Session, query: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    let result = session.query(query).unwrap_or_else(|e| panic!("{query}: {e:?}"));
    let names = result.columns.iter().map(|c| c.name.clone()).collect();
    let mut rows = Vec::new();
    for batch in &result.batches {
        for row in 0..batch.num_rows() {
            rows.push(
                result
                    .columns
                    .iter()
                    .zip(batch.columns())
                    .map(|(c, a)| json_value(a.as_ref(), row, c.ty))
                    .collect(),
            );
        }
    }
    (names, rows)
}

fn count(session: &Session, query: &str) -> usize {
    run(session, query).1.len()
}

const LEFT: &str =
    "{\"k\":\"a\",\"l\":1}\n{\"k\":\"a\",\"l\":2}\n{\"k\":\"b\",\"l\":3}\n{\"k\":\"d\",\"l\":4}\n";
const RIGHT: &str = "{\"k\":\"a\",\"r\":10}\n{\"k\":\"a\",\"r\":20}\n{\"k\":\"c\",\"r\":30}\n";

#[test]
fn join_kinds_match_the_measured_row_counts() {
    // §3.9: left a,a,b,d × right a,a,c.
    let s = session(&[("L", LEFT), ("R", RIGHT)]);
    for (kind, rows) in [
        ("", 2),
        ("kind=innerunique", 2),
        ("kind=inner", 4),
        ("kind=leftouter", 6),
        ("kind=rightouter", 5),
        ("kind=fullouter", 7),
        ("kind=leftsemi", 2),
        ("kind=rightsemi", 2),
        ("kind=leftanti", 2),
        ("kind=rightanti", 1),
    ] {
        assert_eq!(count(&s, &format!("L | join {kind} R on k")), rows, "{kind}");
    }
}

#[test]
fn join_names_right_clashes_with_a_suffix_and_pads_strings_with_empty() {
    let s = session(&[("L", LEFT), ("R", RIGHT)]);
    let (names, rows) = run(&s, "L | join kind=leftouter R on k | where l == 4");
    assert_eq!(names, ["k", "l", "k1", "r"]);
    assert_eq!(rows, vec![vec![Value::from("d"), Value::from(4), Value::from(""), Value::Null]]);
    let (names, _) = run(&s, "L | join kind=inner (R | project k1 = r, k) on $left.l == $right.k1");
    assert_eq!(names, ["k", "l", "k1", "k2"]);
}

#[test]
fn join_keys_are_case_sensitive() {
    let s = session(&[("L", "{\"k\":\"Jack\"}\n"), ("R", "{\"k\":\"jack\"}\n")]);
    assert_eq!(count(&s, "L | join kind=inner R on k"), 0);
}

#[test]
fn summarize_names_and_order() {
    // §3.8, §3.22: by columns first, then aggregates with Kusto's names.
    let s = session(&[(
        "T",
        "{\"g\":\"x\",\"v\":1,\"s\":\"p\"}\n{\"g\":\"x\",\"v\":1,\"s\":\"q\"}\n{\"g\":\"y\",\"v\":5,\"s\":\"p\"}\n",
    )]);
    let (names, rows) = run(
        &s,
        "T | summarize count(), dcount(v), make_set(s), max(v), sum(v) by g | sort by g asc",
    );
    assert_eq!(names, ["g", "count_", "dcount_v", "set_s", "max_v", "sum_v"]);
    assert_eq!(rows[0][..2], [Value::from("x"), Value::from(2)]);
    assert_eq!(rows[0][2], Value::from(1));
    let mut set = rows[0][3].as_array().unwrap().clone();
    set.sort_by_key(|v| v.to_string());
    assert_eq!(set, [Value::from("p"), Value::from("q")]);
    assert_eq!(rows[0][4..], [Value::from(1), Value::from(2)]);
    let (names, _) = run(&s, "T | summarize sum(v), sum(v)");
    assert_eq!(names, ["sum_v", "sum_v1"]);
    // A bare column names countif; a predicate does not (§3.22).
    let (names, _) = run(&s, "T | extend b = v > 1 | summarize countif(b), countif(v > 1)");
    assert_eq!(names, ["countif_b", "countif_"]);
}

#[test]
fn summarize_on_empty_input() {
    // §3.8: without `by`, one row of defaults.
    let s = session(&[("T", "{\"v\":1}\n")]);
    let (_, rows) = run(&s, "T | where v > 5 | summarize count(), sum(v), make_set(v), max(v)");
    assert_eq!(rows, vec![vec![Value::from(0), Value::from(0), Value::Array(vec![]), Value::Null]]);
    assert_eq!(count(&s, "T | where v > 5 | summarize count() by v"), 0);
}

#[test]
fn between_is_inclusive_and_a_timespan_bound_is_relative() {
    // §4.4.
    let s = session(&[(
        "T",
        "{\"t\":\"2026-12-03T10:00:00Z\"}\n{\"t\":\"2026-12-03T10:30:00Z\"}\n{\"t\":\"2026-12-03T10:30:00.0000001Z\"}\n",
    )]);
    assert_eq!(
        count(
            &s,
            "T | where t between (datetime(2026-12-03T10:00:00Z) .. datetime(2026-12-03T10:30:00Z))"
        ),
        2
    );
    assert_eq!(count(&s, "T | where t between (datetime(2026-12-03T10:00:00Z) .. 30min)"), 2);
    assert_eq!(count(&s, "T | where t !between (datetime(2026-12-03T10:00:00Z) .. 30min)"), 1);
    assert_eq!(
        count(
            &s,
            "let w = 30min; T | where t between (datetime(2026-12-03T10:00:00Z) .. (datetime(2026-12-03T10:00:00Z) + w))"
        ),
        2
    );
}

#[test]
fn ago_uses_the_pinned_instant() {
    let s =
        session(&[("T", "{\"t\":\"2026-12-02T12:00:00Z\"}\n{\"t\":\"2026-12-02T12:00:01Z\"}\n")]);
    assert_eq!(count(&s, "T | where t > ago(24h)"), 1);
    assert_eq!(count(&s, "T | where t >= now(-1d)"), 2);
}

#[test]
fn sort_defaults_to_descending_with_nulls_last() {
    // §3.12: [3, null, 1].
    let s = session(&[("T", "{\"v\":3}\n{\"v\":null}\n{\"v\":1}\n")]);
    let col = |q: &str| run(&s, q).1.into_iter().map(|r| r[0].clone()).collect::<Vec<_>>();
    assert_eq!(col("T | sort by v"), [Value::from(3), Value::from(1), Value::Null]);
    assert_eq!(col("T | order by v asc"), [Value::Null, Value::from(1), Value::from(3)]);
    assert_eq!(col("T | sort by v asc nulls last"), [Value::from(1), Value::from(3), Value::Null]);
}

#[test]
fn string_equality_is_case_sensitive_and_tilde_is_not() {
    let s = session(&[("T", "{\"u\":\"Alice\"}\n{\"u\":\"alice\"}\n")]);
    assert_eq!(count(&s, "T | where u == 'alice'"), 1);
    assert_eq!(count(&s, "T | where u =~ 'ALICE'"), 2);
    assert_eq!(count(&s, "T | where u != 'alice'"), 1);
    assert_eq!(count(&s, "T | where u in ('alice', 'bob')"), 1);
    assert_eq!(count(&s, "T | where u in~ ('ALICE')"), 2);
    assert_eq!(count(&s, "T | where u !in ('alice')"), 1);
}

#[test]
fn null_operands_follow_kusto() {
    // §4.1: `!=` with one null operand is true, `==` false.
    let s = session(&[("T", "{\"v\":5}\n{\"v\":null}\n{\"v\":6}\n")]);
    assert_eq!(count(&s, "T | where v != 5"), 2);
    assert_eq!(count(&s, "T | where v == 5"), 1);
    assert_eq!(count(&s, "T | where v > 4"), 2);
    assert_eq!(count(&s, "T | where isnull(v)"), 1);
}

#[test]
fn arithmetic_rules() {
    // §4.3: integer division truncates, by zero is null; modulo is never negative.
    let s = session(&[("T", "{\"a\":-7,\"b\":2,\"z\":0}\n")]);
    let (_, rows) = run(&s, "T | project a / b, a % 4, a / z, a * 1.5, 14 % -12");
    assert_eq!(
        rows[0],
        [Value::from(-3), Value::from(1), Value::Null, Value::from(-10.5), Value::from(2)]
    );
}

#[test]
fn has_any_matches_terms_from_a_let_array() {
    let s = session(&[(
        "T",
        "{\"d\":\"x mfa_required\"}\n{\"d\":\"MFAService\"}\n{\"d\":\"PhoneAppNotifications\"}\n{\"d\":\"[PhoneAppNotification]\"}\n",
    )]);
    assert_eq!(count(&s, "T | where d has_any ('MFA', 'PhoneAppNotification')"), 2);
    assert_eq!(count(&s, "let terms = dynamic(['mfa']); T | where d has_any (terms)"), 1);
    assert_eq!(count(&s, "T | where d has 'mfa'"), 1);
    assert_eq!(count(&s, "T | where d !has 'mfa'"), 3);
    assert_eq!(count(&s, "T | where d contains 'mfa'"), 2);
    assert_eq!(count(&s, "T | where d has_all ('x', 'required')"), 1);
}

#[test]
fn extend_replaces_in_place_and_names_unnamed_columns() {
    // §3.7, §3.22.
    let s = session(&[("T", "{\"a\":1,\"b\":2,\"c\":3}\n")]);
    let (names, rows) = run(&s, "T | extend b = 99, z = 7, tolower('X'), tostring(a)");
    assert_eq!(names, ["a", "b", "c", "z", "Column1"]);
    assert_eq!(
        rows[0],
        [Value::from("1"), Value::from(99), Value::from(3), Value::from(7), Value::from("x")]
    );
}

#[test]
fn a_column_shadows_a_scalar_let() {
    // §2.2.
    let s = session(&[("T", "{\"Value\":7}\n")]);
    let (_, rows) = run(&s, "let Value = 5; let Other = 5; T | extend k = Value, o = Other");
    assert_eq!(rows[0], [Value::from(7), Value::from(7), Value::from(5)]);
}

#[test]
fn datetime_arithmetic_and_formatting() {
    let s = session(&[("T", "{\"t\":\"2026-12-03T10:15:30.1234567Z\"}\n")]);
    let (_, rows) = run(
        &s,
        "T | project t + 1d, t - datetime(2026-12-03), datetime_diff('minute', t + 30min, t), 90m",
    );
    assert_eq!(
        rows[0],
        [
            Value::from("2026-12-04T10:15:30.1234567Z"),
            Value::from("10:15:30.1234567"),
            Value::from(30),
            Value::from("01:30:00"),
        ]
    );
}

#[test]
fn dynamic_access_and_set_difference() {
    let s = session(&[("T", "{\"d\":{\"a\":[1,2,3],\"b\":\"x\"}}\n")]);
    let (names, rows) = run(
        &s,
        "T | project d.b, d['a'][1], lastItem = d.a[-1], array_length(d.a), set_difference(d.a, dynamic([2])), d.nope",
    );
    assert_eq!(names, ["d_b", "d_a_1", "lastItem", "Column1", "Column2", "d_nope"]);
    assert_eq!(
        rows[0],
        [
            Value::from("x"),
            Value::from(2),
            Value::from(3),
            Value::from(3),
            serde_json::json!([1, 3]),
            Value::Null
        ]
    );
}

#[test]
fn take_count_and_distinct() {
    let s = session(&[("T", "{\"v\":1}\n{\"v\":1}\n{\"v\":2}\n")]);
    assert_eq!(count(&s, "T | take 2"), 2);
    assert_eq!(run(&s, "T | count").1, vec![vec![Value::from(3)]]);
    assert_eq!(run(&s, "T | count").0, ["Count"]);
    assert_eq!(count(&s, "T | distinct v"), 2);
}

#[test]
fn type_errors_are_refused_before_running() {
    let s = session(&[("T", "{\"t\":\"2026-12-03T10:00:00Z\",\"n\":1,\"s\":\"x\"}\n")]);
    for (query, message) in [
        ("T | where s == 1", "cannot compare values of types string and long"),
        ("T | where t > 'x'", "cannot compare values of types datetime and string"),
        ("T | where n", "`where` needs a bool predicate"),
        ("T | extend x = iff(n > 0, 1, 'a')", "different types"),
        ("T | summarize n", "needs an aggregate function"),
        ("T | extend h = parse_url(s)", "the function `parse_url()` is not supported yet"),
        ("T | extend h = format_timespan(s, 'h')", "argument 1 must be a timespan, not a string"),
        ("T | extend x = bin(t, 5)", "`bin`: cannot bin a datetime by a long"),
        ("T | extend x = substring(s)", "`substring` takes 2 to 3 arguments"),
        ("T | summarize make_set(n, 3, 4)", "`make_set` takes 1 to 2 arguments, but 3 were given"),
        ("T | summarize countif(n > 1, 2)", "`countif` takes 1 argument, but 2 were given"),
        ("T | where lenght(s) == 1", "unknown function `lenght`"),
    ] {
        let err = s.query(query).expect_err(query).to_string();
        assert!(err.contains(message), "{query}: {err}");
    }
}

/// Constructs that parse but do not run yet are refused by name, pointing at
/// themselves; nothing is approximated.
#[test]
fn unsupported_constructs_are_refused_by_name() {
    let s = session(&[("T", LEFT)]);
    let cases = [
        ("T | reduce by k", "the `reduce` operator", "reduce"),
        ("T | facet by k", "the `facet` operator", "facet"),
        ("T | summarize tdigest(l)", "the aggregate `tdigest()`", "tdigest"),
        ("T | parse-kv k as (a:string)", "without both `pair_delimiter`", "parse-kv k"),
        ("externaldata(a:string)['https://x']", "never reaches the network", "externaldata"),
        ("T | evaluate bag_unpack(k)", "the `evaluate` operator", "evaluate"),
        ("T | extend (a, b) = l", "several columns at once", "a, b) = l"),
        ("set query_now = datetime(2020-01-01); T", "`set query_now`", "set query_now"),
        ("declare query_parameters(n:long); T", "query parameters", "declare"),
    ];
    for (query, what, at) in cases {
        let err = s.query(query).expect_err(query);
        assert!(err.to_string().contains(what), "{query}: {err}");
        let label = miette::Diagnostic::labels(&err).and_then(|mut l| l.next()).unwrap();
        let text = &query[label.offset()..label.offset() + label.len()];
        assert!(text.starts_with(at) || text.contains(at), "{query}: label on {text:?}");
    }
}

#[test]
fn make_list_with_nulls_keeps_nulls_and_count_distinct_skips_them() {
    // §3.8: nulls are skipped by aggregates, except by make_list_with_nulls.
    let s = session(&[("T", "{\"k\":1}\n{\"k\":1,\"v\":5}\n{\"k\":1,\"v\":5}\n{\"k\":2}\n")]);
    let (names, rows) = run(
        &s,
        "T | summarize make_list_with_nulls(v), count_distinct(v), count_distinctif(v, v > 5) by k \
         | sort by k asc",
    );
    assert_eq!(names, ["k", "list_v", "count_distinct_v", "count_distinctif_v"]);
    assert_eq!(
        rows,
        [
            vec![json!(1), json!([null, 5, 5]), json!(1), json!(0)],
            vec![json!(2), json!([null]), json!(0), json!(0)],
        ]
    );
    // A dynamic null is a value: make_list keeps it (oracle r2-aggregation-0005).
    let (_, rows) = run(
        &s,
        "datatable(v:dynamic)[dynamic({\"x\":1}), dynamic(null)] | summarize make_list(v), make_set(v)",
    );
    assert_eq!(rows, [vec![json!([{"x": 1}, null]), json!([{"x": 1}])]]);
}

#[test]
fn has_ipv4_finds_only_delimited_valid_addresses() {
    let s = session(&[(
        "T",
        "{\"m\":\"from 10.1.2.3:443\"}\n{\"m\":\"id 5410.1.2.3 x\"}\n{\"m\":\"10.1.2.300\"}\n{}\n",
    )]);
    let (_, rows) = run(
        &s,
        "T | project has_ipv4(m, '10.1.2.3'), has_any_ipv4(m, dynamic(['9.9.9.9', '10.1.2.3'])), \
         has_ipv4_prefix(m, '10.1.'), has_any_ipv4_prefix(m, '10.1', '10.')",
    );
    let t = json!(true);
    let f = json!(false);
    assert_eq!(
        rows,
        [
            vec![t.clone(), t.clone(), t.clone(), t],
            vec![f.clone(), f.clone(), f.clone(), f.clone()],
            vec![f.clone(), f.clone(), f.clone(), f.clone()],
            vec![f.clone(), f.clone(), f.clone(), f],
        ]
    );
    // The searched address may change from row to row.
    let (_, rows) = run(
        &s,
        "datatable(m:string, ip:string)['a 1.1.1.1', '1.1.1.1', 'a 1.1.1.1', '2.2.2.2', \
         'b 2.2.2.2', '2.2.2.2'] | project has_ipv4(m, ip)",
    );
    assert_eq!(rows, [[json!(true)], [json!(false)], [json!(true)]]);
}

#[test]
fn hashes_are_of_the_text_form() {
    // §6.3: the digest of the value's text; the hash of "" or null is "".
    let s = session(&[]);
    let (_, rows) = run(
        &s,
        "print hash_md5('World'), hash_sha1(123), hash_sha256(datetime(2020-01-01)), \
         hash_md5(''), hash_sha256(long(null))",
    );
    assert_eq!(
        rows,
        [vec![
            json!("f5a7924e621e84c9280a9a27e1bcb7f6"),
            json!("40bd001563085fc35165329ea1ff5c5ecbdbbeef"),
            json!("ba666752dc1a20eb750b0eb64e780cc4c968bc9fb8813461c1d7e750f302d71d"),
            json!(""),
            json!(""),
        ]]
    );
}

#[test]
fn make_timespan_refuses_out_of_range_parts() {
    let s = session(&[]);
    let (_, rows) = run(
        &s,
        "print make_timespan(2, 30), make_timespan(1, 2, 3.5), make_timespan(1, 2, 3, 4), \
         make_timespan(25, 0), make_timespan(0, 60), make_timespan(0, 0, 60), make_timespan(-1, 0, 0, 0)",
    );
    assert_eq!(
        rows,
        [vec![
            json!("02:30:00"),
            json!("01:02:03.5000000"),
            json!("1.02:03:04"),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ]]
    );
}

#[test]
fn format_timespan_pads_and_signs() {
    let s = session(&[]);
    let (_, rows) = run(
        &s,
        "let t = time(29.09:00:05.12345); \
         print format_timespan(t, 'dd.hh:mm:ss:FF'), format_timespan(t, 'ddd.h:mm:ss [fffffff]'), \
         format_timespan(-(1d + 2h), 'd.hh:mm'), format_timespan(1d, 'dddd')",
    );
    assert_eq!(
        rows,
        [vec![
            json!("29.09:00:05:12"),
            json!("029.9:00:05 [1234500]"),
            json!("-1.02:00"),
            json!("0001"),
        ]]
    );
    let err = s.query("print format_timespan(1d, 'c')").unwrap_err().to_string();
    assert!(err.contains("`c` is not a format specifier"), "{err}");
}

#[test]
fn array_reshaping_functions() {
    let s = session(&[]);
    let (_, rows) = run(
        &s,
        "let a = dynamic([1,2,3,4,5]); \
         print array_rotate_left(a, 2), array_rotate_right(a, -2), array_shift_left(a, 2), \
         array_shift_right(a, 2, -1), array_split(a, dynamic([1,3])), array_reverse(a), \
         array_sum(dynamic([1,null,3])), array_sum(dynamic([])), \
         bag_has_key(dynamic({'k': {'p': 1}}), '$.k.p'), bag_has_key(dynamic({'k': 1}), 'p'), \
         unixtime_milliseconds_todatetime(1546300800000), unixtime_seconds_todatetime(1.5)",
    );
    assert_eq!(
        rows,
        [vec![
            json!([3, 4, 5, 1, 2]),
            json!([3, 4, 5, 1, 2]),
            json!([3, 4, 5, null, null]),
            json!([-1, -1, 1, 2, 3]),
            json!([[1], [2, 3], [4, 5]]),
            json!([5, 4, 3, 2, 1]),
            json!(4.0),
            Value::Null,
            json!(true),
            json!(false),
            json!("2019-01-01T00:00:00.0000000Z"),
            json!("1970-01-01T00:00:01.5000000Z"),
        ]]
    );
}

#[test]
fn parse_kv_takes_the_first_value_of_each_key() {
    // §3.20: values trimmed, first occurrence wins, a missing key is null
    // (`""` for a string), a quoted value keeps its delimiters.
    let s = session(&[(
        "T",
        "{\"m\":\"a=1, b = x y ,a=2\"}\n{\"m\":\"c='p,q', a=7\"}\n{\"m\":\"b=z\"}\n",
    )]);
    let (names, rows) = run(
        &s,
        "T | parse-kv m as (a:long, b:string, c:string) \
         with (pair_delimiter=',', kv_delimiter='=', quote=\"'\")",
    );
    assert_eq!(names, ["m", "a", "b", "c"]);
    let cells: Vec<_> = rows.iter().map(|r| r[1..].to_vec()).collect();
    assert_eq!(
        cells,
        [
            vec![Value::from(1), Value::from("x y"), Value::from("")],
            vec![Value::from(7), Value::from(""), Value::from("p,q")],
            vec![Value::Null, Value::from("z"), Value::from("")],
        ]
    );
}

#[test]
fn render_and_set_are_accepted_with_a_warning() {
    let s = session(&[("T", LEFT)]);
    let result = s.query("set notruncation; T | count | render table").unwrap();
    assert_eq!(result.row_count(), 1);
    let codes: Vec<String> =
        result.warnings.iter().map(|w| miette::Diagnostic::code(w).unwrap().to_string()).collect();
    assert_eq!(codes, ["kql::bind::set_ignored", "kql::bind::render_ignored"]);
}

#[test]
fn where_with_a_single_equals_filters_by_the_right_side_alone() {
    // As Kusto: the `=` names the predicate, so `b = true` keeps every row
    // and `b = false` none; a warning says the `=` did not compare.
    let s = session(&[]);
    let t = "datatable(b:bool)[true, false, true]";
    for (pred, rows) in [("b = true", 3), ("b = false", 0), ("b == true", 2)] {
        let result = s.query(&format!("{t} | where {pred}")).unwrap();
        assert_eq!(result.row_count(), rows, "{pred}");
        let codes: Vec<String> = result
            .warnings
            .iter()
            .map(|w| miette::Diagnostic::code(w).unwrap().to_string())
            .collect();
        let expected: &[&str] =
            if pred.contains("==") { &[] } else { &["kql::bind::named_predicate"] };
        assert_eq!(codes, expected, "{pred}");
    }
    // A predicate that is not a bool is still an error.
    let err = s.query(&format!("{t} | extend s = 'x' | where s = 'x'")).unwrap_err();
    let help = miette::Diagnostic::help(&err).map(|h| h.to_string()).unwrap_or_default();
    assert!(help.contains("write `s == ...`"), "{help}");
}

#[test]
fn datatable_print_and_range_make_rows() {
    let s = session(&[]);
    let (names, rows) = run(&s, "datatable(a:string, b:long, c:real)['x', 1, 2, 'y', -2, 1.5,]");
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(
        rows,
        [vec![json!("x"), json!(1), json!(2.0)], vec![json!("y"), json!(-2), json!(1.5)]]
    );
    // kql-semantics.md §3.22 rule 4: unnamed print items are print_<position>.
    let (names, _) = run(&s, "print a = 1, 'b', 1 + 2");
    assert_eq!(names, ["a", "print_1", "print_2"]);
    // §3.31: inclusive of the upper bound; an empty range has no rows.
    let (_, rows) = run(&s, "range i from 1 to 10 step 3");
    assert_eq!(rows, [[json!(1)], [json!(4)], [json!(7)], [json!(10)]]);
    assert_eq!(count(&s, "range i from 0 to -1 step 1"), 0);
    let (_, rows) = run(&s, "range t from datetime(2020-01-01) to datetime(2020-01-02) step 12h");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2], [json!("2020-01-02T00:00:00.0000000Z")]);
    assert_eq!(count(&s, "datatable(a:long)[] | count"), 1);
    for bad in
        ["datatable(a:long)[1, 'x']", "datatable(a:long)[1 + 1]", "datatable(a:long, b:long)[1]"]
    {
        assert!(s.query(bad).is_err(), "{bad}");
    }
}

/// Each operator sees its input's values (§3.0, §3.7): chains that reuse one
/// name must apply every step. (DataFusion once merged these wrongly.)
#[test]
fn chained_extends_that_reuse_a_name_apply_every_step() {
    let s = session(&[("T", LEFT)]);
    let one = |q: &str| run(&s, q).1.remove(0);
    assert_eq!(
        one(
            "T | take 1 | extend l = 1 | extend l = l + 1 | extend l = l + 1 | extend l = l + 1 | project l"
        ),
        [json!(4)]
    );
    assert_eq!(
        one(
            "print x = 1 | extend x = x + 1 | extend x = x + 1 | extend x = x + 1 | extend y = x | extend x = y * x | project x, y"
        ),
        [json!(16), json!(4)]
    );
    assert_eq!(
        one("T | summarize x = count() | extend x = x + 1 | extend x = x * 10"),
        [json!(50)]
    );
}

/// Numeric rules measured on Kusto (conformance cases r2-type-casts-coercion-0035,
/// r1-type-casts-coercion-0042, r3-aggregation-0023, r2-aggregation-0025,
/// r1-datetime-timespan-0028).
#[test]
fn reals_nans_and_overflow_follow_kusto() {
    let s = session(&[]);
    let one = |q: &str| run(&s, q).1.remove(0);
    // §4.3: modulo is never negative, for reals too.
    assert_eq!(
        one("print (-5.5) % 3.0, 5.5 % (-3.0), (-5) % 3.0"),
        [json!(0.5), json!(2.5), json!(1.0)]
    );
    // NaN equals nothing; only != holds.
    assert_eq!(
        one(
            "print real(nan) == real(nan), real(nan) != real(nan), real(nan) < 1.0, real(+inf) > 1e308"
        ),
        [json!(false), json!(true), json!(false), json!(true)]
    );
    // A NaN makes min and max NaN; +inf is a value like any other.
    let rows = run(&s, "datatable(g:string, v:real)['b', 3.3, 'b', real(nan), 'c', real(inf)] | summarize min(v), max(v) by g | order by g asc").1;
    assert_eq!(
        rows,
        [
            [json!("b"), json!("NaN"), json!("NaN")],
            [json!("c"), json!("Infinity"), json!("Infinity")]
        ]
    );
    // avg of longs goes through their wrapping long sum.
    assert_eq!(
        one("datatable(v:long)[9223372036854775807, 1, 2] | summarize sum(v), avg(v)"),
        [json!(-9223372036854775806i64), json!(-3.0744573456182584e18)]
    );
    // datetime_diff counts weeks as a real.
    assert_eq!(
        one("print datetime_diff('week', datetime(2020-01-15), datetime(2020-01-01))"),
        [json!(2.0)]
    );
}

/// §3.9: a left-only filter after an innerunique join filters the left side
/// before its deduplication (the documentation's example).
#[test]
fn innerunique_filters_the_left_before_deduplicating() {
    let s = session(&[]);
    let q = r#"let t1 = datatable(key: long, value: string)[1, "val1.1", 1, "val1.2"];
        let t2 = datatable(key: long, value: string)[1, "val1.3", 1, "val1.4"];
        t1 | join kind = innerunique t2 on key | where value == "val1.2" and value1 != "x""#;
    let (names, rows) = run(&s, q);
    assert_eq!(names, ["key", "value", "key1", "value1"]);
    let mut right: Vec<String> = rows.iter().map(|r| r[3].as_str().unwrap().to_owned()).collect();
    right.sort();
    assert_eq!(right, ["val1.3", "val1.4"]);
    assert!(rows.iter().all(|r| r[1] == json!("val1.2")));
}

/// §3.3–§3.6 and §3.13: the column-choosing operators and `top`.
#[test]
fn project_variants_and_top() {
    let rows = "{\"a\":1,\"b2\":\"x\",\"b10\":\"y\",\"c\":3.5}\n{\"a\":2,\"b2\":\"z\",\"b10\":\"w\",\"c\":1.5}\n";
    let s = session(&[("P", rows)]);
    let names = |q: &str| run(&s, q).0;
    assert_eq!(names("P | project-away b*"), ["a", "c"]);
    assert_eq!(names("P | project-keep c, a"), ["a", "c"]);
    assert_eq!(names("P | project-rename A = a, C = c"), ["A", "b2", "b10", "C"]);
    assert_eq!(names("P | project-reorder c, b* granny-desc"), ["c", "b10", "b2", "a"]);
    assert_eq!(names("P | project-reorder b* asc"), ["b10", "b2", "a", "c"]);
    // top defaults to descending.
    assert_eq!(run(&s, "P | top 1 by c | project a").1, [[json!(1)]]);
    assert_eq!(run(&s, "P | top 1 by c asc | project a").1, [[json!(2)]]);
    for bad in [
        "P | project-away nope",
        "P | project-rename a = nope",
        "P | project-rename a = c",
        "P | project-rename x = strcat(a, 'x')",
    ] {
        assert!(s.query(bad).is_err(), "{bad}");
    }
}

/// §6.1–§6.4: the library functions, each on the values kql-semantics.md
/// states.
#[test]
fn library_functions_follow_kusto() {
    let s = session(&[]);
    let cases: &[(&str, Value)] = &[
        (
            "strcat('x', 1, true, int(null), datetime(2020-01-01))",
            json!("x1True2020-01-01T00:00:00.0000000Z"),
        ),
        ("strcat_delim('-', 'a', int(null), 'b')", json!("a--b")),
        ("tolong(' 7 ')", json!(7)),
        ("tolong('5.7')", Value::Null),
        ("tolong('0x10')", json!(16)),
        ("tolong(1d)", json!(864000000000i64)),
        ("tolong(datetime(2020-01-01))", json!(637134336000000000i64)),
        ("toint(9999999999)", json!(1410065407)),
        ("toint('9999999999')", Value::Null),
        ("toint(2.9)", json!(2)),
        ("tolong(-5.7)", json!(-5)),
        ("todouble('1e3')", json!(1000.0)),
        ("todouble('5.')", json!(5.0)),
        ("todouble('0x10')", Value::Null),
        ("tobool('TRUE')", json!(true)),
        ("tobool('2')", json!(true)),
        ("tobool('0')", json!(false)),
        ("tobool('yes')", Value::Null),
        ("tobool(0.0)", json!(false)),
        ("todatetime('2022-12-02 13:45:56')", json!("2022-12-02T13:45:56.0000000Z")),
        ("todatetime('not a date')", Value::Null),
        ("totimespan('1.02:03:04')", json!("1.02:03:04")),
        ("bin(-7, 5)", json!(-10)),
        ("floor(7.5, 0.5)", json!(7.5)),
        ("bin(14d + 3h, 1d)", json!("14.00:00:00")),
        ("bin(datetime(2020-01-01 13:45), 1h)", json!("2020-01-01T13:00:00.0000000Z")),
        ("bin(5, -1)", Value::Null),
        ("substring('abcdefg', 5, 10)", json!("fg")),
        ("substring('abcdefg', -3, 2)", json!("ef")),
        ("substring('abc', -10, 2)", json!("")),
        ("substring('héllo', 1, 3)", json!("éll")),
        ("split('a__b', '_')", json!(["a", "", "b"])),
        ("split('', '_')", json!([""])),
        ("split('a_b_c', '_', 1)", json!(["b"])),
        ("replace_string('a.b.c', '.', '-')", json!("a-b-c")),
        ("coalesce('', 'x')", json!("x")),
        ("coalesce(long(null), 5)", json!(5)),
        ("coalesce('', '')", json!("")),
        ("case(1 > 2, 'a', 2 > 1, 'b', 'c')", json!("b")),
        ("case(false, 1, 2)", json!(2)),
        ("parse_json('{\"a\":1}').a", json!(1)),
        ("parse_json('not json')", json!("not json")),
        ("extract('(\\\\d+)', 1, 'ab123c')", json!("123")),
        ("extract('(x)', 1, 'abc')", json!("")),
        ("startofweek(datetime(2024-03-06))", json!("2024-03-03T00:00:00.0000000Z")),
        ("startofmonth(datetime(2024-03-06), 1)", json!("2024-04-01T00:00:00.0000000Z")),
        ("endofday(datetime(2024-03-06 10:00))", json!("2024-03-06T23:59:59.9999999Z")),
        ("pack_array(1, 'a', 1d)", json!([1, "a", "1.00:00:00"])),
        (
            "bag_pack('k', 2, 'd', datetime(2020-01-01))",
            json!({"k": 2, "d": "2020-01-01T00:00:00.0000000Z"}),
        ),
        ("gettype(long(null))", json!("long")),
        ("gettype(dynamic({}))", json!("dictionary")),
        ("datetime_add('month', 1, datetime(2024-01-31))", json!("2024-02-29T00:00:00.0000000Z")),
        ("datetime_add('week', 1, datetime(2024-01-01))", json!("2024-01-08T00:00:00.0000000Z")),
        ("dayofweek(datetime(1970-05-11))", json!("1.00:00:00")),
        ("getyear(datetime(2024-03-06)) + getmonth(datetime(2024-03-06))", json!(2027)),
        ("string_size('é')", json!(2)),
        ("abs(-3)", json!(3)),
    ];
    for (expr, expected) in cases {
        let (_, rows) = run(&s, &format!("print v = {expr}"));
        assert_eq!(&rows[0][0], expected, "{expr}");
    }
}

#[test]
fn column_ifexists_reads_the_column_or_the_default() {
    let s = session(&[("T", LEFT)]);
    assert_eq!(run(&s, "T | take 1 | project x = column_ifexists('l', 0)").1, [[json!(1)]]);
    assert_eq!(run(&s, "T | take 1 | project x = column_ifexists('nope', 0)").1, [[json!(0)]]);
}

/// §7 and §3.22: the `_if` forms, legacy spellings, take_any, arg_max/arg_min
/// with their column naming, and the spread aggregates.
#[test]
fn more_aggregates_follow_kusto() {
    let s = session(&[]);
    let data = "datatable(k:string, v:long, t:string)['a', 1, 'x', 'a', 7, 'y', 'b', 3, '', 'b', long(null), 'z']";
    let q = format!(
        "{data} | summarize countif(v > 2), sumif(v, v > 2), avgif(v, v > 2), dcountif(v, v > 0), make_set_if(t, v > 2) by k | order by k asc"
    );
    let (names, rows) = run(&s, &q);
    assert_eq!(names, ["k", "countif_", "sumif_v", "avgif_v", "dcountif_v", "set_t"]);
    assert_eq!(rows[0], [json!("a"), json!(1), json!(7), json!(7.0), json!(2), json!(["y"])]);
    // arg_max(E, *) names E, then every other column but the by keys.
    let (names, rows) = run(&s, &format!("{data} | summarize arg_max(v, *) by k | order by k asc"));
    assert_eq!(names, ["k", "v", "t"]);
    assert_eq!(rows, [[json!("a"), json!(7), json!("y")], [json!("b"), json!(3), json!("")]]);
    let (names, _) = run(&s, &format!("{data} | summarize m = arg_min(v, t), arg_max(v, t)"));
    assert_eq!(names, ["m", "t", "v", "t1"]);
    // take_any(x) is named x and prefers a non-empty value.
    let (names, rows) = run(&s, &format!("{data} | where k == 'b' | summarize take_any(t)"));
    assert_eq!((names, rows), (vec!["t".to_owned()], vec![vec![json!("z")]]));
    // makeset keeps at most 128 values; make_set(x, n) at most n.
    assert_eq!(
        run(
            &s,
            "range i from 1 to 200 step 1 | summarize s = makeset(i) | project array_length(s)"
        )
        .1,
        [[json!(128)]]
    );
    assert_eq!(
        run(
            &s,
            "range i from 1 to 200 step 1 | summarize s = make_list(i, 5) | project array_length(s)"
        )
        .1,
        [[json!(5)]]
    );
    // stdev of 1..5 (§7).
    let (_, rows) = run(&s, "range x from 1 to 5 step 1 | summarize stdev(x), variancep(x)");
    assert!((rows[0][0].as_f64().unwrap() - 1.58113883008419).abs() < 1e-12);
    assert_eq!(rows[0][1], json!(2.0));
}

/// §3.17: mv-expand.
#[test]
fn mv_expand_follows_kusto() {
    let s = session(&[]);
    let data = "datatable(k:string, d:dynamic)['a', dynamic([1, 2, 3]), 'b', dynamic([]), 'c', dynamic(null), 'e', dynamic({'x': 1, 'y': 'z'})]";
    // An empty array drops the row, null keeps one; a bag gives one-property bags.
    let (names, rows) = run(&s, &format!("{data} | mv-expand d"));
    assert_eq!(names, ["k", "d"]);
    let keys: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(keys, ["a", "a", "a", "c", "e", "e"]);
    assert_eq!(rows[3][1], Value::Null);
    assert_eq!(rows[4][1], json!({"x": 1}));
    // bagexpansion=array gives [key, value] pairs.
    let (_, rows) = run(&s, &format!("{data} | where k == 'e' | mv-expand bagexpansion=array d"));
    assert_eq!(rows[1][1], json!(["y", "z"]));
    // A new name appends; to typeof() converts (non-conforming: null);
    // with_itemindex counts from 0; limit caps each row.
    let (names, rows) = run(
        &s,
        &format!(
            "{data} | where k == 'a' | mv-expand with_itemindex=i v = d to typeof(long) limit 2"
        ),
    );
    assert_eq!(names, ["k", "d", "v", "i"]);
    assert_eq!(
        rows.iter().map(|r| (r[2].clone(), r[3].clone())).collect::<Vec<_>>(),
        [(json!(1), json!(0)), (json!(2), json!(1))]
    );
    // Several items expand in parallel, the shorter padded with null.
    let (_, rows) =
        run(&s, "datatable(a:dynamic, b:dynamic)[dynamic([1,2]), dynamic(['x'])] | mv-expand a, b");
    assert_eq!(rows, [[json!(1), json!("x")], [json!(2), Value::Null]]);
    // A computed expression over one column takes that column's place.
    let (names, _) = run(&s, "datatable(s:string)['[1]'] | mv-expand todynamic(s)");
    assert_eq!(names, ["s"]);
    assert!(s.query("datatable(s:string)['x'] | mv-expand s").is_err());
}

/// §3.11: a bare table, also through a `let` alias, keeps its name as the
/// `withsource` label; a computed leg is `union_argN`.
#[test]
fn union_labels_tables_by_name_and_the_rest_by_position() {
    let s = session(&[("T", "{\"x\":1}\n")]);
    let (_, rows) = run(
        &s,
        "let A = T; let V = view () { print x = 2 }; \
         union withsource=S A, (T | extend x = 3), V | order by x asc",
    );
    let labels: Vec<_> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(labels, [json!("T"), json!("V"), json!("union_arg1")]);
    let (_, rows) = run(&s, "union withsource=S (T | as Named), (print x = 5) | order by x asc");
    let labels: Vec<_> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(labels, [json!("Named"), json!("union_arg1")]);
}

/// §3.11: union.
#[test]
fn union_matches_columns_by_name() {
    let s = session(&[]);
    let lets =
        "let A = datatable(x:long, y:string)[1, 'a']; let B = datatable(x:long, z:real)[2, 2.5];";
    let (names, mut rows) =
        run(&s, &format!("{lets} union withsource=Src A, B, (A | where x > 5)"));
    assert_eq!(names, ["Src", "x", "y", "z"]);
    rows.sort_by_key(|r| r[1].as_i64());
    // A tabular `let` is labelled by its position, as Kusto does; a missing
    // string is "", any other missing value null.
    assert_eq!(
        rows,
        [
            vec![json!("union_arg0"), json!(1), json!("a"), Value::Null],
            vec![json!("union_arg1"), json!(2), json!(""), json!(2.5)],
        ]
    );
    let (names, _) =
        run(&s, "let A = datatable(N:long)[1]; let B = datatable(N:string)['s']; union A, B");
    assert_eq!(names, ["N_long", "N_string"]);
    assert_eq!(run(&s, &format!("{lets} A | union kind=inner B")).0, ["x"]);
    assert_eq!(count(&s, "let A = datatable(x:long)[1]; union isfuzzy=true A, Nope"), 1);
    assert!(s.query("let A = datatable(x:long)[1]; union A, Nope").is_err());
    let (_, rows) = run(
        &s,
        "let Aa = datatable(x:long)[1]; let Ab = datatable(x:long)[2]; union withsource=T A* | order by x asc",
    );
    assert_eq!(rows, [[json!("Aa"), json!(1)], [json!("Ab"), json!(2)]]);
}

/// §4.5–§4.6: `matches regex` is case-sensitive, matches anywhere, RE2
/// syntax; lookaround is refused.
#[test]
fn matches_regex_uses_re2() {
    let s = session(&[]);
    let (_, rows) = run(
        &s,
        "print 'Fabrikam' matches regex 'b.*k', 'abc' matches regex '^B', 'S-1-5-32-544' matches regex @'S-1-5-32-5[0-9][0-9]$'",
    );
    assert_eq!(rows[0], [json!(true), json!(false), json!(true)]);
    assert!(s.query("print 'x' matches regex '(?=x)'").is_err());
}

/// §3.19: parse and parse-where.
#[test]
fn parse_extracts_by_pattern() {
    let s = session(&[]);
    let data = "datatable(s:string)['id:7 val:foo', 'nothing', 'id:x val:bar']";
    // simple: a row that does not match or convert gets null ("" for strings).
    let (names, rows) = run(
        &s,
        &format!("{data} | parse s with 'id:' id:long ' val:' val:string | project id, val"),
    );
    assert_eq!(names, ["id", "val"]);
    assert_eq!(
        rows,
        [[json!(7), json!("foo")], [Value::Null, json!("")], [Value::Null, json!("")]]
    );
    // relaxed: only the column that does not convert is null.
    let (_, rows) = run(
        &s,
        &format!(
            "{data} | parse kind=relaxed s with 'id:' id:long ' val:' val:string | project id, val"
        ),
    );
    assert_eq!(rows[2], [Value::Null, json!("bar")]);
    // The last column takes the rest; * skips; regex mode takes regex text.
    let (_, rows) = run(&s, "print s = 'a  b  c  ' | parse s with * '  ' x '  ' y");
    assert_eq!(&rows[0][1..], [json!("b"), json!("c  ")]);
    let (_, rows) = run(
        &s,
        "print s = 'AAA123BBB' | parse kind=regex s with pre:string @'[0-9]{3}' post:string",
    );
    assert_eq!(&rows[0][1..], [json!("AAA"), json!("BBB")]);
    // parse-where drops the rows that do not parse.
    assert_eq!(count(&s, &format!("{data} | parse-where s with 'id:' id:long *")), 1);
    assert!(s.query("print s = 'x' | parse s with a b").is_err());
}

/// §6.3, §6.5, §6.6 and §6.1: the second library batch.
#[test]
fn more_library_functions_follow_kusto() {
    let s = session(&[]);
    let cases: &[(&str, Value)] = &[
        ("trim('--', '--abc--')", json!("abc")),
        // Measured by the oracle: ties round away from zero, an index past
        // split's parts and an empty indexof lookup are null, a dynamic
        // null is null.
        ("round(2.5)", json!(3.0)),
        ("round(-0.5)", json!(-1.0)),
        ("round(-2.5)", json!(-3.0)),
        ("split('noequals', '=', 1)", Value::Null),
        ("split('a=b', '=', 1)", json!(["b"])),
        ("indexof('abc', '')", Value::Null),
        ("isnull(dynamic(null))", json!(true)),
        ("isempty(dynamic(null))", json!(true)),
        ("isnull(dynamic([]))", json!(false)),
        // One match of the pattern at each end, not a run of them
        // (measured: oracle r2-string-ops-0026, r2-string-ops-0027).
        ("trim_start(@'\\s', '  a ')", json!(" a ")),
        ("trim_start(@'\\s+', '  a ')", json!("a ")),
        ("trim_end('x', 'axx')", json!("ax")),
        ("indexof('abcdef', 'cd')", json!(2)),
        ("indexof('abcdef', 'cd', 3)", json!(-1)),
        ("indexof('abc', 'z')", json!(-1)),
        ("countof('aaaa', 'aa')", json!(3)),
        ("countof('aaaa', 'aa', 'regex')", json!(2)),
        ("countof('abc', '')", json!(0)),
        ("reverse('abc')", json!("cba")),
        ("strcat_array(dynamic([1, 'a', true]), '-')", json!("1-a-true")),
        ("array_concat(dynamic([1]), dynamic([2, 3]))", json!([1, 2, 3])),
        ("array_slice(dynamic([1, 2, 3, 4]), 1, 2)", json!([2, 3])),
        ("array_slice(dynamic([1, 2, 3, 4]), -2, -1)", json!([3, 4])),
        ("array_sort_asc(dynamic([3, null, 1, 2]))", json!([1, 2, 3, null])),
        ("array_sort_desc(dynamic(['a', 'c', 'b']))", json!(["c", "b", "a"])),
        ("bag_keys(dynamic({'a': 1, 'b': 2}))", json!(["a", "b"])),
        ("set_union(dynamic([1, 2]), dynamic([2, 3]))", json!([1, 2, 3])),
        ("set_intersect(dynamic([1, 2, 3]), dynamic([3, 2, 5]))", json!([2, 3])),
        ("ipv4_is_private('10.1.2.3')", json!(true)),
        ("ipv4_is_private('172.32.0.1')", json!(false)),
        ("ipv4_is_private('127.0.0.1')", json!(false)),
        ("ipv4_is_private('not an ip')", Value::Null),
        ("ipv4_is_in_range('192.168.1.7', '192.168.1.255/24')", json!(true)),
        ("ipv4_is_in_range('192.168.2.7', '192.168.1.0/24')", json!(false)),
        ("isnan(real(nan))", json!(true)),
        ("base64_encode_tostring('Kusto')", json!("S3VzdG8=")),
        ("base64_decode_tostring('S3VzdG8=')", json!("Kusto")),
        (
            "format_datetime(datetime(2020-01-02 03:04:05.1234567), 'yyyy-MM-dd HH:mm:ss.fff')",
            json!("2020-01-02 03:04:05.123"),
        ),
        ("format_datetime(datetime(2020-01-02 15:04:05), 'd/M/yy h tt')", json!("2/1/20 3 PM")),
        // Fields are at most two letters: `dddd` is `dd` twice (oracle).
        ("format_datetime(datetime(2020-01-05), 'dddd ddd MMM')", json!("0505 055 011")),
        ("make_datetime(2017, 10, 1, 12, 10, 30.5)", json!("2017-10-01T12:10:30.5000000Z")),
        ("make_datetime(2017, 2, 30)", Value::Null),
        ("monthofyear(datetime(2015-12-14))", json!(12)),
    ];
    for (expr, expected) in cases {
        let (_, rows) = run(&s, &format!("print v = {expr}"));
        assert_eq!(&rows[0][0], expected, "{expr}");
    }
}

/// §3.10: lookup keeps every left row (no deduplication), multiplies by
/// duplicate right keys, and drops the right key columns.
#[test]
fn lookup_drops_the_right_keys() {
    let s = session(&[]);
    let lets = "let L = datatable(Row:long, Key:string, V:long)[1, 'a', 10, 2, 'b', 20, 3, 'c', 30]; let R = datatable(Key:string, V:long, Alias:string)['a', 100, 'x', 'a', 101, 'y', 'b', 200, 'z'];";
    let (names, rows) = run(&s, &format!("{lets} L | lookup R on Key | order by Row asc, V1 asc"));
    assert_eq!(names, ["Row", "Key", "V", "V1", "Alias"]);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3], [json!(3), json!("c"), json!(30), Value::Null, json!("")]);
    let (names, rows) = run(
        &s,
        &format!(
            "{lets} L | lookup kind=inner (R | project K2 = Key, Alias) on $left.Key == $right.K2"
        ),
    );
    assert_eq!(names, ["Row", "Key", "V", "Alias"]);
    assert_eq!(rows.len(), 3);
    assert!(s.query(&format!("{lets} L | lookup kind=leftanti R on Key")).is_err());
}

/// §2.2 and §3.25: user functions, with defaults, named arguments, tabular
/// parameters, views and invoke; parameters win over columns.
#[test]
fn user_functions_expand_where_called() {
    let s = session(&[]);
    let one = |q: &str| run(&s, q).1.remove(0);
    assert_eq!(
        one(
            "let f = (a:long, b:string = 'b.default', c:long = 0) { strcat(a, '-', b, '-', c) }; print f(12, c=7)"
        ),
        [json!("12-b.default-7")]
    );
    let table = "let D = datatable(x:long)[1, 5, 9];";
    assert_eq!(
        count(&s, &format!("{table} let g = (T:(x:long), n:long) {{ T | where x > n }}; g(D, 4)")),
        2
    );
    assert_eq!(
        count(&s, &format!("{table} let h = (T:(*), k:long) {{ T | take k }}; D | invoke h(2)")),
        2
    );
    assert_eq!(count(&s, "let v = view () { datatable(x:long)[1] }; v"), 1);
    assert_eq!(
        one(
            "let Value = 5; let f = (Value:long) { Value * 2 }; datatable(Value:long)[7] | extend k = f(1)"
        ),
        [json!(7), json!(2)]
    );
    // A body's own lets end with it.
    assert_eq!(one("let f = (a:long) { let b = a + 1; b * 2 }; print f(3)"), [json!(8)]);
    for bad in [
        "let f = (a:long) { f(a) }; print f(1)",
        "let f = (a:long) { a }; print f()",
        "let f = (a:long) { a }; print f('x')",
        &format!("{table} let g = (T:(y:long)) {{ T }}; g(D)"),
    ] {
        assert!(s.query(bad).is_err(), "{bad}");
    }
}

/// §3.8 and §3.22: aggregates inside expressions, and their names.
#[test]
fn summarize_computes_with_aggregates() {
    let s = session(&[]);
    let data = "datatable(g:string, y:long)['a', 1, 'a', 2, 'b', 5]";
    let (names, rows) = run(
        &s,
        &format!(
            "{data} | summarize round(avg(y), 2), c2 = count() * 2, sum(y) + max(y), strcat('n=', tostring(count())) by g | order by g asc"
        ),
    );
    assert_eq!(names, ["g", "avg_y", "c2", "Column1", "Column2"]);
    assert_eq!(rows[0], [json!("a"), json!(1.5), json!(4), json!(5), json!("n=2")]);
    // A bare column outside an aggregate is an error, even a grouping key.
    assert!(s.query(&format!("{data} | summarize sum(y) + y by g")).is_err());
    assert!(s.query(&format!("{data} | summarize count() + g by g")).is_err());
    // round: ties to even after scaling, as the documentation's examples show.
    let (_, rows) = run(
        &s,
        "print round(2.98765, 3), round(2.15, 1), round(-50.55, -2), round(21.5, -1), round(1234, -2)",
    );
    assert_eq!(rows[0], [json!(2.988), json!(2.2), json!(-100.0), json!(20.0), json!(1200)]);
}

/// §7: make_bag merges bags, skips anything else, and is `{}` for a group
/// without bags.
#[test]
fn make_bag_merges_property_bags() {
    let s = session(&[]);
    let (names, rows) = run(
        &s,
        "datatable(k:long, d:dynamic)[1, dynamic({'a': 1}), 1, dynamic({'b': 2}), 1, dynamic([1]), 2, dynamic(null)] | summarize make_bag(d) by k | order by k asc",
    );
    assert_eq!(names, ["k", "bag_d"]);
    assert_eq!(rows, [[json!(1), json!({"a": 1, "b": 2})], [json!(2), json!({})]]);
    assert!(s.query("print x = 1 | summarize make_bag(x)").is_err());
}

/// §4.5 and §2.4: a table in an `in` list stands for its first column;
/// toscalar is its first value; materialize changes nothing.
#[test]
fn subqueries_in_lists_and_toscalar() {
    let s = session(&[]);
    let data = "datatable(ip:string, n:long)['1.1.1.1', 1, '2.2.2.2', 2]";
    let bad = "let Bad = datatable(ip:string)['1.1.1.1', '3.3.3.3'];";
    assert_eq!(run(&s, &format!("{bad} {data} | where ip in (Bad) | project n")).1, [[json!(1)]]);
    assert_eq!(
        run(&s, &format!("{bad} {data} | where ip !in ((Bad | project ip)) | project n")).1,
        [[json!(2)]]
    );
    assert_eq!(count(&s, &format!("let E = datatable(ip:string)[]; {data} | where ip in (E)")), 0);
    assert_eq!(count(&s, &format!("let E = datatable(ip:string)[]; {data} | where ip !in (E)")), 2);
    assert_eq!(run(&s, "let u = datatable(n:string)['ALICE']; datatable(n:string)['alice', 'bob'] | where n in~ (u)").1, [[json!("alice")]]);
    assert_eq!(
        run(&s, "let t = toscalar(datatable(x:long)[5, 9] | summarize max(x)); print t, t * 2").1,
        [[json!(9), json!(18)]]
    );
    assert_eq!(run(&s, "print toscalar(datatable(x:long)[] | project x)").1, [[Value::Null]]);
    assert_eq!(count(&s, "let m = materialize(datatable(x:long)[1, 2]); m"), 2);
    assert!(s.query(&format!("{bad} datatable(n:long)[1] | where n in (Bad)")).is_err());
}

/// §3.1 and §4.5: `* op x` searches every column's text; a negated
/// operator means no column matches. has_any takes a table's terms.
#[test]
fn star_searches_every_column_and_has_any_takes_tables() {
    let s = session(&[]);
    let data = "datatable(s:string, n:int)['needle in haystack', 1, 'another row', 2]";
    assert_eq!(
        run(&s, &format!("{data} | where * contains 'needle' or * !contains 'row' | project n")).1,
        [[json!(1)]]
    );
    assert_eq!(run(&s, &format!("{data} | where * has '2' | project n")).1, [[json!(2)]]);
    let q = "let Terms = datatable(t:string)['mimikatz', 'rubeus']; datatable(cmd:string)['run mimikatz now', 'notepad.exe', 'Rubeus.exe asktgt'] | where cmd has_any (Terms)";
    assert_eq!(count(&s, q), 2);
}

/// §6.1, §6.3–§6.5: the third library batch.
#[test]
fn third_library_batch_follows_kusto() {
    let s = session(&[]);
    let cases: &[(&str, Value)] = &[
        ("replace_regex('abc123def', @'(\\d+)', @'<\\1>')", json!("abc<123>def")),
        ("replace_regex('a.b', @'\\.', '$')", json!("a$b")),
        ("extract_all(@'(\\w)(\\w+)', 'test word')", json!([["t", "est"], ["w", "ord"]])),
        ("extract_all(@'(\\w+)', 'test word')", json!(["test", "word"])),
        ("extract_all(@'(\\d+)', 'none')", Value::Null),
        ("extract_all(@'(\\w)(\\w+)', dynamic([2]), 'test word')", json!(["est", "ord"])),
        ("datetime_part('week_of_year', datetime(2024-03-05))", json!(10)),
        ("datetime_part('quarter', datetime(2024-08-05))", json!(3)),
        ("week_of_year(datetime(2024-03-05))", json!(10)),
        ("max_of(1, long(null), 7)", json!(7)),
        ("min_of('b', 'a')", json!("a")),
        ("max_of(long(null), long(null))", Value::Null),
        ("array_index_of(dynamic(['a', 'b']), 'b')", json!(1)),
        ("array_index_of(dynamic(['a']), 'z')", json!(-1)),
        ("bag_merge(dynamic({'a': 1}), dynamic({'a': 2, 'b': 3}))", json!({"a": 1, "b": 3})),
        ("bag_remove_keys(dynamic({'a': 1, 'b': 2}), dynamic(['a']))", json!({"b": 2})),
        ("zip(dynamic([1, 2]), dynamic(['a']))", json!([[1, "a"], [2, null]])),
        ("strrep('ab', 3, '-')", json!("ab-ab-ab")),
        ("url_decode('a%20b%2Fc')", json!("a b/c")),
    ];
    for (expr, expected) in cases {
        let (_, rows) = run(&s, &format!("print v = {expr}"));
        assert_eq!(&rows[0][0], expected, "{expr}");
    }
}

/// §3.27: search, with the shapes the oracle measured.
#[test]
fn search_finds_terms_in_columns() {
    let s = session(&[]);
    let (names, rows) = run(
        &s,
        "datatable(s:string)['the quick brown', 'fox jumps over'] | search 'quick' or 'jumps'",
    );
    assert_eq!(names, ["$table", "s"]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], json!("search_arg0"));
    assert_eq!(count(&s, "datatable(s:string)['alpha', 'beta'] | search 'a'"), 0);
    assert_eq!(count(&s, "datatable(s:string)['10.5', 'abc', '20'] | search '10*'"), 1);
    assert_eq!(count(&s, "datatable(s:string)['foo bar baz'] | search s:'bar'"), 1);
    assert_eq!(
        count(&s, "datatable(s:string)['The Quick'] | search kind=case_sensitive 'quick'"),
        0
    );
    // Bare numbers are not searched in numeric columns; string terms are,
    // by the columns' text (oracle r2-parse-search-0040, r3-parse-search-0035).
    let q = "datatable(a:string, b:long, c:real)['needle', 42, 3.14, 'haystack', 7, 2.71] | search 'needle' or 42 or 2.71 | project a";
    assert_eq!(run(&s, q).1, [[json!("needle")]]);
    let q = "datatable(i:int)[1, 3, 4, 33] | search '3' or '4' | project i";
    assert_eq!(run(&s, q).1, [[json!(3)], [json!(4)]]);
    assert_eq!(
        count(&s, "datatable(s:string, code:long)['ok', 200, 'fail', 500] | search code >= 300"),
        1
    );
}

/// Numbers, ranges and bins (§6.1, §6.5).
#[test]
fn math_range_and_bin_at() {
    let s = session(&[]);
    let cases: &[(&str, Value)] = &[
        ("log10(100.0)", json!(2.0)),
        ("sqrt(-1.0)", json!("NaN")), // oracle r2-null-and-edge-0015
        ("1d % 5h", json!("04:00:00")),
        ("1d % 0s", Value::Null),
        ("log(-1.0)", Value::Null),
        ("sign(real(nan))", json!(0.0)),
        ("tolong('0xFFFFFFFFFFFFFFFF')", json!(-1)),
        ("toint('-0x10')", Value::Null),
        ("array_concat(dynamic([1]), dynamic(null), dynamic({'a': 1}))", json!([1])),
        ("pow(2.0, 10.0)", json!(1024.0)),
        ("ceiling(-1.5)", json!(-1.0)),
        ("sign(-3)", json!(-1.0)),
        ("isinf(real(-inf))", json!(true)),
        ("range(1, 5, 2)", json!([1, 3, 5])),
        ("range(5, 1, -2)", json!([5, 3, 1])),
        ("range(1.0, 2.0, 0.5)", json!([1.0, 1.5, 2.0])),
        (
            "range(datetime(2020-01-01), datetime(2020-01-02), 12h)",
            json!([
                "2020-01-01T00:00:00.0000000Z",
                "2020-01-01T12:00:00.0000000Z",
                "2020-01-02T00:00:00.0000000Z"
            ]),
        ),
        ("bin_at(6.5, 2.5, 7.0)", json!(4.5)),
        (
            "bin_at(datetime(2017-05-15 10:20:00), 1d, datetime(1970-01-01 12:00:00))",
            json!("2017-05-14T12:00:00.0000000Z"),
        ),
        ("set_has_element(dynamic([1, 2]), 2)", json!(true)),
        ("strcmp('a', 'b')", json!(-1)),
    ];
    for (expr, expected) in cases {
        let (_, rows) = run(&s, &format!("print v = {expr}"));
        assert_eq!(&rows[0][0], expected, "{expr}");
    }
}

/// §3.29 getschema, §3.24 as, sample.
#[test]
fn getschema_as_and_sample() {
    let s = session(&[]);
    let (names, rows) = run(&s, "datatable(a:bool, b:string)[true, 'x'] | getschema");
    assert_eq!(names, ["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"]);
    assert_eq!(rows[0], [json!("a"), json!(0), json!("System.SByte"), json!("bool")]);
    assert_eq!(rows[1][2], json!("System.String"));
    assert_eq!(count(&s, "datatable(a:long)[1, 2, 3] | sample 2"), 2);
    assert_eq!(count(&s, "datatable(a:long)[1] | as T"), 1);
    // The rest of the query can read the table `as` named (§3.24).
    let q = "datatable(a:long)[1, 2] | as T | where a > 1 | join kind=inner (T | project a, b = a * 10) on a";
    assert_eq!(run(&s, q).1, [[json!(2), json!(2), json!(20)]]);
    let err = s.query("datatable(a:long)[1] | as T; T").unwrap_err().to_string();
    assert!(err.contains("unknown table `T`"), "`as` ends with its statement: {err}");
}

/// Window functions over serialized input (`D:window-functions.md`):
/// row_number, prev, next, row_cumsum; unserialized input is refused, as
/// Kusto refuses it.
#[test]
fn window_functions_over_serialized_rows() {
    let s = session(&[]);
    let (_, rows) = run(
        &s,
        "datatable(x:long)[5, 3, 1, 4, 2] | sort by x asc | extend rn = row_number() | project rn, x",
    );
    assert_eq!(rows, (1..=5).map(|i| vec![json!(i), json!(i)]).collect::<Vec<_>>());
    let (_, rows) = run(
        &s,
        "datatable(x:long)[5, 3, 8, 1, 9, 2] | sort by x asc | serialize cs = row_cumsum(x)",
    );
    let sums: Vec<Value> = rows.iter().map(|r| r[1].clone()).collect();
    assert_eq!(sums, [json!(1), json!(3), json!(6), json!(11), json!(19), json!(28)]);
    let (_, rows) = run(
        &s,
        "datatable(k:long, v:long)[1,10, 1,20, 2,30, 2,30, 3,5] | sort by k asc, v asc | serialize rn = row_number(100), p2 = prev(v, 2), n2 = next(v, 2), p = prev(v, 1, -1)",
    );
    assert_eq!(rows[0], [json!(1), json!(10), json!(100), Value::Null, json!(30), json!(-1)]);
    assert_eq!(rows[4], [json!(3), json!(5), json!(104), json!(30), Value::Null, json!(30)]);
    assert_eq!(
        run(&s, "datatable(x:long)[3, 1, 2] | serialize | extend rn = row_number()").1[2],
        [json!(2), json!(3)]
    );
    assert!(s.query("datatable(s:string)['a', 'b'] | extend idx = row_number()").is_err());
    // Every row past the first restarts here: each sum is its own value.
    let restarted =
        run(&s, "datatable(x:long)[1, 2, 3] | sort by x asc | extend c = row_cumsum(x, x > 1)").1;
    assert_eq!(restarted, [[json!(1), json!(1)], [json!(2), json!(2)], [json!(3), json!(3)]]);
}

#[test]
fn in_a_subquery_of_sets_tests_membership_in_their_elements() {
    let s = session(&[]);
    let users = "let seen = datatable(u:string, n:long)['a', 1, 'b', 2, 'b', 3] \
                 | summarize users = make_set(u), ns = make_set(n);";
    let q = |tail: &str| {
        run(&s, &format!("{users} datatable(x:string, k:long)['a', 3, 'c', 9] {tail}"))
    };
    assert_eq!(q("| where x in ((seen | project users))").1, [[json!("a"), json!(3)]]);
    assert_eq!(q("| where x !in ((seen | project users))").1, [[json!("c"), json!(9)]]);
    assert_eq!(q("| where x in~ ((seen | project users)) | count").1, [[json!(1)]]);
    assert_eq!(q("| where k in ((seen | project ns))").1, [[json!("a"), json!(3)]]);
}

#[test]
fn a_dynamic_compared_with_a_string_is_compared_by_its_text() {
    let s = session(&[]);
    let q = |cond: &str| {
        count(
            &s,
            &format!(
                "datatable(d:dynamic, t:string)[dynamic({{\"os\":\"Windows\",\"n\":5}}), 'Windows'] \
                 | where {cond}"
            ),
        )
    };
    assert_eq!(q("d.os == 'Windows'"), 1);
    assert_eq!(q("d.os != 'Windows'"), 0);
    assert_eq!(q("d.os == t"), 1);
    assert_eq!(q("t == d.os"), 1);
    assert_eq!(q("d.os == 'windows'"), 0);
    // A missing property is a dynamic null, whose text is empty.
    assert_eq!(q("d.missing == ''"), 1);
    assert_eq!(q("d.missing != 'x'"), 1);
}

#[test]
fn a_dynamic_on_the_right_of_contains_is_its_text_but_has_refuses_it() {
    let s = session(&[]);
    let q = "print t = 'Mozilla/5.0 Chrome', d = dynamic({'b': 'Chrome'})";
    assert_eq!(count(&s, &format!("{q} | where t contains d.b")), 1);
    assert_eq!(count(&s, &format!("{q} | where t startswith d.b")), 0);
    assert_eq!(count(&s, &format!("{q} | where t !contains d.b")), 0);
    let err = s.query(&format!("{q} | where t has d.b")).unwrap_err().to_string();
    assert_eq!(err, "`has` needs a string on its right, but this is a dynamic");
}

#[test]
fn has_any_takes_a_let_bound_pack_array_of_constants() {
    let s = session(&[]);
    let q = "let exes = pack_array('dnscat2.exe', 'WFS.exe'); \
             datatable(c:string)['run dnscat2.exe now', 'WFS.exe', 'dnscat.exe'] \
             | where c has_any (exes)";
    assert_eq!(run(&s, q).1, [[json!("run dnscat2.exe now")], [json!("WFS.exe")]]);
    // Not constant: refused by name.
    let err = s
        .query("datatable(c:string, d:string)['a', 'b'] | where c has_any (pack_array(d))")
        .unwrap_err()
        .to_string();
    assert!(err.contains("a non-constant `has_any` term"), "{err}");
}

#[test]
fn the_deprecated_replace_is_replace_regex_with_its_arguments_reordered() {
    let s = session(&[]);
    let q = r#"print a = replace(@'(\d+)\.(\d+)', @'\2.\1', 'v1.2 and 33.44')"#;
    assert_eq!(run(&s, q).1, [[json!("v2.1 and 44.33")]]);
}

#[test]
fn an_extend_item_cannot_read_a_column_the_same_extend_makes() {
    let s = session(&[]);
    let err = s.query("print x = 1 | extend a = x + 1, b = a * 2").unwrap_err();
    let calypso_engine::QueryError::Bind(calypso_binder::BindError::UnknownColumn {
        name,
        help,
        ..
    }) = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(name, "a");
    assert!(help.unwrap().contains("compute it in an earlier `extend`"));
    // In two extends it is fine.
    assert_eq!(
        run(&s, "print x = 1 | extend a = x + 1 | extend b = a * 2").1,
        [[json!(1), json!(2), json!(4)]]
    );
}

#[test]
fn trigonometry_and_bitwise_functions() {
    let s = session(&[]);
    let q = "print sin(0.0), cos(0), tan(0), asin(1), acos(1), atan(0), atan2(0, 1), cot(1.0), \
             degrees(0), radians(180), asin(2), binary_and(12, 10), binary_or(3, 8), \
             binary_xor(1, 1), binary_not(0), bitset_count_ones(42)";
    let row = &run(&s, q).1[0];
    assert_eq!(
        row,
        &[
            json!(0.0),
            json!(1.0),
            json!(0.0),
            json!(std::f64::consts::FRAC_PI_2),
            json!(0.0),
            json!(0.0),
            json!(0.0),
            json!(1.0 / 1f64.tan()),
            json!(0.0),
            json!(std::f64::consts::PI),
            // Outside asin's domain: null.
            Value::Null,
            json!(8),
            json!(11),
            json!(0),
            json!(-1),
            json!(3),
        ]
    );
}

#[test]
fn ipv4_parsing_and_comparison() {
    let s = session(&[]);
    let q = "print parse_ipv4('127.0.0.1'), parse_ipv4(' 192.168.1.20/24 '), parse_ipv4('01.02.03.04'), \
             ipv4_compare('192.168.1.1', '192.168.1.255'), ipv4_compare('192.168.1.1/24', '192.168.1.255/24'), \
             ipv4_compare('192.168.1.1', '192.168.1.255', 24), ipv4_compare('10.0.0.2', '10.0.0.1'), \
             ipv4_is_match('10.0.0.1', '10.0.0.1'), ipv4_is_match('10.0.0.1', '10.0.0.2'), \
             ipv4_netmask_suffix('10.0.0.0/8'), ipv4_netmask_suffix('10.0.0.1'), ipv4_compare('x', '1.1.1.1')";
    assert_eq!(
        run(&s, q).1[0],
        [
            json!(2130706433),
            json!(3232235776i64),
            Value::Null,
            json!(-1),
            json!(0),
            json!(0),
            json!(1),
            json!(true),
            json!(false),
            json!(8),
            json!(32),
            Value::Null,
        ]
    );
}

#[test]
fn row_cumsum_restarts_where_its_predicate_is_true() {
    let s = session(&[]);
    let q = "datatable(k:long, v:long)[1,10, 1,20, 2,30, 2,30, 3,5] | sort by k asc, v asc \
             | serialize rn = row_number(), p = prev(v), cs = row_cumsum(v, k != prev(k)), \
             all = row_cumsum(v, false)";
    let rows = run(&s, q).1;
    let cs: Vec<&Value> = rows.iter().map(|r| &r[4]).collect();
    let all: Vec<&Value> = rows.iter().map(|r| &r[5]).collect();
    assert_eq!(cs, [&json!(10), &json!(30), &json!(30), &json!(60), &json!(5)]);
    assert_eq!(all, [&json!(10), &json!(30), &json!(60), &json!(90), &json!(95)]);
    let err = s.query("print x = 1 | serialize c = row_cumsum(x, 1)").unwrap_err().to_string();
    assert_eq!(err, "the restart predicate of `row_cumsum` must be a bool");
}

#[test]
fn row_number_restarts_where_its_predicate_is_true() {
    // Oracle r3-window-series-scan-0034: numbered within each `k`, from 1;
    // here from 0, and beside a restarting sum with its own predicate.
    let s = session(&[]);
    let q = "datatable(k:long, v:long)[1,10, 1,20, 2,30, 2,40, 2,50] | sort by k asc, v asc \
             | serialize within = row_number(0, k != prev(k)), all = row_number(), \
             cs = row_cumsum(v, v > 25)";
    let rows = run(&s, q).1;
    let within: Vec<&Value> = rows.iter().map(|r| &r[2]).collect();
    let all: Vec<&Value> = rows.iter().map(|r| &r[3]).collect();
    let cs: Vec<&Value> = rows.iter().map(|r| &r[4]).collect();
    assert_eq!(within, [&json!(0), &json!(1), &json!(0), &json!(1), &json!(2)]);
    assert_eq!(all, [&json!(1), &json!(2), &json!(3), &json!(4), &json!(5)]);
    assert_eq!(cs, [&json!(10), &json!(30), &json!(30), &json!(40), &json!(50)]);
    let err = s.query("print x = 1 | serialize c = row_number(1, 1)").unwrap_err().to_string();
    assert_eq!(err, "the restart predicate of `row_number` must be a bool");
}

/// make-series (kql-semantics.md §3.21), each case checked against Kusto's
/// own answer (oracle r1-window-series-scan-0019, -0022, r2-...-0018,
/// -0039, r1-...-0042).
#[test]
fn make_series_lays_out_bins_as_kusto_does() {
    let s = session(&[]);
    // `to` is exclusive; the axis array is named after the axis.
    let (names, rows) = run(
        &s,
        "datatable(x:long)[1, 2, 3, 4, 5] | make-series total = sum(x) default = 0 on x from 1 to 5 step 1",
    );
    assert_eq!(names, ["total", "x"]);
    assert_eq!(rows, [[json!([1, 2, 3, 4]), json!([1, 2, 3, 4])]]);
    // Without bounds: from the minimum to the maximum, included; an avg's
    // default 0 is a real; datetimes in the axis array are strings.
    let q = "datatable(t:datetime, v:long)[datetime(2020-01-01),10, datetime(2020-01-02),20, \
             datetime(2020-01-04),40] | make-series avg(v) default = 0 on t step 1d";
    let (names, rows) = run(&s, q);
    assert_eq!(names, ["avg_v", "t"]);
    assert_eq!(rows[0][0], json!([10.0, 20.0, 0.0, 40.0]));
    assert_eq!(rows[0][1][3], json!("2020-01-04T00:00:00.0000000Z"));
    // A default belongs to the aggregation it follows; the others get 0.
    let q = "datatable(t:datetime, v:long)[datetime(2021-01-01),10, datetime(2021-01-04),40] \
             | make-series mn = min(v), mx = max(v), av = avg(v) default = long(null) \
             on t from datetime(2021-01-01) to datetime(2021-01-05) step 1d";
    let rows = run(&s, q).1;
    assert_eq!(rows[0][0], json!([10, 0, 0, 40]));
    assert_eq!(rows[0][2], json!([10.0, null, null, 40.0]));
    // One row a group, every group over the same bins.
    let q = "datatable(t:long, v:long, g:string)[1,10,'a', 3,30,'a', 1,5,'b', 5,50,'b'] \
             | make-series s = sum(v) default = -1 on t from 1 to 6 step 2 by g | order by g asc";
    let (names, rows) = run(&s, q);
    assert_eq!(names, ["g", "s", "t"]);
    assert_eq!(
        rows,
        [
            [json!("a"), json!([10, 30, -1]), json!([1, 3, 5])],
            [json!("b"), json!([5, -1, 50]), json!([1, 3, 5])]
        ]
    );
    // No bins (from == to), or no rows: no series at all.
    assert_eq!(
        count(
            &s,
            "datatable(t:long, v:long)[1, 5] | make-series s = sum(v) on t from 1 to 1 step 1"
        ),
        0
    );
    assert_eq!(
        count(
            &s,
            "datatable(t:long, v:long)[1, 5] | where v > 9 | make-series s = sum(v) on t step 1"
        ),
        0
    );
}

#[test]
fn make_series_refuses_what_it_cannot_lay_out() {
    let s = session(&[]);
    let t = "datatable(t:long, v:long)[1, 5, 2, 6]";
    for (tail, message) in [
        ("make-series sum(v) on tolong(t) step 1", "`make-series` needs a column after `on`"),
        ("make-series sum(v) on t step 0", "the step of `make-series` must be positive"),
        (
            "make-series sum(v) on t from 0 to 10000000 step 1",
            "`make-series` would make 10000000 bins; at most 1048576 are allowed",
        ),
        (
            "make-series sum(v) default = strlen('ab') on t step 1",
            "the default of a series must be a constant",
        ),
        (
            "make-series sum(v) + 1 on t step 1",
            "each item of `make-series` is one aggregation, such as `count()` or `sum(x)`",
        ),
        (
            "make-series kind=nonempty sum(v) on t step 1",
            "`make-series kind=nonempty` is not supported yet",
        ),
    ] {
        let err = s.query(&format!("{t} | {tail}")).unwrap_err().to_string();
        assert_eq!(err, message, "{tail}");
    }
}

#[test]
fn dynamic_to_json_sorts_every_bags_keys() {
    let s = session(&[]);
    let q = r#"print a = dynamic_to_json(dynamic({"b": {"z": 1, "y": [2, {"d": 1, "c": null}]}, "a": "x"})),
             b = dynamic_to_json(dynamic([3, "t"])), c = dynamic_to_json(dynamic("plain")),
             d = dynamic_to_json(dynamic(null))"#;
    assert_eq!(
        run(&s, q).1,
        [[
            json!(r#"{"a":"x","b":{"y":[2,{"c":null,"d":1}],"z":1}}"#),
            json!(r#"[3,"t"]"#),
            json!("plain"),
            json!("")
        ]]
    );
}

#[test]
fn row_ranks_over_serialized_rows_and_string_defaults_of_prev() {
    let s = session(&[]);
    let q = "datatable(x:long)[5, 5, 5, 3, 3, 8] | sort by x desc \
             | serialize rm = row_rank_min(x), rd = row_rank_dense(x)";
    let ranks: Vec<(Value, Value)> =
        run(&s, q).1.into_iter().map(|r| (r[1].clone(), r[2].clone())).collect();
    let expected = [(1, 1), (2, 2), (2, 2), (2, 2), (5, 3), (5, 3)];
    assert_eq!(ranks, expected.map(|(m, d)| (json!(m), json!(d))));
    // Before the first row a string's `prev` is "", as a string has no null.
    let q = "datatable(s:string)['b', 'a'] | sort by s asc | serialize p = prev(s), n = next(s)";
    assert_eq!(
        run(&s, q).1,
        [[json!("a"), json!(""), json!("b")], [json!("b"), json!("a"), json!("")]]
    );
}

/// Rows sorted by their JSON text, for results whose order is unspecified.
fn sorted(mut rows: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    rows.sort_by_key(|r| serde_json::to_string(r).unwrap());
    rows
}

#[test]
fn mv_apply_runs_its_subquery_on_each_rows_elements() {
    // kql-semantics.md §3.18, C:query-mv-apply-operator-2: `top` within each row.
    let s = session(&[]);
    let data =
        "datatable(index:int, Arr:dynamic)[0, dynamic([1, 5, 3]), 1, dynamic([10, 2, 5, 7])]";
    let (names, rows) =
        run(&s, &format!("{data} | mv-apply e = Arr to typeof(long) on (top 1 by e)"));
    assert_eq!(names, ["index", "Arr", "e"]);
    assert_eq!(
        sorted(rows),
        [[json!(0), json!([1, 5, 3]), json!(5)], [json!(1), json!([10, 2, 5, 7]), json!(10)]]
    );
    // `take` and `summarize` count and aggregate per row; the source row's
    // columns the subquery drops come first (C:query-mv-apply-operator-5).
    let rows = run(
        &s,
        &format!(
            "{data} | mv-apply e = Arr to typeof(long) on (take 2) | summarize count() by index"
        ),
    );
    assert_eq!(sorted(rows.1), [[json!(0), json!(2)], [json!(1), json!(2)]]);
    let (names, rows) = run(
        &s,
        &format!(
            "{data} | mv-apply e = Arr to typeof(long) on (summarize total = sum(e), n = count())"
        ),
    );
    assert_eq!(names, ["index", "Arr", "total", "n"]);
    assert_eq!(
        sorted(rows),
        [
            [json!(0), json!([1, 5, 3]), json!(9), json!(3)],
            [json!(1), json!([10, 2, 5, 7]), json!(24), json!(4)]
        ]
    );
    // Two arrays zip; the other columns are visible inside; a row whose
    // subquery returns nothing is gone; expanded in place, `a` and `b` are
    // the subquery's to keep or drop.
    let q = "datatable(v:long, a:dynamic, b:dynamic)[1, dynamic(['x', 'y']), dynamic(['p']), \
             2, dynamic(['z']), dynamic([])] \
             | mv-apply a, b on (where v == 1 | extend o = strcat(a, '_', b) | summarize o = make_list(o))";
    let (names, rows) = run(&s, q);
    assert_eq!(names, ["v", "o"]);
    assert_eq!(rows, [[json!(1), json!(["x_p", "y_"])]]);
    // with_itemindex, and an in-place expansion that the output keeps.
    let q = "datatable(r:int, Arr:dynamic)[0, dynamic([5, 1, 3])] \
             | mv-apply with_itemindex = i Arr to typeof(long) on (where i >= 1)";
    let (names, rows) = run(&s, q);
    assert_eq!(names, ["r", "Arr", "i"]);
    assert_eq!(sorted(rows), [[json!(0), json!(1), json!(1)], [json!(0), json!(3), json!(2)]]);
    // `top` by an expression orders within each row too.
    let q = format!("{data} | mv-apply e = Arr to typeof(long) on (top 1 by -e)");
    assert_eq!(
        sorted(run(&s, &q).1).iter().map(|r| r[2].clone()).collect::<Vec<_>>(),
        [json!(1), json!(2)]
    );
    // Nested: the inner subquery sees the outer element.
    let q = r#"print d = dynamic([{"g": "x", "v": [1, 2]}, {"g": "y", "v": [3, 4, 5]}])
             | mv-apply grp = d on (extend g = tostring(grp.g)
                 | mv-apply x = grp.v to typeof(long) on (summarize s = sum(x)))
             | project g, s"#;
    assert_eq!(sorted(run(&s, q).1), [[json!("x"), json!(3)], [json!("y"), json!(12)]]);
}

#[test]
fn mv_apply_refuses_subqueries_it_cannot_keep_apart() {
    let s = session(&[]);
    let t = "datatable(a:dynamic)[dynamic([1, 2])]";
    for (sub, message) in [
        (
            "serialize n = row_number()",
            "a window function (`row_number`, `prev`, …) inside `mv-apply` is not supported yet",
        ),
        ("join (datatable(a:long)[1]) on a", "`join` inside `mv-apply` is not supported yet"),
        ("union (datatable(a:long)[1])", "`union` inside `mv-apply` is not supported yet"),
        (
            "sort by a * -1 | extend b = 1 | take 1",
            "`take` after `sort` by an expression and a projection inside `mv-apply` is not supported yet",
        ),
    ] {
        let err = s.query(&format!("{t} | mv-apply a to typeof(long) on ({sub})")).unwrap_err();
        assert_eq!(err.to_string(), message, "{sub}");
    }
}

#[test]
fn percentiles_are_nearest_ranks_of_the_inputs_type() {
    // kql-semantics.md §7: the smallest value with at least p% of the
    // values at or below it; nulls skipped; 0 and 100 the extremes.
    let s = session(&[]);
    let q = "datatable(g:long, v:long)[1,1, 1,2, 1,3, 2,10, 2,20, 2,long(null), 3,long(null)] \
             | summarize p25 = percentile(v, 25), med = percentile(v, 50), percentiles(v, 0, 99.5, 100) by g \
             | order by g asc";
    let (names, rows) = run(&s, q);
    assert_eq!(
        names,
        ["g", "p25", "med", "percentile_v_0", "percentile_v_99_5", "percentile_v_100"]
    );
    assert_eq!(
        rows,
        [
            [json!(1), json!(1), json!(2), json!(1), json!(3), json!(3)],
            [json!(2), json!(10), json!(10), json!(10), json!(20), json!(20)],
            [json!(3), Value::Null, Value::Null, Value::Null, Value::Null, Value::Null]
        ]
    );
    // Reals, datetimes and timespans keep their type.
    let q = "datatable(r:real, t:datetime, d:timespan)[1.5, datetime(2020-01-01), 1h, \
             0.5, datetime(2021-01-01), 2h, 2.5, datetime(2019-01-01), 3h] \
             | summarize percentile(r, 50), percentile(t, 50), percentile(d, 90)";
    let (names, rows) = run(&s, q);
    assert_eq!(names, ["percentile_r_50", "percentile_t_50", "percentile_d_90"]);
    assert_eq!(rows, [[json!(1.5), json!("2020-01-01T00:00:00.0000000Z"), json!("03:00:00")]]);
    // Inside a larger expression, and refused where a percentage is not a
    // constant from 0 to 100.
    assert_eq!(
        run(&s, "datatable(v:long)[4, 8] | summarize x = percentile(v, 50) * 2").1,
        [[json!(8)]]
    );
    let err = s.query("datatable(v:long)[1] | summarize percentile(v, 101)").unwrap_err();
    assert_eq!(err.to_string(), "the percentage of `percentile` must be a constant from 0 to 100");
    let err = s.query("datatable(v:string)['a'] | summarize percentile(v, 50)").unwrap_err();
    assert_eq!(err.to_string(), "`percentile` is not defined for string");
}

#[test]
fn top_nested_ranks_each_level_within_the_one_above() {
    let s = session(&[]);
    // Oracle r2-window-series-scan-0040's shape: each level's column and
    // its `aggregated_` total.
    let q = r#"datatable(cat:string, sub:string, v:long)["a","x",10, "a","x",20, "a","y",5, "b","x",30, "c","z",1]
             | top-nested 2 of cat by sum(v), top-nested 1 of sub by sum(v)"#;
    let (names, rows) = run(&s, q);
    assert_eq!(names, ["cat", "aggregated_cat", "sub", "aggregated_sub"]);
    assert_eq!(
        sorted(rows),
        [
            [json!("a"), json!(35), json!("x"), json!(30)],
            [json!("b"), json!(30), json!("x"), json!(30)]
        ]
    );
    // Named aggregations, `asc`, and a level without a count keeps all.
    let q = r#"datatable(cat:string, v:long)["a",10, "b",20, "b",20, "c",5]
             | top-nested 2 of cat by Tot = sum(v) asc, top-nested of v by Cnt = count()"#;
    let (names, rows) = run(&s, q);
    assert_eq!(names, ["cat", "Tot", "v", "Cnt"]);
    assert_eq!(
        sorted(rows),
        [[json!("a"), json!(10), json!(10), json!(1)], [json!("c"), json!(5), json!(5), json!(1)]]
    );
    let err = s
        .query("datatable(c:string)['a'] | top-nested 1 of c with others = 'rest' by count()")
        .unwrap_err();
    assert_eq!(err.to_string(), "`top-nested ... with others` is not supported yet");
}

#[test]
fn series_functions_work_element_by_element() {
    let s = session(&[]);
    let q = "print a = dynamic([10, 20, 30]), b = dynamic([1, 2]) \
             | project add = series_add(a, b), sub = series_subtract(a, 5), mul = series_multiply(a, b), \
               div = series_divide(a, dynamic([4, 0, 3])), gt = series_greater(a, 15), \
               le = series_less_equals(b, a), mixed = series_add(a, 0.5)";
    let (_, rows) = run(&s, q);
    assert_eq!(
        rows[0],
        [
            // Longs stay longs; the shorter array's missing elements are null.
            json!([11, 22, null]),
            json!([5, 15, 25]),
            json!([10, 40, null]),
            // Division is real, and 20 / 0 is infinity.
            json!([2.5, "Infinity", 10.0]),
            json!([false, true, true]),
            json!([true, true, null]),
            json!([10.5, 20.5, 30.5])
        ]
    );
    // Fills replace what is missing (null, or the placeholder given).
    let q = "print s = dynamic([null, 1, null, 3, null]), z = dynamic([5, 0, 0, 7]) \
             | project f = series_fill_forward(s), b = series_fill_backward(s), \
               c = series_fill_const(s, 9), fz = series_fill_forward(z, 0)";
    assert_eq!(
        run(&s, q).1[0],
        [
            json!([null, 1, 1, 3, 3]),
            json!([1, 1, 3, 3, null]),
            json!([9, 1, 9, 3, 9]),
            json!([5, 5, 5, 7])
        ]
    );
    // An IIR filter with b = [1], a = [1, -1] is a running sum.
    let q = "print s = dynamic([10, 30, 0, 5]) | project y = series_iir(s, dynamic([1]), dynamic([1, -1]))";
    assert_eq!(run(&s, q).1[0][0], json!([10.0, 40.0, 40.0, 45.0]));
    // array_iff picks per element; a scalar stands for every element.
    let q = "print c = dynamic([true, false, 1, 0, 'x']), t = dynamic([1, 2, 3, 4, 5]) \
             | project r = array_iff(c, t, -1)";
    assert_eq!(run(&s, q).1[0][0], json!([1, -1, 3, -1, null]));
}

#[test]
fn series_statistics_and_line_fits() {
    let s = session(&[]);
    // The documentation's example: sample variance and deviation.
    let q = "print x = dynamic([23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29]) \
             | project st = series_stats_dynamic(x), mn = series_stats(x)";
    let (_, rows) = run(&s, q);
    let st = &rows[0][0];
    assert_eq!(
        (&st["min"], &st["min_idx"], &st["max"], &st["max_idx"], &st["sum"], &st["len"]),
        (&json!(2.0), &json!(8), &json!(87.0), &json!(3), &json!(492.0), &json!(15))
    );
    assert!((st["avg"].as_f64().unwrap() - 32.8).abs() < 1e-12);
    assert_eq!(
        (&st["variance"], &st["stdev"]),
        (&json!(812.457_142_857_142_9), &json!(28.503_633_853_548_27))
    );
    assert_eq!(rows[0][1], json!(2.0));
    // A null makes the statistics null unless non-finite values are ignored.
    let q = "print x = dynamic([1, null, 3]) \
             | project a = series_stats_dynamic(x), b = series_stats_dynamic(x, true).max";
    assert_eq!(run(&s, q).1[0], [Value::Null, json!(3.0)]);
    // The documentation's line: x runs 1, 2, …; variances are sample ones.
    let q = "print y = dynamic([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]) \
             | project f = series_fit_line_dynamic(y), r = series_fit_line(y)";
    let (_, rows) = run(&s, q);
    let f = &rows[0][0];
    for (key, expected) in [
        ("rsquare", 0.982_900_730_884_447),
        ("slope", 2.730_769_230_769_231),
        ("variance", 98.628_787_878_787_86),
        ("rvariance", 1.686_480_186_480_187),
        ("interception", -1.666_666_666_666_671),
    ] {
        assert!((f[key].as_f64().unwrap() - expected).abs() < 1e-9, "{key}: {}", f[key]);
    }
    assert!((f["line_fit"][0].as_f64().unwrap() - 1.064_102_564_102_56).abs() < 1e-9);
    assert_eq!(rows[0][1], f["rsquare"]);
    let err = s.query("print y = dynamic([1, 2]) | extend series_fit_line(y)").unwrap_err();
    assert!(err.to_string().starts_with("`series_fit_line()` without a name"), "{err}");
}

#[test]
fn top_hitters_and_sample_distinct_pick_leading_values() {
    let s = session(&[]);
    let t = r#"datatable(g:string, v:long)["x",100, "y",1, "y",1, "z",1, "z",1, "z",1]"#;
    let (names, rows) = run(&s, &format!("{t} | top-hitters 2 of g"));
    assert_eq!(names, ["g", "approximate_count_g"]);
    assert_eq!(rows, [[json!("z"), json!(3)], [json!("y"), json!(2)]]);
    let (names, rows) = run(&s, &format!("{t} | top-hitters 2 of g by v"));
    assert_eq!(names, ["g", "approximate_sum_v"]);
    assert_eq!(rows, [[json!("x"), json!(100)], [json!("z"), json!(3)]]);
    // N distinct values: the smallest, so that a run repeats.
    let (names, rows) = run(&s, &format!("{t} | sample-distinct 2 of g"));
    assert_eq!(names, ["g"]);
    assert_eq!(rows, [[json!("x")], [json!("y")]]);
    assert_eq!(count(&s, &format!("{t} | sample-distinct 10 of g")), 3);
}

#[test]
fn toscalar_of_a_scalar_is_the_scalar() {
    let s = session(&[]);
    assert_eq!(
        run(&s, "print x = toscalar(1) + 1, y = toscalar(strcat('a', 'b'))").1,
        [[json!(2), json!("ab")]]
    );
    // Evaluated once, it cannot read the row's columns.
    let err = s.query("datatable(a:long)[1] | extend y = toscalar(a)").unwrap_err();
    assert_eq!(err.to_string(), "unknown column `a`");
}

#[test]
fn conversions_at_the_edges_of_their_types() {
    // Measured in Kusto (oracle r1-type-casts-coercion-0040, r2-…-0017,
    // -0034, -0038, -0043, -0000).
    let s = session(&[]);
    let q = r#"print a = tolong("-9223372036854775808"), b = tolong("9223372036854775808"),
             c = tolong(todouble(9223372036854775807)), d = totimespan(tolong(1d)),
             e = toint(dynamic(1.7976931348623157e308)), f = toint(dynamic(9223372036854775807)),
             g = tolong(dynamic(1.7976931348623157e308)), h = -toint(-2147483648), i = sign(-7)"#;
    assert_eq!(
        run(&s, q).1[0],
        [
            json!(i64::MIN),
            Value::Null,
            // Saturating, as Kusto converts a column (r2-…-0034).
            json!(i64::MAX),
            json!("1.00:00:00"),
            json!(i32::MAX),
            json!(-1),
            json!(i64::MAX),
            json!(2_147_483_648_i64),
            json!(-1.0)
        ]
    );
}

#[test]
fn frequent_corpus_string_functions() {
    // The documentation's examples (translate, isascii, base64), and the
    // deprecated spellings detections still use.
    let s = session(&[]);
    let q = r#"print a = translate("krasp", "otsku", "spark"), b = translate("abc", "x", "abc"),
             c = translate("abc", "", "ab"), d = isascii("some string"), e = isascii("héllo"),
             f = make_string(75, 117, dynamic([115, 116, 111])), g = make_string(-1),
             h = base64_decode_toarray("S3VzdG8="), i = base64_decode_toarray("U3RyaW5n0KHR0tGA0L7Rh9C60LA"),
             j = arraylength(dynamic([1, 2])), k = base64_decodestring("S3VzdG8="),
             l = notempty(""), m = notnull(1)"#;
    assert_eq!(
        run(&s, q).1[0],
        [
            json!("kusto"),
            json!("xxx"),
            json!(""),
            json!(true),
            json!(false),
            json!("Kusto"),
            json!(""),
            json!([75, 117, 115, 116, 111]),
            json!([]),
            json!(2),
            json!("Kusto"),
            json!(false),
            json!(true)
        ]
    );
}

#[test]
fn extract_json_and_tohex() {
    let s = session(&[]);
    let q = r#"let json = '{"name": "John", "age": 30, "hosts": [{"mb": 5}, {"mb": 7}], "o": {"k": 1}}';
             print a = extract_json('$.name', json, typeof(string)), b = extract_json('$.age', json, typeof(long)),
             c = extractjson("$['hosts'][1]['mb']", json), d = extract_json('$.o', json),
             e = extract_json('$.missing', json), f = extract_json('$.missing', json, typeof(long)),
             g = tohex(256), h = tohex(-256), i = tohex(256, 8)"#;
    assert_eq!(
        run(&s, q).1[0],
        [
            json!("John"),
            json!(30),
            json!("7"),
            json!(r#"{"k":1}"#),
            json!(""),
            Value::Null,
            json!("100"),
            json!("ffffffffffffff00"),
            json!("00000100")
        ]
    );
    // A JSONPath beyond `.a`, `['a']` and `[0]` is refused, not guessed.
    let err = s.query("print extract_json('$..name', '{}')").unwrap_err().to_string();
    assert!(err.contains("the JSONPath `$..name` is not supported"), "{err}");
    let err = s.query("print extract_json('$.a', '{}', 5)").unwrap_err().to_string();
    assert_eq!(err, "the third argument of `extract_json` is a type, such as `typeof(long)`");
}

#[test]
fn parse_path_splits_paths_as_the_documentation_shows() {
    let s = session(&[]);
    let q = r#"datatable(p:string) [@"C:\temp\file.txt", "file://C:/temp/file.txt:some.exe",
             @"\\shared\users\temp\file.txt.gz", "/usr/lib/temp/file.txt", "file.txt"]
             | project parse_path(p)"#;
    let parts = |v: &Value| -> Vec<String> {
        v.as_object().unwrap().values().map(|x| x.as_str().unwrap().to_owned()).collect()
    };
    let rows: Vec<Vec<String>> = run(&s, q).1.iter().map(|r| parts(&r[0])).collect();
    let expected = [
        ["", "C:", r"C:\temp", "temp", "file.txt", "txt", ""],
        ["file", "C:", "C:/temp", "temp", "file.txt", "txt", "some.exe"],
        ["", "", r"\\shared\users\temp", "temp", "file.txt.gz", "gz", ""],
        ["", "", "/usr/lib/temp", "temp", "file.txt", "txt", ""],
        ["", "", "", "", "file.txt", "txt", ""],
    ];
    assert_eq!(rows, expected.map(|r| r.map(str::to_owned).to_vec()));
    let keys: Vec<String> = run(&s, "print p = parse_path('a/b.c')").1[0][0]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        keys,
        [
            "Scheme",
            "RootPath",
            "DirectoryPath",
            "DirectoryName",
            "Filename",
            "Extension",
            "AlternateDataStreamName"
        ]
    );
}

#[test]
fn a_function_whose_body_ends_with_its_own_tabular_let_is_a_table() {
    // Sentinel's hunting queries write `let F = () { let events = T | ...; events };`
    // and then use `F` without parentheses.
    let s = session(&[]);
    let q =
        "let F = () { let events = datatable(a:long)[1, 2, 3] | where a > 1; events }; F | count";
    assert_eq!(run(&s, q).1, [[json!(2)]]);
}
