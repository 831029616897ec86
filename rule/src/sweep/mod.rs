//! The periodic sweep — and the key-change trigger, which is a sweep limited
//! to the resources one key encrypts: list every Neptune cluster, instance
//! and cluster snapshot in the account and region, keep those in the rule's
//! scope, judge each, and (in `stale`) find earlier results of resources the
//! sweep no longer finds.
//!
//! The waits overlap: clusters, instances and snapshots are listed at once
//! (`listing`, bounded channels), each page's new keys are described
//! together, and the sink writes in the background. An instance waits for
//! its cluster's facts (parked, up to [`MAX_PARKED`]), so it never costs a
//! call of its own.
//!
//! One resource never stops the sweep: a record that does not parse, a key
//! or cluster that cannot be looked up, is reported to the sink
//! ([`JudgementSink::unjudged`]) and the rest is judged. A listing that fails, or
//! the deadline, stops that part and is reported in [`SweepReport::stopped`].
//! Only a failure to write (the sink) ends the sweep with an error.

mod listing;
mod pages;
mod stale;

use std::collections::{HashMap, HashSet};
use std::future::Future;

use aws_sdk_neptune::types::{DbCluster, DbClusterSnapshot, DbInstance};
use neptune_cmk_evaluator::{
    Encryption, KeyChange, NeptuneResource, ResourceKind, RuleParameters, Scope, Tag, Timestamp,
};
use tokio::sync::mpsc::{channel, Receiver};

pub use stale::{previous_results, PreviousResults, ResourceKey};

use crate::fact_cache::{FactCache, Judgement};
use crate::records::{
    cluster_encryption, cluster_resource, instance_resource, snapshot_resource, Origin,
};
use crate::{Clients, Deadline, Error};
use listing::{Page, PAGES_AHEAD};

/// Instances kept waiting for their cluster's facts before the instance
/// listing is paused until the cluster listing catches up: memory stays flat
/// however the two listings interleave.
pub const MAX_PARKED: usize = 1_000;

/// Where each judged resource goes: the Lambda writes evaluations, the CLI
/// prints rows.
pub trait JudgementSink {
    /// Takes one judgement; an error (a failed write) stops the sweep.
    fn accept(
        &mut self,
        judgement: Judgement,
        identifier: Option<String>,
    ) -> impl Future<Output = Result<(), Error>>;

    /// Hears of a resource that could not be judged (the sweep goes on).
    fn unjudged(&mut self, _resource: &Unjudged) {}

    /// Whether to judge a listed resource at all: the Lambda judges
    /// everything in scope; an audit limited to some clusters skips the
    /// rest before any of their facts are fetched.
    fn wants(&self, _resource: &Listed) -> bool {
        true
    }
}

/// A resource the sweep listed but could not judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unjudged {
    /// Config's resource type.
    pub resource_type: &'static str,
    /// The DB identifier, or Config's resource id when that is all there is.
    pub name: String,
    /// Config's resource id, when the record had one.
    pub resource_id: Option<String>,
    /// The resource's ARN, when the record had one.
    pub arn: Option<String>,
    /// The cluster of an instance (when the cluster could not be judged
    /// either, the instance's failure is the cluster's), or a snapshot's
    /// source cluster.
    pub cluster: Option<String>,
    /// Why, with the fix when there is one.
    pub error: String,
}

/// What a sweep saw and did.
#[derive(Debug, Default)]
pub struct SweepReport {
    /// Every resource judged or listed-but-unjudged: an earlier result of
    /// these is not stale.
    pub seen: HashSet<ResourceKey>,
    /// Resources listed but outside the rule's scope.
    pub out_of_scope: HashSet<ResourceKey>,
    /// What stopped part of the sweep (a listing that failed, the
    /// deadline; the first of them); then not everything was listed.
    pub stopped: Option<Error>,
    /// Whether the deadline stopped everything after it.
    pub deadline_reached: bool,
    /// Resources judged.
    pub judged: usize,
    /// DescribeKey calls made.
    pub describe_key_calls: usize,
}

