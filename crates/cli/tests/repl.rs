//! `calypso repl` with its input piped in: the rule for when a query runs,
//! dot commands, and errors that leave the REPL running.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the REPL (`calypso` with `args`) on `input`.
fn repl(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_calypso"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("calypso starts");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

const DATA: [&str; 4] =
    ["repl", "-d", "testdata/AADSignInLogs.jsonl", "--now=2026-12-03T12:00:00Z"];

#[test]
fn a_pasted_query_runs_once_whole() {
    let input = ".timer off\n.format jsonl\nAADSignInLogs\n| where ResultType == \"500121\"\n| project UserPrincipalName\n\n| count\n\nprint a = 1;\nprint b = 2\n";
    let out = repl(&DATA, input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The first query ends at the empty line; `| count` alone is then a
    // syntax error, and the REPL reads on.
    let stdout = text(&out.stdout);
    let users = stdout.lines().filter(|l| l.starts_with("{\"UserPrincipalName\"")).count();
    assert_eq!(users, 52);
    assert!(stdout.contains("}\n52 rows\n{\"a\":1}"), "{stdout}");
    assert!(stdout.ends_with("{\"a\":1}\n1 row\n{\"b\":2}\n1 row\n"), "{stdout}");
    assert!(text(&out.stderr).contains("kql::syntax::unexpected_token"), "{}", text(&out.stderr));
}

#[test]
fn dot_commands() {
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("Extra.jsonl");
    std::fs::write(&extra, "{\"k\":\"x\",\"v\":2}\n{\"k\":\"y\",\"v\":3}\n").unwrap();
    let query = dir.path().join("q.kql");
    std::fs::write(&query, "Extra | summarize s = sum(v)").unwrap();
    let out_file = dir.path().join("out.csv");
    let input = format!(
        ".timer off\n.load {} as More\n.tables\n.schema More\n.now\n.now off\n.now\n.format csv\n.output {}\nMore | order by k asc;\n.output -\n.read {}\n.now yesterday\n.help\n.quit\nprint never = 1;\n",
        extra.display(),
        out_file.display(),
        query.display(),
    );
    let out =
        repl(&["repl", "-d", extra.to_str().unwrap(), "--now", "2026-12-03T12:00:00Z"], &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for expected in [
        "loaded More: 2 rows, 2 columns\n",
        "  Extra: 2 rows, 2 columns\n  More: 2 rows, 2 columns\n",
        "More:\n  k: string\n  v: long\n",
        "now() is pinned to 2026-12-03T12:00:00Z\nnow() is the clock's time\nnow() is the clock's time\n",
        &format!("2 rows, written to {}\n", out_file.display()),
        "s\n5\n1 row\n",
        "  .load PATH [as NAME]",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
    }
    assert!(!stdout.contains("never"), "{stdout}");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "k,v\nx,2\ny,3\n");
    assert!(
        text(&out.stderr).contains("`--now yesterday` is not a datetime"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn no_command_starts_the_repl_and_errors_do_not_end_it() {
    let input = ".format jsonl\n.timer off\nNope\n\n.tabels\nprint x = 1;\n";
    let out = repl(&[], input);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unknown table `Nope`"), "{stderr}");
    assert!(stderr.contains("did you mean `.tables`?"), "{stderr}");
    assert!(text(&out.stdout).ends_with("{\"x\":1}\n1 row\n"), "{}", text(&out.stdout));
}
