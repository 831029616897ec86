//! AWS Organizations and STS for `audit --organization` and `report`: the
//! organization's accounts (ListAccounts), and the auditor role assumed in
//! each (through the rule's `aws::assume_role`, the one AssumeRole call).

use std::time::Duration;

use aws_config::SdkConfig;
use neptune_cmk_rule::aws::{self, failed, RoleSession};
use neptune_cmk_rule::Deadline;

use crate::error::Error;
use crate::rows::Account;

/// One account as ListAccounts lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAccount {
    /// Its id and name.
    pub account: Account,
    /// Whether it is ACTIVE (not suspended, not being closed).
    pub active: bool,
}

/// Why ListAccounts gave no list.
#[derive(Debug)]
pub enum ListAccountsError {
    /// Denied, or no organization: only the management account or a
    /// delegated administrator may list.
    Unavailable(Error),
    /// Anything else (network, throttling beyond retries).
    Failed(Error),
}

impl ListAccountsError {
    /// The error either way.
    pub fn into_error(self) -> Error {
        match self {
            Self::Unavailable(error) | Self::Failed(error) => error,
        }
    }
}

/// Every account of the organization with its name, and whether it is
/// ACTIVE (Organizations ListAccounts, paginated).
pub async fn list_accounts(base: &SdkConfig) -> Result<Vec<ListedAccount>, ListAccountsError> {
    let client = aws_sdk_organizations::Client::new(base);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| {
            let unavailable = error.as_service_error().is_some_and(|e| {
                e.is_access_denied_exception() || e.is_aws_organizations_not_in_use_exception()
            });
            let mut failure = failed("organizations:ListAccounts", "the organization", &error);
            if let neptune_cmk_rule::Error::Aws { message, .. } = &mut failure {
                message.push_str(
                    "; run it as the management account or a delegated administrator, \
                     or name the accounts with --accounts",
                );
            }
            if unavailable {
                ListAccountsError::Unavailable(failure.into())
            } else {
                ListAccountsError::Failed(failure.into())
            }
        })?;
        for account in page.accounts() {
            if let Some(id) = account.id() {
                accounts.push(ListedAccount {
                    account: Account {
                        id: id.to_owned(),
                        name: account.name().map(str::to_owned),
                    },
                    active: is_active(account),
                });
            }
        }
    }
    Ok(accounts)
}

/// ACTIVE by `State` (the current field) or, from older endpoints, `Status`.
#[allow(deprecated)]
fn is_active(account: &aws_sdk_organizations::types::Account) -> bool {
    match account.state() {
        Some(state) => state.as_str() == "ACTIVE",
        None => account
            .status()
            .is_some_and(|status| status.as_str() == "ACTIVE"),
    }
}

/// The auditor role `role_name` in `account`.
pub fn auditor_role_arn(partition: &str, account: &Account, role_name: &str) -> String {
    aws::role_arn(partition, &account.id, role_name)
}

/// `base` acting as the auditor role `role_arn`. The session lasts an hour,
/// IAM's default maximum, which one account's audit never nears. A denial
/// says how to grant the role to `caller_arn`.
pub async fn assume_auditor_role(
    base: &SdkConfig,
    role_arn: &str,
    external_id: Option<&str>,
    caller_arn: &str,
) -> Result<SdkConfig, Error> {
    let session = RoleSession {
        role_arn,
        session_name: "neptune-cmk-audit",
        external_id,
        duration: Duration::from_secs(3600),
    };
    let sts = aws_sdk_sts::Client::new(base);
    match aws::assume_role(&sts, base, &session, &Deadline::none()).await {
        Ok(config) => Ok(config),
        Err(neptune_cmk_rule::Error::AssumeRole { role_arn, message }) => Err(Error::AuditorRole {
            role_arn,
            message,
            caller_arn: caller_arn.to_owned(),
        }),
        Err(other) => Err(other.into()),
    }
}
