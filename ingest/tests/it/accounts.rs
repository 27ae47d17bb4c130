//! Accounts against moto: Organizations discovery with OU exclusions, list and self modes, and
//! Route 53 clients that act in the account they are for. Each test works in moto accounts of
//! its own (moto keeps a separate world per account behind AssumeRole, and one organization per
//! management account), so tests do not collide.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_sdk_organizations::types::OrganizationFeatureSet;
use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zonetrail_ingest::accounts::{
    Account, Accounts, AccountsSetting, OuId, ScopeSettings, is_access_denied,
};
use zonetrail_ingest::route53::{CallError, Route53};
use zonetrail_model::AccountId;

use crate::support;

fn random_account() -> AccountId {
    let n: u64 = rand::rng().random_range(100_000_000_000..1_000_000_000_000);
    AccountId::parse(&n.to_string()).unwrap()
}

/// moto's credentials, turned into account `account`'s by assuming a role there.
async fn as_account(base: &SdkConfig, account: &AccountId) -> SdkConfig {
    let provider = AssumeRoleProvider::builder(format!("arn:aws:iam::{account}:role/test-admin"))
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

fn ids(accounts: &[Account]) -> Vec<&str> {
    accounts.iter().map(|a| a.id.as_str()).collect()
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort();
    v
}

struct Org {
    sdk: SdkConfig,
    management: AccountId,
    /// In the root.
    apps: AccountId,
    /// In OU `sandbox`.
    sandbox: AccountId,
    /// In OU `sandbox/child`.
    sandbox_child: AccountId,
    /// In OU `network`.
    network: AccountId,
    /// In the root, closed (SUSPENDED).
    closed: AccountId,
    sandbox_ou: OuId,
    sandbox_child_ou: OuId,
    network_ou: OuId,
}

/// A fresh organization in a fresh management account.
async fn organization() -> Org {
    let base = support::moto_sdk().await;
    let management = random_account();
    let sdk = as_account(&base, &management).await;
    let org = aws_sdk_organizations::Client::new(&sdk);
    org.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization");
    let roots = org.list_roots().send().await.expect("ListRoots");
    let root = roots.roots()[0].id().unwrap().to_owned();
    let tag = support::unique("o");
    let create = async |name: &str| {
        let out = org
            .create_account()
            .email(format!("{name}-{tag}@example.com"))
            .account_name(name)
            .send()
            .await
            .expect("CreateAccount");
        AccountId::parse(out.create_account_status().unwrap().account_id().unwrap()).unwrap()
    };
    let ou = async |parent: &str, name: &str| {
        let out = org
            .create_organizational_unit()
            .parent_id(parent)
            .name(name)
            .send()
            .await
            .expect("CreateOrganizationalUnit");
        OuId::parse(out.organizational_unit().unwrap().id().unwrap()).unwrap()
    };
    let move_to = async |account: &AccountId, ou: &OuId| {
        org.move_account()
            .account_id(account.as_str())
            .source_parent_id(&root)
            .destination_parent_id(ou.as_str())
            .send()
            .await
            .expect("MoveAccount");
    };
    let apps = create("apps").await;
    let sandbox = create("sandbox").await;
    let sandbox_child = create("sandbox-child").await;
    let network = create("network").await;
    let closed = create("closed").await;
    let sandbox_ou = ou(&root, "sandbox").await;
    let sandbox_child_ou = ou(sandbox_ou.as_str(), "child").await;
    let network_ou = ou(&root, "network").await;
    move_to(&sandbox, &sandbox_ou).await;
    move_to(&sandbox_child, &sandbox_child_ou).await;
    move_to(&network, &network_ou).await;
    org.close_account().account_id(closed.as_str()).send().await.expect("CloseAccount");
    Org {
        sdk,
        management,
        apps,
        sandbox,
        sandbox_child,
        network,
        closed,
        sandbox_ou,
        sandbox_child_ou,
        network_ou,
    }
}

fn org_settings() -> ScopeSettings {
    ScopeSettings { accounts: AccountsSetting::Org, ..ScopeSettings::default() }
}

#[tokio::test]
async fn org_discovery_lists_active_accounts_minus_excluded_ous_and_their_children() {
    let org = organization().await;

    let all = Accounts::new(&org.sdk, org_settings()).await.expect("accounts");
    assert_eq!(all.self_account(), &org.management, "GetCallerIdentity gives the own account");
    assert_eq!(all.partition(), "aws");
    let scope = all.in_scope().await.expect("in scope");
    assert_eq!(
        ids(&scope),
        sorted(vec![
            org.management.as_str(),
            org.apps.as_str(),
            org.sandbox.as_str(),
            org.sandbox_child.as_str(),
            org.network.as_str(),
        ]),
        "every ACTIVE account, the management account too, the closed one not"
    );
    let name = |id: &AccountId| scope.iter().find(|a| &a.id == id).unwrap().name.clone();
    assert_eq!(name(&org.apps).as_deref(), Some("apps"));
    assert_eq!(name(&org.network).as_deref(), Some("network"));

    // An excluded OU takes its child OU with it; an excluded account goes too.
    let settings = ScopeSettings {
        exclude_ous: vec![org.sandbox_ou.clone()],
        exclude_accounts: vec![org.apps.clone()],
        ..org_settings()
    };
    let narrowed = Accounts::new(&org.sdk, settings).await.unwrap();
    let scope = narrowed.in_scope().await.unwrap();
    assert_eq!(ids(&scope), sorted(vec![org.management.as_str(), org.network.as_str()]));
    assert!(narrowed.contains(&org.network).await);
    assert!(narrowed.contains(&org.management).await);
    for out in [&org.apps, &org.sandbox, &org.sandbox_child, &org.closed] {
        assert!(!narrowed.contains(out).await, "{out} is out of scope");
    }
    assert!(!narrowed.contains(&random_account()).await, "an account of no organization");

    // ZONETRAIL_OUS limits the organization to those OUs and their children.
    let limited = |ous: Vec<OuId>, exclude_ous: Vec<OuId>| {
        Accounts::resolved(
            &org.sdk,
            ScopeSettings { ous, exclude_ous, ..org_settings() },
            org.management.clone(),
            "aws",
        )
    };
    let scope = limited(vec![org.network_ou.clone()], vec![]).in_scope().await.unwrap();
    assert_eq!(ids(&scope), vec![org.network.as_str()]);
    let scope = limited(vec![org.sandbox_ou.clone()], vec![]).in_scope().await.unwrap();
    assert_eq!(ids(&scope), sorted(vec![org.sandbox.as_str(), org.sandbox_child.as_str()]));
    let scope = limited(vec![org.sandbox_ou.clone()], vec![org.sandbox_child_ou.clone()])
        .in_scope()
        .await
        .unwrap();
    assert_eq!(ids(&scope), vec![org.sandbox.as_str()], "an exclusion inside a limit");
}

#[tokio::test]
async fn list_and_self_modes_answer_without_organizations() {
    let base = support::moto_sdk().await;
    let own = random_account();
    let sdk = as_account(&base, &own).await;
    let (x, y) = (random_account(), random_account());

    let only_self = Accounts::new(&sdk, ScopeSettings::default()).await.unwrap();
    assert_eq!(only_self.self_account(), &own);
    assert_eq!(only_self.in_scope().await.unwrap(), vec![Account { id: own.clone(), name: None }]);
    assert!(only_self.contains(&own).await);
    assert!(!only_self.contains(&x).await);

    let settings = ScopeSettings {
        accounts: AccountsSetting::List(vec![x.clone(), own.clone(), y.clone()]),
        exclude_accounts: vec![y.clone()],
        ..ScopeSettings::default()
    };
    let listed = Accounts::new(&sdk, settings).await.unwrap();
    assert_eq!(ids(&listed.in_scope().await.unwrap()), vec![x.as_str(), own.as_str()]);
    assert!(listed.contains(&x).await && listed.contains(&own).await);
    assert!(!listed.contains(&y).await, "excluded");
}

async fn zone_names(client: &aws_sdk_route53::Client) -> Vec<String> {
    let mut names = Vec::new();
    let mut pages = client.list_hosted_zones().into_paginator().send();
    while let Some(page) = pages.next().await {
        names.extend(
            page.expect("ListHostedZones").hosted_zones().iter().map(|z| z.name().to_owned()),
        );
    }
    names
}

#[tokio::test]
async fn route53_for_another_account_acts_in_that_account() {
    let base = support::moto_sdk().await;
    let (own, other) = (random_account(), random_account());
    let own_sdk = as_account(&base, &own).await;

    // A zone made in `other` with that account's own credentials.
    let name = format!("{}.example.", support::unique("acct"));
    aws_sdk_route53::Client::new(&as_account(&base, &other).await)
        .create_hosted_zone()
        .name(&name)
        .caller_reference(support::unique("ref"))
        .send()
        .await
        .expect("CreateHostedZone in the other account");

    let settings = ScopeSettings {
        accounts: AccountsSetting::List(vec![own.clone(), other.clone()]),
        external_id: Some("zt-test".into()),
        ..ScopeSettings::default()
    };
    let accounts = Accounts::new(&own_sdk, settings).await.unwrap();
    assert_eq!(accounts.role_arn(&other), format!("arn:aws:iam::{other}:role/zonetrail-readonly"));
    assert!(zone_names(&accounts.route53_for(&other)).await.contains(&name), "seen in {other}");
    assert!(!zone_names(&accounts.route53_for(&own)).await.contains(&name), "not in {own}");
    // The client is kept: a second one for the account still works (and reuses credentials).
    assert!(zone_names(&accounts.route53_for(&other)).await.contains(&name));
}

/// An STS (and everything else) that refuses: every request gets a 403 AccessDenied.
async fn refusing_sts() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                // One request per connection is enough for the SDK: answer and close.
                let _ = socket.read(&mut buf).await;
                let body = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ingest is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"#;
                let answer = format!(
                    "HTTP/1.1 403 Forbidden\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (url, requests)
}

#[tokio::test]
async fn a_refused_assume_role_is_access_denied_at_once() {
    let (url, requests) = refusing_sts().await;
    let sdk = support::sdk_for(&url).await;
    let own = random_account();
    let other = random_account();
    let accounts = Accounts::resolved(
        &sdk,
        ScopeSettings {
            accounts: AccountsSetting::List(vec![other.clone()]),
            ..ScopeSettings::default()
        },
        own,
        "aws",
    );
    let mut settings = support::fast_config().sweep;
    settings.max_attempts = 10;
    let route53 = Route53::new(accounts.route53_for(&other), &settings);
    let err = route53
        .call("ListHostedZones", |c| c.list_hosted_zones().send())
        .await
        .expect_err("the role is refused");
    assert!(matches!(err, CallError::AccessDenied { .. }), "{err}");
    assert!(is_access_denied(&err));
    assert!(err.to_string().contains("not authorized to perform: sts:AssumeRole"), "{err}");
    assert_eq!(route53.calls(), 1, "not retried");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "one AssumeRole, no Route 53 request");
}
