//! Findings (issue 20) through the writer's messages: `resources` listings, `ip_ranges` and
//! `records`/`zone` messages, then `Findings::evaluate` with the work the writer returned, or
//! `evaluate_all`. Test ranges (203.0.113.0/24 in us-east-1) keep the shipped file out of it.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use zonetrail_findings::{Findings, Kind, Work};
use zonetrail_model::entity::{findings, ip_ranges};
use zonetrail_model::message::DeletedKey;
use zonetrail_model::testing::Backend;
use zonetrail_model::{
    AccountId, AliasTarget, HostedZone, IpPrefix, IpRangesMessage, Message, Origin, RecordName,
    RecordSet, RecordType, RecordsMessage, ResourceItem, ResourceKind, ResourceListing,
    ResourcesMessage, Routing, ZoneChange, ZoneId, ZoneMessage,
};

use crate::on_both_backends;
use crate::support::{fresh_zone, migrated, ok, t};

const A: &str = "111111111111";
const B: &str = "222222222222";

on_both_backends!(
    dangling_ip_raised_near_misses_and_resolution,
    failed_listing_leaves_findings_undecided,
    takeover_kinds_against_listings,
    dns_hygiene_kinds,
    suppression_survives_reevaluation,
    malformed_ranges_rejected_old_kept,
    unknown_region_is_undecided,
);

fn acct(a: &str) -> AccountId {
    AccountId::parse(a).unwrap()
}

async fn ranges(db: &DatabaseConnection, token: &str, prefixes: &[(&str, &str)]) -> Work {
    let m = Message::IpRanges(IpRangesMessage {
        sync_token: token.into(),
        create_date: "2026-11-01-00-00-00".into(),
        observed_at: t(0),
        prefixes: prefixes
            .iter()
            .map(|(c, r)| IpPrefix { cidr: (*c).into(), region: (*r).into() })
            .collect(),
    });
    ok(db, &m).await.findings
}

async fn zone(
    db: &DatabaseConnection,
    id: &ZoneId,
    name: &str,
    private: bool,
    account: &str,
) -> Work {
    let m = Message::Zone(ZoneMessage {
        account_id: Some(acct(account)),
        zone_id: id.clone(),
        observed_at: t(1),
        origin: Origin::Sweep { sweep_id: format!("zones-{id}"), page: 0 },
        change: ZoneChange::Present(HostedZone {
            id: id.clone(),
            name: RecordName::parse(name).unwrap(),
            private,
            comment: None,
            vpcs: vec![],
            record_count: None,
        }),
    });
    ok(db, &m).await.findings
}

async fn listing(
    db: &DatabaseConnection,
    kind: ResourceKind,
    account: &str,
    region: &str,
    at: i64,
    items: &[&str],
) -> Work {
    let m = Message::Resources(ResourcesMessage {
        account_id: acct(account),
        resource_kind: kind,
        region: region.into(),
        observed_at: t(at),
        listing: ResourceListing::Complete {
            items: items
                .iter()
                .map(|k| ResourceItem {
                    key: (*k).into(),
                    id: format!("id-{k}"),
                    detail: serde_json::Value::Null,
                })
                .collect(),
        },
    });
    ok(db, &m).await.findings
}

async fn failed(
    db: &DatabaseConnection,
    kind: ResourceKind,
    account: &str,
    region: &str,
    at: i64,
) -> Work {
    let m = Message::Resources(ResourcesMessage {
        account_id: acct(account),
        resource_kind: kind,
        region: region.into(),
        observed_at: t(at),
        listing: ResourceListing::Failed { error: "AccessDenied".into() },
    });
    ok(db, &m).await.findings
}

/// Every kind listed complete and empty for both accounts (us-east-1 for the regional ones).
async fn all_listed(db: &DatabaseConnection, at: i64) {
    for a in [A, B] {
        for kind in ResourceKind::ALL {
            let region = if kind.is_global() { "" } else { "us-east-1" };
            listing(db, kind, a, region, at, &[]).await;
        }
    }
}

fn rs(name: &str, rtype: RecordType, values: &[&str]) -> RecordSet {
    RecordSet {
        name: RecordName::parse(name).unwrap(),
        rtype,
        set_identifier: None,
        ttl: Some(300),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        alias_target: None,
        routing: Routing::default(),
    }
}

