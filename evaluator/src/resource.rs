//! Neptune resources and the decision: from a configuration item (or from
//! facts the adapter gathered in a sweep) to an [`Evaluation`].
//!
//! The decision is a small state machine the adapter drives, so the
//! evaluator itself never performs I/O:
//!
//! ```text
//! assess(item) ─┬─ Decided(evaluation)                  not applicable / unencrypted
//!               ├─ NeedsCluster(pending) ── resolve(cluster facts) ─┐   instance
//!               └─ NeedsKey(pending) ── decide(key lookup, params) ◄┘
//! ```

use crate::item::RawConfiguration;
use crate::json::{self, opt_bool, opt_str, req_str};
use crate::{
    ConfigurationItem, EncryptionLevel, Error, Evaluation, ItemHeader, KeyFacts, KeyLookup,
    KeyManager, KeyReference, KeyState, Reason, RuleParameters, Timestamp, MAX_ANNOTATION_BYTES,
};

/// The three Config resource types Neptune databases are recorded as, and
/// Neptune Analytics graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    /// `AWS::RDS::DBCluster`.
    Cluster,
    /// `AWS::RDS::DBInstance`.
    Instance,
    /// `AWS::RDS::DBClusterSnapshot`.
    ClusterSnapshot,
    /// `AWS::NeptuneGraph::Graph`, a Neptune Analytics graph. Judged only
    /// from templates and plans (`neptune-cmk check`): Config records no
    /// graph item this rule evaluates, so it is not in [`ResourceKind::ALL`]
    /// and [`ResourceKind::from_config_type`] never returns it.
    Graph,
}

impl ResourceKind {
    /// Every kind the rule evaluates from Config, in the order sweeps list
    /// them. [`ResourceKind::Graph`] is deliberately absent.
    pub const ALL: [Self; 3] = [Self::Cluster, Self::Instance, Self::ClusterSnapshot];

    /// Config's resource type name.
    pub fn config_type(self) -> &'static str {
        match self {
            Self::Cluster => "AWS::RDS::DBCluster",
            Self::Instance => "AWS::RDS::DBInstance",
            Self::ClusterSnapshot => "AWS::RDS::DBClusterSnapshot",
            Self::Graph => "AWS::NeptuneGraph::Graph",
        }
    }

    /// The kind for a Config resource type, if it is one of the three in
    /// [`ResourceKind::ALL`]; never [`ResourceKind::Graph`].
    pub fn from_config_type(resource_type: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.config_type() == resource_type)
    }
}

/// Which resource an evaluation is about, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Cluster, instance or snapshot.
    pub kind: ResourceKind,
    /// Config's resource id: `cluster-…` (DbClusterResourceId), `db-…`
    /// (DbiResourceId) or the snapshot identifier.
    pub resource_id: String,
    /// The DB identifier, for people.
    pub identifier: Option<String>,
    /// The account that owns the resource.
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// The resource's region.
    pub region: Option<String>,
    /// Capture time of the item, or the sweep's notification time.
    pub ordering_timestamp: Timestamp,
    /// Who reads the verdict's advice: the owner of a running resource, or
    /// the author of the template that is about to create it.
    pub advice: Advice,
}

/// The terms a verdict's fix is written in. A running cluster's key cannot
/// change, so its fix is a migration; a resource not yet deployed is fixed
/// in its template, with that template's property names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Advice {
    /// A deployed resource (Config, a sweep, an audit).
    #[default]
    Running,
    /// A CloudFormation (or CDK) resource before deploy: `StorageEncrypted`,
    /// `KmsKeyId`, `KmsKeyIdentifier`.
    CloudFormation,
    /// A Terraform resource before apply: `storage_encrypted`,
    /// `kms_key_arn`, `kms_key_identifier`.
    Terraform,
}

impl Advice {
    /// How to name a customer managed key in the template.
    fn set_key(self, kind: ResourceKind) -> &'static str {
        match (self, kind) {
            (Self::Terraform, ResourceKind::Graph) => {
                "set kms_key_identifier to a customer managed key"
            }
            (Self::Terraform, _) => "set kms_key_arn to a customer managed key",
            (_, ResourceKind::Graph) => "set KmsKeyIdentifier to a customer managed key",
            _ => "set KmsKeyId to a customer managed key",
        }
    }
}

