//! The periodic sweep: list every Neptune cluster, instance and cluster
//! snapshot in the account and region, judge each, and find the stale
//! results of resources that no longer exist.

use std::collections::HashSet;

use aws_sdk_neptune::types::{DbCluster, DbClusterSnapshot, DbInstance, Filter};
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
    let origin = context.origin();

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
            if let Some((resource, facts)) = cluster_resource(cluster, &origin)? {
                // Instances listed next are judged by these facts, without another call.
                if let Some(identifier) = &resource.subject.identifier {
                    cache.remember_cluster(identifier.clone(), facts);
                }
                judge(context, &mut cache, &mut report, sink, resource).await?;
            }
        }
        marker = page.marker().map(str::to_owned);
        if marker.is_none() {
            break;
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
            if let Some(resource) = instance_resource(instance, &origin)? {
                judge(context, &mut cache, &mut report, sink, resource).await?;
            }
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
            if let Some(resource) = snapshot_resource(snapshot, &origin)? {
                judge(context, &mut cache, &mut report, sink, resource).await?;
            }
        }
        marker = page.marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    report.describe_key_calls = cache.describe_key_calls();
    Ok(report)
}

/// Who owns the listed resources, and how their evaluations are stamped.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The account that owns them.
    pub account_id: &'a str,
    /// Their region.
    pub region: Option<&'a str>,
    /// The ordering timestamp of their evaluations.
    pub ordering_timestamp: Timestamp,
}

impl SweepContext<'_> {
    fn origin(&self) -> Origin<'_> {
        Origin {
            account_id: self.account_id,
            region: self.region,
            ordering_timestamp: self.ordering_timestamp,
        }
    }
}

/// A DescribeDBClusters record in the evaluator's types, with its
/// encryption facts (which its instances inherit); `None` for another
/// engine. SDK types go no further than these mappings.
pub fn cluster_resource(
    cluster: &DbCluster,
    origin: &Origin<'_>,
) -> Result<Option<(NeptuneResource, ClusterEncryption)>, Error> {
    if !is_neptune(cluster.engine()) {
        return Ok(None);
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
    let subject = subject(
        origin,
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
    Ok(Some((
        NeptuneResource {
            subject,
            encryption,
        },
        facts,
    )))
}

/// A DescribeDBInstances record; Neptune manages encryption per cluster, so
/// the instance is judged by its cluster.
fn instance_resource(
    instance: &DbInstance,
    origin: &Origin<'_>,
) -> Result<Option<NeptuneResource>, Error> {
    if !is_neptune(instance.engine()) {
        return Ok(None);
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
    let Some(cluster) = instance.db_cluster_identifier() else {
        return Err(incomplete("rds:DescribeDBInstances", "DBClusterIdentifier"));
    };
    Ok(Some(NeptuneResource {
        subject: subject(
            origin,
            ResourceKind::Instance,
            resource_id,
            identifier,
            instance.db_instance_arn(),
        ),
        encryption: Encryption::FromCluster {
            cluster_identifier: cluster.to_owned(),
        },
    }))
}

/// A DescribeDBClusterSnapshots record.
fn snapshot_resource(
    snapshot: &DbClusterSnapshot,
    origin: &Origin<'_>,
) -> Result<Option<NeptuneResource>, Error> {
    if !is_neptune(snapshot.engine()) {
        return Ok(None);
    }
    let Some(identifier) = snapshot.db_cluster_snapshot_identifier() else {
        return Err(incomplete(
            "rds:DescribeDBClusterSnapshots",
            "DBClusterSnapshotIdentifier",
        ));
    };
    // Config records a cluster snapshot under its identifier.
    let subject = subject(
        origin,
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
    Ok(Some(NeptuneResource {
        subject,
        encryption,
    }))
}

async fn judge(
    context: &SweepContext<'_>,
    cache: &mut FactCache,
    report: &mut SweepReport,
    sink: &mut impl JudgementSink,
    resource: NeptuneResource,
) -> Result<(), Error> {
    let identifier = resource.subject.identifier.clone();
    let judgement = cache
        .judge_resource(context.clients, resource, context.parameters)
        .await?;
    report.seen.insert((
        judgement.evaluation.resource_type.clone(),
        judgement.evaluation.resource_id.clone(),
    ));
    sink.accept(judgement, identifier).await
}

fn subject(
    origin: &Origin<'_>,
    kind: ResourceKind,
    resource_id: &str,
    identifier: &str,
    arn: Option<&str>,
) -> Subject {
    Subject::new(
        kind,
        resource_id,
        origin.account_id,
        origin.region.map(str::to_owned),
        arn,
        origin.ordering_timestamp,
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
