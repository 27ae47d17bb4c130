//! `/api/records.csv`: the filtered records, streamed, quoted per RFC 4180.

use api::ApiConfig;
use api::fixture::synthetic::{self, Spec};

use crate::support::*;

/// Split RFC 4180 text into records of fields (quoted fields may hold commas, quotes, newlines).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && row.is_empty(), "the CSV ends with a line break");
    rows
}

backend_test! {
    async fn csv_holds_the_filtered_rows(backend) {
        let app = app(backend).await;
        let reply = app.get(&format!("/api/records.csv?zone={Z1}&type=A")).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.content_type(), "text/csv; charset=utf-8");
        assert!(reply.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let rows = parse_csv(&reply.text());
        assert_eq!(
            rows[0],
            ["id", "account_id", "zone_id", "zone_name", "name", "type", "set_identifier", "ttl", "values", "alias_target", "routing", "observed_at", "deleted_at", "findings", "owner", "team", "ticket", "managed_by"]
        );
        let mut names: Vec<&str> = rows[1..].iter().map(|r| r[4].as_str()).collect();
        names.sort();
        assert_eq!(names, ["*.prod.example.com.", "api.example.com.", "cdn.example.com.", "db.prod.example.com.", "www.example.com.", "www.example.com."]);
        let blue = rows.iter().find(|r| r[6] == "blue").unwrap();
        assert_eq!(blue[..11], [&app.ids.get("www_blue").to_string(), ACCOUNT_PROD, Z1, "example.com.", "www.example.com.", "A", "blue", "60", "192.0.2.10", "", "weight=70 health_check=hc-1"]);
        assert_eq!(blue[11], T_UPDATE);
        let cdn = rows.iter().find(|r| r[4] == "cdn.example.com.").unwrap();
        assert_eq!(cdn[9], "d123.cloudfront.net. (Z2FDTNDATAQYW2)");
    }
}

backend_test! {
    async fn csv_quotes_values_with_commas_and_quotes(backend) {
        let app = app(backend).await;
        let reply = app.get("/api/records.csv?type=TXT&name=example.com").await;
        let text = reply.text();
        assert!(text.contains(r#","""v=spf1, """"quoted"""" ~all""","#), "{text}");
        let rows = parse_csv(&text);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][8], r#""v=spf1, ""quoted"" ~all""#);
    }
}

backend_test! {
    async fn csv_streams_past_one_page(backend) {
        let db = migrated(backend).await;
        let summary = synthetic::seed(&db.conn, Spec { records: 2_300, seed: 3 }, |_| {}).await.unwrap();
        let app = TestApp { state: api::AppState::new(db.conn.clone(), ApiConfig { q_scan_budget: 500, ..ApiConfig::default() }), db, ids: Ids::default() };
        let rows = parse_csv(&app.get("/api/records.csv").await.text());
        assert_eq!(rows.len() - 1, (summary.records - summary.tombstones) as usize);
        let ids: std::collections::BTreeSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids.len(), rows.len() - 1, "no row twice");
        // Compressed, the stream ends cleanly too (the compression layer polls past the end).
        let gzip = axum::http::Request::get("/api/records.csv").header("accept-encoding", "gzip").body(axum::body::Body::empty()).unwrap();
        let reply = send(app.router(), gzip).await;
        assert_eq!(reply.headers["content-encoding"], "gzip");
        assert!(reply.body.len() > 1000);
        // A substring export continues across bounded scans too.
        let (api_items, _) = app.walk("/api/records?q=api-&limit=1000").await;
        let csv_rows = parse_csv(&app.get("/api/records.csv?q=api-").await.text());
        assert_eq!(csv_rows.len() - 1, api_items.len());
        assert!(!api_items.is_empty());
    }
}