fn alias(name: &str, zone: &str, dns: &str) -> RecordSet {
    RecordSet {
        ttl: None,
        values: vec![],
        alias_target: Some(AliasTarget {
            hosted_zone_id: zone.into(),
            dns_name: dns.into(),
            evaluate_target_health: false,
        }),
        ..rs(name, RecordType::A, &[])
    }
}

async fn records(
    db: &DatabaseConnection,
    zone: &ZoneId,
    at: i64,
    upserts: Vec<RecordSet>,
    deletes: Vec<(&str, RecordType)>,
) -> Work {
    let m = Message::Records(RecordsMessage {
        before_unknown: false,
        account_id: None,
        zone_id: zone.clone(),
        observed_at: t(at),
        origin: Origin::Event {
            backfill: false,
            event_id: format!("ev-{zone}-{at}"),
            event_name: "ChangeResourceRecordSets".into(),
            actor: None,
            actor_role: None,
            comment: None,
        },
        upserts,
        deletes: deletes
            .into_iter()
            .map(|(n, rtype)| DeletedKey {
                name: RecordName::parse(n).unwrap(),
                rtype,
                set_identifier: None,
            })
            .collect(),
    });
    ok(db, &m).await.findings
}

/// The zone's live findings (open or suppressed) as (kind, subject, status), sorted.
async fn live(db: &DatabaseConnection, zone: &ZoneId) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = findings::Entity::find()
        .filter(findings::Column::ZoneId.eq(zone.as_str()))
        .filter(findings::Column::OpenKey.is_not_null())
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.kind, f.subject, f.status))
        .collect();
    v.sort();
    v
}

async fn resolved(db: &DatabaseConnection, zone: &ZoneId) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = findings::Entity::find()
        .filter(findings::Column::ZoneId.eq(zone.as_str()))
        .filter(findings::Column::OpenKey.is_null())
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.kind, f.subject, f.resolved_reason.unwrap_or_default()))
        .collect();
    v.sort();
    v
}

fn open(kind: Kind, subject: &str) -> (String, String, String) {
    (kind.as_str().into(), subject.into(), "open".into())
}

async fn setup(backend: Backend) -> (zonetrail_model::testing::TestDb, Findings, ZoneId) {
    let db = migrated(backend).await;
    let f = Findings::new(None).with_outbox(true);
    let w = ranges(
        &db.conn,
        "1000",
        &[("203.0.113.0/24", "us-east-1"), ("198.51.100.0/24", "eu-west-1")],
    )
    .await;
    assert!(w.all, "new ranges ask for the whole inventory");
    let z = fresh_zone();
    zone(&db.conn, &z, "example.com.", false, A).await;
    // Account B is in scope through a zone of its own.
    zone(&db.conn, &fresh_zone(), "other.example.", false, B).await;
    (db, f, z)
}

