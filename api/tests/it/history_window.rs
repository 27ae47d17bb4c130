//! The history window (issue 17): since when each account's history is complete
//! (`/api/stats`' `history_complete_since` and `history`, `/api/accounts`' items), and the
//! backfill's marks on history entries (`via`, `before_unknown`).

use api::fixture::{BackfillSeed, ChangeSeed, insert_backfills, insert_changes};
use serde_json::{Value, json};
use zonetrail_model::{RecordType, ZoneId};

use crate::support::*;

const SINCE: &str = "2026-09-01T00:00:00.000000Z";
const READ_UNTIL: &str = "2026-10-15T12:00:00.000000Z";
const OBSERVED: &str = "2026-11-22T09:00:00.000000Z";

fn window(
    account: &str,
    id: &str,
    since: &str,
    read_until: &str,
    until: &str,
    done: bool,
) -> BackfillSeed {
    BackfillSeed {
        account_id: account.into(),
        backfill_id: id.into(),
        since: at(since),
        until: at(until),
        read_until: at(read_until),
        done,
        pages: 12,
        events: 12_400,
        applied: 9_000,
        failed_calls: 2,
        incomplete: 3,
        malformed: 1,
        ignored: 3_396,
        observed_at: at(OBSERVED),
        started_at: at("2026-11-22T08:30:00Z"),
    }
}

fn account<'a>(stats: &'a Value, id: &str) -> &'a Value {
    stats["history"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == id)
        .unwrap_or_else(|| panic!("no history of {id} in {stats}"))
}

fn listed<'a>(accounts: &'a Value, id: &str) -> &'a Value {
    accounts["items"].as_array().unwrap().iter().find(|a| a["account_id"] == id).unwrap()
}

backend_test! {
    async fn without_a_backfill_history_is_complete_since_the_first_sweep(backend) {
        let app = app(backend).await;
        let stats = app.ok("/api/stats").await;
        // production was first seen at T_CREATE, audit at T_SWEEP: the latest is the
        // inventory's.
        assert_eq!(stats["history_complete_since"], T_SWEEP);
        assert_eq!(stats["history"]["complete_since"], T_SWEEP);
        assert_eq!(
            stats["history"]["accounts"],
            json!([
                {"account_id": ACCOUNT_PROD, "complete_since": T_CREATE, "backfill": null},
                {"account_id": ACCOUNT_DENIED, "complete_since": T_SWEEP, "backfill": null},
            ])
        );
        let prod = app.ok(&format!("/api/stats?account={ACCOUNT_PROD}")).await;
        assert_eq!(prod["history_complete_since"], T_CREATE);
        assert_eq!(prod["history"]["accounts"].as_array().unwrap().len(), 1);
        // An account no sweep has reported on has no window.
        let net = app.ok(&format!("/api/stats?account={ACCOUNT_NET}")).await;
        assert_eq!(net["history"], json!({"complete_since": null, "accounts": []}));
        assert_eq!(net["history_complete_since"], Value::Null);
    }
}

backend_test! {
    async fn a_done_backfill_reaching_the_first_sweep_extends_history_to_its_since(backend) {
        let app = app(backend).await;
        insert_backfills(&app.db.conn, &[window(ACCOUNT_PROD, "bf-1", SINCE, SINCE, T_SWEEP, true)]).await.unwrap();
        let stats = app.ok(&format!("/api/stats?account={ACCOUNT_PROD}")).await;
        assert_eq!(stats["history_complete_since"], SINCE);
        assert_eq!(
            account(&stats, ACCOUNT_PROD)["backfill"],
            json!({"state": "done", "since": SINCE, "until": T_SWEEP, "read_until": SINCE,
                   "events": 12_400, "applied": 9_000, "failed_calls": 2, "incomplete": 3,
                   "malformed": 1, "pages": 12, "updated_at": OBSERVED})
        );
        let accounts = app.ok("/api/accounts").await;
        let prod = listed(&accounts, ACCOUNT_PROD);
        assert_eq!(prod["history_complete_since"], SINCE);
        assert_eq!(prod["backfill"]["state"], "done");
        // audit has no backfill: still its first sweep, and the inventory's is the latest.
        assert_eq!(listed(&accounts, ACCOUNT_DENIED)["history_complete_since"], T_SWEEP);
        assert_eq!(app.ok("/api/stats").await["history_complete_since"], T_SWEEP);
    }
}

