//! The judge: from what a reader found to a verdict, through the
//! evaluator's own decision so the words are the rule's.
//!
//! Every fact a template can give maps onto the evaluator's types: the
//! resource onto a [`Subject`], its key onto a [`KeyReference`] and a
//! [`KeyLookup`]. Only what a template cannot know (a key only DescribeKey
//! can judge, an import, a restore) becomes UNVERIFIED, in this crate's
//! words.

use std::collections::BTreeMap;
use std::fmt;

use neptune_cmk_evaluator::{
    Advice, Annotation, Assessment, Compliance, Encryption, EncryptionLevel, Evaluation, KeyFacts,
    KeyLookup, KeyManager, KeyOrigin, KeyReference, KeyState, NeptuneResource, Reason,
    RuleParameters, Subject, Timestamp,
};

use crate::found::{BeforeDeploy, FoundResource, KeyUse, KnownKey, Reference, Scenario};

/// A template's verdict on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// The rule would find it compliant.
    Compliant,
    /// The facts that decide cannot be known before deploy (or without
    /// `--resolve`). A failure only under `--strict`.
    Unverified,
    /// The rule would find it non-compliant.
    NonCompliant,
}

impl Verdict {
    /// `COMPLIANT`, `NON_COMPLIANT` or `UNVERIFIED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "COMPLIANT",
            Self::NonCompliant => "NON_COMPLIANT",
            Self::Unverified => "UNVERIFIED",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a resource could not be judged before deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unverified {
    /// A literal key ARN, key id or alias: only DescribeKey can tell who
    /// manages it (`--resolve`).
    KeyNeedsLookup,
    /// The key comes from `Fn::ImportValue` of a stack not among the
    /// inputs.
    ImportedKey,
    /// An expression with no value before deploy: a parameter without a
    /// default, an attribute of another resource, a value known only
    /// after apply.
    UnresolvedExpression,
    /// A restore without a key, which keeps the source's encryption.
    RestoreInheritsSource,
    /// An in-template key whose state or origin the rule's parameters
    /// need, but which only deploy decides.
    KeyFactsUnknown,
    /// `--resolve` was used, and DescribeKey was denied.
    LookupDenied,
}

impl Unverified {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 6] = [
        Self::KeyNeedsLookup,
        Self::ImportedKey,
        Self::UnresolvedExpression,
        Self::RestoreInheritsSource,
        Self::KeyFactsUnknown,
        Self::LookupDenied,
    ];

    /// A stable kebab-case id, e.g. `unverified-key-lookup`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeyNeedsLookup => "unverified-key-lookup",
            Self::ImportedKey => "unverified-imported-key",
            Self::UnresolvedExpression => "unverified-expression",
            Self::RestoreInheritsSource => "unverified-restore",
            Self::KeyFactsUnknown => "unverified-key-facts",
            Self::LookupDenied => "unverified-lookup-denied",
        }
    }

    /// A few words for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::KeyNeedsLookup => "key named literally: needs DescribeKey",
            Self::ImportedKey => "key imported from another stack",
            Self::UnresolvedExpression => "value unknown before deploy",
            Self::RestoreInheritsSource => "restore keeps the source's key",
            Self::KeyFactsUnknown => "in-template key's state or origin unknown before deploy",
            Self::LookupDenied => "DescribeKey denied",
        }
    }
}

/// Why a verdict was reached: the evaluator's [`Reason`] when the rule's
/// decision table decided, or why it could not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// A row of the rule's decision table.
    Rule(Reason),
    /// Not decidable before deploy.
    Unverified(Unverified),
}

impl Cause {
    /// Every cause a template check can produce, compliant ones first.
    pub fn all() -> Vec<Self> {
        let rule = [
            Reason::CustomerManagedKey,
            Reason::CrossAccountKey,
            Reason::Unencrypted,
            Reason::AwsManagedKey,
            Reason::AwsOwnedKey,
            Reason::KeyNotEnabled,
            Reason::BelowDesiredLevel,
            Reason::KeyNotAllowed,
            Reason::KeyNotFound,
            Reason::LevelNotVerifiable,
        ];
        rule.into_iter()
            .map(Self::Rule)
            .chain(Unverified::ALL.into_iter().map(Self::Unverified))
            .collect()
    }

    /// The verdict this cause implies.
    pub fn verdict(self) -> Verdict {
        match self {
            Self::Rule(reason) => match reason.compliance() {
                Compliance::Compliant => Verdict::Compliant,
                // NOT_APPLICABLE never reaches a template finding: every
                // resource read is a Neptune resource in scope.
                Compliance::NonCompliant | Compliance::NotApplicable => Verdict::NonCompliant,
            },
            Self::Unverified(_) => Verdict::Unverified,
        }
    }

