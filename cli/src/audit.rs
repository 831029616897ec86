//! `neptune-cmk audit`: the periodic sweep of the Lambda, run now, across
//! regions (and, with `--organization`, accounts) concurrently, printed
//! instead of written. A target that fails becomes an error row; the others
//! carry on.

use std::io::IsTerminal;
use std::sync::Arc;

use aws_config::SdkConfig;
use indicatif::{ProgressBar, ProgressStyle};
use neptune_cmk_evaluator::{partition_of, KeyLookup, RuleParameters, Scope, Timestamp};
use neptune_cmk_rule::facts::Judgement;
use neptune_cmk_rule::sweep::{self, JudgementSink, SweepContext, Unjudged};
use neptune_cmk_rule::{Clients, Deadline};
use tokio::sync::Semaphore;

use crate::args::{AuditArgs, Status, Target};
use crate::output::{Account, Report, Row, Verdict};
use crate::{aws, org, Error};

/// The check every audit row answers; also the findings' generator id.
pub const CHECK_NAME: &str = "neptune-cmk-encrypted";

/// Turns judgements into rows for one account and region.
struct Collect<'a> {
    target: &'a ScanTarget,
    partition: &'a str,
    rows: Vec<Row>,
}

impl JudgementSink for Collect<'_> {
    async fn accept(
        &mut self,
        judgement: Judgement,
        identifier: Option<String>,
    ) -> Result<(), neptune_cmk_rule::Error> {
        let (key_manager, key_state) = match &judgement.key {
            Some(KeyLookup::Found(facts)) => (
                Some(facts.key_manager.as_str().to_owned()),
                Some(facts.key_state.as_str().to_owned()),
            ),
            // Otherwise the lookup's own name says what is known.
            Some(KeyLookup::NotFound) => (None, Some("NotFound".to_owned())),
            Some(KeyLookup::AccessDenied) => (None, Some("AccessDenied".to_owned())),
            Some(KeyLookup::KeyPolicyDenied) => (None, Some("KeyPolicyDenied".to_owned())),
            None => (None, None),
        };
        let evaluation = judgement.evaluation;
        let identifier = identifier.unwrap_or_default();
        let target = self.target;
        self.rows.push(Row {
            account: target.account.clone(),
            region: target.region.clone(),
            arn: resource_arn(
                self.partition,
                &target.region,
                &target.account.id,
                &evaluation.resource_type,
                &identifier,
            ),
            resource_type: evaluation.resource_type,
            identifier,
            resource_id: evaluation.resource_id,
            encrypted: judgement.encrypted,
            key_arn: judgement.key_arn,
            key_manager,
            key_state,
            verdict: Verdict::Judged(evaluation.reason.compliance()),
            reason: Some(evaluation.reason),
            annotation: evaluation.annotation.as_str().to_owned(),
        });
        Ok(())
    }

    /// A resource listed but not judged (its key or cluster could not be
    /// looked up, its record did not parse) is an error row of its own.
    fn unjudged(&mut self, resource: &Unjudged) {
        let target = self.target;
        let mut row = Row::error(
            &target.account,
            Some(&target.region),
            resource.error.clone(),
        );
        row.resource_type = resource.resource_type.to_owned();
        row.identifier = resource.name.clone();
        row.resource_id = resource.resource_id.clone().unwrap_or_default();
        self.rows.push(row);
    }
}

/// `arn:aws:rds:us-east-1:123456789012:cluster:graph-1`, as RDS names it.
fn resource_arn(
    partition: &str,
    region: &str,
    account_id: &str,
    resource_type: &str,
    identifier: &str,
) -> Option<String> {
    let kind = match resource_type {
        "AWS::RDS::DBCluster" => "cluster",
        "AWS::RDS::DBInstance" => "db",
        "AWS::RDS::DBClusterSnapshot" => "cluster-snapshot",
        _ => return None,
    };
    (!identifier.is_empty())
        .then(|| format!("arn:{partition}:rds:{region}:{account_id}:{kind}:{identifier}"))
}

/// One account and region to scan, with clients configured for it.
pub struct ScanTarget {
    /// The account.
    pub account: Account,
    /// The region.
    pub region: String,
    /// Credentials and region for both.
    pub config: SdkConfig,
}

/// Runs `audit`.
pub async fn run(args: &AuditArgs) -> Result<Status, Error> {
    let parameters = args.rule.rule_parameters()?;
    if args.org.organization {
        return org::run(args, &parameters).await;
    }
    let target = &args.target;
    let base = aws::sdk_config(target.profile.as_deref(), None).await;
    let regions = regions(target, &base).await?;
    let (account_id, caller_arn) = aws::caller(&base).await?;
    let partition = partition_of(Some(&caller_arn), None);
    let account = Account {
        id: account_id,
        name: None,
    };
    let progress = progress_bar("scanning regions");
    let limit = Arc::new(Semaphore::new(usize::from(args.org.concurrency)));
    let targets = regions
        .into_iter()
        .map(|region| ScanTarget {
            config: with_region(&base, &region),
            account: account.clone(),
            region,
        })
        .collect();
    let rows = scan_all(targets, partition, &parameters, &limit, &progress).await;
    progress.finish_and_clear();
    Report::new("neptune-cmk audit".to_owned(), CHECK_NAME, partition, rows)
        .deliver(args.format, args.output.as_deref())
}

