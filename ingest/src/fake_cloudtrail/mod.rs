//! A small CloudTrail of our own that answers `LookupEvents`, which moto does not implement
//! (it answers 500 NotImplemented), for the backfill's tests and its benchmark.
//!
//! It speaks CloudTrail's awsJson1.1 protocol as the AWS SDK expects it: `POST /` with
//! `X-Amz-Target: CloudTrail_20131101.LookupEvents`, timestamps as epoch seconds (JSON numbers)
//! both ways, errors as a non-2xx answer with `{"__type": "…#Code", "message": …}` and the
//! `x-amzn-errortype` header. It follows the real API where the backfill depends on it:
//!
//! - at most one `LookupAttributes` item (any of CloudTrail's eight keys);
//! - `StartTime`/`EndTime` inclusive, start after end refused;
//! - `MaxResults` 1..=50, default 50;
//! - events newest first, ties in the same instant by ascending event id;
//! - `NextToken` opaque, valid only with the parameters it was issued for (`MaxResults` may
//!   change), absent on the last page;
//! - only the last 90 days of the server's clock ([`FakeCloudTrail::set_now`]) exist;
//! - `CloudTrailEvent` is the CloudTrail record as a JSON *string*.
//!
//! It enforces a request rate with one token bucket for the whole server (CloudTrail's quota is
//! per account and region: run one fake per account), 2 requests/s by default, and answers
//! over it with HTTP 400 `ThrottlingException`, which the SDK classifies as throttling. Faults
//! are injected from the handle: throttle or fail (500) the next N requests, refuse the next
//! issued `NextToken` on replay, or expire every token issued so far. `GET /_fake/stats`
//! answers its counters as JSON. [`events`] builds records from the project's verbatim samples.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use zonetrail_ingest::fake_cloudtrail::{FakeCloudTrail, FakeCloudTrailConfig, events};
//! let fake = FakeCloudTrail::start(FakeCloudTrailConfig::default()).await?;
//! fake.push(events::delete_hosted_zone(
//!     "0cb87544-ebee-40a9-9812-e9dda1962cb2",
//!     chrono::Utc::now(),
//!     "Z1PA6795UKMFR9",
//!     "arn:aws:iam::123456789012:user/alice",
//! ));
//! // point the SDK at fake.endpoint() (e.g. AWS_ENDPOINT_URL_CLOUDTRAIL)
//! # Ok(()) }
//! ```

pub mod events;
mod store;
mod token;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use crate::fake_route53::RateLimit;
use store::{Attribute, Query, Store, StoredEvent};
use token::Token;

/// CloudTrail's documented `LookupEvents` quota: two requests a second per account and region.
pub const LOOKUP_EVENTS_RATE: RateLimit = RateLimit { rps: 2.0, burst: 2.0 };
/// The most events one page holds, and the default.
pub const MAX_RESULTS: usize = 50;
/// How far back event history goes.
pub const HISTORY_DAYS: i64 = 90;

const SERVICE_TARGET: &str = "CloudTrail_20131101";
const ERROR_NAMESPACE: &str = "com.amazonaws.cloudtrail.v20131101";
const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

#[derive(Debug, Clone)]
pub struct FakeCloudTrailConfig {
    /// The enforced request rate; `None` serves every request. Default [`LOOKUP_EVENTS_RATE`].
    pub rate_limit: Option<RateLimit>,
    /// A fixed clock for the 90-day horizon and the default `EndTime`; `None` is the real one.
    pub now: Option<DateTime<Utc>>,
}

impl Default for FakeCloudTrailConfig {
    fn default() -> Self {
        Self { rate_limit: Some(LOOKUP_EVENTS_RATE), now: None }
    }
}

impl FakeCloudTrailConfig {
    /// No enforced rate: for tests about paging and filters rather than pacing.
    pub fn unlimited() -> Self {
        Self { rate_limit: None, now: None }
    }
}

