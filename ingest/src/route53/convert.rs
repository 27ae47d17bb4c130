//! From the SDK's Route 53 types to zonetrail's model: every member, nothing dropped.

use aws_sdk_route53::types as sdk;
use zonetrail_model::{
    AliasTarget, CidrRouting, Coordinates, GeoLocation, GeoProximityLocation, HostedZone,
    RecordName, RecordSet, RecordType, Routing, Vpc, ZoneId,
};

/// A Route 53 answer zonetrail cannot represent. Route 53 never sends one; if it does, the
/// zone's sweep fails loudly rather than dropping the record.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("Route 53 returned the record name {name:?}, which is not a valid DNS name: {source}")]
    Name { name: String, source: zonetrail_model::NameError },
    #[error("Route 53 returned the record type {rtype:?} for {name:?}: {source}")]
    Type { name: String, rtype: String, source: zonetrail_model::TypeError },
    #[error("Route 53 returned the hosted zone id {id:?}: {source}")]
    ZoneId { id: String, source: zonetrail_model::ZoneIdError },
    #[error("Route 53 returned the hosted zone name {name:?} for {id}: {source}")]
    ZoneName { id: String, name: String, source: zonetrail_model::NameError },
}

pub fn record_set(rr: &sdk::ResourceRecordSet) -> Result<RecordSet, ConvertError> {
    let name = RecordName::parse(rr.name())
        .map_err(|source| ConvertError::Name { name: rr.name().to_owned(), source })?;
    let rtype = RecordType::parse(rr.r#type().as_str()).map_err(|source| ConvertError::Type {
        name: rr.name().to_owned(),
        rtype: rr.r#type().as_str().to_owned(),
        source,
    })?;
    let routing = Routing {
        weight: rr.weight(),
        region: rr.region().map(|r| r.as_str().to_owned()),
        failover: rr.failover().map(|f| f.as_str().to_owned()),
        geo_location: rr.geo_location().map(|g| GeoLocation {
            continent_code: g.continent_code().map(str::to_owned),
            country_code: g.country_code().map(str::to_owned),
            subdivision_code: g.subdivision_code().map(str::to_owned),
        }),
        geoproximity_location: rr.geo_proximity_location().map(|g| GeoProximityLocation {
            aws_region: g.aws_region().map(str::to_owned),
            local_zone_group: g.local_zone_group().map(str::to_owned),
            coordinates: g.coordinates().map(|c| Coordinates {
                latitude: c.latitude().to_owned(),
                longitude: c.longitude().to_owned(),
            }),
            bias: g.bias(),
        }),
        cidr_routing: rr.cidr_routing_config().map(|c| CidrRouting {
            collection_id: c.collection_id().to_owned(),
            location_name: c.location_name().to_owned(),
        }),
        multivalue_answer: rr.multi_value_answer(),
        health_check_id: rr.health_check_id().map(str::to_owned),
        traffic_policy_instance_id: rr.traffic_policy_instance_id().map(str::to_owned),
    };
    Ok(RecordSet {
        name,
        rtype,
        set_identifier: rr.set_identifier().map(str::to_owned),
        ttl: rr.ttl(),
        values: rr.resource_records().iter().map(|v| v.value().to_owned()).collect(),
        alias_target: rr.alias_target().map(|a| AliasTarget {
            hosted_zone_id: a.hosted_zone_id().to_owned(),
            dns_name: a.dns_name().to_owned(),
            evaluate_target_health: a.evaluate_target_health(),
        }),
        routing,
    }
    .normalize())
}

/// A hosted zone from ListHostedZones or GetHostedZone, with the VPCs GetHostedZone returned.
pub fn hosted_zone(zone: &sdk::HostedZone, vpcs: &[sdk::Vpc]) -> Result<HostedZone, ConvertError> {
    let id = ZoneId::parse(zone.id())
        .map_err(|source| ConvertError::ZoneId { id: zone.id().to_owned(), source })?;
    let name = RecordName::parse(zone.name()).map_err(|source| ConvertError::ZoneName {
        id: id.to_string(),
        name: zone.name().to_owned(),
        source,
    })?;
    Ok(HostedZone {
        id,
        name,
        private: zone.config().is_some_and(|c| c.private_zone()),
        comment: zone
            .config()
            .and_then(|c| c.comment())
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        vpcs: vpcs
            .iter()
            .filter_map(|v| {
                Some(Vpc {
                    region: v.vpc_region()?.as_str().to_owned(),
                    id: v.vpc_id()?.to_owned(),
                })
            })
            .collect(),
        record_count: zone.resource_record_set_count(),
    }
    .normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_routing_member() {
        let rr = sdk::ResourceRecordSet::builder()
            .name("\\052.Example.com.")
            .r#type(sdk::RrType::A)
            .set_identifier("eu")
            .ttl(60)
            .resource_records(sdk::ResourceRecord::builder().value("192.0.2.2").build().unwrap())
            .resource_records(sdk::ResourceRecord::builder().value("192.0.2.1").build().unwrap())
            .geo_proximity_location(
                sdk::GeoProximityLocation::builder()
                    .aws_region("eu-west-1")
                    .bias(-20)
                    .coordinates(
                        sdk::Coordinates::builder()
                            .latitude("49.22")
                            .longitude("-74.01")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .cidr_routing_config(
                sdk::CidrRoutingConfig::builder()
                    .collection_id("c-1")
                    .location_name("office")
                    .build()
                    .unwrap(),
            )
            .health_check_id("hc-1")
            .build()
            .unwrap();
        let set = record_set(&rr).unwrap();
        assert_eq!(set.name.as_str(), "*.example.com.");
        assert_eq!(set.values, vec!["192.0.2.1", "192.0.2.2"]);
        let geo = set.routing.geoproximity_location.unwrap();
        assert_eq!(geo.bias, Some(-20));
        assert_eq!(geo.coordinates.unwrap().longitude, "-74.01");
        assert_eq!(set.routing.cidr_routing.unwrap().location_name, "office");
        assert_eq!(set.routing.health_check_id.as_deref(), Some("hc-1"));
    }
}
