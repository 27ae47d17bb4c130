//! Accounts: which AWS accounts zonetrail covers, and a Route 53 client for each.
//!
//! - **Scope** ([`ScopeSettings`], read by [`IngestConfig`](crate::IngestConfig) as `scope`):
//!   `ZONETRAIL_ACCOUNTS` is `self` (the default: the credentials' own account), `org` (every
//!   ACTIVE account of the organization, from `organizations:ListAccounts`) or a list of
//!   account ids. `ZONETRAIL_ACCOUNTS_EXCLUDE` takes account ids and OU ids (an excluded OU
//!   excludes its child OUs too); `ZONETRAIL_OUS` limits `org` to those OUs and their children.
//! - **Access** ([`Accounts::route53_for`]): the credentials' own account is read directly;
//!   any other through `aws_config::sts::AssumeRoleProvider` on
//!   `arn:<partition>:iam::<account>:role/<ZONETRAIL_ROLE_NAME>` (ExternalId from
//!   `ZONETRAIL_EXTERNAL_ID`, session name `zonetrail`). One client per account, kept for the
//!   life of the process, so the client's identity cache keeps and refreshes the credentials.
//! - **Partition**: from the ARN `sts:GetCallerIdentity` answers at start-up (`aws`,
//!   `aws-us-gov`, `aws-cn`).
//! - **Refusals** ([`is_access_denied`]): an assume-role refused or a Route 53 AccessDenied
//!   is a [`CallError::AccessDenied`](crate::route53::CallError::AccessDenied), never retried;
//!   the account's status is `access_denied` and the other accounts go on.
//!
//! Build one [`Accounts`] at start-up ([`Accounts::new`], or [`Accounts::resolved`] when the
//! own account is already known) and clone it freely.

mod access;
mod org;
mod settings;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use zonetrail_model::AccountId;

pub use access::is_access_denied;
pub(crate) use access::{credentials_refused, default_region, denied_code};
pub use settings::{
    AccountsSetting, DEFAULT_ROLE_NAME, DEFAULT_SWEEP_CONCURRENCY, MAX_SWEEP_CONCURRENCY, OuId,
    OuIdError, ScopeSettings,
};

/// In `org` mode, [`Accounts::contains`] trusts the last account list for this long.
const SCOPE_FRESH_FOR: Duration = Duration::from_secs(300);
/// An account missing from a list at least this old makes [`Accounts::contains`] list again
/// (a new account should not wait five minutes for its events).
const SCOPE_MISS_REFRESH_AFTER: Duration = Duration::from_secs(60);

/// One account in scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    /// Its name in Organizations (`org` mode only).
    pub name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("sts:GetCallerIdentity failed, so the credentials' own account is unknown: {0}")]
    CallerIdentity(String),
    #[error("sts:GetCallerIdentity answered an account id that is not one: {0}")]
    BadCallerAccount(String),
    #[error("organizations:{operation} failed: {message}")]
    Organizations { operation: &'static str, message: String },
}

/// The accounts in scope and the way into each. Cheap to clone.
#[derive(Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

