//! The plan as data: ordered steps, each with a title, an explanation, the
//! actions `remediate apply` also performs, and commands that are only
//! printed (key policy, verification, cut-over, deletion). One small
//! function per step; `build` picks the path from the rule's verdict.

use neptune_cmk_evaluator::{Compliance, Evaluation, KeyLookup, KeyManager, KeyState, Reason};

use neptune_cmk_evaluator::Tag;

use super::command::Command;
use super::endpoints::NewEndpoint;
use super::facts::{ClusterRole, Facts, GlobalDatabase, SourceCluster, SourceInstance};
use super::key_policy;
use super::names::derived;

/// Suffix of the new cluster's and instances' identifiers.
pub const NEW_SUFFIX: &str = "cmk";
/// Suffix of the migration snapshot's identifier.
pub const SNAPSHOT_SUFFIX: &str = "cmk-migration";
/// Suffix of the final snapshot the old cluster is deleted with.
pub const FINAL_SNAPSHOT_SUFFIX: &str = "final-before-cmk";
/// Tag keys with this prefix are reserved for AWS: RDS-family APIs reject
/// them, so they are never copied.
pub const RESERVED_TAG_PREFIX: &str = "aws:";

/// A remediation plan for one cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The source cluster's identifier.
    pub cluster: String,
    /// Its region.
    pub region: String,
    /// The rule's evaluation of the cluster now.
    pub evaluation: Evaluation,
    /// Non-default rule parameters the evaluation was reached with.
    pub parameters: Vec<String>,
    /// What kind of remediation this is.
    pub path: Path,
    /// One paragraph: the path and why.
    pub summary: Vec<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// The kinds of remediation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Already compliant.
    Nothing,
    /// The customer managed key only needs repair (enable, cancel deletion).
    RepairKey,
    /// Unencrypted: snapshot, then restore with the key.
    RestoreSnapshot,
    /// Encrypted with an unacceptable key: a point-in-time clone with the key.
    CloneToPointInTime,
    /// A member of a global database: a new encrypted global database is
    /// built beside it, which `apply` does not do.
    GlobalDatabase,
    /// No remediation can be computed (key gone, or its facts unknown).
    Advice,
}

/// What a step is for; `remediate apply` performs only `Migrate` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Before anything is created: keys and key policy.
    Prepare,
    /// Creates the new cluster and its instances.
    Migrate,
    /// Checks the result.
    Verify,
    /// Cut-over and deletion: needs a human, never run by the tool.
    CutOver,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// A short imperative title.
    pub title: String,
    /// Why, and what to watch for; printed as comments.
    pub explanation: Vec<String>,
    /// What the step creates or changes (printed, and performed by `apply`).
    pub actions: Vec<Action>,
    /// Commands that are only printed.
    pub manual: Vec<Command>,
    /// What the step is for.
    pub stage: Stage,
}

/// Something the plan creates or changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create a customer managed key and an alias (no `--kms-key` given).
    CreateKey {
        /// `alias/neptune-<cluster>`.
        alias: String,
        /// The key's description.
        description: String,
    },
    /// CreateDBClusterSnapshot.
    Snapshot {
        /// The source cluster.
        cluster: String,
        /// The snapshot's identifier.
        snapshot: String,
    },
    /// RestoreDBClusterFromSnapshot or RestoreDBClusterToPointInTime.
    Restore(Box<NewCluster>),
    /// ModifyDBCluster for what a restore cannot set.
    Modify(ClusterSettings),
    /// CreateDBInstance in the new cluster.
    CreateInstance(NewInstance),
    /// CreateDBClusterEndpoint on the new cluster.
    CreateEndpoint(NewEndpoint),
    /// AddRoleToDBCluster.
    AddRole {
        /// The new cluster.
        cluster: String,
        /// The role and its feature.
        role: ClusterRole,
    },
    /// CancelKeyDeletion.
    CancelKeyDeletion {
        /// The key's ARN.
        key_arn: String,
    },
    /// EnableKey.
    EnableKey {
        /// The key's ARN.
        key_arn: String,
    },
}

/// The key a new cluster is encrypted with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKey {
    /// A key ARN given with `--kms-key` and checked acceptable.
    Arn(String),
    /// The key the plan's first step creates, held in `$CMK_ARN`.
    Created,
}

/// Where a new cluster's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreSource {
    /// A cluster snapshot.
    Snapshot(String),
    /// The source cluster's latest restorable time (a full-copy clone).
    PointInTime(String),
}

/// The new cluster: the source's settings, a new identifier and key.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCluster {
    /// The new cluster's identifier.
    pub identifier: String,
    /// Where its data comes from.
    pub source: RestoreSource,
    /// Its key.
    pub key: TargetKey,
    /// The source's settings to carry over.
    pub settings: SourceCluster,
}