impl Subject {
    /// A subject whose partition is taken from `arn` when given, else
    /// inferred from `region`.
    pub fn new(
        kind: ResourceKind,
        resource_id: impl Into<String>,
        account_id: impl Into<String>,
        region: Option<String>,
        arn: Option<&str>,
        ordering_timestamp: Timestamp,
    ) -> Self {
        Self {
            kind,
            resource_id: resource_id.into(),
            identifier: None,
            account_id: account_id.into(),
            partition: partition_of(arn, region.as_deref()).to_owned(),
            region,
            ordering_timestamp,
            advice: Advice::Running,
        }
    }

    /// Writes the verdict's fix for `advice`'s reader.
    pub fn with_advice(mut self, advice: Advice) -> Self {
        self.advice = advice;
        self
    }

    /// Sets the DB identifier shown in annotations.
    pub fn with_identifier(mut self, identifier: Option<String>) -> Self {
        self.identifier = identifier;
        self
    }

    /// An evaluation of this subject; the verdict follows from `reason`.
    pub fn evaluation(&self, reason: Reason, annotation: impl Into<String>) -> Evaluation {
        Evaluation::new(
            self.kind.config_type(),
            self.resource_id.clone(),
            reason,
            annotation,
            self.ordering_timestamp,
        )
    }
}

/// The partition of an ARN, or the one a region belongs to.
pub fn partition_of(arn: Option<&str>, region: Option<&str>) -> &'static str {
    let from_arn = arn
        .and_then(|arn| arn.strip_prefix("arn:"))
        .and_then(|rest| rest.split(':').next());
    match (from_arn, region) {
        (Some("aws-cn"), _) => "aws-cn",
        (Some("aws-us-gov"), _) => "aws-us-gov",
        (Some("aws-iso"), _) => "aws-iso",
        (Some("aws-iso-b"), _) => "aws-iso-b",
        (Some("aws-iso-e"), _) => "aws-iso-e",
        (Some("aws-iso-f"), _) => "aws-iso-f",
        (Some("aws-eusc"), _) => "aws-eusc",
        (Some(_), _) => "aws",
        (None, Some(region)) if region.starts_with("cn-") => "aws-cn",
        (None, Some(region)) if region.starts_with("us-gov-") => "aws-us-gov",
        (None, _) => "aws",
    }
}

/// How a resource is encrypted, as far as its own facts tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// Storage encryption is off (or not stated, for a cluster or snapshot).
    Off,
    /// Encrypted with this key.
    On(KeyReference),
    /// An instance whose encryption is its cluster's, to be looked up.
    FromCluster {
        /// The cluster's DB identifier.
        cluster_identifier: String,
    },
    /// Encrypted with a key AWS owns, in no account's KMS: what a Neptune
    /// Analytics graph without `kmsKeyIdentifier` gets. Never customer
    /// managed, so decided without DescribeKey.
    AwsOwnedKey,
}

impl Encryption {
    /// From `StorageEncrypted` and `KmsKeyId` of a cluster or snapshot.
    /// `field` names `KmsKeyId` in errors.
    pub fn from_storage(
        storage_encrypted: bool,
        kms_key_id: Option<&str>,
        subject: &Subject,
        field: &str,
    ) -> Result<Self, Error> {
        if !storage_encrypted {
            return Ok(Self::Off);
        }
        let kms_key_id = kms_key_id.ok_or_else(|| {
            Error::missing(field, "an encrypted resource names its KMS key (kmsKeyId)")
        })?;
        KeyReference::resolve(kms_key_id, subject, field).map(Self::On)
    }
}

/// A Neptune resource with the facts needed to judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeptuneResource {
    /// Which resource.
    pub subject: Subject,
    /// What its own facts say about encryption.
    pub encryption: Encryption,
}

/// Where the decision stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Assessment {
    /// The verdict needs no more facts.
    Decided(Evaluation),
    /// An instance: look its cluster up, then [`PendingCluster::resolve`].
    NeedsCluster(PendingCluster),
    /// Encrypted: describe the key, then [`PendingKey::decide`].
    NeedsKey(PendingKey),
}

