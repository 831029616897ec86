//! Scanning (account, region) targets: each one sweep of the rule
//! (`neptune_cmk_rule::sweep`) with a sink that turns judgements into rows,
//! beside the target's Neptune Analytics graphs (`graphs`), many at once
//! under one limit; and the regions to scan. A target that
//! fails becomes an error row; the others carry on.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_account::types::RegionOptStatus;
use indicatif::ProgressBar;
use neptune_cmk_evaluator::{RuleParameters, Scope, Timestamp};
use neptune_cmk_rule::aws::{self, failed};
use neptune_cmk_rule::fact_cache::Judgement;
use neptune_cmk_rule::sweep::{self, JudgementSink, Listed, SweepContext, Unjudged};
use neptune_cmk_rule::{Clients, Deadline};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::error::Error;
use crate::filter::Filter;
use crate::graphs;
use crate::judged::Judged;
use crate::rows::{Account, Row, RowVerdict};
use crate::sdk;

/// The check every audit row answers; also the findings' generator id.
pub const CHECK_NAME: &str = "neptune-cmk-encrypted";

/// One account and region to scan, with clients configured for it.
pub struct ScanTarget {
    /// The account.
    pub account: Account,
    /// The region.
    pub region: String,
    /// Credentials and region for both.
    pub config: SdkConfig,
}

impl ScanTarget {
    /// `account` in each of `regions`, through `config`'s credentials.
    pub fn each_region(account: &Account, regions: Vec<String>, config: &SdkConfig) -> Vec<Self> {
        regions
            .into_iter()
            .map(|region| Self {
                config: aws::in_region(config, &region),
                account: account.clone(),
                region,
            })
            .collect()
    }
}

/// Scans every target, at most `limit` at once; a failed target becomes one
/// error row. Advances `progress` once per target.
pub async fn scan_all(
    targets: Vec<ScanTarget>,
    partition: &str,
    judging: &Judging,
    limit: &Arc<Semaphore>,
    progress: &ProgressBar,
) -> Vec<Row> {
    progress.inc_length(targets.len() as u64);
    let mut tasks = JoinSet::new();
    for target in targets {
        let (judging, partition) = (judging.clone(), partition.to_owned());
        let (limit, progress) = (Arc::clone(limit), progress.clone());
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = limit.acquire_owned().await.ok();
            let rows = scan(&target, &partition, &judging).await;
            progress.inc(1);
            rows
        });
    }
    join_rows(tasks, "a scan").await
}

/// Every task's rows, as the tasks finish. A task that panicked is a bug:
/// it becomes an error row saying so (`what` names the task), rather than
/// a target lost silently.
pub async fn join_rows(mut tasks: JoinSet<Vec<Row>>, what: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(task_rows) => rows.extend(task_rows),
            Err(error) => rows.push(Row::error(
                &Account::unknown(),
                None,
                format!("{what} panicked (a bug; please report it): {error}"),
            )),
        }
    }
    rows
}

/// How every target is judged: the rule's parameters and which resources
/// to keep.
#[derive(Debug, Clone)]
pub struct Judging {
    /// The rule's parameters.
    pub parameters: RuleParameters,
    /// `--cluster` and `--resource`.
    pub filter: Filter,
}

/// The rows of one account and region, with an error row for each
/// resource that could not be judged and one when a listing failed (then
/// some resources may be missing).
async fn scan(target: &ScanTarget, partition: &str, judging: &Judging) -> Vec<Row> {
    let parameters = &judging.parameters;
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
        clusters_of: Vec::new(),
        filter: &judging.filter,
    };
    let failed = |message: String| Row::error(&target.account, Some(&target.region), message);
    // Neptune Analytics graphs are listed beside the sweep: Config records
    // none, so the rule's sweep never sees them.
    let graphs = graphs::Graphs {
        config: &target.config,
        clients: &clients,
        account: &target.account,
        region: &target.region,
    };
    let (swept, mut graph_rows) =
        tokio::join!(sweep::sweep(&context, &mut sink), graphs.rows(parameters));
    let mut rows = match swept {
        Ok(report) => {
            let mut rows = sink.finish();
            if let Some(stopped) = report.stopped {
                rows.push(failed(format!(
                    "{stopped} (the resources listed before it are reported; others may be missing)"
                )));
            }
            rows
        }
        Err(error) => vec![failed(error.to_string())],
    };
    graph_rows.retain(|row| judging.filter.keeps_row(row));
    rows.append(&mut graph_rows);
    rows
}

