//! Who may edit annotations, and who an edit is recorded as.
//!
//! - Behind API Gateway (the Lambda), the JWT authorizer has verified the token before the
//!   function runs, and the function reads the verified claims from the request context. An
//!   editor's token carries the configured claim with the configured value (`cognito:groups`
//!   holding `zonetrail-editors` by default). The edit is recorded as the token's `email`,
//!   else its `sub`: never anything from the request body.
//! - A local server (`zonetrail up`, `zonetrail serve`) has no sign-in. A loopback client
//!   edits as `local`; any other client is refused unless the server was started with
//!   `--allow-edits`, and is then recorded as `local@<its address>`.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;

use crate::config::EditPolicy;

/// Who is asking, as far as edits go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// May edit, recorded as this.
    Editor(String),
    /// May not edit. `who` is who the caller is, when known; `reason` says why not.
    Reader { who: Option<String>, reason: String },
}

impl Caller {
    pub fn of(parts: &Parts, policy: &EditPolicy) -> Self {
        match policy {
            EditPolicy::Claims { claim, value } => from_claims(parts, claim, value),
            EditPolicy::Local { allow_remote } => from_connection(parts, *allow_remote),
        }
    }
}

fn from_claims(parts: &Parts, claim: &str, value: &str) -> Caller {
    let claims = match parts.extensions.get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|jwt| &jwt.claims)
        }
        _ => None,
    };
    let Some(claims) = claims else {
        return Caller::Reader {
            who: None,
            reason: "no verified sign-in: edits need a token checked by the API's authorizer"
                .to_owned(),
        };
    };
    let who = ["email", "sub"]
        .iter()
        .find_map(|k| claims.get(*k).map(|v| v.trim()).filter(|v| !v.is_empty()))
        .map(str::to_owned);
    let Some(who) = who else {
        return Caller::Reader { who: None, reason: "the token has neither email nor sub".into() };
    };
    match claims.get(claim) {
        Some(raw) if claim_values(raw).any(|v| v == value) => Caller::Editor(who),
        _ => Caller::Reader {
            who: Some(who),
            reason: format!("editing needs {value:?} in the token's {claim:?} claim"),
        },
    }
}

/// The values of a claim as API Gateway passes it: a list claim arrives as one string,
/// `[a b c]`; a JSON array (`["a","b"]`) and a plain value are read too.
pub fn claim_values(raw: &str) -> impl Iterator<Item = String> {
    let raw = raw.trim();
    let values: Vec<String> = match serde_json::from_str::<Vec<String>>(raw) {
        Ok(list) => list,
        Err(_) => {
            let inner = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(raw);
            inner
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect()
        }
    };
    values.into_iter()
}

fn from_connection(parts: &Parts, allow_remote: bool) -> Caller {
    let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let loopback = addr.is_some_and(|a| match a.ip() {
        std::net::IpAddr::V4(ip) => ip.is_loopback(),
        std::net::IpAddr::V6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    });
    match (loopback, addr) {
        (true, _) => Caller::Editor("local".to_owned()),
        (false, Some(a)) if allow_remote => Caller::Editor(format!("local@{}", a.ip())),
        _ => Caller::Reader {
            who: None,
            reason: "edits are allowed from this machine only (start the server with --allow-edits to allow others)".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_claims_read_in_every_shape() {
        let read = |raw: &str| claim_values(raw).collect::<Vec<_>>();
        assert_eq!(read("[zonetrail-editors admins]"), ["zonetrail-editors", "admins"]);
        assert_eq!(read(r#"["zonetrail-editors","admins"]"#), ["zonetrail-editors", "admins"]);
        assert_eq!(read("zonetrail-editors"), ["zonetrail-editors"]);
        assert_eq!(read("[]"), Vec::<String>::new());
        assert!(!read("[zonetrail-editors-not]").contains(&"zonetrail-editors".to_owned()));
    }

    fn parts_from(addr: Option<&str>) -> Parts {
        let mut req = axum::http::Request::new(());
        if let Some(a) = addr {
            req.extensions_mut().insert(ConnectInfo(a.parse::<SocketAddr>().unwrap()));
        }
        req.into_parts().0
    }

    #[test]
    fn locally_loopback_edits_and_others_need_allow_edits() {
        let closed = EditPolicy::Local { allow_remote: false };
        let open = EditPolicy::Local { allow_remote: true };
        for a in ["127.0.0.1:5000", "[::1]:5000", "[::ffff:127.0.0.1]:5000"] {
            assert_eq!(Caller::of(&parts_from(Some(a)), &closed), Caller::Editor("local".into()));
        }
        let remote = parts_from(Some("192.0.2.7:5000"));
        assert!(matches!(Caller::of(&remote, &closed), Caller::Reader { .. }));
        assert_eq!(Caller::of(&remote, &open), Caller::Editor("local@192.0.2.7".into()));
        assert!(matches!(Caller::of(&parts_from(None), &open), Caller::Reader { .. }));
    }

    #[test]
    fn without_a_request_context_claims_allow_nothing() {
        let policy = EditPolicy::Claims {
            claim: "cognito:groups".into(),
            value: "zonetrail-editors".into(),
        };
        assert!(matches!(
            Caller::of(&parts_from(Some("127.0.0.1:1")), &policy),
            Caller::Reader { who: None, .. }
        ));
    }
}
