//! Accounts (issue 16): `/api/accounts`, the account on zones, records and changes, and the
//! `account` filter of `/api/records`, `/api/records.csv`, `/api/zones`, `/api/changes` and
//! `/api/stats`.

use api::ApiConfig;
use api::fixture::synthetic::{self, ACCESS_DENIED, ACCOUNTS, Spec};
use serde_json::{Value, json};
use std::collections::BTreeSet;

use crate::csv_export::parse_csv;
use crate::support::*;

/// Every item of a list, following `next_cursor` (`uri` has a query string already).
async fn all_pages(app: &TestApp, uri: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut page = app.ok(uri).await;
    loop {
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => page = app.ok(&format!("{uri}&cursor={}", urlencode(c))).await,
            None => return items,
        }
    }
}

fn zone_records(zones: &Value, zone: &str) -> i64 {
    zones["items"].as_array().unwrap().iter().find(|z| z["zone_id"] == zone).unwrap()["records"]
        .as_i64()
        .unwrap()
}

backend_test! {
    async fn accounts_list_counts_and_statuses(backend) {
        let app = app(backend).await;
        let zones = app.ok("/api/zones").await;
        let (z1, z2) = (zone_records(&zones, Z1), zone_records(&zones, Z2));
        assert!(z1 > 0 && z2 > 0);
        let accounts = app.ok("/api/accounts").await;
        assert_eq!(accounts.as_object().unwrap().len(), 1, "only items: {accounts}");
        // By name (`audit`, `production`), the unnamed one last.
        assert_eq!(
            accounts["items"],
            json!([
                {"account_id": ACCOUNT_DENIED, "name": "audit", "zones": 0, "records": 0, "status": "access_denied",
                 "last_success_at": null, "last_attempt_at": T_SWEEP,
                 "last_error": "AccessDenied: not authorized to perform sts:AssumeRole", "last_error_at": T_SWEEP,
                 "history_complete_since": T_SWEEP, "backfill": null},
                {"account_id": ACCOUNT_PROD, "name": "production", "zones": 1, "records": z1, "status": "ok",
                 "last_success_at": T_SWEEP_END, "last_attempt_at": T_SWEEP, "last_error": null, "last_error_at": null,
                 "history_complete_since": T_CREATE, "backfill": null},
                {"account_id": ACCOUNT_NET, "name": null, "zones": 1, "records": z2, "status": null,
                 "last_success_at": null, "last_attempt_at": null, "last_error": null, "last_error_at": null,
                 "history_complete_since": null, "backfill": null},
            ])
        );
        let stats = app.ok("/api/stats").await;
        assert_eq!(stats["accounts"], json!({"total": 3, "ok": 1, "access_denied": 1, "error": 0}));
    }
}

backend_test! {
    async fn zones_records_and_changes_carry_their_account(backend) {
        let app = app(backend).await;
        let zones = app.ok("/api/zones").await;
        for z in zones["items"].as_array().unwrap() {
            let (id, name) = if z["zone_id"] == Z1 { (json!(ACCOUNT_PROD), json!("production")) } else { (json!(ACCOUNT_NET), Value::Null) };
            assert_eq!((&z["account_id"], &z["account_name"]), (&id, &name), "{z}");
        }
        let record = app.ok(&format!("/api/records/{}", app.ids.get("www_blue"))).await;
        assert_eq!((&record["account_id"], &record["account_name"]), (&json!(ACCOUNT_PROD), &json!("production")));
        let record = app.ok(&format!("/api/records/{}", app.ids.get("app_internal"))).await;
        assert_eq!((&record["account_id"], &record["account_name"]), (&json!(ACCOUNT_NET), &Value::Null));
        for item in app.ok("/api/records?limit=1000&include_deleted=true").await["items"].as_array().unwrap() {
            let want = if item["zone_id"] == Z1 { ACCOUNT_PROD } else { ACCOUNT_NET };
            assert_eq!(item["account_id"], want, "{item}");
        }
        let feed = app.ok("/api/changes").await;
        assert!(!feed["items"].as_array().unwrap().is_empty());
        for item in feed["items"].as_array().unwrap() {
            let want = if item["zone_id"] == Z1 { json!([ACCOUNT_PROD, "production"]) } else { json!([ACCOUNT_NET, null]) };
            assert_eq!(json!([item["account_id"], item["account_name"]]), want, "{item}");
        }
    }
}

