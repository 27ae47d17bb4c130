//! `/api/records/{id}/history` and `/api/changes`: before/after, source, actor and time,
//! newest first.

use serde_json::json;

use crate::support::*;

backend_test! {
    async fn a_records_history_is_newest_first_with_before_and_after(backend) {
        let app = app(backend).await;
        let id = app.ids.get("www_blue");
        let page = app.ok(&format!("/api/records/{id}/history")).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert!(page["next_cursor"].is_null());
        let (update, create) = (&items[0], &items[1]);
        assert_eq!((update["action"].as_str(), update["source"].as_str()), (Some("update"), Some("sweep")));
        assert_eq!(update["observed_at"], T_UPDATE);
        assert_eq!(update["actor"], json!(null));
        assert_eq!(update["before"]["routing"]["weight"], 60);
        assert_eq!(update["after"]["routing"]["weight"], 70);
        assert_eq!(update["after"]["name"], "www.example.com.");
        assert_eq!(update["after"]["set_identifier"], "blue");
        assert_eq!(update["after"]["values"], json!(["192.0.2.10"]));
        assert_eq!(create["action"], "create");
        assert_eq!(create["source"], "event");
        assert_eq!(create["actor"], "arn:aws:sts::111122223333:assumed-role/deployer/ci");
        assert_eq!(create["actor_role"], "arn:aws:iam::111122223333:role/deployer");
        assert_eq!(create["event_id"], "evt-www_blue-create");
        assert_eq!(create["before"], json!(null));
        assert_eq!(create["observed_at"], T_CREATE);
        for key in ["id", "action", "source", "actor", "event_id", "observed_at", "before", "after"] {
            assert!(create.get(key).is_some(), "history entry has {key}");
        }

        let (paged, pages) = app.walk(&format!("/api/records/{id}/history?limit=1")).await;
        assert_eq!(pages, 2);
        assert_eq!(paged, items.to_vec());

        let none = app.ok(&format!("/api/records/{}/history", app.ids.get("api"))).await;
        assert_eq!(none, json!({"items": [], "next_cursor": null}));
    }
}

backend_test! {
    async fn the_change_feed_covers_the_account_newest_first(backend) {
        let app = app(backend).await;
        let feed = app.ok("/api/changes").await;
        let items = feed["items"].as_array().unwrap();
        let seen: Vec<(&str, &str)> = items.iter().map(|i| (i["name"].as_str().unwrap(), i["action"].as_str().unwrap())).collect();
        // Two creates share a time: the later id comes first.
        assert_eq!(
            seen,
            [("old.example.com.", "delete"), ("www.example.com.", "update"), ("old.example.com.", "create"), ("www.example.com.", "create")]
        );
        let times: Vec<&str> = items.iter().map(|i| i["observed_at"].as_str().unwrap()).collect();
        assert_eq!(times, [T_DELETE.replace("Z", ".000000Z").as_str(), T_UPDATE, T_CREATE, T_CREATE]);
        let delete = &items[0];
        assert_eq!(delete["record_id"], app.ids.get("old"));
        assert_eq!(delete["zone_id"], Z1);
        assert_eq!(delete["zone_name"], "example.com.");
        assert_eq!(delete["type"], "A");
        assert_eq!(delete["set_identifier"], json!(null));
        assert_eq!(delete["after"], json!(null));
        assert_eq!(delete["before"]["values"], json!(["192.0.2.99"]));
        assert_eq!(items[1]["set_identifier"], "blue");

        let (paged, _) = app.walk("/api/changes?limit=1").await;
        assert_eq!(paged, items.to_vec(), "keyset pages give the same feed");
    }
}

backend_test! {
    async fn the_feed_filters_by_zone_source_and_time(backend) {
        let app = app(backend).await;
        let count = |v: serde_json::Value| v["items"].as_array().unwrap().len();
        assert_eq!(count(app.ok(&format!("/api/changes?zone={Z1}")).await), 4);
        assert_eq!(count(app.ok(&format!("/api/changes?zone={Z2}")).await), 0);
        let events = app.ok("/api/changes?source=event").await;
        assert_eq!(count(events.clone()), 2);
        assert!(events["items"].as_array().unwrap().iter().all(|i| i["source"] == "event"));
        assert_eq!(count(app.ok("/api/changes?since=2026-11-21T00:00:00Z").await), 2);
        assert_eq!(count(app.ok("/api/changes?since=2026-11-21T01:00:00%2B01:00").await), 2);
        assert_eq!(count(app.ok(&format!("/api/changes?since={}", urlencode(T_UPDATE))).await), 2);
        let (paged, _) = app.walk("/api/changes?source=sweep&limit=1").await;
        assert_eq!(paged.len(), 2);
    }
}
