//! The EventBridge envelope and the CloudTrail record's common members.

use chrono::{DateTime, Utc};
use serde_json::Value;
use zonetrail_model::{AccountId, Origin, Timestamp, ZoneId};

use super::fields::{Obj, kind};
use super::{
    CLOUDTRAIL_DETAIL_TYPE, DecodeError, Decoded, EventPlan, IgnoreReason, ROUTE53_SOURCE, records,
    zones,
};

/// The calls that change hosted zones or records; every other Route 53 call is ignored.
const CHANGE_RECORDS: &str = "ChangeResourceRecordSets";
const CREATE_ZONE: &str = "CreateHostedZone";
const DELETE_ZONE: &str = "DeleteHostedZone";
const ASSOCIATE_VPC: &str = "AssociateVPCWithHostedZone";
const DISASSOCIATE_VPC: &str = "DisassociateVPCFromHostedZone";

/// The common members of a CloudTrail record, already checked.
pub(super) struct Call<'a> {
    pub account_id: Option<AccountId>,
    pub event_id: String,
    pub event_name: String,
    pub observed_at: Timestamp,
    pub origin: Origin,
    pub request: Option<Obj<'a>>,
    pub response: Option<Obj<'a>>,
}

impl Call<'_> {
    pub(super) fn plan(&self, zone_id: ZoneId) -> EventPlan {
        EventPlan {
            account_id: self.account_id.clone(),
            event_id: self.event_id.clone(),
            event_name: self.event_name.clone(),
            zone_id,
            origin: self.origin.clone(),
            observed_at: self.observed_at,
            messages: Vec::new(),
            follow_up: None,
        }
    }

    /// The request's hosted zone id (`hostedZoneId`, or `id` for DeleteHostedZone), with or
    /// without `/hostedzone/`.
    pub(super) fn zone_id(&self, key: &str) -> Result<ZoneId, DecodeError> {
        let request = self
            .request
            .as_ref()
            .ok_or_else(|| DecodeError::Missing("detail.requestParameters".into()))?;
        let raw = request.str(key)?.ok_or_else(|| DecodeError::Missing(request.at(key)))?;
        ZoneId::parse(raw).map_err(|source| DecodeError::BadZoneId {
            path: request.at(key),
            value: raw.to_owned(),
            source,
        })
    }
}

