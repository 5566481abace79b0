//! The JSON-lines loader: typing, missing values, conversion reports.

use calypso_io::{LoadOptions, SchemaOrigin, builtin, load_table};
use calypso_syntax::KqlType;
use datafusion::arrow::array::Array;

fn load(name: &str, text: &str) -> calypso_io::Table {
    let dir = std::env::temp_dir().join(format!("calypso-io-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("export.jsonl");
    std::fs::write(&path, text).unwrap();
    let table = load_table(name, &[path], &builtin(), LoadOptions::default()).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
    table
}

fn ty(table: &calypso_io::Table, col: &str) -> KqlType {
    table.columns.iter().find(|c| c.name == col).unwrap().ty
}

#[test]
fn catalog_types_by_type_column_and_keeps_numeric_strings_as_strings() {
    let t = load(
        "Dump",
        "{\"Type\":\"SigninLogs\",\"ResultType\":\"50126\",\"TimeGenerated\":\"2026-12-03T10:00:00.1234567Z\",\"Extra\":1}\n",
    );
    assert_eq!(t.report.schema_origin, SchemaOrigin::TypeColumn("SigninLogs".into()));
    assert_eq!(t.columns.len(), 97);
    assert_eq!(ty(&t, "ResultType"), KqlType::String);
    assert_eq!(ty(&t, "TimeGenerated"), KqlType::Datetime);
    assert_eq!(ty(&t, "Extra"), KqlType::Long);
    assert!(t.report.conversions.is_empty());
}

#[test]
fn inference_without_a_catalog_table() {
    let t = load(
        "Custom",
        "{\"t\":\"2026-12-03T10:00:00Z\",\"n\":1,\"r\":1.5,\"s\":\"0\",\"d\":{\"a\":1},\"b\":true}\n{\"n\":2.5}\n",
    );
    assert_eq!(t.report.schema_origin, SchemaOrigin::Inferred);
    let types: Vec<_> = t.columns.iter().map(|c| (c.name.as_str(), c.ty)).collect();
    assert_eq!(
        types,
        [
            ("t", KqlType::Datetime),
            ("n", KqlType::Real),
            ("r", KqlType::Real),
            ("s", KqlType::String),
            ("d", KqlType::Dynamic),
            ("b", KqlType::Bool)
        ]
    );
    // A missing string reads as "", a missing number as null.
    let batch = &t.batches[0];
    let s =
        batch.column(3).as_any().downcast_ref::<datafusion::arrow::array::StringArray>().unwrap();
    assert_eq!((s.value(1), s.is_null(1)), ("", false));
    assert!(batch.column(2).is_null(1));
}

#[test]
fn unconvertible_values_are_counted_not_dropped() {
    let t = load(
        "SigninLogs",
        "{\"TimeGenerated\":\"not a time\",\"DurationMs\":\"x\"}\n{\"TimeGenerated\":\"also bad\",\"DurationMs\":5}\n",
    );
    assert_eq!(t.report.rows, 2);
    let issues: Vec<_> =
        t.report.conversions.iter().map(|i| (i.column.as_str(), i.count, i.location.1)).collect();
    assert_eq!(issues, [("DurationMs", 1, 1), ("TimeGenerated", 2, 1)]);
    assert_eq!(t.report.conversions[1].example, "\"not a time\"");
}

#[test]
fn files_of_one_table_merge_their_columns_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    std::fs::write(&a, "{\"n\":1,\"t\":\"2026-12-03T10:00:00Z\",\"TimeGenerated\":\"bad\"}\n")
        .unwrap();
    std::fs::write(&b, "\n{\"n\":2.5,\"x\":\"y\",\"TimeGenerated\":\"worse\"}\n").unwrap();
    let t =
        load_table("AzureActivity", &[a, b.clone()], &builtin(), LoadOptions::default()).unwrap();

    // One batch a chunk; `n` widens to real across files; `t` is missing in
    // the second file and `x` in the first: null and "" respectively.
    assert_eq!(t.batches.len(), 2);
    assert_eq!(t.report.rows, 2);
    assert_eq!(ty(&t, "n"), KqlType::Real);
    assert_eq!(ty(&t, "t"), KqlType::Datetime);
    assert_eq!(ty(&t, "x"), KqlType::String);
    let col = |name: &str, batch: usize| {
        let idx = t.columns.iter().position(|c| c.name == name).unwrap();
        t.batches[batch].column(idx).clone()
    };
    assert!(col("t", 1).is_null(0));
    let x = col("x", 0);
    let x = x.as_any().downcast_ref::<datafusion::arrow::array::StringArray>().unwrap();
    assert_eq!((x.value(0), x.is_null(0)), ("", false));

    // Conversion failures are summed over files; the first is named.
    let issue = &t.report.conversions[0];
    assert_eq!((issue.column.as_str(), issue.count), ("TimeGenerated", 2));
    assert_eq!(issue.location.1, 1);
    assert!(issue.location.0.ends_with("a.jsonl"));
}

#[test]
fn skipped_rows_are_counted_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    std::fs::write(&path, "{\"a\":1}\n[1]\n{\"a\":\n\n{\"a\":2}\n").unwrap();
    let options = LoadOptions { skip_bad_rows: true, ..LoadOptions::default() };
    let t = load_table("T", &[path], &builtin(), options).unwrap();
    assert_eq!((t.report.rows, t.report.skipped), (2, 2));
    let lines: Vec<_> = t.report.first_skipped.iter().map(|(_, line, _)| *line).collect();
    assert_eq!(lines, [2, 3]);
    assert_eq!(t.report.first_skipped[0].2, "expected a JSON object");
}
