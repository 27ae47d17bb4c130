//! Resource events: a CloudTrail event (EventBridge "AWS API Call via CloudTrail") that
//! changes what an account owns makes the ingest re-list that kind in that account and
//! region, and send the listing. The event's own payload is not trusted (ReleaseAddress
//! carries only the allocation id): the listing is.

use serde_json::Value;
use zonetrail_model::{AccountId, ResourceKind};

use super::{ResourceSettings, is_known_region, relist};
use crate::accounts::Accounts;
use crate::event::{CLOUDTRAIL_DETAIL_TYPE, DecodeError, EventError, IgnoreReason};
use crate::queue::Queue;

/// Which kinds an event of `source` named `event_name` re-lists; `None` for any other call.
pub fn kinds_for(source: &str, event_name: &str) -> Option<&'static [ResourceKind]> {
    use ResourceKind::*;
    Some(match (source, event_name) {
        // An address's association shows on the network interface too.
        (
            "aws.ec2",
            "AllocateAddress" | "ReleaseAddress" | "AssociateAddress" | "DisassociateAddress",
        ) => &[Eip, Eni],
        (
            "aws.ec2",
            "CreateNetworkInterface"
            | "DeleteNetworkInterface"
            | "RunInstances"
            | "TerminateInstances",
        ) => &[Eni],
        ("aws.s3", "CreateBucket" | "DeleteBucket") => &[S3Bucket],
        ("aws.cloudfront", "CreateDistribution" | "DeleteDistribution" | "UpdateDistribution") => {
            &[Cloudfront]
        }
        ("aws.elasticbeanstalk", "CreateEnvironment" | "TerminateEnvironment") => {
            &[ElasticBeanstalk]
        }
        ("aws.route53", "CreateHealthCheck" | "DeleteHealthCheck") => &[HealthCheck],
        _ => return None,
    })
}

/// The sources whose events are resource events (Route 53's only for its health checks).
pub const RESOURCE_SOURCES: &[&str] =
    &["aws.ec2", "aws.s3", "aws.cloudfront", "aws.elasticbeanstalk"];

/// Whether `event` is for [`ingest_resource_event`] rather than the record path: a CloudTrail
/// event of EC2, S3, CloudFront or Elastic Beanstalk, or a Route 53 health check's.
pub fn is_resource_event(event: &Value) -> bool {
    let source = event.get("source").and_then(Value::as_str).unwrap_or_default();
    if RESOURCE_SOURCES.contains(&source) {
        return true;
    }
    let name = event.pointer("/detail/eventName").and_then(Value::as_str).unwrap_or_default();
    source == "aws.route53" && matches!(name, "CreateHealthCheck" | "DeleteHealthCheck")
}

/// What a resource event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceEventOutcome {
    /// The kinds were re-listed and their messages sent.
    Relisted {
        event_id: Option<String>,
        event_name: String,
        account_id: AccountId,
        /// `""` when every kind re-listed is global.
        region: String,
        /// Each kind and the number of items its `Complete` listing sent.
        listings: Vec<(ResourceKind, u64)>,
    },
    Ignored {
        event_id: Option<String>,
        event_name: Option<String>,
        reason: IgnoreReason,
    },
}

/// A decoded resource event: what to re-list where.
struct Relisting {
    event_id: Option<String>,
    event_name: String,
    account_id: Option<AccountId>,
    region: String,
    kinds: &'static [ResourceKind],
}

fn str_at<'a>(value: &'a Value, key: &str, path: &str) -> Result<Option<&'a str>, DecodeError> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(DecodeError::BadField {
            path: path.to_owned(),
            expected: "a string",
            found: kind_of(other),
        }),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Decode: `Ok(Err(ignored))` for a well-formed event that asks for nothing.
