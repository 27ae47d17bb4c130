//! The record as the API shows it (docs/design.md, "Read API"): every Route 53 member present,
//! `null` where Route 53 has none, `values: []` for an alias.
//!
//! These types are the wire contract, so they live here rather than being the model's types:
//! a change in the model cannot silently change the API. Stored content (the model's
//! `RecordSet` JSON, written by the writer) is read straight into them, without re-validating
//! names on every read; a unit test below keeps the two shapes in step.

use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zonetrail_model::Timestamp;

use crate::annotations::{Attribution, RecordAnnotation};
use crate::findings::RecordFinding;
use crate::timestamp;

/// A record set as the inventory knows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordView {
    /// zonetrail's id for this record set (stable across updates and deletion).
    #[schema(example = 42)]
    pub id: i64,
    /// The hosted zone id, without `/hostedzone/`.
    #[schema(example = "Z0123456789ABC")]
    pub zone_id: String,
    /// `null` only if the zone itself has not been observed yet.
    #[schema(example = "example.com.")]
    pub zone_name: Option<String>,
    pub private_zone: Option<bool>,
    /// The AWS account that owns the record's zone (twelve digits); `null` when not known.
    #[schema(example = "123456789012")]
    pub account_id: Option<String>,
    /// The account's name in AWS Organizations; `null` when not known.
    #[schema(example = "production")]
    pub account_name: Option<String>,
    #[serde(flatten)]
    pub content: RecordContent,
    /// When zonetrail first saw the record set; `null` for a deletion seen before any creation.
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub first_seen_at: Option<Timestamp>,
    /// The Route 53 observation this state reflects (sweep read time or CloudTrail event time).
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub observed_at: Timestamp,
    /// Set when the record set was deleted (a tombstone).
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deleted_at: Option<Timestamp>,
    /// The record's open findings (not suppressed), oldest first; `[]` for none, and for a
    /// record shown as of a past time (`as_of`). `/api/findings?record=` has their evidence.
    pub findings: Vec<RecordFinding>,
    /// Who owns it, as an editor set it: the record's own annotation, else its zone's
    /// (`inherited`); `null` for none. Kept by the record's key, so it stays across value
    /// changes and a delete followed by a re-create.
    pub annotation: Option<RecordAnnotation>,
    /// Who manages it, as its DNS says (an external-dns registry TXT record); `null` for
    /// none. A manual `annotation` wins over it; both are shown.
    pub attribution: Option<Attribution>,
}

/// What a record's JSON carries besides the record itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    pub findings: &'a [RecordFinding],
    pub annotation: Option<&'a RecordAnnotation>,
    pub attribution: Option<&'a Attribution>,
}

/// A record set's Route 53 content: its key and everything Route 53 holds for it. History
/// entries show `before` and `after` in this shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordContent {
    /// Lower-case with a trailing dot; Route 53's octal escapes decoded (`\052` shows as `*`).
    #[schema(example = "*.example.com.")]
    pub name: String,
    #[serde(rename = "type")]
    #[schema(example = "A")]
    pub record_type: String,
    /// Distinguishes weighted, latency, geolocation, failover, multivalue and CIDR record sets
    /// that share a name and type.
    #[schema(example = "blue")]
    #[serde(default)]
    pub set_identifier: Option<String>,
    /// `null` for an alias.
    #[schema(example = 60)]
    #[serde(default)]
    pub ttl: Option<i64>,
    /// The record's values as Route 53 returns them; `[]` for an alias.
    #[schema(example = json!(["192.0.2.10"]))]
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub alias_target: Option<AliasTargetView>,
    #[serde(default)]
    pub routing: RoutingView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AliasTargetView {
    pub hosted_zone_id: String,
    pub dns_name: String,
    pub evaluate_target_health: bool,
}

