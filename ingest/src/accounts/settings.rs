//! The scope settings: which accounts, which to leave out, and how to reach them.

use std::fmt;
use std::str::FromStr;

use zonetrail_model::AccountId;

use crate::config::ConfigError;

pub const DEFAULT_ROLE_NAME: &str = "zonetrail-readonly";
pub const DEFAULT_SWEEP_CONCURRENCY: usize = 8;
pub const MAX_SWEEP_CONCURRENCY: usize = 64;

/// Where the accounts come from (`ZONETRAIL_ACCOUNTS`, flag `--accounts`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AccountsSetting {
    /// `self`: the credentials' own account, as before accounts existed.
    #[default]
    SelfAccount,
    /// `org`: every ACTIVE account of the organization (`organizations:ListAccounts`).
    Org,
    /// `111122223333,444455556666`: these accounts, in this order, duplicates dropped.
    List(Vec<AccountId>),
}

impl FromStr for AccountsSetting {
    type Err = String;

    /// `self`, `org` (any case) or a comma-separated list of account ids; empty items are
    /// ignored and duplicates dropped. The error names the bad value.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("self") {
            return Ok(Self::SelfAccount);
        }
        if trimmed.eq_ignore_ascii_case("org") {
            return Ok(Self::Org);
        }
        let mut ids = Vec::new();
        for item in items(trimmed) {
            let id = AccountId::parse(item).map_err(|e| {
                if item.bytes().any(|b| b.is_ascii_digit()) {
                    e.to_string()
                } else {
                    format!(
                        "{item:?} is neither `self`, `org` nor an AWS account id (twelve digits, like 123456789012)"
                    )
                }
            })?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return Err(format!("{raw:?} names no account"));
        }
        Ok(Self::List(ids))
    }
}

impl fmt::Display for AccountsSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SelfAccount => f.write_str("self"),
            Self::Org => f.write_str("org"),
            Self::List(ids) => {
                let ids: Vec<&str> = ids.iter().map(AccountId::as_str).collect();
                f.write_str(&ids.join(","))
            }
        }
    }
}

/// An organizational unit id, `ou-ab12-cdef3456`, or a root id, `r-ab12` (excluding or
/// limiting to a root means the whole organization).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OuId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an organizational unit id (like ou-ab12-cdef3456) or a root id (like r-ab12)"
)]
pub struct OuIdError(pub String);

