//! ChangeResourceRecordSets: the batch's final state as one `records` message.

use serde_json::Value;
use std::collections::HashMap;
use zonetrail_model::message::{COMMENT_MAX_CHARS, DeletedKey};
use zonetrail_model::{
    AliasTarget, CidrRouting, Coordinates, GeoLocation, GeoProximityLocation, Message, Origin,
    RecordName, RecordSet, RecordType, RecordsMessage, Routing,
};

use super::decode::Call;
use super::fields::Obj;
use super::{DecodeError, EventPlan, FollowUp};

// Short-lived (one per change of an event) and mostly upserts: boxing would only add a move.
#[allow(clippy::large_enum_variant)]
enum Change {
    /// A CREATE (`false`) or an UPSERT (`true`: the call does not say what was there).
    Upsert(RecordSet, bool),
    Delete(DeletedKey),
}

/// A change batch we cannot apply as logged: some part of it is missing.
struct Incomplete(String);

pub(super) fn change_resource_record_sets(call: &Call<'_>) -> Result<EventPlan, DecodeError> {
    let zone_id = call.zone_id("hostedZoneId")?;
    let mut plan = call.plan(zone_id.clone());
    let mut origin = call.origin.clone();
    if let Origin::Event { comment, .. } = &mut origin {
        *comment = batch_comment(call);
    }
    plan.origin = origin.clone();
    match changes(call)? {
        Ok(changes) => {
            let (created, upserted, deletes) = final_state(changes);
            // One message for what the batch says it created or deleted, one for its UPSERTs
            // (`before_unknown`); a batch of only one kind makes only that message.
            let message = |upserts, deletes, before_unknown| {
                Message::Records(RecordsMessage {
                    account_id: None,
                    zone_id: zone_id.clone(),
                    observed_at: call.observed_at,
                    origin: origin.clone(),
                    upserts,
                    deletes,
                    before_unknown,
                })
            };
            if !created.is_empty() || !deletes.is_empty() || upserted.is_empty() {
                plan.messages.push(message(created, deletes, false));
            }
            if !upserted.is_empty() {
                plan.messages.push(message(upserted, Vec::new(), true));
            }
        }
        Err(Incomplete(reason)) => {
            tracing::warn!(event_id = %call.event_id, zone_id = %zone_id, %reason, "incomplete change batch; sweeping the zone instead");
            plan.follow_up = Some(FollowUp::SweepZone { reason });
        }
    }
    Ok(plan)
}

/// The change batch's `Comment`: `None` when it has none or a blank one. It says why, never
/// what changed, so one that is not a string, or longer than Route 53 allows, is left out with
/// a warning rather than failing the event.
fn batch_comment(call: &Call<'_>) -> Option<String> {
    let request = call.request.as_ref()?;
    // A change batch that is not an object fails the event in `changes`, not here.
    let batch = Obj::new(request.get("changeBatch")?, request.at("changeBatch"))?;
    let path = batch.at("comment");
    match batch.get("comment")? {
        Value::String(comment) if comment.trim().is_empty() => None,
        Value::String(comment) if comment.chars().count() > COMMENT_MAX_CHARS => {
            tracing::warn!(event_id = %call.event_id, %path, chars = comment.chars().count(), "change batch comment longer than Route 53 allows; left out");
            None
        }
        Value::String(comment) => Some(comment.clone()),
        other => {
            tracing::warn!(event_id = %call.event_id, %path, found = super::fields::kind(other), "change batch comment is not a string; left out");
            None
        }
    }
}

/// Route 53 applies a batch in order, all or nothing. Callers "update" with a DELETE and a
/// CREATE of the same key, so the messages carry each key's state after the whole batch:
/// the upserts known to create or replace a record (the key's changes include a CREATE or a
/// DELETE), the upserts of keys only ever UPSERTed, and the deletes.
fn final_state(changes: Vec<Change>) -> (Vec<RecordSet>, Vec<RecordSet>, Vec<DeletedKey>) {
    type Key = (RecordName, RecordType, Option<String>);
    let mut order: Vec<Key> = Vec::new();
    // The key's last change, and whether every change of it was an UPSERT.
    let mut last: HashMap<Key, (Change, bool)> = HashMap::new();
    for change in changes {
        let (key, upsert) = match &change {
            Change::Upsert(r, upsert) => {
                ((r.name.clone(), r.rtype.clone(), r.set_identifier.clone()), *upsert)
            }
            Change::Delete(d) => {
                ((d.name.clone(), d.rtype.clone(), d.set_identifier.clone()), false)
            }
        };
        match last.get_mut(&key) {
            Some((slot, only_upserts)) => {
                *slot = change;
                *only_upserts &= upsert;
            }
            None => {
                last.insert(key.clone(), (change, upsert));
                order.push(key);
            }
        }
    }
    let (mut created, mut upserted, mut deletes) = (Vec::new(), Vec::new(), Vec::new());
    for key in order {
        match last.remove(&key) {
            Some((Change::Upsert(r, _), true)) => upserted.push(r),
            Some((Change::Upsert(r, _), false)) => created.push(r),
            Some((Change::Delete(d), _)) => deletes.push(d),
            None => {}
        }
    }
    (created, upserted, deletes)
}

