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
    assert_eq!(
        ids(&paged).iter().collect::<BTreeSet<_>>().len(),
        paged.len(),
        "{query}: no duplicates"
    );
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
        // (The scan is what `q` uses without the name index, and for queries it cannot answer.)
        let app = app_with(backend, ApiConfig { q_scan_budget: 3, name_index: false, ..ApiConfig::default() }).await;
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
        let app = app_with(backend, ApiConfig { q_scan_budget: 17, name_index: false, ..ApiConfig::default() }).await;
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

backend_test! {
    async fn the_name_index_pages_substrings_as_the_scan_does_and_sees_new_names(backend) {
        // The same queries with the in-memory name index and with the scan alone: the same
        // records in the same order, page by page, with cursors that work across both.
        let indexed = app_with(backend, ApiConfig { q_scan_budget: 2, ..ApiConfig::default() }).await;
        indexed.state.names.build(&indexed.state.db).await.unwrap();
        let scanned = TestApp { state: api::AppState::new(indexed.db.conn.clone(), ApiConfig { q_scan_budget: 2, name_index: false, ..ApiConfig::default() }), db: migrated(backend).await, ids: Ids::default() };
        for query in [
            "q=prod",
            "q=internal",
            "q=example.com&include_deleted=true",
            "q=ww.&zone=Z1EXAMPLE",
            "q=ple&type=A",
            "q=nothing-has-this",
            "q=nal.exa&zone=Z2INTERNAL&type=A",
        ] {
            for limit in [1, 3, 100] {
                let uri = format!("/api/records?{query}&limit={limit}");
                let (want, _) = scanned.walk(&uri).await;
                let (got, pages) = indexed.walk(&uri).await;
                assert_eq!(indexed.labels_of(&got), indexed.labels_of(&want), "{uri}");
                assert_eq!(got, want, "{uri}");
                assert!(pages <= got.len() / limit + 1, "{uri}: the index answers full pages ({pages} pages)");
            }
        }
        // A cursor of one is a cursor of the other.
        let first = indexed.ok("/api/records?q=example&limit=2").await;
        let cursor = first["next_cursor"].as_str().unwrap().to_owned();
        let rest_indexed = indexed.ok(&format!("/api/records?q=example&limit=2&cursor={}", urlencode(&cursor))).await;
        let whole = TestApp { state: api::AppState::new(indexed.db.conn.clone(), ApiConfig { name_index: false, ..ApiConfig::default() }), db: migrated(backend).await, ids: Ids::default() };
        let rest_scanned = whole.ok(&format!("/api/records?q=example&limit=100&cursor={}", urlencode(&cursor))).await;
        assert_eq!(rest_indexed["items"].as_array().unwrap()[..], rest_scanned["items"].as_array().unwrap()[..2]);

        // A record written after the index was built is found within REFRESH_EVERY.
        let z1 = zonetrail_model::ZoneId::parse(Z1).unwrap();
        let new = api::fixture::RecordSeed::live(&z1, record("prodnew.example.com", zonetrail_model::RecordType::A, &["192.0.2.99"]), at(T_SWEEP));
        api::fixture::insert_records(&indexed.db.conn, &[new]).await.unwrap();
        tokio::time::sleep(api::names::REFRESH_EVERY + std::time::Duration::from_millis(50)).await;
        let names = |v: &serde_json::Value| v["items"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        let page = indexed.ok("/api/records?q=prodn").await;
        assert_eq!(names(&page), vec!["prodnew.example.com."]);
        let scanned_page = scanned.walk("/api/records?q=prod&limit=100").await.0;
        let (indexed_page, _) = indexed.walk("/api/records?q=prod&limit=100").await;
        assert_eq!(indexed_page, scanned_page);
    }
}