/// Where a sweep runs, what it includes, and how its evaluations are stamped.
pub struct SweepContext<'a> {
    /// Clients for the account being swept.
    pub clients: &'a Clients,
    /// The account being swept.
    pub account_id: &'a str,
    /// Its region.
    pub region: Option<&'a str>,
    /// The rule's parameters.
    pub parameters: &'a RuleParameters,
    /// The rule's scope: resources outside it are not judged.
    pub scope: &'a Scope,
    /// A key change: only the resources this key encrypts, judged with the
    /// key's facts from its item.
    pub key: Option<&'a KeyChange>,
    /// Ordering timestamp of every evaluation (the notification time, or
    /// the key item's capture time).
    pub ordering_timestamp: Timestamp,
    /// Checked before every page and every resource; bounds every call.
    pub deadline: Deadline,
}

impl SweepContext<'_> {
    fn origin(&self) -> Origin<'_> {
        Origin {
            account_id: self.account_id,
            region: self.region,
            ordering_timestamp: self.ordering_timestamp,
        }
    }

    fn lists(&self, kind: ResourceKind) -> bool {
        !self.scope.excludes_kind(kind)
    }
}

/// Lists and judges every Neptune resource in scope, streaming judgements
/// to `sink`. Fails only when the sink fails.
pub async fn sweep(
    context: &SweepContext<'_>,
    sink: &mut impl JudgementSink,
) -> Result<SweepReport, Error> {
    let mut cache = FactCache::new(context.deadline);
    if let Some(key) = context.key {
        cache.remember_key(key.key_arn.clone(), key.lookup.clone());
    }
    let mut sweeper = Sweeper {
        context,
        cache,
        report: SweepReport::default(),
        sink,
        clusters_listed: false,
        clusters_with_key: HashSet::new(),
        parked: HashMap::new(),
        parked_count: 0,
    };
    let (clusters_tx, clusters) = channel(PAGES_AHEAD);
    let (snapshots_tx, snapshots) = channel(PAGES_AHEAD);
    let (instances_tx, instances) = channel(PAGES_AHEAD);
    let (clients, deadline) = (context.clients, context.deadline);
    // A key change lists instances only once it knows clusters use the key:
    // a key nothing uses costs one pass over clusters and snapshots.
    let instances_now = context.key.is_none() && context.lists(ResourceKind::Instance);
    let listings = async {
        tokio::join!(
            async {
                if context.lists(ResourceKind::Cluster) {
                    listing::clusters(clients, deadline, clusters_tx).await;
                }
            },
            async {
                if context.lists(ResourceKind::ClusterSnapshot) {
                    listing::snapshots(clients, deadline, snapshots_tx).await;
                }
            },
            async {
                if instances_now {
                    listing::instances(clients, deadline, instances_tx).await;
                }
            },
        )
    };
    let (_, judged) = tokio::join!(listings, sweeper.judge(clusters, snapshots, instances));
    judged?;
    if context.key.is_some() && !sweeper.clusters_with_key.is_empty() {
        sweeper.instances_of_key_clusters().await?;
    }
    sweeper.report.describe_key_calls = sweeper.cache.describe_key_calls();
    Ok(sweeper.report)
}

/// A listed record and what it maps to (`None`: another engine).
type Candidate = (Listed, Result<Option<NeptuneResource>, Error>);

/// A receiver whose sender is gone: a listing that is not run.
fn closed<T>() -> Receiver<T> {
    channel(1).1
}

/// A listed record's identity, known even when the rest of it cannot be
/// read.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Cluster, instance or cluster snapshot.
    pub kind: ResourceKind,
    /// The DB identifier (`?` when the record had none).
    pub name: String,
    /// Config's resource id, when the record had one.
    pub resource_id: Option<String>,
    /// The resource's ARN, when the record had one.
    pub arn: Option<String>,
    /// The cluster of an instance, or a snapshot's source cluster.
    pub cluster: Option<String>,
}

