//! `calypso check`: errors where Kusto would reject a query, warnings where
//! Calypso cannot judge, positions inside the file (and inside YAML).

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

/// `check -f json` on files written to a temporary folder: one record a file.
fn check_json(files: &[(&str, &str)], extra: &[&str]) -> (Option<i32>, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["check".to_owned(), "-f".to_owned(), "json".to_owned()];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        args.push(path.display().to_string());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = calypso(&args);
    let records = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code(), records)
}

/// The (code, severity, line, column) of a record's diagnostics.
fn found(record: &Value) -> Vec<(String, String, u64, u64)> {
    record["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_reference_detection_fails_on_its_dynamic_comparison() {
    let out = calypso(&[
        "check",
        "queries/mfa-fatigue.kql",
        "-d",
        "testdata/AADSignInLogs.jsonl",
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["ok"], false);
    assert_eq!(found(&record), [("kql::bind::dynamic_comparison".into(), "error".into(), 30, 23)]);
    // The human form says how to write it so that Kusto accepts it.
    let out = calypso(&["check", "queries/mfa-fatigue.kql", "-d", "testdata/AADSignInLogs.jsonl"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("write `array_length(...) > 0`"), "{err}");
    assert!(err.contains("checked 1 file: 1 error, 0 warnings"), "{err}");
}

#[test]
fn rule_yaml_is_checked_with_positions_in_the_yaml() {
    let rule = "id: 0b1c6c7e\nname: Sign-ins\nkind: Scheduled\nquery: |\n  SigninLogs\n  | where ResultTyp == \"0\"\n  | project UserPrincipalName\nqueryFrequency: 1h\n";
    let (code, records) = check_json(&[("rule.yaml", rule)], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(found(&records[0]), [("kql::bind::unknown_column".into(), "error".into(), 6, 11)]);
    assert_eq!(records[0]["diagnostics"][0]["message"], "unknown column `ResultTyp`");

    let out = {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rule.yml");
        std::fs::write(&path, rule).unwrap();
        calypso(&["check", path.to_str().unwrap()])
    };
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("did you mean `ResultType`?"), "{err}");
    assert!(err.contains(" 6 │   | where ResultTyp == \"0\""), "{err}");
}

#[test]
fn clean_queries_pass_and_several_files_report_one_record_each() {
    let (code, records) = check_json(
        &[
            (
                "a.kql",
                "SigninLogs | where ResultType == \"0\" | summarize count() by UserPrincipalName",
            ),
            ("b.yaml", "query: |\n  SecurityEvent\n  | where EventID == 4625\n  | take 10\n"),
        ],
        &[],
    );
    assert_eq!(code, Some(0));
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r["ok"] == true && found(r).is_empty()));
}

#[test]
fn what_calypso_cannot_judge_is_a_warning_not_an_error() {
    let (code, records) = check_json(
        &[("w.kql", "SigninLogs | extend b = parse_user_agent(UserAgent, 'browser') | project b")],
        &[],
    );
    assert_eq!(code, Some(0));
    assert_eq!(records[0]["ok"], true);
    assert_eq!(found(&records[0]), [("kql::check::unchecked".into(), "warning".into(), 1, 25)]);
}

#[test]
fn a_single_equals_in_where_is_a_warning() {
    // Kusto deploys it, but filters by `true`: almost surely a bug.
    let (code, records) =
        check_json(&[("w.kql", "SigninLogs\n| where IsInteractive = true\n| count")], &[]);
    assert_eq!(code, Some(0));
    assert_eq!(found(&records[0]), [("kql::bind::named_predicate".into(), "warning".into(), 2, 9)]);
}

#[test]
fn misspelt_names_are_errors_with_the_right_suggestion() {
    for (query, code, suggestion) in [
        ("SigninLogs | extend s = tostrin(ResultType)", "kql::bind::unknown_function", "tostring"),
        ("SiginLogs | take 1", "kql::bind::unknown_table", "SigninLogs"),
        (
            "SigninLogs | project UserPrincipleName",
            "kql::bind::unknown_column",
            "UserPrincipalName",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.kql");
        std::fs::write(&path, query).unwrap();
        let out = calypso(&["check", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{query}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(code), "{query}: {err}");
        assert!(err.contains(&format!("did you mean `{suggestion}`?")), "{query}: {err}");
    }
}

#[test]
fn syntax_only_reports_only_syntax() {
    let files = [("bad.kql", "SigninLogs | whre x"), ("names.kql", "Nope | project Nothing")];
    let (code, records) = check_json(&files, &["--syntax-only"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        found(&records[0]),
        [("kql::syntax::unexpected_token".into(), "error".into(), 1, 14)]
    );
    assert!(found(&records[1]).is_empty());
}

#[test]
fn unreadable_files_and_yaml_without_a_query_are_errors() {
    let (code, records) =
        check_json(&[("x.yaml", "id: 1\nname: no query\n")], &["/no/such/file.kql"]);
    assert_eq!(code, Some(1));
    assert_eq!(found(&records[0])[0].0, "kql::check::no_query");
    assert_eq!(found(&records[1])[0].0, "kql::check::unreadable");
}

/// Checks every query of a corpus file; returns (clean, warnings only, errors).
fn corpus_rates(file: &str) -> (usize, usize, usize) {
    let path = root().join("../shared/corpus").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["check".to_owned(), "-f".to_owned(), "json".to_owned()];
    for (i, line) in text.lines().enumerate() {
        let record: Value = serde_json::from_str(line).unwrap();
        let query_path = dir.path().join(format!("{i:04}.kql"));
        std::fs::write(&query_path, record["query"].as_str().unwrap()).unwrap();
        args.push(query_path.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = calypso(&args);
    let (mut clean, mut warned, mut failed) = (0, 0, 0);
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        match (record["ok"].as_bool().unwrap(), found(&record).is_empty()) {
            (true, true) => clean += 1,
            (true, false) => warned += 1,
            (false, _) => failed += 1,
        }
    }
    (clean, warned, failed)
}

/// The figures in docs/check.md: a change that makes check call more real
/// queries wrong fails here.
#[test]
fn corpus_check_figures_hold() {
    assert_eq!(corpus_rates("azure-sentinel-hunting.jsonl"), (744, 119, 349));
    assert_eq!(corpus_rates("reprise99.jsonl"), (460, 83, 139));
}

#[test]
fn rule_fields_are_checked_against_sentinels_limits_and_the_querys_output() {
    let rule = "\
id: 7a4e3c1d-0000-4000-8000-000000000001
kind: Scheduled
requiredDataConnectors:
  - connectorId: AzureActiveDirectory
    dataTypes:
      - AuditLogs
queryFrequency: 1h
queryPeriod: 15d
triggerOperator: greater
triggerThreshold: -1
query: |
  SigninLogs
  | summarize Failures = count() by UserPrincipalName, IPAddress
entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: FullName
        columnName: UserPrincipleName
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: IPAddress
customDetails:
  FailureCount: Failed
";
    let (code, records) = check_json(&[("rule.yaml", rule)], &[]);
    assert_eq!(code, Some(1));
    let found = found(&records[0]);
    let summary: Vec<(&str, &str, u64)> =
        found.iter().map(|(c, s, l, _)| (c.as_str(), s.as_str(), *l)).collect();
    assert_eq!(
        summary,
        [
            ("kql::check::rule_duration", "error", 8),
            ("kql::check::rule_trigger", "error", 9),
            ("kql::check::rule_trigger", "error", 10),
            ("kql::check::rule_column", "error", 18),
            ("kql::check::rule_column", "error", 24),
            ("kql::check::rule_connectors", "warning", 3),
        ]
    );
    let messages: Vec<&str> = records[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages[0],
        "`queryPeriod: 15d` is outside Sentinel's limits of 5 minutes to 14 days"
    );
    assert_eq!(
        messages[3],
        "`UserPrincipleName`, named in entityMappings, is not a column of the query's output"
    );
    assert_eq!(
        messages[5],
        "the query reads `SigninLogs`, which no entry of requiredDataConnectors lists"
    );

    // The same rule put right passes.
    let fixed = rule
        .replace("AuditLogs", "SigninLogs")
        .replace("15d", "14d")
        .replace("greater", "gt")
        .replace("-1", "0")
        .replace("UserPrincipleName", "UserPrincipalName")
        .replace("Failed\n", "Failures\n");
    let (code, records) = check_json(&[("rule.yaml", &fixed)], &[]);
    assert_eq!((code, records[0]["ok"].as_bool()), (Some(0), Some(true)));
    assert!(found_none(&records[0]));
}

fn found_none(record: &Value) -> bool {
    record["diagnostics"].as_array().unwrap().is_empty()
}

#[test]
fn sarif_holds_every_finding_of_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.kql");
    let odd = dir.path().join("odd.kql");
    std::fs::write(&bad, "SigninLogs\n| where Nope == 1").unwrap();
    std::fs::write(&odd, "SigninLogs | extend u = parse_user_agent(UserAgent, 'os')").unwrap();
    let out = calypso(&["check", "-f", "sarif", bad.to_str().unwrap(), odd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "calypso");
    let results = run["results"].as_array().unwrap();
    let summary: Vec<(&str, &str, u64, u64)> = results
        .iter()
        .map(|r| {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            (
                r["ruleId"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                region["startLine"].as_u64().unwrap(),
                region["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [("kql::bind::unknown_column", "error", 2, 9), ("kql::check::unchecked", "warning", 1, 25)]
    );
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["kql::bind::unknown_column", "kql::check::unchecked"]);
}

#[test]
fn a_folder_is_checked_file_by_file_at_any_depth() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("Detections/Identity")).unwrap();
    std::fs::write(dir.path().join("Detections/a.kql"), "SigninLogs | take 1").unwrap();
    std::fs::write(
        dir.path().join("Detections/Identity/b.yaml"),
        "query: |\n  SigninLogs | wher x\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("Detections/notes.md"), "# not a query").unwrap();
    let out = calypso(&["check", "-f", "json", dir.path().join("Detections").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let files: Vec<(String, bool)> = records
        .iter()
        .map(|r| {
            let file = r["file"].as_str().unwrap();
            (file.rsplit('/').next().unwrap().to_owned(), r["ok"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(files, [("b.yaml".to_owned(), false), ("a.kql".to_owned(), true)]);
}

#[test]
fn workspace_functions_are_checked_against_the_columns_they_return() {
    let files = [
        // A watchlist's known columns; its own are unknowable, so reading
        // one is a warning, not an error.
        (
            "known.kql",
            "let vip = _GetWatchlist('VIP') | project SearchKey;\nSigninLogs | where UserPrincipalName in (vip)",
        ),
        ("open.kql", "_GetWatchlist('VIP') | project SearchKey, Department"),
        // An ASIM parser's stub: named arguments, its columns.
        (
            "asim.kql",
            "_Im_Dns(starttime=ago(1d)) | where SrcIpAddr == '10.0.0.1' | project TimeGenerated",
        ),
        ("asim_typo.kql", "_Im_Dns(starttime=ago(1d)) | project SrcIpAdr"),
        ("param.kql", "_Im_Dns(strattime=ago(1d)) | take 1"),
        ("alias.kql", "_GetWatchlist() | take 1"),
    ];
    let (code, records) = check_json(&files, &[]);
    assert_eq!(code, Some(1));
    let first = |i: usize| {
        found(&records[i]).first().map(|(c, s, l, col)| (c.clone(), s.clone(), *l, *col))
    };
    assert!(found_none(&records[0]), "{}", records[0]);
    assert_eq!(first(1), Some(("kql::check::unchecked".into(), "warning".into(), 1, 43)));
    assert_eq!(
        records[1]["diagnostics"][0]["message"],
        "`Department` is not a known column of `_GetWatchlist('VIP')`, whose other columns only \
         the workspace knows: not checked past here"
    );
    assert!(found_none(&records[2]), "{}", records[2]);
    assert_eq!(first(3), Some(("kql::bind::unknown_column".into(), "error".into(), 1, 38)));
    assert_eq!(records[3]["diagnostics"][0]["message"], "unknown column `SrcIpAdr`");
    assert_eq!(first(4), Some(("kql::bind::invalid".into(), "error".into(), 1, 9)));
    assert_eq!(
        records[5]["diagnostics"][0]["message"],
        "`_GetWatchlist` takes `watchlistAlias`, but 0 were given"
    );

    // A rule may map a watchlist's column, and reads no table through it.
    let rule = "\
requiredDataConnectors:
  - connectorId: AzureActiveDirectory
    dataTypes:
      - SigninLogs
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
query: |
  SigninLogs
  | join kind=inner (_GetWatchlist('VIP')) on $left.UserPrincipalName == $right.SearchKey
entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: FullName
        columnName: Department
";
    let (code, records) = check_json(&[("rule.yaml", rule)], &[]);
    assert_eq!(code, Some(0), "{}", records[0]);
    assert!(found_none(&records[0]), "{}", records[0]);
}

#[test]
fn workspace_functions_are_checked_where_they_are_called() {
    let dir = tempfile::tempdir().unwrap();
    let functions = dir.path().join("functions.kql");
    std::fs::write(
        &functions,
        "let Failed = (lookback:timespan = 1d) { SigninLogs | where TimeGenerated > ago(lookback) \
         and ResultType != \"0\" };\n\
         .create function Broken() { SigninLogs | project NoSuchColumn }\n",
    )
    .unwrap();
    let f = functions.to_str().unwrap();
    let (code, records) = check_json(
        &[
            ("ok.kql", "Failed(2d) | summarize n = count() by UserPrincipalName"),
            ("broken.kql", "Broken | take 1"),
            ("typo.kql", "Failed(2d) | project UserPrincipleName"),
        ],
        &["--functions", f],
    );
    assert_eq!(code, Some(1));
    assert!(found_none(&records[0]), "{}", records[0]);
    assert_eq!(found(&records[1]), [("kql::bind::in_function".into(), "error".into(), 1, 1)]);
    assert_eq!(
        records[1]["diagnostics"][0]["message"],
        "in the function `Broken`: unknown column `NoSuchColumn`"
    );
    assert_eq!(found(&records[2]), [("kql::bind::unknown_column".into(), "error".into(), 1, 22)]);
    // Without the file, the call is a name Calypso does not know.
    let (_, records) = check_json(&[("ok.kql", "Failed(2d) | take 1")], &[]);
    assert_eq!(found(&records[0])[0].1, "warning");
}

#[test]
fn a_lookback_beyond_the_query_period_is_a_warning() {
    let rule = "\
queryFrequency: 1h
queryPeriod: 1d
triggerOperator: gt
triggerThreshold: 0
query: |
  let lookback = 7d;
  SigninLogs
  | where TimeGenerated > ago(lookback)
  | where TimeGenerated > ago(1h)
  | join kind=inner (AuditLogs | where TimeGenerated > now(-14d)) on $left.UserPrincipalName == $right.Identity
";
    let (code, records) = check_json(&[("rule.yaml", rule)], &[]);
    assert_eq!(code, Some(0), "{}", records[0]);
    let found = found(&records[0]);
    assert_eq!(
        found,
        [
            ("kql::check::rule_lookback".into(), "warning".into(), 8, 27),
            ("kql::check::rule_lookback".into(), "warning".into(), 10, 56),
        ]
    );
    assert_eq!(
        records[0]["diagnostics"][0]["message"],
        "`ago(lookback)` reaches further back than `queryPeriod: 1d`: Sentinel runs the rule over \
         the last 1d of data only"
    );
}

#[test]
fn a_name_that_is_no_typo_of_a_known_one_is_a_warning() {
    let (code, records) = check_json(
        &[
            // A solution's parser function over its `_CL` table.
            ("parser.kql", "VectraStream | take 1"),
            // A Defender-only table: far from every Sentinel table.
            ("defender.kql", "AADSignInEventsBeta | take 1"),
            ("function.kql", "SigninLogs | extend x = imGetUserRisk(UserPrincipalName)"),
            // Typos stay errors.
            ("typo.kql", "SiginLogs | take 1"),
            ("typo_fn.kql", "SigninLogs | extend s = tostrin(ResultType)"),
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    let severities: Vec<String> = records.iter().map(|r| found(r)[0].1.clone()).collect();
    assert_eq!(severities, ["warning", "warning", "warning", "error", "error"]);
    assert_eq!(
        records[0]["diagnostics"][0]["message"],
        "unknown table `VectraStream`: not checked past here"
    );
}

#[test]
fn standard_columns_exist_and_azure_diagnostics_has_more() {
    let (code, records) = check_json(
        &[
            ("standard.kql", "AuditLogs | project _ItemId, _ResourceId, Type"),
            (
                "diag.kql",
                "AzureDiagnostics | where ResourceType == 'VAULTS' | project keyvaultPolicyName_s",
            ),
        ],
        &[],
    );
    assert_eq!(code, Some(0));
    assert!(found_none(&records[0]), "{}", records[0]);
    assert_eq!(found(&records[1])[0].1, "warning");
    assert_eq!(
        records[1]["diagnostics"][0]["message"],
        "`keyvaultPolicyName_s` is not a known column of `AzureDiagnostics`, whose other columns only the \
         workspace knows: not checked past here"
    );
}

#[test]
fn asim_parsers_have_columns_the_catalog_does_not_list() {
    let (code, records) = check_json(
        &[
            ("newer.kql", "imProcess | project TargetProcessFilePath"),
            ("typo.kql", "imProcess | project CommandLin"),
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(found(&records[0])[0].1, "warning");
    // A typo of a column it has is still an error.
    assert_eq!(found(&records[1])[0].0, "kql::bind::unknown_column");
}

#[test]
fn every_broken_statement_is_reported_but_not_its_consequences() {
    let query = "let a = SigninLogs | where Bogus == 1;\n\
                 let b = AuditLogs | extend x = parse_xml(TargetResources);\n\
                 let c = a | take 1;\n\
                 SigninLogs | project Missing";
    let (code, records) = check_json(&[("q.kql", query)], &[]);
    assert_eq!(code, Some(1));
    let summary: Vec<(String, String, u64)> =
        found(&records[0]).into_iter().map(|(c, s, l, _)| (c, s, l)).collect();
    // `c`, which reads the broken `a`, adds nothing of its own.
    assert_eq!(
        summary,
        [
            ("kql::bind::unknown_column".into(), "error".into(), 1),
            ("kql::check::unchecked".into(), "warning".into(), 2),
            ("kql::bind::unknown_column".into(), "error".into(), 4),
        ]
    );
}