fn changes(call: &Call<'_>) -> Result<Result<Vec<Change>, Incomplete>, DecodeError> {
    let Some(request) = &call.request else {
        return Ok(Err(Incomplete("requestParameters is missing".into())));
    };
    let Some(batch) = request.obj("changeBatch")? else {
        return Ok(Err(Incomplete("requestParameters.changeBatch is missing".into())));
    };
    let Some(items) = batch.array("changes")? else {
        return Ok(Err(Incomplete("changeBatch.changes is missing".into())));
    };
    if items.is_empty() {
        return Ok(Err(Incomplete("changeBatch.changes is empty".into())));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{}[{i}]", batch.at("changes"));
        let Some(change) = Obj::new(item, path.clone()) else {
            return Err(DecodeError::BadField {
                path,
                expected: "an object",
                found: super::fields::kind(item),
            });
        };
        match one_change(&change)? {
            Ok(c) => out.push(c),
            Err(incomplete) => return Ok(Err(incomplete)),
        }
    }
    Ok(Ok(out))
}

fn one_change(change: &Obj<'_>) -> Result<Result<Change, Incomplete>, DecodeError> {
    let Some(action) = change.str("action")? else {
        return Ok(Err(Incomplete(format!("{} is missing", change.at("action")))));
    };
    let Some(rrs) = change.obj("resourceRecordSet")? else {
        return Ok(Err(Incomplete(format!("{} is missing", change.at("resourceRecordSet")))));
    };
    let Some(raw_name) = rrs.str("name")? else {
        return Ok(Err(Incomplete(format!("{} is missing", rrs.at("name")))));
    };
    let name = RecordName::parse(raw_name).map_err(|source| DecodeError::BadName {
        path: rrs.at("name"),
        value: raw_name.to_owned(),
        source,
    })?;
    let Some(raw_type) = rrs.str("type")? else {
        return Ok(Err(Incomplete(format!("{} is missing", rrs.at("type")))));
    };
    let rtype = RecordType::parse(raw_type).map_err(|source| DecodeError::BadType {
        path: rrs.at("type"),
        value: raw_type.to_owned(),
        source,
    })?;
    let set_identifier = rrs.str("setIdentifier")?.filter(|s| !s.is_empty()).map(str::to_owned);

    match action.trim().to_ascii_uppercase().as_str() {
        "DELETE" => Ok(Ok(Change::Delete(DeletedKey { name, rtype, set_identifier }))),
        verb @ ("CREATE" | "UPSERT") => {
            let described = format!("{} {} {}", action, name, rtype);
            let upsert = verb == "UPSERT";
            Ok(record_set(&rrs, name, rtype, set_identifier, &described)?
                .map(|r| Change::Upsert(r, upsert)))
        }
        _ => Err(DecodeError::BadAction { path: change.at("action"), value: action.to_owned() }),
    }
}

