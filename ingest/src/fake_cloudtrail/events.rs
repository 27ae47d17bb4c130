//! CloudTrail records for the fake, built from the project's verbatim samples
//! (`ingest/tests/fixtures/`, see its README) by replacing their fields, so that every event
//! keeps AWS's shape: the members, their case, the identity block, `responseElements`.
//!
//! Each builder returns the record (EventBridge's `detail`, `LookupEvents`' `CloudTrailEvent`);
//! [`envelope`] wraps one as EventBridge delivers it to the live path. The account is the
//! actor's (from its ARN) in `recipientAccountId` and `userIdentity.accountId`; [`with_account`]
//! changes it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use zonetrail_model::Vpc;

const CHANGE_SAMPLE: &str =
    include_str!("../../tests/fixtures/doc-change-resource-record-sets.json");
const DELETE_SAMPLE: &str = include_str!("../../tests/fixtures/doc-delete-hosted-zone.json");
const ASSUMED_ROLE_SAMPLE: &str =
    include_str!("../../tests/fixtures/certbot-assumed-role-delete.json");

/// The EventBridge envelope of a sample, parsed (the samples are part of the crate).
fn sample(raw: &str) -> Value {
    serde_json::from_str(raw).expect("the fixture samples are JSON")
}

fn detail(raw: &str) -> Value {
    sample(raw)["detail"].take()
}

/// One change of a `changeBatch`, as CloudTrail logs it (`tTL`, `resourceRecords[].value`).
pub fn rrset_change(action: &str, name: &str, rtype: &str, ttl: i64, values: &[&str]) -> Value {
    let records: Vec<Value> = values.iter().map(|v| json!({ "value": v })).collect();
    json!({
        "action": action,
        "resourceRecordSet": { "name": name, "resourceRecords": records, "tTL": ttl, "type": rtype },
    })
}

/// A `ChangeResourceRecordSets` call (the Route 53 Developer Guide's sample) on `zone_id`
/// with `changes`, a list of [`rrset_change`]-shaped items.
pub fn change_batch(
    event_id: &str,
    time: DateTime<Utc>,
    zone_id: &str,
    changes: Value,
    actor_arn: &str,
) -> Value {
    let mut record = common(detail(CHANGE_SAMPLE), event_id, time, actor_arn);
    record["requestParameters"]["hostedZoneId"] = json!(zone_id);
    record["requestParameters"]["changeBatch"]["changes"] = changes;
    record
}

/// A `CreateHostedZone` call for a public zone. No verbatim sample of one is published: the
/// common members are the Developer Guide's, `requestParameters`/`responseElements` follow
/// the shape production parsers read (docs: aws-facts §1.3).
pub fn create_hosted_zone(
    event_id: &str,
    time: DateTime<Utc>,
    zone_id: &str,
    zone_name: &str,
    actor_arn: &str,
) -> Value {
    let mut record = common(detail(DELETE_SAMPLE), event_id, time, actor_arn);
    let zone_id = zone_id.trim_start_matches("/hostedzone/");
    let caller_reference = uuid::Uuid::new_v4().to_string();
    let fqdn =
        if zone_name.ends_with('.') { zone_name.to_owned() } else { format!("{zone_name}.") };
    record["eventName"] = json!("CreateHostedZone");
    record["requestParameters"] = json!({
        "name": zone_name,
        "callerReference": caller_reference,
        "hostedZoneConfig": { "comment": "", "privateZone": false },
    });
    let change_info = record["responseElements"]["changeInfo"].take();
    record["responseElements"] = json!({
        "hostedZone": {
            "id": format!("/hostedzone/{zone_id}"),
            "name": fqdn,
            "callerReference": caller_reference,
            "config": { "comment": "", "privateZone": false },
            "resourceRecordSetCount": 2,
        },
        "changeInfo": change_info,
        "delegationSet": { "nameServers": [
            "ns-2048.awsdns-64.com", "ns-2049.awsdns-65.net",
            "ns-2050.awsdns-66.org", "ns-2051.awsdns-67.co.uk",
        ] },
        "location": format!("https://route53.amazonaws.com/2013-04-01/hostedzone/{zone_id}"),
    });
    record
}