/// Counters of what the fake answered.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct FakeCloudTrailStats {
    /// Every request to `POST /`.
    pub requests: u64,
    /// Requests let through the rate limit and the injected faults (answered with a page or
    /// with a validation error).
    pub served: u64,
    /// Answered `ThrottlingException`: over the rate, or injected.
    pub throttled: u64,
    /// Of those, injected with [`FakeCloudTrail::throttle_next`].
    pub injected_throttles: u64,
    /// Answered 500 by [`FakeCloudTrail::fail_next`].
    pub server_errors: u64,
    /// Answered with a 4xx validation error (bad parameters, a refused `NextToken`, ...).
    pub rejected: u64,
    /// Of those, `InvalidNextTokenException`.
    pub invalid_tokens: u64,
    /// Pages of events answered (HTTP 200).
    pub pages: u64,
    /// Events in those pages.
    pub events_served: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    served: AtomicU64,
    throttled: AtomicU64,
    injected_throttles: AtomicU64,
    server_errors: AtomicU64,
    rejected: AtomicU64,
    invalid_tokens: AtomicU64,
    pages: AtomicU64,
    events_served: AtomicU64,
}

/// Faults injected from the handle, each for a number of requests (or tokens) to come.
#[derive(Default)]
struct Faults {
    throttle_next: u64,
    fail_next: u64,
    poison_next_tokens: u64,
}

/// Issued tokens that are refused on replay, and the generation that expires all older ones.
#[derive(Default)]
struct Tokens {
    issued: u64,
    generation: u64,
    poisoned: HashSet<u64>,
}

struct Inner {
    store: Mutex<Store>,
    faults: Mutex<Faults>,
    tokens: Mutex<Tokens>,
    bucket: Mutex<Option<Bucket>>,
    now: Mutex<Option<DateTime<Utc>>>,
    counters: Counters,
}

/// A running fake CloudTrail on 127.0.0.1; it stops when dropped.
pub struct FakeCloudTrail {
    endpoint: String,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeCloudTrail {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeCloudTrail {
    /// Serve on a free port of 127.0.0.1.
    pub async fn start(config: FakeCloudTrailConfig) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    pub async fn start_on(addr: SocketAddr, config: FakeCloudTrailConfig) -> std::io::Result<Self> {
        let inner = Arc::new(Inner {
            store: Mutex::new(Store::default()),
            faults: Mutex::new(Faults::default()),
            tokens: Mutex::new(Tokens::default()),
            bucket: Mutex::new(config.rate_limit.map(Bucket::new)),
            now: Mutex::new(config.now),
            counters: Counters::default(),
        });
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let app = Router::new()
            .route("/", post(handle))
            .route("/_fake/stats", get(stats))
            .with_state(inner.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake CloudTrail stopped");
            }
        });
        Ok(Self { endpoint, inner, server })
    }

    /// `http://127.0.0.1:PORT`, for the SDK's `endpoint_url` or `AWS_ENDPOINT_URL_CLOUDTRAIL`.
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// Add one CloudTrail record (EventBridge's `detail`; an EventBridge envelope is unwrapped).
    /// `EventName`, `EventSource`, `Username`, `AccessKeyId`, `ReadOnly` and `Resources` are
    /// taken from the record as CloudTrail derives them. An event with an id already held
    /// replaces it.
    ///
    /// # Panics
    /// If the record has no string `eventID`, `eventName` or RFC 3339 `eventTime`: a test
    /// that builds such a record wants [`push_raw`](Self::push_raw).
    pub fn push(&self, event: Value) {
        if let Err(e) = self.try_push(event) {
            panic!("fake CloudTrail: {e}");
        }
    }

    /// [`push`](Self::push), or why the record cannot be served (for records read from a
    /// file, as the demo's server does).
    pub fn try_push(&self, event: Value) -> Result<(), String> {
        let record = match event.get("detail") {
            Some(detail) if event.get("detail-type").is_some() => detail.clone(),
            _ => event,
        };
        let stored = StoredEvent::from_record(&record)?;
        lock(&self.inner.store).insert(stored);
        Ok(())
    }

