//! `/api/findings`, a record's `findings` and `/api/stats`' `findings`, over findings rows
//! written straight into the tables (the evaluation itself is the findings crate's).

use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, Set};
use serde_json::{Value, json};
use zonetrail_model::entity::{finding_suppressions, findings};

use crate::support::*;

/// The ids of the seeded findings, oldest first.
pub struct Seeded {
    /// `dangling_ip` on www_blue (open, high), raised first.
    pub ip_open: i64,
    /// `health_check_missing` on www_blue (open, medium).
    pub hc_open: i64,
    /// `dangling_cloudfront` on cdn, resolved (`resource exists`).
    pub cf_resolved: i64,
    /// `alias_target_missing` on api, suppressed (a suppression names its key).
    pub alias_suppressed: i64,
    /// `private_ip_in_public_zone` on db_internal (zone Z2, account ACCOUNT_NET), open.
    pub private_open: i64,
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    app: &TestApp,
    label: &str,
    kind: &str,
    severity: &str,
    status: &str,
    subject: &str,
    evidence: Value,
    resolved: Option<(&str, &str)>,
) -> i64 {
    let record = app.ids.get(label);
    let row = app.ok(&format!("/api/records/{record}")).await;
    let model = findings::ActiveModel {
        id: NotSet,
        kind: Set(kind.into()),
        severity: Set(severity.into()),
        status: Set(status.into()),
        record_id: Set(record),
        zone_id: Set(row["zone_id"].as_str().unwrap().into()),
        name: Set(row["name"].as_str().unwrap().into()),
        record_type: Set(row["type"].as_str().unwrap().into()),
        set_identifier: Set(row["set_identifier"].as_str().unwrap_or("").into()),
        account_id: Set(row["account_id"].as_str().map(str::to_owned)),
        subject: Set(subject.into()),
        evidence: Set(evidence.to_string()),
        first_seen_at: Set(at(T_CREATE)),
        last_seen_at: Set(at(T_SWEEP)),
        resolved_at: Set(resolved.map(|(t, _)| at(t))),
        resolved_reason: Set(resolved.map(|(_, r)| r.to_owned())),
        open_key: Set(resolved.is_none().then(|| format!("{record}|{kind}|{subject}"))),
    };
    model.insert(&app.db.conn).await.expect("a finding inserts").id
}