/// Decode an EventBridge event. A malformed event is an error; an event that changes
/// nothing (a failed call, a read, another Route 53 call) is [`Decoded::Ignored`].
pub fn decode_event(event: &Value) -> Result<Decoded, DecodeError> {
    let envelope = Obj::new(event, "").ok_or(DecodeError::NotAnObject(kind(event)))?;
    let detail_type =
        envelope.str("detail-type")?.ok_or_else(|| DecodeError::Missing("detail-type".into()))?;
    if detail_type != CLOUDTRAIL_DETAIL_TYPE {
        return Err(DecodeError::WrongDetailType(detail_type.to_owned()));
    }
    let source = envelope.str("source")?.ok_or_else(|| DecodeError::Missing("source".into()))?;
    if source != ROUTE53_SOURCE {
        return Err(DecodeError::WrongSource(source.to_owned()));
    }
    let detail = envelope.obj("detail")?.ok_or_else(|| DecodeError::Missing("detail".into()))?;
    if let Some(event_source) = detail.str("eventSource")?
        && event_source != "route53.amazonaws.com"
    {
        return Err(DecodeError::WrongEventSource(event_source.to_owned()));
    }
    let event_name = detail
        .str("eventName")?
        .ok_or_else(|| DecodeError::Missing("detail.eventName".into()))?
        .to_owned();
    let event_id = detail.str("eventID")?.or(envelope.str("id")?).map(str::to_owned);

    if let Some(code) = detail.get("errorCode") {
        let code = match code {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let message = detail.str("errorMessage").ok().flatten().map(str::to_owned);
        return Ok(Decoded::Ignored {
            event_id,
            event_name: Some(event_name),
            reason: IgnoreReason::FailedCall { code, message },
        });
    }
    let read_only = detail.bool("readOnly").ok().flatten() == Some(true)
        || ["Get", "List", "Describe", "Test"].iter().any(|p| event_name.starts_with(p));
    if read_only {
        return Ok(Decoded::Ignored {
            event_id,
            event_name: Some(event_name),
            reason: IgnoreReason::ReadOnly,
        });
    }
    if ![CHANGE_RECORDS, CREATE_ZONE, DELETE_ZONE, ASSOCIATE_VPC, DISASSOCIATE_VPC]
        .contains(&event_name.as_str())
    {
        return Ok(Decoded::Ignored {
            event_id,
            event_name: Some(event_name),
            reason: IgnoreReason::Unsupported,
        });
    }

    let event_id = event_id.ok_or_else(|| DecodeError::Missing("detail.eventID".into()))?;
    let observed_at = observed_at(&detail, &envelope)?;
    let identity = detail.obj("userIdentity")?;
    let actor = match &identity {
        Some(identity) => identity.str("arn")?.map(str::to_owned),
        None => None,
    };
    let actor_role = match &identity {
        Some(identity) => match identity.obj("sessionContext")? {
            Some(session) => match session.obj("sessionIssuer")? {
                Some(issuer) => issuer.str("arn")?.map(str::to_owned),
                None => None,
            },
            None => None,
        },
        None => None,
    };
    let account_id = account(&envelope, &detail)?;
    let call = Call {
        account_id,
        origin: Origin::Event {
            event_id: event_id.clone(),
            event_name: event_name.clone(),
            actor,
            actor_role,
            backfill: false,
            comment: None,
        },
        event_id,
        event_name,
        observed_at,
        request: detail.obj("requestParameters")?,
        response: detail.obj("responseElements")?,
    };
    let plan = match call.event_name.as_str() {
        CHANGE_RECORDS => records::change_resource_record_sets(&call)?,
        CREATE_ZONE => zones::create_hosted_zone(&call)?,
        DELETE_ZONE => zones::delete_hosted_zone(&call)?,
        _ => zones::vpc_association(&call)?,
    };
    Ok(Decoded::Plan(plan))
}

/// The account the event happened in: the EventBridge envelope's `account` (for an event
/// forwarded from a member account's bus, still the member's), else CloudTrail's
/// `recipientAccountId`. A value that is not an account id is an error; none at all is `None`.
fn account(envelope: &Obj<'_>, detail: &Obj<'_>) -> Result<Option<AccountId>, DecodeError> {
    let (path, raw) = match envelope.str("account")? {
        Some(raw) => ("account".to_owned(), raw),
        None => match detail.str("recipientAccountId")? {
            Some(raw) => (detail.at("recipientAccountId"), raw),
            None => return Ok(None),
        },
    };
    AccountId::parse(raw).map(Some).map_err(|source| DecodeError::BadAccount {
        path,
        value: raw.to_owned(),
        reason: source.to_string(),
    })
}

/// `eventTime` (or the envelope's `time`) as the end of its second: CloudTrail keeps whole
/// seconds, and a sweep read earlier in that second must not win over the change.
fn observed_at(detail: &Obj<'_>, envelope: &Obj<'_>) -> Result<Timestamp, DecodeError> {
    let (path, raw) = match detail.str("eventTime")? {
        Some(raw) => (detail.at("eventTime"), raw),
        None => match envelope.str("time")? {
            Some(raw) => ("time".to_owned(), raw),
            None => return Err(DecodeError::Missing("detail.eventTime".into())),
        },
    };
    let at = DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|_| DecodeError::BadTime { path: path.clone(), value: raw.to_owned() })?;
    // From the whole seconds: a leap second (`:60`, which chrono keeps as :59 plus a second of
    // nanoseconds) then ends with :59, as a DATETIME(6) column can hold it.
    DateTime::<Utc>::from_timestamp(at.timestamp(), 999_999_000)
        .ok_or(DecodeError::BadTime { path, value: raw.to_owned() })
}