    /// [`push`](Self::push) each of `events`.
    pub fn push_all(&self, events: impl IntoIterator<Item = Value>) {
        for event in events {
            self.push(event);
        }
    }

    /// Add an event whose `CloudTrailEvent` string is served as given (it need not be JSON),
    /// with event source `route53.amazonaws.com`, `ReadOnly` "false" and no resources.
    pub fn push_raw(
        &self,
        event_id: &str,
        event_time: DateTime<Utc>,
        event_name: &str,
        cloud_trail_event: &str,
    ) {
        lock(&self.inner.store).insert(StoredEvent::raw(
            event_id,
            event_time,
            event_name,
            cloud_trail_event,
        ));
    }

    /// How many events the server holds (including those past the 90-day horizon).
    pub fn len(&self) -> usize {
        lock(&self.inner.store).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stats(&self) -> FakeCloudTrailStats {
        self.inner.stats()
    }

    /// Answer the next `n` requests with `ThrottlingException` (on top of the rate limit).
    pub fn throttle_next(&self, n: u64) {
        lock(&self.inner.faults).throttle_next = n;
    }

    /// Answer the next `n` requests with HTTP 500 `InternalFailure`.
    pub fn fail_next(&self, n: u64) {
        lock(&self.inner.faults).fail_next = n;
    }

    /// The next `NextToken` issued is refused with `InvalidNextTokenException` when replayed.
    pub fn invalidate_next_token(&self) {
        lock(&self.inner.faults).poison_next_tokens += 1;
    }

    /// Every `NextToken` issued so far is refused with `InvalidNextTokenException` (as a
    /// token kept too long would be); tokens issued later are valid.
    pub fn expire_tokens(&self) {
        lock(&self.inner.tokens).generation += 1;
    }

    /// Change the enforced rate to `rps` requests a second, keeping the burst (or, with no
    /// rate enforced yet, a burst of `rps`, at least 1).
    pub fn set_rate(&self, rps: f64) {
        let mut bucket = lock(&self.inner.bucket);
        match bucket.as_mut() {
            Some(bucket) => bucket.limit.rps = rps,
            None => *bucket = Some(Bucket::new(RateLimit { rps, burst: rps.max(1.0) })),
        }
    }

    /// Change the enforced rate and burst; `None` serves every request.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        *lock(&self.inner.bucket) = limit.map(Bucket::new);
    }

    /// Fix the server's clock (`None`: the real one again).
    pub fn set_now(&self, now: Option<DateTime<Utc>>) {
        *lock(&self.inner.now) = now;
    }

    /// The server's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.now()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A token bucket; a request that finds it empty is throttled.
struct Bucket {
    limit: RateLimit,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn new(limit: RateLimit) -> Self {
        Self { limit, tokens: limit.burst.max(1.0), updated: Instant::now() }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.updated).as_secs_f64();
        self.updated = now;
        self.tokens = (self.tokens + elapsed * self.limit.rps).min(self.limit.burst.max(1.0));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Inner {
    fn stats(&self) -> FakeCloudTrailStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        FakeCloudTrailStats {
            requests: get(&c.requests),
            served: get(&c.served),
            throttled: get(&c.throttled),
            injected_throttles: get(&c.injected_throttles),
            server_errors: get(&c.server_errors),
            rejected: get(&c.rejected),
            invalid_tokens: get(&c.invalid_tokens),
            pages: get(&c.pages),
            events_served: get(&c.events_served),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        lock(&self.now).unwrap_or_else(Utc::now)
    }

    /// The fault this request gets, if any: the injected throttles, then the rate limit,
    /// then the injected server errors.
    fn fault(&self) -> Option<Response> {
        count(&self.counters.requests);
        let throttle = {
            let mut faults = lock(&self.faults);
            if faults.throttle_next > 0 {
                faults.throttle_next -= 1;
                true
            } else {
                false
            }
        };
        if throttle {
            count(&self.counters.injected_throttles);
        }
        if throttle || lock(&self.bucket).as_mut().is_some_and(|bucket| !bucket.take()) {
            count(&self.counters.throttled);
            return Some(error(StatusCode::BAD_REQUEST, "ThrottlingException", "Rate exceeded"));
        }
        let mut faults = lock(&self.faults);
        if faults.fail_next > 0 {
            faults.fail_next -= 1;
            count(&self.counters.server_errors);
            return Some(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "The request processing has failed because of an unknown error, exception or failure.",
            ));
        }
        None
    }

