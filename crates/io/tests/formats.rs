//! Every format the loaders read gives the same table, and each kind of bad
//! input gets its own error.

use std::io::Write;
use std::path::{Path, PathBuf};

use calypso_io::{LoadError, LoadOptions, Table, builtin, load_table, write_parquet};
use calypso_syntax::KqlType;
use datafusion::arrow::util::pretty::pretty_format_batches;

/// Three sign-ins with a string that looks numeric, a dynamic, a bool, a
/// long, a missing value of each kind and an unknown column.
const ROWS: [&str; 3] = [
    r#"{"TimeGenerated":"2026-12-03T10:00:00.5Z","UserPrincipalName":"a@x.com","ResultType":"0","DurationMs":12,"IsInteractive":true,"DeviceDetail":{"os":"Windows","ids":[1,2]},"Extra":"e1"}"#,
    r#"{"TimeGenerated":"2026-12-03T22:15:09Z","UserPrincipalName":"b@x.com","ResultType":"50126","DurationMs":null,"IsInteractive":false}"#,
    r#"{"TimeGenerated":"2026-12-04T00:00:00Z","UserPrincipalName":"","ResultType":"500121","DurationMs":7,"DeviceDetail":[],"Extra":"e3"}"#,
];

/// The same rows as the portal's CSV export writes them.
const CSV: &str = "\
\"TimeGenerated [UTC]\",UserPrincipalName,ResultType,DurationMs,IsInteractive,DeviceDetail,Extra
\"12/3/2026, 10:00:00.500 AM\",a@x.com,0,12,True,\"{\"\"os\"\":\"\"Windows\"\",\"\"ids\"\":[1,2]}\",e1
\"12/3/2026, 10:15:09.000 PM\",b@x.com,50126,,False,,
\"12/4/2026, 12:00:00.000 AM\",,500121,7,,[],e3
";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

fn load(name: &str, files: &[PathBuf]) -> Result<Table, LoadError> {
    load_table(name, files, &builtin(), LoadOptions::default())
}

fn skipping(name: &str, files: &[PathBuf]) -> Table {
    load_table(
        name,
        files,
        &builtin(),
        LoadOptions { skip_bad_rows: true, ..LoadOptions::default() },
    )
    .unwrap()
}

/// The table's columns and rows as text, for comparing loads.
fn render(table: &Table) -> String {
    let columns: Vec<String> =
        table.columns.iter().map(|c| format!("{}:{}", c.name, c.ty)).collect();
    format!("{}\n{}", columns.join(" "), pretty_format_batches(&table.batches).unwrap())
}

#[test]
fn every_format_reads_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let lines = ROWS.join("\n") + "\n";
    let reference = load("SigninLogs", &[write(dir.path(), "a.jsonl", lines.as_bytes())]).unwrap();
    let text = render(&reference);
    assert!(text.contains("| 2026-12-03T10:00:00.500Z"), "{text}");
    assert!(text.contains("{\"os\":\"Windows\",\"ids\":[1,2]}"), "{text}");

    let pretty_array = format!("[\n  {},\n  {}\n  ,{}\n]\n", ROWS[0], ROWS[1], ROWS[2]);
    let records = format!("{{ \"records\": [{}] }}", ROWS.join(","));
    let parquet = dir.path().join("p.parquet");
    write_parquet(&reference, &parquet).unwrap();
    let cases: Vec<(&str, PathBuf)> = vec![
        ("JSON array", write(dir.path(), "b.json", pretty_array.as_bytes())),
        ("records wrapper", write(dir.path(), "PT1H.json", records.as_bytes())),
        (
            "BOM and CRLF lines",
            write(
                dir.path(),
                "c.jsonl",
                format!("\u{feff}{}", lines.replace('\n', "\r\n")).as_bytes(),
            ),
        ),
        ("gzip lines", write(dir.path(), "d.jsonl.gz", &gzip(lines.as_bytes()))),
        ("zstd array", write(dir.path(), "e.json.zst", &zstd(pretty_array.as_bytes()))),
        ("gzip without the suffix", write(dir.path(), "f.jsonl", &gzip(lines.as_bytes()))),
        ("portal CSV", write(dir.path(), "g.csv", CSV.as_bytes())),
        ("gzip CSV", write(dir.path(), "h.csv.gz", &gzip(CSV.as_bytes()))),
        ("Parquet", parquet),
    ];
    for (what, path) in cases {
        let table = load("SigninLogs", &[path]).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(render(&table), text, "{what}");
        assert!(table.report.conversions.is_empty(), "{what}: {:?}", table.report.conversions);
    }
}

