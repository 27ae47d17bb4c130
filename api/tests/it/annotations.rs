//! Annotations (issue 21): set, inherited, cleared, kept with who and when, filtered, and
//! refused to anyone but an editor. On a local server (loopback client: `local`) and behind
//! API Gateway (claims of a token a test issuer signed, checked the way the authorizer checks
//! them, passed in a `lambda_http` request context).

use crate::support::*;
use api::{ApiConfig, AppState, EditPolicy};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::net::SocketAddr;
use zonetrail_model::entity::{annotation_changes, annotations};

const LOOPBACK: &str = "127.0.0.1:40000";
const REMOTE: &str = "192.0.2.44:40000";

/// A request from `from` (the client address a local server sees).
fn request_from(from: &str, method: Method, uri: &str, body: Option<Value>) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let mut req = req.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string()))).unwrap();
    req.extensions_mut().insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
    req
}

async fn send_from(
    app: &TestApp,
    from: &str,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> Reply {
    send(app.router(), request_from(from, method, uri, body)).await
}

async fn put(app: &TestApp, uri: &str, body: Value) -> Reply {
    send_from(app, LOOPBACK, Method::PUT, uri, Some(body)).await
}

async fn put_raw(app: &TestApp, uri: &str, body: &str) -> Reply {
    let mut req = Request::builder()
        .method(Method::PUT)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(LOOPBACK.parse::<SocketAddr>().unwrap()));
    send(app.router(), req).await
}

fn ok_json(reply: &Reply, what: &str) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text());
    reply.json()
}

async fn counts(app: &TestApp) -> (u64, u64) {
    (
        annotations::Entity::find().count(&app.db.conn).await.unwrap(),
        annotation_changes::Entity::find().count(&app.db.conn).await.unwrap(),
    )
}

