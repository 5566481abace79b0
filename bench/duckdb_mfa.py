#!/usr/bin/env python3
"""The reference detection (queries/mfa-fatigue.kql) in DuckDB SQL.

Usage: duckdb_mfa.py DUMP NOW_TICKS OUT.jsonl

DUMP is the JSON-lines dump gen_signins.py writes, or the Parquet file
`calypso convert` makes of it. Writes one JSON object an alert, in the shape
`calypso run -f jsonl` gives, with the times in 100 ns ticks since the Unix
epoch and the sets sorted (bench/compare.py puts Calypso's output in the same
form).

The SQL keeps KQL's rules, not SQL's: a missing string is "" (so it joins
and differs from "0"); `has_any` matches whole terms, runs of letters and
digits, ignoring case; `between` includes both ends; `dcount` of a few values
is exact; datetimes keep 100 ns ticks, with their UTC offsets applied.
"""
import json
import sys

import duckdb

dump, now_ticks, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
DAY = 24 * 3600 * 10_000_000
WINDOW = 30 * 60 * 10_000_000
MINUTE = 60 * 10_000_000
COLUMNS = ["TimeGenerated", "UserPrincipalName", "ResultType", "AuthenticationRequirement",
           "AuthenticationDetails", "IPAddress", "Location", "AppDisplayName"]

con = duckdb.connect()
if dump.endswith(".parquet"):
    source = f"read_parquet('{dump}')"
    ticks = "epoch_ns(TimeGenerated) // 100"
else:
    spec = ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS)
    source = f"read_json('{dump}', format = 'newline_delimited', columns = {{{spec}}})"
    # ISO 8601 text with up to seven fractional digits and an optional
    # offset, to ticks.
    ticks = """(
        epoch_us(strptime(substr(TimeGenerated, 1, 19), '%Y-%m-%dT%H:%M:%S')) * 10
        + coalesce(try_cast(rpad(nullif(regexp_extract(TimeGenerated, '\\.(\\d+)', 1), ''), 7, '0') AS BIGINT), 0)
        - coalesce(
            (try_cast(nullif(regexp_extract(TimeGenerated, '([+-])(\\d\\d):(\\d\\d)$', 2), '') AS BIGINT) * 3600
             + try_cast(nullif(regexp_extract(TimeGenerated, '([+-])(\\d\\d):(\\d\\d)$', 3), '') AS BIGINT) * 60)
            * CASE regexp_extract(TimeGenerated, '([+-])(\\d\\d):(\\d\\d)$', 1) WHEN '-' THEN -1 ELSE 1 END,
            0) * 10000000
    )"""

terms = "mfa|phoneappnotification|phoneappotp|onewaysms|twowayvoicemobile"
query = f"""
WITH s AS (
    SELECT {ticks} AS t,
           coalesce(UserPrincipalName, '') AS upn,
           coalesce(CAST(ResultType AS VARCHAR), '') AS rt,
           coalesce(AuthenticationRequirement, '') AS req,
           coalesce(CAST(AuthenticationDetails AS VARCHAR), '') AS det,
           coalesce(IPAddress, '') AS ip,
           coalesce(Location, '') AS loc,
           coalesce(AppDisplayName, '') AS app
    FROM {source}
),
fails AS (
    SELECT t AS ft, upn, ip AS fip, loc AS floc FROM s
    WHERE t > {now_ticks - DAY} AND rt <> '0' AND req = 'multiFactorAuthentication'
      AND regexp_matches(lower(det), '(^|[^a-z0-9])({terms})([^a-z0-9]|$)')
),
successes AS (
    SELECT t AS st, upn, ip AS sip, app FROM s
    WHERE t > {now_ticks - DAY} AND rt = '0' AND req = 'multiFactorAuthentication'
),
pairs AS (
    SELECT * FROM fails JOIN successes USING (upn)
    WHERE st BETWEEN ft AND ft + {WINDOW}
)
SELECT upn,
       count(DISTINCT ft) AS fail_count,
       min(ft) AS first_fail,
       max(st) AS success,
       list_sort(list(DISTINCT fip)) AS fail_ips,
       list_sort(list(DISTINCT sip)) AS success_ips,
       list_sort(list(DISTINCT app)) AS apps,
       list_sort(list(DISTINCT floc)) AS locations
FROM pairs
GROUP BY upn
HAVING count(DISTINCT ft) >= 5
ORDER BY fail_count DESC, upn
"""
with open(out, "w") as f:
    for upn, count, first, last, fips, sips, apps, locs in con.execute(query).fetchall():
        alert = {
            "AlertType": "MFA Fatigue Attack",
            "UserPrincipalName": upn,
            "FailCount": count,
            "TimeDeltaMinutes": last // MINUTE - first // MINUTE,
            "FirstFailTime": first,
            "SuccessTime": last,
            "FailSourceIPs": fips,
            "SuccessSourceIPs": sips,
            "IPMismatch": not set(sips) <= set(fips),
            "TargetApps": apps,
            "FailLocations": locs,
        }
        f.write(json.dumps(alert, separators=(",", ":")) + "\n")
