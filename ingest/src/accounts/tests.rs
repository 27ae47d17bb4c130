//! Unit tests of the accounts module: settings, ids, partition, and which failures mean
//! "access denied".

use std::collections::HashMap;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_route53::config::http::HttpResponse;
use aws_sdk_route53::error::{ConnectorError, ErrorMetadata, SdkError};
use aws_sdk_route53::operation::list_hosted_zones::ListHostedZonesError;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_types::body::SdkBody;
use zonetrail_model::AccountId;

use super::*;
use crate::config::ConfigError;
use crate::route53::{CallError, Failure, retry::classify};

fn scope(vars: &[(&str, &str)]) -> Result<ScopeSettings, ConfigError> {
    let map: HashMap<String, String> =
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    ScopeSettings::from_lookup(|k| map.get(k).cloned())
}

fn id(raw: &str) -> AccountId {
    AccountId::parse(raw).unwrap()
}

fn ou(raw: &str) -> OuId {
    OuId::parse(raw).unwrap()
}

#[test]
fn defaults_keep_one_account() {
    let s = scope(&[]).unwrap();
    assert_eq!(s, ScopeSettings::default());
    assert_eq!(s.accounts, AccountsSetting::SelfAccount);
    assert_eq!(s.role_name, "zonetrail-readonly");
    assert_eq!(s.external_id, None);
    assert_eq!(s.sweep_concurrency, 8);
    assert!(s.exclude_accounts.is_empty() && s.exclude_ous.is_empty() && s.ous.is_empty());
    // IngestConfig reads the same settings.
    let map: HashMap<&str, &str> = [("ZONETRAIL_ACCOUNTS", "org")].into();
    let config = crate::IngestConfig::from_lookup(|k| map.get(k).map(|v| v.to_string())).unwrap();
    assert_eq!(config.scope.accounts, AccountsSetting::Org);
}

#[test]
fn reads_every_variable() {
    let s = scope(&[
        ("ZONETRAIL_ACCOUNTS", " 111122223333, ,444455556666,111122223333,"),
        ("ZONETRAIL_ACCOUNTS_EXCLUDE", "555566667777,ou-ab12-cdef3456,,555566667777, r-ab12"),
        ("ZONETRAIL_OUS", "ou-ab12-11112222,ou-ab12-11112222"),
        ("ZONETRAIL_ROLE_NAME", "audit-read"),
        ("ZONETRAIL_EXTERNAL_ID", " zt-external-1 "),
        ("ZONETRAIL_SWEEP_CONCURRENCY", "64"),
    ])
    .unwrap();
    assert_eq!(s.accounts, AccountsSetting::List(vec![id("111122223333"), id("444455556666")]));
    assert_eq!(s.exclude_accounts, vec![id("555566667777")]);
    assert_eq!(s.exclude_ous, vec![ou("ou-ab12-cdef3456"), ou("r-ab12")]);
    assert_eq!(s.ous, vec![ou("ou-ab12-11112222")]);
    assert_eq!(s.role_name, "audit-read");
    assert_eq!(s.external_id.as_deref(), Some("zt-external-1"));
    assert_eq!(s.sweep_concurrency, 64);
    for (raw, want) in [
        ("self", AccountsSetting::SelfAccount),
        ("ORG", AccountsSetting::Org),
        (" Self ", AccountsSetting::SelfAccount),
    ] {
        assert_eq!(scope(&[("ZONETRAIL_ACCOUNTS", raw)]).unwrap().accounts, want);
    }
}