    /// The stable id: the evaluator's reason id, or `unverified-…`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Rule(reason) => reason.as_str(),
            Self::Unverified(kind) => kind.as_str(),
        }
    }

    /// A few words for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Rule(reason) => reason.describe(),
            Self::Unverified(kind) => kind.describe(),
        }
    }

    /// How to fix it in the template, before the first deploy.
    pub fn help(self) -> &'static str {
        match self {
            Self::Rule(Reason::CustomerManagedKey | Reason::CrossAccountKey) => {
                "Nothing to fix: the key is customer managed."
            }
            Self::Rule(Reason::Unencrypted) => {
                "Set StorageEncrypted: true (storage_encrypted = true) and KmsKeyId (kms_key_arn) \
                 to a customer managed key. A deployed cluster cannot be encrypted in place."
            }
            Self::Rule(Reason::AwsManagedKey) => {
                "Set KmsKeyId (kms_key_arn) to a customer managed key, for example an AWS::KMS::Key \
                 (aws_kms_key) in the same template, before the first deploy: a cluster's key \
                 cannot be changed afterwards."
            }
            Self::Rule(Reason::AwsOwnedKey) => {
                "Set KmsKeyIdentifier (kms_key_identifier) to a customer managed key when the \
                 graph is created: a graph's key cannot be changed afterwards."
            }
            Self::Rule(Reason::KeyNotEnabled) => {
                "Enable the key (Enabled: true, is_enabled = true), or cancel its deletion."
            }
            Self::Rule(Reason::BelowDesiredLevel) => {
                "Use a key whose origin meets the desired level: imported key material (Origin: \
                 EXTERNAL) or a CloudHSM or external key store."
            }
            Self::Rule(Reason::KeyNotAllowed) => {
                "Use one of the allowed keys (--allowed-key, allowedKmsKeyArns)."
            }
            Self::Rule(Reason::KeyNotFound) => "Name a key that exists.",
            Self::Rule(_) => "See the annotation.",
            Self::Unverified(Unverified::KeyNeedsLookup) => {
                "Run neptune-cmk check --resolve with credentials of the target account, so \
                 DescribeKey can tell whether the key is customer managed."
            }
            Self::Unverified(Unverified::ImportedKey) => {
                "Check the template that exports the key in the same run, or name the key \
                 directly."
            }
            Self::Unverified(Unverified::UnresolvedExpression) => {
                "Give the parameter or variable a default, or name the key directly."
            }
            Self::Unverified(Unverified::RestoreInheritsSource) => {
                "Set KmsKeyId (kms_key_arn) on the restore to a customer managed key: the restored \
                 cluster is then encrypted with it, whatever the snapshot's key."
            }
            Self::Unverified(Unverified::KeyFactsUnknown) => {
                "Give the key's state or origin literally in the template, or judge the deployed \
                 key with the rule."
            }
            Self::Unverified(Unverified::LookupDenied) => {
                "Allow kms:DescribeKey on the key to the identity running neptune-cmk check."
            }
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One resource's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file, as the caller displays it.
    pub file: String,
    /// 1-based line of the resource.
    pub line: usize,
    /// Logical id (CloudFormation) or address (Terraform).
    pub resource: String,
    /// The CDK construct path (`aws:cdk:path`), for cdk.out templates.
    pub construct_path: Option<String>,
    /// `AWS::Neptune::DBCluster`, `aws_neptune_cluster`, …
    pub resource_type: String,
    /// Why; the verdict follows from it ([`Finding::verdict`]).
    pub cause: Cause,
    /// The rule's annotation for the same facts, prefixed with the branch
    /// when the verdict depends on a condition.
    pub annotation: String,
    /// The branch reported, when branches differ: the worst one.
    pub branch: Option<String>,
}

impl Finding {
    /// The verdict, as `cause` decides it.
    pub fn verdict(&self) -> Verdict {
        self.cause.verdict()
    }

    /// Whether this finding fails a check: NON_COMPLIANT always,
    /// UNVERIFIED only when `strict`.
    pub fn fails(&self, strict: bool) -> bool {
        match self.verdict() {
            Verdict::NonCompliant => true,
            Verdict::Unverified => strict,
            Verdict::Compliant => false,
        }
    }
}

/// The account and region templates are deployed to, when known (the
/// CLI's credentials, with `--resolve`). Fills in pseudo parameters of key
/// references and tells same-account keys from cross-account ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// 12-digit account id.
    pub account_id: String,
    /// Region, e.g. `us-east-1`.
    pub region: String,
    /// `aws`, `aws-cn`, …
    pub partition: String,
}

impl Deployment {
    /// The value of a CloudFormation pseudo parameter, when it is one of
    /// these three.
    pub(crate) fn pseudo_parameter(&self, name: &str) -> Option<String> {
        match name {
            "AWS::AccountId" => Some(self.account_id.clone()),
            "AWS::Region" => Some(self.region.clone()),
            "AWS::Partition" => Some(self.partition.clone()),
            _ => None,
        }
    }
}