fn record_set(
    rrs: &Obj<'_>,
    name: RecordName,
    rtype: RecordType,
    set_identifier: Option<String>,
    described: &str,
) -> Result<Result<RecordSet, Incomplete>, DecodeError> {
    let alias_target = match rrs.obj("aliasTarget")? {
        None => None,
        Some(alias) => {
            let (Some(zone), Some(dns)) = (alias.str("hostedZoneId")?, alias.str("dNSName")?)
            else {
                return Ok(Err(Incomplete(format!(
                    "{described}: {} lacks hostedZoneId or dNSName",
                    alias.path()
                ))));
            };
            let Some(evaluate) = alias.bool("evaluateTargetHealth")? else {
                return Ok(Err(Incomplete(format!(
                    "{described}: {} lacks evaluateTargetHealth",
                    alias.path()
                ))));
            };
            Some(AliasTarget {
                hosted_zone_id: zone.to_owned(),
                dns_name: dns.to_owned(),
                evaluate_target_health: evaluate,
            })
        }
    };
    let values = match rrs.array("resourceRecords")? {
        None => None,
        Some(items) => {
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let path = format!("{}[{i}]", rrs.at("resourceRecords"));
                let value = match item {
                    serde_json::Value::String(s) => s.clone(),
                    other => match Obj::new(other, path.clone()) {
                        Some(record) => match record.str("value")? {
                            Some(v) => v.to_owned(),
                            None => {
                                return Ok(Err(Incomplete(format!(
                                    "{described}: {path}.value is missing"
                                ))));
                            }
                        },
                        None => {
                            return Err(DecodeError::BadField {
                                path,
                                expected: "an object with a value",
                                found: super::fields::kind(other),
                            });
                        }
                    },
                };
                values.push(value);
            }
            Some(values)
        }
    };
    let ttl = rrs.int("tTL")?;
    // Route 53 wants exactly one of: an alias target; a TTL with resource records; a traffic
    // policy instance (whose records the event does not show).
    let (ttl, values) = match (&alias_target, ttl, values) {
        (Some(_), _, _) => (None, Vec::new()),
        (None, Some(ttl), Some(values)) if !values.is_empty() => (Some(ttl), values),
        _ => {
            return Ok(Err(Incomplete(format!(
                "{described} has neither an aliasTarget nor a tTL with resourceRecords"
            ))));
        }
    };
    let routing = match routing(rrs, described)? {
        Ok(routing) => routing,
        Err(incomplete) => return Ok(Err(incomplete)),
    };
    Ok(
        Ok(RecordSet { name, rtype, set_identifier, ttl, values, alias_target, routing }
            .normalize()),
    )
}

fn routing(rrs: &Obj<'_>, described: &str) -> Result<Result<Routing, Incomplete>, DecodeError> {
    let geo_location = match rrs.obj("geoLocation")? {
        None => None,
        Some(geo) => Some(GeoLocation {
            continent_code: geo.str("continentCode")?.map(str::to_owned),
            country_code: geo.str("countryCode")?.map(str::to_owned),
            subdivision_code: geo.str("subdivisionCode")?.map(str::to_owned),
        }),
    };
    let cidr_routing = match rrs.obj("cidrRoutingConfig")? {
        None => None,
        Some(cidr) => match (cidr.str("collectionId")?, cidr.str("locationName")?) {
            (Some(collection), Some(location)) => Some(CidrRouting {
                collection_id: collection.to_owned(),
                location_name: location.to_owned(),
            }),
            _ => {
                return Ok(Err(Incomplete(format!(
                    "{described}: {} lacks collectionId or locationName",
                    cidr.path()
                ))));
            }
        },
    };
    let geoproximity_location = match rrs.obj("geoProximityLocation")? {
        None => None,
        Some(geo) => {
            let coordinates = match geo.obj("coordinates")? {
                None => None,
                Some(c) => match (c.text("latitude")?, c.text("longitude")?) {
                    (Some(latitude), Some(longitude)) => Some(Coordinates { latitude, longitude }),
                    _ => {
                        return Ok(Err(Incomplete(format!(
                            "{described}: {} lacks latitude or longitude",
                            c.path()
                        ))));
                    }
                },
            };
            let bias = match geo.int("bias")? {
                None => None,
                Some(b) => Some(i32::try_from(b).ok().filter(|b| (-99..=99).contains(b)).ok_or(
                    DecodeError::OutOfRange {
                        path: geo.at("bias"),
                        value: b,
                        expected: "a bias from -99 to 99",
                    },
                )?),
            };
            Some(GeoProximityLocation {
                aws_region: geo.str("aWSRegion")?.map(str::to_owned),
                local_zone_group: geo.str("localZoneGroup")?.map(str::to_owned),
                coordinates,
                bias,
            })
        }
    };
    Ok(Ok(Routing {
        weight: rrs.int("weight")?,
        region: rrs.str("region")?.map(str::to_owned),
        failover: rrs.str("failover")?.map(str::to_owned),
        geo_location,
        geoproximity_location,
        cidr_routing,
        multivalue_answer: rrs.bool("multiValueAnswer")?,
        health_check_id: rrs.str("healthCheckId")?.map(str::to_owned),
        traffic_policy_instance_id: rrs.str("trafficPolicyInstanceId")?.map(str::to_owned),
    }))
}