    /// A refused request: counted, and answered with CloudTrail's error.
    fn reject(&self, code: &str, message: &str) -> Response {
        count(&self.counters.rejected);
        if code == "InvalidNextTokenException" {
            count(&self.counters.invalid_tokens);
        }
        error(StatusCode::BAD_REQUEST, code, message)
    }

    fn lookup_events(&self, body: &[u8]) -> Response {
        let request: Value = match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => Value::Object(map),
            Ok(other) => {
                return self.reject(
                    "SerializationException",
                    &format!("Expected a JSON object, got {}", kind(&other)),
                );
            }
            Err(e) => {
                return self.reject("SerializationException", &format!("Invalid JSON body: {e}"));
            }
        };
        let query = match parse_query(&request) {
            Ok(query) => query,
            Err((code, message)) => return self.reject(code, &message),
        };
        let cursor = match request.get("NextToken") {
            None | Some(Value::Null) => None,
            Some(Value::String(raw)) => match self.accept_token(raw, &query) {
                Ok(cursor) => Some(cursor),
                Err(message) => return self.reject("InvalidNextTokenException", &message),
            },
            Some(other) => {
                return self.reject(
                    "SerializationException",
                    &format!("NextToken must be a string, got {}", kind(other)),
                );
            }
        };
        let now = self.now();
        let horizon = now - chrono::Duration::days(HISTORY_DAYS);
        let (page, more) = lock(&self.store).page(&query, cursor.as_ref(), horizon, now);
        let next = match (more, page.last()) {
            (true, Some(last)) => Some(self.issue_token(&query, last)),
            _ => None,
        };
        let events: Vec<Value> = page.iter().map(|e| e.to_api()).collect();
        count(&self.counters.pages);
        self.counters.events_served.fetch_add(events.len() as u64, Ordering::Relaxed);
        let mut body = json!({ "Events": events });
        if let Some(next) = next {
            body["NextToken"] = Value::String(next);
        }
        ok(body.to_string())
    }

    /// The cursor a replayed token stands for, if it was issued by this server for the same
    /// parameters and has not been invalidated.
    fn accept_token(&self, raw: &str, query: &Query) -> Result<store::Cursor, String> {
        let token = Token::decode(raw).ok_or_else(|| format!("Invalid NextToken: {raw}"))?;
        let tokens = lock(&self.tokens);
        if token.generation != tokens.generation || token.serial > tokens.issued {
            return Err("The NextToken has expired.".to_owned());
        }
        if tokens.poisoned.contains(&token.serial) {
            return Err(format!("Invalid NextToken: {raw}"));
        }
        if token.params != query.params() {
            return Err("The NextToken was issued for other request parameters: replay it with the same LookupAttributes, StartTime, EndTime and EventCategory.".to_owned());
        }
        Ok(token.cursor)
    }

    fn issue_token(&self, query: &Query, last: &StoredEvent) -> String {
        let mut tokens = lock(&self.tokens);
        tokens.issued += 1;
        let serial = tokens.issued;
        let mut faults = lock(&self.faults);
        if faults.poison_next_tokens > 0 {
            faults.poison_next_tokens -= 1;
            tokens.poisoned.insert(serial);
        }
        Token {
            params: query.params(),
            cursor: last.cursor(),
            generation: tokens.generation,
            serial,
        }
        .encode()
    }
}

