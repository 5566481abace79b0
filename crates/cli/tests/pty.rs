//! The REPL on a real pseudo-terminal, as a user meets it: a multi-line
//! query, Tab completion, an error and recovery, and Ctrl-C cancelling a
//! long query.

use std::path::{Path, PathBuf};
use std::process::Command;

use rexpect::session::{PtySession, spawn_command};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether this machine can open a pseudo-terminal. A sandbox without
/// `/dev/ptmx` cannot run these tests at all; they say so and pass, rather
/// than fail for a reason that has nothing to do with Calypso.
#[allow(clippy::print_stderr)]
fn pty_available() -> bool {
    let ok = std::fs::OpenOptions::new().read(true).write(true).open("/dev/ptmx").is_ok();
    if !ok {
        eprintln!("no pseudo-terminal here (/dev/ptmx): the REPL's pty tests are skipped");
    }
    ok
}

/// The REPL over the bundled sample, history kept in `home`.
fn start(home: &Path) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_calypso"));
    cmd.args(["repl", "-d", "testdata/AADSignInLogs.jsonl", "--now", "2026-12-03T12:00:00Z"])
        .current_dir(root())
        .env("HOME", home)
        .env("XDG_DATA_HOME", home)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(20_000)).expect("the REPL starts on a pty");
    p.exp_string("kql> ").unwrap();
    p
}

#[test]
fn a_multi_line_query_prints_its_table() {
    if !pty_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut p = start(home.path());
    p.send_line("AADSignInLogs").unwrap();
    p.send_line("| summarize n = count() by Location").unwrap();
    p.send_line("| top 2 by n").unwrap();
    p.send_line("").unwrap();
    // rexpect reads bytes one by one, so only ASCII can be matched.
    p.exp_regex(r"US +\S+ 280 ").unwrap();
    p.exp_regex(r"DE +\S+ 9 ").unwrap();
    p.exp_string("2 rows in ").unwrap();
    p.exp_string("kql> ").unwrap();
    p.send_line(".quit").unwrap();
    p.exp_eof().unwrap();
    // The query is in the history, as one entry.
    let history = std::fs::read_to_string(home.path().join("calypso/history.txt")).unwrap();
    assert!(history.contains("AADSignInLogs\\n| summarize"), "{history}");
}

#[test]
fn tab_completes_a_table_and_a_column() {
    if !pty_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut p = start(home.path());
    p.send("AADSig\t").unwrap();
    p.flush().unwrap();
    p.exp_string("AADSignInLogs").unwrap();
    p.send(" | where ResultT\t").unwrap();
    p.flush().unwrap();
    p.exp_string("ResultType").unwrap();
    p.send_line(" == \"50074\" | count;").unwrap();
    p.exp_string("Count").unwrap();
    p.exp_regex(r" 3 +\S+\r?\n").unwrap();
    p.exp_string("1 row").unwrap();
    p.exp_string("kql> ").unwrap();
}

#[test]
fn an_error_points_into_the_text_and_the_prompt_returns() {
    if !pty_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut p = start(home.path());
    p.send_line("AADSignInLogs | whre x;").unwrap();
    p.exp_string("expected a tabular operator after `|`, found `whre`").unwrap();
    p.exp_string("kql> ").unwrap();
    p.send_line("print recovered = 1;").unwrap();
    p.exp_string("recovered").unwrap();
    p.exp_string("1 row").unwrap();
}

#[test]
fn ctrl_c_cancels_a_long_query() {
    if !pty_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut p = start(home.path());
    // Ten billion joined rows: far longer than the test waits.
    p.send_line(
        "range a from 1 to 100000 step 1 | extend k = 1 \
         | join kind=inner (range b from 1 to 100000 step 1 | extend k = 1) on k | count;",
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    p.send_control('c').unwrap();
    p.exp_string("query cancelled").unwrap();
    p.exp_string("kql> ").unwrap();
    p.send_line("print after = 2;").unwrap();
    p.exp_string("after").unwrap();
    // Ctrl-D at an empty prompt leaves.
    p.exp_string("kql> ").unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn a_terminal_shows_the_head_of_a_long_result_and_says_so() {
    if !pty_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut p = start(home.path());
    p.send_line("range x from 1 to 100 step 1;").unwrap();
    p.exp_regex(r" 40 +\S+\r?\n").unwrap();
    p.exp_string("100 rows, 60 not shown").unwrap();
    p.send_line("print s = strrep('ab', 40);").unwrap();
    p.exp_string(&"ab".repeat(30)).unwrap();
    p.exp_string("values over 60 characters cut (`.format json` shows them whole)").unwrap();
}

#[test]
fn the_reference_detection_pasted_line_by_line_shows_its_alerts() {
    if !pty_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut p = start(home.path());
    let detection = std::fs::read_to_string(root().join("queries/mfa-fatigue.kql")).unwrap();
    for line in detection.lines() {
        p.send_line(line).unwrap();
    }
    p.send_line("").unwrap();
    // The comparison of two dynamics warns, then the four alerts follow
    // (the three with five failures in any order).
    p.exp_string("kql::bind::dynamic_comparison").unwrap();
    let table = p.exp_string("4 rows in ").unwrap();
    for user in ["alice@contoso.com", "erin@contoso.com", "grace@contoso.com", "ivy@contoso.com"] {
        assert!(table.contains(user), "{user} missing");
    }
}
