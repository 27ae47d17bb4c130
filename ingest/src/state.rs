use std::collections::HashMap;
use std::sync::Arc;

use zonetrail_model::AccountId;

use crate::accounts::{Account, Accounts, AccountsError, ScopeSettings};
use crate::config::{ConfigError, IngestConfig};
use crate::queue::{Queue, SqsQueue};

/// Everything the ingest needs, built once at start-up: settings, the accounts in scope (and a
/// Route 53 client for each), the queue for messages and (on AWS) the sweep queue for
/// continuations, targeted sweeps and the scheduled sweep's per-account tasks.
pub struct State {
    pub config: IngestConfig,
    pub accounts: Accounts,
    pub queue: Arc<dyn Queue>,
    /// Where a sweep that runs out of time, or a targeted sweep an event asks for, is handed
    /// over. Without it, targeted sweeps run inline and sweeps run to the end.
    pub sweep_queue: Option<SqsQueue>,
    /// Route 53 clients that replace [`Accounts::route53_for`] for some accounts (tests point
    /// each account at its own fake Route 53).
    route53_overrides: HashMap<AccountId, aws_sdk_route53::Client>,
    /// The same for CloudTrail (the backfill's LookupEvents).
    cloudtrail_overrides: HashMap<AccountId, aws_sdk_cloudtrail::Client>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
}

impl State {
    /// The Lambda's state: settings from the environment (`ZONETRAIL_ACCOUNTS` and the rest of
    /// the scope included), the own account from `sts:GetCallerIdentity`, and the SQS queue at
    /// `ZONETRAIL_QUEUE_URL` (required).
    pub async fn from_env() -> Result<Self, StateError> {
        let config = IngestConfig::from_env()?;
        let scope = ScopeSettings::from_env()?;
        let url = config.queue_url.clone().ok_or(ConfigError::Missing("ZONETRAIL_QUEUE_URL"))?;
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let accounts = Accounts::new(&sdk, scope).await?;
        let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), url, config.max_message_bytes);
        Ok(Self::new(&sdk, config, Arc::new(queue), accounts))
    }

    /// A state around a queue of the caller's choosing (the CLI passes the in-process queue,
    /// or SQS when `ZONETRAIL_QUEUE_URL` is set).
    pub fn new(
        sdk: &aws_config::SdkConfig,
        config: IngestConfig,
        queue: Arc<dyn Queue>,
        accounts: Accounts,
    ) -> Self {
        let sweep_queue = config
            .sweep_queue_url
            .clone()
            .map(|url| SqsQueue::new(aws_sdk_sqs::Client::new(sdk), url, config.max_message_bytes));
        Self {
            config,
            accounts,
            queue,
            sweep_queue,
            route53_overrides: HashMap::new(),
            cloudtrail_overrides: HashMap::new(),
        }
    }

    /// Only the credentials' own account, known beforehand (no call to STS): tests and tools.
    pub fn own_account(
        sdk: &aws_config::SdkConfig,
        config: IngestConfig,
        queue: Arc<dyn Queue>,
        account: AccountId,
    ) -> Self {
        let accounts = Accounts::resolved(sdk, ScopeSettings::default(), account, "aws");
        Self::new(sdk, config, queue, accounts)
    }

    /// Read `account` with `client` instead of the client [`Accounts`] would give.
    pub fn with_route53(mut self, account: AccountId, client: aws_sdk_route53::Client) -> Self {
        self.route53_overrides.insert(account, client);
        self
    }

    /// Read `account`'s CloudTrail with `client` instead of [`Accounts::cloudtrail_for`]'s.
    pub fn with_cloudtrail(
        mut self,
        account: AccountId,
        client: aws_sdk_cloudtrail::Client,
    ) -> Self {
        self.cloudtrail_overrides.insert(account, client);
        self
    }

    /// The credentials' own account: the default for messages and tasks without one.
    pub fn self_account(&self) -> &AccountId {
        self.accounts.self_account()
    }

    pub async fn in_scope(&self) -> Result<Vec<Account>, AccountsError> {
        self.accounts.in_scope().await
    }

    pub async fn contains(&self, account: &AccountId) -> bool {
        self.accounts.contains(account).await
    }

    /// The Route 53 client for `account` (its own credentials: assumed role for another).
    pub fn route53_for(&self, account: &AccountId) -> aws_sdk_route53::Client {
        match self.route53_overrides.get(account) {
            Some(client) => client.clone(),
            None => self.accounts.route53_for(account),
        }
    }

    /// The CloudTrail client for `account` (its own credentials, in us-east-1).
    pub fn cloudtrail_for(&self, account: &AccountId) -> aws_sdk_cloudtrail::Client {
        match self.cloudtrail_overrides.get(account) {
            Some(client) => client.clone(),
            None => self.accounts.cloudtrail_for(account),
        }
    }

    /// How many accounts a sweep reads at once (`ZONETRAIL_SWEEP_CONCURRENCY`).
    pub fn sweep_concurrency(&self) -> usize {
        self.accounts.settings().sweep_concurrency
    }
}
