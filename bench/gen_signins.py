#!/usr/bin/env python3
"""Writes a large random AADSignInLogs dump for the load-and-run benchmark.

Usage: gen_signins.py ROWS SEED OUT.jsonl

Bursts of MFA failures per user around random times in the 27 hours before
2026-12-03T12:00:00Z, with the reference rule's edges mixed in: look-alike
terms, null and missing fields, +02:00 offsets, 7-digit fractions, numeric
ResultType, case-different and empty UPNs. Deterministic for a seed.

Every row also carries the rest of a real SigninLogs row (about 2.5 KB in all):
GUIDs, dynamic DeviceDetail, LocationDetails, Status and MfaDetail objects,
JSON-string ConditionalAccessPolicies and AuthenticationProcessingDetails, a
browser user agent. Those come from a second generator, so the fields the
rule reads, and its alerts, are the same as without them.
"""
import json, random, sys, uuid
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
fill = random.Random(seed + 1)
TENANT = str(uuid.UUID(int=fill.getrandbits(128)))
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"]
CITIES = [("Amsterdam", "Noord-Holland", "NL", 52.37, 4.89), ("Seattle", "Washington", "US", 47.61, -122.33),
          ("London", "England", "GB", 51.51, -0.13)]
def guid():
    return str(uuid.UUID(int=fill.getrandbits(128)))
def policies():
    names = ["Require MFA for admins"]
    return json.dumps([{"id": guid(), "displayName": n, "enforcedGrantControls": ["Mfa"], "enforcedSessionControls": [],
                        "result": fill.choice(["success", "notApplied", "failure"]), "conditionsSatisfied": 3,
                        "conditionsNotSatisfied": 0} for n in names], separators=(",", ":"))
def filler(upn):
    city, state, country, lat, lon = fill.choice(CITIES)
    code = fill.choice([0, 50074, 50126, 500121])
    return {"Id": guid(), "CorrelationId": guid(), "OperationName": "Sign-in activity", "OperationVersion": "1.0",
            "Category": "SignInLogs", "ResultSignature": "None", "ResultDescription": "" if code == 0 else "Strong Authentication is required.",
            "DurationMs": 0, "Identity": upn.split("@")[0], "Level": "4", "AppId": guid(),
            "ClientAppUsed": "Browser", "ConditionalAccessPolicies": policies(), "ConditionalAccessStatus": fill.choice(["success", "notApplied", "failure"]),
            "DeviceDetail": {"deviceId": guid(), "displayName": "LAPTOP-" + str(fill.randrange(10**6)), "operatingSystem": "Windows 10",
                             "browser": "Edge 131.0.0", "isCompliant": fill.random() < .8, "isManaged": True, "trustType": "Azure AD joined"},
            "IsInteractive": True, "IsRisky": False,
            "LocationDetails": {"city": city, "state": state, "countryOrRegion": country,
                                "geoCoordinates": {"latitude": lat, "longitude": lon}},
            "MfaDetail": {"authMethod": "Mobile app notification", "authDetail": "Notification approved"},
            "NetworkLocationDetails": "[]", "ProcessingTimeInMilliseconds": fill.randrange(20, 400),
            "ResourceDisplayName": "Windows Azure Service Management API", 
            "RiskDetail": "none", "RiskEventTypes": "[]", "RiskEventTypes_V2": "[]", "RiskLevelAggregated": "none",
            "RiskLevelDuringSignIn": "none", "RiskState": "none", "ResourceTenantId": TENANT, "HomeTenantId": TENANT,
            "Status": {"errorCode": code, "failureReason": "Other." if code else "", "additionalDetails": "MFA completed"},
            "TokenIssuerType": "AzureAD", "UserDisplayName": upn.split("@")[0].title(), "UserId": guid(), "UserType": "Member",
            "AuthenticationProcessingDetails": json.dumps([{"key": "Legacy TLS (TLS 1.0, 1.1, 3DES)", "value": "False"}], separators=(",", ":")),
            "AuthenticationProtocol": "none", "CrossTenantAccessType": "none", "IncomingTokenType": "none",
            "SessionLifetimePolicies": "[]",
            "TenantId": TENANT, "SourceSystem": "Azure AD", "ResourceId": "/tenants/" + TENANT + "/providers/Microsoft.aadiam"}
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
            row.update(filler(upn)); row["UserAgent"] = fill.choice(AGENTS)
            f.write(json.dumps(row, separators=(",", ":")) + "\n"); i += 1
        for _ in range(rnd.randrange(0, 3)):
            t = base + timedelta(minutes=rnd.choice([0, 5, 30, 31, 40]), seconds=rnd.choice([0, 0, 1]))
            row = {"TimeGenerated": ts(t), "UserPrincipalName": upn, "ResultType": "0" if rnd.random() < .9 else rnd.choice(RES),
                   "AuthenticationRequirement": rnd.choice(REQ), "AuthenticationDetails": rnd.choice(DETAILS),
                   "IPAddress": rnd.choice(ips), "Location": rnd.choice(locs), "AppDisplayName": rnd.choice(apps),
                   "UserAgent": "Mozilla/5.0", "Type": "SigninLogs"}
            row.update(filler(upn)); row["UserAgent"] = fill.choice(AGENTS)
            f.write(json.dumps(row, separators=(",", ":")) + "\n"); i += 1
