//! CloudFormation Lambda Hook requests: the Neptune resource a deploy is
//! about to create or change, judged by the rule's own decision, and the
//! hook's answer.
//!
//! ```text
//! HookRequest::parse ─► assess ─┬─ NotEvaluated(why)                 DELETE, other types
//!                               ├─ Judge(Assessment)                 the resource's own properties
//!                               └─ NeedsSource(pending) ── resolve(snapshot or cluster facts) ─► Judge
//! evaluation ─► HookRequest::answer ─► HookAnswer (SUCCESS │ FAILED NonCompliant)
//! ```
//!
//! CloudFormation hands properties over as it resolved them, booleans and
//! numbers usually as strings (`"true"`); both forms are read. Nothing here
//! fetches anything: the shell describes keys, snapshots and source
//! clusters and hands their facts back.

use serde_json::{Map, Value};

use crate::json::describe;
use crate::{
    Advice, Assessment, ClusterEncryption, Compliance, Encryption, Error, Evaluation, KeyFacts,
    KeyLookup, KeyManager, KeyOrigin, KeyReference, KeyState, NeptuneResource, Reason,
    ResourceKind, RuleParameters, Subject, Timestamp,
};

/// The CloudFormation type of a Neptune DB cluster.
pub const NEPTUNE_CLUSTER_TYPE: &str = "AWS::Neptune::DBCluster";
/// The CloudFormation type of a Neptune Analytics graph.
pub const NEPTUNE_GRAPH_TYPE: &str = "AWS::NeptuneGraph::Graph";

/// The longest message every caller takes: Cloud Control cuts at 1,024
/// characters, CloudFormation at 4,096.
pub const MAX_HOOK_MESSAGE_CHARS: usize = 1024;

/// The annotation's name in the hook's results.
pub const ANNOTATION_NAME: &str = "NeptuneCmkCustomerManagedKey";

/// The properties that decide a cluster's encryption: an UPDATE that keeps
/// all of them is not blocked.
const CLUSTER_ENCRYPTION_PROPERTIES: [&str; 5] = [
    "StorageEncrypted",
    "KmsKeyId",
    "SnapshotIdentifier",
    "SourceDBClusterIdentifier",
    "RestoreType",
];
/// The property that decides a graph's encryption.
const GRAPH_ENCRYPTION_PROPERTIES: [&str; 1] = ["KmsKeyIdentifier"];

/// Where in the operation the hook runs (`actionInvocationPoint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvocationPoint {
    /// `CREATE_PRE_PROVISION`.
    Create,
    /// `UPDATE_PRE_PROVISION`.
    Update,
    /// `DELETE_PRE_PROVISION`.
    Delete,
    /// Any other point, kept verbatim: answered, never judged.
    Other(String),
}

impl InvocationPoint {
    fn parse(text: &str) -> Self {
        match text {
            "CREATE_PRE_PROVISION" => Self::Create,
            "UPDATE_PRE_PROVISION" => Self::Update,
            "DELETE_PRE_PROVISION" => Self::Delete,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The operation, as people say it (`CREATE`, `UPDATE`, `DELETE`).
    pub fn operation(&self) -> &str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Other(text) => text,
        }
    }
}

/// One hook request for a resource operation.
#[derive(Debug, Clone, PartialEq)]
pub struct HookRequest {
    /// `clientRequestToken`, echoed in the answer.
    pub client_request_token: String,
    /// `awsAccountId`: the account the stack deploys into.
    pub account_id: String,
    /// `stackId`, when the operation is a stack's (Cloud Control sends none).
    pub stack_id: Option<String>,
    /// `actionInvocationPoint`.
    pub invocation_point: InvocationPoint,
    /// `requestData.targetName`: the resource type.
    pub target_name: String,
    /// `requestData.targetLogicalId`.
    pub logical_id: String,
    properties: Map<String, Value>,
    previous_properties: Option<Map<String, Value>>,
}

const PROPERTIES: &str = "requestData.targetModel.resourceProperties";

impl HookRequest {
    /// Whether a Lambda event is a hook request (it has
    /// `actionInvocationPoint` or `requestData`), not a Config event.
    pub fn is_hook_request(event: &Value) -> bool {
        event.get("actionInvocationPoint").is_some() || event.get("requestData").is_some()
    }

