//! CreateHostedZone, DeleteHostedZone and the VPC associations of private zones.

use zonetrail_model::{HostedZone, Message, RecordName, Vpc, ZoneChange, ZoneId, ZoneMessage};

use super::decode::Call;
use super::{DecodeError, EventPlan, FollowUp};

/// The new zone as Route 53 answered (`responseElements.hostedZone`), then a targeted sweep:
/// a new zone already has its SOA and NS records, which no event reports.
pub(super) fn create_hosted_zone(call: &Call<'_>) -> Result<EventPlan, DecodeError> {
    let response = call
        .response
        .as_ref()
        .ok_or_else(|| DecodeError::Missing("detail.responseElements".into()))?;
    let created = response
        .obj("hostedZone")?
        .ok_or_else(|| DecodeError::Missing(response.at("hostedZone")))?;
    let raw_id = created.str("id")?.ok_or_else(|| DecodeError::Missing(created.at("id")))?;
    let id = ZoneId::parse(raw_id).map_err(|source| DecodeError::BadZoneId {
        path: created.at("id"),
        value: raw_id.to_owned(),
        source,
    })?;

    let request = call.request.as_ref();
    let (name_path, raw_name) = match created.str("name")? {
        Some(name) => (created.at("name"), name),
        None => match request.map(|r| r.str("name")).transpose()?.flatten() {
            Some(name) => ("detail.requestParameters.name".to_owned(), name),
            None => return Err(DecodeError::Missing(created.at("name"))),
        },
    };
    let name = RecordName::parse(raw_name).map_err(|source| DecodeError::BadName {
        path: name_path,
        value: raw_name.to_owned(),
        source,
    })?;

    let config = match created.obj("config")? {
        Some(config) => Some(config),
        None => match request {
            Some(r) => r.obj("hostedZoneConfig")?,
            None => None,
        },
    };
    let mut vpcs = Vec::new();
    if let Some(vpc) = request.map(|r| r.obj("vPC")).transpose()?.flatten()
        && let (Some(region), Some(vpc_id)) = (vpc.str("vPCRegion")?, vpc.str("vPCId")?)
    {
        vpcs.push(Vpc { region: region.to_owned(), id: vpc_id.to_owned() });
    }
    let private = match &config {
        Some(config) => config.bool("privateZone")?.unwrap_or(false),
        None => false,
    } || !vpcs.is_empty();
    let comment = match &config {
        Some(config) => config.str("comment")?.filter(|c| !c.is_empty()).map(str::to_owned),
        None => None,
    };
    let record_count = created.int("resourceRecordSetCount")?;

    let mut plan = call.plan(id.clone());
    plan.messages.push(Message::Zone(ZoneMessage {
        account_id: None,
        zone_id: id.clone(),
        observed_at: call.observed_at,
        origin: call.origin.clone(),
        change: ZoneChange::Present(
            HostedZone { id, name, private, comment, vpcs, record_count }.normalize(),
        ),
    }));
    plan.follow_up = Some(FollowUp::SweepZone { reason: "a new hosted zone".into() });
    Ok(plan)
}

/// The zone and every record in it are gone.
pub(super) fn delete_hosted_zone(call: &Call<'_>) -> Result<EventPlan, DecodeError> {
    let zone_id = call.zone_id("id")?;
    let mut plan = call.plan(zone_id.clone());
    plan.messages.push(Message::Zone(ZoneMessage {
        account_id: None,
        zone_id,
        observed_at: call.observed_at,
        origin: call.origin.clone(),
        change: ZoneChange::Deleted,
    }));
    Ok(plan)
}

/// The event shows one VPC added or removed, not the zone's whole set: re-read the zone.
pub(super) fn vpc_association(call: &Call<'_>) -> Result<EventPlan, DecodeError> {
    let mut plan = call.plan(call.zone_id("hostedZoneId")?);
    plan.follow_up = Some(FollowUp::RefreshZone);
    Ok(plan)
}