async fn dangling_ip_raised_near_misses_and_resolution(backend: Backend) {
    let (db, f, z) = setup(backend).await;
    let db = &db.conn;
    all_listed(db, 10).await;
    // B holds 203.0.113.8 as an EIP in another region: owned, any region.
    listing(db, ResourceKind::Eip, B, "eu-west-1", 10, &["203.0.113.8"]).await;
    let w = records(
        db,
        &z,
        20,
        vec![
            rs("www.example.com.", RecordType::A, &["203.0.113.7"]),
            rs("b.example.com.", RecordType::A, &["203.0.113.8"]),
            rs("ext.example.com.", RecordType::A, &["8.8.8.8"]),
        ],
        vec![],
    )
    .await;
    assert_eq!(w.record_ids.len(), 3, "{w:?}");
    assert!(w.targets.contains(&format!("name:{}/www.example.com.", z.as_str())));
    let report = f.evaluate(db, &w).await.unwrap();
    assert_eq!((report.evaluated, report.opened), (3, 1), "{report:?}");
    assert_eq!(live(db, &z).await, vec![open(Kind::DanglingIp, "203.0.113.7")]);
    let row = findings::Entity::find()
        .filter(findings::Column::OpenKey.is_not_null())
        .filter(findings::Column::ZoneId.eq(z.as_str()))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let ev: serde_json::Value = serde_json::from_str(&row.evidence).unwrap();
    assert_eq!(ev["range"], "203.0.113.0/24");
    assert_eq!(ev["range_region"], "us-east-1");
    assert_eq!(ev["accounts_checked"], serde_json::json!([A, B]));
    assert_eq!(row.severity, "high");
    assert_eq!(row.account_id.as_deref(), Some(A));
    let sentence = zonetrail_findings::describe::describe(Kind::DanglingIp, &row.subject, &ev);
    assert_eq!(
        sentence,
        "points at 203.0.113.7, an AWS address (203.0.113.0/24, us-east-1) that none of your 2 accounts holds"
    );
    // Evaluating again changes nothing.
    let again = f.evaluate_all(db).await.unwrap();
    assert_eq!((again.opened, again.resolved), (0, 0));

    // The resource comes back (an ENI of A): resolved, through the reverse index.
    let w = listing(db, ResourceKind::Eni, A, "us-east-1", 30, &["203.0.113.7"]).await;
    assert_eq!(w.targets, vec!["ip:203.0.113.7".to_owned()]);
    let report = f.evaluate(db, &w).await.unwrap();
    assert_eq!(report.resolved, 1);
    assert_eq!(
        resolved(db, &z).await,
        vec![(Kind::DanglingIp.as_str().into(), "203.0.113.7".into(), "resource exists".into())]
    );
    // Released again: a new finding (a new row).
    let w = listing(db, ResourceKind::Eni, A, "us-east-1", 40, &[]).await;
    assert_eq!(f.evaluate(db, &w).await.unwrap().opened, 1);
    // The record is deleted: resolved.
    let w = records(db, &z, 50, vec![], vec![("www.example.com.", RecordType::A)]).await;
    assert_eq!(f.evaluate(db, &w).await.unwrap().resolved, 1);
    assert!(live(db, &z).await.is_empty());
    let reasons: Vec<String> = resolved(db, &z).await.into_iter().map(|r| r.2).collect();
    assert!(reasons.contains(&"record deleted".to_owned()), "{reasons:?}");
    // Each raise and resolve went to the outbox.
    let outbox = zonetrail_model::entity::finding_outbox::Entity::find().all(db).await.unwrap();
    let events: Vec<&str> = outbox.iter().map(|o| o.event.as_str()).collect();
    assert_eq!(events, vec!["opened", "resolved", "opened", "resolved"]);
}

async fn failed_listing_leaves_findings_undecided(backend: Backend) {
    let (db, f, z) = setup(backend).await;
    let db = &db.conn;
    all_listed(db, 10).await;
    let w =
        records(db, &z, 20, vec![rs("www.example.com.", RecordType::A, &["203.0.113.7"])], vec![])
            .await;
    f.evaluate(db, &w).await.unwrap();
    assert_eq!(live(db, &z).await.len(), 1);
    // B's EIP listing fails: the open finding stays open, nothing resolved.
    failed(db, ResourceKind::Eip, B, "us-east-1", 30).await;
    let r = f.evaluate_all(db).await.unwrap();
    assert_eq!((r.resolved, r.undecided), (0, 1), "{r:?}");
    assert_eq!(live(db, &z).await.len(), 1);
    // A new dangling record is not raised while undecided.
    let w =
        records(db, &z, 40, vec![rs("two.example.com.", RecordType::A, &["203.0.113.9"])], vec![])
            .await;
    let r = f.evaluate(db, &w).await.unwrap();
    assert_eq!((r.opened, r.undecided), (0, 1));
    // A newer complete listing decides again.
    listing(db, ResourceKind::Eip, B, "us-east-1", 50, &[]).await;
    let r = f.evaluate_all(db).await.unwrap();
    assert_eq!(r.opened, 1, "{r:?}");
}