    /// The request's token, read as leniently as possible, so that even a
    /// malformed request gets an answer CloudFormation can match.
    pub fn token_of(event: &Value) -> Option<&str> {
        ["clientRequestToken", "clientRequesttoken"]
            .iter()
            .find_map(|name| event.get(name)?.as_str())
    }

    /// Whether the text of an event that could not be parsed at all still
    /// claims to be a hook request: it deserves a hook answer, not a
    /// function error.
    pub fn text_is_hook_request(text: &str) -> bool {
        text.contains("\"actionInvocationPoint\"") || text.contains("\"requestData\"")
    }

    /// The token of a request whose text could not be parsed (too deep,
    /// malformed), found by a flat scan of the text, so the failure can
    /// still be matched to its request.
    pub fn token_in_text(text: &str) -> Option<String> {
        ["\"clientRequestToken\"", "\"clientRequesttoken\""]
            .iter()
            .find_map(|key| {
                let rest = &text[text.find(key)? + key.len()..];
                let rest = rest.trim_start().strip_prefix(':')?.trim_start();
                let body = rest.strip_prefix('"')?;
                let mut escaped = false;
                let end = body.char_indices().find_map(|(at, c)| {
                    let closes = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    closes.then_some(at)
                })?;
                serde_json::from_str(&rest[..end + 2]).ok()
            })
            .filter(|token: &String| !token.is_empty())
    }

