"""The demo's change driver: every few seconds, one realistic change through the Route 53 API
of the emulator, then the matching CloudTrail event posted to `zonetrail up`'s
/local/events, then a wait until the API shows the change.

Usage: drive.py --endpoint AWS_URL --api ZONETRAIL_URL [--interval S] [--count N]
                [--latency-report] [--quiet]

When the emulator holds an AWS Organization (seed.py --organization) and zonetrail's
/api/accounts lists its member accounts, some changes are made in those accounts (through the
role Organizations creates in each), and their events carry the member's account id.

One status line per change. With --count it stops after N changes; with --latency-report it
ends with event-to-visible percentiles and a machine-readable `RESULT ...` line. SIGINT or
SIGTERM stop it between two changes, so no change is left half made.
"""

import argparse
import collections
import datetime
import json
import random
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import boto3

import cloudtrail

# How long a change may take to show before the driver reports it as not visible.
VISIBLE_TIMEOUT_S = 10.0
# CloudTrail's eventTime has one-second precision, so two events on one record within a
# second tie; the driver leaves a record alone for this long after changing it.
SAME_KEY_GAP_S = 1.1


class Api:
    """The zonetrail HTTP API: post events, read records."""

    def __init__(self, base):
        self.base = base.rstrip("/")

    def post_event(self, event):
        body = json.dumps(event).encode()
        req = urllib.request.Request(self.base + "/local/events", data=body, method="POST",
                                     headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def accounts(self):
        """The ids of the accounts zonetrail lists (GET /api/accounts), or None when this
        zonetrail has no such route."""
        try:
            with urllib.request.urlopen(f"{self.base}/api/accounts", timeout=10) as resp:
                return [a["account_id"] for a in json.loads(resp.read())["items"]]
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def get(self, path, **params):
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        with urllib.request.urlopen(f"{self.base}{path}?{query}", timeout=30) as resp:
            return json.loads(resp.read())

    def records(self, zone_id, name, rtype):
        query = urllib.parse.urlencode({"zone": zone_id, "name": name, "type": rtype, "limit": 100})
        with urllib.request.urlopen(f"{self.base}/api/records?{query}", timeout=10) as resp:
            return json.loads(resp.read())["items"]


def matches(item, want):
    routing = item.get("routing") or {}
    checks = {
        "ttl": item.get("ttl"),
        "values": sorted(item.get("values") or []),
        "weight": routing.get("weight"),
        "failover": routing.get("failover"),
        "dns_name": (item.get("alias_target") or {}).get("dns_name"),
    }
    return all(checks[k] == v for k, v in want.items())


def visible(api, zone_id, expect, account=None):
    """True when every expected key shows its expected state (None: absent), in the zone's
    account when the API gives one."""
    by_key = collections.defaultdict(list)
    for (name, rtype, set_id), want in expect.items():
        by_key[(name, rtype)].append((set_id, want))
    for (name, rtype), wants in by_key.items():
        items = api.records(zone_id, name, rtype)
        for set_id, want in wants:
            found = [i for i in items if i.get("set_identifier") == set_id
                     and (account is None or i.get("account_id", account) == account)]
            if want is None:
                if found:
                    return False
            elif not found or not matches(found[0], want):
                return False
    return True


def expected(record):
    """What the API should show for a record set sent to Route 53."""
    if "AliasTarget" in record:
        dns = record["AliasTarget"]["DNSName"].lower()
        want = {"dns_name": dns if dns.endswith(".") else dns + "."}
    else:
        want = {"ttl": record["TTL"], "values": sorted(v["Value"] for v in record["ResourceRecords"])}
    if "Weight" in record:
        want["weight"] = record["Weight"]
    if "Failover" in record:
        want["failover"] = record["Failover"]
    return want


def key(record):
    return (record["Name"].lower(), record["Type"], record.get("SetIdentifier"))


def client_args(endpoint, credentials=None):
    """boto3 client arguments: the emulator's dummy keys (the management account), or an
    assumed role's credentials (that role's account)."""
    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    if credentials:
        keys = {"aws_access_key_id": credentials["AccessKeyId"], "aws_secret_access_key": credentials["SecretAccessKey"],
                "aws_session_token": credentials["SessionToken"]}
    return {"endpoint_url": endpoint, "region_name": "us-east-1", **keys}


class Driver:
    def __init__(self, endpoint, api, rand):
        self.route53 = boto3.client("route53", **client_args(endpoint))
        self.api = api
        self.rand = rand
        self.zones = self.list_zones(self.route53)
        for needed in ("acme-corp.com.", "dev.acme-corp.com.", "internal.acme-corp.com."):
            if needed not in self.zones:
                raise SystemExit(f"error: zone {needed} not found at {endpoint}: run seed.py first")
        self.main = self.zones["acme-corp.com."]
        self.dev = self.zones["dev.acme-corp.com."]
        self.internal = self.zones["internal.acme-corp.com."]
        self.simple = {zid: self.simple_records(self.route53, zid) for zid in (self.main, self.internal)}
        self.challenges = collections.deque()
        self.previews = collections.deque(r["Name"] for r in self.simple_records(self.route53, self.dev)
                                          if r["Name"].startswith("pr-") and r["Type"] == "CNAME")
        self.next_preview = 5000
        self.touched = {}
        # Each zone's account and the client that writes it.
        self.account_of = {zid: cloudtrail.ACCOUNT_ID for zid in self.zones.values()}
        self.clients = {cloudtrail.ACCOUNT_ID: self.route53}
        self.member_simple, self.payments_api = [], None
        self.members = self.member_accounts(endpoint)
        self.kinds = [self.weighted_shift, self.acme_challenge, self.ttl_change, self.failover_flip,
                      self.preview_env, self.challenge_cleanup, self.ttl_change, self.preview_teardown,
                      self.geo_move]
        if self.members:
            # A member account's change every few turns, the first one early.
            self.kinds[2:2] = [self.member_ttl_change]
            self.kinds[7:7] = [self.payments_shift]
        self.turn = 0

    def list_zones(self, route53):
        zones, marker = {}, {}
        while True:
            out = route53.list_hosted_zones(**marker)
            for z in out["HostedZones"]:
                zones[z["Name"].lower()] = z["Id"].removeprefix("/hostedzone/")
            if not out.get("IsTruncated"):
                return zones
            marker = {"Marker": out["NextMarker"]}

    def member_accounts(self, endpoint):
        """The organization's member accounts that zonetrail inventories (its /api/accounts
        lists them), each reached through the role Organizations creates in it: {id: name}.
        None when the emulator has no organization or zonetrail lists no other account."""
        listed = self.api.accounts()
        org = boto3.client("organizations", **client_args(endpoint))
        try:
            accounts = {a["Id"]: a["Name"] for page in org.get_paginator("list_accounts").paginate()
                        for a in page["Accounts"] if a["Status"] == "ACTIVE"}
        except org.exceptions.AWSOrganizationsNotInUseException:
            return {}
        members = {i: n for i, n in accounts.items() if i != cloudtrail.ACCOUNT_ID and i in (listed or ())}
        sts = boto3.client("sts", **client_args(endpoint))
        for account_id in members:
            credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                                          RoleSessionName="zonetrail-demo-driver")["Credentials"]
            route53 = boto3.client("route53", **client_args(endpoint, credentials))
            self.clients[account_id] = route53
            for name, zone_id in self.list_zones(route53).items():
                self.account_of[zone_id] = account_id
                self.member_simple += [(zone_id, r) for r in self.simple_records(route53, zone_id)]
                if name == "payments.acme-corp.com.":
                    self.payments_api = zone_id
        return members

    def client(self, zone_id):
        return self.clients[self.account_of[zone_id]]

    # ---- reading Route 53 ------------------------------------------------------------

    def simple_records(self, route53, zone_id):
        out, seen = [], set()
        for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
            for r in page["ResourceRecordSets"]:
                if key(r) in seen:  # the emulator repeats a group that straddles two pages
                    continue
                seen.add(key(r))
                if "SetIdentifier" not in r and "AliasTarget" not in r and r["Type"] in ("A", "CNAME", "AAAA"):
                    if not r["Name"].startswith("*"):
                        out.append(r)
        return out

    def record_sets(self, zone_id, name, rtype):
        out = self.client(zone_id).list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=name,
                                                      StartRecordType=rtype, MaxItems="100")
        return [r for r in out["ResourceRecordSets"] if r["Name"].lower() == name and r["Type"] == rtype]

    # ---- the changes: each returns (zone id, change batch, actor, description) ------

    def weighted_shift(self):
        name = "api.acme-corp.com."
        sets = {r["SetIdentifier"]: r for r in self.record_sets(self.main, name, "A")}
        blue, green = sets["api-blue"], sets["api-green"]
        step = 10 if green["Weight"] < 100 and self.rand.random() < 0.7 else -10
        step = max(-green["Weight"], min(step, blue["Weight"]))
        if step == 0:
            step = 10 if green["Weight"] == 0 else -10
        old = (blue["Weight"], green["Weight"])
        blue = {**blue, "Weight": blue["Weight"] - step}
        green = {**green, "Weight": green["Weight"] + step}
        batch = {"Comment": "shift traffic between blue and green",
                 "Changes": [{"Action": "UPSERT", "ResourceRecordSet": blue}, {"Action": "UPSERT", "ResourceRecordSet": green}]}
        text = f"weighted shift  {name} A  blue {old[0]}→{blue['Weight']}, green {old[1]}→{green['Weight']}"
        return self.main, batch, cloudtrail.actor("TerraformDeploy"), text

    def acme_challenge(self):
        tenant = self.rand.choice([r["Name"] for r in self.simple[self.main] if ".app." in r["Name"] and not r["Name"].startswith("_")])
        name = f"_acme-challenge.{tenant}"
        token = "".join(self.rand.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(43))
        record = {"Name": name, "Type": "TXT", "TTL": 10, "ResourceRecords": [{"Value": f'"{token}"'}]}
        self.challenges.append(record)
        batch = {"Comment": "certbot-dns-route53 certificate validation UPSERT",
                 "Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}
        return self.main, batch, cloudtrail.actor("certbot-dns01"), f"new record      {name} TXT"

    def challenge_cleanup(self):
        if not self.challenges:
            return self.acme_challenge()
        record = self.challenges.popleft()
        batch = {"Comment": "certbot-dns-route53 certificate validation DELETE",
                 "Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]}
        return self.main, batch, cloudtrail.actor("certbot-dns01"), f"delete          {record['Name']} TXT"

    def ttl_change(self):
        zone_id = self.rand.choice([self.main, self.internal])
        candidates = self.simple[zone_id]
        for _ in range(20):
            record = self.rand.choice(candidates)
            if record["Name"].startswith("_"):
                continue
            if not self.recently_touched([key(record)]):
                break
        current = self.record_sets(zone_id, record["Name"].lower(), record["Type"])
        if not current:  # gone since we listed it
            candidates.remove(record)
            return self.preview_env()
        record = next((r for r in current if "SetIdentifier" not in r), current[0])
        ttl = self.rand.choice([r for r in (30, 60, 300, 900, 3600) if r != record["TTL"]])
        old = record["TTL"]
        record = {**record, "TTL": ttl}
        batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}
        who = cloudtrail.actor(self.rand.choice(["alice", "AWSReservedSSO_NetworkAdmin_4f2a1b9c0d3e"]))
        return zone_id, batch, who, f"TTL change      {record['Name']} {record['Type']}  {old}→{ttl} s"

    def payments_shift(self):
        """A canary step on the payments account's API (weighted, blue/green)."""
        if self.payments_api is None:
            return self.member_ttl_change()
        name = "api.payments.acme-corp.com."
        sets = {r["SetIdentifier"]: r for r in self.record_sets(self.payments_api, name, "A")}
        blue, green = sets["payments-blue"], sets["payments-green"]
        step = 25 if green["Weight"] < 100 else -100
        old = (blue["Weight"], green["Weight"])
        blue = {**blue, "Weight": blue["Weight"] - step}
        green = {**green, "Weight": green["Weight"] + step}
        batch = {"Comment": "payments canary step",
                 "Changes": [{"Action": "UPSERT", "ResourceRecordSet": blue}, {"Action": "UPSERT", "ResourceRecordSet": green}]}
        account = self.members[self.account_of[self.payments_api]]
        text = f"weighted shift  {name} A  blue {old[0]}→{blue['Weight']}, green {old[1]}→{green['Weight']}  [{account}]"
        return self.payments_api, batch, cloudtrail.actor("TerraformDeploy"), text

    def member_ttl_change(self):
        """A TTL change in one of the member accounts' zones, by that team's SSO admin."""
        for _ in range(20):
            zone_id, record = self.rand.choice(self.member_simple)
            if not record["Name"].startswith("_") and not self.recently_touched([key(record)]):
                break
        current = self.record_sets(zone_id, record["Name"].lower(), record["Type"])
        if not current:
            return self.preview_env()
        record = current[0]
        ttl = self.rand.choice([r for r in (30, 60, 300, 900, 3600) if r != record["TTL"]])
        old = record["TTL"]
        record = {**record, "TTL": ttl}
        batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}
        account = self.members[self.account_of[zone_id]]
        who = cloudtrail.actor("AWSReservedSSO_PlatformEngineer_9c1d7e3b5a2f")
        return zone_id, batch, who, f"TTL change      {record['Name']} {record['Type']}  {old}→{ttl} s  [{account}]"

    def failover_flip(self):
        name = "app.acme-corp.com."
        sets = self.record_sets(self.main, name, "A")
        flipped = [{**r, "Failover": "SECONDARY" if r["Failover"] == "PRIMARY" else "PRIMARY"} for r in sets]
        primary = next(r["SetIdentifier"] for r in flipped if r["Failover"] == "PRIMARY")
        batch = {"Comment": "DR drill: fail over app", "Changes": [{"Action": "UPSERT", "ResourceRecordSet": r} for r in flipped]}
        who = cloudtrail.actor("AWSReservedSSO_NetworkAdmin_4f2a1b9c0d3e")
        return self.main, batch, who, f"failover flip   {name} A  primary is now {primary}"

    def preview_env(self):
        self.next_preview += 1
        name = f"pr-{self.next_preview}.pr.dev.acme-corp.com."
        record = {"Name": name, "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "preview-ingress.acme-corp.com."}]}
        self.previews.append(name)
        batch = {"Comment": f"preview environment for PR #{self.next_preview}",
                 "Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]}
        return self.dev, batch, cloudtrail.actor("external-dns-prod"), f"new record      {name} CNAME"

    def preview_teardown(self):
        while self.previews:
            name = self.previews.popleft()
            current = self.record_sets(self.dev, name.lower(), "CNAME")
            if current:
                batch = {"Comment": "preview environment closed",
                         "Changes": [{"Action": "DELETE", "ResourceRecordSet": current[0]}]}
                return self.dev, batch, cloudtrail.actor("external-dns-prod"), f"delete          {name} CNAME"
        return self.preview_env()

    def geo_move(self):
        name = "shop.acme-corp.com."
        sets = {r["SetIdentifier"]: r for r in self.record_sets(self.main, name, "A")}
        record = sets[self.rand.choice(sorted(sets))]
        ip = f"198.51.100.{self.rand.randrange(100, 200)}"
        record = {**record, "ResourceRecords": [{"Value": ip}]}
        batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}
        where = ",".join(f"{k}={v}" for k, v in record["GeoLocation"].items())
        return self.main, batch, cloudtrail.actor("TerraformDeploy"), f"geo update      {name} A  {where} → {ip}"

    # ---- one step ----------------------------------------------------------------------

    def recently_touched(self, keys):
        now = time.monotonic()
        return any(now - self.touched.get(k, -1e9) < SAME_KEY_GAP_S for k in keys)

    def plan(self):
        """The next change whose records were not changed in the last second."""
        for _ in range(len(self.kinds) * 2):
            kind = self.kinds[self.turn % len(self.kinds)]
            self.turn += 1
            zone_id, batch, who, text = kind()
            keys = [key(c["ResourceRecordSet"]) for c in batch["Changes"]]
            if not self.recently_touched(keys):
                return zone_id, batch, who, text
            # Put back what was taken: the change was not made.
            if kind == self.challenge_cleanup:
                self.challenges.appendleft(batch["Changes"][0]["ResourceRecordSet"])
            if kind == self.preview_teardown:
                self.previews.appendleft(batch["Changes"][0]["ResourceRecordSet"]["Name"])
        return self.preview_env()

    def step(self):
        zone_id, batch, who, text = self.plan()
        account = self.account_of[zone_id]
        out = self.client(zone_id).change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
        now = time.monotonic()
        expect = {}
        for change in batch["Changes"]:
            record = change["ResourceRecordSet"]
            self.touched[key(record)] = now
            expect[key(record)] = None if change["Action"] == "DELETE" else expected(record)
        event = cloudtrail.change_event(zone_id, batch, who, out["ChangeInfo"], account=account)
        started = time.perf_counter()
        status, body = self.api.post_event(event)
        if status != 202:
            return text, who, None, f"POST /local/events answered {status}: {body.get('error', body)}"
        deadline = started + VISIBLE_TIMEOUT_S
        while not visible(self.api, zone_id, expect, account):
            if time.perf_counter() > deadline:
                return text, who, None, f"not visible after {VISIBLE_TIMEOUT_S:.0f} s"
            time.sleep(0.003)
        return text, who, (time.perf_counter() - started) * 1000, None


def who_text(who):
    if who["type"] != "AssumedRole":
        return f"user/{who['name']}"
    if who["role"].startswith("AWSReservedSSO_"):
        return f"{who['session']} (SSO)"
    return f"role/{who['role']}"


def time_travel(api, since):
    """What changed since the driver started (GET /api/diff), and what putting the most
    changed zone back would take (GET /api/zones/{id}/restore)."""
    kinds, per_zone, cursor = {"added": 0, "removed": 0, "changed": 0}, {}, None
    while True:
        page = api.get("/api/diff", **{"from": since, "limit": 1000, "cursor": cursor})
        for item in page["items"]:
            kinds[item["kind"]] += 1
            zone = (item["zone_id"], item.get("zone_name"))
            per_zone[zone] = per_zone.get(zone, 0) + 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    text = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    print(f"time travel: since {since}, {text} (GET /api/diff?from={since})", flush=True)
    if per_zone:
        (zone_id, zone_name), _ = max(per_zone.items(), key=lambda kv: kv[1])
        restore = api.get(f"/api/zones/{zone_id}/restore", to=since)
        s = restore["summary"]
        print(f"time travel: putting {zone_name} back as it was: {s['creates']} creates, {s['deletes']} deletes, "
              f"{s['upserts']} upserts in {s['batches']} batch(es) "
              f"(zonetrail export --zone {zone_id} --restore-to {since} --dry-run)", flush=True)


def percentile(values, p):
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="the AWS emulator's URL")
    parser.add_argument("--api", required=True, help="zonetrail up's URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between changes (default 3)")
    parser.add_argument("--count", type=int, default=0, help="stop after this many changes (default: run until stopped)")
    parser.add_argument("--latency-report", action="store_true", help="end with event-to-visible percentiles")
    parser.add_argument("--target-p99-ms", type=float, default=500.0, help="target for the latency report")
    parser.add_argument("--quiet", action="store_true", help="no line per change")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    args = parser.parse_args()

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    driver = Driver(args.endpoint, Api(args.api), random.Random(args.seed))
    if driver.members and not args.quiet:
        others = ", ".join(f"{name} ({account_id})" for account_id, name in sorted(driver.members.items()))
        print(f"changes in {len(driver.members) + 1} accounts: the management account {cloudtrail.ACCOUNT_ID} and {others}",
              flush=True)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    latencies, failures, made = [], 0, 0
    while not stop.is_set() and (args.count == 0 or made < args.count):
        text, who, ms, error = driver.step()
        made += 1
        clock = datetime.datetime.now().strftime("%H:%M:%S")
        if ms is None:
            failures += 1
            print(f"{clock}  {text}  by {who_text(who)}  FAILED: {error}", flush=True)
        else:
            latencies.append(ms)
            if not args.quiet:
                print(f"{clock}  {text}  by {who_text(who)}  · visible in {ms:.0f} ms", flush=True)
        if args.interval > 0:
            stop.wait(args.interval)

    if args.latency_report and latencies:
        p50, p99, worst = percentile(latencies, 50), percentile(latencies, 99), max(latencies)
        verdict = "meets" if p99 < args.target_p99_ms and failures == 0 else "MISSES"
        print(f"event-to-visible over {len(latencies)} events: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms; "
              f"{failures} failed; target p99 < {args.target_p99_ms:.0f} ms: {verdict} "
              f"(p99 is {p99 / args.target_p99_ms:.2f}× the target)", flush=True)
        print(f"RESULT event_to_visible_p99_ms={p99:.1f} p50_ms={p50:.1f} max_ms={worst:.1f} n={len(latencies)} "
              f"failed={failures} target_p99_ms={args.target_p99_ms:.0f}", flush=True)
        return 0 if failures == 0 and p99 < args.target_p99_ms else 1
    if not args.quiet:
        print(f"driver stopped after {made} changes ({failures} failed)", flush=True)
        try:
            time_travel(driver.api, started)
        except (OSError, ValueError, KeyError) as e:
            print(f"time travel FAILED: {e}", flush=True)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
