//! The SDK configuration, resolved the way the AWS CLI resolves it, and the
//! caller's identity.

use crate::Error;

/// Builds the SDK configuration from the standard chain (environment,
/// profiles with SSO and `credential_process`, `AWS_ENDPOINT_URL`), with the
/// rule's per-call timeouts.
pub async fn sdk_config(profile: Option<&str>, region: Option<&str>) -> aws_config::SdkConfig {
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
pub fn region_of(config: &aws_config::SdkConfig) -> Result<String, Error> {
    config
        .region()
        .map(ToString::to_string)
        .ok_or(Error::NoRegion)
}

/// The caller's account and principal ARN (sts:GetCallerIdentity).
pub async fn caller(config: &aws_config::SdkConfig) -> Result<(String, String), Error> {
    let identity = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| {
            Error::aws(
                "sts:GetCallerIdentity",
                "the configured credentials (are credentials configured?)",
                &error,
            )
        })?;
    let missing = |field: &str| Error::Aws {
        operation: "sts:GetCallerIdentity",
        target: "the configured credentials".to_owned(),
        message: format!("the response has no {field}"),
    };
    Ok((
        identity.account.ok_or_else(|| missing("Account"))?,
        identity.arn.ok_or_else(|| missing("Arn"))?,
    ))
}