    /// Parses a hook request. The guide's shape table spells the token
    /// `clientRequesttoken`, its examples `clientRequestToken`: both work.
    pub fn parse(event: &Value) -> Result<Self, Error> {
        let object = event
            .as_object()
            .ok_or_else(|| crate::json::wrong_type("the hook request", "a JSON object", event))?;
        let client_request_token = Self::token_of(event)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                Error::missing(
                    "clientRequestToken",
                    "CloudFormation sends a token with every hook request",
                )
            })?
            .to_owned();
        let text = |value: Option<&Value>, field: &str, fix: &'static str| match value {
            Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
            None | Some(Value::Null) => Err(Error::missing(field, fix)),
            Some(other) => Err(crate::json::wrong_type(field, "a non-empty string", other)),
        };
        let request_data = object
            .get("requestData")
            .ok_or_else(|| Error::missing("requestData", "a hook request names its target"))?;
        let target_model = request_data.get("targetModel");
        let properties = |name: &str| -> Result<Option<Map<String, Value>>, Error> {
            match target_model.and_then(|model| model.get(name)) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(map)) => Ok(Some(map.clone())),
                Some(other) => Err(crate::json::wrong_type(
                    &format!("requestData.targetModel.{name}"),
                    "a JSON object",
                    other,
                )),
            }
        };
        Ok(Self {
            client_request_token,
            account_id: text(
                object.get("awsAccountId"),
                "awsAccountId",
                "a hook request names the account it deploys into",
            )?,
            stack_id: object
                .get("stackId")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .map(str::to_owned),
            invocation_point: InvocationPoint::parse(&text(
                object.get("actionInvocationPoint"),
                "actionInvocationPoint",
                "a hook request says CREATE_PRE_PROVISION, UPDATE_PRE_PROVISION or \
                 DELETE_PRE_PROVISION",
            )?),
            target_name: text(
                request_data.get("targetName"),
                "requestData.targetName",
                "a hook request names the resource type",
            )?,
            logical_id: request_data
                .get("targetLogicalId")
                .and_then(Value::as_str)
                .unwrap_or("(no logical id)")
                .to_owned(),
            properties: properties("resourceProperties")?.unwrap_or_default(),
            previous_properties: properties("previousResourceProperties")?,
        })
    }

    /// The stack's region, from `stackId`
    /// (`arn:<partition>:cloudformation:<region>:…`).
    pub fn stack_region(&self) -> Option<&str> {
        let mut parts = self.stack_id.as_deref()?.split(':');
        (parts.next() == Some("arn")).then_some(())?;
        parts.nth(2).filter(|region| !region.is_empty())
    }

    /// Starts judging the resource. `region` is the stack's region (the
    /// hook runs in it: [`HookRequest::stack_region`], else the function's
    /// own). A key named as `alias/aws/*`, or no key with encryption on,
    /// is the AWS managed key and is decided here, without DescribeKey.
    pub fn assess(
        &self,
        region: &str,
        parameters: &RuleParameters,
    ) -> Result<HookAssessment, Error> {
        let kind = match (self.target_name.as_str(), &self.invocation_point) {
            (_, InvocationPoint::Delete | InvocationPoint::Other(_)) => {
                return Ok(HookAssessment::NotEvaluated(format!(
                    "{} is not evaluated: only CREATE and UPDATE can bring a key that is not \
                     customer managed",
                    self.invocation_point.operation()
                )))
            }
            (NEPTUNE_CLUSTER_TYPE, _) => ResourceKind::Cluster,
            (NEPTUNE_GRAPH_TYPE, _) => ResourceKind::Graph,
            (other, _) => {
                return Ok(HookAssessment::NotEvaluated(format!(
                    "{other} is not evaluated: this hook judges {NEPTUNE_CLUSTER_TYPE} and \
                     {NEPTUNE_GRAPH_TYPE}"
                )))
            }
        };
        let subject = self.subject(kind, region);
        let encryption = match kind {
            ResourceKind::Graph => self.graph_encryption(&subject)?,
            _ => match self.cluster_encryption(&subject)? {
                ClusterSource::Own(encryption) => encryption,
                ClusterSource::Restored(pending) => {
                    return Ok(HookAssessment::NeedsSource(pending))
                }
            },
        };
        Ok(HookAssessment::Judge(judge_statically(
            NeptuneResource {
                subject,
                encryption,
            },
            parameters,
        )?))
    }

    fn subject(&self, kind: ResourceKind, region: &str) -> Subject {
        let name_property = match kind {
            ResourceKind::Graph => "GraphName",
            _ => "DBClusterIdentifier",
        };
        let name = self
            .properties
            .get(name_property)
            .and_then(Value::as_str)
            .unwrap_or(&self.logical_id);
        Subject::new(
            kind,
            name,
            self.account_id.clone(),
            Some(region.to_owned()),
            self.stack_id.as_deref(),
            // No capture time exists before deploy; the answer never shows it.
            Timestamp::from_epoch_millis(0),
        )
        .with_identifier(Some(self.logical_id.clone()))
        .with_advice(Advice::CloudFormation)
    }

    fn graph_encryption(&self, subject: &Subject) -> Result<Encryption, Error> {
        let field = format!("{PROPERTIES}.KmsKeyIdentifier");
        match self.string_property("KmsKeyIdentifier")? {
            None => Ok(Encryption::AwsOwnedKey),
            Some(key) => KeyReference::resolve(key, subject, &field).map(Encryption::On),
        }
    }

    fn cluster_encryption(&self, subject: &Subject) -> Result<ClusterSource, Error> {
        let key_field = format!("{PROPERTIES}.KmsKeyId");
        let key = self.string_property("KmsKeyId")?;
        let source = match (
            self.string_property("SnapshotIdentifier")?,
            self.string_property("SourceDBClusterIdentifier")?,
        ) {
            (Some(snapshot), _) => Some((SourceKind::Snapshot, snapshot)),
            (None, Some(cluster)) => Some((SourceKind::Cluster, cluster)),
            (None, None) => None,
        };
        match (source, key) {
            // A restore or clone with a key of its own is encrypted with it,
            // whatever the source was.
            (Some(_), Some(key)) => KeyReference::resolve(key, subject, &key_field)
                .map(|key| ClusterSource::Own(Encryption::On(key))),
            (Some((kind, identifier)), None) => Ok(ClusterSource::Restored(PendingSource {
                subject: subject.clone(),
                kind,
                identifier: identifier.to_owned(),
            })),
            (None, key) => {
                if !self.bool_property("StorageEncrypted")?.unwrap_or(false) {
                    return Ok(ClusterSource::Own(Encryption::Off));
                }
                // Encrypted without a key: Neptune uses the account's aws/rds.
                let key = key.unwrap_or("alias/aws/rds");
                KeyReference::resolve(key, subject, &key_field)
                    .map(|key| ClusterSource::Own(Encryption::On(key)))
            }
        }
    }

    fn string_property(&self, name: &str) -> Result<Option<&str>, Error> {
        match self.properties.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.trim())),
            Some(other) => Err(crate::json::wrong_type(
                &format!("{PROPERTIES}.{name}"),
                "a string",
                other,
            )),
        }
    }

    fn bool_property(&self, name: &str) -> Result<Option<bool>, Error> {
        property_bool(self.properties.get(name), name)
    }

    /// Whether an UPDATE changes what decides encryption. A CREATE, or an
    /// UPDATE without the previous properties, counts as a change.
    pub fn changes_encryption(&self) -> bool {
        let Some(previous) = &self.previous_properties else {
            return true;
        };
        if self.invocation_point != InvocationPoint::Update {
            return true;
        }
        let names: &[&str] = if self.target_name == NEPTUNE_GRAPH_TYPE {
            &GRAPH_ENCRYPTION_PROPERTIES
        } else {
            &CLUSTER_ENCRYPTION_PROPERTIES
        };
        names.iter().any(|name| {
            normalized(self.properties.get(*name), name) != normalized(previous.get(*name), name)
        })
    }

    /// The hook's answer for the resource's evaluation: FAILED with
    /// `NonCompliant` when the deploy would create or move it onto a key the
    /// rule finds non-compliant; SUCCESS otherwise, an UPDATE that keeps the
    /// encryption properties included, with any existing non-compliance in
    /// the message.
    pub fn answer(&self, evaluation: &Evaluation) -> HookAnswer {
        let annotation = evaluation.annotation.as_str();
        let what = format!("{} {}", self.target_name, self.logical_id);
        let operation = self.invocation_point.operation();
        let fix = remediation(evaluation.reason, &self.target_name);
        let (status, error_code, message) = match evaluation.compliance() {
            Compliance::NonCompliant if self.changes_encryption() => (
                HookStatus::Failed,
                Some(HookErrorCode::NonCompliant),
                format!("neptune-cmk refused the {operation} of {what}: {annotation}"),
            ),
            Compliance::NonCompliant => (
                HookStatus::Success,
                None,
                format!(
                    "neptune-cmk allowed the {operation} of {what}: it does not change the \
                     encryption properties, but the resource is already NON_COMPLIANT: \
                     {annotation}"
                ),
            ),
            Compliance::Compliant | Compliance::NotApplicable => (
                HookStatus::Success,
                None,
                format!("neptune-cmk allowed the {operation} of {what}: {annotation}"),
            ),
        };
        let compliant = evaluation.compliance() != Compliance::NonCompliant;
        HookAnswer {
            status,
            error_code,
            message: shorten_chars(&message, MAX_HOOK_MESSAGE_CHARS),
            client_request_token: self.client_request_token.clone(),
            annotations: vec![HookAnnotation {
                name: ANNOTATION_NAME,
                status: if compliant {
                    AnnotationStatus::Passed
                } else {
                    AnnotationStatus::Failed
                },
                status_message: shorten_chars(
                    &format!("{} ({})", annotation, evaluation.reason),
                    MAX_HOOK_MESSAGE_CHARS,
                ),
                remediation_message: (!compliant).then(|| fix.to_owned()),
                severity: if compliant {
                    Severity::Informational
                } else {
                    Severity::High
                },
            }],
        }
    }

    /// SUCCESS for what the hook does not judge, saying so.
    pub fn not_evaluated(&self, why: &str) -> HookAnswer {
        HookAnswer {
            status: HookStatus::Success,
            error_code: None,
            message: shorten_chars(
                &format!(
                    "neptune-cmk: {} {} not evaluated: {why}",
                    self.target_name, self.logical_id
                ),
                MAX_HOOK_MESSAGE_CHARS,
            ),
            client_request_token: self.client_request_token.clone(),
            annotations: Vec::new(),
        }
    }

    /// SUCCESS for an UPDATE that keeps the encryption properties, whose
    /// existing key could not be judged: the hook gates changes to
    /// encryption, and this is none.
    pub fn unchanged_unjudged(&self, failure: &str) -> HookAnswer {
        let mut answer = self.not_evaluated(&format!(
            "the UPDATE does not change the encryption properties, and the current key could \
             not be judged ({failure})"
        ));
        answer.annotations.push(HookAnnotation {
            name: ANNOTATION_NAME,
            status: AnnotationStatus::Skipped,
            status_message: shorten_chars(failure, MAX_HOOK_MESSAGE_CHARS),
            remediation_message: None,
            severity: Severity::Informational,
        });
        answer
    }
}