/// An instance waiting for its cluster's encryption facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCluster {
    subject: Subject,
    cluster_identifier: String,
}

/// The encryption facts of a cluster, as DescribeDBClusters reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterEncryption {
    /// `StorageEncrypted`.
    pub storage_encrypted: bool,
    /// `KmsKeyId`.
    pub kms_key_id: Option<String>,
}

/// A resource waiting for the facts of the key that encrypts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingKey {
    subject: Subject,
    key: KeyReference,
    via_cluster: Option<String>,
}

/// Decides NOT_APPLICABLE from the header alone: a resource type out of
/// scope, `eventLeftScope`, or a deleted or unrecorded resource. Returns
/// the kind when the item needs a closer look. Oversized notifications use
/// this to skip fetching items that cannot matter.
pub fn screen(header: &ItemHeader, event_left_scope: bool) -> Result<ResourceKind, Evaluation> {
    let Some(kind) = ResourceKind::from_config_type(&header.resource_type) else {
        return Err(unsupported_type(header));
    };
    if event_left_scope {
        return Err(header_evaluation(
            header,
            Reason::OutOfScope,
            "the resource left the rule's scope (eventLeftScope)".to_owned(),
        ));
    }
    if !header.status.is_live() {
        let (reason, why) = match header.status {
            crate::ItemStatus::ResourceNotRecorded => (
                Reason::NotRecorded,
                "Config no longer records this resource",
            ),
            _ => (Reason::Deleted, "the resource was deleted"),
        };
        return Err(header_evaluation(
            header,
            reason,
            format!("{why} ({})", header.status.as_str()),
        ));
    }
    Ok(kind)
}

/// An evaluation of the item itself, from its header.
fn header_evaluation(header: &ItemHeader, reason: Reason, text: impl Into<String>) -> Evaluation {
    Evaluation::new(
        header.resource_type.clone(),
        header.resource_id.clone(),
        reason,
        text,
        header.capture_time,
    )
}

fn unsupported_type(header: &ItemHeader) -> Evaluation {
    header_evaluation(
        header,
        Reason::UnsupportedType,
        format!(
            "{} is not evaluated by this rule; it evaluates Neptune DB clusters, instances and \
             cluster snapshots",
            header.resource_type
        ),
    )
}

/// Starts the decision for one configuration item.
pub fn assess(item: &ConfigurationItem, event_left_scope: bool) -> Result<Assessment, Error> {
    let header = &item.header;
    let kind = match screen(header, event_left_scope) {
        Ok(kind) => kind,
        Err(not_applicable) => return Ok(Assessment::Decided(not_applicable)),
    };
    let field = |name: &str| format!("configurationItem.configuration.{name}");
    let text = item.configuration.as_deref().ok_or_else(|| {
        Error::missing(
            "configurationItem.configuration",
            "an item of a live resource carries its configuration",
        )
    })?;
    let configuration: RawConfiguration = json::parse(text, "configurationItem.configuration")?;
    let engine = req_str(
        &configuration.engine,
        &field("engine"),
        "RDS, Aurora, DocumentDB and Neptune items all name their engine",
    )?;
    if !engine.eq_ignore_ascii_case("neptune") {
        return Ok(Assessment::Decided(header_evaluation(
            header,
            Reason::NotNeptune,
            format!("engine {engine} is not Neptune; this rule evaluates only engine neptune"),
        )));
    }
    let identifier_field = match kind {
        ResourceKind::Cluster => (&configuration.dbcluster_identifier, "dbclusterIdentifier"),
        ResourceKind::Instance => (&configuration.instance_identifier, "dBInstanceIdentifier"),
        ResourceKind::ClusterSnapshot => (
            &configuration.snapshot_identifier,
            "dbclusterSnapshotIdentifier",
        ),
        // `screen` yields only the kinds in ResourceKind::ALL: a graph is
        // judged from templates, never from a Config item.
        ResourceKind::Graph => return Ok(Assessment::Decided(unsupported_type(header))),
    };
    let identifier = opt_str(identifier_field.0, &field(identifier_field.1))?
        .or(header.resource_name.as_deref())
        .map(str::to_owned);
    let subject = Subject::new(
        kind,
        header.resource_id.clone(),
        header.account_id.clone(),
        header.region.clone(),
        header.arn.as_deref(),
        header.capture_time,
    )
    .with_identifier(identifier);
    let encryption = match kind {
        // Neptune manages encryption per cluster and documents the instance's
        // own StorageEncrypted/KmsKeyId as not supported: an instance is
        // always judged by its cluster, as the sweep judges it, whatever its
        // item says about itself.
        ResourceKind::Instance => Encryption::FromCluster {
            cluster_identifier: req_str(
                &configuration.parent_cluster_identifier,
                &field("dBClusterIdentifier"),
                "every Neptune instance belongs to a cluster, whose encryption it inherits",
            )?
            .to_owned(),
        },
        ResourceKind::Cluster | ResourceKind::ClusterSnapshot | ResourceKind::Graph => {
            Encryption::from_storage(
                opt_bool(&configuration.storage_encrypted, &field("storageEncrypted"))?
                    .unwrap_or(false),
                opt_str(&configuration.kms_key_id, &field("kmsKeyId"))?,
                &subject,
                &field("kmsKeyId"),
            )?
        }
    };
    Ok(NeptuneResource {
        subject,
        encryption,
    }
    .assess())
}