/// Five findings over the fixture: two open on www_blue, a resolved one on cdn, a suppressed
/// one on api (with its suppression), an open one in the other account's zone.
pub async fn seed(app: &TestApp) -> Seeded {
    let ip = json!({"ip": "192.0.2.10", "range": "192.0.2.0/24", "range_region": "us-east-1",
                    "accounts_checked": [ACCOUNT_PROD], "regions_checked": ["us-east-1"]});
    let ip_open =
        insert(app, "www_blue", "dangling_ip", "high", "open", "192.0.2.10", ip, None).await;
    let hc_open = insert(
        app,
        "www_blue",
        "health_check_missing",
        "medium",
        "open",
        "hc-1",
        json!({"health_check_id": "hc-1", "accounts_checked": [ACCOUNT_PROD]}),
        None,
    )
    .await;
    let cf_resolved = insert(
        app,
        "cdn",
        "dangling_cloudfront",
        "high",
        "resolved",
        "d123.cloudfront.net",
        json!({"domain": "d123.cloudfront.net", "distributions_checked": 2, "accounts_checked": [ACCOUNT_PROD]}),
        Some((T_SWEEP_END, "resource exists")),
    )
    .await;
    let alias_suppressed = insert(
        app,
        "api",
        "alias_target_missing",
        "medium",
        "suppressed",
        "gone.example.com.",
        json!({"target": "gone.example.com.", "zone_id": Z1}),
        None,
    )
    .await;
    finding_suppressions::ActiveModel {
        id: NotSet,
        kind: Set("alias_target_missing".into()),
        zone_id: Set(Z1.into()),
        name: Set("api.example.com.".into()),
        record_type: Set("A".into()),
        set_identifier: Set(String::new()),
        reason: Set("being migrated".into()),
        created_by: Set("alice".into()),
        created_at: Set(at(T_UPDATE)),
    }
    .insert(&app.db.conn)
    .await
    .expect("a suppression inserts");
    let private_open = insert(
        app,
        "db_internal",
        "private_ip_in_public_zone",
        "medium",
        "open",
        "192.0.2.10",
        json!({"ip": "192.0.2.10", "range": "192.0.2.0/24"}),
        None,
    )
    .await;
    Seeded { ip_open, hc_open, cf_resolved, alias_suppressed, private_open }
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

backend_test! {
    async fn findings_list_newest_first_with_every_member(backend) {
        let app = app(backend).await;
        let s = seed(&app).await;
        let page = app.ok("/api/findings").await;
        assert_eq!(
            ids(&page),
            [s.private_open, s.alias_suppressed, s.cf_resolved, s.hc_open, s.ip_open]
        );
        assert_eq!(page["next_cursor"], json!(null));
        let blue = app.ids.get("www_blue");
        let ip = page["items"].as_array().unwrap().iter().find(|i| i["id"] == s.ip_open).unwrap();
        let summary = ip["summary"].as_str().unwrap();
        assert!(!summary.is_empty());
        assert_eq!(
            *ip,
            json!({
                "id": s.ip_open, "kind": "dangling_ip", "severity": "high", "status": "open",
                "summary": summary, "subject": "192.0.2.10",
                "evidence": {"ip": "192.0.2.10", "range": "192.0.2.0/24", "range_region": "us-east-1",
                             "accounts_checked": [ACCOUNT_PROD], "regions_checked": ["us-east-1"]},
                "record": {"id": blue, "zone_id": Z1, "zone_name": "example.com.",
                           "name": "www.example.com.", "type": "A", "set_identifier": "blue"},
                "account_id": ACCOUNT_PROD, "account_name": "production",
                "first_seen_at": T_CREATE, "last_seen_at": T_SWEEP,
                "resolved_at": null, "resolved_reason": null, "suppression": null,
            })
        );
        let cf = app.ok("/api/findings?status=resolved").await;
        assert_eq!(ids(&cf), [s.cf_resolved]);
        assert_eq!(cf["items"][0]["resolved_at"], T_SWEEP_END);
        assert_eq!(cf["items"][0]["resolved_reason"], "resource exists");
        assert_eq!(cf["items"][0]["suppression"], json!(null));

        // A suppressed finding carries its suppression: who and why.
        let sup = app.ok("/api/findings?status=suppressed").await;
        assert_eq!(ids(&sup), [s.alias_suppressed]);
        assert_eq!(
            sup["items"][0]["suppression"],
            json!({"reason": "being migrated", "created_by": "alice", "created_at": T_UPDATE})
        );
        // The other account's zone: no accounts row, so no name, the zone's account id.
        let private = app.ok(&format!("/api/findings?record={}", app.ids.get("db_internal"))).await;
        assert_eq!(ids(&private), [s.private_open]);
        assert_eq!(private["items"][0]["account_id"], ACCOUNT_NET);
        assert_eq!(private["items"][0]["account_name"], json!(null));
        assert_eq!(private["items"][0]["record"]["set_identifier"], json!(null));

        // What notifications carry: the same items, by id, in id order.
        let items = api::findings::finding_items(&app.db.conn, &[s.cf_resolved, s.ip_open, 999_999]).await.unwrap();
        let got: Vec<Value> = items.iter().map(|i| serde_json::to_value(i).unwrap()).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], *ip);
        assert_eq!(got[1], cf["items"][0]);
        assert!(api::findings::finding_items(&app.db.conn, &[]).await.unwrap().is_empty());
    }
}

backend_test! {
    async fn findings_filter_by_each_parameter(backend) {
        let app = app(backend).await;
        let s = seed(&app).await;
        let cases: Vec<(String, Vec<i64>)> = vec![
            ("kind=dangling_ip".into(), vec![s.ip_open]),
            ("status=open".into(), vec![s.private_open, s.hc_open, s.ip_open]),
            ("status=".into(), vec![s.private_open, s.alias_suppressed, s.cf_resolved, s.hc_open, s.ip_open]),
            ("severity=high".into(), vec![s.cf_resolved, s.ip_open]),
            ("severity=medium&status=open".into(), vec![s.private_open, s.hc_open]),
            (format!("zone={Z2}"), vec![s.private_open]),
            (format!("zone=/hostedzone/{Z1}&kind=dangling_cloudfront"), vec![s.cf_resolved]),
            (format!("account={ACCOUNT_PROD}"), vec![s.alias_suppressed, s.cf_resolved, s.hc_open, s.ip_open]),
            (format!("account={ACCOUNT_NET}"), vec![s.private_open]),
            (format!("account={ACCOUNT_DENIED}"), vec![]),
            (format!("record={}", app.ids.get("www_blue")), vec![s.hc_open, s.ip_open]),
            (format!("record={}&status=resolved", app.ids.get("www_blue")), vec![]),
            ("record=726379244195328080992".into(), vec![]),
            ("kind=dangling_s3_website".into(), vec![]),
        ];
        for (query, want) in cases {
            let page = app.ok(&format!("/api/findings?{query}")).await;
            assert_eq!(ids(&page), want, "{query}");
        }
    }
}