/// `base` for another region, keeping its credentials (and their cache).
pub fn with_region(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder()
        .region(aws_config::Region::new(region.to_owned()))
        .build()
}

/// Scans every target, at most `limit` at once; a failed target becomes one
/// error row. Advances `progress` once per target.
pub async fn scan_all(
    targets: Vec<ScanTarget>,
    partition: &str,
    parameters: &RuleParameters,
    limit: &Arc<Semaphore>,
    progress: &ProgressBar,
) -> Vec<Row> {
    progress.inc_length(targets.len() as u64);
    let mut tasks = tokio::task::JoinSet::new();
    for target in targets {
        let (parameters, partition) = (parameters.clone(), partition.to_owned());
        let (limit, progress) = (Arc::clone(limit), progress.clone());
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = limit.acquire_owned().await.ok();
            let rows = scan(&target, &partition, &parameters).await;
            progress.inc(1);
            rows
        });
    }
    let mut rows = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(target_rows) => rows.extend(target_rows),
            // A panic is a bug; say so rather than lose the target silently.
            Err(error) => rows.push(Row::error(
                &Account {
                    id: "unknown".to_owned(),
                    name: None,
                },
                None,
                format!("a scan panicked (a bug; please report it): {error}"),
            )),
        }
    }
    rows
}

/// The rows of one account and region, with an error row for each
/// resource that could not be judged and one when a listing failed (then
/// some resources may be missing).
async fn scan(target: &ScanTarget, partition: &str, parameters: &RuleParameters) -> Vec<Row> {
    let clients = Clients::new(&target.config);
    // The audit judges every Neptune resource, as a rule without a scope does.
    let scope = Scope::everything();
    let context = SweepContext {
        clients: &clients,
        account_id: &target.account.id,
        region: Some(&target.region),
        parameters,
        scope: &scope,
        key: None,
        // Audits write nothing, so the ordering timestamp is never used.
        ordering_timestamp: Timestamp::from_epoch_millis(0),
        deadline: Deadline::none(),
    };
    let mut sink = Collect {
        target,
        partition,
        rows: Vec::new(),
    };
    let failed = |message: String| Row::error(&target.account, Some(&target.region), message);
    match sweep::sweep(&context, &mut sink).await {
        Ok(report) => {
            let mut rows = sink.rows;
            if let Some(stopped) = report.stopped {
                rows.push(failed(format!(
                    "{stopped} (the resources listed before it are reported; others may be missing)"
                )));
            }
            rows
        }
        Err(error) => vec![failed(error.to_string())],
    }
}

/// The regions to scan: given, all enabled ones, or the configured one.
async fn regions(target: &Target, base: &SdkConfig) -> Result<Vec<String>, Error> {
    if !target.regions.is_empty() {
        return Ok(target.regions.clone());
    }
    if !target.all_regions {
        return aws::region_of(base).map(|region| vec![region]);
    }
    enabled_regions(base).await
}

/// Every region enabled for the credentials' account (Account ListRegions).
pub async fn enabled_regions(config: &SdkConfig) -> Result<Vec<String>, Error> {
    let client = aws_sdk_account::Client::new(config);
    let mut regions = Vec::new();
    let mut next_token = None;
    loop {
        let page = client
            .list_regions()
            .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::Enabled)
            .region_opt_status_contains(aws_sdk_account::types::RegionOptStatus::EnabledByDefault)
            .max_results(50)
            .set_next_token(next_token.take())
            .send()
            .await
            .map_err(|error| {
                let denied = error
                    .as_service_error()
                    .is_some_and(|e| e.is_access_denied_exception());
                if denied {
                    Error::Usage {
                        flag: "--all-regions",
                        message: "it needs account:ListRegions, which these credentials lack; \
                                  grant it or pass --region for each region"
                            .to_owned(),
                    }
                } else {
                    Error::aws("account:ListRegions", "the enabled regions", &error)
                }
            })?;
        regions.extend(
            page.regions()
                .iter()
                .filter_map(|region| region.region_name().map(str::to_owned)),
        );
        next_token = page.next_token().map(str::to_owned);
        if next_token.is_none() {
            return Ok(regions);
        }
    }
}

/// One progress bar on stderr (hidden when it is not a terminal) whose
/// length grows as targets become known.
pub fn progress_bar(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    let template = format!("{{spinner}} {what} {{pos}}/{{len}} [{{bar:30}}] {{elapsed}}");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
