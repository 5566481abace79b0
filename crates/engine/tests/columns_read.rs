//! What a query reads of each table, found before any row is loaded, so that
//! only those columns are loaded.

use calypso_engine::{Needed, Session};
use calypso_io::ColumnSchema;

const MFA: &str = include_str!("../../../queries/mfa-fatigue.kql");

/// A table with `SigninLogs`' columns (an export's `Type` column gives
/// them to a dump of any name).
fn schema(table: &str) -> (String, Vec<ColumnSchema>) {
    let catalog = calypso_io::builtin();
    (table.to_owned(), catalog.table("SigninLogs").expect("a catalog table").to_vec())
}

/// What `query` reads of `table`, its columns sorted; `None` when it
/// needs every column of every table.
fn read(query: &str, table: &str) -> Option<Needed> {
    let session = Session::new();
    let read = session.columns_read(query, &[schema(table)])?;
    Some(match read.tables.get(table).cloned() {
        Some(Needed::Columns(mut columns)) => {
            columns.sort();
            Needed::Columns(columns)
        }
        Some(Needed::All) => Needed::All,
        None => Needed::Columns(Vec::new()),
    })
}

fn columns(names: &[&str]) -> Option<Needed> {
    Some(Needed::Columns(names.iter().map(|n| n.to_string()).collect()))
}

#[test]
fn the_reference_detection_reads_a_few_columns_of_its_table() {
    // 9 of SigninLogs' 96 (`UserAgent` is projected but never reaches the
    // result; binding needs it to exist all the same).
    assert_eq!(
        read(MFA, "AADSignInLogs"),
        columns(&[
            "AppDisplayName",
            "AuthenticationDetails",
            "AuthenticationRequirement",
            "IPAddress",
            "Location",
            "ResultType",
            "TimeGenerated",
            "UserAgent",
            "UserPrincipalName",
        ])
    );
}

#[test]
fn a_query_that_returns_whole_rows_reads_every_column() {
    // Columns no schema names too: the rows are returned whole.
    assert_eq!(read("AADSignInLogs | take 3", "AADSignInLogs"), Some(Needed::All));
    // `project-away` names the column it drops, and binding needs it.
    assert_eq!(read("AADSignInLogs | project-away UserAgent", "AADSignInLogs"), Some(Needed::All));
}

#[test]
fn counting_reads_no_column_and_subqueries_are_included() {
    assert_eq!(read("AADSignInLogs | count", "AADSignInLogs"), columns(&[]));
    let q = "let bad = toscalar(AADSignInLogs | where ResultType != '0' | summarize max(IPAddress)); \
             AADSignInLogs | where IPAddress == bad | project UserPrincipalName";
    assert_eq!(
        read(q, "AADSignInLogs"),
        columns(&["IPAddress", "ResultType", "UserPrincipalName"])
    );
}

#[test]
fn what_depends_on_the_columns_present_needs_every_column() {
    // The result of each depends on columns the query does not name, which
    // a dump may carry beyond its schema.
    for query in [
        "AADSignInLogs | getschema",
        "AADSignInLogs | search 'x' | count",
        "AADSignInLogs | where * has 'x' | count",
        "AADSignInLogs | project-away Risk* | project UserPrincipalName",
        "AADSignInLogs | project-keep User* | count",
        "AADSignInLogs | summarize arg_max(TimeGenerated, *) by UserPrincipalName | count",
        "AADSignInLogs | distinct * | count",
        "union AADSignInLogs, AADSignInLogs | count",
        "AADSignInLogs | project x = column_ifexists('Custom', '')",
        // Not bound (a plugin), or not bindable: no plan to read.
        "AADSignInLogs | evaluate bag_unpack(DeviceDetail)",
        "AADSignInLogs | where NoSuchColumn == 1",
    ] {
        assert_eq!(read(query, "AADSignInLogs"), None, "{query}");
    }
}
