//! `neptune-cmk audit --organization`: every ACTIVE account of the
//! organization (Organizations ListAccounts), each through the auditor role
//! assumed in it, in the given regions or every region enabled for it.
//!
//! Work is bounded by one semaphore of `--concurrency` permits, taken by an
//! account while it assumes its role and lists its regions, then by each of
//! its (account, region) scans. A failure in one account (role not
//! assumable, regions not listable) or one region (denied, disabled,
//! throttled beyond the SDK's retries) becomes an error row; the others go on.

use std::sync::Arc;
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use indicatif::ProgressBar;
use neptune_cmk_evaluator::{partition_of, RuleParameters};
use tokio::sync::Semaphore;

use crate::args::{AuditArgs, OrgFlags, Status};
use crate::audit::{enabled_regions, progress_bar, scan_all, with_region, ScanTarget, CHECK_NAME};
use crate::output::{Account, Report, Row};
use crate::{aws, Error};

/// What every account's audit shares.
struct OrgRun {
    /// The caller's configuration, with a region for STS.
    base: SdkConfig,
    partition: &'static str,
    caller_arn: String,
    parameters: RuleParameters,
    flags: OrgFlags,
    /// `--region`s; empty means the configured region or `--all-regions`.
    regions: Vec<String>,
    all_regions: bool,
    limit: Arc<Semaphore>,
    progress: ProgressBar,
}

/// Runs `audit --organization`.
pub async fn run(args: &AuditArgs, parameters: &RuleParameters) -> Result<Status, Error> {
    let target = &args.target;
    let base = aws::sdk_config(target.profile.as_deref(), None).await;
    // STS and Organizations need a region; any region of the partition does.
    let base = match (base.region(), target.regions.first()) {
        (Some(_), _) => base,
        (None, Some(region)) => with_region(&base, region),
        (None, None) => return Err(Error::NoRegion),
    };
    let (_, caller_arn) = aws::caller(&base).await?;
    let (accounts, mut rows) = accounts(&base, &args.org).await?;
    let count = accounts.len();
    let run = Arc::new(OrgRun {
        partition: partition_of(Some(&caller_arn), None),
        base,
        caller_arn,
        parameters: parameters.clone(),
        flags: args.org.clone(),
        regions: target.regions.clone(),
        all_regions: target.all_regions,
        limit: Arc::new(Semaphore::new(usize::from(args.org.concurrency))),
        progress: progress_bar("auditing account regions"),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for account in accounts {
        tasks.spawn(audit_account(Arc::clone(&run), account));
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(account_rows) => rows.extend(account_rows),
            Err(error) => rows.push(Row::error(
                &Account {
                    id: "unknown".to_owned(),
                    name: None,
                },
                None,
                format!("an account's audit panicked (a bug; please report it): {error}"),
            )),
        }
    }
    run.progress.finish_and_clear();
    let title = format!("neptune-cmk audit --organization ({count} accounts)");
    Report::new(title, CHECK_NAME, run.partition, rows).deliver(args.format, args.output.as_deref())
}

/// One account: assume its role, find its regions, scan them.
async fn audit_account(run: Arc<OrgRun>, account: Account) -> Vec<Row> {
    let prepared = {
        // Never closed, so acquiring cannot fail.
        let _permit = run.limit.acquire().await.ok();
        targets_of(&run, &account).await
    };
    match prepared {
        Ok(targets) => {
            scan_all(
                targets,
                run.partition,
                &run.parameters,
                &run.limit,
                &run.progress,
            )
            .await
        }
        Err(message) => {
            run.progress.inc_length(1);
            run.progress.inc(1);
            vec![Row::error(&account, None, message)]
        }
    }
}

/// The account's (account, region) targets with assumed credentials, or why not.
async fn targets_of(run: &OrgRun, account: &Account) -> Result<Vec<ScanTarget>, String> {
    let role_arn = format!(
        "arn:{}:iam::{}:role/{}",
        run.partition, account.id, run.flags.role_name
    );
    let config = assume(run, &role_arn).await?;
    let regions = if !run.regions.is_empty() {
        run.regions.clone()
    } else if run.all_regions {
        enabled_regions(&config)
            .await
            .map_err(|error| format!("as {role_arn}: {error}"))?
    } else {
        vec![aws::region_of(&run.base).map_err(|error| error.to_string())?]
    };
    Ok(regions
        .into_iter()
        .map(|region| ScanTarget {
            config: with_region(&config, &region),
            account: account.clone(),
            region,
        })
        .collect())
}

/// The caller's configuration with credentials of `role_arn`. The session
/// lasts an hour, IAM's default maximum, which one account's audit never
/// nears.
async fn assume(run: &OrgRun, role_arn: &str) -> Result<SdkConfig, String> {
    let output = aws_sdk_sts::Client::new(&run.base)
        .assume_role()
        .role_arn(role_arn)
        .role_session_name("neptune-cmk-audit")
        .set_external_id(run.flags.external_id.clone())
        .duration_seconds(3600)
        .send()
        .await
        .map_err(|error| {
            format!(
                "{}; deploy the member-role stack in this account with AuditorPrincipalArn \
                 allowing {} (and AuditorExternalId if --external-id is used), pass the right \
                 --role-name, or skip the account with --exclude-accounts",
                Error::aws("sts:AssumeRole", role_arn, &error),
                run.caller_arn
            )
        })?;
    let credentials = output
        .credentials()
        .ok_or_else(|| format!("sts:AssumeRole of {role_arn} returned no credentials"))?;
    let assumed = aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        SystemTime::try_from(*credentials.expiration()).ok(),
        "neptune-cmk-audit-role",
    );
    Ok(run
        .base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(assumed))
        .build())
}