#[test]
fn files_of_different_formats_make_one_table_with_the_union_of_columns() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "1.jsonl", b"{\"n\":1,\"only_json\":{\"k\":1}}\n");
    let b = write(dir.path(), "2.csv", b"n,only_csv\n2,x\n");
    let t = load("Custom", &[a, b]).unwrap();
    let types: Vec<_> = t.columns.iter().map(|c| (c.name.as_str(), c.ty)).collect();
    // `n` is a number in JSON and text in CSV: text, which loses nothing.
    assert_eq!(
        types,
        [("n", KqlType::String), ("only_json", KqlType::Dynamic), ("only_csv", KqlType::String)]
    );
    let text = render(&t);
    assert!(text.contains("| 1 | {\"k\":1}   |          |"), "{text}");
    assert!(text.contains("| 2 |           | x        |"), "{text}");
}

#[test]
fn csv_columns_no_schema_names_are_typed_conservatively() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "\"TimeGenerated [UTC]\",Code,Flag,Props,Mixed\n\
               \"12/3/2026, 1:02:03.000 PM\",0,true,\"{\"\"a\"\":1}\",[1]\n\
               \"12/3/2026, 1:02:04.000 PM\",50126,false,[],text\n";
    let t = load("Custom", &[write(dir.path(), "x.csv", csv.as_bytes())]).unwrap();
    let types: Vec<_> = t.columns.iter().map(|c| (c.name.as_str(), c.ty)).collect();
    assert_eq!(
        types,
        [
            ("TimeGenerated", KqlType::Datetime),
            ("Code", KqlType::String),
            ("Flag", KqlType::String),
            ("Props", KqlType::Dynamic),
            ("Mixed", KqlType::String),
        ]
    );
}

#[test]
fn the_type_column_names_the_catalog_table_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "Type,ResultType,DurationMs\nSigninLogs,0,5\n";
    let t = load("export", &[write(dir.path(), "export.csv", csv.as_bytes())]).unwrap();
    assert_eq!(t.report.schema_origin, calypso_io::SchemaOrigin::TypeColumn("SigninLogs".into()));
    assert_eq!(t.columns.iter().find(|c| c.name == "DurationMs").unwrap().ty, KqlType::Long);

    let array = "[{\"Type\":\"SigninLogs\",\"ResultType\":\"0\"}]";
    let t = load("dump", &[write(dir.path(), "dump.json", array.as_bytes())]).unwrap();
    assert_eq!(t.report.schema_origin, calypso_io::SchemaOrigin::TypeColumn("SigninLogs".into()));
}

#[test]
fn parquet_keeps_kql_types_and_converts_to_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    // guid and dynamic share Arrow's Utf8 with string: the metadata tells them apart.
    let lines = "{\"g\":\"6F9619FF-8B86-D011-B42D-00C04FC964FF\",\"d\":{\"a\":[1]},\"s\":\"x\",\"t\":\"01:02:03\"}\n";
    let custom = dir.path().join("Custom.jsonl");
    std::fs::write(&custom, lines).unwrap();
    let mut catalog = builtin();
    let schema_dir = dir.path().join("schemas");
    std::fs::create_dir(&schema_dir).unwrap();
    std::fs::write(
        schema_dir.join("Custom.json"),
        r#"{"table":"Custom","columns":[{"name":"g","type":"guid"},{"name":"d","type":"dynamic"},{"name":"t","type":"timespan"}]}"#,
    )
    .unwrap();
    catalog.add_schema_dir(&schema_dir).unwrap();
    let table = load_table("Custom", &[custom], &catalog, LoadOptions::default()).unwrap();
    let parquet = dir.path().join("Custom.parquet");
    write_parquet(&table, &parquet).unwrap();
    // Read back with no catalog entry: the file's own metadata types it.
    let back = load("Other", &[parquet]).unwrap();
    assert_eq!(render(&back), render(&table));
    assert_eq!(back.columns[0].ty, KqlType::Guid);
    assert_eq!(back.columns[1].ty, KqlType::Dynamic);
    assert_eq!(back.columns[2].ty, KqlType::Timespan);
}