/// Settings a restore cannot carry, applied to the new cluster after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSettings {
    /// The new cluster.
    pub cluster: String,
    /// Backup retention in days.
    pub backup_retention: Option<i32>,
    /// Preferred backup window.
    pub backup_window: Option<String>,
    /// Preferred maintenance window.
    pub maintenance_window: Option<String>,
    /// CopyTagsToSnapshot, when the restore could not set it.
    pub copy_tags_to_snapshot: Option<bool>,
}

/// An instance of the new cluster, mirroring one of the source's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstance {
    /// The new instance's identifier.
    pub identifier: String,
    /// The new cluster.
    pub cluster: String,
    /// The source instance's settings.
    pub settings: SourceInstance,
}

/// The plan for `facts`: the shortest documented path from the cluster's
/// state to a customer managed key the rule accepts.
pub fn build(facts: &Facts) -> Plan {
    let evaluation = &facts.evaluation;
    let (path, summary, steps) = match (evaluation.compliance(), evaluation.reason) {
        (Compliance::Compliant, _) => (
            Path::Nothing,
            vec!["Nothing to do: the cluster is already compliant.".to_owned()],
            Vec::new(),
        ),
        (_, Reason::KeyNotEnabled) => repair_key(facts),
        (_, Reason::Unencrypted) => migrate(facts, Path::RestoreSnapshot),
        (_, Reason::AwsManagedKey | Reason::BelowDesiredLevel | Reason::KeyNotAllowed) => {
            migrate(facts, Path::CloneToPointInTime)
        }
        (_, Reason::KeyNotFound) => advice(&[
            "The cluster's key no longer exists: its data cannot be decrypted, so no snapshot \
             or clone can be restored.",
            "Recover from an export or a backup encrypted with another key, then delete this \
             cluster.",
        ]),
        (_, Reason::LevelNotVerifiable) => advice(&[
            "The cluster's key belongs to another account and denies this caller \
             kms:DescribeKey, so its origin cannot be checked against desiredEncryptionLevel.",
            "Ask the key's owner to allow kms:DescribeKey (to the rule's role and to you), then \
             run this plan again; migrate only if the key is then found below the level.",
        ]),
        (_, reason) => advice(&[&format!(
            "The rule's verdict ({}) has no remediation in this tool.",
            reason.describe()
        )]),
    };
    let mut summary = summary;
    summary.extend(unused_key_note(facts, path, &steps));
    Plan {
        cluster: facts.cluster.identifier.clone(),
        region: facts.region.clone(),
        evaluation: evaluation.clone(),
        parameters: parameter_notes(facts),
        path,
        summary,
        steps,
    }
}

/// `--kms-key` given where no new cluster is made: said, never ignored
/// silently.
fn unused_key_note(facts: &Facts, path: Path, steps: &[Step]) -> Option<String> {
    let key = facts.target_key.as_deref()?;
    let used = steps.iter().flat_map(|step| &step.actions).any(|action| {
        matches!(action, Action::Restore(new) if new.key == TargetKey::Arn(key.to_owned()))
    });
    (!used).then(|| {
        let why = match path {
            Path::Nothing => "the cluster is already compliant",
            Path::RepairKey => "the data stays under its own key, which only needs repair",
            _ => "this plan makes no new cluster here",
        };
        format!("--kms-key {key} is not used: {why}.")
    })
}

fn advice(lines: &[&str]) -> (Path, Vec<String>, Vec<Step>) {
    (
        Path::Advice,
        lines.iter().map(|line| (*line).to_owned()).collect(),
        Vec::new(),
    )
}

fn parameter_notes(facts: &Facts) -> Vec<String> {
    let parameters = &facts.parameters;
    let mut notes = Vec::new();
    if parameters.desired_level != neptune_cmk_evaluator::EncryptionLevel::CustomerManaged {
        notes.push(format!(
            "desiredEncryptionLevel={}",
            parameters.desired_level.as_str()
        ));
    }
    if let Some(keys) = &parameters.allowed_key_arns {
        notes.push(format!(
            "allowedKmsKeyArns={}",
            keys.iter().cloned().collect::<Vec<_>>().join(",")
        ));
    }
    if !parameters.require_enabled_key {
        notes.push("requireEnabledKey=false".to_owned());
    }
    notes
}