/// The accounts to audit, and an error row for each `--accounts` entry
/// that is not an ACTIVE account of the organization.
async fn accounts(base: &SdkConfig, flags: &OrgFlags) -> Result<(Vec<Account>, Vec<Row>), Error> {
    let mut rows = Vec::new();
    let active = list_accounts(base).await.map(|listed| {
        listed
            .into_iter()
            .filter(|(_, active)| *active)
            .map(|(account, _)| account)
            .collect::<Vec<_>>()
    });
    let mut accounts = match (active, flags.accounts.is_empty()) {
        (Ok(active), true) => active,
        (Ok(active), false) => chosen(&active, &flags.accounts, &mut rows),
        // Without Organizations access the given accounts can still be audited.
        (Err(Listing::Unavailable(error)), false) => {
            eprintln!("neptune-cmk: {error}; auditing the --accounts given, without names");
            flags
                .accounts
                .iter()
                .map(|id| Account {
                    id: id.clone(),
                    name: None,
                })
                .collect()
        }
        (Err(Listing::Unavailable(error) | Listing::Failed(error)), _) => return Err(error),
    };
    accounts.retain(|account| !flags.exclude_accounts.contains(&account.id));
    accounts.sort();
    accounts.dedup();
    if accounts.is_empty() && rows.is_empty() {
        return Err(Error::Usage {
            flag: "--organization",
            message: "no account is left to audit: check --accounts and --exclude-accounts"
                .to_owned(),
        });
    }
    Ok((accounts, rows))
}

/// The `--accounts` found among the ACTIVE ones; an error row for each other.
fn chosen(active: &[Account], ids: &[String], rows: &mut Vec<Row>) -> Vec<Account> {
    let mut chosen = Vec::new();
    for id in ids {
        match active.iter().find(|account| &account.id == id) {
            Some(account) => chosen.push(account.clone()),
            None => rows.push(Row::error(
                &Account {
                    id: id.clone(),
                    name: None,
                },
                None,
                "not an ACTIVE account of the organization (Organizations ListAccounts); \
                 check the id, or drop it from --accounts"
                    .to_owned(),
            )),
        }
    }
    chosen
}

/// Why ListAccounts gave no list.
pub enum Listing {
    /// Denied, or no organization: only the management account or a
    /// delegated administrator may list.
    Unavailable(Error),
    /// Anything else (network, throttling beyond retries).
    Failed(Error),
}

/// Every account of the organization with its name, and whether it is
/// ACTIVE (Organizations ListAccounts, paginated).
pub async fn list_accounts(base: &SdkConfig) -> Result<Vec<(Account, bool)>, Listing> {
    let client = aws_sdk_organizations::Client::new(base);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| {
            let code = error.as_service_error().and_then(|e| {
                aws_sdk_organizations::error::ProvideErrorMetadata::code(e).map(str::to_owned)
            });
            let mut error = Error::aws("organizations:ListAccounts", "the organization", &error);
            if let Error::Aws { message, .. } = &mut error {
                message.push_str(
                    "; run it as the management account or a delegated administrator, \
                     or name the accounts with --accounts",
                );
            }
            match code.as_deref() {
                Some("AccessDeniedException" | "AWSOrganizationsNotInUseException") => {
                    Listing::Unavailable(error)
                }
                _ => Listing::Failed(error),
            }
        })?;
        for account in page.accounts() {
            if let Some(id) = account.id() {
                let listed = Account {
                    id: id.to_owned(),
                    name: account.name().map(str::to_owned),
                };
                accounts.push((listed, is_active(account)));
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