/// One sweep's judging state.
struct Sweeper<'c, 'a, S> {
    context: &'c SweepContext<'a>,
    cache: FactCache,
    report: SweepReport,
    sink: &'c mut S,
    /// Whether the cluster listing is done, so every cluster fact is known.
    clusters_listed: bool,
    /// Key change: the identifiers of clusters the key encrypts.
    clusters_with_key: HashSet<String>,
    /// Instances waiting for their cluster's facts, by cluster identifier.
    parked: HashMap<String, Vec<Candidate>>,
    parked_count: usize,
}

impl<S: JudgementSink> Sweeper<'_, '_, S> {
    /// Takes pages as they come, clusters first when several wait; pauses
    /// the instance listing while too many instances wait for clusters.
    async fn judge(
        &mut self,
        mut clusters: Receiver<Page<DbCluster>>,
        mut snapshots: Receiver<Page<DbClusterSnapshot>>,
        mut instances: Receiver<Page<DbInstance>>,
    ) -> Result<(), Error> {
        let (mut clusters_open, mut snapshots_open, mut instances_open) = (true, true, true);
        while clusters_open || snapshots_open || instances_open {
            let take_instances =
                instances_open && (self.clusters_listed || self.parked_count < MAX_PARKED);
            tokio::select! {
                biased;
                page = clusters.recv(), if clusters_open => match page {
                    Some(page) => self.cluster_page(page).await?,
                    None => {
                        clusters_open = false;
                        self.clusters_listed = true;
                        self.release_parked(None).await?;
                    }
                },
                page = snapshots.recv(), if snapshots_open => match page {
                    Some(page) => self.snapshot_page(page).await?,
                    None => snapshots_open = false,
                },
                page = instances.recv(), if take_instances => match page {
                    Some(page) => self.instance_page(page).await?,
                    None => instances_open = false,
                },
                else => break,
            }
            if self.report.deadline_reached {
                break;
            }
        }
        Ok(())
    }

    async fn cluster_page(&mut self, page: Page<DbCluster>) -> Result<(), Error> {
        let Some(records) = self.page(page) else {
            return Ok(());
        };
        let origin = self.context.origin();
        let mut batch = Vec::new();
        for record in &records {
            let name = record.db_cluster_identifier().unwrap_or("?");
            let resource = cluster_resource(record, &origin);
            if let Ok(Some(cluster)) = &resource {
                self.cache
                    .remember_cluster(name.to_owned(), cluster_encryption(record));
                if self.context.key.is_some() {
                    if !self.encrypted_with_key(cluster) {
                        continue;
                    }
                    self.clusters_with_key.insert(name.to_owned());
                }
            }
            let listed = Listed {
                kind: ResourceKind::Cluster,
                name: name.to_owned(),
                resource_id: record.db_cluster_resource_id().map(str::to_owned),
                arn: record.db_cluster_arn().map(str::to_owned),
                cluster: None,
            };
            batch.push((listed, resource));
        }
        self.judge_batch(batch).await?;
        let names: Vec<String> = records
            .iter()
            .filter_map(|record| record.db_cluster_identifier().map(str::to_owned))
            .collect();
        for name in names {
            self.release_parked(Some(&name)).await?;
        }
        Ok(())
    }

    async fn snapshot_page(&mut self, page: Page<DbClusterSnapshot>) -> Result<(), Error> {
        let Some(records) = self.page(page) else {
            return Ok(());
        };
        let origin = self.context.origin();
        let mut batch = Vec::new();
        for record in &records {
            let resource = snapshot_resource(record, &origin);
            let wanted = match (&resource, self.context.key) {
                (Ok(Some(snapshot)), Some(_)) => self.encrypted_with_key(snapshot),
                _ => true,
            };
            if wanted {
                let identifier = record.db_cluster_snapshot_identifier();
                let listed = Listed {
                    kind: ResourceKind::ClusterSnapshot,
                    name: identifier.unwrap_or("?").to_owned(),
                    // Config records a cluster snapshot under its identifier.
                    resource_id: identifier.map(str::to_owned),
                    arn: record.db_cluster_snapshot_arn().map(str::to_owned),
                    cluster: record.db_cluster_identifier().map(str::to_owned),
                };
                batch.push((listed, resource));
            }
        }
        self.judge_batch(batch).await
    }

