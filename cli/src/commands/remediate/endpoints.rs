//! Custom endpoints: read from the source cluster (DescribeDBClusterEndpoints,
//! paged), recreated on the new cluster under derived names with members
//! mapped to the new instances, and found again by name when `apply` resumes.
//!
//! A custom endpoint's identifier is unique in an account and region, not
//! per cluster (its DNS name, `<id>.cluster-custom-<hash>.<region>...`,
//! carries no cluster name; a second one fails with
//! DBClusterEndpointAlreadyExistsFault), and the old cluster keeps its
//! endpoints until it is deleted: the new one gets `<id>-cmk`, so its DNS
//! name changes and clients must move to it at the cut-over.

use aws_sdk_neptune::types::DbClusterEndpoint;
use aws_sdk_neptune::Client;
use neptune_cmk_rule::aws::failed;

use crate::error::Error;

/// A custom endpoint of the source cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEndpoint {
    /// DBClusterEndpointIdentifier.
    pub identifier: String,
    /// Its DNS name.
    pub address: Option<String>,
    /// CustomEndpointType: `READER`, `WRITER` or `ANY`.
    pub kind: String,
    /// StaticMembers: instance identifiers.
    pub static_members: Vec<String>,
    /// ExcludedMembers: instance identifiers.
    pub excluded_members: Vec<String>,
}

/// A custom endpoint to create on the new cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// The new endpoint's identifier.
    pub identifier: String,
    /// The new cluster.
    pub cluster: String,
    /// `READER`, `WRITER` or `ANY`.
    pub kind: String,
    /// The new instances it lists.
    pub static_members: Vec<String>,
    /// The new instances it leaves out.
    pub excluded_members: Vec<String>,
    /// The source endpoint it replaces.
    pub source: CustomEndpoint,
}

impl NewEndpoint {
    /// `source` on `cluster`, named by `rename` (the new name of an
    /// endpoint or instance identifier).
    pub fn recreate(
        source: &CustomEndpoint,
        cluster: &str,
        rename: impl Fn(&str) -> String,
    ) -> Self {
        let mapped = |ids: &[String]| ids.iter().map(|id| rename(id)).collect::<Vec<_>>();
        Self {
            identifier: rename(&source.identifier),
            cluster: cluster.to_owned(),
            kind: source.kind.clone(),
            static_members: mapped(&source.static_members),
            excluded_members: mapped(&source.excluded_members),
            source: source.clone(),
        }
    }

    /// Why `found` (the endpoint with this name) is not this one; `None`
    /// when it is. Members compare as sets: the API promises no order.
    pub fn unlike(&self, found: &CustomEndpoint, found_cluster: &str) -> Option<String> {
        let sorted = |ids: &[String]| {
            let mut ids: Vec<String> = ids.iter().map(|id| id.to_ascii_lowercase()).collect();
            ids.sort_unstable();
            ids
        };
        if !found_cluster.eq_ignore_ascii_case(&self.cluster) {
            return Some(format!(
                "it belongs to {found_cluster}, not to {}",
                self.cluster
            ));
        }
        if !found.kind.eq_ignore_ascii_case(&self.kind) {
            return Some(format!(
                "it is a {} endpoint, not {}",
                found.kind, self.kind
            ));
        }
        if sorted(&found.static_members) != sorted(&self.static_members)
            || sorted(&found.excluded_members) != sorted(&self.excluded_members)
        {
            return Some(format!(
                "its members are static [{}], excluded [{}], not static [{}], excluded [{}]",
                found.static_members.join(", "),
                found.excluded_members.join(", "),
                self.static_members.join(", "),
                self.excluded_members.join(", ")
            ));
        }
        None
    }
}

fn custom(endpoint: &DbClusterEndpoint) -> Option<(String, CustomEndpoint)> {
    // The cluster's own writer and reader endpoints are listed too.
    let kind = endpoint.custom_endpoint_type()?;
    Some((
        endpoint
            .db_cluster_identifier()
            .unwrap_or_default()
            .to_owned(),
        CustomEndpoint {
            identifier: endpoint
                .db_cluster_endpoint_identifier()
                .unwrap_or_default()
                .to_owned(),
            address: endpoint.endpoint().map(str::to_owned),
            kind: kind.to_owned(),
            static_members: endpoint.static_members().to_vec(),
            excluded_members: endpoint.excluded_members().to_vec(),
        },
    ))
}

/// The custom endpoints of `cluster`, by identifier.
pub async fn of_cluster(neptune: &Client, cluster: &str) -> Result<Vec<CustomEndpoint>, Error> {
    let mut pages = neptune
        .describe_db_cluster_endpoints()
        .db_cluster_identifier(cluster)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|error| failed("rds:DescribeDBClusterEndpoints", cluster, &error))?;
        found.extend(
            page.db_cluster_endpoints()
                .iter()
                .filter_map(custom)
                .map(|(_, e)| e),
        );
    }
    found.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    Ok(found)
}

/// The custom endpoint named `identifier` in the account and region, with
/// its cluster, if there is one.
pub async fn named(
    neptune: &Client,
    identifier: &str,
) -> Result<Option<(String, CustomEndpoint)>, Error> {
    let page = neptune
        .describe_db_cluster_endpoints()
        .db_cluster_endpoint_identifier(identifier)
        .send()
        .await
        .map_err(|error| failed("rds:DescribeDBClusterEndpoints", identifier, &error))?;
    Ok(page.db_cluster_endpoints().iter().find_map(custom))
}

/// CreateDBClusterEndpoint.
pub async fn create(neptune: &Client, new: &NewEndpoint) -> Result<(), Error> {
    let non_empty = |ids: &[String]| (!ids.is_empty()).then(|| ids.to_vec());
    neptune
        .create_db_cluster_endpoint()
        .db_cluster_identifier(&new.cluster)
        .db_cluster_endpoint_identifier(&new.identifier)
        .endpoint_type(&new.kind)
        .set_static_members(non_empty(&new.static_members))
        .set_excluded_members(non_empty(&new.excluded_members))
        .send()
        .await
        .map_err(|error| failed("rds:CreateDBClusterEndpoint", &new.identifier, &error))?;
    Ok(())
}
