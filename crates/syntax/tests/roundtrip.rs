//! The printer's round trip: for every query that parses, printing its tree
//! and parsing the text again gives the same tree, spans aside. Over the
//! whole corpus, and over constructs chosen to trip a printer up.

use std::path::PathBuf;

use calypso_syntax::{parse, print};
use serde_json::Value;

/// The reason `text`'s tree does not survive printing, if it does not.
fn round_trip(text: &str) -> Result<String, String> {
    let tree = parse(text).map_err(|e| format!("does not parse: {e}"))?;
    let printed = print::script(&tree);
    let again =
        parse(&printed).map_err(|e| format!("printed text does not parse: {e}\n{printed}"))?;
    if print::shape(&again) != print::shape(&tree) {
        return Err(format!("the tree changed\n{printed}"));
    }
    Ok(printed)
}

#[test]
fn every_corpus_query_survives_printing() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let (mut checked, mut broken) = (0, Vec::new());
    for file in ["azure-sentinel-hunting.jsonl", "reprise99.jsonl"] {
        let text = std::fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let record: Value = serde_json::from_str(line).expect("corpus records are JSON");
            let query = record["query"].as_str().expect("every record has a query");
            if parse(query).is_err() {
                continue; // docs/corpus.md lists these
            }
            checked += 1;
            if let Err(why) = round_trip(query) {
                broken.push(format!("{file} {}: {why}", record["id"]));
            }
        }
    }
    assert!(checked > 1800, "only {checked} corpus queries parsed");
    assert!(broken.is_empty(), "{} of {checked} changed:\n{}", broken.len(), broken.join("\n\n"));
}

#[test]
fn precedence_is_kept_with_the_fewest_parentheses() {
    for (text, printed) in [
        ("print (a or b) and c", "print (a or b) and c"),
        ("print a or (b and c)", "print a or b and c"),
        ("print a - (b - c)", "print a - (b - c)"),
        ("print (a - b) - c", "print a - b - c"),
        ("print -(a + b) * c", "print -(a + b) * c"),
        ("print (a + b) between (1 .. 2 + 3)", "print a + b between (1 .. 2 + 3)"),
        ("print (x == 1) == true", "print x == 1 == true"),
        ("print x == (1 == true)", "print x == (1 == true)"),
    ] {
        assert_eq!(round_trip(text).unwrap(), printed, "{text}");
    }
}

#[test]
fn names_are_quoted_only_when_they_must_be() {
    for (text, printed) in [
        (
            "T | project ['a b'] = 1, c = x.['d e'], f = x.g",
            "T\n| project [\"a b\"] = 1, c = x[\"d e\"], f = x.g",
        ),
        ("T | extend ['by'] = 1, ['true'] = 2", "T\n| extend [\"by\"] = 1, [\"true\"] = 2"),
        ("T | project-away ['a-b'], c*", "T\n| project-away [\"a-b\"], c*"),
        ("let ['my t'] = T; ['my t']", "let [\"my t\"] = T;\n[\"my t\"]"),
    ] {
        assert_eq!(round_trip(text).unwrap(), printed, "{text}");
    }
}