/// The outcomes of DescribeKey the caller made, keyed by the reference
/// exactly as [`crate::Parsed::key_references`] listed it.
pub type KeyLookups = BTreeMap<String, KeyLookup>;

/// What the judge needs besides the files.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The rule's parameters (`--level`, `--allowed-key`).
    pub parameters: RuleParameters,
    /// DescribeKey outcomes, with `--resolve`; empty offline.
    pub lookups: KeyLookups,
    /// Where the templates deploy, with `--resolve`.
    pub deployment: Option<Deployment>,
}

/// Judges every branch of `resource` and reports the worst.
pub(crate) fn judge(resource: &FoundResource, options: &CheckOptions) -> Finding {
    let outcomes: Vec<(Cause, String, &Scenario)> = resource
        .scenarios
        .iter()
        .map(|scenario| {
            let (cause, annotation) = judge_key(resource, &scenario.key, options);
            (cause, annotation, scenario)
        })
        .collect();
    // The first of the worst, so equal verdicts keep template order.
    let worst = outcomes
        .iter()
        .rev()
        .max_by_key(|(cause, _, _)| cause.verdict())
        .expect("a resource has at least one scenario");
    let all_same = outcomes
        .iter()
        .all(|(cause, annotation, _)| (cause, annotation) == (&worst.0, &worst.1));
    let branch = (!all_same).then(|| worst.2.label.clone()).flatten();
    let mut annotation = match &branch {
        Some(label) => format!("when {label}: {}", worst.1),
        None => worst.1.clone(),
    };
    for hint in &resource.hints {
        annotation += &format!("; {hint}");
    }
    Finding {
        file: resource.file.clone(),
        line: resource.line,
        resource: resource.resource.clone(),
        construct_path: resource.construct_path.clone(),
        resource_type: resource.resource_type.clone(),
        cause: worst.0,
        annotation,
        branch,
    }
}

fn subject(resource: &FoundResource, options: &CheckOptions) -> Subject {
    let deployment = options.deployment.as_ref();
    // The reader is the template's author: the fix is in the template's terms.
    let advice = if resource.resource_type.starts_with("aws_") {
        Advice::Terraform
    } else {
        Advice::CloudFormation
    };
    Subject::new(
        resource.kind,
        resource.resource.clone(),
        deployment.map_or_else(String::new, |d| d.account_id.clone()),
        deployment.map(|d| d.region.clone()),
        None,
        Timestamp::from_epoch_millis(0),
    )
    .with_advice(advice)
}

fn decided(evaluation: Evaluation) -> (Cause, String) {
    (
        Cause::Rule(evaluation.reason),
        evaluation.annotation.as_str().to_owned(),
    )
}

fn unverified(kind: Unverified, text: String) -> (Cause, String) {
    (
        Cause::Unverified(kind),
        Annotation::new(text).as_str().to_owned(),
    )
}

fn judge_key(resource: &FoundResource, key: &KeyUse, options: &CheckOptions) -> (Cause, String) {
    let subject = subject(resource, options);
    let field = resource.key_field;
    match key {
        KeyUse::Unencrypted => assess(subject, Encryption::Off, None, options),
        KeyUse::AwsOwned => assess(subject, Encryption::AwsOwnedKey, None, options),
        KeyUse::DefaultKey => judge_known(
            subject,
            &KnownKey::aws_managed(format!("default key: {field} not set")),
            options,
        ),
        KeyUse::Known(known) => judge_known(subject, known, options),
        KeyUse::Lookup(reference) => judge_lookup(subject, field, reference, options),
        KeyUse::Imported { name } => unverified(
            Unverified::ImportedKey,
            format!(
                "{field} is imported from another stack (Fn::ImportValue {name}), which is not \
                 among the files checked: its key cannot be judged from this template"
            ),
        ),
        KeyUse::Unresolved {
            field,
            display,
            why,
        } => unverified(
            Unverified::UnresolvedExpression,
            format!("{field} is {display}, which has no value before deploy: {why}"),
        ),
        KeyUse::RestoreInherits { source } => unverified(
            Unverified::RestoreInheritsSource,
            format!(
                "restored from {source} without {field}: the cluster keeps the source's \
                 encryption, which a template does not show; set {field} to a customer managed key"
            ),
        ),
    }
}

