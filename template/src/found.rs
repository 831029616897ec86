//! What the readers hand the judge: each Neptune resource of a template or
//! plan, with the key facts that can be known before deploy, once per
//! branch of the conditions it depends on.

use neptune_cmk_evaluator::{KeyFacts, KeyOrigin, KeyState, ResourceKind};

use crate::Deployment;

/// One Neptune resource found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundResource {
    pub(crate) file: String,
    pub(crate) line: usize,
    /// Logical id or Terraform address.
    pub(crate) resource: String,
    /// `aws:cdk:path`, for cdk.out templates.
    pub(crate) construct_path: Option<String>,
    /// `AWS::Neptune::DBCluster`, `aws_neptune_cluster`, …
    pub(crate) resource_type: String,
    pub(crate) kind: ResourceKind,
    /// The property that names the key, for annotations: `KmsKeyId`, …
    pub(crate) key_field: &'static str,
    /// One per branch; never empty.
    pub(crate) scenarios: Vec<Scenario>,
    /// Notes for the author that do not change the verdict, e.g. a
    /// misspelled property that the service would reject.
    pub(crate) hints: Vec<String>,
}

/// The resource's encryption under one assignment of its conditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scenario {
    /// `condition UseCmk is false`, when the resource depends on one.
    pub(crate) label: Option<String>,
    pub(crate) key: KeyUse,
}

/// What a resource's own facts say about its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyUse {
    /// Storage encryption off.
    Unencrypted,
    /// Encryption on, no key named: the account's `aws/rds`.
    DefaultKey,
    /// A graph without a key: AWS owned.
    AwsOwned,
    /// A key whose facts are known without DescribeKey: defined in the
    /// same template or plan, an AWS managed alias, or a key a Terraform
    /// data source already described.
    Known(KnownKey),
    /// A literal key id, key ARN, alias or alias ARN: DescribeKey decides.
    Lookup(Reference),
    /// `Fn::ImportValue` of an export not found among the inputs.
    Imported { name: String },
    /// An expression that has no value before deploy.
    Unresolved {
        field: String,
        display: String,
        why: String,
    },
    /// A restore without a key: the source's encryption carries over.
    RestoreInherits { source: String },
}

impl KeyUse {
    /// What a literal key text means with no lookup at all: an AWS managed
    /// alias (shown as `display`), or `AWS_OWNED_KEY`.
    pub(crate) fn well_known(text: &str, display: impl FnOnce() -> String) -> Option<Self> {
        if is_aws_managed_alias(text) {
            Some(Self::Known(KnownKey::aws_managed(display())))
        } else if text == "AWS_OWNED_KEY" {
            Some(Self::AwsOwned)
        } else {
            None
        }
    }

    /// The key an alias points to, shown as reached through `alias`.
    pub(crate) fn via_alias(self, alias: &str) -> Self {
        match self {
            Self::Known(mut known) => {
                known.display = format!("{} via {alias}", known.display);
                Self::Known(known)
            }
            other => other,
        }
    }
}

/// A fact as a template or plan tells it: its value, or why it has none
/// before deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BeforeDeploy<T> {
    Known(T),
    /// Why, e.g. `Enabled is !Ref KeyEnabled: a parameter without a default`.
    Unknown(String),
}

impl<T> BeforeDeploy<T> {
    /// The value, or `unknown` in its place.
    pub(crate) fn known_or(self, unknown: T) -> T {
        match self {
            Self::Known(value) => value,
            Self::Unknown(_) => unknown,
        }
    }
}

/// A key and what is known of it offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KnownKey {
    /// Stands where the ARN would in the annotation.
    pub(crate) display: String,
    pub(crate) aws_managed: bool,
    pub(crate) state: BeforeDeploy<KeyState>,
    pub(crate) origin: BeforeDeploy<KeyOrigin>,
}

impl KnownKey {
    /// An AWS managed key, named by `display`.
    pub(crate) fn aws_managed(display: impl Into<String>) -> Self {
        Self {
            display: display.into(),
            aws_managed: true,
            state: BeforeDeploy::Known(KeyState::Enabled),
            origin: BeforeDeploy::Known(KeyOrigin::AwsKms),
        }
    }

    /// A key whose facts a data source read from KMS.
    pub(crate) fn described(facts: &KeyFacts) -> Self {
        Self {
            display: facts.arn.clone(),
            aws_managed: facts.key_manager == neptune_cmk_evaluator::KeyManager::Aws,
            state: BeforeDeploy::Known(facts.key_state.clone()),
            origin: BeforeDeploy::Known(facts.origin.clone()),
        }
    }
}

/// A key reference as written, with pseudo parameters (`${AWS::Region}`)
/// that only a deployment context can fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub(crate) parts: Vec<RefPart>,
    /// Where the text came from, e.g. `the Default of parameter DbKey`.
    pub(crate) origin: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefPart {
    Literal(String),
    Pseudo(String),
}

impl Reference {
    pub(crate) fn literal(text: impl Into<String>) -> Self {
        Self {
            parts: vec![RefPart::Literal(text.into())],
            origin: None,
        }
    }

    /// The text as written, pseudo parameters as `${AWS::Region}`.
    pub(crate) fn display(&self) -> String {
        let mut text: String = self
            .parts
            .iter()
            .map(|part| match part {
                RefPart::Literal(text) => text.clone(),
                RefPart::Pseudo(name) => format!("${{{name}}}"),
            })
            .collect();
        if let Some(origin) = &self.origin {
            text += &format!(" ({origin})");
        }
        text
    }

    /// The text to pass to DescribeKey, when every pseudo parameter it
    /// uses is known.
    pub(crate) fn resolve(&self, deployment: Option<&Deployment>) -> Option<String> {
        self.parts
            .iter()
            .map(|part| match part {
                RefPart::Literal(text) => Some(text.clone()),
                RefPart::Pseudo(name) => deployment?.pseudo_parameter(name),
            })
            .collect()
    }
}

/// `alias/aws/rds`, `arn:…:alias/aws/rds` or any other `aws/` alias: an
/// AWS managed key, whatever the service.
pub(crate) fn is_aws_managed_alias(text: &str) -> bool {
    text.starts_with("alias/aws/") || text.contains(":alias/aws/")
}

/// The alias name (`alias/…`) in an alias name or alias ARN.
pub(crate) fn alias_name(text: &str) -> Option<&str> {
    if text.starts_with("alias/") {
        return Some(text);
    }
    text.find(":alias/").map(|at| &text[at + 1..])
}
/// `did you mean` for a property name close to one that decides the key
/// (`KmsKeyID`, `StorageEncryption`): the name it is close to.
pub(crate) fn near_miss<'n>(name: &str, known: &[&'n str]) -> Option<&'n str> {
    if known.contains(&name) {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    known.iter().copied().find(|candidate| {
        let candidate = candidate.to_ascii_lowercase();
        candidate == lower || (candidate.len() >= 8 && edit_distance(&candidate, &lower) <= 3)
    })
}

/// Levenshtein distance over bytes (property names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != y);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
