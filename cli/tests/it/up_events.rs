//! `zonetrail up` with `POST /local/events`: a change shows on the API within a second of the
//! POST; a malformed event is a 400 with a JSON error; only this machine may post.

use reqwest::StatusCode;
use std::net::{IpAddr, UdpSocket};
use std::time::{Duration, Instant};
use zonetrail_model::testing::{Backend, database};

use crate::account::Account;
use crate::fixture::showcase_zone;
use crate::inventory::Api;
use crate::process::Zonetrail;
use crate::records::{ACTOR_ROLE, ACTOR_USER, Rec, change_event};

#[tokio::test(flavor = "multi_thread")]
async fn on_sqlite() {
    posted_events_show_within_a_second(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_mariadb() {
    posted_events_show_within_a_second(Backend::MySql).await;
}

/// Poll the API until `want` shows (`None`: until the key is gone); the time it took.
async fn time_until_visible(
    api: &Api,
    zone_id: &str,
    key: &(String, String, Option<String>),
    want: Option<&Rec>,
    started: Instant,
) -> Duration {
    loop {
        let shown: Vec<Rec> = api
            .named(zone_id, &key.0, &key.1)
            .await
            .iter()
            .map(Rec::from_api)
            .filter(|r| r.set_id == key.2)
            .collect();
        let done = match want {
            Some(rec) => shown.first() == Some(rec),
            None => shown.is_empty(),
        };
        if done {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{key:?} still shows {shown:?} 10 s after the POST"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn posted_events_show_within_a_second(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    let zone = showcase_zone(&account, "live.e2e.example.", 10).await;
    let zonetrail = Zonetrail::new(&account, &db.url);
    let up = zonetrail.start(&["up", "--listen", "127.0.0.1:0"]).await;
    let api = Api::new(&up.base());
    api.wait_for_total(zone.record_count() as i64, Duration::from_secs(60)).await;

    // A create, an update of a weighted record, a delete: each visible within 1 s of its POST.
    let created = Rec::simple(&zone.host("fresh"), "A", 60, &["192.0.2.123"]);
    let shifted = zone.find("api", "A", Some("api-green")).weight(55);
    let deleted = zone.find("host-0003", "A", None);
    let steps: [(&str, &Rec, Option<&Rec>, &str); 3] = [
        ("CREATE", &created, Some(&created), ACTOR_ROLE),
        ("UPSERT", &shifted, Some(&shifted), ACTOR_USER),
        ("DELETE", &deleted, None, ACTOR_ROLE),
    ];
    for (action, rec, want, actor) in steps {
        account.change(&zone.id, &[(action, rec)]).await;
        let (event, event_id) = change_event(&account.id, &zone.id, &[(action, rec)], actor);
        let started = Instant::now();
        let (status, outcome) = api.post_event(&event).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{outcome}");
        assert_eq!(outcome["status"], "applied", "{outcome}");
        assert_eq!(outcome["event_id"], event_id.as_str());
        let took = time_until_visible(&api, &zone.id, &rec.key(), want, started).await;
        assert!(
            took < Duration::from_secs(1),
            "{action} {:?} took {took:?} from POST to visible (must be < 1 s)",
            rec.key()
        );
    }
    let feed = api.changes().await;
    assert_eq!(feed[0]["action"], "delete", "the change feed is newest first: {:#?}", &feed[..3]);
    assert_eq!(feed[0]["actor"], ACTOR_ROLE);
    assert_eq!(feed[1]["actor"], ACTOR_USER);

    // Bad input: a 400 with a JSON error, nothing applied.
    let (status, body) = api.post_raw(b"{\"detail-type\": ".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("not JSON")), "{body}");
    let (mut bad, _) = change_event(
        &account.id,
        &zone.id,
        &[("UPSERT", &created.clone().with_ttl(5))],
        ACTOR_ROLE,
    );
    bad["detail"]["requestParameters"]["changeBatch"]["changes"][0]["action"] =
        serde_json::json!("MERGE");
    let (status, body) = api.post_event(&bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("MERGE")), "{body}");
    assert_eq!(api.changes().await.len(), feed.len(), "a refused event changes nothing");

    let stopped = up.interrupt().await;
    stopped.assert_success("up after Ctrl-C");
    assert!(stopped.stdout.contains("stopped cleanly"), "{}", stopped.stdout);
}

/// This machine's address on its network, if it has one (the route out, no packet sent).
fn non_loopback_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("203.0.113.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test(flavor = "multi_thread")]
async fn events_from_another_machine_are_refused() {
    let Some(ip) = non_loopback_address() else {
        panic!(
            "this machine has no non-loopback IPv4 address, so a peer other than loopback cannot be simulated"
        );
    };
    let account = Account::new().await;
    let db = database(Backend::Sqlite).await;
    let zone_id = account.create_zone("remote.e2e.example.", None).await;
    let zonetrail = Zonetrail::new(&account, &db.url);
    // Listening on the network address only: every connection comes from a non-loopback peer.
    let up = zonetrail.start(&["up", "--listen", &format!("{ip}:0"), "--no-initial-sweep"]).await;
    let api = Api::new(&up.base());
    let rec = Rec::simple("x.remote.e2e.example.", "A", 60, &["192.0.2.1"]);
    let (event, _) = change_event(&account.id, &zone_id, &[("CREATE", &rec)], ACTOR_ROLE);
    let (status, body) = api.post_event(&event).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains(&ip.to_string())),
        "the error names the refused peer: {body}"
    );
    let (status, _) = api.get("/api/records", &[]).await;
    assert_eq!(status, StatusCode::OK, "the read API itself is not restricted to loopback");
    assert!(api.changes().await.is_empty(), "nothing applied");
    up.interrupt().await.assert_success("up after Ctrl-C");
}
