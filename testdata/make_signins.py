#!/usr/bin/env python3
"""Writes AADSignInLogs.jsonl: a hand-designed sign-in dump for mfa-fatigue.kql.

Every scenario below is an edge of the rule; README.md says what each one must
produce with --now 2026-12-03T12:00:00Z. The noise rows are single-factor
sign-ins, which the rule never reads. Run from testdata/: python3 make_signins.py
"""
import json
import random

MFA = "multiFactorAuthentication"
SFA = "singleFactorAuthentication"
PUSH = json.dumps([{"authenticationMethod": "Mobile app notification",
                    "authenticationMethodDetail": "PhoneAppNotification", "succeeded": False}],
                  separators=(",", ":"))
LOOKALIKE = json.dumps([{"authenticationMethod": "PhoneAppNotifications",
                         "authenticationStepResultDetail": "MFAService unavailable", "succeeded": False}],
                       separators=(",", ":"))
UNDERSCORE = json.dumps([{"authenticationStepResultDetail": "mfa_required", "succeeded": False}],
                        separators=(",", ":"))
OK_PUSH = json.dumps([{"authenticationMethod": "Mobile app notification", "succeeded": True}],
                     separators=(",", ":"))
PASSWORD = json.dumps([{"authenticationMethod": "Password", "succeeded": True}], separators=(",", ":"))

rows = []


def row(t, upn, result, requirement, details, ip, location, app="Azure Portal",
        agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)"):
    rows.append({
        "TimeGenerated": t, "UserPrincipalName": upn, "ResultType": result,
        "AuthenticationRequirement": requirement, "AuthenticationDetails": details,
        "IPAddress": ip, "Location": location, "AppDisplayName": app, "UserAgent": agent,
        "Type": "SigninLogs",
    })


def fails(upn, times, ip, location, details=PUSH, result="500121"):
    for t in times:
        row(t, upn, result, MFA, details, ip, location)


def success(t, upn, ip, location, app):
    row(t, upn, "0", MFA, OK_PUSH, ip, location, app=app)


D = "2026-12-03T"
# alice: six pushes denied from two addresses, then one approved from a new address (alert).
fails("alice@contoso.com", [D + "09:00:00.1234567Z", D + "09:02:00Z", D + "09:04:00Z"], "203.0.113.10", "NL")
fails("alice@contoso.com", [D + "09:06:00Z", D + "09:08:00Z", D + "09:10:00Z"], "203.0.113.11", "NL", result="50074")
row(D + "09:11:00Z", "alice@contoso.com", "0", SFA, PASSWORD, "203.0.113.10", "NL", app="Outlook")
success(D + "09:12:30Z", "alice@contoso.com", "198.51.100.7", "US", "Microsoft Office 365 Portal")
success(D + "10:30:00Z", "alice@contoso.com", "198.51.100.8", "US", "Late App")
# bob: exactly four distinct failures, then a success (no alert).
fails("bob@contoso.com", [D + "10:00:00Z", D + "10:01:00Z", D + "10:02:00Z", D + "10:03:00Z"], "192.0.2.10", "US")
success(D + "10:05:00Z", "bob@contoso.com", "192.0.2.10", "US", "Azure Portal")
# carol: five failures, the success 31 minutes after the last one (no alert).
fails("carol@contoso.com", [D + "07:0%d:00Z" % i for i in range(5)], "192.0.2.20", "US")
success(D + "07:35:00Z", "carol@contoso.com", "192.0.2.20", "US", "Azure Portal")
# dave: seven failures, but only four strictly after ago(24h); one sits exactly on it (no alert).
fails("dave@contoso.com", ["2026-12-02T11:58:00Z", "2026-12-02T11:59:00Z", "2026-12-02T12:00:00Z",
                           "2026-12-02T12:01:00Z", "2026-12-02T12:02:00Z", "2026-12-02T12:03:00Z",
                           "2026-12-02T12:04:00Z"], "192.0.2.30", "US")
success("2026-12-02T12:10:00Z", "dave@contoso.com", "192.0.2.30", "US", "Azure Portal")
# erin: five failures; only the first is exactly 30 minutes before the success (alert: inclusive).
fails("erin@contoso.com", [D + "08:00:00Z", D + "08:05:00Z", D + "08:10:00Z", D + "08:15:00Z", D + "08:20:00Z"],
      "198.51.100.30", "GB")
success(D + "08:30:00Z", "erin@contoso.com", "198.51.100.31", "GB", "Azure Portal")
# frank: six failure rows at four distinct instants (no alert: dcount counts instants).
fails("frank@contoso.com", [D + "11:00:00Z", D + "11:00:00Z", D + "11:01:00Z", D + "11:01:00Z",
                            D + "11:02:00Z", D + "11:03:00Z"], "192.0.2.40", "US")
success(D + "11:10:00Z", "frank@contoso.com", "192.0.2.40", "US", "Azure Portal")
# grace: seven rows at five distinct instants, two successes from the failing address (alert, no mismatch).
fails("grace@contoso.com", [D + "11:20:00Z", D + "11:20:00Z", D + "11:20:00Z", D + "11:21:00Z",
                            D + "11:22:00Z", D + "11:23:00Z", D + "11:24:00Z"], "192.0.2.50", "DE")
success(D + "11:26:00Z", "grace@contoso.com", "192.0.2.50", "DE", "Azure Portal")
success(D + "11:40:00Z", "grace@contoso.com", "192.0.2.50", "DE", "Microsoft Teams")
# henry: details with look-alike terms only, MFAService and PhoneAppNotifications (no alert).
fails("henry@contoso.com", [D + "05:0%d:00Z" % i for i in range(5)], "192.0.2.60", "US", details=LOOKALIKE)
success(D + "05:06:00Z", "henry@contoso.com", "192.0.2.60", "US", "Azure Portal")
# ivy: details say mfa_required; `_` separates terms, so `has_any("MFA")` matches (alert).
fails("ivy@contoso.com", [D + "06:0%d:00Z" % i for i in range(5)], "203.0.113.99", "FR", details=UNDERSCORE)
success(D + "06:10:00Z", "ivy@contoso.com", "198.51.100.20", "FR", "My Apps")
# jack: failures as Jack@..., the success as jack@...: join keys are case-sensitive (no alert).
fails("Jack@contoso.com", [D + "04:0%d:00Z" % i for i in range(5)], "192.0.2.70", "US")
success(D + "04:06:00Z", "jack@contoso.com", "192.0.2.70", "US", "Azure Portal")

# Noise: single-factor sign-ins of fifty other users over the day.
rng = random.Random(20261203)
for i in range(240):
    user = "user%03d@contoso.com" % rng.randrange(50)
    minute = rng.randrange(36 * 60)
    t = "2026-12-%02dT%02d:%02d:%02dZ" % (2 + (minute // 60 + 0) // 24, (minute // 60) % 24, minute % 60, rng.randrange(60))
    result = "0" if rng.random() < 0.8 else "50126"
    row(t, user, result, SFA, PASSWORD, "10.0.%d.%d" % (rng.randrange(4), rng.randrange(250)), "US")

rows.sort(key=lambda r: r["TimeGenerated"])
with open("AADSignInLogs.jsonl", "w", encoding="utf-8", newline="\n") as f:
    for r in rows:
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
print(len(rows), "rows")
