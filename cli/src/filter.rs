//! Which resources an audit keeps: `--cluster ID` (the cluster, its
//! instances and its snapshots) and `--resource ID` (an identifier, resource
//! id or ARN), so that a remediation's verify step judges only the new
//! cluster. Databases are filtered before the sweep fetches their facts;
//! graphs, listed beside the sweep, as rows.

use neptune_cmk_evaluator::ResourceKind;
use neptune_cmk_rule::sweep::Listed;

use crate::args::FilterFlags;
use crate::error::Error;
use crate::rows::Row;

/// The resources an audit keeps; empty keeps everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Cluster identifiers (an ARN given is cut to its identifier).
    clusters: Vec<String>,
    /// Identifiers, resource ids or ARNs, matched exactly.
    resources: Vec<String>,
}

impl Filter {
    /// The filter the flags ask for.
    pub fn new(flags: &FilterFlags) -> Self {
        let cluster_id = |given: &String| match given.split_once(":cluster:") {
            Some((prefix, identifier)) if prefix.starts_with("arn:") => identifier.to_owned(),
            _ => given.clone(),
        };
        Self {
            clusters: flags.clusters.iter().map(cluster_id).collect(),
            resources: flags.resources.clone(),
        }
    }

    fn is_empty(&self) -> bool {
        self.clusters.is_empty() && self.resources.is_empty()
    }

    /// Whether a listed database resource is kept: it is, or belongs to, a
    /// `--cluster`, or it is a `--resource`.
    pub fn keeps_listed(&self, listed: &Listed) -> bool {
        let cluster = match listed.kind {
            ResourceKind::Cluster => Some(&listed.name),
            _ => listed.cluster.as_ref(),
        };
        self.is_empty()
            || cluster.is_some_and(|cluster| self.clusters.contains(cluster))
            || self.is_resource([
                Some(listed.name.as_str()),
                listed.resource_id.as_deref(),
                listed.arn.as_deref(),
            ])
    }

    /// Whether a row made beside the sweep (a graph) is kept: a target that
    /// failed always is, since the resources asked for may be behind it.
    pub fn keeps_row(&self, row: &Row) -> bool {
        self.is_empty() || row.is_target_failure() || self.names(row)
    }

    /// Fails when a `--cluster` or `--resource` names no row: a verify
    /// step must not pass on a resource that is not there.
    pub fn found_all(&self, rows: &[Row]) -> Result<(), Error> {
        let unmatched = self.unmatched(rows);
        if unmatched.is_empty() {
            Ok(())
        } else {
            Err(Error::NotFound(unmatched))
        }
    }

    /// Each `--cluster` and `--resource` that no row names, as its flag
    /// and value.
    fn unmatched(&self, rows: &[Row]) -> Vec<String> {
        let clusters = self.clusters.iter().filter(|cluster| {
            !rows.iter().any(|row| {
                row.resource_type == "AWS::RDS::DBCluster" && &&row.identifier == cluster
            })
        });
        let resources = self.resources.iter().filter(|resource| {
            !rows.iter().any(|row| {
                [&row.identifier, &row.resource_id]
                    .into_iter()
                    .chain(row.arn.as_ref())
                    .any(|name| name == *resource)
            })
        });
        clusters
            .map(|cluster| format!("--cluster {cluster}"))
            .chain(resources.map(|resource| format!("--resource {resource}")))
            .collect()
    }

    fn names(&self, row: &Row) -> bool {
        self.is_resource([
            Some(row.identifier.as_str()),
            Some(row.resource_id.as_str()),
            row.arn.as_deref(),
        ])
    }

    fn is_resource<'a>(&self, names: impl IntoIterator<Item = Option<&'a str>>) -> bool {
        names
            .into_iter()
            .flatten()
            .filter(|name| !name.is_empty())
            .any(|name| self.resources.iter().any(|resource| resource == name))
    }
}