    async fn instance_page(&mut self, page: Page<DbInstance>) -> Result<(), Error> {
        let Some(records) = self.page(page) else {
            return Ok(());
        };
        let origin = self.context.origin();
        let mut ready = Vec::new();
        for record in &records {
            let cluster = record
                .db_cluster_identifier()
                .unwrap_or_default()
                .to_owned();
            if self.context.key.is_some() && !self.clusters_with_key.contains(&cluster) {
                continue;
            }
            let listed = Listed {
                kind: ResourceKind::Instance,
                name: record.db_instance_identifier().unwrap_or("?").to_owned(),
                resource_id: record.dbi_resource_id().map(str::to_owned),
                arn: record.db_instance_arn().map(str::to_owned),
                cluster: (!cluster.is_empty()).then(|| cluster.clone()),
            };
            let entry = (listed, instance_resource(record, &origin));
            if self.clusters_listed || self.cache.knows_cluster(&cluster) {
                ready.push(entry);
            } else {
                self.parked_count += 1;
                self.parked.entry(cluster).or_default().push(entry);
            }
        }
        self.judge_batch(ready).await
    }

    /// Key change: the instances of the clusters the key encrypts, listed
    /// once the clusters are known.
    async fn instances_of_key_clusters(&mut self) -> Result<(), Error> {
        if self.report.deadline_reached || !self.context.lists(ResourceKind::Instance) {
            return Ok(());
        }
        let (sender, receiver) = channel(PAGES_AHEAD);
        let (clients, deadline) = (self.context.clients, self.context.deadline);
        let ((), judged) = tokio::join!(
            listing::instances(clients, deadline, sender),
            self.judge(closed(), closed(), receiver)
        );
        judged
    }

    /// Judges the instances waiting for `cluster` (all of them once the
    /// cluster listing is done: their clusters were not listed, so the
    /// fact cache looks each up).
    async fn release_parked(&mut self, cluster: Option<&str>) -> Result<(), Error> {
        let released: Vec<_> = match cluster {
            Some(cluster) => self.parked.remove(cluster).unwrap_or_default(),
            None => self.parked.drain().flat_map(|(_, parked)| parked).collect(),
        };
        self.parked_count -= released.len();
        self.judge_batch(released).await
    }

    /// A page's records, or `None` once its listing failed (the failure is
    /// kept as what stopped the sweep; other listings still run).
    fn page<T>(&mut self, page: Page<T>) -> Option<Vec<T>> {
        match page {
            Ok(records) => Some(records),
            Err(error) => {
                self.stop(error);
                None
            }
        }
    }

    /// Records what stopped (part of) the sweep; the first cause is kept. The
    /// deadline stops every listing, a failed listing only its own.
    fn stop(&mut self, error: Error) {
        tracing::warn!(%error, "sweep stopped early");
        if matches!(error, Error::DeadlineExceeded { .. }) {
            self.report.deadline_reached = true;
        }
        if self.report.stopped.is_none() {
            self.report.stopped = Some(error);
        }
    }

    /// In a key change, whether the resource is encrypted with that key.
    fn encrypted_with_key(&self, resource: &NeptuneResource) -> bool {
        match (self.context.key, &resource.encryption) {
            (Some(key), Encryption::On(reference)) => key.encrypts(reference.arn()),
            (Some(_), _) => false,
            (None, _) => true,
        }
    }

