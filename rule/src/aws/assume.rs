//! Acting as another role: the one place that calls sts:AssumeRole, for the
//! rule's `ExecutionRoleName` and the CLI's organization audit alike.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;

use super::sdk_error::error_message;
use crate::{Deadline, Error};

/// A role to act as, and the session to act in.
#[derive(Debug, Clone, Copy)]
pub struct RoleSession<'a> {
    /// The role's ARN ([`role_arn`]).
    pub role_arn: &'a str,
    /// The session's name, as CloudTrail records it.
    pub session_name: &'a str,
    /// The external ID the role's trust policy requires, if any.
    pub external_id: Option<&'a str>,
    /// How long the credentials last (IAM allows 15 minutes to the role's
    /// maximum session duration).
    pub duration: Duration,
}

/// `arn:<partition>:iam::<account>:role/<name>`: a role named in an account
/// (`ExecutionRoleName`, the auditor role of `audit --organization`).
pub fn role_arn(partition: &str, account_id: &str, role_name: &str) -> String {
    format!("arn:{partition}:iam::{account_id}:role/{role_name}")
}

/// `base` acting as `session`'s role: the same region, endpoints and
/// timeouts, with the credentials sts:AssumeRole returns. A failure is
/// [`Error::AssumeRole`] with the service's code and message.
pub async fn assume_role(
    sts: &aws_sdk_sts::Client,
    base: &SdkConfig,
    session: &RoleSession<'_>,
    deadline: &Deadline,
) -> Result<SdkConfig, Error> {
    let failed = |message: String| Error::AssumeRole {
        role_arn: session.role_arn.to_owned(),
        message,
    };
    let call = sts
        .assume_role()
        .role_arn(session.role_arn)
        .role_session_name(session.session_name)
        .set_external_id(session.external_id.map(str::to_owned))
        .duration_seconds(i32::try_from(session.duration.as_secs()).unwrap_or(i32::MAX))
        .send();
    let output = deadline
        .bound("assuming a role", call)
        .await?
        .map_err(|error| failed(error_message(&error)))?;
    let credentials = output
        .credentials()
        .ok_or_else(|| failed("the response carried no credentials".to_owned()))?;
    let assumed = aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        SystemTime::try_from(*credentials.expiration()).ok(),
        "neptune-cmk-assumed-role",
    );
    Ok(base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(assumed))
        .build())
}
