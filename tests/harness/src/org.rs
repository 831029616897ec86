//! Accounts and roles as IAM has them: an organization managed by the
//! default account, member accounts created through Organizations, and the
//! IAM roles a test assumes, created before it assumes them (the launcher
//! started by [`Moto::start`] refuses AssumeRole of a role that does not
//! exist, as STS does).

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;

use crate::{Moto, ACCOUNT, REGION};

/// The role Organizations creates in every account it creates (CreateAccount's
/// default `RoleName`), trusting the management account.
pub const ORGANIZATION_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

/// Makes the default account the management account of an organization
/// with every feature.
pub async fn create_organization(moto: &Moto) {
    aws_sdk_organizations::Client::new(&moto.sdk_config().await)
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
}

/// Creates a member account named `name` (the organization must exist);
/// returns its id. Organizations puts [`ORGANIZATION_ACCESS_ROLE`] in it.
pub async fn create_member(moto: &Moto, name: &str) -> String {
    let email = format!(
        "{}@example.com",
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let created = aws_sdk_organizations::Client::new(&moto.sdk_config().await)
        .create_account()
        .email(email)
        .account_name(name)
        .send()
        .await
        .unwrap();
    created
        .create_account_status()
        .and_then(|status| status.account_id())
        .expect("moto creates accounts at once")
        .to_owned()
}

/// Creates the IAM role `role_name` in `account`, trusting the default
/// (management) account: with the plain test keys in the default account,
/// through [`ORGANIZATION_ACCESS_ROLE`] in a member, as an administrator
/// would.
pub async fn create_role(moto: &Moto, account: &str, role_name: &str) {
    let sdk_config = match account {
        ACCOUNT => moto.sdk_config().await,
        member => assumed(moto, member, ORGANIZATION_ACCESS_ROLE, REGION).await,
    };
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
            "Action": "sts:AssumeRole",
        }],
    });
    aws_sdk_iam::Client::new(&sdk_config)
        .create_role()
        .role_name(role_name)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap_or_else(|error| panic!("creating {role_name} in {account}: {error:?}"));
}

/// SDK configuration acting as `role_name` in `account`, in `region`,
/// assumed from the default account's test keys.
pub async fn assumed(moto: &Moto, account: &str, role_name: &str, region: &str) -> SdkConfig {
    let role_arn = format!("arn:aws:iam::{account}:role/{role_name}");
    let output = aws_sdk_sts::Client::new(&moto.sdk_config().await)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("neptune-cmk-test")
        .send()
        .await
        .unwrap_or_else(|error| panic!("assuming {role_arn}: {error:?}"));
    let credentials = output.credentials().unwrap();
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .endpoint_url(moto.endpoint())
        .credentials_provider(Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_owned()),
            None,
            "assumed",
        ))
        .load()
        .await
}