/// What a cluster's own properties say: its encryption, or the source of a
/// restore or clone whose encryption it inherits.
enum ClusterSource {
    Own(Encryption),
    Restored(PendingSource),
}

/// Decides an `alias/aws/*` key here: it is AWS managed by its name, so
/// DescribeKey can only confirm it (and would create `aws/rds` in an account
/// that has never used it).
fn judge_statically(
    resource: NeptuneResource,
    parameters: &RuleParameters,
) -> Result<Assessment, Error> {
    match resource.assess() {
        Assessment::NeedsKey(pending) if is_aws_managed_alias(pending.key().arn()) => {
            let facts = KeyLookup::Found(KeyFacts {
                arn: pending.key().arn().to_owned(),
                key_manager: KeyManager::Aws,
                key_state: KeyState::Enabled,
                origin: KeyOrigin::AwsKms,
                deletion: None,
            });
            pending.decide(&facts, parameters).map(Assessment::Decided)
        }
        other => Ok(other),
    }
}

fn is_aws_managed_alias(key_arn: &str) -> bool {
    key_arn
        .split_once(":alias/")
        .is_some_and(|(_, alias)| alias.starts_with("aws/"))
}

/// `"true"`, `"false"` (any case) or a JSON boolean.
fn property_bool(value: Option<&Value>, name: &str) -> Result<Option<bool>, Error> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(Value::String(text)) if text.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(text)) if text.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(Error::invalid(
            format!("{PROPERTIES}.{name}"),
            &describe(other),
            "expected true or false (a JSON boolean or the string CloudFormation sends)",
        )),
    }
}

