//! Bad input answers a 4xx JSON `{"error": ...}` (or, for a search, no results), never a 500,
//! and injection attempts change nothing.

use axum::http::{Method, StatusCode};
use base64::Engine;

use crate::support::*;

const INJECTION: &str = "%27%20OR%201%3D1%20--";

async fn assert_error(app: &TestApp, method: Method, uri: &str, status: StatusCode) {
    let reply = app.request(method.clone(), uri).await;
    assert_eq!(
        reply.status,
        status,
        "{method} {uri} ({:?}): {}",
        app.db.backend,
        String::from_utf8_lossy(&reply.body)
    );
    assert!(
        reply.content_type().starts_with("application/json"),
        "{uri}: {}",
        reply.content_type()
    );
    let body = reply.json();
    let message =
        body["error"].as_str().unwrap_or_else(|| panic!("{uri}: no error message in {body}"));
    assert!(!message.is_empty());
    assert_eq!(body.as_object().unwrap().len(), 1, "{uri}: only `error`");
}

backend_test! {
    async fn bad_parameters_are_400_json(backend) {
        let app = app(backend).await;
        let record = app.ids.get("www_blue");
        for uri in [
            "/api/records?limit=0",
            "/api/records?limit=-1",
            "/api/records?limit=abc",
            "/api/records?limit=1.5",
            "/api/records?limit=",
            "/api/records?limit=1&limit=2",
            "/api/records?type=URI",
            "/api/records?type=NOTATYPE",
            &format!("/api/records?type={INJECTION}"),
            &format!("/api/records?zone={INJECTION}"),
            "/api/records?include_deleted=maybe",
            "/api/records?type=a",
            "/api/records?include_deleted=1",
            &format!("/api/records?q={}", "x".repeat(1025)),
            &format!("/api/records?value={}", "x".repeat(256)),
            "/api/records?cursor=garbage",
            &format!("/api/records?cursor={INJECTION}"),
            "/api/records/abc",
            "/api/records/-1",
            "/api/records/0",
            "/api/records/1.5",
            &format!("/api/records/{record}/history?limit=0"),
            &format!("/api/records/{record}/history?cursor=xyz"),
            "/api/records/abc/history",
            "/api/changes?source=console",
            "/api/changes?since=yesterday",
            "/api/changes?since=2026-11-21",
            "/api/changes?source=Event",
            "/api/changes?limit=abc",
            &format!("/api/changes?zone={INJECTION}"),
            "/api/zones?include_deleted=2",
            "/api/records.csv?type=BOGUS",
            "/api/records.csv?limit=false",
            "/api/records.csv?limit=0",
            &format!("/api/records?account={INJECTION}"),
            &format!("/api/changes?account={INJECTION}"),
            &format!("/api/zones?account={INJECTION}"),
            &format!("/api/stats?account={INJECTION}"),
            &format!("/api/records.csv?account={INJECTION}"),
            "/api/records?account=1234567890123",
        ] {
            assert_error(&app, Method::GET, uri, StatusCode::BAD_REQUEST).await;
        }
    }
}

backend_test! {
    async fn forged_and_foreign_cursors_are_400(backend) {
        let app = app(backend).await;
        let page = app.ok("/api/records?limit=2").await;
        let cursor = page["next_cursor"].as_str().unwrap().to_string();
        // Valid for its own query...
        app.ok(&format!("/api/records?limit=2&cursor={}", urlencode(&cursor))).await;
        // ...not for another one.
        assert_error(&app, Method::GET, &format!("/api/records?type=A&cursor={}", urlencode(&cursor)), StatusCode::BAD_REQUEST).await;
        assert_error(&app, Method::GET, &format!("/api/changes?cursor={}", urlencode(&cursor)), StatusCode::BAD_REQUEST).await;
        // An edited position, with the old check, is rejected.
        let (_, check) = cursor.split_once('.').unwrap();
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"o":"name","k":"a","id":1}"#);
        assert_error(&app, Method::GET, &format!("/api/records?cursor={forged}.{check}"), StatusCode::BAD_REQUEST).await;
        assert_error(&app, Method::GET, &format!("/api/records?cursor={forged}"), StatusCode::BAD_REQUEST).await;
    }
}

backend_test! {
    async fn large_limits_are_capped(backend) {
        let app = app(backend).await;
        let page = app.ok("/api/records?limit=5000").await;
        assert_eq!(page["items"].as_array().unwrap().len(), LIVE.len());
        app.ok("/api/records?limit=99999999999999999999999").await;
    }
}

backend_test! {
    async fn unknown_things_are_404_json(backend) {
        let app = app(backend).await;
        for uri in ["/api/records/999999", "/api/records/999999/history", "/api/nope", "/api", "/api/records/1/nope", "/nothing-here"] {
            assert_error(&app, Method::GET, uri, StatusCode::NOT_FOUND).await;
        }
        assert_error(&app, Method::POST, "/api/records", StatusCode::METHOD_NOT_ALLOWED).await;
        assert_error(&app, Method::DELETE, &format!("/api/records/{}", app.ids.get("api")), StatusCode::METHOD_NOT_ALLOWED).await;
    }
}

backend_test! {
    async fn injection_in_searches_finds_nothing_and_breaks_nothing(backend) {
        let app = app(backend).await;
        for param in ["q", "name", "value"] {
            for attack in [INJECTION, "%27%3B%20DROP%20TABLE%20record_sets%3B%20--", "%22%20OR%20%22%22%3D%22", "%5C%27", "%00", "caf%C3%A9", "%FF%FE"] {
                let uri = format!("/api/records?{param}={attack}");
                let reply = app.get(&uri).await;
                match reply.status {
                    StatusCode::OK => assert_eq!(reply.json()["items"], serde_json::json!([]), "{uri}"),
                    StatusCode::BAD_REQUEST => assert!(reply.json()["error"].is_string()),
                    other => panic!("{uri} ({backend:?}): {other} {}", String::from_utf8_lossy(&reply.body)),
                }
            }
        }
        // Nothing was dropped or changed.
        let (items, _) = app.walk("/api/records").await;
        assert_eq!(app.labels_of(&items), sorted(LIVE));
    }
}

backend_test! {
    async fn a_database_outage_is_503_json(backend) {
        let app = app(backend).await;
        app.db.conn.clone().close().await.unwrap();
        for uri in ["/healthz", "/api/records", "/api/stats", "/api/zones", "/api/changes", "/api/records/1", "/api/records.csv"] {
            assert_error(&app, Method::GET, uri, StatusCode::SERVICE_UNAVAILABLE).await;
        }
    }
}
