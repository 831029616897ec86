//! `neptune-cmk audit --organization`: every ACTIVE account of the
//! organization (`org::list_accounts`), each through the auditor role
//! assumed in it, in the given regions or every region enabled for it.
//!
//! Work is bounded by one semaphore of `--concurrency` permits, taken by an
//! account while it assumes its role and lists its regions, then by each of
//! its (account, region) scans. A failure in one account (role not
//! assumable, regions not listable) or one region (denied, disabled,
//! throttled beyond the SDK's retries) becomes an error row; the others go on.

use std::sync::Arc;

use aws_config::SdkConfig;
use indicatif::ProgressBar;
use neptune_cmk_evaluator::partition_of;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::args::{AuditArgs, OrgFlags};
use crate::error::Error;
use crate::org::{self, ListAccountsError};
use crate::output;
use crate::progress::progress_bar;
use crate::rows::{Account, Report, Row};
use crate::scan::{self, join_rows, scan_all, Judging, ScanTarget, CHECK_NAME};
use crate::sdk;
use crate::status::Status;

/// What every account's audit shares.
struct OrgRun {
    /// The caller's configuration, with a region for STS.
    base: SdkConfig,
    partition: &'static str,
    caller_arn: String,
    judging: Judging,
    flags: OrgFlags,
    /// `--region`s; empty means the configured region or `--all-regions`.
    regions: Vec<String>,
    all_regions: bool,
    limit: Arc<Semaphore>,
    progress: ProgressBar,
}

/// The accounts to audit, and an error row for each `--accounts` entry
/// that is not an ACTIVE account of the organization.
struct Chosen {
    accounts: Vec<Account>,
    rows: Vec<Row>,
}

/// Runs `audit --organization`.
pub async fn run(args: &AuditArgs, judging: &Judging) -> Result<Status, Error> {
    let flags = &args.scan;
    // STS and Organizations need a region; any region of the partition does.
    let base = sdk::for_scan(flags).await?;
    let caller_arn = sdk::caller(&base).await?.arn;
    let Chosen { accounts, mut rows } = accounts(&base, &args.org).await?;
    let count = accounts.len();
    let run = Arc::new(OrgRun {
        partition: partition_of(Some(&caller_arn), None),
        base,
        caller_arn,
        judging: judging.clone(),
        flags: args.org.clone(),
        regions: flags.regions.clone(),
        all_regions: flags.all_regions,
        limit: Arc::new(Semaphore::new(usize::from(args.org.concurrency))),
        progress: progress_bar("auditing account regions"),
    });
    let mut tasks = JoinSet::new();
    for account in accounts {
        tasks.spawn(audit_account(Arc::clone(&run), account));
    }
    rows.extend(join_rows(tasks, "an account's audit").await);
    run.progress.finish_and_clear();
    let title = format!("neptune-cmk audit --organization ({count} accounts)");
    let report = Report::new(title, CHECK_NAME, run.partition, rows);
    let status = output::deliver(&report, args.format, args.output.as_deref())?;
    judging.filter.found_all(&report.rows)?;
    Ok(status)
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
                &run.judging,
                &run.limit,
                &run.progress,
            )
            .await
        }
        Err(error) => {
            run.progress.inc_length(1);
            run.progress.inc(1);
            vec![Row::error(&account, None, error.to_string())]
        }
    }
}

/// The account's (account, region) targets with assumed credentials.
async fn targets_of(run: &OrgRun, account: &Account) -> Result<Vec<ScanTarget>, Error> {
    let role_arn = org::auditor_role_arn(run.partition, account, &run.flags.role_name);
    let config = org::assume_auditor_role(
        &run.base,
        &role_arn,
        run.flags.external_id.as_deref(),
        &run.caller_arn,
    )
    .await?;
    let regions = scan::regions(&run.regions, run.all_regions, &config)
        .await
        .map_err(|error| match error {
            // Only the listing of regions acts as the role.
            Error::NoRegion => error,
            error => Error::AsAuditor {
                role_arn,
                source: Box::new(error),
            },
        })?;
    Ok(ScanTarget::each_region(account, regions, &config))
}

/// The accounts to audit: the ACTIVE ones, or the `--accounts` among them,
/// less `--exclude-accounts`.
async fn accounts(base: &SdkConfig, flags: &OrgFlags) -> Result<Chosen, Error> {
    let mut rows = Vec::new();
    let active = org::list_accounts(base).await.map(|listed| {
        listed
            .into_iter()
            .filter(|listed| listed.active)
            .map(|listed| listed.account)
            .collect::<Vec<_>>()
    });
    let mut accounts = match (active, flags.accounts.is_empty()) {
        (Ok(active), true) => active,
        (Ok(active), false) => chosen(&active, &flags.accounts, &mut rows),
        // Without Organizations access the given accounts can still be audited.
        (Err(ListAccountsError::Unavailable(error)), false) => {
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
        (Err(error), _) => return Err(error.into_error()),
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
    Ok(Chosen { accounts, rows })
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