/// A property as it decides encryption: booleans read either way, absent
/// StorageEncrypted as false, absent RestoreType as full-copy.
fn normalized(value: Option<&Value>, name: &str) -> Value {
    match (name, value) {
        ("StorageEncrypted", value) => {
            Value::Bool(property_bool(value, name).ok().flatten().unwrap_or(false))
        }
        ("RestoreType", None | Some(Value::Null)) => Value::String("full-copy".to_owned()),
        (_, None) => Value::Null,
        (_, Some(Value::String(text))) if text.trim().is_empty() => Value::Null,
        (_, Some(Value::String(text))) => Value::String(text.trim().to_owned()),
        (_, Some(value)) => value.clone(),
    }
}

/// What to change in the template, in CloudFormation's terms.
fn remediation(reason: Reason, target_name: &str) -> &'static str {
    let graph = target_name == NEPTUNE_GRAPH_TYPE;
    match reason {
        Reason::Unencrypted => {
            "set StorageEncrypted: true and KmsKeyId to a customer managed key (an AWS::KMS::Key \
             in this template, or its ARN); for a restore, give KmsKeyId"
        }
        Reason::AwsManagedKey if graph => {
            "set KmsKeyIdentifier to a customer managed key (an AWS::KMS::Key, or its ARN)"
        }
        Reason::AwsManagedKey => {
            "set KmsKeyId to a customer managed key (an AWS::KMS::Key in this template, or its \
             ARN), not alias/aws/rds and not left out"
        }
        Reason::AwsOwnedKey => {
            "set KmsKeyIdentifier to a customer managed key (an AWS::KMS::Key, or its ARN): a \
             graph's key cannot be changed after it is created"
        }
        Reason::KeyNotEnabled => {
            "enable the key or cancel its deletion, or name another customer managed key"
        }
        Reason::BelowDesiredLevel => {
            "use a key whose origin meets desiredEncryptionLevel (imported key material, or a \
             CloudHSM or external key store)"
        }
        Reason::KeyNotAllowed => "use one of the keys in allowedKmsKeyArns",
        Reason::KeyNotFound => "name a key that exists in this account and region, by its ARN",
        Reason::LevelNotVerifiable => {
            "allow the hook's role kms:DescribeKey in the key's policy, so its origin can be \
             verified"
        }
        _ => "see the annotation",
    }
}

/// Whether the restore's source is a snapshot or a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `SnapshotIdentifier`: RestoreDBClusterFromSnapshot.
    Snapshot,
    /// `SourceDBClusterIdentifier`: a point-in-time restore (clone).
    Cluster,
}

/// A restore or clone without a key of its own: it inherits its source's
/// encryption, which the shell looks up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSource {
    subject: Subject,
    kind: SourceKind,
    identifier: String,
}