#[test]
fn bad_json_arrays_are_reported_where_they_break() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "missing comma",
            "[\n{\"a\":1}\n{\"a\":2}\n]",
            3,
            1,
            "expected `,` or `]` after an array element",
        ),
        (
            "not closed",
            "[{\"a\":1},\n{\"a\":2}",
            2,
            8,
            "the JSON array is not closed: expected `]`",
        ),
        (
            "trailing text",
            "[{\"a\":1}] x",
            1,
            11,
            "unexpected text after the end of the JSON array",
        ),
        ("trailing comma", "[{\"a\":1},]", 1, 10, "expected a value after `,`"),
        (
            "unclosed wrapper",
            "{\"records\":[{\"a\":1}]",
            1,
            21,
            "expected `}` to close the object holding `records`",
        ),
        ("bad value inside", "[\n  {\"a\":1},\n  {\"a\": tru}\n]", 3, 12, "expected ident"),
    ];
    for (what, text, line, column, message) in cases {
        let path = write(dir.path(), "bad.json", text.as_bytes());
        let err = load("T", &[path]).expect_err(what);
        let LoadError::BadRecord(bad) = err else { panic!("{what}: {err:?}") };
        assert_eq!((bad.line, bad.column, bad.message.as_str()), (line, column, message), "{what}");
    }
}

#[test]
fn bad_elements_and_csv_rows_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let array = "[{\"a\":1}, 5, {\"a\":\n tru}, {\"a\":2}]";
    let t = skipping("T", &[write(dir.path(), "t.json", array.as_bytes())]);
    assert_eq!((t.report.rows, t.report.skipped), (2, 2));
    let where_: Vec<_> = t.report.first_skipped.iter().map(|(_, l, r)| (*l, r.as_str())).collect();
    assert_eq!(where_, [(1, "expected a JSON object"), (2, "expected ident")]);

    let csv = "a,b\n1,2\n3\n4,5,6\n7,8\n";
    let path = write(dir.path(), "t.csv", csv.as_bytes());
    let t = skipping("T", std::slice::from_ref(&path));
    assert_eq!((t.report.rows, t.report.skipped), (2, 2));
    assert_eq!(t.report.first_skipped[0].1, 3);
    assert_eq!(t.report.first_skipped[1].2, "this row has 3 fields but the header names 2 columns");

    let err = load("T", &[path]).unwrap_err();
    let LoadError::BadRecord(bad) = err else { panic!("{err:?}") };
    assert_eq!(
        (bad.line, bad.message.as_str()),
        (3, "this row has 1 field but the header names 2 columns")
    );
}

#[test]
fn each_unusable_file_has_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty_csv = write(dir.path(), "e.csv", b"");
    assert!(matches!(load("T", &[empty_csv]), Err(LoadError::Empty { .. })));
    let header_only = write(dir.path(), "h.csv", b"a,b\n");
    assert!(matches!(load("T", &[header_only]), Err(LoadError::Empty { .. })));
    let empty_array = write(dir.path(), "e.json", b" [ ] ");
    assert!(matches!(load("T", &[empty_array]), Err(LoadError::Empty { .. })));
    let text = write(dir.path(), "notes.txt", b"hello");
    assert!(matches!(load("T", &[text]), Err(LoadError::UnknownFormat { .. })));
    let fake = write(dir.path(), "fake.parquet", b"not parquet at all");
    assert!(matches!(load("T", &[fake]), Err(LoadError::BadParquet { .. })));
    let zipped = write(dir.path(), "z.parquet.gz", &gzip(b"PAR1"));
    let err = load("T", &[zipped]).unwrap_err();
    assert!(err.to_string().contains("compressed as a whole"), "{err}");
    let missing = dir.path().join("missing.jsonl");
    assert!(matches!(load("T", &[missing]), Err(LoadError::Unreadable { .. })));
    let broken_gzip = write(dir.path(), "b.jsonl.gz", &gzip(b"{\"a\":1}\n")[..12]);
    assert!(matches!(load("T", &[broken_gzip]), Err(LoadError::Unreadable { .. })));
}

#[test]
fn parquet_columns_of_nested_types_are_refused_by_name() {
    use datafusion::arrow::array::{ArrayRef, ListArray};
    use datafusion::arrow::datatypes::Int32Type;
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested.parquet");
    let list: ArrayRef =
        Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1)])]));
    let batch = RecordBatch::try_from_iter([("Tags", list)]).unwrap();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let err = load("T", &[path]).unwrap_err();
    let LoadError::ParquetType { column, expected, .. } = &err else { panic!("{err:?}") };
    assert_eq!((column.as_str(), expected.as_str()), ("Tags", "which no KQL type stores"));
}