backend_test! {
    async fn a_running_backfill_covers_what_it_has_read(backend) {
        let app = app(backend).await;
        insert_backfills(&app.db.conn, &[window(ACCOUNT_PROD, "bf-1", SINCE, READ_UNTIL, T_SWEEP, false)]).await.unwrap();
        let stats = app.ok(&format!("/api/stats?account={ACCOUNT_PROD}")).await;
        assert_eq!(stats["history_complete_since"], READ_UNTIL);
        let backfill = &account(&stats, ACCOUNT_PROD)["backfill"];
        assert_eq!(backfill["state"], "running");
        assert_eq!(backfill["read_until"], READ_UNTIL);
        assert_eq!(backfill["since"], SINCE);
        assert_eq!(listed(&app.ok("/api/accounts").await, ACCOUNT_PROD)["history_complete_since"], READ_UNTIL);
    }
}

backend_test! {
    async fn a_backfill_that_stops_short_of_the_first_sweep_extends_nothing(backend) {
        let app = app(backend).await;
        // Done, but it ends a day before production's first sweep: that day is not known.
        insert_backfills(&app.db.conn, &[window(ACCOUNT_PROD, "bf-1", SINCE, SINCE, "2026-11-19T09:00:00Z", true)]).await.unwrap();
        let stats = app.ok(&format!("/api/stats?account={ACCOUNT_PROD}")).await;
        assert_eq!(stats["history_complete_since"], T_CREATE);
        assert_eq!(account(&stats, ACCOUNT_PROD)["backfill"]["state"], "done");
        // A second window that fills the gap joins them.
        let mut gap = window(ACCOUNT_PROD, "bf-2", "2026-11-19T09:00:00Z", "2026-11-19T09:00:00Z", T_SWEEP, true);
        gap.observed_at = at("2026-11-22T10:00:00Z");
        gap.events = 7;
        insert_backfills(&app.db.conn, &[gap]).await.unwrap();
        let stats = app.ok(&format!("/api/stats?account={ACCOUNT_PROD}")).await;
        assert_eq!(stats["history_complete_since"], SINCE);
        assert_eq!(account(&stats, ACCOUNT_PROD)["backfill"]["events"], 7, "the latest window by observed_at");
    }
}

backend_test! {
    async fn with_two_accounts_the_inventorys_window_is_the_latest(backend) {
        let app = app(backend).await;
        insert_backfills(
            &app.db.conn,
            &[
                window(ACCOUNT_PROD, "bf-1", SINCE, READ_UNTIL, T_SWEEP, false),
                window(ACCOUNT_DENIED, "bf-1", "2026-08-25T00:00:00Z", "2026-08-25T00:00:00Z", T_SWEEP, true),
            ],
        )
        .await
        .unwrap();
        let stats = app.ok("/api/stats").await;
        assert_eq!(account(&stats, ACCOUNT_DENIED)["complete_since"], "2026-08-25T00:00:00.000000Z");
        assert_eq!(account(&stats, ACCOUNT_PROD)["complete_since"], READ_UNTIL);
        assert_eq!(stats["history_complete_since"], READ_UNTIL);
        assert_eq!(stats["history"]["complete_since"], READ_UNTIL);
        let denied = app.ok(&format!("/api/stats?account={ACCOUNT_DENIED}")).await;
        assert_eq!(denied["history_complete_since"], "2026-08-25T00:00:00.000000Z");
    }
}

backend_test! {
    async fn history_entries_say_when_they_came_from_the_backfill_and_the_state_before_is_unknown(backend) {
        let app = app(backend).await;
        let id = app.ids.get("api");
        let after = record("api.example.com", RecordType::A, &["192.0.2.30"]);
        insert_changes(
            &app.db.conn,
            &[ChangeSeed {
                record_id: id,
                zone_id: ZoneId::parse(Z1).unwrap(),
                action: "update".into(),
                source: "event".into(),
                actor: Some("arn:aws:sts::111122223333:assumed-role/deployer/ci".into()),
                actor_role: None,
                event_id: Some("evt-upsert".into()),
                observed_at: at("2026-10-01T00:00:00Z"),
                before: None,
                after: Some(after),
                via: Some("backfill".into()),
                before_unknown: true,
            }],
        )
        .await
        .unwrap();
        let history = app.ok(&format!("/api/records/{id}/history")).await;
        let entry = &history["items"][0];
        assert_eq!(entry["action"], "update");
        assert_eq!(entry["via"], "backfill");
        assert_eq!(entry["before_unknown"], true);
        assert_eq!(entry["before"], Value::Null);
        assert_eq!(entry["after"]["values"], json!(["192.0.2.30"]));
        let feed = app.ok("/api/changes").await;
        let items = feed["items"].as_array().unwrap();
        let upsert = items.iter().find(|i| i["event_id"] == "evt-upsert").unwrap();
        assert_eq!((&upsert["via"], &upsert["before_unknown"]), (&json!("backfill"), &json!(true)));
        // Live and swept entries carry neither mark.
        for item in items.iter().filter(|i| i["event_id"] != "evt-upsert") {
            assert_eq!((&item["via"], &item["before_unknown"]), (&Value::Null, &json!(false)), "{item}");
        }
    }
}