fn decode(event: &Value) -> Result<Result<Relisting, ResourceEventOutcome>, DecodeError> {
    if !event.is_object() {
        return Err(DecodeError::NotAnObject(kind_of(event)));
    }
    let detail_type = str_at(event, "detail-type", "detail-type")?
        .ok_or_else(|| DecodeError::Missing("detail-type".into()))?;
    if detail_type != CLOUDTRAIL_DETAIL_TYPE {
        return Err(DecodeError::WrongDetailType(detail_type.to_owned()));
    }
    let source =
        str_at(event, "source", "source")?.ok_or_else(|| DecodeError::Missing("source".into()))?;
    let detail = match event.get("detail") {
        None | Some(Value::Null) => return Err(DecodeError::Missing("detail".into())),
        Some(d @ Value::Object(_)) => d,
        Some(other) => {
            return Err(DecodeError::BadField {
                path: "detail".into(),
                expected: "an object",
                found: kind_of(other),
            });
        }
    };
    let event_name = str_at(detail, "eventName", "detail.eventName")?
        .ok_or_else(|| DecodeError::Missing("detail.eventName".into()))?
        .to_owned();
    let event_id = match str_at(detail, "eventID", "detail.eventID")? {
        Some(id) => Some(id.to_owned()),
        None => str_at(event, "id", "id")?.map(str::to_owned),
    };
    let ignored = |reason| {
        Ok(Err(ResourceEventOutcome::Ignored {
            event_id: event_id.clone(),
            event_name: Some(event_name.clone()),
            reason,
        }))
    };
    if let Some(code) = detail.get("errorCode").filter(|c| !c.is_null()) {
        let code = code.as_str().map(str::to_owned).unwrap_or_else(|| code.to_string());
        let message = detail.get("errorMessage").and_then(Value::as_str).map(str::to_owned);
        return ignored(IgnoreReason::FailedCall { code, message });
    }
    let Some(kinds) = kinds_for(source, &event_name) else {
        return ignored(IgnoreReason::Unsupported);
    };
    // The account: the envelope's (a member's event forwarded to a central bus keeps it),
    // else CloudTrail's recipientAccountId.
    let (path, raw) = match str_at(event, "account", "account")? {
        Some(raw) => ("account".to_owned(), Some(raw)),
        None => (
            "detail.recipientAccountId".to_owned(),
            str_at(detail, "recipientAccountId", "detail.recipientAccountId")?,
        ),
    };
    let account_id = match raw {
        None => None,
        Some(raw) => Some(AccountId::parse(raw).map_err(|e| DecodeError::BadAccount {
            path,
            value: raw.to_owned(),
            reason: e.to_string(),
        })?),
    };
    let region = if kinds.iter().all(|k| k.is_global()) {
        String::new()
    } else {
        let (path, raw) = match str_at(event, "region", "region")? {
            Some(raw) => ("region", raw),
            None => (
                "detail.awsRegion",
                str_at(detail, "awsRegion", "detail.awsRegion")?
                    .ok_or_else(|| DecodeError::Missing("region".into()))?,
            ),
        };
        let region = raw.trim().to_ascii_lowercase();
        if !is_known_region(&region) {
            return Err(DecodeError::BadField {
                path: path.to_owned(),
                expected: "an AWS region name (e.g. us-east-1)",
                found: "an unknown region",
            });
        }
        region
    };
    Ok(Ok(Relisting { event_id, event_name, account_id, region, kinds }))
}

/// Carry out a resource event: re-list its kinds in its account (which must be in scope) and
/// region, and send the listings. A failed call (`errorCode`) or another call is ignored; a
/// malformed event is rejected with the field named and sends nothing. A listing that fails
/// is sent as `Failed` and answered as [`EventError::ResourceListing`] (so the event is
/// delivered again).
pub async fn ingest_resource_event(
    accounts: &Accounts,
    settings: &ResourceSettings,
    queue: &dyn Queue,
    event: &Value,
) -> Result<ResourceEventOutcome, EventError> {
    let decoded = decode(event).inspect_err(|error| {
        tracing::error!(%error, "malformed resource event rejected; nothing sent");
    })?;
    let relisting = match decoded {
        Ok(relisting) => relisting,
        Err(ignored) => {
            tracing::debug!(?ignored, "resource event ignored");
            return Ok(ignored);
        }
    };
    let Relisting { event_id, event_name, account_id, region, kinds } = relisting;
    let ignore = |reason: IgnoreReason| {
        tracing::debug!(?event_id, %event_name, %reason, "resource event ignored");
        ResourceEventOutcome::Ignored {
            event_id: event_id.clone(),
            event_name: Some(event_name.clone()),
            reason,
        }
    };
    let Some(account) = account_id else { return Ok(ignore(IgnoreReason::NoAccount)) };
    if !accounts.contains(&account).await {
        return Ok(ignore(IgnoreReason::OutOfScope(account)));
    }
    let id = event_id.clone().unwrap_or_default();
    let results = relist(accounts, settings, queue, &account, kinds, &region)
        .await
        .map_err(|source| EventError::Queue { event_id: id.clone(), source })?;
    let mut listings = Vec::with_capacity(results.len());
    for (kind, result) in results {
        match result {
            Ok(items) => listings.push((kind, items)),
            Err(error) => {
                return Err(EventError::ResourceListing {
                    event_id: id,
                    kind,
                    account_id: account,
                    region,
                    error,
                });
            }
        }
    }
    tracing::info!(?event_id, %event_name, account_id = %account, %region, ?listings, "resource event: re-listed");
    Ok(ResourceEventOutcome::Relisted {
        event_id,
        event_name,
        account_id: account,
        region,
        listings,
    })
}
