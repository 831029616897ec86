//! Fetching the facts the evaluator asks for: KMS key facts (DescribeKey,
//! once per distinct key per invocation) and a cluster's encryption
//! (DescribeDBClusters). SDK types are mapped to the evaluator's own here
//! and go no further.

use std::collections::HashMap;

use aws_sdk_kms::types::KeyManagerType;
use neptune_cmk_evaluator::{
    Assessment, ClusterEncryption, Encryption, Evaluation, KeyFacts, KeyLookup, KeyManager,
    KeyOrigin, KeyReference, KeyState, NeptuneResource, RuleParameters,
};

use crate::aws::{aws_error, error_code};
use crate::{Clients, Error};

/// Per-invocation memory of what was already fetched.
#[derive(Debug, Default)]
pub struct FactCache {
    keys: HashMap<String, KeyLookup>,
    clusters: HashMap<String, Option<ClusterEncryption>>,
    describe_key_calls: usize,
}

/// What the evaluator needed to reach a verdict, kept for reports (the CLI
/// prints it; the Lambda only logs ids and verdicts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The verdict.
    pub evaluation: Evaluation,
    /// The key that encrypts the resource, when it is encrypted.
    pub key_arn: Option<String>,
    /// What DescribeKey said about it.
    pub key: Option<KeyLookup>,
    /// Whether storage encryption is on (the resource's or its cluster's),
    /// when known.
    pub encrypted: Option<bool>,
}

impl FactCache {
    /// Remembers a cluster's encryption facts.
    pub fn remember_cluster(&mut self, identifier: String, facts: ClusterEncryption) {
        self.clusters.insert(identifier, Some(facts));
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
            Encryption::On(_) => Some(true),
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
                        key_arn: None,
                        key: None,
                        encrypted,
                    })
                }
                Assessment::NeedsCluster(pending) => {
                    let cluster = self.cluster(clients, pending.cluster_identifier()).await?;
                    encrypted = cluster.as_ref().map(|cluster| cluster.storage_encrypted);
                    assessment = pending.resolve(cluster.as_ref())?;
                }
                Assessment::NeedsKey(pending) => {
                    let key_arn = pending.key().arn().to_owned();
                    let lookup = self.key(clients, pending.key()).await?;
                    let evaluation = pending.decide(&lookup, parameters)?;
                    return Ok(Judgement {
                        evaluation,
                        key_arn: Some(key_arn),
                        key: Some(lookup),
                        encrypted: Some(true),
                    });
                }
            }
        }
    }

    /// DescribeKey by full ARN, once per key.
    pub async fn key(&mut self, clients: &Clients, key: &KeyReference) -> Result<KeyLookup, Error> {
        if let Some(lookup) = self.keys.get(key.arn()) {
            return Ok(lookup.clone());
        }
        self.describe_key_calls += 1;
        let lookup = describe_key(clients, key.arn()).await?;
        self.keys.insert(key.arn().to_owned(), lookup.clone());
        Ok(lookup)
    }

    async fn cluster(
        &mut self,
        clients: &Clients,
        identifier: &str,
    ) -> Result<Option<ClusterEncryption>, Error> {
        if let Some(facts) = self.clusters.get(identifier) {
            return Ok(facts.clone());
        }
        let facts = describe_cluster(clients, identifier).await?;
        self.clusters.insert(identifier.to_owned(), facts.clone());
        Ok(facts)
    }
}

async fn describe_key(clients: &Clients, key_arn: &str) -> Result<KeyLookup, Error> {
    let output = match clients.kms.describe_key().key_id(key_arn).send().await {
        Ok(output) => output,
        Err(error) => {
            return match error_code(&error).as_deref() {
                Some("NotFoundException") => Ok(KeyLookup::NotFound),
                Some("AccessDeniedException") => Ok(KeyLookup::AccessDenied),
                _ => Err(aws_error("kms:DescribeKey", key_arn, &error)),
            }
        }
    };
    let unexpected = |what: &str| Error::UnexpectedResponse {
        operation: "kms:DescribeKey",
        target: key_arn.to_owned(),
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
    let arn = metadata.arn().unwrap_or(key_arn).to_owned();
    let account_id = metadata
        .aws_account_id()
        .map(str::to_owned)
        .or_else(|| arn.split(':').nth(4).map(str::to_owned))
        .unwrap_or_default();
    Ok(KeyLookup::Found(KeyFacts {
        arn,
        account_id,
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
    }))
}

async fn describe_cluster(
    clients: &Clients,
    identifier: &str,
) -> Result<Option<ClusterEncryption>, Error> {
    match clients
        .neptune
        .describe_db_clusters()
        .db_cluster_identifier(identifier)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .db_clusters()
            .first()
            .map(|cluster| ClusterEncryption {
                storage_encrypted: cluster.storage_encrypted().unwrap_or(false),
                kms_key_id: cluster.kms_key_id().map(str::to_owned),
            })),
        Err(error) if error_code(&error).as_deref() == Some("DBClusterNotFoundFault") => Ok(None),
        Err(error) => Err(aws_error("rds:DescribeDBClusters", identifier, &error)),
    }
}
