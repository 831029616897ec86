//! The SDK configuration, resolved the way the AWS CLI resolves it, and the
//! caller's identity.

use aws_config::SdkConfig;
use neptune_cmk_rule::aws::failed;

use crate::args::AwsFlags;
use crate::error::Error;

/// Who the configured credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The account.
    pub account_id: String,
    /// The principal's ARN (for an assumed role, the session's).
    pub arn: String,
}

/// The SDK configuration for `--region` and `--profile`.
pub async fn for_flags(flags: &AwsFlags) -> SdkConfig {
    sdk_config(flags.profile.as_deref(), flags.region.as_deref()).await
}

/// Builds the SDK configuration from the standard chain (environment,
/// profiles with SSO and `credential_process`, `AWS_ENDPOINT_URL`), with the
/// rule's per-call timeouts.
pub async fn sdk_config(profile: Option<&str>, region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(neptune_cmk_rule::timeouts());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_owned()));
    }
    loader.load().await
}

/// The configured region, or [`Error::NoRegion`].
pub fn region_of(config: &SdkConfig) -> Result<String, Error> {
    config
        .region()
        .map(ToString::to_string)
        .ok_or(Error::NoRegion)
}

/// The caller's account and principal ARN (sts:GetCallerIdentity).
pub async fn caller(config: &SdkConfig) -> Result<Caller, Error> {
    let identity = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| {
            failed(
                "sts:GetCallerIdentity",
                "the configured credentials (are credentials configured?)",
                &error,
            )
        })?;
    let missing = |field: &str| neptune_cmk_rule::Error::Aws {
        operation: "sts:GetCallerIdentity",
        target: "the configured credentials".to_owned(),
        message: format!("the response has no {field}"),
        retryable: false,
    };
    Ok(Caller {
        account_id: identity.account.ok_or_else(|| missing("Account"))?,
        arn: identity.arn.ok_or_else(|| missing("Arn"))?,
    })
}
