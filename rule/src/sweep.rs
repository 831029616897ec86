//! The periodic sweep: list every Neptune cluster, instance and cluster
//! snapshot in the account and region, judge each, and find the stale
//! results of resources that no longer exist.

use std::collections::{HashMap, HashSet};

use aws_sdk_neptune::types::Filter;
use neptune_cmk_evaluator::{
    ClusterEncryption, Encryption, NeptuneResource, ResourceKind, RuleParameters, Subject,
    Timestamp,
};

use crate::aws::aws_error;
use crate::facts::{FactCache, Judgement};
use crate::{Clients, Error};

/// Neptune's describe calls return at most 100 records per page.
pub const PAGE_SIZE: i32 = 100;

/// Where each judged resource goes: the Lambda writes evaluations, the CLI
/// prints rows.
pub trait JudgementSink {
    /// Takes one judgement; an error stops the sweep.
    fn accept(
        &mut self,
        judgement: Judgement,
        identifier: Option<String>,
    ) -> impl std::future::Future<Output = Result<(), Error>>;

    /// Called before each page is fetched, with what comes next; an error
    /// (such as an approaching deadline) stops the sweep.
    fn checkpoint(&mut self, phase: &str) -> Result<(), Error>;
}

/// What a sweep saw.
#[derive(Debug, Default)]
pub struct SweepReport {
    /// Every (resource type, resource id) judged.
    pub seen: HashSet<(String, String)>,
    /// DescribeKey calls made.
    pub describe_key_calls: usize,
}

/// Where a sweep runs and how its evaluations are stamped.
pub struct SweepContext<'a> {
    /// Clients for the account being swept.
    pub clients: &'a Clients,
    /// The account being swept.
    pub account_id: &'a str,
    /// Its region.
    pub region: Option<&'a str>,
    /// The rule's parameters.
    pub parameters: &'a RuleParameters,
    /// Ordering timestamp of every evaluation (the notification time).
    pub ordering_timestamp: Timestamp,
}

fn engine_filter() -> Filter {
    Filter::builder().name("engine").values("neptune").build()
}

