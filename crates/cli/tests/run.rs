//! End-to-end tests of `calypso run`: the reference detection on the bundled
//! dump against the alerts worked out by hand, and every kind of bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn calypso(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_calypso"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("calypso runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

const MFA: [&str; 8] = [
    "run",
    "queries/mfa-fatigue.kql",
    "-d",
    "testdata/AADSignInLogs.jsonl",
    "--now",
    "2026-12-03T12:00:00Z",
    "-f",
    "jsonl",
];

/// make_set results have no defined order: compare them sorted.
fn normalise(mut row: Value) -> Value {
    for key in ["FailSourceIPs", "SuccessSourceIPs", "TargetApps", "FailLocations"] {
        if let Some(Value::Array(items)) = row.get_mut(key) {
            items.sort_by_key(|v| v.to_string());
        }
    }
    row
}

fn by_user(jsonl: &str) -> BTreeMap<String, Value> {
    jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|row| (row["UserPrincipalName"].as_str().unwrap().to_owned(), normalise(row)))
        .collect()
}

#[test]
fn reference_detection_finds_the_hand_worked_alerts() {
    let out = calypso(&MFA);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected =
        std::fs::read_to_string(root().join("testdata/mfa-fatigue.expected.jsonl")).unwrap();
    let actual = stdout(&out);
    assert_eq!(by_user(&actual), by_user(&expected));

    // Keys in the rule's column order; rows sorted by FailCount, descending.
    let first: serde_json::Map<String, Value> =
        serde_json::from_str(actual.lines().next().unwrap()).unwrap();
    let keys: Vec<_> = first.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "AlertType",
            "UserPrincipalName",
            "FailCount",
            "TimeDeltaMinutes",
            "FirstFailTime",
            "SuccessTime",
            "FailSourceIPs",
            "SuccessSourceIPs",
            "IPMismatch",
            "TargetApps",
            "FailLocations"
        ]
    );
    let counts: Vec<i64> = actual
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["FailCount"].as_i64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
}

#[test]
fn dynamic_comparison_warns_with_the_portable_rewrite() {
    let out = calypso(&MFA);
    let err = stderr(&out);
    assert!(err.contains("kql::bind::dynamic_comparison"), "{err}");
    assert!(err.contains("array_length(...) > 0"), "{err}");
    assert!(err.contains("mfa-fatigue.kql:30:23"), "{err}");
}

#[test]
fn strict_refuses_the_dynamic_comparison() {
    let mut args = MFA.to_vec();
    args.push("--strict");
    let out = calypso(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Kusto cannot compare two dynamic values"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn table_and_csv_formats() {
    let mut args = MFA.to_vec();
    args[7] = "table";
    let out = stdout(&calypso(&args));
    assert!(out.contains("│ MFA Fatigue Attack ┆ alice@contoso.com ┆ 6 "), "{out}");
    assert!(out.contains("2026-12-03T09:00:00.1234567Z"), "{out}");
    assert!(out.trim_end().ends_with("4 rows"), "{out}");

    args[7] = "csv";
    let out = stdout(&calypso(&args));
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(
            "AlertType,UserPrincipalName,FailCount,TimeDeltaMinutes,FirstFailTime,SuccessTime,FailSourceIPs,SuccessSourceIPs,IPMismatch,TargetApps,FailLocations"
        )
    );
    let alice = out.lines().find(|l| l.contains("alice")).unwrap();
    assert!(alice.starts_with("MFA Fatigue Attack,alice@contoso.com,6,12,2026-12-03T09:00:00.1234567Z,2026-12-03T09:12:30.0000000Z,"), "{alice}");
    assert!(alice.contains(",true,"), "{alice}");
}