backend_test! {
    async fn annotations_set_inherit_clear_and_history(backend) {
        let app = app(backend).await;
        let blue = app.ids.get("www_blue");
        let green = app.ids.get("www_green");
        let internal = app.ids.get("db_internal");

        // No annotation anywhere yet.
        let r = app.ok(&format!("/api/records/{blue}")).await;
        assert_eq!((r["annotation"].clone(), r["attribution"].clone()), (Value::Null, Value::Null));

        // The zone's annotation shows on each of its records, inherited.
        let zone = ok_json(
            &put(&app, &format!("/api/zones/{Z1}/annotation"), json!({"owner": "platform", "team": "netops"})).await,
            "zone PUT",
        );
        assert_eq!((zone["owner"].as_str(), zone["version"].as_i64(), zone["updated_by"].as_str()), (Some("platform"), Some(1), Some("local")));
        let r = app.ok(&format!("/api/records/{blue}")).await;
        assert_eq!(r["annotation"]["owner"], "platform");
        assert_eq!(r["annotation"]["inherited"], true);
        // Not on another zone's records.
        assert_eq!(app.ok(&format!("/api/records/{internal}")).await["annotation"], Value::Null);

        // The record's own wins, whole: its unset fields do not come from the zone.
        let own = ok_json(
            &put(&app, &format!("/api/records/{blue}/annotation"), json!({"owner": " alice@example.com ", "ticket": "OPS-1", "notes": "blue half\nof www"})).await,
            "record PUT",
        );
        assert_eq!(own["owner"], "alice@example.com");
        assert_eq!(own["team"], Value::Null);
        let r = app.ok(&format!("/api/records/{blue}")).await;
        assert_eq!((r["annotation"]["owner"].as_str(), r["annotation"]["inherited"].as_bool(), r["annotation"]["team"].clone()), (Some("alice@example.com"), Some(false), Value::Null));
        assert_eq!(r["annotation"]["notes"], "blue half\nof www");

        // The list carries the same, for every item; green (same name, other set
        // identifier) inherits.
        let page = app.ok(&format!("/api/records?zone={Z1}&name=www.example.com")).await;
        let by_id = |id: i64| page["items"].as_array().unwrap().iter().find(|i| i["id"] == id).cloned().unwrap();
        assert_eq!(by_id(blue)["annotation"], r["annotation"]);
        assert_eq!(by_id(green)["annotation"]["inherited"], true);

        // A second edit: last write wins, the version counts.
        let again = ok_json(&put(&app, &format!("/api/records/{blue}/annotation"), json!({"owner": "bob"})).await, "second PUT");
        assert_eq!((again["owner"].as_str(), again["ticket"].clone(), again["version"].as_i64()), (Some("bob"), Value::Null, Some(2)));
        // The same again changes nothing and keeps no edit.
        let (_, edits_before) = counts(&app).await;
        let same = ok_json(&put(&app, &format!("/api/records/{blue}/annotation"), json!({"owner": "bob"})).await, "same PUT");
        assert_eq!(same["version"], 2);
        assert_eq!(counts(&app).await.1, edits_before);

        // Cleared: the zone's shows again; clearing none is a no-op.
        let del = send_from(&app, LOOPBACK, Method::DELETE, &format!("/api/records/{blue}/annotation"), None).await;
        assert_eq!(del.status, StatusCode::NO_CONTENT, "{}", del.text());
        assert_eq!(app.ok(&format!("/api/records/{blue}")).await["annotation"]["inherited"], true);
        let again = send_from(&app, LOOPBACK, Method::DELETE, &format!("/api/records/{blue}/annotation"), None).await;
        assert_eq!(again.status, StatusCode::NO_CONTENT);

        // The timeline: three edits with who, newest first, among the record's changes; the
        // version keeps counting after a clear.
        let (items, _) = app.walk(&format!("/api/records/{blue}/history?limit=1")).await;
        let edits: Vec<&Value> = items.iter().filter(|i| i["action"] == "annotation").collect();
        assert_eq!(edits.len(), 3, "{items:#?}");
        assert!(edits.iter().all(|e| e["actor"] == "local" && e["source"] == "edit" && e["before"].is_null() && e["after"].is_null()));
        assert_eq!(edits[0]["annotation_before"]["owner"], "bob");
        assert_eq!(edits[0]["annotation_after"], Value::Null);
        assert_eq!(edits[1]["annotation_after"]["owner"], "bob");
        assert_eq!(edits[2]["annotation_before"], Value::Null);
        assert_eq!(edits[2]["annotation_after"]["ticket"], "OPS-1");
        assert!(items.iter().any(|i| i["action"] != "annotation"), "the record's own changes are still there");
        // Newest first across both kinds, with no duplicates across pages.
        let times: Vec<&str> = items.iter().map(|i| i["observed_at"].as_str().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
        let one_page = app.ok(&format!("/api/records/{blue}/history?limit=100")).await;
        assert_eq!(one_page["items"].as_array().unwrap().len(), items.len());
        let set = ok_json(&put(&app, &format!("/api/records/{blue}/annotation"), json!({"team": "web"})).await, "PUT after clear");
        assert_eq!(set["version"], 4);

        // The zone list carries the zone's own.
        let zones = app.ok("/api/zones").await;
        let z1 = zones["items"].as_array().unwrap().iter().find(|z| z["zone_id"] == Z1).unwrap();
        assert_eq!(z1["annotation"]["owner"], "platform");
    }
}

backend_test! {
    async fn annotations_edits_reach_another_reader_at_once(backend) {
        let app = app(backend).await;
        // Another server over the same database (another Lambda instance).
        let other = AppState::new(app.db.conn.clone(), ApiConfig::default());
        let blue = app.ids.get("www_blue");
        let started = std::time::Instant::now();
        ok_json(&put(&app, &format!("/api/records/{blue}/annotation"), json!({"owner": "carol"})).await, "PUT");
        let reply = send(api::router(other.clone()), Request::get("/api/records?owner=CAROL").body(Body::empty()).unwrap()).await;
        let page = ok_json(&reply, "second reader");
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(page["items"][0]["annotation"]["owner"], "carol");
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    }
}

backend_test! {
    async fn annotations_filter_owner_team_unowned_and_csv(backend) {
        let app = app(backend).await;
        let (blue, api_rec, db_internal) = (app.ids.get("www_blue"), app.ids.get("api"), app.ids.get("db_internal"));
        ok_json(&put(&app, &format!("/api/zones/{Z2}/annotation"), json!({"owner": "Data", "team": "dba"})).await, "zone");
        ok_json(&put(&app, &format!("/api/records/{blue}/annotation"), json!({"owner": "Alice", "team": "web", "ticket": "=1+1"})).await, "blue");
        // An own annotation without owner or team: the record is not owned, and does not
        // inherit.
        ok_json(&put(&app, &format!("/api/records/{db_internal}/annotation"), json!({"notes": "legacy"})).await, "notes only");
        ok_json(&put(&app, &format!("/api/records/{api_rec}/annotation"), json!({"team": "Web"})).await, "api");

        let labels = |page: &Value| app.labels_of(page["items"].as_array().unwrap());
        assert_eq!(labels(&app.ok("/api/records?owner=alice").await), ["www_blue"]);
        assert_eq!(labels(&app.ok("/api/records?team=WEB").await), ["api", "www_blue"]);
        // Zone 2's records inherit `data`, except db_internal, which has its own.
        assert_eq!(labels(&app.ok("/api/records?owner=data").await), ["app_internal", "geo_internal", "lb_internal"]);
        assert_eq!(labels(&app.ok("/api/records?owner=nobody").await), Vec::<&str>::new());
        let unowned = labels(&app.ok("/api/records?unowned=true&limit=1000").await);
        assert!(unowned.contains(&"db_internal") && unowned.contains(&"www_green"), "{unowned:?}");
        for owned in ["www_blue", "api", "app_internal"] {
            assert!(!unowned.contains(&owned), "{owned} is owned: {unowned:?}");
        }
        // Filters combine with the others, and a cursor is bound to them.
        let (walked, _) = app.walk("/api/records?owner=data&limit=1").await;
        assert_eq!(app.labels_of(&walked), ["app_internal", "geo_internal", "lb_internal"]);
        let first = app.ok("/api/records?owner=data&limit=1").await;
        let foreign = app.get(&format!("/api/records?owner=alice&limit=1&cursor={}", urlencode(first["next_cursor"].as_str().unwrap()))).await;
        assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
        // With q (the name index cannot apply these filters: the walk does).
        assert_eq!(labels(&app.ok("/api/records?owner=data&q=geo").await), ["geo_internal"]);

        // The CSV: owner, team, ticket (a formula-looking value is made text) and managed_by.
        let csv = app.get("/api/records.csv?owner=alice").await.text();
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(&header[header.len() - 4..], ["owner", "team", "ticket", "managed_by"]);
        let row = lines.next().unwrap();
        assert!(row.ends_with(",Alice,web,'=1+1,"), "{row}");
        assert_eq!(lines.next(), None);
        let csv = app.get("/api/records.csv?owner=data").await.text();
        assert!(csv.lines().skip(1).all(|l| l.ends_with(",Data,dba,,")), "{csv}");

        // Bad filter values name their parameter; annotations are not of the past.
        let long_owner = format!("owner={}", "x".repeat(201));
        for (query, name) in [("unowned=maybe", "unowned"), (long_owner.as_str(), "owner")] {
            let reply = app.get(&format!("/api/records?{query}")).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(reply.json()["error"].as_str().unwrap().starts_with(name), "{query}: {}", reply.text());
        }
        let reply = app.get(&format!("/api/records?owner=alice&as_of={T_SWEEP_END}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.json()["error"].as_str().unwrap().starts_with("owner: not available with as_of"));
    }
}

backend_test! {
    async fn annotations_bad_input_is_refused_and_changes_nothing(backend) {
        let app = app(backend).await;
        let blue = app.ids.get("www_blue");
        let uri = format!("/api/records/{blue}/annotation");
        ok_json(&put(&app, &uri, json!({"owner": "keep"})).await, "first");
        let before = counts(&app).await;
        let long = |n: usize| "x".repeat(n);
        let cases: Vec<(String, &str)> = vec![
            (json!({"owner": long(201)}).to_string(), "owner"),
            (json!({"team": long(201)}).to_string(), "team"),
            (json!({"ticket": long(501)}).to_string(), "ticket"),
            (json!({"notes": long(2001)}).to_string(), "notes"),
            (json!({"owner": "a\u{1b}[31mred"}).to_string(), "owner"),
            (json!({"notes": "bell\u{7}"}).to_string(), "notes"),
            (json!({"owner": "x", "role": "admin"}).to_string(), "role"),
            (json!({"owner": 42}).to_string(), "owner"),
            (json!({"owner": ["a"]}).to_string(), "owner"),
            ("[]".to_owned(), "body"),
            ("{\"owner\": ".to_owned(), "body"),
            (String::new(), "body"),
        ];
        for (body, field) in &cases {
            let reply = put_raw(&app, &uri, body).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.text());
            let error = reply.json()["error"].as_str().unwrap().to_owned();
            assert!(error.starts_with(&format!("{field}:")), "{body}: {error}");
        }
        assert_eq!(counts(&app).await, before);
        assert_eq!(app.ok(&format!("/api/records/{blue}")).await["annotation"]["owner"], "keep");

        // Nothing set: cleared, as DELETE does (an edit in the history).
        for empty in [json!({}), json!({"owner": "   ", "notes": null})] {
            let reply = put(&app, &uri, empty).await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
            assert_eq!(app.ok(&format!("/api/records/{blue}")).await["annotation"], Value::Null);
        }
        assert_eq!(counts(&app).await, (before.0 - 1, before.1 + 1));

        // Markup is kept as text, to be shown as text.
        let markup = "<img src=x onerror=alert(1)>";
        let saved = ok_json(&put(&app, &uri, json!({"notes": markup})).await, "markup");
        assert_eq!(saved["notes"], markup);

        // Unknown ids: 404; malformed: 400.
        for (uri, status) in [
            ("/api/records/999999/annotation", StatusCode::NOT_FOUND),
            ("/api/zones/ZNOSUCHZONE/annotation", StatusCode::NOT_FOUND),
            ("/api/records/abc/annotation", StatusCode::BAD_REQUEST),
            ("/api/records/0/annotation", StatusCode::BAD_REQUEST),
            ("/api/zones/not%20a%20zone/annotation", StatusCode::BAD_REQUEST),
        ] {
            let reply = put(&app, uri, json!({"owner": "x"})).await;
            assert_eq!(reply.status, status, "{uri}: {}", reply.text());
            let del = send_from(&app, LOOPBACK, Method::DELETE, uri, None).await;
            assert_eq!(del.status, status, "DELETE {uri}: {}", del.text());
        }
        // Any other method on the route: 405 JSON.
        let reply = send_from(&app, LOOPBACK, Method::POST, &uri, Some(json!({"owner": "x"}))).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(reply.json()["error"].as_str().is_some());
    }
}

backend_test! {
    async fn annotations_only_editors_write(backend) {
        let app = app(backend).await;
        let blue = app.ids.get("www_blue");
        let uri = format!("/api/records/{blue}/annotation");
        // Another machine, without --allow-edits: 403 JSON, nothing written.
        let reply = send_from(&app, REMOTE, Method::PUT, &uri, Some(json!({"owner": "mallory"}))).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        assert!(reply.json()["error"].as_str().unwrap().contains("--allow-edits"));
        let reply = send_from(&app, REMOTE, Method::DELETE, &format!("/api/zones/{Z1}/annotation"), None).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        // Unknown ids are not told apart from known ones before the caller may edit.
        let reply = send_from(&app, REMOTE, Method::PUT, "/api/records/999999/annotation", Some(json!({"owner": "x"}))).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(counts(&app).await, (0, 0));
        let me = send_from(&app, REMOTE, Method::GET, "/api/me", None).await.json();
        assert_eq!(me["can_edit"], false);
        assert!(me["reason"].as_str().unwrap().contains("--allow-edits"));
        let me = send_from(&app, LOOPBACK, Method::GET, "/api/me", None).await.json();
        assert_eq!((me["can_edit"].as_bool(), me["who"].as_str(), me["reason"].clone()), (Some(true), Some("local"), Value::Null));

        // --allow-edits: other machines edit, recorded with their address.
        let open = AppState::new(
            app.db.conn.clone(),
            ApiConfig { edits: EditPolicy::Local { allow_remote: true }, ..ApiConfig::default() },
        );
        let reply = send(api::router(open), request_from(REMOTE, Method::PUT, &uri, Some(json!({"owner": "remote"})))).await;
        let saved = ok_json(&reply, "allowed");
        assert_eq!(saved["updated_by"], "local@192.0.2.44");
    }
}

// ---------------------------------------------------------------------------------------
// Behind API Gateway: a test issuer signs ES256 tokens; a stand-in for the JWT authorizer
// checks them as API Gateway does (signature, issuer, audience, expiry) and passes the
// verified claims in the request context, the way the Lambda receives them.

mod gateway {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use ring::rand::SystemRandom;
    use ring::signature::{
        ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
        UnparsedPublicKey,
    };
    use serde_json::{Map, Value, json};

    pub const ISSUER: &str = "https://issuer.test/pool";
    pub const AUDIENCE: &str = "zonetrail-dashboard";

    pub struct Issuer {
        key: EcdsaKeyPair,
        rng: SystemRandom,
    }

    impl Issuer {
        pub fn new() -> Self {
            let rng = SystemRandom::new();
            let pkcs8 =
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
            let key =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                    .unwrap();
            Self { key, rng }
        }

        pub fn public_key(&self) -> Vec<u8> {
            self.key.public_key().as_ref().to_vec()
        }

        /// An ID token with these claims on top of a valid issuer, audience and expiry.
        pub fn token(&self, claims: Value) -> String {
            let now = chrono::Utc::now().timestamp();
            let mut body = json!({"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600, "token_use": "id"});
            body.as_object_mut().unwrap().extend(claims.as_object().unwrap().clone());
            let header =
                B64.encode(json!({"alg": "ES256", "typ": "JWT", "kid": "test"}).to_string());
            let payload = B64.encode(body.to_string());
            let signing_input = format!("{header}.{payload}");
            let sig = self.key.sign(&self.rng, signing_input.as_bytes()).unwrap();
            format!("{signing_input}.{}", B64.encode(sig.as_ref()))
        }
    }

    /// What API Gateway's JWT authorizer does before the function runs: 401 unless the
    /// token verifies; else its claims, each as a string (a list as `[a b]`).
    pub fn authorize(
        public_key: &[u8],
        authorization: Option<&str>,
    ) -> Result<Map<String, Value>, &'static str> {
        let token = authorization.and_then(|h| h.strip_prefix("Bearer ")).ok_or("no token")?;
        let parts: Vec<&str> = token.split('.').collect();
        let [header, payload, sig] = parts.as_slice() else { return Err("malformed") };
        let header: Value = serde_json::from_slice(&B64.decode(header).map_err(|_| "malformed")?)
            .map_err(|_| "malformed")?;
        if header["alg"] != "ES256" {
            return Err("algorithm");
        }
        let sig = B64.decode(sig).map_err(|_| "malformed")?;
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .map_err(|_| "signature")?;
        let claims: Value = serde_json::from_slice(&B64.decode(payload).map_err(|_| "malformed")?)
            .map_err(|_| "malformed")?;
        if claims["iss"] != ISSUER {
            return Err("issuer");
        }
        if claims["aud"] != AUDIENCE && claims["client_id"] != AUDIENCE {
            return Err("audience");
        }
        if claims["exp"].as_i64().is_none_or(|exp| exp <= chrono::Utc::now().timestamp()) {
            return Err("expired");
        }
        let mut out = Map::new();
        for (k, v) in claims.as_object().unwrap() {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Array(items) => format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                other => other.to_string(),
            };
            out.insert(k.clone(), Value::String(s));
        }
        Ok(out)
    }

    /// The HTTP API (payload 2.0) event the Lambda receives for this request.
    pub fn event(
        method: &str,
        path: &str,
        body: Option<&Value>,
        claims: &Map<String, Value>,
    ) -> String {
        json!({
            "version": "2.0",
            "routeKey": format!("{method} {path}"),
            "rawPath": path,
            "rawQueryString": "",
            "headers": {"content-type": "application/json", "host": "api.test"},
            "requestContext": {
                "accountId": "111122223333",
                "apiId": "api",
                "authorizer": {"jwt": {"claims": claims, "scopes": null}},
                "domainName": "api.test",
                "domainPrefix": "api",
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.9", "userAgent": "test"},
                "requestId": "req",
                "routeKey": format!("{method} {path}"),
                "stage": "$default",
                "time": "04/Dec/2026:10:00:00 +0000",
                "timeEpoch": 1_796_378_400_000_i64
            },
            "body": body.map(Value::to_string),
            "isBase64Encoded": false
        })
        .to_string()
    }
}

/// Send as API Gateway would: 401 from the authorizer stand-in, else the Lambda's event.
async fn via_gateway(
    app: &TestApp,
    issuer_key: &[u8],
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let header = token.map(|t| format!("Bearer {t}"));
    let claims = match gateway::authorize(issuer_key, header.as_deref()) {
        Ok(c) => c,
        Err(why) => {
            return Reply {
                status: StatusCode::UNAUTHORIZED,
                headers: Default::default(),
                body: bytes::Bytes::from(format!(
                    "{{\"message\":\"Unauthorized\",\"why\":\"{why}\"}}"
                )),
            };
        }
    };
    let event = gateway::event(method, path, body.as_ref(), &claims);
    let request = lambda_http::request::from_str(&event).expect("a valid API Gateway event");
    let request = request.map(|b| Body::from(b.to_vec()));
    send(app.router(), request).await
}

backend_test! {
    async fn annotations_behind_api_gateway_need_the_editor_group(backend) {
        let mut app = app(backend).await;
        app.state = AppState::new(
            app.db.conn.clone(),
            ApiConfig { edits: EditPolicy::claims_from_env().unwrap(), ..ApiConfig::default() },
        );
        let issuer = gateway::Issuer::new();
        let key = issuer.public_key();
        let blue = app.ids.get("www_blue");
        let path = format!("/api/records/{blue}/annotation");
        let editor = issuer.token(json!({"sub": "u-1", "email": "ed@example.com", "cognito:groups": ["readers", "zonetrail-editors"]}));
        let reader = issuer.token(json!({"sub": "u-2", "email": "rita@example.com", "cognito:groups": ["readers"]}));
        let no_email = issuer.token(json!({"sub": "u-3", "cognito:groups": ["zonetrail-editors"]}));
        let no_groups = issuer.token(json!({"sub": "u-4", "email": "x@example.com"}));
        let body = json!({"owner": "payments", "team": "pay"});

        // Readers, a token without groups, a forged or missing token: nothing changes.
        for token in [&reader, &no_groups] {
            let reply = via_gateway(&app, &key, Some(token), "PUT", &path, Some(body.clone())).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
            assert!(reply.json()["error"].as_str().unwrap().contains("zonetrail-editors"));
        }
        let forged = format!("{}x", &editor[..editor.len() - 1]);
        let other_issuer = gateway::Issuer::new().token(json!({"sub": "u-1", "cognito:groups": ["zonetrail-editors"]}));
        for token in [Some(forged.as_str()), Some(other_issuer.as_str()), None] {
            let reply = via_gateway(&app, &key, token, "PUT", &path, Some(body.clone())).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(counts(&app).await, (0, 0));
        let me = via_gateway(&app, &key, Some(&reader), "GET", "/api/me", None).await.json();
        assert_eq!((me["can_edit"].as_bool(), me["who"].as_str()), (Some(false), Some("rita@example.com")));

        // An editor: recorded as the token's email (else its sub), never from the body.
        let reply = via_gateway(&app, &key, Some(&editor), "PUT", &path, Some(json!({"owner": "payments", "updated_by": "someone-else"}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.json()["error"].as_str().unwrap().starts_with("updated_by: unknown field"));
        let saved = ok_json(&via_gateway(&app, &key, Some(&editor), "PUT", &path, Some(body.clone())).await, "editor");
        assert_eq!((saved["owner"].as_str(), saved["updated_by"].as_str()), (Some("payments"), Some("ed@example.com")));
        let saved = ok_json(&via_gateway(&app, &key, Some(&no_email), "PUT", &path, Some(json!({"owner": "billing"}))).await, "sub");
        assert_eq!(saved["updated_by"], "u-3");
        let me = via_gateway(&app, &key, Some(&editor), "GET", "/api/me", None).await.json();
        assert_eq!((me["can_edit"].as_bool(), me["who"].as_str()), (Some(true), Some("ed@example.com")));
        let del = via_gateway(&app, &key, Some(&reader), "DELETE", &path, None).await;
        assert_eq!(del.status, StatusCode::FORBIDDEN);
        let del = via_gateway(&app, &key, Some(&editor), "DELETE", &path, None).await;
        assert_eq!(del.status, StatusCode::NO_CONTENT);
        let history = via_gateway(&app, &key, Some(&reader), "GET", &format!("/api/records/{blue}/history"), None).await.json();
        let actors: Vec<&str> = history["items"].as_array().unwrap().iter().filter(|i| i["action"] == "annotation").map(|i| i["actor"].as_str().unwrap()).collect();
        assert_eq!(actors, ["ed@example.com", "u-3", "ed@example.com"]);
    }
}

// ---------------------------------------------------------------------------------------
// Through the real writer: the annotation follows the record's key.

mod survival {
    use chrono::TimeZone;
    use zonetrail_model::message::DeletedKey;
    use zonetrail_model::{
        Message, Origin, RecordName, RecordSet, RecordType, RecordsMessage, Routing, SweepDone,
        Timestamp, ZoneId,
    };

    pub fn t(seconds: i64) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap()
            + chrono::Duration::seconds(seconds)
    }

    pub fn www(zone: &ZoneId, value: &str) -> RecordSet {
        let _ = zone;
        RecordSet {
            name: RecordName::parse("www.survive.example").unwrap(),
            rtype: RecordType::A,
            set_identifier: Some("blue".into()),
            ttl: Some(60),
            values: vec![value.to_owned()],
            alias_target: None,
            routing: Routing { weight: Some(10), ..Routing::default() },
        }
    }

    pub fn event(
        zone: &ZoneId,
        at: i64,
        upserts: Vec<RecordSet>,
        deletes: Vec<DeletedKey>,
    ) -> Message {
        Message::Records(RecordsMessage {
            account_id: None,
            zone_id: zone.clone(),
            observed_at: t(at),
            origin: Origin::Event {
                event_id: format!("ev-survive-{at}"),
                event_name: "ChangeResourceRecordSets".into(),
                actor: Some("arn:aws:iam::111122223333:user/dev".into()),
                actor_role: None,
                backfill: false,
                comment: None,
            },
            upserts,
            deletes,
            before_unknown: false,
        })
    }

    pub fn sweep(zone: &ZoneId, at: i64, records: Vec<RecordSet>) -> [Message; 2] {
        let n = records.len() as u64;
        [
            Message::Records(RecordsMessage {
                account_id: None,
                zone_id: zone.clone(),
                observed_at: t(at),
                origin: Origin::Sweep { sweep_id: format!("sw-{at}"), page: 1 },
                upserts: records,
                deletes: Vec::new(),
                before_unknown: false,
            }),
            Message::SweepDone(SweepDone {
                account_id: None,
                zone_id: zone.clone(),
                sweep_id: format!("sw-{at}"),
                started_at: t(at),
                observed_at: t(at),
                pages: 1,
                record_sets: n,
            }),
        ]
    }

    pub async fn apply(db: &sea_orm::DatabaseConnection, messages: &[Message]) {
        for m in messages {
            zonetrail_writer::apply(db, m).await.unwrap_or_else(|e| panic!("{}: {e}", m.to_json()));
        }
    }
}

backend_test! {
    async fn annotations_survive_sweeps_value_changes_and_recreation(backend) {
        use survival::*;
        let app = app(backend).await;
        let zone = zonetrail_model::ZoneId::parse(Z1).unwrap();
        let db = &app.db.conn;
        let key = zonetrail_model::message::DeletedKey {
            name: zonetrail_model::RecordName::parse("www.survive.example").unwrap(),
            rtype: zonetrail_model::RecordType::A,
            set_identifier: Some("blue".into()),
        };
        apply(db, &[event(&zone, 0, vec![www(&zone, "192.0.2.1")], vec![])]).await;
        let find = |page: &Value| page["items"].as_array().unwrap().iter().find(|i| i["name"] == "www.survive.example.").cloned();
        let id = find(&app.ok("/api/records?name=www.survive.example").await).unwrap()["id"].as_i64().unwrap();
        ok_json(&put(&app, &format!("/api/records/{id}/annotation"), json!({"owner": "survivor"})).await, "PUT");
        let owner_now = || async {
            let page = app.ok("/api/records?name=www.survive.example&include_deleted=true").await;
            let item = find(&page).expect("the record is listed");
            (item["id"].as_i64().unwrap(), item["annotation"]["owner"].as_str().map(str::to_owned))
        };

        // A value change.
        apply(db, &[event(&zone, 10, vec![www(&zone, "192.0.2.2")], vec![])]).await;
        assert_eq!(owner_now().await.1.as_deref(), Some("survivor"));
        // A sweep that sees it (and the zone's other records: those the fixture holds are
        // not this test's concern).
        apply(db, &sweep(&zone, 20, vec![www(&zone, "192.0.2.2")])).await;
        assert_eq!(owner_now().await.1.as_deref(), Some("survivor"));
        // Deleted: the tombstone keeps showing it.
        apply(db, &[event(&zone, 30, vec![], vec![key.clone()])]).await;
        assert_eq!(owner_now().await.1.as_deref(), Some("survivor"));
        // Re-created with the same key.
        apply(db, &[event(&zone, 40, vec![www(&zone, "192.0.2.3")], vec![])]).await;
        let (id_after, owner) = owner_now().await;
        assert_eq!(owner.as_deref(), Some("survivor"));
        let live = app.ok(&format!("/api/records/{id_after}")).await;
        assert_eq!((live["deleted_at"].clone(), live["values"][0].as_str()), (Value::Null, Some("192.0.2.3")));
        assert_eq!(live["annotation"]["owner"], "survivor");
    }
}

backend_test! {
    async fn annotations_external_dns_registry_attributes_what_it_guards(backend) {
        use survival::*;
        use zonetrail_model::{RecordName, RecordSet, RecordType, Routing};
        let app = app(backend).await;
        let zone = zonetrail_model::ZoneId::parse(Z1).unwrap();
        let rs = |name: &str, rtype: RecordType, values: &[&str]| RecordSet {
            name: RecordName::parse(name).unwrap(),
            rtype,
            set_identifier: None,
            ttl: Some(300),
            values: values.iter().map(|v| v.to_string()).collect(),
            alias_target: None,
            routing: Routing::default(),
        };
        let registry = |owner: &str, resource: &str| {
            format!("\"heritage=external-dns,external-dns/owner={owner},external-dns/resource={resource}\"")
        };
        let legacy = registry("old-cluster", "service/default/legacy");
        let a = registry("prod", "ingress/shop/web");
        let aaaa = registry("prod", "ingress/shop/web6");
        let cname = registry("prod", "service/docs/docs");
        let records = vec![
            // The plain form: the TXT record has the guarded record's name.
            rs("legacy.example.com", RecordType::A, &["192.0.2.50"]),
            rs("legacy.example.com", RecordType::Txt, &[&legacy]),
            // Newer registries: the type as a prefix.
            rs("shop.example.com", RecordType::A, &["192.0.2.51"]),
            rs("a-shop.example.com", RecordType::Txt, &[&a]),
            rs("shop6.example.com", RecordType::Aaaa, &["2001:db8::51"]),
            rs("aaaa-shop6.example.com", RecordType::Txt, &[&aaaa]),
            rs("docs.example.com", RecordType::Cname, &["docs.vendor.example"]),
            rs("cname-docs.example.com", RecordType::Txt, &[&cname]),
            // Not external-dns's, and a registry record for another type only.
            rs("spf.example.com", RecordType::A, &["192.0.2.52"]),
            rs("spf.example.com", RecordType::Txt, &["\"v=spf1 -all\""]),
            rs("only6.example.com", RecordType::A, &["192.0.2.53"]),
            rs("aaaa-only6.example.com", RecordType::Txt, &[&aaaa]),
        ];
        apply(&app.db.conn, &[event(&zone, 0, records, vec![])]).await;

        let page = app.ok("/api/records?zone=Z1EXAMPLE&limit=1000").await;
        let attribution = |name: &str, rtype: &str| {
            page["items"].as_array().unwrap().iter()
                .find(|i| i["name"] == name && i["type"] == rtype)
                .unwrap_or_else(|| panic!("no {name} {rtype}"))["attribution"].clone()
        };
        let shop = attribution("shop.example.com.", "A");
        assert_eq!(shop["source"], "external-dns");
        assert_eq!(shop["txt_name"], "a-shop.example.com.");
        assert_eq!(shop["summary"], "managed by external-dns (owner prod, resource ingress/shop/web)");
        assert_eq!(attribution("shop6.example.com.", "AAAA")["resource"], "ingress/shop/web6");
        assert_eq!(attribution("docs.example.com.", "CNAME")["resource"], "service/docs/docs");
        let old = attribution("legacy.example.com.", "A");
        assert_eq!((old["owner"].as_str(), old["txt_name"].as_str()), (Some("old-cluster"), Some("legacy.example.com.")));
        assert_eq!(attribution("spf.example.com.", "A"), Value::Null);
        assert_eq!(attribution("only6.example.com.", "A"), Value::Null);

        // The record JSON by id says the same; a manual annotation wins and both show.
        let shop_id = page["items"].as_array().unwrap().iter().find(|i| i["name"] == "shop.example.com.").unwrap()["id"].as_i64().unwrap();
        ok_json(&put(&app, &format!("/api/records/{shop_id}/annotation"), json!({"owner": "shop-team"})).await, "manual");
        let one = app.ok(&format!("/api/records/{shop_id}")).await;
        assert_eq!((one["annotation"]["owner"].as_str(), one["attribution"]["owner"].as_str()), (Some("shop-team"), Some("prod")));

        // Managed records are not unowned; the CSV says who manages them.
        let unowned = app.ok("/api/records?zone=Z1EXAMPLE&unowned=true&limit=1000").await;
        let names: Vec<&str> = unowned["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
        for managed in ["shop.example.com.", "shop6.example.com.", "docs.example.com.", "legacy.example.com."] {
            assert!(!names.contains(&managed), "{managed}: {names:?}");
        }
        assert!(names.contains(&"spf.example.com.") && names.contains(&"only6.example.com."), "{names:?}");
        let csv = app.get("/api/records.csv?name=docs.example.com").await.text();
        assert!(csv.lines().nth(1).unwrap().ends_with(",,,,\"managed by external-dns (owner prod, resource service/docs/docs)\""), "{csv}");
    }
}
