"""The demo's findings part: an Elastic IP is allocated, a record points at it, the address
is released, and zonetrail raises a `dangling_ip` finding (a subdomain takeover waiting to
happen) within a second of the ReleaseAddress event, which this prints.

Each AWS call goes to the emulator and its CloudTrail event to zonetrail's /local/events, as
EventBridge would deliver it. The address is one of 54.214.0.0/16, which AWS's published
ranges (the copy shipped in zonetrail) put in us-west-2 (the emulator's own addresses are in
127.0.0.0/8, no AWS range): it is allocated there, and zonetrail's resource sweep must read
that region (ZONETRAIL_REGIONS).
"""

import argparse
import datetime
import json
import random
import sys
import time
import urllib.parse
import urllib.request
import uuid

import boto3

import cloudtrail
from drive import Api, client_args

REGION = "us-west-2"
LABEL = "legacy-shop"
# How long the finding may take to show before this reports it as FAILED.
TIMEOUT_S = 10.0


def ec2_event(name, request, response, now=None):
    """The EventBridge event for one successful EC2 call of the management account."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    event_time = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    who = cloudtrail.actor("alice")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2",
        "account": cloudtrail.ACCOUNT_ID,
        "time": event_time,
        "region": REGION,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": cloudtrail.user_identity(who, now),
            "eventTime": event_time,
            "eventSource": "ec2.amazonaws.com",
            "eventName": name,
            "awsRegion": REGION,
            "sourceIPAddress": "198.51.100.7",
            "userAgent": who["agent"],
            "requestParameters": request,
            "responseElements": response,
            "requestID": str(uuid.uuid4()),
            "eventID": str(uuid.uuid4()),
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": cloudtrail.ACCOUNT_ID,
            "eventCategory": "Management",
        },
    }


def post(api, event, what):
    status, body = api.post_event(event)
    if status != 202:
        raise RuntimeError(f"{what}: /local/events answered {status}: {body}")
    return body


def findings(api, **params):
    items, cursor = [], None
    while True:
        page = api.get("/api/findings", limit=500, cursor=cursor, **params)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def on_record(items, name):
    return [f for f in items if f["record"]["name"] == name and f["kind"] == "dangling_ip"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="the AWS emulator's URL")
    parser.add_argument("--api", required=True, help="zonetrail up's URL")
    parser.add_argument("--zone", default="acme-corp.com.", help="the public zone of the record")
    args = parser.parse_args()
    api = Api(args.api)
    route53 = boto3.client("route53", **client_args(args.endpoint))
    ec2 = boto3.client("ec2", **{**client_args(args.endpoint), "region_name": REGION})

    zones = [z for page in route53.get_paginator("list_hosted_zones").paginate() for z in page["HostedZones"]]
    zone = next((z for z in zones if z["Name"] == args.zone and not z["Config"]["PrivateZone"]), None)
    if zone is None:
        print(f"findings: FAILED: no public zone {args.zone} in the management account", flush=True)
        return 1
    zone_id = zone["Id"].removeprefix("/hostedzone/")
    name = f"{LABEL}.{args.zone}"

    # 1. An Elastic IP, then a record that points at it: held, so no finding.
    # moto allocates from 127.0.0.0/8, no AWS range, so the demo asks for an address in
    # 54.214.0.0/16 (EC2, us-west-2), as `Address` recovers a released one in AWS.
    wanted = f"54.214.{random.randrange(1, 255)}.{random.randrange(1, 255)}"
    address = ec2.allocate_address(Domain="vpc", Address=wanted)
    ip, allocation = address["PublicIp"], address["AllocationId"]
    post(api, ec2_event("AllocateAddress", {"domain": "vpc"},
                        {"publicIp": ip, "allocationId": allocation, "domain": "vpc"}), "AllocateAddress")
    batch = {"Comment": "legacy shop on its own Elastic IP",
             "Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
                 "Name": name, "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": ip}]}}]}
    info = route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]
    post(api, cloudtrail.change_event(zone_id, batch, cloudtrail.actor("TerraformDeploy"), info), "the record's event")
    print(f"findings: {name} A {ip} points at an Elastic IP the account holds ({allocation}, {REGION})", flush=True)
    time.sleep(1.0)
    early = on_record(findings(api, status="open"), name)
    if early:
        print(f"findings: FAILED: a held address raised a finding: {early[0]['summary']}", flush=True)
        return 1

    # 2. The address released (the record left behind), and the event posted.
    ec2.release_address(AllocationId=allocation)
    started = time.monotonic()
    post(api, ec2_event("ReleaseAddress", {"allocationId": allocation}, {"_return": True}), "ReleaseAddress")
    print(f"findings: released {ip}; {name} still points at it", flush=True)
    while True:
        found = on_record(findings(api, status="open"), name)
        elapsed = time.monotonic() - started
        if found:
            break
        if elapsed > TIMEOUT_S:
            print(f"findings: FAILED: no dangling_ip finding on {name} {TIMEOUT_S:.0f} s after ReleaseAddress", flush=True)
            return 1
        time.sleep(0.02)
    f = found[0]
    print(f"finding opened in {elapsed * 1000:.0f} ms: [{f['severity']}] {f['kind']} {name} A · {f['summary']}", flush=True)
    query = urllib.parse.urlencode({"status": "open", "kind": "dangling_ip"})
    print(f"findings: GET {args.api}/api/findings?{query} · zonetrail findings list --status open", flush=True)
    print(json.dumps(f, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
