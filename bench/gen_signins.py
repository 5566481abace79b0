#!/usr/bin/env python3
"""Writes a large random AADSignInLogs dump for the load-and-run benchmark.

Usage: gen_signins.py ROWS SEED OUT.jsonl

Bursts of MFA failures per user around random times in the 27 hours before
2026-12-03T12:00:00Z, with the reference rule's edges mixed in: look-alike
terms, null and missing fields, +02:00 offsets, 7-digit fractions, numeric
ResultType, case-different and empty UPNs. Deterministic for a seed.
"""
import json, random, sys
from datetime import datetime, timedelta, timezone
n_rows = int(sys.argv[1]); seed = int(sys.argv[2]); out = sys.argv[3]
rnd = random.Random(seed)
NOW = datetime(2026, 12, 3, 12, 0, 0, tzinfo=timezone.utc)
DETAILS = ['[{"authenticationMethod":"Mobile app notification","authenticationMethodDetail":"PhoneAppNotification","succeeded":false}]',
 '[{"authenticationStepResultDetail":"MFA denied; user declined","succeeded":false}]',
 '[{"authenticationMethod":"Text message","authenticationMethodDetail":"OneWaySMS"}]',
 '[{"authenticationMethodDetail":"TwoWayVoiceMobile"}]', '[{"authenticationMethodDetail":"phoneappotp"}]',
 '[{"x":"mfa_required"}]', '[{"x":"MFAService unavailable"}]', '[{"x":"PhoneAppNotifications"}]',
 '[{"x":"One-WaySMS"}]', '[{"x":"xMFA"}]', '', None, '[{"x":"Password"}]', 'MFA', 'mfa-push', 'PhoneAppOTP2']
REQ = ["multiFactorAuthentication"]*6 + ["singleFactorAuthentication", "MultiFactorAuthentication", "", None]
RES = ["0"]*3 + ["500121", "50074", "50126", "", None, 0]
users = [f"user{i:05d}@contoso.com" for i in range(max(5, n_rows // 40))] + ["Jack@contoso.com", "jack@contoso.com", "", "ALICE@contoso.com", "alice@contoso.com"]
ips = [f"203.0.113.{i}" for i in range(8)] + ["", None]
locs = ["NL", "US", "GB", "", None]
apps = ["Azure Portal", "Microsoft Teams", "My Apps", "", None]
def ts(t):
    r = rnd.random()
    if r < 0.3: return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rnd.randrange(10**7):07d}Z"
    if r < 0.35: return (t + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00")
    if r < 0.37: return None
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")
with open(out, "w") as f:
    i = 0
    while i < n_rows:
        upn = rnd.choice(users)
        # a burst: several failures then maybe a success, around a random time
        base = NOW - timedelta(seconds=rnd.randrange(0, 27 * 3600))
        k = rnd.randrange(1, 9)
        times = [base + timedelta(minutes=rnd.choice([0, 0, 1, 2, 3, 5, 10, 20, 29, 30, 31])) for _ in range(k)]
        for t in times:
            row = {"TimeGenerated": ts(t), "UserPrincipalName": upn, "ResultType": rnd.choice(RES[3:]) if rnd.random() < .9 else rnd.choice(RES),
                   "AuthenticationRequirement": rnd.choice(REQ), "AuthenticationDetails": rnd.choice(DETAILS),
                   "IPAddress": rnd.choice(ips), "Location": rnd.choice(locs), "AppDisplayName": rnd.choice(apps),
                   "UserAgent": "Mozilla/5.0", "Type": "SigninLogs"}
            row = {k2: v for k2, v in row.items() if v is not None or rnd.random() < .5}
            f.write(json.dumps(row, separators=(",", ":")) + "\n"); i += 1
        for _ in range(rnd.randrange(0, 3)):
            t = base + timedelta(minutes=rnd.choice([0, 5, 30, 31, 40]), seconds=rnd.choice([0, 0, 1]))
            row = {"TimeGenerated": ts(t), "UserPrincipalName": upn, "ResultType": "0" if rnd.random() < .9 else rnd.choice(RES),
                   "AuthenticationRequirement": rnd.choice(REQ), "AuthenticationDetails": rnd.choice(DETAILS),
                   "IPAddress": rnd.choice(ips), "Location": rnd.choice(locs), "AppDisplayName": rnd.choice(apps),
                   "UserAgent": "Mozilla/5.0", "Type": "SigninLogs"}
            f.write(json.dumps(row, separators=(",", ":")) + "\n"); i += 1
