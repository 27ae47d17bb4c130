//! Ctrl-C on `zonetrail up` finishes what it holds: every event accepted before the signal
//! is in the database after a clean exit (exit status 0, "stopped cleanly").

use reqwest::StatusCode;
use std::time::Duration;
use zonetrail_model::testing::{Backend, database};

use crate::account::Account;
use crate::fixture::showcase_zone;
use crate::inventory::Api;
use crate::process::Zonetrail;
use crate::records::{ACTOR_ROLE, Rec, change_event};

#[tokio::test(flavor = "multi_thread")]
async fn on_sqlite() {
    interrupt_loses_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_mariadb() {
    interrupt_loses_nothing(Backend::MySql).await;
}

async fn interrupt_loses_nothing(backend: Backend) {
    let account = Account::new().await;
    let db = database(backend).await;
    let zone = showcase_zone(&account, "stop.e2e.example.", 5).await;
    let zonetrail = Zonetrail::new(&account, &db.url);
    let up = zonetrail.start(&["up", "--listen", "127.0.0.1:0"]).await;
    let api = Api::new(&up.base());
    api.wait_for_total(zone.record_count() as i64, Duration::from_secs(60)).await;

    // Twenty events of twenty records each, posted at once, then Ctrl-C as soon as the last
    // is accepted: the writer still has work in hand when the signal comes.
    let records: Vec<Rec> = (0..400)
        .map(|i| {
            Rec::simple(
                &zone.host(&format!("late-{i:03}")),
                "A",
                60,
                &[&format!("10.9.{}.{}", i / 200, i % 200 + 1)],
            )
        })
        .collect();
    account.change(&zone.id, &records.iter().map(|r| ("CREATE", r)).collect::<Vec<_>>()).await;
    let mut posts = tokio::task::JoinSet::new();
    for batch in records.chunks(20) {
        let (event, _) = change_event(
            &account.id,
            &zone.id,
            &batch.iter().map(|r| ("CREATE", r)).collect::<Vec<_>>(),
            ACTOR_ROLE,
        );
        let api = api.clone();
        posts.spawn(async move { api.post_event(&event).await });
    }
    while let Some(posted) = posts.join_next().await {
        let (status, body) = posted.expect("the POST task");
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let stopped = up.interrupt().await;
    stopped.assert_success("up after Ctrl-C");
    assert!(
        stopped.stdout.contains("zonetrail stopped cleanly"),
        "{}\n{}",
        stopped.stdout,
        stopped.stderr
    );

    let server = zonetrail.start(&["serve", "--listen", "127.0.0.1:0"]).await;
    let api = Api::new(&server.base());
    let shown = api.zone_records(&zone.id).await;
    for rec in &records {
        assert_eq!(
            shown.get(&rec.key()),
            Some(rec),
            "{} was accepted before Ctrl-C and must be there",
            rec.name
        );
    }
    assert_eq!(shown.len(), zone.record_count() + records.len());
    server.interrupt().await.assert_success("serve after Ctrl-C");
}
