//! Parquet that Calypso wrote is scanned where it lies, and answers as the
//! same rows loaded do.

use calypso_engine::{Session, json_value};
use calypso_io::{LoadOptions, TableSource, calypso_columns, write_parquet};

#[test]
fn scanned_parquet_answers_as_loaded_rows_do() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("SigninLogs.jsonl");
    std::fs::write(
        &jsonl,
        "{\"TimeGenerated\":\"2026-12-03T10:00:00Z\",\"UserPrincipalName\":\"a@x.com\",\"ResultType\":\"0\",\"DeviceDetail\":{\"os\":\"w\"}}\n\
         {\"TimeGenerated\":\"2026-12-03T11:00:00.5Z\",\"UserPrincipalName\":\"b@x.com\",\"ResultType\":\"50126\"}\n\
         {\"UserPrincipalName\":\"\",\"ResultType\":null}\n",
    )
    .unwrap();
    let mut loaded = Session::new();
    let source = TableSource { name: "SigninLogs".to_owned(), files: vec![jsonl] };
    let table = loaded.load(&source, LoadOptions::default()).unwrap().clone();
    let parquet = dir.path().join("s.parquet");
    write_parquet(&table, &parquet).unwrap();

    let columns =
        calypso_columns(std::slice::from_ref(&parquet)).unwrap().expect("Calypso's own file");
    assert_eq!(columns, table.columns);
    let mut scanned = Session::new();
    let t = scanned.add_parquet("SigninLogs", std::slice::from_ref(&parquet), columns).unwrap();
    assert_eq!(t.report.rows, 3);
    for query in [
        "SigninLogs | where ResultType != '0' | project UserPrincipalName, ResultType, TimeGenerated",
        "SigninLogs | summarize n = count(), users = make_set(UserPrincipalName) by ResultType",
        "SigninLogs | where isnull(TimeGenerated) | extend os = tostring(DeviceDetail.os)",
        "SigninLogs | where TimeGenerated > datetime(2026-12-03 10:30) | count",
    ] {
        let rows = |s: &Session| {
            let result = s.query(query).unwrap();
            let mut rows: Vec<String> = Vec::new();
            for batch in &result.batches {
                for row in 0..batch.num_rows() {
                    let values: Vec<_> = (0..batch.num_columns())
                        .map(|c| json_value(batch.column(c), row, result.columns[c].ty))
                        .collect();
                    rows.push(serde_json::Value::from(values).to_string());
                }
            }
            rows.sort();
            rows
        };
        assert_eq!(rows(&scanned), rows(&loaded), "{query}");
    }
}

#[test]
fn other_parquet_is_loaded_and_converted() {
    use datafusion::arrow::array::{Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    // Written by another tool: no KQL types recorded.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.parquet");
    let schema = std::sync::Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, true)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![std::sync::Arc::new(Int64Array::from(vec![1, 2]))],
    )
    .unwrap();
    let mut writer = datafusion::parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        schema,
        None,
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    assert_eq!(calypso_columns(&[path]).unwrap(), None);
}
