//! [`FactCache`]: fetching the facts the evaluator asks for — KMS key facts
//! (DescribeKey, once per distinct key per invocation), a cluster's
//! encryption (DescribeDBClusters, once per cluster), resources' tags (for a
//! tag-scoped rule) — and driving an [`Assessment`] to its verdict with them.
//! SDK types are mapped to the evaluator's own here (and in `records`) and go
//! no further. Every call is bounded by the invocation's [`Deadline`].

use std::collections::{BTreeSet, HashMap};

use aws_sdk_kms::types::KeyManagerType;
use futures_util::stream::{self, StreamExt};
use neptune_cmk_evaluator::{
    Assessment, ClusterEncryption, Deletion, Encryption, Evaluation, KeyFacts, KeyLookup,
    KeyManager, KeyOrigin, KeyReference, KeyState, NeptuneResource, RuleParameters, Tag,
};

use crate::aws::{self, error_code, failed};
use crate::records::cluster_encryption;
use crate::{Clients, Deadline, Error};

/// DescribeKey and ListTagsForResource calls a sweep makes at once: enough
/// to hide latency behind one round trip for the few keys a page brings,
/// far below KMS's 2,000 DescribeKey/s and RDS's describe throttles.
pub const LOOKUPS_IN_FLIGHT: usize = 8;

/// The account's AWS managed key for RDS and Neptune; describing it tells a
/// missing `kms:DescribeKey` permission from a key policy that excludes the
/// rule (every AWS managed key lets its own account describe it).
const AWS_MANAGED_PROBE: &str = "alias/aws/rds";

/// Per-invocation memory of what was already fetched.
#[derive(Debug, Default)]
pub struct FactCache {
    deadline: Deadline,
    keys: HashMap<String, KeyLookup>,
    clusters: HashMap<String, Option<ClusterEncryption>>,
    aws_managed_describable: Option<bool>,
    describe_key_calls: usize,
    /// KMS clients for keys named by an ARN of another region.
    regional_kms: HashMap<String, aws_sdk_kms::Client>,
}

/// What the evaluator needed to reach a verdict, kept for reports (the CLI
/// prints it; the Lambda only logs ids and verdicts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The verdict.
    pub evaluation: Evaluation,
    /// Whether storage encryption is on (the resource's or its cluster's),
    /// when known.
    pub encrypted: Option<bool>,
    /// The key the verdict rests on, when the resource is encrypted with one.
    pub key: Option<JudgedKey>,
}

impl FactCache {
    /// A cache whose calls are bounded by `deadline`.
    pub fn new(deadline: Deadline) -> Self {
        Self {
            deadline,
            ..Self::default()
        }
    }

    /// Remembers a cluster's encryption facts.
    pub fn remember_cluster(&mut self, identifier: String, facts: ClusterEncryption) {
        self.clusters.insert(identifier, Some(facts));
    }

    /// Whether a cluster's facts are known (listed, or looked up).
    pub fn knows_cluster(&self, identifier: &str) -> bool {
        self.clusters.contains_key(identifier)
    }

    /// Remembers a key's facts learned elsewhere (a key's own configuration
    /// item), so judging its resources makes no DescribeKey call.
    pub fn remember_key(&mut self, key_arn: String, lookup: KeyLookup) {
        self.keys.insert(key_arn, lookup);
    }

    /// How many DescribeKey calls this cache made.
    pub fn describe_key_calls(&self) -> usize {
        self.describe_key_calls
    }

    /// Drives an assessment to its verdict, fetching what it asks for.
    pub async fn judge(
        &mut self,
        clients: &Clients,
        assessment: Assessment,
        parameters: &RuleParameters,
    ) -> Result<Judgement, Error> {
        self.drive(clients, assessment, parameters, None).await
    }

    /// Judges a resource built from describe calls, whose own facts already
    /// say whether storage encryption is on.
    pub async fn judge_resource(
        &mut self,
        clients: &Clients,
        resource: NeptuneResource,
        parameters: &RuleParameters,
    ) -> Result<Judgement, Error> {
        let encrypted = match &resource.encryption {
            Encryption::Off => Some(false),
            Encryption::On(_) | Encryption::AwsOwnedKey => Some(true),
            Encryption::FromCluster { .. } => None,
        };
        self.drive(clients, resource.assess(), parameters, encrypted)
            .await
    }