/// A customer managed key that is only Disabled or pending deletion: the
/// data is already where it belongs, so the key is repaired instead.
fn repair_key(facts: &Facts) -> (Path, Vec<String>, Vec<Step>) {
    let Some(KeyLookup::Found(key)) = &facts.source_key else {
        return advice(&["The key's state could not be read; run the plan again."]);
    };
    let key_arn = key.arn.clone();
    let mut steps = Vec::new();
    if matches!(
        key.key_state,
        KeyState::PendingDeletion | KeyState::PendingReplicaDeletion
    ) {
        // The deadline the whole repair races.
        let explanation = key
            .deletion
            .map(|deletion| {
                format!(
                    "The deadline: the data is {}, when KMS deletes the key.",
                    deletion.describe()
                )
            })
            .into_iter()
            .collect();
        steps.push(Step {
            title: "Cancel the scheduled deletion (the key returns as Disabled)".to_owned(),
            explanation,
            actions: vec![Action::CancelKeyDeletion {
                key_arn: key_arn.clone(),
            }],
            manual: Vec::new(),
            stage: Stage::Prepare,
        });
    }
    if matches!(
        key.key_state,
        KeyState::PendingDeletion | KeyState::PendingReplicaDeletion | KeyState::Disabled
    ) {
        steps.push(Step {
            title: "Enable the key".to_owned(),
            explanation: Vec::new(),
            actions: vec![Action::EnableKey { key_arn }],
            manual: Vec::new(),
            stage: Stage::Prepare,
        });
    } else {
        steps.push(Step {
            title: format!("Make the key usable (state {})", key.key_state),
            explanation: vec![
                "See https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html \
                 (an Unavailable key's custom key store must be reconnected)."
                    .to_owned(),
            ],
            actions: Vec::new(),
            manual: Vec::new(),
            stage: Stage::Prepare,
        });
    }
    steps.push(database_step(facts));
    steps.push(verify_step(facts, &facts.cluster.identifier));
    (
        Path::RepairKey,
        vec![
            deliberate_disable_warning(&key.key_state),
            "The data is already under a customer managed key; repair the key instead of \
             migrating. (AWS Config can run this repair itself: see the key-repair remediation \
             in docs/DEPLOY.md.)"
                .to_owned(),
        ],
        steps,
    )
}

/// Said before any offer to re-enable a key: someone may have disabled it
/// on purpose, and undoing that would undo their decision.
fn deliberate_disable_warning(state: &KeyState) -> String {
    format!(
        "WARNING: the key is {state}, and that may be deliberate: an incident response (a key \
         suspected compromised) or crypto-shredding (data made unreadable on purpose). Before \
         re-enabling it, find out who changed it and why (CloudTrail: DisableKey, \
         ScheduleKeyDeletion) and ask the key's owner."
    )
}

/// A repaired key proves nothing about the database: while the key was
/// unusable Neptune may have made the cluster inaccessible, which needs a
/// start, or (terminal) a restore from a backup.
fn database_step(facts: &Facts) -> Step {
    let source = &facts.cluster;
    let region = &facts.region;
    let mut explanation = vec![
        "While the key was unusable, Neptune may have made the cluster inaccessible. Read its \
         status:"
            .to_owned(),
    ];
    if let Some(status) = &source.status {
        explanation.push(format!("(It was {status} when this plan was made.)"));
    }
    explanation.extend([
        "stopped or inaccessible-encryption-credentials-recoverable: start it (start-db-cluster) \
         and wait until it is available."
            .to_owned(),
        format!(
            "inaccessible-encryption-credentials: terminal. The cluster cannot come back; restore \
             its latest backup into a new cluster (restore-db-cluster-to-point-in-time \
             --source-db-cluster-identifier {} --use-latest-restorable-time, or \
             restore-db-cluster-from-snapshot), then run `neptune-cmk remediate plan` for the new \
             cluster.",
            source.identifier
        ),
        "The key repair is done only when the cluster is available.".to_owned(),
    ]);
    let status = Command::aws("neptune", "describe-db-clusters", region)
        .opt("--db-cluster-identifier", &source.identifier)
        .opt("--query", "DBClusters[0].Status");
    Step {
        title: format!(
            "Prove the database: {} must be available",
            source.identifier
        ),
        explanation,
        actions: Vec::new(),
        manual: vec![
            status.opt("--output", "text"),
            Command::aws("neptune", "start-db-cluster", region)
                .opt("--db-cluster-identifier", &source.identifier),
        ],
        stage: Stage::Verify,
    }
}

/// Snapshot and restore (unencrypted) or clone (encrypted), then roles,
/// instances, verification, cut-over and deletion; a global database's
/// primary gets a new global database instead of a plain cut-over.
fn migrate(facts: &Facts, path: Path) -> (Path, Vec<String>, Vec<Step>) {
    if let Some(global) = facts
        .global
        .as_ref()
        .filter(|global| !is_primary(facts, global))
    {
        return secondary_member(facts, global);
    }
    let source = &facts.cluster;
    let new_id = derived(&source.identifier, NEW_SUFFIX);
    let snapshot = derived(&source.identifier, SNAPSHOT_SUFFIX);
    let key = match &facts.target_key {
        Some(arn) => TargetKey::Arn(arn.clone()),
        None => TargetKey::Created,
    };
    let mut steps = Vec::new();
    if key == TargetKey::Created {
        steps.push(create_key_step(facts));
    }
    steps.push(key_policy_step(facts));
    let mut summary = copy_steps(facts, path, &new_id, &snapshot, &key, &mut steps);
    steps.extend(settings_step(source, &new_id, path));
    steps.extend(roles_step(source, &new_id));
    steps.push(instances_step(facts, &new_id));
    steps.extend(endpoints_step(facts, &new_id));
    steps.push(verify_step(facts, &new_id));
    let Some(global) = &facts.global else {
        steps.push(cut_over_step(source, &new_id));
        steps.extend(subscriptions_step(facts, &new_id));
        steps.push(delete_step(facts, path, &snapshot));
        return (path, summary, steps);
    };
    summary.push(format!(
        "{} is the primary of global database {}, and a global database cannot mix encrypted \
         and unencrypted clusters or change its members' keys: build a new global database \
         from the new cluster (secondaries with keys in their own regions), cut over, then \
         remove and delete the old members. apply does not run this path.",
        source.identifier, global.identifier
    ));
    steps.extend(global_steps(facts, global, &new_id, path, &snapshot));
    (Path::GlobalDatabase, summary, steps)
}

