//! Neptune describe records in the evaluator's types. SDK types go no
//! further than these mappings; the sweep, the fact cache and the CLI all
//! read records through them, so every path sees the same facts.

use aws_sdk_neptune::types::{DbCluster, DbClusterSnapshot, DbInstance};
use neptune_cmk_evaluator::{
    ClusterEncryption, Encryption, NeptuneResource, ResourceKind, Subject, Timestamp,
};

use crate::Error;

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

/// A cluster's encryption facts, which its instances inherit.
pub fn cluster_encryption(cluster: &DbCluster) -> ClusterEncryption {
    ClusterEncryption {
        storage_encrypted: cluster.storage_encrypted().unwrap_or(false),
        kms_key_id: cluster.kms_key_id().map(str::to_owned),
    }
}

/// A cluster snapshot's encryption facts, which a restore without a key of
/// its own inherits.
pub fn snapshot_encryption(snapshot: &DbClusterSnapshot) -> ClusterEncryption {
    ClusterEncryption {
        storage_encrypted: snapshot.storage_encrypted().unwrap_or(false),
        kms_key_id: snapshot.kms_key_id().map(str::to_owned),
    }
}

/// A DescribeDBClusters record; `None` for another engine.
pub fn cluster_resource(
    cluster: &DbCluster,
    origin: &Origin<'_>,
) -> Result<Option<NeptuneResource>, Error> {
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
    let facts = cluster_encryption(cluster);
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
    Ok(Some(NeptuneResource {
        subject,
        encryption,
    }))
}

/// A DescribeDBInstances record; Neptune manages encryption per cluster, so
/// the instance is judged by its cluster.
pub fn instance_resource(
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
pub fn snapshot_resource(
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
