//! Transport: gzip, CORS for the configured dashboard origin, and the dashboard's static files
//! with a fallback to index.html while `/api/...` stays JSON.

use api::ApiConfig;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::support::*;

backend_test! {
    async fn responses_are_gzipped_on_request(backend) {
        let app = app(backend).await;
        let request = Request::get("/api/records").header("accept-encoding", "gzip").body(Body::empty()).unwrap();
        let reply = send(app.router(), request).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers["content-encoding"], "gzip");
        let plain = app.get("/api/records").await;
        assert!(plain.headers.get("content-encoding").is_none());
        assert!(reply.body.len() < plain.body.len());
    }
}

backend_test! {
    async fn cors_allows_the_configured_dashboard_origin_only(backend) {
        let config = ApiConfig { cors_origins: vec!["https://dash.example.com".into()], ..ApiConfig::default() };
        let app = app_with(backend, config).await;
        let preflight = Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/records")
            .header("origin", "https://dash.example.com")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .body(Body::empty())
            .unwrap();
        let reply = send(app.router(), preflight).await;
        assert!(reply.status.is_success());
        assert_eq!(reply.headers["access-control-allow-origin"], "https://dash.example.com");
        let get = Request::get("/api/stats").header("origin", "https://dash.example.com").body(Body::empty()).unwrap();
        assert_eq!(send(app.router(), get).await.headers["access-control-allow-origin"], "https://dash.example.com");
        let other = Request::get("/api/stats").header("origin", "https://evil.example.net").body(Body::empty()).unwrap();
        assert!(send(app.router(), other).await.headers.get("access-control-allow-origin").is_none());
    }
}

backend_test! {
    async fn the_dashboard_is_served_with_a_fallback_to_index(backend) {
        let dir = std::env::temp_dir().join(format!("zt-web-{}-{:?}", std::process::id(), backend));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html><title>zonetrail</title>").unwrap();
        std::fs::write(dir.join("assets/app.js"), "console.log('zonetrail')").unwrap();
        let app = app(backend).await;
        let router = api::router_with_web(app.state.clone(), Some(dir.clone()));
        let get = |uri: &str| send(router.clone(), Request::get(uri).body(Body::empty()).unwrap());

        let index = get("/").await;
        assert_eq!(index.status, StatusCode::OK);
        assert!(index.text().contains("<title>zonetrail</title>"));
        let deep = get("/records?zone=Z1&q=www").await;
        assert_eq!(deep.status, StatusCode::OK);
        assert!(deep.text().contains("<title>zonetrail</title>"), "a deep link loads the app");
        let asset = get("/assets/app.js").await;
        assert_eq!(asset.text(), "console.log('zonetrail')");
        assert!(asset.content_type().contains("javascript"));

        let api_miss = get("/api/nope").await;
        assert_eq!(api_miss.status, StatusCode::NOT_FOUND);
        assert!(api_miss.json()["error"].is_string());
        assert_eq!(get("/api/stats").await.json()["total_records"], LIVE.len());
        std::fs::remove_dir_all(dir).ok();
    }
}