/// Whether the cluster is its global database's primary (writer).
fn is_primary(facts: &Facts, global: &GlobalDatabase) -> bool {
    global
        .members
        .iter()
        .any(|member| member.is_writer && member.identifier() == facts.cluster.identifier)
}

/// A secondary is re-keyed with its global database, from the primary.
fn secondary_member(facts: &Facts, global: &GlobalDatabase) -> (Path, Vec<String>, Vec<Step>) {
    let source = &facts.cluster.identifier;
    let mut summary = vec![format!(
        "{source} is a secondary cluster of global database {}. A global database cannot mix \
         encrypted and unencrypted clusters or change its members' keys, so it is re-keyed as a \
         whole: a new global database is built from its primary, with a new secondary here.",
        global.identifier
    )];
    match global.members.iter().find(|member| member.is_writer) {
        Some(primary) => summary.push(format!(
            "Plan it from the primary: neptune-cmk remediate plan --region {} --cluster {}",
            primary.region(),
            primary.identifier()
        )),
        None => summary.push(format!(
            "{} has no primary now (a failover or detach is under way); plan it from its \
             primary once it has one.",
            global.identifier
        )),
    }
    (Path::GlobalDatabase, summary, Vec::new())
}

/// The steps that copy the data onto the key: snapshot and restore, or a
/// point-in-time clone. Returns the summary of the path.
fn copy_steps(
    facts: &Facts,
    path: Path,
    new_id: &str,
    snapshot: &str,
    key: &TargetKey,
    steps: &mut Vec<Step>,
) -> Vec<String> {
    let source = &facts.cluster;
    if path == Path::RestoreSnapshot {
        steps.push(snapshot_step(source, snapshot));
        steps.push(restore_step(
            source,
            new_id,
            RestoreSource::Snapshot(snapshot.to_owned()),
            key,
        ));
        return vec![
            "The cluster is not encrypted, and Neptune cannot encrypt an existing cluster. \
             Path: snapshot it, then restore the snapshot into a new cluster with --kms-key-id."
                .to_owned(),
        ];
    }
    steps.push(freeze_step(source, &facts.region));
    steps.push(restore_step(
        source,
        new_id,
        RestoreSource::PointInTime(source.identifier.clone()),
        key,
    ));
    vec![format!(
        "The cluster is encrypted with {}, and Neptune cannot change a cluster's key. \
         Path: a full-copy point-in-time clone with the new key.",
        source_key_text(facts)
    )]
}

/// Tags that can be copied, and the reserved `aws:` ones left out.
pub fn split_tags(tags: &[Tag]) -> (Vec<Tag>, Vec<Tag>) {
    tags.iter().cloned().partition(|tag| {
        !tag.key
            .to_ascii_lowercase()
            .starts_with(RESERVED_TAG_PREFIX)
    })
}

fn source_key_text(facts: &Facts) -> String {
    match &facts.source_key {
        Some(KeyLookup::Found(key)) if key.key_manager == KeyManager::Aws => {
            format!("the AWS managed key aws/rds ({})", key.arn)
        }
        Some(KeyLookup::Found(key)) => format!("key {}, which the rule does not accept", key.arn),
        _ => format!(
            "key {}",
            facts.cluster.kms_key_id.as_deref().unwrap_or("(unknown)")
        ),
    }
}

fn create_key_step(facts: &Facts) -> Step {
    Step {
        title: "Create a customer managed key (or pass --kms-key to use an existing one)"
            .to_owned(),
        explanation: vec![
            "The key must be symmetric, Enabled and in the cluster's region. Keep it Enabled for \
             the new cluster's lifetime: disabling it makes the data unreadable."
                .to_owned(),
        ],
        actions: vec![Action::CreateKey {
            alias: format!("alias/neptune-{}", facts.cluster.identifier),
            description: format!("Neptune cluster {}", facts.cluster.identifier),
        }],
        manual: Vec::new(),
        stage: Stage::Prepare,
    }
}

