//! The API's configuration, read once at start-up (a handler never reads the environment).

use axum::http::HeaderValue;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("ZONETRAIL_CORS_ORIGIN: {0:?} is not an origin like https://dashboard.example.com")]
    BadOrigin(String),
    #[error("{0}: {1:?} is neither on nor off")]
    BadSwitch(&'static str, String),
    #[error(
        "{0}: {1:?} is not a claim name or value (printable, no spaces, at most 128 characters)"
    )]
    BadClaim(&'static str, String),
}

/// Who may edit annotations (the API's only writes; see `annotations::auth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditPolicy {
    /// Behind API Gateway's JWT authorizer: editors have `value` in the verified token's
    /// `claim` (read from the request context).
    Claims { claim: String, value: String },
    /// A local server without sign-in: loopback clients edit as `local`; others only when
    /// `allow_remote` (`--allow-edits`).
    Local { allow_remote: bool },
}

/// The claim that names an editor by default: Cognito's groups.
pub const DEFAULT_EDITOR_CLAIM: &str = "cognito:groups";
/// The value that claim must hold by default: the group the CDK creates.
pub const DEFAULT_EDITOR_VALUE: &str = "zonetrail-editors";

impl EditPolicy {
    /// The Lambda's policy: `ZONETRAIL_EDITOR_CLAIM` (default `cognito:groups`) must hold
    /// `ZONETRAIL_EDITOR_VALUE` (default `zonetrail-editors`).
    pub fn claims_from_env() -> Result<Self, ConfigError> {
        let read = |var: &'static str, default: &str| -> Result<String, ConfigError> {
            let v = std::env::var(var).unwrap_or_default();
            let v = v.trim();
            if v.is_empty() {
                return Ok(default.to_owned());
            }
            if v.len() > 128 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(ConfigError::BadClaim(var, v.to_owned()));
            }
            Ok(v.to_owned())
        };
        Ok(Self::Claims {
            claim: read("ZONETRAIL_EDITOR_CLAIM", DEFAULT_EDITOR_CLAIM)?,
            value: read("ZONETRAIL_EDITOR_VALUE", DEFAULT_EDITOR_VALUE)?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Origins allowed to call the API from a browser (the dashboard's, when it is served
    /// from elsewhere, e.g. CloudFront). Empty: same origin only. `*` allows any.
    pub cors_origins: Vec<String>,
    /// The built dashboard, served at `/` with a fallback to `index.html` (local server only).
    pub web_dir: Option<PathBuf>,
    /// Index entries a name-substring search (`q`) examines per request at most; the page
    /// then ends where the scan stopped. Bounds the cost of a rare substring.
    pub q_scan_budget: u64,
    /// How long live record counts (`/api/stats`, `/api/zones`) are kept before a recount;
    /// zero counts on every request.
    pub counts_max_age: Duration,
    /// Keep the in-memory substring index of names for `q` (`api::names`); off, `q` scans
    /// the name index within `q_scan_budget`. `ZONETRAIL_NAME_INDEX=off` turns it off.
    pub name_index: bool,
    /// Who may edit annotations.
    pub edits: EditPolicy,
}

/// Examining this many names costs about 2 ms of MySQL time (two covering passes over the
/// index at ~0.1 µs an entry); a client reaches the end of a million names in 100 requests.
pub const DEFAULT_Q_SCAN_BUDGET: u64 = 10_000;

/// Counts a dashboard shows may lag the inventory by this much.
pub const DEFAULT_COUNTS_MAX_AGE: Duration = Duration::from_secs(30);

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            web_dir: None,
            q_scan_budget: DEFAULT_Q_SCAN_BUDGET,
            counts_max_age: DEFAULT_COUNTS_MAX_AGE,
            name_index: true,
            edits: EditPolicy::Local { allow_remote: false },
        }
    }
}

impl ApiConfig {
    /// `ZONETRAIL_CORS_ORIGIN` (comma-separated), `ZONETRAIL_WEB_DIR` (unset: no dashboard,
    /// as on Lambda, where CloudFront serves it) and `ZONETRAIL_NAME_INDEX` (`on`, the
    /// default, or `off`).
    pub fn from_env() -> Result<Self, ConfigError> {
        let cors_origins = std::env::var("ZONETRAIL_CORS_ORIGIN")
            .map(|v| parse_origins(&v))
            .unwrap_or(Ok(Vec::new()))?;
        let web_dir =
            std::env::var_os("ZONETRAIL_WEB_DIR").filter(|v| !v.is_empty()).map(PathBuf::from);
        let name_index = match std::env::var("ZONETRAIL_NAME_INDEX").as_deref() {
            Err(_) | Ok("" | "on" | "true" | "1") => true,
            Ok("off" | "false" | "0") => false,
            Ok(other) => {
                return Err(ConfigError::BadSwitch("ZONETRAIL_NAME_INDEX", other.to_owned()));
            }
        };
        Ok(Self { cors_origins, web_dir, name_index, ..Self::default() })
    }
}

/// `https://a.example.com, https://b.example.com` → both; each must be a valid header value
/// with a scheme, or `*`.
pub fn parse_origins(raw: &str) -> Result<Vec<String>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|origin| {
            let origin = origin.trim_end_matches('/');
            let ok = origin == "*"
                || ((origin.starts_with("https://") || origin.starts_with("http://"))
                    && HeaderValue::from_str(origin).is_ok());
            if ok { Ok(origin.to_owned()) } else { Err(ConfigError::BadOrigin(origin.to_owned())) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            parse_origins(" https://a.example.com/, http://localhost:5173 ").unwrap(),
            ["https://a.example.com", "http://localhost:5173"]
        );
        assert_eq!(parse_origins("*").unwrap(), ["*"]);
        assert!(parse_origins("").unwrap().is_empty());
        assert!(parse_origins("a.example.com").is_err());
        assert!(parse_origins("https://bad\nvalue").is_err());
    }
}
