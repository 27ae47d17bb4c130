//! `org` mode: the organization's ACTIVE accounts, narrowed by OU.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_organizations::error::DisplayErrorContext;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use aws_smithy_types::retry::RetryConfig;
use zonetrail_model::AccountId;

use super::{Account, AccountsError, ScopeSettings};

/// Organizations' quotas are low (a few requests/s per account): the SDK's standard retries,
/// a little more patient than the default.
fn client(sdk: &SdkConfig) -> aws_sdk_organizations::Client {
    let mut builder = aws_sdk_organizations::config::Builder::from(sdk)
        .retry_config(RetryConfig::standard().with_max_attempts(6));
    if sdk.region().is_none() {
        builder = builder.region(aws_sdk_organizations::config::Region::new("us-east-1"));
    }
    aws_sdk_organizations::Client::from_conf(builder.build())
}

fn org_error(operation: &'static str, err: impl std::error::Error) -> AccountsError {
    AccountsError::Organizations { operation, message: DisplayErrorContext(err).to_string() }
}

/// The organization's ACTIVE accounts in scope, sorted by id. Excluded account ids are
/// filtered by the caller.
pub(super) async fn discover(
    sdk: &SdkConfig,
    settings: &ScopeSettings,
) -> Result<Vec<Account>, AccountsError> {
    let client = client(sdk);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| org_error("ListAccounts", e))?;
        for account in page.accounts() {
            // `State` replaces the deprecated `Status`; either may be the one answered.
            #[allow(deprecated)]
            let active = match (account.state(), account.status()) {
                (Some(state), _) => *state == AccountState::Active,
                (None, Some(status)) => *status == AccountStatus::Active,
                (None, None) => false,
            };
            if !active {
                continue;
            }
            let raw = account.id().unwrap_or_default();
            let id = AccountId::parse(raw).map_err(|e| AccountsError::Organizations {
                operation: "ListAccounts",
                message: e.to_string(),
            })?;
            accounts.push(Account { id, name: account.name().map(str::to_owned) });
        }
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    if settings.exclude_ous.is_empty() && settings.ous.is_empty() {
        return Ok(accounts);
    }
    let mut parents = Parents { client: &client, parent_of: HashMap::new() };
    let mut kept = Vec::with_capacity(accounts.len());
    for account in accounts {
        let ancestors = parents.ancestors(account.id.as_str()).await?;
        let under =
            |ous: &[super::OuId]| ous.iter().any(|ou| ancestors.iter().any(|a| a == ou.as_str()));
        if under(&settings.exclude_ous) {
            continue;
        }
        if !settings.ous.is_empty() && !under(&settings.ous) {
            continue;
        }
        kept.push(account);
    }
    Ok(kept)
}

/// `ListParents`, remembered for one discovery: accounts of one OU share its ancestors.
struct Parents<'a> {
    client: &'a aws_sdk_organizations::Client,
    parent_of: HashMap<String, Option<String>>,
}

impl Parents<'_> {
    /// Every OU above `child` and the root, nearest first.
    async fn ancestors(&mut self, child: &str) -> Result<Vec<String>, AccountsError> {
        let mut chain = Vec::new();
        let mut current = child.to_owned();
        // An organization is at most five OUs deep; the bound only guards against a loop.
        for _ in 0..16 {
            let parent = match self.parent_of.get(&current) {
                Some(parent) => parent.clone(),
                None => {
                    let answer = self
                        .client
                        .list_parents()
                        .child_id(&current)
                        .send()
                        .await
                        .map_err(|e| org_error("ListParents", e))?;
                    let parent = answer.parents().first().and_then(|p| p.id()).map(str::to_owned);
                    self.parent_of.insert(current.clone(), parent.clone());
                    parent
                }
            };
            match parent {
                Some(parent) => {
                    let root = parent.starts_with("r-");
                    chain.push(parent.clone());
                    if root {
                        break;
                    }
                    current = parent;
                }
                None => break,
            }
        }
        Ok(chain)
    }
}