/// The statements the key's policy needs (`key_policy`): Neptune (through
/// the RDS endpoint) creates grants on the key for the new cluster.
fn key_policy_step(facts: &Facts) -> Step {
    let key = facts.target_key.as_deref().unwrap_or("$CMK_ARN");
    let (principal, caveat) = match &facts.operator {
        Some(operator) => (operator.principal_arn.clone(), operator.caveat.clone()),
        None => (
            "<ARN of the role that runs these commands>".to_owned(),
            Some("the caller could not be identified (sts:GetCallerIdentity)".to_owned()),
        ),
    };
    let via_service = format!("rds.{}.{}", facts.region, dns_suffix(&facts.partition));
    let mut explanation = key_policy::statements(facts, key, &principal, &via_service);
    if let Some(caveat) = caveat {
        explanation.push(format!("Principal: {caveat}."));
    }
    Step {
        title: "Let the operator use the key through Neptune (key policy)".to_owned(),
        explanation,
        actions: Vec::new(),
        manual: Vec::new(),
        stage: Stage::Prepare,
    }
}

/// The DNS suffix of a partition's service endpoints.
fn dns_suffix(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "amazonaws.com.cn",
        "aws-iso" => "c2s.ic.gov",
        "aws-iso-b" => "sc2s.sgov.gov",
        "aws-iso-e" => "cloud.adc-e.uk",
        "aws-iso-f" => "csp.hci.ic.gov",
        "aws-eusc" => "amazonaws.eu",
        _ => "amazonaws.com",
    }
}

fn snapshot_step(source: &SourceCluster, snapshot: &str) -> Step {
    Step {
        title: "Stop writes, then snapshot the cluster".to_owned(),
        explanation: vec!["Writes made after the snapshot starts are not carried over.".to_owned()],
        actions: vec![Action::Snapshot {
            cluster: source.identifier.clone(),
            snapshot: snapshot.to_owned(),
        }],
        manual: Vec::new(),
        stage: Stage::Migrate,
    }
}

fn freeze_step(source: &SourceCluster, region: &str) -> Step {
    Step {
        title: "Stop writes, then wait until the latest restorable time passes that moment"
            .to_owned(),
        explanation: vec![
            "The clone restores the source's latest restorable time (continuous backup, usually \
             a few minutes behind). Writes after it are not carried over."
                .to_owned(),
        ],
        actions: Vec::new(),
        manual: vec![Command::aws("neptune", "describe-db-clusters", region)
            .opt("--db-cluster-identifier", &source.identifier)
            .opt("--query", "DBClusters[0].LatestRestorableTime")],
        stage: Stage::Migrate,
    }
}

fn restore_step(
    source: &SourceCluster,
    new_id: &str,
    from: RestoreSource,
    key: &TargetKey,
) -> Step {
    let (title, explanation) = match &from {
        RestoreSource::Snapshot(_) => (
            "Restore the snapshot into a new cluster encrypted with the customer managed key",
            vec![
                "Documented: restoring an unencrypted snapshot with a KMS key gives an encrypted \
                 cluster (Neptune User Guide, \"Encrypting Neptune resources at rest\", \
                 https://docs.aws.amazon.com/neptune/latest/userguide/encrypt.html). A snapshot \
                 copy cannot encrypt (CopyDBClusterSnapshot API reference), so there is no copy \
                 step."
                    .to_owned(),
                "Only if this restore is refused: export the graph (neptune-export) and bulk-load \
                 it into a new cluster created with --storage-encrypted --kms-key-id."
                    .to_owned(),
            ],
        ),
        RestoreSource::PointInTime(_) => (
            "Clone the cluster to a new one encrypted with the customer managed key",
            vec![
                "Documented: a point-in-time restore may use a KMS key other than the source's \
                 (RestoreDBClusterToPointInTime API reference, KmsKeyId); full-copy, because a \
                 copy-on-write clone shares the source's storage and key."
                    .to_owned(),
                "Chosen over snapshot, re-keying copy and restore: one step instead of three, \
                 and no intermediate snapshot under the old key, which the rule would itself \
                 flag NON_COMPLIANT."
                    .to_owned(),
            ],
        ),
    };
    let mut explanation = explanation;
    let mut settings = source.clone();
    let (kept, reserved) = split_tags(&source.tags);
    settings.tags = kept;
    explanation.extend(reserved_tags_note(&source.identifier, &reserved));
    Step {
        title: title.to_owned(),
        explanation,
        actions: vec![Action::Restore(Box::new(NewCluster {
            identifier: new_id.to_owned(),
            source: from,
            key: key.clone(),
            settings,
        }))],
        manual: Vec::new(),
        stage: Stage::Migrate,
    }
}