impl OuId {
    pub fn parse(raw: &str) -> Result<Self, OuIdError> {
        let id = raw.trim();
        let lower_alnum = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
        let ok = if let Some(rest) = id.strip_prefix("ou-") {
            match rest.split_once('-') {
                Some((root, ou)) => {
                    (4..=32).contains(&root.len())
                        && lower_alnum(root)
                        && (8..=32).contains(&ou.len())
                        && lower_alnum(ou)
                }
                None => false,
            }
        } else if let Some(rest) = id.strip_prefix("r-") {
            (4..=32).contains(&rest.len()) && lower_alnum(rest)
        } else {
            false
        };
        if ok { Ok(Self(id.to_owned())) } else { Err(OuIdError(raw.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OuId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for OuId {
    type Err = OuIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Which accounts zonetrail covers, and how it reaches them. Read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSettings {
    /// `ZONETRAIL_ACCOUNTS`: `self` (default), `org` or a list of account ids.
    pub accounts: AccountsSetting,
    /// The account ids of `ZONETRAIL_ACCOUNTS_EXCLUDE`.
    pub exclude_accounts: Vec<AccountId>,
    /// The OU (and root) ids of `ZONETRAIL_ACCOUNTS_EXCLUDE`: their accounts and those of
    /// their child OUs are out of scope (`org` only).
    pub exclude_ous: Vec<OuId>,
    /// `ZONETRAIL_OUS`: when set, `org` covers only the accounts under these OUs (children
    /// included).
    pub ous: Vec<OuId>,
    /// `ZONETRAIL_ROLE_NAME`: the role assumed in every account but the credentials' own.
    pub role_name: String,
    /// `ZONETRAIL_EXTERNAL_ID`: the ExternalId given to assume-role, when set.
    pub external_id: Option<String>,
    /// `ZONETRAIL_SWEEP_CONCURRENCY`: accounts swept at once (1 to 64, default 8).
    pub sweep_concurrency: usize,
}

impl Default for ScopeSettings {
    fn default() -> Self {
        Self {
            accounts: AccountsSetting::SelfAccount,
            exclude_accounts: Vec::new(),
            exclude_ous: Vec::new(),
            ous: Vec::new(),
            role_name: DEFAULT_ROLE_NAME.to_owned(),
            external_id: None,
            sweep_concurrency: DEFAULT_SWEEP_CONCURRENCY,
        }
    }
}

impl ScopeSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|var| std::env::var(var).ok())
    }

    /// Reads `ZONETRAIL_ACCOUNTS`, `ZONETRAIL_ACCOUNTS_EXCLUDE`, `ZONETRAIL_OUS`,
    /// `ZONETRAIL_ROLE_NAME`, `ZONETRAIL_EXTERNAL_ID` and `ZONETRAIL_SWEEP_CONCURRENCY`
    /// through `lookup`. Every error names the variable and the value.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty =
            |var: &str| lookup(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let invalid = |var: &'static str, value: &str, reason: String| ConfigError::Invalid {
            var,
            value: value.to_owned(),
            reason,
        };
        let mut settings = Self::default();
        if let Some(raw) = non_empty("ZONETRAIL_ACCOUNTS") {
            settings.accounts =
                raw.parse().map_err(|reason| invalid("ZONETRAIL_ACCOUNTS", &raw, reason))?;
        }
        if let Some(raw) = non_empty("ZONETRAIL_ACCOUNTS_EXCLUDE") {
            for item in items(&raw) {
                if item.starts_with("ou-") || item.starts_with("r-") {
                    let ou = OuId::parse(item)
                        .map_err(|e| invalid("ZONETRAIL_ACCOUNTS_EXCLUDE", &raw, e.to_string()))?;
                    push_new(&mut settings.exclude_ous, ou);
                } else {
                    let id = AccountId::parse(item).map_err(|e| {
                        invalid(
                            "ZONETRAIL_ACCOUNTS_EXCLUDE",
                            &raw,
                            format!("{e}; or an OU id like ou-ab12-cdef3456"),
                        )
                    })?;
                    push_new(&mut settings.exclude_accounts, id);
                }
            }
        }
        if let Some(raw) = non_empty("ZONETRAIL_OUS") {
            for item in items(&raw) {
                let ou =
                    OuId::parse(item).map_err(|e| invalid("ZONETRAIL_OUS", &raw, e.to_string()))?;
                push_new(&mut settings.ous, ou);
            }
        }
        if let Some(raw) = non_empty("ZONETRAIL_ROLE_NAME") {
            settings.role_name = parse_role_name(&raw)
                .map_err(|reason| invalid("ZONETRAIL_ROLE_NAME", &raw, reason))?;
        }
        settings.external_id = non_empty("ZONETRAIL_EXTERNAL_ID");
        if let Some(id) = &settings.external_id {
            let ok = (2..=1224).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/-_".contains(&b));
            if !ok {
                // The value is a shared secret of sorts: say what is wrong without echoing it.
                return Err(invalid(
                    "ZONETRAIL_EXTERNAL_ID",
                    "(hidden)",
                    "expected 2 to 1224 characters of letters, digits and +=,.@:/-_".into(),
                ));
            }
        }
        if let Some(raw) = non_empty("ZONETRAIL_SWEEP_CONCURRENCY") {
            let n: usize = raw.parse().map_err(|_| {
                invalid(
                    "ZONETRAIL_SWEEP_CONCURRENCY",
                    &raw,
                    "expected a whole number of accounts swept at once, e.g. 8".into(),
                )
            })?;
            if !(1..=MAX_SWEEP_CONCURRENCY).contains(&n) {
                return Err(invalid(
                    "ZONETRAIL_SWEEP_CONCURRENCY",
                    &raw,
                    format!("expected between 1 and {MAX_SWEEP_CONCURRENCY}"),
                ));
            }
            settings.sweep_concurrency = n;
        }
        Ok(settings)
    }

    /// Whether `account` is excluded by id (OU exclusions need Organizations).
    pub fn excludes(&self, account: &AccountId) -> bool {
        self.exclude_accounts.contains(account)
    }
}

/// IAM role names: 1 to 64 characters of letters, digits and `+=,.@_-`. A path is not
/// accepted (the role ARN is built as `role/<name>`).
fn parse_role_name(raw: &str) -> Result<String, String> {
    if (1..=64).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    {
        Ok(raw.to_owned())
    } else {
        Err("expected an IAM role name: 1 to 64 letters, digits or +=,.@_- (no path)".into())
    }
}

/// The non-empty, trimmed items of a comma-separated list.
fn items(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn push_new<T: PartialEq>(into: &mut Vec<T>, item: T) {
    if !into.contains(&item) {
        into.push(item);
    }
}
