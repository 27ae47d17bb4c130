//! A migrated test database (SQLite or MariaDB) holding a small, hand-written inventory, and
//! the API router over it, driven with `tower::ServiceExt::oneshot` as a client would.

use api::fixture::{
    AccountSeed, ChangeSeed, RecordSeed, SweepSeed, ZoneSeed, insert_accounts, insert_changes,
    insert_records, insert_sweeps, insert_zones,
};
use api::{ApiConfig, AppState};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use bytes::Bytes;
use http_body_util::BodyExt;
use migration::MigratorTrait;
use serde_json::Value;
use std::collections::BTreeMap;
use tower::ServiceExt;
use zonetrail_model::testing::{Backend, TestDb, database};
use zonetrail_model::{
    AliasTarget, GeoLocation, HostedZone, RecordName, RecordSet, RecordType, Routing, Timestamp,
    Vpc, ZoneId,
};

pub const Z1: &str = "Z1EXAMPLE";
pub const Z2: &str = "Z2INTERNAL";
/// Z1's account, named `production`, swept fine.
pub const ACCOUNT_PROD: &str = "111122223333";
/// Z2's account: no `accounts` row (no sweep has reported on it).
pub const ACCOUNT_NET: &str = "444455556666";
/// An account with no zones whose role is refused.
pub const ACCOUNT_DENIED: &str = "777788889999";

pub fn at(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc)
}

/// Observation times of the fixture.
pub const T_CREATE: &str = "2026-11-20T09:00:00.250000Z";
pub const T_UPDATE: &str = "2026-11-21T10:30:00.500000Z";
pub const T_DELETE: &str = "2026-11-21T11:00:00Z";
pub const T_SWEEP: &str = "2026-11-22T08:00:00.000001Z";
pub const T_SWEEP_END: &str = "2026-11-22T08:05:00.123456Z";

pub fn record(name: &str, rtype: RecordType, values: &[&str]) -> RecordSet {
    RecordSet {
        name: RecordName::parse(name).unwrap(),
        rtype,
        set_identifier: None,
        ttl: Some(300),
        values: values.iter().map(|v| v.to_string()).collect(),
        alias_target: None,
        routing: Routing::default(),
    }
}

fn weighted(name: &str, id: &str, weight: i64, value: &str) -> RecordSet {
    RecordSet {
        set_identifier: Some(id.into()),
        ttl: Some(60),
        routing: Routing { weight: Some(weight), ..Routing::default() },
        ..record(name, RecordType::A, &[value])
    }
}

fn alias(name: &str, zone: &str, dns: &str) -> RecordSet {
    RecordSet {
        ttl: None,
        values: Vec::new(),
        alias_target: Some(AliasTarget {
            hosted_zone_id: zone.into(),
            dns_name: dns.into(),
            evaluate_target_health: false,
        }),
        ..record(name, RecordType::A, &[])
    }
}

/// The fixture's record ids by a short label.
#[derive(Debug, Default)]
pub struct Ids(pub BTreeMap<&'static str, i64>);

impl Ids {
    pub fn get(&self, label: &str) -> i64 {
        *self.0.get(label).unwrap_or_else(|| panic!("no fixture record {label}"))
    }
}

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub ids: Ids,
}

/// Labels of the live records of the fixture, and of the tombstones.
pub const LIVE: &[&str] = &[
    "www_blue",
    "www_green",
    "api",
    "wild_prod",
    "db_prod",
    "cdn",
    "mx",
    "txt",
    "acme",
    "mail",
    "app_internal",
    "db_internal",
    "lb_internal",
    "geo_internal",
];
pub const TOMBSTONES: &[&str] = &["old", "gone"];

pub async fn migrated(backend: Backend) -> TestDb {
    let db = database(backend).await;
    migration::Migrator::up(&db.conn, None).await.expect("migrations apply");
    db
}

pub async fn app(backend: Backend) -> TestApp {
    app_with(backend, ApiConfig::default()).await
}

pub async fn app_with(backend: Backend, config: ApiConfig) -> TestApp {
    let db = migrated(backend).await;
    let ids = seed_fixture(&db).await;
    let state = AppState::new(db.conn.clone(), config);
    TestApp { db, state, ids }
}

