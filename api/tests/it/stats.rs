//! `/api/stats` and `/api/zones`: counts of live records and freshness.

use serde_json::json;

use crate::support::*;

backend_test! {
    async fn stats_count_live_records_by_zone_and_type(backend) {
        let app = app(backend).await;
        let stats = app.ok("/api/stats").await;
        assert_eq!(stats["total_records"], LIVE.len());
        assert_eq!(stats["by_type"], json!({"A": 9, "CNAME": 2, "MX": 1, "TXT": 2}));
        let zones = stats["zones"].as_array().unwrap();
        assert_eq!(zones.len(), 2);
        assert_eq!(
            zones[0],
            json!({"zone_id": Z1, "zone_name": "example.com.", "private_zone": false, "records": 10,
                   "by_type": {"A": 6, "CNAME": 1, "MX": 1, "TXT": 2}})
        );
        assert_eq!(zones[1]["zone_name"], "internal.example.");
        assert_eq!(zones[1]["private_zone"], true);
        assert_eq!(zones[1]["records"], 4);
        assert_eq!(stats["last_sweep_at"], T_SWEEP_END);
        assert_eq!(stats["last_event_at"], T_DELETE.replace("Z", ".000000Z"));
        assert_eq!(stats["last_change_at"], T_DELETE.replace("Z", ".000000Z"));
        let lag = stats["freshness_lag_seconds"].as_i64().unwrap();
        let expected = (chrono::Utc::now() - at(T_SWEEP_END)).num_seconds();
        assert!((lag - expected).abs() <= 5, "lag {lag} vs {expected}");
    }
}

backend_test! {
    async fn stats_of_an_empty_inventory(backend) {
        let db = migrated(backend).await;
        let app = TestApp { state: api::AppState::new(db.conn.clone(), api::ApiConfig::default()), db, ids: Ids::default() };
        assert_eq!(
            app.ok("/api/stats").await,
            json!({"zones": [], "by_type": {}, "total_records": 0, "accounts": {"total": 0, "ok": 0, "access_denied": 0, "error": 0}, "last_sweep_at": null, "last_event_at": null,
                   "last_change_at": null, "freshness_lag_seconds": null,
                   "history_complete_since": null, "history": {"complete_since": null, "accounts": []},
                   "findings": {"open": 0, "suppressed": 0, "by_kind": {}, "by_severity": {"high": 0, "medium": 0}}})
        );
        assert_eq!(app.ok("/api/zones").await, json!({"items": [], "next_cursor": null}));
        assert_eq!(app.ok("/api/accounts").await, json!({"items": []}));
        assert_eq!(app.ok("/api/records").await, json!({"items": [], "next_cursor": null}));
        assert_eq!(app.ok("/api/changes").await, json!({"items": [], "next_cursor": null}));
        assert_eq!(app.ok("/api/findings").await, json!({"items": [], "next_cursor": null}));
    }
}

backend_test! {
    async fn zones_list_with_vpcs_and_counts(backend) {
        let app = app(backend).await;
        let zones = app.ok("/api/zones").await;
        assert_eq!(zones["next_cursor"], json!(null));
        let items = zones["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0],
            json!({"zone_id": Z1, "zone_name": "example.com.", "account_id": ACCOUNT_PROD, "account_name": "production",
                   "private_zone": false, "comment": "public", "vpcs": [],
                   "record_count": 14, "records": 10, "observed_at": T_SWEEP, "deleted_at": null,
                   "annotation": null})
        );
        assert_eq!(items[1]["vpcs"], json!([{"region": "eu-west-1", "id": "vpc-0abc"}]));
        assert_eq!(items[1]["records"], 4);
    }
}

backend_test! {
    async fn counts_are_kept_for_their_max_age_then_recounted(backend) {
        use api::fixture::{RecordSeed, insert_records};
        use zonetrail_model::{RecordType, ZoneId};
        let config = api::ApiConfig { counts_max_age: std::time::Duration::from_millis(300), ..api::ApiConfig::default() };
        let app = app_with(backend, config).await;
        let total = |v: serde_json::Value| v["total_records"].as_i64().unwrap();
        assert_eq!(total(app.ok("/api/stats").await), 14);
        let new = record("new.example.com", RecordType::A, &["192.0.2.200"]);
        insert_records(&app.db.conn, &[RecordSeed::live(&ZoneId::parse(Z1).unwrap(), new, at(T_SWEEP))]).await.unwrap();
        assert_eq!(total(app.ok("/api/stats").await), 14, "kept counts within their max age");
        // The new record itself is listed at once: only counts are kept.
        assert_eq!(app.ok("/api/records?name=new.example.com").await["items"].as_array().unwrap().len(), 1);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let started = std::time::Instant::now();
        loop {
            let stats = app.ok("/api/stats").await;
            if total(stats.clone()) == 15 {
                assert_eq!(stats["zones"][0]["records"], 11);
                break;
            }
            assert!(started.elapsed().as_secs() < 10, "recounted in the background");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let zones = app.ok("/api/zones").await;
        assert_eq!(zones["items"][0]["records"], 11);
    }
}

backend_test! {
    async fn counts_with_no_max_age_are_always_current(backend) {
        use api::fixture::{RecordSeed, insert_records};
        use zonetrail_model::{RecordType, ZoneId};
        let config = api::ApiConfig { counts_max_age: std::time::Duration::ZERO, ..api::ApiConfig::default() };
        let app = app_with(backend, config).await;
        assert_eq!(app.ok("/api/stats").await["total_records"], 14);
        let new = record("new.example.com", RecordType::A, &["192.0.2.200"]);
        insert_records(&app.db.conn, &[RecordSeed::live(&ZoneId::parse(Z1).unwrap(), new, at(T_SWEEP))]).await.unwrap();
        assert_eq!(app.ok("/api/stats").await["total_records"], 15);
    }
}
