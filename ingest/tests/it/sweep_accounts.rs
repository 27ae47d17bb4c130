//! Several accounts: each behind its own fake Route 53 (one server per account, each with its
//! own rate limit and faults), swept concurrently; one refusing access; events per account.

use serde_json::json;
use std::sync::Arc;
use zonetrail_ingest::event::{DecodeError, IgnoreReason};
use zonetrail_ingest::fake_route53::{FakeConfig, FakeRoute53, Faults, ZoneSpec};
use zonetrail_ingest::sweep::NoProgress;
use zonetrail_ingest::{
    Accounts, AccountsSetting, EventError, EventOutcome, MemoryQueue, ScopeSettings, State,
    sweep_all,
};
use zonetrail_model::{AccountId, AccountState, Message, ZoneChange};

use crate::support::{Collector, Sent, fake, fast_config, own_account, sdk_for};
use crate::sweep_fake::a;

fn id(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}

/// A state over `accounts` (by list), each read through its own fake.
async fn state_over(fakes: &[(AccountId, &FakeRoute53)]) -> (State, Collector) {
    let config = fast_config();
    let sdk = sdk_for(fakes[0].1.endpoint()).await;
    let settings = ScopeSettings {
        accounts: AccountsSetting::List(fakes.iter().map(|(id, _)| id.clone()).collect()),
        sweep_concurrency: 3,
        ..ScopeSettings::default()
    };
    let accounts = Accounts::resolved(&sdk, settings, own_account(), "aws");
    let (queue, mut receiver) = MemoryQueue::new(16, config.max_message_bytes);
    let collector = Collector::spawn(async move {
        let mut messages = Vec::new();
        while let Some(body) = receiver.recv().await {
            messages.push(Message::from_json(&body).unwrap());
        }
        messages
    });
    let mut state = State::new(&sdk, config, Arc::new(queue), accounts);
    for (account, fake) in fakes {
        let client = zonetrail_ingest::route53::client(&sdk_for(fake.endpoint()).await);
        state = state.with_route53(account.clone(), client);
    }
    (state, collector)
}

async fn seeded(seed: u64) -> FakeRoute53 {
    fake(FakeConfig { seed, ..FakeConfig::default() }).await
}

#[tokio::test]
async fn every_account_is_swept_with_its_account_and_a_refused_one_sends_no_list() {
    let (own, member, denied) = (own_account(), id("111111111111"), id("222222222222"));
    let (f_own, f_member, f_denied) = (seeded(1).await, seeded(2).await, seeded(3).await);
    // The same zone name in two accounts: two zones.
    let own_zone = f_own.create_zone(ZoneSpec::public("shared.example"));
    f_own.add_record_sets(&own_zone, [a("www.shared.example", "192.0.2.1")]);
    let member_zone = f_member.create_zone(ZoneSpec::public("shared.example"));
    let member_other = f_member.create_zone(ZoneSpec::public("member.example"));
    f_member.add_record_sets(&member_zone, [a("www.shared.example", "192.0.2.2")]);
    f_member.add_record_sets(&member_other, [a("api.member.example", "192.0.2.3")]);
    let denied_zone = f_denied.create_zone(ZoneSpec::public("denied.example"));
    f_denied.set_faults(Faults { access_denied: true, ..Faults::default() });

    let (state, collector) = state_over(&[
        (own.clone(), &f_own),
        (member.clone(), &f_member),
        (denied.clone(), &f_denied),
    ])
    .await;
    let report = sweep_all(&state, &NoProgress).await.unwrap();
    drop(state);
    let sent: Sent = collector.messages().await;

    let by_account = |account: &AccountId| {
        report.accounts.iter().find(|r| &r.account_id == account).expect("reported").clone()
    };
    assert_eq!(report.accounts.len(), 3);
    assert_eq!(by_account(&own).status, AccountState::Ok);
    assert_eq!(by_account(&member).status, AccountState::Ok);
    assert_eq!(by_account(&member).report.zones_swept, 2);
    let refused = by_account(&denied);
    assert_eq!(refused.status, AccountState::AccessDenied, "{:?}", refused.error);
    assert!(refused.error.as_deref().unwrap_or("").contains("AccessDenied"), "{:?}", refused.error);
    // Refused once, not retried ten times.
    assert_eq!(f_denied.stats().requests, 1);

    // Each zone's messages name its own account; the two same-name zones stay apart.
    for (zone, account) in [(&own_zone, &own), (&member_zone, &member), (&member_other, &member)] {
        let zones = sent.zones(zone);
        assert_eq!(zones.len(), 1);
        assert_eq!(zones[0].account_id.as_ref(), Some(account));
        assert!(matches!(zones[0].change, ZoneChange::Present(_)));
        assert!(sent.records(zone).iter().all(|r| r.account_id.as_ref() == Some(account)));
        assert!(sent.done(zone).iter().all(|d| d.account_id.as_ref() == Some(account)));
        sent.assert_pages_complete(zone);
    }
    assert_ne!(own_zone, member_zone);

    // One complete list per account that could be listed; none for the refused one.
    let listed = sent.zones_listed(&member);
    assert_eq!(listed.len(), 1);
    let mut ids = listed[0].zone_ids.clone();
    ids.sort();
    let mut want = vec![member_zone.clone(), member_other.clone()];
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(sent.zones_listed(&own).len(), 1);
    assert!(sent.zones_listed(&denied).is_empty(), "a refused account never sends a list");
    assert!(sent.zones(&denied_zone).is_empty());

    // One status per account.
    for (account, status) in [
        (&own, AccountState::Ok),
        (&member, AccountState::Ok),
        (&denied, AccountState::AccessDenied),
    ] {
        let statuses = sent.statuses(account);
        assert_eq!(statuses.len(), 1, "{account}");
        assert_eq!(statuses[0].status, status);
    }
    assert!(sent.statuses(&denied)[0].error.as_deref().unwrap().contains("AccessDenied"));
}