    /// The loop behind both: `encrypted` is what is known before any fetch;
    /// the cluster and key facts fetched here refine it.
    async fn drive(
        &mut self,
        clients: &Clients,
        mut assessment: Assessment,
        parameters: &RuleParameters,
        mut encrypted: Option<bool>,
    ) -> Result<Judgement, Error> {
        loop {
            match assessment {
                Assessment::Decided(evaluation) => {
                    return Ok(Judgement {
                        evaluation,
                        encrypted,
                        key: None,
                    })
                }
                Assessment::NeedsCluster(pending) => {
                    let cluster = self.cluster(clients, pending.cluster_identifier()).await?;
                    encrypted = cluster.as_ref().map(|cluster| cluster.storage_encrypted);
                    assessment = pending.resolve(cluster.as_ref())?;
                }
                Assessment::NeedsKey(pending) => {
                    let arn = pending.key().arn().to_owned();
                    let lookup = self.key(clients, pending.key()).await?;
                    let evaluation = pending.decide(&lookup, parameters)?;
                    return Ok(Judgement {
                        evaluation,
                        encrypted: Some(true),
                        key: Some(JudgedKey { arn, lookup }),
                    });
                }
            }
        }
    }

    /// DescribeKey by full ARN, once per key. A denial is refined with one
    /// probe per invocation: if the AWS managed key is describable, the
    /// denied key is customer managed ([`KeyLookup::KeyPolicyDenied`]).
    pub async fn key(&mut self, clients: &Clients, key: &KeyReference) -> Result<KeyLookup, Error> {
        if let Some(lookup) = self.keys.get(key.arn()) {
            return Ok(lookup.clone());
        }
        self.describe_key_calls += 1;
        let kms = self.kms_for(clients, key.arn());
        let lookup = describe_key(&kms, &self.deadline, key.arn()).await?;
        self.settle(clients, key.arn().to_owned(), lookup).await
    }

    /// Refines a denial (see [`FactCache::key`]) and remembers the lookup.
    async fn settle(
        &mut self,
        clients: &Clients,
        arn: String,
        mut lookup: KeyLookup,
    ) -> Result<KeyLookup, Error> {
        if lookup == KeyLookup::AccessDenied && self.aws_managed_describable(clients).await? {
            lookup = KeyLookup::KeyPolicyDenied;
        }
        self.keys.insert(arn, lookup.clone());
        Ok(lookup)
    }

    /// Describes, concurrently, every key in `keys` not yet known, so that
    /// judging the resources that use them waits for one round trip, not
    /// one per key. Still one DescribeKey per distinct key.
    pub async fn prefetch_keys(
        &mut self,
        clients: &Clients,
        keys: impl IntoIterator<Item = String>,
    ) -> Result<(), Error> {
        let missing: BTreeSet<String> = keys
            .into_iter()
            .filter(|arn| !self.keys.contains_key(arn))
            .collect();
        let deadline = self.deadline;
        let missing: Vec<(String, aws_sdk_kms::Client)> = missing
            .into_iter()
            .map(|arn| {
                let kms = self.kms_for(clients, &arn);
                (arn, kms)
            })
            .collect();
        let found: Vec<_> = stream::iter(missing)
            .map(|(arn, kms)| async move {
                let lookup = describe_key(&kms, &deadline, &arn).await;
                (arn, lookup)
            })
            .buffer_unordered(LOOKUPS_IN_FLIGHT)
            .collect()
            .await;
        for (arn, lookup) in found {
            self.describe_key_calls += 1;
            // A failure here is left for judging to meet (and report) again.
            if let Ok(lookup) = lookup {
                self.settle(clients, arn, lookup).await?;
            }
        }
        Ok(())
    }

    /// The KMS client for `key_id`: keys are regional, so a key named by an
    /// ARN of another region is described in that region, not the
    /// clients' (a template may deploy to one region and name a key of
    /// another).
    fn kms_for(&mut self, clients: &Clients, key_id: &str) -> aws_sdk_kms::Client {
        let own_region = clients.kms.config().region().map(|region| region.as_ref());
        match arn_region(key_id) {
            Some(region) if own_region != Some(region) => self
                .regional_kms
                .entry(region.to_owned())
                .or_insert_with(|| {
                    let config = clients
                        .kms
                        .config()
                        .to_builder()
                        .region(aws_sdk_kms::config::Region::new(region.to_owned()))
                        .build();
                    aws_sdk_kms::Client::from_conf(config)
                })
                .clone(),
            _ => clients.kms.clone(),
        }
    }