#[test]
fn bad_values_name_the_variable_and_the_value() {
    for (var, value, names) in [
        ("ZONETRAIL_ACCOUNTS", "111122223333,12345", "\"12345\""),
        ("ZONETRAIL_ACCOUNTS", "all", "\"all\""),
        ("ZONETRAIL_ACCOUNTS", "self,org", "\"self\""),
        ("ZONETRAIL_ACCOUNTS", ",,", "names no account"),
        ("ZONETRAIL_ACCOUNTS_EXCLUDE", "111122223333,1111-2222-3333", "\"1111-2222-3333\""),
        ("ZONETRAIL_ACCOUNTS_EXCLUDE", "ou-AB12-cdef3456", "\"ou-AB12-cdef3456\""),
        ("ZONETRAIL_OUS", "ou-ab12", "\"ou-ab12\""),
        ("ZONETRAIL_OUS", "111122223333", "\"111122223333\""),
        ("ZONETRAIL_ROLE_NAME", "path/role", "no path"),
        ("ZONETRAIL_SWEEP_CONCURRENCY", "0", "between 1 and 64"),
        ("ZONETRAIL_SWEEP_CONCURRENCY", "65", "between 1 and 64"),
        ("ZONETRAIL_SWEEP_CONCURRENCY", "many", "whole number"),
    ] {
        let err = scope(&[(var, value)]).unwrap_err().to_string();
        assert!(err.contains(var) && err.contains(value.trim()), "{err}");
        assert!(err.contains(names), "{var}={value}: {err}");
    }
    // The external id is not echoed.
    let err = scope(&[("ZONETRAIL_EXTERNAL_ID", "has space")]).unwrap_err().to_string();
    assert!(err.contains("ZONETRAIL_EXTERNAL_ID") && !err.contains("has space"), "{err}");
}

#[test]
fn the_flag_parses_like_the_variable() {
    assert_eq!("org".parse::<AccountsSetting>().unwrap(), AccountsSetting::Org);
    let list: AccountsSetting = "012345678901,012345678901".parse().unwrap();
    assert_eq!(list, AccountsSetting::List(vec![id("012345678901")]));
    assert_eq!(list.to_string(), "012345678901");
    let err = "01234567890x".parse::<AccountsSetting>().unwrap_err();
    assert!(err.contains("\"01234567890x\"") && err.contains("not an AWS account id"), "{err}");
    let err = "everything".parse::<AccountsSetting>().unwrap_err();
    assert!(err.contains("\"everything\"") && err.contains("`org`"), "{err}");
}

#[test]
fn ou_ids() {
    for good in ["ou-ab12-cdef3456", "ou-lnei-a28z3m74", "r-ab12", "r-0123456789abcdef"] {
        assert_eq!(OuId::parse(good).unwrap().as_str(), good);
    }
    for bad in [
        "",
        "ou-",
        "ou-ab1-cdef3456",
        "ou-ab12-cdef345",
        "ou-ab12cdef3456",
        "r-ab1",
        "OU-ab12-cdef3456",
        "ou-ab12-cdef 3456",
    ] {
        let err = OuId::parse(bad).unwrap_err().to_string();
        assert!(err.contains(&format!("{bad:?}")), "{err}");
    }
}

#[test]
fn partition_from_the_caller_arn() {
    assert_eq!(partition_of("arn:aws:sts::123456789012:assumed-role/r/s"), Some("aws"));
    assert_eq!(partition_of("arn:aws-us-gov:iam::123456789012:user/u"), Some("aws-us-gov"));
    assert_eq!(partition_of("arn::iam::1:user/u"), None);
    assert_eq!(partition_of("not an arn"), None);
}

#[tokio::test]
async fn role_arns_and_direct_answers() {
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let settings = ScopeSettings {
        accounts: AccountsSetting::List(vec![id("111122223333"), id("444455556666")]),
        exclude_accounts: vec![id("444455556666")],
        role_name: "audit".into(),
        ..ScopeSettings::default()
    };
    let accounts = Accounts::resolved(&sdk, settings, id("999988887777"), "aws-us-gov");
    assert_eq!(
        accounts.role_arn(&id("111122223333")),
        "arn:aws-us-gov:iam::111122223333:role/audit"
    );
    let scope = accounts.in_scope().await.unwrap();
    assert_eq!(scope, vec![Account { id: id("111122223333"), name: None }]);
    assert!(accounts.contains(&id("111122223333")).await);
    assert!(!accounts.contains(&id("444455556666")).await, "excluded");
    assert!(!accounts.contains(&id("999988887777")).await, "not listed");

    let only_self = Accounts::resolved(&sdk, ScopeSettings::default(), id("999988887777"), "aws");
    assert_eq!(
        only_self.in_scope().await.unwrap(),
        vec![Account { id: id("999988887777"), name: None }]
    );
    assert!(only_self.contains(&id("999988887777")).await);
    assert!(!only_self.contains(&id("111122223333")).await);
}