/// A `CreateHostedZone` call for a private zone associated with `vpc`.
pub fn create_private_hosted_zone(
    event_id: &str,
    time: DateTime<Utc>,
    zone_id: &str,
    zone_name: &str,
    vpc: &Vpc,
    actor_arn: &str,
) -> Value {
    let mut record = create_hosted_zone(event_id, time, zone_id, zone_name, actor_arn);
    let vpc = json!({ "vPCRegion": vpc.region, "vPCId": vpc.id });
    record["requestParameters"]["hostedZoneConfig"]["privateZone"] = json!(true);
    record["requestParameters"]["vPC"] = vpc.clone();
    record["responseElements"]["hostedZone"]["config"]["privateZone"] = json!(true);
    record["responseElements"]["vPC"] = vpc;
    if let Some(response) = record["responseElements"].as_object_mut() {
        response.remove("delegationSet");
    }
    record
}

/// A `DeleteHostedZone` call (the Developer Guide's sample).
pub fn delete_hosted_zone(
    event_id: &str,
    time: DateTime<Utc>,
    zone_id: &str,
    actor_arn: &str,
) -> Value {
    let mut record = common(detail(DELETE_SAMPLE), event_id, time, actor_arn);
    record["requestParameters"]["id"] = json!(zone_id);
    record
}

/// An `AssociateVPCWithHostedZone` call.
pub fn associate_vpc(
    event_id: &str,
    time: DateTime<Utc>,
    zone_id: &str,
    vpc: &Vpc,
    actor_arn: &str,
) -> Value {
    vpc_call("AssociateVPCWithHostedZone", event_id, time, zone_id, vpc, actor_arn)
}

/// A `DisassociateVPCFromHostedZone` call.
pub fn disassociate_vpc(
    event_id: &str,
    time: DateTime<Utc>,
    zone_id: &str,
    vpc: &Vpc,
    actor_arn: &str,
) -> Value {
    vpc_call("DisassociateVPCFromHostedZone", event_id, time, zone_id, vpc, actor_arn)
}

fn vpc_call(
    name: &str,
    event_id: &str,
    time: DateTime<Utc>,
    zone_id: &str,
    vpc: &Vpc,
    actor_arn: &str,
) -> Value {
    let mut record = common(detail(DELETE_SAMPLE), event_id, time, actor_arn);
    record["eventName"] = json!(name);
    record["requestParameters"] = json!({
        "hostedZoneId": zone_id,
        "vPC": { "vPCRegion": vpc.region, "vPCId": vpc.id },
    });
    record
}

/// `event` as a call Route 53 refused: CloudTrail logs it with `errorCode` and
/// `errorMessage`, and no `responseElements`.
pub fn failed_call(mut event: Value, error_code: &str, error_message: &str) -> Value {
    event["errorCode"] = json!(error_code);
    event["errorMessage"] = json!(error_message);
    event["responseElements"] = Value::Null;
    event
}

/// `event` without its `requestParameters`, as CloudTrail logs a call whose parameters it
/// did not keep: the decoder cannot tell what changed.
pub fn truncated(mut event: Value) -> Value {
    if let Some(record) = event.as_object_mut() {
        record.remove("requestParameters");
    }
    event
}

/// `event` in another account (`recipientAccountId` and the actor's `accountId`).
pub fn with_account(mut event: Value, account_id: &str) -> Value {
    event["recipientAccountId"] = json!(account_id);
    if event["userIdentity"].is_object() {
        event["userIdentity"]["accountId"] = json!(account_id);
    }
    event
}