    /// Judges a page's worth of records: keys and tags are fetched for all
    /// of them at once first, then each is judged in order.
    async fn judge_batch(&mut self, mut batch: Vec<Candidate>) -> Result<(), Error> {
        batch.retain(|(listed, _)| self.sink.wants(listed));
        if batch.is_empty() || self.report.deadline_reached {
            return Ok(());
        }
        let keys: Vec<String> = batch
            .iter()
            .filter_map(|(_, resource)| match resource {
                Ok(Some(NeptuneResource {
                    encryption: Encryption::On(key),
                    ..
                })) => Some(key.arn().to_owned()),
                _ => None,
            })
            .collect();
        if let Err(error) = self.cache.prefetch_keys(self.context.clients, keys).await {
            self.stop(error);
            return Ok(());
        }
        let mut tags = if self.context.scope.needs_tags() {
            let arns = batch
                .iter()
                .filter_map(|(listed, _)| listed.arn.clone())
                .collect();
            self.cache.tags_of(self.context.clients, arns).await
        } else {
            HashMap::new()
        };
        for (listed, resource) in batch {
            let resource_tags = listed.arn.as_ref().and_then(|arn| tags.remove(arn));
            self.consider(listed, resource, resource_tags).await?;
        }
        Ok(())
    }

    /// Judges one listed record if it is in scope; what cannot be judged is
    /// reported and skipped.
    async fn consider(
        &mut self,
        listed: Listed,
        resource: Result<Option<NeptuneResource>, Error>,
        tags: Option<Result<Vec<Tag>, Error>>,
    ) -> Result<(), Error> {
        if self.report.deadline_reached {
            return Ok(());
        }
        let kind = listed.kind;
        let resource = match resource {
            Ok(Some(resource)) => resource,
            Ok(None) => return Ok(()),
            Err(error) => {
                self.unjudged(&listed, &error);
                if let Some(resource_id) = listed.resource_id {
                    // Its earlier verdict stands: it exists, it is not stale.
                    self.report
                        .seen
                        .insert(ResourceKey::new(kind.config_type(), resource_id));
                }
                return Ok(());
            }
        };
        let id = ResourceKey::new(kind.config_type(), &resource.subject.resource_id);
        match self.in_scope(&resource, tags) {
            Ok(true) => {}
            Ok(false) => {
                self.report.out_of_scope.insert(id);
                return Ok(());
            }
            Err(error) => return self.failed(&listed, id, error),
        }
        if let Err(error) = self.context.deadline.check("judging resources") {
            self.stop(error);
            return Ok(());
        }
        let identifier = resource.subject.identifier.clone();
        let judged = self
            .cache
            .judge_resource(self.context.clients, resource, self.context.parameters)
            .await;
        match judged {
            Ok(judgement) => {
                self.report.seen.insert(id);
                self.report.judged += 1;
                self.sink.accept(judgement, identifier).await
            }
            Err(error) => self.failed(&listed, id, error),
        }
    }

    fn in_scope(
        &self,
        resource: &NeptuneResource,
        tags: Option<Result<Vec<Tag>, Error>>,
    ) -> Result<bool, Error> {
        let scope = self.context.scope;
        let tags = match (scope.needs_tags(), tags) {
            (false, _) => Vec::new(),
            (true, Some(tags)) => tags?,
            (true, None) => {
                return Err(Error::UnexpectedResponse {
                    operation: "rds:Describe",
                    target: resource.subject.resource_id.clone(),
                    what: "a record without an ARN, so its tags cannot be read".to_owned(),
                })
            }
        };
        Ok(scope.contains(resource.subject.kind, &resource.subject.resource_id, &tags))
    }

    /// A resource whose judgement failed: the deadline stops the sweep;
    /// anything else is this resource's alone. Either way its earlier result
    /// is not stale.
    fn failed(&mut self, listed: &Listed, id: ResourceKey, error: Error) -> Result<(), Error> {
        if matches!(error, Error::DeadlineExceeded { .. }) {
            self.stop(error);
        } else {
            self.unjudged(listed, &error);
        }
        self.report.seen.insert(id);
        Ok(())
    }

    fn unjudged(&mut self, listed: &Listed, error: &Error) {
        let resource_type = listed.kind.config_type();
        tracing::warn!(resource_type, name = %listed.name, %error, "not judged");
        let unjudged = Unjudged {
            resource_type,
            name: listed.name.clone(),
            resource_id: listed.resource_id.clone(),
            arn: listed.arn.clone(),
            cluster: listed.cluster.clone(),
            error: error.to_string(),
        };
        self.sink.unjudged(&unjudged);
    }
}
