//! Notifications (issue 19) end to end: `zonetrail up --notify-webhook URL` against a webhook
//! receiver on loopback that records every request and answers as told (200, 500, or not at
//! all). Each committed change is POSTed once, as `/api/changes` has it; an ignored actor's and
//! a replayed event's are not; a failing or hanging receiver gets it after retries; a change
//! committed just before a SIGKILL is delivered after the restart.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zonetrail_model::testing::{Backend, database};

use crate::account::Account;
use crate::inventory::Api;
use crate::process::{Running, Zonetrail};
use crate::records::{ACTOR_ROLE, ACTOR_USER, Rec, change_event};

/// The role `ACTOR_ROLE`'s session was issued by (its `actor_role`).
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/TerraformDeploy";

#[derive(Debug, Clone)]
struct Request {
    body: Value,
    content_type: String,
    /// What the receiver answered: 200, 500, or `None` (it hung).
    answered: Option<u16>,
}

#[derive(Default)]
struct Behaviour {
    requests: Vec<Request>,
    fail_next: usize,
    hang_next: usize,
    hang_all: bool,
}

/// A webhook receiver on 127.0.0.1.
#[derive(Clone)]
struct Receiver {
    url: String,
    state: Arc<Mutex<Behaviour>>,
    _server: Arc<tokio::task::JoinHandle<()>>,
}

async fn hook(
    State(state): State<Arc<Mutex<Behaviour>>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    let content_type =
        headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let (hang, status) = {
        let mut s = state.lock().unwrap();
        let (hang, status) = if s.hang_all || s.hang_next > 0 {
            s.hang_next = s.hang_next.saturating_sub(1);
            (true, None)
        } else if s.fail_next > 0 {
            s.fail_next -= 1;
            (false, Some(500))
        } else {
            (false, Some(200))
        };
        s.requests.push(Request { body, content_type, answered: status });
        (hang, status)
    };
    if hang {
        tokio::time::sleep(Duration::from_secs(120)).await;
        return StatusCode::OK;
    }
    StatusCode::from_u16(status.unwrap()).unwrap()
}

impl Receiver {
    async fn start() -> Self {
        let state = Arc::new(Mutex::new(Behaviour::default()));
        let app = Router::new().route("/hook", post(hook)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, state, _server: Arc::new(server) }
    }

    fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The bodies the receiver took (answered 200).
    fn delivered(&self) -> Vec<Value> {
        self.requests().into_iter().filter(|r| r.answered == Some(200)).map(|r| r.body).collect()
    }