async fn takeover_kinds_against_listings(backend: Backend) {
    let (db, f, z) = setup(backend).await;
    let db = &db.conn;
    all_listed(db, 10).await;
    // Resources in account B (in scope).
    listing(db, ResourceKind::S3Bucket, B, "", 11, &["kept.example.com"]).await;
    listing(db, ResourceKind::Cloudfront, B, "", 11, &["dkept.cloudfront.net"]).await;
    listing(
        db,
        ResourceKind::ElasticBeanstalk,
        B,
        "us-east-1",
        11,
        &["kept.us-east-1.elasticbeanstalk.com"],
    )
    .await;
    listing(db, ResourceKind::HealthCheck, B, "", 11, &["hc-kept"]).await;
    let mut hc = rs("hc.example.com.", RecordType::A, &["192.0.2.1"]);
    hc.routing.health_check_id = Some("hc-gone".into());
    let mut hc_ok = rs("hcok.example.com.", RecordType::A, &["192.0.2.2"]);
    hc_ok.routing.health_check_id = Some("hc-kept".into());
    let w = records(
        db,
        &z,
        20,
        vec![
            rs(
                "s3.example.com.",
                RecordType::Cname,
                &["gone.example.com.s3-website-us-east-1.amazonaws.com"],
            ),
            rs(
                "s3b.example.com.",
                RecordType::Cname,
                &["kept.example.com.s3-website.us-east-1.amazonaws.com"],
            ),
            alias("gone2.example.com.", "Z3AQBSTGFYJSTF", "s3-website-us-east-1.amazonaws.com."),
            rs("cf.example.com.", RecordType::Cname, &["dgone.cloudfront.net"]),
            alias("cf2.example.com.", "Z2FDTNDATAQYW2", "dkept.cloudfront.net."),
            rs("eb.example.com.", RecordType::Cname, &["gone.us-east-1.elasticbeanstalk.com"]),
            rs("eb2.example.com.", RecordType::Cname, &["kept.us-east-1.elasticbeanstalk.com"]),
            hc,
            hc_ok,
        ],
        vec![],
    )
    .await;
    f.evaluate(db, &w).await.unwrap();
    assert_eq!(
        live(db, &z).await,
        vec![
            open(Kind::DanglingCloudfront, "dgone.cloudfront.net"),
            open(Kind::DanglingElasticBeanstalk, "gone.us-east-1"),
            open(Kind::DanglingS3Website, "gone.example.com"),
            open(Kind::DanglingS3Website, "gone2.example.com"),
            open(Kind::HealthCheckMissing, "hc-gone"),
        ]
    );
    // The bucket is created in account A: resolved through its target.
    let w = listing(db, ResourceKind::S3Bucket, A, "", 30, &["gone.example.com"]).await;
    assert_eq!(w.targets, vec!["s3:gone.example.com".to_owned()]);
    assert_eq!(f.evaluate(db, &w).await.unwrap().resolved, 1);
    // B's distribution is deleted: the alias to it is raised.
    let w = listing(db, ResourceKind::Cloudfront, B, "", 30, &[]).await;
    assert_eq!(f.evaluate(db, &w).await.unwrap().opened, 1);
    assert!(live(db, &z).await.contains(&open(Kind::DanglingCloudfront, "dkept.cloudfront.net")));
}

async fn dns_hygiene_kinds(backend: Backend) {
    let (db, f, z) = setup(backend).await;
    let db = &db.conn;
    let private = fresh_zone();
    zone(db, &private, "internal.example.", true, A).await;
    let sub = fresh_zone();
    zone(db, &sub, "sub.example.com.", false, A).await;
    records(
        db,
        &sub,
        15,
        vec![rs(
            "sub.example.com.",
            RecordType::Ns,
            &["ns-1.awsdns-01.com.", "ns-2.awsdns-02.net."],
        )],
        vec![],
    )
    .await;
    let w = records(
        db,
        &z,
        20,
        vec![
            rs("p.example.com.", RecordType::A, &["10.1.2.3"]),
            rs("q.example.com.", RecordType::A, &["172.32.0.1"]),
            rs("sub.example.com.", RecordType::Ns, &["ns-1.awsdns-01.com.", "ns-9.awsdns-09.org."]),
            rs("gone.example.com.", RecordType::Ns, &["ns-5.awsdns-05.co.uk."]),
            rs("ext.example.com.", RecordType::Ns, &["ns1.example.net."]),
            alias("al.example.com.", z.as_str(), "target.example.com."),
            alias("al2.example.com.", z.as_str(), "p.example.com."),
        ],
        vec![],
    )
    .await;
    records(
        db,
        &private,
        20,
        vec![rs("db.internal.example.", RecordType::A, &["10.0.0.5"])],
        vec![],
    )
    .await;
    let r = f.evaluate(db, &w).await.unwrap();
    assert_eq!(r.opened, 3, "{r:?}");
    assert_eq!(
        live(db, &z).await,
        vec![
            open(Kind::AliasTargetMissing, "target.example.com."),
            open(Kind::DanglingNsDelegation, "gone.example.com."),
            open(Kind::PrivateIpInPublicZone, "10.1.2.3"),
        ]
    );
    f.evaluate_all(db).await.unwrap();
    assert!(live(db, &private).await.is_empty(), "a private zone's private address is fine");
    // The alias target is created: the `name:` target re-evaluates the alias.
    let w =
        records(db, &z, 30, vec![rs("target.example.com.", RecordType::A, &["192.0.2.1"])], vec![])
            .await;
    assert!(w.targets.contains(&format!("name:{}/target.example.com.", z.as_str())), "{w:?}");
    assert_eq!(f.evaluate(db, &w).await.unwrap().resolved, 1);
    // A zone named gone.example.com with a matching apex NS set: the delegation matches.
    let gone = fresh_zone();
    zone(db, &gone, "gone.example.com.", false, B).await;
    let w = records(
        db,
        &gone,
        40,
        vec![rs("gone.example.com.", RecordType::Ns, &["ns-5.awsdns-05.co.uk."])],
        vec![],
    )
    .await;
    assert!(w.targets.contains(&"zone:gone.example.com.".to_owned()), "{w:?}");
    assert_eq!(f.evaluate(db, &w).await.unwrap().resolved, 1);
    let reasons: Vec<String> = resolved(db, &z).await.into_iter().map(|r| r.2).collect();
    assert_eq!(reasons, vec!["target exists".to_owned(), "zone matches".to_owned()]);
}