fn route53_error(status: u16, code: &str) -> SdkError<ListHostedZonesError, HttpResponse> {
    let err = ListHostedZonesError::generic(
        ErrorMetadata::builder().code(code).message("from the test").build(),
    );
    SdkError::service_error(err, HttpResponse::new(status.try_into().unwrap(), SdkBody::empty()))
}

/// What the SDK hands back when the client's credentials provider failed: a dispatch
/// failure whose source is the CredentialsError.
fn credentials_failure(err: CredentialsError) -> SdkError<ListHostedZonesError, HttpResponse> {
    SdkError::dispatch_failure(ConnectorError::other(Box::new(err), None))
}

fn sts_answer(status: u16, code: &str) -> CredentialsError {
    let err = AssumeRoleError::generic(
        aws_sdk_sts::error::ErrorMetadata::builder()
            .code(code)
            .message("User: arn:aws:sts::111122223333:assumed-role/ingest is not authorized to perform: sts:AssumeRole")
            .build(),
    );
    let raw =
        aws_sdk_sts::config::http::HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
    CredentialsError::provider_error(aws_sdk_sts::error::SdkError::service_error(err, raw))
}

#[test]
fn refusals_are_access_denied_and_not_retried() {
    for (status, code) in [(403, "AccessDenied"), (400, "AccessDeniedException"), (403, "")] {
        let failure = classify(&route53_error(status, code));
        assert!(matches!(failure, Failure::AccessDenied(_)), "{status} {code}: {failure:?}");
    }
    let refused = classify(&credentials_failure(sts_answer(403, "AccessDenied")));
    match refused {
        Failure::AccessDenied(message) => {
            assert!(message.contains("not authorized to perform: sts:AssumeRole"), "{message}")
        }
        other => panic!("a refused assume-role is {other:?}"),
    }
    assert!(matches!(
        classify(&credentials_failure(CredentialsError::invalid_configuration("bad role"))),
        Failure::AccessDenied(_)
    ));
}

#[test]
fn failing_credentials_that_were_not_refused_are_errors_not_retried() {
    for err in [
        sts_answer(400, "Throttling"),
        sts_answer(500, "InternalFailure"),
        CredentialsError::provider_timed_out(std::time::Duration::from_secs(5)),
    ] {
        let failure = classify(&credentials_failure(err));
        assert!(matches!(failure, Failure::Fatal(_)), "{failure:?}");
    }
    // A plain network failure is still retried.
    let io = SdkError::<ListHostedZonesError, HttpResponse>::dispatch_failure(ConnectorError::io(
        Box::new(std::io::Error::other("connection reset")),
    ));
    assert!(matches!(classify(&io), Failure::Retryable(_)));
    assert!(matches!(classify(&route53_error(400, "Throttling")), Failure::Retryable(_)));
}

#[derive(Debug, thiserror::Error)]
#[error("sweep of an account failed")]
struct Wrapper(#[source] CallError);

#[test]
fn is_access_denied_reads_the_source_chain() {
    let denied =
        CallError::AccessDenied { operation: "ListHostedZones".into(), message: "no".into() };
    assert!(is_access_denied(&denied));
    assert!(is_access_denied(&Wrapper(denied)));
    let other = CallError::GaveUp {
        operation: "ListHostedZones".into(),
        attempts: 10,
        last: "Throttling".into(),
    };
    assert!(!is_access_denied(&other));
    assert!(!is_access_denied(&Wrapper(other)));
    assert!(is_access_denied(&credentials_failure(sts_answer(403, "AccessDenied"))));
    assert!(!is_access_denied(&credentials_failure(sts_answer(400, "Throttling"))));
    assert!(!is_access_denied(&std::io::Error::other("AccessDenied in a message is not enough")));
}
