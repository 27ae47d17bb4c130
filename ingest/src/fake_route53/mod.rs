//! A small Route 53 of our own, for what moto gets wrong (it ignores StartRecordIdentifier,
//! never escapes `*` as `\052`, keeps case, never caps a page at 300) and for what no
//! emulator does: throttling beyond a request rate, and injected faults.
//!
//! It serves ListHostedZones, GetHostedZone and ListResourceRecordSets over REST-XML as
//! Route 53 does: names lower-case and octal-escaped, record sets in reversed-label order,
//! at most 300 a page, continued with NextRecordName/Type/Identifier; errors as
//! `<ErrorResponse>` with Route 53's codes. `GET /_fake/stats` answers its counters as JSON.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use zonetrail_ingest::fake_route53::{FakeConfig, FakeRoute53, ZoneSpec};
//! let fake = FakeRoute53::start(FakeConfig::default()).await?;
//! let zone = fake.create_zone(ZoneSpec::public("example.com"));
//! // point the SDK at fake.endpoint()
//! # Ok(()) }
//! ```

mod faults;
mod moto_proxy;
mod names;
mod store;
mod xml;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use zonetrail_model::{RecordKey, RecordSet, Vpc, ZoneId};

pub use faults::{Faults, RateLimit};
pub use moto_proxy::MotoCdataProxy;
pub use names::{api_form, labels};
use store::{Store, Stored, Zone, sort_key};

const MAX_RECORD_ITEMS: usize = 300;
const MAX_ZONE_ITEMS: usize = 100;

#[derive(Debug, Clone, Default)]
pub struct FakeConfig {
    pub faults: Faults,
    pub rate_limit: Option<RateLimit>,
    /// Seeds zone ids and fault injection, so a run can be repeated.
    pub seed: u64,
}

/// A hosted zone to create.
#[derive(Debug, Clone)]
pub struct ZoneSpec {
    pub name: String,
    pub private: bool,
    pub vpcs: Vec<Vpc>,
    pub comment: Option<String>,
}

impl ZoneSpec {
    pub fn public(name: &str) -> Self {
        Self { name: name.to_owned(), private: false, vpcs: Vec::new(), comment: None }
    }

    pub fn private(name: &str, vpcs: Vec<Vpc>) -> Self {
        Self { name: name.to_owned(), private: true, vpcs, comment: None }
    }
}

/// Counters of what the fake answered.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct FakeStats {
    pub requests: u64,
    pub list_hosted_zones: u64,
    pub get_hosted_zone: u64,
    pub list_resource_record_sets: u64,
    /// Throttled because the request rate was exceeded.
    pub rate_limited: u64,
    /// Throttled, PriorRequestNotComplete and 5xx answers injected at random.
    pub injected_throttling: u64,
    pub injected_prior_request: u64,
    pub injected_server_errors: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    list_hosted_zones: AtomicU64,
    get_hosted_zone: AtomicU64,
    list_resource_record_sets: AtomicU64,
    rate_limited: AtomicU64,
    injected_throttling: AtomicU64,
    injected_prior_request: AtomicU64,
    injected_server_errors: AtomicU64,
}

struct Inner {
    store: Mutex<Store>,
    faults: Mutex<Faults>,
    bucket: Mutex<Option<faults::Bucket>>,
    rng: Mutex<StdRng>,
    counters: Counters,
}

/// A running fake Route 53 on 127.0.0.1; it stops when dropped.
pub struct FakeRoute53 {
    endpoint: String,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeRoute53 {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeRoute53 {
    /// Serve on a free port of 127.0.0.1.
    pub async fn start(config: FakeConfig) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    pub async fn start_on(addr: SocketAddr, config: FakeConfig) -> std::io::Result<Self> {
        let inner = Arc::new(Inner {
            store: Mutex::new(Store::default()),
            faults: Mutex::new(config.faults),
            bucket: Mutex::new(config.rate_limit.map(faults::Bucket::new)),
            rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
            counters: Counters::default(),
        });
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let app = Router::new()
            .route("/2013-04-01/hostedzone", get(list_hosted_zones))
            .route("/2013-04-01/hostedzone/{id}", get(get_hosted_zone))
            .route("/2013-04-01/hostedzone/{id}/rrset", get(list_resource_record_sets))
            .route("/_fake/stats", get(stats))
            .with_state(inner.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake Route 53 stopped");
            }
        });
        Ok(Self { endpoint, inner, server })
    }

