//! Route 53's REST-XML answers, element for element as the service (and the SDK's
//! deserialisers) have them.

use std::fmt::Write;
use zonetrail_model::RecordSet;

use super::names::api_form;
use super::store::Zone;

const XMLNS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn element(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<{name}>{}</{name}>", escape(text));
}

fn opt(out: &mut String, name: &str, text: Option<&str>) {
    if let Some(text) = text {
        element(out, name, text);
    }
}

pub fn hosted_zone(out: &mut String, zone: &Zone) {
    out.push_str("<HostedZone>");
    element(out, "Id", &format!("/hostedzone/{}", zone.id));
    element(out, "Name", &api_form(&zone.labels));
    element(out, "CallerReference", &zone.caller_reference);
    out.push_str("<Config>");
    opt(out, "Comment", zone.comment.as_deref());
    element(out, "PrivateZone", if zone.private { "true" } else { "false" });
    out.push_str("</Config>");
    element(out, "ResourceRecordSetCount", &zone.records.len().to_string());
    out.push_str("</HostedZone>");
}

pub fn list_hosted_zones<'a>(
    zones: impl Iterator<Item = &'a Zone>,
    marker: Option<&str>,
    next_marker: Option<&str>,
    max_items: usize,
) -> String {
    let mut out = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>{}<ListHostedZonesResponse xmlns="{XMLNS}"><HostedZones>"#,
        "\n"
    );
    for zone in zones {
        hosted_zone(&mut out, zone);
    }
    out.push_str("</HostedZones>");
    element(&mut out, "Marker", marker.unwrap_or(""));
    element(&mut out, "IsTruncated", if next_marker.is_some() { "true" } else { "false" });
    opt(&mut out, "NextMarker", next_marker);
    element(&mut out, "MaxItems", &max_items.to_string());
    out.push_str("</ListHostedZonesResponse>");
    out
}

pub fn get_hosted_zone(zone: &Zone) -> String {
    let mut out = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>{}<GetHostedZoneResponse xmlns="{XMLNS}">"#,
        "\n"
    );
    hosted_zone(&mut out, zone);
    if zone.private {
        out.push_str("<VPCs>");
        for vpc in &zone.vpcs {
            out.push_str("<VPC>");
            element(&mut out, "VPCRegion", &vpc.region);
            element(&mut out, "VPCId", &vpc.id);
            out.push_str("</VPC>");
        }
        out.push_str("</VPCs>");
    } else {
        out.push_str("<DelegationSet><NameServers>");
        for ns in [
            "ns-2048.awsdns-64.com",
            "ns-2049.awsdns-65.net",
            "ns-2050.awsdns-66.org",
            "ns-2051.awsdns-67.co.uk",
        ] {
            element(&mut out, "NameServer", ns);
        }
        out.push_str("</NameServers></DelegationSet>");
    }
    out.push_str("</GetHostedZoneResponse>");
    out
}

pub struct Next<'a> {
    pub name: String,
    pub rtype: &'a str,
    pub identifier: Option<&'a str>,
}

pub fn list_resource_record_sets<'a>(
    records: impl Iterator<Item = (&'a [Vec<u8>], &'a RecordSet)>,
    next: Option<Next<'_>>,
    max_items: usize,
) -> String {
    let mut out = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>{}<ListResourceRecordSetsResponse xmlns="{XMLNS}"><ResourceRecordSets>"#,
        "\n"
    );
    for (labels, record) in records {
        resource_record_set(&mut out, labels, record);
    }
    out.push_str("</ResourceRecordSets>");
    element(&mut out, "IsTruncated", if next.is_some() { "true" } else { "false" });
    if let Some(next) = next {
        element(&mut out, "NextRecordName", &next.name);
        element(&mut out, "NextRecordType", next.rtype);
        opt(&mut out, "NextRecordIdentifier", next.identifier);
    }
    element(&mut out, "MaxItems", &max_items.to_string());
    out.push_str("</ListResourceRecordSetsResponse>");
    out
}

/// Members in the order of Route 53's API reference for ResourceRecordSet.
fn resource_record_set(out: &mut String, labels: &[Vec<u8>], r: &RecordSet) {
    out.push_str("<ResourceRecordSet>");
    element(out, "Name", &api_form(labels));
    element(out, "Type", r.rtype.as_str());
    opt(out, "SetIdentifier", r.set_identifier.as_deref());
    opt(out, "Weight", r.routing.weight.map(|w| w.to_string()).as_deref());
    opt(out, "Region", r.routing.region.as_deref());
    if let Some(geo) = &r.routing.geo_location {
        out.push_str("<GeoLocation>");
        opt(out, "ContinentCode", geo.continent_code.as_deref());
        opt(out, "CountryCode", geo.country_code.as_deref());
        opt(out, "SubdivisionCode", geo.subdivision_code.as_deref());
        out.push_str("</GeoLocation>");
    }
    opt(out, "Failover", r.routing.failover.as_deref());
    opt(out, "MultiValueAnswer", r.routing.multivalue_answer.map(|b| b.to_string()).as_deref());
    opt(out, "TTL", r.ttl.map(|t| t.to_string()).as_deref());
    if !r.values.is_empty() {
        out.push_str("<ResourceRecords>");
        for value in &r.values {
            out.push_str("<ResourceRecord>");
            element(out, "Value", value);
            out.push_str("</ResourceRecord>");
        }
        out.push_str("</ResourceRecords>");
    }
    if let Some(alias) = &r.alias_target {
        out.push_str("<AliasTarget>");
        element(out, "HostedZoneId", &alias.hosted_zone_id);
        element(out, "DNSName", &alias.dns_name);
        element(out, "EvaluateTargetHealth", &alias.evaluate_target_health.to_string());
        out.push_str("</AliasTarget>");
    }
    opt(out, "HealthCheckId", r.routing.health_check_id.as_deref());
    opt(out, "TrafficPolicyInstanceId", r.routing.traffic_policy_instance_id.as_deref());
    if let Some(cidr) = &r.routing.cidr_routing {
        out.push_str("<CidrRoutingConfig>");
        element(out, "CollectionId", &cidr.collection_id);
        element(out, "LocationName", &cidr.location_name);
        out.push_str("</CidrRoutingConfig>");
    }
    if let Some(geo) = &r.routing.geoproximity_location {
        out.push_str("<GeoProximityLocation>");
        opt(out, "AWSRegion", geo.aws_region.as_deref());
        opt(out, "LocalZoneGroup", geo.local_zone_group.as_deref());
        if let Some(c) = &geo.coordinates {
            out.push_str("<Coordinates>");
            element(out, "Latitude", &c.latitude);
            element(out, "Longitude", &c.longitude);
            out.push_str("</Coordinates>");
        }
        opt(out, "Bias", geo.bias.map(|b| b.to_string()).as_deref());
        out.push_str("</GeoProximityLocation>");
    }
    out.push_str("</ResourceRecordSet>");
}

/// `<ErrorResponse>`, the wrapped error body of Route 53's REST-XML protocol.
pub fn error(kind: &str, code: &str, message: &str, request_id: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>{}<ErrorResponse xmlns="{XMLNS}"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"#,
        "\n",
        escape(message)
    )
}
