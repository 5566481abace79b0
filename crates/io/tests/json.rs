//! The JSON-lines loader: typing, missing values, conversion reports.

use calypso_io::{LoadOptions, SchemaOrigin, builtin, load_json_lines};
use calypso_syntax::KqlType;
use datafusion::arrow::array::Array;

fn load(name: &str, text: &str) -> calypso_io::Table {
    let dir = std::env::temp_dir().join(format!("calypso-io-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("export.jsonl");
    std::fs::write(&path, text).unwrap();
    let table = load_json_lines(name, &[path], &builtin(), LoadOptions::default()).unwrap();
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