    /// Whether this caller may describe the account's AWS managed key:
    /// `NotFound` counts as yes (the call itself was allowed).
    async fn aws_managed_describable(&mut self, clients: &Clients) -> Result<bool, Error> {
        if let Some(known) = self.aws_managed_describable {
            return Ok(known);
        }
        self.describe_key_calls += 1;
        let known = describe_key(&clients.kms, &self.deadline, AWS_MANAGED_PROBE).await?
            != KeyLookup::AccessDenied;
        self.aws_managed_describable = Some(known);
        Ok(known)
    }

    /// A cluster's encryption facts (DescribeDBClusters), once per
    /// cluster; `None` when it does not exist.
    pub async fn cluster(
        &mut self,
        clients: &Clients,
        identifier: &str,
    ) -> Result<Option<ClusterEncryption>, Error> {
        if let Some(facts) = self.clusters.get(identifier) {
            return Ok(facts.clone());
        }
        let facts = aws::describe_cluster(&clients.neptune, &self.deadline, identifier)
            .await?
            .as_ref()
            .map(cluster_encryption);
        self.clusters.insert(identifier.to_owned(), facts.clone());
        Ok(facts)
    }

    /// The tags of many resources (ListTagsForResource), fetched
    /// concurrently, by ARN; a failure is that resource's alone.
    pub async fn tags_of(
        &self,
        clients: &Clients,
        arns: Vec<String>,
    ) -> HashMap<String, Result<Vec<Tag>, Error>> {
        let deadline = &self.deadline;
        stream::iter(arns)
            .map(|arn| async move {
                let tags = aws::tags(&clients.neptune, deadline, &arn).await;
                (arn, tags)
            })
            .buffer_unordered(LOOKUPS_IN_FLIGHT)
            .collect()
            .await
    }
}

/// The key a verdict rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedKey {
    /// Its full ARN, as the resource names it.
    pub arn: String,
    /// What DescribeKey said about it.
    pub lookup: KeyLookup,
}

/// The region of an ARN (`arn:<partition>:<service>:<region>:…`).
fn arn_region(arn: &str) -> Option<&str> {
    let mut parts = arn.strip_prefix("arn:")?.split(':');
    parts.nth(2).filter(|region| !region.is_empty())
}

async fn describe_key(
    kms: &aws_sdk_kms::Client,
    deadline: &Deadline,
    key_id: &str,
) -> Result<KeyLookup, Error> {
    let call = kms.describe_key().key_id(key_id).send();
    let output = match deadline.bound("describing KMS keys", call).await? {
        Ok(output) => output,
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            return Ok(KeyLookup::NotFound)
        }
        // DescribeKey's error type does not model AccessDeniedException.
        Err(error) if error_code(&error).as_deref() == Some("AccessDeniedException") => {
            return Ok(KeyLookup::AccessDenied)
        }
        Err(error) => return Err(failed("kms:DescribeKey", key_id, &error)),
    };
    let unexpected = |what: &str| Error::UnexpectedResponse {
        operation: "kms:DescribeKey",
        target: key_id.to_owned(),
        what: what.to_owned(),
    };
    let metadata = output
        .key_metadata()
        .ok_or_else(|| unexpected("no KeyMetadata"))?;
    let key_manager = match metadata.key_manager() {
        Some(KeyManagerType::Aws) => KeyManager::Aws,
        Some(KeyManagerType::Customer) => KeyManager::Customer,
        // Guessing either way could give a wrong verdict.
        other => return Err(unexpected(&format!("KeyManager {other:?}"))),
    };
    Ok(KeyLookup::Found(KeyFacts {
        arn: metadata.arn().unwrap_or(key_id).to_owned(),
        key_manager,
        key_state: KeyState::from_kms(
            metadata
                .key_state()
                .map(|state| state.as_str())
                .unwrap_or("Unknown"),
        ),
        origin: KeyOrigin::from_kms(
            metadata
                .origin()
                .map(|origin| origin.as_str())
                .unwrap_or(""),
        ),
        deletion: metadata
            .deletion_date()
            .and_then(aws::from_date_time)
            .map(|date| Deletion {
                date,
                as_of: aws::now(),
            }),
    }))
}
