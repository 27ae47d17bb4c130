//! Which Route 53 failures are worth another attempt, and how long to wait before it.

use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
use aws_sdk_route53::config::http::HttpResponse;
use aws_sdk_route53::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use rand::Rng;
use std::time::Duration;

/// Whether `code` is one the SDK's own retry classifier retries: throttling (Route 53's
/// `Throttling` and `PriorRequestNotComplete` are in the SDK's list) or a transient timeout.
/// 5xx answers (`InternalFailure`, `ServiceUnavailable`) are retried by their status.
fn retryable_code(code: &str) -> bool {
    THROTTLING_ERRORS.contains(&code) || TRANSIENT_ERRORS.contains(&code)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Throttling, a prior request still in progress, a 5xx, or no answer at all.
    Retryable(String),
    /// The hosted zone does not exist (any more).
    NotFound(String),
    /// The account cannot be read: Route 53 answered AccessDenied (or 403), or the credentials
    /// for it could not be had because assume-role was refused. Not retried; the account's
    /// status is `access_denied`.
    AccessDenied(String),
    /// Anything else: retrying would get the same answer.
    Fatal(String),
}

pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let describe = || DisplayErrorContext(err).to_string();
    // Credentials that could not be had (an assume-role refused) surface before anything is
    // sent, as a dispatch or construction failure with a CredentialsError source: another
    // attempt would be refused again.
    if matches!(err, SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_))
        && let Some(credentials) = credentials_error(err)
    {
        return if crate::accounts::credentials_refused(credentials) {
            Failure::AccessDenied(describe())
        } else {
            Failure::Fatal(describe())
        };
    }
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Failure::Retryable(describe())
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            let status = service.raw().status().as_u16();
            if retryable_code(code) || status >= 500 {
                Failure::Retryable(format!("{} (HTTP {status})", describe()))
            } else if code == "NoSuchHostedZone" {
                Failure::NotFound(describe())
            } else if crate::accounts::denied_code(code, status) {
                Failure::AccessDenied(describe())
            } else {
                Failure::Fatal(describe())
            }
        }
        _ => Failure::Fatal(describe()),
    }
}

/// The credentials failure somewhere in `err`'s source chain, if any.
fn credentials_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a aws_credential_types::provider::error::CredentialsError> {
    let mut next = err.source();
    while let Some(source) = next {
        if let Some(found) = source.downcast_ref() {
            return Some(found);
        }
        next = source.source();
    }
    None
}

/// Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): the `retry`-th
/// retry (1-based) waits a uniformly random time in `0..=min(cap, base * 2^(retry-1))`.
pub fn full_jitter(retry: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(2u32.saturating_pow(retry.saturating_sub(1).min(30)));
    let ceiling = exp.min(cap);
    if ceiling.is_zero() {
        return Duration::ZERO;
    }
    Duration::from_nanos(
        rand::rng().random_range(0..=ceiling.as_nanos().min(u64::MAX as u128) as u64),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_route53::error::ErrorMetadata;
    use aws_sdk_route53::operation::list_resource_record_sets::ListResourceRecordSetsError;
    use aws_smithy_types::body::SdkBody;

    fn answer(status: u16, code: &str) -> Failure {
        let err = ListResourceRecordSetsError::generic(
            ErrorMetadata::builder().code(code).message("from the test").build(),
        );
        let raw = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        classify(&SdkError::service_error(err, raw))
    }

    #[test]
    fn route53_answers_worth_another_attempt_are_retried() {
        for (status, code) in [
            (400, "Throttling"),
            (400, "PriorRequestNotComplete"),
            (400, "RequestThrottled"),
            (400, "RequestTimeout"),
            (500, "InternalFailure"),
            (503, "ServiceUnavailable"),
            (502, ""),
        ] {
            assert!(
                matches!(answer(status, code), Failure::Retryable(_)),
                "{status} {code:?} is not retried"
            );
        }
    }

    #[test]
    fn a_missing_zone_and_a_bad_request_are_not_retried() {
        assert!(matches!(answer(404, "NoSuchHostedZone"), Failure::NotFound(_)));
        assert!(matches!(answer(400, "InvalidInput"), Failure::Fatal(_)));
        assert!(matches!(answer(403, "AccessDenied"), Failure::AccessDenied(_)));
    }

    #[test]
    fn jitter_stays_under_the_exponential_ceiling_and_the_cap() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        for retry in 1..40 {
            let ceiling = (base * 2u32.pow((retry - 1).min(20))).min(cap);
            for _ in 0..50 {
                assert!(full_jitter(retry, base, cap) <= ceiling);
            }
        }
        // Spread, not a constant: 200 draws under a 2 s ceiling are not all equal.
        let draws: std::collections::HashSet<_> =
            (0..200).map(|_| full_jitter(10, base, cap)).collect();
        assert!(draws.len() > 100);
    }
}
