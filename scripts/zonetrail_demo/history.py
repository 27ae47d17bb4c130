"""Write a made-up CloudTrail event history of the demo's zones, for `zonetrail backfill`.

The emulator keeps no event history (it has no LookupEvents), so the demo serves this file
from the project's fake CloudTrail (`ingest/examples/fake_cloudtrail.rs`). The history is
consistent with what seed.py wrote: about sixty days of changes by the usual actors that end
in each record's current state, so a backfill puts real-looking history before the first
sweep's state:

- records created 40 to 60 days ago with an older value, then updated to the current one;
- records only ever UPSERTed (their history says the state before is unknown, never a create);
- short-lived records, created and deleted weeks ago (they are tombstones now);
- one failed call (skipped) and one event whose request was not logged (reported, never guessed).

Usage: history.py --endpoint http://127.0.0.1:PORT --out FILE [--seed N]
Prints what it wrote. Each line of FILE is one CloudTrail record (EventBridge's `detail`).
"""

import argparse
import datetime
import json
import random

import boto3

import cloudtrail


def client(endpoint):
    return boto3.client("route53", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def zone_ids(route53):
    zones = {}
    for page in route53.get_paginator("list_hosted_zones").paginate():
        for z in page["HostedZones"]:
            zones[z["Name"]] = z["Id"].removeprefix("/hostedzone/")
    return zones


def simple_records(route53, zone_id):
    out = []
    for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
        for r in page["ResourceRecordSets"]:
            if (r["Type"] in ("A", "CNAME", "TXT") and "SetIdentifier" not in r and "AliasTarget" not in r
                    and r.get("ResourceRecords") and not r["Name"].startswith("\\052")):
                out.append(r)
    return out


def older(record, rand):
    """The record as it was before its last change: another value or TTL."""
    old = json.loads(json.dumps(record))
    if record["Type"] == "A":
        old["ResourceRecords"] = [{"Value": f"10.{rand.randint(0, 255)}.{rand.randint(0, 255)}.{rand.randint(1, 254)}"}]
    elif record["Type"] == "CNAME":
        old["ResourceRecords"] = [{"Value": "legacy-" + record["ResourceRecords"][0]["Value"]}]
    else:
        old["TTL"] = 60 if record.get("TTL") != 60 else 300
    return old


def event(zone_id, changes, who, when):
    batch = {"Changes": [{"Action": action, "ResourceRecordSet": rrs} for action, rrs in changes]}
    return cloudtrail.change_event(zone_id, batch, cloudtrail.actor(who), now=when)["detail"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    rand = random.Random(args.seed)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    ago = lambda lo, hi: now - datetime.timedelta(days=rand.uniform(lo, hi))  # noqa: E731

    route53 = client(args.endpoint)
    zones = zone_ids(route53)
    main_zone = zones.get("acme-corp.com.")
    if not main_zone:
        raise SystemExit(f"error: zone acme-corp.com. not found at {args.endpoint}: run seed.py first")
    records = simple_records(route53, main_zone)
    rand.shuffle(records)
    people = ["alice", "AWSReservedSSO_NetworkAdmin_4f2a1b9c0d3e", "AWSReservedSSO_PlatformEngineer_9c1d7e3b5a2f"]
    events = []
    for r in records[:40]:
        events.append(event(main_zone, [("CREATE", older(r, rand))], rand.choice(people + ["TerraformDeploy"]),
                            ago(40, 60)))
        events.append(event(main_zone, [("UPSERT", r)], rand.choice(people + ["TerraformDeploy"]), ago(1, 35)))
    for r in records[40:55]:
        events.append(event(main_zone, [("UPSERT", r)], "external-dns-prod", ago(3, 30)))
    for i in range(6):
        name = f"spring-campaign-{i}.acme-corp.com."
        rrs = {"Name": name, "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "campaigns.acme-corp.com"}]}
        created = ago(45, 55)
        events.append(event(main_zone, [("CREATE", rrs)], "TerraformDeploy", created))
        events.append(event(main_zone, [("DELETE", rrs)], "TerraformDeploy",
                            created + datetime.timedelta(days=rand.uniform(5, 12))))
    failed = event(main_zone, [("DELETE", records[0])], "alice", ago(10, 20))
    failed.update({"errorCode": "InvalidChangeBatch",
                   "errorMessage": "Tried to delete resource record set but it was not found", "responseElements": None})
    events.append(failed)
    unlogged = event(main_zone, [("UPSERT", records[1])], "alice", ago(10, 20))
    unlogged["requestParameters"] = None
    events.append(unlogged)
    with open(args.out, "w") as f:
        for e in events:
            f.write(json.dumps(e) + "\n")
    print(f"wrote {len(events)} CloudTrail events of {main_zone} (acme-corp.com.) over the last 60 days to {args.out}")


if __name__ == "__main__":
    main()