async fn suppression_survives_reevaluation(backend: Backend) {
    let (db, f, z) = setup(backend).await;
    let db = &db.conn;
    let w =
        records(db, &z, 20, vec![rs("p.example.com.", RecordType::A, &["192.168.1.1"])], vec![])
            .await;
    f.evaluate(db, &w).await.unwrap();
    let s = zonetrail_findings::suppress::Suppression {
        kind: Kind::PrivateIpInPublicZone,
        zone_id: z.as_str().into(),
        name: "p.example.com.".into(),
        record_type: "A".into(),
        set_identifier: String::new(),
        reason: "lab".into(),
        created_by: "alice".into(),
    };
    assert_eq!(zonetrail_findings::suppress::suppress(db, &s, t(25)).await.unwrap(), 1);
    f.evaluate_all(db).await.unwrap();
    let w =
        records(db, &z, 30, vec![rs("p.example.com.", RecordType::A, &["192.168.1.2"])], vec![])
            .await;
    f.evaluate(db, &w).await.unwrap();
    assert_eq!(
        live(db, &z).await,
        vec![(
            Kind::PrivateIpInPublicZone.as_str().into(),
            "192.168.1.2".into(),
            "suppressed".into()
        )]
    );
    assert_eq!(zonetrail_findings::suppress::list(db).await.unwrap().len(), 1);
    assert!(
        zonetrail_findings::suppress::unsuppress(
            db,
            Kind::PrivateIpInPublicZone,
            z.as_str(),
            "p.example.com.",
            "A",
            ""
        )
        .await
        .unwrap()
    );
    assert_eq!(live(db, &z).await[0].2, "open");
}

async fn malformed_ranges_rejected_old_kept(backend: Backend) {
    let (db, f, z) = setup(backend).await;
    let db = &db.conn;
    all_listed(db, 10).await;
    let w = ranges(db, "2000", &[("203.0.113.0/33", "us-east-1")]).await;
    assert!(w.is_empty());
    let w = ranges(db, "2001", &[]).await;
    assert!(w.is_empty());
    let w = ranges(db, "2002", &[("203.0.113.1/24", "us-east-1")]).await;
    assert!(w.is_empty(), "host bits set");
    assert_eq!(ip_ranges::Entity::find().all(db).await.unwrap().len(), 1);
    let w =
        records(db, &z, 20, vec![rs("www.example.com.", RecordType::A, &["203.0.113.7"])], vec![])
            .await;
    assert_eq!(f.evaluate(db, &w).await.unwrap().opened, 1, "the old ranges still answer");
    assert_eq!(f.ranges(db).await.unwrap().sync_token, "1000");
}

async fn unknown_region_is_undecided(backend: Backend) {
    let (db, f, z) = setup(backend).await;
    let db = &db.conn;
    all_listed(db, 10).await;
    let w = records(
        db,
        &z,
        20,
        vec![
            rs("s3.example.com.", RecordType::Cname, &["b.s3-website-mars-north-1.amazonaws.com"]),
            rs("eb.example.com.", RecordType::Cname, &["x.moon-1.elasticbeanstalk.com"]),
        ],
        vec![],
    )
    .await;
    let r = f.evaluate(db, &w).await.unwrap();
    assert_eq!((r.opened, r.undecided), (0, 2), "{r:?}");
}