/// The request's filters, or CloudTrail's error code and message.
fn parse_query(request: &Value) -> Result<Query, (&'static str, String)> {
    let attribute = match request.get("LookupAttributes") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => match items.as_slice() {
            [] => None,
            [item] => {
                Some(Attribute::parse(item).map_err(|m| ("InvalidLookupAttributesException", m))?)
            }
            _ => {
                return Err((
                    "InvalidLookupAttributesException",
                    format!(
                        "You can specify at most one lookup attribute; the request has {}.",
                        items.len()
                    ),
                ));
            }
        },
        Some(other) => {
            return Err((
                "SerializationException",
                format!("LookupAttributes must be a list, got {}", kind(other)),
            ));
        }
    };
    let start = time(request, "StartTime")?;
    let end = time(request, "EndTime")?;
    if let (Some(start), Some(end)) = (start, end)
        && start > end
    {
        return Err((
            "InvalidTimeRangeException",
            format!("Start time {start} is after end time {end}."),
        ));
    }
    let max_results = match request.get("MaxResults") {
        None | Some(Value::Null) => MAX_RESULTS,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(n) if (1..=MAX_RESULTS as i64).contains(&n) => n as usize,
            _ => {
                return Err((
                    "InvalidMaxResultsException",
                    format!("MaxResults must be from 1 to {MAX_RESULTS}; got {n}."),
                ));
            }
        },
        Some(other) => {
            return Err((
                "SerializationException",
                format!("MaxResults must be a number, got {}", kind(other)),
            ));
        }
    };
    let category = match request.get("EventCategory") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if c == "insight" => Some(c.clone()),
        Some(other) => {
            return Err((
                "InvalidEventCategoryException",
                format!("EventCategory must be insight; got {other}."),
            ));
        }
    };
    Ok(Query { attribute, start, end, max_results, category })
}

/// An epoch-seconds member, as the SDK sends it (an integer or a fraction).
fn time(request: &Value, key: &str) -> Result<Option<f64>, (&'static str, String)> {
    match request.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(t) if t.is_finite() => Ok(Some(t)),
            _ => Err(("SerializationException", format!("{key} is not a time: {n}"))),
        },
        Some(other) => Err((
            "SerializationException",
            format!("{key} must be epoch seconds (a number), got {other}"),
        )),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn with_request_id(mut response: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        response.headers_mut().insert("x-amzn-RequestId", v);
    }
    response
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "__type": format!("{ERROR_NAMESPACE}#{code}"), "message": message });
    let mut response =
        (status, [("content-type", JSON_CONTENT_TYPE)], body.to_string()).into_response();
    if let Ok(v) = HeaderValue::from_str(code) {
        response.headers_mut().insert("x-amzn-errortype", v);
    }
    with_request_id(response)
}

fn ok(body: String) -> Response {
    with_request_id((StatusCode::OK, [("content-type", JSON_CONTENT_TYPE)], body).into_response())
}

async fn handle(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(fault) = inner.fault() {
        return fault;
    }
    count(&inner.counters.served);
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
    // The Rust SDK sends `CloudTrail_20131101.LookupEvents`, botocore-style clients the
    // fully qualified `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`.
    let (service, operation) = match target.rsplit_once('.') {
        Some((service, operation)) => (service, operation),
        None => ("", target),
    };
    if !service.ends_with(SERVICE_TARGET) || operation != "LookupEvents" {
        return inner.reject(
            "UnknownOperationException",
            &format!("The fake CloudTrail answers only LookupEvents; X-Amz-Target was {target:?}"),
        );
    }
    inner.lookup_events(&body)
}

async fn stats(State(inner): State<Arc<Inner>>) -> Response {
    axum::Json(inner.stats()).into_response()
}
