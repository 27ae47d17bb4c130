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

/// moto's credentials, turned into `account`'s by assuming a role there.
async fn in_account(base: &aws_config::SdkConfig, account: &str) -> aws_config::SdkConfig {
    let provider = aws_config::sts::AssumeRoleProvider::builder(format!(
        "arn:aws:iam::{account}:role/test-admin"
    ))
    .session_name("zonetrail-test")
    .configure(base)
    .build()
    .await;
    base.to_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
            provider,
        ))
        .build()
}

/// An organization in moto (a fresh management account, three member accounts, one of them in
/// an excluded OU), a zone in each account made with that account's assumed-role credentials:
/// `sweep_all` over `org` reads each account through its own assumed role and sends each
/// zone's messages with its account, one `zones_listed` and one `ok` status per account in
/// scope, and nothing for the excluded one.
#[tokio::test]
async fn an_organization_is_swept_account_by_account_minus_an_excluded_ou() {
    use aws_sdk_organizations::types::OrganizationFeatureSet;
    let (base, _proxy) = crate::support::moto_route53().await;
    let management: u64 = rand::random_range(100_000_000_000..1_000_000_000_000);
    let management = management.to_string();
    let sdk = in_account(&base, &management).await;
    let org = aws_sdk_organizations::Client::new(&sdk);
    org.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization");
    let root =
        org.list_roots().send().await.expect("ListRoots").roots()[0].id().unwrap().to_owned();
    let tag = crate::support::unique("o");
    let mut members = Vec::new();
    for name in ["apps", "data", "sandbox"] {
        let out = org
            .create_account()
            .email(format!("{name}-{tag}@example.com"))
            .account_name(name)
            .send()
            .await
            .expect("CreateAccount");
        members.push(out.create_account_status().unwrap().account_id().unwrap().to_owned());
    }
    let ou = org
        .create_organizational_unit()
        .parent_id(&root)
        .name("sandbox")
        .send()
        .await
        .expect("CreateOrganizationalUnit");
    let ou = ou.organizational_unit().unwrap().id().unwrap().to_owned();
    org.move_account()
        .account_id(&members[2])
        .source_parent_id(&root)
        .destination_parent_id(&ou)
        .send()
        .await
        .expect("MoveAccount");

    // One zone per account, all of the same name, each made in its account.
    let name = format!("{}.example.", crate::support::unique("org"));
    let mut zones = Vec::new();
    for account in [&management, &members[0], &members[1], &members[2]] {
        let out = aws_sdk_route53::Client::new(&in_account(&base, account).await)
            .create_hosted_zone()
            .name(&name)
            .caller_reference(crate::support::unique("ref"))
            .send()
            .await
            .expect("CreateHostedZone");
        let id = zonetrail_model::ZoneId::parse(out.hosted_zone().unwrap().id()).unwrap();
        zones.push((id, id_of(account)));
    }

    let settings = ScopeSettings {
        accounts: AccountsSetting::Org,
        exclude_ous: vec![zonetrail_ingest::OuId::parse(&ou).unwrap()],
        ..ScopeSettings::default()
    };
    let accounts = Accounts::new(&sdk, settings).await.expect("the own account");
    let (queue, mut receiver) = MemoryQueue::new(16, fast_config().max_message_bytes);
    let collector = Collector::spawn(async move {
        let mut messages = Vec::new();
        while let Some(body) = receiver.recv().await {
            messages.push(Message::from_json(&body).unwrap());
        }
        messages
    });
    let state = State::new(&sdk, fast_config(), Arc::new(queue), accounts);
    let report = sweep_all(&state, &NoProgress).await.unwrap();
    drop(state);
    let sent = collector.messages().await;

    let mut swept: Vec<_> = report.accounts.iter().map(|a| a.account_id.to_string()).collect();
    swept.sort();
    let mut want = vec![management.clone(), members[0].clone(), members[1].clone()];
    want.sort();
    assert_eq!(swept, want, "the organization minus the excluded OU");
    for a in &report.accounts {
        assert_eq!(a.status, AccountState::Ok, "{}: {:?}", a.account_id, a.error);
    }
    let named = report.accounts.iter().find(|a| a.account_id == id_of(&members[0])).unwrap();
    assert_eq!(named.account_name.as_deref(), Some("apps"));
    for (zone, account) in &zones[..3] {
        let zone_messages = sent.zones(zone);
        assert_eq!(zone_messages.len(), 1, "{zone} of {account}");
        assert_eq!(zone_messages[0].account_id.as_ref(), Some(account));
        assert!(sent.done(zone).iter().all(|d| d.account_id.as_ref() == Some(account)));
        let listed = sent.zones_listed(account);
        assert_eq!(listed.len(), 1, "{account}");
        assert!(listed[0].zone_ids.contains(zone));
        let statuses = sent.statuses(account);
        assert_eq!(statuses.len(), 1);
        assert_eq!(statuses[0].status, AccountState::Ok);
    }
    let (excluded_zone, excluded) = &zones[3];
    assert!(sent.zones(excluded_zone).is_empty(), "the excluded OU's account is not read");
    assert!(sent.zones_listed(excluded).is_empty());
    assert!(sent.statuses(excluded).is_empty());
}

fn id_of(account: &str) -> AccountId {
    AccountId::parse(account).unwrap()
}