impl PendingSource {
    /// A snapshot or a cluster.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// The snapshot's or cluster's identifier (or ARN), as the template
    /// gives it.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Continues with the source's facts: an encrypted source's key, or
    /// unencrypted (a restore without a key stays unencrypted).
    pub fn resolve(
        self,
        source: &ClusterEncryption,
        parameters: &RuleParameters,
    ) -> Result<Assessment, Error> {
        let field = match self.kind {
            SourceKind::Snapshot => format!("DBClusterSnapshot {} KmsKeyId", self.identifier),
            SourceKind::Cluster => format!("DBCluster {} KmsKeyId", self.identifier),
        };
        let encryption = Encryption::from_storage(
            source.storage_encrypted,
            source.kms_key_id.as_deref(),
            &self.subject,
            &field,
        )?;
        judge_statically(
            NeptuneResource {
                subject: self.subject,
                encryption,
            },
            parameters,
        )
    }
}

/// Where judging a hook request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum HookAssessment {
    /// Not judged (DELETE, another resource type): SUCCESS, saying why.
    NotEvaluated(String),
    /// The rule's decision, driven like any other resource's.
    Judge(Assessment),
    /// A restore or clone: describe its source, then
    /// [`PendingSource::resolve`].
    NeedsSource(PendingSource),
}

/// `hookStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    /// Let the operation go on.
    Success,
    /// Stop it (FAIL mode) or warn (WARN mode).
    Failed,
}

impl HookStatus {
    /// The hook contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
        }
    }
}

/// `errorCode`, required with FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookErrorCode {
    /// The resource breaks the rule.
    NonCompliant,
    /// The hook could not decide: never a silent allow.
    InternalFailure,
}

impl HookErrorCode {
    /// The hook contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NonCompliant => "NonCompliant",
            Self::InternalFailure => "InternalFailure",
        }
    }
}

/// An annotation's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationStatus {
    /// The resource complies.
    Passed,
    /// It does not.
    Failed,
    /// It was not judged.
    Skipped,
}

impl AnnotationStatus {
    /// The hook contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "PASSED",
            Self::Failed => "FAILED",
            Self::Skipped => "SKIPPED",
        }
    }
}

/// An annotation's `severityLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Nothing to do.
    Informational,
    /// Data at rest under a key the customer does not control.
    High,
}

impl Severity {
    /// The hook contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Informational => "INFORMATIONAL",
            Self::High => "HIGH",
        }
    }
}

/// One entry of `annotations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookAnnotation {
    /// `annotationName`.
    pub name: &'static str,
    /// `status`.
    pub status: AnnotationStatus,
    /// `statusMessage`: the rule's annotation and reason.
    pub status_message: String,
    /// `remediationMessage`: what to change in the template.
    pub remediation_message: Option<String>,
    /// `severityLevel`.
    pub severity: Severity,
}

/// The hook's answer, as the shell returns it to CloudFormation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookAnswer {
    /// `hookStatus`.
    pub status: HookStatus,
    /// `errorCode`, with FAILED.
    pub error_code: Option<HookErrorCode>,
    /// `message`, at most [`MAX_HOOK_MESSAGE_CHARS`].
    pub message: String,
    /// `clientRequestToken`: the request's.
    pub client_request_token: String,
    /// `annotations`: one per judged resource.
    pub annotations: Vec<HookAnnotation>,
}

impl HookAnswer {
    /// FAILED with `InternalFailure`: the hook could not decide, and says
    /// what failed. `token` is the request's, or empty when even that could
    /// not be read.
    pub fn internal_failure(token: Option<&str>, what_failed: &str) -> Self {
        Self {
            status: HookStatus::Failed,
            error_code: Some(HookErrorCode::InternalFailure),
            message: shorten_chars(
                &format!("neptune-cmk could not judge this resource: {what_failed}"),
                MAX_HOOK_MESSAGE_CHARS,
            ),
            client_request_token: token.unwrap_or_default().to_owned(),
            annotations: Vec::new(),
        }
    }
}

/// Cuts `text` to at most `max` characters, marking the cut.
fn shorten_chars(text: &str, max: usize) -> String {
    const MARK: &str = " [truncated]";
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(MARK.len());
    text.chars().take(keep).collect::<String>() + MARK
}
