//! `neptune-cmk audit`: the periodic sweep of the Lambda, run now, across
//! regions (and, with `--organization`, accounts: `organization`)
//! concurrently, printed instead of written. A target that fails becomes an
//! error row; the others carry on.

mod organization;

use std::sync::Arc;

use neptune_cmk_evaluator::partition_of;
use tokio::sync::Semaphore;

use crate::args::AuditArgs;
use crate::error::Error;
use crate::filter::Filter;
use crate::output;
use crate::progress::progress_bar;
use crate::rows::{Account, Report};
use crate::scan::{self, scan_all, Judging, ScanTarget, CHECK_NAME};
use crate::sdk;
use crate::status::Status;

/// Runs `audit`.
pub async fn run(args: &AuditArgs) -> Result<Status, Error> {
    let judging = Judging {
        parameters: args.rule.rule_parameters()?,
        filter: Filter::new(&args.filter),
    };
    if args.org.organization {
        return organization::run(args, &judging).await;
    }
    let flags = &args.scan;
    let base = sdk::for_scan(flags).await?;
    let regions = scan::regions(&flags.regions, flags.all_regions, &base).await?;
    let caller = sdk::caller(&base).await?;
    let partition = partition_of(Some(&caller.arn), None);
    let account = Account {
        id: caller.account_id,
        name: None,
    };
    let progress = progress_bar("scanning regions");
    let limit = Arc::new(Semaphore::new(usize::from(args.org.concurrency)));
    let targets = ScanTarget::each_region(&account, regions, &base);
    let rows = scan_all(targets, partition, &judging, &limit, &progress).await;
    progress.finish_and_clear();
    let report = Report::new("neptune-cmk audit".to_owned(), CHECK_NAME, partition, rows);
    let status = output::deliver(&report, args.format, args.output.as_deref())?;
    judging.filter.found_all(&report.rows)?;
    Ok(status)
}