#[test]
fn only_the_columns_asked_for_are_read_when_a_schema_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let lines = ROWS.join("\n") + "\n";
    let jsonl = write(dir.path(), "a.jsonl", lines.as_bytes());
    let full = load("SigninLogs", std::slice::from_ref(&jsonl)).unwrap();
    let parquet = dir.path().join("p.parquet");
    write_parquet(&full, &parquet).unwrap();
    let wanted = vec!["ResultType".to_owned(), "UserPrincipalName".to_owned()];
    let only = |files: &[PathBuf], columns: Vec<String>| {
        let options = LoadOptions { columns: Some(columns), ..LoadOptions::default() };
        load_table("SigninLogs", files, &builtin(), options).unwrap()
    };
    for (what, path) in [
        ("JSON lines", jsonl.clone()),
        ("CSV", write(dir.path(), "g.csv", CSV.as_bytes())),
        ("Parquet", parquet),
    ] {
        let t = only(&[path], wanted.clone());
        // In the catalog's order; `Extra`, which no schema names, is dropped.
        let names: Vec<_> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ResultType", "UserPrincipalName"], "{what}");
        assert_eq!(t.report.rows, 3, "{what}");
        let text = render(&t);
        assert!(text.contains("| 50126      | b@x.com"), "{what}: {text}");
    }
    // No column asked for: one is kept, so the rows are still there.
    let t = only(std::slice::from_ref(&jsonl), Vec::new());
    assert_eq!((t.columns.len(), t.batches.iter().map(|b| b.num_rows()).sum::<usize>()), (1, 3));
    // A table no schema names is read whole: its columns are not known
    // before its rows are.
    let custom = write(dir.path(), "Custom.jsonl", b"{\"a\":1,\"b\":2}\n");
    let options = LoadOptions { columns: Some(vec!["a".to_owned()]), ..LoadOptions::default() };
    let t = load_table("Custom", &[custom], &builtin(), options).unwrap();
    assert_eq!(t.columns.len(), 2);
    assert_eq!(
        calypso_io::schema_columns("Custom", &[dir.path().join("Custom.jsonl")], &builtin())
            .unwrap(),
        None
    );
}

#[test]
fn reading_some_columns_of_json_keeps_values_keys_and_errors_as_a_whole_read_does() {
    let dir = tempfile::tempdir().unwrap();
    // An escaped member name, a nested value, a number for a string.
    let text = "{\"Result\\u0054ype\":0,\"DeviceDetail\":{\"os\":\"x\",\"ids\":[1]},\"Junk\":[{\"a\":[1,{}]}]}\n\
                {\"ResultType\":\"50126\",\"DeviceDetail\":null}\n";
    let path = write(dir.path(), "a.jsonl", text.as_bytes());
    let wanted = vec!["ResultType".to_owned(), "DeviceDetail".to_owned()];
    let options = LoadOptions { columns: Some(wanted.clone()), ..LoadOptions::default() };
    let some = load_table("SigninLogs", std::slice::from_ref(&path), &builtin(), options).unwrap();
    let whole = load("SigninLogs", &[path]).unwrap();
    let pick = |t: &Table| {
        let batch = &t.batches[0];
        let names: Vec<_> = t.columns.iter().map(|c| c.name.as_str()).collect();
        let at = |n: &str| names.iter().position(|c| *c == n).unwrap();
        let cols =
            [batch.column(at("ResultType")).clone(), batch.column(at("DeviceDetail")).clone()];
        pretty_format_batches(&[datafusion::arrow::record_batch::RecordBatch::try_from_iter([
            ("r", cols[0].clone()),
            ("d", cols[1].clone()),
        ])
        .unwrap()])
        .unwrap()
        .to_string()
    };
    assert_eq!(pick(&some), pick(&whole));
    assert!(pick(&some).contains("{\"os\":\"x\",\"ids\":[1]}"), "{}", pick(&some));

    // A broken record: the same error, where the whole read puts it.
    let bad =
        write(dir.path(), "b.jsonl", b"{\"ResultType\":\"0\"}\n{\"ResultType\": \"0\",, }\n7\n");
    let error = |columns| {
        let options = LoadOptions { columns, ..LoadOptions::default() };
        load_table("SigninLogs", std::slice::from_ref(&bad), &builtin(), options)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(error(Some(wanted)), error(None));
}