backend_test! {
    async fn the_account_filter_on_every_route(backend) {
        let app = app(backend).await;
        let zones = app.ok("/api/zones").await;
        // /api/zones
        let prod = app.ok(&format!("/api/zones?account={ACCOUNT_PROD}")).await;
        let ids: Vec<&Value> = prod["items"].as_array().unwrap().iter().map(|z| &z["zone_id"]).collect();
        assert_eq!(ids, [Z1]);
        assert_eq!(app.ok(&format!("/api/zones?account={ACCOUNT_DENIED}")).await["items"], json!([]));
        assert_eq!(app.ok("/api/zones?account=999999999999").await["items"], json!([]));
        // /api/records, page by page: exactly Z1's live records, each once, in order.
        let all = all_pages(&app, &format!("/api/records?account={ACCOUNT_PROD}&limit=3")).await;
        assert_eq!(all.len() as i64, zone_records(&zones, Z1));
        assert!(all.iter().all(|r| r["zone_id"] == Z1));
        let ids: BTreeSet<i64> = all.iter().map(|r| r["id"].as_i64().unwrap()).collect();
        assert_eq!(ids.len(), all.len(), "no record twice");
        let keys: Vec<(String, i64)> = all.iter().map(|r| (r["name"].as_str().unwrap().to_owned(), r["id"].as_i64().unwrap())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        let with_deleted = all_pages(&app, &format!("/api/records?account={ACCOUNT_PROD}&limit=2&include_deleted=true")).await;
        let z1_with_deleted = all_pages(&app, &format!("/api/records?zone={Z1}&limit=1000&include_deleted=true")).await;
        assert_eq!(with_deleted, z1_with_deleted, "Z1's tombstones too");
        // Combined with the other filters.
        let a = app.ok(&format!("/api/records?account={ACCOUNT_NET}&type=A&limit=1000")).await;
        assert!(!a["items"].as_array().unwrap().is_empty());
        assert!(a["items"].as_array().unwrap().iter().all(|r| r["zone_id"] == Z2 && r["type"] == "A"));
        assert_eq!(app.ok(&format!("/api/records?account={ACCOUNT_NET}&zone={Z1}")).await["items"], json!([]));
        assert_eq!(app.ok(&format!("/api/records?account={ACCOUNT_DENIED}")).await, json!({"items": [], "next_cursor": null}));
        // A cursor of one account's list is not another's.
        let page = app.ok(&format!("/api/records?account={ACCOUNT_PROD}&limit=1")).await;
        let cursor = urlencode(page["next_cursor"].as_str().unwrap());
        assert_eq!(app.get(&format!("/api/records?account={ACCOUNT_NET}&limit=1&cursor={cursor}")).await.status, 400);
        // /api/records.csv
        let rows = parse_csv(&app.get(&format!("/api/records.csv?account={ACCOUNT_NET}")).await.text());
        assert_eq!(rows[0][1], "account_id");
        assert_eq!(rows.len() as i64 - 1, zone_records(&zones, Z2));
        assert!(rows[1..].iter().all(|r| r[1] == ACCOUNT_NET && r[2] == Z2));
        // /api/changes, page by page.
        let changes = all_pages(&app, &format!("/api/changes?account={ACCOUNT_PROD}&limit=1")).await;
        let every = all_pages(&app, "/api/changes?limit=1000").await;
        let z1_changes = every.iter().filter(|c| c["zone_id"] == Z1).count();
        assert!(z1_changes > 1);
        assert_eq!(changes.len(), z1_changes);
        assert!(changes.iter().all(|c| c["zone_id"] == Z1));
        assert_eq!(app.ok(&format!("/api/changes?account={ACCOUNT_DENIED}")).await["items"], json!([]));
        // /api/stats
        let stats = app.ok(&format!("/api/stats?account={ACCOUNT_NET}")).await;
        assert_eq!(stats["zones"].as_array().unwrap().len(), 1);
        assert_eq!(stats["zones"][0]["zone_id"], Z2);
        assert_eq!(stats["total_records"].as_i64().unwrap(), zone_records(&zones, Z2));
        assert_eq!(stats["accounts"], json!({"total": 1, "ok": 0, "access_denied": 0, "error": 0}));
        assert_eq!(stats["last_sweep_at"], Value::Null, "no sweep of this account has reported");
        let stats = app.ok(&format!("/api/stats?account={ACCOUNT_PROD}")).await;
        assert_eq!(stats["last_sweep_at"], T_SWEEP_END);
        assert_eq!(stats["accounts"], json!({"total": 1, "ok": 1, "access_denied": 0, "error": 0}));
    }
}

backend_test! {
    async fn a_malformed_account_is_400_naming_it(backend) {
        let app = app(backend).await;
        for route in ["/api/records", "/api/records.csv", "/api/zones", "/api/changes", "/api/stats"] {
            for bad in ["12345", "abc", "1234567890123", "12345678901x"] {
                let reply = app.get(&format!("{route}?account={bad}")).await;
                assert_eq!(reply.status, 400, "{route}?account={bad}");
                let message = reply.json()["error"].as_str().unwrap().to_owned();
                assert!(message.contains("account") && message.contains(bad), "{route}: {message}");
            }
            let twice = app.get(&format!("{route}?account={ACCOUNT_PROD}&account={ACCOUNT_NET}")).await;
            assert_eq!(twice.status, 400, "{route}: a repeated account");
            // Empty is no filter, like the other filters.
            assert_eq!(app.get(&format!("{route}?account=")).await.status, 200, "{route}");
        }
    }
}

backend_test! {
    /// An account of several zones, among others: every page holds only its records, and the
    /// pages together hold all of them, whichever index walks the list.
    async fn an_account_of_several_zones_pages_through_all_its_records(backend) {
        let db = migrated(backend).await;
        let spec = Spec { records: 8_000, seed: 5 };
        synthetic::seed(&db.conn, spec, |_| {}).await.unwrap();
        let app = TestApp { state: api::AppState::new(db.conn.clone(), ApiConfig::default()), db, ids: Ids::default() };
        let accounts = app.ok("/api/accounts").await;
        let items = accounts["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        let staging = items.iter().find(|a| a["account_id"] == ACCOUNTS[1].0).unwrap();
        assert_eq!((&staging["status"], &staging["last_error"]), (&json!("access_denied"), &json!(ACCESS_DENIED)));
        assert_eq!(items.iter().map(|a| a["records"].as_i64().unwrap()).sum::<i64>(), app.ok("/api/stats").await["total_records"].as_i64().unwrap());
        // The same zone name in two accounts.
        let zones = app.ok("/api/zones").await;
        let zone0 = &zones["items"].as_array().unwrap().iter().find(|z| z["account_id"] == ACCOUNTS[0].0).unwrap()["zone_name"];
        let twins: BTreeSet<&str> = zones["items"].as_array().unwrap().iter().filter(|z| &z["zone_name"] == zone0).map(|z| z["account_id"].as_str().unwrap()).collect();
        assert_eq!(twins.len(), 2, "{zone0} in two accounts");

        let prod = ACCOUNTS[0].0;
        let prod_zones: BTreeSet<String> = app.ok(&format!("/api/zones?account={prod}")).await["items"].as_array().unwrap().iter().map(|z| z["zone_id"].as_str().unwrap().to_owned()).collect();
        assert!(prod_zones.len() >= 2, "{prod_zones:?}");
        for filter in ["", "&type=A", "&q=api", "&name=api-*", "&include_deleted=true"] {
            let everything = all_pages(&app, &format!("/api/records?limit=1000{filter}")).await;
            let want: BTreeSet<i64> = everything.iter().filter(|r| prod_zones.contains(r["zone_id"].as_str().unwrap())).map(|r| r["id"].as_i64().unwrap()).collect();
            let got = all_pages(&app, &format!("/api/records?account={prod}&limit=97{filter}")).await;
            assert!(got.iter().all(|r| r["account_id"] == prod), "{filter}");
            let ids: BTreeSet<i64> = got.iter().map(|r| r["id"].as_i64().unwrap()).collect();
            assert_eq!(ids.len(), got.len(), "{filter}: no record twice");
            assert_eq!(ids, want, "{filter}");
        }
    }
}
