//! The evaluator's output: what PutEvaluations will write.

use std::fmt;

use crate::{Annotation, Timestamp};

/// The three compliance values PutEvaluations accepts. `INSUFFICIENT_DATA`
/// is rejected by AWS Config, so it is not representable here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Compliance {
    /// The resource meets the rule.
    Compliant,
    /// The resource does not meet the rule.
    NonCompliant,
    /// The rule does not apply (not Neptune, deleted, out of scope).
    NotApplicable,
}

impl Compliance {
    /// Config's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "COMPLIANT",
            Self::NonCompliant => "NON_COMPLIANT",
            Self::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

impl fmt::Display for Compliance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a verdict was reached: one value per row of the decision table. Each
/// reason implies its verdict, so reports can group findings by cause
/// (SARIF rules, the HTML report's breakdown) without reading annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// Encrypted with a customer managed key that meets every parameter.
    CustomerManagedKey,
    /// Encrypted with another account's key whose DescribeKey was denied:
    /// customer managed (AWS managed keys never work across accounts), state
    /// not verified.
    CrossAccountKey,
    /// Encrypted with a key of the resource's own account whose key policy
    /// denies the rule DescribeKey: customer managed (AWS managed keys always
    /// let their account describe them), state not verified.
    KeyPolicyDeniesDescribe,
    /// Storage encryption is off.
    Unencrypted,
    /// Encrypted with the AWS managed key `aws/rds`.
    AwsManagedKey,
    /// Encrypted with a key AWS owns (Neptune Analytics' default).
    AwsOwnedKey,
    /// The customer managed key is not Enabled (and `requireEnabledKey`).
    KeyNotEnabled,
    /// The key's origin is below `desiredEncryptionLevel`.
    BelowDesiredLevel,
    /// The key is not in `allowedKmsKeyArns`.
    KeyNotAllowed,
    /// DescribeKey found no such key.
    KeyNotFound,
    /// Another account's key, DescribeKey denied, and a level above
    /// `CUSTOMER_MANAGED` is required: it cannot be verified.
    LevelNotVerifiable,
    /// An instance whose cluster does not exist.
    ClusterNotFound,
    /// Not a resource type this rule evaluates.
    UnsupportedType,
    /// An RDS resource of another engine (Aurora, DocumentDB).
    NotNeptune,
    /// `eventLeftScope`, or outside the rule's scope.
    OutOfScope,
    /// The resource was deleted.
    Deleted,
    /// Config no longer records the resource.
    NotRecorded,
    /// An earlier result of a resource the periodic sweep no longer finds.
    Stale,
    /// A KMS key's own item: keys trigger re-evaluation, they are not judged.
    KeyItem,
}

impl Reason {
    /// The verdict this reason implies.
    pub fn compliance(self) -> Compliance {
        match self {
            Self::CustomerManagedKey | Self::CrossAccountKey | Self::KeyPolicyDeniesDescribe => {
                Compliance::Compliant
            }
            Self::Unencrypted
            | Self::AwsManagedKey
            | Self::AwsOwnedKey
            | Self::KeyNotEnabled
            | Self::BelowDesiredLevel
            | Self::KeyNotAllowed
            | Self::KeyNotFound
            | Self::LevelNotVerifiable
            | Self::ClusterNotFound => Compliance::NonCompliant,
            Self::UnsupportedType
            | Self::NotNeptune
            | Self::OutOfScope
            | Self::Deleted
            | Self::NotRecorded
            | Self::Stale
            | Self::KeyItem => Compliance::NotApplicable,
        }
    }

