//! Reaching another account: the SDK's assume-role credentials provider, and telling an
//! account that refuses us from one that is merely failing.

use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials, future};
use aws_sdk_route53::config::Region;
use tokio::sync::OnceCell;

/// `aws_config::sts::AssumeRoleProvider` for one role, built on first use: its builder is
/// async, and a Route 53 client is wanted synchronously. Credentials are cached and refreshed
/// by the identity cache of the client that uses this provider; nothing here calls STS itself.
#[derive(Debug)]
pub(crate) struct LazyAssumeRole {
    role_arn: String,
    external_id: Option<String>,
    sdk: SdkConfig,
    provider: OnceCell<AssumeRoleProvider>,
}

impl LazyAssumeRole {
    pub(crate) fn new(role_arn: String, external_id: Option<String>, sdk: &SdkConfig) -> Self {
        Self { role_arn, external_id, sdk: sdk.clone(), provider: OnceCell::new() }
    }

    async fn provider(&self) -> &AssumeRoleProvider {
        self.provider
            .get_or_init(|| async {
                let mut builder = AssumeRoleProvider::builder(self.role_arn.clone())
                    .session_name("zonetrail")
                    .configure(&self.sdk);
                if let Some(id) = &self.external_id {
                    builder = builder.external_id(id.clone());
                }
                if self.sdk.region().is_none() {
                    builder = builder.region(Region::new(default_region(&self.role_arn)));
                }
                builder.build().await
            })
            .await
    }
}

impl ProvideCredentials for LazyAssumeRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let result: provider::Result = self.provider().await.provide_credentials().await;
            result
        })
    }
}

/// The region STS and Route 53 sign in when none is configured, by partition.
pub(crate) fn default_region(arn_or_partition: &str) -> &'static str {
    let partition = arn_or_partition.strip_prefix("arn:").unwrap_or(arn_or_partition);
    if partition.starts_with("aws-us-gov") {
        "us-gov-west-1"
    } else if partition.starts_with("aws-cn") {
        "cn-north-1"
    } else {
        "us-east-1"
    }
}

/// True when `err` means the account cannot be read, so its status is `access_denied`:
///
/// - a Route 53 [`CallError::AccessDenied`](crate::route53::CallError::AccessDenied) (Route 53
///   answered `AccessDenied`, `AccessDeniedException` or HTTP 403);
/// - a Route 53 call whose credentials could not be had because STS refused the assume-role
///   (the SDK reports it as a dispatch failure with a `CredentialsError` source);
/// - any error whose source chain holds one of those.
///
/// Everything else (throttled out, a 5xx, STS unreachable) is an ordinary `error`.
pub fn is_access_denied(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(err) = next {
        if let Some(call) = err.downcast_ref::<crate::route53::CallError>() {
            return call.is_access_denied();
        }
        if let Some(credentials) = err.downcast_ref::<CredentialsError>() {
            return credentials_refused(credentials);
        }
        next = err.source();
    }
    false
}

/// Whether a credentials failure is a refusal (STS answered, and not with a throttling or a
/// 5xx), rather than a timeout or an unreachable STS.
pub(crate) fn credentials_refused(err: &CredentialsError) -> bool {
    use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    match err {
        CredentialsError::ProviderTimedOut(_) => false,
        CredentialsError::CredentialsNotLoaded(_) | CredentialsError::InvalidConfiguration(_) => {
            true
        }
        _ => {
            let mut next = std::error::Error::source(err);
            while let Some(source) = next {
                if let Some(sdk) = source
                    .downcast_ref::<SdkError<AssumeRoleError, aws_sdk_sts::config::http::HttpResponse>>()
                {
                    return match sdk {
                        SdkError::ServiceError(service) => {
                            let code = service.err().code().unwrap_or_default();
                            let status = service.raw().status().as_u16();
                            !(status >= 500
                                || aws_runtime::retries::classifiers::THROTTLING_ERRORS
                                    .contains(&code)
                                || aws_runtime::retries::classifiers::TRANSIENT_ERRORS
                                    .contains(&code))
                        }
                        _ => false,
                    };
                }
                next = source.source();
            }
            // A provider error from elsewhere (not STS): a refusal unless it says otherwise.
            true
        }
    }
}

/// Whether a Route 53 error code or status says "not allowed".
pub(crate) fn denied_code(code: &str, status: u16) -> bool {
    status == 403 || matches!(code, "AccessDenied" | "AccessDeniedException")
}