/// Lists and judges every Neptune resource, streaming judgements to `sink`.
pub async fn sweep(
    context: &SweepContext<'_>,
    sink: &mut impl JudgementSink,
) -> Result<SweepReport, Error> {
    let mut report = SweepReport::default();
    let mut cache = FactCache::default();
    let mut cluster_facts: HashMap<String, Option<ClusterEncryption>> = HashMap::new();

    let mut marker: Option<String> = None;
    loop {
        sink.checkpoint("listing DB clusters")?;
        let page = context
            .clients
            .neptune
            .describe_db_clusters()
            .filters(engine_filter())
            .max_records(PAGE_SIZE)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|error| aws_error("rds:DescribeDBClusters", "engine neptune", &error))?;
        for cluster in page.db_clusters() {
            if !is_neptune(cluster.engine()) {
                continue;
            }
            let (Some(identifier), Some(resource_id)) = (
                cluster.db_cluster_identifier(),
                cluster.db_cluster_resource_id(),
            ) else {
                return Err(incomplete(
                    "rds:DescribeDBClusters",
                    "DBClusterIdentifier/DbClusterResourceId",
                ));
            };
            let facts = ClusterEncryption {
                storage_encrypted: cluster.storage_encrypted().unwrap_or(false),
                kms_key_id: cluster.kms_key_id().map(str::to_owned),
            };
            cluster_facts.insert(identifier.to_owned(), Some(facts.clone()));
            let subject = subject(
                context,
                ResourceKind::Cluster,
                resource_id,
                identifier,
                cluster.db_cluster_arn(),
            );
            let encryption = Encryption::from_storage(
                facts.storage_encrypted,
                facts.kms_key_id.as_deref(),
                &subject,
                &format!("DBCluster {identifier} KmsKeyId"),
            )?;
            judge(
                context,
                &mut cache,
                &mut report,
                sink,
                NeptuneResource {
                    subject,
                    encryption,
                },
                identifier,
            )
            .await?;
        }
        marker = page.marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    for (identifier, facts) in cluster_facts {
        if let Some(facts) = facts {
            cache.remember_cluster(identifier, facts);
        }
    }

    loop {
        sink.checkpoint("listing DB instances")?;
        let page = context
            .clients
            .neptune
            .describe_db_instances()
            .filters(engine_filter())
            .max_records(PAGE_SIZE)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|error| aws_error("rds:DescribeDBInstances", "engine neptune", &error))?;
        for instance in page.db_instances() {
            if !is_neptune(instance.engine()) {
                continue;
            }
            let (Some(identifier), Some(resource_id)) = (
                instance.db_instance_identifier(),
                instance.dbi_resource_id(),
            ) else {
                return Err(incomplete(
                    "rds:DescribeDBInstances",
                    "DBInstanceIdentifier/DbiResourceId",
                ));
            };
            let subject = subject(
                context,
                ResourceKind::Instance,
                resource_id,
                identifier,
                instance.db_instance_arn(),
            );
            // Neptune manages encryption per cluster: judge by the cluster.
            let encryption = match instance.db_cluster_identifier() {
                Some(cluster) => Encryption::FromCluster {
                    cluster_identifier: cluster.to_owned(),
                },
                None => return Err(incomplete("rds:DescribeDBInstances", "DBClusterIdentifier")),
            };
            judge(
                context,
                &mut cache,
                &mut report,
                sink,
                NeptuneResource {
                    subject,
                    encryption,
                },
                identifier,
            )
            .await?;
        }
        marker = page.marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }

    loop {
        sink.checkpoint("listing DB cluster snapshots")?;
        let page = context
            .clients
            .neptune
            .describe_db_cluster_snapshots()
            .filters(engine_filter())
            .max_records(PAGE_SIZE)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|error| {
                aws_error("rds:DescribeDBClusterSnapshots", "engine neptune", &error)
            })?;
        for snapshot in page.db_cluster_snapshots() {
            if !is_neptune(snapshot.engine()) {
                continue;
            }
            let Some(identifier) = snapshot.db_cluster_snapshot_identifier() else {
                return Err(incomplete(
                    "rds:DescribeDBClusterSnapshots",
                    "DBClusterSnapshotIdentifier",
                ));
            };
            // Config records a cluster snapshot under its identifier.
            let subject = subject(
                context,
                ResourceKind::ClusterSnapshot,
                identifier,
                identifier,
                snapshot.db_cluster_snapshot_arn(),
            );
            let encryption = Encryption::from_storage(
                snapshot.storage_encrypted().unwrap_or(false),
                snapshot.kms_key_id(),
                &subject,
                &format!("DBClusterSnapshot {identifier} KmsKeyId"),
            )?;
            judge(
                context,
                &mut cache,
                &mut report,
                sink,
                NeptuneResource {
                    subject,
                    encryption,
                },
                identifier,
            )
            .await?;
        }
        marker = page.marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    report.describe_key_calls = cache.describe_key_calls();
    Ok(report)
}

async fn judge(
    context: &SweepContext<'_>,
    cache: &mut FactCache,
    report: &mut SweepReport,
    sink: &mut impl JudgementSink,
    resource: NeptuneResource,
    identifier: &str,
) -> Result<(), Error> {
    let encrypted = match &resource.encryption {
        Encryption::Off => Some(false),
        Encryption::On(_) => Some(true),
        Encryption::FromCluster { .. } => None,
    };
    let judgement = cache
        .judge(
            context.clients,
            resource.assess(),
            context.parameters,
            encrypted,
        )
        .await?;
    report.seen.insert((
        judgement.evaluation.resource_type.clone(),
        judgement.evaluation.resource_id.clone(),
    ));
    sink.accept(judgement, Some(identifier.to_owned())).await
}

fn subject(
    context: &SweepContext<'_>,
    kind: ResourceKind,
    resource_id: &str,
    identifier: &str,
    arn: Option<&str>,
) -> Subject {
    Subject::new(
        kind,
        resource_id,
        context.account_id,
        context.region.map(str::to_owned),
        arn,
        context.ordering_timestamp,
    )
    .with_identifier(Some(identifier.to_owned()))
}

fn is_neptune(engine: Option<&str>) -> bool {
    engine.is_some_and(|engine| engine.eq_ignore_ascii_case("neptune"))
}

fn incomplete(operation: &'static str, fields: &str) -> Error {
    Error::UnexpectedResponse {
        operation,
        target: "engine neptune".to_owned(),
        what: format!("a record without {fields}"),
    }
}