    /// `http://127.0.0.1:PORT`, for the SDK's `endpoint_url`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn create_zone(&self, spec: ZoneSpec) -> ZoneId {
        let labels = labels(&spec.name)
            .unwrap_or_else(|| panic!("fake Route 53: {:?} is not a zone name", spec.name));
        let id = {
            let mut rng = lock(&self.inner.rng);
            let suffix: String = (0..20)
                .map(|_| {
                    char::from(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rng.random_range(0..36)])
                })
                .collect();
            format!("Z{suffix}")
        };
        let zone = Zone {
            id: id.clone(),
            labels,
            caller_reference: uuid::Uuid::new_v4().to_string(),
            comment: spec.comment,
            private: spec.private,
            vpcs: spec.vpcs,
            records: BTreeMap::new(),
        };
        lock(&self.inner.store).zones.insert(id.clone(), zone);
        ZoneId::parse(&id).expect("generated ids are valid")
    }

    /// Add record sets under their own names.
    pub fn add_record_sets(&self, zone: &ZoneId, records: impl IntoIterator<Item = RecordSet>) {
        let mut store = lock(&self.inner.store);
        let zone = store
            .zones
            .get_mut(zone.as_str())
            .unwrap_or_else(|| panic!("fake Route 53: no zone {zone}"));
        for record in records {
            let labels = labels(record.name.as_str()).expect("a RecordName always has labels");
            insert(zone, labels, record);
        }
    }

    /// Add a record set under a name as a caller might type it (upper case, `*`, escapes):
    /// the fake stores it as Route 53 does, lower-case.
    pub fn add_raw(&self, zone: &ZoneId, raw_name: &str, record: RecordSet) {
        let labels =
            labels(raw_name).unwrap_or_else(|| panic!("fake Route 53: {raw_name:?} is not a name"));
        let mut store = lock(&self.inner.store);
        let zone = store
            .zones
            .get_mut(zone.as_str())
            .unwrap_or_else(|| panic!("fake Route 53: no zone {zone}"));
        insert(zone, labels, record);
    }

    /// Remove one record set by its key, as a DELETE change would; `true` if it was there.
    pub fn delete_record_set(&self, zone: &ZoneId, key: &RecordKey) -> bool {
        let labels = labels(key.name.as_str()).expect("a RecordName always has labels");
        let sort = sort_key(&labels, key.rtype.as_str(), key.set_identifier.as_deref());
        let mut store = lock(&self.inner.store);
        let zone = store
            .zones
            .get_mut(zone.as_str())
            .unwrap_or_else(|| panic!("fake Route 53: no zone {zone}"));
        zone.records.remove(&sort).is_some()
    }

    pub fn delete_zone(&self, zone: &ZoneId) {
        lock(&self.inner.store).zones.remove(zone.as_str());
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.inner.faults) = faults;
    }

    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        *lock(&self.inner.bucket) = limit.map(faults::Bucket::new);
    }

    pub fn stats(&self) -> FakeStats {
        self.inner.stats()
    }
}

fn insert(zone: &mut Zone, labels: Vec<Vec<u8>>, record: RecordSet) {
    let key = sort_key(&labels, record.rtype.as_str(), record.set_identifier.as_deref());
    zone.records.insert(key, Stored { labels, record });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Inner {
    fn stats(&self) -> FakeStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        FakeStats {
            requests: get(&c.requests),
            list_hosted_zones: get(&c.list_hosted_zones),
            get_hosted_zone: get(&c.get_hosted_zone),
            list_resource_record_sets: get(&c.list_resource_record_sets),
            rate_limited: get(&c.rate_limited),
            injected_throttling: get(&c.injected_throttling),
            injected_prior_request: get(&c.injected_prior_request),
            injected_server_errors: get(&c.injected_server_errors),
        }
    }

    /// The fault this request gets, if any: the rate limit first, then the injected ones.
    fn fault(&self) -> Option<Response> {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        if let Some(bucket) = lock(&self.bucket).as_mut()
            && !bucket.take()
        {
            self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
            return Some(error(StatusCode::BAD_REQUEST, "Sender", "Throttling", "Rate exceeded"));
        }
        let faults = lock(&self.faults).clone();
        if faults.access_denied {
            return Some(error(
                StatusCode::FORBIDDEN,
                "Sender",
                "AccessDenied",
                "User: arn:aws:sts::000000000000:assumed-role/zonetrail-readonly/zonetrail is not authorized to perform: route53:ListHostedZones",
            ));
        }
        let roll: f64 = lock(&self.rng).random();
        let mut threshold = faults.throttle;
        if roll < threshold {
            self.counters.injected_throttling.fetch_add(1, Ordering::Relaxed);
            return Some(error(StatusCode::BAD_REQUEST, "Sender", "Throttling", "Rate exceeded"));
        }
        threshold += faults.prior_request_not_complete;
        if roll < threshold {
            self.counters.injected_prior_request.fetch_add(1, Ordering::Relaxed);
            return Some(error(
                StatusCode::BAD_REQUEST,
                "Sender",
                "PriorRequestNotComplete",
                "The request was rejected because Route 53 was still processing a prior request.",
            ));
        }
        threshold += faults.server_error;
        if roll < threshold {
            let n = self.counters.injected_server_errors.fetch_add(1, Ordering::Relaxed);
            // Alternate a service error with a bare gateway error whose body is not XML.
            return Some(if n.is_multiple_of(2) {
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Receiver",
                    "InternalFailure",
                    "An internal error occurred.",
                )
            } else {
                (StatusCode::BAD_GATEWAY, "<html><body>502 Bad Gateway</body></html>")
                    .into_response()
            });
        }
        None
    }
}