async fn seed_fixture(db: &TestDb) -> Ids {
    let z1 = ZoneId::parse(Z1).unwrap();
    let z2 = ZoneId::parse(Z2).unwrap();
    let (t_create, t_update, t_delete, t_sweep) =
        (at(T_CREATE), at(T_UPDATE), at(T_DELETE), at(T_SWEEP));
    insert_zones(
        &db.conn,
        &[
            ZoneSeed {
                zone: HostedZone {
                    id: z1.clone(),
                    name: RecordName::parse("example.com").unwrap(),
                    private: false,
                    comment: Some("public".into()),
                    vpcs: vec![],
                    record_count: Some(14),
                },
                account_id: Some(ACCOUNT_PROD.into()),
                observed_at: t_sweep,
                deleted_at: None,
            },
            ZoneSeed {
                zone: HostedZone {
                    id: z2.clone(),
                    name: RecordName::parse("internal.example").unwrap(),
                    private: true,
                    comment: None,
                    vpcs: vec![Vpc { region: "eu-west-1".into(), id: "vpc-0abc".into() }],
                    record_count: None,
                },
                account_id: Some(ACCOUNT_NET.into()),
                observed_at: t_sweep,
                deleted_at: None,
            },
        ],
    )
    .await
    .unwrap();
    insert_accounts(
        &db.conn,
        &[
            AccountSeed {
                account_id: ACCOUNT_PROD.into(),
                name: Some("production".into()),
                status: Some("ok".into()),
                last_attempt_at: Some(at(T_SWEEP)),
                last_success_at: Some(at(T_SWEEP_END)),
                last_error: None,
                last_error_at: None,
                first_seen_at: at(T_CREATE),
            },
            AccountSeed {
                account_id: ACCOUNT_DENIED.into(),
                name: Some("audit".into()),
                status: Some("access_denied".into()),
                last_attempt_at: Some(at(T_SWEEP)),
                last_success_at: None,
                last_error: Some("AccessDenied: not authorized to perform sts:AssumeRole".into()),
                last_error_at: Some(at(T_SWEEP)),
                first_seen_at: at(T_SWEEP),
            },
        ],
    )
    .await
    .unwrap();

    let mut geo = record("geo.internal.example", RecordType::A, &["192.0.2.77"]);
    geo.set_identifier = Some("europe".into());
    geo.routing.geo_location = Some(GeoLocation {
        continent_code: Some("EU".into()),
        country_code: None,
        subdivision_code: None,
    });
    let mut www_blue = weighted("www.example.com", "blue", 70, "192.0.2.10");
    www_blue.routing.health_check_id = Some("hc-1".into());

    let rows: Vec<(&'static str, RecordSeed)> = vec![
        (
            "www_blue",
            RecordSeed {
                first_seen_at: Some(t_create),
                ..RecordSeed::live(&z1, www_blue.clone(), t_update)
            },
        ),
        (
            "www_green",
            RecordSeed::live(&z1, weighted("www.example.com", "green", 30, "192.0.2.20"), t_sweep),
        ),
        (
            "api",
            RecordSeed::live(
                &z1,
                record("api.example.com", RecordType::A, &["192.0.2.30"]),
                t_sweep,
            ),
        ),
        (
            "wild_prod",
            RecordSeed::live(
                &z1,
                record("\\052.prod.example.com", RecordType::A, &["192.0.2.40"]),
                t_sweep,
            ),
        ),
        (
            "db_prod",
            RecordSeed::live(
                &z1,
                record("db.prod.example.com", RecordType::A, &["192.0.2.10"]),
                t_sweep,
            ),
        ),
        (
            "cdn",
            RecordSeed::live(
                &z1,
                alias("cdn.example.com", "/hostedzone/Z2FDTNDATAQYW2", "D123.CloudFront.net"),
                t_sweep,
            ),
        ),
        (
            "mx",
            RecordSeed::live(
                &z1,
                record("example.com", RecordType::Mx, &["10 mail.example.com."]),
                t_sweep,
            ),
        ),
        (
            "txt",
            RecordSeed::live(
                &z1,
                record("example.com", RecordType::Txt, &["\"v=spf1, \"\"quoted\"\" ~all\""]),
                t_sweep,
            ),
        ),
        (
            "acme",
            RecordSeed::live(
                &z1,
                record("_acme-challenge.example.com", RecordType::Txt, &["\"token\""]),
                t_sweep,
            ),
        ),
        (
            "mail",
            RecordSeed::live(
                &z1,
                record("mail.example.com", RecordType::Cname, &["cdn.example.com."]),
                t_sweep,
            ),
        ),
        (
            "app_internal",
            RecordSeed::live(
                &z2,
                record("app.internal.example", RecordType::Cname, &["d123.cloudfront.net"]),
                t_sweep,
            ),
        ),
        (
            "db_internal",
            RecordSeed::live(
                &z2,
                record("db.internal.example", RecordType::A, &["192.0.2.10"]),
                t_sweep,
            ),
        ),
        (
            "lb_internal",
            RecordSeed::live(
                &z2,
                alias(
                    "lb.internal.example",
                    "Z32O12XQLNTSW2",
                    "dualstack.my-lb.eu-west-1.elb.amazonaws.com.",
                ),
                t_sweep,
            ),
        ),
        ("geo_internal", RecordSeed::live(&z2, geo, t_sweep)),
        (
            "old",
            RecordSeed {
                first_seen_at: Some(t_create),
                ..RecordSeed::live(
                    &z1,
                    record("old.example.com", RecordType::A, &["192.0.2.99"]),
                    t_create,
                )
                .deleted_at(t_delete)
            },
        ),
        (
            "gone",
            RecordSeed::live(
                &z1,
                record("gone.example.com", RecordType::Cname, &["x.example.net."]),
                t_delete,
            )
            .deleted_at(t_delete)
            .without_content(),
        ),
    ];
    let seeds: Vec<RecordSeed> = rows.iter().map(|(_, s)| s.clone()).collect();
    let ids = insert_records(&db.conn, &seeds).await.unwrap();
    let ids = Ids(rows.iter().map(|(l, _)| *l).zip(ids).collect());

    let mut www_before = www_blue.clone();
    www_before.routing.weight = Some(60);
    let change = |label: &str,
                  action: &str,
                  source: &str,
                  at: Timestamp,
                  before: Option<RecordSet>,
                  after: Option<RecordSet>| ChangeSeed {
        record_id: ids.get(label),
        zone_id: z1.clone(),
        action: action.into(),
        source: source.into(),
        actor: (source == "event")
            .then(|| "arn:aws:sts::111122223333:assumed-role/deployer/ci".to_string()),
        actor_role: (source == "event")
            .then(|| "arn:aws:iam::111122223333:role/deployer".to_string()),
        event_id: (source == "event").then(|| format!("evt-{label}-{action}")),
        observed_at: at,
        before,
        after,
        via: None,
        before_unknown: false,
    };
    let old = record("old.example.com", RecordType::A, &["192.0.2.99"]);
    insert_changes(
        &db.conn,
        &[
            change("www_blue", "create", "event", t_create, None, Some(www_before.clone())),
            change("www_blue", "update", "sweep", t_update, Some(www_before), Some(www_blue)),
            change("old", "create", "sweep", t_create, None, Some(old.clone())),
            change("old", "delete", "event", t_delete, Some(old), None),
        ],
    )
    .await
    .unwrap();
    insert_sweeps(
        &db.conn,
        &[
            SweepSeed {
                sweep_id: "s1".into(),
                zone_id: z1,
                started_at: t_sweep,
                finished_at: at(T_SWEEP_END),
                record_sets: 12,
            },
            SweepSeed {
                sweep_id: "s1".into(),
                zone_id: z2,
                started_at: t_sweep,
                finished_at: t_sweep,
                record_sets: 4,
            },
        ],
    )
    .await
    .unwrap();
    ids
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("UTF-8 body")
    }

    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").map(|v| v.to_str().unwrap()).unwrap_or("")
    }
}