fn change_event(account: Option<&str>, recipient: Option<&str>, zone: &str) -> serde_json::Value {
    let mut detail = json!({
        "eventVersion": "1.09", "eventTime": "2026-11-22T10:00:00Z", "eventSource": "route53.amazonaws.com",
        "eventName": "ChangeResourceRecordSets", "eventID": "e-acct", "readOnly": false,
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/alice"},
        "requestParameters": {"hostedZoneId": zone, "changeBatch": {"changes": [
            {"action": "UPSERT", "resourceRecordSet": {"name": "www.member.example", "type": "A", "tTL": 60,
             "resourceRecords": [{"value": "192.0.2.9"}]}},
        ]}},
    });
    if let Some(r) = recipient {
        detail["recipientAccountId"] = json!(r);
    }
    let mut event = json!({
        "version": "0", "id": "11111111-2222-3333-4444-555555555555",
        "detail-type": "AWS API Call via CloudTrail", "source": "aws.route53",
        "time": "2026-11-22T10:00:00Z", "region": "us-east-1", "resources": [],
        "detail": detail,
    });
    if let Some(account) = account {
        event["account"] = json!(account);
    }
    event
}

#[tokio::test]
async fn events_carry_their_account_and_others_are_ignored_or_rejected() {
    let member = id("111111111111");
    let f_own = seeded(4).await;
    let f_member = seeded(5).await;
    let zone = f_member.create_zone(ZoneSpec::public("member.example"));
    let (state, collector) =
        state_over(&[(own_account(), &f_own), (member.clone(), &f_member)]).await;

    // The envelope's account, else CloudTrail's recipientAccountId.
    for event in [
        change_event(Some("111111111111"), None, zone.as_str()),
        change_event(None, Some("111111111111"), zone.as_str()),
    ] {
        let outcome = zonetrail_ingest::ingest_event(&state, &event).await.unwrap();
        assert!(matches!(outcome, EventOutcome::Applied { .. }), "{outcome:?}");
    }
    // Out of scope: ignored, saying so.
    let outside = change_event(Some("999999999999"), None, zone.as_str());
    match zonetrail_ingest::ingest_event(&state, &outside).await.unwrap() {
        EventOutcome::Ignored { reason: IgnoreReason::OutOfScope(account), .. } => {
            assert_eq!(account, id("999999999999"))
        }
        other => panic!("expected out of scope, got {other:?}"),
    }
    // No account at all: ignored.
    let anonymous = change_event(None, None, zone.as_str());
    assert!(matches!(
        zonetrail_ingest::ingest_event(&state, &anonymous).await.unwrap(),
        EventOutcome::Ignored { reason: IgnoreReason::NoAccount, .. }
    ));
    // A malformed account: rejected, naming the field and the value.
    let malformed = change_event(Some("12345"), None, zone.as_str());
    match zonetrail_ingest::ingest_event(&state, &malformed).await {
        Err(EventError::Malformed(e @ DecodeError::BadAccount { .. })) => {
            let text = e.to_string();
            assert!(text.contains("account") && text.contains("12345"), "{text}");
        }
        other => panic!("expected a rejected account, got {other:?}"),
    }
    drop(state);
    let sent = collector.messages().await;
    let records = sent.records(&zone);
    assert_eq!(records.len(), 2, "only the two in-scope events sent anything");
    assert!(records.iter().all(|r| r.account_id.as_ref() == Some(&member)));
}