struct Inner {
    sdk: SdkConfig,
    settings: ScopeSettings,
    self_account: AccountId,
    partition: String,
    base: aws_sdk_route53::Client,
    clients: Mutex<HashMap<AccountId, aws_sdk_route53::Client>>,
    /// Each account's CloudTrail client (the backfill's), the own account's included.
    cloudtrail: Mutex<HashMap<AccountId, aws_sdk_cloudtrail::Client>>,
    /// Each account's shared configuration for the resource sweep's EC2, S3, CloudFront and
    /// Elastic Beanstalk clients (see [`Accounts::sdk_for`]).
    sdks: Mutex<HashMap<AccountId, SdkConfig>>,
    /// `org` mode: the last account list, and when it was read.
    last_scope: tokio::sync::Mutex<Option<(Instant, HashSet<AccountId>)>>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("self_account", &self.inner.self_account)
            .field("partition", &self.inner.partition)
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Accounts {
    /// Resolves the credentials' own account and partition with `sts:GetCallerIdentity`.
    pub async fn new(sdk: &SdkConfig, settings: ScopeSettings) -> Result<Self, AccountsError> {
        let mut sts = aws_sdk_sts::config::Builder::from(sdk);
        if sdk.region().is_none() {
            sts = sts.region(aws_sdk_sts::config::Region::new("us-east-1"));
        }
        let sts = aws_sdk_sts::Client::from_conf(sts.build());
        let identity = sts.get_caller_identity().send().await.map_err(|e| {
            AccountsError::CallerIdentity(aws_sdk_sts::error::DisplayErrorContext(&e).to_string())
        })?;
        let account = identity.account().unwrap_or_default();
        let self_account = AccountId::parse(account)
            .map_err(|e| AccountsError::BadCallerAccount(e.to_string()))?;
        let partition = identity.arn().and_then(partition_of).unwrap_or("aws").to_owned();
        Ok(Self::resolved(sdk, settings, self_account, &partition))
    }

    /// The same as [`Accounts::new`] with the own account and partition already known (no
    /// call to STS): for tests, and for callers that resolved them some other way.
    pub fn resolved(
        sdk: &SdkConfig,
        settings: ScopeSettings,
        self_account: AccountId,
        partition: &str,
    ) -> Self {
        let base = crate::route53::client(sdk);
        Self {
            inner: Arc::new(Inner {
                sdk: sdk.clone(),
                settings,
                self_account,
                partition: partition.to_owned(),
                base,
                clients: Mutex::new(HashMap::new()),
                cloudtrail: Mutex::new(HashMap::new()),
                sdks: Mutex::new(HashMap::new()),
                last_scope: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// The credentials' own account.
    pub fn self_account(&self) -> &AccountId {
        &self.inner.self_account
    }

    /// `aws`, `aws-us-gov` or `aws-cn`.
    pub fn partition(&self) -> &str {
        &self.inner.partition
    }

    pub fn settings(&self) -> &ScopeSettings {
        &self.inner.settings
    }

    /// The shared configuration everything was built from (the credentials' own account).
    pub fn sdk(&self) -> &SdkConfig {
        &self.inner.sdk
    }

    /// Every account in scope right now, in a stable order:
    /// - `self`: the own account (unless excluded);
    /// - a list: the list minus the excluded accounts;
    /// - `org`: the organization's ACTIVE accounts, minus excluded accounts and those under
    ///   an excluded OU (at any depth), limited to the accounts under `ZONETRAIL_OUS` when set,
    ///   with their names. The own account is there when the organization lists it.
    pub async fn in_scope(&self) -> Result<Vec<Account>, AccountsError> {
        let settings = &self.inner.settings;
        let accounts = match &settings.accounts {
            AccountsSetting::SelfAccount => {
                vec![Account { id: self.inner.self_account.clone(), name: None }]
            }
            AccountsSetting::List(ids) => {
                ids.iter().map(|id| Account { id: id.clone(), name: None }).collect()
            }
            AccountsSetting::Org => {
                let found = org::discover(&self.inner.sdk, settings).await?;
                let ids = found.iter().map(|a| a.id.clone()).collect();
                *self.inner.last_scope.lock().await = Some((Instant::now(), ids));
                found
            }
        };
        Ok(accounts.into_iter().filter(|a| !settings.excludes(&a.id)).collect())
    }

    /// Whether events of `account` are in scope. `self` and a list answer at once; `org` uses
    /// the last account list, reading it again when it is more than five minutes old (or a
    /// minute, for an account it does not hold). When Organizations cannot be read, the last
    /// list answers; with none, the answer is no (and the error is logged).
    pub async fn contains(&self, account: &AccountId) -> bool {
        let settings = &self.inner.settings;
        if settings.excludes(account) {
            return false;
        }
        match &settings.accounts {
            AccountsSetting::SelfAccount => account == &self.inner.self_account,
            AccountsSetting::List(ids) => ids.contains(account),
            AccountsSetting::Org => {
                let mut last = self.inner.last_scope.lock().await;
                let stale = match &*last {
                    None => true,
                    Some((at, ids)) => {
                        at.elapsed() > SCOPE_FRESH_FOR
                            || (!ids.contains(account) && at.elapsed() > SCOPE_MISS_REFRESH_AFTER)
                    }
                };
                if stale {
                    match org::discover(&self.inner.sdk, settings).await {
                        Ok(found) => {
                            *last =
                                Some((Instant::now(), found.into_iter().map(|a| a.id).collect()));
                        }
                        Err(error) => {
                            tracing::error!(%account, %error, "cannot list the organization's accounts; using the last list");
                            if let Some((at, _)) = last.as_mut() {
                                // Do not ask again on every event while Organizations fails.
                                *at = Instant::now()
                                    .checked_sub(SCOPE_FRESH_FOR - SCOPE_MISS_REFRESH_AFTER)
                                    .unwrap_or_else(Instant::now);
                            }
                        }
                    }
                }
                last.as_ref().is_some_and(|(_, ids)| ids.contains(account))
            }
        }
    }

    /// The Route 53 client for `account`: the base client for the own account, and for any
    /// other one whose credentials come from assuming
    /// `arn:<partition>:iam::<account>:role/<role name>`. Kept per account, so credentials are
    /// cached and refreshed by the client. No call is made here: a refused assume-role shows
    /// on the first Route 53 call, as [`CallError::AccessDenied`](crate::route53::CallError).
    pub fn route53_for(&self, account: &AccountId) -> aws_sdk_route53::Client {
        if account == &self.inner.self_account {
            return self.inner.base.clone();
        }
        let mut clients = self.inner.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(account.clone())
            .or_insert_with(|| crate::route53::client(&self.assumed_sdk(account)))
            .clone()
    }

    /// The CloudTrail client for `account`, in the partition's Route 53 region (`us-east-1` in
    /// `aws`: Route 53 is global and CloudTrail records its calls there), whatever region is
    /// configured. It is built from the shared configuration, so the SDK's own
    /// `AWS_ENDPOINT_URL_CLOUDTRAIL` applies (unless the configuration was given an endpoint in
    /// code), with the same credentials as [`Accounts::route53_for`]: the own account's, or an
    /// assumed role's for another. Kept per account; no call is made here.
    pub fn cloudtrail_for(&self, account: &AccountId) -> aws_sdk_cloudtrail::Client {
        let mut clients = self.inner.cloudtrail.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(account.clone())
            .or_insert_with(|| {
                let sdk = if account == &self.inner.self_account {
                    self.inner.sdk.clone()
                } else {
                    self.assumed_sdk(account)
                };
                crate::backfill::cloudtrail_client(
                    &sdk,
                    access::default_region(&self.inner.partition),
                )
            })
            .clone()
    }

    /// The shared configuration to read `account` with: the own configuration for the own
    /// account, for any other one the same with the credentials of assuming
    /// [`Accounts::role_arn`] (and the partition's default region when none is configured).
    /// Kept per account, so every client built from it (the resource sweep's EC2, S3,
    /// CloudFront and Elastic Beanstalk clients, one per region) shares one credentials
    /// provider. No call is made here: a refused assume-role shows on the first call.
    pub fn sdk_for(&self, account: &AccountId) -> SdkConfig {
        let mut sdks = self.inner.sdks.lock().unwrap_or_else(|e| e.into_inner());
        sdks.entry(account.clone())
            .or_insert_with(|| {
                if account == &self.inner.self_account {
                    self.inner.sdk.clone()
                } else {
                    self.assumed_sdk(account)
                }
            })
            .clone()
    }

    /// Read `account` with `sdk` from now on (in [`Accounts::sdk_for`]): for tests and tools
    /// that point one account somewhere else (a fault, another endpoint).
    pub fn override_sdk(&self, account: AccountId, sdk: SdkConfig) {
        self.inner.sdks.lock().unwrap_or_else(|e| e.into_inner()).insert(account, sdk);
    }

    /// The shared configuration with `account`'s assumed-role credentials (and the
    /// partition's default region when none is configured).
    fn assumed_sdk(&self, account: &AccountId) -> SdkConfig {
        let provider = access::LazyAssumeRole::new(
            self.role_arn(account),
            self.inner.settings.external_id.clone(),
            &self.inner.sdk,
        );
        let mut sdk = self
            .inner
            .sdk
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider));
        if self.inner.sdk.region().is_none() {
            sdk = sdk.region(aws_sdk_route53::config::Region::new(access::default_region(
                &self.inner.partition,
            )));
        }
        sdk.build()
    }

    /// `arn:<partition>:iam::<account>:role/<role name>`.
    pub fn role_arn(&self, account: &AccountId) -> String {
        format!(
            "arn:{}:iam::{account}:role/{}",
            self.inner.partition, self.inner.settings.role_name
        )
    }
}

/// The partition of an ARN (`arn:aws-us-gov:sts::…` → `aws-us-gov`).
fn partition_of(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.next().filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests;