pub async fn send(router: axum::Router, request: Request<Body>) -> Reply {
    let response = router.oneshot(request).await.expect("the router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("the body reads").to_bytes();
    Reply { status, headers, body }
}

impl TestApp {
    pub fn router(&self) -> axum::Router {
        api::router(self.state.clone())
    }

    pub async fn request(&self, method: Method, uri: &str) -> Reply {
        send(self.router(), Request::builder().method(method).uri(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.request(Method::GET, uri).await
    }

    /// GET, expecting 200 JSON.
    pub async fn ok(&self, uri: &str) -> Value {
        let reply = self.get(uri).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "GET {uri} ({:?}): {}",
            self.db.backend,
            String::from_utf8_lossy(&reply.body)
        );
        assert!(
            reply.content_type().starts_with("application/json"),
            "GET {uri}: {}",
            reply.content_type()
        );
        reply.json()
    }

    /// Follow `next_cursor` from `uri` to the end; every item of every page, in order.
    pub async fn walk(&self, uri: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut next = uri.to_string();
        loop {
            let page = self.ok(&next).await;
            pages += 1;
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    let sep = if uri.contains('?') { '&' } else { '?' };
                    next = format!("{uri}{sep}cursor={}", urlencode(cursor));
                }
                None => break,
            }
            assert!(pages < 10_000, "pagination does not end");
        }
        (items, pages)
    }

    pub fn labels_of(&self, items: &[Value]) -> Vec<&'static str> {
        let mut labels: Vec<&'static str> = items
            .iter()
            .map(|item| {
                let id = item["id"].as_i64().or_else(|| item["record_id"].as_i64()).unwrap();
                *self
                    .ids
                    .0
                    .iter()
                    .find(|(_, v)| **v == id)
                    .unwrap_or_else(|| panic!("unknown id {id}"))
                    .0
            })
            .collect();
        labels.sort();
        labels
    }
}

pub fn sorted(labels: &[&'static str]) -> Vec<&'static str> {
    let mut v = labels.to_vec();
    v.sort();
    v
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `backend_test! { async fn name(backend) { ... } }`: the body runs once on SQLite and once
/// on MariaDB, as two tests (`name::sqlite`, `name::mariadb`).
#[macro_export]
macro_rules! backend_test {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: zonetrail_model::testing::Backend) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(zonetrail_model::testing::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mariadb() {
                run(zonetrail_model::testing::Backend::MySql).await
            }
        }
    };
}
