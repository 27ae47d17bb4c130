//! Keyset pagination: walking `next_cursor` visits every matching record exactly once, for
//! every filter's order, and a substring search bounded by its scan budget still finds all.

use api::ApiConfig;
use api::fixture::synthetic::{self, Spec};
use std::collections::BTreeSet;

use crate::support::*;

fn ids(items: &[serde_json::Value]) -> Vec<i64> {
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

async fn assert_walk_matches(app: &TestApp, query: &str, limit: usize) {
    let (all, _) = app.walk(&format!("/api/records?{query}")).await;
    let (paged, pages) = app.walk(&format!("/api/records?{query}&limit={limit}")).await;
    assert_eq!(ids(&paged), ids(&all), "{query}: pages in the same order as one big page");
    assert_eq!(ids(&paged).iter().collect::<BTreeSet<_>>().len(), paged.len(), "{query}: no duplicates");
    assert!(pages >= all.len().div_ceil(limit), "{query}: pages of at most {limit}");
}

backend_test! {
    async fn every_filter_pages_through_each_record_once(backend) {
        let app = app(backend).await;
        let (items, pages) = app.walk("/api/records?limit=3").await;
        assert_eq!(app.labels_of(&items), sorted(LIVE));
        assert_eq!(pages, LIVE.len().div_ceil(3));
        for query in [
            "include_deleted=true",
            &format!("zone={Z1}"),
            &format!("zone={Z1}&type=A"),
            "type=A",
            "name=*.example.com",
            "name=www*",
            "value=192.0.2.10",
            "q=example",
        ] {
            assert_walk_matches(&app, query, 1).await;
            assert_walk_matches(&app, query, 2).await;
        }
    }
}

backend_test! {
    async fn a_bounded_substring_scan_still_finds_every_match(backend) {
        // A budget of 3 index entries per request: the search continues over many requests.
        let app = app_with(backend, ApiConfig { q_scan_budget: 3, ..ApiConfig::default() }).await;
        let (items, pages) = app.walk("/api/records?q=prod&limit=100").await;
        assert_eq!(app.labels_of(&items), sorted(&["wild_prod", "db_prod"]));
        assert!(pages >= LIVE.len() / 3, "the scan was bounded ({pages} pages)");
        let (items, _) = app.walk("/api/records?q=.&limit=1").await;
        assert_eq!(app.labels_of(&items), sorted(LIVE));
        let (items, _) = app.walk("/api/records?q=example&name=*.example.com&limit=2").await;
        assert_eq!(app.labels_of(&items), sorted(&["www_blue", "www_green", "api", "wild_prod", "db_prod", "cdn", "acme", "mail"]));
    }
}

backend_test! {
    async fn a_substring_scan_grows_its_window_within_one_request(backend) {
        // Budget 17: windows of 1, 4 and 12 index entries, searched in one request.
        let app = app_with(backend, ApiConfig { q_scan_budget: 17, ..ApiConfig::default() }).await;
        let page = app.ok("/api/records?q=internal&limit=100").await;
        assert_eq!(app.labels_of(page["items"].as_array().unwrap()), sorted(&["app_internal", "db_internal", "lb_internal", "geo_internal"]));
        assert!(page["next_cursor"].is_null(), "17 entries cover the whole fixture (16 rows)");
        let (items, _) = app.walk("/api/records?q=.&limit=3").await;
        assert_eq!(app.labels_of(&items), sorted(LIVE));
        let (items, _) = app.walk("/api/records?q=example.com&include_deleted=true&limit=4").await;
        let mut want = LIVE[..10].to_vec();
        want.extend(TOMBSTONES);
        assert_eq!(app.labels_of(&items), sorted(&want));
    }
}

backend_test! {
    async fn a_thousand_record_page_and_a_generated_inventory(backend) {
        let db = migrated(backend).await;
        let spec = Spec { records: 2_500, seed: 11 };
        let summary = synthetic::seed(&db.conn, spec, |_| {}).await.unwrap();
        let live = (summary.records - summary.tombstones) as usize;
        let app = TestApp { state: api::AppState::new(db.conn.clone(), ApiConfig::default()), db, ids: Ids::default() };
        let (items, pages) = app.walk("/api/records?limit=5000").await;
        assert_eq!(items.len(), live);
        assert_eq!(pages, live.div_ceil(1000), "limit is capped at 1000");
        assert_eq!(ids(&items).into_iter().collect::<BTreeSet<_>>().len(), live);
    }
}
