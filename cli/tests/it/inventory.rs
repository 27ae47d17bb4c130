//! Reading the inventory back through zonetrail's HTTP API, as the dashboard does.

use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::records::{Key, Rec};

#[derive(Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Self { base: base.trim_end_matches('/').to_owned(), http: reqwest::Client::new() }
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .query(query)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!("GET {path} answered {status} with non-JSON ({e}): {text}")
            }),
        )
    }

    pub async fn post_event(&self, event: &Value) -> (StatusCode, Value) {
        self.post_raw(serde_json::to_vec(event).unwrap()).await
    }

    pub async fn post_raw(&self, body: Vec<u8>) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}/local/events", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST /local/events");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!("POST /local/events answered {status} with non-JSON ({e}): {text}")
            }),
        )
    }

    /// Every item of a paginated list, following `next_cursor`.
    pub async fn all(&self, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q: Vec<(&str, &str)> = query.to_vec();
            q.push(("limit", "1000"));
            if let Some(c) = &cursor {
                q.push(("cursor", c));
            }
            let (status, page) = self.get(path, &q).await;
            assert_eq!(status, StatusCode::OK, "GET {path} {q:?}: {page}");
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
    }

    /// The zone's live records as the API shows them, by key (a duplicate key fails the test).
    pub async fn zone_records(&self, zone_id: &str) -> BTreeMap<Key, Rec> {
        let mut out = BTreeMap::new();
        for item in self.all("/api/records", &[("zone", zone_id)]).await {
            let rec = Rec::from_api(&item);
            let key = rec.key();
            assert!(out.insert(key.clone(), rec).is_none(), "the API lists {key:?} twice");
        }
        out
    }

    /// The live records of one name and type, with their API ids.
    pub async fn named(&self, zone_id: &str, name: &str, rtype: &str) -> Vec<Value> {
        self.all("/api/records", &[("zone", zone_id), ("name", name), ("type", rtype)]).await
    }

    pub async fn history(&self, record_id: i64) -> Vec<Value> {
        self.all(&format!("/api/records/{record_id}/history"), &[]).await
    }

    pub async fn changes(&self) -> Vec<Value> {
        self.all("/api/changes", &[]).await
    }

    pub async fn total_records(&self) -> i64 {
        let (status, stats) = self.get("/api/stats", &[]).await;
        assert_eq!(status, StatusCode::OK, "{stats}");
        stats["total_records"].as_i64().expect("total_records")
    }

    /// Wait until the inventory holds `n` live records (the first sweep of `up`).
    pub async fn wait_for_total(&self, n: i64, within: Duration) {
        let started = Instant::now();
        loop {
            let total = self.total_records().await;
            if total == n {
                return;
            }
            assert!(
                started.elapsed() < within,
                "the inventory holds {total} records after {within:?}, expected {n}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