/// Backup and maintenance settings (and, for a clone, copy-tags), which the
/// restore calls cannot set.
fn settings_step(source: &SourceCluster, new_id: &str, path: Path) -> Option<Step> {
    let settings = ClusterSettings {
        cluster: new_id.to_owned(),
        backup_retention: source.backup_retention,
        backup_window: source.backup_window.clone(),
        maintenance_window: source.maintenance_window.clone(),
        copy_tags_to_snapshot: (path == Path::CloneToPointInTime && source.copy_tags_to_snapshot)
            .then_some(true),
    };
    let empty = settings.backup_retention.is_none()
        && settings.backup_window.is_none()
        && settings.maintenance_window.is_none()
        && settings.copy_tags_to_snapshot.is_none();
    (!empty).then(|| Step {
        title: "Carry over the settings a restore cannot set".to_owned(),
        explanation: Vec::new(),
        actions: vec![Action::Modify(settings)],
        manual: Vec::new(),
        stage: Stage::Migrate,
    })
}

/// The cluster's IAM roles, attached to the new cluster with their
/// features: a restore or clone carries none.
fn roles_step(source: &SourceCluster, new_id: &str) -> Option<Step> {
    (!source.roles.is_empty()).then(|| Step {
        title: "Attach the cluster's IAM roles (bulk load, ML, export)".to_owned(),
        explanation: vec![
            "A restored or cloned cluster has no IAM roles until AddRoleToDBCluster attaches them."
                .to_owned(),
        ],
        actions: source
            .roles
            .iter()
            .map(|role| Action::AddRole {
                cluster: new_id.to_owned(),
                role: role.clone(),
            })
            .collect(),
        manual: Vec::new(),
        stage: Stage::Migrate,
    })
}