backend_test! {
    async fn findings_page_with_cursors_bound_to_their_filters(backend) {
        let app = app(backend).await;
        let s = seed(&app).await;
        let (items, pages) = app.walk("/api/findings?limit=2").await;
        assert_eq!(pages, 3);
        let got: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
        assert_eq!(got, [s.private_open, s.alias_suppressed, s.cf_resolved, s.hc_open, s.ip_open]);
        let (items, pages) = app.walk("/api/findings?status=open&limit=1").await;
        assert_eq!((items.len(), pages), (3, 3));

        // A cursor of one query is a 400 on another.
        let first = app.ok("/api/findings?limit=2").await;
        let cursor = urlencode(first["next_cursor"].as_str().unwrap());
        let reply = app.get(&format!("/api/findings?limit=2&status=open&cursor={cursor}")).await;
        assert_eq!(reply.status, 400);
        assert!(reply.json()["error"].as_str().unwrap().contains("cursor"));
    }
}

backend_test! {
    async fn bad_findings_parameters_are_400_naming_them(backend) {
        let app = app(backend).await;
        for (query, name) in [
            ("kind=dangling", "kind"),
            ("kind=DANGLING_IP", "kind"),
            ("status=closed", "status"),
            ("severity=low", "severity"),
            ("zone=Z1;--", "zone"),
            ("account=12345", "account"),
            ("record=abc", "record"),
            ("record=0", "record"),
            ("limit=0", "limit"),
            ("cursor=garbage", "cursor"),
        ] {
            let reply = app.get(&format!("/api/findings?{query}")).await;
            assert_eq!(reply.status, 400, "{query}");
            assert!(reply.content_type().starts_with("application/json"), "{query}");
            let error = reply.json()["error"].as_str().unwrap().to_string();
            assert!(error.contains(name), "{query}: {error}");
        }
    }
}

backend_test! {
    async fn a_records_json_carries_its_open_findings(backend) {
        let app = app(backend).await;
        let s = seed(&app).await;
        let blue = app.ids.get("www_blue");
        let record = app.ok(&format!("/api/records/{blue}")).await;
        let findings = record["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0]["id"], s.ip_open);
        assert_eq!(findings[0]["kind"], "dangling_ip");
        assert_eq!(findings[0]["severity"], "high");
        assert!(!findings[0]["summary"].as_str().unwrap().is_empty());
        assert_eq!(findings[1]["kind"], "health_check_missing");
        assert_eq!(findings[0].as_object().unwrap().len(), 4, "{}", findings[0]);

        // Resolved and suppressed ones are not carried; a record without any has `[]`.
        for label in ["cdn", "api", "mx"] {
            let r = app.ok(&format!("/api/records/{}", app.ids.get(label))).await;
            assert_eq!(r["findings"], json!([]), "{label}");
        }
        // The list carries the same, for each record of the page.
        let page = app.ok(&format!("/api/records?zone={Z1}&type=A")).await;
        for item in page["items"].as_array().unwrap() {
            let want = if item["id"] == blue { json!(findings) } else { json!([]) };
            assert_eq!(item["findings"], want, "{}", item["name"]);
        }
        let internal = app.ok(&format!("/api/records?zone={Z2}")).await;
        let db = internal["items"].as_array().unwrap().iter().find(|i| i["id"] == app.ids.get("db_internal")).unwrap();
        assert_eq!(db["findings"][0]["kind"], "private_ip_in_public_zone");
        // As of a past time: the state then, no findings.
        let past = app.ok(&format!("/api/records?zone={Z1}&type=A&as_of={T_SWEEP_END}")).await;
        assert!(past["items"].as_array().unwrap().iter().all(|i| i["findings"] == json!([])));

        // The CSV: the kinds of the open ones, space-separated.
        let csv = app.get(&format!("/api/records.csv?zone={Z1}&type=A&name=www.example.com")).await.text();
        let blue_line = csv.lines().find(|l| l.starts_with(&format!("{blue},"))).unwrap();
        // ... then owner, team, ticket and managed_by (none here).
        assert!(blue_line.ends_with(",dangling_ip health_check_missing,,,,"), "{blue_line}");
    }
}

backend_test! {
    async fn stats_count_open_and_suppressed_findings(backend) {
        let app = app(backend).await;
        seed(&app).await;
        let stats = app.ok("/api/stats").await;
        assert_eq!(
            stats["findings"],
            json!({"open": 3, "suppressed": 1,
                   "by_kind": {"dangling_ip": 1, "health_check_missing": 1, "private_ip_in_public_zone": 1},
                   "by_severity": {"high": 1, "medium": 2}})
        );
        let prod = app.ok(&format!("/api/stats?account={ACCOUNT_PROD}")).await;
        assert_eq!(
            prod["findings"],
            json!({"open": 2, "suppressed": 1,
                   "by_kind": {"dangling_ip": 1, "health_check_missing": 1},
                   "by_severity": {"high": 1, "medium": 1}})
        );
        let denied = app.ok(&format!("/api/stats?account={ACCOUNT_DENIED}")).await;
        assert_eq!(denied["findings"]["open"], 0);
        assert_eq!(denied["findings"]["by_kind"], json!({}));
    }
}