    /// A stable kebab-case id, e.g. `aws-managed-key`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerManagedKey => "customer-managed-key",
            Self::CrossAccountKey => "cross-account-key",
            Self::KeyPolicyDeniesDescribe => "key-policy-denies-describe",
            Self::Unencrypted => "unencrypted",
            Self::AwsManagedKey => "aws-managed-key",
            Self::AwsOwnedKey => "aws-owned-key",
            Self::KeyNotEnabled => "key-not-enabled",
            Self::BelowDesiredLevel => "below-desired-level",
            Self::KeyNotAllowed => "key-not-allowed",
            Self::KeyNotFound => "key-not-found",
            Self::LevelNotVerifiable => "level-not-verifiable",
            Self::ClusterNotFound => "cluster-not-found",
            Self::UnsupportedType => "unsupported-type",
            Self::NotNeptune => "not-neptune",
            Self::OutOfScope => "out-of-scope",
            Self::Deleted => "deleted",
            Self::NotRecorded => "not-recorded",
            Self::Stale => "stale",
            Self::KeyItem => "key-item",
        }
    }

    /// A few words for people, e.g. `AWS managed key (aws/rds)`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::CustomerManagedKey => "customer managed key",
            Self::CrossAccountKey => "customer managed key in another account (state not verified)",
            Self::KeyPolicyDeniesDescribe => {
                "customer managed key whose policy denies DescribeKey (state not verified)"
            }
            Self::Unencrypted => "unencrypted",
            Self::AwsManagedKey => "AWS managed key (aws/rds)",
            Self::AwsOwnedKey => "AWS owned key",
            Self::KeyNotEnabled => "key not enabled",
            Self::BelowDesiredLevel => "key below the desired level",
            Self::KeyNotAllowed => "key not in the allow-list",
            Self::KeyNotFound => "key not found",
            Self::LevelNotVerifiable => "key level not verifiable",
            Self::ClusterNotFound => "cluster not found",
            Self::UnsupportedType => "resource type not evaluated",
            Self::NotNeptune => "not Neptune",
            Self::OutOfScope => "out of the rule's scope",
            Self::Deleted => "deleted",
            Self::NotRecorded => "not recorded",
            Self::Stale => "no longer exists",
            Self::KeyItem => "KMS key (trigger only)",
        }
    }
}

impl Reason {
    /// The reason an annotation this crate wrote gives, recognized from its
    /// fixed wording, for results read back from AWS Config (which stores the
    /// verdict and the annotation, not the reason). `None` for text this
    /// crate did not write. Every decision-table test checks it round-trips.
    pub fn recognize(compliance: Compliance, annotation: &str) -> Option<Self> {
        // Most specific first: a cluster "was not found" before a key.
        const PHRASES: [(&str, Reason); 20] = [
            ("storage encryption is off", Reason::Unencrypted),
            ("has storage encryption off", Reason::Unencrypted),
            ("the AWS managed key aws/rds", Reason::AwsManagedKey),
            ("an AWS owned key", Reason::AwsOwnedKey),
            (", not Enabled", Reason::KeyNotEnabled),
            ("below desiredEncryptionLevel", Reason::BelowDesiredLevel),
            ("not in allowedKmsKeyArns", Reason::KeyNotAllowed),
            ("was not found, so the instance", Reason::ClusterNotFound),
            ("which was not found", Reason::KeyNotFound),
            (
                "cannot verify desiredEncryptionLevel",
                Reason::LevelNotVerifiable,
            ),
            ("cannot be used across accounts", Reason::CrossAccountKey),
            (
                "the key policy denies DescribeKey",
                Reason::KeyPolicyDeniesDescribe,
            ),
            ("KMS keys are not judged by this rule", Reason::KeyItem),
            ("is not Neptune", Reason::NotNeptune),
            ("is not evaluated by this rule", Reason::UnsupportedType),
            ("the rule's scope", Reason::OutOfScope),
            ("the resource was deleted", Reason::Deleted),
            ("Config no longer records", Reason::NotRecorded),
            ("the periodic sweep did not find it", Reason::Stale),
            ("encrypted with", Reason::CustomerManagedKey),
        ];
        PHRASES
            .iter()
            .find(|(phrase, reason)| {
                reason.compliance() == compliance && annotation.contains(phrase)
            })
            .map(|(_, reason)| *reason)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One verdict for one resource, ready for PutEvaluations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Config's resource type, e.g. `AWS::RDS::DBCluster`.
    pub resource_type: String,
    /// Config's resource id (never the DB identifier).
    pub resource_id: String,
    /// Why; the verdict follows from it ([`Evaluation::compliance`]).
    pub reason: Reason,
    /// Why, in at most 256 bytes.
    pub annotation: Annotation,
    /// The item's capture time, or the sweep's notification time.
    pub ordering_timestamp: Timestamp,
}

impl Evaluation {
    /// An evaluation whose verdict follows from `reason`.
    pub fn new(
        resource_type: impl Into<String>,
        resource_id: impl Into<String>,
        reason: Reason,
        annotation: impl Into<String>,
        ordering_timestamp: Timestamp,
    ) -> Self {
        Self {
            resource_type: resource_type.into(),
            resource_id: resource_id.into(),
            reason,
            annotation: Annotation::new(annotation),
            ordering_timestamp,
        }
    }

    /// The verdict, as `reason` decides it.
    pub fn compliance(&self) -> Compliance {
        self.reason.compliance()
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} @ {}: {}",
            self.resource_type,
            self.resource_id,
            self.compliance(),
            self.ordering_timestamp,
            self.annotation
        )
    }
}