#[test]
fn literals_read_back_as_the_same_values() {
    for text in [
        r#"print "tab\there", 'quote"s', @"C:\path", "é\u0001""#,
        "print 1.0, 0.1, 1e300, 2.5e-7, 0x1F, 90d, 1.5h, 3ms, 7tick, 1micros",
        // Too large for a real: infinity (found by fuzzing).
        "print 1e400, dynamic([-1e400])",
        "print datetime(2024-01-01 10:00), timespan(1.02:03:04), long(null), real(+inf)",
        r#"print dynamic({"a": [1, -2, -1.5, null, true], "b": {"c": "d"}}), dynamic(['x'])"#,
        "datatable(a:long, b:string)[-1, 'x', -9223372036854775808, ['y']]",
        r#"T | where x["key"] == 1 and y[ "key"] == 2 and z[0] == 3"#,
    ] {
        round_trip(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn every_operator_survives_printing() {
    for text in [
        "T | where n = x > 1 | filter y",
        "T | summarize hint.strategy=shuffle c = count(), dcount(u) by bin(t, 1h), k",
        "T | join kind=leftouter hint.remote=auto (S | where a) on $left.A == $right.B, C",
        "T | lookup kind=inner S on K | sort by a desc nulls first, b asc | top 5 by c",
        "T | take 3 | limit 2 | sample 1 | sample-distinct 2 of c | count",
        "T | distinct * | distinct a, b = c | project-keep a* | project-rename x = y",
        "T | project-reorder b asc, a* granny-desc, c | serialize rn = row_number() | getschema",
        "T | mv-expand bagexpansion=array with_itemindex=i d to typeof(string), e limit 10",
        "T | mv-apply x = d to typeof(long) on (where x > 1 | summarize s = sum(x))",
        r#"T | parse kind=regex flags=i s with * "a=" a:long "," b | parse-where s with "x" *"#,
        "T | parse-kv s as (a:string, b:long) with (pair_delimiter=';', kv_delimiter=':')",
        "T | make-series c = count() default = 0 on t from ago(1d) to now() step 1h by k",
        "T | make-series avg(x) on t in range(datetime(2024-01-01), datetime(2024-01-02), 1h)",
        "T | top-nested 3 of a with others = 'rest' by s = sum(x) desc, top-nested of b by max(y)",
        "T | evaluate bag_unpack(d, columnsConflict='keep_source') | invoke f(1)",
        "T | render timechart with (title='x', ysplit=panels) | as hint.materialized=true N",
        "T | union kind=outer withsource=Src isfuzzy=true S*, (U | take 1) | search kind=case_sensitive \"x\"",
        "T | where * has 'x' | where a !in~ ('A', 'b') and b in (S | project c) and c !between (1 .. 2)",
        "T | where a has_any ('x', 'y') and b has_all (L) and c !contains_cs 'z' and d matches regex 'r'",
        "T | fork (where a) (where b) | where c",
        "union * | search in (T, S*) \"x\" | take 1",
        "find in (T) where x == 1",
        "print x = 1, 2 | extend y = toscalar(T | count)",
        "range x from 1 to 10 step 2 | where x > 2",
        "externaldata(a:string)['https://x/y.csv'] with (format='csv', ignoreFirstRecord=true)",
        "let f = (t:(*), a:string, n:long = 5) { t | where s == a | take n }; f(T, 'x')",
        "let g = view () { T }; let h = (t:(*, x:long)) { t }; g",
        "declare query_parameters(from:datetime = datetime(2024-01-01), n:long); set notruncation; T",
        "set query_now = datetime(2024-01-01); T | extend (a, b) = g(y)",
        "let x = 1; let y = materialize(T | where a > x); y | union (y | take 1)",
    ] {
        round_trip(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn a_pipeline_in_a_list_keeps_its_parentheses_unless_last() {
    // Found by the fuzz target: unparenthesised, `project-rename`'s list
    // would take the next argument as its own.
    for (text, printed) in [
        (
            "print f(n = (T | project-rename a = b), 1)",
            "print f(n = (T\n| project-rename a = b), 1)",
        ),
        ("print f(1, n = (T | project a, b))", "print f(1, n = T\n| project a, b)"),
        // Also found by fuzzing: `find` kept as written, running to the end
        // with a bracket open, takes no parentheses.
        ("T | extend find in (X > ago(1d)", "T\n| extend find in (X > ago(1d)"),
        (
            "T | where x in ((S | project a), (print 1, 2), 3)",
            "T\n| where x in ((S\n| project a), (print 1, 2), 3)",
        ),
    ] {
        assert_eq!(round_trip(text).unwrap(), printed, "{text}");
    }
}
