//! One Neptune resource by identifier, or `None` when it does not exist, as
//! the SDK's typed not-found faults tell; and a resource's tags. The rule's
//! fact cache and hook, and the CLI's remediation, all read them here.

use aws_sdk_neptune::types::{DbCluster, DbClusterSnapshot, DbInstance};
use aws_sdk_neptune::Client;
use neptune_cmk_evaluator::Tag;

use super::sdk_error::{failed, ProvideErrorMetadata, SdkError};
use crate::{Deadline, Error};

/// A DB cluster (DescribeDBClusters), or `None` when it does not exist.
pub async fn describe_cluster(
    neptune: &Client,
    deadline: &Deadline,
    identifier: &str,
) -> Result<Option<DbCluster>, Error> {
    let call = neptune
        .describe_db_clusters()
        .db_cluster_identifier(identifier)
        .send();
    let output = unless_missing(
        deadline.bound("describing a DB cluster", call).await?,
        |fault| fault.is_db_cluster_not_found_fault(),
        "rds:DescribeDBClusters",
        identifier,
    )?;
    Ok(output.and_then(|output| output.db_clusters?.into_iter().next()))
}

/// A DB instance (DescribeDBInstances), or `None` when it does not exist.
pub async fn describe_instance(
    neptune: &Client,
    deadline: &Deadline,
    identifier: &str,
) -> Result<Option<DbInstance>, Error> {
    let call = neptune
        .describe_db_instances()
        .db_instance_identifier(identifier)
        .send();
    let output = unless_missing(
        deadline.bound("describing a DB instance", call).await?,
        |fault| fault.is_db_instance_not_found_fault(),
        "rds:DescribeDBInstances",
        identifier,
    )?;
    Ok(output.and_then(|output| output.db_instances?.into_iter().next()))
}

/// A DB cluster snapshot (DescribeDBClusterSnapshots), by identifier or
/// ARN (a snapshot shared from another account is named by its ARN), or
/// `None` when it does not exist.
pub async fn describe_snapshot(
    neptune: &Client,
    deadline: &Deadline,
    identifier: &str,
) -> Result<Option<DbClusterSnapshot>, Error> {
    let call = neptune
        .describe_db_cluster_snapshots()
        .db_cluster_snapshot_identifier(identifier)
        .include_shared(identifier.starts_with("arn:"))
        .send();
    let output = unless_missing(
        deadline
            .bound("describing a DB cluster snapshot", call)
            .await?,
        |fault| fault.is_db_cluster_snapshot_not_found_fault(),
        "rds:DescribeDBClusterSnapshots",
        identifier,
    )?;
    Ok(output.and_then(|output| output.db_cluster_snapshots?.into_iter().next()))
}

/// A resource's tags (ListTagsForResource), by ARN.
pub async fn tags(neptune: &Client, deadline: &Deadline, arn: &str) -> Result<Vec<Tag>, Error> {
    let call = neptune.list_tags_for_resource().resource_name(arn).send();
    let output = deadline
        .bound("listing tags", call)
        .await?
        .map_err(|error| failed("rds:ListTagsForResource", arn, &error))?;
    Ok(output
        .tag_list()
        .iter()
        .filter_map(|tag| Some(Tag::new(tag.key()?, tag.value().unwrap_or_default())))
        .collect())
}

/// A describe call's output, or `None` when the service's fault says the
/// resource does not exist; any other failure is the call's error.
fn unless_missing<O, E, R>(
    result: Result<O, SdkError<E, R>>,
    is_missing: impl Fn(&E) -> bool,
    operation: &'static str,
    identifier: &str,
) -> Result<Option<O>, Error>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(error) if error.as_service_error().is_some_and(&is_missing) => Ok(None),
        Err(error) => Err(failed(operation, identifier, &error)),
    }
}