impl NeptuneResource {
    /// Decides what it can from the resource's own facts.
    pub fn assess(self) -> Assessment {
        match self.encryption {
            Encryption::Off => Assessment::Decided(unencrypted(&self.subject, None)),
            Encryption::On(key) => Assessment::NeedsKey(PendingKey {
                subject: self.subject,
                key,
                via_cluster: None,
            }),
            Encryption::FromCluster { cluster_identifier } => {
                Assessment::NeedsCluster(PendingCluster {
                    subject: self.subject,
                    cluster_identifier,
                })
            }
            Encryption::AwsOwnedKey => Assessment::Decided(aws_owned_key(&self.subject)),
        }
    }
}

impl PendingCluster {
    /// The DB identifier of the cluster to look up.
    pub fn cluster_identifier(&self) -> &str {
        &self.cluster_identifier
    }

    /// The instance being judged.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// Continues with the cluster's facts; `None` when the cluster does not
    /// exist (any more).
    pub fn resolve(self, cluster: Option<&ClusterEncryption>) -> Result<Assessment, Error> {
        let Some(cluster) = cluster else {
            return Ok(Assessment::Decided(self.subject.evaluation(
                Reason::ClusterNotFound,
                format!(
                    "its cluster {} was not found, so the instance's encryption cannot be verified",
                    self.cluster_identifier
                ),
            )));
        };
        let field = format!("DBCluster {} KmsKeyId", self.cluster_identifier);
        match Encryption::from_storage(
            cluster.storage_encrypted,
            cluster.kms_key_id.as_deref(),
            &self.subject,
            &field,
        )? {
            Encryption::On(key) => Ok(Assessment::NeedsKey(PendingKey {
                subject: self.subject,
                key,
                via_cluster: Some(self.cluster_identifier),
            })),
            _ => Ok(Assessment::Decided(unencrypted(
                &self.subject,
                Some(&self.cluster_identifier),
            ))),
        }
    }
}

impl PendingKey {
    /// The key to describe, by full ARN.
    pub fn key(&self) -> &KeyReference {
        &self.key
    }

    /// The resource being judged.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The verdict, given what DescribeKey said. The only error is a
    /// same-account key whose DescribeKey was denied: that is a missing
    /// permission of the rule, not a fact about the resource.
    pub fn decide(
        self,
        lookup: &KeyLookup,
        parameters: &RuleParameters,
    ) -> Result<Evaluation, Error> {
        match lookup {
            KeyLookup::Found(facts) => Ok(self.found(facts, parameters)),
            KeyLookup::NotFound => Ok(self.subject.evaluation(
                Reason::KeyNotFound,
                format!(
                    "{}encrypted with KMS key {}, which was not found: it was deleted or never \
                     existed, so the data cannot be decrypted",
                    self.via(),
                    self.key.arn()
                ),
            )),
            KeyLookup::AccessDenied if self.key.account_id() == self.subject.account_id => {
                Err(Error::KeyAccessDenied {
                    key_arn: self.key.arn().to_owned(),
                    account_id: self.subject.account_id.clone(),
                })
            }
            KeyLookup::AccessDenied | KeyLookup::KeyPolicyDenied => Ok(self.denied(parameters)),
        }
    }