/// Event subscriptions name their sources by id, so they keep watching the
/// old cluster until the new ids are added.
fn subscriptions_step(facts: &Facts, new_id: &str) -> Option<Step> {
    let renamed = |id: &str| {
        if id.eq_ignore_ascii_case(&facts.cluster.identifier) {
            new_id.to_owned()
        } else {
            derived(id, NEW_SUFFIX)
        }
    };
    let manual: Vec<Command> = facts
        .subscriptions
        .iter()
        .flat_map(|subscription| {
            subscription.source_ids.iter().map(|id| {
                Command::aws(
                    "neptune",
                    "add-source-identifier-to-subscription",
                    &facts.region,
                )
                .opt("--subscription-name", &subscription.name)
                .opt("--source-identifier", renamed(id))
            })
        })
        .collect();
    (!manual.is_empty()).then(|| Step {
        title: "Add the new cluster and instances to the event subscriptions".to_owned(),
        explanation: vec![format!(
            "These subscriptions name {} or its instances: {}. Remove the old ids once the old \
             cluster is deleted (remove-source-identifier-from-subscription).",
            facts.cluster.identifier,
            facts
                .subscriptions
                .iter()
                .map(|subscription| subscription.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )],
        actions: Vec::new(),
        manual,
        stage: Stage::CutOver,
    })
}

/// What a plan says about the reserved tags it does not copy.
fn reserved_tags_note(resource: &str, reserved: &[Tag]) -> Option<String> {
    (!reserved.is_empty()).then(|| {
        // Sorted: the API lists tags in no promised order, and a plan
        // must read the same on every run.
        let mut keys: Vec<&str> = reserved.iter().map(|tag| tag.key.as_str()).collect();
        keys.sort_unstable();
        format!(
            "Not copied from {resource}: {} (keys starting with aws: are reserved and rejected \
             by the API). CloudFormation re-tags the resources it manages once the stack takes \
             the new cluster over.",
            keys.join(", ")
        )
    })
}

fn instances_step(facts: &Facts, new_id: &str) -> Step {
    let mut explanation = vec![
        "Same class, parameter group, zone, promotion tier, maintenance window and tags; the \
         writer first."
            .to_owned(),
    ];
    for instance in &facts.instances {
        explanation.extend(reserved_tags_note(
            &instance.identifier,
            &split_tags(&instance.tags).1,
        ));
    }
    if facts.instances.is_empty() {
        explanation.push(format!(
            "{} has no instances; create at least one writer to use the new cluster.",
            facts.cluster.identifier
        ));
    }
    Step {
        title: "Recreate the instances in the new cluster".to_owned(),
        explanation,
        actions: facts
            .instances
            .iter()
            .map(|instance| {
                let mut settings = instance.clone();
                settings.tags = split_tags(&instance.tags).0;
                Action::CreateInstance(NewInstance {
                    identifier: derived(&instance.identifier, NEW_SUFFIX),
                    cluster: new_id.to_owned(),
                    settings,
                })
            })
            .collect(),
        manual: Vec::new(),
        stage: Stage::Migrate,
    }
}

/// Custom endpoints follow the instances they list. Their identifiers are
/// unique in the account and region and the old cluster keeps its own, so
/// the new ones are derived names: the DNS names change.
fn endpoints_step(facts: &Facts, new_id: &str) -> Option<Step> {
    let recreated: Vec<NewEndpoint> = facts
        .custom_endpoints
        .iter()
        .map(|endpoint| NewEndpoint::recreate(endpoint, new_id, |id| derived(id, NEW_SUFFIX)))
        .collect();
    let mut explanation = vec![
        "Custom endpoint identifiers are unique in the account and region, and the old cluster \
         keeps its endpoints until it is deleted, so each is recreated under a new name, with \
         its members mapped to the new instances. Its DNS name changes: point its clients at \
         the new address at the cut-over."
            .to_owned(),
    ];
    for new in &recreated {
        explanation.push(format!(
            "{} ({}) becomes {} (aws neptune describe-db-cluster-endpoints \
             --db-cluster-endpoint-identifier {} prints its address).",
            new.source.identifier,
            new.source.address.as_deref().unwrap_or("address unknown"),
            new.identifier,
            new.identifier
        ));
    }
    (!recreated.is_empty()).then(|| Step {
        title: "Recreate the custom endpoints on the new cluster".to_owned(),
        explanation,
        actions: recreated.into_iter().map(Action::CreateEndpoint).collect(),
        manual: Vec::new(),
        stage: Stage::Migrate,
    })
}

/// The new cluster judged by the rule itself, with the same parameters;
/// `--cluster` keeps the audit to it (and fails when it is not there).
fn verify_step(facts: &Facts, cluster: &str) -> Step {
    let parameters = &facts.parameters;
    let mut audit = Command::new(["neptune-cmk", "audit"])
        .opt("--region", &facts.region)
        .opt("--cluster", cluster);
    if parameters.desired_level != neptune_cmk_evaluator::EncryptionLevel::CustomerManaged {
        audit = audit.opt("--level", parameters.desired_level.as_str());
    }
    for key in parameters.allowed_key_arns.iter().flatten() {
        audit = audit.opt("--allowed-key", key);
    }
    audit = audit.flag("--allow-disabled-keys", !parameters.require_enabled_key);
    Step {
        title: format!("Verify: the rule judges {cluster} COMPLIANT"),
        explanation: Vec::new(),
        actions: Vec::new(),
        manual: vec![
            Command::aws("neptune", "describe-db-clusters", &facts.region)
                .opt("--db-cluster-identifier", cluster)
                .opt(
                    "--query",
                    "DBClusters[0].[StorageEncrypted,KmsKeyId,Endpoint,ReaderEndpoint]",
                ),
            audit,
        ],
        stage: Stage::Verify,
    }
}

fn cut_over_step(source: &SourceCluster, new_id: &str) -> Step {
    Step {
        title: "Cut over: point applications at the new endpoints".to_owned(),
        explanation: vec![
            format!(
                "Old writer endpoint: {}",
                source.endpoint.as_deref().unwrap_or("-")
            ),
            format!(
                "Old reader endpoint: {}",
                source.reader_endpoint.as_deref().unwrap_or("-")
            ),
            format!(
                "New endpoints: from the Verify step. Update application settings (or the DNS \
                 CNAME they use), then re-enable writes against {new_id}."
            ),
        ],
        actions: Vec::new(),
        manual: Vec::new(),
        stage: Stage::CutOver,
    }
}

fn delete_step(facts: &Facts, path: Path, snapshot: &str) -> Step {
    let mut manual = delete_source_commands(facts);
    let mut explanation = delete_explanation(facts);
    if path == Path::RestoreSnapshot {
        explanation.push(format!(
            "{snapshot} is unencrypted (non-compliant): delete it once the new cluster is \
             verified."
        ));
        manual.push(
            Command::aws("neptune", "delete-db-cluster-snapshot", &facts.region)
                .opt("--db-cluster-snapshot-identifier", snapshot),
        );
    }
    Step {
        title: "Delete the old cluster".to_owned(),
        explanation,
        actions: Vec::new(),
        manual,
        stage: Stage::CutOver,
    }
}

fn delete_explanation(facts: &Facts) -> Vec<String> {
    let final_snapshot = derived(&facts.cluster.identifier, FINAL_SNAPSHOT_SUFFIX);
    vec![
        "Only once the new cluster serves traffic. Automated snapshots of the old cluster go with \
         it; delete manual ones you no longer need, as the rule flags them too."
            .to_owned(),
        format!(
            "The cluster is deleted with a final snapshot, {final_snapshot}: the data as it was \
             at cut-over, in case the new cluster turns out to lack something. It is under the \
             old encryption, so the rule flags it NON_COMPLIANT; delete it \
             (delete-db-cluster-snapshot) once you are sure."
        ),
    ]
}

/// The old cluster's instances, its deletion protection, then the cluster
/// itself with a final snapshot under a predictable name.
fn delete_source_commands(facts: &Facts) -> Vec<Command> {
    let source = &facts.cluster;
    let region = &facts.region;
    let mut manual: Vec<Command> = facts
        .instances
        .iter()
        .map(|instance| {
            Command::aws("neptune", "delete-db-instance", region)
                .opt("--db-instance-identifier", &instance.identifier)
        })
        .collect();
    if source.deletion_protection {
        manual.push(
            Command::aws("neptune", "modify-db-cluster", region)
                .opt("--db-cluster-identifier", &source.identifier)
                .flag("--no-deletion-protection", true)
                .flag("--apply-immediately", true),
        );
    }
    manual.push(
        Command::aws("neptune", "delete-db-cluster", region)
            .opt("--db-cluster-identifier", &source.identifier)
            .opt(
                "--final-db-snapshot-identifier",
                derived(&source.identifier, FINAL_SNAPSHOT_SUFFIX),
            ),
    );
    manual
}

/// A global database's primary: after the new cluster is verified, a new
/// global database from it, a secondary per old secondary's region, the
/// cut-over, then the old members removed (secondaries first) and deleted.
fn global_steps(
    facts: &Facts,
    global: &GlobalDatabase,
    new_id: &str,
    path: Path,
    snapshot: &str,
) -> Vec<Step> {
    let new_global = derived(&global.identifier, NEW_SUFFIX);
    let new_arn = format!(
        "arn:{}:rds:{}:{}:cluster:{new_id}",
        facts.partition, facts.region, facts.account_id
    );
    let mut steps = vec![Step {
        title: format!("Make {new_id} the primary of a new global database, {new_global}"),
        explanation: vec![format!(
            "{} cannot take an encrypted member beside unencrypted or differently keyed ones.",
            global.identifier
        )],
        actions: Vec::new(),
        manual: vec![
            Command::aws("neptune", "create-global-cluster", &facts.region)
                .opt("--global-cluster-identifier", &new_global)
                .opt("--source-db-cluster-identifier", new_arn),
        ],
        stage: Stage::CutOver,
    }];
    for member in global.members.iter().filter(|member| !member.is_writer) {
        steps.push(secondary_step(member, &new_global));
    }
    steps.push(cut_over_step(&facts.cluster, new_id));
    steps.extend(subscriptions_step(facts, new_id));
    steps.push(remove_members_step(facts, global, path, snapshot));
    steps
}

fn secondary_step(member: &super::facts::GlobalMember, new_global: &str) -> Step {
    let region = member.region();
    let variable = format!("CMK_ARN_{}", region.to_ascii_uppercase().replace('-', "_"));
    Step {
        title: format!("Add a secondary in {region} to {new_global}"),
        explanation: vec![
            format!(
                "Keys are regional: ${variable} must hold a customer managed key in {region} (aws \
                 kms create-key --region {region}; its key policy needs the statement above, \
                 with kms:ViaService rds.{region})."
            ),
            format!(
                "Then create its instances like those of {} (create-db-instance --region {region}).",
                member.identifier()
            ),
        ],
        actions: Vec::new(),
        manual: vec![Command::aws("neptune", "create-db-cluster", region)
            .opt("--db-cluster-identifier", derived(member.identifier(), NEW_SUFFIX))
            .opt("--engine", "neptune")
            .opt("--global-cluster-identifier", new_global)
            .flag("--storage-encrypted", true)
            .opt("--kms-key-id", super::command::Word::Variable(variable))],
        stage: Stage::CutOver,
    }
}

/// RemoveFromGlobalCluster before any delete (a member cannot be deleted),
/// the secondaries first, then the primary, then the empty global cluster.
fn remove_members_step(facts: &Facts, global: &GlobalDatabase, path: Path, snapshot: &str) -> Step {
    let mut manual = Vec::new();
    let mut explanation = Vec::new();
    for member in global.members.iter().filter(|member| !member.is_writer) {
        manual.push(remove_from_global(
            &global.identifier,
            member.region(),
            &member.arn,
        ));
        explanation.push(format!(
            "Then delete {} in {} and its instances, with a final snapshot.",
            member.identifier(),
            member.region()
        ));
    }
    let primary = format!(
        "arn:{}:rds:{}:{}:cluster:{}",
        facts.partition, facts.region, facts.account_id, facts.cluster.identifier
    );
    manual.push(remove_from_global(
        &global.identifier,
        &facts.region,
        &primary,
    ));
    manual.extend(delete_source_commands(facts));
    manual.push(
        Command::aws("neptune", "delete-global-cluster", &facts.region)
            .opt("--global-cluster-identifier", &global.identifier),
    );
    explanation.extend(delete_explanation(facts));
    if path == Path::RestoreSnapshot {
        manual.push(
            Command::aws("neptune", "delete-db-cluster-snapshot", &facts.region)
                .opt("--db-cluster-snapshot-identifier", snapshot),
        );
    }
    Step {
        title: format!(
            "Remove the old members from {}, then delete them",
            global.identifier
        ),
        explanation,
        actions: Vec::new(),
        manual,
        stage: Stage::CutOver,
    }
}

fn remove_from_global(global: &str, region: &str, member_arn: &str) -> Command {
    Command::aws("neptune", "remove-from-global-cluster", region)
        .opt("--global-cluster-identifier", global)
        .opt("--db-cluster-identifier", member_arn)
}