/// Every routing member Route 53 has; each is `null` when the record set does not use it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoutingView {
    pub weight: Option<i64>,
    pub region: Option<String>,
    pub failover: Option<String>,
    pub geo_location: Option<GeoLocationView>,
    pub geoproximity_location: Option<GeoProximityLocationView>,
    pub cidr_routing: Option<CidrRoutingView>,
    pub multivalue_answer: Option<bool>,
    pub health_check_id: Option<String>,
    pub traffic_policy_instance_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GeoLocationView {
    pub continent_code: Option<String>,
    pub country_code: Option<String>,
    pub subdivision_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GeoProximityLocationView {
    pub aws_region: Option<String>,
    pub local_zone_group: Option<String>,
    pub coordinates: Option<CoordinatesView>,
    pub bias: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CoordinatesView {
    pub latitude: String,
    pub longitude: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CidrRoutingView {
    pub collection_id: String,
    pub location_name: String,
}

/// Read stored `RecordSet` JSON. A row the writer stored always reads; if one does not
/// (hand-edited, or written by a newer version), the page still renders: the row shows its
/// key only and the log says which row.
pub(crate) fn parse_content(json: Option<&str>, row_id: i64, what: &str) -> Option<RecordContent> {
    let json = json?;
    match serde_json::from_str::<RecordContent>(json) {
        Ok(mut content) => {
            content.set_identifier = content.set_identifier.filter(|s| !s.is_empty());
            Some(content)
        }
        Err(e) => {
            tracing::warn!(row_id, what, error = %e, "stored record set JSON does not parse; showing the key only");
            None
        }
    }
}

/// A `record_sets` row joined with its zone, as the list and detail queries select it.
#[derive(Debug, FromQueryResult)]
pub struct RecordRow {
    pub id: i64,
    pub zone_id: String,
    pub name: String,
    pub reversed_name: String,
    pub record_type: String,
    pub set_identifier: String,
    pub content: Option<String>,
    pub observed_at: Timestamp,
    pub first_seen_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    pub zone_name: Option<String>,
    pub private_zone: Option<bool>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
}

impl RecordRow {
    /// Append this record's JSON, exactly as [`RecordView`] serialises it. The stored
    /// content is the model's `RecordSet` JSON, whose members are the view's (a test keeps
    /// them in step), so it is copied into the object as it is; only content that does not
    /// read as a JSON object, or carries the empty set identifier of old rows, goes through
    /// [`Self::into_view`]. A page of records is then mostly copying, not parsing and
    /// writing every member again.
    pub fn write_json(&self, out: &mut Vec<u8>, extras: Extras<'_>) {
        let stored = self.content.as_deref().filter(|c| {
            // The model writes `name` first and every member, `traffic_policy_instance_id`
            // (its newest) included; anything else (hand-edited, or written before that
            // member existed) takes the long way, where the view fills in what is missing:
            // the OpenAPI document promises every member.
            c.starts_with("{\"name\":")
                && c.contains("\"traffic_policy_instance_id\":")
                && !c.contains("\"set_identifier\":\"\"")
                && serde_json::from_str::<serde::de::IgnoredAny>(c).is_ok()
        });
        let Some(content) = stored else {
            let mut view = self.clone_row().into_view();
            view.findings = extras.findings.to_vec();
            view.annotation = extras.annotation.cloned();
            view.attribution = extras.attribution.cloned();
            serde_json::to_writer(&mut *out, &view).expect("a record view always serialises");
            return;
        };
        let string = |out: &mut Vec<u8>, s: &str| {
            serde_json::to_writer(&mut *out, s).expect("a string always serialises")
        };
        let time = |out: &mut Vec<u8>, t: Option<&Timestamp>| match t {
            Some(t) => string(out, &timestamp::format(t)),
            None => out.extend_from_slice(b"null"),
        };
        out.extend_from_slice(b"{\"id\":");
        out.extend_from_slice(self.id.to_string().as_bytes());
        out.extend_from_slice(b",\"zone_id\":");
        string(out, &self.zone_id);
        out.extend_from_slice(b",\"zone_name\":");
        match &self.zone_name {
            Some(z) => string(out, z),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"private_zone\":");
        out.extend_from_slice(match self.private_zone {
            Some(true) => b"true",
            Some(false) => b"false",
            None => b"null",
        });
        out.extend_from_slice(b",\"account_id\":");
        match &self.account_id {
            Some(a) => string(out, a),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"account_name\":");
        match &self.account_name {
            Some(a) => string(out, a),
            None => out.extend_from_slice(b"null"),
        }
        let inner = content[1..content.len() - 1].trim();
        if !inner.is_empty() {
            out.push(b',');
            out.extend_from_slice(inner.as_bytes());
        }
        out.extend_from_slice(b",\"first_seen_at\":");
        time(out, self.first_seen_at.as_ref());
        out.extend_from_slice(b",\"observed_at\":");
        time(out, Some(&self.observed_at));
        out.extend_from_slice(b",\"deleted_at\":");
        time(out, self.deleted_at.as_ref());
        out.extend_from_slice(b",\"findings\":");
        serde_json::to_writer(&mut *out, extras.findings).expect("findings always serialise");
        out.extend_from_slice(b",\"annotation\":");
        serde_json::to_writer(&mut *out, &extras.annotation).expect("annotations serialise");
        out.extend_from_slice(b",\"attribution\":");
        serde_json::to_writer(&mut *out, &extras.attribution).expect("attributions serialise");
        out.push(b'}');
    }

    fn clone_row(&self) -> RecordRow {
        RecordRow {
            id: self.id,
            zone_id: self.zone_id.clone(),
            name: self.name.clone(),
            reversed_name: self.reversed_name.clone(),
            record_type: self.record_type.clone(),
            set_identifier: self.set_identifier.clone(),
            content: self.content.clone(),
            observed_at: self.observed_at,
            first_seen_at: self.first_seen_at,
            deleted_at: self.deleted_at,
            zone_name: self.zone_name.clone(),
            private_zone: self.private_zone,
            account_id: self.account_id.clone(),
            account_name: self.account_name.clone(),
        }
    }

    pub fn into_view(self) -> RecordView {
        let content = match parse_content(self.content.as_deref(), self.id, "record_sets.content") {
            Some(content) => content,
            // A tombstone of a record never seen alive has no content: show its key.
            None => RecordContent {
                name: self.name,
                record_type: self.record_type,
                set_identifier: Some(self.set_identifier).filter(|s| !s.is_empty()),
                ttl: None,
                values: Vec::new(),
                alias_target: None,
                routing: RoutingView::default(),
            },
        };
        RecordView {
            id: self.id,
            zone_id: self.zone_id,
            zone_name: self.zone_name,
            private_zone: self.private_zone,
            account_id: self.account_id,
            account_name: self.account_name,
            content,
            first_seen_at: self.first_seen_at,
            observed_at: self.observed_at,
            deleted_at: self.deleted_at,
            findings: Vec::new(),
            annotation: None,
            attribution: None,
        }
    }

    /// The record's key, for the annotation lookups.
    pub fn key_ref(&self) -> crate::annotations::read::RecordKeyRef<'_> {
        crate::annotations::read::RecordKeyRef {
            id: self.id,
            zone_id: &self.zone_id,
            name: &self.name,
            record_type: &self.record_type,
            set_identifier: &self.set_identifier,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zonetrail_model::{
        AliasTarget, CidrRouting, Coordinates, GeoLocation, GeoProximityLocation, RecordName,
        RecordSet, RecordType, Routing,
    };

    impl From<RecordSet> for RecordContent {
        fn from(r: RecordSet) -> Self {
            Self {
                name: r.name.to_string(),
                record_type: r.rtype.to_string(),
                set_identifier: r.set_identifier.filter(|s| !s.is_empty()),
                ttl: r.ttl,
                values: r.values,
                alias_target: r.alias_target.map(AliasTargetView::from),
                routing: r.routing.into(),
            }
        }
    }

    impl From<AliasTarget> for AliasTargetView {
        fn from(a: AliasTarget) -> Self {
            Self {
                hosted_zone_id: a.hosted_zone_id,
                dns_name: a.dns_name,
                evaluate_target_health: a.evaluate_target_health,
            }
        }
    }

    impl From<Routing> for RoutingView {
        fn from(r: Routing) -> Self {
            Self {
                weight: r.weight,
                region: r.region,
                failover: r.failover,
                geo_location: r.geo_location.map(GeoLocationView::from),
                geoproximity_location: r.geoproximity_location.map(GeoProximityLocationView::from),
                cidr_routing: r.cidr_routing.map(CidrRoutingView::from),
                multivalue_answer: r.multivalue_answer,
                health_check_id: r.health_check_id,
                traffic_policy_instance_id: r.traffic_policy_instance_id,
            }
        }
    }

    impl From<GeoLocation> for GeoLocationView {
        fn from(g: GeoLocation) -> Self {
            Self {
                continent_code: g.continent_code,
                country_code: g.country_code,
                subdivision_code: g.subdivision_code,
            }
        }
    }

    impl From<GeoProximityLocation> for GeoProximityLocationView {
        fn from(g: GeoProximityLocation) -> Self {
            Self {
                aws_region: g.aws_region,
                local_zone_group: g.local_zone_group,
                coordinates: g.coordinates.map(CoordinatesView::from),
                bias: g.bias,
            }
        }
    }

    impl From<Coordinates> for CoordinatesView {
        fn from(c: Coordinates) -> Self {
            Self { latitude: c.latitude, longitude: c.longitude }
        }
    }

    impl From<CidrRouting> for CidrRoutingView {
        fn from(c: CidrRouting) -> Self {
            Self { collection_id: c.collection_id, location_name: c.location_name }
        }
    }

    fn every_member() -> RecordSet {
        RecordSet {
            name: RecordName::parse("\\052.example.com").unwrap(),
            rtype: RecordType::A,
            set_identifier: Some("eu".into()),
            ttl: Some(60),
            values: vec!["192.0.2.1".into(), "192.0.2.2".into()],
            alias_target: Some(AliasTarget {
                hosted_zone_id: "Z2".into(),
                dns_name: "d.example.net.".into(),
                evaluate_target_health: true,
            }),
            routing: Routing {
                weight: Some(10),
                region: Some("eu-west-1".into()),
                failover: Some("PRIMARY".into()),
                geo_location: Some(GeoLocation {
                    continent_code: Some("EU".into()),
                    country_code: Some("DE".into()),
                    subdivision_code: None,
                }),
                geoproximity_location: Some(GeoProximityLocation {
                    aws_region: None,
                    local_zone_group: Some("use1-az".into()),
                    coordinates: Some(Coordinates {
                        latitude: "49.22".into(),
                        longitude: "-74.01".into(),
                    }),
                    bias: Some(-10),
                }),
                cidr_routing: Some(CidrRouting {
                    collection_id: "c-1".into(),
                    location_name: "office".into(),
                }),
                multivalue_answer: Some(true),
                health_check_id: Some("hc".into()),
                traffic_policy_instance_id: Some("tp".into()),
            },
        }
    }

    /// Stored content reads into the API's types member for member, so a renamed or added
    /// member in the model fails here rather than vanishing from the API.
    #[test]
    fn stored_content_reads_every_member() {
        for record in [
            every_member(),
            RecordSet {
                set_identifier: None,
                alias_target: None,
                routing: Routing::default(),
                ..every_member()
            },
        ] {
            let stored = serde_json::to_string(&record).unwrap();
            let read = parse_content(Some(&stored), 1, "test").unwrap();
            assert_eq!(read, RecordContent::from(record.clone()));
            let model_json: serde_json::Value = serde_json::from_str(&stored).unwrap();
            assert_eq!(
                serde_json::to_value(&read).unwrap(),
                model_json,
                "the API shows the stored members under the same names"
            );
        }
        assert_eq!(
            parse_content(Some(r#"{"name":"a.","type":"A","set_identifier":""}"#), 1, "t")
                .unwrap()
                .set_identifier,
            None
        );
        assert!(parse_content(Some("not json"), 1, "t").is_none());
    }

    /// The list's copying writer and the view's serialiser give the same JSON for every kind
    /// of stored row.
    #[test]
    fn written_records_read_as_their_views() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:15:30.123456Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let row = |content: Option<String>, zone_name: Option<&str>, deleted: bool| RecordRow {
            id: 42,
            zone_id: "Z1".into(),
            name: "\\052.example.com.".into(),
            reversed_name: "com.example.\\052.".into(),
            record_type: "A".into(),
            set_identifier: "eu".into(),
            content,
            observed_at: at,
            first_seen_at: (!deleted).then_some(at),
            deleted_at: deleted.then_some(at),
            zone_name: zone_name.map(str::to_owned),
            private_zone: zone_name.map(|_| true),
            account_id: zone_name.map(|_| "123456789012".to_owned()),
            account_name: zone_name.map(|_| "prod \"eu\"".to_owned()),
        };
        let full = serde_json::to_string(&every_member()).unwrap();
        let bare = serde_json::to_string(&RecordSet {
            set_identifier: None,
            alias_target: None,
            routing: Routing::default(),
            ..every_member()
        })
        .unwrap();
        let legacy = r#"{"name":"a.example.com.","type":"A","set_identifier":"","ttl":60,"values":["192.0.2.1"]}"#.to_string();
        let partial = r#"{"name":"a.example.com.","type":"A","ttl":60,"values":["192.0.2.1"],"routing":{"weight":5}}"#.to_string();
        for r in [
            row(Some(full), Some("example.com."), false),
            row(Some(bare), None, true),
            row(None, None, true),
            row(Some(legacy), Some("example.com."), false),
            row(Some(partial), Some("example.com."), false),
            row(Some("{not json}".into()), None, false),
            row(Some("{}".into()), None, false),
        ] {
            let findings = [RecordFinding {
                id: 7,
                kind: "dangling_ip".into(),
                severity: "high".into(),
                summary: "points at \"x\"".into(),
            }];
            let annotation = crate::annotations::RecordAnnotation {
                annotation: crate::annotations::Annotation {
                    fields: crate::annotations::AnnotationFields {
                        owner: Some("alice <b>".into()),
                        notes: Some("two\nlines".into()),
                        ..Default::default()
                    },
                    version: 2,
                    updated_by: "local".into(),
                    updated_at: chrono::DateTime::from_timestamp_micros(1_700_000_000_000_001)
                        .unwrap(),
                },
                inherited: true,
            };
            let attribution = crate::annotations::Attribution {
                source: "external-dns".into(),
                owner: Some("prod".into()),
                resource: None,
                txt_name: "a-www.example.com.".into(),
                summary: "managed by external-dns (owner prod)".into(),
            };
            let extras = Extras {
                findings: &findings,
                annotation: Some(&annotation),
                attribution: Some(&attribution),
            };
            let mut written = Vec::new();
            r.write_json(&mut written, extras);
            let written: serde_json::Value = serde_json::from_slice(&written)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&written)));
            let mut want = r.clone_row().into_view();
            want.findings = findings.to_vec();
            want.annotation = Some(annotation.clone());
            want.attribution = Some(attribution.clone());
            let want = serde_json::to_value(want).unwrap();
            assert_eq!(written, want);
        }
    }
}