/// `record` as EventBridge delivers it to the live path (the Developer Guide sample's
/// envelope: `detail-type` "AWS API Call via CloudTrail", `source` "aws.route53").
pub fn envelope(record: Value) -> Value {
    let mut envelope = sample(CHANGE_SAMPLE);
    envelope["id"] = json!(uuid::Uuid::new_v4().to_string());
    if let Some(account) = record.get("recipientAccountId").and_then(Value::as_str) {
        envelope["account"] = json!(account);
    }
    if let Some(time) = record.get("eventTime").and_then(Value::as_str) {
        envelope["time"] = json!(time);
    }
    envelope["detail"] = record;
    envelope
}

/// The account of an ARN (`arn:aws:iam::123456789012:user/x`), if it has one.
fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// The members every builder replaces: the id, the time, the identity, the request id.
fn common(mut record: Value, event_id: &str, time: DateTime<Utc>, actor_arn: &str) -> Value {
    // CloudTrail keeps whole seconds.
    let time = DateTime::<Utc>::from_timestamp(time.timestamp(), 0).unwrap_or(time);
    record["eventID"] = json!(event_id);
    record["eventTime"] = json!(time.to_rfc3339_opts(SecondsFormat::Secs, true));
    record["requestID"] = json!(uuid::Uuid::new_v4().to_string());
    record["userIdentity"] = identity(actor_arn);
    if let Some(account) = arn_account(actor_arn) {
        record["recipientAccountId"] = json!(account);
    }
    let change_info = &mut record["responseElements"]["changeInfo"];
    if change_info.is_object() {
        // Route 53's own format, not ISO 8601: "Jan 16, 2018 12:41:43 AM".
        change_info["submittedAt"] = json!(time.format("%b %-d, %Y %-I:%M:%S %p").to_string());
        change_info["id"] = json!(format!("/change/C{}", change_suffix(event_id)));
    }
    record
}

/// A change id's 13 characters from the event id, so that rebuilding an event gives the
/// same record.
fn change_suffix(event_id: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in event_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (0..13)
        .map(|i| {
            char::from(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[((h >> (i * 4)) % 36) as usize])
        })
        .collect()
}

/// The `userIdentity` of `arn`: the Developer Guide's IAM user, or for an assumed role the
/// certbot sample's session block, with the ARN's account, names and role filled in.
fn identity(arn: &str) -> Value {
    let account = arn_account(arn).unwrap_or("111122223333");
    let resource = arn.splitn(6, ':').nth(5).unwrap_or("");
    if let Some(rest) = resource.strip_prefix("assumed-role/") {
        let (role, session) = rest.split_once('/').unwrap_or((rest, "session"));
        let mut identity = detail(ASSUMED_ROLE_SAMPLE)["userIdentity"].take();
        identity["principalId"] = json!(format!("AROAEXAMPLEROLEID:{session}"));
        identity["arn"] = json!(arn);
        identity["accountId"] = json!(account);
        identity["accessKeyId"] = json!("ASIAIOSFODNN7EXAMPLE");
        let issuer = &mut identity["sessionContext"]["sessionIssuer"];
        issuer["principalId"] = json!("AROAEXAMPLEROLEID");
        issuer["arn"] = json!(format!("arn:aws:iam::{account}:role/{role}"));
        issuer["accountId"] = json!(account);
        issuer["userName"] = json!(role);
        identity
    } else {
        let mut identity = detail(CHANGE_SAMPLE)["userIdentity"].take();
        identity["arn"] = json!(arn);
        identity["accountId"] = json!(account);
        match resource.strip_prefix("user/") {
            Some(user) => identity["userName"] = json!(user.rsplit('/').next().unwrap_or(user)),
            None => {
                if let Some(identity) = identity.as_object_mut() {
                    identity.remove("userName");
                }
                if resource == "root" {
                    identity["type"] = json!("Root");
                }
            }
        }
        identity
    }
}
