//! The reference detection over random sign-in dumps, checked against the
//! rule worked out directly in this file.
//!
//! The dumps are full of the rule's edges: failures at the window's bounds,
//! repeated instants, success before the failures, missing and null fields,
//! timestamps with seven fractional digits or a UTC offset, look-alike terms,
//! user names differing in case, the empty user name, `ResultType` written as
//! a number. The direct computation shares no code with Calypso: it knows each
//! row's instant because it made it, and it splits terms itself.

use std::collections::{BTreeMap, BTreeSet};

use calypso_engine::{Session, json_value};
use calypso_io::{LoadOptions, TableSource};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

const RULE: &str = include_str!("../../../queries/mfa-fatigue.kql");

/// 2026-12-03T12:00:00Z, in 100 ns ticks since the Unix epoch.
const NOW: i64 = 1_796_299_200 * TICKS_PER_SECOND;
const TICKS_PER_SECOND: i64 = 10_000_000;
const MINUTE: i64 = 60 * TICKS_PER_SECOND;

/// xorshift64*: a small, seeded, dependency-free generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const DETAILS: [Option<&str>; 15] = [
    Some(r#"[{"authenticationMethodDetail":"PhoneAppNotification","succeeded":false}]"#),
    Some(r#"[{"authenticationStepResultDetail":"MFA denied; user declined"}]"#),
    Some(r#"[{"authenticationMethodDetail":"OneWaySMS"}]"#),
    Some(r#"[{"authenticationMethodDetail":"twowayvoicemobile"}]"#),
    Some(r#"[{"authenticationMethodDetail":"PHONEAPPOTP"}]"#),
    Some(r#"[{"detail":"mfa_required"}]"#),
    Some(r#"[{"detail":"MFAService unavailable"}]"#),
    Some(r#"[{"detail":"PhoneAppNotifications"}]"#),
    Some(r#"[{"detail":"One-WaySMS"}]"#),
    Some(r#"[{"detail":"xMFA"}]"#),
    Some("mfa-push"),
    Some("PhoneAppOTP2"),
    Some(""),
    Some(r#"[{"authenticationMethod":"Password"}]"#),
    None,
];
const REQUIREMENTS: [Option<&str>; 5] = [
    Some("multiFactorAuthentication"),
    Some("multiFactorAuthentication"),
    Some("multiFactorAuthentication"),
    Some("MultiFactorAuthentication"),
    None,
];
const FAILURE_CODES: [Option<&str>; 4] = [Some("500121"), Some("50074"), Some(""), None];
const USERS: [&str; 7] = [
    "alice@contoso.com",
    "ALICE@contoso.com",
    "bob@contoso.com",
    "carol@contoso.com",
    "dave@contoso.com",
    "erin@contoso.com",
    "",
];
const IPS: [Option<&str>; 5] =
    [Some("203.0.113.1"), Some("203.0.113.2"), Some("198.51.100.7"), Some(""), None];
const LOCATIONS: [Option<&str>; 3] = [Some("NL"), Some("US"), None];
const APPS: [Option<&str>; 3] = [Some("Azure Portal"), Some("My Apps"), None];

/// One generated sign-in, as the rule sees it.
struct SignIn {
    ticks: Option<i64>,
    user: String,
    result: String,
    requirement: String,
    details: String,
    ip: String,
    location: String,
    app: String,
}

/// A dump of about `n` rows: bursts of failures around a random instant,
/// each followed by zero to two successes.
fn dump(seed: u64, n: usize) -> (String, Vec<SignIn>) {
    let mut rng = Rng(seed);
    let (mut text, mut rows) = (String::new(), Vec::new());
    while rows.len() < n {
        let user = if rng.chance(60) {
            format!("user{}@contoso.com", rng.below(40))
        } else {
            (*rng.pick(&USERS)).to_owned()
        };
        let base = NOW - rng.below(27 * 3600) as i64 * TICKS_PER_SECOND;
        let offsets = [0, 0, 1, 2, 5, 10, 29, 30, 31];
        for _ in 0..1 + rng.below(8) {
            let at = base + *rng.pick(&offsets) * MINUTE;
            let code = if rng.chance(95) { *rng.pick(&FAILURE_CODES) } else { Some("0") };
            let row = sign_in(&mut rng, at, &user, code);
            push(&mut rng, &mut text, &mut rows, row);
        }
        for _ in 0..rng.below(3) {
            let at = base
                + *rng.pick(&[-1, 0, 5, 30, 31, 45]) * MINUTE
                + *rng.pick(&[0, 0, 1]) * TICKS_PER_SECOND;
            let code = if rng.chance(90) { Some("0") } else { *rng.pick(&FAILURE_CODES) };
            let row = sign_in(&mut rng, at, &user, code);
            push(&mut rng, &mut text, &mut rows, row);
        }
    }
    (text, rows)
}

fn sign_in(rng: &mut Rng, at: i64, user: &str, code: Option<&str>) -> SignIn {
    // A few rows carry the fraction of a second.
    let ticks = if rng.chance(30) { at + rng.below(TICKS_PER_SECOND as usize) as i64 } else { at };
    let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
    SignIn {
        ticks: (!rng.chance(2)).then_some(ticks),
        user: user.to_owned(),
        result: text(code),
        requirement: text(*rng.pick(&REQUIREMENTS)),
        details: text(*rng.pick(&DETAILS)),
        ip: text(*rng.pick(&IPS)),
        location: text(*rng.pick(&LOCATIONS)),
        app: text(*rng.pick(&APPS)),
    }
}

/// Writes the row as a JSON line: empty values are sometimes omitted,
/// sometimes `null`; times in several forms; `ResultType` "0" sometimes as
/// the number 0.
fn push(rng: &mut Rng, text: &mut String, rows: &mut Vec<SignIn>, row: SignIn) {
    let mut obj = serde_json::Map::new();
    obj.insert("Type".into(), json!("SigninLogs"));
    if let Some(ticks) = row.ticks {
        obj.insert("TimeGenerated".into(), json!(format_time(ticks, rng.below(3))));
    }
    let fields = [
        ("UserPrincipalName", &row.user),
        ("ResultType", &row.result),
        ("AuthenticationRequirement", &row.requirement),
        ("AuthenticationDetails", &row.details),
        ("IPAddress", &row.ip),
        ("Location", &row.location),
        ("AppDisplayName", &row.app),
    ];
    for (key, value) in fields {
        let json = match value.as_str() {
            "" if rng.chance(50) => continue,
            "" => Value::Null,
            "0" if key == "ResultType" && rng.chance(20) => json!(0),
            v => json!(v),
        };
        obj.insert(key.into(), json);
    }
    text.push_str(&Value::Object(obj).to_string());
    text.push('\n');
    rows.push(row);
}

/// An instant as an export might write it: plain, with seven fractional
/// digits, or in +02:00.
fn format_time(ticks: i64, style: usize) -> String {
    let at = |t: i64| {
        let (s, frac) = (t.div_euclid(TICKS_PER_SECOND), t.rem_euclid(TICKS_PER_SECOND));
        DateTime::<Utc>::from_timestamp(s, frac as u32 * 100).unwrap()
    };
    let seven = format!(".{:07}", ticks.rem_euclid(TICKS_PER_SECOND));
    match style {
        0 => format!("{}{seven}Z", at(ticks).format("%Y-%m-%dT%H:%M:%S")),
        1 => {
            let local = at(ticks) + chrono::Duration::hours(2);
            format!("{}{seven}+02:00", local.format("%Y-%m-%dT%H:%M:%S"))
        }
        _ => at(ticks).format("%Y-%m-%dT%H:%M:%S%.fZ").to_string(),
    }
}

/// Kusto's terms: maximal runs of letters and digits, compared ignoring case.
fn has_any(text: &str, terms: &[&str]) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|t| terms.iter().any(|term| t.eq_ignore_ascii_case(term)))
}

/// The rule, computed directly: one JSON object per alert, sets sorted.
fn expected(rows: &[SignIn]) -> BTreeMap<String, Value> {
    let terms = ["MFA", "PhoneAppNotification", "PhoneAppOTP", "OneWaySMS", "TwoWayVoiceMobile"];
    let window = |r: &&SignIn| {
        r.ticks.is_some_and(|t| t > NOW - 24 * 60 * MINUTE)
            && r.requirement == "multiFactorAuthentication"
    };
    let fails: Vec<&SignIn> = rows
        .iter()
        .filter(window)
        .filter(|r| r.result != "0" && has_any(&r.details, &terms))
        .collect();
    let successes: Vec<&SignIn> = rows.iter().filter(window).filter(|r| r.result == "0").collect();

    #[derive(Default)]
    struct Group {
        fail_times: BTreeSet<i64>,
        success_times: Vec<i64>,
        fail_ips: BTreeSet<String>,
        success_ips: BTreeSet<String>,
        apps: BTreeSet<String>,
        locations: BTreeSet<String>,
    }
    let mut groups: BTreeMap<&str, Group> = BTreeMap::new();
    for f in &fails {
        for s in successes.iter().filter(|s| s.user == f.user) {
            let (ft, st) = (f.ticks.unwrap(), s.ticks.unwrap());
            if ft <= st && st <= ft + 30 * MINUTE {
                let g = groups.entry(&f.user).or_default();
                g.fail_times.insert(ft);
                g.success_times.push(st);
                g.fail_ips.insert(f.ip.clone());
                g.success_ips.insert(s.ip.clone());
                g.apps.insert(s.app.clone());
                g.locations.insert(f.location.clone());
            }
        }
    }
    groups
        .into_iter()
        .filter(|(_, g)| g.fail_times.len() >= 5)
        .map(|(user, g)| {
            let first = *g.fail_times.first().unwrap();
            let last = *g.success_times.iter().max().unwrap();
            let alert = json!({
                "AlertType": "MFA Fatigue Attack",
                "UserPrincipalName": user,
                "FailCount": g.fail_times.len(),
                "TimeDeltaMinutes": last.div_euclid(MINUTE) - first.div_euclid(MINUTE),
                "FirstFailTime": format_time(first, 0),
                "SuccessTime": format_time(last, 0),
                "FailSourceIPs": g.fail_ips,
                "SuccessSourceIPs": g.success_ips,
                "IPMismatch": !g.success_ips.is_subset(&g.fail_ips),
                "TargetApps": g.apps,
                "FailLocations": g.locations,
            });
            (user.to_owned(), alert)
        })
        .collect()
}

/// Calypso's alerts, in output order, with sets sorted.
fn actual(dump: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("AADSignInLogs.jsonl");
    std::fs::write(&path, dump).unwrap();
    let mut session = Session::new();
    session.set_now(Some(NOW * 100));
    let source = TableSource { name: "AADSignInLogs".into(), files: vec![path] };
    session.load(&source, LoadOptions::default()).unwrap();

    let result = session.query(RULE).unwrap();
    let mut alerts = Vec::new();
    for batch in &result.batches {
        for row in 0..batch.num_rows() {
            let mut alert = serde_json::Map::new();
            for (col, array) in result.columns.iter().zip(batch.columns()) {
                let mut value = json_value(array.as_ref(), row, col.ty);
                if let Value::Array(items) = &mut value {
                    items.sort_by_key(Value::to_string);
                }
                alert.insert(col.name.clone(), value);
            }
            alerts.push(Value::Object(alert));
        }
    }
    alerts
}

#[test]
fn random_dumps_alert_exactly_as_the_rule_says() {
    let mut alerted = 0;
    for seed in [1, 2, 3, 0x5eed] {
        let (text, rows) = dump(seed, 3000);
        let expected = expected(&rows);
        let actual = actual(&text);

        let counts: Vec<u64> = actual.iter().map(|a| a["FailCount"].as_u64().unwrap()).collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "seed {seed}: not sorted: {counts:?}");
        let actual: BTreeMap<String, Value> = actual
            .into_iter()
            .map(|a| (a["UserPrincipalName"].as_str().unwrap().to_owned(), a))
            .collect();
        assert_eq!(actual, expected, "seed {seed}");
        alerted += expected.len();
    }
    // The dumps must exercise the rule, not only its silence.
    assert!(alerted >= 40, "only {alerted} alerts over all seeds");
}