fn error(status: StatusCode, kind: &str, code: &str, message: &str) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut response =
        (status, [("content-type", "text/xml")], xml::error(kind, code, message, &request_id))
            .into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-RequestId", v);
    }
    response
}

fn ok(body: String) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut response = (StatusCode::OK, [("content-type", "text/xml")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-RequestId", v);
    }
    response
}

fn invalid_input(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "Sender", "InvalidInput", message)
}

fn no_such_zone(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Sender",
        "NoSuchHostedZone",
        &format!("No hosted zone found with ID: {id}"),
    )
}

/// `maxitems` as Route 53 reads it: a positive number, capped at the operation's maximum.
#[allow(clippy::result_large_err)] // the error is the test server's whole answer
fn max_items(query: &HashMap<String, String>, max: usize) -> Result<usize, Response> {
    match query.get("maxitems") {
        None => Ok(max),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n.min(max)),
            _ => Err(invalid_input(&format!("Invalid value for MaxItems: {raw}"))),
        },
    }
}

async fn list_hosted_zones(
    State(inner): State<Arc<Inner>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    inner.counters.list_hosted_zones.fetch_add(1, Ordering::Relaxed);
    if let Some(fault) = inner.fault() {
        return fault;
    }
    let max = match max_items(&query, MAX_ZONE_ITEMS) {
        Ok(max) => max,
        Err(response) => return response,
    };
    let marker = query.get("marker").map(|m| m.trim_start_matches("/hostedzone/").to_owned());
    let store = lock(&inner.store);
    let start = marker.clone().unwrap_or_default();
    let mut zones = store.zones.range(start..).map(|(_, z)| z);
    let page: Vec<&Zone> = zones.by_ref().take(max).collect();
    let next = zones.next().map(|z| z.id.clone());
    ok(xml::list_hosted_zones(page.into_iter(), marker.as_deref(), next.as_deref(), max))
}

async fn get_hosted_zone(State(inner): State<Arc<Inner>>, Path(id): Path<String>) -> Response {
    inner.counters.get_hosted_zone.fetch_add(1, Ordering::Relaxed);
    if let Some(fault) = inner.fault() {
        return fault;
    }
    let store = lock(&inner.store);
    match store.zones.get(&id) {
        Some(zone) => ok(xml::get_hosted_zone(zone)),
        None => no_such_zone(&id),
    }
}

async fn list_resource_record_sets(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    inner.counters.list_resource_record_sets.fetch_add(1, Ordering::Relaxed);
    if let Some(fault) = inner.fault() {
        return fault;
    }
    let max = match max_items(&query, MAX_RECORD_ITEMS) {
        Ok(max) => max,
        Err(response) => return response,
    };
    let ignore_identifier = lock(&inner.faults).ignore_start_identifier;
    let start = match (query.get("name"), query.get("type")) {
        (None, Some(_)) => {
            return invalid_input(
                "The input is not valid: StartRecordType requires StartRecordName",
            );
        }
        (None, None) => None,
        (Some(name), rtype) => {
            let Some(labels) = labels(name) else {
                return invalid_input(&format!("Invalid StartRecordName: {name}"));
            };
            let identifier =
                if ignore_identifier { None } else { query.get("identifier").map(String::as_str) };
            Some(sort_key(&labels, rtype.map(String::as_str).unwrap_or(""), identifier))
        }
    };
    let store = lock(&inner.store);
    let Some(zone) = store.zones.get(&id) else {
        return no_such_zone(&id);
    };
    let mut rest = match start {
        Some(start) => zone.records.range(start..),
        None => zone.records.range(..),
    };
    let page: Vec<&Stored> = rest.by_ref().take(max).map(|(_, s)| s).collect();
    let next = rest.next().map(|(_, s)| xml::Next {
        name: api_form(&s.labels),
        rtype: s.record.rtype.as_str(),
        identifier: s.record.set_identifier.as_deref(),
    });
    ok(xml::list_resource_record_sets(
        page.into_iter().map(|s| (s.labels.as_slice(), &s.record)),
        next,
        max,
    ))
}

async fn stats(State(inner): State<Arc<Inner>>) -> Response {
    axum::Json(inner.stats()).into_response()
}