    /// `its cluster <id> is ` for an instance judged by its cluster's key.
    fn via(&self) -> String {
        match &self.via_cluster {
            Some(cluster) => format!("its cluster {cluster} is "),
            None => String::new(),
        }
    }

    /// DescribeKey answered: who manages the key, its state, its level, and
    /// the allow-list decide, in that order.
    fn found(&self, facts: &KeyFacts, parameters: &RuleParameters) -> Evaluation {
        let (via, key) = (self.via(), facts.arn.as_str());
        let verdict = |reason, text: String| self.subject.evaluation(reason, text);
        if facts.key_manager == KeyManager::Aws {
            // A snapshot's own copy can be re-encrypted with another key
            // (CopyDBClusterSnapshot's KmsKeyId); a cluster's key is fixed.
            let fix = match (self.subject.advice, self.subject.kind, &self.via_cluster) {
                (Advice::Running, ResourceKind::ClusterSnapshot, None) => {
                    "copy it with aws neptune copy-db-cluster-snapshot --kms-key-id <customer \
                     managed key>"
                }
                (Advice::Running, ..) => "clone it into a new cluster with a customer managed key",
                (advice, kind, _) => advice.set_key(kind),
            };
            return verdict(
                Reason::AwsManagedKey,
                format!(
                    "{via}encrypted with the AWS managed key aws/rds ({key}), not a customer \
                     managed key; {fix}"
                ),
            );
        }
        if parameters.require_enabled_key && facts.key_state != KeyState::Enabled {
            return verdict(Reason::KeyNotEnabled, not_enabled(&via, facts));
        }
        // A verdict that lets a key pending deletion pass still names the day.
        let deadline = facts
            .deletion
            .map(|deletion| format!("; the key is pending deletion: {}", deletion.describe()))
            .unwrap_or_default();
        let level = facts.level();
        if level < parameters.desired_level {
            return verdict(
                Reason::BelowDesiredLevel,
                format!(
                    "{via}encrypted with key {key} (origin {}), below desiredEncryptionLevel {}: \
                     it requires a {}{deadline}",
                    facts.origin.as_str(),
                    parameters.desired_level.as_str(),
                    parameters.desired_level.describe()
                ),
            );
        }
        if !parameters.allows_key(key) && !parameters.allows_key(self.key.arn()) {
            return verdict(Reason::KeyNotAllowed, not_allowed(&via, key) + &deadline);
        }
        verdict(
            Reason::CustomerManagedKey,
            format!(
                "{via}encrypted with {} {key} ({}){deadline}",
                level.describe(),
                facts.key_state
            ),
        )
    }

    /// DescribeKey denied by the key policy (same account) or by another
    /// account: what can still be told without the key's facts. An AWS
    /// managed key is always describable in its own account and never
    /// works across accounts, so a denied key is customer managed; its
    /// origin (the level) stays unknown.
    fn denied(&self, parameters: &RuleParameters) -> Evaluation {
        let (via, key, owner) = (self.via(), self.key.arn(), self.key.account_id());
        // Past `decide`'s first denial arm, only a key policy denial is
        // same-account.
        let same_account = owner == self.subject.account_id;
        let level = parameters.desired_level.as_str();
        let customer_managed_is_enough =
            parameters.desired_level == EncryptionLevel::CustomerManaged;
        let (reason, text) = match (
            parameters.allows_key(key),
            customer_managed_is_enough,
            same_account,
        ) {
            (false, _, _) => (Reason::KeyNotAllowed, not_allowed(&via, key)),
            (true, true, true) => (
                Reason::KeyPolicyDeniesDescribe,
                format!(
                    "{via}encrypted with key {key}: customer managed, as AWS managed keys are \
                     always describable in their account (state not verified: the key policy \
                     denies DescribeKey)"
                ),
            ),
            (true, true, false) => (
                Reason::CrossAccountKey,
                format!(
                    "{via}encrypted with key {key} of account {owner}: customer managed, as AWS \
                     managed keys cannot be used across accounts (key state not verified: \
                     DescribeKey denied)"
                ),
            ),
            (true, false, true) => (
                Reason::LevelNotVerifiable,
                format!(
                    "{via}encrypted with customer managed key {key}; cannot verify \
                     desiredEncryptionLevel {level}: its key policy denies DescribeKey, allow \
                     this rule's role kms:DescribeKey"
                ),
            ),
            (true, false, false) => (
                Reason::LevelNotVerifiable,
                format!(
                    "{via}encrypted with key {key} of account {owner}; cannot verify \
                     desiredEncryptionLevel {level}: DescribeKey denied, allow this rule's role \
                     kms:DescribeKey in the key policy"
                ),
            ),
        };
        self.subject.evaluation(reason, text)
    }
}

