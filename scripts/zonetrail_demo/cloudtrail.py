"""CloudTrail-shaped EventBridge events for Route 53 ChangeResourceRecordSets calls.

The shape is the one EventBridge delivers for "AWS API Call via CloudTrail" (as in the
verbatim samples of ingest/tests/fixtures/): the envelope, then the CloudTrail record in
`detail`. CloudTrail logs the request as the caller sent it, with only the first letter of
each API member lowered (`TTL` -> `tTL`, `DNSName` -> `dNSName`).
"""

import datetime
import random
import uuid

ACCOUNT_ID = "123456789012"

# Who changes DNS in a typical account: people, CI, Kubernetes, certbot.
ACTORS = [
    {"type": "IAMUser", "name": "alice", "agent": "aws-cli/2.22.4 Python/3.12.6 Linux/6.8.0 exe/x86_64.ubuntu.24"},
    {"type": "AssumedRole", "role": "TerraformDeploy", "session": "ci-pipeline-8812",
     "agent": "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.80.0"},
    {"type": "AssumedRole", "role": "AWSReservedSSO_NetworkAdmin_4f2a1b9c0d3e", "session": "bob@acme-corp.com",
     "agent": "AWS Internal"},
    {"type": "AssumedRole", "role": "AWSReservedSSO_PlatformEngineer_9c1d7e3b5a2f", "session": "carol@acme-corp.com",
     "agent": "aws-cli/2.22.4 Python/3.12.6 Darwin/24.1.0 exe/arm64"},
    {"type": "AssumedRole", "role": "external-dns-prod", "session": "1732290000123456789",
     "agent": "aws-sdk-go-v2/1.32.6 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64 api/route53#1.46.3"},
    {"type": "AssumedRole", "role": "certbot-dns01", "session": "i-0abc123def4567890",
     "agent": "Boto3/1.35.76 md/Botocore#1.35.76 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.2"},
]


def actor(name):
    """The actor whose role (or user name) is `name`."""
    for a in ACTORS:
        if a.get("role") == name or a.get("name") == name:
            return a
    raise KeyError(name)


def user_identity(who, now, account=ACCOUNT_ID):
    key = "ASIA" + uuid.uuid4().hex[:16].upper()
    if who["type"] == "IAMUser":
        return {
            "type": "IAMUser",
            "principalId": "AIDA" + uuid.uuid4().hex[:17].upper(),
            "arn": f"arn:aws:iam::{account}:user/{who['name']}",
            "accountId": account,
            "accessKeyId": "AKIA" + uuid.uuid4().hex[:16].upper(),
            "userName": who["name"],
        }
    role_id = "AROA" + uuid.uuid4().hex[:17].upper()
    created = (now - datetime.timedelta(minutes=random.randint(1, 50))).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{who['session']}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{who['role']}/{who['session']}",
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": f"arn:aws:iam::{account}:role/{who['role']}",
                "accountId": account,
                "userName": who["role"],
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": created, "mfaAuthenticated": "false"},
        },
    }


def cloudtrail_case(value):
    """Route 53 API member names as CloudTrail logs them: first letter lowered, recursively."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: cloudtrail_case(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cloudtrail_case(v) for v in value]
    return value


def submitted_at(now):
    # CloudTrail's changeInfo.submittedAt is not ISO 8601: "Jan 16, 2018 12:41:43 AM".
    hour = now.hour % 12 or 12
    return f"{now.strftime('%b')} {now.day}, {now.year} {hour}:{now.strftime('%M:%S')} {'AM' if now.hour < 12 else 'PM'}"


def change_event(zone_id, change_batch, who, change_info=None, now=None, account=ACCOUNT_ID):
    """The EventBridge event for one successful ChangeResourceRecordSets call.

    `change_batch` is the boto3 `ChangeBatch` that was sent; `change_info` the call's
    `ChangeInfo` answer (its id appears in responseElements). `account` is the zone's account:
    the caller's, the CloudTrail recipient's and the envelope's (a member account's event
    reaches the central bus with its own account in the envelope).
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    event_time = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    zone = zone_id.removeprefix("/hostedzone/")
    comment = change_batch.get("Comment")
    change_id = (change_info or {}).get("Id") or f"/change/C{uuid.uuid4().hex[:12].upper()}"
    detail = {
        "eventVersion": "1.09",
        "userIdentity": user_identity(who, now, account),
        "eventTime": event_time,
        "eventSource": "route53.amazonaws.com",
        "eventName": "ChangeResourceRecordSets",
        "awsRegion": "us-east-1",
        "sourceIPAddress": f"198.51.100.{random.randint(2, 254)}",
        "userAgent": who["agent"],
        "requestParameters": {
            "hostedZoneId": zone,
            "changeBatch": cloudtrail_case(change_batch),
        },
        "responseElements": {
            "changeInfo": {
                "id": change_id,
                "status": "PENDING",
                "submittedAt": submitted_at(now),
                **({"comment": comment} if comment else {}),
            }
        },
        "additionalEventData": {"Note": "Do not use to reconstruct hosted zone"},
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "apiVersion": "2013-04-01",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.route53",
        "account": account,
        "time": event_time,
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }
