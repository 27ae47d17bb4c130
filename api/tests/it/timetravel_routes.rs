//! The time-travel routes over a history the real writer builds: `as_of` on `/api/records`,
//! `/api/records.csv` and `/api/zones`, `/api/diff`, `/api/zones/{id}/restore` and
//! `/api/zones/{id}/zonefile`.

use api::fixture::{AccountSeed, ZoneSeed, insert_accounts, insert_zones};
use api::timetravel::snapshot::zone_snapshot;
use api::{ApiConfig, AppState};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::TimeZone;
use serde_json::Value;
use std::collections::BTreeMap;
use zonetrail_model::message::DeletedKey;
use zonetrail_model::testing::{Backend, TestDb};
use zonetrail_model::{
    AliasTarget, HostedZone, Message, Origin, RecordName, RecordSet, RecordType, RecordsMessage,
    Routing, Timestamp, ZoneId,
};
use zonetrail_writer::ApplyError;

use crate::support::{Reply, migrated, send, urlencode};

const Z: &str = "ZTRAVEL1";
/// First seen at 35 s: not there at 20.
const Z_LATE: &str = "ZTRAVEL2";
/// First seen at 5 s, deleted at 25 s.
const Z_GONE: &str = "ZTRAVEL3";
const ACCOUNT: &str = "123412341234";
/// The account's history window starts at `t(0)`.
const WINDOW_START: &str = "2026-11-01T12:00:00.000000Z";

/// Seconds after the start of the history window.
fn t(seconds: i64) -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
        + chrono::Duration::seconds(seconds)
}

/// `t(s)` as the API writes it.
fn ts(seconds: i64) -> String {
    t(seconds).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn rec(name: &str, rtype: RecordType, values: &[&str]) -> RecordSet {
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

fn weighted(id: &str, weight: i64, value: &str) -> RecordSet {
    RecordSet {
        set_identifier: Some(id.into()),
        routing: Routing { weight: Some(weight), ..Routing::default() },
        ..rec("api.travel.example", RecordType::A, &[value])
    }
}

fn cdn(target: &str) -> RecordSet {
    RecordSet {
        ttl: None,
        values: Vec::new(),
        alias_target: Some(AliasTarget {
            hosted_zone_id: "Z2FDTNDATAQYW2".into(),
            dns_name: target.into(),
            evaluate_target_health: false,
        }),
        ..rec("cdn.travel.example", RecordType::A, &[])
    }
}

fn soa() -> RecordSet {
    rec(
        "travel.example",
        RecordType::Soa,
        &["ns-1.awsdns-01.org. hostmaster.travel.example. 1 7200 900 1209600 86400"],
    )
}

fn ns(server: &str) -> RecordSet {
    RecordSet { ttl: Some(172800), ..rec("travel.example", RecordType::Ns, &[server]) }
}

fn deleted(r: &RecordSet) -> DeletedKey {
    DeletedKey {
        name: r.name.clone(),
        rtype: r.rtype.clone(),
        set_identifier: r.set_identifier.clone(),
    }
}

fn message(i: usize, at: i64, upserts: Vec<RecordSet>, deletes: Vec<DeletedKey>) -> Message {
    Message::Records(RecordsMessage {
        account_id: None,
        zone_id: ZoneId::parse(Z).unwrap(),
        observed_at: t(at),
        origin: Origin::Event {
            event_id: format!("ev-routes-{i}"),
            event_name: "ChangeResourceRecordSets".into(),
            actor: Some("arn:aws:iam::123412341234:user/tt".into()),
            actor_role: None,
            backfill: false,
            comment: None,
        },
        upserts,
        deletes,
        before_unknown: false,
    })
}

/// The zone's history:
/// - 10: the apex SOA and NS, www (.1), api blue and green (weighted), cdn (an alias to d1),
///   old (TXT), mail (MX), x.sub (A), flip (.7);
/// - 30: www → .2, old deleted, new created, green deleted, cdn → d2, the apex NS changed,
///   flip → .8;
/// - 40: flip back to .7.
fn history() -> Vec<Message> {
    let old = rec("old.travel.example", RecordType::Txt, &["\"x\""]);
    let green = weighted("green", 20, "192.0.2.20");
    vec![
        message(
            0,
            10,
            vec![
                soa(),
                ns("ns-1.awsdns-01.org."),
                rec("www.travel.example", RecordType::A, &["192.0.2.1"]),
                weighted("blue", 10, "192.0.2.10"),
                green.clone(),
                cdn("d1.cloudfront.net."),
                old.clone(),
                rec("travel.example", RecordType::Mx, &["10 mail.travel.example."]),
                rec("x.sub.travel.example", RecordType::A, &["192.0.2.30"]),
                rec("flip.travel.example", RecordType::A, &["192.0.2.7"]),
            ],
            vec![],
        ),
        message(
            1,
            30,
            vec![
                rec("www.travel.example", RecordType::A, &["192.0.2.2"]),
                rec("new.travel.example", RecordType::A, &["192.0.2.50"]),
                cdn("d2.cloudfront.net."),
                ns("ns-2.awsdns-02.net."),
                rec("flip.travel.example", RecordType::A, &["192.0.2.8"]),
            ],
            vec![deleted(&old), deleted(&green)],
        ),
        message(2, 40, vec![rec("flip.travel.example", RecordType::A, &["192.0.2.7"])], vec![]),
    ]
}

struct App {
    db: TestDb,
    state: AppState,
}

impl App {
    async fn new(backend: Backend, config: ApiConfig) -> Self {
        let db = migrated(backend).await;
        let zone = |id: &str, name: &str, observed: i64, deleted: Option<i64>| ZoneSeed {
            zone: HostedZone {
                id: ZoneId::parse(id).unwrap(),
                name: RecordName::parse(name).unwrap(),
                private: false,
                comment: None,
                vpcs: vec![],
                record_count: None,
            },
            account_id: Some(ACCOUNT.into()),
            observed_at: t(observed),
            deleted_at: deleted.map(t),
        };
        insert_zones(
            &db.conn,
            &[
                zone(Z, "travel.example", 0, None),
                zone(Z_LATE, "late.example", 35, None),
                zone(Z_GONE, "gone.example", 5, Some(25)),
            ],
        )
        .await
        .unwrap();
        insert_accounts(
            &db.conn,
            &[AccountSeed {
                account_id: ACCOUNT.into(),
                name: Some("travel".into()),
                status: Some("ok".into()),
                last_attempt_at: Some(t(0)),
                last_success_at: Some(t(0)),
                last_error: None,
                last_error_at: None,
                first_seen_at: t(0),
            }],
        )
        .await
        .unwrap();
        // Delivered newest first: the history does not depend on the order.
        let mut messages = history();
        messages.reverse();
        for m in &messages {
            match zonetrail_writer::apply(&db.conn, m).await {
                Ok(_) => {}
                Err(ApplyError::SweepIncomplete { .. }) => panic!("no sweep is involved"),
                Err(e) => panic!("{} failed: {e}", m.to_json()),
            }
        }
        let state = AppState::new(db.conn.clone(), config);
        Self { db, state }
    }

    async fn get(&self, uri: &str) -> Reply {
        send(
            api::router(self.state.clone()),
            Request::builder().uri(uri).body(Body::empty()).unwrap(),
        )
        .await
    }

    async fn ok(&self, uri: &str) -> Value {
        let reply = self.get(uri).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "GET {uri} ({:?}): {}",
            self.db.backend,
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()
    }

    /// A 400 (or `status`) JSON error; its message.
    async fn error(&self, uri: &str, status: StatusCode) -> String {
        let reply = self.get(uri).await;
        assert_eq!(reply.status, status, "GET {uri}: {}", String::from_utf8_lossy(&reply.body));
        assert!(reply.content_type().starts_with("application/json"), "GET {uri}");
        reply.json()["error"].as_str().unwrap().to_owned()
    }

    /// Every item of every page from `uri`, and the number of pages.
    async fn walk(&self, uri: &str) -> (Vec<Value>, usize) {
        let (mut items, mut pages, mut next) = (Vec::new(), 0, uri.to_owned());
        loop {
            let page = self.ok(&next).await;
            pages += 1;
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => next = format!("{uri}&cursor={}", urlencode(c)),
                None => return (items, pages),
            }
            assert!(pages < 1000, "pagination does not end");
        }
    }
}

/// `name[/set id]=values` of record items, sorted.
fn states(items: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().map(state_of).collect();
    out.sort();
    out
}

fn state_of(item: &Value) -> String {
    let mut key = format!("{} {}", item["name"].as_str().unwrap(), item["type"].as_str().unwrap());
    if let Some(set) = item["set_identifier"].as_str() {
        key = format!("{key}/{set}");
    }
    let values = match item["alias_target"]["dns_name"].as_str() {
        Some(alias) => format!("alias {alias}"),
        None => item["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(","),
    };
    format!("{key}={values}")
}

/// The zone at 20 s.
const AT_20: &[&str] = &[
    "api.travel.example. A/blue=192.0.2.10",
    "api.travel.example. A/green=192.0.2.20",
    "cdn.travel.example. A=alias d1.cloudfront.net.",
    "flip.travel.example. A=192.0.2.7",
    "old.travel.example. TXT=\"x\"",
    "travel.example. MX=10 mail.travel.example.",
    "travel.example. NS=ns-1.awsdns-01.org.",
    "travel.example. SOA=ns-1.awsdns-01.org. hostmaster.travel.example. 1 7200 900 1209600 86400",
    "www.travel.example. A=192.0.2.1",
    "x.sub.travel.example. A=192.0.2.30",
];

backend_test! {
    async fn as_of_records_with_filters_and_pages(backend) {
        let app = App::new(backend, ApiConfig::default()).await;
        let base = format!("/api/records?zone={Z}&as_of={}", ts(20));
        let page = app.ok(&base).await;
        assert_eq!(states(page["items"].as_array().unwrap()), AT_20);
        assert!(page["next_cursor"].is_null());
        let www = page["items"].as_array().unwrap().iter().find(|i| i["name"] == "www.travel.example.").unwrap();
        assert_eq!(www["observed_at"], ts(10), "the time of the change that set it");
        assert_eq!(www["first_seen_at"], ts(10));
        assert!(www["deleted_at"].is_null());
        assert_eq!(www["zone_name"], "travel.example.");
        assert_eq!(www["account_id"], ACCOUNT);
        // In order, across pages of three.
        let (items, pages) = app.walk(&format!("{base}&limit=3")).await;
        assert_eq!(pages, 4);
        assert_eq!(states(&items), AT_20);
        let keys: Vec<(String, i64)> = items.iter().map(|i| (i["name"].as_str().unwrap().to_owned(), i["id"].as_i64().unwrap())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "(name, id) order");
        // Now (after 40): www .2, new, cdn d2, the new NS; old and green gone.
        let later = app.ok(&format!("/api/records?zone={Z}&as_of={}", ts(50))).await;
        let got = states(later["items"].as_array().unwrap());
        assert!(got.contains(&"www.travel.example. A=192.0.2.2".to_string()), "{got:?}");
        assert!(got.contains(&"new.travel.example. A=192.0.2.50".to_string()));
        assert!(got.contains(&"flip.travel.example. A=192.0.2.7".to_string()));
        assert!(!got.iter().any(|s| s.starts_with("old.") || s.contains("/green")));
        assert_eq!(got.len(), 9);
        // Before anything: nothing.
        assert!(app.ok(&format!("/api/records?zone={Z}&as_of={}", ts(5))).await["items"].as_array().unwrap().is_empty());

        // Filters.
        let filtered = |query: &str, at: i64| {
            let app = &app;
            let uri = format!("/api/records?as_of={}&{query}", ts(at));
            async move {
                let (items, _) = app.walk(&format!("{uri}&limit=2")).await;
                states(&items)
            }
        };
        assert_eq!(filtered(&format!("zone={Z}&type=A"), 20).await.len(), 6);
        assert_eq!(filtered("type=TXT", 20).await, ["old.travel.example. TXT=\"x\""]);
        assert!(filtered("type=TXT", 50).await.is_empty());
        assert_eq!(filtered(&format!("account={ACCOUNT}"), 20).await, AT_20);
        assert!(filtered("account=999999999999", 20).await.is_empty(), "an account with no zone");
        assert_eq!(filtered("name=WWW.travel.example", 20).await, ["www.travel.example. A=192.0.2.1"]);
        assert_eq!(filtered("name=api*", 20).await.len(), 2);
        assert_eq!(filtered("name=*.sub.travel.example", 20).await, ["x.sub.travel.example. A=192.0.2.30"]);
        assert_eq!(filtered("name=*.travel.example", 50).await.len(), 6, "every name below the apex");
        assert_eq!(filtered("q=LI", 20).await, ["flip.travel.example. A=192.0.2.7"]);
        // `value` is the value at that time, not now.
        assert_eq!(filtered("value=192.0.2.1", 20).await, ["www.travel.example. A=192.0.2.1"]);
        assert!(filtered("value=192.0.2.1", 50).await.is_empty());
        assert_eq!(filtered("value=192.0.2.2", 50).await, ["www.travel.example. A=192.0.2.2"]);
        assert_eq!(filtered("value=D1.cloudfront.net", 20).await, ["cdn.travel.example. A=alias d1.cloudfront.net."]);
        assert_eq!(filtered("value=mail.travel.example.", 20).await, ["travel.example. MX=10 mail.travel.example."]);
        assert!(filtered("name=a..b", 20).await.is_empty());
    }
}

backend_test! {
    async fn as_of_include_deleted_shows_what_was_deleted_then(backend) {
        let app = App::new(backend, ApiConfig::default()).await;
        let uri = format!("/api/records?zone={Z}&as_of={}&include_deleted=true", ts(50));
        let (items, _) = app.walk(&format!("{uri}&limit=4")).await;
        assert_eq!(items.len(), 11);
        let gone: BTreeMap<String, &Value> = items.iter().filter(|i| !i["deleted_at"].is_null()).map(|i| (state_of(i), i)).collect();
        let keys: Vec<&str> = gone.keys().map(String::as_str).collect();
        // The content that was deleted, with the delete's time.
        assert_eq!(keys, ["api.travel.example. A/green=192.0.2.20", "old.travel.example. TXT=\"x\""]);
        for item in gone.values() {
            assert_eq!(item["deleted_at"], ts(30));
            assert_eq!(item["observed_at"], ts(30));
        }
        // Before the deletes, nothing is deleted.
        let before = app.ok(&format!("/api/records?zone={Z}&as_of={}&include_deleted=true", ts(20))).await;
        assert!(before["items"].as_array().unwrap().iter().all(|i| i["deleted_at"].is_null()));
        assert_eq!(before["items"].as_array().unwrap().len(), AT_20.len());
    }
}

backend_test! {
    async fn as_of_scans_a_bounded_number_of_names_for_q_and_value(backend) {
        let config = ApiConfig { q_scan_budget: 3, ..ApiConfig::default() };
        let app = App::new(backend, config).await;
        let uri = format!("/api/records?as_of={}&q=travel", ts(20));
        let first = app.ok(&uri).await;
        assert!(first["items"].as_array().unwrap().len() <= 3);
        assert!(first["next_cursor"].is_string());
        let (items, pages) = app.walk(&uri).await;
        assert!(pages >= 4, "{pages}");
        assert_eq!(states(&items), AT_20);
        let (items, _) = app.walk(&format!("/api/records?as_of={}&value=192.0.2.30", ts(20))).await;
        assert_eq!(states(&items), ["x.sub.travel.example. A=192.0.2.30"]);
    }
}

backend_test! {
    async fn as_of_csv_and_zones(backend) {
        let app = App::new(backend, ApiConfig::default()).await;
        let reply = app.get(&format!("/api/records.csv?zone={Z}&as_of={}", ts(20))).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.content_type().starts_with("text/csv"));
        let text = reply.text();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("id,account_id,zone_id,zone_name,name,type"));
        assert_eq!(lines.len(), 1 + AT_20.len());
        assert!(lines.iter().any(|l| l.contains("www.travel.example.,A,,300,192.0.2.1,")), "{text}");
        assert!(lines.iter().any(|l| l.contains("old.travel.example.")));
        assert!(!text.contains("new.travel.example."));
        let deleted = app.get(&format!("/api/records.csv?zone={Z}&as_of={}&include_deleted=true&type=TXT", ts(50))).await.text();
        let row = deleted.lines().nth(1).unwrap();
        // deleted_at, then findings and the annotation's columns (none as of a past time).
        assert!(row.contains("old.travel.example.") && row.ends_with(&format!("{},,,,,", ts(30))), "{row}");

        // Zones: those that existed then, with their record sets then.
        let zones = |at: i64| {
            let app = &app;
            async move {
                let list = app.ok(&format!("/api/zones?as_of={}", ts(at))).await;
                list["items"].as_array().unwrap().iter().map(|z| (z["zone_id"].as_str().unwrap().to_owned(), z["records"].as_i64().unwrap())).collect::<Vec<_>>()
            }
        };
        assert_eq!(zones(20).await, [(Z_GONE.to_string(), 0), (Z.to_string(), 10)]);
        assert_eq!(zones(50).await, [(Z_LATE.to_string(), 0), (Z.to_string(), 9)]);
        let with_deleted = app.ok(&format!("/api/zones?as_of={}&include_deleted=true", ts(50))).await;
        let gone = with_deleted["items"].as_array().unwrap().iter().find(|z| z["zone_id"] == Z_GONE).unwrap();
        assert_eq!(gone["deleted_at"], ts(25));
        let live = app.ok(&format!("/api/zones?as_of={}&include_deleted=true", ts(20))).await;
        let gone = live["items"].as_array().unwrap().iter().find(|z| z["zone_id"] == Z_GONE).unwrap();
        assert!(gone["deleted_at"].is_null(), "not deleted yet at 20");
    }
}

backend_test! {
    async fn diff_between_two_times(backend) {
        let app = App::new(backend, ApiConfig::default()).await;
        let changes = |items: &[Value]| -> Vec<String> {
            let mut out: Vec<String> = items.iter().map(|i| {
                let side = |v: &Value| if v.is_null() { "-".to_string() } else { state_of(v) };
                format!("{} {}: {} -> {}", i["kind"].as_str().unwrap(), i["name"].as_str().unwrap(), side(&i["before"]), side(&i["after"]))
            }).collect();
            out.sort();
            out
        };
        let page = app.ok(&format!("/api/diff?zone={Z}&from={}&to={}", ts(20), ts(50))).await;
        assert_eq!(page["from"], ts(20));
        assert_eq!(page["to"], ts(50));
        let want = [
            "added new.travel.example.: - -> new.travel.example. A=192.0.2.50",
            "changed cdn.travel.example.: cdn.travel.example. A=alias d1.cloudfront.net. -> cdn.travel.example. A=alias d2.cloudfront.net.",
            "changed travel.example.: travel.example. NS=ns-1.awsdns-01.org. -> travel.example. NS=ns-2.awsdns-02.net.",
            "changed www.travel.example.: www.travel.example. A=192.0.2.1 -> www.travel.example. A=192.0.2.2",
            "removed api.travel.example.: api.travel.example. A/green=192.0.2.20 -> -",
            "removed old.travel.example.: old.travel.example. TXT=\"x\" -> -",
        ];
        // flip changed and changed back: not listed.
        assert_eq!(changes(page["items"].as_array().unwrap()), want);
        let item = &page["items"][0];
        for member in ["id", "zone_id", "zone_name", "account_id", "account_name", "name", "type", "set_identifier", "kind", "before", "after"] {
            assert!(item.get(member).is_some(), "{member}");
        }
        // ... but between 20 and 35 it is changed.
        let mid = app.ok(&format!("/api/diff?zone={Z}&from={}&to={}", ts(20), ts(35))).await;
        assert!(changes(mid["items"].as_array().unwrap()).iter().any(|c| c.starts_with("changed flip.")));
        // Pages of two give the same.
        let (items, pages) = app.walk(&format!("/api/diff?zone={Z}&from={}&to={}&limit=2", ts(20), ts(50))).await;
        assert_eq!(pages, 3);
        assert_eq!(changes(&items), want);
        // `to` defaults to now, and stays the first page's across pages.
        let (items, _) = app.walk(&format!("/api/diff?from={}&limit=4", ts(20))).await;
        assert_eq!(changes(&items), want);
        let now = app.ok(&format!("/api/diff?from={}", ts(20))).await;
        assert!(now["to"].as_str().unwrap() > "2026-12-01", "{}", now["to"]);
        // Filters.
        let www = app.ok(&format!("/api/diff?from={}&to={}&name=www.travel.example&type=A&account={ACCOUNT}", ts(20), ts(50))).await;
        assert_eq!(changes(www["items"].as_array().unwrap()), [want[3]]);
        let below = app.ok(&format!("/api/diff?from={}&to={}&name=*.travel.example", ts(20), ts(50))).await;
        assert_eq!(below["items"].as_array().unwrap().len(), 5, "the apex NS is not below the apex");
        assert!(app.ok(&format!("/api/diff?from={}&to={}", ts(41), ts(50))).await["items"].as_array().unwrap().is_empty());
        assert!(app.ok(&format!("/api/diff?from={}&to={}", ts(20), ts(20))).await["items"].as_array().unwrap().is_empty());
    }
}

backend_test! {
    async fn restore_to_a_past_time(backend) {
        let app = App::new(backend, ApiConfig::default()).await;
        let view = app.ok(&format!("/api/zones/{Z}/restore?to={}", ts(20))).await;
        assert_eq!(view["zone_id"], Z);
        assert_eq!(view["zone_name"], "travel.example.");
        assert_eq!(view["to"], ts(20));
        assert_eq!(view["summary"], serde_json::json!({"creates": 2, "deletes": 1, "upserts": 2, "batches": 1}));
        assert_eq!(view["commands"], serde_json::json!([format!("aws route53 change-resource-record-sets --hosted-zone-id {Z} --change-batch file://batch-1.json")]));
        assert_eq!(view["skipped"], serde_json::json!([]));
        let batch = &view["batches"][0];
        assert!(batch["Comment"].as_str().unwrap().contains(&ts(20)), "{}", batch["Comment"]);
        let changes: Vec<(String, String, Option<String>)> = batch["Changes"].as_array().unwrap().iter().map(|c| {
            let rrs = &c["ResourceRecordSet"];
            (c["Action"].as_str().unwrap().to_owned(), rrs["Name"].as_str().unwrap().to_owned(), rrs["SetIdentifier"].as_str().map(str::to_owned))
        }).collect();
        let mut sorted = changes.clone();
        sorted.sort();
        assert_eq!(sorted, [
            ("CREATE".to_string(), "api.travel.example.".to_string(), Some("green".to_string())),
            ("CREATE".into(), "old.travel.example.".into(), None),
            ("DELETE".into(), "new.travel.example.".into(), None),
            ("UPSERT".into(), "cdn.travel.example.".into(), None),
            ("UPSERT".into(), "www.travel.example.".into(), None),
        ], "the apex NS and SOA are never touched; flip is as it was");
        let find = |name: &str| batch["Changes"].as_array().unwrap().iter().find(|c| c["ResourceRecordSet"]["Name"] == name).unwrap()["ResourceRecordSet"].clone();
        // Exact keys and contents: the weighted member keeps its set identifier and weight,
        // the alias its target (and no TTL), a deletion the current content.
        let green = find("api.travel.example.");
        assert_eq!(green["Weight"], 20);
        assert_eq!(green["ResourceRecords"], serde_json::json!([{"Value": "192.0.2.20"}]));
        let alias = find("cdn.travel.example.");
        assert_eq!(alias["AliasTarget"], serde_json::json!({"HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": "d1.cloudfront.net.", "EvaluateTargetHealth": false}));
        assert!(alias.get("TTL").is_none() && alias.get("ResourceRecords").is_none());
        assert_eq!(find("new.travel.example.")["ResourceRecords"], serde_json::json!([{"Value": "192.0.2.50"}]));
        assert_eq!(find("www.travel.example.")["ResourceRecords"], serde_json::json!([{"Value": "192.0.2.1"}]));
        // Members without a value are left out, as the AWS CLI wants them.
        assert!(find("old.travel.example.").get("SetIdentifier").is_none());

        // With /hostedzone/, and to a time with nothing to undo.
        let same = app.ok(&format!("/api/zones/hostedzone%2F{Z}/restore?to={}", ts(45))).await;
        assert_eq!(same["batches"], serde_json::json!([]));
        assert_eq!(same["commands"], serde_json::json!([]));
        assert_eq!(same["summary"]["batches"], 0);
    }
}

backend_test! {
    async fn zone_file_now_and_as_of(backend) {
        let app = App::new(backend, ApiConfig::default()).await;
        let zone = ZoneId::parse(Z).unwrap();
        for (query, at) in [("", None), (format!("?as_of={}", ts(20)).as_str(), Some(t(20)))] {
            let reply = app.get(&format!("/api/zones/{Z}/zonefile{query}")).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            assert_eq!(reply.content_type(), "text/plain; charset=utf-8");
            assert_eq!(reply.headers["content-disposition"], "attachment; filename=\"travel.example.zone\"");
            let snap = zone_snapshot(&app.db.conn, &zone, at).await.unwrap();
            let want = zonetrail_model::zonefile::zone_file(&snap.zone_name, &snap.records, None);
            assert_eq!(reply.text(), want);
            assert!(want.contains("$ORIGIN travel.example."));
            let www = if at.is_some() { "192.0.2.1" } else { "192.0.2.2" };
            assert!(want.contains(www), "{want}");
        }
        let reply = app.get(&format!("/api/zones/hostedzone%2F{Z}/zonefile")).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
}

backend_test! {
    async fn time_travel_bad_input(backend) {
        let app = App::new(backend, ApiConfig::default()).await;
        let bad = StatusCode::BAD_REQUEST;
        for uri in ["/api/records?as_of=yesterday", "/api/records.csv?as_of=2026-11-01", "/api/zones?as_of=12:00", &format!("/api/zones/{Z}/zonefile?as_of=nope"), &format!("/api/zones/{Z}/restore?to=nope"), "/api/diff?from=nope"] {
            let e = app.error(uri, bad).await;
            assert!(e.contains("RFC 3339"), "{uri}: {e}");
        }
        // In the future.
        let future = "2999-01-01T00:00:00Z";
        for uri in [format!("/api/records?as_of={future}"), format!("/api/zones?as_of={future}"), format!("/api/zones/{Z}/restore?to={future}"), format!("/api/diff?from={}&to={future}", ts(20)), format!("/api/diff?from={future}")] {
            let e = app.error(&uri, bad).await;
            assert!(e.contains("future"), "{uri}: {e}");
        }
        // Before the history window: the message names its start.
        let early = "2026-10-01T00:00:00Z";
        for uri in [format!("/api/records?as_of={early}"), format!("/api/records?zone={Z}&as_of={early}"), format!("/api/records.csv?as_of={early}"), format!("/api/zones?as_of={early}"), format!("/api/zones/{Z}/restore?to={early}"), format!("/api/zones/{Z}/zonefile?as_of={early}"), format!("/api/diff?from={early}")] {
            let e = app.error(&uri, bad).await;
            assert!(e.contains(WINDOW_START), "{uri}: {e}");
        }
        // from after to, and missing times.
        let e = app.error(&format!("/api/diff?from={}&to={}", ts(30), ts(20)), bad).await;
        assert!(e.contains("after"), "{e}");
        assert!(app.error("/api/diff", bad).await.contains("from is required"));
        assert!(app.error(&format!("/api/diff?to={}", ts(20)), bad).await.contains("from is required"));
        assert!(app.error(&format!("/api/zones/{Z}/restore"), bad).await.contains("to is required"));
        assert!(app.error(&format!("/api/zones/{Z}/restore?to="), bad).await.contains("to is required"));
        // Unknown and malformed zones.
        let missing = StatusCode::NOT_FOUND;
        assert!(app.error(&format!("/api/zones/ZNOSUCH/restore?to={}", ts(20)), missing).await.contains("ZNOSUCH"));
        app.error("/api/zones/ZNOSUCH/zonefile", missing).await;
        app.error(&format!("/api/zones/ZNOSUCH/zonefile?as_of={}", ts(20)), missing).await;
        app.error("/api/zones/Z1%3B--/zonefile", bad).await;
        // Cursors: garbage, another query's, another time's.
        let e = app.error(&format!("/api/records?as_of={}&cursor=abc", ts(20)), bad).await;
        assert!(e.contains("cursor"), "{e}");
        let plain = app.ok(&format!("/api/records?zone={Z}&limit=1")).await;
        let cursor = urlencode(plain["next_cursor"].as_str().unwrap());
        app.error(&format!("/api/records?zone={Z}&limit=1&as_of={}&cursor={cursor}", ts(20)), bad).await;
        let paged = app.ok(&format!("/api/records?zone={Z}&limit=1&as_of={}", ts(20))).await;
        let cursor = urlencode(paged["next_cursor"].as_str().unwrap());
        app.error(&format!("/api/records?zone={Z}&limit=1&as_of={}&cursor={cursor}", ts(21)), bad).await;
        app.error(&format!("/api/records?zone={Z}&limit=1&cursor={cursor}"), bad).await;
        app.ok(&format!("/api/records?zone={Z}&limit=1&as_of={}&cursor={cursor}", ts(20))).await;
        let diff = app.ok(&format!("/api/diff?from={}&to={}&limit=1", ts(20), ts(50))).await;
        let cursor = urlencode(diff["next_cursor"].as_str().unwrap());
        app.error(&format!("/api/diff?from={}&to={}&limit=1&cursor={cursor}", ts(21), ts(50)), bad).await;
        app.error(&format!("/api/diff?from={}&to={}&cursor=x", ts(20), ts(50)), bad).await;
        // Other bad filters still answer 400 under as_of.
        app.error(&format!("/api/records?as_of={}&type=NOPE", ts(20)), bad).await;
        app.error(&format!("/api/diff?from={}&type=NOPE", ts(20)), bad).await;
        app.error(&format!("/api/diff?from={}&limit=0", ts(20)), bad).await;
    }
}