    fn set(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.state.lock().unwrap());
    }

    /// Wait until `done` holds of the requests so far (at most `within`).
    async fn wait_until(
        &self,
        what: &str,
        within: Duration,
        up: Option<&Running>,
        done: impl Fn(&[Request]) -> bool,
    ) -> Vec<Request> {
        let started = Instant::now();
        loop {
            let requests = self.requests();
            if done(&requests) {
                return requests;
            }
            assert!(
                started.elapsed() < within,
                "{what}: not within {within:?}; the receiver got {:#?}\n--- zonetrail stderr\n{}",
                requests.iter().map(|r| (&r.body, r.answered)).collect::<Vec<_>>(),
                up.map(Running::stderr).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The requests about change `id`.
fn about(requests: &[Request], id: i64) -> Vec<&Request> {
    requests.iter().filter(|r| r.body["id"].as_i64() == Some(id)).collect()
}

/// Post `rec`'s change by `actor`, as CloudTrail would deliver it, after making it in moto.
async fn change(
    account: &Account,
    api: &Api,
    zone_id: &str,
    action: &str,
    rec: &Rec,
    actor: &str,
) -> (Value, String) {
    account.change(zone_id, &[(action, rec)]).await;
    let (event, event_id) = change_event(&account.id, zone_id, &[(action, rec)], actor);
    let (status, outcome) = api.post_event(&event).await;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{outcome}");
    (event, event_id)
}

/// The change feed's newest entry for `name` (as `/api/changes` returns it).
async fn newest_change(api: &Api, name: &str) -> Value {
    api.changes()
        .await
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no change of {name} in the feed"))
}

#[tokio::test(flavor = "multi_thread")]
async fn each_change_once_on_sqlite() {
    each_change_is_posted_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_change_once_on_mariadb() {
    each_change_is_posted_once(Backend::MySql).await;
}

async fn each_change_is_posted_once(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    let zone_name = "notify.e2e.example.";
    let zone_id = account.create_zone(zone_name, None).await;
    let receiver = Receiver::start().await;
    let zonetrail = Zonetrail::new(&account, &db.url);
    let up = zonetrail
        .start(&[
            "up",
            "--listen",
            "127.0.0.1:0",
            "--notify-webhook",
            &receiver.url,
            "--notify-ignore-actor",
            ROLE_ARN,
            "--notify-retry-min",
            "100ms",
            "--notify-timeout",
            "1s",
        ])
        .await;
    let api = Api::new(&up.base());
    api.wait_for_total(2, Duration::from_secs(60)).await;

    // Drift is news too: what the first sweep found (the apex NS and SOA), with no actor.
    let t = Duration::from_secs(20);
    let swept = receiver.wait_until("the sweep's findings", t, Some(&up), |r| r.len() >= 2).await;
    for r in &swept {
        assert_eq!(r.answered, Some(200));
        assert_eq!(r.content_type, "application/json");
        assert_eq!((r.body["source"].as_str(), &r.body["actor"]), (Some("sweep"), &Value::Null));
        assert_eq!(r.body["action"], "create");
        assert_eq!(r.body["zone_id"], zone_id.as_str());
    }

    // A change by the ignored role's session, then one by alice: only alice's is posted.
    let ignored = Rec::simple(&format!("iac.{zone_name}"), "A", 60, &["192.0.2.1"]);
    change(&account, &api, &zone_id, "CREATE", &ignored, ACTOR_ROLE).await;
    let www = Rec::simple(&format!("www.{zone_name}"), "A", 60, &["192.0.2.2"]);
    let (alice_event, alice_event_id) =
        change(&account, &api, &zone_id, "CREATE", &www, ACTOR_USER).await;
    let got = receiver.wait_until("alice's change", t, Some(&up), |r| r.len() >= 3).await;
    assert_eq!(got.len(), 3, "the ignored actor's change is not sent: {got:#?}");
    let posted = &got[2].body;
    let feed = newest_change(&api, &www.name).await;
    assert_eq!(posted, &feed, "the event is the change as /api/changes returns it");
    assert_eq!(posted["action"], "create");
    assert_eq!(posted["source"], "event");
    assert_eq!(posted["actor"], ACTOR_USER);
    assert_eq!(posted["event_id"], alice_event_id.as_str());
    assert!(posted["observed_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{posted}");
    assert_eq!(posted["before"], Value::Null);
    assert_eq!(posted["after"]["values"], serde_json::json!(["192.0.2.2"]));
    assert_eq!(posted["after"]["ttl"], 60);
    assert_eq!(
        (posted["name"].as_str(), posted["type"].as_str()),
        (Some(www.name.as_str()), Some("A"))
    );
    assert_eq!(posted["zone_id"], zone_id.as_str());
    assert_eq!(posted["zone_name"], zone_name);
    assert_eq!(posted["account_id"], account.id.as_str());
    assert!(posted.get("truncated").is_none(), "{posted}");
    let www_id = posted["id"].as_i64().expect("the change's id");
    assert!(
        api.changes().await.iter().any(|c| c["name"] == ignored.name),
        "the ignored change is in the history all the same"
    );

    // The same CloudTrail event again: nothing new. A later change arrives, and still one POST
    // of alice's.
    let (status, outcome) = api.post_event(&alice_event).await;
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{outcome}");
    let www2 = www.clone().with_values(&["192.0.2.3"]);
    change(&account, &api, &zone_id, "UPSERT", &www2, ACTOR_USER).await;
    let got = receiver.wait_until("the update", t, Some(&up), |r| r.len() >= 4).await;
    assert_eq!(about(&got, www_id).len(), 1, "the replay sent nothing: {got:#?}");
    assert_eq!(got[3].body["action"], "update");
    assert_eq!(got[3].body["before"]["values"], serde_json::json!(["192.0.2.2"]));
    assert_eq!(got[3].body["after"]["values"], serde_json::json!(["192.0.2.3"]));

    // The receiver fails three times, then takes it: delivered once, after three retries.
    receiver.set(|b| b.fail_next = 3);
    let api_rec = Rec::simple(&format!("api.{zone_name}"), "A", 60, &["192.0.2.4"]);
    change(&account, &api, &zone_id, "CREATE", &api_rec, ACTOR_USER).await;
    let got = receiver
        .wait_until("the retried change", t, Some(&up), |r| {
            r.iter().any(|r| r.body["name"] == api_rec.name && r.answered == Some(200))
        })
        .await;
    let tries: Vec<Option<u16>> =
        got.iter().filter(|r| r.body["name"] == api_rec.name).map(|r| r.answered).collect();
    assert_eq!(tries, [Some(500), Some(500), Some(500), Some(200)]);
    let stderr = up.stderr();
    assert!(
        stderr.contains("notification not sent") && stderr.contains("500"),
        "each failure is logged with its reason: {stderr}"
    );

    // A receiver that hangs is cut off after --notify-timeout (1 s) and tried again.
    receiver.set(|b| b.hang_next = 1);
    let started = Instant::now();
    change(&account, &api, &zone_id, "DELETE", &api_rec, ACTOR_USER).await;
    let got = receiver
        .wait_until("the change after a hang", t, Some(&up), |r| {
            r.iter().any(|r| {
                r.body["name"] == api_rec.name
                    && r.body["action"] == "delete"
                    && r.answered == Some(200)
            })
        })
        .await;
    assert!(started.elapsed() >= Duration::from_secs(1), "not before the timeout");
    let tries: Vec<Option<u16>> = got
        .iter()
        .filter(|r| r.body["name"] == api_rec.name && r.body["action"] == "delete")
        .map(|r| r.answered)
        .collect();
    assert_eq!(tries, [None, Some(200)]);
    assert!(up.stderr().contains("no answer within 1s"), "{}", up.stderr());

    // Every change went out exactly once; nothing from the ignored actor.
    let delivered = receiver.delivered();
    let mut ids: Vec<i64> = delivered.iter().map(|b| b["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), delivered.len(), "one delivery per change");
    assert!(!delivered.iter().any(|b| b["name"] == ignored.name));

    let stopped = up.interrupt().await;
    stopped.assert_success("up after Ctrl-C");
    assert!(stopped.stdout.contains("notifications: each committed change is POSTed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_before_publishing_on_sqlite() {
    a_change_committed_before_a_kill_is_delivered_after_the_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_before_publishing_on_mariadb() {
    a_change_committed_before_a_kill_is_delivered_after_the_restart(Backend::MySql).await;
}

async fn a_change_committed_before_a_kill_is_delivered_after_the_restart(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    let zone_name = "kill.e2e.example.";
    let zone_id = account.create_zone(zone_name, None).await;
    let receiver = Receiver::start().await;
    // The receiver never answers: the publish cannot complete before the kill.
    receiver.set(|b| b.hang_all = true);
    let zonetrail = Zonetrail::new(&account, &db.url);
    let up = zonetrail
        .start(&[
            "up",
            "--listen",
            "127.0.0.1:0",
            "--notify-webhook",
            &receiver.url,
            "--notify-source",
            "event",
            "--notify-timeout",
            "60s",
        ])
        .await;
    let api = Api::new(&up.base());
    api.wait_for_total(2, Duration::from_secs(60)).await;
    let rec = Rec::simple(&format!("db.{zone_name}"), "A", 300, &["192.0.2.7"]);
    change(&account, &api, &zone_id, "CREATE", &rec, ACTOR_USER).await;
    // The publisher has the committed change in hand (its POST is hanging): kill -9 now.
    let t = Duration::from_secs(20);
    receiver
        .wait_until("the hanging POST", t, Some(&up), |r| {
            r.iter().any(|r| r.body["name"] == rec.name)
        })
        .await;
    let killed = up.kill_9().await;
    assert!(!killed.status.success());
    assert!(receiver.delivered().is_empty());

    // Restarted, as Slack text this time: the change arrives, and nothing else (the sweep's
    // findings were filtered out by the first run, for good).
    receiver.set(|b| b.hang_all = false);
    let up = zonetrail
        .start(&[
            "up",
            "--listen",
            "127.0.0.1:0",
            "--no-initial-sweep",
            "--notify-webhook",
            &receiver.url,
            "--notify-format",
            "slack",
        ])
        .await;
    let got = receiver
        .wait_until("the change after the restart", t, Some(&up), |r| {
            r.iter().any(|r| r.answered == Some(200))
        })
        .await;
    let delivered: Vec<&Request> = got.iter().filter(|r| r.answered == Some(200)).collect();
    assert_eq!(delivered.len(), 1, "{got:#?}");
    let body = delivered[0].body.as_object().expect("a JSON object");
    assert_eq!(body.len(), 1, "only text: {body:?}");
    assert_eq!(delivered[0].content_type, "application/json");
    assert_eq!(
        body["text"],
        format!(
            "alice ({ACTOR_USER}) created {} A in {zone_name} ({zone_id}): 192.0.2.7",
            rec.name
        )
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.delivered().len(), 1, "delivered once");
    up.interrupt().await.assert_success("up after Ctrl-C");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_url_that_is_not_http_is_refused_at_start() {
    let account = Account::new().await;
    let zonetrail = Zonetrail::new(&account, "sqlite::memory:");
    let out = zonetrail.run(&["up", "--notify-webhook", "ftp://hooks.example/x"]).await;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        out.stderr.contains(
            "invalid value 'ftp://hooks.example/x' for '--notify-webhook <URL>': \"ftp://hooks.example/x\" is not an http or https URL"
        ),
        "{}",
        out.stderr
    );
    let out =
        zonetrail.clone().with("ZONETRAIL_NOTIFY_WEBHOOK", "hooks.example/x").run(&["up"]).await;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stderr.contains("\"hooks.example/x\" is not a URL"), "{}", out.stderr);
    let out = zonetrail
        .run(&["up", "--notify-webhook", "http://127.0.0.1:9/", "--notify-format", "xml"])
        .await;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
