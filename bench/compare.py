#!/usr/bin/env python3
"""Checks that Calypso's alerts equal DuckDB's.

Usage: compare.py CALYPSO.jsonl DUCKDB.jsonl

Calypso's datetimes become 100 ns ticks and its sets are sorted, the form
duckdb_mfa.py writes; then the alerts must be the same, user by user. Exits 1
and names the first differences when they are not.
"""
import json
import sys
from datetime import datetime, timezone


def ticks(text):
    # 2026-12-03T09:00:00.1234567Z: seconds, then seven fractional digits.
    whole, _, frac = text.rstrip("Z").partition(".")
    at = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int(at.timestamp()) * 10_000_000 + int((frac + "0000000")[:7])


def calypso(path):
    alerts = {}
    for line in open(path):
        a = json.loads(line)
        a["FirstFailTime"], a["SuccessTime"] = ticks(a["FirstFailTime"]), ticks(a["SuccessTime"])
        for key in ("FailSourceIPs", "SuccessSourceIPs", "TargetApps", "FailLocations"):
            a[key] = sorted(a[key])
        alerts[a["UserPrincipalName"]] = a
    return alerts


def duckdb(path):
    return {a["UserPrincipalName"]: a for a in map(json.loads, open(path))}


ours, theirs = calypso(sys.argv[1]), duckdb(sys.argv[2])
differ = [u for u in sorted(set(ours) | set(theirs)) if ours.get(u) != theirs.get(u)]
if differ:
    for user in differ[:5]:
        print(f"{user!r}:\n  calypso {ours.get(user)}\n  duckdb  {theirs.get(user)}")
    print(f"outputs differ for {len(differ)} of {len(set(ours) | set(theirs))} users")
    sys.exit(1)
print(f"outputs equal: {len(ours)} alerts")