/// Turns judgements into rows for one account and region.
struct Collect<'a> {
    target: &'a ScanTarget,
    partition: &'a str,
    rows: Vec<Row>,
    /// The error rows of instances (by index in `rows`), with their cluster.
    clusters_of: Vec<(usize, String)>,
    filter: &'a Filter,
}

impl Collect<'_> {
    /// The rows, each failure said once: an instance that failed as its
    /// cluster did (same cause) points at the cluster's row instead of
    /// repeating its message.
    fn finish(mut self) -> Vec<Row> {
        for (index, cluster) in std::mem::take(&mut self.clusters_of) {
            let failed_cluster = self.rows.iter().find(|row| {
                row.verdict == RowVerdict::Error
                    && row.resource_type == CLUSTER_TYPE
                    && row.identifier == cluster
            });
            let Some(failed_cluster) = failed_cluster else {
                continue;
            };
            if failed_cluster.annotation == self.rows[index].annotation {
                self.rows[index].annotation = format!(
                    "not judged: its cluster {cluster} could not be judged; \
                     see that cluster's row for why"
                );
            }
        }
        self.rows
    }
}

const CLUSTER_TYPE: &str = "AWS::RDS::DBCluster";
const INSTANCE_TYPE: &str = "AWS::RDS::DBInstance";

impl JudgementSink for Collect<'_> {
    async fn accept(
        &mut self,
        judgement: Judgement,
        identifier: Option<String>,
    ) -> Result<(), neptune_cmk_rule::Error> {
        let identifier = identifier.unwrap_or_default();
        let target = self.target;
        let arn = resource_arn(
            self.partition,
            &target.region,
            &target.account.id,
            &judgement.evaluation.resource_type,
            &identifier,
        );
        let judged = Judged {
            account: &target.account,
            region: &target.region,
            arn,
            identifier,
        };
        self.rows.push(judged.row(judgement));
        Ok(())
    }

    /// A resource listed but not judged (its key or cluster could not be
    /// looked up, its record did not parse) is an error row of its own,
    /// with the ARN and ids its record gave.
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
        row.arn = resource.arn.clone().or_else(|| {
            resource_arn(
                self.partition,
                &target.region,
                &target.account.id,
                resource.resource_type,
                &resource.name,
            )
        });
        if let (Some(cluster), INSTANCE_TYPE) = (&resource.cluster, resource.resource_type) {
            self.clusters_of.push((self.rows.len(), cluster.clone()));
        }
        self.rows.push(row);
    }

    fn wants(&self, resource: &Listed) -> bool {
        self.filter.keeps_listed(resource)
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
        CLUSTER_TYPE => "cluster",
        INSTANCE_TYPE => "db",
        "AWS::RDS::DBClusterSnapshot" => "cluster-snapshot",
        _ => return None,
    };
    (!identifier.is_empty())
        .then(|| format!("arn:{partition}:rds:{region}:{account_id}:{kind}:{identifier}"))
}

/// The regions to scan with `config`: those given, every region enabled
/// for its account, or its configured one.
pub async fn regions(
    given: &[String],
    all_regions: bool,
    config: &SdkConfig,
) -> Result<Vec<String>, Error> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    if !all_regions {
        return sdk::region_of(config).map(|region| vec![region]);
    }
    enabled_regions(config).await
}

/// Every region enabled for the credentials' account (Account ListRegions).
async fn enabled_regions(config: &SdkConfig) -> Result<Vec<String>, Error> {
    let mut pages = aws_sdk_account::Client::new(config)
        .list_regions()
        .region_opt_status_contains(RegionOptStatus::Enabled)
        .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
        .into_paginator()
        .page_size(50)
        .send();
    let mut regions = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| {
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
                failed("account:ListRegions", "the enabled regions", &error).into()
            }
        })?;
        regions.extend(
            page.regions()
                .iter()
                .filter_map(|region| region.region_name().map(str::to_owned)),
        );
    }
    Ok(regions)
}