/// Runs the evaluator's decision for `encryption`, answering a key
/// question with `lookup`.
fn assess(
    subject: Subject,
    encryption: Encryption,
    lookup: Option<&KeyLookup>,
    options: &CheckOptions,
) -> (Cause, String) {
    let resource = NeptuneResource {
        subject,
        encryption,
    };
    match (resource.assess(), lookup) {
        (Assessment::Decided(evaluation), _) => decided(evaluation),
        (Assessment::NeedsKey(pending), Some(lookup)) => {
            let key = pending.key().arn().to_owned();
            match pending.decide(lookup, &options.parameters) {
                Ok(evaluation) => decided(evaluation),
                Err(_) => denied(&key),
            }
        }
        (Assessment::NeedsKey(pending), None) => unreachable!(
            "every key question comes with its lookup: {}",
            pending.key()
        ),
        (Assessment::NeedsCluster(_), _) => {
            unreachable!("template resources state their own encryption")
        }
    }
}

fn denied(key: &str) -> (Cause, String) {
    unverified(
        Unverified::LookupDenied,
        format!(
            "kms:DescribeKey was denied for {key}, so whether it is customer managed cannot be \
             verified; allow kms:DescribeKey on it to the identity running neptune-cmk check"
        ),
    )
}

fn judge_known(subject: Subject, known: &KnownKey, options: &CheckOptions) -> (Cause, String) {
    let parameters = &options.parameters;
    let key = &known.display;
    if !known.aws_managed {
        if let (BeforeDeploy::Unknown(why), true) = (&known.state, parameters.require_enabled_key) {
            return unverified(
                Unverified::KeyFactsUnknown,
                format!(
                    "encrypted with customer managed key {key}, whose state is not known before \
                     deploy ({why}); requireEnabledKey needs it Enabled"
                ),
            );
        }
        if let (BeforeDeploy::Unknown(why), true) = (
            &known.origin,
            parameters.desired_level > EncryptionLevel::CustomerManaged,
        ) {
            return unverified(
                Unverified::KeyFactsUnknown,
                format!(
                    "encrypted with customer managed key {key}, whose origin is not known before \
                     deploy ({why}); desiredEncryptionLevel {} needs it",
                    parameters.desired_level.as_str()
                ),
            );
        }
    }
    let facts = KeyFacts {
        arn: key.clone(),
        key_manager: if known.aws_managed {
            KeyManager::Aws
        } else {
            KeyManager::Customer
        },
        key_state: known
            .state
            .clone()
            .known_or(KeyState::Other("state unknown before deploy".to_owned())),
        origin: known
            .origin
            .clone()
            .known_or(KeyOrigin::Other("unknown".to_owned())),
        deletion: None,
    };
    assess(
        subject,
        Encryption::On(KeyReference::named(key.clone())),
        Some(&KeyLookup::Found(facts)),
        options,
    )
}

/// A note when a key ARN names another region (or partition) than the one
/// the templates deploy to: KMS keys are regional, and a Neptune cluster can
/// only use a key of its own region, so the deploy would fail whatever the
/// verdict.
fn other_region(key: &str, deployment: Option<&Deployment>) -> Option<String> {
    let deployment = deployment?;
    let mut parts = key.split(':');
    let (Some("arn"), Some(partition), Some("kms"), Some(region)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if region.is_empty() || region == deployment.region {
        return None;
    }
    let (key_at, deploy_at) = if partition == deployment.partition {
        (region.to_owned(), deployment.region.clone())
    } else {
        (
            format!("{region} in partition {partition}"),
            format!(
                "{} in partition {}",
                deployment.region, deployment.partition
            ),
        )
    };
    Some(format!(
        "note: the key is in {key_at} but the template deploys to {deploy_at} (--region or the \
         configured region); a Neptune cluster needs a KMS key in its own region"
    ))
}

fn judge_lookup(
    subject: Subject,
    field: &str,
    reference: &Reference,
    options: &CheckOptions,
) -> (Cause, String) {
    let display = reference.display();
    let needs_lookup = || {
        unverified(
            Unverified::KeyNeedsLookup,
            format!(
                "{field} is {display}: only kms:DescribeKey can tell whether it is customer \
                 managed; run neptune-cmk check --resolve"
            ),
        )
    };
    let Some(text) = reference.resolve(options.deployment.as_ref()) else {
        return needs_lookup();
    };
    let Some(lookup) = options.lookups.get(&text) else {
        return needs_lookup();
    };
    // Without knowing the deploying account, a denial says nothing about
    // whether the key is another account's.
    if *lookup == KeyLookup::AccessDenied && options.deployment.is_none() {
        return denied(&text);
    }
    match KeyReference::resolve(&text, &subject, field) {
        Ok(key) => {
            let (cause, annotation) = assess(subject, Encryption::On(key), Some(lookup), options);
            match other_region(&text, options.deployment.as_ref()) {
                Some(note) => (cause, format!("{annotation}; {note}")),
                None => (cause, annotation),
            }
        }
        Err(error) => unverified(
            Unverified::UnresolvedExpression,
            format!(
                "{field} is {display}, which is not a key reference DescribeKey takes: {error}"
            ),
        ),
    }
}