/// A customer managed key that is not Enabled. A key pending deletion says
/// the day its data becomes unreadable; when a long cluster name and key
/// ARN would push that day past the annotation's limit, the deadline leads
/// and the ARN is what gets cut.
fn not_enabled(via: &str, facts: &KeyFacts) -> String {
    let (key, state, fix) = (&facts.arn, &facts.key_state, repair(&facts.key_state));
    let Some(deletion) = facts.deletion else {
        return format!(
            "{via}encrypted with customer managed key {key}, which is {state}, not Enabled: \
             the data becomes unreadable; {fix}"
        );
    };
    let deadline = deletion.describe();
    let full = format!(
        "{via}encrypted with customer managed key {key}, which is {state}, not Enabled: \
         {deadline}; {fix}"
    );
    if full.len() <= MAX_ANNOTATION_BYTES {
        return full;
    }
    format!("{via}encrypted with a customer managed key, {state}, not Enabled: {deadline}; {fix}: {key}")
}

/// What makes a key in `state` usable again.
fn repair(state: &KeyState) -> &'static str {
    match state {
        KeyState::PendingDeletion | KeyState::PendingReplicaDeletion => "cancel the key deletion",
        KeyState::Disabled => "enable the key",
        KeyState::Unavailable => "reconnect its custom key store",
        _ => "make the key usable",
    }
}

fn not_allowed(via: &str, key: &str) -> String {
    format!("{via}encrypted with key {key}, which is not in allowedKmsKeyArns")
}

fn aws_owned_key(subject: &Subject) -> Evaluation {
    // A key's choice is fixed at creation for graphs and clusters alike.
    let fix = match (subject.advice, subject.kind) {
        (Advice::Running, ResourceKind::Graph) => {
            "a graph's key cannot be changed: create a new graph with a customer managed key \
             (kmsKeyIdentifier) and load the data into it"
        }
        (Advice::Running, _) => "restore a snapshot into a new cluster with a customer managed key",
        (advice, kind) => advice.set_key(kind),
    };
    subject.evaluation(
        Reason::AwsOwnedKey,
        format!("encrypted with an AWS owned key, not a customer managed key; {fix}"),
    )
}

fn unencrypted(subject: &Subject, via_cluster: Option<&str>) -> Evaluation {
    let text = match (subject.advice, subject.kind, via_cluster) {
        (Advice::CloudFormation, ..) => {
            "storage encryption is off; set StorageEncrypted: true and \
             KmsKeyId to a customer managed key"
                .to_owned()
        }
        (Advice::Terraform, ..) => "storage encryption is off; set storage_encrypted = true and \
             kms_key_arn to a customer managed key"
            .to_owned(),
        (_, _, Some(cluster)) => format!(
            "its cluster {cluster} has storage encryption off; an existing cluster cannot be \
             encrypted: restore a snapshot into a new cluster with a customer managed key"
        ),
        (_, ResourceKind::ClusterSnapshot, None) => "storage encryption is off; this snapshot \
             cannot be encrypted in place: restore it into a new cluster with a customer managed \
             key, snapshot that, and delete this one"
            .to_owned(),
        _ => "storage encryption is off; an existing cluster cannot be encrypted: restore a \
             snapshot into a new cluster with a customer managed key"
            .to_owned(),
    };
    subject.evaluation(Reason::Unencrypted, text)
}
