"""Seeds the real stack for the dashboard's e2e, through the real path only.

    real_seed.py zones  MOTO            create the zones and records in moto (Route 53 API)
    real_seed.py history MOTO STACK     change www blue in moto (weight 50 -> 70, + a value)
                                        and POST the matching CloudTrail event to STACK
    real_seed.py live MOTO STACK        create live-<n>.example.com. in moto, POST its event;
                                        prints {"record": {"name": ...}} like the fixture hook

MOTO is moto's endpoint, STACK the base URL of `zonetrail up`. Needs boto3 (ZONETRAIL_VENV).
"""

import json
import os
import sys
import time
import urllib.request

import boto3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from zonetrail_demo.cloudtrail import change_event  # noqa: E402

# The actor of the history entry the e2e checks (its ARN is shortened on the page).
DEPLOY = {"type": "AssumedRole", "role": "github-deploy", "session": "GitHubActions-8812",
          "agent": "aws-cli/2.22.4 Python/3.12.6 Linux/6.8.0"}
ONCALL = {"type": "IAMUser", "name": "oncall", "agent": "aws-cli/2.22.4 Python/3.12.6 Linux/6.8.0"}


def route53(moto):
    return boto3.client("route53", endpoint_url=moto, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def rr(name, rtype, values, ttl=300, **extra):
    return {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values], **extra}


def upserts(records, comment):
    return {"Comment": comment, "Changes": [{"Action": "UPSERT", "ResourceRecordSet": r} for r in records]}


def zone_id(client, name):
    for z in client.list_hosted_zones()["HostedZones"]:
        if z["Name"] == name:
            return z["Id"]
    raise SystemExit(f"real_seed: zone {name} is not in moto (run `real_seed.py zones` first)")


def create_zone(client, name, records):
    if any(z["Name"] == name for z in client.list_hosted_zones()["HostedZones"]):
        raise SystemExit(f"real_seed: moto already has a zone {name}: seed a fresh moto")
    out = client.create_hosted_zone(Name=name, CallerReference=f"e2e-{name}-{time.time_ns()}",
                                    HostedZoneConfig={"Comment": "zonetrail e2e", "PrivateZone": False})
    zid = out["HostedZone"]["Id"]
    client.change_resource_record_sets(HostedZoneId=zid, ChangeBatch=upserts(records, "e2e seed"))
    return client.get_hosted_zone(Id=zid)["HostedZone"]["ResourceRecordSetCount"]


def post_event(stack, event):
    req = urllib.request.Request(stack.rstrip("/") + "/local/events", data=json.dumps(event).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        if not 200 <= r.status < 300:
            raise SystemExit(f"real_seed: /local/events answered {r.status}")


def change(client, stack, zone, batch, who):
    """One ChangeResourceRecordSets in moto, then the CloudTrail event for it to the stack."""
    zid = zone_id(client, zone)
    info = client.change_resource_record_sets(HostedZoneId=zid, ChangeBatch=batch)["ChangeInfo"]
    post_event(stack, change_event(zid, batch, who, change_info=info))


def blue(weight, values):
    return rr("www.example.com.", "A", values, ttl=60, SetIdentifier="blue", Weight=weight)


def seed_zones(moto):
    client = route53(moto)
    count = create_zone(client, "example.com.", [
        blue(50, ["192.0.2.10"]),
        rr("www.example.com.", "A", ["192.0.2.20"], ttl=60, SetIdentifier="green", Weight=30),
        rr("api.example.com.", "A", ["192.0.2.30", "192.0.2.31"]),
        rr("mail.example.com.", "A", ["192.0.2.40"]),
        rr("example.com.", "MX", ["10 mail.example.com."], ttl=3600),
        rr("example.com.", "TXT", ['"v=spf1 include:_spf.example.com ~all"'], ttl=3600),
        rr("docs.example.com.", "CNAME", ["www.example.com."]),
        rr("ipv6.example.com.", "AAAA", ["2001:db8::1"]),
    ])
    count += create_zone(client, "example.net.", [
        rr("legacy.example.net.", "A", ["192.0.2.10"]),
        rr("www.example.net.", "CNAME", ["www.example.com."]),
    ])
    # Route 53's count, with each zone's SOA and NS: what the first sweep must bring in.
    print(json.dumps({"record_sets": count}))


def wait_for(stack, query, needle, what):
    """Poll the API until GET /api/records?QUERY mentions NEEDLE (the event was applied)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with urllib.request.urlopen(stack.rstrip("/") + "/api/records?" + query, timeout=5) as r:
            if needle in r.read().decode():
                return
        time.sleep(0.2)
    raise SystemExit(f"real_seed: {what} never showed in /api/records?{query}")


def seed_history(moto, stack):
    # The first sweep must hold blue at weight 50 first, or the event would be its create.
    wait_for(stack, "type=A&name=www.example.com.", '"weight":50', "www blue at weight 50 (the first sweep)")
    # A few seconds between the first sweep and the update (CloudTrail's event times are to
    # the second), so the time-travel e2e has a past time, to the second, that shows weight 50.
    time.sleep(3)
    change(route53(moto), stack, "example.com.",
           upserts([blue(70, ["192.0.2.10", "192.0.2.11"])], "shift traffic to blue"), DEPLOY)
    wait_for(stack, "type=A&name=www.example.com.", "192.0.2.11", "the www blue update")


def seed_live(moto, stack):
    name = f"live-{time.time_ns() % 10**9}.example.com."
    change(route53(moto), stack, "example.com.", upserts([rr(name, "A", ["198.51.100.7"])], "live arrival"), ONCALL)
    print(json.dumps({"record": {"name": name, "type": "A"}}))


def main(argv):
    if len(argv) < 3 or argv[1] not in ("zones", "history", "live") or (argv[1] != "zones" and len(argv) < 4):
        raise SystemExit(__doc__)
    if argv[1] == "zones":
        seed_zones(argv[2])
    elif argv[1] == "history":
        seed_history(argv[2], argv[3])
    else:
        seed_live(argv[2], argv[3])


if __name__ == "__main__":
    main(sys.argv)
