//! `/api/records` and `/api/records/{id}`: the record JSON of docs/design.md.

use serde_json::json;

use crate::support::*;

backend_test! {
    async fn lists_every_live_record_once(backend) {
        let app = app(backend).await;
        let page = app.ok("/api/records").await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(app.labels_of(items), sorted(LIVE));
        assert!(page["next_cursor"].is_null());
        // Stable order: by name, then id.
        let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
        let mut by_name = names.clone();
        by_name.sort();
        assert_eq!(names, by_name);
    }
}

backend_test! {
    async fn a_record_reads_as_designed(backend) {
        let app = app(backend).await;
        let id = app.ids.get("www_blue");
        let record = app.ok(&format!("/api/records/{id}")).await;
        assert_eq!(
            record,
            json!({
                "id": id, "zone_id": Z1, "zone_name": "example.com.", "private_zone": false,
                "account_id": ACCOUNT_PROD, "account_name": "production",
                "name": "www.example.com.", "type": "A", "set_identifier": "blue",
                "ttl": 60, "values": ["192.0.2.10"],
                "alias_target": null,
                "routing": { "weight": 70, "region": null, "failover": null, "geo_location": null,
                             "geoproximity_location": null, "cidr_routing": null, "multivalue_answer": null,
                             "health_check_id": "hc-1", "traffic_policy_instance_id": null },
                "first_seen_at": T_CREATE, "observed_at": T_UPDATE, "deleted_at": null,
                "findings": [], "annotation": null, "attribution": null
            })
        );
    }
}

backend_test! {
    async fn weighted_records_with_one_name_are_distinct_items(backend) {
        let app = app(backend).await;
        let page = app.ok("/api/records?name=www.example.com").await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(app.labels_of(items), sorted(&["www_blue", "www_green"]));
        let mut sets: Vec<(&str, i64)> = items.iter().map(|i| (i["set_identifier"].as_str().unwrap(), i["routing"]["weight"].as_i64().unwrap())).collect();
        sets.sort();
        assert_eq!(sets, [("blue", 70), ("green", 30)]);
    }
}

backend_test! {
    async fn an_alias_has_no_values_and_no_ttl(backend) {
        let app = app(backend).await;
        let cdn = app.ok(&format!("/api/records/{}", app.ids.get("cdn"))).await;
        assert_eq!(cdn["values"], json!([]));
        assert_eq!(cdn["ttl"], json!(null));
        assert_eq!(cdn["alias_target"], json!({"hosted_zone_id": "Z2FDTNDATAQYW2", "dns_name": "d123.cloudfront.net.", "evaluate_target_health": false}));
        let geo = app.ok(&format!("/api/records/{}", app.ids.get("geo_internal"))).await;
        assert_eq!(geo["zone_name"], "internal.example.");
        assert_eq!(geo["private_zone"], true);
        assert_eq!(geo["routing"]["geo_location"], json!({"continent_code": "EU", "country_code": null, "subdivision_code": null}));
        let wildcard = app.ok(&format!("/api/records/{}", app.ids.get("wild_prod"))).await;
        assert_eq!(wildcard["name"], "*.prod.example.com.");
    }
}

backend_test! {
    async fn deleted_records_are_found_by_id_with_deleted_at(backend) {
        let app = app(backend).await;
        let old = app.ok(&format!("/api/records/{}", app.ids.get("old"))).await;
        assert_eq!(old["deleted_at"], T_DELETE.replace("Z", ".000000Z"));
        assert_eq!(old["values"], json!(["192.0.2.99"]));
        // A tombstone without content shows its key.
        let gone = app.ok(&format!("/api/records/{}", app.ids.get("gone"))).await;
        assert_eq!((gone["name"].as_str(), gone["type"].as_str(), &gone["values"]), (Some("gone.example.com."), Some("CNAME"), &json!([])));
        assert!(gone["deleted_at"].is_string());
    }
}

backend_test! {
    async fn healthz_reports_a_reachable_database(backend) {
        let app = app(backend).await;
        assert_eq!(app.ok("/healthz").await, json!({"status": "ok", "name_index": "not built"}));
        app.state.names.build(&app.state.db).await.unwrap();
        assert_eq!(app.ok("/healthz").await["name_index"], "ready");
    }
}