#[test]
fn query_from_q_and_folder_data() {
    let out = calypso(&[
        "run",
        "-q",
        "AADSignInLogs | where UserPrincipalName == 'grace@contoso.com' | count",
        "-d",
        "testdata",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("│ 9     │"), "{}", stdout(&out));
}

#[test]
fn malformed_query_points_at_the_token() {
    let out = calypso(&["run", "-q", "AADSignInLogs | where", "-d", "testdata"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("kql::syntax::unexpected_token"), "{err}");
    assert!(err.contains("expected an expression, found the end of the query"), "{err}");
    // The text ended: the last token, after which more was expected, is marked.
    assert!(err.contains("<query>:1:17"), "{err}");
    assert!(err.contains("──┬──"), "{err}");
}

#[test]
fn unknown_column_suggests_the_right_one() {
    let out =
        calypso(&["run", "-q", "AADSignInLogs | where UserPrincipleName == 'x'", "-d", "testdata"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("unknown column `UserPrincipleName`"), "{err}");
    assert!(err.contains("did you mean `UserPrincipalName`?"), "{err}");
    assert!(err.contains("<query>:1:23"), "{err}");
}

#[test]
fn missing_table_file_is_reported() {
    let out = calypso(&["run", "queries/mfa-fatigue.kql", "-d", "testdata/NoSuchFile.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("kql::io::unreadable"), "{err}");
    assert!(err.contains("testdata/NoSuchFile.jsonl"), "{err}");
}

#[test]
fn unknown_table_lists_what_is_loaded() {
    let out = calypso(&["run", "-q", "SigninLogs | count", "-d", "testdata"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("unknown table `SigninLogs`"), "{err}");
    assert!(err.contains("did you mean `AADSignInLogs`?"), "{err}");

    let out = calypso(&["run", "-q", "Heartbeat | count", "-d", "testdata"]);
    assert!(stderr(&out).contains("loaded tables: AADSignInLogs"), "{}", stderr(&out));
}

#[test]
fn broken_json_line_stops_the_run_with_its_location() {
    let dir = std::env::temp_dir().join(format!("calypso-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("T.jsonl");
    std::fs::write(&file, "{\"a\":1}\n{\"a\":2,\n{\"a\":3}\n").unwrap();
    let path = file.to_str().unwrap();

    let out = calypso(&["run", "-q", "T | count", "-d", path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("{path}:2:7")), "{err}");
    // The report shows the broken line under its own line number.
    assert!(err.contains(&format!("[{path}:2:7]")), "{err}");
    assert!(err.contains(" 2 │ {\"a\":2,"), "{err}");
    assert!(err.contains("--skip-bad-rows"), "{err}");

    let out = calypso(&["run", "-q", "T | count", "-d", path, "--skip-bad-rows", "-f", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "{\"Count\":2}");
    assert!(stderr(&out).contains("skipped 1 unreadable row(s) of `T`"), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_now_is_a_clear_error() {
    let out = calypso(&["run", "-q", "print 1", "--now", "yesterday"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("`--now yesterday` is not a datetime"), "{}", stderr(&out));
}

/// The bundled dump in another shape, for the same detection.
fn reshaped(dir: &Path, lines: &str) -> Vec<(&'static str, PathBuf)> {
    use std::io::Write;
    let rows: Vec<&str> = lines.lines().collect();
    let put = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(lines.as_bytes()).unwrap();
    let (first, second) = rows.split_at(rows.len() / 2);
    put("export/y=2026/m=12/d=02/h=00/m=00/PT1H.json", (first.join("\n") + "\n").as_bytes());
    put("export/y=2026/m=12/d=03/h=00/m=00/PT1H.json", (second.join("\n") + "\n").as_bytes());
    vec![
        ("JSON array", put("array.json", format!("[\n{}\n]", rows.join(",\n")).as_bytes())),
        (
            "records",
            put("records.json", format!("{{\"records\":[{}]}}", rows.join(",")).as_bytes()),
        ),
        ("gzip", put("lines.jsonl.gz", &gz.finish().unwrap())),
        ("zstd", put("lines.jsonl.zst", &zstd::encode_all(lines.as_bytes(), 3).unwrap())),
        ("PT1H.json folder", dir.join("export")),
    ]
}

/// `calypso run -f csv` output turned into the portal's export: datetime
/// columns named `X [UTC]` and written `12/2/2026, 12:00:51.000 AM`.
fn portal_csv(csv_text: &str) -> String {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let datetime = |name: &str| matches!(name, "TimeGenerated" | "CreatedDateTime");
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(
            header.iter().map(|h| if datetime(h) { format!("{h} [UTC]") } else { h.to_owned() }),
        )
        .unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        writer
            .write_record(record.iter().zip(&header).map(|(value, name)| {
                if !datetime(name) || value.is_empty() {
                    return value.to_owned();
                }
                let t = chrono::DateTime::parse_from_rfc3339(value).unwrap();
                // The portal writes milliseconds; the dump has 7-digit
                // fractions, kept here so that the alerts compare exactly.
                t.format("%-m/%-d/%Y, %-I:%M:%S%.f %p").to_string()
            }))
            .unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

#[test]
fn reference_detection_gives_the_same_alerts_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let lines = std::fs::read_to_string(root().join("testdata/AADSignInLogs.jsonl")).unwrap();
    let expected = by_user(
        &std::fs::read_to_string(root().join("testdata/mfa-fatigue.expected.jsonl")).unwrap(),
    );

    let mut cases = reshaped(dir.path(), &lines);
    let dump =
        calypso(&["run", "-q", "AADSignInLogs", "-d", "testdata/AADSignInLogs.jsonl", "-f", "csv"]);
    assert!(dump.status.success(), "{}", stderr(&dump));
    let csv_path = dir.path().join("portal.csv");
    std::fs::write(&csv_path, portal_csv(&stdout(&dump))).unwrap();
    cases.push(("portal CSV", csv_path));
    let parquet = dir.path().join("AADSignInLogs.parquet");
    let out =
        calypso(&["convert", "testdata/AADSignInLogs.jsonl", "-o", parquet.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrote 308 row(s), 96 column(s)"), "{}", stderr(&out));
    cases.push(("Parquet from convert", parquet));

    for (what, path) in cases {
        let table = format!("AADSignInLogs={}", path.display());
        let out = calypso(&[
            "run",
            "queries/mfa-fatigue.kql",
            "--table",
            &table,
            "--now",
            "2026-12-03T12:00:00Z",
            "-f",
            "jsonl",
        ]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert!(!stderr(&out).contains("kql::io::conversion"), "{what}: {}", stderr(&out));
        assert_eq!(by_user(&stdout(&out)), expected, "{what}");
    }
}

#[test]
fn table_patterns_bind_every_matching_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in
        [("a1.jsonl", "{\"n\":1}\n"), ("a2.csv", "n\n2\n"), ("b.jsonl", "{\"n\":9}\n")]
    {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let pattern = format!("T={}/a*", dir.path().display());
    let out = calypso(&[
        "run",
        "-q",
        "T | summarize c = count(), s = make_set(n) | extend s = array_sort_asc(s)",
        "--table",
        &pattern,
        "-f",
        "jsonl",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "{\"c\":2,\"s\":[\"1\",\"2\"]}");

    let none = format!("T={}/zz*", dir.path().display());
    let out = calypso(&["run", "-q", "T", "--table", &none]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("matches no data file"), "{}", stderr(&out));
}

/// `calypso run` loads only the columns a query reads, yet every answer is
/// the one a whole-table load gives, columns no schema names included.
#[test]
fn loading_only_the_columns_read_changes_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("SigninLogs.jsonl");
    std::fs::write(
        &dump,
        "{\"UserPrincipalName\":\"a@x.com\",\"ResultType\":\"0\",\"Custom\":\"c1\"}\n\
         {\"UserPrincipalName\":\"b@x.com\",\"ResultType\":\"50126\",\"CustomTag\":\"t2\"}\n",
    )
    .unwrap();
    let run = |query: &str| {
        let out = calypso(&["run", "-q", query, "-d", dump.to_str().unwrap(), "-f", "jsonl"]);
        assert!(out.status.success(), "{query}: {}", stderr(&out));
        stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect::<Vec<Value>>()
    };
    // Whole rows: the schema's columns and the two it does not name.
    let rows = run("SigninLogs | take 1");
    assert_eq!(rows[0].as_object().unwrap().len(), 98, "{}", rows[0]);
    assert_eq!(rows[0]["Custom"], "c1");
    // A few columns, and columns reached by name or pattern.
    assert_eq!(
        run("SigninLogs | where ResultType != '0' | project UserPrincipalName")[0]["UserPrincipalName"],
        "b@x.com"
    );
    assert_eq!(run("SigninLogs | project c = column_ifexists('Custom', 'none')")[1]["c"], "");
    assert_eq!(run("SigninLogs | project-keep Custom* | take 1")[0].as_object().unwrap().len(), 2);
    assert_eq!(run("SigninLogs | search 't2' | count")[0]["Count"], 1);
    assert_eq!(run("SigninLogs | count")[0]["Count"], 2);
}

#[test]
fn workspace_functions_from_a_file_are_called_like_lets() {
    let dir = tempfile::tempdir().unwrap();
    let functions = dir.path().join("functions.kql");
    std::fs::write(
        &functions,
        ".create-or-alter function with (folder = \"Auth\") Denied(code:string) {\n    \
         AADSignInLogs | where ResultType == code | summarize Denials = count() by UserPrincipalName\n}\n",
    )
    .unwrap();
    let f = functions.to_str().unwrap();
    let data = "testdata/AADSignInLogs.jsonl";
    let called = calypso(&[
        "run",
        "--functions",
        f,
        "-d",
        data,
        "-f",
        "jsonl",
        "-q",
        "Denied('500121') | sort by Denials desc, UserPrincipalName asc | take 3",
    ]);
    let inline = calypso(&[
        "run",
        "-d",
        data,
        "-f",
        "jsonl",
        "-q",
        "AADSignInLogs | where ResultType == '500121' | summarize Denials = count() by UserPrincipalName \
         | sort by Denials desc, UserPrincipalName asc | take 3",
    ]);
    assert!(called.status.success(), "{}", stderr(&called));
    assert_eq!(stdout(&called), stdout(&inline));
    assert_eq!(stdout(&called).lines().count(), 3);
    // A query's own `let` of the same name wins.
    let shadowed = calypso(&[
        "run",
        "--functions",
        f,
        "-d",
        data,
        "-f",
        "jsonl",
        "-q",
        "let Denied = (code:string) { print n = 1 }; Denied('x')",
    ]);
    assert_eq!(stdout(&shadowed).trim(), r#"{"n":1}"#);
    // A broken functions file is reported in its own text.
    std::fs::write(&functions, "let x = 5;").unwrap();
    let broken = calypso(&["run", "--functions", f, "-q", "print 1"]);
    assert_eq!(broken.status.code(), Some(1));
    let err = stderr(&broken);
    assert!(err.contains("found a value for `x`") && err.contains("functions.kql"), "{err}");
}
