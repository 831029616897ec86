//! The SDK configuration, resolved the way the AWS CLI resolves it, and the
//! caller's identity.

use std::time::Duration;

use aws_config::SdkConfig;
use neptune_cmk_rule::aws::{failed, in_region};

use crate::args::{AwsFlags, ScanFlags};
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
pub async fn for_flags(flags: &AwsFlags) -> Result<SdkConfig, Error> {
    sdk_config(flags.profile.as_deref(), flags.region.as_deref()).await
}

/// The SDK configuration for an audit: the profile's, in the profile's
/// region, else in the first `--region` (STS, Organizations and Account
/// ListRegions need one), so `--region` alone is enough.
pub async fn for_scan(flags: &ScanFlags) -> Result<SdkConfig, Error> {
    let base = sdk_config(flags.profile.as_deref(), None).await?;
    match (base.region(), flags.regions.first()) {
        (Some(_), _) => Ok(base),
        (None, Some(region)) => Ok(in_region(&base, region)),
        (None, None) => Err(Error::NoRegion),
    }
}

/// How long the CLI waits: a person is waiting, so an endpoint that never
/// answers fails within seconds (three attempts at most), with a message
/// that says so.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// One attempt of one call.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// One call, retries included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(12);

fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(ATTEMPT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(CALL_TIMEOUT)
        .build()
}

/// Builds the SDK configuration from the standard chain (environment,
/// profiles with SSO and `credential_process`, `AWS_ENDPOINT_URL`), with the
/// CLI's timeouts. A profile named but not defined, and a configured region
/// that is not a region name, are refused here: the SDK would only report
/// them later as missing credentials or a request it cannot build.
pub async fn sdk_config(profile: Option<&str>, region: Option<&str>) -> Result<SdkConfig, Error> {
    check_profile(profile).await?;
    let config = load(profile, region).await;
    match config.region().map(ToString::to_string) {
        Some(configured) if crate::args::region_name(&configured).is_err() => {
            Err(Error::InvalidRegion { region: configured })
        }
        _ => Ok(config),
    }
}

async fn load(profile: Option<&str>, region: Option<&str>) -> SdkConfig {
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_owned()));
    }
    loader.load().await
}

/// [`Error::NoSuchProfile`] when `--profile` or `AWS_PROFILE` names a
/// profile the config and credentials files do not define (as the AWS CLI
/// refuses it). Files that cannot be read or parsed are left to the SDK,
/// which reports them when it loads credentials.
async fn check_profile(flag: Option<&str>) -> Result<(), Error> {
    let from_env = std::env::var("AWS_PROFILE")
        .ok()
        .filter(|name| !name.is_empty());
    let (name, source_of) = match (flag, from_env) {
        (Some(name), _) => (name.to_owned(), "--profile"),
        (None, Some(name)) => (name, "AWS_PROFILE"),
        (None, None) => return Ok(()),
    };
    let Ok(profiles) = aws_config::profile::load(
        &aws_types::os_shim_internal::Fs::real(),
        &aws_types::os_shim_internal::Env::real(),
        &Default::default(),
        Some(name.clone().into()),
    )
    .await
    else {
        return Ok(());
    };
    if profiles.get_profile(&name).is_some() {
        return Ok(());
    }
    let mut known: Vec<&str> = profiles.profiles().collect();
    known.sort_unstable();
    let known = if known.is_empty() {
        "none is defined".to_owned()
    } else {
        format!("defined: {}", known.join(", "))
    };
    Err(Error::NoSuchProfile {
        name,
        source_of,
        known,
    })
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
                "the configured credentials",
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
